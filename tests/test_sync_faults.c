/*
 * test_sync_faults.c - a sync that is killed or loses its server finishes on the next run with no
 * duplicate and no gap (issue 15), against a real PostgreSQL server (tests/pg_cluster.h):
 *  - `station sync` SIGKILLed at random points while pushing, then while a fresh station pulls, and
 *    run again: the server and the fresh station hold every row exactly once, samples intact;
 *  - the server stopped in the middle of a push and of a pull: one clear line, exit 1, nothing lost
 *    here; once it is back, the next sync completes;
 *  - Ctrl-C or SIGTERM during a long push and a pull: one line, exit 1, the batch under way committed;
 *    the next run finishes;
 *  - a session run with a server set syncs at its end (station demo, headless).
 * The random kill points come from a seed printed on stderr (STATION_SYNC_SEED repeats a run).
 */
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "station/store/store_sync.h"
#include "station/sync/sync.h" /* libpq, for the cluster helpers */
#include "sync_clinic.h"

/* Starts `station sync --db db --server url --batch-rows N` in the background (output discarded, or
 * its stderr into the file err). */
static pid_t sync_spawn_err(const char *db, const char *url, const char *batch, const char *err)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen(err ? err : "/dev/null", "w", stderr))
            _exit(127);
        execl(station_bin(), "station", "sync", "--db", db, "--server", url, "--batch-rows", batch, (char *)NULL);
        _exit(127);
    }
    REQUIRE(pid > 0);
    return pid;
}

static pid_t sync_spawn(const char *db, const char *url, const char *batch)
{
    return sync_spawn_err(db, url, batch, NULL);
}

static int wait_status(pid_t pid)
{
    int st = 0;
    REQUIRE(waitpid(pid, &st, 0) == pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs a sync and SIGKILLs it after a random 5-150 ms, `times` times. */
static void kill_syncs(const char *db, const char *url, int times)
{
    for (int k = 0; k < times; k++) {
        pid_t pid = sync_spawn(db, url, "3");
        usleep((useconds_t)(5000 + rand() % 145000));
        kill(pid, SIGKILL);
        wait_status(pid);
    }
}

/* Station b holds what a holds of the clinic's records (sessions, reps once each, samples and their
 * bytes); returns b's number of reps. */
static int64_t same_records(const char *a, const char *b)
{
    static const char *const sql[] = {
        "SELECT count(*) FROM sessions", "SELECT count(*) FROM repetitions", "SELECT count(DISTINCT uuid) FROM repetitions",
        "SELECT count(*) FROM rep_samples", "SELECT sum(length(data)) FROM rep_samples",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        CHECK_INT(count_sql(b, sql[i]), count_sql(a, sql[i]));
    return count_sql(b, sql[1]);
}

static void test_killed_syncs_leave_no_duplicate_and_no_gap(void)
{
    const char *seed_env = getenv("STATION_SYNC_SEED");
    unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)getpid();
    fprintf(stderr, "test_sync_faults: seed %u (STATION_SYNC_SEED=%u repeats it)\n", seed, seed);
    srand(seed);
    clinic("faults1");
    char a[512], b[512];
    check_tmppath(a, sizeof a, "ka.db");
    check_tmppath(b, sizeof b, "kb.db");
    sync_fix_records(a, "Kim Killed", 0, 12, 6, "SN-ROOM1");
    kill_syncs(a, url_a, 5);
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    /* The server holds each row once, every one of them. */
    CHECK_INT(pg_int("faults1", "SELECT count(*) FROM sessions"), 12);
    CHECK_INT(pg_int("faults1", "SELECT count(*) FROM repetitions"), 72);
    CHECK_INT(pg_int("faults1", "SELECT count(*) FROM rep_samples"), 72);
    CHECK_INT(pg_int("faults1", "SELECT count(*) FROM patients"), 1);
    CHECK_INT(pg_int("faults1", "SELECT sum(length(data)) FROM rep_samples"), 72 * FIX_SAMPLES * 16);
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(a, &s, &err), &err);
    int64_t waiting = -1;
    CHECK_OK(store_sync_waiting(s, &waiting, &err), &err);
    CHECK_INT(waiting, 0);
    store_close(s);
    /* A fresh station pulls, killed as often, then finishes. */
    kill_syncs(b, url_b, 5);
    CHECK_INT(sync_at(b, url_b, NULL, 0), 0);
    CHECK_INT(same_records(a, b), 72);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM patients"), 1);
}

/* Waits (up to 60 s) until the query on a station's file or the server gives more than 0. */
static bool wait_rows(const char *db, const char *server_db, const char *sql)
{
    for (int i = 0; i < 6000; i++) {
        long long n = db ? count_sql(db, sql) : pg_int(server_db, sql);
        if (n > 0)
            return true;
        usleep(10000);
    }
    return false;
}

static void test_server_stopped_mid_sync(void)
{
    clinic("faults2");
    char a[512], b[512];
    check_tmppath(a, sizeof a, "sa.db");
    check_tmppath(b, sizeof b, "sb.db");
    sync_fix_records(a, "Sam Stopped", 0, 30, 6, "SN-ROOM1");
    /* Push: the server goes down once the first batches are in. */
    pid_t pid = sync_spawn(a, url_a, "2");
    CHECK(wait_rows(NULL, "faults2", "SELECT count(*) FROM repetitions"));
    REQUIRE(pg_cluster_stop());
    CHECK_INT(wait_status(pid), 1);
    CHECK(count_sql(a, "SELECT count(*) FROM repetitions") == 180); /* nothing lost here */
    char line[1024];
    CHECK_INT(sync_at(a, url_a, line, sizeof line), 1); /* still down: one line, offline */
    CHECK(strstr(line, "cannot be reached") != NULL);
    char *status_argv[] = {"station", "sync", "--status", "--db", a, NULL};
    char *out = station_out(status_argv);
    CHECK(strstr(out, "Rows waiting: 0") == NULL && strstr(out, "Last failure: ") != NULL);
    free(out);
    REQUIRE(pg_cluster_start_again());
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    CHECK_INT(pg_int("faults2", "SELECT count(*) FROM repetitions"), 180);
    CHECK_INT(pg_int("faults2", "SELECT count(*) FROM rep_samples"), 180);
    /* Pull: the server goes down once the first batches are here. */
    pid = sync_spawn(b, url_b, "2");
    CHECK(wait_rows(b, NULL, "SELECT count(*) FROM sqlite_schema WHERE name='sync_meta'") &&
          wait_rows(b, NULL, "SELECT count(*) FROM repetitions"));
    REQUIRE(pg_cluster_stop());
    int st = wait_status(pid);
    CHECK(st == 1);
    CHECK(count_sql(b, "SELECT count(*) FROM repetitions") < 180);
    REQUIRE(pg_cluster_start_again());
    CHECK_INT(sync_at(b, url_b, NULL, 0), 0);
    CHECK_INT(same_records(a, b), 180);
}

/* Ctrl-C or SIGTERM: the sync ends after the batch under way, says what it did in one line, exits 1;
 * the next run finishes the job. */
static void stop_with(int sig, const char *db, const char *url, const char *server_db, const char *sql,
                      const char *want)
{
    char errp[512];
    check_tmppath(errp, sizeof errp, "sig.err");
    pid_t pid = sync_spawn_err(db, url, "2", errp);
    CHECK(wait_rows(server_db ? NULL : db, server_db, sql));
    kill(pid, sig);
    CHECK_INT(wait_status(pid), 1);
    char *text = slurp(errp);
    CHECK_INT(count_lines(text), 1);
    CHECK(strstr(text, want) != NULL);
    CHECK(strstr(text, "run station sync again to finish") && !strstr(text, "pw-room"));
    free(text);
}

static void test_signal_stops_after_the_batch(void)
{
    clinic("faults4");
    char a[512], b[512];
    check_tmppath(a, sizeof a, "ga.db");
    check_tmppath(b, sizeof b, "gb.db");
    sync_fix_records(a, "Sig Stopped", 0, 20, 6, "SN-ROOM1");
    stop_with(SIGTERM, a, url_a, "faults4", "SELECT count(*) FROM repetitions", "Sync stopped after pushing ");
    long long sent = pg_int("faults4", "SELECT count(*) FROM repetitions");
    CHECK(sent > 0 && sent < 120);
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(a, &s, &err), &err);
    int64_t waiting = 0;
    CHECK_OK(store_sync_waiting(s, &waiting, &err), &err);
    CHECK(waiting > 0);
    store_close(s);
    char line[1024];
    CHECK_INT(sync_at(a, url_a, line, sizeof line), 0);
    CHECK_INT(pg_int("faults4", "SELECT count(*) FROM repetitions"), 120);
    CHECK_INT(pg_int("faults4", "SELECT count(DISTINCT rep_id) FROM rep_samples"), 120);
    CHECK_INT(pg_int("faults4", "SELECT count(*) FROM rep_samples"), 120);
    /* A fresh station's pull, stopped with Ctrl-C, then finished. */
    stop_with(SIGINT, b, url_b, NULL, "SELECT count(*) FROM repetitions", "Sync stopped after pushing 0 and pulling ");
    CHECK(count_sql(b, "SELECT count(*) FROM repetitions") < 120);
    CHECK_INT(sync_at(b, url_b, NULL, 0), 0);
    CHECK_INT(same_records(a, b), 120);
}

/* A session run with a server set is synced at its end; an unreachable server is a notice only. */
static void test_session_syncs_at_its_end(void)
{
    clinic("faults3");
    char a[512];
    check_tmppath(a, sizeof a, "demo.db");
    char *argv[] = {"station", "demo", "--headless", "--reps", "1", "--block-rest-s", "0.2", "--db", a, NULL};
    char env_server[600];
    snprintf(env_server, sizeof env_server, "STATION_SERVER=%s", url_a);
    const char *env[] = {env_server, "STATION_LINGER_S=0", NULL};
    struct run r = run_cmd(NULL, argv, env);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "Synced with the clinic server: pushed ") != NULL);
    CHECK(strstr(r.out, "pw-room1") == NULL && strstr(r.err, "pw-room1") == NULL);
    run_free(&r);
    CHECK_INT(pg_int("faults3", "SELECT count(*) FROM sessions WHERE status='complete'"), 1);
    CHECK_INT(pg_int("faults3", "SELECT count(*) FROM repetitions"), count_sql(a, "SELECT count(*) FROM repetitions"));
    snprintf(env_server, sizeof env_server, "STATION_SERVER=postgresql://room1:pw-room1@127.0.0.1:%d/faults3",
             pg_free_port());
    r = run_cmd(NULL, argv, env);
    CHECK_INT(r.status, 0); /* the session is saved: not syncing is no failure of it */
    CHECK(strstr(r.out, "Not synced with the clinic server (the session is saved here)") != NULL);
    run_free(&r);
    CHECK_INT(count_sql(a, "SELECT count(*) FROM sessions WHERE status='complete'"), 2);
}

int main(void)
{
    CHECK_RUN(test_killed_syncs_leave_no_duplicate_and_no_gap);
    CHECK_RUN(test_server_stopped_mid_sync);
    CHECK_RUN(test_signal_stops_after_the_batch);
    CHECK_RUN(test_session_syncs_at_its_end);
    return check_done();
}
