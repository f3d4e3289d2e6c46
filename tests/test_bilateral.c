/*
 * test_bilateral.c - two devices at once: two emulated gauges (left and right leg) on two ptys, each
 * read by its own acquisition thread into its own ring, one engine walking a protocol whose blocks
 * name the channel. Each block must be measured on its own gauge (the two gauges are told different
 * forces), both devices are stored with the session, and both streams share the station clock. The
 * left gauge's cable is pulled during its first rep and plugged back: that rep is kept as interrupted
 * and measured again. Under ThreadSanitizer (make test-tsan) this is the check of the session's
 * locking: two acquisition threads feeding one engine while the loop sleeps (session.c
 * feed_from_reader), a rep saved from a reader's thread, a loss and a return.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "check.h"
#include "common/clock.h"
#include "session_fixture.h"
#include "store_fixture.h"
#include "drivers/emu.h"
#include "station/session.h"
#include "station/store/store.h"

static const char *protocol_text =
    "[protocol]\nname = two-gauges\ntitle = Two gauges\nposition = supine, hips 0°\nhip_flexion_deg = 0\n"
    "lever = long\ncontraction = make\n[order]\nmode = alternating\n[blocks]\nblock = adduction left 0\n"
    "block = adduction right 1\n[reps]\nfamiliarisation = 0\nreps = 2\nhold_s = 3\nrest_s = 1.5\n"
    "countdown_s = 1\nblock_rest_s = 1.5\n";

/* The patient of the test. */
static const struct store_patient the_patient = {.name = "Two Legs", .birth = "1992-03-04", .sex = 'X',
                                                 .mass_kg = 65, .lever_m = NAN, .leg_length_m = NAN};

/* Pulls e's cable once its patient has pushed past 90 N (the first left rep, on its way to 180 N), and
 * plugs it back once that push is over. */
struct puller {
    struct emu *e;
    atomic_bool stop;
    bool pulled;
};

static void *pull_thread(void *arg)
{
    struct puller *p = arg;
    while (!p->pulled && !atomic_load(&p->stop)) {
        struct emu_stats es;
        emu_get_stats(p->e, &es);
        if (es.max_force_n > 90) {
            emu_unplug(p->e);
            p->pulled = true;
            st_sleep_ns(2 * ST_NS_PER_S); /* the push is over: no force on the gauge at the replug */
            struct st_err err;
            CHECK_OK(emu_replug(p->e, &err), &err);
        }
        st_sleep_ns(2 * ST_NS_PER_MS);
    }
    return NULL;
}

static void test_two_gauges_left_and_right(void)
{
    char db[512], proto[512], log[512], l0[512], l1[512];
    check_tmppath(db, sizeof db, "bi.db");
    check_tmppath(proto, sizeof proto, "bi.ini");
    check_tmppath(log, sizeof log, "bi.log");
    REQUIRE(check_write_file(proto, protocol_text));
    char pid[32];
    fix_patient_in(db, the_patient, pid, sizeof pid);
    struct store *s = NULL;
    struct st_err err;

    struct emu *e[2] = {0};
    const char *links[2] = {check_tmppath(l0, sizeof l0, "ttyLEFT"), check_tmppath(l1, sizeof l1, "ttyRIGHT")};
    for (int i = 0; i < 2; i++) {
        struct emu_opts eo = session_fixture_emu("chronojump", 0.3, 1.4, 0.3);
        eo.link_path = links[i];
        eo.boot_s = 0.3;
        REQUIRE(emu_start(&eo, &e[i], &err) == ST_OK);
    }
    struct session_opts o = session_opts_default();
    o.db_path = db;
    o.patient = pid;
    o.protocol = proto;
    o.n_ch = 2;
    for (int i = 0; i < 2; i++) {
        o.ch[i].port = emu_port(e[i]);
        o.ch[i].driver = "chronojump";
        o.ch[i].label = i ? "Right" : "Left";
        o.demo_emu[i] = e[i];
    }
    o.headless = true;
    o.auto_mode = true;
    o.demo_reaction_s = 0.2;
    /* The engine asks block 0 (left, channel 0) for 180 N and block 1 (right, channel 1) for 260 N;
     * a rep measured on the wrong gauge would read 0 N. */
    for (int r = 0; r < 3; r++) {
        o.demo_peaks[0][r] = 180;
        o.demo_peaks[1][r] = 260;
    }
    struct puller p = {.e = e[0]};
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, pull_thread, &p) == 0);
    int64_t sid = 0;
    enum st_status st = session_fixture_run(&o, log, &sid, &err);
    atomic_store(&p.stop, true);
    pthread_join(th, NULL);
    emu_stop(e[0]);
    emu_stop(e[1]);
    CHECK_OK(st, &err);
    CHECK(p.pulled);

    REQUIRE(store_open(db, &s, &err) == ST_OK);
    struct store_session sess;
    CHECK_OK(store_session_get(s, sid, &sess, &err), &err);
    CHECK_INT(sess.status, STORE_SESSION_COMPLETE);
    CHECK(sess.device_id[0] > 0 && sess.device_id[1] > 0);
    CHECK(sess.device_id[0] != sess.device_id[1]); /* two devices (told apart by their ports) */
    struct store_rep *reps = NULL;
    size_t n = 0;
    CHECK_OK(store_rep_list(s, sid, &reps, &n, &err), &err);
    CHECK_INT(n, 5);
    if (n > 0) { /* the pulled one: left, interrupted, with what came before the pull */
        CHECK_INT(reps[0].side, ST_SIDE_LEFT);
        CHECK_INT(reps[0].status, STORE_REP_INTERRUPTED);
        CHECK(reps[0].m.peak_n > 90 && reps[0].m.peak_n < 180.011);
    }
    for (size_t i = 1; i < n; i++) {
        /* then alternating: left (measured again), right, left, right */
        enum st_side want_side = i % 2 ? ST_SIDE_LEFT : ST_SIDE_RIGHT;
        CHECK_INT(reps[i].side, want_side);
        CHECK_INT(reps[i].status, STORE_REP_ACCEPTED);
        CHECK_NEAR(reps[i].m.peak_n, want_side == ST_SIDE_LEFT ? 180.0 : 260.0, 0.011);
    }
    free(reps);
    store_close(s);
}

int main(void)
{
    CHECK_RUN(test_two_gauges_left_and_right);
    return check_done();
}
