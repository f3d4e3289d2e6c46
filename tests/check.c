/* check.c - the test harness; see check.h. */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/lsan.h"

STATION_LSAN_SUPPRESSIONS

int check_failures;
int check_cases;
static int skipped;
const char *check_current = "?";
jmp_buf check_abort_case;
static char tmpdir[256];

void check_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "FAIL %s:%d [%s] ", file, line, check_current);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    check_failures++;
}

void check_run(const char *name, void (*fn)(void))
{
    int before = check_failures, skipped_before = skipped;
    check_current = name;
    check_cases++;
    if (setjmp(check_abort_case) == 0)
        fn();
    fprintf(stderr, "%s %s\n",
            check_failures != before    ? "FAIL"
            : skipped != skipped_before ? "SKIP"
                                        : "ok  ",
            name);
    check_current = "?";
}

void check_skip(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "SKIP [%s] ", check_current);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    skipped++;
    longjmp(check_abort_case, 1);
}

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[512];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
                chmod(sub, 0700);
                rm_tree(sub);
            } else {
                unlink(sub);
            }
        }
        closedir(d);
    }
    rmdir(path);
}

const char *check_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/station-test-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
    }
    return tmpdir;
}

const char *check_tmppath(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", check_tmpdir(), name);
    return buf;
}

char *check_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

const char *check_self(void)
{
    static char self[1024];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        perror("readlink /proc/self/exe");
        abort();
    }
    self[n] = '\0';
    return self;
}

int check_done(void)
{
    if (tmpdir[0] && !getenv("STATION_KEEP_TMP"))
        rm_tree(tmpdir);
    fprintf(stderr, "%d case(s), %d failure(s), %d skipped\n", check_cases, check_failures, skipped);
    return check_failures ? 1 : skipped ? CHECK_SKIPPED : 0;
}

bool check_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        check_fail(__FILE__, __LINE__, "could not write the fixture %s", path);
    return ok;
}

#define XVFB "/usr/bin/Xvfb"

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

pid_t check_xvfb_start(char *display, size_t size)
{
    if (access(XVFB, X_OK) != 0)
        return -1;
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t x = fork();
    if (x < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (x == 0) {
        close(fds[0]);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        char fd[16];
        snprintf(fd, sizeof fd, "%d", fds[1]);
        execl(XVFB, "Xvfb", "-displayfd", fd, "-screen", "0", "1600x900x24", "-nolisten", "tcp", "-noreset",
              (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    /* Xvfb writes its display number and a newline once it accepts connections. */
    char buf[16];
    size_t n = 0;
    double deadline = mono_s() + 30;
    while (n < sizeof buf - 1 && !memchr(buf, '\n', n) && mono_s() < deadline) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t k = read(fds[0], buf + n, sizeof buf - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    close(fds[0]);
    buf[n] = '\0';
    char *end = NULL;
    long d = strtol(buf, &end, 10);
    if (end == buf || *end != '\n' || d < 0) {
        check_xvfb_stop(x);
        return -1;
    }
    snprintf(display, size, ":%ld", d);
    return x;
}

void check_xvfb_stop(pid_t x)
{
    if (x > 0) {
        kill(x, SIGTERM);
        waitpid(x, NULL, 0);
    }
}

void check_under_xvfb(const char *child_env, int timeout_s)
{
    if (access(XVFB, X_OK) != 0)
        check_skip("%s is not installed (Debian package xvfb): the real X11 window was not tested", XVFB);
    char display[32];
    pid_t x = check_xvfb_start(display, sizeof display);
    if (x < 0) {
        check_fail(__FILE__, __LINE__, "Xvfb did not start");
        return;
    }
    const char *self = check_self();
    pid_t pid = fork();
    if (pid < 0) {
        check_xvfb_stop(x);
        check_fail(__FILE__, __LINE__, "fork failed");
        return;
    }
    if (pid == 0) {
        setpgid(0, 0);
        setenv(child_env, "1", 1);
        setenv("DISPLAY", display, 1);
        setenv("SDL_VIDEODRIVER", "x11", 1);
        setenv("SDL_AUDIODRIVER", "dummy", 1);
        setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
        unsetenv("WAYLAND_DISPLAY");
        execl(self, self, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    double deadline = mono_s() + timeout_s;
    pid_t got;
    while ((got = waitpid(pid, &status, WNOHANG)) == 0 && mono_s() < deadline)
        usleep(50000);
    if (got == 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
        check_xvfb_stop(x);
        check_fail(__FILE__, __LINE__, "the X11 child did not finish in %d s", timeout_s);
        return;
    }
    check_xvfb_stop(x);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        check_fail(__FILE__, __LINE__, "the X11 child failed (status %d): see its output above", status);
}
