/*
 * cmd_history.c - looking back: `station sessions`, `station show`, `station trend`, `station export`.
 *
 * Everything here reads the store and computes the session balance with bal_compute
 * (protocols/balance.h), the same function the live station and the report use, so the numbers agree
 * everywhere; `sessions` reads the balance the store keeps per session (computed by the same function
 * whenever a session's reps change), so it never reads the reps of every session. The ADD:ABD cut-offs are labelled as what they are: groin-injury research in athletes
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
#include "protocols/metrics.h"
#include "protocols/protocol.h"
#include "protocols/references.h"
#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/export/json.h"
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

/* unix_s as local date and time, "2026-03-14 09:05" ("" for 0): a receptionist reads the clinic's
 * clock, not UTC (the JSON keeps UTC for scripts). */
static const char *local_time_str(int64_t unix_s, char *buf, size_t size)
{
    buf[0] = '\0';
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (unix_s != 0 && localtime_r(&t, &tm))
        strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

/* Prints text left-aligned in width terminal columns (UTF-8 aware: one column per code point),
 * cut with "~" when longer, then one space. Names are any Unicode text; printf's %-20s counts bytes. */
static void print_col(const char *text, int width)
{
    int cols = 0;
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *cut = NULL;
    for (; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        if (cols == width - 1)
            cut = p;
        if (++cols > width)
            break;
    }
    if (cols > width) {
        fwrite(text, 1, (size_t)(cut - (const unsigned char *)text), stdout);
        fputs("~ ", stdout);
        return;
    }
    printf("%s%*s ", text, width - cols, "");
}

/* "0.80 amber" - a ratio and its word; "-" when not available. */
static const char *ratio_word(double ratio, enum bal_flag flag, char *buf, size_t size)
{
    if (!isfinite(ratio))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.2f %s", ratio, bal_flag_name(flag));
    return buf;
}

static void sessions_json(const struct store_session *l, size_t n)
{
    struct json_writer w;
    json_init(&w, stdout, true);
    json_begin_object(&w);
    json_kv_string(&w, "format", "station-sessions");
    json_key(&w, "sessions");
    json_begin_array(&w);
    for (size_t i = 0; i < n; i++) {
        const struct store_session *x = &l[i];
        const struct store_session_summary *m = &x->summary;
        char t0[32], t1[32];
        json_begin_object(&w);
        json_kv_int(&w, "session_id", x->id);
        json_kv_string(&w, "session_uuid", x->uuid);
        json_kv_string(&w, "started_utc", store_time_str(x->started, t0, sizeof t0));
        json_kv_string(&w, "ended_utc", x->ended ? store_time_str(x->ended, t1, sizeof t1) : NULL);
        json_kv_int(&w, "patient_id", x->patient_id);
        json_kv_string(&w, "patient_ref", x->patient_ref);
        json_kv_string(&w, "patient_name", x->patient_name);
        json_kv_string(&w, "protocol", x->protocol_name[0] ? x->protocol_name : NULL);
        json_kv_string(&w, "status", store_session_status_name(x->status));
        json_kv_int(&w, "reps", x->n_reps);
        json_key(&w, "add_abd_ratio");
        json_begin_object(&w);
        for (int side = 0; side < 2; side++) {
            json_key(&w, st_side_name((enum st_side)side));
            if (!isfinite(m->ratio[side])) {
                json_null(&w);
                continue;
            }
            json_begin_object(&w);
            json_kv_number(&w, "value", m->ratio[side]);
            json_kv_string(&w, "flag", bal_flag_name(m->ratio_flag[side]));
            json_end_object(&w);
        }
        json_end_object(&w);
        json_end_object(&w);
    }
    json_end_array(&w);
    json_end_object(&w);
    json_finish(&w);
    fputc('\n', stdout);
}

static void sessions_table(const struct store_session *l, size_t n)
{
    printf("%-7s %-16s ", "session", "date and time");
    print_col("patient", 10);
    print_col("name", 22);
    print_col("protocol", 20);
    printf("%-11s %-12s %s\n", "status", "ratio left", "ratio right");
    for (size_t i = 0; i < n; i++) {
        const struct store_session *x = &l[i];
        const struct store_session_summary *m = &x->summary;
        char when[32], ref[32], rl[32], rr[32];
        snprintf(ref, sizeof ref, "%lld", (long long)x->patient_id);
        printf("%-7lld %-16s ", (long long)x->id, local_time_str(x->started, when, sizeof when));
        print_col(x->patient_ref[0] ? x->patient_ref : ref, 10);
        print_col(x->patient_name, 22);
        print_col(x->protocol_name[0] ? x->protocol_name : "-", 20);
        ratio_word(m->ratio[ST_SIDE_LEFT], m->ratio_flag[ST_SIDE_LEFT], rl, sizeof rl);
        ratio_word(m->ratio[ST_SIDE_RIGHT], m->ratio_flag[ST_SIDE_RIGHT], rr, sizeof rr);
        printf("%-11s %-12s %s\n", store_session_status_name(x->status), rl, rr);
    }
    printf("%zu session(s); times are local (%s)%s\n", n, tzname[0],
           n ? "; ratio: ADD:ABD, best adduction over best abduction torque (force without a lever arm), with its flag" : "");
}

int cmd_sessions(int argc, char **argv)
{
    const char *db = NULL, *patient = NULL;
    bool json = false;
    struct cli_opt opts[] = {
        CLI_OPT_DB(&db),
        {"--patient", CLI_STR, &patient, "ID", "only this patient's sessions (number or UUID)", false},
        {"--json", CLI_FLAG, &json, NULL, "print JSON for scripts (times in UTC)", false},
    };
    struct cli_cmd cmd = {"station sessions", "[--patient ID] [--json] [--db PATH]",
                          "Lists sessions, newest first: patient, local date and time, protocol, status and the "
                          "ADD:ABD ratio per side.",
                          CLI_OPTS(opts), 0, 0};
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
    /* Each session's balance is the summary the store keeps with it (store.h, store_session_summary):
     * no session's reps are read here. */
    if (rc == 0) {
        tzset();
        if (json)
            sessions_json(list, n);
        else
            sessions_table(list, n);
    }
    free(list);
    store_close(s);
    return rc;
}

/* ------------------------------------------------------------------------------------------------ */
/* station show                                                                                     */

/* The devices of a session and their calibration as it stood then, in plain words ("capacity
 * unknown"); channels numbered from 1 as on the screen. The demo's emulator needs no calibration. */
static void print_devices(struct store *s, const struct store_session *x)
{
    bool emulated = !strcmp(x->mode, "demo");
    for (int ch = 0; ch < ST_MAX_CHANNELS; ch++) {
        if (x->device_id[ch] <= 0)
            continue;
        struct store_device d;
        struct st_err err;
        char cap[48] = "capacity unknown";
        if (store_device_get(s, x->device_id[ch], &d, &err) != ST_OK)
            continue;
        if (isfinite(d.capacity_n) && d.capacity_n > 0)
            snprintf(cap, sizeof cap, "capacity %.0f N", d.capacity_n);
        printf("Device on channel %d: %s%s%s, serial %s, firmware %s, %s%s\n", ch + 1, d.family,
               d.model[0] ? " " : "", d.model, d.serial[0] ? d.serial : "unknown",
               d.firmware[0] ? d.firmware : "unknown", cap, emulated ? " (emulated by station demo)" : "");
        struct store_cal_status cs; /* as it stood when the session was run */
        char when[32];
        if (emulated)
            printf("  Calibration: not needed, the device is emulated\n");
        else if (store_calibration_status(s, d.id, x->started, 0, &cs, &err) != ST_OK)
            printf("  Calibration: could not be read (%s)\n", st_err_msg(&err));
        else if (cs.state == STORE_CAL_OK)
            printf("  Calibration: checked %s against a known mass, error %+.2f %%\n",
                   local_time_str(cs.last.checked, when, sizeof when), cs.last.error_pct);
        else
            printf("  Calibration: needs attention: %s\n", cs.text);
    }
}

/* The best counting rep of a cell (the largest peak), or NULL. */
static const struct store_rep *best_rep(const struct export_session *L, int dir, int side)
{
    const struct store_rep *best = NULL;
    for (size_t i = 0; i < L->n; i++) {
        const struct store_rep *r = &L->reps[i];
        if ((int)r->dir == dir && (int)r->side == side && r->counts && !r->familiarisation &&
            isfinite(r->m.peak_n) && (!best || r->m.peak_n > best->m.peak_n))
            best = r;
    }
    return best;
}

/* The published values that compare with this session's test (protocols/references.h), or why none. */
static void print_references(struct store *s, const struct store_session *x)
{
    char *text = NULL;
    struct proto_def def;
    bool have = x->protocol_id > 0 && store_protocol_text(s, x->protocol_id, &text, NULL) == ST_OK &&
                proto_load_text("stored protocol", text, &def, NULL) == ST_OK;
    free(text);
    printf("\nReference values\n");
    int shown = 0;
    size_t n = 0;
    const struct ref_values *t = ref_values_table(&n);
    for (size_t i = 0; have && i < n; i++)
        if (ref_values_match(&t[i], def.contraction, def.position)) {
            printf("  %s: %s (compare only if the patient belongs to this population)\n", t[i].what, t[i].values);
            shown++;
        }
    if (!shown)
        printf("  None that compare: the published values come from eccentric (break) tests in athletes and\n"
               "  runners, and this session is a %s test (%s):\n  values from another test or position do not "
               "compare.\n",
               have ? proto_contraction_name(def.contraction) : "unknown",
               x->position[0] ? x->position : "position not recorded");
    if (have)
        proto_free(&def);
}

int cmd_show(int argc, char **argv)
{
    const char *db = NULL;
    struct cli_opt opts[] = {CLI_OPT_DB(&db)};
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
    if ((rc = cli_db_open_session(db, pos[0], &s, &id)) != 0)
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
    tzset();
    printf("Started %s", local_time_str(x->started, a, sizeof a));
    if (x->ended)
        printf(", ended %s", local_time_str(x->ended, b, sizeof b));
    printf(" (local time, %s)", tzname[0]);
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
            const struct store_rep *br = best_rep(&L, dir, side);
            if (br)
                printf("            best rep #%d: time to peak %s s, RFD 0-200 ms %s N/s, impulse %s N·s\n",
                       br->sequence, fmt_num(br->m.time_to_peak_s, 2, "", a, sizeof a),
                       fmt_num(br->m.rfd_n_per_s[MET_RFD_WINDOWS - 1], 0, "", b, sizeof b),
                       fmt_num(br->m.impulse_n_s, 1, "", c, sizeof c));
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
        /* protocols/balance.h: without a lever arm on both cells the ratio is of forces */
        bool torque = isfinite(L.bal.cell[ST_DIR_ADD][side].best_torque_nm) &&
                      isfinite(L.bal.cell[ST_DIR_ABD][side].best_torque_nm);
        printf("  %-5s: %.2f  %s%s\n", st_side_name((enum st_side)side), L.bal.ratio[side],
               bal_flag_name(L.bal.ratio_flag[side]),
               !torque                ? " (of the best forces: no lever arm, so no torque)"
               : L.bal.ratio_corrected ? " (gravity-corrected ABD)"
                                       : "");
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
    print_references(s, x);
    export_session_free(&L);
    store_close(s);
    return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* station trend                                                                                    */

#define TREND_BAND_PCT 10.0 /* the measurement error of hand-held dynamometers (CLINICAL.md) */
#define TREND_COL 22        /* columns per session */

/* The change from prev to v in whole percent with its sign ("+25 %", "-3 %", "0 %": never "-0 %"),
 * '!' beyond the measurement-error band; "" when there is nothing to compare. Counts beyond in *beyond. */
static const char *trend_change(double v, double prev, int *beyond, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!isfinite(v) || !isfinite(prev) || prev == 0)
        return buf;
    double pct = 100.0 * (v - prev) / prev;
    double shown = round(pct);
    bool big = fabs(pct) > TREND_BAND_PCT;
    *beyond += big;
    if (shown == 0)
        snprintf(buf, size, " 0 %%");
    else
        snprintf(buf, size, " %+.0f %%%s", shown, big ? " !" : "");
    return buf;
}

/* One row of the trend table: label, then per session the value (decimals) and its change from the
 * previous session that had one. An empty cell of a session that did not complete says its status. */
static void trend_value_row(const char *label, const struct store_trend_row *rows, size_t n, int dir, int side,
                            bool per_kg, int decimals, int *beyond)
{
    print_col(label, 20);
    double prev = NAN;
    for (size_t i = 0; i < n; i++) {
        const struct bal_cell *c = &rows[i].bal.cell[dir][side];
        double v = per_kg ? c->best_nm_per_kg : c->best_n;
        char cell[64], ch[32];
        if (isfinite(v))
            snprintf(cell, sizeof cell, "%.*f%s", decimals, v, trend_change(v, prev, beyond, ch, sizeof ch));
        else
            snprintf(cell, sizeof cell, "%s",
                     rows[i].status == STORE_SESSION_COMPLETE ? "-" : store_session_status_name(rows[i].status));
        print_col(cell, TREND_COL);
        if (isfinite(v))
            prev = v;
    }
    putchar('\n');
}

/* The trend of one protocol: a table with one column per session, oldest first. Returns 0 or 1. */
static int trend_protocol(struct store *s, int64_t pid, const char *protocol)
{
    struct st_err err;
    struct store_trend_row *rows = NULL;
    size_t n = 0;
    if (store_trend(s, pid, protocol, &rows, &n, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    struct bal_params bp = bal_params_default(); /* the bands of the latest session's protocol text */
    struct store_session last;
    if (n && store_session_get(s, rows[n - 1].session_id, &last, &err) == ST_OK)
        (void)store_session_bal_params(s, &last, &bp, &err);
    printf("Protocol %s: %zu session(s), oldest first\n", protocol, n);
    char buf[64];
    print_col("", 20);
    for (size_t i = 0; i < n; i++)
        print_col(local_time_str(rows[i].started, buf, sizeof buf), TREND_COL);
    putchar('\n');
    print_col("session", 20);
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "%lld %s", (long long)rows[i].session_id, store_session_status_name(rows[i].status));
        print_col(buf, TREND_COL);
    }
    putchar('\n');
    int beyond = 0, device_changes = 0;
    for (int dir = 0; dir < ST_DIR_COUNT; dir++)
        for (int side = 0; side < 2; side++) {
            char label[40];
            snprintf(label, sizeof label, "%s %s N", st_dir_short((enum st_dir)dir), st_side_name((enum st_side)side));
            trend_value_row(label, rows, n, dir, side, false, 1, &beyond);
            snprintf(label, sizeof label, "%s %s N·m/kg", st_dir_short((enum st_dir)dir),
                     st_side_name((enum st_side)side));
            trend_value_row(label, rows, n, dir, side, true, 2, &beyond);
        }
    for (int side = 0; side < 2; side++) {
        print_col(side == ST_SIDE_LEFT ? "ADD:ABD left" : "ADD:ABD right", 20);
        for (size_t i = 0; i < n; i++)
            print_col(ratio_word(rows[i].bal.ratio[side], rows[i].bal.ratio_flag[side], buf, sizeof buf), TREND_COL);
        putchar('\n');
    }
    for (int dir = 0; dir < ST_DIR_COUNT; dir++) {
        snprintf(buf, sizeof buf, "asymmetry %s", st_dir_short((enum st_dir)dir));
        print_col(buf, 20);
        for (size_t i = 0; i < n; i++) {
            const struct bal_result *b = &rows[i].bal;
            if (!isfinite(b->asym_pct[dir]))
                snprintf(buf, sizeof buf, "-");
            else
                snprintf(buf, sizeof buf, "%.1f %% %s", b->asym_pct[dir], bal_flag_name(b->asym_flag[dir]));
            print_col(buf, TREND_COL);
        }
        putchar('\n');
    }
    /* The device by letter (A, then B at the first change, ...), named in full under the table. */
    print_col("device", 20);
    char letter = 'A';
    for (size_t i = 0; i < n; i++) {
        if (i && rows[i].device_changed && letter < 'Z')
            letter++;
        snprintf(buf, sizeof buf, "%c%s", letter, i && rows[i].device_changed ? " (changed)" : "");
        print_col(buf, TREND_COL);
        device_changes += i && rows[i].device_changed;
    }
    printf("\n%s", n ? "Devices:" : "");
    letter = 'A';
    for (size_t i = 0; i < n; i++) {
        if (i && rows[i].device_changed && letter < 'Z')
            letter++;
        if (i == 0 || rows[i].device_changed)
            printf("%s %c = %s", i ? ";" : "", letter, rows[i].devices[0] ? rows[i].devices : "not recorded");
    }
    if (n)
        putchar('\n');
    if (n > 1)
        printf("Change: from the previous session with a value, in %%; '!' marks %d change(s) beyond %.0f %%, "
               "the measurement\nerror of hand-held dynamometers (SEM 3.3-7 %%): smaller changes may be noise.\n",
               beyond, TREND_BAND_PCT);
    printf("ADD:ABD: best adduction over best abduction torque (force where no lever arm is known); red below\n"
           "%.2f, amber below %.2f (groin-injury research in athletes: Tyler 2001, Thorborg 2011).\n"
           "Asymmetry: 100 x (stronger - weaker) / stronger; amber above %.0f %%, red above %.0f %%.\n",
           bp.ratio_red, bp.ratio_amber, bp.asym_amber, bp.asym_red);
    if (device_changes)
        printf("The device changed %d time(s): hand-held dynamometers of different brands differ by up to "
               "16 %%,\nso a change across a device change is not comparable.\n",
               device_changes);
    if (n == 0)
        printf("No finished session of this protocol yet.\n");
    free(rows);
    return 0;
}

int cmd_trend(int argc, char **argv)
{
    const char *db = NULL, *patient = NULL, *protocol = NULL;
    struct cli_opt opts[] = {
        CLI_OPT_DB(&db),
        {"--patient", CLI_STR, &patient, "ID", "the patient (number or UUID)", false},
        {"--protocol", CLI_STR, &protocol, "NAME", "only this protocol (default: each of the patient's)", false},
    };
    struct cli_cmd cmd = {"station trend", "--patient ID [--protocol NAME] [--db PATH]",
                          "Best ADD and ABD per side in N and N·m/kg, the ADD:ABD ratio and the asymmetry over a "
                          "patient's sessions, one table per protocol. A change beyond the 10 % measurement error "
                          "is marked '!'; a change of device is marked too.",
                          CLI_OPTS(opts), 0, 0};
    int rc = cli_parse(&cmd, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    if (!patient)
        return cli_usage_error(&cmd, "--patient is required");
    struct store *s = NULL;
    if ((rc = cli_db_open(db, &s)) != 0)
        return rc;
    struct st_err err;
    int64_t pid = 0;
    struct store_session *list = NULL;
    size_t n = 0;
    if (store_patient_find(s, patient, &pid, &err) != ST_OK || store_session_list(s, pid, &list, &n, &err) != ST_OK) {
        store_close(s);
        return cli_fail("%s", st_err_msg(&err));
    }
    /* The patient's protocol names, oldest first (the list is newest first), each once. */
    const char **names = calloc(n ? n : 1, sizeof *names);
    size_t nn = 0;
    for (size_t i = n; names && i-- > 0;) {
        const char *pn = list[i].protocol_name;
        bool seen = !pn[0];
        for (size_t k = 0; k < nn && !seen; k++)
            seen = !strcmp(names[k], pn);
        if (!seen)
            names[nn++] = pn;
    }
    bool found = !protocol;
    for (size_t k = 0; protocol && k < nn; k++)
        found |= !strcmp(names[k], protocol);
    char known[512] = "";
    for (size_t k = 0, off = 0; k < nn && off < sizeof known; k++)
        off += (size_t)snprintf(known + off, sizeof known - off, "%s%s", k ? ", " : "", names[k]);
    if (!names)
        rc = cli_fail("Out of memory reading the sessions of patient %lld", (long long)pid);
    else if (!found)
        rc = cli_fail("Patient %lld has no session of protocol \"%.60s\"; %s%s", (long long)pid, protocol,
                      nn ? "their protocols: " : "they have no sessions yet", known);
    else if (nn == 0)
        printf("Patient %lld has no sessions yet.\n", (long long)pid);
    else {
        tzset();
        printf("Trend of patient %lld; dates in local time (%s).\n", (long long)pid, tzname[0]);
        for (size_t k = 0; k < nn && rc == 0; k++)
            if (!protocol || !strcmp(names[k], protocol)) {
                putchar('\n');
                rc = trend_protocol(s, pid, names[k]);
            }
    }
    free(names);
    free(list);
    store_close(s);
    return rc;
}

/* ------------------------------------------------------------------------------------------------ */
/* station export                                                                                   */

/* A new file for an export (mode 0600: it holds health data), or NULL after saying why. */
static FILE *export_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        cli_fail("Cannot write %s: %s; choose another file with --out", path, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    return f;
}

/* Closes an export file; false (and the message in err) when it could not be written whole. */
static bool export_close(FILE *f, const char *path, bool ok, struct st_err *err)
{
    if (fflush(f) != 0 && ok) {
        st_err_set(err, ST_ERR_IO, "Writing %s failed (is the disk full?)", path);
        ok = false;
    }
    if (f != stdout && fclose(f) != 0 && ok) {
        st_err_set(err, ST_ERR_IO, "Writing %s failed (is the disk full?)", path);
        ok = false;
    }
    return ok;
}

enum export_table { TABLE_NONE, TABLE_REPS, TABLE_SUMMARY, TABLE_SAMPLES };

/* One table of a loaded session to f. */
static bool export_table(struct store *s, const struct export_session *L, enum export_table t, int rep, bool raw,
                         FILE *f, struct st_err *err)
{
    switch (t) {
    case TABLE_SUMMARY: return export_session_csv_summary(L, f, err) == ST_OK;
    case TABLE_SAMPLES: return export_rep_samples_csv(s, L, rep, f, err) == ST_OK;
    case TABLE_REPS:
    case TABLE_NONE: break;
    }
    return export_session_csv(s, L, raw, f, err) == ST_OK;
}

/* `--format csv` without --table: the reps and the summary, each in its own file named from base
 * (base-reps.csv, base-summary.csv), and with raw one file per rep of samples (base-samples-rep3.csv)
 * that `station analyze` reads. Prints each path on stdout. Returns the exit status. */
static int export_csv_files(struct store *s, const struct export_session *L, const char *base, bool raw)
{
    struct st_err err;
    st_err_clear(&err);
    char path[4200];
    struct {
        const char *suffix;
        enum export_table t;
    } files[] = {{"reps", TABLE_REPS}, {"summary", TABLE_SUMMARY}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s-%s.csv", base, files[i].suffix);
        FILE *f = export_file(path);
        if (!f)
            return 1;
        if (!export_close(f, path, export_table(s, L, files[i].t, 0, false, f, &err), &err))
            return cli_fail("%s", st_err_msg(&err));
        printf("%s\n", path);
    }
    for (size_t i = 0; raw && i < L->n; i++) {
        snprintf(path, sizeof path, "%s-samples-rep%d.csv", base, L->reps[i].sequence);
        FILE *f = export_file(path);
        if (!f)
            return 1;
        bool ok = export_rep_samples_csv(s, L, L->reps[i].sequence, f, &err) == ST_OK;
        bool none = !ok && err.code == ST_ERR_NOT_FOUND; /* a rep without samples (interrupted): no file */
        if (!export_close(f, path, ok || none, &err) && !none)
            return cli_fail("%s", st_err_msg(&err));
        if (none)
            unlink(path);
        else
            printf("%s\n", path);
    }
    return 0;
}

int cmd_export(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) /* FHIR has options of its own (--deidentified): station/cli/cmd_fhir.c */
        if (!strcmp(argv[i], "--format=fhir") || (!strcmp(argv[i], "--format") && i + 1 < argc && !strcmp(argv[i + 1], "fhir")))
            return cmd_export_fhir(argc, argv);
    const char *db = NULL, *format = NULL, *out = NULL, *patient = NULL, *table = NULL;
    bool raw = false, all = false;
    int rep = 0;
    struct cli_opt opts[] = {
        CLI_OPT_DB(&db),
        {"--format", CLI_STR, &format, "json|csv|fhir", "the format (default json; fhir: see --format fhir --help)", false},
        {"--table", CLI_STR, &table, "reps|summary|samples", "CSV: only this table, to stdout or --out", false},
        {"--rep", CLI_INT, &rep, "N", "with --table samples: the repetition (its # in station show)", false},
        {"--raw", CLI_FLAG, &raw, NULL, "add the raw samples (JSON: of every rep; CSV: one file per rep)", false},
        {"--out", CLI_STR, &out, "FILE", "write to FILE (mode 0600); CSV files: FILE-reps.csv, FILE-summary.csv", false},
        {"--patient", CLI_STR, &patient, "ID", "with --all: everything about one patient, as JSON", false},
        {"--all", CLI_FLAG, &all, NULL, "with --patient: the data-subject export", false},
    };
    struct cli_cmd cmd = {"station export",
                          "SESSION [--format json|csv] [--table reps|summary|samples [--rep N]] [--raw] [--out FILE] "
                          "| --patient ID --all [--out FILE]",
                          "Exports one session: JSON (the default) with the cut-offs it was judged by; or CSV for a\n"
                          "spreadsheet: the reps and a summary (per side and direction: best, ratio, asymmetry, with\n"
                          "patient reference, date and protocol on every row), each its own file (session-ID-reps.csv,\n"
                          "session-ID-summary.csv, or from --out), or one table with --table; --table samples --rep N\n"
                          "is one repetition's raw trace as station analyze reads it. --patient ID --all: everything\n"
                          "about one patient, as JSON.",
                          CLI_OPTS(opts), 0, 1};
    const char *arg = NULL; /* the one positional argument, if given */
    int rc = cli_parse_one(&cmd, argc, argv, &arg);
    if (rc >= 0)
        return rc;
    bool by_patient = patient != NULL || all;
    int64_t sid = 0;
    enum export_table t = TABLE_NONE;
    bool csv = format && !strcmp(format, "csv");
    if (by_patient) {
        if (!patient || !all)
            return cli_usage_error(&cmd, "a patient export needs both --patient ID and --all");
        if (arg || format || table)
            return cli_usage_error(&cmd, "give either SESSION [--format ...] or --patient ID --all");
    } else {
        if (!arg)
            return cli_usage_error(&cmd, "which session? give SESSION (see station sessions)");
        if ((rc = cli_session_arg(&cmd, arg, &sid)) >= 0)
            return rc;
        if (format && !csv && strcmp(format, "json") != 0)
            return cli_usage_error(&cmd, "--format must be json, csv or fhir");
        if (table) {
            t = !strcmp(table, "reps") ? TABLE_REPS : !strcmp(table, "summary") ? TABLE_SUMMARY
                : !strcmp(table, "samples")                                   ? TABLE_SAMPLES
                                                                              : TABLE_NONE;
            if (t == TABLE_NONE)
                return cli_usage_error(&cmd, "--table must be reps, summary or samples");
            if (format && !csv)
                return cli_usage_error(&cmd, "--table is for CSV: leave out --format json");
            csv = true;
        }
        if ((t == TABLE_SAMPLES) != cli_opt_get(&cmd, "--rep")->seen)
            return cli_usage_error(&cmd, t == TABLE_SAMPLES ? "--table samples needs --rep N (the # in station show)"
                                                            : "--rep goes with --table samples");
        if (raw && t != TABLE_NONE && t != TABLE_REPS)
            return cli_usage_error(&cmd, "--raw goes with the reps table or the JSON");
    }
    struct store *s = NULL;
    if ((rc = cli_db_open_session(db, by_patient ? NULL : arg, &s, &sid)) != 0)
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
    if (csv && t == TABLE_NONE) {
        char base[4096];
        if (out) /* FILE.csv: FILE-reps.csv, FILE-summary.csv */
            snprintf(base, sizeof base, "%.*s", (int)(strlen(out) > 4 && !strcmp(out + strlen(out) - 4, ".csv") ? strlen(out) - 4 : strlen(out)), out);
        else
            snprintf(base, sizeof base, "session-%lld", (long long)sid);
        rc = export_csv_files(s, &L, base, raw);
        export_session_free(&L);
        store_close(s);
        return rc;
    }
    FILE *f = out ? export_file(out) : stdout;
    if (!f) {
        export_session_free(&L);
        store_close(s);
        return 1;
    }
    bool ok = by_patient ? export_patient_json(s, pid, f, &err) == ST_OK
              : csv      ? export_table(s, &L, t, rep, raw, f, &err)
                         : export_session_json(s, &L, raw, f, &err) == ST_OK;
    ok = export_close(f, out ? out : "the export", ok, &err);
    if (ok && out)
        fprintf(stderr, "station: exported to %s\n", out);
    if (loaded)
        export_session_free(&L);
    store_close(s);
    if (!ok)
        return cli_fail("%s", st_err_msg(&err));
    return 0;
}
