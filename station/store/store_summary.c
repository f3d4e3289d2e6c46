/*
 * store_summary.c - each session's balance kept in the file (schema 8: session_summary), so that
 * `station sessions` and the patient pages read one row per session instead of every session's reps,
 * protocol text and patient (1.5 s for 10,000 sessions before, bench/bench_store.c).
 *
 * How it stays right: SQL triggers (store_schema.c, version 8) put a session's id in
 * session_summary_stale whenever something its balance depends on changes, whoever writes it - the
 * station's own writes, rows pulled from the clinic server, a merge, a cascade. Every write of the store
 * is one store_tx, and store_tx calls store_summary_settle before its COMMIT: it recomputes the stale
 * sessions with bal_compute, exactly as `station show` computes a balance, and empties the stale
 * table. So the summary commits with the change that made it, or not at all. A file written behind
 * the store's back (sqlite3 by hand) keeps its marks until the next write; meanwhile readers compute
 * a marked session's summary themselves (store_summary_load), so what they return is right either way.
 */
#include "station/store/store_internal.h"

#include <stdlib.h>
#include <string.h>

/* What the balance reads of a rep (store_reps_to_balance's inputs). */
#define SUMMARY_REP_SELECT                                                                                   \
    "SELECT direction, side, peak_n, lever_m, counts, status, familiarisation, contraction"                  \
    " FROM repetitions WHERE session_id=? ORDER BY sequence, id"

/* As read_rep (store_rep.c) reads these columns, so both give the balance the same reps. */
static void read_balance_rep(sqlite3_stmt *st, void *item)
{
    struct store_rep *r = item; /* zeroed: accepted, adduction, left */
    char t[24];
    store_col_text(st, 0, t, sizeof t);
    st_dir_parse(t, &r->dir);
    store_col_text(st, 1, t, sizeof t);
    st_side_parse(t, &r->side);
    r->m.peak_n = store_col_double(st, 2);
    r->lever_m = store_col_double(st, 3);
    r->counts = sqlite3_column_int(st, 4) != 0;
    store_col_text(st, 5, t, sizeof t);
    store_rep_status_parse(t, &r->status);
    r->familiarisation = sqlite3_column_int(st, 6) != 0;
    r->m.contraction = sqlite3_column_int(st, 7) != 0;
}

struct summary_session {
    int64_t patient_id, protocol_id;
    double body_mass_kg;
};

static void read_summary_session(sqlite3_stmt *st, void *item)
{
    struct summary_session *x = item;
    x->patient_id = sqlite3_column_int64(st, 0);
    x->protocol_id = sqlite3_column_int64(st, 1);
    x->body_mass_kg = store_col_double(st, 2);
}

void store_session_summary_of(const struct bal_result *b, struct store_session_summary *out)
{
    memset(out, 0, sizeof *out);
    for (int d = 0; d < ST_DIR_COUNT; d++)
        for (int k = 0; k < ST_SIDE_COUNT; k++)
            out->counting += b->cell[d][k].n;
    for (int k = 0; k < ST_SIDE_COUNT; k++) {
        out->ratio[k] = b->ratio[k];
        out->ratio_flag[k] = b->ratio_flag[k];
    }
    out->ratio_corrected = b->ratio_corrected;
    for (int d = 0; d < ST_DIR_COUNT; d++) {
        out->asym_pct[d] = b->asym_pct[d];
        out->weaker[d] = b->weaker[d];
        out->asym_flag[d] = b->asym_flag[d];
    }
}

enum st_status store_summary_compute(struct store *s, int64_t session_id, struct store_session_summary *out,
                                     bool *found, struct st_err *err)
{
    const char *doing = "summing up a session";
    struct summary_session x = {0};
    enum st_status r = store_row(s, "SELECT patient_id, protocol_id, body_mass_kg FROM sessions WHERE id=?",
                                 STORE_VALS(sv_int(session_id)), read_summary_session, &x, found, doing, err);
    if (r != ST_OK || !*found)
        return r;
    struct bal_params params;
    if ((r = store_bal_params(s, x.protocol_id, x.patient_id, x.body_mass_kg, &params, err)) != ST_OK)
        return r;
    void *rows = NULL;
    size_t n = 0;
    if ((r = store_rows(s, SUMMARY_REP_SELECT, STORE_VALS(sv_int(session_id)), sizeof(struct store_rep),
                        read_balance_rep, &rows, &n, doing, err)) != ST_OK)
        return r;
    struct bal_rep *b = malloc((n ? n : 1) * sizeof *b);
    if (!b) {
        free(rows);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    store_reps_to_balance(rows, n, b);
    struct bal_result bal;
    bal_compute(b, n, &params, &bal);
    store_session_summary_of(&bal, out);
    out->reps = (int)n;
    free(b);
    free(rows);
    return ST_OK;
}

/* A flag as stored: its name, NULL for none. */
static struct store_val flag_val(enum bal_flag f)
{
    return sv_opt(bal_flag_name(f));
}

static enum bal_flag flag_parse(const char *t)
{
    for (enum bal_flag f = BAL_NORMAL; f <= BAL_RED; f++)
        if (strcmp(t, bal_flag_name(f)) == 0)
            return f;
    return BAL_NONE;
}

static enum st_status summary_write(struct store *s, int64_t session_id,
                                    const struct store_session_summary *m, const char *doing,
                                    struct st_err *err)
{
    return store_run(
        s,
        "INSERT OR REPLACE INTO session_summary(session_id, reps, counting, ratio_left, ratio_right, "
        "ratio_both,"
        " ratio_flag_left, ratio_flag_right, ratio_flag_both, ratio_corrected, asym_adduction, "
        "asym_abduction,"
        " weaker_adduction, weaker_abduction, asym_flag_adduction, asym_flag_abduction)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        STORE_VALS(sv_int(session_id), sv_int(m->reps), sv_int(m->counting), sv_real(m->ratio[ST_SIDE_LEFT]),
                   sv_real(m->ratio[ST_SIDE_RIGHT]), sv_real(m->ratio[ST_SIDE_BOTH]),
                   flag_val(m->ratio_flag[ST_SIDE_LEFT]), flag_val(m->ratio_flag[ST_SIDE_RIGHT]),
                   flag_val(m->ratio_flag[ST_SIDE_BOTH]), sv_int(m->ratio_corrected),
                   sv_real(m->asym_pct[ST_DIR_ADD]), sv_real(m->asym_pct[ST_DIR_ABD]),
                   sv_text(st_side_name(m->weaker[ST_DIR_ADD])), sv_text(st_side_name(m->weaker[ST_DIR_ABD])),
                   flag_val(m->asym_flag[ST_DIR_ADD]), flag_val(m->asym_flag[ST_DIR_ABD])),
        doing, err);
}

void store_summary_read(sqlite3_stmt *st, int i, struct store_session_summary *m)
{
    char t[16];
    memset(m, 0, sizeof *m);
    m->reps = sqlite3_column_int(st, i++);
    m->counting = sqlite3_column_int(st, i++);
    for (int k = 0; k < ST_SIDE_COUNT; k++)
        m->ratio[k] = store_col_double(st, i++);
    for (int k = 0; k < ST_SIDE_COUNT; k++) {
        store_col_text(st, i++, t, sizeof t);
        m->ratio_flag[k] = flag_parse(t);
    }
    m->ratio_corrected = sqlite3_column_int(st, i++) != 0;
    for (int d = 0; d < ST_DIR_COUNT; d++)
        m->asym_pct[d] = store_col_double(st, i++);
    for (int d = 0; d < ST_DIR_COUNT; d++) {
        store_col_text(st, i++, t, sizeof t);
        if (!st_side_parse(t, &m->weaker[d]))
            m->weaker[d] = ST_SIDE_BOTH;
    }
    for (int d = 0; d < ST_DIR_COUNT; d++) {
        store_col_text(st, i++, t, sizeof t);
        m->asym_flag[d] = flag_parse(t);
    }
}

static void read_stale_id(sqlite3_stmt *st, void *item)
{
    *(int64_t *)item = sqlite3_column_int64(st, 0);
}

enum st_status store_summary_settle(struct store *s, const char *doing, struct st_err *err)
{
    (void)doing;
    const char *what = "summing up the sessions that changed";
    void *rows = NULL;
    size_t n = 0;
    enum st_status r = store_rows(s, "SELECT DISTINCT session_id FROM session_summary_stale", STORE_NO_VALS,
                                  sizeof(int64_t), read_stale_id, &rows, &n, what, err);
    const int64_t *id = rows;
    for (size_t i = 0; r == ST_OK && i < n; i++) {
        struct store_session_summary m;
        bool found = false;
        r = store_summary_compute(s, id[i], &m, &found, err);
        if (r == ST_OK)
            r = found ? summary_write(s, id[i], &m, what, err) /* an erased session's mark is just dropped */
                      : store_run(s, "DELETE FROM session_summary WHERE session_id=?",
                                  STORE_VALS(sv_int(id[i])), what, err);
    }
    if (r == ST_OK && n > 0)
        r = store_run(s, "DELETE FROM session_summary_stale", STORE_NO_VALS, what, err);
    free(rows);
    return r;
}
