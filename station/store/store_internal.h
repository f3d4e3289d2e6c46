/*
 * store_internal.h - what the store's own files (the .c files of station/store) share and nobody else may use.
 *
 * The store is one module split over several files for size: store.c (open, errors, transactions,
 * checkpoints), store_schema.c (tables and migrations), store_rep.c (sessions, reps, the pending
 * queue), store_patient.c (therapists, patients, masses, audit, devices, protocols) and store_history.c
 * (trend). The public manual is station/store/store.h.
 */
#ifndef STATION_STATION_STORE_INTERNAL_H
#define STATION_STATION_STORE_INTERNAL_H

#include <sqlite3.h>

#include "station/store/store.h"

struct store_pending {
    int64_t session_id;
    struct store_rep rep; /* with its uuid */
    double *t_s, *f_n;    /* owned copies */
    size_t n;
};

struct store {
    sqlite3 *db;
    char *path;
    int wal_frames;                /* frames in the WAL after the last commit (wal hook) */
    struct store_pending *pending; /* the queue, oldest first */
    size_t n_pending, cap_pending;
};

/* Turns a failed SQLite result into a status and a message naming the file and what to do.
 * doing: a short phrase ("saving repetition 3"). Returns the status. Never includes patient data. */
enum st_status store_fail(struct store *s, int rc, const char *doing, struct st_err *err);
/* Grows a row array for the list queries: when len == *cap, reallocs arr to twice (16 at first) and
 * updates *cap. Returns the array to use, or NULL when memory ran out (arr is then still valid). */
void *store_grow(void *arr, size_t *cap, size_t len, size_t elem);
/* Runs sql (one `?`, bound to id) and reads every row into a new array of elem-sized items with
 * read(st, item); *out (free with free()) and *n on success. On failure nothing is left allocated and
 * err says what failed while `doing`. */
enum st_status store_rows_by_id(struct store *s, const char *sql, int64_t id, size_t elem,
                                void (*read)(sqlite3_stmt *st, void *item), void **out, size_t *n,
                                const char *doing, struct st_err *err);
/* The status for an SQLite result code (no message). */
enum st_status store_status_of(int rc);

/* Prepares sql (a constant) on s. SQLITE_OK or the error code. */
int store_prep(struct store *s, const char *sql, sqlite3_stmt **st);
/* Runs a statement without results (constant SQL). */
int store_exec(struct store *s, const char *sql);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (rollback only when a transaction is open; never fails). */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/* After a successful commit: a passive checkpoint when the WAL has grown; its failures are logged
 * only (the commit is already durable). */
void store_after_commit(struct store *s);

/* Bind helpers: NAN binds NULL; empty or NULL text binds NULL. */
int store_bind_double(sqlite3_stmt *st, int i, double v);
int store_bind_text(sqlite3_stmt *st, int i, const char *text);
/* Column helpers: NULL reads as NAN / copies "" into buf. */
double store_col_double(sqlite3_stmt *st, int i);
void store_col_text(sqlite3_stmt *st, int i, char *buf, size_t size);

/* Appends one audit row (inside the caller's transaction). therapist_id 0: unknown. */
int store_audit_add(struct store *s, int64_t therapist_id, const char *table, const char *row_uuid,
                    const char *action, const char *field, const char *old_value, const char *new_value,
                    const char *reason);

/* The schema (store_schema.c): brings the file from its user_version to STORE_SCHEMA_VERSION inside
 * the caller's transaction. */
enum st_status store_schema_migrate(struct store *s, int from_version, struct st_err *err);
/* The tables of the current schema (NULL-terminated), for the open-time probe. */
/* Every table of the current schema and the version that added it (NULL-terminated). */
struct store_table {
    const char *name;
    int since;
};
extern const struct store_table store_schema_tables[];

#endif
