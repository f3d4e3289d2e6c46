/*
 * bench_imada.c - the highest sample rate the Imada family reaches through the whole pipeline:
 * emulated gauge (19200 baud wire time, 2-5 ms processing) -> pty -> link -> parser -> acquisition
 * thread (polling with `D`) -> ring. The rate is set by the round trip, so it is measured, never
 * assumed: five runs of 3 s each, the median and the range of the acquisition's measured rate and
 * jitter, and the rate counted from the samples that reached the ring.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/clock.h"
#include "drivers/acq.h"
#include "drivers/emu.h"

#define RUNS 5
#define RUN_S 3.0

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static struct st_sample ring_buf[8192];

int main(void)
{
    const struct drv_driver *drv = drv_find("imada");
    if (!drv) {
        fprintf(stderr, "bench_imada: no imada driver in the table\n");
        return 1;
    }
    double rate[RUNS], jitter[RUNS], counted[RUNS];
    for (int run = 0; run < RUNS; run++) {
        struct emu_opts o = emu_opts_default("imada");
        o.patient = emu_patient_default(250, 0);
        struct emu *e = NULL;
        struct st_err err;
        if (emu_start(&o, &e, &err) != ST_OK) {
            fprintf(stderr, "bench_imada: %s\n", st_err_msg(&err));
            return 1;
        }
        struct st_ring ring;
        ring_init(&ring, ring_buf, sizeof ring_buf / sizeof ring_buf[0]);
        struct acq_cfg cfg = {.port = emu_port(e), .drv = drv};
        struct acq *a = NULL;
        if (acq_start(&cfg, &ring, &a, &err) != ST_OK) {
            fprintf(stderr, "bench_imada: %s\n", st_err_msg(&err));
            emu_stop(e);
            return 1;
        }
        struct st_sample tmp[512];
        size_t n = 0;
        int64_t first = 0, last = 0;
        int64_t end = st_now_ns() + (int64_t)(RUN_S * 1e9);
        while (st_now_ns() < end) {
            size_t k;
            while ((k = ring_pop(&ring, tmp, 512)) > 0) {
                if (n == 0)
                    first = tmp[0].t_ns;
                last = tmp[k - 1].t_ns;
                n += k;
            }
            st_sleep_ns(10 * ST_NS_PER_MS);
        }
        struct acq_status st;
        acq_get_status(a, &st);
        acq_stop(a);
        emu_stop(e);
        rate[run] = st.rate_hz;
        jitter[run] = st.jitter_ms;
        counted[run] = n > 1 && last > first ? (double)(n - 1) / ((double)(last - first) / 1e9) : 0;
        printf("run %d: %zu samples, acquisition rate %.1f/s, jitter %.2f ms, ring rate %.1f/s\n", run + 1, n,
               rate[run], jitter[run], counted[run]);
    }
    qsort(rate, RUNS, sizeof rate[0], cmp_double);
    qsort(jitter, RUNS, sizeof jitter[0], cmp_double);
    qsort(counted, RUNS, sizeof counted[0], cmp_double);
    printf("imada at 19200 baud, polling: median %.1f samples/s (range %.1f-%.1f), jitter median %.2f ms, "
           "ring median %.1f/s\n",
           rate[RUNS / 2], rate[0], rate[RUNS - 1], jitter[RUNS / 2], counted[RUNS / 2]);
    return 0;
}
