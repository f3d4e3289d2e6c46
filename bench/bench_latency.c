/*
 * bench_latency.c - how late a push reaches the engine: emulator write -> the main loop takes the
 * sample from the ring and feeds the engine, on an emulated Chronojump at 1 kHz.
 *
 * The loop here is the session's headless loop reduced to its timing: every LOOP_MS it drains the
 * ring (station/session.c: drain -> engine), as `station run --headless` does. A sample's time is the
 * device's clock anchored at its least-delayed arrival (drivers/acq.h), i.e. the moment the emulator
 * wrote it plus the fastest the pty ever carried a line (tens of microseconds); the latency of a sample
 * is the monotonic time at which the loop took it minus that time. Median and p99 over every sample
 * of RUNS runs of RUN_S seconds, each run after a 1 s warm-up (the anchor settles).
 *
 * What decides it: the loop's period (samples wait in the ring for the next frame) plus the time lines
 * of a device-clock family gather between reads (drivers/acq.c, ACQ_GATHER_NS): the cost of not
 * waking for every line (bench_peer). The frame presented on screen adds the window's frame (16 ms
 * at 60 Hz) and is not measured here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_result.h"
#include "common/clock.h"
#include "drivers/acq.h"
#include "drivers/emu.h"

#define RUNS 3
#define RUN_S 4.0
#define LOOP_MS 16 /* station/session.c: the headless loop's period (16 ms, as with a window) */
#define RING_CAP 65536
#define MAXLAT 200000

static struct st_sample ring_buf[RING_CAP], out[RING_CAP];

int main(void)
{
    static double lat[MAXLAT];
    int n = 0;
    for (int run = 0; run < RUNS; run++) {
        struct emu_opts eo = emu_opts_default("chronojump");
        eo.rate_hz = 1000;
        eo.boot_s = 0.2;
        eo.patient = emu_patient_default(200, 0);
        struct emu *e = NULL;
        struct st_err err;
        if (emu_start(&eo, &e, &err) != ST_OK) {
            fprintf(stderr, "bench_latency: %s\n", st_err_msg(&err));
            return 1;
        }
        struct st_ring ring;
        ring_init(&ring, ring_buf, RING_CAP);
        struct acq_cfg cfg = {.port = emu_port(e), .drv = drv_find("chronojump"), .rate_hz = 1000};
        struct acq *a = NULL;
        if (acq_start(&cfg, &ring, &a, &err) != ST_OK) {
            fprintf(stderr, "bench_latency: %s\n", st_err_msg(&err));
            emu_stop(e);
            return 1;
        }
        int64_t t0 = st_now_ns(), warm = t0 + ST_NS_PER_S, end = warm + (int64_t)(RUN_S * 1e9);
        int64_t next = t0;
        while (st_now_ns() < end) {
            size_t k = ring_pop(&ring, out, RING_CAP);
            int64_t now = st_now_ns();
            for (size_t i = 0; i < k && n < MAXLAT; i++)
                if (out[i].t_ns >= warm)
                    lat[n++] = (double)(now - out[i].t_ns) / 1e6;
            next += LOOP_MS * ST_NS_PER_MS;
            if (next > now)
                st_sleep_ns(next - now);
            else
                next = now;
        }
        acq_stop(a);
        emu_stop(e);
    }
    bench_row("latency", "emulator write -> the loop feeds the engine (1 kHz, headless loop)", "ms", lat, n,
              "p99 under 2 ms", bench_quantile(lat, n, 0.99) < 2, NAN);
    return 0;
}
