/*
 * cmd_history.c - looking back: `station sessions`, `station show`, `station trend`, `station export`.
 *
 * Everything here reads the store and computes the session balance with bal_compute
 * (protocols/balance.h), the same function the live station and the report use, so the numbers agree
 * everywhere. The ADD:ABD cut-offs are labelled as what they are: groin-injury research in athletes
 * (CLINICAL.md). The trend marks a change of device (brands differ by up to 16 %) and says for each
 * change from the previous session whether it exceeds the 10 % measurement-error band of CLINICAL.md.
 *
 * Export formats (DESIGN.md "The command line"):
 *  - JSON (`--format json`): one object: "format": "station-session", "version": 1, "session" (ids,
 *    times, status, position, mode, acquisition figures), "patient" (id, uuid, clinic reference: no
 *    name, birth date or notes - a session export is pseudonymous), "therapist", "protocol" (name,
 *    sha256), "devices" (per channel), "reps" (per rep: ids, sequence, block, index, direction, side,
 *    familiarisation, status, accepted, counts, the keys of `station analyze --json`, normalised values,
 *    lever, mass, tare, pain, note; with --raw its "samples": rate, drops, t_s[], force_n[]), "cells"
 *    (per direction and side: n, best, mean, CV, per-kg and torque values), "sides" (per side
 *    "add_abd_ratio" and its "flag": red|amber|normal, null when not available) and "asymmetry" (per
 *    direction: pct, weaker side, flag).
 *  - CSV (`--format csv`): RFC 4180 (fields with a comma, quote, CR or LF are quoted, quotes doubled),
 *    a header row, then one row per rep; empty fields are nulls; flags are joined with ';'. With
 *    --raw, a blank line follows the reps and a second table in long format: header
 *    "rep_id,rep_uuid,sequence,t_s,force_n", one row per sample.
 *  - `export --patient ID --all`: everything the station holds about one patient as JSON
 *    ("format": "station-patient-export"): all their details, the mass history, every session in the
 *    JSON form above with raw samples, and the audit rows about them. This answers a data-subject
 *    access request.
 * Exports go to stdout, or with --out FILE to a new file of mode 0600 (it holds health data).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "protocols/balance.h"
#include "protocols/metric_fields.h"
#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/export/json.h"
#include "station/paths.h"
#include "station/export/rep_json.h"
#include "station/store/store.h"

static bool parse_id(const char *text, int64_t *id)
{
    long long v = 0;
    if (!cli_parse_long(text, 1, INT64_MAX, &v))
        return false;
    *id = v;
    return true;
}

/* v with `decimals` decimals and a suffix, or "-" when not available. */
static const char *fmt_num(double v, int decimals, const char *suffix, char *buf, size_t size)
{
    if (!isfinite(v))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.*f%s", decimals, v, suffix);
    return buf;
}

/* The session, its reps and its balance. */
struct loaded {
    struct store_session sess;
    struct store_rep *reps;
    size_t n;
    struct bal_result bal;
    struct bal_params params;
};

static enum st_status load_session(struct store *s, int64_t id, struct loaded *L, struct st_err *err)
{
    memset(L, 0, sizeof *L);
    enum st_status st = store_session_get(s, id, &L->sess, err);
    if (st == ST_OK)
        st = store_rep_list(s, id, &L->reps, &L->n, err);
    if (st != ST_OK)
        return st;
    st = store_session_bal_params(s, &L->sess, &L->params, err);
    if (st != ST_OK) {
        free(L->reps);
        L->reps = NULL;
        return st;
    }
    struct bal_rep *b = calloc(L->n ? L->n : 1, sizeof *b);
    if (!b) {
        free(L->reps);
        L->reps = NULL;
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    store_reps_to_balance(L->reps, L->n, b);
    bal_compute(b, L->n, &L->params, &L->bal);
    free(b);
    return ST_OK;
}

/* ------------------------------------------------------------------------------------------------ */
/* station sessions                                                                                 */

int cmd_sessions(int argc, char **argv)
{
    const char *db = NULL, *patient = NULL;
    struct cli_opt opts[] = {
        {"--db", CLI_STR, &db, "PATH", "the database file", false},
        {"--patient", CLI_STR, &patient, "ID", "only this patient's sessions (number or UUID)", false},
    };
    struct cli_cmd cmd = {
        "station sessions", "[--patient ID] [--db PATH]", "Lists sessions, newest first.", opts, 2, 0, 0};
    int rc = cli_parse(&cmd, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    struct store *s = NULL;
    if ((rc = cli_db_open(db, &s)) != 0)
        return rc;
    struct st_err err;
    int64_t pid = 0;
    struct store_session *list = NULL;
    size_t n = 0;
    if (patient && store_patient_find(s, patient, &pid, &err) != ST_OK)
        rc = cli_fail("%s", st_err_msg(&err));
    else if (store_session_list(s, pid, &list, &n, &err) != ST_OK)
        rc = cli_fail("%s", st_err_msg(&err));
    if (rc == 0) {
        printf("%-7s %-20s %-8s %-12s %-5s %-20s %s\n", "session", "started (UTC)", "patient", "status",
               "reps", "protocol", "position");
        for (size_t i = 0; i < n; i++) {
            char when[32];
            printf("%-7lld %-20s %-8lld %-12s %-5d %-20s %s\n", (long long)list[i].id,
                   store_time_str(list[i].started, when, sizeof when), (long long)list[i].patient_id,
                   store_session_status_name(list[i].status), list[i].n_reps,
                   list[i].protocol_name[0] ? list[i].protocol_name : "-",
                   list[i].position[0] ? list[i].position : "-");
        }
        printf("%zu session(s)\n", n);
    }
    free(list);
    store_close(s);
    return rc;
}

/* ------------------------------------------------------------------------------------------------ */
/* station show                                                                                     */

static void print_devices(struct store *s, const struct store_session *x)
{
    for (int ch = 0; ch < ST_MAX_CHANNELS; ch++) {
        if (x->device_id[ch] <= 0)
            continue;
        struct store_device d;
        struct st_err err;
        char cap[32];
        if (store_device_get(s, x->device_id[ch], &d, &err) != ST_OK)
            continue;
        printf("Device ch%d: %s %s, serial %s, firmware %s, capacity %s N\n", ch, d.family,
               d.model[0] ? d.model : "-", d.serial[0] ? d.serial : "-", d.firmware[0] ? d.firmware : "-",
               fmt_num(d.capacity_n, 0, "", cap, sizeof cap));
        struct store_cal_status cs; /* as it stood when the session was run */
        if (store_calibration_status(s, d.id, x->started, 0, &cs, &err) == ST_OK) {
            char when[32];
            if (cs.state == STORE_CAL_OK)
                printf("  calibration: checked %s, error %+.2f %%\n", store_time_str(cs.last.checked, when, sizeof when),
                       cs.last.error_pct);
            else
                printf("  calibration: FLAGGED: %s\n", cs.text);
        }
    }
}

int cmd_show(int argc, char **argv)
{
    const char *db = NULL;
    struct cli_opt opts[] = {{"--db", CLI_STR, &db, "PATH", "the database file", false}};
    struct cli_cmd cmd = {
        "station show",
        "SESSION [--db PATH]",
        "One session per side and direction: reps, best, mean, CV, N/kg, N·m/kg, the ADD:ABD "
        "ratio and the asymmetry with their flags.",
        opts,
        1,
        1,
        1};
    const char *pos[1];
    int npos = 0;
    int rc = cli_parse(&cmd, argc, argv, pos, &npos);
    if (rc >= 0)
        return rc;
    int64_t id = 0;
    if (!parse_id(pos[0], &id))
        return cli_usage_error(&cmd, "SESSION must be a session number (see station sessions)");
    struct store *s = NULL;
    if ((rc = cli_db_open(db, &s)) != 0)
        return rc;
    struct loaded L;
    struct st_err err;
    if (load_session(s, id, &L, &err) != ST_OK) {
        store_close(s);
        return cli_fail("%s", st_err_msg(&err));
    }
    const struct store_session *x = &L.sess;
    char a[32], b[32], c[32], d[32], e[32], f[32];
    printf("Session %lld (%s), %s\n", (long long)x->id, store_session_status_name(x->status), x->uuid);
    printf("Started %s", store_time_str(x->started, a, sizeof a));
    if (x->ended)
        printf(", ended %s", store_time_str(x->ended, b, sizeof b));
    printf("\nPatient %lld%s%s, therapist %s\n", (long long)x->patient_id, x->patient_ref[0] ? ", ref " : "",
           x->patient_ref, x->therapist[0] ? x->therapist : "-");
    printf("Protocol %s (sha256 %.12s), position %s, mode %s\n", x->protocol_name[0] ? x->protocol_name : "-",
           x->protocol_sha256[0] ? x->protocol_sha256 : "-", x->position[0] ? x->position : "-",
           x->mode[0] ? x->mode : "-");
    print_devices(s, x);
    printf("Body mass %s kg, lever arm %s m; sample rate %s Hz, %lld dropped, %lld bad line(s)\n",
           fmt_num(x->body_mass_kg, 1, "", a, sizeof a), fmt_num(x->lever_m, 2, "", b, sizeof b),
           fmt_num(x->sample_rate_hz, 1, "", c, sizeof c), (long long)(x->drops < 0 ? 0 : x->drops),
           (long long)(x->bad_lines < 0 ? 0 : x->bad_lines));

    printf("\nRepetitions\n  %-4s %-4s %-6s %-12s %-5s %9s %7s %8s %8s  %s\n", "#", "dir", "side", "status",
           "count", "peak N", "N/kg", "N·m", "N·m/kg", "flags");
    for (size_t i = 0; i < L.n; i++) {
        const struct store_rep *r = &L.reps[i];
        char flags[128];
        met_flags_str(r->m.flags, ", ", flags, sizeof flags);
        char pain[24] = "";
        if (r->pain >= 0)
            snprintf(pain, sizeof pain, "%spain %d", flags[0] ? ", " : "", r->pain);
        printf("  %-4d %-4s %-6s %-12s %-5s %9s %7s %8s %8s  %s%s\n", r->sequence, st_dir_short(r->dir),
               st_side_name(r->side), store_rep_status_name(r->status),
               r->familiarisation ? "fam."
               : r->counts        ? "yes"
                                  : "no",
               fmt_num(r->m.peak_n, 1, "", a, sizeof a), fmt_num(r->m.peak_n_per_kg, 2, "", b, sizeof b),
               fmt_num(r->m.torque_nm, 1, "", c, sizeof c),
               fmt_num(r->m.torque_nm_per_kg, 2, "", d, sizeof d), flags, pain);
    }

    printf("\nPer direction and side (reps that count)\n");
    for (int dir = 0; dir < ST_DIR_COUNT; dir++)
        for (int side = 0; side < ST_SIDE_COUNT; side++) {
            const struct bal_cell *cell = &L.bal.cell[dir][side];
            if (cell->n == 0)
                continue;
            printf("  %s %-5s: %d rep(s), best %s N, mean %s N, CV %s %%, %s N/kg, %s N·m, %s N·m/kg%s\n",
                   st_dir_short((enum st_dir)dir), st_side_name((enum st_side)side), cell->n,
                   fmt_num(cell->best_n, 1, "", a, sizeof a), fmt_num(cell->mean_n, 1, "", b, sizeof b),
                   fmt_num(cell->cv_pct, 1, "", c, sizeof c),
                   fmt_num(cell->best_n_per_kg, 2, "", d, sizeof d),
                   fmt_num(cell->best_torque_nm, 1, "", e, sizeof e),
                   fmt_num(cell->best_nm_per_kg, 2, "", f, sizeof f),
                   cell->cv_over_limit ? "  CV above the limit: one more repetition" : "");
            if (isfinite(cell->best_torque_corrected_nm))
                printf("            gravity-corrected (side-lying): %s N·m, %s N·m/kg\n",
                       fmt_num(cell->best_torque_corrected_nm, 1, "", a, sizeof a),
                       fmt_num(cell->best_nm_per_kg_corrected, 2, "", b, sizeof b));
        }

    bool any_ratio = false;
    printf("\nADD:ABD ratio (best ADD torque / best ABD torque)\n");
    for (int side = 0; side < ST_SIDE_COUNT; side++) {
        if (!isfinite(L.bal.ratio[side]))
            continue;
        any_ratio = true;
        printf("  %-5s: %.2f  %s%s\n", st_side_name((enum st_side)side), L.bal.ratio[side],
               bal_flag_name(L.bal.ratio_flag[side]),
               L.bal.ratio_corrected ? " (gravity-corrected ABD)" : "");
    }
    if (any_ratio)
        printf(
            "  Cut-offs: red below %.2f, amber below %.2f. They come from groin-injury research in athletes\n"
            "  (Tyler 2001, ice hockey; Thorborg 2011): use them with care for other patients.\n",
            L.params.ratio_red, L.params.ratio_amber);
    else
        printf("  not available (needs counted ADD and ABD reps on the same side)\n");

    printf("\nAsymmetry, left vs right: 100 x (stronger - weaker) / stronger\n");
    bool any_asym = false;
    for (int dir = 0; dir < ST_DIR_COUNT; dir++) {
        if (!isfinite(L.bal.asym_pct[dir]))
            continue;
        any_asym = true;
        enum st_side w = L.bal.weaker[dir];
        printf("  %s: %.1f %%%s%s, %s\n", st_dir_short((enum st_dir)dir), L.bal.asym_pct[dir],
               w == ST_SIDE_BOTH ? "" : ", weaker ", w == ST_SIDE_BOTH ? "" : st_side_name(w),
               bal_flag_name(L.bal.asym_flag[dir]));
    }
    if (!any_asym)
        printf("  not available (needs counted reps on both sides)\n");
    else
        printf("  Flags: amber above %.0f %%, red above %.0f %%.\n", L.params.asym_amber, L.params.asym_red);
    free(L.reps);
    store_close(s);
    return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* station trend                                                                                    */

/* "241.0 +20%!" : the value and its change from prev; '!' beyond the 10 % measurement-error band. */
static const char *trend_cell(double v, double prev, int *beyond, char *buf, size_t size)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "-");
        return buf;
    }
    if (!isfinite(prev) || prev == 0) {
        snprintf(buf, size, "%.1f", v);
        return buf;
    }
    double pct = 100.0 * (v - prev) / prev;
    bool big = fabs(pct) > 10.0;
    if (big)
        (*beyond)++;
    snprintf(buf, size, "%.1f %+.0f%%%s", v, pct, big ? "!" : "");
    return buf;
}

int cmd_trend(int argc, char **argv)
{
    const char *db = NULL, *patient = NULL, *protocol = NULL;
    struct cli_opt opts[] = {
        {"--db", CLI_STR, &db, "PATH", "the database file", false},
        {"--patient", CLI_STR, &patient, "ID", "the patient (number or UUID)", false},
        {"--protocol", CLI_STR, &protocol, "NAME", "the protocol (every version of its text)", false},
    };
    struct cli_cmd cmd = {
        "station trend",
        "--patient ID --protocol NAME [--db PATH]",
        "Best ADD and ABD per side, ADD:ABD ratio and asymmetry over a patient's sessions of one "
        "protocol. A change beyond the 10 % measurement error is marked '!'; a change of "
        "device is marked too.",
        opts,
        3,
        0,
        0};
    int rc = cli_parse(&cmd, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    if (!patient || !protocol)
        return cli_usage_error(&cmd, "%s is required", !patient ? "--patient" : "--protocol");
    struct store *s = NULL;
    if ((rc = cli_db_open(db, &s)) != 0)
        return rc;
    struct st_err err;
    int64_t pid = 0;
    struct store_trend_row *rows = NULL;
    size_t n = 0;
    if (store_patient_find(s, patient, &pid, &err) != ST_OK ||
        store_trend(s, pid, protocol, &rows, &n, &err) != ST_OK) {
        store_close(s);
        return cli_fail("%s", st_err_msg(&err));
    }
    printf("Trend of patient %lld, protocol %s: %zu session(s). Best force in N; change from the previous\n"
           "session in %%, '!' where it exceeds the 10 %% measurement error (CLINICAL.md).\n\n",
           (long long)pid, protocol, n);
    printf("%-10s %-7s %-15s %-15s %-15s %-15s %-7s %-7s %-9s %-9s %s\n", "date", "session", "ADD left",
           "ADD right", "ABD left", "ABD right", "ratio L", "ratio R", "asym ADD", "asym ABD", "device");
    int beyond = 0, device_changes = 0;
    for (size_t i = 0; i < n; i++) {
        const struct store_trend_row *r = &rows[i], *p = i ? &rows[i - 1] : NULL;
        char date[32], cells[4][40], rl[16], rr[16], aa[16], ab[16];
        store_time_str(r->started, date, sizeof date);
        date[10] = '\0';
        int k = 0;
        for (int dir = 0; dir < ST_DIR_COUNT; dir++)
            for (int side = 0; side < 2; side++, k++)
                trend_cell(r->bal.cell[dir][side].best_n, p ? p->bal.cell[dir][side].best_n : NAN, &beyond,
                           cells[k], sizeof cells[k]);
        fmt_num(r->bal.ratio[ST_SIDE_LEFT], 2, "", rl, sizeof rl);
        fmt_num(r->bal.ratio[ST_SIDE_RIGHT], 2, "", rr, sizeof rr);
        fmt_num(r->bal.asym_pct[ST_DIR_ADD], 1, "%", aa, sizeof aa);
        fmt_num(r->bal.asym_pct[ST_DIR_ABD], 1, "%", ab, sizeof ab);
        printf("%-10s %-7lld %-15s %-15s %-15s %-15s %-7s %-7s %-9s %-9s %s%s%s\n", date,
               (long long)r->session_id, cells[0], cells[1], cells[2], cells[3], rl, rr, aa, ab,
               r->devices[0] ? r->devices : "-", r->device_changed ? "  << device changed" : "",
               r->protocol_changed ? "  << protocol text changed" : "");
        device_changes += r->device_changed;
    }
    if (n > 1)
        printf("\n%d change(s) exceed the 10 %% measurement-error band; smaller changes may be noise.\n",
               beyond);
    if (device_changes)
        printf("The device changed %d time(s): hand-held dynamometers of different brands differ by up to 16 "
               "%%,\n"
               "so a change across a device change is not comparable.\n",
               device_changes);
    free(rows);
    store_close(s);
    return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* station export                                                                                   */

static void csv_field(FILE *f, const char *s)
{
    bool quote = s[0] == ' ' || (s[0] && s[strlen(s) - 1] == ' ') || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.10g", v);
    else
        fputc(',', f);
}

/* The CSV's metric columns are the table's MET_IN_CSV rows: those that are analyze keys (before the
 * flags) or the others (after them). */
static bool csv_metric(const struct met_field *mf, bool analyze_keys)
{
    return (mf->use & MET_IN_CSV) && ((mf->use & MET_IN_ANALYZE) != 0) == analyze_keys;
}

static void csv_metric_names(FILE *f, bool analyze_keys)
{
    for (size_t k = 0; k < met_field_count; k++)
        if (csv_metric(&met_fields[k], analyze_keys))
            fprintf(f, ",%s", met_fields[k].key);
}

static void csv_metrics(FILE *f, const struct met_result *m, bool analyze_keys)
{
    for (size_t k = 0; k < met_field_count; k++)
        if (csv_metric(&met_fields[k], analyze_keys))
            csv_num(f, met_field_get(m, &met_fields[k]));
}

static bool export_csv(struct store *s, const struct loaded *L, bool raw, FILE *f, struct st_err *err)
{
    /* The metric columns come from protocols/metric_fields.h: the analyze keys, the flags, the rest. */
    fputs("session_id,session_uuid,rep_id,rep_uuid,sequence,block,index,direction,side,familiarisation,status,"
          "accepted,counts",
          f);
    csv_metric_names(f, true);
    fputs(",flags", f);
    csv_metric_names(f, false);
    fputs(",lever_m,body_mass_kg,pain,note\r\n", f);
    for (size_t i = 0; i < L->n; i++) {
        const struct store_rep *r = &L->reps[i];
        fprintf(f, "%lld,%s,%lld,%s,%d,%d,%d,%s,%s,%d,%s,%d,%d", (long long)L->sess.id, L->sess.uuid,
                (long long)r->id, r->uuid, r->sequence, r->block_index, r->index_in_block,
                st_dir_name(r->dir), st_side_name(r->side), r->familiarisation,
                store_rep_status_name(r->status), r->status == STORE_REP_ACCEPTED, r->counts);
        csv_metrics(f, &r->m, true);
        char flags[128];
        fputc(',', f);
        csv_field(f, met_flags_str(r->m.flags, ";", flags, sizeof flags));
        csv_metrics(f, &r->m, false);
        csv_num(f, r->lever_m);
        csv_num(f, r->body_mass_kg);
        if (r->pain >= 0)
            fprintf(f, ",%d,", r->pain);
        else
            fputs(",,", f);
        csv_field(f, r->note);
        fputs("\r\n", f);
    }
    if (!raw)
        return true;
    fputs("\r\nrep_id,rep_uuid,sequence,t_s,force_n\r\n", f);
    for (size_t i = 0; i < L->n; i++) {
        double *t = NULL, *fn = NULL;
        size_t n = 0;
        enum st_status st = store_rep_samples(s, L->reps[i].id, &t, &fn, &n, err);
        if (st == ST_ERR_NOT_FOUND)
            continue;
        if (st != ST_OK)
            return false;
        for (size_t k = 0; k < n; k++)
            fprintf(f, "%lld,%s,%d,%.17g,%.17g\r\n", (long long)L->reps[i].id, L->reps[i].uuid,
                    L->reps[i].sequence, t[k], fn[k]);
        free(t);
        free(fn);
    }
    return true;
}

static void json_flag(struct json_writer *w, enum bal_flag fl)
{
    if (fl == BAL_NONE)
        json_null(w);
    else
        json_string(w, bal_flag_name(fl));
}

/* The session object (format "station-session") without the outer document. */
static bool session_json(struct store *s, const struct loaded *L, bool raw, struct json_writer *w,
                         struct st_err *err)
{
    const struct store_session *x = &L->sess;
    char when[32];
    json_begin_object(w);
    json_key(w, "format");
    json_string(w, "station-session");
    json_key(w, "version");
    json_int(w, 1);
    json_key(w, "session");
    json_begin_object(w);
    json_key(w, "id");
    json_int(w, x->id);
    json_key(w, "uuid");
    json_string(w, x->uuid);
    json_key(w, "started");
    json_string(w, store_time_str(x->started, when, sizeof when));
    json_key(w, "ended");
    json_string(w, x->ended ? store_time_str(x->ended, when, sizeof when) : NULL);
    json_key(w, "status");
    json_string(w, store_session_status_name(x->status));
    json_key(w, "position");
    json_string(w, x->position[0] ? x->position : NULL);
    json_key(w, "mode");
    json_string(w, x->mode[0] ? x->mode : NULL);
    json_key(w, "seed");
    json_int(w, x->seed);
    json_key(w, "body_mass_kg");
    json_number(w, x->body_mass_kg);
    json_key(w, "lever_m");
    json_number(w, x->lever_m);
    json_key(w, "sample_rate_hz");
    json_number(w, x->sample_rate_hz);
    json_key(w, "jitter_ms");
    json_number(w, x->jitter_ms);
    json_key(w, "drops");
    if (x->drops >= 0)
        json_int(w, x->drops);
    else
        json_null(w);
    json_key(w, "bad_lines");
    if (x->bad_lines >= 0)
        json_int(w, x->bad_lines);
    else
        json_null(w);
    json_end_object(w);
    json_key(w, "patient");
    json_begin_object(w);
    json_key(w, "id");
    json_int(w, x->patient_id);
    json_key(w, "uuid");
    json_string(w, x->patient_uuid);
    json_key(w, "ref");
    json_string(w, x->patient_ref[0] ? x->patient_ref : NULL);
    json_end_object(w);
    json_key(w, "therapist");
    json_string(w, x->therapist[0] ? x->therapist : NULL);
    json_key(w, "protocol");
    json_begin_object(w);
    json_key(w, "name");
    json_string(w, x->protocol_name[0] ? x->protocol_name : NULL);
    json_key(w, "sha256");
    json_string(w, x->protocol_sha256[0] ? x->protocol_sha256 : NULL);
    json_end_object(w);
    json_key(w, "devices");
    json_begin_array(w);
    for (int ch = 0; ch < ST_MAX_CHANNELS; ch++) {
        struct store_device d;
        if (x->device_id[ch] <= 0 || store_device_get(s, x->device_id[ch], &d, err) != ST_OK)
            continue;
        json_begin_object(w);
        json_key(w, "channel");
        json_int(w, ch);
        json_key(w, "uuid");
        json_string(w, d.uuid);
        json_key(w, "family");
        json_string(w, d.family);
        json_key(w, "model");
        json_string(w, d.model[0] ? d.model : NULL);
        json_key(w, "serial");
        json_string(w, d.serial);
        json_key(w, "firmware");
        json_string(w, d.firmware[0] ? d.firmware : NULL);
        json_key(w, "capacity_n");
        json_number(w, d.capacity_n);
        json_key(w, "unit");
        json_string(w, d.unit[0] ? d.unit : NULL);
        struct store_cal_status cs; /* as it stood when the session was run */
        if (store_calibration_status(s, d.id, x->started, 0, &cs, err) != ST_OK)
            return false;
        json_key(w, "calibration");
        json_begin_object(w);
        json_key(w, "state");
        json_string(w, store_cal_state_name(cs.state));
        json_key(w, "flagged");
        json_bool(w, cs.state != STORE_CAL_OK);
        char checked[32];
        json_key(w, "checked");
        json_string(w, cs.state == STORE_CAL_NONE ? NULL : store_time_str(cs.last.checked, checked, sizeof checked));
        json_key(w, "error_pct");
        json_number(w, cs.state == STORE_CAL_NONE ? NAN : cs.last.error_pct);
        json_key(w, "reference_kg");
        json_number(w, cs.state == STORE_CAL_NONE ? NAN : cs.last.reference_kg);
        json_key(w, "message");
        json_string(w, cs.text[0] ? cs.text : NULL);
        json_end_object(w);
        json_end_object(w);
    }
    json_end_array(w);
    struct store_session_event *evs = NULL;
    size_t nev = 0;
    if (store_session_events(s, x->id, &evs, &nev, err) != ST_OK)
        return false;
    json_key(w, "events"); /* the session's flow: state changes, tares, extra reps, device lost/back */
    json_begin_array(w);
    for (size_t i = 0; i < nev; i++) {
        json_begin_object(w);
        json_key(w, "at_s");
        json_number_fixed(w, (double)evs[i].at_ms / 1000.0, 3);
        json_key(w, "kind");
        json_string(w, evs[i].kind);
        json_key(w, "state");
        json_string(w, evs[i].state[0] ? evs[i].state : NULL);
        json_key(w, "detail");
        json_string(w, evs[i].detail[0] ? evs[i].detail : NULL);
        json_end_object(w);
    }
    json_end_array(w);
    free(evs);
    json_key(w, "reps");
    json_begin_array(w);
    for (size_t i = 0; i < L->n; i++) {
        double *t = NULL, *f = NULL;
        size_t n = 0;
        if (raw) {
            enum st_status st = store_rep_samples(s, L->reps[i].id, &t, &f, &n, err);
            if (st != ST_OK && st != ST_ERR_NOT_FOUND)
                return false;
        }
        export_rep_json(w, &L->reps[i], t, f, n);
        free(t);
        free(f);
    }
    json_end_array(w);
    json_key(w, "cells");
    json_begin_array(w);
    for (int dir = 0; dir < ST_DIR_COUNT; dir++)
        for (int side = 0; side < ST_SIDE_COUNT; side++) {
            const struct bal_cell *c = &L->bal.cell[dir][side];
            if (c->n == 0)
                continue;
            json_begin_object(w);
            json_key(w, "direction");
            json_string(w, st_dir_name((enum st_dir)dir));
            json_key(w, "side");
            json_string(w, st_side_name((enum st_side)side));
            json_key(w, "n");
            json_int(w, c->n);
            json_key(w, "best_n");
            json_number(w, c->best_n);
            json_key(w, "mean_n");
            json_number(w, c->mean_n);
            json_key(w, "cv_pct");
            json_number(w, c->cv_pct);
            json_key(w, "cv_over_limit");
            json_bool(w, c->cv_over_limit);
            json_key(w, "best_n_per_kg");
            json_number(w, c->best_n_per_kg);
            json_key(w, "best_torque_nm");
            json_number(w, c->best_torque_nm);
            json_key(w, "best_nm_per_kg");
            json_number(w, c->best_nm_per_kg);
            /* side-lying ABD: the torque against gravity too (null when not corrected) */
            json_key(w, "best_torque_corrected_nm");
            json_number(w, c->best_torque_corrected_nm);
            json_key(w, "best_nm_per_kg_corrected");
            json_number(w, c->best_nm_per_kg_corrected);
            json_end_object(w);
        }
    json_end_array(w);
    json_key(w, "gravity_corrected");
    json_bool(w, L->params.gravity_correction);
    json_key(w, "sides");
    json_begin_object(w);
    for (int side = 0; side < ST_SIDE_COUNT; side++) {
        json_key(w, st_side_name((enum st_side)side));
        json_begin_object(w);
        json_key(w, "add_abd_ratio");
        json_number(w, L->bal.ratio[side]);
        json_key(w, "flag");
        json_flag(w, L->bal.ratio_flag[side]);
        json_end_object(w);
    }
    json_end_object(w);
    json_key(w, "ratio_cutoffs_source");
    json_string(w, "groin-injury research in athletes (Tyler 2001, Thorborg 2011)");
    json_key(w, "asymmetry");
    json_begin_object(w);
    for (int dir = 0; dir < ST_DIR_COUNT; dir++) {
        json_key(w, st_dir_name((enum st_dir)dir));
        json_begin_object(w);
        json_key(w, "pct");
        json_number(w, L->bal.asym_pct[dir]);
        json_key(w, "weaker");
        json_string(w, isfinite(L->bal.asym_pct[dir]) && L->bal.weaker[dir] != ST_SIDE_BOTH
                           ? st_side_name(L->bal.weaker[dir])
                           : NULL);
        json_key(w, "flag");
        json_flag(w, L->bal.asym_flag[dir]);
        json_end_object(w);
    }
    json_end_object(w);
    json_end_object(w);
    return true;
}

static void audit_json(struct json_writer *w, const struct store_audit *a, size_t n)
{
    char when[32];
    for (size_t i = 0; i < n; i++) {
        json_begin_object(w);
        json_key(w, "at");
        json_string(w, store_time_str(a[i].at, when, sizeof when));
        json_key(w, "therapist");
        json_string(w, a[i].therapist[0] ? a[i].therapist : NULL);
        json_key(w, "table");
        json_string(w, a[i].table);
        json_key(w, "row_uuid");
        json_string(w, a[i].row_uuid);
        json_key(w, "action");
        json_string(w, a[i].action);
        json_key(w, "field");
        json_string(w, a[i].field[0] ? a[i].field : NULL);
        json_key(w, "old_value");
        json_string(w, a[i].old_value[0] ? a[i].old_value : NULL);
        json_key(w, "new_value");
        json_string(w, a[i].new_value[0] ? a[i].new_value : NULL);
        json_key(w, "reason");
        json_string(w, a[i].reason[0] ? a[i].reason : NULL);
        json_end_object(w);
    }
}

static bool audit_of(struct store *s, struct json_writer *w, const char *uuid, struct st_err *err)
{
    struct store_audit *a = NULL;
    size_t n = 0;
    if (store_audit_list(s, uuid, &a, &n, err) != ST_OK)
        return false;
    audit_json(w, a, n);
    free(a);
    return true;
}

static bool export_patient(struct store *s, int64_t pid, FILE *f, struct st_err *err)
{
    struct store_patient *p = calloc(1, sizeof *p);
    if (!p) {
        st_err_set(err, ST_ERR_NOMEM, NULL);
        return false;
    }
    struct store_mass *masses = NULL;
    struct store_session *sessions = NULL;
    size_t nm = 0, ns = 0;
    bool ok = store_patient_get(s, pid, p, err) == ST_OK &&
              store_mass_list(s, pid, &masses, &nm, err) == ST_OK &&
              store_session_list(s, pid, &sessions, &ns, err) == ST_OK;
    if (ok) {
        char when[32];
        struct json_writer w;
        json_init(&w, f, true);
        json_begin_object(&w);
        json_key(&w, "format");
        json_string(&w, "station-patient-export");
        json_key(&w, "version");
        json_int(&w, 1);
        json_key(&w, "exported");
        json_string(&w, store_time_str((int64_t)time(NULL), when, sizeof when));
        json_key(&w, "patient");
        json_begin_object(&w);
        json_key(&w, "id");
        json_int(&w, p->id);
        json_key(&w, "uuid");
        json_string(&w, p->uuid);
        json_key(&w, "name");
        json_string(&w, p->name);
        json_key(&w, "ref");
        json_string(&w, p->ref[0] ? p->ref : NULL);
        json_key(&w, "birth_date");
        json_string(&w, p->birth);
        char c[2] = {p->sex, 0};
        json_key(&w, "sex");
        json_string(&w, c);
        c[0] = p->side_dominant;
        json_key(&w, "dominant_side");
        json_string(&w, c[0] ? c : NULL);
        json_key(&w, "leg_length_m");
        json_number(&w, p->leg_length_m);
        json_key(&w, "lever_m");
        json_number(&w, p->lever_m);
        json_key(&w, "notes");
        json_string(&w, p->notes[0] ? p->notes : NULL);
        json_key(&w, "created");
        json_string(&w, store_time_str(p->created, when, sizeof when));
        json_key(&w, "updated");
        json_string(&w, store_time_str(p->updated, when, sizeof when));
        json_end_object(&w);
        json_key(&w, "body_mass");
        json_begin_array(&w);
        for (size_t i = 0; i < nm; i++) {
            json_begin_object(&w);
            json_key(&w, "date");
            json_string(&w, masses[i].date);
            json_key(&w, "kg");
            json_number(&w, masses[i].kg);
            json_end_object(&w);
        }
        json_end_array(&w);
        json_key(&w, "sessions");
        json_begin_array(&w);
        for (size_t i = ns; ok && i-- > 0;) { /* oldest first */
            struct loaded L;
            ok = load_session(s, sessions[i].id, &L, err) == ST_OK;
            if (ok)
                ok = session_json(s, &L, true, &w, err);
            if (ok)
                free(L.reps);
        }
        json_end_array(&w);
        json_key(&w, "audit");
        json_begin_array(&w);
        ok = ok && audit_of(s, &w, p->uuid, err);
        for (size_t i = 0; ok && i < ns; i++) {
            ok = audit_of(s, &w, sessions[i].uuid, err);
            struct store_rep *reps = NULL;
            size_t nr = 0;
            ok = ok && store_rep_list(s, sessions[i].id, &reps, &nr, err) == ST_OK;
            for (size_t k = 0; ok && k < nr; k++)
                ok = audit_of(s, &w, reps[k].uuid, err);
            free(reps);
        }
        json_end_array(&w);
        json_end_object(&w);
        if (!json_finish(&w) && ok) {
            st_err_set(err, ST_ERR_IO, "Writing the export failed (is the disk full?)");
            ok = false;
        }
    }
    free(p);
    free(masses);
    free(sessions);
    return ok;
}

int cmd_export(int argc, char **argv)
{
    const char *db = NULL, *format = NULL, *out = NULL, *patient = NULL;
    bool raw = false, all = false;
    struct cli_opt opts[] = {
        {"--db", CLI_STR, &db, "PATH", "the database file", false},
        {"--format", CLI_STR, &format, "csv|json", "the format of a session export", false},
        {"--raw", CLI_FLAG, &raw, NULL, "add the raw samples of every rep", false},
        {"--out", CLI_STR, &out, "FILE", "write to FILE (created with mode 0600) instead of stdout", false},
        {"--patient", CLI_STR, &patient, "ID", "with --all: everything about one patient, as JSON", false},
        {"--all", CLI_FLAG, &all, NULL, "with --patient: the data-subject export", false},
    };
    struct cli_cmd cmd = {"station export",
                          "SESSION --format csv|json [--raw] [--out FILE] | --patient ID --all [--out FILE]",
                          "Exports one session (CSV: a header row and one row per rep; --raw adds a second "
                          "table of samples), or everything about one patient as JSON.",
                          opts,
                          sizeof opts / sizeof opts[0],
                          0,
                          1};
    const char *pos[1] = {NULL};
    int npos = 0;
    int rc = cli_parse(&cmd, argc, argv, pos, &npos);
    if (rc >= 0)
        return rc;
    bool by_patient = patient != NULL || all;
    int64_t sid = 0;
    if (by_patient) {
        if (!patient || !all)
            return cli_usage_error(&cmd, "a patient export needs both --patient ID and --all");
        if (npos || format)
            return cli_usage_error(&cmd, "give either SESSION --format or --patient ID --all");
    } else {
        if (npos != 1)
            return cli_usage_error(&cmd, "which session? give SESSION (see station sessions)");
        if (!parse_id(pos[0], &sid))
            return cli_usage_error(&cmd, "SESSION must be a session number (see station sessions)");
        if (!format || (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0))
            return cli_usage_error(&cmd, "--format must be csv or json");
    }
    struct store *s = NULL;
    if ((rc = cli_db_open(db, &s)) != 0)
        return rc;
    struct st_err err;
    st_err_clear(&err);
    int64_t pid = 0;
    struct loaded L = {0};
    bool loaded = false;
    if (by_patient ? store_patient_find(s, patient, &pid, &err) != ST_OK
                   : !(loaded = load_session(s, sid, &L, &err) == ST_OK)) {
        store_close(s);
        return cli_fail("%s", st_err_msg(&err));
    }
    FILE *f = stdout;
    if (out) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!f) {
            rc = cli_fail("Cannot write %s: %s; choose another file with --out", out, strerror(errno));
            if (fd >= 0)
                close(fd);
            free(L.reps);
            store_close(s);
            return rc;
        }
    }
    bool ok;
    if (by_patient) {
        ok = export_patient(s, pid, f, &err);
    } else if (!strcmp(format, "csv")) {
        ok = export_csv(s, &L, raw, f, &err);
    } else {
        struct json_writer w;
        json_init(&w, f, true);
        ok = session_json(s, &L, raw, &w, &err);
        if (!json_finish(&w) && ok) {
            st_err_set(&err, ST_ERR_IO, "Writing the export failed (is the disk full?)");
            ok = false;
        }
    }
    if (fflush(f) != 0 && ok) {
        st_err_set(&err, ST_ERR_IO, "Writing the export failed (is the disk full?)");
        ok = false;
    }
    if (out) {
        if (fclose(f) != 0 && ok) {
            st_err_set(&err, ST_ERR_IO, "Writing %s failed (is the disk full?)", out);
            ok = false;
        }
        if (ok)
            fprintf(stderr, "station: exported to %s\n", out);
    }
    if (loaded)
        free(L.reps);
    store_close(s);
    if (!ok)
        return cli_fail("%s", st_err_msg(&err));
    return 0;
}
