/*
 * store_sync_internal.h - what store_sync.c and store_sync_patient.c share, and nobody else uses (the
 * manual of the sync side of the store is station/store/store_sync.h). Each runs inside the pull
 * transaction of store_sync_pull_batch, with sync_meta.pulling set.
 */
#ifndef STATION_STATION_STORE_SYNC_INTERNAL_H
#define STATION_STATION_STORE_SYNC_INTERNAL_H

#include "station/store/store_internal.h"
#include "station/store/store_sync.h"

/* The synced table called name (its index into *index, may be NULL), or NULL. */
const struct store_sync_table *store_sync_table_named(const char *name, size_t *index);
/* The value of the column called name in a row, or NULL when the table has no such column. */
const struct store_sync_val *store_sync_val_of(const struct store_sync_col *cols, size_t ncols,
                                               const struct store_sync_val *vals, const char *name);
/* Binds a pulled value at position at as its kind says (numbers parsed strictly; NULL binds NULL). */
enum st_status store_sync_bind_val(struct store *s, sqlite3_stmt *st, int at, char kind,
                                   const struct store_sync_val *v, struct st_err *err);
/* Writes one pulled row of table t by its UUID (see store_sync.c); *written: a row was added or
 * changed (false also when it refers to a row that is not here). *cache holds the prepared statement
 * between the rows of one batch (NULL at first; the caller finalizes it). */
enum st_status store_sync_upsert(struct store *s, size_t t, const struct store_sync_col *cols, size_t ncols,
                                 const struct store_sync_val *vals, sqlite3_stmt **cache, bool *written,
                                 struct st_err *err);
/* Runs the prepared insert st when r is ST_OK (*added: it added a row) and finalizes it; r, or the
 * failure while `doing`. */
enum st_status store_sync_step_added(struct store *s, sqlite3_stmt *st, enum st_status r, bool *added,
                                     const char *doing, struct st_err *err);
/* Records that uuid (of table) stands for the local row local_id here. */
enum st_status store_sync_alias_add(struct store *s, const char *table, const char *uuid, int64_t local_id,
                                    struct st_err *err);
/* A pulled version of a row of a mutable table that is here already (*here true; else nothing is done):
 * taken, kept as a conflict, or skipped by its version (store_sync_row.c). */
enum st_status store_sync_pull_row(struct store *s, size_t t, const struct store_sync_col *cols, size_t ncols,
                                   const struct store_sync_val *vals, sqlite3_stmt **cache,
                                   struct store_sync_counts *counts, bool *here, struct st_err *err);
/* A pulled version of a patient, and a pulled tombstone (store_sync_patient.c). */
enum st_status store_sync_pull_patient(struct store *s, size_t t, const struct store_sync_col *cols, size_t ncols,
                                       const struct store_sync_val *vals, sqlite3_stmt **cache,
                                       struct store_sync_counts *counts, struct st_err *err);
enum st_status store_sync_pull_tombstone(struct store *s, const struct store_sync_col *cols, size_t ncols,
                                         const struct store_sync_val *vals, struct store_sync_counts *counts,
                                         struct st_err *err);

#endif
