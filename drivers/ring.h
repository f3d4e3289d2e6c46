/*
 * ring.h - the lock-free single-producer, single-consumer ring from an acquisition thread to the
 * main loop (after PortAudio's pa_ringbuffer: power-of-two size, caller-owned storage).
 *
 * Exactly one thread pushes and exactly one thread pops. The producer never blocks: when the ring is
 * full the sample is dropped and counted, and the drop counter is shown to the therapist, never hidden.
 * Indices are free-running 64-bit counters (they never wrap in practice), published with
 * release/acquire atomics.
 */
#ifndef STATION_DRIVERS_RING_H
#define STATION_DRIVERS_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sample.h"

struct st_ring {
    struct st_sample *buf; /* caller-owned, capacity elements */
    size_t capacity;       /* a power of two */
    size_t mask;
    _Alignas(64) _Atomic uint64_t head; /* written by the producer: next slot to fill */
    _Alignas(64) _Atomic uint64_t tail; /* written by the consumer: next slot to read */
    _Alignas(64) _Atomic uint64_t drops; /* samples refused because the ring was full */
};

/*
 * Initialises r over buf (capacity elements, a power of two >= 2). The caller owns buf and keeps it
 * alive as long as r. Returns false (and leaves r unusable) if capacity is not a power of two.
 */
bool ring_init(struct st_ring *r, struct st_sample *buf, size_t capacity);

/* Producer: appends s; returns false and counts a drop when the ring is full. Never blocks. */
bool ring_push(struct st_ring *r, const struct st_sample *s);

/* Consumer: moves up to max samples into out, oldest first; returns how many. Never blocks. */
size_t ring_pop(struct st_ring *r, struct st_sample *out, size_t max);

/* Samples waiting (a snapshot; either thread may call it). */
size_t ring_count(const struct st_ring *r);

/* Total samples dropped since ring_init (either thread may call it). */
uint64_t ring_drops(const struct st_ring *r);

#endif
