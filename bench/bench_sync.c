/*
 * bench_sync.c - the clinic server at clinic scale (issue 15): a station with 1,000 sessions with raw
 * traces (50 patients x 20 sessions, 12 reps each of 5 s at 80 Hz, as bench_store) pushes them to a
 * local PostgreSQL server (a throwaway cluster, tests/pg_cluster.h), then a fresh station pulls them
 * all. Prints the rows, the bytes of samples and the time of each, and checks the fresh station holds
 * every rep once.
 *
 * Built by `make bench` (never run by the tests). STATION_BENCH_SESSIONS changes the number of sessions
 * (a multiple of 20).
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/clock.h"
#include "pg_cluster.h"
#include "station/config.h"
#include "station/store/store_sync.h"
#include "station/sync/sync.h"
#include "sync_fixture.h"

#define SESSIONS_PER_PATIENT 20
#define REPS 12

static double sync_once(const char *db, const char *url, struct sync_result *res)
{
    struct store *s = NULL;
    struct st_err err;
    st_err_clear(&err);
    if (store_open(db, &s, &err) != ST_OK) {
        fprintf(stderr, "bench_sync: %s\n", st_err_msg(&err));
        exit(1);
    }
    char shown[512];
    config_server_masked(url, shown, sizeof shown);
    int64_t t0 = st_now_ns();
    if (sync_run(s, url, shown, NULL, res, &err) != ST_OK) {
        fprintf(stderr, "bench_sync: %s\n", st_err_msg(&err));
        exit(1);
    }
    double secs = (double)(st_now_ns() - t0) / 1e9;
    store_close(s);
    return secs;
}

static void bench(void)
{
    const char *env = getenv("STATION_BENCH_SESSIONS");
    long sessions = env ? strtol(env, NULL, 10) : 1000;
    if (sessions < SESSIONS_PER_PATIENT)
        sessions = SESSIONS_PER_PATIENT;
    int patients = (int)(sessions / SESSIONS_PER_PATIENT);
    pg_cluster();
    REQUIRE(pg_exec("postgres", "CREATE ROLE it LOGIN PASSWORD 'it' CREATEROLE"));
    REQUIRE(pg_exec("postgres", "CREATE DATABASE clinic OWNER it"));
    char a[512], b[512], url[512];
    check_tmppath(a, sizeof a, "push.db");
    check_tmppath(b, sizeof b, "pull.db");
    int64_t t0 = st_now_ns();
    for (int p = 0; p < patients; p++) {
        char name[32];
        snprintf(name, sizeof name, "Patient %d", p + 1);
        sync_fix_records(a, name, 0, SESSIONS_PER_PATIENT, REPS, "SN-BENCH");
    }
    printf("made %d sessions (%d reps, %d samples each) in %.1f s\n", patients * SESSIONS_PER_PATIENT,
           patients * SESSIONS_PER_PATIENT * REPS, FIX_SAMPLES, (double)(st_now_ns() - t0) / 1e9);
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(a, &s, &err), &err);
    REQUIRE(s);
    struct st_err e2;
    char shown[512];
    pg_url(url, sizeof url, "it", "it", "clinic");
    config_server_masked(url, shown, sizeof shown);
    CHECK_OK(sync_server_init(s, url, shown, &e2), &e2);
    store_close(s);
    REQUIRE(pg_exec("postgres", "CREATE ROLE room1 LOGIN PASSWORD 'r1' IN ROLE station"));
    REQUIRE(pg_exec("postgres", "CREATE ROLE room2 LOGIN PASSWORD 'r2' IN ROLE station"));
    struct sync_result res;
    double push = sync_once(a, pg_url(url, sizeof url, "room1", "r1", "clinic"), &res);
    printf("push: %lld rows in %.2f s (%.0f rows/s)\n", (long long)res.pushed, push, (double)res.pushed / push);
    double pull = sync_once(b, pg_url(url, sizeof url, "room2", "r2", "clinic"), &res);
    printf("pull into a fresh station: %lld rows in %.2f s (%.0f rows/s)\n", (long long)res.pulled, pull,
           (double)res.pulled / pull);
    long long bytes = pg_int("clinic", "SELECT sum(length(data)) FROM rep_samples");
    printf("samples on the server: %.1f MB; server database %.1f MB\n", (double)bytes / 1e6,
           (double)pg_int("clinic", "SELECT pg_database_size('clinic')") / 1e6);
    CHECK_OK(store_open(b, &s, &err), &err);
    int64_t n = 0;
    CHECK_OK(store_sync_waiting(s, &n, &err), &err);
    CHECK_INT(n, 0);
    store_close(s);
    CHECK_INT(pg_int("clinic", "SELECT count(*) FROM repetitions"), (long long)patients * SESSIONS_PER_PATIENT * REPS);
}

int main(void)
{
    CHECK_RUN(bench);
    return check_done();
}
