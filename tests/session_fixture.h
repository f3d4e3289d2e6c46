/*
 * session_fixture.h - an in-process session (session_run) on one emulated instrument, as the session
 * tests set it up (tests/test_e2e.c, test_session_edges.c, test_bilateral.c, test_identity.c), and the
 * session run with its output in a file. Header-only: every helper is static.
 */
#ifndef STATION_TESTS_SESSION_FIXTURE_H
#define STATION_TESTS_SESSION_FIXTURE_H

#include <stdio.h>

#include "check.h"
#include "drivers/emu.h"
#include "station/session.h"

/* family's emulator options with a cued patient (at rest until the session says "Push!"), no noise, so
 * the force on the wire is exactly the push asked for, and the push's shape. */
static inline struct emu_opts session_fixture_emu(const char *family, double ramp_s, double hold_s,
                                                  double release_s)
{
    struct emu_opts eo = emu_opts_default(family);
    eo.patient = emu_patient_default(0, 0);
    eo.patient.kind = EMU_PATIENT_CUED;
    eo.patient.noise_n = 0;
    eo.patient.ramp_s = ramp_s;
    eo.patient.hold_s = hold_s;
    eo.patient.release_s = release_s;
    return eo;
}

/* A headless, hands-free session of patient (id text) on one channel, emulator e speaking driver,
 * whose patient the session cues (set o.demo_peaks). The strings must outlive session_run. */
static inline struct session_opts session_fixture_opts(const char *db, const char *patient,
                                                       const char *protocol, struct emu *e,
                                                       const char *driver)
{
    struct session_opts o = session_opts_default();
    o.db_path = db;
    o.patient = patient;
    o.therapist = "T.E.";
    o.protocol = protocol;
    o.n_ch = 1;
    o.ch[0].port = e ? emu_port(e) : NULL; /* NULL: the caller sets the port */
    o.ch[0].driver = driver;
    o.headless = true;
    o.auto_mode = true;
    o.demo_emu[0] = e;
    return o;
}

/* session_run(o) with its progress lines and cues in the file log (the run's record, for the test to
 * read); *sid gets the session. Returns session_run's status (err: its message). */
static inline enum st_status session_fixture_run(struct session_opts *o, const char *log, int64_t *sid,
                                                 struct st_err *err)
{
    FILE *out = fopen(log, "w");
    REQUIRE(out);
    o->out = out;
    enum st_status st = session_run(o, sid, err);
    fclose(out);
    o->out = NULL;
    return st;
}

#endif
