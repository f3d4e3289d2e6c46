/*
 * cpu_mark.h - where a process's fixed CPU cost goes: the CPU time the whole process (every thread)
 * has used at a few points of a `station run`, written out for bench/bench_peer.c when the environment
 * names a file. A run's fixed cost (what it spends before and after its samples) is then measured in
 * parts - the start, the database, the device, the session's end - from the same runs as the total.
 *
 * Environment: STATION_CPU_MARKS=FILE. st_cpu_marks_write appends one line to FILE:
 * `main=MS devices=MS opened=MS loop=MS loop_end=MS` (milliseconds of CPU since the process began;
 * `nan` for a point the run never reached). Unset: nothing is written (the marks cost one
 * clock_gettime each).
 */
#ifndef STATION_COMMON_CPU_MARK_H
#define STATION_COMMON_CPU_MARK_H

enum st_cpu_mark {
    ST_CPU_MAIN,     /* main() entered: exec and the dynamic linker before it */
    ST_CPU_DEVICES,  /* the session's database and protocol are ready; the devices open next */
    ST_CPU_OPENED,   /* every device is open, probed and identified */
    ST_CPU_LOOP,     /* the session is begun (engine, its row, the window): the loop starts */
    ST_CPU_LOOP_END, /* the loop is over: the session's end follows */
    ST_CPU_MARKS
};

/* Records the process's CPU time now as mark m (the main thread's calls; the last call wins). */
void st_cpu_mark(enum st_cpu_mark m);

/* Appends the marks to $STATION_CPU_MARKS (above); nothing when it is unset or cannot be opened. */
void st_cpu_marks_write(void);

#endif
