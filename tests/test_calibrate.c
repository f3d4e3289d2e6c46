/*
 * test_calibrate.c - `station calibrate` against an emulated gauge: zero at rest, then a known mass
 * (the emulated "patient" is a 10 kg weight hung on the gauge). A gauge that reads right is within
 * tolerance; one that reads 2 % high is flagged (exit 1) and the check is stored either way, per
 * device; no mass placed gives a clear message.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "weight_fixture.h"
#include "drivers/emu.h"
#include "station/store/store.h"

static int run_calibrate(const char *db, const char *port, const char *mass, const char *settle, char *out,
                         size_t size)
{
    char outp[512], errp[512];
    check_tmppath(outp, sizeof outp, "cal.out");
    check_tmppath(errp, sizeof errp, "cal.err");
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(outp, "w", stdout) || !freopen(errp, "w", stderr))
            _exit(127);
        const char *bin = getenv("STATION_BIN");
        execl(bin, bin, "calibrate", "--db", db, "--port", port, "--driver", "chronojump", "--mass-kg", mass,
              "--settle-s", settle, "--therapist", "QA", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    out[0] = '\0';
    FILE *f = fopen(outp, "r");
    size_t n = f ? fread(out, 1, size / 2 - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
    f = fopen(errp, "r");
    size_t m = f ? fread(out + n, 1, size - n - 1, f) : 0;
    out[n + m] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}


static void test_calibration_checks(void)
{
    char db[512], link[512], out[8192];
    check_tmppath(db, sizeof db, "cal.db");
    check_tmppath(link, sizeof link, "ttyCAL");

    /* a good gauge: 10 kg reads 98.07 N */
    struct emu *e = weight(link, 10 * 9.80665, 4.0);
    REQUIRE(e);
    int rc = run_calibrate(db, link, "10", "15", out, sizeof out);
    emu_stop(e);
    CHECK_INT(rc, 0);
    CHECK(strstr(out, "within tolerance") != NULL);

    /* the same gauge (same port: chronojump boards have no serial number), now reading 2 % high */
    e = weight(link, 10 * 9.80665 * 1.02, 4.0);
    REQUIRE(e);
    rc = run_calibrate(db, link, "10", "15", out, sizeof out);
    emu_stop(e);
    CHECK_INT(rc, 1);
    CHECK(strstr(out, "OUT OF TOLERANCE") != NULL);

    struct store *s = NULL;
    struct st_err err;
    REQUIRE(store_open(db, &s, &err) == ST_OK);
    struct store_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.family, sizeof d.family, "chronojump");
    snprintf(d.serial, sizeof d.serial, "port:%s", link); /* known by its port only (drivers/identity.h) */
    d.capacity_n = NAN;
    CHECK_OK(store_device_ensure(s, &d, &err), &err);
    struct store_calibration c;
    CHECK_OK(store_calibration_last(s, d.id, &c, &err), &err);
    CHECK(!c.ok);
    CHECK_NEAR(c.error_pct, 2.0, 0.05);
    CHECK_NEAR(c.reference_kg, 10.0, 0);
    CHECK_NEAR(c.reading_n, 100.03, 0.05);
    store_close(s);

    /* nobody places the mass */
    e = weight(link, 0, 1);
    REQUIRE(e);
    rc = run_calibrate(db, link, "10", "2", out, sizeof out);
    emu_stop(e);
    CHECK_INT(rc, 1);
    CHECK(strstr(out, "place the mass") != NULL);
}

int main(void)
{
    CHECK_RUN(test_calibration_checks);
    return check_done();
}
