/*
 * bench_pipeline.c - every instrument family through the whole pipeline: emulated device (its wire
 * time at its baud rate) -> pty -> link -> parser -> acquisition thread -> ring.
 *
 * For each configuration: the highest sample rate the pipeline sustains (the acquisition's measured
 * rate and the rate counted from what reached the ring; median and range of RUNS runs), the jitter,
 * bad lines and ring drops; then the pulled-cable latency (emulator unplugs mid-stream -> state LOST)
 * and the time to stream again after the replug, median and range of UNPLUGS tries.
 * Run it by hand (`make bench`); it asserts nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "drivers/acq.h"
#include "drivers/emu.h"

#define RUNS 5
#define RUN_S 3.0
#define UNPLUGS 7
#define RING_CAP 65536

struct config {
    const char *label;
    const char *family;
    int baud;        /* the device's rate (and the station's) */
    double emu_hz;   /* the device's streaming / measuring rate (0: its default, -1: cannot stream) */
    int want_hz;     /* what the station asks for (0: the family's default) */
};

static const struct config configs[] = {
    {"chronojump (HX711, 80 Hz)", "chronojump", 115200, 80, 0},
    {"mark10 AOUT250 @115200", "mark10", 115200, 0, 250},
    {"mark10 Series 4, polling ? @115200", "mark10", 115200, -1, 0},
    {"mark10 AOUT50 @9600", "mark10", 9600, 0, 50},
    {"mark10 Series 4, polling ? @9600", "mark10", 9600, -1, 0},
    {"loadstar DI-1000U @9600 (max 80/s)", "loadstar", 9600, 80, 0},
    {"loadstar DI-1000UHS @230400 (500/s)", "loadstar", 230400, 500, 0},
    {"loadstar UHS-1K @230400 (575/s)", "loadstar", 230400, 575, 0},
    {"imada DS2, polling D @19200", "imada", 19200, 0, 0},
};

static struct st_sample ring_buf[RING_CAP];

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct emu *start_emu(const struct config *c, const char *link)
{
    struct emu_opts o = emu_opts_default(c->family);
    o.baud = c->baud;
    o.rate_hz = c->emu_hz;
    o.boot_s = 0.2;
    o.link_path = link;
    o.patient = emu_patient_default(250, 0);
    struct emu *e = NULL;
    struct st_err err;
    if (emu_start(&o, &e, &err) != ST_OK) {
        fprintf(stderr, "  emulator: %s\n", st_err_msg(&err));
        return NULL;
    }
    return e;
}

static struct acq *start_acq(const struct config *c, struct emu *e, struct st_ring *ring)
{
    ring_init(ring, ring_buf, RING_CAP);
    struct acq_cfg cfg = {.port = emu_port(e), .drv = drv_find(c->family), .baud = c->baud,
                          .rate_hz = c->want_hz, .reconnect_ms = 100};
    struct acq *a = NULL;
    struct st_err err;
    if (acq_start(&cfg, ring, &a, &err) != ST_OK) {
        fprintf(stderr, "  acquisition: %s\n", st_err_msg(&err));
        return NULL;
    }
    return a;
}

static void drain(struct st_ring *r, uint64_t *n, int64_t *first, int64_t *last)
{
    struct st_sample tmp[1024];
    size_t k;
    while ((k = ring_pop(r, tmp, 1024)) > 0) {
        if (*n == 0)
            *first = tmp[0].t_ns;
        *last = tmp[k - 1].t_ns;
        *n += k;
    }
}

static void rate_runs(const struct config *c, const char *link)
{
    double acq_hz[RUNS], cnt_hz[RUNS], jit[RUNS];
    uint64_t bad = 0, drops = 0;
    for (int i = 0; i < RUNS; i++) {
        struct emu *e = start_emu(c, link);
        struct st_ring ring;
        struct acq *a = e ? start_acq(c, e, &ring) : NULL;
        if (!a) {
            emu_stop(e);
            printf("  run %d failed\n", i + 1);
            return;
        }
        uint64_t n = 0;
        int64_t first = 0, last = 0;
        int64_t end = st_now_ns() + (int64_t)(RUN_S * 1e9);
        while (st_now_ns() < end) {
            drain(&ring, &n, &first, &last);
            st_sleep_ns(5 * ST_NS_PER_MS);
        }
        struct acq_status st;
        acq_get_status(a, &st);
        acq_stop(a);
        emu_stop(e);
        acq_hz[i] = st.rate_hz;
        cnt_hz[i] = n > 1 && last > first ? (double)(n - 1) / ((double)(last - first) / 1e9) : 0;
        jit[i] = st.jitter_ms;
        bad += st.bad_lines;
        drops += st.ring_drops;
    }
    double lo = acq_hz[0], hi = acq_hz[0];
    for (int i = 1; i < RUNS; i++) {
        lo = fmin(lo, acq_hz[i]);
        hi = fmax(hi, acq_hz[i]);
    }
    printf("  rate %.1f Hz (range %.1f-%.1f; counted at the ring %.1f Hz), jitter %.2f ms, %llu bad lines, "
           "%llu ring drops over %d runs of %.0f s\n",
           median(acq_hz, RUNS), lo, hi, median(cnt_hz, RUNS), median(jit, RUNS), (unsigned long long)bad,
           (unsigned long long)drops, RUNS, RUN_S);
}

static void unplug_runs(const struct config *c, const char *link)
{
    double lost_s[UNPLUGS], back_s[UNPLUGS];
    int ok = 0;
    struct emu *e = start_emu(c, link);
    struct st_ring ring;
    struct acq *a = e ? start_acq(c, e, &ring) : NULL;
    if (!a) {
        emu_stop(e);
        return;
    }
    uint64_t n = 0;
    int64_t first = 0, last = 0;
    for (int i = 0; i < UNPLUGS; i++) {
        int64_t settle = st_now_ns() + 700 * ST_NS_PER_MS;
        while (st_now_ns() < settle) {
            drain(&ring, &n, &first, &last);
            st_sleep_ns(2 * ST_NS_PER_MS);
        }
        struct acq_status st;
        acq_get_status(a, &st);
        uint64_t reconnects = st.reconnects;
        int64_t t0 = st_now_ns();
        emu_unplug(e);
        double lost = NAN, back = NAN;
        while (st_now_ns() - t0 < 5 * ST_NS_PER_S) {
            drain(&ring, &n, &first, &last);
            acq_get_status(a, &st);
            if (st.state == ACQ_LOST) {
                lost = (double)(st_now_ns() - t0) / 1e9;
                break;
            }
            st_sleep_ns(ST_NS_PER_MS);
        }
        struct st_err err;
        int64_t t1 = st_now_ns();
        emu_replug(e, &err);
        while (st_now_ns() - t1 < 10 * ST_NS_PER_S) {
            drain(&ring, &n, &first, &last);
            acq_get_status(a, &st);
            if (st.state == ACQ_STREAMING && st.reconnects > reconnects) {
                back = (double)(st_now_ns() - t1) / 1e9;
                break;
            }
            st_sleep_ns(ST_NS_PER_MS);
        }
        if (!isnan(lost) && !isnan(back)) {
            lost_s[ok] = lost;
            back_s[ok] = back;
            ok++;
        }
    }
    acq_stop(a);
    emu_stop(e);
    if (!ok) {
        printf("  pulled cable: never detected\n");
        return;
    }
    double lmax = 0;
    for (int i = 0; i < ok; i++)
        lmax = fmax(lmax, lost_s[i]);
    printf("  pulled cable: lost after %.3f s (median, max %.3f s), streaming again %.2f s after the replug "
           "(median), %d/%d tries\n",
           median(lost_s, ok), lmax, median(back_s, ok), ok, UNPLUGS);
}

int main(void)
{
    st_log_set_level(ST_LOG_ERROR); /* the pulls are on purpose: no warning per pull */
    char link[256];
    snprintf(link, sizeof link, "/tmp/station-bench-%d-tty", (int)getpid());
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
        const struct config *c = &configs[i];
        if (!drv_find(c->family) || !emu_family_find(c->family)) {
            printf("%s: family not built\n", c->label);
            continue;
        }
        printf("%s\n", c->label);
        fflush(stdout);
        rate_runs(c, link);
        fflush(stdout);
        unplug_runs(c, link);
        fflush(stdout);
    }
    return 0;
}
