/*
 * store_rep.c - sessions and repetitions: the writes that must never lose a measurement.
 *
 * One repetition = one transaction holding its metrics row and its samples row; the COMMIT returns
 * only when the WAL is synced (synchronous=FULL), and only then does store_rep_add return ST_OK and
 * the station say "saved". When the write fails (a full disk, an I/O error, a lock held too long),
 * the transaction is rolled back, so no half rep exists, and a copy of the rep and its samples waits
 * in memory in `s->pending` until store_flush_pending can write it or export_pending_json (station/export)
 * saves it to a file. Each rep carries its UUID from the start, so a rep that reached the file despite a
 * reported failure (a commit whose sync failed but survived) is recognised and never written twice.
 */
#include "station/store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "protocols/metric_fields.h"

#define MAX_REP_SAMPLES (50u * 1000u * 1000u) /* 10 min at 80 kHz: far beyond any contraction */

/* ------------------------------------------------------------------------------------------------ */
/* Names                                                                                            */

static const char *const session_status_names[] = {"running", "complete", "aborted", "interrupted"};
static const char *const rep_status_names[] = {"accepted", "pending", "rejected", "interrupted"};

const char *store_session_status_name(enum store_session_status st)
{
    return (unsigned)st < 4 ? session_status_names[st] : "?";
}

static enum store_session_status session_status_parse(const char *t)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(t, session_status_names[i]) == 0)
            return (enum store_session_status)i;
    return STORE_SESSION_INTERRUPTED;
}

const char *store_rep_status_name(enum store_rep_status st)
{
    return (unsigned)st < 4 ? rep_status_names[st] : "?";
}

bool store_rep_status_parse(const char *text, enum store_rep_status *out)
{
    for (int i = 0; i < 4; i++)
        if (text && strcmp(text, rep_status_names[i]) == 0) {
            *out = (enum store_rep_status)i;
            return true;
        }
    return false;
}

static int64_t now_s(void)
{
    return st_wall_s();
}

/* ------------------------------------------------------------------------------------------------ */
/* Samples codec: n pairs of little-endian IEEE-754 float64 (t_s, force_n)                          */

static void put_f64le(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

static double get_f64le(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)p[i] << (8 * i);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

void store_samples_pack(const double *t_s, const double *f_n, size_t n, unsigned char *blob)
{
    for (size_t i = 0; i < n; i++) {
        put_f64le(blob + 16 * i, t_s[i]);
        put_f64le(blob + 16 * i + 8, f_n[i]);
    }
}

void store_samples_unpack(const unsigned char *blob, size_t n, double *t_s, double *f_n)
{
    for (size_t i = 0; i < n; i++) {
        t_s[i] = get_f64le(blob + 16 * i);
        f_n[i] = get_f64le(blob + 16 * i + 8);
    }
}

/* ------------------------------------------------------------------------------------------------ */
/* Sessions                                                                                         */

static enum st_status session_begin_work(struct store *s, void *ctx, struct st_err *err)
{
    struct store_session *sess = ctx;
    const char *doing = "starting the session";
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    enum st_status r = store_run(
        s,
        "INSERT INTO sessions(uuid, patient_id, therapist_id, protocol_id, position, mode, seed,"
        " body_mass_kg, lever_m, started, status, host, pid) VALUES(?,?,?,?,?,?,?,?,?,?,'running',?,?)",
        STORE_VALS(sv_text(sess->uuid), sv_int(sess->patient_id), sv_id(sess->therapist_id),
                   sv_id(sess->protocol_id), sv_opt(sess->position), sv_opt(sess->mode), sv_int(sess->seed),
                   sv_real(sess->body_mass_kg), sv_real(sess->lever_m), sv_int(sess->started), sv_opt(host),
                   sv_int((int64_t)getpid())),
        doing, err);
    if (r != ST_OK)
        return r;
    sess->id = sqlite3_last_insert_rowid(s->db);
    for (int ch = 0; r == ST_OK && ch < ST_MAX_CHANNELS; ch++)
        if (sess->device_id[ch] > 0)
            r = store_run(s, "INSERT INTO session_devices(session_id, channel, device_id) VALUES(?,?,?)",
                          STORE_VALS(sv_int(sess->id), sv_int(ch), sv_int(sess->device_id[ch])), doing, err);
    return r;
}

enum st_status store_session_begin(struct store *s, struct store_session *sess, struct st_err *err)
{
    if (sess->patient_id <= 0)
        return st_err_set(err, ST_ERR_ARG, "A session needs a patient");
    store_uuid_new(sess->uuid);
    if (sess->started == 0)
        sess->started = now_s();
    sess->ended = 0;
    sess->status = STORE_SESSION_RUNNING;
    enum st_status r = store_tx(s, "starting the session", session_begin_work, sess, err);
    if (r == ST_OK)
        return ST_OK;
    sess->id = 0;
    if (r == ST_ERR_ARG) /* a foreign key */
        return st_err_set(err, ST_ERR_ARG,
                          "The session names a patient, therapist, protocol or device that is not in %s",
                          s->path);
    return r;
}

struct session_end {
    int64_t session_id;
    enum store_session_status status;
    double sample_rate_hz, jitter_ms;
    int64_t drops, bad_lines;
};

static enum st_status session_end_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct session_end *e = ctx;
    enum st_status r =
        store_run(s,
                  "UPDATE sessions SET status=?, ended=?, sample_rate_hz=?, jitter_ms=?, drops=?, "
                  "bad_lines=? WHERE id=?",
                  STORE_VALS(sv_text(store_session_status_name(e->status)),
                             e->status != STORE_SESSION_RUNNING ? sv_int(now_s()) : sv_null(),
                             sv_real(e->sample_rate_hz), sv_real(e->jitter_ms),
                             e->drops >= 0 ? sv_int(e->drops) : sv_null(),
                             e->bad_lines >= 0 ? sv_int(e->bad_lines) : sv_null(), sv_int(e->session_id)),
                  "ending the session", err);
    if (r == ST_OK && sqlite3_changes(s->db) == 0)
        return st_err_set(err, ST_ERR_NOT_FOUND, "There is no session %lld in %s", (long long)e->session_id,
                          s->path);
    return r;
}

enum st_status store_session_end(struct store *s, int64_t session_id, enum store_session_status status,
                                 double sample_rate_hz, double jitter_ms, int64_t drops, int64_t bad_lines,
                                 struct st_err *err)
{
    if ((unsigned)status > STORE_SESSION_INTERRUPTED)
        return st_err_set(err, ST_ERR_ARG, "Unknown session status %d", (int)status);
    struct session_end e = {session_id, status, sample_rate_hz, jitter_ms, drops, bad_lines};
    return store_tx(s, "ending the session", session_end_work, &e, err);
}

/* Whether the file holds a settled summary of session s (store_summary.c). */
#define SUMMARY_FRESH                                                                                        \
    "(sm.session_id IS NOT NULL AND NOT EXISTS(SELECT 1 FROM session_summary_stale ss"                       \
    " WHERE ss.session_id = s.id))"
#define SESSION_SELECT                                                                                       \
    "SELECT s.id, s.uuid, s.patient_id, s.therapist_id, s.protocol_id, s.position, s.mode, s.seed,"          \
    " s.body_mass_kg, s.lever_m, s.started, s.ended, s.status, s.sample_rate_hz, s.jitter_ms,"               \
    " s.drops, s.bad_lines, p.uuid, p.clinic_ref, t.name, pr.name, pr.sha256,"                               \
    " CASE WHEN " SUMMARY_FRESH " THEN sm.reps"                                                              \
    " ELSE (SELECT count(*) FROM repetitions r WHERE r.session_id = s.id) END, p.display_name,"              \
    " " SUMMARY_FRESH ", " STORE_SUMMARY_COLS                                                                \
    " FROM sessions s JOIN patients p ON p.id = s.patient_id"                                                \
    " LEFT JOIN therapists t ON t.id = s.therapist_id"                                                       \
    " LEFT JOIN protocols pr ON pr.id = s.protocol_id"                                                       \
    " LEFT JOIN session_summary sm ON sm.session_id = s.id"

static void read_session(sqlite3_stmt *st, void *item)
{
    struct store_session *x = item;
    memset(x, 0, sizeof *x);
    x->id = sqlite3_column_int64(st, 0);
    store_col_text(st, 1, x->uuid, sizeof x->uuid);
    x->patient_id = sqlite3_column_int64(st, 2);
    x->therapist_id = sqlite3_column_int64(st, 3);
    x->protocol_id = sqlite3_column_int64(st, 4);
    store_col_text(st, 5, x->position, sizeof x->position);
    store_col_text(st, 6, x->mode, sizeof x->mode);
    x->seed = sqlite3_column_int64(st, 7);
    x->body_mass_kg = store_col_double(st, 8);
    x->lever_m = store_col_double(st, 9);
    x->started = sqlite3_column_int64(st, 10);
    x->ended = sqlite3_column_int64(st, 11);
    char status[16];
    store_col_text(st, 12, status, sizeof status);
    x->status = session_status_parse(status);
    x->sample_rate_hz = store_col_double(st, 13);
    x->jitter_ms = store_col_double(st, 14);
    x->drops = sqlite3_column_type(st, 15) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 15);
    x->bad_lines = sqlite3_column_type(st, 16) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 16);
    store_col_text(st, 17, x->patient_uuid, sizeof x->patient_uuid);
    store_col_text(st, 18, x->patient_ref, sizeof x->patient_ref);
    store_col_text(st, 19, x->therapist, sizeof x->therapist);
    store_col_text(st, 20, x->protocol_name, sizeof x->protocol_name);
    store_col_text(st, 21, x->protocol_sha256, sizeof x->protocol_sha256);
    x->n_reps = sqlite3_column_int(st, 22);
    store_col_text(st, 23, x->patient_name, sizeof x->patient_name);
    if (sqlite3_column_int(st, 24))
        store_summary_read(st, 25, &x->summary);
    else
        x->summary.counting = -1; /* not stored yet: session_details computes it */
}

/* Fills x->summary when the file has none settled for it (a change made behind the store's back, not
 * yet settled: store_summary.c). */
static enum st_status session_summary(struct store *s, struct store_session *x, struct st_err *err)
{
    bool found = false;
    return x->summary.counting < 0 ? store_summary_compute(s, x->id, &x->summary, &found, err) : ST_OK;
}

struct session_device {
    int64_t session_id, channel, device_id;
};

static void read_session_device(sqlite3_stmt *st, void *item)
{
    struct session_device *c = item;
    c->session_id = sqlite3_column_int64(st, 0);
    c->channel = sqlite3_column_int64(st, 1);
    c->device_id = sqlite3_column_int64(st, 2);
}

static int session_ptr_by_id(const void *a, const void *b)
{
    int64_t x = (*(struct store_session *const *)a)->id, y = (*(struct store_session *const *)b)->id;
    return (x > y) - (x < y);
}

/* Fills device_id[] of the n sessions arr from the rows of session_devices that `sql` (with its values)
 * reads as (session_id, channel, device_id): one query for a whole list, not one per session. */
static enum st_status sessions_devices(struct store *s, struct store_session *arr, size_t n, const char *sql,
                                       const struct store_val *v, size_t nv, const char *doing,
                                       struct st_err *err)
{
    if (n == 0)
        return ST_OK;
    struct store_session **by_id = malloc(n * sizeof *by_id);
    if (!by_id)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    for (size_t i = 0; i < n; i++)
        by_id[i] = &arr[i];
    qsort(by_id, n, sizeof *by_id, session_ptr_by_id);
    void *rows = NULL;
    size_t len = 0;
    enum st_status r = store_rows(s, sql, v, nv, sizeof(struct session_device), read_session_device, &rows,
                                  &len, doing, err);
    const struct session_device *c = rows;
    for (size_t i = 0; i < len; i++) {
        struct store_session key = {.id = c[i].session_id}, *k = &key;
        struct store_session **x = bsearch(&k, by_id, n, sizeof *by_id, session_ptr_by_id);
        if (x && c[i].channel >= 0 && c[i].channel < ST_MAX_CHANNELS)
            (*x)->device_id[c[i].channel] = c[i].device_id;
    }
    free(rows);
    free(by_id);
    return r;
}

enum st_status store_session_get(struct store *s, int64_t session_id, struct store_session *sess,
                                 struct st_err *err)
{
    bool found = false;
    enum st_status r = store_row(s, SESSION_SELECT " WHERE s.id=?", STORE_VALS(sv_int(session_id)),
                                 read_session, sess, &found, "reading a session", err);
    if (r == ST_OK && !found)
        return st_err_set(err, ST_ERR_NOT_FOUND, "There is no session %lld in %s: see `station sessions`",
                          (long long)session_id, s->path);
    if (r == ST_OK)
        r = session_summary(s, sess, err);
    if (r == ST_OK)
        r = sessions_devices(s, sess, 1,
                             "SELECT session_id, channel, device_id FROM session_devices WHERE session_id=?",
                             STORE_VALS(sv_int(session_id)), "reading a session", err);
    return r;
}

enum st_status store_session_list(struct store *s, int64_t patient_id, struct store_session **out, size_t *n,
                                  struct st_err *err)
{
    void *rows = NULL;
    enum st_status r =
        patient_id > 0
            ? store_rows(s, SESSION_SELECT " WHERE s.patient_id=? ORDER BY s.started DESC, s.id DESC",
                         STORE_VALS(sv_int(patient_id)), sizeof **out, read_session, &rows, n,
                         "listing sessions", err)
            : store_rows(s, SESSION_SELECT " ORDER BY s.started DESC, s.id DESC", STORE_NO_VALS, sizeof **out,
                         read_session, &rows, n, "listing sessions", err);
    struct store_session *arr = rows;
    for (size_t i = 0; r == ST_OK && i < *n; i++)
        r = session_summary(s, &arr[i], err);
    if (r == ST_OK)
        r = patient_id > 0
                ? sessions_devices(s, arr, *n,
                                   "SELECT sd.session_id, sd.channel, sd.device_id FROM session_devices sd"
                                   " JOIN sessions x ON x.id = sd.session_id WHERE x.patient_id=?",
                                   STORE_VALS(sv_int(patient_id)), "listing sessions", err)
                : sessions_devices(s, arr, *n, "SELECT session_id, channel, device_id FROM session_devices",
                                   STORE_NO_VALS, "listing sessions", err);
    if (r != ST_OK) {
        free(rows);
        rows = NULL;
        *n = 0;
    }
    *out = rows;
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* Repetitions                                                                                      */

void store_rep_init(struct store_rep *r)
{
    memset(r, 0, sizeof *r);
    r->status = STORE_REP_ACCEPTED;
    r->counts = true;
    r->pain = -1;
    for (size_t k = 0; k < met_field_count; k++)
        met_field_set(&r->m, &met_fields[k], NAN);
    r->lever_m = r->body_mass_kg = r->tare_n = r->samples_rate_hz = NAN;
}

/* The columns of repetitions: first the rep's own (these, in the order of rep_vals and read_rep),
 * then one per metric field (protocols/metric_fields.h, in its order). */
static const char *const rep_own_cols[] = {
    "uuid",      "session_id",      "sequence",     "block_index", "index_in_block", "direction",
    "side",      "familiarisation", "status",       "counts",      "flags",          "contraction",
    "n_samples", "lever_m",         "body_mass_kg", "tare_n",      "pain",           "note",
    "created",   "feedback",
};
#define REP_OWN (sizeof rep_own_cols / sizeof rep_own_cols[0])
#define REP_MAX_COLS (REP_OWN + MET_FIELD_MAX)

/* The k-th column's name. */
static const char *rep_col(size_t k)
{
    return k < REP_OWN ? rep_own_cols[k] : met_fields[k - REP_OWN].key;
}

/* "uuid, session_id, ..., <metric keys>" into buf (2048 bytes are plenty), each after prefix ("r."
 * where a join could make a name ambiguous: rep_samples has a uuid too). */
static void rep_cols(char *buf, size_t size, const char *prefix)
{
    size_t used = 0;
    for (size_t k = 0; k < REP_OWN + met_field_count && used < size; k++) {
        int w = snprintf(buf + used, size - used, "%s%s%s", k ? ", " : "", prefix, rep_col(k));
        if (w > 0)
            used += (size_t)w;
    }
}

/* The SELECT of a rep and its samples' n, rate and drops, ending in `tail` (a WHERE and ORDER BY). */
static void rep_select(char *sql, size_t size, const char *tail)
{
    char cols[4096];
    rep_cols(cols, sizeof cols, "r.");
    snprintf(sql, size,
             "SELECT r.id, %s, rs.n, rs.rate_hz, rs.drops FROM repetitions r"
             " LEFT JOIN rep_samples rs ON rs.rep_id = r.id %s",
             cols, tail);
}

/* The values of the columns for rep r of session_id, in rep_cols' order, into v; returns how many. */
static size_t rep_vals(int64_t session_id, const struct store_rep *r, struct store_val v[REP_MAX_COLS])
{
    size_t i = 0;
    v[i++] = sv_text(r->uuid);
    v[i++] = sv_int(session_id);
    v[i++] = sv_int(r->sequence);
    v[i++] = sv_int(r->block_index);
    v[i++] = sv_int(r->index_in_block);
    v[i++] = sv_text(st_dir_name(r->dir));
    v[i++] = sv_text(st_side_name(r->side));
    v[i++] = sv_int(r->familiarisation);
    v[i++] = sv_text(store_rep_status_name(r->status));
    v[i++] = sv_int(r->counts);
    v[i++] = sv_int(r->m.flags);
    v[i++] = sv_int(r->m.contraction);
    v[i++] = sv_int((int64_t)r->m.n_samples);
    v[i++] = sv_real(r->lever_m);
    v[i++] = sv_real(r->body_mass_kg);
    v[i++] = sv_real(r->tare_n);
    v[i++] = r->pain >= 0 ? sv_int(r->pain) : sv_null();
    v[i++] = sv_opt(r->note);
    v[i++] = sv_int(r->created ? r->created : now_s());
    v[i++] = sv_opt(r->feedback);
    for (size_t k = 0; k < met_field_count; k++)
        v[i++] = sv_real(met_field_get(&r->m, &met_fields[k]));
    return i;
}

/* Reads a row of rep_select: the id, the columns in rep_cols' order, then rep_samples n, rate, drops. */
static void read_rep(sqlite3_stmt *st, void *item)
{
    struct store_rep *r = item;
    store_rep_init(r);
    int i = 0;
    r->id = sqlite3_column_int64(st, i++);
    store_col_text(st, i++, r->uuid, sizeof r->uuid);
    r->session_id = sqlite3_column_int64(st, i++);
    r->sequence = sqlite3_column_int(st, i++);
    r->block_index = sqlite3_column_int(st, i++);
    r->index_in_block = sqlite3_column_int(st, i++);
    char t[24];
    store_col_text(st, i++, t, sizeof t);
    st_dir_parse(t, &r->dir);
    store_col_text(st, i++, t, sizeof t);
    st_side_parse(t, &r->side);
    r->familiarisation = sqlite3_column_int(st, i++) != 0;
    store_col_text(st, i++, t, sizeof t);
    store_rep_status_parse(t, &r->status);
    r->counts = sqlite3_column_int(st, i++) != 0;
    r->m.flags = (unsigned)sqlite3_column_int64(st, i++);
    r->m.contraction = sqlite3_column_int(st, i++) != 0;
    r->m.n_samples = (size_t)sqlite3_column_int64(st, i++);
    r->lever_m = store_col_double(st, i++);
    r->body_mass_kg = store_col_double(st, i++);
    r->tare_n = store_col_double(st, i++);
    r->pain = sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int(st, i);
    i++;
    store_col_text(st, i++, r->note, sizeof r->note);
    r->created = sqlite3_column_int64(st, i++);
    store_col_text(st, i++, r->feedback, sizeof r->feedback);
    for (size_t k = 0; k < met_field_count; k++)
        met_field_set(&r->m, &met_fields[k], store_col_double(st, i++));
    r->n_samples = (size_t)sqlite3_column_int64(st, i++);
    r->samples_rate_hz = store_col_double(st, i++);
    r->samples_drops = sqlite3_column_int64(st, i++);
}

struct column_name {
    char name[64];
};

static void read_column_name(sqlite3_stmt *st, void *item)
{
    struct column_name *c = item;
    store_col_text(st, 1, c->name, sizeof c->name);
}

enum st_status store_schema_check(struct store *s, struct st_err *err)
{
    void *rows = NULL;
    size_t n = 0;
    enum st_status r =
        store_rows(s, "PRAGMA table_info(repetitions)", STORE_NO_VALS, sizeof(struct column_name),
                   read_column_name, &rows, &n, "checking the schema", err);
    const struct column_name *c = rows;
    /* Every column is "id", one the sync keeps (store_sync.h), or one of ours... */
    for (size_t i = 0; r == ST_OK && i < n; i++) {
        bool known = strcmp(c[i].name, "id") == 0 || store_sync_is_own_column(c[i].name);
        for (size_t k = 0; !known && k < REP_OWN + met_field_count; k++)
            known = strcmp(c[i].name, rep_col(k)) == 0;
        if (!known)
            r = st_err_set(err, ST_ERR_DB,
                           "The database %s has a column repetitions.%s that this station does not write: "
                           "a migration was added without its metric field",
                           s->path, c[i].name);
    }
    /* ...and every one of ours is a column. */
    for (size_t k = 0; r == ST_OK && k < REP_OWN + met_field_count; k++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(c[i].name, rep_col(k)) == 0;
        if (!found)
            r = st_err_set(
                err, ST_ERR_DB,
                "The database %s lacks the column repetitions.%s: a metric field was added without "
                "the schema migration that adds its column",
                s->path, rep_col(k));
    }
    free(rows);
    return r;
}

static enum st_status rep_validate(const struct store_rep *r, const double *t_s, const double *f_n, size_t n,
                                   struct st_err *err)
{
    if ((unsigned)r->dir >= ST_DIR_COUNT || (unsigned)r->side >= ST_SIDE_COUNT)
        return st_err_set(err, ST_ERR_ARG, "Repetition %d has no valid direction or side", r->sequence);
    if ((unsigned)r->status > STORE_REP_INTERRUPTED)
        return st_err_set(err, ST_ERR_ARG, "Repetition %d has no valid status", r->sequence);
    if (r->pain < -1 || r->pain > 10)
        return st_err_set(err, ST_ERR_ARG, "Pain: %d is not on the 0-10 scale", r->pain);
    if (r->feedback[0] && strcmp(r->feedback, "big_force") != 0 && strcmp(r->feedback, "no_numbers") != 0 &&
        strcmp(r->feedback, "none") != 0)
        return st_err_set(err, ST_ERR_ARG, "Repetition %d: unknown feedback condition \"%.15s\"", r->sequence,
                          r->feedback);
    if (n > MAX_REP_SAMPLES)
        return st_err_set(err, ST_ERR_ARG, "Repetition %d has %zu samples, more than a repetition can have",
                          r->sequence, n);
    if (n > 0 && (!t_s || !f_n))
        return st_err_set(err, ST_ERR_ARG, "Repetition %d: its samples are missing", r->sequence);
    return store_check_text("Note", r->note, false, sizeof r->note - 1, true, err);
}

struct rep_row {
    int64_t session_id;
    const struct store_rep *r;
    const unsigned char *blob; /* the samples, packed */
    size_t n;
    const char *doing;
    const struct store_decision *decision;     /* taken while it waited; NULL: none */
    const struct store_annotation *annotation; /* pain and note entered while it waited; NULL: none */
    int64_t id;                                /* out */
};

/* "rejected, not counted" into buf (48 bytes). */
static const char *status_words(enum store_rep_status status, bool counts, char *buf, size_t size)
{
    snprintf(buf, size, "%s, %s", store_rep_status_name(status), counts ? "counted" : "not counted");
    return buf;
}

/* The audit row of a change of status from (old_status, old_counts) to r's. */
static enum st_status status_audit(struct store *s, const char *uuid, enum store_rep_status old_status,
                                   bool old_counts, enum store_rep_status status, bool counts,
                                   int64_t therapist_id, const char *reason, struct st_err *err)
{
    char oldv[48], newv[48];
    const char *action = status == STORE_REP_ACCEPTED   ? "accept"
                         : status == STORE_REP_REJECTED ? "reject"
                                                        : "edit";
    return store_audit_add(s, therapist_id, "repetitions", uuid, action, "status",
                           status_words(old_status, old_counts, oldv, sizeof oldv),
                           status_words(status, counts, newv, sizeof newv), reason, err);
}

/* "" for no pain, else its number, into buf. */
static const char *pain_text(int pain, char *buf, size_t size)
{
    if (pain < 0)
        buf[0] = '\0';
    else
        snprintf(buf, size, "%d", pain);
    return buf;
}

/* The audit rows of a change of pain and note from (old_pain, old_note) to (pain, note): one per field
 * that changed. */
static enum st_status annotation_audit(struct store *s, const char *uuid, int old_pain, const char *old_note,
                                       int pain, const char *note, int64_t therapist_id, struct st_err *err)
{
    enum st_status r = ST_OK;
    if (old_pain != pain) {
        char o[8], n[8];
        r = store_audit_add(s, therapist_id, "repetitions", uuid, "edit", "pain", pain_text(old_pain, o, sizeof o),
                            pain_text(pain, n, sizeof n), NULL, err);
    }
    if (r == ST_OK && strcmp(old_note, note) != 0)
        r = store_audit_add(s, therapist_id, "repetitions", uuid, "edit", "note", old_note, note, NULL, err);
    return r;
}

static enum st_status rep_write_work(struct store *s, void *ctx, struct st_err *err)
{
    struct rep_row *w = ctx;
    const char *doing = w->doing;
    struct store_val v[REP_MAX_COLS];
    size_t nv = rep_vals(w->session_id, w->r, v);
    char cols[2048], sql[2600];
    rep_cols(cols, sizeof cols, "");
    size_t used = (size_t)snprintf(sql, sizeof sql, "INSERT INTO repetitions(%s) VALUES(?", cols);
    for (size_t k = 1; k < nv && used + 3 < sizeof sql; k++, used += 2)
        memcpy(sql + used, ",?", 3);
    snprintf(sql + used, sizeof sql - used, ")");
    enum st_status res = store_run(s, sql, v, nv, doing, err);
    if (res != ST_OK)
        return res;
    w->id = sqlite3_last_insert_rowid(s->db);
    /* With its sync identity at once (schema 7): an update after the insert would write the trace twice.
     * lseq is the change number the rep's own insert just took. */
    char suuid[STORE_UUID_SIZE];
    store_uuid_new(suuid);
    res = store_run(s,
                    "INSERT INTO rep_samples(rep_id, n, rate_hz, drops, encoding, data, uuid, origin, edited_by, lseq)"
                    " SELECT ?,?,?,?,'f64le-t-f',?,?, station_uuid, station_uuid, seq FROM sync_meta",
                    STORE_VALS(sv_int(w->id), sv_int((int64_t)w->n), sv_real(w->r->samples_rate_hz),
                               sv_int(w->r->samples_drops), sv_blob(w->blob, w->n * 16), sv_text(suuid)),
                    doing, err);
    if (res == ST_OK && w->decision && w->decision->taken)
        res = status_audit(s, w->r->uuid, w->decision->old_status, w->decision->old_counts, w->r->status,
                           w->r->counts, w->decision->therapist_id, w->decision->reason, err);
    const struct store_annotation *an = w->annotation;
    if (res == ST_OK && an && an->taken)
        res = annotation_audit(s, w->r->uuid, an->old_pain, an->old_note, w->r->pain, w->r->note,
                               an->therapist_id, err);
    return res;
}

/* Writes one rep in one transaction; *rep_id its id. On failure nothing of it is left. */
static enum st_status rep_write(struct store *s, int64_t session_id, const struct store_rep *r,
                                const struct store_pending *waited, const double *t_s, const double *f_n,
                                size_t n, int64_t *rep_id, struct st_err *err)
{
    unsigned char *blob = malloc(n ? n * 16 : 1);
    if (!blob)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    store_samples_pack(t_s, f_n, n, blob);
    char doing[64];
    snprintf(doing, sizeof doing, "saving repetition %d", r->sequence);
    struct rep_row w = {session_id, r, blob, n, doing, waited ? &waited->decision : NULL,
                        waited ? &waited->annotation : NULL, 0};
    enum st_status res = store_tx(s, doing, rep_write_work, &w, err);
    free(blob);
    if (res == ST_OK)
        *rep_id = w.id;
    return res;
}

static void pending_drop_first(struct store *s)
{
    free(s->pending[0].t_s);
    free(s->pending[0].f_n);
    memmove(s->pending, s->pending + 1, (s->n_pending - 1) * sizeof *s->pending);
    s->n_pending--;
}

/* Writes the queue in order; ST_OK when empty, else the first failure (the queue is kept). */
static enum st_status pending_write(struct store *s, struct st_err *err)
{
    while (s->n_pending) {
        struct store_pending *p = &s->pending[0];
        int64_t exists = 0;
        enum st_status r =
            store_int(s, "SELECT 1 FROM repetitions WHERE uuid=?", STORE_VALS(sv_text(p->rep.uuid)), &exists,
                      "saving the waiting repetitions", err);
        if (r != ST_OK)
            return r;
        if (!exists) {
            int64_t id = 0;
            r = rep_write(s, p->session_id, &p->rep, p, p->t_s, p->f_n, p->n, &id, err);
            if (r == ST_ERR_ARG) {
                /* Its session is gone (the patient was erased meanwhile): it can never be written. */
                ST_WARN("store",
                        "a waiting repetition of session %lld was dropped: the session no longer "
                        "exists in %s",
                        (long long)p->session_id, s->path);
            } else if (r != ST_OK) {
                return r;
            } else {
                ST_INFO("store", "waiting repetition %d of session %lld written to %s", p->rep.sequence,
                        (long long)p->session_id, s->path);
            }
        }
        pending_drop_first(s);
    }
    return ST_OK;
}

static bool pending_push(struct store *s, int64_t session_id, const struct store_rep *r, const double *t_s,
                         const double *f_n, size_t n)
{
    if (s->n_pending == s->cap_pending) {
        size_t nc = s->cap_pending ? s->cap_pending * 2 : 8;
        struct store_pending *np = realloc(s->pending, nc * sizeof *np);
        if (!np)
            return false;
        s->pending = np;
        s->cap_pending = nc;
    }
    struct store_pending *p = &s->pending[s->n_pending];
    memset(p, 0, sizeof *p);
    p->session_id = session_id;
    p->rep = *r;
    p->n = n;
    p->t_s = malloc(n ? n * sizeof(double) : 1);
    p->f_n = malloc(n ? n * sizeof(double) : 1);
    if (!p->t_s || !p->f_n) {
        free(p->t_s);
        free(p->f_n);
        return false;
    }
    if (n) {
        memcpy(p->t_s, t_s, n * sizeof(double));
        memcpy(p->f_n, f_n, n * sizeof(double));
    }
    s->n_pending++;
    return true;
}

/* The message for rep `sequence`, kept in memory after a write failed with r (err holds its message). */
static enum st_status kept_message(struct store *s, enum st_status r, int sequence, struct st_err *err)
{
    if (r == ST_ERR_DISK_FULL)
        return st_err_set(
            err, ST_ERR_DISK_FULL,
            "The disk is full: repetition %d is kept in memory (%zu waiting); free some space on "
            "the disk holding %s and the station writes it, or export the waiting repetitions "
            "to a file",
            sequence, s->n_pending, s->path);
    st_err_prefix(err, "Repetition %d is kept in memory (%zu waiting)", sequence, s->n_pending);
    return r;
}

enum st_status store_rep_add(struct store *s, int64_t session_id, const struct store_rep *rep,
                             const double *t_s, const double *f_n, size_t n, int64_t *rep_id,
                             struct st_err *err)
{
    if (rep_id)
        *rep_id = 0;
    enum st_status v = rep_validate(rep, t_s, f_n, n, err);
    if (v != ST_OK)
        return v;
    struct store_rep r = *rep;
    if (!r.uuid[0])
        store_uuid_new(r.uuid);
    if (!r.created)
        r.created = now_s();

    v = pending_write(s, err); /* earlier reps first, so they land in order */
    if (v == ST_OK) {
        int64_t id = 0;
        v = rep_write(s, session_id, &r, NULL, t_s, f_n, n, &id, err);
        if (v == ST_OK) {
            if (rep_id)
                *rep_id = id;
            return ST_OK;
        }
        if (v == ST_ERR_ARG) /* a constraint: its session is not there, or its UUID is taken */
            return st_err_set(err, ST_ERR_ARG,
                              "Repetition %d was not saved: session %lld is not in %s, or the repetition's "
                              "UUID is already used",
                              r.sequence, (long long)session_id, s->path);
    }
    if (!pending_push(s, session_id, &r, t_s, f_n, n))
        return st_err_set(err, ST_ERR_NOMEM,
                          "Repetition %d could not be saved (%s) and there is no memory left to keep it: "
                          "write down its values and free some space on the disk holding %s",
                          r.sequence, st_status_str(v), s->path);
    ST_WARN("store", "repetition %d of session %lld kept in memory: %s", r.sequence, (long long)session_id,
            st_status_str(v));
    return kept_message(s, v, r.sequence, err);
}

size_t store_pending_count(const struct store *s)
{
    return s ? s->n_pending : 0;
}

enum st_status store_flush_pending(struct store *s, struct st_err *err)
{
    if (!s->n_pending)
        return ST_OK;
    enum st_status r = pending_write(s, err);
    if (r == ST_OK)
        return ST_OK;
    if (r == ST_ERR_DISK_FULL)
        return st_err_set(
            err, ST_ERR_DISK_FULL,
            "The disk is still full: %zu repetition(s) are kept in memory; free some space on the "
            "disk holding %s, or export them to a file",
            s->n_pending, s->path);
    st_err_prefix(err, "%zu repetition(s) are still kept in memory", s->n_pending);
    return r;
}

bool store_pending_get(const struct store *s, size_t i, int64_t *session_id, const struct store_rep **rep,
                       const double **t_s, const double **f_n, size_t *n)
{
    if (!s || i >= s->n_pending)
        return false;
    const struct store_pending *p = &s->pending[i];
    *session_id = p->session_id;
    *rep = &p->rep;
    *t_s = p->t_s;
    *f_n = p->f_n;
    *n = p->n;
    return true;
}

struct rep_status_change {
    int64_t rep_id, therapist_id;
    const struct store_rep *old;
    enum store_rep_status status;
    bool counts;
    const char *reason;
};

static enum st_status rep_set_status_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct rep_status_change *c = ctx;
    enum st_status r =
        store_run(s, "UPDATE repetitions SET status=?, counts=? WHERE id=?",
                  STORE_VALS(sv_text(store_rep_status_name(c->status)), sv_int(c->counts), sv_int(c->rep_id)),
                  "changing a repetition's status", err);
    if (r == ST_OK)
        r = status_audit(s, c->old->uuid, c->old->status, c->old->counts, c->status, c->counts,
                         c->therapist_id, c->reason, err);
    return r;
}

/* The checks every decision passes first. */
static enum st_status decision_validate(enum store_rep_status status, const char *reason, struct st_err *err)
{
    if ((unsigned)status > STORE_REP_INTERRUPTED)
        return st_err_set(err, ST_ERR_ARG, "Unknown repetition status %d", (int)status);
    return store_check_text("Reason", reason, false, 255, true, err);
}

enum st_status store_rep_set_status(struct store *s, int64_t rep_id, enum store_rep_status status,
                                    bool counts, int64_t therapist_id, const char *reason, struct st_err *err)
{
    enum st_status v = decision_validate(status, reason, err);
    if (v != ST_OK)
        return v;
    struct store_rep old;
    if ((v = store_rep_get(s, rep_id, &old, err)) != ST_OK)
        return v;
    struct rep_status_change c = {rep_id, therapist_id, &old, status, counts, reason};
    return store_tx(s, "changing a repetition's status", rep_set_status_work, &c, err);
}

/* The rep waiting in the queue with this UUID; NULL when none is. */
static struct store_pending *pending_find(struct store *s, const char *uuid)
{
    for (size_t i = 0; uuid && i < s->n_pending; i++)
        if (strcmp(s->pending[i].rep.uuid, uuid) == 0)
            return &s->pending[i];
    return NULL;
}

/* The id of the rep in the file with this UUID; ST_ERR_NOT_FOUND (it is nowhere) when there is none. */
static enum st_status rep_id_by_uuid(struct store *s, const char *uuid, const char *doing, int64_t *id,
                                     struct st_err *err)
{
    *id = 0;
    enum st_status v =
        store_int(s, "SELECT id FROM repetitions WHERE uuid=?", STORE_VALS(sv_text(uuid ? uuid : "")), id, doing, err);
    if (v == ST_OK && !*id)
        return st_err_set(err, ST_ERR_NOT_FOUND,
                          "There is no repetition %.40s in %s or waiting to be written", uuid ? uuid : "",
                          s->path);
    return v;
}

enum st_status store_rep_decide(struct store *s, const char *uuid, enum store_rep_status status, bool counts,
                                int64_t therapist_id, const char *reason, struct st_err *err)
{
    enum st_status v = decision_validate(status, reason, err);
    if (v != ST_OK)
        return v;
    struct store_pending *p = pending_find(s, uuid);
    if (p) { /* still waiting: it takes the decision now, and its audit row is written with it */
        struct store_decision *d = &p->decision;
        if (!d->taken) {
            d->taken = true;
            d->old_status = p->rep.status;
            d->old_counts = p->rep.counts;
        }
        d->therapist_id = therapist_id;
        snprintf(d->reason, sizeof d->reason, "%s", reason ? reason : "");
        p->rep.status = status;
        p->rep.counts = counts;
        return ST_OK;
    }
    int64_t id = 0;
    v = rep_id_by_uuid(s, uuid, "changing a repetition's status", &id, err);
    return v == ST_OK ? store_rep_set_status(s, id, status, counts, therapist_id, reason, err) : v;
}

struct rep_annotation {
    const struct store_rep *old;
    int pain;
    const char *note;
    int64_t therapist_id;
};

static enum st_status rep_annotate_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct rep_annotation *a = ctx;
    enum st_status r = store_run(s, "UPDATE repetitions SET pain=?, note=? WHERE id=?",
                                 STORE_VALS(a->pain >= 0 ? sv_int(a->pain) : sv_null(), sv_opt(a->note),
                                            sv_int(a->old->id)),
                                 "saving the pain and note of a repetition", err);
    if (r == ST_OK)
        r = annotation_audit(s, a->old->uuid, a->old->pain, a->old->note, a->pain, a->note, a->therapist_id,
                             err);
    return r;
}

enum st_status store_rep_annotate(struct store *s, const char *uuid, int pain, const char *note,
                                  int64_t therapist_id, struct st_err *err)
{
    if (pain < -1 || pain > 10)
        return st_err_set(err, ST_ERR_ARG, "Pain: %d is not on the 0-10 scale", pain);
    if (!note)
        note = "";
    struct store_rep old;
    enum st_status v = store_check_text("Note", note, false, sizeof old.note - 1, true, err);
    if (v != ST_OK)
        return v;
    struct store_pending *p = pending_find(s, uuid);
    if (p) { /* still waiting: it takes them now, and their audit rows are written with it */
        struct store_annotation *a = &p->annotation;
        if (!a->taken) {
            a->taken = true;
            a->old_pain = p->rep.pain;
            snprintf(a->old_note, sizeof a->old_note, "%s", p->rep.note);
        }
        a->therapist_id = therapist_id;
        p->rep.pain = pain;
        snprintf(p->rep.note, sizeof p->rep.note, "%s", note);
        return ST_OK;
    }
    int64_t id = 0;
    v = rep_id_by_uuid(s, uuid, "saving the pain and note of a repetition", &id, err);
    if (v == ST_OK)
        v = store_rep_get(s, id, &old, err);
    if (v != ST_OK || (old.pain == pain && strcmp(old.note, note) == 0))
        return v;
    struct rep_annotation a = {&old, pain, note, therapist_id};
    return store_tx(s, "saving the pain and note of a repetition", rep_annotate_work, &a, err);
}

enum st_status store_rep_get(struct store *s, int64_t rep_id, struct store_rep *rep, struct st_err *err)
{
    bool found = false;
    char sql[4800];
    rep_select(sql, sizeof sql, "WHERE r.id=?");
    enum st_status r =
        store_row(s, sql, STORE_VALS(sv_int(rep_id)), read_rep, rep, &found, "reading a repetition", err);
    if (r == ST_OK && !found)
        return st_err_set(err, ST_ERR_NOT_FOUND, "There is no repetition %lld in %s", (long long)rep_id,
                          s->path);
    return r;
}

enum st_status store_rep_list(struct store *s, int64_t session_id, struct store_rep **out, size_t *n,
                              struct st_err *err)
{
    void *rows = NULL;
    char sql[4800];
    rep_select(sql, sizeof sql, "WHERE r.session_id=? ORDER BY r.sequence, r.id");
    enum st_status r = store_rows(s, sql, STORE_VALS(sv_int(session_id)), sizeof **out, read_rep, &rows, n,
                                  "reading repetitions", err);
    *out = rows;
    return r;
}

/* Decodes one rep_samples row into two new arrays; ST_ERR_DB_CORRUPT when its size or encoding is
 * not what it says. */
static enum st_status samples_decode(struct store *s, sqlite3_stmt *st, int64_t rep_id, double **t_s,
                                     double **f_n, size_t *n, struct st_err *err)
{
    int64_t cnt = sqlite3_column_int64(st, 0);
    const unsigned char *enc = sqlite3_column_text(st, 1);
    const unsigned char *blob = sqlite3_column_blob(st, 2);
    int64_t bytes = sqlite3_column_bytes(st, 2);
    if (!enc || strcmp((const char *)enc, "f64le-t-f") != 0 || cnt < 0 || bytes != cnt * 16)
        return st_err_set(err, ST_ERR_DB_CORRUPT,
                          "The samples of repetition %lld in %s are damaged (size or encoding does not "
                          "match): restore the latest backup",
                          (long long)rep_id, s->path);
    size_t m = (size_t)cnt;
    *t_s = malloc(m ? m * sizeof(double) : 1);
    *f_n = malloc(m ? m * sizeof(double) : 1);
    if (!*t_s || !*f_n) {
        free(*t_s);
        free(*f_n);
        *t_s = *f_n = NULL;
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    if (m)
        store_samples_unpack(blob, m, *t_s, *f_n);
    *n = m;
    return ST_OK;
}

enum st_status store_rep_samples(struct store *s, int64_t rep_id, double **t_s, double **f_n, size_t *n,
                                 struct st_err *err)
{
    *t_s = *f_n = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    enum st_status r = store_stmt(s, "SELECT n, encoding, data FROM rep_samples WHERE rep_id=?",
                                  STORE_VALS(sv_int(rep_id)), &st, "reading samples", err);
    if (r != ST_OK)
        return r;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        r = samples_decode(s, st, rep_id, t_s, f_n, n, err);
    else if (rc == SQLITE_DONE)
        r = st_err_set(err, ST_ERR_NOT_FOUND, "Repetition %lld has no samples in %s", (long long)rep_id,
                       s->path);
    else
        r = store_fail(s, rc, "reading samples", err);
    sqlite3_finalize(st);
    return r;
}

void store_reps_to_balance(const struct store_rep *reps, size_t n, struct bal_rep *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i].dir = reps[i].dir;
        out[i].side = reps[i].side;
        out[i].peak_n = reps[i].m.peak_n;
        out[i].lever_m = reps[i].lever_m;
        out[i].counts = reps[i].counts && reps[i].status == STORE_REP_ACCEPTED && !reps[i].familiarisation &&
                        reps[i].m.contraction && isfinite(reps[i].m.peak_n);
    }
}

/* Is pid a live station process? (/proc/PID/comm is "station"; a pid reused by another program is
 * not our session's.) */
static bool station_alive(int64_t pid)
{
    if (pid <= 0)
        return false;
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%lld/comm", (long long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return kill((pid_t)pid, 0) == 0 || errno == EPERM; /* no /proc: trust the pid */
    bool ok = fgets(comm, sizeof comm, f) != NULL;
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    return ok && strncmp(comm, "station", 7) == 0;
}

struct orphan {
    int64_t id, pid;
};

static void read_orphan(sqlite3_stmt *st, void *item)
{
    struct orphan *o = item;
    o->id = sqlite3_column_int64(st, 0);
    o->pid = sqlite3_column_type(st, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 1);
}

struct orphans {
    const struct orphan *o;
    size_t n;
};

static enum st_status close_orphans_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct orphans *c = ctx;
    enum st_status r = ST_OK;
    for (size_t i = 0; r == ST_OK && i < c->n; i++)
        r = store_run(s,
                      "UPDATE sessions SET status='interrupted', ended=COALESCE((SELECT max(created)"
                      " FROM repetitions WHERE session_id=sessions.id), started) WHERE id=? AND"
                      " status='running'",
                      STORE_VALS(sv_int(c->o[i].id)), "closing interrupted sessions", err);
    return r;
}

enum st_status store_sessions_close_orphans(struct store *s, int *n, struct st_err *err)
{
    if (n)
        *n = 0;
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        return ST_OK; /* cannot tell ours from others': leave them all */
    host[sizeof host - 1] = '\0';
    void *rows = NULL;
    size_t len = 0;
    enum st_status r =
        store_rows(s, "SELECT id, pid FROM sessions WHERE status='running' AND host=? ORDER BY id",
                   STORE_VALS(sv_text(host)), sizeof(struct orphan), read_orphan, &rows, &len,
                   "closing interrupted sessions", err);
    if (r != ST_OK)
        return r;
    struct orphan *o = rows;
    size_t dead = 0;
    for (size_t i = 0; i < len; i++)
        if (!station_alive(o[i].pid) || o[i].pid == (int64_t)getpid())
            o[dead++] = o[i];
    struct orphans c = {o, dead};
    if (dead > 0)
        r = store_tx(s, "closing interrupted sessions", close_orphans_work, &c, err);
    free(rows);
    if (r == ST_OK && n)
        *n = (int)dead;
    return r;
}

struct session_event {
    int64_t session_id, at_ms;
    const char *kind, *state, *detail;
};

static enum st_status session_event_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct session_event *e = ctx;
    return store_run(s,
                     "INSERT INTO session_events(session_id, at_ms, kind, state, detail) VALUES(?,?,?,?,?)",
                     STORE_VALS(sv_int(e->session_id), sv_int(e->at_ms), sv_text(e->kind ? e->kind : ""),
                                sv_opt(e->state), sv_opt(e->detail)),
                     "recording the session's progress", err);
}

enum st_status store_session_event_add(struct store *s, int64_t session_id, int64_t at_ms, const char *kind,
                                       const char *state, const char *detail, struct st_err *err)
{
    struct session_event e = {session_id, at_ms, kind, state, detail};
    return store_tx(s, "recording the session's progress", session_event_work, &e, err);
}

static void read_event(sqlite3_stmt *st, void *item)
{
    struct store_session_event *e = item;
    e->at_ms = sqlite3_column_int64(st, 0);
    store_col_text(st, 1, e->kind, sizeof e->kind);
    store_col_text(st, 2, e->state, sizeof e->state);
    store_col_text(st, 3, e->detail, sizeof e->detail);
}

enum st_status store_session_events(struct store *s, int64_t session_id, struct store_session_event **out,
                                    size_t *n, struct st_err *err)
{
    void *rows = NULL;
    enum st_status r =
        store_rows(s, "SELECT at_ms, kind, state, detail FROM session_events WHERE session_id=? ORDER BY id",
                   STORE_VALS(sv_int(session_id)), sizeof **out, read_event, &rows, n,
                   "reading the session's progress", err);
    *out = rows;
    return r;
}
