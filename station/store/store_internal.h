/*
 * store_internal.h - what the store's own files (the .c files of station/store) share and nobody else may
 * use.
 *
 * The store is one module split over several files by what they hold (the public manual is
 * station/store/store.h):
 *   store.c          opening the file, errors, the transaction helper, statements and bound values
 *   store_schema.c   tables and migrations
 *   store_patient.c  people: validation, therapists, patients (edits, erasure), body masses
 *   store_device.c   things a measurement was made with: devices, calibration checks, protocols as run
 *   store_audit.c    the audit trail (who changed what, when, why)
 *   store_rep.c      sessions, reps and the pending queue of reps not yet written
 *   store_history.c  the trend of one patient, and the balance parameters a session was judged by
 *   store_summary.c  each session's balance kept in the file for listings, and how it stays right
 *   store_note.c     the therapist's notes on a session (for the report)
 *   store_sync.c     the clinic server sync's side of the store: identity, push and pull batches
 *                    (its manual: store_sync.h); store_sync_patient.c: versions, conflicts, merges
 *
 * Every internal function that talks to SQLite returns an enum st_status with err filled by
 * store_fail (the SQLite code never leaves these files). A write is one call of store_tx: BEGIN
 * IMMEDIATE, the work, COMMIT (or ROLLBACK on any failure), then the after-commit checkpoint.
 * Values reach SQL only through struct store_val, bound in one place whose every result is checked.
 */
#ifndef STATION_STATION_STORE_INTERNAL_H
#define STATION_STATION_STORE_INTERNAL_H

#include <math.h>
#include <sqlite3.h>

#include "station/store/store.h"

/* A therapist's decision taken while the rep waited (store_rep_decide): rep.status and rep.counts hold
 * it already; this is for its audit row, written with the rep. */
struct store_decision {
    bool taken;
    enum store_rep_status old_status; /* before the first decision */
    bool old_counts;
    int64_t therapist_id;
    char reason[256];
};

/* Pain and a note entered while the rep waited (store_rep_annotate): rep.pain and rep.note hold them
 * already; these are the values before the first entry, for the audit rows written with the rep. */
struct store_annotation {
    bool taken;
    int old_pain;
    char old_note[512];
    int64_t therapist_id;
};

struct store_pending {
    int64_t session_id;
    struct store_rep rep; /* with its uuid, and its latest status, pain and note */
    double *t_s, *f_n;    /* owned copies */
    size_t n;
    struct store_decision decision;
    struct store_annotation annotation;
};

/* Prepared statements kept for the life of the connection (store.c: store_run, store_row and
 * store_rows reuse them): preparing the same SQL for every row of a list was most of `station
 * sessions`' time (bench/bench_store). */
#define STORE_STMT_CACHE 48
struct store_cached_stmt {
    const char *sql; /* the caller's text (its pointer: the SQL is a literal or a stable buffer) */
    sqlite3_stmt *st;
    bool busy;       /* handed out: a nested use of the same SQL prepares its own */
};

struct store {
    sqlite3 *db;
    char *path;
    int wal_frames;                /* frames in the WAL after the last commit (wal hook) */
    struct store_pending *pending; /* the queue, oldest first */
    size_t n_pending, cap_pending;
    struct store_cached_stmt cache[STORE_STMT_CACHE];
    size_t n_cache;
};

/* ------------------------------------------------------------------------------------------------ */
/* Errors                                                                                           */

/* The status for an SQLite result code (no message). A constraint failure (a row naming a missing
 * one, a duplicate key, a CHECK) is ST_ERR_ARG: the caller's values do not fit the file. */
enum st_status store_status_of(int rc);
/* Turns a failed SQLite result into a status and a message naming the file and what to do.
 * doing: a short phrase ("saving repetition 3"). Returns the status. Never includes patient data. */
enum st_status store_fail(struct store *s, int rc, const char *doing, struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* Values bound to a statement's `?`s, in order. Made by the sv_* functions so each is typed.       */

enum store_val_type { STORE_V_NULL, STORE_V_INT, STORE_V_REAL, STORE_V_TEXT, STORE_V_BLOB };
struct store_val {
    enum store_val_type type;
    int64_t i;
    double d;
    const void *p; /* text (NUL-terminated) or blob; borrowed until the statement is finalized */
    size_t n;      /* blob bytes */
};
static inline struct store_val sv_null(void)
{
    return (struct store_val){.type = STORE_V_NULL};
}
static inline struct store_val sv_int(int64_t v)
{
    return (struct store_val){.type = STORE_V_INT, .i = v};
}
/* A row id, or NULL when id <= 0 (0 means "unknown" in the store's structs). */
static inline struct store_val sv_id(int64_t id)
{
    return id > 0 ? sv_int(id) : sv_null();
}
/* A number; NAN (a null metric) binds NULL. */
static inline struct store_val sv_real(double v)
{
    return isfinite(v) ? (struct store_val){.type = STORE_V_REAL, .d = v} : sv_null();
}
/* Text as it is ("" stays ""); NULL binds NULL. */
static inline struct store_val sv_text(const char *t)
{
    return t ? (struct store_val){.type = STORE_V_TEXT, .p = t} : sv_null();
}
/* Optional text: NULL or "" binds NULL. */
static inline struct store_val sv_opt(const char *t)
{
    return t && *t ? sv_text(t) : sv_null();
}
static inline struct store_val sv_blob(const void *p, size_t n)
{
    return (struct store_val){.type = STORE_V_BLOB, .p = p, .n = n};
}
/* `STORE_VALS(sv_int(id), sv_text(name))` expands to the two arguments (array, count) below. */
#define STORE_VALS(...)                                                                                      \
    (const struct store_val[]){__VA_ARGS__},                                                                 \
        sizeof((const struct store_val[]){__VA_ARGS__}) / sizeof(struct store_val)
#define STORE_NO_VALS NULL, 0

/* ------------------------------------------------------------------------------------------------ */
/* Statements                                                                                       */

/* Prepares sql (a constant) and binds its n values. ST_OK with *st (finalize it), else *st is NULL
 * and err says what failed while `doing`. */
enum st_status store_stmt(struct store *s, const char *sql, const struct store_val *v, size_t n,
                          sqlite3_stmt **st, const char *doing, struct st_err *err);
/* Binds n values to a prepared statement (after sqlite3_reset), checking every bind. */
enum st_status store_bind(struct store *s, sqlite3_stmt *st, const struct store_val *v, size_t n,
                          const char *doing, struct st_err *err);
/* Runs one statement that returns no rows (an INSERT, UPDATE, DELETE, PRAGMA or several statements
 * without values when n is 0). ST_OK or the failure while `doing`. */
enum st_status store_run(struct store *s, const char *sql, const struct store_val *v, size_t n,
                         const char *doing, struct st_err *err);
/* Reads the first row of a query: read(st, item) when there is one, and *found (may be NULL) says
 * whether there was. ST_OK also when there is none. */
enum st_status store_row(struct store *s, const char *sql, const struct store_val *v, size_t n,
                         void (*read)(sqlite3_stmt *st, void *item), void *item, bool *found,
                         const char *doing, struct st_err *err);
/* The first column of the first row as an integer into *out (0 when there is no row or it is NULL). */
enum st_status store_int(struct store *s, const char *sql, const struct store_val *v, size_t n, int64_t *out,
                         const char *doing, struct st_err *err);
/* Reads every row into a new array of elem-sized items (each zeroed, then read(st, item)); *out
 * (free with free()) and *len on success. On failure nothing is left allocated. */
enum st_status store_rows(struct store *s, const char *sql, const struct store_val *v, size_t n, size_t elem,
                          void (*read)(sqlite3_stmt *st, void *item), void **out, size_t *len,
                          const char *doing, struct st_err *err);
/* Grows a row array: when len == *cap, reallocs arr to twice (16 at first) and updates *cap. Returns
 * the array to use, or NULL when memory ran out (arr is then still valid). */
void *store_grow(void *arr, size_t *cap, size_t len, size_t elem);

/* Column readers: NULL reads as NAN / copies "" into buf. */
double store_col_double(sqlite3_stmt *st, int i);
void store_col_text(sqlite3_stmt *st, int i, char *buf, size_t size);

/* ------------------------------------------------------------------------------------------------ */
/* Transactions                                                                                     */

/* The work of one transaction: its statements, ST_OK or the first failure (err set). */
typedef enum st_status (*store_work_fn)(struct store *s, void *ctx, struct st_err *err);
/*
 * Runs work(s, ctx, err) as one transaction: BEGIN IMMEDIATE (waiting up to the busy timeout for
 * another station's write lock), the work, COMMIT; a ROLLBACK when the work or the commit failed, so
 * nothing of it stays; after the commit, a passive checkpoint when the WAL has grown (its failure is
 * logged only: the commit is already durable). Returns ST_OK once committed, else the work's status
 * or the BEGIN/COMMIT failure told as `doing`.
 */
enum st_status store_tx(struct store *s, const char *doing, store_work_fn work, void *ctx,
                        struct st_err *err);

/* The id of the row select_sql (with its key values) finds, into *id; when there is none, one
 * transaction that looks again and runs insert_sql (with its values), *id becoming the new row's.
 * For the rows a session refers to and that are made once: therapists, protocols. */
enum st_status store_id_ensure(struct store *s, const char *select_sql, const struct store_val *key,
                               size_t nkey, const char *insert_sql, const struct store_val *ins, size_t nins,
                               int64_t *id, const char *doing, struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* Shared between the store's files                                                                 */

/* Appends one audit row (inside the caller's transaction). therapist_id 0: unknown. store_audit.c. */
enum st_status store_audit_add(struct store *s, int64_t therapist_id, const char *table, const char *row_uuid,
                               const char *action, const char *field, const char *old_value,
                               const char *new_value, const char *reason, struct st_err *err);
/* Whether a column is one the sync adds to every synced table (origin, edited_by, version, lseq):
 * store_sync.c. */
bool store_sync_is_own_column(const char *name);
/* Erases patient id (whose UUID is uuid) inside the caller's transaction, as store_patient_delete
 * does: counts what goes into *n_sessions and *n_reps, blanks the values of earlier audit rows about
 * them, deletes the rows (cascading), and writes one audit row 'delete'. store_patient.c. */
enum st_status store_patient_erase_tx(struct store *s, int64_t id, const char *uuid, int64_t therapist_id,
                                      const char *reason, int64_t *n_sessions, int64_t *n_reps, struct st_err *err);
/* Reads a patient row (id, uuid, name, ref, birth, sex, side, leg, lever, notes, created, updated, mass,
 * mass date: the order of store_patient.c's PATIENT_SELECT) into a struct store_patient. */
void store_patient_read_row(sqlite3_stmt *st, void *item);
/* Today's local date, YYYY-MM-DD (store_patient.c). */
void store_today(char out[11]);

/* The balance parameters of a session with this protocol (0: none, the defaults), patient and body mass
 * (store_history.c; store_session_bal_params is it for a struct store_session). */
enum st_status store_bal_params(struct store *s, int64_t protocol_id, int64_t patient_id, double mass_kg,
                                struct bal_params *out, struct st_err *err);

/* The session summaries (store_summary.c). */
/* session_id's summary computed from its reps into *out; *found false (out untouched) when there is no
 * such session. out's fields except reps and counting are what store_session_summary_of gives. */
enum st_status store_summary_compute(struct store *s, int64_t session_id, struct store_session_summary *out,
                                     bool *found, struct st_err *err);
/* Recomputes and writes the summary of every session marked stale, inside the caller's transaction, and
 * clears the marks (store_tx calls it before every COMMIT; the version 8 migration to fill the table). */
enum st_status store_summary_settle(struct store *s, const char *doing, struct st_err *err);
/* The columns of a session's summary in the order store_summary_read reads them from column i on, for a
 * query that joins session_summary as `sm`. */
#define STORE_SUMMARY_COLS                                                                                   \
    "sm.reps, sm.counting, sm.ratio_left, sm.ratio_right, sm.ratio_both, sm.ratio_flag_left, sm.ratio_flag_right,"    \
    " sm.ratio_flag_both, sm.ratio_corrected, sm.asym_adduction, sm.asym_abduction, sm.weaker_adduction,"    \
    " sm.weaker_abduction, sm.asym_flag_adduction, sm.asym_flag_abduction"
void store_summary_read(sqlite3_stmt *st, int i, struct store_session_summary *m);

/* The schema (store_schema.c): brings the file from its user_version to STORE_SCHEMA_VERSION inside
 * the caller's transaction. */
enum st_status store_schema_migrate(struct store *s, int from_version, struct st_err *err);
/* The SQL of the migration step that made `version` (1: the first tables), NULL when there is none.
 * For tests: they build the files of earlier versions from it, and pin each step's text by its hash
 * so that a shipped migration can never change. */
const char *store_schema_sql(int version);
/* Every table of the current schema and the version that added it (NULL-terminated), for the
 * open-time probe. */
struct store_table {
    const char *name;
    int since;
};
extern const struct store_table store_schema_tables[];

#endif
