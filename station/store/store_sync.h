/*
 * store_sync.h - the store's side of the clinic server sync (station/sync/ is the server's side): who
 * this station is, which rows wait to be pushed, how rows pulled from the server are written, and the
 * patient's versions, conflicts, merges and tombstones. No libpq here, no SQLite outside the store.
 *
 * Identity (schema version 5, station/store/store_schema.c): every synced row carries its UUID, the
 * UUID of the station that created it (origin), the station of its last edit (edited_by) and a version
 * (1, +1 per edit); triggers keep them, so the store's writers did not change. Integer ids stay local.
 *
 * Rows travel as values in the text form PostgreSQL reads (struct store_sync_val): integers in
 * decimal, reals with 17 significant digits (exact both ways), text as it is, blobs as bytes, and a
 * reference to another row (patient_id, session_id, ...) as that row's UUID.
 *
 * Push: the rows of a table whose local change is newer than the table's push mark, made or (for
 * patients) edited by this station, oldest change first, in batches; the caller sends a batch to the
 * server and moves the mark only after the server committed it, so a sync killed at any moment sends
 * again at most one batch, which the server's upserts by UUID absorb.
 * Pull: a batch of rows from the server is written in ONE transaction together with the table's pull
 * mark (the server's sequence number of its last row), so a kill leaves either the batch and its
 * mark or neither. Pulled rows are never pushed back and never count as edits here.
 *
 * Patients are versioned, not overwritten: a pulled version newer than ours replaces ours; one with
 * our version number but from another station is a conflict, kept in sync_conflicts until
 * store_patient_resolve. A patient erased anywhere travels as a tombstone and is erased here on pull.
 * Conventions as in store.h.
 */
#ifndef STATION_STATION_STORE_SYNC_H
#define STATION_STATION_STORE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "station/store/store.h"

/* ------------------------------------------------------------------------------------------------ */
/* Identity                                                                                         */

/* This station's UUID (made once, when the file reached schema 5) into out. */
enum st_status store_station_uuid(struct store *s, char out[STORE_UUID_SIZE], struct st_err *err);

/* Finds a session by its number or its UUID given as text, into *id. ST_ERR_NOT_FOUND (the message
 * repeats at most 40 characters of the text) when there is none. */
enum st_status store_session_find(struct store *s, const char *id_or_uuid, int64_t *id, struct st_err *err);

/* The sync identity of one row of a synced table (by its local id). */
struct store_row_identity {
    char uuid[STORE_UUID_SIZE];
    char origin[STORE_UUID_SIZE];    /* the station that created it */
    char edited_by[STORE_UUID_SIZE]; /* the station of its last edit */
    int64_t version;                 /* 1, +1 per edit */
};
/* table: one of store_sync_tables' names with an integer id (not session_devices or rep_samples).
 * ST_ERR_NOT_FOUND when there is no such row, ST_ERR_ARG for another table. */
enum st_status store_row_identity(struct store *s, const char *table, int64_t id, struct store_row_identity *out,
                                  struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* The tables that travel                                                                           */

enum store_sync_how {
    STORE_SYNC_IMMUTABLE, /* written once (a mass, a sample trace, a note): the server keeps the first */
    STORE_SYNC_MUTABLE,   /* edited by any station (a session ending, a rep decided or annotated in another
                           * room): the server keeps the highest version, one row per UUID */
    STORE_SYNC_VERSIONED, /* patients: every station's edit is a version, key (uuid, version, edited_by) */
    STORE_SYNC_TOMBSTONE, /* erased patients */
};
struct store_sync_table {
    const char *name;    /* the local table, and the server's table of the same name */
    enum store_sync_how how;
    const char *natural; /* columns that name the same thing on every station ("family,serial"), or NULL */
    /* STORE_SYNC_MUTABLE: the columns a station may change in a row another station created ("status,
     * counts,pain,note": a rep's decision and annotation, never its measurement), and those it may only
     * blank (an erasure blanks the audit's values); the server enforces both. "" none. */
    const char *others, *others_blank;
};
/* In the order they are pushed and pulled (a row's references come before it). */
extern const struct store_sync_table store_sync_tables[];
extern const size_t store_sync_table_count;

/* Kinds of column, as the server types them. */
enum store_sync_kind {
    STORE_SYNC_TEXT = 'T', /* text */
    STORE_SYNC_INT = 'I',  /* bigint */
    STORE_SYNC_REAL = 'R', /* double precision */
    STORE_SYNC_BLOB = 'B', /* bytea */
    STORE_SYNC_REF = 'U',  /* the UUID of a row of another synced table (text) */
};
#define STORE_SYNC_MAX_COLS 96
struct store_sync_col {
    char name[48];
    char kind;       /* enum store_sync_kind */
    const char *ref; /* STORE_SYNC_REF: the table referred to; else NULL */
};
/* The columns of table t (an index into store_sync_tables) as they travel, read from the file's
 * schema (every column but the local id and lseq; uuid first): new metric columns travel without a
 * change here. cols must hold STORE_SYNC_MAX_COLS. */
enum st_status store_sync_columns(struct store *s, size_t t, struct store_sync_col *cols, size_t *n,
                                  struct st_err *err);

/* One value of a row: p points to text (NUL-terminated) or blob bytes, n its length; null: SQL NULL. */
struct store_sync_val {
    const char *p;
    size_t n;
    bool null;
};

/* ------------------------------------------------------------------------------------------------ */
/* Push                                                                                             */

/* Called once per row, with its values in the order of store_sync_columns (valid during the call). */
typedef enum st_status (*store_sync_row_fn)(void *ctx, const struct store_sync_val *vals, size_t n,
                                            struct st_err *err);
/*
 * Hands the next rows of table t waiting to be pushed (up to limit, oldest change first) to row(), and
 * the change counter of the last one to *last (0 when none waits). *count gets how many. A failure of
 * row() stops the batch and is returned. Nothing is marked: call store_sync_mark_pushed once the
 * server has committed them.
 */
enum st_status store_sync_push_batch(struct store *s, size_t t, size_t limit, store_sync_row_fn row, void *ctx,
                                     int64_t *last, size_t *count, struct st_err *err);
/* An edit the server refused: it already held another version of the row (another station's edit
 * made before this one was sent), `against` its number. */
struct store_sync_refusal {
    char uuid[STORE_UUID_SIZE];
    int64_t version, against;
};
/* Records that the rows of table t up to change `last` are on the server, and the n edits among them
 * the server refused (refused may be NULL when n is 0): each becomes a conflict kept here
 * (store_row_conflicts), and its row is not sent again until it is settled. One transaction. */
enum st_status store_sync_mark_pushed(struct store *s, size_t t, int64_t last, const struct store_sync_refusal *refused,
                                      size_t n, struct st_err *err);
/* Rows of every table waiting to be pushed, into *n. */
enum st_status store_sync_waiting(struct store *s, int64_t *n, struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* Pull                                                                                             */

/* The server's sequence number of the last row of table t written here (0: none yet). */
enum st_status store_sync_pulled_mark(struct store *s, size_t t, int64_t *seq, struct st_err *err);

/* What a pulled batch did. */
struct store_sync_counts {
    int64_t written;   /* rows added or updated here */
    int64_t skipped;   /* rows of an erased patient, or older than what is here */
    int64_t conflicts; /* patient versions that conflict with ours (new ones) */
    int64_t erased;    /* patients erased by a tombstone */
};
/* Gives row i of a batch: its values in the order of store_sync_columns (valid until the next call). */
typedef void (*store_sync_get_fn)(void *ctx, size_t i, struct store_sync_val *vals);
/*
 * Writes n pulled rows of table t (their values from get()) and the pull mark `last` in ONE
 * transaction; the rows' own triggers stand still (a pulled row waits for no push). A reference to a
 * row that is not here (an erased patient's) skips the row. counts (the caller's) is added to.
 */
enum st_status store_sync_pull_batch(struct store *s, size_t t, const struct store_sync_col *cols,
                                     size_t ncols, size_t n, store_sync_get_fn get, void *ctx, int64_t last,
                                     struct store_sync_counts *counts, struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* The last sync's outcome, for `station sync --status`                                             */

struct store_sync_state {
    char station[STORE_UUID_SIZE];
    char server[256];      /* the server of the last sync, its password masked; "" never synced */
    int64_t last_success;  /* Unix seconds, 0 never */
    char last_error[256];  /* the last failure's message, "" when the last sync succeeded */
    int64_t last_failure;  /* when the last failure was (Unix seconds), 0 none recorded */
    int64_t waiting;       /* rows waiting to be pushed */
    int64_t conflicts;     /* patient versions and other rows in conflict */
    char conflict_ids[256]; /* the local ids of the patients in conflict, "3, 17" ("" none; cut short) */
    int64_t row_conflicts; /* sessions, reps, devices or audit rows in conflict (counted in conflicts) */
};
enum st_status store_sync_state(struct store *s, struct store_sync_state *out, struct st_err *err);
/* Records a sync's outcome: server (masked by the caller), ok, and the failure's message when not ok. */
enum st_status store_sync_record(struct store *s, const char *server, bool ok, const char *message,
                                 struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* Patients: versions, conflicts, merge (station/store/store_sync_patient.c)                      */

/* Another station's version of a patient that conflicts with ours. */
struct store_patient_version {
    char token[48];              /* what `patient resolve --keep` takes: "VERSION@STATION8" */
    int64_t version;
    char edited_by[STORE_UUID_SIZE];
    bool ours;                   /* the version this station holds */
    struct store_patient p;      /* its fields (no id, no mass) */
};
/* The versions in conflict for patient id, ours first; *n 0 when there is no conflict. New array. */
enum st_status store_patient_conflicts(struct store *s, int64_t id, struct store_patient_version **out,
                                       size_t *n, struct st_err *err);
/* Settles a conflict: the version named by token ("3@1a2b3c4d", or "3" when only one version has that
 * number) becomes the patient's next version, made here, and the conflict is gone. Audited ('edit',
 * field 'version', the token as new value). ST_ERR_NOT_FOUND when the patient has no such version in
 * conflict, ST_ERR_ARG when there is no conflict or the token is ambiguous. */
enum st_status store_patient_resolve(struct store *s, int64_t id, const char *token, int64_t therapist_id,
                                     struct st_err *err);
/* Joins patient `gone` into patient `keep` (two records of one person): gone's body masses and sessions
 * move to keep, gone is erased as by store_patient_delete, its tombstone names keep so that other
 * stations move their rows of gone to keep too. Audited on both ('edit' field 'merged' on keep,
 * 'delete' on gone). ST_ERR_ARG when both are the same patient. */
enum st_status store_patient_merge(struct store *s, int64_t keep, int64_t gone, int64_t therapist_id,
                                   const char *reason, struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* Sessions, reps, devices, audit rows: edits on several stations (station/store/store_sync_row.c)  */

/* A row of a mutable table with versions in conflict: this station's and at least one other's. */
struct store_row_conflict {
    char table[32];
    char uuid[STORE_UUID_SIZE];
    char tokens[160];   /* the versions, "2@1a2b3c4d (here), 2@9f8e7d6c" (what --keep takes) */
    char what[96];      /* the row in words: "rep 3 of session 12", "session 12", "device SN-1" */
};
/* Every row in conflict (at most 200), oldest first. New array. */
enum st_status store_row_conflicts(struct store *s, struct store_row_conflict **out, size_t *n, struct st_err *err);
/* An edit another station sent that the server refused (the server's sync_row_versions): the row
 * (table, uuid), that version and its station, the version it met on the server (against, by
 * against_editor), and its values (a JSON object of text, as the server keeps them). */
struct store_sync_refused {
    const char *table, *uuid, *edited_by, *against_editor, *vals;
    int64_t version, against;
};
/* The server's sequence number of the last refused edit pulled here (0: none yet). */
enum st_status store_sync_refused_mark(struct store *s, int64_t *seq, struct st_err *err);
/* Writes n refused edits pulled from the server and their mark `last` in ONE transaction: each one
 * that met the version this station holds of the row (the station that won, and any that took its
 * version) is kept here as a conflict beside it, so every station shows it, as for patients; one
 * about a version already passed here, or a row not here, is skipped. counts is added to. */
enum st_status store_sync_pull_refused(struct store *s, const struct store_sync_refused *rows, size_t n, int64_t last,
                                       struct store_sync_counts *counts, struct st_err *err);
/* Settles the conflict of the row with this UUID: the version named by token ("2@1a2b3c4d", or "2" when
 * only one version has that number) becomes the row's next version, made here (above every version in
 * the conflict, so every station takes it at its next sync). Audited ('edit', field 'version', the
 * token as new value). ST_ERR_NOT_FOUND when the row has no conflict or no such version, ST_ERR_ARG
 * when the token is ambiguous. */
enum st_status store_row_resolve(struct store *s, const char *uuid, const char *token, int64_t therapist_id,
                                 struct st_err *err);

#endif
