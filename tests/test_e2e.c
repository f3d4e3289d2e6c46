/*
 * test_e2e.c - the whole pipeline, for real: an emulated Chronojump on a pseudo-terminal -> link ->
 * parser -> acquisition thread -> ring -> engine -> a saved session in a temporary SQLite file. Checks
 * what the database holds: the reps, their samples (count and spacing), and the peak the emulated
 * patient was told to produce.
 */
#include <stdlib.h>

#include "check.h"
#include "store_fixture.h"
#include "drivers/emu.h" /* (also named here: CMake gives tests that wait on emulators two slots) */
#include "session_fixture.h"
#include "station/store/store.h"

static const char *protocol_text =
    "[protocol]\nname = e2e\ntitle = End-to-end test\nposition = supine, hips 0°\nhip_flexion_deg = 0\n"
    "lever = long\ncontraction = make\n[order]\nmode = fixed\n[blocks]\nblock = adduction left 0\n"
    "block = abduction left 0\n[reps]\nfamiliarisation = 0\nreps = 2\nhold_s = 3\nrest_s = 0.8\n"
    "countdown_s = 1\nblock_rest_s = 0.8\n";

/* The patient of the test. */
static const struct store_patient the_patient = {.name = "E2E Patient", .birth = "1985-06-01", .sex = 'F',
                                                 .mass_kg = 62.5, .lever_m = 0.8, .leg_length_m = NAN};

static void test_emulator_to_database(void)
{
    char db[512], proto[512], log[512], link[512];
    check_tmppath(db, sizeof db, "e2e.db");
    check_tmppath(proto, sizeof proto, "e2e.ini");
    check_tmppath(log, sizeof log, "e2e.log");
    REQUIRE(check_write_file(proto, protocol_text));

    char pid[32];
    fix_patient_in(db, the_patient, pid, sizeof pid);
    struct store *s = NULL;
    struct st_err err;

    /* no noise: the peak on the wire is exactly what the patient was told */
    struct emu_opts eo = session_fixture_emu("chronojump", 0.3, 1.4, 0.3);
    eo.link_path = check_tmppath(link, sizeof link, "ttyE2E");
    eo.boot_s = 0.3;
    struct emu *e = NULL;
    CHECK_OK(emu_start(&eo, &e, &err), &err);
    REQUIRE(e);

    struct session_opts o = session_fixture_opts(db, pid, proto, e, "chronojump");
    o.demo_reaction_s = 0.2;
    const double peaks[2] = {250.0, 312.5};
    for (int b = 0; b < 2; b++)
        for (int r = 0; r < 3; r++)
            o.demo_peaks[b][r] = peaks[b];
    int64_t sid = 0;
    enum st_status st = session_fixture_run(&o, log, &sid, &err);
    struct emu_stats es;
    emu_get_stats(e, &es);
    emu_stop(e);
    CHECK_OK(st, &err);
    CHECK(sid > 0);

    REQUIRE(store_open(db, &s, &err) == ST_OK);
    struct store_session sess;
    CHECK_OK(store_session_get(s, sid, &sess, &err), &err);
    CHECK_INT(sess.status, STORE_SESSION_COMPLETE);
    CHECK_NEAR(sess.sample_rate_hz, 80.0, 0.5);
    CHECK_INT(sess.drops, 0);
    CHECK_INT(sess.bad_lines, 0);
    struct store_rep *reps = NULL;
    size_t n = 0;
    CHECK_OK(store_rep_list(s, sid, &reps, &n, &err), &err);
    CHECK_INT(n, 4);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const struct store_rep *r = &reps[i];
        double want = peaks[i / 2];
        CHECK_INT(r->status, STORE_REP_ACCEPTED);
        CHECK(r->counts);
        CHECK_INT(r->dir, i < 2 ? ST_DIR_ADD : ST_DIR_ABD);
        CHECK_INT(r->side, ST_SIDE_LEFT);
        double *t = NULL, *f = NULL;
        size_t ns = 0;
        CHECK_OK(store_rep_samples(s, r->id, &t, &f, &ns, &err), &err);
        CHECK_INT(ns, r->n_samples);
        REQUIRE(ns > 100);
        total += ns;
        /* 80 Hz from the device clock: the count matches the span, the spacing is 12.5 ms. */
        double span = t[ns - 1] - t[0];
        CHECK_NEAR((double)ns, span * 80.0 + 1.0, 2.0);
        int bad_dt = 0;
        double raw_peak = -1e9;
        for (size_t k = 0; k < ns; k++) {
            if (k && !(t[k] - t[k - 1] > 0.0115 && t[k] - t[k - 1] < 0.0135))
                bad_dt++;
            if (f[k] > raw_peak)
                raw_peak = f[k];
        }
        CHECK_INT(bad_dt, 0);
        /* The stored trace is tared: the emulated patient's baseline is 0 N, so the peak is the push. */
        CHECK_NEAR(raw_peak, want - r->tare_n, 0.011);
        CHECK_NEAR(r->m.peak_n, raw_peak, 1e-9);
        CHECK_NEAR(r->m.peak_n, want, 0.011);
        CHECK_NEAR(r->m.peak_n_per_kg, r->m.peak_n / 62.5, 1e-9);
        CHECK_NEAR(r->m.torque_nm, r->m.peak_n * 0.8, 1e-9);
        CHECK(r->m.release_s - r->m.onset_s > 1.0);
        free(t);
        free(f);
    }
    CHECK(total <= es.samples_sent); /* nothing invented */
    /* Every transition was written too: the flow the screen showed is kept with the results. */
    struct store_session_event *ev = NULL;
    size_t nev = 0;
    CHECK_OK(store_session_events(s, sid, &ev, &nev, &err), &err);
    int contractions = 0, tares = 0, complete = 0, blocks = 0;
    int64_t last_ms = -1;
    for (size_t i = 0; i < nev; i++) {
        contractions += !strcmp(ev[i].kind, "state") && !strcmp(ev[i].state, "contraction");
        complete += !strcmp(ev[i].kind, "state") && !strcmp(ev[i].state, "complete");
        tares += !strcmp(ev[i].kind, "tare");
        blocks += !strcmp(ev[i].kind, "block_done");
        CHECK(ev[i].at_ms >= last_ms);
        last_ms = ev[i].at_ms;
    }
    CHECK_INT(contractions, 4);
    CHECK_INT(tares, 2);
    CHECK_INT(blocks, 2);
    CHECK_INT(complete, 1);
    free(ev);
    CHECK_OK(store_integrity_check(s, &err), &err);
    free(reps);
    store_close(s);
}

int main(void)
{
    CHECK_RUN(test_emulator_to_database);
    return check_done();
}
