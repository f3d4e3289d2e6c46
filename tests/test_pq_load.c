/*
 * test_pq_load.c - libpq only when the clinic server is used (station/sync/pq.h): the station program
 * does not load PostgreSQL's client library at its start (neither itself nor through another library),
 * and a computer without the library runs every other command while the sync commands say in one line
 * which package to install. The sync itself, through the loaded library, is test_sync's and
 * test_sync_faults' (a real PostgreSQL).
 */
#include <stdlib.h>

#include "check.h"
#include "cli_proc.h"

/* What the dynamic linker maps at the program's start (ldd: the whole closure, not only NEEDED). */
static void test_program_start_does_not_load_libpq(void)
{
    char *a[] = {"ldd", (char *)station_bin(), NULL};
    struct run r = run_cmd("ldd", a, NULL);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "libsqlite3") != NULL); /* ldd did list the libraries */
    if (strstr(r.out, "libpq"))
        check_fail(__FILE__, __LINE__, "the station program loads libpq at its start:\n%s", r.out);
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
    check_run("program_start_does_not_load_libpq", test_program_start_does_not_load_libpq);
    check_run("without_libpq", test_without_libpq);
    return check_done();
}
