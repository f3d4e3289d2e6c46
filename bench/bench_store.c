/*
 * bench_store.c - the store at clinic scale. One database grows to 100, 1,000 and 10,000 sessions
 * (20 sessions a patient, 12 reps each of 5 s at 80 Hz with their raw traces), written through
 * store_rep_add exactly as the station writes them (one synced transaction per rep). At each size:
 * the file's size, and the times of the commands a therapist runs - `station sessions` (all),
 * `show` (one session), `trend` (one patient, one protocol) and `export` (one session, JSON with its
 * raw samples) - each the whole command (open, query, print to /dev/null), over RUNS runs. Then the
 * commit of one rep of 10 s at 1 kHz (10,001 samples; synchronous=FULL, as the station runs it).
 *
 * BENCH_QUICK=1 stops at 1,000 sessions. STATION_BENCH_DIR chooses the folder (default $TMPDIR or
 * /tmp; it should be on the disk the station uses); the database is removed afterwards unless
 * STATION_BENCH_KEEP is set. Figures through bench_result.h.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_result.h"
#include "cmd_capture.h"
#include "common/clock.h"
#include "station/cli/commands.h"
#include "station/store/store.h"

#define SESSIONS_PER_PATIENT 20
#define REPS 12
#define RATE_HZ 80.0
#define SAMPLES 400 /* 5 s */
#define RUNS 7
#define COMMIT_RUNS 15
#define BIG_SAMPLES 10001 /* 10 s at 1 kHz */

static void trace(double peak, unsigned seed, double rate, int n, double *t, double *f)
{
    for (int i = 0; i < n; i++) {
        double ts = i / rate;
        seed = seed * 1103515245u + 12345u;
        double noise = ((seed >> 16) % 200) / 100.0 - 1.0;
        double v = ts < 0.5   ? 0
                   : ts < 1.1 ? peak * (ts - 0.5) / 0.6
                   : ts < 3.6 ? peak
                   : ts < 4.0 ? peak * (4.0 - ts) / 0.4
                              : 0;
        t[i] = ts;
        f[i] = v + noise;
    }
}

static double ms_since(int64_t t0)
{
    return (double)(st_now_ns() - t0) / 1e6;
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

static int fail(const struct st_err *err)
{
    fprintf(stderr, "bench_store: %s\n", st_err_msg(err));
    return 1;
}

struct fill {
    int64_t th, pr, dev[2];
    int patients, sessions;
    int64_t last_session, mid_patient;
};

/* One rep as the station stores it, its metrics computed from its trace. */
static enum st_status add_rep(struct store *s, int64_t session, int r, double mass, double peak, unsigned seed,
                              double rate, int n, double *t, double *f, struct st_err *err)
{
    struct store_rep rep;
    store_rep_init(&rep);
    rep.sequence = r + 1;
    rep.dir = (enum st_dir)(r / 3 % 2);
    rep.side = (enum st_side)(r / 6 % 2);
    rep.index_in_block = r % 3 + 1;
    rep.block_index = r / 3;
    rep.lever_m = 0.8;
    rep.body_mass_kg = mass;
    rep.samples_rate_hz = rate;
    trace(peak, seed, rate, n, t, f);
    struct met_opts o = met_opts_default();
    o.body_mass_kg = mass;
    o.lever_m = 0.8;
    met_compute(t, f, (size_t)n, &o, &rep.m, err);
    return store_rep_add(s, session, &rep, t, f, (size_t)n, NULL, err);
}

/* Adds patients (20 sessions each) until the file holds `until` sessions. */
static enum st_status grow(struct store *s, struct fill *F, int until, struct st_err *err)
{
    static double t[SAMPLES], f[SAMPLES];
    while (F->sessions < until) {
        int p = F->patients++;
        struct store_patient pat;
        memset(&pat, 0, sizeof pat);
        snprintf(pat.name, sizeof pat.name, "Bench Patient %05d", p);
        snprintf(pat.birth, sizeof pat.birth, "1980-01-%02d", p % 28 + 1);
        pat.sex = "FMX"[p % 3];
        pat.leg_length_m = NAN;
        pat.lever_m = 0.8;
        pat.mass_kg = 60 + p % 30;
        enum st_status st = store_patient_add(s, &pat, F->th, err);
        if (st != ST_OK)
            return st;
        F->mid_patient = pat.id;
        for (int k = 0; k < SESSIONS_PER_PATIENT; k++) {
            struct store_session x;
            memset(&x, 0, sizeof x);
            x.patient_id = pat.id;
            x.therapist_id = F->th;
            x.protocol_id = F->pr;
            x.device_id[0] = F->dev[k >= SESSIONS_PER_PATIENT / 2];
            x.body_mass_kg = pat.mass_kg;
            x.lever_m = 0.8;
            x.started = 1700000000 + (int64_t)k * 7 * 86400 + p * 3600;
            snprintf(x.position, sizeof x.position, "supine 0 deg");
            if ((st = store_session_begin(s, &x, err)) != ST_OK)
                return st;
            for (int r = 0; r < REPS; r++)
                if ((st = add_rep(s, x.id, r, pat.mass_kg, 150 + p % 50 + k * 2 + r, (unsigned)(p * 1000 + k * 20 + r),
                                  RATE_HZ, SAMPLES, t, f, err)) != ST_OK)
                    return st;
            if ((st = store_session_end(s, x.id, STORE_SESSION_COMPLETE, RATE_HZ, 0.5, 0, 0, err)) != ST_OK)
                return st;
            F->sessions++;
            F->last_session = x.id;
        }
    }
    return ST_OK;
}

/* The whole command, RUNS times; its figure. */
static int time_cmd(const char *group, const char *name, int (*fn)(int, char **), char **argv, int argc,
                    const char *goal, double goal_ms)
{
    double v[RUNS];
    for (int i = 0; i < RUNS; i++) {
        int64_t q = st_now_ns();
        int rc = cmd_capture(fn, argc, argv, NULL, NULL);
        v[i] = ms_since(q);
        if (rc != 0) {
            fprintf(stderr, "bench_store: %s failed (exit %d)\n", name, rc);
            return 1;
        }
    }
    double p99 = bench_quantile(v, RUNS, 0.99);
    bench_row(group, name, "ms", v, RUNS, goal, goal_ms > 0 ? p99 < goal_ms : -1, NAN);
    return 0;
}

int main(void)
{
    const char *base = getenv("STATION_BENCH_DIR");
    if (!base || !*base)
        base = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/station-bench-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/bench.db", dir);
    struct store *s = NULL;
    struct st_err err;
    if (store_open(path, &s, &err) != ST_OK)
        return fail(&err);
    struct fill F = {0};
    store_therapist_ensure(s, "BENCH", &F.th, &err);
    store_protocol_ensure(s, "supine-0", "[protocol]\nname=supine-0\n", &F.pr, &err);
    for (int d = 0; d < 2; d++) {
        struct store_device dev;
        memset(&dev, 0, sizeof dev);
        snprintf(dev.family, sizeof dev.family, "chronojump");
        snprintf(dev.serial, sizeof dev.serial, "BENCH-%d", d);
        dev.capacity_n = 4000;
        if (store_device_ensure(s, &dev, &err) != ST_OK)
            return fail(&err);
        F.dev[d] = dev.id;
    }

    /* The commit of one rep of 10 s at 1 kHz, in a session of its own (first: the file is small). */
    {
        static double t[BIG_SAMPLES], f[BIG_SAMPLES];
        struct store_patient pat;
        memset(&pat, 0, sizeof pat);
        snprintf(pat.name, sizeof pat.name, "Commit Patient");
        snprintf(pat.birth, sizeof pat.birth, "1980-01-01");
        pat.sex = 'X';
        pat.leg_length_m = NAN;
        pat.lever_m = 0.8;
        pat.mass_kg = 70;
        struct store_session x;
        memset(&x, 0, sizeof x);
        if (store_patient_add(s, &pat, F.th, &err) != ST_OK)
            return fail(&err);
        x.patient_id = pat.id;
        x.therapist_id = F.th;
        x.device_id[0] = F.dev[0];
        x.body_mass_kg = 70;
        x.lever_m = 0.8;
        if (store_session_begin(s, &x, &err) != ST_OK)
            return fail(&err);
        double v[COMMIT_RUNS];
        for (int i = 0; i < COMMIT_RUNS; i++) {
            int64_t q = st_now_ns();
            if (add_rep(s, x.id, i, 70, 200, (unsigned)i, 1000.0, BIG_SAMPLES, t, f, &err) != ST_OK)
                return fail(&err);
            v[i] = ms_since(q);
        }
        bench_row("storage", "commit of one rep, 10 s at 1 kHz (metrics + 10,001 samples, synchronous=FULL)",
                  "ms", v, COMMIT_RUNS, "under 20 ms", bench_quantile(v, COMMIT_RUNS, 0.99) < 20, NAN);
    }

    bool quick = getenv("BENCH_QUICK") && *getenv("BENCH_QUICK") == '1';
    const int sizes[] = {100, 1000, 10000};
    int nsizes = quick ? 2 : 3;
    for (int k = 0; k < nsizes; k++) {
        int64_t q = st_now_ns();
        int before = F.sessions;
        if (grow(s, &F, sizes[k], &err) != ST_OK)
            return fail(&err);
        double fill_ms = ms_since(q);
        store_close(s);
        s = NULL;
        printf("bench_store: %d sessions (%d written in %.1f s, %.2f ms per rep)\n", F.sessions, F.sessions - before,
               fill_ms / 1000, fill_ms / ((F.sessions - before) * (double)REPS));
        char g[48], name[160], wal[700], pid[32], sid[32];
        snprintf(g, sizeof g, "storage, %d sessions", sizes[k]);
        snprintf(wal, sizeof wal, "%s-wal", path);
        snprintf(name, sizeof name, "database size (%d patients, %d reps of 5 s at 80 Hz each session)", F.patients,
                 REPS);
        bench_row1(g, name, "MiB", (double)(file_size(path) + file_size(wal)) / 1048576.0, "", -1);
        snprintf(pid, sizeof pid, "%lld", (long long)F.mid_patient);
        snprintf(sid, sizeof sid, "%lld", (long long)F.last_session);
        char *a_sessions[] = {"sessions", "--db", path, NULL};
        char *a_show[] = {"show", sid, "--db", path, NULL};
        char *a_trend[] = {"trend", "--patient", pid, "--protocol", "supine-0", "--db", path, NULL};
        char *a_export[] = {"export", sid, "--format", "json", "--raw", "--db", path, NULL};
        snprintf(name, sizeof name, "`station sessions` (all %d)", F.sessions);
        if (time_cmd(g, name, cmd_sessions, a_sessions, 3, "", 0) ||
            time_cmd(g, "`station show` (one session)", cmd_show, a_show, 4, "", 0) ||
            time_cmd(g, "`station trend` (one patient, 20 sessions)", cmd_trend, a_trend, 7,
                     sizes[k] == 10000 ? "under 100 ms" : "", sizes[k] == 10000 ? 100 : 0) ||
            time_cmd(g, "`station export --format json --raw` (one session)", cmd_export, a_export, 7, "", 0))
            return 1;
        if (store_open(path, &s, &err) != ST_OK)
            return fail(&err);
    }
    store_close(s);
    if (!getenv("STATION_BENCH_KEEP")) {
        const char *ext[] = {"", "-wal", "-shm"};
        for (int i = 0; i < 3; i++) {
            char f[700];
            snprintf(f, sizeof f, "%s%s", path, ext[i]);
            unlink(f);
        }
        rmdir(dir);
    } else {
        printf("bench_store: kept %s\n", path);
    }
    return 0;
}
