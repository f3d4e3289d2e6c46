/*
 * cmd_patient.c - `station patient add|list|show|edit|delete`: the patient register on the station.
 *
 * Thin over the store (station/store/store.h): the store validates every field and writes the audit log;
 * this file turns options into a struct store_patient and prints. Exit status (DESIGN.md): 0 done,
 * 1 the database failed (one line naming the file), 2 the command line is wrong, and that includes a
 * field value out of range, whose message names the field (and never repeats a name, a date or a
 * note: stderr must not carry patient data). `patient delete` without --yes is refused with 2: the
 * confirmation is a required part of that command line.
 *
 * A deletion is a data-subject erasure (store_patient_delete): the patient, their masses, sessions,
 * repetitions and raw samples are erased for good, the old values in the audit log are blanked, and
 * one audit row records who erased how much and when.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/config.h"
#include "station/paths.h"
#include "station/store/store.h"
#include "station/store/store_sync.h"


static bool parse_sex(const char *t, char *out)
{
    if (!t || strlen(t) != 1)
        return false;
    char c = t[0] >= 'a' && t[0] <= 'z' ? (char)(t[0] - 32) : t[0];
    if (c != 'F' && c != 'M' && c != 'X')
        return false;
    *out = c;
    return true;
}

static bool parse_side(const char *t, char *out)
{
    if (!t || strlen(t) != 1)
        return false;
    char c = t[0] >= 'a' && t[0] <= 'z' ? (char)(t[0] - 32) : t[0];
    if (c != 'L' && c != 'R')
        return false;
    *out = c;
    return true;
}

static bool copy_text(char *dst, size_t size, const char *src)
{
    return (size_t)snprintf(dst, size, "%s", src ? src : "") < size;
}

/* What is wrong with a typed date, in words a receptionist can fix ("there is no month 13", "February
 * 1999 has 28 days"), or false when it is a real date from 1900 on (the store still refuses one in the
 * future). echo: repeat the text typed (a mass date); a birth date is patient data and never goes to
 * stderr, so its message says only what is wrong with it. */
static int date_usage(struct cli_cmd *cmd, const char *field, const char *text, bool echo)
{
    static const char *const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                         "July",    "August",   "September", "October", "November", "December"};
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char why[96] = "";
    bool form = strlen(text) == 10 && text[4] == '-' && text[7] == '-';
    for (int i = 0; form && i < 10; i++)
        form = i == 4 || i == 7 || (text[i] >= '0' && text[i] <= '9');
    if (!form) {
        snprintf(why, sizeof why, "is not written YYYY-MM-DD (year, month, day: 1985-03-12)");
    } else {
        int y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
        int m = (text[5] - '0') * 10 + (text[6] - '0'), d = (text[8] - '0') * 10 + (text[9] - '0');
        int max = m >= 1 && m <= 12 ? mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) : 0;
        if (y < 1900)
            snprintf(why, sizeof why, "the year is before 1900");
        else if (m < 1 || m > 12)
            snprintf(why, sizeof why, "there is no month %d (YYYY-MM-DD: the month comes second)", m);
        else if ((d < 1 || d > max) && echo)
            snprintf(why, sizeof why, "%s %d has %d days, not %d", months[m - 1], y, max, d);
        else if (d < 1 || d > max)
            snprintf(why, sizeof why, "its month has %d days, not %d", max, d);
    }
    if (!why[0])
        return -1;
    if (echo)
        return cli_usage_error(cmd, "%s: \"%.40s\" %s%s", field, text, form ? "is not a real date: " : "",
                               why);
    return cli_usage_error(cmd, "%s: %s%s", field, form ? "not a real date: " : "", why);
}

/* The options shared by add and edit. */
struct fields {
    const char *db, *name, *sex, *birth, *side, *ref, *notes, *therapist, *reason, *mass_date;
    double mass, leg, lever;
};

/* The option rows add and edit share: the database and the patient's fields that mean the same in
 * both (mass, reference and notes differ, and are each command's own). */
#define PATIENT_FIELD_OPTS(f)                                                                                \
    {"--db", CLI_STR, &(f).db, "PATH", "the database file", false},                                          \
        {"--name", CLI_STR, &(f).name, "TEXT", "display name (any Unicode text, up to 200 bytes)", false},   \
        {"--sex", CLI_STR, &(f).sex, "F|M|X", "sex", false},                                                 \
        {"--birth", CLI_STR, &(f).birth, "YYYY-MM-DD", "date of birth", false},                              \
        {"--leg-length-m", CLI_DOUBLE, &(f).leg, "M", "leg length, 0.4-1.4 m", false},                       \
        {"--lever-m", CLI_DOUBLE, &(f).lever, "M", "default lever arm (hip centre to pad), 0.1-1.5 m", false}, \
        {"--side-dominant", CLI_STR, &(f).side, "L|R", "dominant side", false}

/* Copies the options that were given into p. Returns -1 to go on, or an exit status. */
static int apply_fields(struct cli_cmd *cmd, const struct fields *f, struct store_patient *p)
{
    const struct cli_opt *o;
    if ((o = cli_opt_get(cmd, "--name")) && o->seen && !copy_text(p->name, sizeof p->name, f->name))
        return cli_usage_error(cmd, "Name: is longer than %zu bytes", sizeof p->name - 1);
    if ((o = cli_opt_get(cmd, "--ref")) && o->seen && !copy_text(p->ref, sizeof p->ref, f->ref))
        return cli_usage_error(cmd, "Clinic reference: is longer than %zu bytes", sizeof p->ref - 1);
    if ((o = cli_opt_get(cmd, "--notes")) && o->seen && !copy_text(p->notes, sizeof p->notes, f->notes))
        return cli_usage_error(cmd, "Notes: are longer than %zu bytes", sizeof p->notes - 1);
    int rc;
    if ((o = cli_opt_get(cmd, "--birth")) && o->seen && (rc = date_usage(cmd, "Birth date", f->birth, false)) >= 0)
        return rc;
    if ((o = cli_opt_get(cmd, "--birth")) && o->seen && !copy_text(p->birth, sizeof p->birth, f->birth))
        return cli_usage_error(cmd, "Birth date: is not written YYYY-MM-DD");
    if ((o = cli_opt_get(cmd, "--mass-date")) && o->seen && (rc = date_usage(cmd, "Mass date", f->mass_date, true)) >= 0)
        return rc;
    if ((o = cli_opt_get(cmd, "--sex")) && o->seen && !parse_sex(f->sex, &p->sex))
        return cli_usage_error(cmd, "Sex: must be F, M or X");
    if ((o = cli_opt_get(cmd, "--side-dominant")) && o->seen && !parse_side(f->side, &p->side_dominant))
        return cli_usage_error(cmd, "Dominant side: must be L or R");
    if ((o = cli_opt_get(cmd, "--leg-length-m")) && o->seen)
        p->leg_length_m = f->leg;
    if ((o = cli_opt_get(cmd, "--lever-m")) && o->seen)
        p->lever_m = f->lever;
    if ((o = cli_opt_get(cmd, "--mass-kg")) && o->seen)
        p->mass_kg = f->mass;
    return -1;
}

static void print_num(const char *label, double v, const char *unit)
{
    if (isnan(v))
        printf("  %-16s -\n", label);
    else
        printf("  %-16s %.2f %s\n", label, v, unit);
}

/* Clinics mistype and register a patient twice: a patient with the same name and birth date is
 * refused unless force (then only warned about). Returns -1 to go on, or the exit status (2: the
 * command line needs --force, as `patient delete` needs --yes; 1: the database failed). The message
 * names the existing patient by id and reference, never by name or birth date (stderr). */
static int duplicate_check(struct store *s, const struct store_patient *p, bool force)
{
    struct store_patient *all = NULL;
    size_t n = 0;
    struct st_err err;
    if (store_patient_list(s, &all, &n, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    int rc = -1;
    for (size_t i = 0; i < n && rc < 0; i++) {
        if (strcmp(all[i].birth, p->birth) != 0 || !store_patient_same_name(all[i].name, p->name))
            continue;
        char ref[240] = "";
        if (all[i].ref[0])
            snprintf(ref, sizeof ref, ", reference %.200s", all[i].ref);
        if (force) {
            fprintf(stderr, "station: warning: patient %lld%s has the same name and birth date; adding another "
                            "one as asked (--force)\n",
                    (long long)all[i].id, ref);
            break;
        }
        fprintf(stderr, "station patient add: patient %lld%s has the same name and birth date: use that one "
                        "(station patient show %lld), or add --force if this is another person\n",
                (long long)all[i].id, ref, (long long)all[i].id);
        rc = 2;
    }
    free(all);
    return rc;
}

static int patient_add(int argc, char **argv)
{
    struct fields f = {.mass = NAN, .leg = NAN, .lever = NAN};
    bool force = false;
    struct cli_opt opts[] = {
        PATIENT_FIELD_OPTS(f),
        {"--mass-kg", CLI_DOUBLE, &f.mass, "KG", "body mass today, 20-300 kg", false},
        {"--ref", CLI_STR, &f.ref, "TEXT", "clinic reference (file number)", false},
        {"--notes", CLI_STR, &f.notes, "TEXT", "free notes", false},
        {"--therapist", CLI_STR, &f.therapist, "NAME", "who adds the patient (default $STATION_THERAPIST)",
         false},
        {"--force", CLI_FLAG, &force, NULL, "add even if a patient has the same name and birth date", false},
    };
    struct cli_cmd cmd = {
        "station patient add",
        "--name TEXT --sex F|M|X --birth YYYY-MM-DD --mass-kg KG [--leg-length-m M] "
        "[--lever-m M] [--side-dominant L|R] [--ref TEXT] [--notes TEXT] [--therapist NAME] [--force]",
        "Adds a patient and their body mass; prints the new patient id on the last line.",
        CLI_OPTS(opts),
        0,
        0};
    int rc = cli_parse(&cmd, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    const char *required[] = {"--name", "--sex", "--birth", "--mass-kg"};
    for (size_t i = 0; i < 4; i++)
        if (!cli_opt_get(&cmd, required[i])->seen)
            return cli_usage_error(&cmd, "%s is required", required[i]);
    struct store_patient *p = calloc(1, sizeof *p);
    if (!p)
        return cli_fail("out of memory");
    p->leg_length_m = p->lever_m = p->mass_kg = NAN;
    if ((rc = apply_fields(&cmd, &f, p)) >= 0) {
        free(p);
        return rc;
    }
    struct st_err err;
    if (store_patient_validate(p, true, &err) != ST_OK) {
        free(p);
        return cli_usage_error(&cmd, "%s", st_err_msg(&err));
    }
    struct store *s = NULL;
    if ((rc = cli_db_open(f.db, &s)) != 0) {
        free(p);
        return rc;
    }
    int64_t th = 0;
    if ((rc = duplicate_check(s, p, force)) >= 0)
        ;
    else if ((rc = cli_therapist_id(s, f.therapist, &th)) == 0) {
        if (store_patient_add(s, p, th, &err) != ST_OK)
            rc = cli_fail("%s", st_err_msg(&err));
        else
            printf("Patient added: %s (uuid %s)\n%lld\n", p->name, p->uuid, (long long)p->id);
    }
    store_close(s);
    free(p);
    return rc;
}

static int patient_list(int argc, char **argv)
{
    const char *db = NULL;
    struct cli_opt opts[] = {CLI_OPT_DB(&db)};
    struct cli_cmd cmd = {
        "station patient list", "[--db PATH]", "Lists the patients, by name.", opts, 1, 0, 0};
    struct store *s = NULL;
    int rc = cli_parse_open(&cmd, argc, argv, NULL, NULL, &db, &s);
    if (rc >= 0)
        return rc;
    rc = 0;
    struct store_patient *list = NULL;
    size_t n = 0;
    struct st_err err;
    if (store_patient_list(s, &list, &n, &err) != ST_OK) {
        store_close(s);
        return cli_fail("%s", st_err_msg(&err));
    }
    printf("%-6s %-10s %-3s %-8s %-16s %s\n", "id", "born", "sex", "mass kg", "reference", "name");
    for (size_t i = 0; i < n; i++) {
        char mass[16] = "-";
        if (!isnan(list[i].mass_kg))
            snprintf(mass, sizeof mass, "%.1f", list[i].mass_kg);
        printf("%-6lld %-10s %-3c %-8s %-16s %s\n", (long long)list[i].id, list[i].birth, list[i].sex, mass,
               list[i].ref[0] ? list[i].ref : "-", list[i].name);
    }
    printf("%zu patient(s)\n", n);
    free(list);
    store_close(s);
    return 0;
}

/* The opening of a command on one patient (show, edit, delete): parses cmd, whose one positional
 * argument is the patient (number or UUID), opens the database *db names and finds the patient. Returns
 * -1 with *s open and *id set to go on; else the exit status, nothing left open. */
static int open_patient(struct cli_cmd *cmd, int argc, char **argv, const char *const *db, struct store **s,
                        int64_t *id)
{
    const char *pos[1] = {NULL};
    int npos = 0;
    int rc = cli_parse_open(cmd, argc, argv, pos, &npos, db, s);
    if (rc >= 0)
        return rc;
    struct st_err err;
    if (store_patient_find(*s, pos[0], id, &err) != ST_OK) {
        store_close(*s);
        *s = NULL;
        return cli_fail("%s", st_err_msg(&err));
    }
    return -1;
}

/* The versions of a patient edited on two stations before they synced (clinic server): both kept
 * until a therapist keeps one. Nothing when there is no conflict. */
static void print_conflicts(struct store *s, int64_t id)
{
    struct store_patient_version *v = NULL;
    size_t n = 0;
    struct st_err err;
    if (store_patient_conflicts(s, id, &v, &n, &err) != ST_OK || n == 0) {
        free(v);
        return;
    }
    printf("Conflict: edited on two stations before they synced; both versions are kept:\n");
    for (size_t i = 0; i < n; i++) {
        const struct store_patient *q = &v[i].p;
        printf("  version %-12s %s%s | %s | born %s | sex %c | side %c | notes %s\n", v[i].token,
               v[i].ours ? "(this station's) " : "", q->name, q->ref[0] ? q->ref : "-", q->birth, q->sex,
               q->side_dominant ? q->side_dominant : '-', q->notes[0] ? q->notes : "-");
    }
    printf("  keep one: station patient resolve %lld --keep VERSION\n", (long long)id);
    free(v);
}

static int patient_show(int argc, char **argv)
{
    const char *db = NULL;
    struct cli_opt opts[] = {CLI_OPT_DB(&db)};
    struct cli_cmd cmd = {"station patient show",
                          "ID [--db PATH]",
                          "Shows a patient: details, body mass history, sessions.",
                          opts,
                          1,
                          1,
                          1};
    struct store *s = NULL;
    int64_t id = 0;
    int rc = open_patient(&cmd, argc, argv, &db, &s, &id);
    if (rc >= 0)
        return rc;
    rc = 0;
    struct store_patient *p = calloc(1, sizeof *p);
    struct st_err err;
    if (!p) {
        store_close(s);
        return cli_fail("out of memory");
    }
    if (store_patient_get(s, id, p, &err) != ST_OK)
        rc = cli_fail("%s", st_err_msg(&err));
    struct store_mass *masses = NULL;
    size_t nm = 0;
    struct store_session *sessions = NULL;
    size_t ns = 0;
    if (rc == 0 && (store_mass_list(s, id, &masses, &nm, &err) != ST_OK ||
                    store_session_list(s, id, &sessions, &ns, &err) != ST_OK))
        rc = cli_fail("%s", st_err_msg(&err));
    if (rc == 0) {
        char created[32];
        printf("Patient %lld\n", (long long)p->id);
        printf("  %-16s %s\n", "name", p->name);
        printf("  %-16s %s\n", "uuid", p->uuid);
        printf("  %-16s %s\n", "reference", p->ref[0] ? p->ref : "-");
        printf("  %-16s %s\n", "born", p->birth);
        printf("  %-16s %c\n", "sex", p->sex);
        printf("  %-16s %c\n", "dominant side", p->side_dominant ? p->side_dominant : '-');
        print_num("leg length", p->leg_length_m, "m");
        print_num("lever arm", p->lever_m, "m");
        printf("  %-16s %s\n", "added", store_time_str(p->created, created, sizeof created));
        printf("  %-16s %s\n", "notes", p->notes[0] ? p->notes : "-");
        printf("Body mass\n");
        for (size_t i = 0; i < nm; i++)
            printf("  %s  %.1f kg\n", masses[i].date, masses[i].kg);
        print_conflicts(s, id);
        printf("Sessions: %zu\n", ns);
        for (size_t i = 0; i < ns; i++) {
            char when[32];
            printf("  %-6lld %s  %-12s %-20s %d rep(s)\n", (long long)sessions[i].id,
                   store_time_str(sessions[i].started, when, sizeof when),
                   store_session_status_name(sessions[i].status),
                   sessions[i].protocol_name[0] ? sessions[i].protocol_name : "-", sessions[i].n_reps);
        }
    }
    free(masses);
    free(sessions);
    free(p);
    store_close(s);
    return rc;
}

static int patient_edit(int argc, char **argv)
{
    struct fields f = {.mass = NAN, .leg = NAN, .lever = NAN};
    struct cli_opt opts[] = {
        PATIENT_FIELD_OPTS(f),
        {"--mass-kg", CLI_DOUBLE, &f.mass, "KG", "adds a body mass measurement (20-300 kg)", false},
        {"--mass-date", CLI_STR, &f.mass_date, "YYYY-MM-DD", "the date of that mass (default today)", false},
        {"--ref", CLI_STR, &f.ref, "TEXT", "clinic reference (\"\" clears it)", false},
        {"--notes", CLI_STR, &f.notes, "TEXT", "free notes (\"\" clears them)", false},
        {"--therapist", CLI_STR, &f.therapist, "NAME", "who makes the change (default $STATION_THERAPIST)",
         false},
        {"--reason", CLI_STR, &f.reason, "TEXT", "why (kept in the audit log)", false},
    };
    struct cli_cmd cmd = {"station patient edit",
                          "ID [fields as for add] [--mass-date D] [--reason TEXT]",
                          "Changes a patient's details; every changed field is written to the audit log with "
                          "its old and new value. --mass-kg adds a new dated mass.",
                          CLI_OPTS(opts),
                          1,
                          1};
    struct store *s = NULL;
    int64_t id = 0, th = 0;
    int rc = open_patient(&cmd, argc, argv, &f.db, &s, &id);
    if (rc >= 0)
        return rc;
    rc = 0;
    struct store_patient *p = calloc(1, sizeof *p);
    struct st_err err;
    if (!p)
        rc = cli_fail("out of memory");
    if (rc == 0 && store_patient_get(s, id, p, &err) != ST_OK)
        rc = cli_fail("%s", st_err_msg(&err));
    if (rc == 0 && (rc = apply_fields(&cmd, &f, p)) < 0) {
        rc = 0;
        bool mass = cli_opt_get(&cmd, "--mass-kg")->seen;
        if (store_patient_validate(p, mass, &err) != ST_OK)
            rc = cli_usage_error(&cmd, "%s", st_err_msg(&err));
        else if (f.mass_date && store_check_date("Mass date", f.mass_date, false, &err) != ST_OK)
            rc = cli_usage_error(&cmd, "%s", st_err_msg(&err));
        else if (store_check_text("Reason", f.reason, false, 255, true, &err) != ST_OK)
            rc = cli_usage_error(&cmd, "%s", st_err_msg(&err));
        if (rc == 0)
            rc = cli_therapist_id(s, f.therapist, &th);
        if (rc == 0 && store_patient_update(s, p, th, f.reason, &err) != ST_OK)
            rc = cli_fail("%s", st_err_msg(&err));
        if (rc == 0 && mass && store_mass_add(s, id, p->mass_kg, f.mass_date, &err) != ST_OK)
            rc = cli_fail("%s", st_err_msg(&err));
        if (rc == 0)
            printf("Patient %lld updated\n", (long long)id);
    }
    free(p);
    store_close(s);
    return rc;
}

static int patient_delete(int argc, char **argv)
{
    const char *db = NULL, *therapist = NULL, *reason = NULL;
    bool yes = false;
    struct cli_opt opts[] = {
        CLI_OPT_DB(&db),
        {"--yes", CLI_FLAG, &yes, NULL, "confirm: erase the patient and everything measured on them", false},
        {"--therapist", CLI_STR, &therapist, "NAME", "who erases (default $STATION_THERAPIST)", false},
        {"--reason", CLI_STR, &reason, "TEXT", "why (kept in the audit log)", false},
    };
    struct cli_cmd cmd = {
        "station patient delete",
        "ID --yes [--reason TEXT] [--therapist NAME]",
        "Erases a patient for good (a data-subject erasure): their details, body masses, "
        "sessions, repetitions and raw samples. The audit log keeps only that an erasure "
        "happened, by whom, when and how much. Export first if the clinic must keep a copy.",
        CLI_OPTS(opts),
        1,
        1};
    struct store *s = NULL;
    int64_t id = 0, th = 0;
    int rc = open_patient(&cmd, argc, argv, &db, &s, &id);
    if (rc >= 0)
        return rc;
    rc = 0;
    if (!yes) {
        struct store_session *sl = NULL;
        size_t ns = 0;
        struct st_err err;
        if (store_session_list(s, id, &sl, &ns, &err) != ST_OK)
            ns = 0;
        free(sl);
        store_close(s);
        return cli_usage_error(
            &cmd, "this erases patient %lld and their %zu session(s) for good; add --yes to confirm",
            (long long)id, ns);
    }
    struct st_err err;
    int ns = 0, nr = 0;
    if ((rc = cli_therapist_id(s, therapist, &th)) == 0) {
        if (store_patient_delete(s, id, th, reason, &ns, &nr, &err) != ST_OK)
            rc = cli_fail("%s", st_err_msg(&err));
        else
            printf("Patient %lld erased with %d session(s) and %d repetition(s)\n", (long long)id, ns, nr);
    }
    store_close(s);
    return rc;
}

/* station patient resolve ID --keep VERSION: settles a conflict (store_patient_resolve). */
static int patient_resolve(int argc, char **argv)
{
    const char *db = NULL, *keep = NULL, *therapist = NULL;
    struct cli_opt opts[] = {
        CLI_OPT_DB(&db),
        {"--keep", CLI_STR, &keep, "VERSION", "the version to keep, as patient show lists it (2@1a2b3c4d)", false},
        {"--therapist", CLI_STR, &therapist, "NAME", "who decides (default $STATION_THERAPIST)", false},
    };
    struct cli_cmd cmd = {"station patient resolve", "ID --keep VERSION [--therapist NAME]",
                          "Settles a conflict (the patient edited on two stations before they synced): the kept "
                          "version becomes the next one, on every station at its next sync. Audited.",
                          CLI_OPTS(opts), 1, 1};
    struct store *s = NULL;
    int64_t id = 0, th = 0;
    int rc = open_patient(&cmd, argc, argv, &db, &s, &id);
    if (rc >= 0)
        return rc;
    struct st_err err;
    if (!keep)
        rc = cli_usage_error(&cmd, "--keep VERSION is required (station patient show ID lists the versions)");
    else if ((rc = cli_therapist_id(s, therapist, &th)) == 0) {
        if (store_patient_resolve(s, id, keep, th, &err) != ST_OK)
            rc = cli_fail("%s", st_err_msg(&err));
        else
            printf("Patient %lld: version %s kept; the other stations take it at their next sync\n", (long long)id,
                   keep);
    }
    store_close(s);
    return rc;
}

/* station patient merge A B: B's masses and sessions join A, B is erased (store_patient_merge). */
static int patient_merge(int argc, char **argv)
{
    const char *db = NULL, *therapist = NULL, *reason = NULL;
    bool yes = false;
    struct cli_opt opts[] = {
        CLI_OPT_DB(&db),
        {"--yes", CLI_FLAG, &yes, NULL, "confirm: B's record is erased once its sessions joined A", false},
        {"--therapist", CLI_STR, &therapist, "NAME", "who merges (default $STATION_THERAPIST)", false},
        {"--reason", CLI_STR, &reason, "TEXT", "why (kept in the audit log)", false},
    };
    struct cli_cmd cmd = {"station patient merge", "A B --yes [--reason TEXT] [--therapist NAME]",
                          "Joins two records of one person (e.g. registered on two stations): B's body masses and "
                          "sessions move to A and B is erased, here and on every station at its next sync. "
                          "Audited on both.",
                          CLI_OPTS(opts), 2, 2};
    const char *pos[2];
    int npos = 0;
    struct store *s = NULL;
    int rc = cli_parse_open(&cmd, argc, argv, pos, &npos, &db, &s);
    if (rc >= 0)
        return rc;
    int64_t a = 0, b = 0, th = 0;
    struct st_err err;
    if (store_patient_find(s, pos[0], &a, &err) != ST_OK || store_patient_find(s, pos[1], &b, &err) != ST_OK)
        rc = cli_fail("%s", st_err_msg(&err));
    else if (!yes)
        rc = cli_usage_error(&cmd, "this moves patient %lld's sessions to patient %lld and erases record %lld; "
                                   "add --yes to confirm",
                             (long long)b, (long long)a, (long long)b);
    else if ((rc = cli_therapist_id(s, therapist, &th)) == 0 && store_patient_merge(s, a, b, th, reason, &err) != ST_OK)
        rc = cli_fail("%s", st_err_msg(&err));
    else if (rc == 0)
        printf("Patient %lld merged into patient %lld\n", (long long)b, (long long)a);
    store_close(s);
    return rc;
}

int cmd_patient(int argc, char **argv)
{
    static const char usage[] =
        "Usage: station patient add|list|show|edit|delete|merge|resolve ...\n\n"
        "The patients on this station. See station patient SUBCOMMAND --help.\n"
        "  add     --name TEXT --sex F|M|X --birth YYYY-MM-DD --mass-kg KG ...   prints the new id\n"
        "  list    all patients\n"
        "  show    ID   details, body mass history and sessions\n"
        "  edit    ID [fields]   audited\n"
        "  delete  ID --yes   erases the patient and everything measured on them\n"
        "  merge   A B --yes  joins record B into A (two records of one person)\n"
        "  resolve ID --keep VERSION   settles a conflict between two stations' edits\n";
    if (argc < 2) {
        fprintf(stderr,
                "station patient: a subcommand is needed: add, list, show, edit or delete (see station "
                "patient --help)\n");
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(sub, "add"))
        return patient_add(argc - 1, argv + 1);
    if (!strcmp(sub, "list"))
        return patient_list(argc - 1, argv + 1);
    if (!strcmp(sub, "show"))
        return patient_show(argc - 1, argv + 1);
    if (!strcmp(sub, "edit"))
        return patient_edit(argc - 1, argv + 1);
    if (!strcmp(sub, "delete"))
        return patient_delete(argc - 1, argv + 1);
    if (!strcmp(sub, "merge"))
        return patient_merge(argc - 1, argv + 1);
    if (!strcmp(sub, "resolve"))
        return patient_resolve(argc - 1, argv + 1);
    fprintf(stderr, "station patient: unknown subcommand \"%.40s\" (see station patient --help)\n", sub);
    return 2;
}
