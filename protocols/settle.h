/*
 * settle.h - the calibration check's reading of a known mass: a zero taken at rest, then the mass's
 * reading taken only once the mass hangs still and drift-free for a whole second. Pure: samples in,
 * a phase and two numbers out; no clock, no I/O (the `station calibrate` command feeds it what the
 * acquisition thread delivers and prints what it says).
 *
 * "Still" is judged on the last second of samples (a window that spans at least 0.9 s of it):
 *   - at rest (the zero): the sample SD under 2 N, and the mean of the window's second half within
 *     2 N of the mean of its first half (no drift);
 *   - under the mass: the same with a tighter band, 0.2 % of the expected force but at least 0.3 N,
 *     and the mean at least half the expected force above the zero (the mass is on, not a bump).
 * The first still second under the mass only says the mass is placed; the reading is the mean of the
 * next whole still second, so no part of the placing (the end of its settling) is averaged in. After
 * each decision the window starts empty. A mass taken off before its reading simply never reads.
 *
 * Storage is inside struct settle (no allocation): the window holds SETTLE_WINDOW samples, so a
 * device faster than about 4000 samples a second never shows a whole second and never settles.
 *
 * Threads: a struct settle belongs to one thread; the functions keep no other state.
 */
#ifndef STATION_PROTOCOLS_SETTLE_H
#define STATION_PROTOCOLS_SETTLE_H

#include <stddef.h>

#include "common/sample.h"

#define SETTLE_WINDOW 4096

enum settle_phase {
    SETTLE_ZEROING = 0, /* waiting for a still second at rest */
    SETTLE_WAIT_MASS,   /* zero taken (zero_n): waiting for the mass to hang still */
    SETTLE_PLACED,      /* the mass hung still once: the next still second is the reading */
    SETTLE_READ,        /* done: reading_n is the mass's force above the zero */
};

struct settle {
    double expect_n; /* the mass's expected force, mass_kg x 9.80665 */
    enum settle_phase phase;
    double zero_n;    /* NAN until SETTLE_WAIT_MASS */
    double reading_n; /* NAN until SETTLE_READ: the still second's mean minus zero_n */
    /* the window: the last samples in time order (private) */
    double t_s[SETTLE_WINDOW], f_n[SETTLE_WINDOW];
    size_t n;
};

/* Starts a check for a mass whose expected force is expect_n (> 0) newtons: phase SETTLE_ZEROING. */
void settle_init(struct settle *s, double expect_n);

/*
 * Feeds n samples in time order (any channel: the caller passes one device's). Trigger-edge samples
 * (ST_SAMPLE_TRIGGER) carry no new force and are skipped. Judges the window after every sample, so
 * the result does not depend on how the samples were batched. Returns the phase after the samples;
 * once SETTLE_READ, further samples change nothing.
 */
enum settle_phase settle_feed(struct settle *s, const struct st_sample *x, size_t n);

#endif
