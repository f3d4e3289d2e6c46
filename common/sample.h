/*
 * sample.h - one force reading as it travels from a device to the engine.
 *
 * Every sample is in newtons (converted by the driver on entry) and stamped on the station's one
 * monotonic clock (common/clock.h), so samples from several devices line up. A sample is a value type:
 * 24 bytes, copied through the acquisition ring.
 */
#ifndef STATION_DRIVERS_SAMPLE_H
#define STATION_DRIVERS_SAMPLE_H

#include <stdint.h>

enum st_sample_flag {
    ST_SAMPLE_SATURATED = 1u << 0,   /* at the device's full-scale reading, or its overload marker */
    ST_SAMPLE_DEVICE_TIME = 1u << 1, /* t_ns was spaced by the device's own clock (else host arrival) */
    ST_SAMPLE_GAP = 1u << 2,         /* samples are missing just before this one (device clock gap) */
    ST_SAMPLE_RECONNECTED = 1u << 3, /* first sample after the device came back */
    ST_SAMPLE_TRIGGER = 1u << 4,     /* a trigger input edge at t_ns (force_n is the last force) */
    ST_SAMPLE_ZEROED = 1u << 5,      /* first sample after the device's own zero command took effect */
};

struct st_sample {
    int64_t t_ns;     /* station monotonic time, nanoseconds */
    double force_n;   /* newtons, as the device reports it (before the engine's tare) */
    uint16_t channel; /* 0..ST_MAX_CHANNELS-1: which gauge or pad */
    uint16_t flags;   /* enum st_sample_flag bits */
    uint32_t seq;     /* per-channel sequence number, to spot loss after the ring */
};

#define ST_MAX_CHANNELS 4

#endif
