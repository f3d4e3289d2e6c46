/*
 * cmd_sim.c - `station sim`: an emulated instrument on a new pseudo-terminal, for trying the station
 * (or another program) without hardware. Prints the pty's path and runs until interrupted.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "drivers/driver.h"
#include "drivers/emu.h"
#include "station/export/analyze.h"
#include "station/cli/cli.h"
#include "station/cli/commands.h"

static volatile sig_atomic_t sim_stop;

static void on_signal(int sig)
{
    (void)sig;
    sim_stop = 1;
}

int cmd_sim(int argc, char **argv)
{
    const char *driver = NULL, *trace = NULL, *link = NULL, *unit = NULL;
    double peak = 250, rate = 0, noise = 0.3, rest = 2.0, hold = 1.6, seconds = 0;
    int reps = 0, baud = 0;
    struct cli_opt opts[] = {
        {"--driver", CLI_STR, &driver, "NAME", "the instrument family to emulate", false},
        {"--peak-n", CLI_DOUBLE, &peak, "N", "the patient's plateau force (default 250)", false},
        {"--reps", CLI_INT, &reps, "K", "pushes to make, then rest (default 0: forever)", false},
        {"--hold-s", CLI_DOUBLE, &hold, "S", "plateau of each push (default 1.6)", false},
        {"--rest-s", CLI_DOUBLE, &rest, "S", "rest between pushes (default 2)", false},
        {"--noise-n", CLI_DOUBLE, &noise, "N", "sensor noise SD (default 0.3)", false},
        {"--trace", CLI_STR, &trace, "FILE", "play this t_s,force_n file instead of pushes", false},
        {"--rate-hz", CLI_DOUBLE, &rate, "HZ", "streaming rate (default: the instrument's)", false},
        {"--baud", CLI_INT, &baud, "N", "the instrument's baud rate (default: its usual)", false},
        {"--unit", CLI_STR, &unit, "UNIT", "the unit it reports in (where the family has units)", false},
        {"--link", CLI_STR, &link, "PATH", "also make PATH a stable link to the pty", false},
        {"--seconds", CLI_DOUBLE, &seconds, "S", "stop after S seconds (default: until Ctrl-C)", false},
    };
    struct cli_cmd cmd = {"station sim", "--driver NAME [--peak-n N] [--reps K] [--trace FILE] [options]",
                          "An emulated dynamometer on a new pseudo-terminal: prints the pty's path and runs "
                          "until interrupted.\nPoint `station run --port PATH` at it.",
                          CLI_OPTS(opts), 0, 0};
    int rc = cli_parse(&cmd, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    char names[128];
    if (!driver)
        return cli_usage_error(&cmd, "--driver is required (one of: %s)", drv_names(names, sizeof names));
    if (!emu_family_find(driver))
        return cli_usage_error(&cmd, "no emulator for \"%s\" (one of: %s)", driver, drv_names(names, sizeof names));
    if (!(peak >= 0) || reps < 0 || !(rate >= 0) || !(noise >= 0) || !(rest >= 0) || !(hold > 0))
        return cli_usage_error(&cmd, "--peak-n, --reps, --rate-hz, --noise-n, --rest-s must not be negative");

    struct emu_opts o = emu_opts_default(driver);
    o.patient = emu_patient_default(peak, reps);
    o.patient.noise_n = noise;
    o.patient.rest_s = rest;
    o.patient.hold_s = hold;
    o.rate_hz = rate;
    o.baud = baud;
    o.unit = unit;
    o.link_path = link;
    double *t = NULL, *f = NULL;
    size_t n = 0;
    struct st_err err;
    st_err_clear(&err);
    if (trace) {
        if (analyze_read_csv(trace, &t, &f, &n, &err) != ST_OK)
            return cli_fail("%s", st_err_msg(&err));
        o.patient.kind = EMU_PATIENT_TRACE;
        o.patient.trace_t = t;
        o.patient.trace_f = f;
        o.patient.trace_n = n;
    }
    struct emu *e = NULL;
    if (emu_start(&o, &e, &err) != ST_OK) {
        free(t);
        free(f);
        return cli_fail("%s", st_err_msg(&err));
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fprintf(stderr, "station sim: an emulated %s dynamometer; stop it with Ctrl-C\n", driver);
    printf("%s\n", emu_port(e));
    fflush(stdout);
    int64_t end = seconds > 0 ? st_now_ns() + (int64_t)(seconds * 1e9) : INT64_MAX;
    while (!sim_stop && st_now_ns() < end)
        st_sleep_ns(50 * ST_NS_PER_MS);
    struct emu_stats st;
    emu_get_stats(e, &st);
    emu_stop(e);
    free(t);
    free(f);
    fprintf(stderr, "station sim: sent %llu readings\n", (unsigned long long)st.samples_sent);
    return 0;
}
