/*
 * bench_mark10.c - the highest sample rate the Mark-10 family reaches through the whole pipeline:
 * emulated gauge -> pty -> link -> parser -> acquisition thread -> ring -> this consumer, at the rates
 * the real gauge offers (AOUT up to 250/s; polling `?` as fast as replies come back), at 115200 and
 * 9600 baud. Each case runs RUNS times for RUN_S seconds; it prints the median of the rate the
 * acquisition measured and of samples / elapsed time, and the jitter. By hand (`make bench`), never in
 * the tests: the figures depend on the machine's load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "drivers/acq.h"
#include "drivers/emu.h"
#include "drivers/mark10.h"

#define RUNS 5
#define RUN_S 3.0
#define RING_CAP 16384

static struct st_sample ring_buf[RING_CAP];

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct result {
    double acq_hz, count_hz, jitter_ms;
    uint64_t bad, drops;
    bool polling;
};

static bool run_once(int baud, bool series4, int want_hz, struct result *out)
{
    struct emu_opts o = emu_opts_default("mark10");
    o.baud = baud;
    o.rate_hz = series4 ? -1 : 0;
    o.unit = "N";
    o.patient = emu_patient_default(250, 0);
    struct emu *e = NULL;
    struct st_err err;
    if (emu_start(&o, &e, &err) != ST_OK) {
        fprintf(stderr, "emulator: %s\n", st_err_msg(&err));
        return false;
    }
    struct st_ring ring;
    ring_init(&ring, ring_buf, RING_CAP);
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_mark10, .baud = baud, .rate_hz = want_hz};
    struct acq *a = NULL;
    if (acq_start(&cfg, &ring, &a, &err) != ST_OK) {
        fprintf(stderr, "acquisition: %s\n", st_err_msg(&err));
        emu_stop(e);
        return false;
    }
    struct st_sample tmp[1024];
    uint64_t n = 0;
    int64_t first = 0, last = 0;
    int64_t end = st_now_ns() + (int64_t)(RUN_S * 1e9);
    while (st_now_ns() < end) {
        size_t k;
        while ((k = ring_pop(&ring, tmp, 1024)) > 0) {
            if (n == 0)
                first = tmp[0].t_ns;
            last = tmp[k - 1].t_ns;
            n += k;
        }
        st_sleep_ns(5 * ST_NS_PER_MS);
    }
    struct acq_status st;
    acq_get_status(a, &st);
    struct emu_stats es;
    emu_get_stats(e, &es); /* before acq_stop, which turns AOUT off */
    acq_stop(a);
    emu_stop(e);
    out->acq_hz = st.rate_hz;
    out->count_hz = n > 1 && last > first ? (double)(n - 1) / ((double)(last - first) / 1e9) : 0;
    out->jitter_ms = st.jitter_ms;
    out->bad = st.bad_lines;
    out->drops = st.ring_drops;
    out->polling = !es.streaming;
    return st.state == ACQ_STREAMING;
}

static void bench_case(const char *name, int baud, bool series4, int want_hz)
{
    double acq[RUNS], cnt[RUNS], jit[RUNS];
    uint64_t bad = 0, drops = 0;
    bool polling = false;
    for (int i = 0; i < RUNS; i++) {
        struct result r;
        if (!run_once(baud, series4, want_hz, &r)) {
            printf("%-44s run %d failed\n", name, i + 1);
            return;
        }
        acq[i] = r.acq_hz;
        cnt[i] = r.count_hz;
        jit[i] = r.jitter_ms;
        bad += r.bad;
        drops += r.drops;
        polling = r.polling;
    }
    qsort(acq, RUNS, sizeof acq[0], cmp_double);
    qsort(cnt, RUNS, sizeof cnt[0], cmp_double);
    qsort(jit, RUNS, sizeof jit[0], cmp_double);
    printf("%-44s %-9s median %7.1f/s (acq) %7.1f/s (count)  jitter %5.2f ms  [%5.1f..%5.1f]  bad %llu drops %llu\n",
           name, polling ? "polling" : "streaming", acq[RUNS / 2], cnt[RUNS / 2], jit[RUNS / 2], acq[0],
           acq[RUNS - 1], (unsigned long long)bad, (unsigned long long)drops);
}

int main(void)
{
    printf("mark10: %d runs of %.0f s each, medians\n", RUNS, RUN_S);
    bench_case("Series 5/7, 115200 baud, AOUT250 (default)", 115200, false, 0);
    bench_case("Series 5/7, 115200 baud, asked for 1000/s", 115200, false, 1000);
    bench_case("Series 5/7, 9600 baud (AOUT50: the baud cap)", 9600, false, 0);
    bench_case("Series 4, 115200 baud, polling ?", 115200, true, 0);
    bench_case("Series 4, 9600 baud, polling ?", 9600, true, 0);
    return 0;
}
