/*
 * cmd_report.c - `station report SESSION [--out FILE.pdf] [--paper a4|letter]` writes the balance
 * report of one session; `station report --patient ID [--protocol NAME]` the patient's progress
 * report (every session on that protocol, the trend, the latest session in detail). The PDF is drawn
 * by station/export/report.h; this file parses the options and prints the path written alone on the
 * last line of stdout, so scripts can pick it up.
 */
#include <stdint.h>
#include <stdio.h>

#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/export/report.h"
#include "station/store/store.h"

int cmd_report(int argc, char **argv)
{
    const char *db = NULL, *out = NULL, *paper_text = "a4", *patient = NULL, *protocol = NULL;
    struct cli_opt opts[] = {
        CLI_OPT_DB(&db),
        {"--out", CLI_STR, &out, "FILE.pdf", "where to write (default: <reference>-<date>.pdf here)", false},
        {"--paper", CLI_STR, &paper_text, "a4|letter", "the paper size (default a4)", false},
        {"--patient", CLI_STR, &patient, "ID", "the progress report of this patient (number or UUID)", false},
        {"--protocol", CLI_STR, &protocol, "NAME", "with --patient: the protocol (default: the latest one)", false},
    };
    struct cli_cmd cmd = {"station report",
                          "SESSION [--out FILE.pdf] [--paper a4|letter] | --patient ID [--protocol NAME]",
                          "Writes the balance report (PDF) of a session, or a patient's progress report; prints "
                          "the file's path on the last line.",
                          CLI_OPTS(opts), 0, 1};
    const char *arg = NULL; /* the one positional argument, if given */
    int rc = cli_parse_one(&cmd, argc, argv, &arg);
    if (rc >= 0)
        return rc;
    enum report_paper paper;
    if (!report_paper_parse(paper_text, &paper))
        return cli_usage_error(&cmd, "--paper must be a4 or letter");
    int64_t sid = 0;
    if (patient) {
        if (arg)
            return cli_usage_error(&cmd, "give either SESSION or --patient ID, not both");
    } else {
        if (protocol)
            return cli_usage_error(&cmd, "--protocol goes with --patient");
        if (!arg)
            return cli_usage_error(&cmd, "which session? give SESSION (see station sessions)");
        if ((rc = cli_session_arg(&cmd, arg, &sid)) >= 0)
            return rc;
    }
    char written[4096];
    struct st_err err;
    st_err_clear(&err);
    struct store *s = NULL;
    if ((rc = cli_db_open_session(db, patient ? NULL : arg, &s, &sid)) != 0)
        return rc;
    enum st_status st;
    int64_t pid = 0;
    if (patient) {
        st = store_patient_find(s, patient, &pid, &err);
        if (st == ST_OK)
            st = report_write_progress(s, pid, protocol, paper, out, written, sizeof written, NULL, &err);
    } else {
        st = report_write(s, sid, paper, out, written, sizeof written, NULL, &err);
    }
    store_close(s);
    report_fonts_release();
    if (st != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    printf("%s\n", written);
    return 0;
}
