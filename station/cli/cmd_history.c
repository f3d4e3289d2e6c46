/*
 * cmd_history.c - looking back: `station sessions`, `station show`, `station trend`, `station export`.
 *
 * Everything here reads the store and computes the session balance with bal_compute
 * (protocols/balance.h), the same function the live station and the report use, so the numbers agree
 * everywhere. The ADD:ABD cut-offs are labelled as what they are: groin-injury research in athletes
 * (CLINICAL.md). The trend marks a change of device (brands differ by up to 16 %) and says for each
 * change from the previous session whether it exceeds the 10 % measurement-error band of CLINICAL.md.
 *
 * The session document (its JSON and CSV, and the patient export) is station/export/session_doc.h;
 * `station export` only picks it and the file.
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
#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/export/session_doc.h"
#include "station/store/store.h"

/* v with `decimals` decimals and a suffix, or "-" when not available. */
static const char *fmt_num(double v, int decimals, const char *suffix, char *buf, size_t size)
{
    if (!isfinite(v))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.*f%s", decimals, v, suffix);
    return buf;
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
    struct store *s = NULL;
    int rc = cli_parse_open(&cmd, argc, argv, NULL, NULL, &db, &s);
    if (rc >= 0)
        return rc;
    rc = 0;
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
    if ((rc = cli_session_arg(&cmd, pos[0], &id)) >= 0)
        return rc;
    struct store *s = NULL;
    if ((rc = cli_db_open(db, &s)) != 0)
        return rc;
    struct export_session L;
    struct st_err err;
    if (export_session_load(s, id, &L, &err) != ST_OK) {
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
    export_session_free(&L);
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

int cmd_export(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) /* FHIR has options of its own (--deidentified): station/cli/cmd_fhir.c */
        if (!strcmp(argv[i], "--format=fhir") || (!strcmp(argv[i], "--format") && i + 1 < argc && !strcmp(argv[i + 1], "fhir")))
            return cmd_export_fhir(argc, argv);
    const char *db = NULL, *format = NULL, *out = NULL, *patient = NULL;
    bool raw = false, all = false;
    struct cli_opt opts[] = {
        {"--db", CLI_STR, &db, "PATH", "the database file", false},
        {"--format", CLI_STR, &format, "csv|json|fhir", "the format (fhir: see --format fhir --help)", false},
        {"--raw", CLI_FLAG, &raw, NULL, "add the raw samples of every rep", false},
        {"--out", CLI_STR, &out, "FILE", "write to FILE (created with mode 0600) instead of stdout", false},
        {"--patient", CLI_STR, &patient, "ID", "with --all: everything about one patient, as JSON", false},
        {"--all", CLI_FLAG, &all, NULL, "with --patient: the data-subject export", false},
    };
    struct cli_cmd cmd = {"station export",
                          "SESSION --format csv|json [--raw] [--out FILE] | --patient ID --all [--out FILE]",
                          "Exports one session (CSV: a header row and one row per rep; --raw adds a second "
                          "table of samples), or everything about one patient as JSON.",
                          CLI_OPTS(opts),
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
        if ((rc = cli_session_arg(&cmd, pos[0], &sid)) >= 0)
            return rc;
        if (!format || (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0))
            return cli_usage_error(&cmd, "--format must be csv, json or fhir");
    }
    struct store *s = NULL;
    if ((rc = cli_db_open(db, &s)) != 0)
        return rc;
    struct st_err err;
    st_err_clear(&err);
    int64_t pid = 0;
    struct export_session L = {0};
    bool loaded = false;
    if (by_patient ? store_patient_find(s, patient, &pid, &err) != ST_OK
                   : !(loaded = export_session_load(s, sid, &L, &err) == ST_OK)) {
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
            export_session_free(&L);
            store_close(s);
            return rc;
        }
    }
    bool ok = (by_patient               ? export_patient_json(s, pid, f, &err)
               : !strcmp(format, "csv") ? export_session_csv(s, &L, raw, f, &err)
                                        : export_session_json(s, &L, raw, f, &err)) == ST_OK;
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
        export_session_free(&L);
    store_close(s);
    if (!ok)
        return cli_fail("%s", st_err_msg(&err));
    return 0;
}
