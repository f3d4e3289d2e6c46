/*
 * test_store_faults.c - the store against hostile files and failing disks.
 *
 *  - Hostile files: locked by another connection's write transaction, read-only (as an unprivileged
 *    user in a forked child, since root ignores permissions), corrupt pages after a valid header, a
 *    text file, another program's SQLite file, a newer schema. Each gets its own status and a message
 *    naming the file, and the file is byte-identical afterwards.
 *  - Fault injection in the manner of SQLite's test_vfs.c: a shim VFS over the default one fails the
 *    n-th xWrite/xSync, once (transient) or from then on (persistent, like a full disk), for every n
 *    over a sequence of rep writes. Afterwards: no crash, every rep reported saved is there with all
 *    its samples, every other rep waited in the pending queue and landed once the fault cleared, no
 *    half rep, integrity_check ok, and the message said what happened.
 *  - A real full disk: a 1 MiB tmpfs mounted in a private mount namespace of a forked child (so it
 *    vanishes with the child); where mounting is not permitted the shim stands in and says so.
 *  - Power loss, SQLite's way (its crash tests in spirit): the same shim keeps an undo log of every
 *    write and truncate not yet synced, file by file; at the n-th write or sync the power fails (that
 *    call and every later one fails, as a dead disk), the station is closed, and every unsynced change
 *    is undone on the real files, as the disk's cache would have lost it. Reopened: every rep reported
 *    saved is there with all its samples, integrity_check is ok, no half rep, for every n.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "common/log.h"
#include "station/export/rep_json.h"
#include "station/store/store_internal.h"
#include "store_fixture.h"

/* ------------------------------------------------------------------------------------------------ */
/* The fault-injecting VFS                                                                          */

struct fault_file {
    sqlite3_file base;
    int pf;             /* its power-loss record (power.files), -1: none */
    sqlite3_file *real; /* follows this struct in the same allocation */
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;
static struct {
    long countdown;  /* > 0: the countdown-th next write/sync fails; 0: off */
    bool persistent; /* keep failing after the first failure */
    bool failing;    /* persistent mode has triggered */
    int rc;          /* the error to return: SQLITE_FULL or SQLITE_IOERR_WRITE */
    long ops;        /* writes and syncs seen */
    long hits;       /* failures injected */
} fault;

static void fault_arm(long n, bool persistent, int rc)
{
    fault.countdown = n;
    fault.persistent = persistent;
    fault.failing = false;
    fault.rc = rc;
    fault.hits = 0;
}

static void fault_clear(void)
{
    fault.countdown = 0;
    fault.failing = false;
}

static bool fault_now(void)
{
    fault.ops++;
    if (fault.failing) {
        fault.hits++;
        return true;
    }
    if (fault.countdown > 0 && --fault.countdown == 0) {
        fault.hits++;
        fault.failing = fault.persistent;
        return true;
    }
    return false;
}

/* Power loss: while on, every write and truncate records what it overwrites (an undo entry), a sync
 * forgets its file's entries (they reached the disk); power_fail_restore undoes what is left. */
#define POWER_FILES 16
struct power_undo {
    int file;
    sqlite3_int64 off;
    int n;
    unsigned char *old;
};
static struct {
    bool on;
    long countdown; /* > 0: the power fails at the countdown-th next write or sync */
    bool dead;      /* it failed: every write, sync, truncate and delete fails from then on */
    long ops;       /* writes and syncs seen while armed */
    struct {
        char name[600];
        sqlite3_int64 synced; /* the size the disk holds */
    } files[POWER_FILES];
    int nfiles;
    struct power_undo *undo;
    size_t nundo, cap;
} power;

#define REAL(f) (((struct fault_file *)(f))->real)

static bool power_now(void)
{
    power.ops++;
    if (!power.dead && power.countdown > 0 && --power.countdown == 0)
        power.dead = true;
    return power.dead;
}

/* Keeps what [off, off + n) of f holds now (the part inside the file), to put it back on power loss. */
static void power_keep(sqlite3_file *f, sqlite3_int64 off, sqlite3_int64 n)
{
    int pf = ((struct fault_file *)f)->pf;
    sqlite3_int64 size = 0;
    if (pf < 0 || REAL(f)->pMethods->xFileSize(REAL(f), &size) != SQLITE_OK || off >= size)
        return;
    if (n > size - off)
        n = size - off;
    if (power.nundo == power.cap) {
        power.cap = power.cap ? 2 * power.cap : 256;
        power.undo = realloc(power.undo, power.cap * sizeof *power.undo);
        REQUIRE(power.undo);
    }
    struct power_undo *u = &power.undo[power.nundo++];
    u->file = pf;
    u->off = off;
    u->n = (int)n;
    u->old = malloc((size_t)n);
    REQUIRE(u->old);
    REQUIRE(REAL(f)->pMethods->xRead(REAL(f), u->old, (int)n, off) == SQLITE_OK);
}

/* What the disk holds of file pf is now what the file holds: its undo entries go. */
static void power_synced(int pf, sqlite3_int64 size)
{
    size_t k = 0;
    for (size_t i = 0; i < power.nundo; i++) {
        if (power.undo[i].file == pf)
            free(power.undo[i].old);
        else
            power.undo[k++] = power.undo[i];
    }
    power.nundo = k;
    power.files[pf].synced = size;
}

static void power_forget(void)
{
    for (size_t i = 0; i < power.nundo; i++)
        free(power.undo[i].old);
    power.nundo = 0;
}

/* From now on: the files as they are count as on the disk; the power fails at the n-th write or sync
 * (n = 0: never, to count them). */
static void power_arm(long n)
{
    power_forget();
    for (int i = 0; i < power.nfiles; i++) {
        struct stat st;
        power.files[i].synced = stat(power.files[i].name, &st) == 0 ? (sqlite3_int64)st.st_size : 0;
    }
    power.countdown = n;
    power.dead = false;
    power.ops = 0;
}

/* After the power failed and the connection is closed: every change not synced is undone on the real
 * files, newest first, and each file cut to the size the disk held. */
static void power_fail_restore(void)
{
    for (size_t i = power.nundo; i-- > 0;) {
        const struct power_undo *u = &power.undo[i];
        int fd = open(power.files[u->file].name, O_WRONLY);
        if (fd >= 0) {
            CHECK(pwrite(fd, u->old, (size_t)u->n, u->off) == u->n);
            close(fd);
        }
    }
    power_forget();
    for (int i = 0; i < power.nfiles; i++) {
        struct stat st;
        if (stat(power.files[i].name, &st) == 0)
            CHECK(truncate(power.files[i].name, power.files[i].synced) == 0);
    }
    power.on = false;
    power.nfiles = 0;
}

static int f_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}
static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}
static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    if (power.on) {
        if (power_now())
            return SQLITE_IOERR_WRITE;
        power_keep(f, off, n);
    } else if (fault_now())
        return fault.rc;
    return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    if (power.on) {
        if (power.dead)
            return SQLITE_IOERR_TRUNCATE;
        power_keep(f, size, INT32_MAX); /* the tail it cuts */
    }
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
/* A sync that does not fail returns at once without reaching the disk: this test is about failing
 * calls, not power loss (WAL + synchronous=FULL covers that), and skipping the fsyncs keeps its
 * hundreds of runs fast on a busy machine. */
static int f_sync(sqlite3_file *f, int flags)
{
    (void)flags;
    if (power.on) {
        if (power_now())
            return SQLITE_IOERR_FSYNC;
        sqlite3_int64 size = 0;
        int pf = ((struct fault_file *)f)->pf;
        if (pf >= 0 && REAL(f)->pMethods->xFileSize(REAL(f), &size) == SQLITE_OK)
            power_synced(pf, size);
        return SQLITE_OK;
    }
    if (fault_now())
        return fault.rc == SQLITE_FULL ? SQLITE_FULL : SQLITE_IOERR_FSYNC;
    return SQLITE_OK;
}
static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int f_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int f_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int f_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int f_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int f_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int f_devchar(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int f_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}
static int f_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void f_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int f_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
    return REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}
static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods fault_io = {
    3,          f_close,       f_read,      f_write,   f_truncate, f_sync,    f_size,
    f_lock,     f_unlock,      f_reserved,  f_control, f_sector,   f_devchar, f_shm_map,
    f_shm_lock, f_shm_barrier, f_shm_unmap, f_fetch,   f_unfetch,
};

static int fault_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
    (void)vfs;
    struct fault_file *ff = (struct fault_file *)file;
    ff->real = (sqlite3_file *)(ff + 1);
    ff->pf = -1;
    if (power.on && name) { /* a file with a name: its record, found again when it is reopened */
        for (int i = 0; i < power.nfiles && ff->pf < 0; i++)
            if (strcmp(power.files[i].name, name) == 0)
                ff->pf = i;
        if (ff->pf < 0 && power.nfiles < POWER_FILES) {
            ff->pf = power.nfiles++;
            snprintf(power.files[ff->pf].name, sizeof power.files[ff->pf].name, "%s", name);
            struct stat st; /* a new file holds nothing on the disk until it is synced */
            power.files[ff->pf].synced = stat(name, &st) == 0 ? (sqlite3_int64)st.st_size : 0;
        }
    }
    int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
    file->pMethods = rc == SQLITE_OK && ff->real->pMethods ? &fault_io : NULL;
    return rc;
}

/* A dead disk deletes nothing either (a -wal file going after the power failed would be a write). */
static int fault_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    if (power.on && power.dead)
        return SQLITE_IOERR_DELETE;
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static void fault_vfs_register(void)
{
    if (real_vfs)
        return;
    real_vfs = sqlite3_vfs_find(NULL);
    fault_vfs = *real_vfs;
    fault_vfs.zName = "fault";
    fault_vfs.szOsFile = (int)sizeof(struct fault_file) + real_vfs->szOsFile;
    fault_vfs.xOpen = fault_open;
    fault_vfs.xDelete = fault_delete;
    fault_vfs.pNext = NULL;
    REQUIRE(sqlite3_vfs_register(&fault_vfs, 0) == SQLITE_OK);
}

/* ------------------------------------------------------------------------------------------------ */
/* Helpers                                                                                          */

/* A healthy station database with one patient, session and rep; closed. */
static void make_db(const char *path)
{
    struct store *s = fix_reopen(path);
    struct st_err err;
    int64_t pid = fix_patient(s, "Hostile");
    int64_t sid = fix_session(s, pid, "supine-0", "SN-1", 1700000000);
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    struct store_rep r;
    for (int i = 1; i <= 6; i++) {
        fix_rep(&r, i, ST_DIR_ADD, ST_SIDE_LEFT, 200 + i, 0.8, 70, t, f, FIX_SAMPLES);
        CHECK_OK(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, NULL, &err), &err);
    }
    store_close(s);
}

/* Opens path expecting `want`; checks the message names the file and says `say`, and that the file is
 * byte-identical afterwards. */
static void expect_refused(const char *path, const struct store_opts *opts, enum st_status want,
                           const char *say)
{
    size_t n0 = 0, n1 = 0;
    unsigned char *before = fix_read_file(path, &n0);
    REQUIRE(before);
    struct store *s = (struct store *)1;
    struct st_err err;
    st_err_clear(&err);
    enum st_status st = store_open_opts(path, opts, &s, &err);
    if (st != want)
        check_fail(__FILE__, __LINE__, "%s: status %s, want %s (%s)", path, st_status_name(st),
                   st_status_name(want), err.msg);
    CHECK(s == NULL);
    if (!strstr(err.msg, path) || !strstr(err.msg, say))
        check_fail(__FILE__, __LINE__, "message \"%s\" should name the file and say \"%s\"", err.msg, say);
    unsigned char *after = fix_read_file(path, &n1);
    CHECK(fix_same(before, n0, after, n1));
    free(before);
    free(after);
}

/* Runs fn in a forked child; returns the child's exit status (0 = all its checks passed). */
static int in_child(int (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn(arg));
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 100;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}

/* ------------------------------------------------------------------------------------------------ */
/* Hostile files                                                                                    */

static void test_faults_locked(void)
{
    char path[512];
    check_tmppath(path, sizeof path, "locked.db");
    make_db(path);
    sqlite3 *other = NULL;
    REQUIRE(sqlite3_open(path, &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other,
                         "BEGIN IMMEDIATE; INSERT INTO therapists(uuid, name, created) "
                         "VALUES('x', 'other station', 0)",
                         NULL, NULL, NULL) == SQLITE_OK);
    struct store_opts o = {.busy_timeout_ms = 100};
    expect_refused(path, &o, ST_ERR_DB_LOCKED, "in use by another station");
    /* A fresh file cannot be locked, but a station that holds the file while another writes waits:
     * once the other station commits, the open succeeds. */
    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(other);
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open_opts(path, &o, &s, &err), &err);
    store_close(s);
}

static int readonly_child(void *arg)
{
    const char *path = arg;
    if (getuid() == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0) {
            fprintf(stderr, "readonly: cannot drop privileges (%s)\n", strerror(errno));
            return 3;
        }
    }
    /* Make sure the read-only path is real: this user cannot open the file for writing. */
    int fd = open(path, O_RDWR);
    if (fd >= 0 || errno != EACCES) {
        fprintf(stderr, "readonly: the file is writable for uid %d: the test would prove nothing\n",
                (int)getuid());
        if (fd >= 0)
            close(fd);
        return 4;
    }
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "readonly: uid %d cannot even read %s\n", (int)getuid(), path);
        return 5;
    }
    int before = check_failures;
    expect_refused(path, NULL, ST_ERR_DB_READONLY, "read-only");
    return check_failures == before ? 0 : 1;
}

static void test_faults_readonly(void)
{
    char dir[512], path[600];
    check_tmppath(dir, sizeof dir, "ro");
    REQUIRE(mkdir(dir, 0755) == 0);
    snprintf(path, sizeof path, "%s/readonly.db", dir);
    make_db(path);
    /* The unprivileged user must reach the file (mkdtemp made our folder 0700) and read it, not write. */
    REQUIRE(chmod(check_tmpdir(), 0711) == 0);
    REQUIRE(chmod(path, 0444) == 0);
    size_t n0 = 0, n1 = 0;
    unsigned char *before = fix_read_file(path, &n0);
    int rc = in_child(readonly_child, path);
    if (rc == 5) /* TMPDIR lies under a folder the unprivileged user cannot enter */
        fprintf(stderr, "readonly: SKIPPED: uid 65534 cannot reach %s; set TMPDIR=/tmp to run this check\n",
                check_tmpdir());
    else
        CHECK_INT(rc, 0);
    unsigned char *after = fix_read_file(path, &n1);
    CHECK(fix_same(before, n0, after, n1));
    free(before);
    free(after);
    chmod(check_tmpdir(), 0700);
}

static void test_faults_corrupt(void)
{
    char path[512];
    check_tmppath(path, sizeof path, "corrupt.db");
    make_db(path);
    /* Keep page 1 (the header and the schema), overwrite every later page with garbage. */
    size_t n = 0;
    unsigned char *b = fix_read_file(path, &n);
    REQUIRE(b && n > 8192);
    unsigned page = (unsigned)b[16] << 8 | b[17];
    if (page == 1)
        page = 65536;
    REQUIRE(page >= 512 && n > page);
    uint32_t x = 12345;
    for (size_t i = page; i < n; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (unsigned char)(x >> 16);
    }
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    CHECK(fwrite(b, 1, n, f) == n);
    fclose(f);
    free(b);
    expect_refused(path, NULL, ST_ERR_DB_CORRUPT, "damaged");
    struct store *s = NULL;
    struct st_err err;
    store_open(path, &s, &err);
    CHECK(strstr(err.msg, "backup") != NULL);
    CHECK(strstr(err.msg, "has not changed it") != NULL);
    store_close(s);
}

static void test_faults_not_a_db(void)
{
    char path[512];
    check_tmppath(path, sizeof path, "notes.txt");
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    for (int i = 0; i < 200; i++)
        fprintf(f, "This is a text file, line %d, not a database.\n", i);
    fclose(f);
    expect_refused(path, NULL, ST_ERR_DB_NOT_A_DB, "is not a station database");

    /* Another program's SQLite file: refused too, and not "migrated" into a station database. */
    check_tmppath(path, sizeof path, "other-app.db");
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL);"
                       "INSERT INTO invoices(total) VALUES(12.5)",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    expect_refused(path, NULL, ST_ERR_DB_NOT_A_DB, "another program");

    /* A file from a newer station. */
    check_tmppath(path, sizeof path, "newer.db");
    make_db(path);
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", STORE_SCHEMA_VERSION + 1);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    expect_refused(path, NULL, ST_ERR_DB_NEWER, "update this station");

    /* A folder, a file in a folder that does not exist. */
    struct store *s = NULL;
    struct st_err err;
    CHECK_INT(store_open(check_tmpdir(), &s, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "folder") != NULL);
    check_tmppath(path, sizeof path, "no/such/folder/x.db");
    CHECK_INT(store_open(path, &s, &err), ST_ERR_IO);
    CHECK(strstr(err.msg, path) != NULL);
}

/* ------------------------------------------------------------------------------------------------ */
/* Fault injection                                                                                  */

#define FAULT_REPS 4

/* Every rep of the session: present once, with all its samples, in order of sequence. */
static void verify_reps(struct store *s, int64_t sid, int want, const double *t, double base_peak)
{
    struct st_err err;
    struct store_rep *list = NULL;
    size_t n = 0;
    CHECK_OK(store_rep_list(s, sid, &list, &n, &err), &err);
    CHECK_INT(n, want);
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(list[i].sequence, (int)i + 1);
        CHECK_INT(list[i].n_samples, FIX_SAMPLES);
        double *ts = NULL, *fs = NULL;
        size_t m = 0;
        CHECK_OK(store_rep_samples(s, list[i].id, &ts, &fs, &m, &err), &err);
        CHECK_INT(m, FIX_SAMPLES);
        static double f[FIX_SAMPLES], tt[FIX_SAMPLES];
        fix_trace(base_peak + list[i].sequence, FIX_SAMPLES, tt, f);
        CHECK(ts && fs && memcmp(ts, t, FIX_SAMPLES * sizeof(double)) == 0 &&
              memcmp(fs, f, FIX_SAMPLES * sizeof(double)) == 0);
        free(ts);
        free(fs);
    }
    free(list);
    /* No half rep: every rep has its samples row and every samples row its rep. */
    sqlite3_stmt *st = NULL;
    REQUIRE(sqlite3_prepare_v2(
                s->db,
                "SELECT (SELECT count(*) FROM repetitions r LEFT JOIN rep_samples x ON x.rep_id = r.id"
                " WHERE x.rep_id IS NULL) + (SELECT count(*) FROM rep_samples x LEFT JOIN"
                " repetitions r ON r.id = x.rep_id WHERE r.id IS NULL)",
                -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    CHECK_OK(store_integrity_check(s, &err), &err);
}

/* The file every fault run starts from: a new database with a patient and a session, made once
 * (without faults) and copied for each run. Creating a file runs every schema migration (a few hundred
 * statements, each ALTER TABLE re-reading the whole schema: 60 ms of CPU, 4x that under ASan), and the
 * runs number in the hundreds; what a run tests starts after this point. */
static struct {
    unsigned char *bytes;
    size_t n;
    int64_t sid;
} fault_template;

/* A new file named name (its path into path) on the fault-injecting VFS (no fault armed) with a
 * patient and a session (*sid). */
static struct store *fault_store(const char *name, char *path, size_t size, int64_t *sid)
{
    fault_vfs_register();
    fault_clear();
    struct store_opts o = {.vfs = "fault"};
    struct store *s = NULL;
    struct st_err err;
    if (!fault_template.bytes) {
        char tpath[512], wal[600];
        check_tmppath(tpath, sizeof tpath, "fault-template.db");
        CHECK_OK(store_open_opts(tpath, &o, &s, &err), &err);
        REQUIRE(s);
        fault_template.sid = fix_session(s, fix_patient(s, "Fault Template"), "supine-0", "SN-F", 1700000000);
        store_close(s); /* the last connection: its WAL is checkpointed into the file and removed */
        snprintf(wal, sizeof wal, "%s-wal", tpath);
        REQUIRE(access(wal, F_OK) != 0);
        fault_template.bytes = fix_read_file(tpath, &fault_template.n);
        REQUIRE(fault_template.bytes && fault_template.n > 0);
    }
    check_tmppath(path, size, name);
    FILE *f = fopen(path, "wbx");
    REQUIRE(f);
    REQUIRE(fwrite(fault_template.bytes, 1, fault_template.n, f) == fault_template.n);
    REQUIRE(fclose(f) == 0);
    REQUIRE(chmod(path, 0600) == 0);
    CHECK_OK(store_open_opts(path, &o, &s, &err), &err);
    REQUIRE(s);
    *sid = fault_template.sid;
    return s;
}

/* One run: a fresh file set up without faults, then FAULT_REPS rep writes with the fault armed at
 * op n. Returns the number of write/sync operations the rep writes took (for sizing the loop). */
static long fault_run(long n, bool persistent, int rc, int *saved_out, int *kept_out)
{
    static int run;
    char path[512], name[64];
    snprintf(name, sizeof name, "fault-%d.db", run++);
    int64_t sid = 0;
    struct store *s = fault_store(name, path, sizeof path, &sid);
    struct store_opts o = {.vfs = "fault"};
    struct st_err err;
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    struct store_rep r;
    fault.ops = 0;
    if (n > 0)
        fault_arm(n, persistent, rc);
    int saved = 0, kept = 0;
    for (int i = 1; i <= FAULT_REPS; i++) {
        fix_rep(&r, i, ST_DIR_ABD, ST_SIDE_RIGHT, 300 + i, 0.8, 70, t, f, FIX_SAMPLES);
        size_t pending_before = store_pending_count(s);
        int64_t id = -1;
        st_err_clear(&err);
        enum st_status st = store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, &id, &err);
        if (st == ST_OK) {
            saved++;
            CHECK(id > 0);
            CHECK_INT(store_pending_count(s), 0); /* saving a rep writes the waiting ones first */
        } else {
            kept++;
            CHECK_INT(id, 0);
            CHECK(st == ST_ERR_DISK_FULL || st == ST_ERR_IO);
            CHECK_INT(store_pending_count(s), pending_before + 1);
            char want[64];
            snprintf(want, sizeof want, "repetition %d is kept in memory", i);
            if (!strcasestr(err.msg, want) || !strstr(err.msg, path))
                check_fail(__FILE__, __LINE__, "unclear message: %s", err.msg);
            if (st == ST_ERR_DISK_FULL && !strstr(err.msg, "disk is full"))
                check_fail(__FILE__, __LINE__, "a full disk should be named: %s", err.msg);
        }
    }
    long ops = fault.ops;
    fault_clear();
    CHECK_OK(store_flush_pending(s, &err), &err);
    CHECK_INT(store_pending_count(s), 0);
    fix_trace(0, FIX_SAMPLES, t, f); /* t is the same for every rep */
    verify_reps(s, sid, FAULT_REPS, t, 300);
    store_close(s);
    /* And in the file: a fresh connection sees the same. */
    CHECK_OK(store_open_opts(path, &o, &s, &err), &err);
    REQUIRE(s);
    verify_reps(s, sid, FAULT_REPS, t, 300);
    store_close(s);
    if (saved_out)
        *saved_out = saved;
    if (kept_out)
        *kept_out = kept;
    return ops;
}

static void test_faults_nth_write(void)
{
    fault_vfs_register();
    long total = fault_run(0, false, SQLITE_FULL, NULL, NULL);
    CHECK(total > FAULT_REPS); /* at least a write and a sync per rep */
    int kept_any = 0, runs = 0;
    /* A full disk stays full (persistent); an I/O error may be a one-off (transient). */
    const struct {
        int rc;
        bool persistent;
    } kinds[] = {{SQLITE_FULL, true}, {SQLITE_IOERR_WRITE, false}};
    enum st_log_level level = st_log_get_level();
    st_log_set_level(ST_LOG_ERROR); /* the store warns about every kept rep: hundreds here */
    for (int c = 0; c < 2; c++)
        for (long n = 1; n <= total + 1; n++) {
            int saved = 0, kept = 0;
            fault_run(n, kinds[c].persistent, kinds[c].rc, &saved, &kept);
            CHECK_INT(saved + kept, FAULT_REPS);
            if (n <= total)
                CHECK(fault.hits >= 1 || kept == 0);
            kept_any += kept;
            runs++;
        }
    st_log_set_level(level);
    fprintf(stderr,
            "fault injection: %d runs over %ld write/sync operations, %d reps kept in memory and "
            "written later\n",
            runs, total, kept_any);
    CHECK(kept_any > 0); /* the faults really hit rep writes */
}

/* ------------------------------------------------------------------------------------------------ */
/* A real full disk                                                                                 */

static int disk_full_scenario(const char *dir, bool shim)
{
    int before = check_failures;
    char path[600], fill[600], out[600], bad_out[600];
    snprintf(path, sizeof path, "%s/station.db", dir);
    snprintf(fill, sizeof fill, "%s/filler", dir);
    check_tmppath(out, sizeof out, "pending-export.json");
    snprintf(bad_out, sizeof bad_out, "%s/pending-export.json", dir);
    struct store_opts o = {.vfs = shim ? "fault" : NULL};
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open_opts(path, &o, &s, &err), &err);
    if (!s)
        return 1;
    int64_t pid = fix_patient(s, "Full Disk");
    int64_t sid = fix_session(s, pid, "supine-0", "SN-D", 1700000000);
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    struct store_rep r;
    int64_t id = 0;
    fix_rep(&r, 1, ST_DIR_ADD, ST_SIDE_LEFT, 301, 0.8, 70, t, f, FIX_SAMPLES);
    CHECK_OK(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, &id, &err), &err); /* saved before the disk fills */

    /* Fill the disk. */
    if (shim) {
        fault_vfs_register();
        fault_arm(1, true, SQLITE_FULL);
    } else {
        int fd = open(fill, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        CHECK(fd >= 0);
        char block[4096];
        memset(block, 0xaa, sizeof block);
        while (write(fd, block, sizeof block) > 0) {
        }
        while (write(fd, block, 1) > 0) {
        }
        CHECK(errno == ENOSPC);
        close(fd);
    }
    /* The next reps cannot be written: kept in memory, each with a clear message. */
    for (int i = 2; i <= 4; i++) {
        fix_rep(&r, i, ST_DIR_ADD, ST_SIDE_LEFT, 300 + i, 0.8, 70, t, f, FIX_SAMPLES);
        st_err_clear(&err);
        CHECK_INT(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, &id, &err), ST_ERR_DISK_FULL);
        char want[64];
        snprintf(want, sizeof want, "The disk is full: repetition %d is kept in memory", i);
        if (!strstr(err.msg, want))
            check_fail(__FILE__, __LINE__, "unclear message: %s", err.msg);
        CHECK_INT(store_pending_count(s), (size_t)i - 1);
    }
    CHECK_INT(store_flush_pending(s, &err), ST_ERR_DISK_FULL);
    CHECK(strstr(err.msg, "3 repetition(s) are kept in memory") != NULL);
    /* Export the waiting reps: onto the full disk fails clearly; elsewhere works. */
    if (!shim) {
        enum st_status st = export_pending_json(s, bad_out, &err);
        CHECK(st == ST_ERR_DISK_FULL || st == ST_ERR_IO);
        CHECK(strstr(err.msg, bad_out) != NULL);
    }
    CHECK_OK(export_pending_json(s, out, &err), &err);
    CHECK(fix_file_contains(out, "\"station-pending-repetitions\""));
    CHECK(fix_file_contains(out, "\"sequence\": 4"));
    CHECK(fix_file_contains(out, "\"force_n\""));
    CHECK(fix_file_contains(out, "\"peak_n\": 303"));
    CHECK_INT(store_pending_count(s), 3); /* exporting keeps them waiting */

    /* Space returns: the waiting reps land. */
    if (shim)
        fault_clear();
    else
        CHECK(unlink(fill) == 0);
    CHECK_OK(store_flush_pending(s, &err), &err);
    CHECK_INT(store_pending_count(s), 0);
    fix_trace(0, FIX_SAMPLES, t, f);
    verify_reps(s, sid, 4, t, 300);
    store_close(s);
    CHECK_OK(store_open(path, &s, &err), &err);
    if (s) {
        verify_reps(s, sid, 4, t, 300);
        store_close(s);
    }
    return check_failures == before ? 0 : 1;
}

static int tmpfs_child(void *arg)
{
    const char *dir = arg;
    if (getenv("STATION_TEST_NO_MOUNT")) { /* to try the fallback by hand */
        errno = EPERM;
        fprintf(stderr, "full disk: STATION_TEST_NO_MOUNT is set: using the fault-injecting VFS instead\n");
        return disk_full_scenario(dir, true);
    }
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700") != 0) {
        fprintf(stderr,
                "full disk: cannot mount a small tmpfs here (%s): using the fault-injecting VFS "
                "instead\n",
                strerror(errno));
        return disk_full_scenario(dir, true);
    }
    fprintf(stderr, "full disk: a 1 MiB tmpfs in a private mount namespace\n");
    return disk_full_scenario(dir, false);
}

static void test_faults_full_disk(void)
{
    char dir[512];
    check_tmppath(dir, sizeof dir, "small-disk");
    REQUIRE(mkdir(dir, 0700) == 0);
    fault_vfs_register(); /* before the fork, so the child's fallback can use it */
    CHECK_INT(in_child(tmpfs_child, dir), 0);
}

/* A decision on a rep still waiting in the pending queue (the disk is full) is applied when the rep is
 * written: the stored status, counts and ratio equal the screen's, and the audit row is there. Before
 * store_rep_decide the waiting rep was written with its old status, so the rejected best ADD still
 * counted in the file. */
static void test_faults_decision_on_waiting_rep(void)
{
    struct st_err err;
    int64_t sid = 0;
    char path[512];
    struct store *s = fault_store("decide.db", path, sizeof path, &sid);
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    /* The screen's view: ADD 200 and ABD 250 saved; then, with the disk full, ADD 260 and ABD 240 wait. */
    const struct {
        enum st_dir dir;
        double peak;
        bool written;
    } plan[] = {
        {ST_DIR_ADD, 200, true}, {ST_DIR_ABD, 250, true}, {ST_DIR_ADD, 260, false}, {ST_DIR_ABD, 240, false}};
    enum { N = sizeof plan / sizeof plan[0] };
    struct store_rep screen[N];
    for (int i = 0; i < N; i++) {
        if (!plan[i].written && !fault.failing)
            fault_arm(1, true, SQLITE_FULL);
        fix_rep(&screen[i], i + 1, plan[i].dir, ST_SIDE_LEFT, plan[i].peak, 0.8, 70, t, f, FIX_SAMPLES);
        store_uuid_new(screen[i].uuid);
        enum st_status st = store_rep_add(s, sid, &screen[i], t, f, FIX_SAMPLES, NULL, &err);
        CHECK_INT(st, plan[i].written ? ST_OK : ST_ERR_DISK_FULL);
    }
    CHECK_INT(store_pending_count(s), 2);
    /* The therapist rejects the waiting best ADD (rep 3) on the screen. */
    screen[2].status = STORE_REP_REJECTED;
    screen[2].counts = false;
    CHECK_OK(store_rep_decide(s, screen[2].uuid, STORE_REP_REJECTED, false, 0, "reject", &err), &err);
    char missing[STORE_UUID_SIZE];
    store_uuid_new(missing);
    CHECK_INT(store_rep_decide(s, missing, STORE_REP_REJECTED, false, 0, NULL, &err), ST_ERR_NOT_FOUND);
    /* Pain and a note entered in the window (N): on waiting rep 4, and on rep 1 in the file; a pain
     * off the scale, a note that is not text and an unknown rep are refused in words. */
    CHECK_OK(store_rep_annotate(s, screen[3].uuid, 4, "hip hurt at the end", 0, &err), &err);
    CHECK_INT(store_rep_annotate(s, screen[0].uuid, 2, "", 0, &err), ST_ERR_DISK_FULL); /* the screen says so */
    CHECK_INT(store_rep_annotate(s, screen[0].uuid, 11, "", 0, &err), ST_ERR_ARG);
    CHECK(strstr(st_err_msg(&err), "0-10") != NULL);
    CHECK_INT(store_rep_annotate(s, screen[0].uuid, 1, "bad \xff byte", 0, &err), ST_ERR_ARG);
    CHECK(strncmp(st_err_msg(&err), "Note", 4) == 0);
    CHECK_INT(store_rep_annotate(s, missing, 1, "", 0, &err), ST_ERR_NOT_FOUND);
    screen[3].pain = 4;
    screen[0].pain = 2;
    /* The disk is freed: the queue is written. */
    fault_clear();
    CHECK_OK(store_flush_pending(s, &err), &err);
    CHECK_INT(store_pending_count(s), 0);
    CHECK_OK(store_rep_annotate(s, screen[0].uuid, 2, "", 0, &err), &err); /* tried again, with room */
    CHECK_OK(store_rep_annotate(s, screen[0].uuid, 2, "", 0, &err), &err); /* unchanged: no audit row */

    struct store_rep *stored = NULL;
    size_t n = 0;
    CHECK_OK(store_rep_list(s, sid, &stored, &n, &err), &err);
    REQUIRE(n == N);
    for (int i = 0; i < N; i++) {
        CHECK_STR(stored[i].uuid, screen[i].uuid);
        CHECK_INT(stored[i].status, screen[i].status);
        CHECK_INT(stored[i].counts, screen[i].counts);
        CHECK_INT(stored[i].pain, screen[i].pain);
    }
    CHECK_STR(stored[3].note, "hip hurt at the end");
    /* The pain and the note of the waiting rep are in the audit trail, written with it; rep 1's
     * pain once (the same values again changed nothing). */
    const struct {
        int rep;
        size_t rows;
        const char *field, *old_value, *new_value;
    } audited[] = {{3, 2, "pain", "", "4"}, {0, 1, "pain", "", "2"}};
    for (size_t k = 0; k < sizeof audited / sizeof audited[0]; k++) {
        struct store_audit *au = NULL;
        size_t nau = 0;
        CHECK_OK(store_audit_list(s, screen[audited[k].rep].uuid, &au, &nau, &err), &err);
        REQUIRE(nau == audited[k].rows);
        CHECK_STR(au[0].action, "edit");
        CHECK_STR(au[0].field, audited[k].field);
        CHECK_STR(au[0].old_value, audited[k].old_value);
        CHECK_STR(au[0].new_value, audited[k].new_value);
        if (nau == 2)
            CHECK_STR(au[1].new_value, "hip hurt at the end");
        free(au);
    }
    struct bal_rep bs[N], bf[N];
    store_reps_to_balance(screen, N, bs);
    store_reps_to_balance(stored, N, bf);
    struct bal_params params = bal_params_default();
    struct bal_result on_screen, in_file;
    bal_compute(bs, N, &params, &on_screen);
    bal_compute(bf, N, &params, &in_file);
    CHECK_NEAR(in_file.ratio[ST_SIDE_LEFT], on_screen.ratio[ST_SIDE_LEFT], 1e-12);
    CHECK_NEAR(on_screen.ratio[ST_SIDE_LEFT], 200.0 / 250.0, 0.01); /* rep 3's 260 N does not count */
    CHECK_INT(in_file.cell[ST_DIR_ADD][ST_SIDE_LEFT].n, 1);
    /* The decision is in the audit trail, written with the rep. */
    struct store_audit *a = NULL;
    size_t na = 0;
    CHECK_OK(store_audit_list(s, screen[2].uuid, &a, &na, &err), &err);
    REQUIRE(na == 1);
    CHECK_STR(a[0].action, "reject");
    CHECK_STR(a[0].old_value, "accepted, counted");
    CHECK_STR(a[0].new_value, "rejected, not counted");
    free(a);
    /* A later decision on the same rep, now in the file, goes to the file. */
    CHECK_OK(store_rep_decide(s, screen[2].uuid, STORE_REP_ACCEPTED, true, 0, "accept", &err), &err);
    struct store_rep back;
    CHECK_OK(store_rep_get(s, stored[2].id, &back, &err), &err);
    CHECK_INT(back.status, STORE_REP_ACCEPTED);
    CHECK(back.counts);
    free(stored);
    store_close(s);
}

/* The emergency file of waiting reps is a new file of mode 0600: an existing file or a link planted at
 * its name is refused and left as it was; in a folder, each export gets a name of its own. */
static void test_faults_pending_file_is_new(void)
{
    struct st_err err;
    int64_t sid = 0;
    char path[512];
    struct store *s = fault_store("emergency.db", path, sizeof path, &sid);
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    struct store_rep r;
    fix_rep(&r, 1, ST_DIR_ADD, ST_SIDE_LEFT, 210, 0.8, 70, t, f, FIX_SAMPLES);
    fault_arm(1, true, SQLITE_FULL);
    CHECK_INT(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, NULL, &err), ST_ERR_DISK_FULL);
    fault_clear();
    CHECK_INT(store_pending_count(s), 1);

    char existing[512], link[512], target[512], fresh[512], dir[512];
    check_tmppath(existing, sizeof existing, "existing.json");
    check_tmppath(link, sizeof link, "planted-link.json");
    check_tmppath(target, sizeof target, "link-target.txt");
    check_tmppath(fresh, sizeof fresh, "fresh.json");
    check_tmppath(dir, sizeof dir, "data-folder");
    FILE *e = fopen(existing, "w");
    REQUIRE(e);
    fputs("keep me", e);
    fclose(e);
    CHECK_INT(export_pending_json(s, existing, &err), ST_ERR_IO);
    CHECK(strstr(err.msg, existing) != NULL && strstr(err.msg, "exists already") != NULL);
    CHECK(fix_file_contains(existing, "keep me"));
    REQUIRE(symlink(target, link) == 0);
    CHECK_INT(export_pending_json(s, link, &err), ST_ERR_IO);
    CHECK(access(target, F_OK) != 0); /* nothing written through the link */

    mode_t old = umask(0);
    CHECK_OK(export_pending_json(s, fresh, &err), &err);
    umask(old);
    struct stat sb;
    REQUIRE(stat(fresh, &sb) == 0);
    CHECK_INT(sb.st_mode & 0777, 0600);
    CHECK(fix_file_contains(fresh, "\"station-pending-repetitions\""));

    REQUIRE(mkdir(dir, 0700) == 0);
    char first[1024], second[1024];
    CHECK_OK(export_pending_json_in(s, dir, sid, first, sizeof first, &err), &err);
    CHECK_OK(export_pending_json_in(s, dir, sid, second, sizeof second, &err), &err);
    CHECK(strcmp(first, second) != 0);
    char want[64];
    snprintf(want, sizeof want, "/station-session-%lld-pending-", (long long)sid);
    CHECK(strstr(first, want) != NULL && strncmp(first, dir, strlen(dir)) == 0);
    CHECK(fix_file_contains(second, "\"sequence\": 1"));
    REQUIRE(stat(second, &sb) == 0);
    CHECK_INT(sb.st_mode & 0777, 0600);
    CHECK_INT(store_pending_count(s), 1); /* exporting keeps them waiting */
    CHECK_OK(store_flush_pending(s, &err), &err);
    store_close(s);
}

/* ------------------------------------------------------------------------------------------------ */
/* Power loss                                                                                       */

/* One run: a fresh file, then FAULT_REPS rep writes with the power failing at the n-th write or sync
 * (0: never). Returns how many writes and syncs the rep writes took. */
static long power_run(long n, int *saved_out)
{
    static int run;
    char path[512], name[64];
    snprintf(name, sizeof name, "power-%d.db", run++);
    power_arm(0); /* setting up: the power holds */
    power.on = true;
    int64_t sid = 0;
    struct store *s = fault_store(name, path, sizeof path, &sid);
    struct st_err err;
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    struct store_rep r;
    power_arm(n);
    int saved = 0;
    for (int i = 1; i <= FAULT_REPS; i++) {
        fix_rep(&r, i, ST_DIR_ABD, ST_SIDE_RIGHT, 300 + i, 0.8, 70, t, f, FIX_SAMPLES);
        int64_t id = 0;
        if (store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, &id, &err) == ST_OK) {
            CHECK_INT(saved, i - 1); /* once the power is gone nothing is saved again */
            saved++;
        }
    }
    long ops = power.ops;
    bool failed = power.dead;
    store_close(s); /* the station goes down with its disk: what waited in memory is gone */
    power_fail_restore();
    if (!failed)
        CHECK_INT(saved, FAULT_REPS);
    /* Back on: every rep reported saved is there, whole, and nothing else. (Read through the shim with
     * nothing armed, as every file here: its syncs return at once, so closing the file does not wait
     * for a real fsync - hundreds of them on a busy disk were most of this test's time.) */
    fault_clear();
    struct store_opts o = {.vfs = "fault"};
    CHECK_OK(store_open_opts(path, &o, &s, &err), &err);
    REQUIRE(s);
    fix_trace(0, FIX_SAMPLES, t, f);
    verify_reps(s, sid, saved, t, 300);
    store_close(s);
    if (saved_out)
        *saved_out = saved;
    return ops;
}

static void test_power_loss_at_every_write_and_sync(void)
{
    fault_vfs_register();
    long total = power_run(0, NULL);
    CHECK(total > 2 * FAULT_REPS); /* at least a write and a sync per rep */
    enum st_log_level level = st_log_get_level();
    st_log_set_level(ST_LOG_ERROR); /* every rep after the failure is kept in memory, with a warning */
    int partial = 0;
    for (long n = 1; n <= total; n++) {
        int saved = 0;
        power_run(n, &saved);
        partial += saved > 0 && saved < FAULT_REPS;
    }
    st_log_set_level(level);
    fprintf(stderr, "power loss: at each of %ld writes and syncs; %d runs kept some reps and lost the rest\n",
            total, partial);
    CHECK(partial > 0); /* the power really failed between reps, not only before the first */
}

int main(void)
{
    CHECK_RUN(test_faults_locked);
    CHECK_RUN(test_faults_readonly);
    CHECK_RUN(test_faults_corrupt);
    CHECK_RUN(test_faults_not_a_db);
    CHECK_RUN(test_faults_nth_write);
    CHECK_RUN(test_faults_full_disk);
    CHECK_RUN(test_faults_decision_on_waiting_rep);
    CHECK_RUN(test_faults_pending_file_is_new);
    CHECK_RUN(test_power_loss_at_every_write_and_sync);
    free(fault_template.bytes);
    return check_done();
}
