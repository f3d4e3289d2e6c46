/*
 * report_fixture.h - sessions for the report and FHIR tests (tests/test_report.c, tests/test_fhir.c):
 * a complete session on a real protocol file (its text stored as the station stores it, so the
 * protocol's bands, hold time, planned reps and gravity correction apply) and reps with real metrics
 * on hand-made traces (store_fixture.h). Header-only: every helper is static.
 */
#ifndef STATION_TESTS_REPORT_FIXTURE_H
#define STATION_TESTS_REPORT_FIXTURE_H

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "station/protocol_files.h"
#include "store_fixture.h"

/* A session on a real protocol file (its text stored as the station stores it). */
static inline int64_t make_session(struct store *s, int64_t pid, const char *protocol, const char *serial, int64_t started)
{
    struct st_err err;
    st_err_clear(&err);
    struct proto_def def;
    CHECK_OK(st_proto_find(protocol, STATION_PROTOCOL_DIR, &def, &err), &err);
    struct store_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.family, sizeof d.family, "mark10");
    snprintf(d.model, sizeof d.model, "Series 5");
    snprintf(d.serial, sizeof d.serial, "%s", serial);
    snprintf(d.unit, sizeof d.unit, "N");
    d.capacity_n = 2500;
    CHECK_OK(store_device_ensure(s, &d, &err), &err);
    int64_t th = 0, pr = 0;
    CHECK_OK(store_therapist_ensure(s, "J. Physio", &th, &err), &err);
    CHECK_OK(store_protocol_ensure(s, def.name, def.text, &pr, &err), &err);
    struct store_session x;
    memset(&x, 0, sizeof x);
    x.patient_id = pid;
    x.therapist_id = th;
    x.protocol_id = pr;
    snprintf(x.position, sizeof x.position, "%s", def.position);
    snprintf(x.mode, sizeof x.mode, "auto");
    x.device_id[0] = d.id;
    x.body_mass_kg = 70.0;
    x.lever_m = 0.8;
    x.started = started;
    proto_free(&def);
    CHECK_OK(store_session_begin(s, &x, &err), &err);
    CHECK_OK(store_session_end(s, x.id, STORE_SESSION_COMPLETE, 80.0, 0.4, 0, 0, &err), &err);
    return x.id;
}

/* One rep of peak N with its real metrics and samples; status and counts as given. */
static inline void add_rep(struct store *s, int64_t sid, int seq, int block, int index, enum st_dir dir, enum st_side side,
                    double peak, enum store_rep_status status, bool counts)
{
    double t[FIX_SAMPLES], f[FIX_SAMPLES];
    struct store_rep r;
    fix_rep(&r, seq, dir, side, peak, 0.8, 70.0, t, f, FIX_SAMPLES);
    r.block_index = block;
    r.index_in_block = index;
    r.status = status;
    r.counts = counts;
    snprintf(r.feedback, sizeof r.feedback, "big_force"); /* what a station's patient screen shows */
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, NULL, &err), &err);
}

/* Runs a command (argv NULL-terminated, argv[0] its name) in a child process whose current folder is
 * the test's tmp folder, stdout to out and stderr to err (paths relative to that folder, or absolute;
 * err appended when append_err, so every failure's line is kept). Returns its exit status. */
static inline int rf_run(int (*fn)(int, char **), char **argv, const char *out, const char *err, bool append_err)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        if (chdir(check_tmpdir()) != 0)
            _exit(99);
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(err, O_WRONLY | O_CREAT | (append_err ? O_APPEND : O_TRUNC), 0600);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(99);
        int rc = fn(argc, argv);
        fflush(NULL);
        _exit(rc);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#endif
