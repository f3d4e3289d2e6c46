/* cpu_mark.c - the process's CPU time at named points, for the benchmarks (manual: common/cpu_mark.h). */
#include "common/cpu_mark.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double marks_ms[ST_CPU_MARKS] = {NAN, NAN, NAN, NAN, NAN};
_Static_assert(ST_CPU_MARKS == 5, "marks_ms's initialiser and the line written name every mark");

void st_cpu_mark(enum st_cpu_mark m)
{
    struct timespec ts;
    if (m < ST_CPU_MARKS && clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
        marks_ms[m] = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void st_cpu_marks_write(void)
{
    const char *path = getenv("STATION_CPU_MARKS");
    FILE *f = path && *path ? fopen(path, "a") : NULL;
    if (!f)
        return;
    fprintf(f, "main=%.3f devices=%.3f opened=%.3f loop=%.3f loop_end=%.3f\n", marks_ms[ST_CPU_MAIN],
            marks_ms[ST_CPU_DEVICES], marks_ms[ST_CPU_OPENED], marks_ms[ST_CPU_LOOP], marks_ms[ST_CPU_LOOP_END]);
    fclose(f);
}
