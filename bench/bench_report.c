/*
 * bench_report.c - the balance report of one session of 12 reps at 1 kHz (3 reps per direction and
 * side, 6 s each: 72,000 raw samples), as `station report` writes it: load the session and its
 * samples from the store, draw every page with cairo and Pango, write the PDF (temporary file, fsync,
 * rename). Prints the median and the slowest of several runs, the first run apart (it loads the
 * fonts), the page count and the file size. The issue asks for under one second.
 *
 * Built by `make bench` (never run by the tests). STATION_BENCH_DIR chooses the folder (default
 * $TMPDIR or /tmp); the files are removed afterwards.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_result.h"
#include "common/clock.h"
#include "station/export/report.h"
#include "station/store/store.h"

#define RATE_HZ 1000.0
#define SAMPLES 6000 /* 6 s */
#define RUNS 7

static void trace(double peak, unsigned seed, double *t, double *f)
{
    for (int i = 0; i < SAMPLES; i++) {
        double ts = i / RATE_HZ;
        seed = seed * 1103515245u + 12345u;
        double noise = ((seed >> 16) % 200) / 100.0 - 1.0;
        double v = ts < 0.8 ? 0 : ts < 1.5 ? peak * (ts - 0.8) / 0.7 : ts < 4.5 ? peak : ts < 5.0 ? peak * (5.0 - ts) / 0.5 : 0;
        t[i] = ts;
        f[i] = v + noise;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int fail(const struct st_err *err)
{
    fprintf(stderr, "bench_report: %s\n", st_err_msg(err));
    return 1;
}

int main(void)
{
    const char *dir = getenv("STATION_BENCH_DIR");
    if (!dir || !*dir)
        dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    char db[4096], pdf[4096];
    snprintf(db, sizeof db, "%s/bench_report-%d.db", dir, (int)getpid());
    snprintf(pdf, sizeof pdf, "%s/bench_report-%d.pdf", dir, (int)getpid());
    struct st_err err;
    st_err_clear(&err);
    struct store *s = NULL;
    if (store_open(db, &s, &err) != ST_OK)
        return fail(&err);
    struct store_patient p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "Bench Patient");
    snprintf(p.ref, sizeof p.ref, "BENCH-1");
    snprintf(p.birth, sizeof p.birth, "1985-06-01");
    p.sex = 'F';
    p.leg_length_m = 0.9;
    p.lever_m = 0.8;
    p.mass_kg = 68;
    struct store_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.family, sizeof d.family, "loadstar");
    snprintf(d.serial, sizeof d.serial, "UHS-1K-0001");
    struct store_session x;
    memset(&x, 0, sizeof x);
    if (store_patient_add(s, &p, 0, &err) != ST_OK || store_device_ensure(s, &d, &err) != ST_OK)
        return fail(&err);
    x.patient_id = p.id;
    x.device_id[0] = d.id;
    x.body_mass_kg = 68;
    x.lever_m = 0.8;
    snprintf(x.position, sizeof x.position, "supine 0 deg");
    if (store_session_begin(s, &x, &err) != ST_OK)
        return fail(&err);
    double *t = malloc(SAMPLES * sizeof *t), *f = malloc(SAMPLES * sizeof *f);
    if (!t || !f)
        return 1;
    for (int i = 0; i < 12; i++) {
        struct store_rep r;
        store_rep_init(&r);
        r.sequence = i + 1;
        r.block_index = i / 3;
        r.index_in_block = i % 3 + 1;
        r.dir = i < 6 ? ST_DIR_ADD : ST_DIR_ABD;
        r.side = (i / 3) % 2 ? ST_SIDE_RIGHT : ST_SIDE_LEFT;
        r.lever_m = 0.8;
        r.body_mass_kg = 68;
        r.samples_rate_hz = RATE_HZ;
        trace(180 + 10 * i, (unsigned)i + 1, t, f);
        struct met_opts o = met_opts_default();
        o.body_mass_kg = 68;
        o.lever_m = 0.8;
        if (met_compute(t, f, SAMPLES, &o, &r.m, &err) != ST_OK ||
            store_rep_add(s, x.id, &r, t, f, SAMPLES, NULL, &err) != ST_OK)
            return fail(&err);
    }
    if (store_session_end(s, x.id, STORE_SESSION_COMPLETE, RATE_HZ, 0.1, 0, 0, &err) != ST_OK)
        return fail(&err);
    double ms[RUNS];
    struct report_layout L;
    char written[4096];
    for (int k = 0; k < RUNS; k++) {
        int64_t t0 = st_now_ns();
        if (report_write(s, x.id, REPORT_PAPER_A4, pdf, written, sizeof written, &L, &err) != ST_OK)
            return fail(&err);
        ms[k] = (double)(st_now_ns() - t0) / 1e6;
    }
    struct stat stt;
    long long size = stat(pdf, &stt) == 0 ? (long long)stt.st_size : -1;
    double first = ms[0];
    qsort(ms + 1, RUNS - 1, sizeof *ms, cmp_double);
    printf("report of 12 reps at 1 kHz (%d samples): first %.0f ms (fonts loaded), then median %.0f ms, "
           "slowest %.0f ms over %d runs; %d pages, %lld bytes\n",
           12 * SAMPLES, first, ms[1 + (RUNS - 1) / 2], ms[RUNS - 1], RUNS - 1, L.pages, size);
    bench_row("report", "PDF report, 12 reps at 1 kHz (fonts loaded)", "ms", ms + 1, RUNS - 1, "under 1 s",
              ms[RUNS - 1] < 1000, NAN);
    bench_row1("report", "PDF report, first in the process (loads the fonts)", "ms", first, "", -1);
    bench_row1("report", "PDF report size", "KB", (double)size / 1024.0, "", -1);
    store_close(s);
    report_fonts_release();
    unlink(pdf);
    unlink(db);
    char extra[4200];
    snprintf(extra, sizeof extra, "%s-wal", db);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-shm", db);
    unlink(extra);
    free(t);
    free(f);
    return 0;
}
