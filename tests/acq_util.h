/*
 * acq_util.h - the consumer side of an acquisition in tests: one ring, every sample drained into
 * got[], and waiting (in real time, the emulators run in real time) for a state or a duration.
 * Shared by the pipeline and family tests. Header-only (static), like parser_util.h.
 */
#ifndef STATION_TESTS_ACQ_UTIL_H
#define STATION_TESTS_ACQ_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/clock.h"
#include "drivers/acq.h"

#define RING_CAP 8192
static struct st_sample ring_buf[RING_CAP];
static struct st_sample got[200000];
static size_t n_got;

/* Moves everything in r into got[] (silently stops at its end). */
static void drain(struct st_ring *r)
{
    struct st_sample tmp[512];
    size_t n;
    while ((n = ring_pop(r, tmp, 512)) > 0)
        for (size_t i = 0; i < n && n_got < sizeof got / sizeof got[0]; i++)
            got[n_got++] = tmp[i];
}

/* Drains for `seconds`, returning early once stop(status) says so (stop may be NULL). */
static void run_for(struct st_ring *r, struct acq *a, double seconds, bool (*stop)(const struct acq_status *))
{
    int64_t end = st_now_ns() + (int64_t)(seconds * 1e9);
    while (st_now_ns() < end) {
        drain(r);
        if (stop) {
            struct acq_status s;
            acq_get_status(a, &s);
            if (stop(&s))
                return;
        }
        st_sleep_ns(10 * ST_NS_PER_MS);
    }
    drain(r);
}

static bool is_lost(const struct acq_status *s)
{
    return s->state == ACQ_LOST;
}

static bool is_streaming_again(const struct acq_status *s)
{
    return s->state == ACQ_STREAMING && s->reconnects > 0;
}

#endif
