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

int st_ms_until(int64_t deadline_ns)
{
    int64_t left = deadline_ns - st_now_ns();
    if (left <= 0)
        return 0;
    int64_t ms = (left + ST_NS_PER_MS - 1) / ST_NS_PER_MS;
    return ms < INT32_MAX ? (int)ms : INT32_MAX;
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
