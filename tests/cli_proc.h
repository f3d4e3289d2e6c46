/*
 * cli_proc.h - runs the real `station` program (or another) as a user would, in a child process with
 * stdin from /dev/null, and hands back its exit status, stdout and stderr; for the tests that check
 * the command line through the program itself (test_cli, test_cli_run).
 */
#ifndef STATION_TESTS_CLI_PROC_H
#define STATION_TESTS_CLI_PROC_H

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static inline const char *station_bin(void)
{
    const char *b = getenv("STATION_BIN");
    return b && *b ? b : "./station";
}

struct run {
    int status;
    char *out;
    char *err;
};

static inline char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return calloc(1, 1);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = calloc(1, (size_t)n + 1);
    if (n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n)
        b[0] = '\0';
    fclose(f);
    return b;
}

/* Runs argv (argv[0] is replaced by the station binary unless prog is given) with extra environment
 * assignments "K=V" (NULL-terminated; "K=" unsets K), stdin from /dev/null. */
static inline struct run run_cmd(const char *prog, char *const argv[], const char *const env[])
{
    char outp[512], errp[512];
    check_tmppath(outp, sizeof outp, "cmd.out");
    check_tmppath(errp, sizeof errp, "cmd.err");
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; env && env[i]; i++) {
            char kv[1024];
            snprintf(kv, sizeof kv, "%s", env[i]);
            char *eq = strchr(kv, '=');
            if (!eq)
                continue;
            *eq = '\0';
            if (eq[1])
                setenv(kv, eq + 1, 1);
            else
                unsetenv(kv);
        }
        if (!freopen("/dev/null", "r", stdin) || !freopen(outp, "w", stdout) || !freopen(errp, "w", stderr))
            _exit(127);
        execvp(prog ? prog : station_bin(), argv);
        _exit(127);
    }
    struct run r = {0};
    int st = 0;
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = slurp(outp);
    r.err = slurp(errp);
    return r;
}

static inline void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
}

static inline int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static inline const char *last_line(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '\n')
        s[--n] = '\0';
    char *nl = strrchr(s, '\n');
    return nl ? nl + 1 : s;
}

#endif
