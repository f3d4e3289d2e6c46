/*
 * clock.h - the one clock of the station: CLOCK_MONOTONIC in int64 nanoseconds.
 *
 * Every sample from every device is stamped on this clock, so channels from several devices line up.
 * Only the I/O edges (acquisition threads, emulators, the main loop) read it; the engine and the
 * metrics are fed times and never call these.
 */
#ifndef STATION_COMMON_CLOCK_H
#define STATION_COMMON_CLOCK_H

#include <stdint.h>

#define ST_NS_PER_S 1000000000LL
#define ST_NS_PER_MS 1000000LL

/* Monotonic time now, in nanoseconds since an arbitrary fixed point. */
int64_t st_now_ns(void);

/* Milliseconds from now until deadline_ns (a st_now_ns time), rounded up; 0 once it has passed. A
 * poll() timeout from it sleeps until the deadline, never short of it: rounded down, the last
 * millisecond of every wait became a busy loop of poll(0) calls (1-2 ms of CPU per probe window). */
int st_ms_until(int64_t deadline_ns);

/* Sleeps for ns nanoseconds (returns early only if ns <= 0), resuming after signals. */
void st_sleep_ns(int64_t ns);

/* Wall-clock time as seconds since the Unix epoch (for dates stored and shown, never for samples). */
int64_t st_wall_s(void);

#endif
