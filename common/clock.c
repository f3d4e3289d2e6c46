/* clock.c - monotonic and wall time; see clock.h. */
#include "common/clock.h"

#include <errno.h>
#include <time.h>

int64_t st_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * ST_NS_PER_S + ts.tv_nsec;
}

void st_sleep_ns(int64_t ns)
{
    if (ns <= 0)
        return;
    struct timespec ts = {.tv_sec = ns / ST_NS_PER_S, .tv_nsec = ns % ST_NS_PER_S};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int64_t st_wall_s(void)
{
    return (int64_t)time(NULL);
}
