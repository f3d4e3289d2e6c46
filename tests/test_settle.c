/*
 * test_settle.c - the calibration check's still-second detection (protocols/settle.h) on synthetic
 * traces at 80 samples a second (the HX711 rate) and 1000 (a fast gauge): a 10 kg mass placed after a
 * zero reads its force without the placing in it; a mass that wobbles, one that creeps, one taken
 * off before its reading and a zero that never settles give no reading; batching does not matter.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "protocols/settle.h"

#define MASS_N (10 * 9.80665)

/* The force of a trace at time t (s). */
typedef double (*trace_fn)(double t);

/* Feeds `seconds` of trace at rate Hz in batches of `batch` samples; returns the phase. */
static enum settle_phase run(struct settle *s, trace_fn f, double rate, double seconds, size_t batch)
{
    settle_init(s, MASS_N);
    static struct st_sample buf[1024];
    size_t total = (size_t)(seconds * rate), used = 0;
    for (size_t i = 0; i < total; i++) {
        double t = (double)i / rate;
        buf[used++] = (struct st_sample){.t_ns = (int64_t)llround(t * 1e9), .force_n = f(t)};
        if (used == batch || i + 1 == total) {
            settle_feed(s, buf, used);
            used = 0;
        }
    }
    return s->phase;
}

/* A small deterministic tremor of the sensor (+-0.05 N), the same on every run. */
static double jitter(double t)
{
    return 0.05 * sin(t * 97.0) * cos(t * 31.0);
}

/* At rest 2 s around 1.5 N, then the mass placed over 0.5 s with an overshoot that dies out by 3.3 s. */
static double placed(double t)
{
    double f = 1.5 + jitter(t);
    if (t < 2.5)
        return f;
    if (t < 3.0)
        return f + MASS_N * (t - 2.5) / 0.5;
    return f + MASS_N + (t < 3.3 ? 4.0 * sin((t - 3.0) * 20.0) : 0);
}

/* The mass swings: 3 N at 1.5 Hz for ever. */
static double wobbling(double t)
{
    return t < 2.5 ? 1.5 + jitter(t) : 1.5 + MASS_N + 3.0 * sin(t * 2 * M_PI * 1.5);
}

/* The reading creeps up 1 N a second (a slipping sling or a cell that creeps). */
static double drifting(double t)
{
    return t < 2.5 ? 1.5 + jitter(t) : 1.5 + MASS_N + 1.0 * (t - 2.5) + jitter(t);
}

/* Placed, still just over a second, taken off before a second still second could pass. */
static double removed(double t)
{
    if (t < 2.5 || t >= 4.2)
        return 1.5 + jitter(t);
    return 1.5 + MASS_N + jitter(t);
}

/* Nobody keeps the gauge still: 4 N of handling noise throughout. */
static double handled(double t)
{
    return 4.0 * sin(t * 13.0) + 3.0 * sin(t * 5.3);
}

static void test_mass_placed_reads_without_the_placing(void)
{
    static struct settle s;
    const double rates[] = {80, 1000};
    for (size_t r = 0; r < 2; r++) {
        CHECK_INT(run(&s, placed, rates[r], 10, 32), SETTLE_READ);
        CHECK_NEAR(s.zero_n, 1.5, 0.02);
        /* the overshoot would pull a window that holds it off by tenths of a newton */
        CHECK_NEAR(s.reading_n, MASS_N, 0.02);
    }
}

static void test_no_reading_when_not_still(void)
{
    static struct settle s;
    const trace_fn bad[] = {wobbling, drifting, removed};
    /* a wobbling or creeping mass is never still; the removed one was still once, not twice */
    const enum settle_phase want[] = {SETTLE_WAIT_MASS, SETTLE_WAIT_MASS, SETTLE_PLACED};
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT(run(&s, bad[i], 80, 12, 16), want[i]);
        CHECK_NEAR(s.zero_n, 1.5, 0.02); /* the zero was taken before the mass */
        CHECK_NAN(s.reading_n);
    }
    CHECK_INT(run(&s, handled, 80, 12, 16), SETTLE_ZEROING);
    CHECK_NAN(s.zero_n);
}

static void test_batching_does_not_matter(void)
{
    static struct settle a, b;
    run(&a, placed, 1000, 10, 1);
    run(&b, placed, 1000, 10, 1000);
    CHECK_INT(a.phase, b.phase);
    CHECK(a.zero_n == b.zero_n && a.reading_n == b.reading_n);
}

/* A trace longer than the window (about 50 s at 80 a second) still settles: old samples drop out. */
static double late(double t)
{
    return t < 60 ? 1.5 + handled(t) : placed(t - 60);
}

static void test_long_wait_then_zero(void)
{
    static struct settle s;
    CHECK_INT(run(&s, late, 80, 75, 64), SETTLE_READ);
    /* the zero's second may hold the last of the handling (it is still within 2 N): 0.1 % */
    CHECK_REL(s.reading_n, MASS_N, 0.001);
}

int main(void)
{
    CHECK_RUN(test_mass_placed_reads_without_the_placing);
    CHECK_RUN(test_no_reading_when_not_still);
    CHECK_RUN(test_batching_does_not_matter);
    CHECK_RUN(test_long_wait_then_zero);
    return check_done();
}
