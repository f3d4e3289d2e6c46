/*
 * store_sync.c - the store's side of the clinic server sync: identity, the tables that travel, the
 * push batches and the pull batches (manual: station/store/store_sync.h). The patient's versions,
 * conflicts, tombstones and merges are in store_sync_patient.c.
 *
 * One table drives everything: the columns of each synced table are read from the file's own schema
 * (PRAGMA table_info), so the SQL of a push and of a pull is made from them and a metric column added
 * by a later migration travels without a change here. References between rows (patient_id, ...) leave
 * as the referred row's UUID and come back as the local id of the row with that UUID (or of the row a
 * UUID stands for, sync_alias: the same device registered on two stations).
 */
#include "station/store/store_internal.h"
#include "station/store/store_sync.h"
#include "station/store/store_sync_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

const struct store_sync_table store_sync_tables[] = {
    {"therapists", STORE_SYNC_IMMUTABLE, "name", "", ""},
    {"patients", STORE_SYNC_VERSIONED, NULL, "", ""},
    {"sync_tombstones", STORE_SYNC_TOMBSTONE, NULL, "", ""},
    {"body_mass", STORE_SYNC_IMMUTABLE, NULL, "", ""},
    /* a device plugged into another station: what it says about itself when it is found again */
    {"devices", STORE_SYNC_MUTABLE, "family,serial", "model,firmware,capacity_n,unit", ""},
    {"calibrations", STORE_SYNC_IMMUTABLE, NULL, "", ""}, /* a new check is a new row, never an edit */
    {"protocols", STORE_SYNC_IMMUTABLE, "sha256", "", ""},
    /* a merge elsewhere moves sessions to the kept record (the server's station_erase moved them first) */
    {"sessions", STORE_SYNC_MUTABLE, NULL, "", ""},
    {"session_devices", STORE_SYNC_IMMUTABLE, NULL, "", ""},
    /* the therapist's decision and annotation, never the measurement */
    {"repetitions", STORE_SYNC_MUTABLE, NULL, "status,counts,pain,note", ""},
    {"rep_samples", STORE_SYNC_IMMUTABLE, NULL, "", ""},
    {"session_events", STORE_SYNC_IMMUTABLE, NULL, "", ""},
    {"session_notes", STORE_SYNC_IMMUTABLE, NULL, "", ""},
    /* an erasure blanks what the audit said about the patient */
    {"audit", STORE_SYNC_MUTABLE, NULL, "", "old_value,new_value,reason"},
};
const size_t store_sync_table_count = sizeof store_sync_tables / sizeof store_sync_tables[0];

/* The columns that hold a reference, and the table each refers to. */
static const struct {
    const char *column, *table;
} refs[] = {
    {"patient_id", "patients"}, {"session_id", "sessions"},     {"device_id", "devices"},
    {"therapist_id", "therapists"}, {"protocol_id", "protocols"}, {"rep_id", "repetitions"},
};

bool store_sync_is_own_column(const char *name)
{
    return !strcmp(name, "origin") || !strcmp(name, "edited_by") || !strcmp(name, "version") ||
           !strcmp(name, "lseq");
}

/* ------------------------------------------------------------------------------------------------ */
/* Identity                                                                                         */

static void read_text0(sqlite3_stmt *st, void *item)
{
    store_col_text(st, 0, item, STORE_UUID_SIZE);
}

enum st_status store_station_uuid(struct store *s, char out[STORE_UUID_SIZE], struct st_err *err)
{
    out[0] = '\0';
    bool found = false;
    enum st_status r = store_row(s, "SELECT station_uuid FROM sync_meta WHERE id=1", STORE_NO_VALS, read_text0,
                                 out, &found, "reading the station's identity", err);
    if (r == ST_OK && !found)
        return st_err_set(err, ST_ERR_DB_CORRUPT, "The database %s has lost this station's identity", s->path);
    return r;
}

enum st_status store_session_find(struct store *s, const char *id_or_uuid, int64_t *id, struct st_err *err)
{
    *id = 0;
    enum st_status r = ST_OK;
    if (id_or_uuid && *id_or_uuid) {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(id_or_uuid, &end, 10);
        if (errno == 0 && *end == '\0' && n > 0)
            r = store_int(s, "SELECT id FROM sessions WHERE id=?", STORE_VALS(sv_int(n)), id, "finding a session",
                          err);
        else if (strlen(id_or_uuid) == 36)
            r = store_int(s, "SELECT id FROM sessions WHERE uuid=lower(?)", STORE_VALS(sv_text(id_or_uuid)), id,
                          "finding a session", err);
    }
    if (r != ST_OK || *id)
        return r;
    return st_err_set(err, ST_ERR_NOT_FOUND,
                      "There is no session \"%.40s\" in %s: give the number or UUID `station sessions` shows",
                      id_or_uuid ? id_or_uuid : "", s->path);
}

static void read_identity(sqlite3_stmt *st, void *item)
{
    struct store_row_identity *o = item;
    store_col_text(st, 0, o->uuid, sizeof o->uuid);
    store_col_text(st, 1, o->origin, sizeof o->origin);
    store_col_text(st, 2, o->edited_by, sizeof o->edited_by);
    o->version = sqlite3_column_int64(st, 3);
}

const struct store_sync_table *store_sync_table_named(const char *name, size_t *index)
{
    for (size_t i = 0; i < store_sync_table_count; i++)
        if (!strcmp(store_sync_tables[i].name, name)) {
            if (index)
                *index = i;
            return &store_sync_tables[i];
        }
    return NULL;
}

enum st_status store_row_identity(struct store *s, const char *table, int64_t id, struct store_row_identity *out,
                                  struct st_err *err)
{
    memset(out, 0, sizeof *out);
    if (!table || !store_sync_table_named(table, NULL) || !strcmp(table, "session_devices") ||
        !strcmp(table, "rep_samples") || !strcmp(table, "sync_tombstones"))
        return st_err_set(err, ST_ERR_ARG, "%s is not a synced table with row ids", table ? table : "(none)");
    char sql[160];
    /* The table name is one of our own constants (checked above), never input. */
    snprintf(sql, sizeof sql, "SELECT uuid, origin, edited_by, version FROM %s WHERE id=?", table);
    bool found = false;
    enum st_status r =
        store_row(s, sql, STORE_VALS(sv_int(id)), read_identity, out, &found, "reading a row's identity", err);
    if (r == ST_OK && !found)
        return st_err_set(err, ST_ERR_NOT_FOUND, "There is no row %lld in %s of %s", (long long)id, table, s->path);
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* Columns                                                                                          */

struct table_col {
    char name[48];
    char type[24];
};

static void read_table_col(sqlite3_stmt *st, void *item)
{
    struct table_col *c = item;
    store_col_text(st, 1, c->name, sizeof c->name);
    store_col_text(st, 2, c->type, sizeof c->type);
}

enum st_status store_sync_columns(struct store *s, size_t t, struct store_sync_col *cols, size_t *n,
                                  struct st_err *err)
{
    *n = 0;
    if (t >= store_sync_table_count)
        return st_err_set(err, ST_ERR_ARG, "no synced table %zu", t);
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", store_sync_tables[t].name);
    void *rows = NULL;
    size_t nrows = 0;
    enum st_status r =
        store_rows(s, sql, STORE_NO_VALS, sizeof(struct table_col), read_table_col, &rows, &nrows,
                   "reading the schema", err);
    if (r != ST_OK)
        return r;
    const struct table_col *c = rows;
    /* uuid first: the server's key and the first value of every row. */
    snprintf(cols[0].name, sizeof cols[0].name, "uuid");
    cols[0].kind = STORE_SYNC_TEXT;
    cols[0].ref = NULL;
    size_t k = 1;
    for (size_t i = 0; i < nrows && k < STORE_SYNC_MAX_COLS; i++) {
        if (!strcmp(c[i].name, "id") || !strcmp(c[i].name, "lseq") || !strcmp(c[i].name, "uuid"))
            continue;
        struct store_sync_col *o = &cols[k++];
        snprintf(o->name, sizeof o->name, "%s", c[i].name);
        o->ref = NULL;
        o->kind = !strcmp(c[i].type, "INTEGER") ? STORE_SYNC_INT
                  : !strcmp(c[i].type, "REAL")  ? STORE_SYNC_REAL
                  : !strcmp(c[i].type, "BLOB")  ? STORE_SYNC_BLOB
                                                : STORE_SYNC_TEXT;
        for (size_t j = 0; j < sizeof refs / sizeof refs[0]; j++)
            if (!strcmp(o->name, refs[j].column)) {
                o->kind = STORE_SYNC_REF;
                o->ref = refs[j].table;
            }
    }
    free(rows);
    *n = k;
    return ST_OK;
}

/* Appends printf-style text to sql (size bytes); false when it did not fit. */
static bool sql_add(char *sql, size_t size, size_t *used, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool sql_add(char *sql, size_t size, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = *used < size ? vsnprintf(sql + *used, size - *used, fmt, ap) : -1;
    va_end(ap);
    if (w < 0 || (size_t)w >= size - *used)
        return false;
    *used += (size_t)w;
    return true;
}

/* ------------------------------------------------------------------------------------------------ */
/* Push                                                                                             */

/* The rows of table t this station must send: made here, or last edited here (a patient's version, a
 * rep decided in this room) unless the row is in conflict (it waits until settled). Into buf. */
static const char *push_filter(size_t t, char *buf, size_t size)
{
    enum store_sync_how how = store_sync_tables[t].how;
    if (how == STORE_SYNC_MUTABLE)
        snprintf(buf, size,
                 "t.edited_by=(SELECT station_uuid FROM sync_meta) AND NOT EXISTS(SELECT 1 FROM sync_row_conflicts"
                 " c WHERE c.uuid=t.uuid AND c.tbl='%s')",
                 store_sync_tables[t].name);
    else
        snprintf(buf, size, "%s",
                 how == STORE_SYNC_VERSIONED || how == STORE_SYNC_TOMBSTONE
                     ? "t.edited_by=(SELECT station_uuid FROM sync_meta)"
                     : "t.origin=(SELECT station_uuid FROM sync_meta) AND t.edited_by=t.origin");
    return buf;
}

static enum st_status mark_of(struct store *s, size_t t, const char *which, int64_t *v, struct st_err *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT %s FROM sync_marks WHERE tbl=?", which); /* which: our constant */
    return store_int(s, sql, STORE_VALS(sv_text(store_sync_tables[t].name)), v, "reading the sync marks", err);
}

enum st_status store_sync_push_batch(struct store *s, size_t t, size_t limit, store_sync_row_fn row, void *ctx,
                                     int64_t *last, size_t *count, struct st_err *err)
{
    *last = 0;
    *count = 0;
    struct store_sync_col cols[STORE_SYNC_MAX_COLS];
    size_t ncols = 0;
    int64_t mark = 0;
    enum st_status r = store_sync_columns(s, t, cols, &ncols, err);
    if (r == ST_OK)
        r = mark_of(s, t, "pushed", &mark, err);
    if (r != ST_OK)
        return r;
    static char sql[16384];
    size_t used = 0;
    bool ok = sql_add(sql, sizeof sql, &used, "SELECT ");
    for (size_t i = 0; ok && i < ncols; i++)
        ok = cols[i].ref ? sql_add(sql, sizeof sql, &used, "(SELECT uuid FROM %s WHERE id=t.%s), ", cols[i].ref,
                                   cols[i].name)
                         : sql_add(sql, sizeof sql, &used, "t.%s, ", cols[i].name);
    char filter[256];
    ok = ok && sql_add(sql, sizeof sql, &used, "t.lseq FROM %s t WHERE t.lseq>? AND %s ORDER BY t.lseq LIMIT ?",
                       store_sync_tables[t].name, push_filter(t, filter, sizeof filter));
    if (!ok)
        return st_err_set(err, ST_ERR_INTERNAL, "the push query of %s is too long", store_sync_tables[t].name);
    sqlite3_stmt *st = NULL;
    r = store_stmt(s, sql, STORE_VALS(sv_int(mark), sv_int((int64_t)limit)), &st, "reading the rows to send", err);
    if (r != ST_OK)
        return r;
    struct store_sync_val vals[STORE_SYNC_MAX_COLS];
    char num[STORE_SYNC_MAX_COLS][32];
    int rc;
    while (r == ST_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (size_t i = 0; i < ncols; i++) {
            int ty = sqlite3_column_type(st, (int)i);
            struct store_sync_val *v = &vals[i];
            v->null = ty == SQLITE_NULL;
            v->p = "";
            v->n = 0;
            if (ty == SQLITE_INTEGER) {
                snprintf(num[i], sizeof num[i], "%lld", (long long)sqlite3_column_int64(st, (int)i));
                v->p = num[i];
            } else if (ty == SQLITE_FLOAT) {
                snprintf(num[i], sizeof num[i], "%.17g", sqlite3_column_double(st, (int)i));
                v->p = num[i];
            } else if (ty == SQLITE_TEXT) {
                v->p = (const char *)sqlite3_column_text(st, (int)i);
            } else if (ty == SQLITE_BLOB) {
                v->p = sqlite3_column_blob(st, (int)i);
                v->p = v->p ? v->p : "";
            }
            v->n = v->null ? 0 : (size_t)sqlite3_column_bytes(st, (int)i);
            if (ty == SQLITE_INTEGER || ty == SQLITE_FLOAT)
                v->n = strlen(v->p);
        }
        r = row(ctx, vals, ncols, err);
        if (r == ST_OK) {
            *last = sqlite3_column_int64(st, (int)ncols);
            (*count)++;
        }
    }
    if (r == ST_OK && rc != SQLITE_DONE)
        r = store_fail(s, rc, "reading the rows to send", err);
    sqlite3_finalize(st);
    return r;
}

static enum st_status set_mark(struct store *s, size_t t, const char *which, int64_t v, struct st_err *err)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "INSERT INTO sync_marks(tbl, %s) VALUES(?1, ?2) ON CONFLICT(tbl) DO UPDATE SET %s=max(%s, ?2)", which,
             which, which);
    return store_run(s, sql, STORE_VALS(sv_text(store_sync_tables[t].name), sv_int(v)), "recording the sync marks",
                     err);
}

struct mark_work {
    size_t t;
    int64_t last;
    const struct store_sync_refusal *refused;
    size_t n;
};

static enum st_status mark_pushed_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct mark_work *m = ctx;
    enum st_status r = set_mark(s, m->t, "pushed", m->last, err);
    for (size_t i = 0; r == ST_OK && i < m->n; i++)
        r = store_run(s,
                      "INSERT OR IGNORE INTO sync_row_conflicts(tbl, uuid, version, edited_by, ours, against)"
                      " VALUES(?, ?, ?, (SELECT station_uuid FROM sync_meta), 1, ?)",
                      STORE_VALS(sv_text(store_sync_tables[m->t].name), sv_text(m->refused[i].uuid),
                                 sv_int(m->refused[i].version), sv_int(m->refused[i].against)),
                      "recording what was sent", err);
    return r;
}

enum st_status store_sync_mark_pushed(struct store *s, size_t t, int64_t last, const struct store_sync_refusal *refused,
                                      size_t n, struct st_err *err)
{
    struct mark_work m = {t, last, refused, refused ? n : 0};
    return store_tx(s, "recording what was sent", mark_pushed_work, &m, err);
}

enum st_status store_sync_waiting(struct store *s, int64_t *n, struct st_err *err)
{
    *n = 0;
    for (size_t t = 0; t < store_sync_table_count; t++) {
        char sql[512], filter[256];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM %s t WHERE t.lseq>coalesce((SELECT pushed FROM sync_marks WHERE tbl='%s'),0)"
                 " AND %s",
                 store_sync_tables[t].name, store_sync_tables[t].name, push_filter(t, filter, sizeof filter));
        int64_t k = 0;
        enum st_status r = store_int(s, sql, STORE_NO_VALS, &k, "counting the rows waiting", err);
        if (r != ST_OK)
            return r;
        *n += k;
    }
    return ST_OK;
}

/* ------------------------------------------------------------------------------------------------ */
/* Pull                                                                                             */

enum st_status store_sync_pulled_mark(struct store *s, size_t t, int64_t *seq, struct st_err *err)
{
    return mark_of(s, t, "pulled", seq, err);
}

const struct store_sync_val *store_sync_val_of(const struct store_sync_col *cols, size_t ncols,
                                               const struct store_sync_val *vals, const char *name)
{
    for (size_t i = 0; i < ncols; i++)
        if (!strcmp(cols[i].name, name))
            return &vals[i];
    return NULL;
}

enum st_status store_sync_bind_val(struct store *s, sqlite3_stmt *st, int at, char kind,
                                   const struct store_sync_val *v, struct st_err *err)
{
    int rc;
    if (!v || v->null) {
        rc = sqlite3_bind_null(st, at);
    } else if (kind == STORE_SYNC_INT || kind == STORE_SYNC_REAL) {
        char *end = NULL;
        errno = 0;
        if (kind == STORE_SYNC_INT) {
            long long x = strtoll(v->p, &end, 10);
            rc = sqlite3_bind_int64(st, at, x);
        } else {
            double x = strtod(v->p, &end);
            rc = sqlite3_bind_double(st, at, x);
        }
        if (errno != 0 || end == v->p || *end != '\0')
            return st_err_set(err, ST_ERR_PROTOCOL, "The clinic server sent \"%.20s\" where a number belongs",
                              v->p);
    } else if (kind == STORE_SYNC_BLOB) {
        rc = sqlite3_bind_blob64(st, at, v->p, v->n, SQLITE_TRANSIENT);
    } else {
        rc = sqlite3_bind_text64(st, at, v->p, v->n, SQLITE_TRANSIENT, SQLITE_UTF8);
    }
    return rc == SQLITE_OK ? ST_OK : store_fail(s, rc, "writing rows from the clinic server", err);
}

/* The upsert of one pulled row of table t: values ?1..?n in column order, references looked up by UUID
 * (or alias), lseq 0 (nothing to push). Immutable rows keep the first copy; mutable ones take the
 * server's, which only their own station writes. */
static bool upsert_sql(size_t t, const struct store_sync_col *cols, size_t ncols, char *sql, size_t size)
{
    size_t used = 0;
    const char *name = store_sync_tables[t].name;
    bool ok = sql_add(sql, size, &used, "INSERT INTO %s(", name);
    for (size_t i = 0; ok && i < ncols; i++)
        ok = sql_add(sql, size, &used, "%s, ", cols[i].name);
    ok = ok && sql_add(sql, size, &used, "lseq) VALUES(");
    for (size_t i = 0; ok && i < ncols; i++)
        ok = cols[i].ref ? sql_add(sql, size, &used,
                                   "coalesce((SELECT id FROM %s WHERE uuid=?%zu),"
                                   "(SELECT local_id FROM sync_alias WHERE tbl='%s' AND uuid=?%zu)), ",
                                   cols[i].ref, i + 1, cols[i].ref, i + 1)
                         : sql_add(sql, size, &used, "?%zu, ", i + 1);
    ok = ok && sql_add(sql, size, &used, "0) ON CONFLICT");
    if (store_sync_tables[t].how == STORE_SYNC_IMMUTABLE) {
        ok = ok && sql_add(sql, size, &used, " DO NOTHING");
    } else {
        ok = ok && sql_add(sql, size, &used, "(uuid) DO UPDATE SET ");
        for (size_t i = 1; ok && i < ncols; i++)
            ok = sql_add(sql, size, &used, "%s%s=excluded.%s", i > 1 ? ", " : "", cols[i].name, cols[i].name);
    }
    return ok;
}

/* For a table with a natural key (devices: family and serial): when no row here has the pulled row's
 * UUID but one has its natural key, the pulled UUID becomes an alias of that row; *aliased says so. */
static enum st_status natural_alias(struct store *s, size_t t, const struct store_sync_col *cols, size_t ncols,
                                    const struct store_sync_val *vals, bool *aliased, struct st_err *err)
{
    *aliased = false;
    const char *name = store_sync_tables[t].name;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE uuid=?", name);
    int64_t id = 0;
    enum st_status r = store_int(s, sql, STORE_VALS(sv_text(vals[0].p)), &id, "matching a pulled row", err);
    if (r != ST_OK || id)
        return r;
    char natural[64];
    snprintf(natural, sizeof natural, "%s", store_sync_tables[t].natural);
    size_t used = 0;
    sql_add(sql, sizeof sql, &used, "SELECT id FROM %s WHERE 1", name);
    const struct store_sync_val *nv[4];
    size_t nn = 0;
    for (char *save = NULL, *c = strtok_r(natural, ",", &save); c && nn < 4; c = strtok_r(NULL, ",", &save)) {
        nv[nn++] = store_sync_val_of(cols, ncols, vals, c);
        sql_add(sql, sizeof sql, &used, " AND %s=?%zu", c, nn);
    }
    sqlite3_stmt *st = NULL;
    if ((r = store_stmt(s, sql, STORE_NO_VALS, &st, "matching a pulled row", err)) != ST_OK)
        return r;
    for (size_t i = 0; r == ST_OK && i < nn; i++)
        r = store_sync_bind_val(s, st, (int)i + 1, STORE_SYNC_TEXT, nv[i], err);
    int rc = r == ST_OK ? sqlite3_step(st) : SQLITE_DONE;
    if (rc == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        r = store_fail(s, rc, "matching a pulled row", err);
    sqlite3_finalize(st);
    if (r != ST_OK || !id)
        return r;
    *aliased = true;
    return store_sync_alias_add(s, name, vals[0].p, id, err);
}

enum st_status store_sync_step_added(struct store *s, sqlite3_stmt *st, enum st_status r, bool *added,
                                     const char *doing, struct st_err *err)
{
    if (r == ST_OK) {
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
            r = store_fail(s, rc, doing, err);
        else
            *added = sqlite3_changes(s->db) > 0;
    }
    sqlite3_finalize(st);
    return r;
}

enum st_status store_sync_alias_add(struct store *s, const char *table, const char *uuid, int64_t local_id,
                                    struct st_err *err)
{
    return store_run(s, "INSERT OR REPLACE INTO sync_alias(tbl, uuid, local_id) VALUES(?,?,?)",
                     STORE_VALS(sv_text(table), sv_text(uuid), sv_int(local_id)), "recording a pulled row", err);
}

enum st_status store_sync_upsert(struct store *s, size_t t, const struct store_sync_col *cols, size_t ncols,
                                 const struct store_sync_val *vals, sqlite3_stmt **cache, bool *written,
                                 struct st_err *err)
{
    *written = false;
    enum st_status r = ST_OK;
    if (!*cache) { /* made and prepared once per batch */
        static char sql[16384];
        if (!upsert_sql(t, cols, ncols, sql, sizeof sql))
            return st_err_set(err, ST_ERR_INTERNAL, "the pull query of %s is too long", store_sync_tables[t].name);
        r = store_stmt(s, sql, STORE_NO_VALS, cache, "writing rows from the clinic server", err);
    } else {
        sqlite3_reset(*cache);
        sqlite3_clear_bindings(*cache);
    }
    sqlite3_stmt *st = *cache;
    for (size_t i = 0; r == ST_OK && i < ncols; i++)
        r = store_sync_bind_val(s, st, (int)i + 1, cols[i].ref ? STORE_SYNC_TEXT : cols[i].kind, &vals[i], err);
    if (r == ST_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            *written = sqlite3_changes(s->db) > 0;
        else if (sqlite3_extended_errcode(s->db) != SQLITE_CONSTRAINT_NOTNULL)
            r = store_fail(s, rc, "writing rows from the clinic server", err);
        /* else: it refers to a row that is not here (an erased patient's session): skipped */
    }
    return r;
}

struct pull_work {
    size_t t;
    const struct store_sync_col *cols;
    size_t ncols, n;
    store_sync_get_fn get;
    void *ctx;
    int64_t last;
    struct store_sync_counts *counts;
    sqlite3_stmt *upsert; /* the batch's prepared upsert (store_sync_upsert) */
};

static enum st_status pull_work(struct store *s, void *ctx, struct st_err *err)
{
    struct pull_work *w = ctx;
    enum st_status r = store_run(s, "UPDATE sync_meta SET pulling=1", STORE_NO_VALS, "writing pulled rows", err);
    struct store_sync_val vals[STORE_SYNC_MAX_COLS];
    enum store_sync_how how = store_sync_tables[w->t].how;
    for (size_t i = 0; r == ST_OK && i < w->n; i++) {
        w->get(w->ctx, i, vals);
        if (vals[0].null) {
            w->counts->skipped++;
            continue;
        }
        if (how == STORE_SYNC_VERSIONED) {
            r = store_sync_pull_patient(s, w->t, w->cols, w->ncols, vals, &w->upsert, w->counts, err);
            continue;
        }
        if (how == STORE_SYNC_TOMBSTONE) {
            r = store_sync_pull_tombstone(s, w->cols, w->ncols, vals, w->counts, err);
            continue;
        }
        bool here = false; /* a mutable row already here: its versions decide (store_sync_row.c) */
        if (how == STORE_SYNC_MUTABLE &&
            ((r = store_sync_pull_row(s, w->t, w->cols, w->ncols, vals, &w->upsert, w->counts, &here, err)) !=
                 ST_OK ||
             here))
            continue;
        bool aliased = false, written = false;
        if (store_sync_tables[w->t].natural)
            r = natural_alias(s, w->t, w->cols, w->ncols, vals, &aliased, err);
        if (r == ST_OK && !aliased)
            r = store_sync_upsert(s, w->t, w->cols, w->ncols, vals, &w->upsert, &written, err);
        if (written)
            w->counts->written++;
        else
            w->counts->skipped++;
    }
    if (r == ST_OK)
        r = set_mark(s, w->t, "pulled", w->last, err);
    if (r == ST_OK)
        r = store_run(s, "UPDATE sync_meta SET pulling=0", STORE_NO_VALS, "writing pulled rows", err);
    return r;
}

enum st_status store_sync_pull_batch(struct store *s, size_t t, const struct store_sync_col *cols,
                                     size_t ncols, size_t n, store_sync_get_fn get, void *ctx, int64_t last,
                                     struct store_sync_counts *counts, struct st_err *err)
{
    if (t >= store_sync_table_count || ncols == 0)
        return st_err_set(err, ST_ERR_ARG, "no synced table %zu", t);
    struct pull_work w = {t, cols, ncols, n, get, ctx, last, counts, NULL};
    enum st_status r = store_tx(s, "writing rows from the clinic server", pull_work, &w, err);
    sqlite3_finalize(w.upsert);
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* State                                                                                            */

static void read_state(sqlite3_stmt *st, void *item)
{
    struct store_sync_state *o = item;
    store_col_text(st, 0, o->station, sizeof o->station);
    store_col_text(st, 1, o->server, sizeof o->server);
    o->last_success = sqlite3_column_int64(st, 2);
    store_col_text(st, 3, o->last_error, sizeof o->last_error);
    o->conflicts = sqlite3_column_int64(st, 4);
    o->row_conflicts = sqlite3_column_int64(st, 5);
    o->last_failure = sqlite3_column_int64(st, 6);
    o->conflicts += o->row_conflicts;
}

static void read_conflict_ids(sqlite3_stmt *st, void *item)
{
    store_col_text(st, 0, item, sizeof((struct store_sync_state *)0)->conflict_ids);
}

enum st_status store_sync_state(struct store *s, struct store_sync_state *out, struct st_err *err)
{
    memset(out, 0, sizeof *out);
    enum st_status r = store_row(s,
                                 "SELECT station_uuid, server, last_success, last_error,"
                                 " (SELECT count(*) FROM sync_conflicts),"
                                 " (SELECT count(DISTINCT uuid) FROM sync_row_conflicts WHERE ours=0),"
                                 " last_failure FROM sync_meta WHERE id=1",
                                 STORE_NO_VALS, read_state, out, NULL, "reading the sync state", err);
    if (r == ST_OK)
        r = store_row(s,
                      "SELECT group_concat(id, ', ') FROM (SELECT DISTINCT p.id FROM sync_conflicts c"
                      " JOIN patients p ON p.uuid=c.patient_uuid ORDER BY p.id LIMIT 40)",
                      STORE_NO_VALS, read_conflict_ids, out->conflict_ids, NULL, "reading the sync state", err);
    if (r == ST_OK)
        r = store_sync_waiting(s, &out->waiting, err);
    return r;
}

struct record_work {
    const char *server, *message;
    bool ok;
};

static enum st_status record_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct record_work *w = ctx;
    return w->ok ? store_run(s, "UPDATE sync_meta SET server=?, last_success=?, last_error=NULL",
                             STORE_VALS(sv_text(w->server), sv_int(st_wall_s())), "recording the sync", err)
                 : store_run(s, "UPDATE sync_meta SET server=?, last_error=?, last_failure=?",
                             STORE_VALS(sv_text(w->server), sv_text(w->message), sv_int(st_wall_s())),
                             "recording the sync", err);
}

enum st_status store_sync_record(struct store *s, const char *server, bool ok, const char *message,
                                 struct st_err *err)
{
    struct record_work w = {server, message ? message : "", ok};
    return store_tx(s, "recording the sync", record_work, &w, err);
}
