/*
 * test_signals.c - Ctrl-C and SIGTERM through the real program (`station run` against an emulated
 * Chronojump on a pty), where the station waits on something other than the patient:
 *  - the final screen (a window on SDL's offscreen driver, STATION_LINGER_S=60): SIGINT, and SIGTERM
 *    alike, end the program within seconds, the session complete;
 *  - the wait for a full disk (a 1 MiB tmpfs in a private mount namespace, filled once the session
 *    is saved): the reps wait in memory, the station retries for a minute; SIGTERM ends it within
 *    seconds with the waiting reps in a new file in the data folder;
 *  - the handler resets itself: a second SIGINT takes the default action and ends the program there.
 * "Within seconds" is a generous bound (15 s) against the minute the station would otherwise wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "emu_fixture.h"
#include "cli_proc.h"
#include "common/clock.h"
#include "drivers/emu.h"
#include "station/store/store.h"
#include "store_fixture.h"

static const char *protocol_text =
    "[protocol]\nname = signals\ntitle = Signals\nposition = supine, hips 0°\nhip_flexion_deg = 0\n"
    "lever = long\ncontraction = make\n[order]\nmode = fixed\n[blocks]\nblock = adduction left 0\n"
    "[reps]\nfamiliarisation = 0\nreps = 1\nhold_s = 2\nrest_s = 0.5\ncountdown_s = 0.5\nblock_rest_s = "
    "0.5\n";

/* The program's bound for a prompt end, far below the minute it would otherwise wait. */
#define PROMPT_S 15.0

struct child {
    pid_t pid;
    char out[512];
};

/* Starts `station run` on port with the database db (one patient, id 1) in a window when window,
 * else headless; its stdout and stderr go to c->out. Extra environment: data (XDG_DATA_HOME). */
static void start_run(struct child *c, const char *name, const char *db, const char *port, bool window,
                      const char *data)
{
    char proto[512], file[64];
    snprintf(file, sizeof file, "%s.ini", name);
    check_tmppath(proto, sizeof proto, file);
    REQUIRE(check_write_file(proto, protocol_text));
    snprintf(file, sizeof file, "%s.out", name);
    check_tmppath(c->out, sizeof c->out, file);
    const char *bin = station_bin();
    fflush(NULL);
    c->pid = fork();
    REQUIRE(c->pid >= 0);
    if (c->pid == 0) {
        if (!freopen(c->out, "w", stdout) || !freopen("/dev/null", "r", stdin) || dup2(1, 2) < 0)
            _exit(127);
        setenv("STATION_LINGER_S", "60", 1);
        setenv("SDL_VIDEODRIVER", "offscreen", 1);
        unsetenv("DISPLAY");
        unsetenv("WAYLAND_DISPLAY");
        if (data)
            setenv("XDG_DATA_HOME", data, 1);
        char *argv[] = {(char *)bin,  "run",        "--auto",     "--driver",
                        "chronojump", "--port",     (char *)port, "--db",
                        (char *)db,   "--patient",  "1",          "--lever-m",
                        "0.8",        "--protocol", proto,        window ? NULL : "--headless",
                        NULL};
        execv(bin, argv);
        _exit(127);
    }
}

/* Waits until c's output holds text (true), or max_s passed or it exited (false). */
static bool wait_text(const struct child *c, const char *text, double max_s)
{
    int64_t until = st_now_ns() + (int64_t)(max_s * 1e9);
    while (st_now_ns() < until) {
        char *out = check_read_file(c->out, NULL);
        bool found = out && strstr(out, text);
        free(out);
        if (found)
            return true;
        if (waitpid(c->pid, NULL, WNOHANG) == c->pid) {
            c = NULL; /* reaped: it cannot print any more */
            return false;
        }
        st_sleep_ns(50 * ST_NS_PER_MS);
    }
    return false;
}

/* Waits for c to end, at most max_s (then kills it and fails). Returns its wait status (-1: killed). */
static int wait_end(const struct child *c, double max_s, double *took_s)
{
    int64_t t0 = st_now_ns();
    int status = 0;
    while (waitpid(c->pid, &status, WNOHANG) != c->pid) {
        if (st_now_ns() - t0 > (int64_t)(max_s * 1e9)) {
            kill(c->pid, SIGKILL);
            waitpid(c->pid, &status, 0);
            *took_s = max_s;
            return -1;
        }
        st_sleep_ns(20 * ST_NS_PER_MS);
    }
    *took_s = (double)(st_now_ns() - t0) / 1e9;
    return status;
}

/* An emulated Chronojump whose patient pushes 200 N every few seconds, from 2.5 s (connected and
 * tared by then), on the pty behind link. */
static struct emu *start_emu(const char *link)
{
    struct emu_opts o = emu_opts_default("chronojump");
    o.link_path = link;
    o.boot_s = 0.3;
    o.patient = emu_fix_pusher(200, 2.5, 1.2, 1.7);
    struct emu *e = NULL;
    struct st_err err;
    CHECK_OK(emu_start(&o, &e, &err), &err);
    return e;
}

static void new_db(const char *path)
{
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(path, &s, &err), &err);
    if (!s)
        return; /* (no REQUIRE: the full-disk case runs this in a forked child) */
    CHECK_INT(fix_patient(s, "Signal Patient"), 1);
    store_close(s);
}

static enum store_session_status session_status(const char *db)
{
    struct store *s = NULL;
    struct st_err err;
    struct store_session sess;
    memset(&sess, 0, sizeof sess);
    sess.status = STORE_SESSION_ABORTED;
    CHECK_OK(store_open(db, &s, &err), &err);
    if (s)
        CHECK_OK(store_session_get(s, 1, &sess, &err), &err);
    store_close(s);
    return sess.status;
}

/* The final screen waits for a key or 60 s; the signal ends it at once, the session complete. */
static void final_screen_ends_on(int sig, const char *name)
{
    char db[512], link[512], file[64];
    snprintf(file, sizeof file, "%s.db", name);
    check_tmppath(db, sizeof db, file);
    new_db(db);
    snprintf(file, sizeof file, "tty-%s", name);
    struct emu *e = start_emu(check_tmppath(link, sizeof link, file));
    REQUIRE(e);
    struct child c;
    start_run(&c, name, db, link, true, NULL);
    bool lingering = wait_text(&c, "stays on screen until a key is pressed", 40);
    CHECK(lingering);
    kill(c.pid, sig);
    double took = 0;
    int status = wait_end(&c, 2 * PROMPT_S, &took);
    emu_stop(e);
    if (!lingering || status == -1 || took > PROMPT_S) {
        char *out = check_read_file(c.out, NULL);
        check_fail(__FILE__, __LINE__, "%s: station ended %.1f s after the signal (status %d):\n%s", name,
                   took, status, out ? out : "");
        free(out);
        return;
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0); /* the session was complete */
    CHECK_INT(session_status(db), STORE_SESSION_COMPLETE);
}

static void test_sigint_ends_the_final_screen(void)
{
    final_screen_ends_on(SIGINT, "final-int");
}

static void test_sigterm_ends_the_final_screen(void)
{
    final_screen_ends_on(SIGTERM, "final-term");
}

/* A second Ctrl-C takes the default action: the first stops the session (its reps kept); the station
 * is then stopped (SIGSTOP) before it is gone, sent a second SIGINT and let go on: it dies of it. */
static void test_second_sigint_is_the_default(void)
{
    char db[512], link[512];
    check_tmppath(db, sizeof db, "twice.db");
    new_db(db);
    struct emu *e = start_emu(check_tmppath(link, sizeof link, "tty-twice"));
    REQUIRE(e);
    struct child c;
    start_run(&c, "twice", db, link, false, NULL);
    CHECK(wait_text(&c, "Saving to", 20));
    kill(c.pid, SIGINT);
    bool stopping = wait_text(&c, "Stopping: every saved repetition stays", PROMPT_S);
    CHECK(stopping);
    kill(c.pid, SIGSTOP);
    /* still there (stopped, not yet a zombie)? Then the second SIGINT decides. */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    for (int i = 0; i < 400 && si.si_pid != c.pid; i++) { /* the stop (or the end) takes a moment */
        if (waitid(P_PID, (id_t)c.pid, &si, WSTOPPED | WEXITED | WNOHANG | WNOWAIT) != 0)
            break;
        if (si.si_pid != c.pid)
            st_sleep_ns(5 * ST_NS_PER_MS);
    }
    bool alive = si.si_pid == c.pid && si.si_code == CLD_STOPPED;
    if (alive) /* consume the stop report, so wait_end sees the end */
        waitid(P_PID, (id_t)c.pid, &si, WSTOPPED | WNOHANG);
    if (alive) {
        kill(c.pid, SIGINT);
        kill(c.pid, SIGCONT);
    } else {
        fprintf(stderr, "twice: the station ended before the second SIGINT (not checked this time)\n");
    }
    double took = 0;
    int status = wait_end(&c, 2 * PROMPT_S, &took);
    emu_stop(e);
    CHECK(status != -1);
    if (alive && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)) {
        char *out = check_read_file(c.out, NULL);
        check_fail(__FILE__, __LINE__, "a second SIGINT did not end the station (status %d):\n%s", status,
                   out ? out : "");
        free(out);
    }
    /* The first SIGINT ends the session as aborted; when the second one (the default: the process
     * dies at once) came before that end was written - a loaded machine - the session is left
     * running, and the next start of the station closes it as interrupted. Both keep every rep. */
    enum store_session_status st = session_status(db);
    if (st == STORE_SESSION_RUNNING) {
        struct store *s = NULL;
        struct st_err err;
        int closed = 0;
        CHECK_OK(store_open(db, &s, &err), &err);
        if (s)
            CHECK_OK(store_sessions_close_orphans(s, &closed, &err), &err);
        store_close(s);
        CHECK_INT(closed, 1);
        CHECK_INT(session_status(db), STORE_SESSION_INTERRUPTED);
    } else {
        CHECK_INT(st, STORE_SESSION_ABORTED);
    }
}

/* In a child with its own mount namespace: a full disk under the database; SIGTERM while the station
 * retries. Returns the number of failures, or 77 when no tmpfs can be mounted here. */
static int full_disk_child(void *arg)
{
    const char *dir = arg;
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700") != 0) {
        fprintf(stderr, "full disk: cannot mount a small tmpfs here (%s)\n", strerror(errno));
        return CHECK_SKIPPED;
    }
    int before = check_failures;
    char db[600], fill[600], data[512], link[512];
    snprintf(db, sizeof db, "%s/station.db", dir);
    snprintf(fill, sizeof fill, "%s/filler", dir);
    check_tmppath(data, sizeof data, "data");
    CHECK(mkdir(data, 0700) == 0);
    new_db(db);
    struct emu *e = start_emu(check_tmppath(link, sizeof link, "tty-full"));
    if (!e) /* (no REQUIRE in a forked child: it would go on with the parent's next case) */
        return 1;
    struct child c;
    start_run(&c, "full", db, link, false, data);
    CHECK(wait_text(&c, "Saving to", 20));
    int fd = open(fill, O_WRONLY | O_CREAT | O_TRUNC, 0600); /* the disk fills before the first rep */
    CHECK(fd >= 0);
    char block[4096];
    memset(block, 0xaa, sizeof block);
    while (write(fd, block, sizeof block) > 0) {
    }
    while (write(fd, block, 1) > 0) {
    }
    close(fd);
    bool waiting = wait_text(&c, "kept in memory and not yet in the database", 40);
    CHECK(waiting);
    kill(c.pid, SIGTERM);
    double took = 0;
    int status = wait_end(&c, 90, &took);
    emu_stop(e);
    char *out = check_read_file(c.out, NULL);
    if (!out)
        out = calloc(1, 1);
    if (!waiting || status == -1 || took > PROMPT_S)
        check_fail(__FILE__, __LINE__, "station ended %.1f s after SIGTERM (status %d):\n%s", took, status,
                   out);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    const char *at = strstr(out, "the repetitions were exported to ");
    CHECK(at != NULL);
    if (at) { /* the new file in the data folder, off the full disk, holds the rep */
        char path[1024];
        snprintf(path, sizeof path, "%s", at + strlen("the repetitions were exported to "));
        path[strcspn(path, " \n")] = '\0';
        if (path[0] && path[strlen(path) - 1] == '.')
            path[strlen(path) - 1] = '\0';
        CHECK(strncmp(path, data, strlen(data)) == 0);
        CHECK(fix_file_contains(path, "\"station-pending-repetitions\""));
        CHECK(fix_file_contains(path, "\"sequence\": 1"));
    }
    free(out);
    CHECK(unlink(fill) == 0);
    umount(dir);
    return check_failures - before;
}

static void test_sigterm_ends_the_wait_for_a_full_disk(void)
{
    char dir[512];
    check_tmppath(dir, sizeof dir, "small-disk");
    REQUIRE(mkdir(dir, 0700) == 0);
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0)
        _exit(full_disk_child(dir));
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 100;
    if (rc == CHECK_SKIPPED)
        check_skip("cannot mount a small tmpfs here: the full-disk case did not run");
    CHECK_INT(rc, 0);
}

int main(void)
{
    CHECK_RUN(test_sigint_ends_the_final_screen);
    CHECK_RUN(test_sigterm_ends_the_final_screen);
    CHECK_RUN(test_second_sigint_is_the_default);
    CHECK_RUN(test_sigterm_ends_the_wait_for_a_full_disk); /* last: it skips when it cannot mount */
    return check_done();
}
