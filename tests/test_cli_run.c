/*
 * test_cli_run.c - `station run` and its neighbours through the real program on a real database: a
 * patient added twice (the duplicate warning and --force), a patient without a lever arm (the warning
 * before the run), /dev/null as a port (not a serial device), --block-rest-s checked, the timings of
 * `station protocols`, and a run against an emulated dynamometer on a pty that stops before its end:
 * its id still printed last, exit status 1 with the reason, and the CPU marks it writes for
 * bench/bench_peer.c (STATION_CPU_MARKS). (A complete run, exit 0, with the pause between blocks from
 * --block-rest-s counted down: the demo in test_cli.)
 */
#include <stdlib.h>

#include "check.h"
#include "cli_proc.h"
#include "drivers/emu.h"

static char db[512];

/* `station patient add` with the given name and birth date (and extra arguments, NULL-terminated). */
static struct run add_patient(const char *name, const char *birth, const char *extra)
{
    char *a[] = {"station", "patient", "add", "--db", db, "--name", (char *)name, "--sex", "F", "--birth",
                 (char *)birth, "--mass-kg", "61", (char *)extra, NULL};
    return run_cmd(NULL, a, NULL);
}

static void test_duplicate_patient(void)
{
    check_tmppath(db, sizeof db, "run.db");
    struct run r = add_patient("Ada Lovelace", "1985-12-10", NULL);
    CHECK_INT(r.status, 0);
    CHECK_STR(last_line(r.out), "1");
    run_free(&r);
    /* the same person typed again, other case and spaces: refused with a pointer to the first */
    r = add_patient(" ada  LOVELACE", "1985-12-10", NULL);
    CHECK_INT(r.status, 2);
    CHECK_INT(count_lines(r.err), 1);
    CHECK(strstr(r.err, "patient 1 has the same name and birth date") != NULL);
    CHECK(strstr(r.err, "--force") != NULL);
    CHECK(strstr(r.err, "Lovelace") == NULL && strstr(r.err, "1985") == NULL); /* no patient data */
    run_free(&r);
    r = add_patient("Ada Lovelace", "1985-12-10", "--force");
    CHECK_INT(r.status, 0);
    CHECK_STR(last_line(r.out), "2");
    CHECK(strstr(r.err, "warning: patient 1 has the same name and birth date") != NULL);
    run_free(&r);
    r = add_patient("Ada Lovelace", "1985-12-11", NULL); /* another birth date: another person */
    CHECK_INT(r.status, 0);
    CHECK(r.err[0] == '\0');
    run_free(&r);
    /* dates: what is wrong said in words; a birth date is never repeated on stderr, a mass date is */
    r = add_patient("Q", "1999-02-30", NULL);
    CHECK_INT(r.status, 2);
    CHECK(strstr(r.err, "Birth date: not a real date: its month has 28 days, not 30") != NULL);
    CHECK(strstr(r.err, "1999") == NULL);
    run_free(&r);
    r = add_patient("Q", "12/03/1985", NULL);
    CHECK(strstr(r.err, "is not written YYYY-MM-DD") != NULL);
    run_free(&r);
    char *e[] = {"station", "patient", "edit", "1", "--db", db, "--mass-kg", "60", "--mass-date", "2021-04-31", NULL};
    r = run_cmd(NULL, e, NULL);
    CHECK_INT(r.status, 2);
    CHECK(strstr(r.err, "Mass date: \"2021-04-31\" is not a real date: April 2021 has 30 days, not 31") != NULL);
    CHECK_INT(count_lines(r.err), 1);
    run_free(&r);
    /* one hint per message */
    char *sh[] = {"station", "show", "x", "--db", db, NULL};
    r = run_cmd(NULL, sh, NULL);
    CHECK_INT(r.status, 2);
    CHECK(strstr(r.err, "(see ") != NULL && strstr(strstr(r.err, "(see ") + 1, "(see ") == NULL);
    run_free(&r);
}

static void test_no_lever_and_not_a_serial_device(void)
{
    char *a[] = {"station", "run", "--db", db, "--patient", "1", "--port", "/dev/null", "--headless", NULL};
    struct run r = run_cmd(NULL, a, NULL);
    CHECK_INT(r.status, 1);
    CHECK(strstr(r.err, "warning: patient 1 has no lever arm: torque (N·m, N·m/kg) and the torque ratio cannot "
                        "be computed; the ADD:ABD ratio and the asymmetry use the best force (N) instead") != NULL);
    CHECK(strstr(r.err, "/dev/null is not a serial device") != NULL);
    run_free(&r);
    /* with --lever-m there is nothing to warn about */
    char *b[] = {"station", "run", "--db", db, "--patient", "1", "--port", "/dev/null", "--lever-m", "0.8", NULL};
    r = run_cmd(NULL, b, NULL);
    CHECK_INT(r.status, 1);
    CHECK(strstr(r.err, "lever arm") == NULL);
    run_free(&r);
    char *c[] = {"station", "run", "--db", db, "--patient", "1", "--port", "/dev/null", "--block-rest-s", "601", NULL};
    r = run_cmd(NULL, c, NULL);
    CHECK_INT(r.status, 2);
    CHECK(strstr(r.err, "--block-rest-s must be between 0 and 600 seconds") != NULL);
    run_free(&r);
    char *p[] = {"station", "protocols", NULL};
    r = run_cmd(NULL, p, NULL);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "timings: countdown 3 s, hold 5 s, rest between reps 30 s, pause between blocks 30 s") != NULL);
    CHECK(strstr(r.out, "per block: 1 practice rep(s) + 3 measured rep(s)") != NULL);
    run_free(&r);
}

/* A run that is stopped before its end keeps its reps, prints its id last and exits 1 with why. The
 * emulated patient never pushes, so the session is still waiting on its first rep when it stops. */
static void test_stopped_run_exits_1(void)
{
    struct emu_opts eo = emu_opts_default("chronojump");
    eo.boot_s = 0.2;
    struct emu *e = NULL;
    struct st_err err;
    CHECK_OK(emu_start(&eo, &e, &err), &err);
    REQUIRE(e);
    char *a[] = {"station", "run", "--db", db, "--patient", "1", "--port", (char *)emu_port(e), "--driver",
                 "chronojump", "--lever-m", "0.8", "--headless", "--auto", "--exit-after-s", "1.5",
                 "--block-rest-s", "0", NULL};
    char marks[512], marks_env[600];
    check_tmppath(marks, sizeof marks, "cpu-marks.txt");
    snprintf(marks_env, sizeof marks_env, "STATION_CPU_MARKS=%s", marks);
    const char *env[] = {marks_env, NULL};
    struct run r = run_cmd(NULL, a, env);
    emu_stop(e);
    /* the run's CPU at each mark: every point reached, in order (CPU time only grows) */
    char *text = slurp(marks);
    double m[5] = {0};
    CHECK_INT(sscanf(text, "main=%lf devices=%lf opened=%lf loop=%lf loop_end=%lf", &m[0], &m[1], &m[2], &m[3],
                     &m[4]), 5);
    CHECK(m[0] > 0);
    for (int i = 1; i < 5; i++)
        CHECK(m[i] >= m[i - 1]);
    free(text);
    CHECK_INT(r.status, 1);
    CHECK(strstr(r.err, "did not complete: stopped after 1.5 s (--exit-after-s); its saved repetitions are kept") !=
          NULL);
    char *end = NULL;
    long long id = strtoll(last_line(r.out), &end, 10);
    CHECK(id > 0 && *end == '\0');
    run_free(&r);
    char *s[] = {"station", "sessions", "--db", db, "--json", NULL};
    r = run_cmd(NULL, s, NULL);
    CHECK(strstr(r.out, "\"status\": \"aborted\"") != NULL);
    run_free(&r);
}

int main(void)
{
    CHECK_RUN(test_duplicate_patient);
    CHECK_RUN(test_no_lever_and_not_a_serial_device);
    CHECK_RUN(test_stopped_run_exits_1);
    return check_done();
}
