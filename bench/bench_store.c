/*
 * bench_store.c - the store at clinic scale: 1,000 sessions with raw traces (50 patients x 20
 * sessions, 12 reps each of 5 s at 80 Hz), written through store_rep_add exactly as the station
 * writes them (one synced transaction per rep). Prints the database size and the median time of
 * `station sessions` (all, and one patient's) and `station trend` (one patient, one protocol), both
 * as store queries and as the whole command (open, query, print to /dev/null), over several runs.
 *
 * Built by `make bench` (never run by the tests). STATION_BENCH_DIR chooses the folder (default
 * $TMPDIR or /tmp); the database is removed afterwards unless STATION_BENCH_KEEP is set.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_capture.h"
#include "common/clock.h"
#include "station/cli/commands.h"
#include "station/store/store.h"

#define PATIENTS 50
#define SESSIONS_PER_PATIENT 20
#define REPS 12
#define RATE_HZ 80.0
#define SAMPLES 400 /* 5 s */
#define RUNS 9

static void trace(double peak, unsigned seed, double *t, double *f)
{
    for (int i = 0; i < SAMPLES; i++) {
        double ts = i / RATE_HZ;
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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
    if (store_open(path, &s, &err) != ST_OK) {
        fprintf(stderr, "bench_store: %s\n", st_err_msg(&err));
        return 1;
    }
    static double t[SAMPLES], f[SAMPLES];
    int64_t first_patient = 0;
    int64_t t0 = st_now_ns();
    int64_t th = 0, pr = 0;
    store_therapist_ensure(s, "BENCH", &th, &err);
    store_protocol_ensure(s, "supine-0", "[protocol]\nname=supine-0\n", &pr, &err);
    struct store_device dev[2];
    memset(dev, 0, sizeof dev);
    for (int d = 0; d < 2; d++) {
        snprintf(dev[d].family, sizeof dev[d].family, "chronojump");
        snprintf(dev[d].serial, sizeof dev[d].serial, "BENCH-%d", d);
        dev[d].capacity_n = 4000;
        store_device_ensure(s, &dev[d], &err);
    }
    long reps_written = 0;
    for (int p = 0; p < PATIENTS; p++) {
        struct store_patient pat;
        memset(&pat, 0, sizeof pat);
        snprintf(pat.name, sizeof pat.name, "Bench Patient %03d", p);
        snprintf(pat.birth, sizeof pat.birth, "1980-01-%02d", p % 28 + 1);
        pat.sex = "FMX"[p % 3];
        pat.leg_length_m = NAN;
        pat.lever_m = 0.8;
        pat.mass_kg = 60 + p % 30;
        if (store_patient_add(s, &pat, th, &err) != ST_OK) {
            fprintf(stderr, "bench_store: %s\n", st_err_msg(&err));
            return 1;
        }
        if (!first_patient)
            first_patient = pat.id;
        for (int k = 0; k < SESSIONS_PER_PATIENT; k++) {
            struct store_session x;
            memset(&x, 0, sizeof x);
            x.patient_id = pat.id;
            x.therapist_id = th;
            x.protocol_id = pr;
            x.device_id[0] = dev[k >= SESSIONS_PER_PATIENT / 2].id;
            x.body_mass_kg = pat.mass_kg;
            x.lever_m = 0.8;
            x.started = 1700000000 + (int64_t)k * 7 * 86400 + p * 3600;
            snprintf(x.position, sizeof x.position, "supine 0 deg");
            if (store_session_begin(s, &x, &err) != ST_OK) {
                fprintf(stderr, "bench_store: %s\n", st_err_msg(&err));
                return 1;
            }
            for (int r = 0; r < REPS; r++) {
                struct store_rep rep;
                store_rep_init(&rep);
                rep.sequence = r + 1;
                rep.dir = (enum st_dir)(r / 3 % 2);
                rep.side = (enum st_side)(r / 6);
                rep.index_in_block = r % 3 + 1;
                rep.block_index = r / 3;
                rep.lever_m = 0.8;
                rep.body_mass_kg = pat.mass_kg;
                rep.samples_rate_hz = RATE_HZ;
                trace(150 + p + k * 2 + r, (unsigned)(p * 1000 + k * 20 + r), t, f);
                struct met_opts o = met_opts_default();
                o.body_mass_kg = pat.mass_kg;
                o.lever_m = 0.8;
                met_compute(t, f, SAMPLES, &o, &rep.m, &err);
                if (store_rep_add(s, x.id, &rep, t, f, SAMPLES, NULL, &err) != ST_OK) {
                    fprintf(stderr, "bench_store: %s\n", st_err_msg(&err));
                    return 1;
                }
                reps_written++;
            }
            store_session_end(s, x.id, STORE_SESSION_COMPLETE, RATE_HZ, 0.5, 0, 0, &err);
        }
    }
    double write_ms = ms_since(t0);
    store_close(s);
    printf("bench_store: %d sessions, %ld reps of %d samples written in %.1f s (%.2f ms per rep, one synced "
           "transaction each)\n",
           PATIENTS * SESSIONS_PER_PATIENT, reps_written, SAMPLES, write_ms / 1000,
           write_ms / (double)reps_written);
    char wal[700];
    snprintf(wal, sizeof wal, "%s-wal", path);
    printf("bench_store: database size %.1f MiB (%lld bytes; -wal after close: %lld bytes)\n",
           file_size(path) / 1048576.0, file_size(path), file_size(wal));

    if (store_open(path, &s, &err) != ST_OK) {
        fprintf(stderr, "bench_store: %s\n", st_err_msg(&err));
        return 1;
    }
    double v_all[RUNS], v_one[RUNS], v_trend[RUNS], c_all[RUNS], c_trend[RUNS];
    size_t n_all = 0, n_one = 0, n_trend = 0;
    int64_t mid_patient = first_patient + PATIENTS / 2;
    for (int i = 0; i < RUNS; i++) {
        struct store_session *list = NULL;
        int64_t q = st_now_ns();
        store_session_list(s, 0, &list, &n_all, &err);
        v_all[i] = ms_since(q);
        free(list);
        q = st_now_ns();
        store_session_list(s, mid_patient, &list, &n_one, &err);
        v_one[i] = ms_since(q);
        free(list);
        struct store_trend_row *rows = NULL;
        q = st_now_ns();
        store_trend(s, mid_patient, "supine-0", &rows, &n_trend, &err);
        v_trend[i] = ms_since(q);
        free(rows);
    }
    store_close(s);
    char pid[32];
    snprintf(pid, sizeof pid, "%lld", (long long)mid_patient);
    for (int i = 0; i < RUNS; i++) {
        char *a1[] = {"sessions", "--db", path, NULL};
        int64_t q = st_now_ns();
        int rc1 = cmd_capture(cmd_sessions, 3, a1, NULL, NULL);
        c_all[i] = ms_since(q);
        char *a2[] = {"trend", "--patient", pid, "--protocol", "supine-0", "--db", path, NULL};
        q = st_now_ns();
        int rc2 = cmd_capture(cmd_trend, 7, a2, NULL, NULL);
        c_trend[i] = ms_since(q);
        if (rc1 || rc2) {
            fprintf(stderr, "bench_store: a command failed (%d, %d)\n", rc1, rc2);
            return 1;
        }
    }
    printf("bench_store: median of %d runs:\n", RUNS);
    printf("  store_session_list, all (%zu sessions):      %8.2f ms\n", n_all, median(v_all, RUNS));
    printf("  store_session_list, one patient (%zu):        %8.2f ms\n", n_one, median(v_one, RUNS));
    printf("  store_trend, one patient (%zu sessions):      %8.2f ms\n", n_trend, median(v_trend, RUNS));
    printf("  `station sessions` (open, list all, print):  %8.2f ms\n", median(c_all, RUNS));
    printf("  `station trend` (open, query, print):        %8.2f ms\n", median(c_trend, RUNS));
    if (!getenv("STATION_BENCH_KEEP")) {
        unlink(path);
        unlink(wal);
        char shm[700];
        snprintf(shm, sizeof shm, "%s-shm", path);
        unlink(shm);
        rmdir(dir);
    } else {
        printf("bench_store: kept %s\n", path);
    }
    return 0;
}
