/*
 * cmd_capture.h - runs a command's function (cmd_patient, cmd_analyze, ...) inside the test or bench
 * process, with its stdout and stderr sent to files, so its words and exit status can be checked
 * without starting a process. Shared by test_cmd_patient, test_analyze and bench_store.
 */
#ifndef STATION_TESTS_CMD_CAPTURE_H
#define STATION_TESTS_CMD_CAPTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* Runs fn(argc, argv) with stdout going to out_path and stderr to err_path (each created 0600 and
 * emptied; NULL: /dev/null); both are back in place when it returns. Returns fn's exit status, or -1
 * when the files could not be opened (fn not run). */
static inline int cmd_capture(int (*fn)(int, char **), int argc, char **argv, const char *out_path,
                              const char *err_path)
{
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fo = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int fe = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = -1;
    if (so >= 0 && se >= 0 && fo >= 0 && fe >= 0) {
        dup2(fo, 1);
        dup2(fe, 2);
        rc = fn(argc, argv);
        fflush(stdout);
        fflush(stderr);
        dup2(so, 1);
        dup2(se, 2);
    }
    int fds[] = {so, se, fo, fe};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return rc;
}

/* The text of the file at path into buf (at most size - 1 bytes, NUL-terminated; "" when unreadable). */
static inline void cmd_slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

#endif
