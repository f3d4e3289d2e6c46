/*
 * test_ui_session.c - the screen and the database agree: a whole session, in process, on an emulated
 * Chronojump over a pty, with the window on SDL's offscreen driver and the therapist's keys
 * synthesized as SDL key events (Space, A accept-flagged, R redo, X reject, P pause twice, Q twice to
 * abort). After every rep that ends or is decided, the test reads the SQLite file and compares it with
 * the model the screen was drawn from: the block best, each row's status and peak, the words of the
 * flags (never internal names), what happens next. The emulated patient releases every push early, so
 * every rep is flagged "released too early" and waits for the therapist's decision: in block 1 the
 * first is accepted, the second redone, the third rejected with a replacement (X on the block's last
 * slot asks, R measures one in its place), the replacement rejected without one (X, X); block 2's first
 * is rejected, then accepted in the rest (A works until the next rep starts). After the first accept,
 * N takes the patient's pain and a note for that rep and a note on the session, typed as SDL
 * text-input events (a pain off the scale refused first), and the test finds them in the file with
 * their audit rows. The aborted session must never say "Well done": its final screen says "Test
 * stopped", on both views' cue.
 * The same keyed session runs again in a real X11 window (this program on an Xvfb of its own). A second,
 * hands-free session (no window, the observer only) checks the block best after every rep.
 */
#include <math.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <SDL.h>

#include "check.h"
#include "store_fixture.h"
#include "drivers/emu.h"
#include "station/session.h"
#include "station/store/store.h"
#include "station/ui/ui.h"
#include "ui_fixture.h"

#define PROTOCOL_TEXT                                                                                         \
    "[protocol]\nname = screen\ntitle = Screen test\nposition = supine, hips 0\xc2\xb0\nhip_flexion_deg = 0\n"   \
    "lever = long\ncontraction = make\n[order]\nmode = fixed\n[blocks]\nblock = adduction left 0\n"          \
    "block = abduction left 0\n[reps]\nfamiliarisation = 0\nreps = 2\nhold_s = 2\nrest_s = 0.3\n"            \
    "countdown_s = 0.4\nblock_rest_s = 0.3\n[quality]\nonset_threshold_n = 5\ncv_limit_pct = 50\n"        \
    "max_extra_reps = 2\n"
static const char *protocol_text = PROTOCOL_TEXT;
/* The hands-free session's: no numbers on the patient's screen, a wider target band. */
static const char *protocol_no_numbers =
    PROTOCOL_TEXT "[feedback]\npatient_view = no_numbers\ntarget_low_pct = 80\ntarget_high_pct = 120\n";

static int64_t add_patient(const char *db)
{
    struct store *s = NULL;
    struct st_err err;
    REQUIRE(store_open(db, &s, &err) == ST_OK);
    int64_t id = fix_patient(s, "Screen Patient");
    store_close(s);
    return id;
}

struct watch {
    const char *db;
    struct store *store;
    int checks;          /* comparisons made (after reps ended or were decided) */
    int n_reps;          /* reps in the database at the last check */
    bool saw_flag_words; /* "released too early" was on screen for a flagged rep */
    bool saw_next;       /* the screen said what comes after a flagged rep */
    bool saw_paused;
    bool saw_reject_question; /* X on the block's last slot asked for a replacement first */
    char video[16];      /* SDL's video driver the window ran on */
    int review_frames;   /* frames in review: the rep under review must be in view in each */
    bool saw_earlier;    /* a later rep of block 1 was drawn over the block's earlier ones */
    bool block2_dirty;   /* block 2 was drawn with block 1's reps (it must start clean: no rep before
                          * its first, then none of block 1 behind it) */
    bool block2_started; /* block 2's first rep is under way */
    int block2_waiting_frames; /* frames of block 2 before its first rep (each had a clean graph) */
    bool final_seen;
    struct ui_model last;
    /* key driving (window session only) */
    bool drive;
    int frame, next_key_frame;
    int decided;  /* decisions made: 0 accept, 1 redo, 2 reject */
    int pauses;   /* P presses */
    int aborts;   /* Q presses */
    int entry_step;        /* N: pain and notes typed for rep 1 after its accept (steps done) */
    bool saw_pain_refused; /* a pain of 12 was refused in words, the entry open with the text kept */
    bool saw_pain_in_table; /* the rep table showed the pain saved */
    int late;               /* block 2: 1 its first rep rejected (X), 2 then accepted (A) in the rest */
    bool saw_late_hint;     /* the screen said A could still accept the rejected flagged rep */
    bool saw_replacement_asked; /* X on block 1's last slot: the screen asked for a replacement (R) */
    int replaced_seq;           /* the index on screen of the rep rejected with a replacement */
    bool replacement_reviewed;  /* the replacement rep was measured and came up for review */
};

/*
 * N after rep 1 was accepted: a pain of 12 first (refused in words, nothing lost), then 7, a note on
 * the rep and one on the session, in another script too, saved with Enter. One step per call; false
 * once every step is done (the session's keys go on).
 */
static bool entry_steps(struct watch *w, const struct ui_model *m)
{
    const struct ui_entry *e = &m->entry;
    switch (w->entry_step) {
    case 0: ui_fix_key(SDLK_n, 0); break;
    case 1:
        if (!e->open)
            return true; /* not open yet: the next frame */
        CHECK(strncmp(e->rep, "rep 1 (adduction, left)", 23) == 0);
        CHECK_INT(e->focus, UI_ENTRY_PAIN);
        ui_fix_type("12");
        ui_fix_key(SDLK_RETURN, 0);
        break;
    case 2:
        if (!e->message[0])
            return true;
        w->saw_pain_refused = e->open && strcmp(e->pain, "12") == 0 && strstr(e->message, "0 (none) to 10");
        ui_fix_key(SDLK_BACKSPACE, 0);
        ui_fix_key(SDLK_BACKSPACE, 0);
        ui_fix_type("7");
        ui_fix_key(SDLK_TAB, 0);
        ui_fix_type("felt a pinch");
        ui_fix_key(SDLK_TAB, 0);
        ui_fix_type("Tired today, \xe6\x9d\x8e");
        break;
    case 3:
        CHECK_STR(e->pain, "7");
        CHECK_STR(e->rep_note, "felt a pinch");
        CHECK_INT(e->focus, UI_ENTRY_SESSION_NOTE);
        ui_fix_key(SDLK_RETURN, 0);
        break;
    case 4:
        if (e->open)
            return true;
        w->saw_pain_in_table = m->n_reps > 0 && m->reps[0].pain == 7;
        break;
    default: return false;
    }
    w->entry_step++;
    return true;
}

/* The screen against the file: the block on screen (fixed order: position i is block i - 1). */
static void compare(struct watch *w, int64_t sid, const struct ui_model *m)
{
    struct store_rep *reps = NULL;
    size_t n = 0;
    struct st_err err;
    CHECK_OK(store_rep_list(w->store, sid, &reps, &n, &err), &err);
    w->checks++;
    w->n_reps = (int)n;
    int block = m->session.block - 1;
    double best = NAN;
    int rows = 0;
    for (size_t i = 0; i < n; i++) {
        const struct store_rep *r = &reps[i];
        if (r->block_index != block)
            continue;
        if (r->counts && !r->familiarisation && !(r->m.peak_n <= best))
            best = r->m.peak_n;
        if (rows < m->n_reps) {
            const struct ui_rep *ur = &m->reps[rows];
            CHECK_INT(ur->index, r->index_in_block);
            static const enum ui_rep_status as_ui[] = {[STORE_REP_ACCEPTED] = UI_REP_ACCEPTED,
                                                       [STORE_REP_PENDING] = UI_REP_PENDING,
                                                       [STORE_REP_REJECTED] = UI_REP_REJECTED,
                                                       [STORE_REP_INTERRUPTED] = UI_REP_INTERRUPTED};
            CHECK_INT(ur->status, as_ui[r->status]);
            CHECK(ur->peak_n == r->m.peak_n || (isnan(ur->peak_n) && isnan(r->m.peak_n)));
            CHECK(strchr(ur->flags, '_') == NULL); /* words, never met_flag names */
        }
        rows++;
    }
    CHECK_INT(m->n_reps, rows);
    if (isnan(best))
        CHECK(isnan(m->live.block_best_n));
    else if (m->live.block_best_n != best)
        check_fail(__FILE__, __LINE__, "after %zu rep(s): the screen's block best %.3f N, the database's %.3f N",
                   n, m->live.block_best_n, best);
    if (n > 0) {
        const struct store_rep *r = &reps[n - 1];
        CHECK(m->last.valid);
        CHECK(m->last.peak_n == r->m.peak_n || (isnan(m->last.peak_n) && isnan(r->m.peak_n)));
        CHECK(strchr(m->last.flags, '_') == NULL);
        if (r->m.flags & MET_TOO_SHORT) {
            CHECK(strstr(m->last.flags, "released too early") != NULL);
            w->saw_flag_words = true;
        }
        if (m->last.next[0])
            w->saw_next = true;
    }
    free(reps);
}

static void observe(void *ctx, int64_t sid, const struct ui_model *m, bool reps_changed)
{
    struct watch *w = ctx;
    if (!w->store) {
        struct st_err err;
        REQUIRE(store_open(w->db, &w->store, &err) == ST_OK);
    }
    if (reps_changed)
        compare(w, sid, m);
    if (w->drive && !w->video[0] && SDL_GetCurrentVideoDriver())
        snprintf(w->video, sizeof w->video, "%s", SDL_GetCurrentVideoDriver());
    /* One cue for both views: the patient's word is the cue's word (or "Relax the leg" while taring
     * and reviewing), and the therapist's line, when the engine adds words, never contradicts it. */
    CHECK(m->session.cue != UI_CUE_DONE || strcmp(m->session.state, "complete") == 0);
    if (m->session.paused)
        w->saw_paused = true;
    if (strstr(m->notice, "one more in its place"))
        w->saw_reject_question = true;
    /* The rep view: the rep under review stays in view, aligned at its onset, until it is decided;
     * the block's earlier reps are behind it; a new block starts clean. */
    if (strcmp(m->session.state, "review") == 0) {
        w->review_frames++;
        CHECK(m->live.rep != NULL && m->live.rep->n > 0 && isfinite(m->live.rep_onset_s));
    }
    if (strcmp(m->session.state, "contraction") == 0 && m->session.block == 1 && m->live.n_earlier > 0)
        w->saw_earlier = true;
    if (strcmp(m->session.state, "contraction") == 0 && m->session.block == 2 && m->live.n_earlier > 0)
        w->block2_dirty = true;
    if (m->session.block == 2 && strcmp(m->session.state, "contraction") == 0)
        w->block2_started = true;
    if (m->session.block == 2 && !w->block2_started && !m->final.show) { /* block 2 before its first rep */
        w->block2_waiting_frames++;
        if (!m->live.rep || m->live.rep->n > 0 || m->live.n_earlier > 0)
            w->block2_dirty = true; /* block 1's curves still on the graph */
    }
    if (m->final.show)
        w->final_seen = true;
    w->last = *m;
    if (!w->drive)
        return;
    w->frame++;
    if (w->frame < w->next_key_frame)
        return;
    if (w->decided == 1 && entry_steps(w, m)) {
        w->next_key_frame = w->frame + 3;
        return;
    }
    const char *st = m->session.state;
    SDL_Keycode k = 0;
    bool block2 = m->session.block == 2;
    if (block2 && w->late == 0 && strcmp(st, "review") == 0) {
        k = SDLK_x; /* block 2's first rep, flagged, rejected... */
        w->late = 1;
    } else if (block2 && w->late == 1 && strcmp(st, "rest") == 0) {
        w->saw_late_hint = strstr(m->last.next, "A accepts it until the next rep starts") != NULL;
        k = SDLK_a; /* ...and accepted after all before the next rep starts */
        w->late = 2;
    } else if (block2 && w->late == 2) {
        k = w->aborts++ < 2 ? SDLK_q : 0; /* then the test is aborted */
    } else if (strcmp(st, "review") == 0) {
        /* Block 1: the first flagged rep is accepted, the second redone; the third rejected with a
         * replacement - X on the block's last slot asks first, R then measures one in its place - and
         * that replacement rejected without one (X, X). */
        static const SDL_Keycode keys[] = {SDLK_a, SDLK_r, SDLK_x, SDLK_r, SDLK_x, SDLK_x};
        if (w->decided == 3) { /* R answers the question the screen put */
            w->saw_replacement_asked = strstr(m->notice, "press R to measure one more in its place") != NULL;
            w->replaced_seq = m->n_reps > 0 ? m->reps[m->n_reps - 1].index : 0;
        }
        if (w->decided == 4) /* the replacement was measured: it is under review now */
            w->replacement_reviewed = m->n_reps > 0 && m->last.valid;
        k = w->decided < (int)(sizeof keys / sizeof keys[0]) ? keys[w->decided] : SDLK_x;
        w->decided++;
    } else if (strcmp(st, "rest") == 0 && w->decided == 2 && w->pauses == 0) {
        k = SDLK_p; /* pause in the rest before the redone rep (it waits for Start: no race) */
        w->pauses++;
    } else if (strcmp(st, "paused") == 0 && w->pauses == 1) {
        k = SDLK_p; /* resume */
        w->pauses++;
    } else if (strcmp(st, "setup") == 0 || strcmp(st, "rest") == 0 || strcmp(st, "next_block") == 0 ||
               (strcmp(st, "countdown") != 0 && strcmp(st, "contraction") != 0 && strcmp(st, "tare") != 0 &&
                strcmp(st, "armed") != 0 && !m->session.complete && strcmp(st, "paused") != 0)) {
        k = SDLK_SPACE; /* start; refused while a rest runs (the engine says so), so retried */
    }
    if (k) {
        ui_fix_key(k, 0);
        w->next_key_frame = w->frame + 12;
    }
}

/*
 * One session on a fresh database: the emulated patient holds each push hold_s seconds; with a window
 * the observer drives the keys (w->drive), without one the session runs hands-free. Returns the
 * session's id; w->store stays open on the database for the caller's checks (close it).
 */
static int64_t run_session(const char *name, double hold_s, bool window, struct watch *w)
{
    char db[512], proto[512], link[512], log[512], file[64];
    snprintf(file, sizeof file, "%s.db", name);
    check_tmppath(db, sizeof db, file);
    snprintf(file, sizeof file, "%s.ini", name);
    check_tmppath(proto, sizeof proto, file);
    snprintf(file, sizeof file, "tty-%s", name);
    check_tmppath(link, sizeof link, file);
    snprintf(file, sizeof file, "%s.log", name);
    check_tmppath(log, sizeof log, file);
    REQUIRE(check_write_file(proto, window ? protocol_text : protocol_no_numbers));
    char pid[32];
    snprintf(pid, sizeof pid, "%lld", (long long)add_patient(db));

    struct emu_opts eo = emu_opts_default("chronojump");
    eo.link_path = link;
    eo.boot_s = 0.3;
    eo.patient = emu_patient_default(0, 0);
    eo.patient.kind = EMU_PATIENT_CUED;
    eo.patient.noise_n = 0.3;
    eo.patient.ramp_s = 0.2;
    eo.patient.hold_s = hold_s;
    eo.patient.release_s = 0.2;
    struct emu *e = NULL;
    struct st_err err;
    CHECK_OK(emu_start(&eo, &e, &err), &err);
    REQUIRE(e);
    FILE *out = fopen(log, "w");
    REQUIRE(out);

    struct session_opts o = session_opts_default();
    o.db_path = db;
    o.patient = pid;
    o.therapist = "T.S.";
    o.protocol = proto;
    o.n_ch = 1;
    o.ch[0].port = emu_port(e);
    o.ch[0].driver = "chronojump";
    o.demo_emu[0] = e;
    o.demo_reaction_s = 0.1;
    static const double peaks[2][3] = {{180.0, 195.0, 188.0}, {220.0, 214.0, 226.0}};
    memcpy(o.demo_peaks, peaks, sizeof peaks);
    o.out = out;
    o.observe = observe;
    o.observe_ctx = w;
    o.headless = !window;
    o.auto_mode = !window;
    if (!window)
        o.rest_s = 1.0; /* the 1 s before an auto rep's onset must be at rest (its baseline) */
    w->db = db;
    w->drive = window;
    int64_t sid = 0;
    st_err_clear(&err);
    enum st_status st = session_run(&o, &sid, &err);
    fclose(out);
    emu_stop(e);
    CHECK_OK(st, &err);
    REQUIRE(sid > 0);
    if (!w->store)
        REQUIRE(store_open(db, &w->store, &err) == ST_OK);
    return sid;
}

/* Window, keys, every rep flagged and decided by hand, then aborted. */
static void test_keys_and_database_agree(void)
{
    struct watch w = {0};
    int64_t sid = run_session("keys", 0.3, true, &w); /* a 0.3 s hold: every rep is released too early */
    struct st_err err;

    /* accept, redo, (pause), reject with a replacement, reject in block 1; block 2's first rep
     * rejected, then accepted, when aborted */
    CHECK(w.checks >= 8);
    CHECK(w.saw_flag_words);
    CHECK(w.saw_next);
    CHECK(w.saw_paused);
    CHECK(w.saw_reject_question);
    CHECK_STR(w.video, getenv("UI_SESSION_X11") ? "x11" : "offscreen");
    CHECK(w.review_frames > 4);
    CHECK(w.saw_earlier);
    CHECK(!w.block2_dirty);
    CHECK(w.block2_waiting_frames > 5);
    CHECK(w.final_seen);
    CHECK(w.last.final.show);
    CHECK(w.last.final.stopped);
    CHECK(strncmp(w.last.final.title, "Test stopped", 12) == 0);
    CHECK_INT(w.last.session.cue, UI_CUE_STOPPED);
    char words[64];
    CHECK_STR(ui_cue_words(w.last.session.cue, NAN, words, sizeof words), "Test stopped");

    struct store_rep *reps = NULL;
    size_t n = 0;
    CHECK_OK(store_rep_list(w.store, sid, &reps, &n, &err), &err);
    REQUIRE(n >= 4);
    CHECK_INT(reps[0].status, STORE_REP_ACCEPTED); /* A: accepted despite its flag */
    CHECK(reps[0].counts);
    CHECK_INT(reps[1].status, STORE_REP_REJECTED); /* R: rejected and repeated */
    CHECK(!reps[1].counts);
    CHECK_INT(reps[2].block_index, 0);             /* the repeat of the redone rep */
    /* Reject with a replacement: X on the block's last slot made the screen ask, R measured one in its
     * place - the rejected rep does not count, the replacement is the block's next rep with its own
     * peak, and the screen's rows, statuses and block best equalled the file's after each (compare). */
    REQUIRE(n >= 5);
    CHECK(w.saw_replacement_asked);
    CHECK(w.replacement_reviewed);
    CHECK_INT(w.replaced_seq, reps[2].index_in_block);
    CHECK_INT(reps[2].status, STORE_REP_REJECTED);
    CHECK(!reps[2].counts);
    CHECK_INT(reps[3].block_index, 0);
    CHECK_INT(reps[3].index_in_block, reps[2].index_in_block + 1); /* the block's next measured rep */
    CHECK(reps[3].n_samples > 0 && reps[3].m.peak_n > 150); /* measured: the emulated patient's ~195 N */
    int last0 = 0;
    for (size_t i = 0; i < n; i++)
        if (reps[i].block_index == 0)
            last0 = (int)i;
    CHECK_INT(last0, 3);
    CHECK_INT(reps[last0].status, STORE_REP_REJECTED); /* the replacement: X, X, rejected, not repeated */
    /* Redo and reject are told apart in the record: the audit row of each decision says which (the
     * rejection with a replacement is a redo: R measured one in its place). */
    const char *want[3] = {"redo", "redo", "reject"};
    const struct store_rep *decided[3] = {&reps[1], &reps[2], &reps[last0]};
    for (int k = 0; k < 3; k++) {
        struct store_audit *au = NULL;
        size_t na = 0;
        CHECK_OK(store_audit_list(w.store, decided[k]->uuid, &au, &na, &err), &err);
        bool found = false;
        for (size_t i = 0; i < na; i++)
            found = found || strcmp(au[i].reason, want[k]) == 0;
        if (!found)
            check_fail(__FILE__, __LINE__, "no audit row with the reason \"%s\"", want[k]);
        free(au);
    }
    /* Block 2's flagged rep: rejected in review, then accepted in the rest (A before the next rep
     * starts); the record says both, in order. */
    CHECK_INT(reps[n - 1].block_index, 1);
    CHECK(w.saw_late_hint);
    CHECK_INT(reps[n - 1].status, STORE_REP_ACCEPTED);
    CHECK(reps[n - 1].counts);
    {
        struct store_audit *au = NULL;
        size_t na = 0;
        CHECK_OK(store_audit_list(w.store, reps[n - 1].uuid, &au, &na, &err), &err);
        REQUIRE(na == 2);
        CHECK_STR(au[0].reason, "reject");
        CHECK_STR(au[1].reason, "accept");
        CHECK_STR(au[1].new_value, "accepted, counted");
        free(au);
    }
    for (size_t i = 0; i < n; i++) /* the patient's screen was on, with the force in big numbers */
        CHECK_STR(reps[i].feedback, "big_force");
    /* N: rep 1's pain and note, and the session's note, as typed; the refused 12 left no trace. */
    CHECK(w.saw_pain_refused);
    CHECK(w.saw_pain_in_table);
    CHECK_INT(reps[0].pain, 7);
    CHECK_STR(reps[0].note, "felt a pinch");
    CHECK_INT(reps[1].pain, -1);
    struct store_audit *au = NULL;
    size_t na = 0;
    CHECK_OK(store_audit_list(w.store, reps[0].uuid, &au, &na, &err), &err);
    int pain_rows = 0, note_rows = 0;
    for (size_t i = 0; i < na; i++) {
        if (strcmp(au[i].field, "pain") == 0) {
            pain_rows++;
            CHECK_STR(au[i].action, "edit");
            CHECK_STR(au[i].old_value, "");
            CHECK_STR(au[i].new_value, "7");
            CHECK_STR(au[i].therapist, "T.S.");
        }
        if (strcmp(au[i].field, "note") == 0) {
            note_rows++;
            CHECK_STR(au[i].new_value, "felt a pinch");
        }
    }
    CHECK_INT(pain_rows, 1);
    CHECK_INT(note_rows, 1);
    free(au);
    struct store_note *notes = NULL;
    size_t nn = 0;
    CHECK_OK(store_note_list(w.store, sid, &notes, &nn, &err), &err);
    REQUIRE(nn == 1);
    CHECK_STR(notes[0].text, "Tired today, \xe6\x9d\x8e");
    free(notes);
    /* The final screen's balance is the database's. */
    struct bal_rep br[64];
    REQUIRE(n <= 64);
    store_reps_to_balance(reps, n, br);
    struct bal_result bal;
    bal_compute(br, n, NULL, &bal);
    CHECK(bal.cell[ST_DIR_ADD][ST_SIDE_LEFT].best_n == w.last.balance.cell[ST_DIR_ADD][ST_SIDE_LEFT].best_n);
    CHECK_INT(w.last.balance.cell[ST_DIR_ADD][ST_SIDE_LEFT].n, 1);
    CHECK_INT(w.last.balance.cell[ST_DIR_ABD][ST_SIDE_LEFT].n, 1); /* the one accepted late */
    CHECK(bal.cell[ST_DIR_ABD][ST_SIDE_LEFT].best_n == w.last.balance.cell[ST_DIR_ABD][ST_SIDE_LEFT].best_n);
    struct store_session sess;
    CHECK_OK(store_session_get(w.store, sid, &sess, &err), &err);
    CHECK_INT(sess.status, STORE_SESSION_ABORTED);
    free(reps);
    store_close(w.store);
}

/* Hands-free, no window: the block best on screen equals the stored best after every rep. */
static void test_block_best_after_every_rep(void)
{
    struct watch w = {0};
    int64_t sid = run_session("best", 1.3, false, &w);
    /* Its protocol shows no numbers and a band of 80-120 % of the block's best: the model says so; with
     * no window the patient saw nothing, and each rep says so. */
    CHECK(w.last.live.patient_no_numbers);
    CHECK(isfinite(w.last.live.block_best_n));
    CHECK_NEAR(w.last.live.band_lo_n, 0.8 * w.last.live.block_best_n, 1e-9);
    CHECK_NEAR(w.last.live.band_hi_n, 1.2 * w.last.live.block_best_n, 1e-9);
    struct store_rep *reps = NULL;
    size_t n = 0;
    struct st_err err;
    CHECK_OK(store_rep_list(w.store, sid, &reps, &n, &err), &err);
    /* Two blocks of two counting reps. The emulated patient answers the cues on the wall clock, so on
     * a loaded machine a push can come late and its rep be rejected; the protocol then asks for one
     * more in its place (max_extra_reps = 2 a block): every rep beyond the four is such a replacement. */
    int counting = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK_STR(reps[i].feedback, "none");
        counting += reps[i].counts;
    }
    CHECK_INT(counting, 4);
    CHECK(n >= 4 && n <= 8);
    CHECK_INT(w.n_reps, (int)n); /* the model saw every rep the database holds */
    free(reps);
    CHECK(w.checks >= 5); /* four reps and the end */
    CHECK(w.last.final.show && !w.last.final.stopped);
    CHECK_INT(w.last.session.cue, UI_CUE_DONE);
    store_close(w.store);
}

/* `station demo --screenshot FILE.png --exit-after-s S` through the program: the live frame at S s as a
 * PNG; the options' usage errors exit 2. */
static int station(const char *args)
{
    const char *bin = getenv("STATION_BIN");
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy STATION_LINGER_S=0 '%s' %s >/dev/null 2>&1",
             bin && *bin ? bin : "./station", args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_screenshot_option(void)
{
    CHECK_INT(station("demo --exit-after-s -1"), 2);
    CHECK_INT(station("demo --headless --screenshot x.png"), 2);
    char db[512], png[512], args[1200];
    check_tmppath(db, sizeof db, "shot.db");
    check_tmppath(png, sizeof png, "shot.png");
    snprintf(args, sizeof args, "demo --reps 1 --db '%s' --screenshot '%s' --exit-after-s 4", db, png);
    station(args); /* stopped at 4 s: not a complete session, so not exit 0 */
    size_t n = 0;
    unsigned char *b = (unsigned char *)check_read_file(png, &n);
    REQUIRE(b);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    CHECK(n > 1000 && memcmp(b, sig, 8) == 0 && memcmp(b + 12, "IHDR", 4) == 0);
    CHECK(b[16] | b[17] | b[18] | b[19]); /* a width */
    free(b);
}

/* The same keys in a real X11 window: this program again on an Xvfb of its own. */
static void test_keys_in_an_x11_window(void)
{
    check_under_xvfb("UI_SESSION_X11", 120);
}

int main(void)
{
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    setenv("STATION_LINGER_S", "0", 1);
    if (getenv("UI_SESSION_X11")) { /* the child of test_keys_in_an_x11_window */
        CHECK_RUN(test_keys_and_database_agree);
        return check_done();
    }
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    CHECK_RUN(test_block_best_after_every_rep);
    CHECK_RUN(test_keys_and_database_agree);
    CHECK_RUN(test_keys_in_an_x11_window);
    CHECK_RUN(test_screenshot_option);
    return check_done();
}
