/*
 * bench_loadstar.c - the highest sample rate the Loadstar family reaches through the whole pipeline:
 * emulated interface (UART wire time at its baud rate, WC streaming) -> pty -> link -> parser ->
 * acquisition thread -> ring, at the rates the real models support: the DI-1000U at 9600 baud (70/s
 * typical, 80/s at most), the DI-1000UHS at 230400 (500/s) and the UHS-1K (575/s). Five runs of 3 s
 * each per model: the median and range of the acquisition's measured rate, the rate counted from the
 * samples that reached the ring, the jitter, and the samples lost on the way (sent by the emulator but
 * never in the ring; bad lines). Then the pulled cable: five times, the time from emu_unplug to the
 * acquisition saying the device is lost (issue 3: within one second), and from emu_replug to streaming
 * again, with the samples kept.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

static struct st_sample ring_buf[16384];

struct model {
    const char *name;
    int baud;
    double rate_hz;
};

static int bench_model(const struct drv_driver *drv, const struct model *m)
{
    double rate[RUNS], jitter[RUNS], counted[RUNS];
    long long lost_total = 0, bad_total = 0;
    for (int run = 0; run < RUNS; run++) {
        struct emu_opts o = emu_opts_default("loadstar");
        o.baud = m->baud;
        o.rate_hz = m->rate_hz;
        o.patient = emu_patient_default(250, 0);
        struct emu *e = NULL;
        struct st_err err;
        if (emu_start(&o, &e, &err) != ST_OK) {
            fprintf(stderr, "bench_loadstar: %s\n", st_err_msg(&err));
            return 1;
        }
        struct st_ring ring;
        ring_init(&ring, ring_buf, sizeof ring_buf / sizeof ring_buf[0]);
        struct acq_cfg cfg = {.port = emu_port(e), .drv = drv, .baud = m->baud, .rate_hz = (int)m->rate_hz};
        struct acq *a = NULL;
        if (acq_start(&cfg, &ring, &a, &err) != ST_OK) {
            fprintf(stderr, "bench_loadstar: %s\n", st_err_msg(&err));
            emu_stop(e);
            return 1;
        }
        struct st_sample tmp[512];
        size_t n = 0;
        int64_t first = 0, last = 0;
        int64_t end = st_now_ns() + (int64_t)(RUN_S * 1e9);
        struct emu_stats es = {0};
        bool snap = false;
        while (!snap || st_now_ns() < end + 300 * ST_NS_PER_MS) {
            if (!snap && st_now_ns() >= end) {
                emu_get_stats(e, &es); /* everything sent by now must reach the ring */
                snap = true;
            }
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
        long long lost = (long long)es.samples_sent - (long long)n;
        lost_total += lost > 0 ? lost : 0;
        bad_total += (long long)st.bad_lines;
        printf("  run %d: %zu samples, acquisition rate %.1f/s, jitter %.2f ms, ring rate %.1f/s, bad lines "
               "%llu\n",
               run + 1, n, rate[run], jitter[run], counted[run], (unsigned long long)st.bad_lines);
    }
    qsort(rate, RUNS, sizeof rate[0], cmp_double);
    qsort(jitter, RUNS, sizeof jitter[0], cmp_double);
    qsort(counted, RUNS, sizeof counted[0], cmp_double);
    printf(
        "loadstar %s (%d baud, %.0f/s asked): median %.1f samples/s (range %.1f-%.1f), ring median %.1f/s, "
        "jitter median %.2f ms, lost %lld, bad lines %lld\n",
        m->name, m->baud, m->rate_hz, rate[RUNS / 2], rate[0], rate[RUNS - 1], counted[RUNS / 2],
        jitter[RUNS / 2], lost_total, bad_total);
    return 0;
}

static bool wait_state(struct acq *a, bool (*pred)(const struct acq_status *), double max_s,
                       struct st_ring *r, size_t *n)
{
    struct st_sample tmp[512];
    int64_t end = st_now_ns() + (int64_t)(max_s * 1e9);
    while (st_now_ns() < end) {
        size_t k;
        while ((k = ring_pop(r, tmp, 512)) > 0)
            *n += k;
        struct acq_status st;
        acq_get_status(a, &st);
        if (pred(&st))
            return true;
        st_sleep_ns(2 * ST_NS_PER_MS);
    }
    return false;
}

static bool never(const struct acq_status *s)
{
    (void)s;
    return false;
}

static bool is_lost(const struct acq_status *s)
{
    return s->state == ACQ_LOST;
}

static bool is_back(const struct acq_status *s)
{
    return s->state == ACQ_STREAMING && s->reconnects > 0;
}

static int bench_unplug(const struct drv_driver *drv)
{
    double lost_s[RUNS], back_s[RUNS];
    for (int run = 0; run < RUNS; run++) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/bench_loadstar_%d_%d", (int)getpid(), run);
        struct emu_opts o = emu_opts_default("loadstar");
        o.link_path = path;
        o.patient = emu_patient_default(250, 0);
        struct emu *e = NULL;
        struct st_err err;
        if (emu_start(&o, &e, &err) != ST_OK) {
            fprintf(stderr, "bench_loadstar: %s\n", st_err_msg(&err));
            return 1;
        }
        struct st_ring ring;
        ring_init(&ring, ring_buf, sizeof ring_buf / sizeof ring_buf[0]);
        struct acq_cfg cfg = {.port = emu_port(e), .drv = drv, .reconnect_ms = 200, .probe_timeout_ms = 500};
        struct acq *a = NULL;
        if (acq_start(&cfg, &ring, &a, &err) != ST_OK) {
            fprintf(stderr, "bench_loadstar: %s\n", st_err_msg(&err));
            emu_stop(e);
            return 1;
        }
        size_t n = 0;
        wait_state(a, never, 1.5, &ring, &n); /* stream for 1.5 s: the patient is mid-push */
        size_t before = n;
        int64_t t0 = st_now_ns();
        emu_unplug(e);
        bool lost = wait_state(a, is_lost, 5.0, &ring, &n);
        lost_s[run] = lost ? (double)(st_now_ns() - t0) / 1e9 : INFINITY; /* never: shows as inf */
        struct acq_status st;
        acq_get_status(a, &st);
        char msg[sizeof st.message];
        snprintf(msg, sizeof msg, "%s", st.message);
        size_t at_loss = n;
        t0 = st_now_ns();
        emu_replug(e, &err);
        bool back = wait_state(a, is_back, 10.0, &ring, &n);
        back_s[run] = back ? (double)(st_now_ns() - t0) / 1e9 : INFINITY;
        acq_get_status(a, &st);
        acq_stop(a);
        emu_stop(e);
        printf("  run %d: lost after %.3f s (%zu samples before the pull, %zu kept), back after %.3f s: "
               "\"%s\"\n",
               run + 1, lost_s[run], before, at_loss, back_s[run], msg);
    }
    qsort(lost_s, RUNS, sizeof lost_s[0], cmp_double);
    qsort(back_s, RUNS, sizeof back_s[0], cmp_double);
    printf("loadstar unplug: lost after median %.3f s (range %.3f-%.3f), streaming again %.3f s after the "
           "replug "
           "(range %.3f-%.3f)\n",
           lost_s[RUNS / 2], lost_s[0], lost_s[RUNS - 1], back_s[RUNS / 2], back_s[0], back_s[RUNS - 1]);
    return 0;
}

int main(void)
{
    const struct drv_driver *drv = drv_find("loadstar");
    if (!drv) {
        fprintf(stderr, "bench_loadstar: no loadstar driver in the table\n");
        return 1;
    }
    static const struct model models[] = {
        {"DI-1000U", 9600, 70},
        {"DI-1000U at its fastest", 9600, 80},
        {"DI-1000UHS", 230400, 500},
        {"UHS-1K", 230400, 575},
    };
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        if (bench_model(drv, &models[i]) != 0)
            return 1;
    return bench_unplug(drv);
}
