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
/* Statements and transactions                                                                      */

int store_prep(struct store *s, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
}

int store_exec(struct store *s, const char *sql)
{
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

int store_begin(struct store *s)
{
    return store_exec(s, "BEGIN IMMEDIATE");
}

int store_commit(struct store *s)
{
    return store_exec(s, "COMMIT");
}

void store_rollback(struct store *s)
{
    if (s->db && !sqlite3_get_autocommit(s->db))
        store_exec(s, "ROLLBACK"); /* after a failed COMMIT SQLite may already have rolled back */
}

static int wal_hook(void *ctx, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    ((struct store *)ctx)->wal_frames = frames;
    return SQLITE_OK;
}

void store_after_commit(struct store *s)
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

int store_bind_double(sqlite3_stmt *st, int i, double v)
{
    return isfinite(v) ? sqlite3_bind_double(st, i, v) : sqlite3_bind_null(st, i);
}

int store_bind_text(sqlite3_stmt *st, int i, const char *text)
{
    return text && *text ? sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

double store_col_double(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

void store_col_text(sqlite3_stmt *st, int i, char *buf, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(buf, size, "%s", t ? (const char *)t : "");
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

/* One integer from a PRAGMA or query (constant SQL). */
static int query_int(struct store *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = store_prep(s, sql, &st);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            *out = 0;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
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
        sqlite3_stmt *st = NULL;
        int rc = store_prep(s, sql, &st);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW || rc == SQLITE_DONE)
                rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_OK) {
            if ((rc & 0xff) == SQLITE_ERROR) /* a table missing: the schema is not the one its version says */
                return st_err_set(err, ST_ERR_DB_CORRUPT,
                                  "The database %s lacks the table %s its schema version needs: the station "
                                  "has not changed it; restore the latest backup or choose another file "
                                  "with --db",
                                  s->path, t->name);
            return store_fail(s, rc, "checking the file", err);
        }
    }
    return ST_OK;
}

static enum st_status check_identity(struct store *s, struct st_err *err)
{
    int64_t app = 0, version = 0, objects = 0;
    int rc = query_int(s, "PRAGMA application_id", &app);
    if (rc == SQLITE_OK)
        rc = query_int(s, "PRAGMA user_version", &version);
    if (rc == SQLITE_OK)
        rc = query_int(s, "SELECT count(*) FROM sqlite_schema", &objects);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading the file's header", err);
    if (app != STORE_APPLICATION_ID && (app != 0 || version != 0 || objects != 0))
        return st_err_set(err, ST_ERR_DB_NOT_A_DB,
                          "%s is an SQLite database of another program, not a station database: the station "
                          "has not changed it; choose the right file with --db",
                          s->path);
    if (version > STORE_SCHEMA_VERSION)
        return st_err_set(err, ST_ERR_DB_NEWER,
                          "The database %s was written by station schema %lld, this station knows up to %d: "
                          "update this station; the file was not changed",
                          s->path, (long long)version, STORE_SCHEMA_VERSION);
    if (version >= 1)
        return probe_tables(s, version, err);
    return ST_OK;
}

static enum st_status set_wal(struct store *s, struct st_err *err)
{
    sqlite3_stmt *st = NULL;
    char mode[16] = "";
    int rc = store_prep(s, "PRAGMA journal_mode", &st);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_col_text(st, 0, mode, sizeof mode);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK && strcmp(mode, "wal") != 0) {
        st = NULL;
        rc = store_prep(s, "PRAGMA journal_mode=WAL", &st);
        if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            store_col_text(st, 0, mode, sizeof mode);
            rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        if (rc == SQLITE_OK && strcmp(mode, "wal") != 0)
            return st_err_set(
                err, ST_ERR_DB,
                "The database %s cannot use a write-ahead log here (journal mode %s): put it on "
                "a local disk, not a network share",
                s->path, mode);
    }
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "switching to the write-ahead log", err);
    rc = store_exec(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL");
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "setting up the connection", err);
    sqlite3_wal_hook(s->db, wal_hook, s);
    return ST_OK;
}

static enum st_status migrate(struct store *s, struct st_err *err)
{
    int rc = store_begin(s);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "opening it for writing", err);
    int64_t version = 0;
    rc = query_int(s, "PRAGMA user_version", &version); /* again: another station may have migrated */
    if (rc != SQLITE_OK) {
        store_rollback(s);
        return store_fail(s, rc, "reading the schema version", err);
    }
    if (version > STORE_SCHEMA_VERSION) {
        store_rollback(s);
        return st_err_set(err, ST_ERR_DB_NEWER,
                          "The database %s was written by station schema %lld, this station knows up to %d: "
                          "update this station; the file was not changed",
                          s->path, (long long)version, STORE_SCHEMA_VERSION);
    }
    if (version == STORE_SCHEMA_VERSION) {
        store_rollback(s);
        return ST_OK;
    }
    enum st_status st = store_schema_migrate(s, (int)version, err);
    if (st == ST_OK) {
        rc = store_exec(s, "PRAGMA application_id=" STR(STORE_APPLICATION_ID));
        if (rc == SQLITE_OK)
            rc = store_commit(s);
        if (rc != SQLITE_OK)
            st = store_fail(s, rc, "updating the schema", err);
    }
    if (st != ST_OK)
        store_rollback(s);
    else
        ST_INFO("store", "%s migrated from schema %lld to %d", s->path, (long long)version,
                STORE_SCHEMA_VERSION);
    return st;
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
    fchmod(fd, 0600); /* exactly 0600, whatever the umask */
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
        sqlite3_stmt *q = NULL;
        char res[256] = "";
        rc = store_prep(s, "PRAGMA quick_check(1)", &q);
        if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            store_col_text(q, 0, res, sizeof res);
            rc = SQLITE_OK;
        }
        sqlite3_finalize(q);
        if (rc != SQLITE_OK) {
            st = store_fail(s, rc, "checking the file", err);
            goto fail;
        }
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
    int rc = sqlite3_close_v2(s->db);
    if (rc != SQLITE_OK)
        ST_WARN("store", "closing %s: %s", s->path, sqlite3_errstr(rc));
    free(s->path);
    free(s);
}

enum st_status store_integrity_check(struct store *s, struct st_err *err)
{
    sqlite3_stmt *st = NULL;
    char res[512] = "";
    int rc = store_prep(s, "PRAGMA integrity_check(1)", &st);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_col_text(st, 0, res, sizeof res);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "checking its integrity", err);
    if (strcmp(res, "ok") != 0)
        return fail_path(s->path, SQLITE_CORRUPT, res, "checking its integrity", err);
    sqlite3_stmt *fk = NULL;
    rc = store_prep(s, "PRAGMA foreign_key_check", &fk);
    if (rc == SQLITE_OK && (rc = sqlite3_step(fk)) == SQLITE_ROW) {
        sqlite3_finalize(fk);
        return fail_path(s->path, SQLITE_CORRUPT, "a row points to a missing row", "checking its integrity",
                         err);
    }
    sqlite3_finalize(fk);
    if (rc != SQLITE_DONE && rc != SQLITE_OK)
        return store_fail(s, rc, "checking its integrity", err);
    return ST_OK;
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

enum st_status store_rows_by_id(struct store *s, const char *sql, int64_t id, size_t elem,
                                void (*read)(sqlite3_stmt *st, void *item), void **out, size_t *n,
                                const char *doing, struct st_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    unsigned char *arr = NULL;
    size_t len = 0, cap = 0;
    int rc = store_prep(s, sql, &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            unsigned char *na = store_grow(arr, &cap, len, elem);
            if (!na) {
                rc = SQLITE_NOMEM;
                break;
            }
            arr = na;
            memset(arr + len * elem, 0, elem);
            read(st, arr + len * elem);
            len++;
        }
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        free(arr);
        return store_fail(s, rc, doing, err);
    }
    *out = arr;
    *n = len;
    return ST_OK;
}
