/*
 * test_probe.c - `station devices --probe` against four emulated instruments on four ptys, an unknown
 * device that echoes everything back, and a port where nothing answers: each family is named right,
 * the echo is reported as unknown (never mistaken for one of ours), the silent port says nothing
 * answered. Also the library call, drv_probe_port, on each.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "drivers/driver.h"
#include "drivers/emu.h"

struct echo {
    int master;
    char name[64];
    pthread_t th;
    atomic_bool stop;
};

static void *echo_thread(void *arg)
{
    struct echo *e = arg;
    while (!atomic_load(&e->stop)) {
        struct pollfd p = {.fd = e->master, .events = POLLIN};
        if (poll(&p, 1, 20) > 0 && (p.revents & POLLIN)) {
            char buf[256];
            ssize_t n = read(e->master, buf, sizeof buf);
            if (n > 0 && write(e->master, buf, (size_t)n) != n) {
                /* the host is not reading: drop */
            }
        } else if (p.revents & POLLHUP) {
            usleep(10000);
        }
    }
    return NULL;
}

static int open_pty(char *name, size_t size)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    REQUIRE(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0 && ptsname_r(m, name, size) == 0);
    return m;
}

static const char *const families[] = {"chronojump", "mark10", "loadstar", "imada"};

static void test_probe_names_each(void)
{
    struct emu *emus[4] = {0};
    struct st_err err;
    for (int i = 0; i < 4; i++) {
        struct emu_opts o = emu_opts_default(families[i]);
        o.boot_s = 0.5; /* the Arduino resets on every open: shorter than the real 2 s, same logic */
        CHECK_OK(emu_start(&o, &emus[i], &err), &err);
        REQUIRE(emus[i]);
    }
    struct echo echo = {0};
    echo.master = open_pty(echo.name, sizeof echo.name);
    pthread_create(&echo.th, NULL, echo_thread, &echo);
    char silent[64];
    int silent_m = open_pty(silent, sizeof silent);

    /* the library call: what the command prints comes from here */
    const struct drv_driver *drv = NULL;
    struct drv_ident id;
    CHECK_INT(drv_probe_port(echo.name, 300, &drv, &id, &err), ST_ERR_NO_DEVICE);
    CHECK(strstr(err.msg, "not a dynamometer the station knows") != NULL);
    CHECK_INT(drv_probe_port(silent, 300, &drv, &id, &err), ST_ERR_NO_DEVICE);
    CHECK(strstr(err.msg, "No dynamometer answered") != NULL);

    /* the command, all ports at once */
    char out[512];
    check_tmppath(out, sizeof out, "probe.out");
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(out, "w", stdout))
            _exit(127);
        const char *bin = getenv("STATION_BIN");
        execl(bin, bin, "devices", "--probe", "--timeout-ms", "700", emu_port(emus[0]), emu_port(emus[1]),
              emu_port(emus[2]), emu_port(emus[3]), echo.name, silent, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    FILE *f = fopen(out, "r");
    REQUIRE(f);
    char line[1024];
    int named[4] = {0}, echo_unknown = 0, silent_unknown = 0, wrong = 0;
    while (fgets(line, sizeof line, f)) {
        for (int i = 0; i < 4; i++) {
            char want[128];
            snprintf(want, sizeof want, "%s: %s,", emu_port(emus[i]), families[i]);
            if (strncmp(line, want, strlen(want)) == 0)
                named[i]++;
            else if (strncmp(line, emu_port(emus[i]), strlen(emu_port(emus[i]))) == 0 &&
                     line[strlen(emu_port(emus[i]))] == ':')
                wrong++;
        }
        char pre[80];
        snprintf(pre, sizeof pre, "%s: unknown:", echo.name);
        echo_unknown += strncmp(line, pre, strlen(pre)) == 0;
        snprintf(pre, sizeof pre, "%s: unknown:", silent);
        silent_unknown += strncmp(line, pre, strlen(pre)) == 0;
    }
    fclose(f);
    for (int i = 0; i < 4; i++)
        if (named[i] != 1)
            check_fail(__FILE__, __LINE__, "station devices --probe did not name %s", families[i]);
    CHECK_INT(wrong, 0);
    CHECK_INT(echo_unknown, 1);
    CHECK_INT(silent_unknown, 1);

    atomic_store(&echo.stop, true);
    pthread_join(echo.th, NULL);
    close(echo.master);
    close(silent_m);
    for (int i = 0; i < 4; i++)
        emu_stop(emus[i]);
}

int main(void)
{
    CHECK_RUN(test_probe_names_each);
    return check_done();
}
