/*
 * store.c - opening the station's SQLite file safely, and the plumbing every store file shares:
 * error classification, transactions, checkpoints, binding helpers, UUIDs.
 *
 * Opening is ordered so that a file that is not ours, or not healthy, is refused before anything is
 * written to it: create only with O_EXCL; refuse a read-only file; read the header (application_id,
 * user_version) and probe every table's first page; only then switch to WAL and take the write lock
 * to migrate. A refused file is byte-identical afterwards (tests/test_store_faults.c checks it).
 *
 * Checkpoints: SQLite's automatic checkpoint runs inside the COMMIT's sqlite3_step and reports its
 * own failure as the COMMIT's, which would make a durable rep look lost (and be written twice). So
 * the store installs its own WAL hook (which replaces the automatic checkpoint) and checkpoints after
 * a commit has returned, logging a failure only.
 */
#include "station/store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

#define STORE_CHECKPOINT_FRAMES 1000
#define STR_(x) #x
#define STR(x) STR_(x)

/* ------------------------------------------------------------------------------------------------ */
/* Errors                                                                                           */

enum st_status store_status_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return ST_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ST_ERR_DB_LOCKED;
    case SQLITE_READONLY: return ST_ERR_DB_READONLY;
    case SQLITE_CORRUPT: return ST_ERR_DB_CORRUPT;
    case SQLITE_NOTADB: return ST_ERR_DB_NOT_A_DB;
    case SQLITE_FULL: return ST_ERR_DISK_FULL;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: return ST_ERR_IO;
    case SQLITE_NOMEM: return ST_ERR_NOMEM;
    case SQLITE_CONSTRAINT: return ST_ERR_ARG;
    default: return ST_ERR_DB;
    }
}

static enum st_status fail_path(const char *path, int rc, const char *detail, const char *doing,
                                struct st_err *err)
{
    enum st_status code = store_status_of(rc);
    if (!detail)
        detail = sqlite3_errstr(rc);
    switch (code) {
    case ST_ERR_DB_LOCKED:
        return st_err_set(err, code,
                          "The database %s is in use by another station (it kept it locked while %s): "
                          "finish or close the session there, then try again",
                          path, doing);
    case ST_ERR_DB_READONLY:
        return st_err_set(err, code,
                          "The database %s is read-only (while %s): check the file's permissions and that "
                          "the disk is not write-protected, or choose another file with --db",
                          path, doing);
    case ST_ERR_DB_CORRUPT:
        return st_err_set(err, code,
                          "The database %s is damaged (%s, while %s): the station has not changed it; "
                          "keep the file for your IT support, restore the latest backup, or choose another "
                          "file with --db",
                          path, detail, doing);
    case ST_ERR_DB_NOT_A_DB:
        return st_err_set(err, code,
                          "%s is not a station database (while %s): the station has not changed it; "
                          "choose the right file with --db",
                          path, doing);
    case ST_ERR_DISK_FULL:
        return st_err_set(
            err, code, "The disk holding the database %s is full (while %s): free some space and try again",
            path, doing);
    case ST_ERR_IO:
        return st_err_set(err, code,
                          "Reading or writing the database %s failed (%s, while %s): check the disk and "
                          "its cable, then try again",
                          path, detail, doing);
    case ST_ERR_NOMEM:
        return st_err_set(err, code,
                          "The station ran out of memory while %s: close other programs and "
                          "try again",
                          doing);
    default:
        return st_err_set(err, code, "The database %s reported an error while %s: %s", path, doing, detail);
    }
}

enum st_status store_fail(struct store *s, int rc, const char *doing, struct st_err *err)
{
    /* sqlite3_errmsg names tables and columns, never values: safe for messages. */
    const char *detail = s->db && sqlite3_errcode(s->db) == rc ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    return fail_path(s->path, rc, detail, doing, err);
}

/* ------------------------------------------------------------------------------------------------ */
/* Statements                                                                                       */

enum st_status store_bind(struct store *s, sqlite3_stmt *st, const struct store_val *v, size_t n,
                          const char *doing, struct st_err *err)
{
    for (size_t k = 0; k < n; k++) {
        int i = (int)k + 1, rc;
        switch (v[k].type) {
        case STORE_V_INT: rc = sqlite3_bind_int64(st, i, v[k].i); break;
        case STORE_V_REAL: rc = sqlite3_bind_double(st, i, v[k].d); break;
        case STORE_V_TEXT: rc = sqlite3_bind_text(st, i, v[k].p, -1, SQLITE_STATIC); break;
        case STORE_V_BLOB:
            rc = sqlite3_bind_blob64(st, i, v[k].p, (sqlite3_uint64)v[k].n, SQLITE_STATIC);
            break;
        default: rc = sqlite3_bind_null(st, i); break;
        }
        /* A bind fails on a wrong index or a value too big: a statement run without it would store
         * NULL in its place, so it is an error, never ignored. */
        if (rc != SQLITE_OK)
            return store_fail(s, rc, doing, err);
    }
    return ST_OK;
}

enum st_status store_stmt(struct store *s, const char *sql, const struct store_val *v, size_t n,
                          sqlite3_stmt **st, const char *doing, struct st_err *err)
{
    *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(*st);
        *st = NULL;
        return store_fail(s, rc, doing, err);
    }
    enum st_status r = store_bind(s, *st, v, n, doing, err);
    if (r != ST_OK) {
        sqlite3_finalize(*st);
        *st = NULL;
    }
    return r;
}

/* A statement for sql from the connection's cache (prepared on first use), bound to v. Give it back
 * with stmt_put. The cache is keyed by the text's pointer and checked against the text itself, so a
 * buffer reused for other SQL is prepared again. Full, or the statement in use: a fresh one. */
static enum st_status stmt_get(struct store *s, const char *sql, const struct store_val *v, size_t n,
                               sqlite3_stmt **st, const char *doing, struct st_err *err)
{
    struct store_cached_stmt *c = NULL;
    for (size_t i = 0; i < s->n_cache && !c; i++)
        if (s->cache[i].sql == sql && !s->cache[i].busy && strcmp(sqlite3_sql(s->cache[i].st), sql) == 0)
            c = &s->cache[i];
    if (!c) {
        bool known = false; /* the same SQL already cached (busy, or its buffer now holds other text) */
        for (size_t i = 0; i < s->n_cache; i++)
            known |= s->cache[i].sql == sql;
        if (known || s->n_cache == STORE_STMT_CACHE)
            return store_stmt(s, sql, v, n, st, doing, err);
        sqlite3_stmt *fresh = NULL;
        int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &fresh, NULL);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(fresh);
            *st = NULL;
            return store_fail(s, rc, doing, err);
        }
        c = &s->cache[s->n_cache++];
        *c = (struct store_cached_stmt){.sql = sql, .st = fresh};
    }
    enum st_status r = store_bind(s, c->st, v, n, doing, err);
    if (r != ST_OK) {
        sqlite3_reset(c->st);
        sqlite3_clear_bindings(c->st);
        *st = NULL;
        return r;
    }
    c->busy = true;
    *st = c->st;
    return ST_OK;
}

/* Gives back a statement from stmt_get: a cached one is reset (its bindings cleared, the blobs and
 * texts they pointed at are the caller's), another one finalized. */
static void stmt_put(struct store *s, sqlite3_stmt *st)
{
    for (size_t i = 0; i < s->n_cache; i++)
        if (s->cache[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            s->cache[i].busy = false;
            return;
        }
    sqlite3_finalize(st);
}

static void stmt_cache_free(struct store *s)
{
    for (size_t i = 0; i < s->n_cache; i++)
        sqlite3_finalize(s->cache[i].st);
    s->n_cache = 0;
}

enum st_status store_run(struct store *s, const char *sql, const struct store_val *v, size_t n,
                         const char *doing, struct st_err *err)
{
    if (n == 0) { /* may be several statements (a migration, pragmas) */
        int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        return rc == SQLITE_OK ? ST_OK : store_fail(s, rc, doing, err);
    }
    sqlite3_stmt *st = NULL;
    enum st_status r = stmt_get(s, sql, v, n, &st, doing, err);
    if (r != ST_OK)
        return r;
    int rc = sqlite3_step(st);
    while (rc == SQLITE_ROW) /* a PRAGMA that answers: its answer is not wanted here */
        rc = sqlite3_step(st);
    stmt_put(s, st);
    return rc == SQLITE_DONE ? ST_OK : store_fail(s, rc, doing, err);
}

enum st_status store_row(struct store *s, const char *sql, const struct store_val *v, size_t n,
                         void (*read)(sqlite3_stmt *st, void *item), void *item, bool *found,
                         const char *doing, struct st_err *err)
{
    if (found)
        *found = false;
    sqlite3_stmt *st = NULL;
    enum st_status r = stmt_get(s, sql, v, n, &st, doing, err);
    if (r != ST_OK)
        return r;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read(st, item);
        if (found)
            *found = true;
        rc = SQLITE_DONE;
    }
    stmt_put(s, st);
    return rc == SQLITE_DONE ? ST_OK : store_fail(s, rc, doing, err);
}

static void read_int(sqlite3_stmt *st, void *item)
{
    *(int64_t *)item = sqlite3_column_int64(st, 0);
}

enum st_status store_int(struct store *s, const char *sql, const struct store_val *v, size_t n, int64_t *out,
                         const char *doing, struct st_err *err)
{
    *out = 0;
    return store_row(s, sql, v, n, read_int, out, NULL, doing, err);
}

void *store_grow(void *arr, size_t *cap, size_t len, size_t elem)
{
    if (len < *cap)
        return arr;
    size_t nc = *cap ? *cap * 2 : 16;
    void *na = realloc(arr, nc * elem);
    if (na)
        *cap = nc;
    return na;
}

enum st_status store_rows(struct store *s, const char *sql, const struct store_val *v, size_t n, size_t elem,
                          void (*read)(sqlite3_stmt *st, void *item), void **out, size_t *len,
                          const char *doing, struct st_err *err)
{
    *out = NULL;
    *len = 0;
    sqlite3_stmt *st = NULL;
    enum st_status r = stmt_get(s, sql, v, n, &st, doing, err);
    if (r != ST_OK)
        return r;
    unsigned char *arr = NULL;
    size_t used = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        unsigned char *na = store_grow(arr, &cap, used, elem);
        if (!na) {
            rc = SQLITE_NOMEM;
            break;
        }
        arr = na;
        memset(arr + used * elem, 0, elem);
        read(st, arr + used * elem);
        used++;
    }
    stmt_put(s, st);
    if (rc != SQLITE_DONE) {
        free(arr);
        return store_fail(s, rc, doing, err);
    }
    *out = arr;
    *len = used;
    return ST_OK;
}

double store_col_double(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

void store_col_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
    /* A bounded copy of the bytes SQLite counted, not snprintf's "%s": listing 10,000 sessions reads
     * ten text columns of each, and the format parser was most of the reading. */
    if (size == 0)
        return;
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(buf, t, n);
    buf[n] = '\0';
}

/* ------------------------------------------------------------------------------------------------ */
/* Transactions                                                                                     */

static int wal_hook(void *ctx, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    ((struct store *)ctx)->wal_frames = frames;
    return SQLITE_OK;
}

/* After a successful commit: a passive checkpoint when the WAL has grown; its failures are logged
 * only (the commit is already durable). */
static void after_commit(struct store *s)
{
    if (s->wal_frames < STORE_CHECKPOINT_FRAMES)
        return;
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        ST_WARN("store", "checkpoint of %s failed (%s); the data is safe in its -wal file", s->path,
                sqlite3_errstr(rc));
    else if (rc == SQLITE_OK && done == log)
        s->wal_frames = 0;
}

enum st_status store_tx(struct store *s, const char *doing, store_work_fn work, void *ctx, struct st_err *err)
{
    int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, doing, err);
    enum st_status r = work(s, ctx, err);
    if (r == ST_OK) /* the balance of the sessions this work changed commits with it (store_summary.c) */
        r = store_summary_settle(s, doing, err);
    if (r == ST_OK && (rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        r = store_fail(s, rc, doing, err);
    if (r != ST_OK) {
        if (!sqlite3_get_autocommit(s->db)) /* after a failed COMMIT SQLite may have rolled back already */
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    after_commit(s);
    return ST_OK;
}

struct id_ensure {
    const char *select_sql, *insert_sql;
    const struct store_val *key, *ins;
    size_t nkey, nins;
    int64_t *id;
    const char *doing;
};

static enum st_status id_ensure_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct id_ensure *e = ctx;
    /* Again inside the write lock: another station may have added the same row just now. */
    enum st_status r = store_int(s, e->select_sql, e->key, e->nkey, e->id, e->doing, err);
    if (r != ST_OK || *e->id)
        return r;
    r = store_run(s, e->insert_sql, e->ins, e->nins, e->doing, err);
    if (r == ST_OK)
        *e->id = sqlite3_last_insert_rowid(s->db);
    return r;
}

enum st_status store_id_ensure(struct store *s, const char *select_sql, const struct store_val *key,
                               size_t nkey, const char *insert_sql, const struct store_val *ins, size_t nins,
                               int64_t *id, const char *doing, struct st_err *err)
{
    /* Read first, without the write lock: the row is usually there already. */
    enum st_status r = store_int(s, select_sql, key, nkey, id, doing, err);
    if (r != ST_OK || *id)
        return r;
    struct id_ensure e = {select_sql, insert_sql, key, ins, nkey, nins, id, doing};
    return store_tx(s, doing, id_ensure_work, &e, err);
}

/* ------------------------------------------------------------------------------------------------ */
/* UUIDs                                                                                            */

void store_uuid_new(char out[STORE_UUID_SIZE])
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t r = getrandom(b + got, sizeof b - got, 0);
        if (r > 0)
            got += (size_t)r;
        else if (r < 0 && errno != EINTR)
            break;
    }
    if (got < sizeof b) { /* no getrandom (very old kernel): still unique enough with time and pid */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
        for (size_t i = got; i < sizeof b; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            b[i] = (unsigned char)(x >> 56);
        }
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

/* ------------------------------------------------------------------------------------------------ */
/* Opening                                                                                          */

const char *store_path(const struct store *s)
{
    return s->path;
}

/* Reads the first page of every table: a damaged page there is found now, before anything is written,
 * and without reading the whole file. */
static enum st_status probe_tables(struct store *s, int64_t version, struct st_err *err)
{
    for (const struct store_table *t = store_schema_tables; t->name; t++) {
        if (t->since > version)
            continue; /* added by a later version: the migration makes it */
        char sql[96];
        /* The table name comes from our own constant list, never from input. */
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" LIMIT 1", t->name);
        int64_t any = 0;
        enum st_status r = store_int(s, sql, STORE_NO_VALS, &any, "checking the file", err);
        if (r == ST_OK)
            continue;
        if ((sqlite3_errcode(s->db) & 0xff) ==
            SQLITE_ERROR) /* a table missing: not the schema its version says */
            return st_err_set(err, ST_ERR_DB_CORRUPT,
                              "The database %s lacks the table %s its schema version needs: the station "
                              "has not changed it; restore the latest backup or choose another file "
                              "with --db",
                              s->path, t->name);
        return r;
    }
    return ST_OK;
}

static enum st_status newer_schema(struct store *s, int64_t version, struct st_err *err)
{
    return st_err_set(err, ST_ERR_DB_NEWER,
                      "The database %s was written by station schema %lld, this station knows up to %d: "
                      "update this station; the file was not changed",
                      s->path, (long long)version, STORE_SCHEMA_VERSION);
}

static enum st_status check_identity(struct store *s, struct st_err *err)
{
    int64_t app = 0, version = 0, objects = 0;
    const char *doing = "reading the file's header";
    enum st_status r = store_int(s, "PRAGMA application_id", STORE_NO_VALS, &app, doing, err);
    if (r == ST_OK)
        r = store_int(s, "PRAGMA user_version", STORE_NO_VALS, &version, doing, err);
    if (r == ST_OK)
        r = store_int(s, "SELECT count(*) FROM sqlite_schema", STORE_NO_VALS, &objects, doing, err);
    if (r != ST_OK)
        return r;
    if (app != STORE_APPLICATION_ID && (app != 0 || version != 0 || objects != 0))
        return st_err_set(err, ST_ERR_DB_NOT_A_DB,
                          "%s is an SQLite database of another program, not a station database: the station "
                          "has not changed it; choose the right file with --db",
                          s->path);
    if (version > STORE_SCHEMA_VERSION)
        return newer_schema(s, version, err);
    if (version >= 1)
        return probe_tables(s, version, err);
    return ST_OK;
}

static void read_text(sqlite3_stmt *st, void *item)
{
    store_col_text(st, 0, item, 256);
}

/* The one-row text answer of a PRAGMA into res (256 bytes). */
static enum st_status pragma_text(struct store *s, const char *sql, char res[256], const char *doing,
                                  struct st_err *err)
{
    res[0] = '\0';
    return store_row(s, sql, STORE_NO_VALS, read_text, res, NULL, doing, err);
}

static enum st_status set_wal(struct store *s, struct st_err *err)
{
    char mode[256];
    const char *doing = "switching to the write-ahead log";
    enum st_status r = pragma_text(s, "PRAGMA journal_mode", mode, doing, err);
    if (r == ST_OK && strcmp(mode, "wal") != 0) {
        r = pragma_text(s, "PRAGMA journal_mode=WAL", mode, doing, err);
        if (r == ST_OK && strcmp(mode, "wal") != 0)
            return st_err_set(
                err, ST_ERR_DB,
                "The database %s cannot use a write-ahead log here (journal mode %s): put it on "
                "a local disk, not a network share",
                s->path, mode);
    }
    if (r == ST_OK)
        r = store_run(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL", STORE_NO_VALS,
                      "setting up the connection", err);
    if (r == ST_OK)
        sqlite3_wal_hook(s->db, wal_hook, s);
    return r;
}

/* Inside the migration's transaction: the version is read again, as another station may have
 * migrated the file since check_identity. *from gets it. */
static enum st_status migrate_work(struct store *s, void *ctx, struct st_err *err)
{
    int64_t *from = ctx;
    enum st_status r =
        store_int(s, "PRAGMA user_version", STORE_NO_VALS, from, "reading the schema version", err);
    if (r != ST_OK)
        return r;
    if (*from > STORE_SCHEMA_VERSION)
        return newer_schema(s, *from, err);
    if (*from == STORE_SCHEMA_VERSION)
        return ST_OK; /* an empty transaction: nothing is written */
    r = store_schema_migrate(s, (int)*from, err);
    if (r == ST_OK)
        r = store_run(s, "PRAGMA application_id=" STR(STORE_APPLICATION_ID), STORE_NO_VALS,
                      "updating the schema", err);
    return r;
}

static enum st_status migrate(struct store *s, struct st_err *err)
{
    int64_t from = STORE_SCHEMA_VERSION;
    enum st_status r = store_tx(s, "updating the schema", migrate_work, &from, err);
    if (r == ST_OK && from != STORE_SCHEMA_VERSION)
        ST_INFO("store", "%s migrated from schema %lld to %d", s->path, (long long)from,
                STORE_SCHEMA_VERSION);
    return r;
}

static void remove_created(const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char p[4200];
        if ((size_t)snprintf(p, sizeof p, "%s%s", path, suffix[i]) < sizeof p)
            unlink(p);
    }
}

static enum st_status create_file(const char *path, bool *created, struct st_err *err)
{
    *created = false;
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return st_err_set(err, ST_ERR_ARG,
                              "%s is a folder, not a database file: give a file name with --db", path);
        return ST_OK;
    }
    if (errno != ENOENT)
        return st_err_set(err, ST_ERR_IO, "Cannot look at the database %s: %s", path, strerror(errno));
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        if (e == EEXIST) /* another station created it just now: open theirs */
            return ST_OK;
        if (e == ENOSPC)
            return st_err_set(err, ST_ERR_DISK_FULL,
                              "Cannot create the database %s: the disk is full; free "
                              "some space and try again",
                              path);
        if (e == EROFS || e == EACCES || e == EPERM)
            return st_err_set(err, ST_ERR_DB_READONLY,
                              "Cannot create the database %s: %s; choose a folder you "
                              "can write to with --db",
                              path, strerror(e));
        return st_err_set(err, ST_ERR_IO, "Cannot create the database %s: %s (does its folder exist?)", path,
                          strerror(e));
    }
    /* Exactly 0600, whatever the umask: a file that cannot be made private is not used for patients. */
    if (fchmod(fd, 0600) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return st_err_set(err, ST_ERR_IO,
                          "Cannot make the new database %s private to you (%s): choose a folder on a "
                          "local disk with --db",
                          path, strerror(e));
    }
    close(fd);
    *created = true;
    return ST_OK;
}

enum st_status store_open_opts(const char *path, const struct store_opts *opts, struct store **out,
                               struct st_err *err)
{
    *out = NULL;
    if (!path || !*path)
        return st_err_set(err, ST_ERR_ARG, "No database file was given: use --db PATH");
    bool created = false;
    enum st_status st = create_file(path, &created, err);
    if (st != ST_OK)
        return st;

    struct store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        if (created)
            remove_created(path);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    int rc =
        sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, opts ? opts->vfs : NULL);
    if (rc != SQLITE_OK) {
        st = store_fail(s, rc, "opening it", err);
        if ((rc & 0xff) == SQLITE_CANTOPEN && access(path, R_OK) != 0)
            st = st_err_set(err, ST_ERR_IO,
                            "Cannot open the database %s: %s; check its permissions or choose "
                            "another file with --db",
                            path, strerror(errno));
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, opts && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 2000);
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        st = fail_path(path, SQLITE_READONLY, NULL, "opening it", err);
        goto fail;
    }
    if ((st = check_identity(s, err)) != ST_OK)
        goto fail;
    if (opts && opts->quick_check) {
        char res[256];
        if ((st = pragma_text(s, "PRAGMA quick_check(1)", res, "checking the file", err)) != ST_OK)
            goto fail;
        if (strcmp(res, "ok") != 0) {
            st =
                fail_path(path, SQLITE_CORRUPT, "quick_check found a damaged page", "checking the file", err);
            goto fail;
        }
    }
    if ((st = set_wal(s, err)) != ST_OK)
        goto fail;
    if ((st = migrate(s, err)) != ST_OK)
        goto fail;
    *out = s;
    return ST_OK;

fail:
    stmt_cache_free(s);
    sqlite3_close_v2(s->db);
    if (created)
        remove_created(path);
    free(s->path);
    free(s);
    return st;
}

enum st_status store_open(const char *path, struct store **out, struct st_err *err)
{
    return store_open_opts(path, NULL, out, err);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->n_pending)
        ST_WARN("store", "%zu repetition(s) were still waiting to be written to %s when it was closed",
                s->n_pending, s->path);
    for (size_t i = 0; i < s->n_pending; i++) {
        free(s->pending[i].t_s);
        free(s->pending[i].f_n);
    }
    free(s->pending);
    stmt_cache_free(s);
    int rc = sqlite3_close_v2(s->db);
    if (rc != SQLITE_OK)
        ST_WARN("store", "closing %s: %s", s->path, sqlite3_errstr(rc));
    free(s->path);
    free(s);
}

enum st_status store_integrity_check(struct store *s, struct st_err *err)
{
    const char *doing = "checking its integrity";
    char res[256];
    enum st_status r = pragma_text(s, "PRAGMA integrity_check(1)", res, doing, err);
    if (r != ST_OK)
        return r;
    if (strcmp(res, "ok") != 0)
        return fail_path(s->path, SQLITE_CORRUPT, res, doing, err);
    bool dangling = false;
    r = store_row(s, "PRAGMA foreign_key_check", STORE_NO_VALS, read_text, res, &dangling, doing, err);
    if (r == ST_OK && dangling)
        return fail_path(s->path, SQLITE_CORRUPT, "a row points to a missing row", doing, err);
    return r;
}

const char *store_time_str(int64_t unix_s, char *buf, size_t size)
{
    if (!size)
        return buf;
    buf[0] = '\0';
    if (unix_s == 0)
        return buf;
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}
