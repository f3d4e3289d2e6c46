/*
 * cmd_run.c - `station run` (a protocol against real devices), `station demo` (the same on a built-in
 * emulated dynamometer with a simulated patient), and `station calibrate` (a device against a known
 * mass).
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/cpu_mark.h"
#include "drivers/acq.h"
#include "drivers/emu.h"
#include "protocols/settle.h"
#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/calib.h"
#include "station/demo.h"
#include "station/paths.h"
#include "station/session.h"
#include "station/store/store.h"

static volatile sig_atomic_t got_signal; /* why a session stopped: cmd_run's exit words */

static void on_signal(int sig)
{
    (void)sig;
    session_interrupt();
    got_signal = 1;
}

/* Ctrl-C, a kill, a closed terminal: end the session cleanly (every saved rep stays, the session is
 * marked aborted; the final screen and a wait for the disk end at once). Only the first: the handler
 * resets itself, so a second Ctrl-C or SIGTERM takes the default action and ends the program there.
 * A closed stdout (a pipe whose reader left) must not kill a session mid-rep. */
static void catch_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESETHAND};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigaction(SIGPIPE, &ign, NULL);
}

/* Splits "a,b,c" into at most max parts (in place). Returns the count. */
static int split_list(char *text, char **parts, int max)
{
    int n = 0;
    for (char *p = text; p && *p && n < max;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        parts[n++] = p;
        p = comma ? comma + 1 : NULL;
    }
    return n;
}

/* Why a saved session did not complete, in words ("" when it did): the signal or --exit-after-s this
 * process saw, else the device lost and not back (the session's last such event), else the therapist's
 * abort. */
static void stop_reason(struct store *s, int64_t id, double exit_after_s, char *why, size_t size)
{
    why[0] = '\0';
    struct st_err err;
    struct store_session sess;
    if (s && store_session_get(s, id, &sess, &err) == ST_OK && sess.status != STORE_SESSION_COMPLETE) {
        struct store_session_event *ev = NULL;
        size_t n = 0;
        const char *lost = NULL;
        if (store_session_events(s, id, &ev, &n, &err) == ST_OK)
            for (size_t i = 0; i < n; i++)
                lost = !strcmp(ev[i].kind, "device_lost") ? ev[i].detail : !strcmp(ev[i].kind, "device_back") ? NULL : lost;
        if (got_signal)
            snprintf(why, size, "stopped by a signal (Ctrl-C or a kill)");
        else if (exit_after_s > 0)
            snprintf(why, size, "stopped after %g s (--exit-after-s)", exit_after_s);
        else if (lost)
            snprintf(why, size, "the dynamometer was lost and did not come back (%.120s)", lost);
        else
            snprintf(why, size, "aborted by the therapist (q)");
        free(ev);
    }
}

/* The exit status of a run: 0 for a complete session, 1 for a failure or a session that stopped before
 * its end (with its reason). A saved session's id is printed alone on the last line of stdout either
 * way (scripts: DESIGN.md), and every saved repetition stays. s: the command's database (closed here;
 * NULL when it could not be opened). */
static int finish(struct store *s, int64_t id, double exit_after_s, enum st_status st, const struct st_err *err)
{
    if (st != ST_OK) {
        if (id)
            fprintf(stderr, "station: session %lld: %s\n", (long long)id, st_err_msg(err));
        else
            fprintf(stderr, "station: %s\n", st_err_msg(err));
        store_close(s);
        return 1;
    }
    char why[200];
    stop_reason(s, id, exit_after_s, why, sizeof why);
    store_close(s);
    printf("%lld\n", (long long)id); /* scripts: the new id alone on the last line */
    fflush(stdout);
    if (why[0]) {
        fprintf(stderr, "station: session %lld did not complete: %s; its saved repetitions are kept\n",
                (long long)id, why);
        return 1;
    }
    return 0;
}

/* A patient without a lever arm (and no --lever-m): said before the run, so the therapist can measure
 * it first. The balance then compares forces (protocols/balance.h). */
static void lever_warning(struct store *s, const char *patient)
{
    struct st_err err;
    int64_t pid = 0;
    struct store_patient p;
    if (store_patient_find(s, patient, &pid, &err) == ST_OK && store_patient_get(s, pid, &p, &err) == ST_OK &&
        !(p.lever_m > 0))
        fprintf(stderr,
                "station: warning: patient %lld has no lever arm: torque (N·m, N·m/kg) and the torque ratio "
                "cannot be computed; the ADD:ABD ratio and the asymmetry use the best force (N) instead. Measure "
                "it (hip centre to pad) and give --lever-m M, or station patient edit %lld --lever-m M\n",
                (long long)pid, (long long)pid);
}

/* --screenshot FILE.png --exit-after-s S (run and demo): the window's last frame as a picture, for
 * tests and the README. */
#define SHOT_OPTS                                                                                       \
    {"--screenshot", CLI_STR, &shot, "FILE.png", "save the therapist view's last frame (PNG, or BMP) at the end", false}, \
    {"--exit-after-s", CLI_DOUBLE, &exit_after, "S", "stop after S seconds (the final screen stays until then)", false}

static int shot_check(const struct cli_cmd *cmd, const char *shot, double exit_after, bool headless)
{
    if (cli_opt_get(cmd, "--exit-after-s")->seen && !(exit_after > 0 && exit_after <= 86400))
        return cli_usage_error(cmd, "--exit-after-s must be between 0 and 86400 seconds");
    if (shot && headless)
        return cli_usage_error(cmd, "--screenshot needs the window: leave out --headless");
    return -1;
}

int cmd_run(int argc, char **argv)
{
    const char *db = NULL, *patient = NULL, *port = NULL, *protocol = NULL, *driver = NULL, *therapist = NULL;
    int baud = 0, reps = -1;
    double hold = -1, rest = -1, block_rest = -1, countdown = -1, lever = -1;
    bool headless = false, autom = false, invert = false;
    const char *shot = NULL;
    double exit_after = 0;
    struct cli_opt opts[] = {
        {"--patient", CLI_STR, &patient, "ID", "the patient (id or UUID; station patient list)", false},
        {"--port", CLI_STR, &port, "PORT[,PORT...]", "the dynamometer's port; one per channel, comma-separated", false},
        {"--protocol", CLI_STR, &protocol, "NAME|FILE", "the test protocol (default supine-0; station protocols)", false},
        {"--driver", CLI_STR, &driver, "NAME[,NAME...]", "the instrument family (default: probe the port)", false},
        {"--baud", CLI_INT, &baud, "N", "the baud rate (default: the family's)", false},
        {"--reps", CLI_INT, &reps, "N", "measured reps per block (overrides the protocol)", false},
        {"--hold-s", CLI_DOUBLE, &hold, "S", "hold time (overrides the protocol)", false},
        {"--rest-s", CLI_DOUBLE, &rest, "S", "rest between reps (overrides the protocol)", false},
        {"--block-rest-s", CLI_DOUBLE, &block_rest, "S", "pause between blocks, 0-600 (overrides the protocol)", false},
        {"--countdown-s", CLI_DOUBLE, &countdown, "S", "countdown before each rep (overrides the protocol)", false},
        {"--lever-m", CLI_DOUBLE, &lever, "M", "lever arm for torque (default: the patient's)", false},
        {"--invert", CLI_FLAG, &invert, NULL, "the gauge reads the push as negative (tension)", false},
        {"--therapist", CLI_STR, &therapist, "NAME", "who runs the test (default $STATION_THERAPIST, the settings' therapist or $USER)", false},
        {"--headless", CLI_FLAG, &headless, NULL, "no window: progress and cues on the terminal", false},
        {"--auto", CLI_FLAG, &autom, NULL, "hands-free: each rep starts at force onset, blocks advance by themselves", false},
        SHOT_OPTS,
        CLI_OPT_DB(&db),
    };
    struct cli_cmd cmd = {"station run", "--patient ID --port PORT [--protocol NAME|FILE] [--driver NAME] [options]",
                          "Runs a test protocol against a dynamometer, guiding each repetition and saving each one\n"
                          "as it ends. Prints the session id on the last line when the session is saved.\n"
                          "Keys (window or terminal): Enter/Space start, r redo, x reject, a accept, s skip block,\n"
                          "p pause, q/Esc abort.",
                          CLI_OPTS(opts), 0, 0};
    int rc = cli_parse(&cmd, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    if ((rc = shot_check(&cmd, shot, exit_after, headless)) >= 0)
        return rc;
    if (!patient)
        return cli_usage_error(&cmd, "--patient is required");
    if (!port)
        return cli_usage_error(&cmd, "--port is required");
    if (baud < 0 || (cli_opt_get(&cmd, "--lever-m")->seen && !(lever > 0)))
        return cli_usage_error(&cmd, "--baud and --lever-m must be positive");
    if (cli_opt_get(&cmd, "--block-rest-s")->seen && !(block_rest >= 0 && block_rest <= 600))
        return cli_usage_error(&cmd, "--block-rest-s must be between 0 and 600 seconds");
    struct session_opts o = session_opts_default();
    o.db_path = db;
    o.patient = patient;
    o.therapist = therapist;
    o.protocol = protocol;
    o.reps = reps;
    o.hold_s = hold;
    o.rest_s = rest;
    o.block_rest_s = block_rest;
    o.countdown_s = countdown;
    o.lever_m = lever;
    o.headless = headless;
    o.auto_mode = autom;
    o.screenshot = shot;
    o.exit_after_s = exit_after;
    char ports[1024], drivers[256];
    snprintf(ports, sizeof ports, "%s", port);
    snprintf(drivers, sizeof drivers, "%s", driver ? driver : "");
    char *pp[ST_MAX_CHANNELS + 1], *dp[ST_MAX_CHANNELS + 1];
    int np = split_list(ports, pp, ST_MAX_CHANNELS + 1);
    int nd = driver ? split_list(drivers, dp, ST_MAX_CHANNELS + 1) : 0;
    if (np > ST_MAX_CHANNELS)
        return cli_usage_error(&cmd, "at most %d ports (channels)", ST_MAX_CHANNELS);
    if (nd > 1 && nd != np)
        return cli_usage_error(&cmd, "give one --driver, or one per port");
    for (int i = 0; i < np; i++) {
        o.ch[i].port = pp[i];
        o.ch[i].driver = nd == 0 ? NULL : nd == 1 ? dp[0] : dp[i];
        o.ch[i].baud = baud;
        o.ch[i].polarity = invert ? -1 : 1;
    }
    o.n_ch = np;
    /* One connection for the whole command (the warning, the session, its end's reason): each open
     * reads the schema again. */
    struct st_err err;
    st_err_clear(&err);
    struct store *s = NULL;
    if (paths_db_open(db, &s, NULL, 0, &err) != ST_OK)
        return finish(NULL, 0, exit_after, err.code, &err);
    o.store = s;
    if (lever <= 0)
        lever_warning(s, patient);
    catch_signals();
    int64_t id = 0;
    enum st_status st = session_run(&o, &id, &err);
    rc = finish(s, id, exit_after, st, &err);
    st_cpu_marks_write(); /* STATION_CPU_MARKS: where the run's fixed cost went (bench/bench_peer.c) */
    return rc;
}

/* The demo patient: made once, found again by its clinic reference. */
static enum st_status demo_patient(struct store *s, char *id_text, size_t size, struct st_err *err)
{
    struct store_patient *list = NULL;
    size_t n = 0;
    enum st_status st = store_patient_list(s, &list, &n, err);
    int64_t id = 0;
    for (size_t i = 0; st == ST_OK && i < n; i++)
        if (strcmp(list[i].ref, "DEMO-0001") == 0)
            id = list[i].id;
    free(list);
    if (st == ST_OK && !id) {
        struct store_patient p;
        memset(&p, 0, sizeof p);
        snprintf(p.name, sizeof p.name, "Sample Patient (demo)");
        snprintf(p.ref, sizeof p.ref, "DEMO-0001");
        snprintf(p.birth, sizeof p.birth, "1990-04-12");
        p.sex = 'X';
        p.side_dominant = 'R';
        p.leg_length_m = 0.92;
        p.lever_m = 0.85;
        p.mass_kg = 70.0;
        snprintf(p.notes, sizeof p.notes, "Created by station demo: a runner with inner-knee pain.");
        st = store_patient_add(s, &p, 0, err);
        id = p.id;
    }
    if (st == ST_OK)
        snprintf(id_text, size, "%lld", (long long)id);
    return st;
}

int cmd_demo(int argc, char **argv)
{
    const char *db = NULL, *driver = "chronojump";
    bool headless = false, manual = false;
    int reps = 3;
    double block_rest = -1;
    const char *shot = NULL;
    double exit_after = 0;
    struct cli_opt opts[] = {
        {"--driver", CLI_STR, &driver, "NAME", "which instrument to emulate (default chronojump)", false},
        {"--reps", CLI_INT, &reps, "N", "reps per direction and side (default 3)", false},
        {"--headless", CLI_FLAG, &headless, NULL, "no window even when a display is there", false},
        {"--manual", CLI_FLAG, &manual, NULL, "therapist-paced: press Enter/Space for each rep", false},
        {"--block-rest-s", CLI_DOUBLE, &block_rest, "S", "pause between blocks, 0-600 (default the protocol's 1.5 s)", false},
        SHOT_OPTS,
        CLI_OPT_DB(&db),
    };
    struct cli_cmd cmd = {"station demo", "[--driver NAME] [--reps N] [--headless] [--manual] [--block-rest-s S] [--screenshot FILE.png] [--exit-after-s S] [--db PATH]",
                          "The station on a built-in emulated dynamometer: a sample patient pushes 3 reps per\n"
                          "direction and side on the demo protocol (supine, hips at 0°, short timings), hands-free.\n"
                          "With no display it runs on the terminal. The session is saved like any other.",
                          CLI_OPTS(opts), 0, 0};
    int rc = cli_parse(&cmd, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    if ((rc = shot_check(&cmd, shot, exit_after, headless)) >= 0)
        return rc;
    if (!emu_family_find(driver))
        return cli_usage_error(&cmd, "no emulator for \"%s\"", driver);
    if (reps < 1 || reps > 10)
        return cli_usage_error(&cmd, "--reps must be between 1 and 10");
    if (cli_opt_get(&cmd, "--block-rest-s")->seen && !(block_rest >= 0 && block_rest <= 600))
        return cli_usage_error(&cmd, "--block-rest-s must be between 0 and 600 seconds");
    const char *disp = getenv("DISPLAY"), *way = getenv("WAYLAND_DISPLAY");
    bool have_display = (disp && *disp) || (way && *way);
    const char *vd = getenv("SDL_VIDEODRIVER");
    if (vd && *vd)
        have_display = true; /* offscreen/dummy drivers chosen on purpose (tests) */
    if (!have_display && !headless) {
        printf("No display (DISPLAY and WAYLAND_DISPLAY are not set): running the demo on the terminal.\n");
        headless = true;
    }
    struct st_err err;
    st_err_clear(&err);
    char db_path[4096];
    struct store *s = NULL; /* one connection for the command, as in cmd_run */
    if (paths_db_open(db, &s, db_path, sizeof db_path, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    char pid[32];
    if (demo_patient(s, pid, sizeof pid, &err) != ST_OK) {
        store_close(s);
        return cli_fail("%s", st_err_msg(&err));
    }

    struct session_opts o = session_opts_default();
    o.db_path = db_path;
    o.store = s;
    o.patient = pid;
    o.therapist = "demo";
    o.protocol = "demo";
    struct emu *e = NULL;
    if (demo_setup(driver, &o, &e, &err) != ST_OK) {
        store_close(s);
        return cli_fail("%s", st_err_msg(&err));
    }
    o.headless = headless;
    o.auto_mode = !manual;
    o.screenshot = shot;
    o.exit_after_s = exit_after;
    o.block_rest_s = block_rest;
    o.reps = reps;
    printf("Station demo: an emulated %s dynamometer on %s, the sample patient (id %s), the demo protocol.\n",
           driver, emu_port(e), pid);
    printf("Database: %s\n", db_path);
    catch_signals();
    int64_t id = 0;
    int64_t t0 = st_now_ns();
    enum st_status st = session_run(&o, &id, &err);
    emu_stop(e);
    if (st == ST_OK) {
        printf("\nThe demo took %.0f s. The results, as `station show %lld` prints them:\n\n",
               (double)(st_now_ns() - t0) / 1e9, (long long)id);
        char idtxt[32];
        snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
        char *show_argv[] = {"show", idtxt, "--db", db_path, NULL};
        fflush(stdout);
        cmd_show(4, show_argv);
        /* the balance report beside the database (a folder the demo could write), so a newcomer sees one */
        char report[4200];
        const char *slash = strrchr(db_path, '/');
        snprintf(report, sizeof report, "%.*sdemo-report-%lld.pdf", slash ? (int)(slash - db_path + 1) : 0, db_path,
                 (long long)id);
        char *report_argv[] = {"report", idtxt, "--db", db_path, "--out", report, NULL};
        printf("\nThe balance report (PDF), as `station report %lld` writes it:\n", (long long)id);
        fflush(stdout);
        cmd_report(6, report_argv);
        printf("\nSaved in %s (session %lld). Try: station sessions, station export %lld --format json\n",
               db_path, (long long)id, (long long)id);
    }
    return finish(s, id, exit_after, st, &err);
}

int cmd_calibrate(int argc, char **argv)
{
    const char *db = NULL, *port = NULL, *driver = NULL, *therapist = NULL;
    double mass = NAN, tolerance = 1.0, settle = 20;
    int baud = 0;
    struct cli_opt opts[] = {
        {"--port", CLI_STR, &port, "PORT", "the dynamometer's port", false},
        {"--mass-kg", CLI_DOUBLE, &mass, "KG", "the reference mass (e.g. a 10 kg calibration weight)", false},
        {"--driver", CLI_STR, &driver, "NAME", "the instrument family (default: probe)", false},
        {"--baud", CLI_INT, &baud, "N", "the baud rate (default: the family's)", false},
        {"--tolerance-pct", CLI_DOUBLE, &tolerance, "PCT", "largest acceptable error (default 1 %)", false},
        {"--settle-s", CLI_DOUBLE, &settle, "S", "how long to wait for the mass to be placed (default 20)", false},
        {"--therapist", CLI_STR, &therapist, "NAME", "who checks (default $STATION_THERAPIST, the settings' therapist or $USER)", false},
        CLI_OPT_DB(&db),
    };
    struct cli_cmd cmd = {"station calibrate", "--port PORT --mass-kg KG [--driver NAME] [options]",
                          "Checks a dynamometer against a known mass: zero with nothing on it, then place the\n"
                          "mass. Records the reading, the error in % and the date for the device; a device off by\n"
                          "more than the tolerance, or not checked for a year, is flagged on screen and in reports.",
                          CLI_OPTS(opts), 0, 0};
    int rc = cli_parse(&cmd, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    if (!port)
        return cli_usage_error(&cmd, "--port is required");
    if (!(mass >= 0.1 && mass <= 2000))
        return cli_usage_error(&cmd, "--mass-kg must be between 0.1 and 2000 kg");
    if (!(tolerance > 0 && tolerance <= 50) || !(settle >= 1 && settle <= 600))
        return cli_usage_error(&cmd, "--tolerance-pct must be in (0, 50] and --settle-s in [1, 600]");
    struct st_err err;
    st_err_clear(&err);
    const struct drv_driver *drv = NULL;
    if (driver && !(drv = drv_find(driver)))
        return cli_usage_error(&cmd, "unknown driver \"%s\"", driver);
    /* The database before the device: a file that cannot be opened is said before anything is measured. */
    struct store *s = NULL;
    int failed = cli_db_open(db, &s);
    if (failed)
        return failed;
    static struct st_sample buf[8192];
    struct st_ring ring;
    ring_init(&ring, buf, 8192);
    struct acq_cfg cfg = {.port = port, .drv = drv, .baud = baud};
    struct acq *a = NULL;
    if (acq_start(&cfg, &ring, &a, &err) != ST_OK) {
        store_close(s);
        return cli_fail("%s", st_err_msg(&err));
    }
    catch_signals();
    /* Zero at rest, then the mass's still second (protocols/settle.h says what still is). */
    double expect = mass * CALIB_G;
    static struct settle st_mass;
    settle_init(&st_mass, expect);
    printf("Remove any load from the dynamometer: zeroing...\n");
    fflush(stdout);
    int64_t deadline = st_now_ns() + (int64_t)(settle * 1e9) + 5 * ST_NS_PER_S;
    while (st_now_ns() < deadline && !session_interrupted && st_mass.phase != SETTLE_READ) {
        struct st_sample got[256];
        bool zeroing = st_mass.phase == SETTLE_ZEROING;
        settle_feed(&st_mass, got, ring_pop(&ring, got, 256));
        if (zeroing && st_mass.phase != SETTLE_ZEROING) {
            printf("Zero: %.2f N. Now place the %.3f kg mass and keep it still.\n", st_mass.zero_n, mass);
            fflush(stdout);
        }
        st_sleep_ns(20 * ST_NS_PER_MS);
    }
    double zero = st_mass.zero_n, reading = st_mass.reading_n;
    struct acq_status ast;
    acq_get_status(a, &ast);
    acq_stop(a);
    if (isnan(zero) || isnan(reading))
        store_close(s);
    if (isnan(zero))
        return cli_fail("The reading on %s never settled at rest: keep the dynamometer still and unloaded", port);
    if (isnan(reading))
        return cli_fail("No steady reading near %.1f N came from %s within %.0f s: place the mass and keep it still",
                        expect, port, settle);
    struct calib_result r = calib_judge(mass, reading, tolerance);
    struct store_calibration c;
    struct store_device d;
    enum st_status st = calib_store(s, &ast, NULL, therapist, &r, &c, &d, &err);
    store_close(s);
    if (st != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    char verdict[256];
    printf("%s %s (serial %s): %s\n", d.family, d.model, d.serial, calib_verdict_text(&r, verdict, sizeof verdict));
    printf("%lld\n", (long long)c.id);
    return r.ok ? 0 : 1;
}
