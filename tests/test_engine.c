/*
 * test_engine.c - the protocol engine through every state and command, with a scripted clock and a
 * synthetic patient.
 *
 * The harness plays the station's main loop in 10 ms frames: it makes the samples of the frame (80 Hz
 * or 1 kHz, a raw offset the tare must remove, deterministic noise), feeds them, ticks, drains the
 * events and plays two people: a patient who pushes a trapezoid of a chosen peak after "Push!" (manual)
 * or after being armed (auto), relaxes on "Relax", and can fidget, never push, or push too briefly; and
 * a therapist who presses START when the engine waits for it and answers REVIEW as the test says.
 * Every REP_ENDED trace is checked on the spot against met_compute (the trace is valid only until the
 * next engine call) and against the trace rules (pre-trigger second, tared, ends by onset+hold+tail).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "protocols/engine.h"

#define NSEC 1000000000LL
#define MAX_LOG 4096
#define MAX_REPS 160

struct rep_log {
    struct eng_rep rep;     /* trace pointers cleared */
    double onset_in_trace;  /* met.onset_s */
    double last_t;          /* trace length, s */
    int64_t ended_ns;
};

struct sim {
    struct eng *e;
    const struct proto_def *def;
    struct proto_def own; /* the protocol of sim_small / sim_file, freed by sim_free */
    bool owns_def;
    enum eng_mode mode;
    int64_t t;         /* frame clock */
    int64_t next_sample;
    double rate;
    int ch;
    uint32_t seq;
    double offset;     /* raw reading at rest (the tare must remove it) */
    double noise;      /* noise amplitude (N, uniform +-) */
    uint64_t rng;
    /* patient */
    const double *peaks;
    int npeaks, next_peak;
    double default_peak;
    double react_s, rise_s, plateau_s, fall_s;
    bool pushing;
    int64_t push_start, fall_start;
    double push_peak, fall_from;
    int64_t restless_until; /* the leg moves before this time */
    double clip_n;          /* raw readings at or above: ST_SAMPLE_SATURATED and clipped; 0 none */
    bool connected;
    bool dip_before;        /* a countermovement dip 0.15 s before each push */
    bool reads_negative;    /* the gauge is mounted the other way: pushes read negative */
    bool resize_as_station; /* grow the engine's buffers when its view says the device is faster */
    int resizes;
    bool zero_flag_next;    /* the next sample carries ST_SAMPLE_ZEROED (the device zeroed itself) */
    /* therapist */
    bool therapist;
    int review_cmd;         /* ENG_CMD_* to answer REVIEW with, or -1 */
    /* logs */
    struct rep_log reps[MAX_REPS];
    int nreps;
    int nev[ENG_EV_ABORTED + 1];
    enum eng_state states[MAX_LOG];
    int nstates;
    char cues[MAX_LOG][ENG_TEXT_SIZE];
    int ncues;
    struct eng_event decided[64];
    int ndecided;
    int extra_events[PROTO_MAX_BLOCKS];
    int block_done[PROTO_MAX_BLOCKS];
    bool block_skipped[PROTO_MAX_BLOCKS];
    double tares[64];
    int ntares;
    int trace_errors;
    int metric_mismatch;
    int64_t complete_ns;
    int early_ticks; /* ticks before eng_next_timer_ns that fired something: must stay 0 */
    int due_ticks;   /* ticks at or after it */
};

static double urand(struct sim *s)
{
    s->rng = s->rng * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(s->rng >> 11) / 9007199254740992.0;
}

static double patient_force(struct sim *s, int64_t t)
{
    double f = 0;
    if (s->pushing) {
        double dt = (double)(t - s->push_start) / NSEC;
        if (dt >= 0) {
            if (t >= s->fall_start) {
                double df = (double)(t - s->fall_start) / NSEC;
                f = s->fall_from * (1 - df / s->fall_s);
                if (f <= 0) {
                    f = 0;
                    s->pushing = false;
                }
            } else if (dt < s->rise_s) {
                f = s->push_peak * dt / s->rise_s;
            } else {
                f = s->push_peak;
            }
        } else if (s->dip_before && dt > -0.2 && dt < -0.1) {
            f = -25;
        }
    }
    if (s->reads_negative)
        f = -f;
    if (t < s->restless_until)
        f += 12 * sin(2 * M_PI * 2.0 * (double)t / NSEC);
    return f;
}

static void schedule_push(struct sim *s, int64_t at, bool familiarisation)
{
    if (s->pushing)
        return;
    double peak = s->next_peak < s->npeaks ? s->peaks[s->next_peak] : s->default_peak;
    s->next_peak++;
    if (familiarisation)
        peak *= 0.5;
    if (!(peak > 0))
        return; /* this patient does not push */
    s->pushing = true;
    s->push_peak = peak;
    s->fall_from = peak;
    s->push_start = at + (int64_t)(s->react_s * NSEC);
    s->fall_start = s->push_start + (int64_t)((s->rise_s + s->plateau_s) * NSEC);
}

static void relax(struct sim *s)
{
    if (s->pushing && s->fall_start > s->t) {
        s->fall_from = patient_force(s, s->t);
        s->fall_start = s->t;
    }
}

static void check_rep(struct sim *s, const struct eng_event *ev)
{
    const struct eng_rep *r = &ev->rep;
    if (s->nreps >= MAX_REPS)
        return;
    struct rep_log *l = &s->reps[s->nreps++];
    l->rep = *r;
    l->rep.t_s = l->rep.f_n = NULL;
    l->ended_ns = ev->t_ns;
    l->onset_in_trace = r->met.onset_s;
    l->last_t = r->n ? r->t_s[r->n - 1] : NAN;
    /* the trace: starts at 0, strictly increasing, finite */
    if (r->n > 0 && (r->t_s[0] != 0 || !r->t_s || !r->f_n))
        s->trace_errors++;
    for (size_t i = 1; i < r->n; i++)
        if (!(r->t_s[i] > r->t_s[i - 1]) || !isfinite(r->f_n[i]))
            s->trace_errors++;
    /* the engine's metrics are met_compute's on the emitted trace */
    struct met_opts o = met_opts_default();
    o.full_scale_n = r->full_scale_n;
    o.body_mass_kg = r->body_mass_kg;
    o.lever_m = r->lever_m;
    o.min_threshold_n = s->def->onset_threshold_n;
    struct met_result m;
    if (r->n > 0) {
        if (met_compute(r->t_s, r->f_n, r->n, &o, &m, NULL) != ST_OK) {
            s->metric_mismatch++;
            return;
        }
        unsigned fl = m.flags | ((r->sample_flags & ST_SAMPLE_SATURATED) ? MET_SATURATION : 0);
        bool same = m.contraction == r->met.contraction && fl == r->flags && fl == r->met.flags &&
                    m.n_samples == r->met.n_samples;
        const double a[] = {m.peak_n, m.onset_s, m.release_s, m.baseline_n, m.impulse_n_s, m.best_1s_mean_n,
                            m.torque_nm, m.peak_n_per_kg, m.rfd_n_per_s[0], m.rfd_n_per_s[1], m.rfd_n_per_s[2]};
        const double b[] = {r->met.peak_n, r->met.onset_s, r->met.release_s, r->met.baseline_n,
                            r->met.impulse_n_s, r->met.best_1s_mean_n, r->met.torque_nm, r->met.peak_n_per_kg,
                            r->met.rfd_n_per_s[0], r->met.rfd_n_per_s[1], r->met.rfd_n_per_s[2]};
        for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
            same &= (isnan(a[i]) && isnan(b[i])) || a[i] == b[i];
        if (!same)
            s->metric_mismatch++;
    }
}

static void drain(struct sim *s)
{
    struct eng_event ev;
    while (eng_next_event(s->e, &ev)) {
        s->nev[ev.kind]++;
        switch (ev.kind) {
        case ENG_EV_STATE:
            if (s->nstates < MAX_LOG)
                s->states[s->nstates++] = ev.state;
            if (ev.state == ENG_ARMED && s->mode == ENG_AUTO) {
                struct eng_view v;
                eng_view(s->e, &v);
                schedule_push(s, ev.t_ns + NSEC / 2, v.familiarisation);
            }
            break;
        case ENG_EV_CUE:
            if (s->ncues < MAX_LOG)
                snprintf(s->cues[s->ncues++], sizeof s->cues[0], "%s", ev.text);
            if (!strcmp(ev.text, "Relax"))
                relax(s);
            break;
        case ENG_EV_REP_STARTED:
            if (s->mode == ENG_MANUAL)
                schedule_push(s, ev.t_ns, ev.rep.familiarisation);
            break;
        case ENG_EV_REP_ENDED:
            check_rep(s, &ev);
            break;
        case ENG_EV_REP_DECIDED:
            if (s->ndecided < 64)
                s->decided[s->ndecided++] = ev;
            break;
        case ENG_EV_EXTRA_REP:
            s->extra_events[ev.block]++;
            break;
        case ENG_EV_BLOCK_DONE:
            s->block_done[ev.block]++;
            s->block_skipped[ev.block] |= ev.skipped;
            break;
        case ENG_EV_TARED:
            if (s->ntares < 64)
                s->tares[s->ntares++] = ev.tare_n;
            break;
        case ENG_EV_COMPLETE:
            s->complete_ns = ev.t_ns;
            break;
        default:
            break;
        }
    }
}

/* Starts the simulated station at rate Hz on def with cfg: the harness's patient and therapist, the
 * clock at 5 s, SETUP's events drained. def NULL: the protocol already in s->own (sim_small, sim_file),
 * which the sim then owns and sim_free frees. */
static void sim_init(struct sim *s, const struct proto_def *def, const struct eng_config *cfg, double rate)
{
    struct proto_def own = def ? (struct proto_def){0} : s->own; /* kept across the reset (one owner) */
    memset(s, 0, sizeof *s);
    s->own = own;
    s->owns_def = !def;
    s->def = def ? def : &s->own;
    s->mode = cfg->mode;
    s->rate = rate;
    s->offset = 37.0;
    s->noise = 0.4;
    s->rng = 42;
    s->default_peak = 200;
    s->react_s = 0.25;
    s->rise_s = 0.4;
    s->plateau_s = 2.0;
    s->fall_s = 0.3;
    s->connected = true;
    s->therapist = true;
    s->review_cmd = -1;
    s->t = 5 * NSEC; /* the station clock does not start at 0 */
    s->next_sample = s->t;
    s->fall_start = INT64_MAX;
    struct st_err err;
    enum st_status st = eng_new(s->def, cfg, &s->e, &err);
    CHECK_OK(st, &err);
    REQUIRE(st == ST_OK);
    eng_tick(s->e, s->t);
    drain(s);
}

/* Frees the engine, and the protocol if the sim owns it. */
static void sim_free(struct sim *s)
{
    CHECK(s->early_ticks == 0);
    eng_free(s->e);
    s->e = NULL;
    if (s->owns_def)
        proto_free(&s->own);
    s->owns_def = false;
}

static enum st_status cmd(struct sim *s, enum eng_cmd c, struct st_err *err)
{
    enum st_status st = eng_command(s->e, c, s->t, err);
    drain(s);
    return st;
}

/* Feeds n samples as the station does: the engine stops after a rep ends; drain, go on. */
static void feed(struct sim *s, const struct st_sample *x, size_t n)
{
    for (size_t done = 0; done < n;) {
        done += eng_feed(s->e, x + done, n - done);
        drain(s);
    }
    drain(s);
}

static int events_seen(const struct sim *s)
{
    int n = 0;
    for (size_t k = 0; k < sizeof s->nev / sizeof s->nev[0]; k++)
        n += s->nev[k];
    return n;
}

/* One 10 ms frame: samples, tick, events, and the therapist. */
static void sim_frame(struct sim *s)
{
    int64_t end = s->t + 10 * 1000000LL;
    struct st_sample batch[64];
    size_t n = 0;
    int64_t period = (int64_t)llround(1e9 / s->rate);
    while (s->next_sample <= end) {
        int64_t ts = s->next_sample;
        s->next_sample += period;
        if (!s->connected)
            continue;
        double f = s->offset + patient_force(s, ts) + s->noise * (2 * urand(s) - 1);
        uint16_t flags = 0;
        if (s->zero_flag_next) {
            flags |= ST_SAMPLE_ZEROED;
            s->zero_flag_next = false;
        }
        if (s->clip_n > 0 && f >= s->clip_n) {
            f = s->clip_n;
            flags |= ST_SAMPLE_SATURATED;
        }
        batch[n++] = (struct st_sample){.t_ns = ts, .force_n = f, .channel = (uint16_t)s->ch, .flags = flags,
                                        .seq = s->seq++};
        if (n == 64) {
            feed(s, batch, n);
            n = 0;
        }
    }
    s->t = end;
    feed(s, batch, n);
    if (s->resize_as_station) {
        struct eng_view v;
        eng_view(s->e, &v);
        struct st_err err;
        if (v.rate_hz > v.sized_rate_hz) {
            CHECK_OK(eng_resize(s->e, 2 * v.rate_hz, &err), &err);
            s->resizes++;
        }
    }
    /* the station sleeps until eng_next_timer_ns unless samples or keys come: a tick before it must
     * find nothing to do (a deadline given too late would sleep through a cue) */
    int64_t due = eng_next_timer_ns(s->e);
    int events = events_seen(s);
    eng_tick(s->e, s->t);
    drain(s);
    if (s->t < due && events_seen(s) > events)
        s->early_ticks++;
    s->due_ticks += s->t >= due;
    if (!s->therapist)
        return;
    struct eng_view v;
    eng_view(s->e, &v);
    struct st_err err;
    if (v.state == ENG_SETUP || (v.state == ENG_NEXT_BLOCK && s->mode == ENG_MANUAL) ||
        (v.state == ENG_REST && s->mode == ENG_MANUAL && v.remaining_s == 0))
        CHECK_OK(cmd(s, ENG_CMD_START, &err), &err);
    else if (v.state == ENG_REVIEW && s->review_cmd >= 0)
        CHECK_OK(cmd(s, (enum eng_cmd)s->review_cmd, &err), &err);
}

/* The default config in hands-free mode. */
static struct eng_config auto_config(void)
{
    struct eng_config cfg = eng_config_default();
    cfg.mode = ENG_AUTO;
    return cfg;
}

/* No therapist: START given by the case (in a hands-free test, the only command). */
static void sim_alone(struct sim *s)
{
    s->therapist = false;
    struct st_err err;
    CHECK_OK(cmd(s, ENG_CMD_START, &err), &err);
}

static enum eng_state state_of(const struct sim *s)
{
    struct eng_view v;
    eng_view(s->e, &v);
    return v.state;
}

/* Runs frames until the engine is in `want` with at least `reps` reps ended (or terminal, or max_s of
 * simulated time). Returns whether `want` was reached. */
static bool run_until(struct sim *s, enum eng_state want, int reps, double max_s)
{
    int64_t stop = s->t + (int64_t)(max_s * NSEC);
    while (s->t < stop) {
        enum eng_state st = state_of(s);
        if (st == want && s->nreps >= reps)
            return true;
        if (st == ENG_COMPLETE || st == ENG_ABORTED)
            return st == want;
        sim_frame(s);
    }
    return state_of(s) == want && s->nreps >= reps;
}

static bool saw_cue(const struct sim *s, const char *part)
{
    for (int i = 0; i < s->ncues; i++)
        if (strstr(s->cues[i], part))
            return true;
    return false;
}

static bool saw_state(const struct sim *s, enum eng_state st)
{
    for (int i = 0; i < s->nstates; i++)
        if (s->states[i] == st)
            return true;
    return false;
}

/* The therapist's command c `frames` frames into the contraction that follows `before` ended reps
 * (reached within max_s): the rep in flight is emitted at once, interrupted, ended by `end`. */
static void interrupt_rep(struct sim *s, int before, double max_s, int frames, enum eng_cmd c,
                          enum eng_rep_end end)
{
    REQUIRE(run_until(s, ENG_CONTRACTION, before, max_s));
    for (int i = 0; i < frames; i++)
        sim_frame(s);
    REQUIRE(state_of(s) == ENG_CONTRACTION);
    struct st_err err;
    CHECK_OK(cmd(s, c, &err), &err);
    REQUIRE(s->nreps == before + 1);
    CHECK_INT(s->reps[before].rep.status, ENG_REP_INTERRUPTED);
    CHECK_INT(s->reps[before].rep.end, end);
}

/* A shipped protocol, read here (the engine's library does no I/O) and parsed from its text. */
static void load(struct proto_def *d, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.ini", STATION_PROTOCOL_DIR, name);
    char *text = check_read_file(path, NULL);
    REQUIRE(text);
    struct st_err e;
    enum st_status st = proto_load_text(path, text, d, &e);
    free(text);
    CHECK_OK(st, &e);
    REQUIRE(st == ST_OK);
}

/* The block lines of a small protocol. */
#define ADD_L "block = adduction left 0\n"
#define ADD_R "block = adduction right 0\n"
#define ABD_L "block = abduction left 0\n"
#define ABD_R "block = abduction right 0\n"

/* A small protocol: its blocks (the lines above), familiarisation reps, reps, hold, rest and countdown
 * (s), the most extra reps, and the order ("fixed", "random", ...). */
struct small_spec {
    const char *blocks;
    int fam, reps;
    double hold, rest, countdown;
    int max_extra;
    const char *order;
};

static void small(struct proto_def *d, struct small_spec p)
{
    char t[2048];
    snprintf(t, sizeof t,
             "[protocol]\nname = small\ntitle = Small\nposition = supine\nhip_flexion_deg = 0\nlever = long\n"
             "contraction = make\n[order]\nmode = %s\n[blocks]\n%s[reps]\nfamiliarisation = %d\nreps = %d\n"
             "hold_s = %g\nrest_s = %g\ncountdown_s = %g\nblock_rest_s = 2\n[quality]\nmax_extra_reps = %d\n",
             p.order, p.blocks, p.fam, p.reps, p.hold, p.rest, p.countdown, p.max_extra);
    struct st_err e;
    enum st_status st = proto_load_text("small.ini", t, d, &e);
    CHECK_OK(st, &e);
    REQUIRE(st == ST_OK);
}

/* The opening of most cases: the simulated station at rate Hz on the small protocol p (owned by s),
 * with cfg (NULL: the default config). */
static void sim_small(struct sim *s, struct small_spec p, const struct eng_config *cfg, double rate)
{
    struct eng_config dflt = eng_config_default();
    small(&s->own, p);
    sim_init(s, NULL, cfg ? cfg : &dflt, rate);
}

/* The same on a shipped protocol file (owned by s). */
static void sim_file(struct sim *s, const char *name, const struct eng_config *cfg, double rate)
{
    load(&s->own, name);
    sim_init(s, NULL, cfg, rate);
}

static int count_measured(const struct sim *s, int block, enum eng_rep_status st)
{
    int n = 0;
    for (int i = 0; i < s->nreps; i++)
        if (s->reps[i].rep.block == block && !s->reps[i].rep.familiarisation && s->reps[i].rep.status == st)
            n++;
    return n;
}

/* ---------------------------------------------------------------------------------------------- */

static void full_manual(double rate)
{
    struct eng_config cfg = eng_config_default();
    cfg.body_mass_kg = 70;
    cfg.lever_m = 0.8;
    static struct sim s;
    sim_file(&s, "supine-0", &cfg, rate);
    /* per block: ADD L, ADD R, ABD L, ABD R, each rep: familiarisation then 3 measured */
    static const double peaks[] = {200, 200, 204, 198, 190, 190, 186, 192, 150, 150, 152, 148, 160, 160, 158, 162};
    s.peaks = peaks;
    s.npeaks = 16;
    REQUIRE(run_until(&s, ENG_COMPLETE, 16, 1200));
    CHECK_INT(s.nreps, 16);
    CHECK_INT(s.nev[ENG_EV_COMPLETE], 1);
    CHECK_INT(s.nev[ENG_EV_REP_STARTED], 16);
    CHECK_INT(s.trace_errors, 0);
    CHECK_INT(s.metric_mismatch, 0);
    const struct proto_plan *plan = eng_plan(s.e);
    REQUIRE(plan->nsteps == 16);
    for (int i = 0; i < 16; i++) {
        const struct eng_rep *r = &s.reps[i].rep;
        /* the order of the plan, and so: ADD L, ADD R, ABD L, ABD R, familiarisation first */
        CHECK_INT(r->block, plan->steps[i].block);
        CHECK_INT(r->familiarisation, plan->steps[i].familiarisation);
        CHECK_INT(r->dir, i < 8 ? ST_DIR_ADD : ST_DIR_ABD);
        CHECK_INT(r->side, (i / 4) % 2 ? ST_SIDE_RIGHT : ST_SIDE_LEFT);
        CHECK_INT(r->seq, i + 1);
        CHECK_INT(r->index, i % 4 == 0 ? 1 : i % 4);
        CHECK_NEAR(r->effort_pct, i % 4 == 0 ? 50 : 100, 0);
        CHECK(r->met.contraction);
        /* the peak is what the patient pushed (familiarisation at half), within the noise */
        double want = peaks[i] * (r->familiarisation ? 0.5 : 1.0);
        CHECK_NEAR(r->met.peak_n, want, 1.0);
        /* tared: the 37 N offset is gone from the baseline */
        CHECK_NEAR(r->met.baseline_n, 0, 0.5);
        CHECK_NEAR(r->tare_n, 37.0, 0.3);
        CHECK_INT(r->status, ENG_REP_ACCEPTED);
        CHECK_INT(r->counts, !r->familiarisation);
        CHECK_INT(r->flags, 0);
        CHECK_INT(r->end, ENG_END_RELEASE); /* 2 s plateau < 5 s hold: ends at release */
        /* a pre-trigger second before "Push!": onset = 1 s + reaction + rise to threshold */
        CHECK(s.reps[i].onset_in_trace > 1.2 && s.reps[i].onset_in_trace < 1.3);
        /* ends by onset + hold + tail */
        CHECK(s.reps[i].last_t <= r->met.onset_s + 5.0 + 0.3 + 1.5 / rate);
        CHECK_NEAR(r->met.torque_nm, r->met.peak_n * 0.8, 1e-9);
        CHECK_NEAR(r->met.peak_n_per_kg, r->met.peak_n / 70, 1e-9);
        CHECK(fabs(r->met.sample_rate_hz - rate) < rate * 0.01);
    }
    /* every state of a manual session was visited */
    CHECK(saw_state(&s, ENG_TARE));
    CHECK(saw_state(&s, ENG_COUNTDOWN));
    CHECK(saw_state(&s, ENG_CONTRACTION));
    CHECK(saw_state(&s, ENG_REST));
    CHECK(saw_state(&s, ENG_NEXT_BLOCK));
    CHECK(!saw_state(&s, ENG_REVIEW));
    CHECK(saw_cue(&s, "Push!"));
    CHECK(saw_cue(&s, "Push! About 50 % effort"));
    CHECK(saw_cue(&s, "3"));
    CHECK(saw_cue(&s, "Rest 30 s"));
    CHECK(saw_cue(&s, "Test complete"));
    /* one tare per block (a new position each), each near the offset */
    CHECK_INT(s.ntares, 4);
    for (int i = 0; i < s.ntares; i++)
        CHECK_NEAR(s.tares[i], 37.0, 0.3);
    for (int b = 0; b < 4; b++) {
        CHECK_INT(s.block_done[b], 1);
        CHECK_INT(s.extra_events[b], 0);
    }
    /* the balance over the counting reps */
    struct bal_result br;
    eng_balance(s.e, &br);
    CHECK_INT(br.cell[ST_DIR_ADD][ST_SIDE_LEFT].n, 3);
    CHECK_NEAR(br.cell[ST_DIR_ADD][ST_SIDE_LEFT].best_n, 204, 1.0);
    CHECK_NEAR(br.cell[ST_DIR_ABD][ST_SIDE_RIGHT].best_n, 162, 1.0);
    CHECK_NEAR(br.ratio[ST_SIDE_LEFT], 204.0 / 152.0, 0.02);
    CHECK_NEAR(br.ratio[ST_SIDE_RIGHT], 192.0 / 162.0, 0.02);
    struct eng_view v;
    eng_view(s.e, &v);
    CHECK_INT(v.state, ENG_COMPLETE);
    CHECK_INT(v.reps_counted, 12);
    CHECK_INT(v.events_dropped, 0);
    CHECK_INT(v.samples_rejected, 0);
    sim_free(&s);
}

static void test_full_manual_80hz(void)
{
    full_manual(80);
}

static void test_full_manual_1khz(void)
{
    full_manual(1000);
}

/* The demo: how long a whole session takes on the simulated clock, manual and hands-free. */
static double demo_seconds(enum eng_mode mode, double plateau)
{
    struct eng_config cfg = eng_config_default();
    cfg.mode = mode;
    static struct sim s;
    sim_file(&s, "demo", &cfg, 80);
    s.plateau_s = plateau;
    int64_t t0 = s.t;
    bool ok = run_until(&s, ENG_COMPLETE, 12, 300);
    CHECK(ok);
    CHECK_INT(s.nreps, 12);
    double secs = (double)(s.complete_ns - t0) / NSEC;
    sim_free(&s);
    return secs;
}

static void test_demo_duration(void)
{
    double m_release = demo_seconds(ENG_MANUAL, 1.5);
    double a_release = demo_seconds(ENG_AUTO, 1.5);
    double m_hold = demo_seconds(ENG_MANUAL, 10);
    double a_hold = demo_seconds(ENG_AUTO, 10);
    fprintf(stderr,
            "demo.ini on the simulated clock: manual %.1f s, auto %.1f s (patient releases after 1.5 s); "
            "manual %.1f s, auto %.1f s (patient holds to the 3 s limit)\n",
            m_release, a_release, m_hold, a_hold);
    /* a patient who releases after ~2 s: the whole demo is under a minute either way */
    CHECK(m_release < 60);
    CHECK(a_release < 60);
}

static void test_redo(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L ABD_L, 0, 3, 3, 2, 1, 2, "fixed"}, NULL, 80);
    static const double peaks[] = {200, 100, 202, 198};
    s.peaks = peaks;
    s.npeaks = 4;
    /* after the 2nd rep (100 N: the patient was distracted), the therapist redoes it during the rest */
    REQUIRE(run_until(&s, ENG_REST, 2, 60));
    struct st_err err;
    uint32_t seq2 = s.reps[1].rep.seq;
    CHECK_INT(s.reps[1].rep.status, ENG_REP_ACCEPTED);
    CHECK_OK(cmd(&s, ENG_CMD_REDO, &err), &err);
    REQUIRE(s.ndecided == 1);
    CHECK_INT(s.decided[0].rep.seq, seq2);
    CHECK_INT(s.decided[0].rep.status, ENG_REP_REJECTED);
    CHECK(!s.decided[0].rep.counts);
    CHECK_INT(s.decided[0].decision, ENG_CMD_REDO);
    /* redoing it twice is refused, and changes nothing */
    CHECK_INT(cmd(&s, ENG_CMD_REDO, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "rejected already") != NULL);
    CHECK_INT(cmd(&s, ENG_CMD_REJECT, &err), ST_ERR_ARG);
    CHECK_INT(s.ndecided, 1);
    struct eng_view v;
    eng_view(s.e, &v);
    CHECK_INT(v.rep, 2); /* rep 2 of 3 again */
    CHECK_INT(v.reps, 3);
    REQUIRE(run_until(&s, ENG_COMPLETE, 7, 120));
    /* block 0 had 4 measured reps: 3 count, the redone one is kept as rejected */
    /* REP_ENDED said accepted for all 4 measured reps of block 0; REP_DECIDED changed the second */
    CHECK_INT(count_measured(&s, 0, ENG_REP_ACCEPTED), 4);
    CHECK_INT(s.ndecided, 1);
    CHECK_INT(s.reps[2].rep.block, 0);
    CHECK_INT(s.reps[2].rep.index, 3); /* the repeat is attempt 3 */
    CHECK_INT(s.reps[3].rep.block, 0);
    CHECK_INT(s.reps[4].rep.block, 1);
    CHECK_INT(s.nreps, 7);
    struct bal_result br;
    eng_balance(s.e, &br);
    CHECK_INT(br.cell[ST_DIR_ADD][ST_SIDE_LEFT].n, 3);
    CHECK(br.cell[ST_DIR_ADD][ST_SIDE_LEFT].mean_n > 190); /* the 100 N rep is out */
    CHECK_INT(s.metric_mismatch, 0);
    sim_free(&s);
}

static void test_redo_last_rep_of_block_reopens_it(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L ADD_R, 0, 2, 3, 2, 1, 2, "fixed"}, NULL, 80);
    sim_alone(&s);
    struct st_err err;
    REQUIRE(run_until(&s, ENG_REST, 1, 30));
    while (state_of(&s) == ENG_REST) {
        struct eng_view v;
        eng_view(s.e, &v);
        if (v.remaining_s == 0)
            CHECK_OK(cmd(&s, ENG_CMD_START, &err), &err);
        sim_frame(&s);
    }
    REQUIRE(run_until(&s, ENG_NEXT_BLOCK, 2, 30));
    CHECK_INT(s.block_done[0], 1);
    /* the block's last rep is redone from NEXT_BLOCK: back to block 0 */
    CHECK_OK(cmd(&s, ENG_CMD_REDO, &err), &err);
    struct eng_view v;
    eng_view(s.e, &v);
    CHECK_INT(v.state, ENG_REST);
    CHECK_INT(v.block, 0);
    s.therapist = true;
    REQUIRE(run_until(&s, ENG_COMPLETE, 5, 120));
    CHECK_INT(s.reps[2].rep.block, 0);
    CHECK_INT(s.block_done[0], 2); /* done again */
    CHECK_INT(count_measured(&s, 1, ENG_REP_ACCEPTED), 2);
    sim_free(&s);
}

static void test_reject(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ABD_R, 0, 3, 3, 2, 1, 2, "fixed"}, NULL, 1000);
    REQUIRE(run_until(&s, ENG_REST, 1, 30));
    struct st_err err;
    CHECK_OK(cmd(&s, ENG_CMD_REJECT, &err), &err);
    REQUIRE(s.ndecided == 1);
    CHECK_INT(s.decided[0].decision, ENG_CMD_REJECT);
    CHECK_INT(s.decided[0].rep.status, ENG_REP_REJECTED);
    CHECK_INT(s.decided[0].rep.seq, 1);
    struct eng_view v;
    eng_view(s.e, &v);
    CHECK_INT(v.rep, 2); /* not repeated: the next is rep 2 of 3 */
    REQUIRE(run_until(&s, ENG_COMPLETE, 3, 60));
    CHECK_INT(s.nreps, 3); /* 3 reps, only 2 count */
    eng_view(s.e, &v);
    CHECK_INT(v.reps_counted, 2);
    struct bal_result br;
    eng_balance(s.e, &br);
    CHECK_INT(br.cell[ST_DIR_ABD][ST_SIDE_RIGHT].n, 2);
    sim_free(&s);
}

static void test_cv_extra_reps(void)
{
    struct eng_config cfg = eng_config_default();
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L ADD_R, 0, 3, 3, 2, 1, 2, "fixed"}, &cfg, 80);
    /* 200, 150, 200: CV 15.7 % -> one more; 200: CV 12.4 % -> one more; 200: CV 11.2 % but the
     * maximum of 2 extra reps is reached. Then block 1: 180, 178, 182: CV 1.1 %, no extra. */
    static const double peaks[] = {200, 150, 200, 200, 200, 180, 178, 182};
    s.peaks = peaks;
    s.npeaks = 8;
    REQUIRE(run_until(&s, ENG_COMPLETE, 8, 200));
    CHECK_INT(s.nreps, 8);
    CHECK_INT(s.extra_events[0], 2);
    CHECK_INT(s.extra_events[1], 0);
    CHECK_INT(count_measured(&s, 0, ENG_REP_ACCEPTED), 5);
    CHECK_INT(count_measured(&s, 1, ENG_REP_ACCEPTED), 3);
    CHECK(!s.reps[2].rep.extra);
    CHECK(s.reps[3].rep.extra);
    CHECK(s.reps[4].rep.extra);
    CHECK(saw_cue(&s, "Reps differ by more than 10 %: one more"));
    CHECK_INT(s.block_done[0], 1);
    struct bal_result br;
    eng_balance(s.e, &br);
    CHECK_INT(br.cell[ST_DIR_ADD][ST_SIDE_LEFT].n, 5);
    CHECK(br.cell[ST_DIR_ADD][ST_SIDE_LEFT].cv_pct > 10);
    sim_free(&s);

    /* max_extra_reps = 0: never an extra rep */
    sim_small(&s, (struct small_spec){ADD_L, 0, 3, 3, 2, 1, 0, "fixed"}, &cfg, 80);
    s.peaks = peaks;
    s.npeaks = 3;
    REQUIRE(run_until(&s, ENG_COMPLETE, 3, 100));
    CHECK_INT(s.nreps, 3);
    CHECK_INT(s.extra_events[0], 0);
    sim_free(&s);
}

static void test_abort_mid_rep(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 3, 3, 2, 1, 2, "fixed"}, NULL, 1000);
    /* 1 s into the rep (the patient is pushing): the partial rep is emitted, interrupted, with what was
     * recorded */
    interrupt_rep(&s, 0, 30, 100, ENG_CMD_ABORT, ENG_END_ABORTED);
    CHECK(!s.reps[0].rep.counts);
    CHECK(s.reps[0].rep.n > 1500); /* 1 s before Push! and 1 s after at 1 kHz */
    CHECK(s.reps[0].rep.met.contraction);
    CHECK_NEAR(s.reps[0].rep.met.peak_n, 200, 1.0);
    CHECK_INT(state_of(&s), ENG_ABORTED);
    CHECK_INT(s.nev[ENG_EV_ABORTED], 1);
    CHECK_INT(s.nev[ENG_EV_COMPLETE], 0);
    CHECK_INT(s.metric_mismatch, 0);
    /* everything is refused afterwards */
    struct st_err err;
    for (int c = 0; c < ENG_CMD_COUNT; c++)
        CHECK_INT(cmd(&s, (enum eng_cmd)c, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "over") != NULL);
    sim_free(&s);
}

static void test_auto_hands_free(void)
{
    struct eng_config cfg = auto_config();
    cfg.rest_s = 5; /* shorter rests; block_rest_s stays the file's 30 s */
    static struct sim s;
    sim_file(&s, "supine-0", &cfg, 1000);
    sim_alone(&s);
    /* the third measured rep of ADD right is too short (0.3 s): flagged, kept, replaced */
    static const double peaks[] = {200, 200, 200, 200, 190, 190, 190, 190, 190, 150, 150, 150, 150, 160, 160, 160, 160};
    s.peaks = peaks;
    s.npeaks = 17;
    int short_rep = 7; /* push index of ADD R rep 3 */
    while (state_of(&s) != ENG_COMPLETE && s.t < 900 * NSEC) {
        s.plateau_s = s.next_peak == short_rep && !s.pushing ? 0.3 : 2.0;
        sim_frame(&s);
    }
    CHECK_INT(state_of(&s), ENG_COMPLETE);
    CHECK_INT(s.nreps, 17);
    CHECK_INT(s.metric_mismatch, 0);
    CHECK_INT(s.trace_errors, 0);
    CHECK(!saw_state(&s, ENG_COUNTDOWN));
    CHECK(!saw_state(&s, ENG_REVIEW));
    CHECK(saw_state(&s, ENG_ARMED));
    int flagged = 0;
    for (int i = 0; i < s.nreps; i++) {
        const struct eng_rep *r = &s.reps[i].rep;
        if (r->flags) {
            flagged++;
            CHECK(r->flags & MET_TOO_SHORT);
            CHECK_INT(r->status, ENG_REP_REJECTED);
            CHECK(!r->counts);
            CHECK_INT(r->block, 1);
        } else {
            CHECK_INT(r->status, ENG_REP_ACCEPTED);
            CHECK_INT(r->counts, !r->familiarisation);
        }
        /* auto: the trace starts 1 s before the onset sample */
        CHECK(r->met.onset_s > 0.95 && r->met.onset_s < 1.05);
    }
    CHECK_INT(flagged, 1);
    CHECK_INT(s.extra_events[1], 1);
    CHECK(saw_cue(&s, "flagged: too short (under 1 s). One more"));
    struct eng_view v;
    eng_view(s.e, &v);
    CHECK_INT(v.reps_counted, 12);
    sim_free(&s);
}


/* Auto mode with no rest: the patient pushes again about 0.6 s after releasing. The pre-trigger
 * window must not reach back into the previous push (its tail ends 0.3 s after release), or the
 * baseline would hold the last release and the rep would be flagged for nothing. */
static void test_auto_short_rest_clean_baseline(void)
{
    struct eng_config cfg = auto_config();
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 3, 3, 0, 0, 0, "fixed"}, &cfg, 1000);
    sim_alone(&s);
    s.react_s = 0.2; /* armed at the rep's end (0.4 s after release); the push 0.2 s later */
    s.plateau_s = 1.5;
    while (state_of(&s) != ENG_COMPLETE && s.t < 120 * NSEC)
        sim_frame(&s);
    CHECK_INT(state_of(&s), ENG_COMPLETE);
    CHECK_INT(s.nreps, 3);
    CHECK_INT(s.metric_mismatch, 0);
    for (int i = 0; i < s.nreps; i++) {
        const struct eng_rep *r = &s.reps[i].rep;
        CHECK_INT(r->flags, 0);
        CHECK_INT(r->status, ENG_REP_ACCEPTED);
        CHECK(r->met.baseline_sd_n < 1.0);
        if (i > 0) /* the window was cut at the previous trace's end: shorter than 1 s */
            CHECK(r->met.onset_s > 0.5 && r->met.onset_s < 0.9);
    }
    sim_free(&s);
}

static void test_auto_accept_takes_replacement_back(void)
{
    struct eng_config cfg = auto_config();
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 3, 3, 4, 1, 2, "fixed"}, &cfg, 80);
    s.plateau_s = 0.3; /* the first rep is too short */
    REQUIRE(run_until(&s, ENG_REST, 1, 30));
    s.plateau_s = 2.0;
    CHECK_INT(s.reps[0].rep.status, ENG_REP_REJECTED);
    CHECK_INT(s.extra_events[0], 1);
    struct eng_view v;
    eng_view(s.e, &v);
    CHECK_INT(v.reps, 4);
    struct st_err err;
    CHECK_OK(cmd(&s, ENG_CMD_ACCEPT, &err), &err); /* the therapist accepts it after all */
    REQUIRE(s.ndecided == 1);
    CHECK_INT(s.decided[0].rep.status, ENG_REP_ACCEPTED);
    CHECK(s.decided[0].rep.counts);
    eng_view(s.e, &v);
    CHECK_INT(v.reps, 3);
    CHECK_INT(v.rep, 2);
    CHECK_INT(cmd(&s, ENG_CMD_ACCEPT, &err), ST_ERR_ARG); /* counts already */
    REQUIRE(run_until(&s, ENG_COMPLETE, 3, 60));
    CHECK_INT(s.nreps, 3);
    sim_free(&s);
}

/* A gauge that reads pushes as negative: the engine says so while the patient pushes (not only after
 * the rep), and the rep that gives no number says why: no onset, pushed the other way. */
static void test_push_read_as_negative(void)
{
    const enum eng_mode modes[] = {ENG_MANUAL, ENG_AUTO};
    for (int m = 0; m < 2; m++) {
        struct eng_config cfg = eng_config_default();
        cfg.mode = modes[m];
        static struct sim s;
        sim_small(&s, (struct small_spec){ADD_L, 0, 1, 3, 2, 1, 0, "fixed"}, &cfg, 80);
        s.reads_negative = true;
        const char *warn = "The gauge reads the push as negative: check its mounting, or use --invert";
        /* the warning comes within a frame or two of the push passing -50 N (rise 0.4 s to -200 N) */
        int64_t until = s.t + 30 * NSEC;
        int64_t warned = -1;
        while (s.t < until && warned < 0) {
            sim_frame(&s);
            if (saw_cue(&s, warn))
                warned = s.t;
        }
        REQUIRE(warned > 0);
        CHECK(s.pushing);
        double pushed_s = (double)(warned - s.push_start) / NSEC;
        CHECK(pushed_s > 0.1 && pushed_s < 0.15); /* -50 N is reached 0.1 s into the push */
        if (modes[m] == ENG_MANUAL) {
            REQUIRE(run_until(&s, ENG_REVIEW, 1, 30));
            const struct eng_rep *r = &s.reps[0].rep;
            CHECK(!r->met.contraction);
            CHECK_INT(r->flags, MET_NO_ONSET | MET_OPPOSITE_DIRECTION);
            CHECK(saw_cue(&s, "No contraction was detected: no onset (the force never crossed the threshold), "
                              "pushed the other way (or the gauge reads pushes as negative). Redo or reject"));
        } else {
            CHECK_INT(s.nreps, 0); /* auto: a push that never rises never starts a rep */
        }
        sim_free(&s);
    }
}

/* A (accept-flagged) on the last flagged rep at any time before the next rep starts: after the
 * therapist redid or rejected it, in the countdown or the next block's preparation, and in auto mode
 * while the replacement is armed (the replacement, no longer owed, is called off). Once the next rep
 * has started it is refused, and afterwards A is about that rep. */
static void test_accept_flagged_until_next_rep_starts(void)
{
    struct st_err err;
    struct eng_view v;
    /* Manual, REDO in review, then A in the countdown of the rep that replaces it. */
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 2, 3, 1, 2, 2, "fixed"}, NULL, 80);
    s.plateau_s = 0.3; /* too short: flagged */
    s.review_cmd = ENG_CMD_REDO;
    REQUIRE(run_until(&s, ENG_COUNTDOWN, 1, 30));
    s.plateau_s = 2.0;
    CHECK_INT(s.ndecided, 1);
    CHECK_OK(cmd(&s, ENG_CMD_ACCEPT, &err), &err);
    REQUIRE(s.ndecided == 2);
    CHECK_INT(s.decided[1].decision, ENG_CMD_ACCEPT);
    CHECK_INT(s.decided[1].rep.seq, 1);
    CHECK(s.decided[1].rep.counts);
    CHECK_INT(state_of(&s), ENG_COUNTDOWN); /* still owed: the block's second rep */
    CHECK_INT(cmd(&s, ENG_CMD_ACCEPT, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "counts already") != NULL);
    REQUIRE(run_until(&s, ENG_COMPLETE, 2, 60));
    CHECK_INT(s.nreps, 2); /* the redo is not measured: the accepted rep took its slot back */
    eng_view(s.e, &v);
    CHECK_INT(v.reps_counted, 2);
    sim_free(&s);

    /* Manual, REJECT on the block's last rep, then A while the next block is prepared; refused once
     * the next rep has started; afterwards A is about the new last rep (clean: counts already). */
    sim_small(&s, (struct small_spec){ADD_L ABD_L, 0, 1, 3, 1, 2, 2, "fixed"}, NULL, 80);
    s.plateau_s = 0.3;
    s.review_cmd = ENG_CMD_REJECT;
    REQUIRE(run_until(&s, ENG_COUNTDOWN, 1, 30));
    s.plateau_s = 2.0;
    eng_view(s.e, &v);
    CHECK_INT(v.block, 1);
    CHECK_OK(cmd(&s, ENG_CMD_ACCEPT, &err), &err);
    REQUIRE(s.ndecided == 2);
    CHECK_INT(s.decided[1].rep.block, 0);
    CHECK(s.decided[1].rep.counts);
    CHECK_INT(state_of(&s), ENG_COUNTDOWN);
    REQUIRE(run_until(&s, ENG_CONTRACTION, 1, 10));
    CHECK_INT(cmd(&s, ENG_CMD_ACCEPT, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "in progress") != NULL);
    REQUIRE(run_until(&s, ENG_COMPLETE, 2, 60));
    eng_view(s.e, &v);
    CHECK_INT(v.reps_counted, 2);
    sim_free(&s);

    /* Auto: the flagged rep is rejected and replaced; A while the replacement is armed takes it back
     * and the block, now complete, gives way to the next one: no third rep is measured. */
    struct eng_config cfg = auto_config();
    sim_small(&s, (struct small_spec){ADD_L ABD_L, 0, 1, 3, 1, 1, 2, "fixed"}, &cfg, 80);
    s.plateau_s = 0.3;
    REQUIRE(run_until(&s, ENG_ARMED, 1, 30));
    s.plateau_s = 2.0;
    CHECK_INT(s.reps[0].rep.status, ENG_REP_REJECTED);
    eng_view(s.e, &v);
    CHECK_INT(v.block, 0);
    CHECK_INT(v.reps, 2);
    CHECK_OK(cmd(&s, ENG_CMD_ACCEPT, &err), &err);
    REQUIRE(s.ndecided == 1);
    CHECK(s.decided[0].rep.counts);
    eng_view(s.e, &v);
    CHECK_INT(v.state, ENG_NEXT_BLOCK);
    CHECK_INT(v.block, 1);
    REQUIRE(run_until(&s, ENG_COMPLETE, 2, 60));
    CHECK_INT(s.nreps, 2);
    CHECK_INT(s.reps[1].rep.block, 1);
    eng_view(s.e, &v);
    CHECK_INT(v.reps_counted, 2);
    sim_free(&s);
}

static void test_review_accept_reject_redo(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 3, 3, 2, 1, 2, "fixed"}, NULL, 80);
    s.plateau_s = 0.3; /* too short: flagged */
    REQUIRE(run_until(&s, ENG_REVIEW, 1, 30));
    CHECK_INT(s.reps[0].rep.status, ENG_REP_PENDING);
    CHECK(s.reps[0].rep.flags & MET_TOO_SHORT);
    CHECK(saw_cue(&s, "Check the repetition: too short (under 1 s). Accept, reject or redo it"));
    struct st_err err;
    CHECK_INT(cmd(&s, ENG_CMD_START, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "Accept, reject or redo") != NULL);
    CHECK_INT(cmd(&s, ENG_CMD_SKIP_BLOCK, &err), ST_ERR_ARG);
    CHECK_OK(cmd(&s, ENG_CMD_ACCEPT, &err), &err);
    REQUIRE(s.ndecided == 1);
    CHECK_INT(s.decided[0].rep.status, ENG_REP_ACCEPTED);
    CHECK(s.decided[0].rep.counts);
    CHECK_INT(s.decided[0].decision, ENG_CMD_ACCEPT);
    CHECK_INT(state_of(&s), ENG_REST);
    /* the second is flagged too, and rejected: not counted, not repeated */
    REQUIRE(run_until(&s, ENG_REVIEW, 2, 30));
    CHECK_OK(cmd(&s, ENG_CMD_REJECT, &err), &err);
    CHECK_INT(s.decided[1].rep.status, ENG_REP_REJECTED);
    CHECK_INT(s.decided[1].decision, ENG_CMD_REJECT);
    struct eng_view v;
    eng_view(s.e, &v);
    CHECK_INT(v.rep, 3);
    /* the third is flagged, and redone: repeated */
    REQUIRE(run_until(&s, ENG_REVIEW, 3, 30));
    CHECK_OK(cmd(&s, ENG_CMD_REDO, &err), &err);
    CHECK_INT(s.decided[2].decision, ENG_CMD_REDO);
    CHECK_INT(s.decided[2].rep.status, ENG_REP_REJECTED);
    eng_view(s.e, &v);
    CHECK_INT(v.rep, 3);
    s.plateau_s = 2.0;
    REQUIRE(run_until(&s, ENG_COMPLETE, 4, 30));
    CHECK_INT(s.nreps, 4);
    eng_view(s.e, &v);
    CHECK_INT(v.reps_counted, 2); /* the accepted flagged one and the clean last one */
    CHECK_INT(s.reps[3].rep.status, ENG_REP_ACCEPTED);
    sim_free(&s);
}

static void test_device_lost_mid_rep_and_back(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 2, 3, 2, 1, 2, "fixed"}, NULL, 80);
    REQUIRE(run_until(&s, ENG_CONTRACTION, 0, 30));
    for (int i = 0; i < 100; i++)
        sim_frame(&s);
    /* the cable is pulled 1 s after Push! */
    s.connected = false;
    eng_device_lost(s.e, 0, s.t);
    drain(&s);
    REQUIRE(s.nreps == 1);
    const struct eng_rep *r = &s.reps[0].rep;
    CHECK_INT(r->status, ENG_REP_INTERRUPTED);
    CHECK_INT(r->end, ENG_END_DEVICE_LOST);
    CHECK(!r->counts);
    CHECK(r->n >= 150); /* every sample received: 1 s before and ~1 s after Push! at 80 Hz */
    CHECK(r->met.contraction);
    CHECK(saw_cue(&s, "The dynamometer was disconnected: check the cable. This repetition will be repeated."));
    CHECK_INT(state_of(&s), ENG_DEVICE_LOST);
    struct eng_view v;
    eng_view(s.e, &v);
    CHECK(v.device_lost);
    /* it waits: no hang, no progress */
    for (int i = 0; i < 300; i++)
        sim_frame(&s);
    CHECK_INT(state_of(&s), ENG_DEVICE_LOST);
    struct st_err err;
    CHECK_INT(cmd(&s, ENG_CMD_START, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "disconnected") != NULL);
    /* back: re-tare, then the same rep again */
    s.pushing = false;
    s.connected = true;
    s.offset = 52.0; /* the device came back with another zero */
    eng_device_back(s.e, 0, s.t);
    drain(&s);
    CHECK_INT(state_of(&s), ENG_TARE);
    REQUIRE(run_until(&s, ENG_COMPLETE, 3, 60));
    CHECK_INT(s.nreps, 3);
    CHECK_NEAR(s.tares[s.ntares - 1], 52.0, 0.3);
    CHECK_INT(s.reps[1].rep.index, 2); /* a new attempt */
    CHECK_INT(s.reps[1].rep.status, ENG_REP_ACCEPTED);
    CHECK_NEAR(s.reps[1].rep.met.peak_n, 200, 1.0);
    CHECK_NEAR(s.reps[1].rep.met.baseline_n, 0, 0.5);
    eng_view(s.e, &v);
    CHECK_INT(v.reps_counted, 2);
    sim_free(&s);
}

static void test_device_lost_between_reps(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 2, 3, 2, 1, 2, "fixed"}, NULL, 80);
    REQUIRE(run_until(&s, ENG_REST, 1, 30));
    s.connected = false;
    eng_device_lost(s.e, 0, s.t);
    drain(&s);
    CHECK_INT(state_of(&s), ENG_REST); /* nothing was lost: the rest goes on */
    eng_device_lost(s.e, 3, s.t);      /* another channel: only noted */
    drain(&s);
    REQUIRE(run_until(&s, ENG_DEVICE_LOST, 1, 30)); /* START after the rest finds it gone */
    s.connected = true;
    eng_device_back(s.e, 0, s.t);
    drain(&s);
    REQUIRE(run_until(&s, ENG_COMPLETE, 2, 30));
    CHECK_INT(s.nreps, 2);
    sim_free(&s);
}

static void test_never_pushes(void)
{
    struct eng_config cfg = eng_config_default();
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L ABD_L, 0, 1, 3, 2, 1, 2, "fixed"}, &cfg, 80);
    static const double none[] = {0, 0};
    s.peaks = none;
    s.npeaks = 2;
    REQUIRE(run_until(&s, ENG_CONTRACTION, 0, 30));
    int64_t push = s.t;
    /* manual: no onset within hold (3 s) + 5 s ends the rep as no contraction, then REVIEW */
    REQUIRE(run_until(&s, ENG_REVIEW, 1, 30));
    double waited = (double)(s.t - push) / NSEC;
    CHECK(waited >= 8.0 && waited < 8.6);
    const struct eng_rep *r = &s.reps[0].rep;
    CHECK_INT(r->end, ENG_END_NO_CONTRACTION);
    CHECK(!r->met.contraction);
    CHECK_NAN(r->met.peak_n);
    CHECK_INT(r->status, ENG_REP_PENDING);
    CHECK(saw_cue(&s, "No contraction was detected: no onset"));
    CHECK_INT(r->flags, MET_NO_ONSET); /* a rep with no number says why */
    struct st_err err;
    CHECK_INT(cmd(&s, ENG_CMD_ACCEPT, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "No contraction") != NULL);
    CHECK_OK(cmd(&s, ENG_CMD_REJECT, &err), &err);
    /* and the session goes on to the next block */
    CHECK_INT(state_of(&s), ENG_NEXT_BLOCK);
    REQUIRE(run_until(&s, ENG_REVIEW, 2, 30));
    CHECK_OK(cmd(&s, ENG_CMD_REJECT, &err), &err);
    CHECK_INT(state_of(&s), ENG_COMPLETE);
    sim_free(&s);

    /* auto: armed without limit, but SKIP and ABORT still work */
    cfg.mode = ENG_AUTO;
    sim_small(&s, (struct small_spec){ADD_L ABD_L, 0, 1, 3, 2, 1, 2, "fixed"}, &cfg, 80);
    s.peaks = none;
    s.npeaks = 2;
    REQUIRE(run_until(&s, ENG_ARMED, 0, 30));
    for (int i = 0; i < 2000; i++)
        sim_frame(&s);
    CHECK_INT(state_of(&s), ENG_ARMED);
    CHECK_OK(cmd(&s, ENG_CMD_SKIP_BLOCK, &err), &err);
    CHECK(s.block_skipped[0]);
    CHECK_INT(state_of(&s), ENG_NEXT_BLOCK);
    REQUIRE(run_until(&s, ENG_ARMED, 0, 30));
    CHECK_OK(cmd(&s, ENG_CMD_ABORT, &err), &err);
    CHECK_INT(state_of(&s), ENG_ABORTED);
    CHECK_INT(s.nreps, 0);
    sim_free(&s);
}

static void test_tare_retry(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 1, 3, 2, 1, 2, "fixed"}, NULL, 1000);
    s.restless_until = s.t + (int64_t)(1.8 * NSEC); /* the leg moves (12 N swings) for 1.8 s */
    sim_alone(&s);
    CHECK_INT(state_of(&s), ENG_TARE);
    for (int i = 0; i < 150; i++)
        sim_frame(&s);
    CHECK_INT(state_of(&s), ENG_TARE); /* not while the leg moves */
    CHECK(saw_cue(&s, "Relax the leg"));
    CHECK_INT(s.ntares, 0);
    REQUIRE(run_until(&s, ENG_COUNTDOWN, 0, 5));
    CHECK_INT(s.ntares, 1);
    CHECK_NEAR(s.tares[0], 37.0, 0.3); /* the tare is the rest value, not the fidgeting */
    CHECK(s.t >= s.restless_until);
    struct eng_view v;
    eng_view(s.e, &v);
    CHECK(v.tared);
    CHECK_NEAR(v.tare_n, 37.0, 0.3);
    sim_free(&s);

    /* no samples at all during TARE: the therapist is told */
    sim_small(&s, (struct small_spec){ADD_L, 0, 1, 3, 2, 1, 2, "fixed"}, NULL, 80);
    s.connected = false;
    sim_alone(&s);
    for (int i = 0; i < 300; i++)
        sim_frame(&s);
    CHECK_INT(state_of(&s), ENG_TARE);
    CHECK(saw_cue(&s, "No force readings"));
    sim_free(&s);
}

/* Refused commands change nothing: same state, no event. */
static void refused(struct sim *s, enum eng_cmd c, const char *words)
{
    struct eng_view before, after;
    eng_view(s->e, &before);
    struct st_err err;
    st_err_clear(&err);
    enum st_status st = eng_command(s->e, c, s->t, &err);
    CHECK_INT(st, ST_ERR_ARG);
    if (!strstr(err.msg, words))
        check_fail(__FILE__, __LINE__, "%s in %s: \"%s\" lacks \"%s\"", eng_cmd_name(c),
                   eng_state_name(before.state), err.msg, words);
    struct eng_event ev;
    CHECK(!eng_next_event(s->e, &ev));
    eng_view(s->e, &after);
    CHECK_INT(after.state, before.state);
    CHECK_INT(after.rep, before.rep);
    CHECK_INT(after.reps_counted, before.reps_counted);
}

/* A new block's zero while the patient holds a steady push: refused (the reading is far above the
 * channel's earlier zero), with a cue that says why; taken as soon as the leg relaxes. A reading that
 * stays high and steady for over 10 s is a new preload (the gauge was remounted) and is taken. */
static void test_tare_refused_while_pushing(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L ADD_R ABD_L, 0, 1, 3, 0, 0, 0, "fixed"}, NULL, 100);
    sim_alone(&s); /* START by hand: the helper therapist would leave NEXT_BLOCK at once */
    struct st_err err;
    REQUIRE(run_until(&s, ENG_NEXT_BLOCK, 1, 60));
    CHECK_INT(s.ntares, 1);
    CHECK_NEAR(s.tares[0], 37.0, 1.0);
    s.offset = 37.0 + 120.0; /* a steady, tremor-free push through the new block's zero */
    s.noise = 0.2;
    CHECK_OK(cmd(&s, ENG_CMD_START, &err), &err);
    REQUIRE(state_of(&s) == ENG_TARE);
    for (int i = 0; i < 300; i++) /* 3 s */
        sim_frame(&s);
    CHECK_INT(state_of(&s), ENG_TARE);
    CHECK_INT(s.ntares, 1);
    CHECK(saw_cue(&s, "Relax the leg: the dynamometer reads 120 N more than at its last zero"));
    s.offset = 37.0; /* relaxed */
    for (int i = 0; i < 100 && s.ntares < 2; i++)
        sim_frame(&s);
    REQUIRE(s.ntares == 2);
    CHECK_NEAR(s.tares[1], 37.0, 1.0);
    /* (with no countdown the rep's pre-trigger second still holds the push: it goes to review) */
    while (s.nreps < 2 && s.t < 200 * NSEC)
        sim_frame(&s);
    if (state_of(&s) == ENG_REVIEW)
        CHECK_OK(cmd(&s, ENG_CMD_ACCEPT, &err), &err);
    /* block 3: the gauge was remounted with 60 N more preload, for good */
    REQUIRE(run_until(&s, ENG_NEXT_BLOCK, 2, 60));
    s.offset = 97.0;
    CHECK_OK(cmd(&s, ENG_CMD_START, &err), &err);
    REQUIRE(state_of(&s) == ENG_TARE);
    int64_t t0 = s.t;
    for (int i = 0; i < 1500 && s.ntares < 3; i++)
        sim_frame(&s);
    REQUIRE(s.ntares == 3);
    CHECK_NEAR(s.tares[2], 97.0, 1.0);
    CHECK((double)(s.t - t0) / NSEC >= 10.0);
    sim_free(&s);
}

/* The station sends the family's zero command on entering TARE; the device's readings jump when it
 * takes effect (first sample flagged ST_SAMPLE_ZEROED). The engine's window restarts there, so the
 * tare is the new zero, not a mix; and no rep trace reaches back before it. */
static void test_device_zero_restarts_tare(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 1, 3, 0, 3, 0, "fixed"}, NULL, 200);
    sim_alone(&s);
    REQUIRE(state_of(&s) == ENG_TARE);
    for (int i = 0; i < 40; i++) /* 0.4 s of the old zero (37 N raw) */
        sim_frame(&s);
    CHECK_INT(s.ntares, 0);
    s.offset = 35.8; /* the device zero takes effect: a small shift, which the SD check alone misses */
    s.zero_flag_next = true;
    int64_t zero_t = s.t;
    for (int i = 0; i < 20 && s.ntares == 0; i++) /* 0.2 s: the old window would have closed by now */
        sim_frame(&s);
    CHECK_INT(s.ntares, 0);
    for (int i = 0; i < 60 && s.ntares == 0; i++)
        sim_frame(&s);
    REQUIRE(s.ntares == 1);
    CHECK_NEAR(s.tares[0], 35.8, 0.15);
    s.therapist = true;
    while (s.nreps < 1 && s.t < 60 * NSEC)
        sim_frame(&s);
    REQUIRE(s.nreps == 1);
    /* the trace starts 1 s before "Push!" but not before the zero: countdown 3 s, so here 1 s */
    CHECK((double)(s.reps[0].rep.t0_ns - zero_t) >= 0);
    CHECK_INT(s.reps[0].rep.flags, 0);
    sim_free(&s);
}

/* Auto mode: the patient is already pushing, steadily, when the session starts, so the first zero is
 * taken on the push. When the leg relaxes the tared force sits far below zero: the engine zeroes again
 * instead of measuring every rep short. */
static void test_auto_retare_after_zero_on_a_push(void)
{
    struct eng_config cfg = auto_config();
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 2, 3, 1, 0, 0, "fixed"}, &cfg, 200);
    sim_alone(&s);
    s.offset = 37.0 + 150.0; /* pushing (no tremor in this harness: a steady plateau) */
    for (int i = 0; i < 80 && s.ntares == 0; i++)
        sim_frame(&s);
    REQUIRE(s.ntares == 1);
    CHECK_NEAR(s.tares[0], 187.0, 1.0); /* wrong, and nobody could know yet */
    s.offset = 37.0; /* the leg relaxes */
    for (int i = 0; i < 800 && s.ntares < 2; i++)
        sim_frame(&s);
    REQUIRE(s.ntares == 2);
    CHECK_NEAR(s.tares[1], 37.0, 1.0);
    CHECK(saw_cue(&s, "The zero was taken while the leg pushed"));
    while (state_of(&s) != ENG_COMPLETE && s.t < 120 * NSEC)
        sim_frame(&s);
    CHECK_INT(state_of(&s), ENG_COMPLETE);
    CHECK_INT(s.nreps, 2);
    for (int i = 0; i < s.nreps; i++)
        CHECK_NEAR(s.reps[i].rep.met.peak_n, 200.0, 1.0);
    sim_free(&s);
}

/* Auto mode: the device's own zero takes effect only after the engine's software zero was taken (the
 * zero command's answer came late). Every raw value moves by the device's shift, so the engine zeroes
 * again from the zeroed sample on; before, the old zero stayed (the soak: -79 N), rest read as a push
 * and the session waited, armed, for ever. */
static void test_auto_device_zero_after_the_tare(void)
{
    struct eng_config cfg = auto_config();
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 2, 3, 1, 0, 0, "fixed"}, &cfg, 200);
    sim_alone(&s);
    s.offset = -79.0; /* the device's earlier zero was taken on a push: rest reads -79 N */
    for (int i = 0; i < 80 && s.ntares == 0; i++)
        sim_frame(&s);
    REQUIRE(s.ntares == 1);
    CHECK_NEAR(s.tares[0], -79.0, 1.0);
    REQUIRE(state_of(&s) == ENG_ARMED);
    s.offset = 0.0; /* the device's new zero, at rest, takes effect now */
    s.zero_flag_next = true;
    sim_frame(&s);
    CHECK_INT(state_of(&s), ENG_TARE);
    CHECK(saw_cue(&s, "The dynamometer zeroed itself just now"));
    while (state_of(&s) != ENG_COMPLETE && s.t < 120 * NSEC)
        sim_frame(&s);
    CHECK_INT(state_of(&s), ENG_COMPLETE);
    REQUIRE(s.ntares >= 2);
    CHECK_NEAR(s.tares[1], 0.0, 1.0);
    CHECK_INT(s.nreps, 2);
    for (int i = 0; i < s.nreps; i++)
        CHECK_NEAR(s.reps[i].rep.met.peak_n, 200.0, 1.0);
    sim_free(&s);
}

static void test_invalid_commands(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 2, 3, 10, 3, 2, "fixed"}, NULL, 80);
    s.therapist = false;
    refused(&s, ENG_CMD_REDO, "Nothing to redo yet");
    refused(&s, ENG_CMD_REJECT, "Nothing to reject yet");
    refused(&s, ENG_CMD_ACCEPT, "Nothing to accept yet");
    refused(&s, ENG_CMD_RESUME, "not paused");
    struct st_err err;
    CHECK_OK(cmd(&s, ENG_CMD_START, &err), &err);
    refused(&s, ENG_CMD_START, "in progress"); /* TARE */
    REQUIRE(run_until(&s, ENG_COUNTDOWN, 0, 5));
    refused(&s, ENG_CMD_START, "in progress");
    refused(&s, ENG_CMD_REDO, "in progress");
    REQUIRE(run_until(&s, ENG_CONTRACTION, 0, 5));
    refused(&s, ENG_CMD_ACCEPT, "in progress");
    REQUIRE(run_until(&s, ENG_REST, 1, 30));
    refused(&s, ENG_CMD_START, "Rest: ");
    refused(&s, ENG_CMD_ACCEPT, "counts already");
    CHECK_OK(cmd(&s, ENG_CMD_PAUSE, &err), &err);
    refused(&s, ENG_CMD_PAUSE, "paused already");
    refused(&s, ENG_CMD_START, "resume it first");
    refused(&s, ENG_CMD_REDO, "resume it first");
    refused(&s, ENG_CMD_SKIP_BLOCK, "resume it first");
    CHECK_OK(cmd(&s, ENG_CMD_RESUME, &err), &err);
    CHECK_OK(cmd(&s, ENG_CMD_ABORT, &err), &err);
    refused(&s, ENG_CMD_START, "over");
    refused(&s, ENG_CMD_ABORT, "over");
    sim_free(&s);

    enum eng_cmd c;
    CHECK(eng_cmd_parse("START", &c) && c == ENG_CMD_START);
    CHECK(eng_cmd_parse("skip-block", &c) && c == ENG_CMD_SKIP_BLOCK);
    CHECK(eng_cmd_parse("skip", &c) && c == ENG_CMD_SKIP_BLOCK);
    CHECK(eng_cmd_parse("resume", &c) && c == ENG_CMD_RESUME);
    CHECK(!eng_cmd_parse("begin", &c));
    CHECK(!eng_cmd_parse(NULL, &c));
    for (int i = 0; i < ENG_CMD_COUNT; i++) {
        CHECK(eng_cmd_parse(eng_cmd_name((enum eng_cmd)i), &c));
        CHECK_INT(c, i);
    }
    CHECK_STR(eng_state_name(ENG_NEXT_BLOCK), "next_block");
    CHECK_STR(eng_state_name(ENG_STATE_COUNT), "?");
    CHECK_STR(eng_rep_status_name(ENG_REP_INTERRUPTED), "interrupted");
    CHECK_STR(eng_rep_end_name(ENG_END_NO_CONTRACTION), "no_contraction");
    CHECK_STR(eng_event_kind_name(ENG_EV_REP_DECIDED), "rep_decided");
    CHECK_STR(eng_sound_name(ENG_SOUND_GO), "go");
}

static void test_pause_resume(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L, 0, 2, 3, 20, 1, 2, "fixed"}, NULL, 80);
    REQUIRE(run_until(&s, ENG_REST, 1, 30));
    for (int i = 0; i < 500; i++) /* 5 s into the 20 s rest */
        sim_frame(&s);
    struct eng_view v;
    eng_view(s.e, &v);
    double left = v.remaining_s;
    CHECK(left > 10 && left < 16);
    struct st_err err;
    CHECK_OK(cmd(&s, ENG_CMD_PAUSE, &err), &err);
    for (int i = 0; i < 3000; i++) /* a 30 s pause */
        sim_frame(&s);
    eng_view(s.e, &v);
    CHECK_INT(v.state, ENG_PAUSED);
    CHECK_INT(v.paused_from, ENG_REST);
    CHECK_OK(cmd(&s, ENG_CMD_RESUME, &err), &err);
    eng_view(s.e, &v);
    CHECK_INT(v.state, ENG_REST);
    CHECK_NEAR(v.remaining_s, left, 0.02); /* the rest was frozen */
    /* pause during a contraction: the rep is interrupted and repeated */
    interrupt_rep(&s, 1, 60, 80, ENG_CMD_PAUSE, ENG_END_PAUSED);
    s.pushing = false;
    for (int i = 0; i < 100; i++)
        sim_frame(&s);
    CHECK_OK(cmd(&s, ENG_CMD_RESUME, &err), &err);
    CHECK_INT(state_of(&s), ENG_REST); /* manual: waits for START */
    eng_view(s.e, &v);
    CHECK_NEAR(v.remaining_s, 0, 0);
    REQUIRE(run_until(&s, ENG_COMPLETE, 3, 60));
    CHECK_INT(s.nreps, 3);
    eng_view(s.e, &v);
    CHECK_INT(v.reps_counted, 2);
    sim_free(&s);
}

static void test_skip_block(void)
{
    static struct sim s;
    sim_small(&s, (struct small_spec){ADD_L ADD_R ABD_L, 0, 1, 3, 2, 1, 2, "fixed"}, NULL, 80);
    sim_alone(&s);
    struct st_err err;
    REQUIRE(run_until(&s, ENG_NEXT_BLOCK, 1, 30));
    struct eng_view v;
    eng_view(s.e, &v);
    CHECK_INT(v.block, 1);
    CHECK_STR(v.block_label, "Adduction, right leg");
    CHECK_OK(cmd(&s, ENG_CMD_SKIP_BLOCK, &err), &err);
    CHECK(s.block_skipped[1]);
    eng_view(s.e, &v);
    CHECK_INT(v.state, ENG_NEXT_BLOCK);
    CHECK_INT(v.block, 2);
    CHECK_INT(s.block_done[1], 1);
    /* skipping mid-contraction interrupts the rep and ends the session (last block) */
    CHECK_OK(cmd(&s, ENG_CMD_START, &err), &err);
    interrupt_rep(&s, 1, 30, 100, ENG_CMD_SKIP_BLOCK, ENG_END_SKIPPED);
    CHECK_INT(state_of(&s), ENG_COMPLETE);
    CHECK(s.block_skipped[2]);
    CHECK_INT(s.nev[ENG_EV_COMPLETE], 1);
    sim_free(&s);
}

static void test_hold_limit_and_saturation(void)
{
    struct eng_config cfg = eng_config_default();
    cfg.full_scale_n[0] = 250;
    static struct sim s;
    sim_small(&s, (struct small_spec){ABD_L, 0, 1, 3, 2, 1, 2, "fixed"}, &cfg, 1000);
    s.plateau_s = 20; /* holds until told to relax */
    s.default_peak = 240;
    s.clip_n = 250;   /* 37 + 240 raw is past the 250 N full scale: saturated */
    s.review_cmd = ENG_CMD_ACCEPT;
    REQUIRE(run_until(&s, ENG_COMPLETE, 1, 60));
    const struct eng_rep *r = &s.reps[0].rep;
    CHECK_INT(r->end, ENG_END_HOLD);
    CHECK(saw_cue(&s, "Relax"));
    /* the trace ends at onset + hold + tail */
    CHECK(s.reps[0].last_t <= r->met.onset_s + 3.0 + 0.3 + 0.002);
    CHECK(s.reps[0].last_t >= r->met.onset_s + 3.0 + 0.3 - 0.05);
    CHECK(r->sample_flags & ST_SAMPLE_SATURATED);
    CHECK(r->flags & MET_SATURATION);
    CHECK(saw_state(&s, ENG_REVIEW));
    CHECK_INT(s.decided[0].rep.status, ENG_REP_ACCEPTED);
    sim_free(&s);
}

static void test_alternating_and_random_follow_the_plan(void)
{
    const char *names[] = {"supine-45", NULL};
    for (int k = 0; k < 2; k++) {
        struct proto_def d;
        if (names[k])
            load(&d, names[k]);
        else
            small(&d, (struct small_spec){ADD_L ADD_R ABD_L ABD_R, 1, 2, 3, 1, 1, 2, "random"});
        struct eng_config cfg = auto_config();
        cfg.rest_s = 1;
        cfg.seed = 99;
        struct sim s;
        sim_init(&s, &d, &cfg, 80);
        const struct proto_plan *p = eng_plan(s.e);
        REQUIRE(run_until(&s, ENG_COMPLETE, p->nsteps, 900));
        CHECK_INT(s.nreps, p->nsteps);
        for (int i = 0; i < s.nreps && i < p->nsteps; i++) {
            CHECK_INT(s.reps[i].rep.block, p->steps[i].block);
            CHECK_INT(s.reps[i].rep.familiarisation, p->steps[i].familiarisation);
        }
        struct eng_view v;
        eng_view(s.e, &v);
        if (names[k]) {
            /* alternating: ADD L fam, ADD R fam, ADD L1, ADD R1, ... */
            CHECK_INT(s.reps[0].rep.side, ST_SIDE_LEFT);
            CHECK_INT(s.reps[1].rep.side, ST_SIDE_RIGHT);
            CHECK_INT(s.reps[2].rep.side, ST_SIDE_LEFT);
            CHECK_INT(s.reps[3].rep.side, ST_SIDE_RIGHT);
            CHECK_INT(v.seed, 0);
        } else {
            CHECK_INT(v.seed, 99);
            /* the same seed gives the same order in a new engine */
            struct eng *e2;
            struct st_err err;
            CHECK_OK(eng_new(&d, &cfg, &e2, &err), &err);
            CHECK(memcmp(eng_plan(e2)->order, p->order, sizeof p->order) == 0);
            eng_free(e2);
        }
        sim_free(&s);
        proto_free(&d);
    }
}

static void test_new_checks(void)
{
    struct proto_def d;
    small(&d, (struct small_spec){ADD_L ADD_R, 0, 1, 3, 2, 1, 2, "random"});
    struct eng_config cfg = eng_config_default();
    struct eng *e = (struct eng *)&d;
    struct st_err err;
    CHECK_INT(eng_new(&d, &cfg, &e, &err), ST_ERR_ARG); /* random order, no seed anywhere */
    CHECK(e == NULL);
    CHECK(strstr(err.msg, "seed") != NULL);
    cfg.seed = 5;
    cfg.reps = 11;
    CHECK_INT(eng_new(&d, &cfg, &e, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "--reps") != NULL);
    cfg.reps = 2;
    cfg.hold_s = 4;
    CHECK_OK(eng_new(&d, &cfg, &e, &err), &err);
    CHECK_INT(eng_protocol(e)->reps, 2);
    CHECK_NEAR(eng_protocol(e)->hold_s, 4, 0);
    CHECK(eng_protocol(e)->text == NULL);
    CHECK_INT(eng_plan(e)->nsteps, 4);
    /* a new engine is in SETUP with a cue naming the position */
    struct eng_event ev;
    REQUIRE(eng_next_event(e, &ev));
    CHECK_INT(ev.kind, ENG_EV_STATE);
    CHECK_INT(ev.state, ENG_SETUP);
    REQUIRE(eng_next_event(e, &ev));
    CHECK_INT(ev.kind, ENG_EV_CUE);
    CHECK(strstr(ev.text, "supine") != NULL);
    CHECK(!eng_next_event(e, &ev));
    struct eng_view v;
    eng_view(e, &v);
    CHECK_INT(v.reps, 2);
    CHECK_INT(v.nblocks, 2);
    CHECK_INT(v.block_pos, 1);
    CHECK_NAN(v.force_n);
    /* bad samples are counted, not used */
    struct st_sample bad[3] = {{.t_ns = 10, .force_n = NAN, .channel = 0},
                               {.t_ns = 11, .force_n = 1, .channel = 9},
                               {.t_ns = 12, .force_n = 1, .channel = 0}};
    CHECK_INT(eng_feed(e, bad, 3), 3); /* taken (and counted), not used */
    struct st_sample back = {.t_ns = 12, .force_n = 1, .channel = 0};
    CHECK_INT(eng_feed(e, &back, 1), 1);
    CHECK_INT(eng_feed(NULL, &back, 1), 1);
    eng_view(e, &v);
    CHECK_INT(v.samples_rejected, 3);
    eng_free(e);
    eng_free(NULL);
    proto_free(&d);
}

static void test_event_queue_overflow_is_counted(void)
{
    struct proto_def d;
    small(&d, (struct small_spec){ADD_L, 0, 1, 3, 2, 1, 2, "fixed"});
    struct eng_config cfg = eng_config_default();
    struct eng *e;
    struct st_err err;
    CHECK_OK(eng_new(&d, &cfg, &e, &err), &err);
    /* never drained: 300 refused-free commands that each queue events */
    for (int i = 0; i < 200; i++) {
        eng_command(e, ENG_CMD_PAUSE, i, &err);
        eng_command(e, ENG_CMD_RESUME, i, &err);
    }
    struct eng_view v;
    eng_view(e, &v);
    CHECK(v.events_dropped > 0);
    int n = 0;
    struct eng_event ev;
    while (eng_next_event(e, &ev))
        n++;
    CHECK_INT(n, 256);
    eng_free(e);
    proto_free(&d);
}


/* A device ten times faster than the rate the engine was sized for (an 80 Hz family answering at
 * 800 Hz): left alone, every rep's pre-trigger second is cut short and the samples not kept are
 * counted (per rep and per channel), never silent; resized as the station does from the measured
 * rate, every rep keeps its whole second and every sample. */
static void test_device_faster_than_sized(void)
{
    for (int resize = 0; resize < 2; resize++) {
        struct eng_config cfg = auto_config();
        cfg.max_rate_hz = 80;
        static struct sim s;
        sim_small(&s, (struct small_spec){ADD_L, 0, 2, 2, 1, 1, 0, "fixed"}, &cfg, 800);
        s.resize_as_station = resize;
        sim_alone(&s);
        while (state_of(&s) != ENG_COMPLETE && s.t < 120 * NSEC)
            sim_frame(&s);
        CHECK_INT(state_of(&s), ENG_COMPLETE);
        struct eng_view v;
        eng_view(s.e, &v);
        CHECK_NEAR(v.rate_hz, 800, 1);
        unsigned lost = 0;
        for (int i = 0; i < s.nreps; i++) {
            const struct eng_rep *r = &s.reps[i].rep;
            lost += r->pre_lost + r->overflow;
            if (resize) {
                CHECK_INT(r->pre_lost, 0);
                CHECK_INT(r->overflow, 0);
                CHECK_INT(r->status, ENG_REP_ACCEPTED);
                CHECK(s.reps[i].onset_in_trace > 0.95); /* the whole pre-trigger second */
            } else {
                CHECK(r->pre_lost > 500); /* about 0.7 s of the second at 800 Hz */
            }
        }
        CHECK_INT(v.samples_not_kept[0], lost);
        if (resize) {
            CHECK_INT(s.resizes, 1);
            CHECK(v.sized_rate_hz >= 1600);
        }
        CHECK_INT(s.metric_mismatch, 0);
        sim_free(&s);
    }
}

/* ---- batch invariance --------------------------------------------------------------------------- */

/* FNV-1a over the fields of events, so a run is one list of numbers to compare. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}
#define FNV(h, x) fnv(h, &(x), sizeof(x))

static uint64_t fnv_double(uint64_t h, double x)
{
    if (isnan(x))
        x = NAN; /* one NAN, whatever its payload */
    return FNV(h, x);
}

/* Every field an event carries, the rep's metrics and its trace (read now: valid until the next call). */
static uint64_t event_hash(const struct eng_event *ev)
{
    uint64_t h = 14695981039346656037ull;
    const int ints[] = {(int)ev->kind, (int)ev->state, (int)ev->prev, (int)ev->sound, ev->channel, ev->block,
                        (int)ev->decision, ev->count, ev->skipped};
    h = fnv(h, ints, sizeof ints);
    h = FNV(h, ev->t_ns);
    h = fnv(h, ev->text, strlen(ev->text));
    h = fnv_double(h, ev->tare_n);
    const struct eng_rep *r = &ev->rep;
    const long long rv[] = {r->seq, r->block, r->index, r->familiarisation, r->extra, r->status, r->counts,
                            r->end, r->flags, (long long)r->n, r->t0_ns, r->sample_flags, r->gaps, r->overflow};
    h = fnv(h, rv, sizeof rv);
    const struct met_result *m = &r->met;
    const double mv[] = {r->tare_n, m->sample_rate_hz, m->baseline_n, m->baseline_sd_n, m->threshold_n,
                         m->onset_s, m->peak_n, m->peak_s, m->release_s, m->rfd_n_per_s[0], m->rfd_n_per_s[1],
                         m->rfd_n_per_s[2], m->best_1s_mean_n, m->impulse_n_s, m->torque_nm};
    for (size_t i = 0; i < sizeof mv / sizeof mv[0]; i++)
        h = fnv_double(h, mv[i]);
    h = FNV(h, m->contraction);
    h = FNV(h, m->flags);
    for (size_t i = 0; r->t_s && r->f_n && i < r->n; i++) {
        h = fnv_double(h, r->t_s[i]);
        h = fnv_double(h, r->f_n[i]);
    }
    return h;
}

#define BI_MAX_EVENTS 512
struct bi_run {
    uint64_t ev[BI_MAX_EVENTS];
    int kind[BI_MAX_EVENTS];
    int n;
    struct eng_view v;
};

static void bi_drain(struct eng *e, struct bi_run *out)
{
    struct eng_event ev;
    while (eng_next_event(e, &ev)) {
        if (out->n < BI_MAX_EVENTS) {
            out->kind[out->n] = ev.kind;
            out->ev[out->n++] = event_hash(&ev);
        }
    }
}

/* Feeds the samples `batch` at a time, ticking to the last fed sample's time after each batch. */
static void bi_feed(const struct proto_def *d, const struct eng_config *cfg, const struct st_sample *x, size_t n,
                    size_t batch, struct bi_run *out)
{
    memset(out, 0, sizeof *out);
    struct eng *e;
    struct st_err err;
    REQUIRE(eng_new(d, cfg, &e, &err) == ST_OK);
    eng_tick(e, x[0].t_ns);
    bi_drain(e, out);
    CHECK_OK(eng_command(e, ENG_CMD_START, x[0].t_ns, &err), &err);
    bi_drain(e, out);
    for (size_t i = 0; i < n; i += batch) {
        size_t k = n - i < batch ? n - i : batch;
        for (size_t done = 0; done < k;) {
            done += eng_feed(e, x + i + done, k - done);
            bi_drain(e, out);
        }
        eng_tick(e, x[i + k - 1].t_ns);
        bi_drain(e, out);
    }
    eng_view(e, &out->v);
    out->v.cue = out->v.block_label = out->v.position = NULL; /* pointers into e */
    eng_free(e);
}

/* A patient who pushes on her own schedule (not the engine's): random pushes, some too weak, some
 * short, one the wrong way now and then; a device with random rate, jitter, noise, offset and gaps. */
static size_t bi_trace(uint64_t seed, struct st_sample *x, size_t cap)
{
    struct sim r = {.rng = seed};
    const double rates[] = {50, 80, 200, 1000};
    double rate = rates[(int)(urand(&r) * 4)];
    double noise = urand(&r) * 2, offset = -5 + urand(&r) * 45;
    double t = 0, next_push = 1.5 + urand(&r) * 2, push_t = -1, peak = 0, rise = 0.3, plateau = 1, fall = 0.3;
    int64_t t0 = 3 * NSEC;
    size_t n = 0;
    while (n < cap && t < 40.0) {
        if (t >= next_push) {
            push_t = next_push;
            peak = urand(&r) < 0.1 ? -120 : 15 + urand(&r) * 400;
            rise = 0.05 + urand(&r) * 0.6;
            plateau = 0.2 + urand(&r) * 3;
            fall = 0.1 + urand(&r) * 0.4;
            next_push = push_t + rise + plateau + fall + 1 + urand(&r) * 4;
        }
        double f = offset + noise * (2 * urand(&r) - 1), dt = t - push_t;
        if (push_t >= 0 && dt >= 0) {
            if (dt < rise)
                f += peak * dt / rise;
            else if (dt < rise + plateau)
                f += peak;
            else if (dt < rise + plateau + fall)
                f += peak * (1 - (dt - rise - plateau) / fall);
        }
        x[n] = (struct st_sample){.t_ns = t0 + (int64_t)llround(t * 1e9), .force_n = f, .seq = (uint32_t)n};
        n++;
        t += (1 + 0.4 * (urand(&r) - 0.5)) / rate;
        if (urand(&r) < 0.002)
            t += 0.05 + urand(&r) * 0.3; /* a gap */
    }
    return n;
}

static void test_batch_invariance(void)
{
    static struct st_sample x[50000];
    static struct bi_run runs[4];
    const size_t batches[] = {1, 64, 7, SIZE_MAX};
    int reps_ended = 0;
    for (uint64_t trial = 1; trial <= 12; trial++) {
        struct proto_def d;
        small(&d, (struct small_spec){ADD_L ABD_L, (int)(trial % 2), 2, 2, 1, 1, 1, "fixed"});
        struct eng_config cfg = auto_config();
        cfg.body_mass_kg = 70;
        cfg.lever_m = 0.8;
        size_t n = bi_trace(trial * 7919, x, sizeof x / sizeof x[0]);
        for (int b = 0; b < 4; b++)
            bi_feed(&d, &cfg, x, n, batches[b] == SIZE_MAX ? n : batches[b], &runs[b]);
        /* the session went somewhere: reps ended, nothing lost */
        for (int i = 0; i < runs[0].n; i++)
            reps_ended += runs[0].kind[i] == ENG_EV_REP_ENDED;
        for (int b = 0; b < 4; b++) {
            CHECK_INT(runs[b].v.events_dropped, 0);
            REQUIRE(runs[b].n < BI_MAX_EVENTS);
        }
        for (int b = 1; b < 4; b++) {
            CHECK_INT(runs[b].n, runs[0].n);
            int first = -1;
            for (int i = 0; i < runs[0].n && i < runs[b].n && first < 0; i++)
                if (runs[b].ev[i] != runs[0].ev[i])
                    first = i;
            if (first >= 0)
                check_fail(__FILE__, __LINE__, "trial %d, batches of %zu: event %d (%s) differs from one at a time",
                           (int)trial, batches[b], first, eng_event_kind_name((enum eng_event_kind)runs[0].kind[first]));
            CHECK_INT(runs[b].v.state, runs[0].v.state);
            CHECK_INT(runs[b].v.reps_counted, runs[0].v.reps_counted);
            CHECK_INT(runs[b].v.samples_rejected, runs[0].v.samples_rejected);
        }
        proto_free(&d);
    }
    CHECK(reps_ended >= 12 * 3); /* the traces exercised the engine: about four reps each */
}

int main(void)
{
    CHECK_RUN(test_full_manual_80hz);
    CHECK_RUN(test_full_manual_1khz);
    CHECK_RUN(test_demo_duration);
    CHECK_RUN(test_redo);
    CHECK_RUN(test_redo_last_rep_of_block_reopens_it);
    CHECK_RUN(test_reject);
    CHECK_RUN(test_cv_extra_reps);
    CHECK_RUN(test_abort_mid_rep);
    CHECK_RUN(test_auto_hands_free);
    CHECK_RUN(test_auto_short_rest_clean_baseline);
    CHECK_RUN(test_auto_accept_takes_replacement_back);
    CHECK_RUN(test_push_read_as_negative);
    CHECK_RUN(test_review_accept_reject_redo);
    CHECK_RUN(test_accept_flagged_until_next_rep_starts);
    CHECK_RUN(test_device_lost_mid_rep_and_back);
    CHECK_RUN(test_device_lost_between_reps);
    CHECK_RUN(test_never_pushes);
    CHECK_RUN(test_tare_retry);
    CHECK_RUN(test_tare_refused_while_pushing);
    CHECK_RUN(test_device_zero_restarts_tare);
    CHECK_RUN(test_auto_retare_after_zero_on_a_push);
    CHECK_RUN(test_auto_device_zero_after_the_tare);
    CHECK_RUN(test_invalid_commands);
    CHECK_RUN(test_pause_resume);
    CHECK_RUN(test_skip_block);
    CHECK_RUN(test_hold_limit_and_saturation);
    CHECK_RUN(test_alternating_and_random_follow_the_plan);
    CHECK_RUN(test_new_checks);
    CHECK_RUN(test_event_queue_overflow_is_counted);
    CHECK_RUN(test_batch_invariance);
    CHECK_RUN(test_device_faster_than_sized);
    return check_done();
}
