/*
 * test_store_summary.c - the balance the store keeps per session (schema 8, station/store/store_summary.c)
 * always equals the balance computed from the session's reps, after every kind of change: a rep added
 * (counting, flagged, familiarisation), decided (accepted, rejected), annotated; the session ended; the
 * patient's leg length edited (the gravity correction); two patients merged; a patient erased; rows
 * pulled from another station (new sessions and reps, a decision made there, an erasure there); and a
 * change made behind the store's back (sqlite3 by hand), which readers compute until the next write
 * settles it.
 *
 * "Equals" is exact: the summary's numbers are the doubles bal_compute gives (REAL round-trips them),
 * compared field by field with the balance `station show` computes from the reps. And each check
 * first asserts that the file holds the settled row (no stale mark), so it is the stored summary that
 * is compared, not the readers' fallback.
 */
#include <math.h>
#include <sqlite3.h>

#include "check.h"
#include "protocols/balance.h"
#include "station/export/session_doc.h"
#include "station/store/store_internal.h"
#include "station/store/store_sync.h"
#include "store_fixture.h"

static int64_t count_of(struct store *s, const char *sql, int64_t id)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_bind_parameter_count(st) > 0)
            sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

/* The balance of session sid as `station show`, the exports and the report compute it: from its reps,
 * under its own parameters (station/export/session_doc.h). */
static void computed_summary(struct store *s, int64_t sid, struct store_session_summary *want)
{
    struct st_err err;
    struct export_session doc;
    CHECK_OK(export_session_load(s, sid, &doc, &err), &err);
    store_session_summary_of(&doc.bal, want);
    want->reps = (int)doc.n;
    export_session_free(&doc);
}

static bool same_num(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static bool same_summary(const struct store_session_summary *a, const struct store_session_summary *b)
{
    bool same = a->reps == b->reps && a->counting == b->counting && a->ratio_corrected == b->ratio_corrected;
    for (int k = 0; k < ST_SIDE_COUNT; k++)
        same = same && same_num(a->ratio[k], b->ratio[k]) && a->ratio_flag[k] == b->ratio_flag[k];
    for (int d = 0; d < ST_DIR_COUNT; d++)
        same = same && same_num(a->asym_pct[d], b->asym_pct[d]) && a->weaker[d] == b->weaker[d] &&
               a->asym_flag[d] == b->asym_flag[d];
    return same;
}

/* The stored summary of session sid (settled: its row is in the file, no mark waits) equals the balance
 * computed from its reps; *got (may be NULL) gets it. The line of the caller is named on a miss. */
static void check_summary_at(struct store *s, int64_t sid, struct store_session_summary *got, int line)
{
    struct st_err err;
    if (count_of(s, "SELECT count(*) FROM session_summary_stale", 0) != 0 ||
        count_of(s, "SELECT count(*) FROM session_summary WHERE session_id=?", sid) != 1)
        check_fail(__FILE__, line, "session %lld: no settled summary in the file", (long long)sid);
    struct store_session x;
    CHECK_OK(store_session_get(s, sid, &x, &err), &err);
    struct store_session_summary want;
    computed_summary(s, sid, &want);
    if (!same_summary(&x.summary, &want))
        check_fail(__FILE__, line,
                   "session %lld: stored summary (reps %d, counting %d, ratio L %.17g R %.17g, asym ADD %.17g"
                   " ABD %.17g) differs from its reps' (reps %d, counting %d, ratio L %.17g R %.17g, asym ADD"
                   " %.17g ABD %.17g)",
                   (long long)sid, x.summary.reps, x.summary.counting, x.summary.ratio[0], x.summary.ratio[1],
                   x.summary.asym_pct[0], x.summary.asym_pct[1], want.reps, want.counting, want.ratio[0],
                   want.ratio[1], want.asym_pct[0], want.asym_pct[1]);
    CHECK_INT(x.n_reps, want.reps);
    /* the listing reads the same row */
    struct store_session *list = NULL;
    size_t n = 0;
    CHECK_OK(store_session_list(s, x.patient_id, &list, &n, &err), &err);
    bool listed = false;
    for (size_t i = 0; i < n; i++)
        if (list[i].id == sid) {
            listed = true;
            if (!same_summary(&list[i].summary, &want))
                check_fail(__FILE__, line, "session %lld: the list's summary differs", (long long)sid);
            CHECK_STR(list[i].patient_name, x.patient_name);
            CHECK(memcmp(list[i].device_id, x.device_id, sizeof x.device_id) == 0);
        }
    if (!listed)
        check_fail(__FILE__, line, "session %lld is not in its patient's list", (long long)sid);
    free(list);
    if (got)
        *got = x.summary;
}
#define CHECK_SUMMARY(s, sid, got) check_summary_at((s), (sid), (got), __LINE__)

/* A protocol judged with the gravity correction (side-lying ABD), so the patient's leg length and the
 * session's mass enter the ratio: a leg length edit or a merge then changes the balance. */
static const char gravity_protocol[] =
    "[protocol]\nname = side-lying-g\ntitle = Side-lying\nposition = side-lying\nhip_flexion_deg = 0\n"
    "lever = long\ncontraction = make\ngravity_correction = yes\n[order]\nmode = fixed\n[blocks]\n"
    "block = abduction left 0\n[reps]\nfamiliarisation = 0\nreps = 3\nhold_s = 5\nrest_s = 30\n"
    "countdown_s = 3\n[flags]\nratio_red = 0.70\nratio_amber = 0.85\n";

static int64_t gravity_session(struct store *s, int64_t patient_id, int64_t started)
{
    struct st_err err;
    struct store_session x;
    memset(&x, 0, sizeof x);
    x.patient_id = patient_id;
    CHECK_OK(store_protocol_ensure(s, "side-lying-g", gravity_protocol, &x.protocol_id, &err), &err);
    x.body_mass_kg = 70.0;
    x.lever_m = 0.8;
    x.started = started;
    CHECK_OK(store_session_begin(s, &x, &err), &err);
    REQUIRE(x.id > 0);
    return x.id;
}

/* Adds a rep (status, counts as given) and returns its UUID in uuid. */
static void add_rep(struct store *s, int64_t sid, int seq, enum st_dir dir, enum st_side side, double peak,
                    enum store_rep_status status, bool counts, bool familiarisation, char uuid[STORE_UUID_SIZE])
{
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    struct store_rep r;
    fix_rep(&r, seq, dir, side, peak, 0.8, 70.0, t, f, FIX_SAMPLES);
    r.status = status;
    r.counts = counts;
    r.familiarisation = familiarisation;
    store_uuid_new(r.uuid);
    struct st_err err;
    CHECK_OK(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, NULL, &err), &err);
    snprintf(uuid, STORE_UUID_SIZE, "%s", r.uuid);
}

/* A session's summary on the station that records it: every write the station makes. */
static void test_summary_follows_every_write(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("summary.db", path, sizeof path);
    int64_t pid = fix_patient(s, "Sam Summary"); /* leg 0.9 m, 70 kg */
    int64_t sid = gravity_session(s, pid, 1700000000);
    char u[8][STORE_UUID_SIZE];
    struct store_session_summary a, b;

    add_rep(s, sid, 1, ST_DIR_ADD, ST_SIDE_LEFT, 200, STORE_REP_ACCEPTED, true, true, u[0]); /* familiarisation */
    CHECK_SUMMARY(s, sid, &a);
    CHECK_INT(a.reps, 1);
    CHECK_INT(a.counting, 0);
    CHECK_NAN(a.ratio[ST_SIDE_LEFT]);
    add_rep(s, sid, 2, ST_DIR_ADD, ST_SIDE_LEFT, 200, STORE_REP_ACCEPTED, true, false, u[1]);
    add_rep(s, sid, 3, ST_DIR_ABD, ST_SIDE_LEFT, 250, STORE_REP_ACCEPTED, true, false, u[2]);
    add_rep(s, sid, 4, ST_DIR_ADD, ST_SIDE_RIGHT, 180, STORE_REP_ACCEPTED, true, false, u[3]);
    add_rep(s, sid, 5, ST_DIR_ABD, ST_SIDE_RIGHT, 240, STORE_REP_ACCEPTED, true, false, u[4]);
    CHECK_SUMMARY(s, sid, &a);
    CHECK_INT(a.reps, 5);
    CHECK_INT(a.counting, 4);
    CHECK(a.ratio_corrected);
    CHECK(isfinite(a.ratio[ST_SIDE_LEFT]) && isfinite(a.ratio[ST_SIDE_RIGHT]));
    CHECK(isfinite(a.asym_pct[ST_DIR_ADD]));

    /* a flagged rep waits for the therapist: stored, not counted */
    add_rep(s, sid, 6, ST_DIR_ABD, ST_SIDE_LEFT, 300, STORE_REP_PENDING, false, false, u[5]);
    CHECK_SUMMARY(s, sid, &b);
    CHECK_INT(b.reps, 6);
    CHECK_INT(b.counting, 4);
    CHECK(same_num(b.ratio[ST_SIDE_LEFT], a.ratio[ST_SIDE_LEFT]));
    /* accepted: the left ABD best is now 300 N, the left ratio falls */
    CHECK_OK(store_rep_decide(s, u[5], STORE_REP_ACCEPTED, true, 0, "looked fine", &err), &err);
    CHECK_SUMMARY(s, sid, &b);
    CHECK_INT(b.counting, 5);
    CHECK(b.ratio[ST_SIDE_LEFT] < a.ratio[ST_SIDE_LEFT]);
    /* the right ADD rep rejected: no right ratio, no ADD asymmetry */
    int64_t rid = count_of(s, "SELECT id FROM repetitions WHERE sequence=4 AND session_id=?", sid);
    CHECK_OK(store_rep_set_status(s, rid, STORE_REP_REJECTED, false, 0, "pain", &err), &err);
    CHECK_SUMMARY(s, sid, &b);
    CHECK_NAN(b.ratio[ST_SIDE_RIGHT]);
    CHECK_NAN(b.asym_pct[ST_DIR_ADD]);
    CHECK_INT(b.counting, 4);
    /* pain and a note change nothing of the balance, and the summary stays settled */
    CHECK_OK(store_rep_annotate(s, u[2], 3, "a little pain", 0, &err), &err);
    CHECK_SUMMARY(s, sid, NULL);
    CHECK_OK(store_session_end(s, sid, STORE_SESSION_COMPLETE, 80, 0.5, 0, 0, &err), &err);
    CHECK_SUMMARY(s, sid, &a);

    /* a longer leg: a larger gravity term on the ABD torque, a smaller ratio */
    struct store_patient p;
    CHECK_OK(store_patient_get(s, pid, &p, &err), &err);
    p.leg_length_m = 1.05;
    CHECK_OK(store_patient_update(s, &p, 0, "measured again", &err), &err);
    CHECK_SUMMARY(s, sid, &b);
    CHECK(b.ratio[ST_SIDE_LEFT] < a.ratio[ST_SIDE_LEFT]);

    /* merged: a second record of another leg length joins this one; its session is judged with the
     * leg length of the record it joined */
    int64_t pid2 = fix_patient(s, "Sam Summary (twice)");
    CHECK_OK(store_patient_get(s, pid2, &p, &err), &err);
    p.leg_length_m = 0.8;
    CHECK_OK(store_patient_update(s, &p, 0, NULL, &err), &err);
    int64_t sid2 = gravity_session(s, pid2, 1700100000);
    add_rep(s, sid2, 1, ST_DIR_ADD, ST_SIDE_LEFT, 210, STORE_REP_ACCEPTED, true, false, u[6]);
    add_rep(s, sid2, 2, ST_DIR_ABD, ST_SIDE_LEFT, 260, STORE_REP_ACCEPTED, true, false, u[7]);
    CHECK_SUMMARY(s, sid2, &a);
    CHECK_OK(store_patient_merge(s, pid, pid2, 0, "same person", &err), &err);
    CHECK_SUMMARY(s, sid2, &b);
    CHECK(b.ratio[ST_SIDE_LEFT] < a.ratio[ST_SIDE_LEFT]); /* 1.05 m now, not 0.8 m */
    CHECK_SUMMARY(s, sid, NULL);

    /* erased: no summary of theirs is left */
    CHECK_OK(store_patient_delete(s, pid, 0, "erasure requested", NULL, NULL, &err), &err);
    CHECK_INT(count_of(s, "SELECT count(*) FROM session_summary", 0), 0);
    CHECK_INT(count_of(s, "SELECT count(*) FROM session_summary_stale", 0), 0);
    CHECK_OK(store_integrity_check(s, &err), &err);
    store_close(s);
}

/* A change made behind the store's back (sqlite3 by hand, an older tool): the trigger marks the session;
 * readers compute its summary until the next write of the store settles it. */
static void test_summary_behind_the_stores_back(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("behind.db", path, sizeof path);
    int64_t pid = fix_patient(s, "Bea Behind");
    int64_t sid = fix_session(s, pid, "supine-0", "SER-B", 1700000000);
    char u[2][STORE_UUID_SIZE];
    add_rep(s, sid, 1, ST_DIR_ADD, ST_SIDE_LEFT, 200, STORE_REP_ACCEPTED, true, false, u[0]);
    add_rep(s, sid, 2, ST_DIR_ABD, ST_SIDE_LEFT, 250, STORE_REP_ACCEPTED, true, false, u[1]);
    struct store_session_summary a;
    CHECK_SUMMARY(s, sid, &a);
    CHECK(isfinite(a.ratio[ST_SIDE_LEFT]));
    REQUIRE(sqlite3_exec(s->db, "UPDATE repetitions SET status='rejected' WHERE sequence=2", NULL, NULL, NULL) ==
            SQLITE_OK);
    CHECK_INT(count_of(s, "SELECT count(DISTINCT session_id) FROM session_summary_stale", 0), 1);
    struct store_session x;
    CHECK_OK(store_session_get(s, sid, &x, &err), &err);
    CHECK_NAN(x.summary.ratio[ST_SIDE_LEFT]); /* computed, not the stale row */
    CHECK_INT(x.summary.counting, 1);
    struct store_session *list = NULL;
    size_t n = 0;
    CHECK_OK(store_session_list(s, 0, &list, &n, &err), &err);
    REQUIRE(n == 1);
    CHECK_NAN(list[0].summary.ratio[ST_SIDE_LEFT]);
    CHECK_INT(list[0].n_reps, 2);
    free(list);
    /* the next write (of anything) settles it */
    CHECK_OK(store_session_event_add(s, sid, 10, "state", "rest", NULL, &err), &err);
    CHECK_SUMMARY(s, sid, NULL);
    store_close(s);
}

/* ------------------------------------------------------------------------------------------------ */
/* Another station's rows: station A's pushes handed to station B's pull, as the clinic server would   */

struct relay {
    size_t ncols, n, cap;
    struct store_sync_val *v; /* n rows of ncols values, each p a copy */
};

static enum st_status relay_row(void *ctx, const struct store_sync_val *vals, size_t n, struct st_err *err)
{
    struct relay *R = ctx;
    if (R->n == R->cap) {
        R->cap = R->cap ? 2 * R->cap : 16;
        R->v = realloc(R->v, R->cap * R->ncols * sizeof *R->v);
        if (!R->v)
            return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    for (size_t c = 0; c < n && c < R->ncols; c++) {
        struct store_sync_val *d = &R->v[R->n * R->ncols + c];
        char *p = malloc(vals[c].n + 1);
        if (!p)
            return st_err_set(err, ST_ERR_NOMEM, NULL);
        if (vals[c].n)
            memcpy(p, vals[c].p, vals[c].n);
        p[vals[c].n] = '\0';
        *d = (struct store_sync_val){.p = p, .n = vals[c].n, .null = vals[c].null};
    }
    R->n++;
    return ST_OK;
}

static void relay_get(void *ctx, size_t i, struct store_sync_val *vals)
{
    const struct relay *R = ctx;
    memcpy(vals, &R->v[i * R->ncols], R->ncols * sizeof *vals);
}

/* Everything waiting on `from` is written into `to`, table by table in the sync's order. */
static void relay_all(struct store *from, struct store *to)
{
    struct st_err err;
    for (size_t t = 0; t < store_sync_table_count; t++) {
        struct store_sync_col cols[STORE_SYNC_MAX_COLS];
        struct relay R = {0};
        int64_t last = 0;
        size_t count = 0;
        CHECK_OK(store_sync_columns(from, t, cols, &R.ncols, &err), &err);
        CHECK_OK(store_sync_push_batch(from, t, 100000, relay_row, &R, &last, &count, &err), &err);
        if (count > 0) {
            struct store_sync_counts counts = {0};
            CHECK_OK(store_sync_pull_batch(to, t, cols, R.ncols, R.n, relay_get, &R, last, &counts, &err), &err);
            CHECK_OK(store_sync_mark_pushed(from, t, last, NULL, 0, &err), &err);
        }
        for (size_t i = 0; i < R.n * R.ncols; i++)
            free((void *)R.v[i].p);
        free(R.v);
    }
}

static int64_t local_session(struct store *s, const char *uuid)
{
    int64_t id = 0;
    struct st_err err;
    CHECK_OK(store_session_find(s, uuid, &id, &err), &err);
    return id;
}

/* Sessions, reps and decisions pulled from another station get their summary on this one; so does an
 * erasure pulled as a tombstone. */
static void test_summary_of_pulled_rows(void)
{
    char pa[512], pb[512];
    struct st_err err;
    struct store *A = fix_open("station-a.db", pa, sizeof pa);
    struct store *B = fix_open("station-b.db", pb, sizeof pb);
    int64_t pid = fix_patient(A, "Pia Pulled");
    int64_t sid = gravity_session(A, pid, 1700000000);
    char u[4][STORE_UUID_SIZE];
    add_rep(A, sid, 1, ST_DIR_ADD, ST_SIDE_LEFT, 200, STORE_REP_ACCEPTED, true, false, u[0]);
    add_rep(A, sid, 2, ST_DIR_ABD, ST_SIDE_LEFT, 250, STORE_REP_ACCEPTED, true, false, u[1]);
    add_rep(A, sid, 3, ST_DIR_ABD, ST_SIDE_RIGHT, 240, STORE_REP_ACCEPTED, true, false, u[2]);
    add_rep(A, sid, 4, ST_DIR_ABD, ST_SIDE_LEFT, 320, STORE_REP_PENDING, false, false, u[3]);
    CHECK_OK(store_session_end(A, sid, STORE_SESSION_COMPLETE, 80, 0.5, 0, 0, &err), &err);
    struct store_session xa;
    CHECK_OK(store_session_get(A, sid, &xa, &err), &err);

    relay_all(A, B);
    int64_t sb = local_session(B, xa.uuid);
    struct store_session_summary a, b;
    CHECK_SUMMARY(B, sb, &b);
    CHECK_SUMMARY(A, sid, &a);
    CHECK(same_summary(&a, &b)); /* the same reps, the same patient: the same balance on both stations */
    CHECK_INT(b.reps, 4);
    CHECK_INT(b.counting, 3);
    CHECK(b.ratio_corrected);

    /* the therapist at A accepts the flagged rep; B pulls the decision */
    CHECK_OK(store_rep_decide(A, u[3], STORE_REP_ACCEPTED, true, 0, NULL, &err), &err);
    relay_all(A, B);
    struct store_session_summary b2;
    CHECK_SUMMARY(B, sb, &b2);
    CHECK_INT(b2.counting, 4);
    CHECK(b2.ratio[ST_SIDE_LEFT] < b.ratio[ST_SIDE_LEFT]);
    CHECK_SUMMARY(A, sid, &a);
    CHECK(same_summary(&a, &b2));

    /* a second session at A, then the patient's leg length edited at A: both pulled */
    int64_t sid2 = gravity_session(A, pid, 1700200000);
    char v[2][STORE_UUID_SIZE];
    add_rep(A, sid2, 1, ST_DIR_ADD, ST_SIDE_RIGHT, 190, STORE_REP_ACCEPTED, true, false, v[0]);
    add_rep(A, sid2, 2, ST_DIR_ABD, ST_SIDE_RIGHT, 230, STORE_REP_ACCEPTED, true, false, v[1]);
    struct store_patient p;
    CHECK_OK(store_patient_get(A, pid, &p, &err), &err);
    p.leg_length_m = 1.1;
    CHECK_OK(store_patient_update(A, &p, 0, NULL, &err), &err);
    relay_all(A, B);
    struct store_session x2;
    CHECK_OK(store_session_get(A, sid2, &x2, &err), &err);
    int64_t sb2 = local_session(B, x2.uuid);
    CHECK_SUMMARY(B, sb2, &b);
    CHECK_SUMMARY(B, sb, &b);
    CHECK(b.ratio[ST_SIDE_LEFT] < b2.ratio[ST_SIDE_LEFT]); /* the longer leg pulled with the patient */

    /* erased at A: B erases on pull, and keeps no summary of theirs */
    CHECK_OK(store_patient_delete(A, pid, 0, "erasure requested", NULL, NULL, &err), &err);
    relay_all(A, B);
    CHECK_INT(count_of(B, "SELECT count(*) FROM sessions", 0), 0);
    CHECK_INT(count_of(B, "SELECT count(*) FROM session_summary", 0), 0);
    CHECK_INT(count_of(B, "SELECT count(*) FROM session_summary_stale", 0), 0);
    store_close(A);
    store_close(B);
}

int main(void)
{
    CHECK_RUN(test_summary_follows_every_write);
    CHECK_RUN(test_summary_behind_the_stores_back);
    CHECK_RUN(test_summary_of_pulled_rows);
    return check_done();
}
