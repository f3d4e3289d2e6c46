/*
 * test_cmd_patient.c - the patient and history commands as a user runs them: exit codes and outputs
 * of `patient add|list|show|edit|delete`, `sessions`, `show`, `trend` and `export` (CSV and JSON, with
 * and without --raw, and the patient's --all export), on sessions made through the store API with
 * hand-made reps. Names with quotes, SQL, emoji and right-to-left text go all the way through.
 * The commands are called directly (station/cli/main.c wires them in); stdout and stderr are captured in
 * files.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cmd_capture.h"
#include "station/cli/commands.h"
#include "store_fixture.h"

static char out_buf[1 << 20], err_buf[8192];

/* Runs fn with the NULL-terminated arguments; stdout and stderr land in out_buf / err_buf. */
static int run(int (*fn)(int, char **), ...)
{
    char *argv[64];
    int argc = 0;
    va_list ap;
    va_start(ap, fn);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < 63)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    char po[512], pe[512];
    check_tmppath(po, sizeof po, "stdout.txt");
    check_tmppath(pe, sizeof pe, "stderr.txt");
    int rc = cmd_capture(fn, argc, argv, po, pe);
    REQUIRE(rc != -1);
    cmd_slurp(po, out_buf, sizeof out_buf);
    cmd_slurp(pe, err_buf, sizeof err_buf);
    return rc;
}

/* The last line of out_buf as a number (0 if it is not one alone). */
static long long last_line_id(void)
{
    size_t n = strlen(out_buf);
    while (n && out_buf[n - 1] == '\n')
        n--;
    size_t start = n;
    while (start && out_buf[start - 1] != '\n')
        start--;
    char line[64];
    if (n - start >= sizeof line)
        return 0;
    memcpy(line, out_buf + start, n - start);
    line[n - start] = '\0';
    char *end = NULL;
    long long v = strtoll(line, &end, 10);
    return *line && *end == '\0' ? v : 0;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static char db[512];

/* Reads RFC 4180 text (quoted fields, doubled quotes, CRLF) into cells: at most maxrows rows of 24
 * fields of 63 bytes. Returns the number of rows. */
static int csv_parse(const char *p, char cells[][24][64], int maxrows)
{
    int row = 0, col = 0;
    size_t len = 0;
    memset(cells, 0, sizeof cells[0] * (size_t)maxrows);
    while (*p && row < maxrows) {
        bool quoted = *p == '"';
        p += quoted;
        for (; *p; p++) {
            if (quoted && *p == '"' && p[1] == '"')
                p++;
            else if (quoted && *p == '"') {
                quoted = false;
                continue;
            } else if (!quoted && (*p == ',' || *p == '\r' || *p == '\n'))
                break;
            if (len < 63 && col < 24)
                cells[row][col][len++] = *p;
        }
        len = 0;
        if (*p == ',') {
            col++;
            p++;
            continue;
        }
        p += *p == '\r';
        p += *p == '\n';
        row++;
        col = 0;
    }
    return row;
}

static void test_cmd_patient_add_list_show(void)
{
    check_tmppath(db, sizeof db, "cmd.db");
    /* Add: the id alone on the last line. */
    CHECK_INT(run(cmd_patient, "patient", "add", "--db", db, "--name", "Robert'); DROP TABLE patients;--", "--sex",
                  "m", "--birth", "1980-01-31", "--mass-kg", "82.5", "--lever-m", "0.85", "--side-dominant", "R",
                  "--ref", "A,\"1\"", "--therapist", "JB", NULL),
              0);
    long long id1 = last_line_id();
    CHECK(id1 > 0);
    CHECK_INT(run(cmd_patient, "patient", "add", "--db", db, "--name", "Zoë 💪 שלום", "--sex", "F", "--birth",
                  "1999-09-09", "--mass-kg", "61", NULL),
              0);
    long long id2 = last_line_id();
    CHECK(id2 > id1);

    /* Bad fields: exit 2, the message names the field and repeats no patient data. */
    CHECK_INT(run(cmd_patient, "patient", "add", "--db", db, "--name", "Secretname Q", "--sex", "F", "--birth",
                  "1999-02-30", "--mass-kg", "61", NULL),
              2);
    CHECK(strstr(err_buf, "Birth date") != NULL);
    CHECK(strstr(err_buf, "1999-02-30") == NULL);
    CHECK(strstr(err_buf, "Secretname") == NULL);
    CHECK_INT(run(cmd_patient, "patient", "add", "--db", db, "--name", "Secretname Q", "--sex", "F", "--birth",
                  "1999-02-03", "--mass-kg", "12", NULL),
              2);
    CHECK(strstr(err_buf, "Body mass") != NULL);
    CHECK_INT(run(cmd_patient, "patient", "add", "--db", db, "--name", "Q", "--sex", "Y", "--birth", "1999-02-03",
                  "--mass-kg", "60", NULL),
              2);
    CHECK(strstr(err_buf, "Sex") != NULL);
    CHECK_INT(run(cmd_patient, "patient", "add", "--db", db, "--name", "Q", "--sex", "F", "--birth", "1999-02-03",
                  "--mass-kg", "60", "--lever-m", "3", NULL),
              2);
    CHECK(strstr(err_buf, "Lever arm") != NULL);
    CHECK_INT(run(cmd_patient, "patient", "add", "--db", db, "--sex", "F", "--birth", "1999-02-03", "--mass-kg", "60",
                  NULL),
              2);
    CHECK(strstr(err_buf, "--name") != NULL);
    CHECK_INT(run(cmd_patient, "patient", "add", "--db", db, "--name", "", "--sex", "F", "--birth", "1999-02-03",
                  "--mass-kg", "60", NULL),
              2);
    CHECK(strstr(err_buf, "Name") != NULL);
    /* Control characters in a name (an escape sequence, a bell, a newline) are refused, naming the field. */
    const char *controls[] = {"Ann\x1b[2J", "Bell\x07", "Two\nLines"};
    for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++) {
        CHECK_INT(run(cmd_patient, "patient", "add", "--db", db, "--name", controls[i], "--sex", "F", "--birth",
                      "1999-02-03", "--mass-kg", "60", NULL),
                  2);
        CHECK(strstr(err_buf, "Name: contains a control character") != NULL);
    }
    CHECK_INT(run(cmd_patient, "patient", NULL), 2);
    CHECK_INT(run(cmd_patient, "patient", "frobnicate", NULL), 2);
    CHECK_INT(run(cmd_patient, "patient", "--help", NULL), 0);
    CHECK(strstr(out_buf, "delete") != NULL);

    /* List and show. */
    CHECK_INT(run(cmd_patient, "patient", "list", "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "Robert'); DROP TABLE patients;--") != NULL);
    CHECK(strstr(out_buf, "Zoë 💪 שלום") != NULL);
    CHECK(strstr(out_buf, "2 patient(s)") != NULL);
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id1);
    CHECK_INT(run(cmd_patient, "patient", "show", ids, "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "Robert'); DROP TABLE patients;--") != NULL);
    CHECK(strstr(out_buf, "A,\"1\"") != NULL);
    CHECK(strstr(out_buf, "82.5 kg") != NULL);
    CHECK(strstr(out_buf, "0.85 m") != NULL);
    CHECK_INT(run(cmd_patient, "patient", "show", "999", "--db", db, NULL), 1);
    CHECK(strstr(err_buf, "999") != NULL);
    CHECK_INT(run(cmd_patient, "patient", "show", "--db", db, NULL), 2);

    /* Edit: audited; a new mass joins the history. */
    CHECK_INT(run(cmd_patient, "patient", "edit", ids, "--db", db, "--lever-m", "0.9", "--mass-kg", "80",
                  "--mass-date", "2024-01-02", "--reason", "remeasured", "--therapist", "JB", NULL),
              0);
    CHECK_INT(run(cmd_patient, "patient", "show", ids, "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "0.90 m") != NULL);
    CHECK(strstr(out_buf, "2024-01-02  80.0 kg") != NULL);
    CHECK(strstr(out_buf, "82.5 kg") != NULL);
    CHECK_INT(run(cmd_patient, "patient", "edit", ids, "--db", db, "--lever-m", "2.5", NULL), 2);
    CHECK(strstr(err_buf, "Lever arm") != NULL);
    struct store *s = fix_reopen(db);
    struct st_err err;
    struct store_patient p;
    CHECK_OK(store_patient_get(s, id1, &p, &err), &err);
    CHECK_NEAR(p.lever_m, 0.9, 1e-12);
    fix_check_audit(s, p.uuid,
                    (const struct fix_audit[]){{0}, {.field = "lever_m", .therapist = "JB", .reason = "remeasured"}},
                    2);
    store_close(s);
}

static void test_cmd_history(void)
{
    struct store *s = fix_reopen(db);
    struct st_err err;
    int64_t pid = 1;
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    /* Session 1: ADD 160 / ABD 200 on the left (ratio 0.80 -> amber at exactly 0.80? no: red is below
     * 0.80, so 161/201 = 0.801 is amber), right 200/200 normal; device A. Session 2 stronger, device B. */
    int64_t sid[2];
    const char *serial[2] = {"SN-A", "SN-B"};
    double add_left[2] = {160, 200};
    for (int k = 0; k < 2; k++) {
        sid[k] = fix_session(s, pid, "supine-0", serial[k], 1700000000 + k * 7 * 86400);
        struct store_rep r;
        int seq = 1;
        for (int side = 0; side < 2; side++)
            for (int i = 0; i < 3; i++) {
                fix_rep(&r, seq++, ST_DIR_ADD, (enum st_side)side, (side ? 200 : add_left[k]) - i, 0.8, 70, t, f,
                        FIX_SAMPLES);
                if (i == 2)
                    snprintf(r.note, sizeof r.note, "said \"ouch\", then, ok");
                CHECK_OK(store_rep_add(s, sid[k], &r, t, f, FIX_SAMPLES, NULL, &err), &err);
                fix_rep(&r, seq++, ST_DIR_ABD, (enum st_side)side, 200 - i, 0.8, 70, t, f, FIX_SAMPLES);
                r.pain = i;
                snprintf(r.feedback, sizeof r.feedback, "no_numbers"); /* the ADD reps': not recorded */
                CHECK_OK(store_rep_add(s, sid[k], &r, t, f, FIX_SAMPLES, NULL, &err), &err);
            }
        CHECK_OK(store_session_end(s, sid[k], STORE_SESSION_COMPLETE, 80, 0.5, 0, 0, &err), &err);
    }
    /* Session 3, aborted after two right ADD reps a hair weaker than before (-0.2 %: "0 %", never "-0 %"). */
    int64_t sid3 = fix_session(s, pid, "supine-0", serial[1], 1700000000 + 14 * 86400);
    for (int i = 0; i < 2; i++) {
        struct store_rep r;
        fix_rep(&r, i + 1, ST_DIR_ADD, ST_SIDE_RIGHT, 200.5 - i, 0.8, 70, t, f, FIX_SAMPLES);
        CHECK_OK(store_rep_add(s, sid3, &r, t, f, FIX_SAMPLES, NULL, &err), &err);
    }
    CHECK_OK(store_session_end(s, sid3, STORE_SESSION_ABORTED, 80, 0.5, 0, 0, &err), &err);
    store_close(s);
    char sid1[32], pids[32];
    snprintf(sid1, sizeof sid1, "%lld", (long long)sid[0]);
    snprintf(pids, sizeof pids, "%lld", (long long)pid);

    /* sessions: local time (a zone east of UTC moves the first session past midnight), patient reference
     * and name, protocol, status and the ratio per side with its word; --json keeps UTC. */
    setenv("TZ", "XST-5:30", 1);
    tzset();
    CHECK_INT(run(cmd_sessions, "sessions", "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "3 session(s); times are local (XST)") != NULL);
    CHECK(strstr(out_buf, "2023-11-15 03:43 A,\"1\"      Robert'); DROP TABLE ~ supine-0   ") != NULL);
    CHECK(strstr(out_buf, "complete    0.80 amber   1.00 normal") != NULL);
    CHECK(strstr(out_buf, "aborted     -            -") != NULL);
    CHECK(strstr(out_buf, "T22:13") == NULL);
    CHECK_INT(run(cmd_sessions, "sessions", "--db", db, "--patient", pids, "--json", NULL), 0);
    CHECK(strstr(out_buf, "\"started_utc\": \"2023-11-14T22:13:20Z\"") != NULL);
    CHECK(strstr(out_buf, "\"patient_name\": \"Robert'); DROP TABLE patients;--\"") != NULL);
    CHECK(strstr(out_buf, "\"status\": \"aborted\"") != NULL);
    CHECK(strstr(out_buf, "\"value\": 0.8009") != NULL); /* 161 / 201, the number unrounded */
    CHECK(strstr(out_buf, "\"flag\": \"amber\"") != NULL);
    CHECK_INT(run(cmd_sessions, "sessions", "--db", db, "--patient", "2", NULL), 0);
    CHECK(strstr(out_buf, "0 session(s)") != NULL);
    CHECK_INT(run(cmd_sessions, "sessions", "--db", db, "--patient", "77", NULL), 1);
    unsetenv("TZ");
    tzset();

    CHECK_INT(run(cmd_show, "show", sid1, "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "ADD:ABD ratio") != NULL);
    CHECK(strstr(out_buf, "left : 0.80  amber") != NULL);  /* 161 / 201 */
    CHECK(strstr(out_buf, "right: 1.00  normal") != NULL); /* 201 / 201 */
    CHECK(strstr(out_buf, "groin-injury research in athletes") != NULL);
    CHECK(strstr(out_buf, "ADD: 19.9 %, weaker left, red") != NULL); /* 100 * (201 - 161) / 201 */
    CHECK(strstr(out_buf, "chronojump force sensor, serial SN-A") != NULL);
    CHECK(strstr(out_buf, "ADD left : 3 rep(s), best 161.0 N") != NULL);
    CHECK(strstr(out_buf, "pain 2") != NULL);
    /* the best rep of each cell with its time to peak, RFD and impulse; devices in plain words */
    CHECK(strstr(out_buf, "best rep #1: time to peak ") != NULL);
    CHECK(strstr(out_buf, "s, RFD 0-200 ms ") != NULL && strstr(out_buf, "N/s, impulse ") != NULL);
    CHECK(strstr(out_buf, "Device on channel 1: chronojump") != NULL);
    CHECK(strstr(out_buf, "capacity - N") == NULL && strstr(out_buf, "FLAGGED") == NULL);
    CHECK(strstr(out_buf, "  Calibration: needs attention: ") != NULL); /* no check on record */
    CHECK(strstr(out_buf, "Reference values\n  None that compare") != NULL);
    CHECK(strstr(out_buf, ".md") == NULL);
    CHECK_INT(run(cmd_show, "show", "4242", "--db", db, NULL), 1);
    CHECK(strstr(err_buf, "4242") != NULL);
    CHECK_INT(run(cmd_show, "show", "x", "--db", db, NULL), 2);

    /* trend: N and N·m/kg with the change and its sign, the aborted session by its status, the cut-offs
     * with their source and no file of the source tree; without --protocol every protocol of the patient. */
    CHECK_INT(run(cmd_trend, "trend", "--db", db, "--patient", pids, "--protocol", "supine-0", NULL), 0);
    CHECK(strstr(out_buf, "Protocol supine-0: 3 session(s)") != NULL);
    CHECK(strstr(out_buf, "201.0 +25 % !") != NULL); /* ADD left 161 -> 201 */
    CHECK(strstr(out_buf, "-0 %") == NULL);
    CHECK(strstr(out_buf, "3 aborted") != NULL);
    CHECK(strstr(out_buf, "B (changed)") != NULL);
    CHECK(strstr(out_buf, "Devices: A = chronojump SN-A; B = chronojump SN-B\n") != NULL);
    CHECK(strstr(out_buf, "The device changed 1 time(s)") != NULL);
    CHECK(strstr(out_buf, "'!' marks 2 change(s) beyond 10 %") != NULL);
    CHECK(strstr(out_buf, "red below\n0.80, amber below 0.90 (groin-injury research in athletes") != NULL);
    CHECK(strstr(out_buf, ".md") == NULL);
    static char trend_one[sizeof out_buf];
    memcpy(trend_one, out_buf, sizeof trend_one);
    CHECK_INT(run(cmd_trend, "trend", "--db", db, "--patient", pids, NULL), 0);
    CHECK(strstr(out_buf, strstr(trend_one, "Protocol supine-0")) != NULL); /* the same table */
    CHECK_INT(run(cmd_trend, "trend", "--db", db, "--patient", pids, "--protocol", "supine-90", NULL), 1);
    CHECK(strstr(err_buf, "no session of protocol \"supine-90\"; their protocols: supine-0") != NULL);
    CHECK_INT(count_lines(err_buf), 1);
    CHECK_INT(run(cmd_trend, "trend", "--db", db, NULL), 2);

    /* JSON export. */
    CHECK_INT(run(cmd_export, "export", sid1, "--format", "json", "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "\"format\": \"station-session\"") != NULL);
    CHECK(strstr(out_buf, "\"add_abd_ratio\": 0.80") != NULL);
    CHECK(strstr(out_buf, "\"flag\": \"amber\"") != NULL);
    CHECK(strstr(out_buf, "\"direction\": \"adduction\"") != NULL);
    CHECK(strstr(out_buf, "\"side\": \"left\"") != NULL);
    CHECK(strstr(out_buf, "\"accepted\": true") != NULL);
    CHECK(strstr(out_buf, "\"rfd_0_100_n_per_s\"") != NULL);
    CHECK(strstr(out_buf, "\"best_1s_mean_n\"") != NULL);
    CHECK(strstr(out_buf, "\"flags\": []") != NULL);
    CHECK(strstr(out_buf, "\"note\": \"said \\\"ouch\\\", then, ok\"") != NULL);
    CHECK(strstr(out_buf, "\"ref\": \"A,\\\"1\\\"\"") != NULL);
    CHECK(strstr(out_buf, "DROP TABLE") == NULL); /* a session export carries no name */
    CHECK(strstr(out_buf, "\"samples\"") == NULL);
    CHECK_INT(run(cmd_export, "export", sid1, "--format", "json", "--raw", "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "\"samples\"") != NULL);
    CHECK(strstr(out_buf, "\"force_n\": [") != NULL);

    /* JSON is the default; it holds the cut-offs, blocks from 1 and no "both" side on a unilateral
     * protocol. */
    CHECK_INT(run(cmd_export, "export", sid1, "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "\"format\": \"station-session\"") != NULL);
    CHECK(strstr(out_buf, "\"ratio_red_below\": 0.8,") != NULL);
    CHECK(strstr(out_buf, "\"ratio_amber_below\": 0.9,") != NULL);
    CHECK(strstr(out_buf, "\"asymmetry_amber_above_pct\": 10,") != NULL);
    CHECK(strstr(out_buf, "\"asymmetry_red_above_pct\": 15,") != NULL);
    CHECK(strstr(out_buf, "\"block\": 1,") != NULL && strstr(out_buf, "\"block\": 0,") == NULL);
    CHECK(strstr(out_buf, "\"both\": {") == NULL);
    CHECK(strstr(out_buf, "\"left\": {") != NULL && strstr(out_buf, "\"right\": {") != NULL);

    /* CSV, one table to stdout: the reps (header + one row per rep; quoting; --raw adds the long
     * table), the summary. */
    CHECK_INT(run(cmd_export, "export", sid1, "--table", "reps", "--db", db, NULL), 0);
    CHECK(strncmp(out_buf, "session_id,session_uuid,rep_id,rep_uuid,sequence,", 49) == 0);
    CHECK_INT(count_lines(out_buf), 1 + 12);
    CHECK(strstr(out_buf, ",pain,note,feedback\r\n") != NULL); /* the patient's screen, as the JSON has it */
    CHECK(strstr(out_buf, ",\"said \"\"ouch\"\", then, ok\",\r\n") != NULL); /* ADD: not recorded */
    CHECK(strstr(out_buf, ",2,,no_numbers\r\n") != NULL);                   /* ABD: pain 2, no note */
    CHECK(strstr(out_buf, ",adduction,left,0,accepted,1,1,") != NULL);
    CHECK(strstr(out_buf, ",1,1,1,adduction,left,") != NULL); /* sequence 1, block 1, index 1 */
    CHECK_INT(run(cmd_export, "export", sid1, "--format", "csv", "--table", "reps", "--raw", "--db", db, NULL), 0);
    CHECK_INT(count_lines(out_buf), 1 + 12 + 1 + 1 + 12 * FIX_SAMPLES);
    CHECK(strstr(out_buf, "\r\n\r\nrep_id,rep_uuid,sequence,t_s,force_n\r\n") != NULL);
    setenv("TZ", "UTC0", 1);
    tzset();
    CHECK_INT(run(cmd_export, "export", sid1, "--table", "summary", "--db", db, NULL), 0);
    static char summary[sizeof out_buf];
    memcpy(summary, out_buf, sizeof summary);

    /* --format csv: the reps and the summary in their own files, the summary read back by a CSV parser;
     * --raw adds one samples file per rep that station analyze reads as it is. */
    char base[512], path[600];
    check_tmppath(base, sizeof base, "s1.csv");
    CHECK_INT(run(cmd_export, "export", sid1, "--format", "csv", "--raw", "--out", base, "--db", db, NULL), 0);
    base[strlen(base) - 4] = '\0';
    snprintf(path, sizeof path, "%s-summary.csv\n", base);
    CHECK(strstr(out_buf, path) != NULL);
    path[strlen(path) - 1] = '\0';
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    static char text[1 << 16];
    cmd_slurp(path, text, sizeof text);
    CHECK_STR(text, summary);
    static char cells[8][24][64];
    int nrows = csv_parse(text, cells, 8);
    CHECK_INT(nrows, 1 + 4); /* header, then ADD left, ADD right, ABD left, ABD right */
    int col_ratio = -1, col_flag = -1, col_asym = -1, col_weaker = -1, col_date = -1;
    for (int c = 0; c < 24; c++) {
        col_ratio = !strcmp(cells[0][c], "add_abd_ratio") ? c : col_ratio;
        col_flag = !strcmp(cells[0][c], "ratio_flag") ? c : col_flag;
        col_asym = !strcmp(cells[0][c], "asymmetry_pct") ? c : col_asym;
        col_weaker = !strcmp(cells[0][c], "weaker_side") ? c : col_weaker;
        col_date = !strcmp(cells[0][c], "date") ? c : col_date;
    }
    REQUIRE(col_ratio > 0 && col_flag > 0 && col_asym > 0 && col_weaker > 0 && col_date > 0);
    for (int r = 1; r < nrows; r++) {
        CHECK_STR(cells[r][0], "A,\"1\""); /* the patient reference, quoted in the file */
        CHECK_STR(cells[r][4], "supine-0");
        CHECK_STR(cells[r][col_date], "2023-11-14");
    }
    CHECK_STR(cells[1][6], "adduction");
    CHECK_STR(cells[1][7], "left");
    CHECK(strncmp(cells[1][col_ratio], "0.80", 4) == 0);
    CHECK_STR(cells[1][col_flag], "amber");
    CHECK(strncmp(cells[1][col_asym], "19.9", 4) == 0);
    CHECK_STR(cells[1][col_weaker], "left");
    CHECK_STR(cells[2][7], "right");
    CHECK_STR(cells[2][col_flag], "normal");
    unsetenv("TZ");
    tzset();
    snprintf(path, sizeof path, "%s-reps.csv", base);
    CHECK(fix_file_contains(path, "session_id,session_uuid"));
    snprintf(path, sizeof path, "%s-samples-rep1.csv", base);
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    CHECK_INT(run(cmd_analyze, "analyze", "--json", path, NULL), 0);
    CHECK(strstr(out_buf, "\"peak_n\": 161,") != NULL); /* session 1's first rep: the 161 N show gives */
    char one[512];
    check_tmppath(one, sizeof one, "rep2.csv");
    CHECK_INT(run(cmd_export, "export", sid1, "--table", "samples", "--rep", "2", "--out", one, "--db", db, NULL), 0);
    CHECK_INT(run(cmd_analyze, "analyze", one, NULL), 0);
    CHECK_INT(run(cmd_export, "export", sid1, "--table", "samples", "--rep", "99", "--db", db, NULL), 1);
    CHECK(strstr(err_buf, "has no repetition 99") != NULL);

    /* Usage errors and --out. */
    CHECK_INT(run(cmd_export, "export", sid1, "--format", "xml", "--db", db, NULL), 2);
    CHECK_INT(run(cmd_export, "export", sid1, "--table", "cells", "--db", db, NULL), 2);
    CHECK_INT(run(cmd_export, "export", sid1, "--table", "samples", "--db", db, NULL), 2);
    CHECK(strstr(err_buf, "--rep N") != NULL);
    CHECK_INT(run(cmd_export, "export", sid1, "--format", "json", "--table", "reps", "--db", db, NULL), 2);
    CHECK_INT(run(cmd_export, "export", "--patient", pids, "--db", db, NULL), 2);
    CHECK_INT(run(cmd_export, "export", "999", "--format", "csv", "--db", db, NULL), 1);
    char out[512];
    check_tmppath(out, sizeof out, "export.csv");
    CHECK_INT(run(cmd_export, "export", sid1, "--table", "reps", "--out", out, "--db", db, NULL), 0);
    CHECK(stat(out, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    CHECK(fix_file_contains(out, "session_id,session_uuid"));

    /* The patient's everything export. */
    CHECK_INT(run(cmd_export, "export", "--patient", pids, "--all", "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "\"format\": \"station-patient-export\"") != NULL);
    CHECK(strstr(out_buf, "\"name\": \"Robert'); DROP TABLE patients;--\"") != NULL);
    CHECK(strstr(out_buf, "\"birth_date\": \"1980-01-31\"") != NULL);
    CHECK(strstr(out_buf, "\"kg\": 80") != NULL);
    CHECK(strstr(out_buf, "\"force_n\": [") != NULL);
    CHECK(strstr(out_buf, "\"action\": \"edit\"") != NULL);
    CHECK(strstr(out_buf, "\"station-session\"") != NULL);
    CHECK_INT(run(cmd_export, "export", "--patient", "2", "--all", "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "\"name\": \"Zoë 💪 שלום\"") != NULL);

    /* A file that is not a database: exit 1, a message naming it. */
    char bad[512];
    check_tmppath(bad, sizeof bad, "not-a-db.txt");
    FILE *fb = fopen(bad, "w");
    REQUIRE(fb);
    fputs("hello, this is not SQLite\n", fb);
    fclose(fb);
    CHECK_INT(run(cmd_sessions, "sessions", "--db", bad, NULL), 1);
    CHECK(strstr(err_buf, "is not a station database") != NULL);
    CHECK(strstr(err_buf, bad) != NULL);
}

/* Without a lever arm there is no torque: show says the ratio is of forces. */
static void test_cmd_show_without_lever(void)
{
    struct store *s = fix_reopen(db);
    struct st_err err;
    int64_t pid = fix_patient(s, "No Lever");
    int64_t sid = fix_session(s, pid, "supine-0", "SN-NL", 1700950000);
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    int seq = 1;
    for (int dir = 0; dir < ST_DIR_COUNT; dir++)
        for (int side = 0; side < 2; side++) {
            struct store_rep r;
            fix_rep(&r, seq++, (enum st_dir)dir, (enum st_side)side, dir == ST_DIR_ADD ? 150 : 200, NAN, 70, t, f,
                    FIX_SAMPLES);
            CHECK_OK(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, NULL, &err), &err);
        }
    CHECK_OK(store_session_end(s, sid, STORE_SESSION_COMPLETE, 80, 0.5, 0, 0, &err), &err);
    store_close(s);
    char sids[32];
    snprintf(sids, sizeof sids, "%lld", (long long)sid);
    CHECK_INT(run(cmd_show, "show", sids, "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "left : 0.7") != NULL);
    CHECK(strstr(out_buf, "red (of the best forces: no lever arm, so no torque)") != NULL);
    /* the later tests count the first patient's sessions alone */
    CHECK_OK(store_open(db, &s, &err), &err);
    REQUIRE(s);
    CHECK_OK(store_patient_delete(s, pid, 0, "test", NULL, NULL, &err), &err);
    store_close(s);
}

static void test_cmd_patient_delete(void)
{
    CHECK_INT(run(cmd_patient, "patient", "delete", "1", "--db", db, NULL), 2);
    CHECK(strstr(err_buf, "--yes") != NULL);
    CHECK(strstr(err_buf, "3 session(s)") != NULL);
    CHECK_INT(run(cmd_patient, "patient", "show", "1", "--db", db, NULL), 0); /* still there */
    CHECK_INT(run(cmd_patient, "patient", "delete", "1", "--yes", "--reason", "request", "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "erased with 3 session(s) and 26 repetition(s)") != NULL);
    CHECK_INT(run(cmd_patient, "patient", "show", "1", "--db", db, NULL), 1);
    CHECK_INT(run(cmd_sessions, "sessions", "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "0 session(s)") != NULL);
    CHECK_INT(run(cmd_patient, "patient", "delete", "1", "--yes", "--db", db, NULL), 1);
    CHECK_INT(run(cmd_patient, "patient", "list", "--db", db, NULL), 0);
    CHECK(strstr(out_buf, "1 patient(s)") != NULL);
    CHECK(!fix_file_contains(db, "DROP TABLE patients"));
}

/* A CSV cell a spreadsheet would run as a formula (=, +, -, @ first) is written as text with a leading
 * ', while numbers, negative ones too, stay numbers. */
static void test_cmd_csv_formula_cells(void)
{
    struct store *s = fix_reopen(db);
    struct st_err err;
    int64_t pid = fix_patient(s, "Csv Cells");
    int64_t sid = fix_session(s, pid, "supine-0", "SN-CSV", 1700900000);
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    const char *notes[] = {"=HYPERLINK(\"http://x.example\",\"ok\")", "+1", "-2", "@SUM(A1)", "plain -3"};
    for (int i = 0; i < 5; i++) {
        struct store_rep r;
        fix_rep(&r, i + 1, ST_DIR_ADD, ST_SIDE_LEFT, 200, 0.8, 70, t, f, FIX_SAMPLES);
        snprintf(r.note, sizeof r.note, "%s", notes[i]);
        r.m.baseline_n = -1.5;
        CHECK_OK(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, NULL, &err), &err);
    }
    store_close(s);
    char sids[32];
    snprintf(sids, sizeof sids, "%lld", (long long)sid);
    CHECK_INT(run(cmd_export, "export", sids, "--format", "csv", "--table", "reps", "--db", db, NULL), 0);
    CHECK(strstr(out_buf, ",\"'=HYPERLINK(\"\"http://x.example\"\",\"\"ok\"\")\",\r\n") != NULL);
    CHECK(strstr(out_buf, ",'+1,\r\n") != NULL);
    CHECK(strstr(out_buf, ",'-2,\r\n") != NULL);
    CHECK(strstr(out_buf, ",'@SUM(A1),\r\n") != NULL);
    CHECK(strstr(out_buf, ",plain -3,\r\n") != NULL); /* (then the feedback: not recorded) */
    CHECK(strstr(out_buf, ",1,1,-1.5,") != NULL); /* accepted, counts, then baseline_n: a number */
    CHECK(strstr(out_buf, "'-1.5") == NULL);
    /* The later tests count the first patient's sessions alone. */
    CHECK_OK(store_open(db, &s, &err), &err);
    REQUIRE(s);
    CHECK_OK(store_patient_delete(s, pid, 0, NULL, NULL, NULL, &err), &err);
    store_close(s);
}

int main(void)
{
    CHECK_RUN(test_cmd_patient_add_list_show);
    CHECK_RUN(test_cmd_history);
    CHECK_RUN(test_cmd_csv_formula_cells);
    CHECK_RUN(test_cmd_show_without_lever);
    CHECK_RUN(test_cmd_patient_delete);
    return check_done();
}
