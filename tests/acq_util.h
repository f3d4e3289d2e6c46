/*
 * acq_util.h - the consumer side of an acquisition in tests: one ring, every sample drained into
 * got[], and waiting (in real time, the emulators run in real time) for a state or a duration.
 * Shared by the pipeline and family tests. Header-only (static), like parser_util.h.
 */
#ifndef STATION_TESTS_ACQ_UTIL_H
#define STATION_TESTS_ACQ_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <string.h>

#include "check.h"
#include "common/clock.h"
#include "drivers/acq.h"
#include "drivers/emu.h"

#define RING_CAP 8192
static struct st_sample ring_buf[RING_CAP];
static struct st_sample got[200000];
static size_t n_got;

/* Starts emulator o (a copy: its pty is linked as `name` in the test's folder). The case ends if it
 * cannot; the caller stops it with emu_stop. */
static inline struct emu *acq_emu_start(const char *name, struct emu_opts o)
{
    char path[512];
    o.link_path = check_tmppath(path, sizeof path, name);
    struct emu *e = NULL;
    struct st_err err;
    CHECK_OK(emu_start(&o, &e, &err), &err);
    REQUIRE(e);
    return e;
}

/* emu_patient_default(peak_n, reps) without noise, the first push after start_delay_s: the force on
 * the wire is exactly the push's. */
static inline struct emu_patient acq_patient_quiet(double peak_n, int reps, double start_delay_s)
{
    struct emu_patient p = emu_patient_default(peak_n, reps);
    p.noise_n = 0;
    p.start_delay_s = start_delay_s;
    return p;
}

/* A patient who holds 100 N from the start, without noise (a traced push), for the unit tests. */
static inline struct emu_patient acq_patient_100n(void)
{
    static const double tt[] = {0, 1000}, tf[] = {100, 100};
    struct emu_patient p = emu_patient_default(0, 0);
    p.kind = EMU_PATIENT_TRACE;
    p.trace_t = tt;
    p.trace_f = tf;
    p.trace_n = 2;
    p.noise_n = 0;
    return p;
}

/* drv_dev_open of drv on port (baud 0: the family's) for a test that needs the device: the case ends
 * if it cannot. Close it with drv_dev_close. */
static inline struct drv_dev *acq_dev_open(const struct drv_driver *drv, const char *port, int baud,
                                           int timeout_ms)
{
    struct drv_dev *d = NULL;
    struct st_err err;
    CHECK_OK(drv_dev_open(drv, port, baud, timeout_ms, &d, &err), &err);
    REQUIRE(d);
    return d;
}

/* Moves everything in r into got[] (silently stops at its end). */
static void drain(struct st_ring *r)
{
    struct st_sample tmp[512];
    size_t n;
    while ((n = ring_pop(r, tmp, 512)) > 0)
        for (size_t i = 0; i < n && n_got < sizeof got / sizeof got[0]; i++)
            got[n_got++] = tmp[i];
}

/* Starts an acquisition of cfg into ring over the shared buffer, got[] emptied. Returns it (the test
 * stops it with acq_stop); a start that fails ends the case. */
static struct acq *acq_begin(struct st_ring *ring, const struct acq_cfg *cfg)
{
    REQUIRE(ring_init(ring, ring_buf, RING_CAP));
    struct acq *a = NULL;
    struct st_err err;
    n_got = 0;
    CHECK_OK(acq_start(cfg, ring, &a, &err), &err);
    REQUIRE(a);
    return a;
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

/* Drains until every sample the emulator had sent (sent, less slack answered outside the acquisition)
 * has arrived, or 5 s: a loaded machine delays the pipeline, it does not lose samples. */
static void await_sent(struct st_ring *r, struct acq *a, uint64_t sent, size_t slack)
{
    int64_t end = st_now_ns() + 5 * ST_NS_PER_S;
    drain(r);
    while (n_got + slack < sent && st_now_ns() < end)
        run_for(r, a, 0.01, NULL);
}

/* Streams for `seconds`, notes what the emulator had sent by then (*es), waits for all of it (less
 * slack) to arrive, and stops the acquisition: *st is its final status. The emulator keeps running. */
static void stream_and_stop(struct st_ring *r, struct acq *a, struct emu *e, double seconds, size_t slack,
                            struct acq_status *st, struct emu_stats *es)
{
    run_for(r, a, seconds, NULL);
    emu_get_stats(e, es);
    await_sent(r, a, es->samples_sent, slack);
    /* The device still streams: a status read while a read's samples are on their way to the ring
     * counts more than got[] holds. Take the status that follows a drain with nothing pushed between
     * (a read comes every few ms); a sample counted but never delivered keeps them apart, and fails. */
    for (int i = 0; i < 200; i++) {
        drain(r);
        acq_get_status(a, st);
        if (st->samples == n_got)
            break;
        st_sleep_ns(ST_NS_PER_MS / 2);
    }
    acq_stop(a);
}

/* Streams emulator e through an acquisition of cfg for `seconds` (stream_and_stop, slack as there; the
 * emulator keeps running) and checks what every family's stream owes: still streaming, from `family`,
 * every sample counted, no bad line, device error or ring drop. *st and *es as stream_and_stop's. */
static inline void acq_stream(struct emu *e, const struct acq_cfg *cfg, double seconds, size_t slack,
                              const char *family, struct acq_status *st, struct emu_stats *es)
{
    struct st_ring ring;
    struct acq *a = acq_begin(&ring, cfg);
    stream_and_stop(&ring, a, e, seconds, slack, st, es);
    CHECK_INT(st->state, ACQ_STREAMING);
    CHECK_STR(st->ident.family, family);
    CHECK_INT(st->samples, n_got);
    CHECK_INT(st->bad_lines, 0);
    CHECK_INT(st->device_errors, 0);
    CHECK_INT(st->ring_drops, 0);
}

/* got[] as one acquisition delivers it: every sample on channel ch, numbered 0, 1, 2, ... in order,
 * at strictly increasing times. Returns the largest force (-1e9 when got[] is empty). */
static inline double acq_got_in_order(unsigned ch)
{
    double peak = -1e9;
    int chan_bad = 0, seq_bad = 0, order_bad = 0;
    for (size_t i = 0; i < n_got; i++) {
        peak = got[i].force_n > peak ? got[i].force_n : peak;
        chan_bad += got[i].channel != ch;
        seq_bad += got[i].seq != i;
        order_bad += i > 0 && got[i].t_ns <= got[i - 1].t_ns;
    }
    CHECK_INT(chan_bad, 0);
    CHECK_INT(seq_bad, 0);
    CHECK_INT(order_bad, 0);
    return peak;
}

static bool is_lost(const struct acq_status *s)
{
    return s->state == ACQ_LOST;
}

static bool is_streaming(const struct acq_status *s)
{
    return s->state == ACQ_STREAMING;
}

static bool is_streaming_again(const struct acq_status *s)
{
    return s->state == ACQ_STREAMING && s->reconnects > 0;
}

/*
 * The pulled cable, as every family must survive it, on acquisition a (streaming from emulator e,
 * whose patient is pushing by now): the last sample before the pull is above mid_force_n (really
 * mid-rep); the acquisition is lost (within a generous bound of issue 3's one second, which
 * bench/bench_pipeline.c measures) with "disconnected ... check the cable"; every sample received
 * before is kept; after the replug it streams again by itself, once, the first new sample flagged
 * ST_SAMPLE_RECONNECTED, and no sample is out of order or missing. *at_pull (may be NULL) gets the
 * emulator's counters at the moment of the pull. Returns the index of the first sample after it.
 */
static size_t acq_unplug_suite(struct st_ring *r, struct acq *a, struct emu *e, double mid_force_n,
                               struct emu_stats *at_pull)
{
    /* Streaming first, a second of it, then the patient mid-push (a loaded machine probes late, and a
     * push comes every few seconds): what the checks below take for granted, waited for. */
    run_for(r, a, 10.0, is_streaming);
    run_for(r, a, 1.0, NULL);
    for (int64_t until = st_now_ns() + 10 * ST_NS_PER_S;
         st_now_ns() < until && !(n_got > 0 && got[n_got - 1].force_n > mid_force_n);)
        run_for(r, a, 0.005, NULL);
    /* Pull when the station has caught up with the device: readings still in the pty's buffer when
     * the cable goes are lost with it (as on a real cable), and a loaded machine lags by more than
     * the few the checks allow for (this failed under a parallel ASan run). */
    struct emu_stats sent;
    emu_get_stats(e, &sent);
    await_sent(r, a, sent.samples_sent, 4);
    size_t before = n_got;
    CHECK(before > 5);
    CHECK(before > 0 && got[before - 1].force_n > mid_force_n);
    int64_t t_pull = st_now_ns();
    emu_unplug(e);
    if (at_pull)
        emu_get_stats(e, at_pull);
    run_for(r, a, 3.0, is_lost);
    double detect_s = (double)(st_now_ns() - t_pull) / 1e9;
    struct acq_status st;
    acq_get_status(a, &st);
    CHECK_INT(st.state, ACQ_LOST);
    CHECK(detect_s < 3.0);
    CHECK(strstr(st.message, "disconnected") != NULL);
    CHECK(strstr(st.message, "check the cable") != NULL);
    size_t at_loss = n_got;
    CHECK(at_loss >= before);
    CHECK_INT(st.samples, at_loss); /* every sample received before the pull is kept */

    struct st_err err;
    CHECK_OK(emu_replug(e, &err), &err);
    run_for(r, a, 6.0, is_streaming_again);
    run_for(r, a, 0.5, NULL);
    acq_get_status(a, &st);
    CHECK_INT(st.state, ACQ_STREAMING);
    CHECK_INT(st.reconnects, 1);
    CHECK(n_got > at_loss + 5);
    CHECK(n_got > at_loss && (got[at_loss].flags & ST_SAMPLE_RECONNECTED));
    for (size_t i = at_loss + 1; i < n_got; i++)
        CHECK(!(got[i].flags & ST_SAMPLE_RECONNECTED));
    for (size_t i = 1; i < n_got; i++)
        if (!(got[i].t_ns > got[i - 1].t_ns && got[i].seq == got[i - 1].seq + 1)) {
            check_fail(__FILE__, __LINE__, "sample %zu out of order or after a gap", i);
            break;
        }
    return at_loss;
}

/* Waits until a is streaming again after more than `reconnects` reconnects (up to seconds). */
static bool wait_back(struct st_ring *r, struct acq *a, uint64_t reconnects, double seconds)
{
    int64_t end = st_now_ns() + (int64_t)(seconds * 1e9);
    struct acq_status st;
    while (st_now_ns() < end) {
        run_for(r, a, 0.1, NULL);
        acq_get_status(a, &st);
        if (st.state == ACQ_STREAMING && st.reconnects > reconnects)
            return true;
    }
    return false;
}

/*
 * The faults every family must survive, in turn, on acquisition a (streaming from emulator e into r,
 * drained into got[]): random bytes (counted as bad lines, the stream goes on); a 5 s stall (lost with
 * "stopped sending", back by itself); the device's own rate changed to wrong_baud (lost with words
 * about the baud rate, not back until it is right_baud again). Through all of it no sample is lost,
 * duplicated or reordered. Bounds on time are generous: the machine is shared (timings are measured
 * in bench/bench_pipeline.c).
 */
static void acq_fault_suite(struct st_ring *r, struct acq *a, struct emu *e, int wrong_baud, int right_baud)
{
    struct acq_status st;
    /* Streaming first: garbage that comes while the device is still being probed is the probe's to
     * refuse, not a bad line (a loaded machine probes slower than 0.5 s). */
    run_for(r, a, 10.0, is_streaming);
    run_for(r, a, 0.5, NULL);
    size_t n0 = n_got;
    emu_inject_garbage(e, 2000);
    run_for(r, a, 0.7, NULL);
    acq_get_status(a, &st);
    CHECK_INT(st.state, ACQ_STREAMING);
    CHECK(st.bad_lines > 0);
    CHECK_INT(st.reconnects, 0);
    CHECK(n_got > n0);

    size_t n1 = n_got;
    emu_stall(e, 5.0);
    int64_t t0 = st_now_ns();
    run_for(r, a, 4.0, is_lost);
    acq_get_status(a, &st);
    CHECK_INT(st.state, ACQ_LOST);
    CHECK((double)(st_now_ns() - t0) / 1e9 < 4.0); /* the stall limit is 1 s */
    CHECK(strstr(st.message, "stopped sending") != NULL);
    CHECK_INT(st.samples, n_got); /* everything received before the stall was kept */
    CHECK(wait_back(r, a, 0, 9.0));
    run_for(r, a, 0.4, NULL);
    CHECK(n_got > n1);

    size_t n2 = n_got;
    acq_get_status(a, &st);
    uint64_t rc = st.reconnects;
    emu_set_baud(e, wrong_baud);
    run_for(r, a, 4.0, is_lost);
    acq_get_status(a, &st);
    CHECK_INT(st.state, ACQ_LOST);
    CHECK(strstr(st.message, "baud") != NULL);
    size_t n3 = n_got;
    run_for(r, a, 0.6, NULL);
    acq_get_status(a, &st);
    CHECK_INT(st.state, ACQ_LOST); /* no reconnect at the wrong rate */
    CHECK_INT(n_got, n3);
    emu_set_baud(e, right_baud);
    CHECK(wait_back(r, a, rc, 8.0));
    run_for(r, a, 0.4, NULL);
    CHECK(n_got > n2);
    acq_get_status(a, &st);
    CHECK_INT(st.samples, n_got);
    for (size_t i = 1; i < n_got; i++)
        if (got[i].seq != got[i - 1].seq + 1) {
            check_fail(__FILE__, __LINE__, "sample %zu: seq %u after %u", i, got[i].seq, got[i - 1].seq);
            break;
        }
}

/* The unplug suite (acq_unplug_suite above mid_force_n) on a new acquisition of cfg from e, then both
 * stopped; *st (NULL: not wanted) gets the acquisition's status before the stop. */
static inline void acq_unplug_case(struct emu *e, const struct acq_cfg *cfg, double mid_force_n,
                                   struct acq_status *st)
{
    struct st_ring ring;
    struct acq *a = acq_begin(&ring, cfg);
    acq_unplug_suite(&ring, a, e, mid_force_n, NULL);
    if (st)
        acq_get_status(a, st);
    acq_stop(a);
    emu_stop(e);
}

/* The fault suite (acq_fault_suite: wrong_baud, then right_baud) on a new acquisition of cfg from e,
 * then both stopped. */
static inline void acq_fault_case(struct emu *e, const struct acq_cfg *cfg, int wrong_baud, int right_baud)
{
    struct st_ring ring;
    struct acq *a = acq_begin(&ring, cfg);
    acq_fault_suite(&ring, a, e, wrong_baud, right_baud);
    acq_stop(a);
    emu_stop(e);
}

#endif
