/*
 * cmd_analyze.c - `station analyze [--json] TRACE.csv`: the metrics of one contraction from a file.
 *
 * A thin wrapper: options (cli.h), the reader and printer (analyze.h), the metrics (metrics.h). It is
 * how a therapist or a researcher checks the station's numbers against their own, and how scripts
 * get them (--json prints exactly the keys DESIGN.md lists).
 */
#include <math.h>
#include <stdlib.h>

#include "station/export/analyze.h"
#include "station/cli/cli.h"
#include "station/cli/commands.h"

int cmd_analyze(int argc, char **argv)
{
    bool json = false;
    double mass = NAN, lever = NAN, full_scale = NAN;
    const char *db = NULL;
    struct cli_opt opts[] = {
        {"--json", CLI_FLAG, &json, NULL, "print one JSON object (baseline_n, onset_s, peak_n, ... flags)", false},
        {"--mass-kg", CLI_DOUBLE, &mass, "KG", "body mass, for N/kg and N·m/kg in the table", false},
        {"--lever-m", CLI_DOUBLE, &lever, "M", "lever arm, hip joint centre to pad centre, for torque", false},
        {"--full-scale-n", CLI_DOUBLE, &full_scale, "N", "the device's full-scale reading (saturation flag)", false},
        {"--db", CLI_STR, &db, "PATH", "accepted as by every subcommand; analyze reads no database", false},
    };
    struct cli_cmd cmd = {
        "station analyze",
        "[--json] [--mass-kg KG] [--lever-m M] [--full-scale-n N] TRACE.csv",
        "The metrics of one contraction (onset, peak, time to peak, RFD, best 1 s mean, impulse, quality\n"
        "flags) from a CSV file "
        "with the header t_s,force_n and one sample per line (time in s, force in N, tared).",
        CLI_OPTS(opts), 1, 1,
    };
    const char *arg = NULL; /* the one positional argument, if given */
    int rc = cli_parse_one(&cmd, argc, argv, &arg);
    if (rc >= 0)
        return rc;
    (void)db;
    if (cli_opt_get(&cmd, "--mass-kg")->seen && !(mass > 0))
        return cli_usage_error(&cmd, "--mass-kg must be above 0 kg");
    if (cli_opt_get(&cmd, "--lever-m")->seen && !(lever > 0))
        return cli_usage_error(&cmd, "--lever-m must be above 0 m");
    if (cli_opt_get(&cmd, "--full-scale-n")->seen && !(full_scale > 0))
        return cli_usage_error(&cmd, "--full-scale-n must be above 0 N");

    struct st_err err;
    st_err_clear(&err);
    double *t = NULL, *f = NULL;
    size_t n = 0;
    if (analyze_read_csv(arg, &t, &f, &n, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));

    struct met_opts mo = met_opts_default();
    mo.body_mass_kg = mass;
    mo.lever_m = lever;
    mo.full_scale_n = full_scale;
    struct met_result m;
    enum st_status s = met_compute(t, f, n, &mo, &m, &err);
    free(t);
    free(f);
    if (s != ST_OK)
        return cli_fail("%s: %s", arg, st_err_msg(&err));
    if (analyze_print(stdout, &m, json, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    return 0;
}
