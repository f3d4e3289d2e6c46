/*
 * test_start_libs.c - what the station program loads at its start, and what it loads only when used:
 * PostgreSQL's client library at the first sync (station/sync/pq.h), the window and the PDF report's
 * libraries (SDL2, SDL2_ttf, Pango, cairo: the module station-window.so, station/window.h) at the first
 * window or report. Neither is mapped at the start (neither directly nor through another library); a
 * computer without them runs every other command, and the commands that need them say in one line
 * what to install. The sync through the loaded libpq is test_sync's and test_sync_faults' (a real
 * PostgreSQL); the test screen (Xvfb) and a PDF through the loaded module, test_cli's demos; the home
 * through it, here.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "cli_proc.h"
#include "store_fixture.h"

/* What the dynamic linker maps at the program's start (ldd: the whole closure, not only NEEDED). */
static void test_program_start_loads_neither(void)
{
    char *a[] = {"ldd", (char *)station_bin(), NULL};
    struct run r = run_cmd("ldd", a, NULL);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "libsqlite3") != NULL); /* ldd did list the libraries */
    const char *lazy[] = {"libpq", "libSDL2", "libpango", "libcairo", "libfreetype", "libX11"};
    for (size_t i = 0; i < sizeof lazy / sizeof lazy[0]; i++)
        if (strstr(r.out, lazy[i]))
            check_fail(__FILE__, __LINE__, "the station program loads %s at its start:\n%s", lazy[i], r.out);
    run_free(&r);
}

/* STATION_WINDOW_MODULE names a module that is not there: the report says what to install and writes
 * nothing; the same report with the module loaded gets as far as the session's reps (it has none). */
static void test_without_the_window_module(void)
{
    char db[512], pdf[512], sid[32];
    struct store *s = fix_open("nowindow.db", db, sizeof db);
    snprintf(sid, sizeof sid, "%lld", (long long)fix_session(s, fix_patient(s, "No Window"), "supine-0", "SN1", 0));
    store_close(s);
    check_tmppath(pdf, sizeof pdf, "nowindow.pdf");
    char *report[] = {"station", "report", sid, "--out", pdf, "--db", db, NULL};
    const char *missing[] = {"STATION_WINDOW_MODULE=/nonexistent/station-window.so", NULL};
    struct run r = run_cmd(NULL, report, missing);
    CHECK_INT(r.status, 1);
    CHECK_INT(count_lines(r.err), 1);
    CHECK(strstr(r.err, "window and PDF report cannot be loaded (/nonexistent/station-window.so") != NULL);
    CHECK(strstr(r.err, "libsdl2-2.0-0, libsdl2-ttf-2.0-0 and libpangocairo-1.0-0") != NULL);
    struct stat st;
    CHECK(stat(pdf, &st) != 0);
    run_free(&r);
    r = run_cmd(NULL, report, NULL);
    CHECK_INT(r.status, 1);
    CHECK(strstr(r.err, "nothing to report") != NULL); /* the module's own answer */
    run_free(&r);
    char *sessions[] = {"station", "sessions", "--db", db, NULL};
    r = run_cmd(NULL, sessions, missing);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "1 session(s)") != NULL);
    run_free(&r);
    /* the home: through the module, a window (offscreen) and its picture; without it, one line */
    char png[512];
    check_tmppath(png, sizeof png, "home.png");
    char *gui[] = {"station", "gui", "--exit-after-s", "0.5", "--screenshot", png, "--db", db, NULL};
    const char *offscreen[] = {"SDL_VIDEODRIVER=offscreen", NULL};
    r = run_cmd(NULL, gui, offscreen);
    CHECK_INT(r.status, 0);
    run_free(&r);
    size_t n = 0;
    char *pic = check_read_file(png, &n);
    CHECK(pic && n > 1000 && !memcmp(pic, "\x89PNG", 4));
    free(pic);
    const char *offscreen_missing[] = {"SDL_VIDEODRIVER=offscreen", missing[0], NULL};
    r = run_cmd(NULL, gui, offscreen_missing);
    CHECK_INT(r.status, 1);
    CHECK_INT(count_lines(r.err), 1);
    CHECK(strstr(r.err, "window and PDF report cannot be loaded") != NULL);
    run_free(&r);
}

/* STATION_LIBPQ names a library that is not there: the computer without libpq5. */
static void test_without_libpq(void)
{
    char db[512];
    check_tmppath(db, sizeof db, "nopq.db");
    const char *env[] = {"STATION_LIBPQ=/nonexistent/libpq.so.5", "STATION_SERVER=", NULL};
    char *add[] = {"station", "patient", "add", "--name", "No Server", "--sex", "F", "--birth", "1980-02-03",
                   "--mass-kg", "61", "--db", db, NULL};
    struct run r = run_cmd(NULL, add, env);
    CHECK_INT(r.status, 0);
    run_free(&r);
    /* the sync and the server's set-up: one line naming the package, exit 1 */
    char *sync[] = {"station", "sync", "--server", "postgresql://station@127.0.0.1:1/clinic", "--db", db, NULL};
    char *init[] = {"station", "server", "init", "--server", "postgresql://it@127.0.0.1:1/clinic", "--db", db, NULL};
    char **cmds[] = {sync, init};
    for (size_t i = 0; i < 2; i++) {
        r = run_cmd(NULL, cmds[i], env);
        CHECK_INT(r.status, 1);
        CHECK_INT(count_lines(r.err), 1);
        CHECK(strstr(r.err, "PostgreSQL's client library") != NULL);
        CHECK(strstr(r.err, "install Debian's package libpq5") != NULL);
        CHECK(strstr(r.err, "/nonexistent/libpq.so.5") != NULL); /* what the loader said, for IT */
        run_free(&r);
    }
    /* the failed sync is on record for --status, and everything else works */
    char *status[] = {"station", "sync", "--status", "--db", db, NULL};
    r = run_cmd(NULL, status, env);
    CHECK(strstr(r.out, "libpq5") != NULL || strstr(r.err, "libpq5") != NULL);
    run_free(&r);
    char *list[] = {"station", "patient", "list", "--db", db, NULL};
    r = run_cmd(NULL, list, env);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "No Server") != NULL);
    run_free(&r);
    char *sessions[] = {"station", "sessions", "--db", db, NULL};
    r = run_cmd(NULL, sessions, env);
    CHECK_INT(r.status, 0);
    run_free(&r);
}

int main(void)
{
    check_run("program_start_loads_neither", test_program_start_loads_neither);
    check_run("without_libpq", test_without_libpq);
    check_run("without_the_window_module", test_without_the_window_module);
    return check_done();
}
