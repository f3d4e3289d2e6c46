/*
 * bench_xvfb.h - an Xvfb server of the bench's own, on the first free display from :90, for the
 * benches that measure the station with its window (bench_ui, bench_peer). Header-only.
 */
#ifndef STATION_BENCH_BENCH_XVFB_H
#define STATION_BENCH_BENCH_XVFB_H

#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"

/* Starts Xvfb (1600 x 900 x 24) and waits for its socket; display gets ":N". Returns its pid, or -1
 * when there is no /usr/bin/Xvfb or it did not start. Stop it with bench_xvfb_stop. */
static inline pid_t bench_xvfb_start(char *display, size_t size)
{
    if (access("/usr/bin/Xvfb", X_OK) != 0)
        return -1;
    int d = 90;
    char sock[64];
    for (; d < 130; d++) {
        snprintf(sock, sizeof sock, "/tmp/.X11-unix/X%d", d);
        if (access(sock, F_OK) != 0)
            break;
    }
    snprintf(display, size, ":%d", d);
    fflush(stdout);
    pid_t x = fork();
    if (x < 0)
        return -1;
    if (x == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(127);
        execl("/usr/bin/Xvfb", "Xvfb", display, "-screen", "0", "1600x900x24", "-nolisten", "tcp", "-noreset",
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && access(sock, F_OK) != 0; i++)
        st_sleep_ns(50 * ST_NS_PER_MS);
    if (access(sock, F_OK) != 0) {
        kill(x, SIGTERM);
        waitpid(x, NULL, 0);
        return -1;
    }
    return x;
}

static inline void bench_xvfb_stop(pid_t x)
{
    if (x > 0) {
        kill(x, SIGTERM);
        waitpid(x, NULL, 0);
    }
}

#endif
