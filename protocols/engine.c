/*
 * engine.c - the protocol engine; see engine.h for the states, the rules and the guarantees.
 *
 * Design: one struct holds everything, allocated once in eng_new. The walk through the protocol is
 * not a precomputed list of steps but counters per block (familiarisation reps done, slots used,
 * counting reps, extras granted) plus the plan's groups: the next rep is always "the first group that
 * is not finished, and in it the next block in turn that still needs a rep". That one rule covers the
 * plain walk (it reproduces proto_plan_make's steps exactly, which a test checks), redo (a slot is
 * freed, so its block needs a rep again), reject (a slot is used without a count), extra reps (the
 * block's target grows), skip (the block is finished) and a redo after a block ended (the earlier
 * group is not finished any more, so it comes first again).
 *
 * Time: the engine's "now" is the latest of the times given to eng_tick / eng_command / the device
 * calls and the sample times fed. Timers run after every sample as well as on ticks, so a batch of
 * samples is processed as if each had arrived at its own time (a countdown that ends in the middle of a
 * batch starts the rep there, and the rest of the batch goes into the rep).
 */
#include "protocols/engine.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NS 1000000000LL
#define PRE_NS (NS)                 /* pre-trigger window kept before "Push!" / onset */
#define BASE_NS (NS / 2)            /* manual live threshold: baseline of the last 0.5 s */
#define TAIL_NS (3 * NS / 10)       /* tail kept after release or hold */
#define RELEASE_NS (NS / 10)        /* below the threshold this long = released */
#define END_GRACE_NS (NS / 2)       /* end a rep on a tick this long after its end if samples stop */
#define NO_ONSET_EXTRA_NS (5 * NS)  /* manual: no onset within hold + this = no contraction */
#define TARE_NS (NS / 2)            /* the tare window */
#define TARE_SD_MAX_N 2.0           /* "at rest" */
#define TARE_JUMP_N 30.0            /* a zero this far above the channel's last one: someone pushes */
#define TARE_JUMP_ACCEPT_NS (10 * NS) /* ...unless it stays there, steady, this long (a new preload) */
#define RETARE_NEG_N 20.0           /* armed, the tared force this far below zero... */
#define RETARE_NEG_NS (NS / 2)      /* ...this long: the zero was taken during a push; take it again */
#define TARE_MIN_SAMPLES 3
#define RELAX_CUE_EVERY_NS (2 * NS)
#define NO_SAMPLES_NS (2 * NS)      /* TARE with no sample this long: tell the therapist */
#define NO_SAMPLES_CUE_EVERY_NS (5 * NS)
#define OPPOSITE_CUE_EVERY_NS (5 * NS) /* a push read as negative: say so at once, then every 5 s */
#define EVQ_CAP 256
#define MAX_COUNT (PROTO_MAX_REPS + PROTO_MAX_EXTRA_REPS)
#define NONE_NS INT64_MAX

struct raw {
    int64_t t;
    double f;
    uint16_t flags;
};

struct blk {
    int fam_done;     /* familiarisation reps recorded */
    int done;         /* measured slots used */
    int counted;      /* counting reps (entries in peaks) */
    int extras;       /* extra reps granted (CV rule and auto replacements) */
    int fam_attempts; /* for numbering */
    int attempts;
    bool skipped;
    bool done_emitted;
    double peaks[MAX_COUNT];
    uint32_t seqs[MAX_COUNT];
};

struct eng {
    struct proto_def def;
    struct eng_config cfg;
    struct proto_plan plan;
    int group_of[PROTO_MAX_BLOCKS];
    int pos_in_group[PROTO_MAX_BLOCKS];
    int pos_in_order[PROTO_MAX_BLOCKS];
    int last_pos[PROTO_MAX_BLOCKS]; /* per group: the position of the block that ran last, -1 */
    int64_t hold_ns, rest_ns, block_rest_ns, countdown_ns;

    enum eng_state state, paused_from;
    bool have_now;
    int64_t now, state_t0, deadline;
    int64_t pause_t, paused_t0, paused_deadline;

    int cur_group, cur_block;
    struct blk blk[PROTO_MAX_BLOCKS];

    /* channels */
    bool lost[ST_MAX_CHANNELS], tared[ST_MAX_CHANNELS], have[ST_MAX_CHANNELS];
    bool tare_known[ST_MAX_CHANNELS]; /* tare[] holds a zero taken earlier in the session */
    int64_t zeroed_t[ST_MAX_CHANNELS]; /* the last ST_SAMPLE_ZEROED sample: older raw values are on
                                        * another zero, never part of a rep's trace */
    int64_t tare_jump_since;          /* steady windows refused for TARE_JUMP_N since then; -1 none */
    int64_t neg_since;                /* ARMED: the tared force below -RETARE_NEG_N since then; -1 none */
    double tare[ST_MAX_CHANNELS], last_raw[ST_MAX_CHANNELS];
    int64_t last_t[ST_MAX_CHANNELS];

    /* the pre-trigger ring of the current channel */
    struct raw *ring;
    size_t ring_cap, ring_head, ring_n;
    int ring_ch;

    /* TARE */
    int64_t tare_start, tare_entered, tare_last_sample, last_relax_cue, last_nosample_cue;
    long tare_cnt;
    double tare_mean, tare_m2;

    /* COUNTDOWN */
    long countdown_shown;
    /* ARMED */
    bool armed_ready;
    /* REST */
    bool rest_over_cued;

    /* the rep in progress */
    double *buf_t[2], *buf_f[2];
    size_t buf_cap, buf_n;
    int cur_buf;
    struct eng_rep rep;
    int64_t rep_t0, push_t, onset_t, end_t, below_since;
    bool onset_seen, relax_cued, released, below;
    enum eng_rep_end end_reason;
    double live_thr;

    /* the last rep */
    bool have_last, last_decided, last_auto_rejected, last_granted_extra;
    bool last_redone; /* the last rep was rejected by REDO: it gave its slot back (to be measured again) */
    struct eng_rep last;
    int64_t last_end_t;

    uint32_t next_seq;
    int reps_counted;

    struct eng_event *evq;
    size_t ev_head, ev_n;
    unsigned ev_dropped;
    int64_t last_opposite_cue; /* when the "read as negative" cue was last given (INT64_MIN: never) */
    bool rep_ended_now;        /* eng_feed: a REP_ENDED was queued by the current sample */
    double sized_rate_hz;      /* the rate the buffers were sized for (eng_new, eng_resize) */
    unsigned not_kept[ST_MAX_CHANNELS]; /* samples of ended reps not kept (overflow + pre_lost) */
    struct eng_event ev_scratch;

    char cue[ENG_TEXT_SIZE];
    enum eng_sound cue_sound;
    char label[64];
    unsigned samples_rejected;
};

/* ---------------------------------------------------------------------------------------------- */
/* Names                                                                                            */
/* ---------------------------------------------------------------------------------------------- */

static const char *const state_names[ENG_STATE_COUNT] = {
    "setup", "tare", "countdown", "armed", "contraction", "review", "rest", "next_block", "paused",
    "device_lost", "complete", "aborted"};

const char *eng_state_name(enum eng_state s)
{
    return (unsigned)s < ENG_STATE_COUNT ? state_names[s] : "?";
}

static const char *const cmd_names[ENG_CMD_COUNT] = {"start", "redo", "reject", "accept",
                                                     "skip", "pause", "resume", "abort"};

const char *eng_cmd_name(enum eng_cmd c)
{
    return (unsigned)c < ENG_CMD_COUNT ? cmd_names[c] : "?";
}

bool eng_cmd_parse(const char *text, enum eng_cmd *out)
{
    if (!text || !out)
        return false;
    for (int i = 0; i < ENG_CMD_COUNT; i++) {
        if (!strcasecmp(text, cmd_names[i])) {
            *out = (enum eng_cmd)i;
            return true;
        }
    }
    if (!strcasecmp(text, "skip_block") || !strcasecmp(text, "skip-block")) {
        *out = ENG_CMD_SKIP_BLOCK;
        return true;
    }
    return false;
}

const char *eng_sound_name(enum eng_sound s)
{
    static const char *const n[] = {"none", "tick", "go", "stop", "done"};
    return (unsigned)s <= ENG_SOUND_DONE ? n[s] : "?";
}

const char *eng_rep_status_name(enum eng_rep_status s)
{
    static const char *const n[] = {"accepted", "pending", "rejected", "interrupted"};
    return (unsigned)s <= ENG_REP_INTERRUPTED ? n[s] : "?";
}

const char *eng_rep_end_name(enum eng_rep_end e)
{
    static const char *const n[] = {"none", "release", "hold", "no_contraction", "device_lost",
                                    "paused", "skipped", "aborted"};
    return (unsigned)e <= ENG_END_ABORTED ? n[e] : "?";
}

const char *eng_event_kind_name(enum eng_event_kind k)
{
    static const char *const n[] = {"state", "cue", "tared", "rep_started", "rep_ended", "rep_decided",
                                    "extra_rep", "block_done", "complete", "aborted"};
    return (unsigned)k <= ENG_EV_ABORTED ? n[k] : "?";
}

struct eng_config eng_config_default(void)
{
    struct eng_config c;
    memset(&c, 0, sizeof c);
    c.mode = ENG_MANUAL;
    c.body_mass_kg = NAN;
    c.lever_m = NAN;
    c.leg_length_m = NAN;
    for (int i = 0; i < PROTO_MAX_BLOCKS; i++)
        c.block_lever_m[i] = NAN;
    for (int i = 0; i < ST_MAX_CHANNELS; i++)
        c.full_scale_n[i] = NAN;
    c.max_rate_hz = 2000;
    c.reps = -1;
    c.hold_s = -1;
    c.rest_s = -1;
    c.countdown_s = -1;
    return c;
}

/* ---------------------------------------------------------------------------------------------- */
/* Small helpers                                                                                    */
/* ---------------------------------------------------------------------------------------------- */

static int64_t s_to_ns(double s)
{
    return (int64_t)llround(s * (double)NS);
}

static double ns_to_s(int64_t ns)
{
    return (double)ns / (double)NS;
}

static bool positive(double x)
{
    return isfinite(x) && x > 0;
}

static double lever_of(const struct eng *e, int b)
{
    if (b >= 0 && b < PROTO_MAX_BLOCKS && positive(e->cfg.block_lever_m[b]))
        return e->cfg.block_lever_m[b];
    return positive(e->cfg.lever_m) ? e->cfg.lever_m : NAN;
}

static int channel_of(const struct eng *e, int b)
{
    return b >= 0 ? e->def.blocks[b].channel : 0;
}

static int target_of(const struct eng *e, int b)
{
    return e->def.reps + e->blk[b].extras;
}

static bool block_finished(const struct eng *e, int b)
{
    const struct blk *k = &e->blk[b];
    return k->skipped || (k->fam_done >= e->def.familiarisation && k->done >= target_of(e, b));
}

static bool rep_phase(enum eng_state s)
{
    return s == ENG_TARE || s == ENG_COUNTDOWN || s == ENG_ARMED || s == ENG_CONTRACTION;
}

static bool terminal(enum eng_state s)
{
    return s == ENG_COMPLETE || s == ENG_ABORTED;
}

static void make_label(const struct eng *e, int b, char *buf, size_t size)
{
    if (b < 0) {
        snprintf(buf, size, "%s", "");
        return;
    }
    const struct proto_block *k = &e->def.blocks[b];
    const char *dir = k->dir == ST_DIR_ADD ? "Adduction" : "Abduction";
    if (k->side == ST_SIDE_BOTH)
        snprintf(buf, size, "%s, both legs (squeeze)", dir);
    else
        snprintf(buf, size, "%s, %s leg", dir, st_side_name(k->side));
}

/* ---------------------------------------------------------------------------------------------- */
/* Events                                                                                           */
/* ---------------------------------------------------------------------------------------------- */

static struct eng_event *ev_push(struct eng *e, enum eng_event_kind kind)
{
    struct eng_event *ev;
    if (e->ev_n == EVQ_CAP) {
        e->ev_dropped++;
        ev = &e->ev_scratch; /* written and forgotten: the station was told to drain */
    } else {
        ev = &e->evq[(e->ev_head + e->ev_n) % EVQ_CAP];
        e->ev_n++;
    }
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->t_ns = e->now;
    ev->block = -1;
    ev->channel = -1;
    return ev;
}

bool eng_next_event(struct eng *e, struct eng_event *ev)
{
    if (!e || !ev || e->ev_n == 0)
        return false;
    *ev = e->evq[e->ev_head];
    e->ev_head = (e->ev_head + 1) % EVQ_CAP;
    e->ev_n--;
    return true;
}

static void cue(struct eng *e, enum eng_sound sound, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cue(struct eng *e, enum eng_sound sound, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->cue, sizeof e->cue, fmt, ap);
    va_end(ap);
    e->cue_sound = sound;
    struct eng_event *ev = ev_push(e, ENG_EV_CUE);
    ev->sound = sound;
    snprintf(ev->text, sizeof ev->text, "%s", e->cue);
}

/* ---------------------------------------------------------------------------------------------- */
/* The pre-trigger window (a ring of the last seconds; named pre_ so it is never taken for drivers/ring.h) */
/* ---------------------------------------------------------------------------------------------- */

static void pre_clear(struct eng *e)
{
    e->ring_head = 0;
    e->ring_n = 0;
}

static void pre_push(struct eng *e, int64_t t, double f, uint16_t flags)
{
    size_t i = (e->ring_head + e->ring_n) % e->ring_cap;
    e->ring[i] = (struct raw){t, f, flags};
    if (e->ring_n < e->ring_cap)
        e->ring_n++;
    else
        e->ring_head = (e->ring_head + 1) % e->ring_cap;
}

static const struct raw *pre_at(const struct eng *e, size_t i)
{
    return &e->ring[(e->ring_head + i) % e->ring_cap];
}

/* ---------------------------------------------------------------------------------------------- */
/* Walking the protocol                                                                             */
/* ---------------------------------------------------------------------------------------------- */

static void set_cur(struct eng *e, int g, int b)
{
    e->cur_group = g;
    e->cur_block = b;
    int ch = channel_of(e, b);
    if (b >= 0 && ch != e->ring_ch) {
        pre_clear(e);
        e->ring_ch = ch;
    }
    make_label(e, b, e->label, sizeof e->label);
}

/* The block in group g whose turn it is, or -1 when the group needs no more reps. */
static int choose_in_group(const struct eng *e, int g)
{
    int n = e->plan.group_len[g];
    bool fam_phase = false;
    for (int k = 0; k < n; k++) {
        const struct blk *b = &e->blk[e->plan.group[g][k]];
        fam_phase |= !b->skipped && b->fam_done < e->def.familiarisation;
    }
    for (int k = 0; k < n; k++) {
        int p = (e->last_pos[g] + 1 + k) % n;
        int b = e->plan.group[g][p];
        const struct blk *bk = &e->blk[b];
        if (bk->skipped)
            continue;
        if (fam_phase ? bk->fam_done < e->def.familiarisation : bk->done < target_of(e, b))
            return b;
    }
    return -1;
}

static int first_open_group(const struct eng *e)
{
    for (int g = 0; g < e->plan.ngroups; g++)
        for (int k = 0; k < e->plan.group_len[g]; k++)
            if (!block_finished(e, e->plan.group[g][k]))
                return g;
    return -1;
}

static double block_cv(const struct blk *b)
{
    if (b->counted < 2)
        return NAN;
    double sum = 0;
    for (int i = 0; i < b->counted; i++)
        sum += b->peaks[i];
    double mean = sum / b->counted;
    if (!(mean > 0))
        return NAN;
    double ss = 0;
    for (int i = 0; i < b->counted; i++)
        ss += (b->peaks[i] - mean) * (b->peaks[i] - mean);
    return 100.0 * sqrt(ss / (b->counted - 1)) / mean;
}

/* Called after every change of block b's counters: grants the CV extra rep, or says the block is done. */
static void settle(struct eng *e, int b)
{
    struct blk *k = &e->blk[b];
    if (k->skipped) {
        if (!k->done_emitted) {
            k->done_emitted = true;
            struct eng_event *ev = ev_push(e, ENG_EV_BLOCK_DONE);
            ev->block = b;
            ev->count = k->counted;
            ev->skipped = true;
        }
        return;
    }
    if (k->fam_done < e->def.familiarisation || k->done < target_of(e, b)) {
        k->done_emitted = false; /* reopened by a redo: it will be done again */
        return;
    }
    double cv = block_cv(k);
    if (isfinite(cv) && cv > e->def.cv_limit_pct && k->extras < e->def.max_extra_reps) {
        k->extras++;
        k->done_emitted = false;
        struct eng_event *ev = ev_push(e, ENG_EV_EXTRA_REP);
        ev->block = b;
        ev->count = k->extras;
        snprintf(ev->text, sizeof ev->text, "Reps differ by more than %g %%: one more", e->def.cv_limit_pct);
        cue(e, ENG_SOUND_TICK, "Reps differ by more than %g %%: one more", e->def.cv_limit_pct);
        return;
    }
    if (!k->done_emitted) {
        k->done_emitted = true;
        struct eng_event *ev = ev_push(e, ENG_EV_BLOCK_DONE);
        ev->block = b;
        ev->count = k->counted;
    }
}

static void count_add(struct eng *e, int b, uint32_t seq, double peak)
{
    struct blk *k = &e->blk[b];
    if (k->counted < MAX_COUNT) {
        k->peaks[k->counted] = peak;
        k->seqs[k->counted] = seq;
        k->counted++;
        e->reps_counted++;
    }
}

static void count_remove(struct eng *e, int b, uint32_t seq)
{
    struct blk *k = &e->blk[b];
    for (int i = 0; i < k->counted; i++) {
        if (k->seqs[i] == seq) {
            memmove(&k->peaks[i], &k->peaks[i + 1], (size_t)(k->counted - i - 1) * sizeof k->peaks[0]);
            memmove(&k->seqs[i], &k->seqs[i + 1], (size_t)(k->counted - i - 1) * sizeof k->seqs[0]);
            k->counted--;
            e->reps_counted--;
            return;
        }
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* States                                                                                           */
/* ---------------------------------------------------------------------------------------------- */

static void run_timers(struct eng *e);
static void begin_rep(struct eng *e);

static void enter(struct eng *e, enum eng_state s)
{
    enum eng_state prev = e->state;
    e->state = s;
    e->state_t0 = e->now;
    e->deadline = NONE_NS;
    struct eng_event *ev = ev_push(e, ENG_EV_STATE);
    ev->state = s;
    ev->prev = prev;
    const char *fam = "";
    char famtxt[64] = "";
    if (e->cur_block >= 0 && e->blk[e->cur_block].fam_done < e->def.familiarisation &&
        !e->blk[e->cur_block].skipped) {
        snprintf(famtxt, sizeof famtxt, " (practice, about %g %% effort)", e->def.familiarisation_effort_pct);
        fam = famtxt;
    }
    switch (s) {
    case ENG_SETUP:
        cue(e, ENG_SOUND_NONE, "%s%s. Position: %s. Press START when the patient is ready.", e->label, fam,
            e->def.position);
        break;
    case ENG_TARE:
        e->tare_cnt = 0;
        e->tare_jump_since = -1;
        e->tare_entered = e->now;
        e->tare_last_sample = e->now;
        e->last_relax_cue = INT64_MIN / 2;
        e->last_nosample_cue = INT64_MIN / 2;
        cue(e, ENG_SOUND_NONE, "Taring: keep the leg relaxed");
        break;
    case ENG_COUNTDOWN:
        e->deadline = e->now + e->countdown_ns;
        e->countdown_shown = LONG_MAX;
        break;
    case ENG_ARMED:
        e->armed_ready = false;
        e->neg_since = -1;
        e->live_thr = e->def.onset_threshold_n;
        cue(e, ENG_SOUND_GO, "%s%s: push when ready", e->label, fam);
        break;
    case ENG_CONTRACTION:
        break;
    case ENG_REVIEW: {
        char fl[MET_FLAGS_WORDS_SIZE];
        met_flags_words(e->last.flags, fl, sizeof fl);
        if (!e->last.met.contraction)
            cue(e, ENG_SOUND_NONE, "No contraction was detected: %s. Redo or reject the repetition", fl);
        else
            cue(e, ENG_SOUND_NONE, "Check the repetition: %s. Accept, reject or redo it", fl);
        break;
    }
    case ENG_REST:
        e->rest_over_cued = false;
        e->deadline = (e->have_last ? e->last_end_t : e->now) + e->rest_ns;
        if (e->deadline > e->now)
            cue(e, ENG_SOUND_NONE, "Rest %.0f s", fmax(1, round(ns_to_s(e->deadline - e->now))));
        break;
    case ENG_NEXT_BLOCK:
        for (int c = 0; c < ST_MAX_CHANNELS; c++)
            e->tared[c] = false; /* a new position: tare again */
        if (e->cfg.mode == ENG_AUTO)
            e->deadline = (e->have_last ? e->last_end_t : e->now) + e->block_rest_ns;
        cue(e, ENG_SOUND_TICK, "Next: %s%s. Position: %s.%s", e->label, fam, e->def.position,
            e->cfg.mode == ENG_MANUAL ? " Press START when the patient is ready." : "");
        break;
    case ENG_PAUSED:
        cue(e, ENG_SOUND_NONE, "Paused");
        break;
    case ENG_DEVICE_LOST:
        break; /* the caller cues why */
    case ENG_COMPLETE:
        ev_push(e, ENG_EV_COMPLETE);
        cue(e, ENG_SOUND_DONE, "Test complete");
        break;
    case ENG_ABORTED:
        ev_push(e, ENG_EV_ABORTED);
        cue(e, ENG_SOUND_STOP, "Test stopped");
        break;
    default:
        break;
    }
}

/* After a rep ended or a decision: where to go now. */
static void advance(struct eng *e)
{
    int g = first_open_group(e);
    if (g < 0) {
        e->cur_block = -1;
        make_label(e, -1, e->label, sizeof e->label);
        enter(e, ENG_COMPLETE);
        return;
    }
    int b = choose_in_group(e, g);
    set_cur(e, g, b);
    bool same = e->have_last && e->group_of[e->last.block] == g;
    if (same) {
        if (e->state != ENG_REST)
            enter(e, ENG_REST);
    } else if (e->state != ENG_NEXT_BLOCK) {
        enter(e, ENG_NEXT_BLOCK);
    }
}

static void begin_rep(struct eng *e)
{
    int ch = channel_of(e, e->cur_block);
    if (e->lost[ch]) {
        enter(e, ENG_DEVICE_LOST);
        cue(e, ENG_SOUND_STOP, "The dynamometer was disconnected: check the cable.");
    } else if (!e->tared[ch]) {
        enter(e, ENG_TARE);
    } else if (e->cfg.mode == ENG_MANUAL) {
        enter(e, ENG_COUNTDOWN);
    } else {
        enter(e, ENG_ARMED);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* A repetition                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

static void buf_append(struct eng *e, int64_t t, double f_raw, uint16_t flags)
{
    if (e->buf_n == 0)
        e->rep_t0 = t;
    if (e->buf_n >= e->buf_cap) {
        e->rep.overflow++;
        return;
    }
    e->buf_t[e->cur_buf][e->buf_n] = ns_to_s(t - e->rep_t0);
    e->buf_f[e->cur_buf][e->buf_n] = f_raw - e->rep.tare_n;
    e->buf_n++;
    e->rep.sample_flags |= flags;
    if (flags & ST_SAMPLE_GAP)
        e->rep.gaps++;
}

/* Starts recording at t: manual at "Push!" (onset unknown), auto at the onset sample. */
static void start_rep(struct eng *e, int64_t t, bool onset)
{
    int b = e->cur_block;
    struct blk *k = &e->blk[b];
    const struct proto_block *pb = &e->def.blocks[b];
    e->cur_buf ^= 1;
    e->buf_n = 0;
    memset(&e->rep, 0, sizeof e->rep);
    struct eng_rep *r = &e->rep;
    r->seq = ++e->next_seq;
    r->block = b;
    r->dir = pb->dir;
    r->side = pb->side;
    r->channel = pb->channel;
    r->familiarisation = k->fam_done < e->def.familiarisation;
    r->effort_pct = r->familiarisation ? e->def.familiarisation_effort_pct : 100.0;
    r->index = r->familiarisation ? ++k->fam_attempts : ++k->attempts;
    r->extra = !r->familiarisation && k->done >= e->def.reps;
    r->status = ENG_REP_PENDING;
    r->tare_n = e->tare[pb->channel];
    r->lever_m = lever_of(e, b);
    r->body_mass_kg = positive(e->cfg.body_mass_kg) ? e->cfg.body_mass_kg : NAN;
    r->full_scale_n = positive(e->cfg.full_scale_n[pb->channel]) ? e->cfg.full_scale_n[pb->channel] : NAN;
    memset(&r->met, 0, sizeof r->met);

    /* the pre-trigger window, and (manual) the live threshold from its last 0.5 s */
    double sum = 0, sum2 = 0;
    long nb = 0;
    double latest = 0;
    /* Never reach back into the previous repetition: its recorded tail ends TAIL_NS after its
     * release. A patient who rested less than the baseline window gets a short, clean pre-trigger
     * window rather than one holding the last push (which would poison the baseline). */
    int64_t floor_t = t - PRE_NS;
    if (e->have_last && e->last.channel == pb->channel && e->last_end_t + TAIL_NS > floor_t)
        floor_t = e->last_end_t + TAIL_NS;
    if (e->zeroed_t[pb->channel] > floor_t)
        floor_t = e->zeroed_t[pb->channel];
    for (size_t i = 0; i < e->ring_n; i++) {
        const struct raw *s = pre_at(e, i);
        if (s->t < floor_t || s->t > t)
            continue;
        buf_append(e, s->t, s->f, s->flags);
        double tf = s->f - r->tare_n;
        latest = tf;
        if (s->t >= t - BASE_NS) {
            sum += tf;
            sum2 += tf * tf;
            nb++;
        }
    }
    /* A full ring that no longer reaches back to the window's start: the device is faster than the
     * buffers were sized for, and the first part of the pre-trigger second is gone. Say how much. */
    if (e->ring_n == e->ring_cap && e->ring_n > 1) {
        const struct raw *old = pre_at(e, 0), *new = pre_at(e, e->ring_n - 1);
        if (old->t > floor_t && new->t > old->t)
            r->pre_lost = (unsigned)llround((double)(old->t - floor_t) * (double)(e->ring_n - 1) /
                                            (double)(new->t - old->t));
    }
    e->push_t = t;
    e->released = e->below = e->relax_cued = false;
    e->end_reason = ENG_END_NONE;
    if (onset) {
        e->onset_seen = true;
        e->onset_t = t;
        e->end_t = t + e->hold_ns + TAIL_NS;
        e->end_reason = ENG_END_HOLD;
        e->live_thr = e->def.onset_threshold_n;
    } else {
        e->onset_seen = false;
        e->end_t = NONE_NS;
        double mu = latest, sd = 0;
        if (nb >= 3) {
            mu = sum / (double)nb;
            double var = (sum2 - (double)nb * mu * mu) / (double)(nb - 1);
            sd = var > 0 ? sqrt(var) : 0;
        }
        e->live_thr = mu + fmax(3 * sd, e->def.onset_threshold_n);
    }
    e->last_pos[e->group_of[b]] = e->pos_in_group[b];
    struct eng_event *ev = ev_push(e, ENG_EV_REP_STARTED);
    ev->block = b;
    ev->rep = *r;
    enter(e, ENG_CONTRACTION);
}

/* Ends the rep in progress: metrics, status, REP_ENDED, counters, and the next state (REVIEW, or the
 * walk on). For interruptions the caller picks the next state. */
static void end_rep(struct eng *e, enum eng_rep_end why)
{
    struct eng_rep *r = &e->rep;
    int b = r->block;
    struct blk *k = &e->blk[b];
    const double *t = e->buf_t[e->cur_buf], *f = e->buf_f[e->cur_buf];
    struct met_opts o = met_opts_default();
    o.full_scale_n = r->full_scale_n;
    o.body_mass_kg = r->body_mass_kg;
    o.lever_m = r->lever_m;
    o.min_threshold_n = e->def.onset_threshold_n;
    met_compute(t, f, e->buf_n, &o, &r->met, NULL); /* on failure (no samples) r->met is all NAN */
    if (r->sample_flags & ST_SAMPLE_SATURATED)
        r->met.flags |= MET_SATURATION;
    r->flags = r->met.flags;
    r->end = why;
    if (r->channel >= 0 && r->channel < ST_MAX_CHANNELS)
        e->not_kept[r->channel] += r->overflow + r->pre_lost;
    r->t_s = t;
    r->f_n = f;
    r->n = e->buf_n;
    r->t0_ns = e->buf_n ? e->rep_t0 : e->push_t;

    bool interrupted = why == ENG_END_DEVICE_LOST || why == ENG_END_PAUSED || why == ENG_END_SKIPPED ||
                       why == ENG_END_ABORTED;
    bool flagged = !r->met.contraction || r->flags != 0;
    enum { NEXT_NONE, NEXT_REVIEW, NEXT_ADVANCE } next = NEXT_ADVANCE;
    e->last_auto_rejected = false;
    e->last_granted_extra = false;
    bool grant = false;
    if (interrupted) {
        r->status = ENG_REP_INTERRUPTED;
        next = NEXT_NONE;
    } else if (r->familiarisation) {
        r->status = ENG_REP_ACCEPTED; /* recorded; never counts */
        k->fam_done++;
    } else if (flagged && e->cfg.mode == ENG_MANUAL) {
        r->status = ENG_REP_PENDING;
        next = NEXT_REVIEW;
    } else if (flagged) {
        r->status = ENG_REP_REJECTED;
        k->done++;
        e->last_auto_rejected = true;
        if (k->extras < e->def.max_extra_reps) {
            k->extras++;
            e->last_granted_extra = true;
            grant = true;
        }
    } else {
        r->status = ENG_REP_ACCEPTED;
        r->counts = true;
        k->done++;
        count_add(e, b, r->seq, r->met.peak_n);
    }
    e->have_last = true;
    e->last_decided = false;
    e->last_redone = false;
    e->last = *r;
    e->last.t_s = e->last.f_n = NULL;
    e->last.n = 0;
    /* The rest counts from the end of the effort (release, or the hold time), not from the end of the
     * recorded tail. */
    e->last_end_t = e->now;
    if (e->onset_seen && (why == ENG_END_RELEASE || why == ENG_END_HOLD) && e->end_t - TAIL_NS < e->now)
        e->last_end_t = e->end_t - TAIL_NS;
    struct eng_event *ev = ev_push(e, ENG_EV_REP_ENDED);
    ev->block = b;
    ev->rep = *r;
    e->rep_ended_now = true;
    if (grant) {
        char fl[MET_FLAGS_WORDS_SIZE];
        met_flags_words(r->flags, fl, sizeof fl);
        ev = ev_push(e, ENG_EV_EXTRA_REP);
        ev->block = b;
        ev->count = k->extras;
        snprintf(ev->text, sizeof ev->text, "The repetition was flagged: %s. One more", fl);
        cue(e, ENG_SOUND_TICK, "%s", ev->text);
    }
    if (next == NEXT_REVIEW) {
        enter(e, ENG_REVIEW);
    } else if (next == NEXT_ADVANCE) {
        settle(e, b);
        advance(e);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Samples and time                                                                                 */
/* ---------------------------------------------------------------------------------------------- */

static void tare_sample(struct eng *e, int64_t t, double f)
{
    e->tare_last_sample = t;
    if (e->tare_cnt == 0) {
        e->tare_start = t;
        e->tare_mean = 0;
        e->tare_m2 = 0;
    }
    e->tare_cnt++;
    double d = f - e->tare_mean;
    e->tare_mean += d / (double)e->tare_cnt;
    e->tare_m2 += d * (f - e->tare_mean);
    if (t - e->tare_start < TARE_NS)
        return;
    double sd = e->tare_cnt > 1 ? sqrt(e->tare_m2 / (double)(e->tare_cnt - 1)) : INFINITY;
    int ch = channel_of(e, e->cur_block);
    bool steady = e->tare_cnt >= TARE_MIN_SAMPLES && sd < TARE_SD_MAX_N;
    /* A steady window far above this channel's earlier zero is a patient holding a push (a plateau
     * can be steady too), not a leg at rest. Only a reading that stays there for a long while is
     * taken as a new preload (the gauge was remounted). */
    bool jump = steady && e->tare_known[ch] && e->tare_mean - e->tare[ch] > TARE_JUMP_N;
    if (jump) {
        if (e->tare_jump_since < 0)
            e->tare_jump_since = t;
        if (t - e->tare_jump_since < TARE_JUMP_ACCEPT_NS)
            steady = false;
    } else if (steady) {
        e->tare_jump_since = -1;
    }
    if (steady) {
        e->tare_jump_since = -1;
        e->tare[ch] = e->tare_mean;
        e->tared[ch] = true;
        e->tare_known[ch] = true;
        struct eng_event *ev = ev_push(e, ENG_EV_TARED);
        ev->channel = ch;
        ev->tare_n = e->tare_mean;
        begin_rep(e);
        return;
    }
    if (t - e->last_relax_cue >= RELAX_CUE_EVERY_NS) {
        e->last_relax_cue = t;
        if (jump)
            cue(e, ENG_SOUND_NONE, "Relax the leg: the dynamometer reads %.0f N more than at its last zero",
                e->tare_mean - e->tare[ch]);
        else
            cue(e, ENG_SOUND_NONE, "Relax the leg");
    }
    /* a new window starting with this sample */
    e->tare_cnt = 1;
    e->tare_start = t;
    e->tare_mean = f;
    e->tare_m2 = 0;
}

static void contraction_sample(struct eng *e, int64_t t, double f_raw, uint16_t flags)
{
    if (e->onset_seen && t > e->end_t) {
        end_rep(e, e->end_reason);
        return;
    }
    buf_append(e, t, f_raw, flags);
    double tf = f_raw - e->rep.tare_n;
    if (!e->onset_seen) {
        if (tf >= e->live_thr) {
            e->onset_seen = true;
            e->onset_t = t;
            e->end_t = t + e->hold_ns + TAIL_NS;
            e->end_reason = ENG_END_HOLD;
        }
        return;
    }
    if (e->released)
        return;
    if (tf < e->live_thr) {
        if (!e->below) {
            e->below = true;
            e->below_since = t;
        }
        if (t - e->below_since >= RELEASE_NS) {
            e->released = true;
            int64_t end = e->below_since + TAIL_NS;
            if (end < e->end_t) {
                e->end_t = end;
                e->end_reason = ENG_END_RELEASE;
            }
            if (t > e->end_t)
                end_rep(e, e->end_reason);
        }
    } else {
        e->below = false;
    }
}

/* A push far below zero (the tared force under -MET_OPPOSITE_N, the opposite-direction flag's
 * band) while a push is awaited or under way: the patient pushes the other way or, far more often,
 * the gauge is mounted to read pushes as negative. Say so at once rather than after the rep. */
static void opposite_check(struct eng *e, int64_t t, double tf)
{
    if (tf >= -MET_OPPOSITE_N)
        return;
    if (e->last_opposite_cue != INT64_MIN && t - e->last_opposite_cue < OPPOSITE_CUE_EVERY_NS)
        return;
    e->last_opposite_cue = t;
    cue(e, ENG_SOUND_NONE, "The gauge reads the push as negative: check its mounting, or use --invert");
}

static void run_timers(struct eng *e)
{
    for (int guard = 0; guard < 16; guard++) {
        enum eng_state before = e->state;
        int64_t now = e->now;
        switch (e->state) {
        case ENG_COUNTDOWN: {
            int64_t rem = e->deadline - now;
            if (rem <= 0) {
                bool fam = e->blk[e->cur_block].fam_done < e->def.familiarisation;
                if (fam)
                    cue(e, ENG_SOUND_GO, "Push! About %g %% effort", e->def.familiarisation_effort_pct);
                else
                    cue(e, ENG_SOUND_GO, "Push!");
                start_rep(e, now, false);
            } else {
                long k = (long)((rem + NS - 1) / NS);
                if (k < e->countdown_shown) {
                    e->countdown_shown = k;
                    cue(e, ENG_SOUND_TICK, "%ld", k);
                }
            }
            break;
        }
        case ENG_TARE:
            if (now - e->tare_last_sample >= NO_SAMPLES_NS && now - e->last_nosample_cue >= NO_SAMPLES_CUE_EVERY_NS) {
                e->last_nosample_cue = now;
                cue(e, ENG_SOUND_NONE, "No force readings from the dynamometer (channel %d): check the cable",
                    channel_of(e, e->cur_block));
            }
            break;
        case ENG_CONTRACTION:
            if (!e->onset_seen) {
                if (e->cfg.mode == ENG_MANUAL && now >= e->push_t + e->hold_ns + NO_ONSET_EXTRA_NS)
                    end_rep(e, ENG_END_NO_CONTRACTION);
                break;
            }
            if (!e->relax_cued && now >= e->onset_t + e->hold_ns) {
                e->relax_cued = true;
                cue(e, ENG_SOUND_STOP, "Relax");
            }
            if (now >= e->end_t + END_GRACE_NS)
                end_rep(e, e->end_reason);
            break;
        case ENG_REST:
            if (now >= e->deadline) {
                if (e->cfg.mode == ENG_AUTO) {
                    begin_rep(e);
                } else if (!e->rest_over_cued) {
                    e->rest_over_cued = true;
                    cue(e, ENG_SOUND_TICK, "Rest over: press START for the next repetition");
                }
            }
            break;
        case ENG_NEXT_BLOCK:
            if (e->cfg.mode == ENG_AUTO && now >= e->deadline)
                begin_rep(e);
            break;
        default:
            break;
        }
        if (e->state == before)
            return;
    }
}

static void set_now(struct eng *e, int64_t now)
{
    if (!e->have_now) {
        e->have_now = true;
        e->now = now;
        e->state_t0 = now;
        return;
    }
    if (now > e->now)
        e->now = now;
}

size_t eng_feed(struct eng *e, const struct st_sample *s, size_t n)
{
    if (!e || !s)
        return n;
    e->rep_ended_now = false;
    for (size_t i = 0; i < n; i++) {
        const struct st_sample *x = &s[i];
        unsigned ch = x->channel;
        if (ch >= ST_MAX_CHANNELS || !isfinite(x->force_n) || (e->have[ch] && x->t_ns <= e->last_t[ch])) {
            e->samples_rejected++;
            continue;
        }
        e->have[ch] = true;
        e->last_t[ch] = x->t_ns;
        if (x->flags & ST_SAMPLE_ZEROED)
            e->zeroed_t[ch] = x->t_ns;
        e->last_raw[ch] = x->force_n;
        set_now(e, x->t_ns);
        if ((int)ch != e->ring_ch || e->cur_block < 0)
            continue;
        pre_push(e, x->t_ns, x->force_n, x->flags);
        /* The device's own zero took effect after the software zero was taken (its answer came late:
         * a loaded machine, four channels): every raw value moved by the device's shift, so that
         * zero is no longer the leg at rest. Found by bench/soak: a zero of -79 N (the device's
         * earlier zero was on a push) stayed, rest then read +79 N and a hands-free session waited,
         * armed, for ever. Zero again, starting from this sample; nothing is measured yet here. */
        if ((x->flags & ST_SAMPLE_ZEROED) && (e->state == ENG_ARMED || e->state == ENG_COUNTDOWN) &&
            e->tared[ch]) {
            e->tared[ch] = false;
            e->tare_known[ch] = false; /* the old zero is on the device's old scale */
            cue(e, ENG_SOUND_NONE, "The dynamometer zeroed itself just now: zeroing again, keep the leg relaxed");
            enter(e, ENG_TARE);
        }
        if (e->state == ENG_ARMED || e->state == ENG_CONTRACTION)
            opposite_check(e, x->t_ns, x->force_n - e->tare[ch]);
        switch (e->state) {
        case ENG_TARE:
            if (x->flags & ST_SAMPLE_ZEROED)
                e->tare_cnt = 0; /* the device zeroed itself just now: start the window afresh */
            tare_sample(e, x->t_ns, x->force_n);
            break;
        case ENG_ARMED: {
            double tf = x->force_n - e->tare[ch];
            if (tf < -RETARE_NEG_N) {
                /* Far below zero and staying there: the leg was pushing when the zero was taken (it
                 * relaxed since). Zero again rather than measure every rep short by that much. */
                if (e->neg_since < 0)
                    e->neg_since = x->t_ns;
                if (x->t_ns - e->neg_since >= RETARE_NEG_NS) {
                    e->tared[ch] = false;
                    cue(e, ENG_SOUND_NONE, "The zero was taken while the leg pushed: zeroing again, keep the leg relaxed");
                    enter(e, ENG_TARE);
                    break;
                }
            } else {
                e->neg_since = -1;
            }
            if (tf < e->live_thr)
                e->armed_ready = true;
            else if (e->armed_ready)
                start_rep(e, x->t_ns, true);
            break;
        }
        case ENG_CONTRACTION:
            contraction_sample(e, x->t_ns, x->force_n, x->flags);
            break;
        default:
            break;
        }
        run_timers(e);
        /* A rep ended on this sample: stop here, so its trace (one of two buffers) is still intact
         * when the caller drains REP_ENDED. Fed on, a batch spanning two more reps would reuse it. */
        if (e->rep_ended_now)
            return i + 1;
    }
    return n;
}

/* Mirrors run_timers case by case: the earliest time at which one of its conditions turns true. A
 * deadline given too late would let the station sleep through a cue, so each case returns the exact
 * time its condition in run_timers compares against (test_engine checks every tick against it). */
int64_t eng_next_timer_ns(const struct eng *e)
{
    if (!e || !e->have_now)
        return e ? e->now : NONE_NS;
    switch (e->state) {
    case ENG_COUNTDOWN: {
        if (e->deadline == NONE_NS)
            return NONE_NS;
        /* the next whole second shown (ceil(rem / NS) below countdown_shown), then "Push!" */
        long next = e->countdown_shown - 1;
        if (next <= 0)
            return e->deadline;
        if (e->deadline - e->now < 0 || next > (e->deadline - e->now) / NS)
            return e->now; /* a number not shown yet is due now */
        return e->deadline - (int64_t)next * NS;
    }
    case ENG_TARE: {
        int64_t a = e->tare_last_sample + NO_SAMPLES_NS, b = e->last_nosample_cue + NO_SAMPLES_CUE_EVERY_NS;
        return a > b ? a : b;
    }
    case ENG_CONTRACTION: {
        if (!e->onset_seen)
            return e->cfg.mode == ENG_MANUAL ? e->push_t + e->hold_ns + NO_ONSET_EXTRA_NS : NONE_NS;
        int64_t t = e->end_t == NONE_NS ? NONE_NS : e->end_t + END_GRACE_NS;
        if (!e->relax_cued && e->onset_t + e->hold_ns < t)
            t = e->onset_t + e->hold_ns;
        return t;
    }
    case ENG_REST:
        return e->cfg.mode == ENG_AUTO || !e->rest_over_cued ? e->deadline : NONE_NS;
    case ENG_NEXT_BLOCK:
        return e->cfg.mode == ENG_AUTO ? e->deadline : NONE_NS;
    default:
        return NONE_NS;
    }
}

void eng_tick(struct eng *e, int64_t now_ns)
{
    if (!e)
        return;
    set_now(e, now_ns);
    run_timers(e);
}

/* ---------------------------------------------------------------------------------------------- */
/* Commands                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

static enum st_status refuse_common(const struct eng *e, const char *what, struct st_err *err)
{
    if (terminal(e->state))
        return st_err_set(err, ST_ERR_ARG, "The test is over: nothing to %s", what);
    if (e->state == ENG_PAUSED)
        return st_err_set(err, ST_ERR_ARG, "The test is paused: resume it first");
    if (rep_phase(e->state))
        return st_err_set(err, ST_ERR_ARG, "A repetition is in progress: wait for it to end, or pause");
    if (e->state == ENG_DEVICE_LOST)
        return st_err_set(err, ST_ERR_ARG, "The dynamometer is disconnected: check the cable first");
    return ST_OK;
}

static void decided(struct eng *e, enum eng_cmd how)
{
    struct eng_event *ev = ev_push(e, ENG_EV_REP_DECIDED);
    ev->block = e->last.block;
    ev->rep = e->last;
    ev->decision = how;
}

static enum st_status cmd_accept_late(struct eng *e, struct st_err *err);

static enum st_status cmd_decide(struct eng *e, enum eng_cmd cmd, struct st_err *err)
{
    const char *what = cmd == ENG_CMD_REDO ? "redo" : cmd == ENG_CMD_REJECT ? "reject" : "accept";
    if (cmd == ENG_CMD_ACCEPT && (e->state == ENG_REST || e->state == ENG_NEXT_BLOCK || e->state == ENG_TARE ||
                                  e->state == ENG_COUNTDOWN || e->state == ENG_ARMED))
        return cmd_accept_late(e, err);
    enum st_status s = refuse_common(e, what, err);
    if (s != ST_OK)
        return s;
    if (!e->have_last)
        return st_err_set(err, ST_ERR_ARG, "Nothing to %s yet", what);
    struct eng_rep *r = &e->last;
    struct blk *k = &e->blk[r->block];
    if (r->status == ENG_REP_INTERRUPTED)
        return st_err_set(err, ST_ERR_ARG, "The last repetition was interrupted: it is repeated anyway");
    if (e->state == ENG_REVIEW) {
        /* the pending rep */
        if (cmd == ENG_CMD_ACCEPT) {
            if (!r->met.contraction)
                return st_err_set(err, ST_ERR_ARG,
                                  "No contraction was detected in the last repetition: redo or reject it");
            r->status = ENG_REP_ACCEPTED;
            r->counts = true;
            k->done++;
            count_add(e, r->block, r->seq, r->met.peak_n);
        } else {
            r->status = ENG_REP_REJECTED;
            r->counts = false;
            e->last_decided = true;
            e->last_redone = cmd == ENG_CMD_REDO;
            if (cmd == ENG_CMD_REJECT)
                k->done++;
        }
        decided(e, cmd);
        settle(e, r->block);
        advance(e);
        return ST_OK;
    }
    if (e->state != ENG_REST && e->state != ENG_NEXT_BLOCK)
        return st_err_set(err, ST_ERR_ARG, "Nothing to %s yet", what);
    if (r->status != ENG_REP_ACCEPTED || e->last_decided)
        return st_err_set(err, ST_ERR_ARG, "The last repetition was rejected already");
    if (r->counts)
        count_remove(e, r->block, r->seq);
    if (cmd == ENG_CMD_REDO) {
        if (r->familiarisation)
            k->fam_done--;
        else
            k->done--;
    }
    r->status = ENG_REP_REJECTED;
    r->counts = false;
    e->last_decided = true;
    e->last_redone = cmd == ENG_CMD_REDO;
    decided(e, cmd);
    settle(e, r->block);
    advance(e);
    return ST_OK;
}

/*
 * ACCEPT on the last rep when it was flagged and rejected (by the engine in auto mode, or by the
 * therapist's REJECT or REDO), at any time before the next rep starts: while the engine waits (REST,
 * NEXT_BLOCK) and while the next rep is being prepared (TARE, COUNTDOWN, ARMED: nothing of it is
 * recorded yet). It counts; a replacement granted for it is taken back, a slot it gave back by REDO
 * is taken again. If the rep being prepared is then no longer owed, it is called off (the engine goes
 * where a decision in REST would have taken it).
 */
static enum st_status cmd_accept_late(struct eng *e, struct st_err *err)
{
    if (!e->have_last)
        return st_err_set(err, ST_ERR_ARG, "Nothing to accept yet");
    struct eng_rep *r = &e->last;
    struct blk *k = &e->blk[r->block];
    if (r->status == ENG_REP_ACCEPTED)
        return st_err_set(err, ST_ERR_ARG, "Nothing to accept: the last repetition counts already");
    if (r->status != ENG_REP_REJECTED || !r->flags || r->familiarisation || !r->met.contraction)
        return st_err_set(err, ST_ERR_ARG,
                          r->status == ENG_REP_INTERRUPTED ? "The last repetition was interrupted: it is repeated anyway"
                          : !r->met.contraction ? "No contraction was detected in the last repetition: it cannot count"
                                                : "Nothing to accept: the last repetition was not flagged");
    r->status = ENG_REP_ACCEPTED;
    r->counts = true;
    count_add(e, r->block, r->seq, r->met.peak_n);
    if (e->last_auto_rejected && e->last_granted_extra)
        k->extras--;
    if (e->last_decided && e->last_redone)
        k->done++;
    e->last_auto_rejected = e->last_granted_extra = e->last_decided = e->last_redone = false;
    decided(e, ENG_CMD_ACCEPT);
    settle(e, r->block);
    bool preparing = e->state == ENG_TARE || e->state == ENG_COUNTDOWN || e->state == ENG_ARMED;
    if (!preparing || e->cur_block < 0 || block_finished(e, e->cur_block) ||
        first_open_group(e) != e->group_of[e->cur_block])
        advance(e);
    return ST_OK;
}

static void resume(struct eng *e)
{
    int64_t dt = e->now - e->pause_t;
    enum eng_state to = e->paused_from;
    int ch = channel_of(e, e->cur_block);
    switch (to) {
    case ENG_REST:
    case ENG_NEXT_BLOCK:
        e->last_end_t += dt;
        e->state = to; /* no enter(): keep the frozen timers, shifted by the pause */
        {
            struct eng_event *ev = ev_push(e, ENG_EV_STATE);
            ev->state = to;
            ev->prev = ENG_PAUSED;
        }
        e->state_t0 = e->paused_t0 + dt;
        e->deadline = e->paused_deadline == NONE_NS ? NONE_NS : e->paused_deadline + dt;
        e->rest_over_cued = false;
        cue(e, ENG_SOUND_NONE, "Resumed");
        break;
    case ENG_SETUP:
    case ENG_REVIEW:
        enter(e, to);
        break;
    default: /* a rep phase or DEVICE_LOST: start that rep again */
        if (e->lost[ch]) {
            enter(e, ENG_DEVICE_LOST);
            cue(e, ENG_SOUND_STOP, "The dynamometer was disconnected: check the cable.");
        } else if (e->cfg.mode == ENG_MANUAL) {
            e->last_end_t = e->now - e->rest_ns; /* no rest owed: wait for START */
            enter(e, ENG_REST);
        } else {
            begin_rep(e);
        }
        break;
    }
}

enum st_status eng_command(struct eng *e, enum eng_cmd cmd, int64_t now_ns, struct st_err *err)
{
    if (!e)
        return st_err_set(err, ST_ERR_ARG, "No test is running");
    set_now(e, now_ns);
    run_timers(e);
    enum st_status s = ST_OK;
    switch (cmd) {
    case ENG_CMD_START:
        switch (e->state) {
        case ENG_SETUP:
        case ENG_NEXT_BLOCK:
            begin_rep(e);
            break;
        case ENG_REST:
            if (e->cfg.mode == ENG_AUTO)
                s = st_err_set(err, ST_ERR_ARG, "Hands-free mode: the next repetition starts by itself after the rest");
            else if (e->now < e->deadline)
                s = st_err_set(err, ST_ERR_ARG, "Rest: %.0f s left before the next repetition",
                               ceil(ns_to_s(e->deadline - e->now)));
            else
                begin_rep(e);
            break;
        case ENG_REVIEW:
            s = st_err_set(err, ST_ERR_ARG, "Accept, reject or redo the last repetition first");
            break;
        default:
            s = refuse_common(e, "start", err);
            if (s == ST_OK)
                s = st_err_set(err, ST_ERR_ARG, "Nothing to start now");
            break;
        }
        break;
    case ENG_CMD_REDO:
    case ENG_CMD_REJECT:
    case ENG_CMD_ACCEPT:
        s = cmd_decide(e, cmd, err);
        break;
    case ENG_CMD_SKIP_BLOCK:
        if (terminal(e->state))
            s = st_err_set(err, ST_ERR_ARG, "The test is over: nothing to skip");
        else if (e->state == ENG_PAUSED)
            s = st_err_set(err, ST_ERR_ARG, "The test is paused: resume it first");
        else if (e->state == ENG_REVIEW)
            s = st_err_set(err, ST_ERR_ARG, "Accept, reject or redo the last repetition first");
        else if (e->cur_block < 0)
            s = st_err_set(err, ST_ERR_ARG, "No block to skip");
        else {
            int b = e->cur_block;
            if (e->state == ENG_CONTRACTION)
                end_rep(e, ENG_END_SKIPPED);
            e->blk[b].skipped = true;
            cue(e, ENG_SOUND_NONE, "Block skipped: %s", e->label);
            settle(e, b);
            advance(e);
        }
        break;
    case ENG_CMD_PAUSE:
        if (terminal(e->state))
            s = st_err_set(err, ST_ERR_ARG, "The test is over: nothing to pause");
        else if (e->state == ENG_PAUSED)
            s = st_err_set(err, ST_ERR_ARG, "The test is paused already");
        else {
            e->paused_from = e->state;
            e->paused_t0 = e->state_t0;
            e->paused_deadline = e->deadline;
            e->pause_t = e->now;
            if (e->state == ENG_CONTRACTION)
                end_rep(e, ENG_END_PAUSED);
            enter(e, ENG_PAUSED);
        }
        break;
    case ENG_CMD_RESUME:
        if (e->state != ENG_PAUSED)
            s = st_err_set(err, ST_ERR_ARG, "The test is not paused");
        else
            resume(e);
        break;
    case ENG_CMD_ABORT:
        if (terminal(e->state))
            s = st_err_set(err, ST_ERR_ARG, "The test is over already");
        else {
            if (e->state == ENG_CONTRACTION)
                end_rep(e, ENG_END_ABORTED);
            enter(e, ENG_ABORTED);
        }
        break;
    default:
        s = st_err_set(err, ST_ERR_ARG, "Unknown command");
        break;
    }
    run_timers(e);
    return s;
}

/* ---------------------------------------------------------------------------------------------- */
/* Devices                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

void eng_device_lost(struct eng *e, int channel, int64_t now_ns)
{
    if (!e || channel < 0 || channel >= ST_MAX_CHANNELS)
        return;
    set_now(e, now_ns);
    run_timers(e);
    if (e->lost[channel])
        return;
    e->lost[channel] = true;
    e->tared[channel] = false;
    if (channel == e->ring_ch)
        pre_clear(e);
    bool current = e->cur_block >= 0 && channel_of(e, e->cur_block) == channel;
    if (current && rep_phase(e->state)) {
        bool rep = e->state == ENG_CONTRACTION;
        if (rep)
            end_rep(e, ENG_END_DEVICE_LOST);
        enter(e, ENG_DEVICE_LOST);
        cue(e, ENG_SOUND_STOP, "The dynamometer was disconnected: check the cable.%s",
            rep ? " This repetition will be repeated." : "");
    } else if (!terminal(e->state)) {
        cue(e, ENG_SOUND_STOP, "The dynamometer on channel %d was disconnected: check the cable.", channel);
    }
    run_timers(e);
}

void eng_device_back(struct eng *e, int channel, int64_t now_ns)
{
    if (!e || channel < 0 || channel >= ST_MAX_CHANNELS)
        return;
    set_now(e, now_ns);
    run_timers(e);
    if (!e->lost[channel])
        return;
    e->lost[channel] = false;
    e->tared[channel] = false;
    if (channel == e->ring_ch)
        pre_clear(e);
    if (e->state == ENG_DEVICE_LOST && channel_of(e, e->cur_block) == channel) {
        cue(e, ENG_SOUND_TICK, "The dynamometer is back: relax the leg for the tare");
        begin_rep(e);
    } else if (!terminal(e->state)) {
        cue(e, ENG_SOUND_NONE, "The dynamometer on channel %d is back", channel);
    }
    run_timers(e);
}

/* ---------------------------------------------------------------------------------------------- */
/* Life cycle and views                                                                             */
/* ---------------------------------------------------------------------------------------------- */

enum st_status eng_new(const struct proto_def *def, const struct eng_config *cfg, struct eng **out,
                       struct st_err *err)
{
    if (out)
        *out = NULL;
    if (!def || !out)
        return st_err_set(err, ST_ERR_ARG, "eng_new: no protocol");
    struct eng_config c = cfg ? *cfg : eng_config_default();
    enum st_status s = proto_check_overrides(c.reps, c.hold_s, c.rest_s, c.countdown_s, err);
    if (s != ST_OK)
        return s;
    if (!(c.max_rate_hz > 0) || !isfinite(c.max_rate_hz))
        c.max_rate_hz = 2000;
    if (c.max_rate_hz > ENG_MAX_RATE_HZ)
        c.max_rate_hz = ENG_MAX_RATE_HZ;
    if (c.mode != ENG_MANUAL && c.mode != ENG_AUTO)
        return st_err_set(err, ST_ERR_ARG, "eng_new: unknown mode");

    struct eng *e = calloc(1, sizeof *e);
    if (!e)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    e->def = *def;
    e->tare_jump_since = -1;
    e->last_opposite_cue = INT64_MIN;
    for (int ch = 0; ch < ST_MAX_CHANNELS; ch++)
        e->zeroed_t[ch] = INT64_MIN;
    e->def.text = NULL;
    e->def.text_len = 0;
    if (c.reps >= 0)
        e->def.reps = c.reps;
    if (c.hold_s >= 0)
        e->def.hold_s = c.hold_s;
    if (c.rest_s >= 0)
        e->def.rest_s = c.rest_s;
    if (c.countdown_s >= 0)
        e->def.countdown_s = c.countdown_s;
    e->cfg = c;
    s = proto_plan_make(&e->def, proto_seed_resolve(&e->def, c.seed), &e->plan, err);
    if (s != ST_OK) {
        free(e);
        return s;
    }
    for (int g = 0; g < e->plan.ngroups; g++) {
        e->last_pos[g] = -1;
        for (int k = 0; k < e->plan.group_len[g]; k++) {
            e->group_of[e->plan.group[g][k]] = g;
            e->pos_in_group[e->plan.group[g][k]] = k;
        }
    }
    for (int i = 0; i < e->plan.norder; i++)
        e->pos_in_order[e->plan.order[i]] = i;
    e->hold_ns = s_to_ns(e->def.hold_s);
    e->rest_ns = s_to_ns(e->def.rest_s);
    e->block_rest_ns = s_to_ns(e->def.block_rest_s);
    e->countdown_ns = s_to_ns(e->def.countdown_s);

    e->evq = malloc(EVQ_CAP * sizeof *e->evq);
    if (!e->evq || eng_resize(e, c.max_rate_hz, err) != ST_OK) {
        eng_free(e);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    e->ring_ch = -1;
    e->state = ENG_SETUP;
    e->paused_from = ENG_SETUP;
    e->deadline = NONE_NS;
    int g = first_open_group(e);
    set_cur(e, g, choose_in_group(e, g));
    enter(e, ENG_SETUP);
    *out = e;
    return ST_OK;
}

enum st_status eng_resize(struct eng *e, double max_rate_hz, struct st_err *err)
{
    if (!e || !(max_rate_hz > 0) || !isfinite(max_rate_hz))
        return st_err_set(err, ST_ERR_ARG, "eng_resize: no engine, or a rate that is not a positive number");
    if (max_rate_hz > ENG_MAX_RATE_HZ)
        max_rate_hz = ENG_MAX_RATE_HZ;
    if (max_rate_hz <= e->sized_rate_hz)
        return ST_OK;
    /* The longest rep: the pre-trigger second, a manual wait for onset (hold + 5 s), the hold, the
     * tail and the grace, with a quarter more for rates above the one asked for. */
    double longest_s = ns_to_s(PRE_NS + e->hold_ns + NO_ONSET_EXTRA_NS + e->hold_ns + TAIL_NS + END_GRACE_NS);
    size_t buf_cap = (size_t)ceil(longest_s * max_rate_hz * 1.25) + 64;
    size_t ring_cap = (size_t)ceil(ns_to_s(PRE_NS) * max_rate_hz * 1.25) + 64;
    double *bt[2], *bf[2];
    for (int i = 0; i < 2; i++) {
        bt[i] = malloc(buf_cap * sizeof(double));
        bf[i] = malloc(buf_cap * sizeof(double));
    }
    struct raw *ring = malloc(ring_cap * sizeof *ring);
    if (!bt[0] || !bt[1] || !bf[0] || !bf[1] || !ring) {
        for (int i = 0; i < 2; i++) {
            free(bt[i]);
            free(bf[i]);
        }
        free(ring);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    /* Keep what is recording (a rep in progress) and the pre-trigger window, oldest first. */
    if (e->buf_n) {
        memcpy(bt[e->cur_buf], e->buf_t[e->cur_buf], e->buf_n * sizeof(double));
        memcpy(bf[e->cur_buf], e->buf_f[e->cur_buf], e->buf_n * sizeof(double));
    }
    for (size_t i = 0; i < e->ring_n; i++)
        ring[i] = *pre_at(e, i);
    for (int i = 0; i < 2; i++) {
        free(e->buf_t[i]);
        free(e->buf_f[i]);
        e->buf_t[i] = bt[i];
        e->buf_f[i] = bf[i];
    }
    free(e->ring);
    e->ring = ring;
    e->ring_head = 0;
    e->buf_cap = buf_cap;
    e->ring_cap = ring_cap;
    e->sized_rate_hz = max_rate_hz;
    return ST_OK;
}

void eng_free(struct eng *e)
{
    if (!e)
        return;
    for (int i = 0; i < 2; i++) {
        free(e->buf_t[i]);
        free(e->buf_f[i]);
    }
    free(e->ring);
    free(e->evq);
    free(e);
}

void eng_view(const struct eng *e, struct eng_view *v)
{
    if (!v)
        return;
    memset(v, 0, sizeof *v);
    if (!e)
        return;
    v->state = e->state;
    v->paused_from = e->paused_from;
    /* the rate on the current block's channel, from the pre-trigger ring (its last second at most) */
    v->rate_hz = NAN;
    if (e->ring_n > 1) {
        int64_t span = pre_at(e, e->ring_n - 1)->t - pre_at(e, 0)->t;
        if (span >= NS / 5)
            v->rate_hz = (double)(e->ring_n - 1) / ns_to_s(span);
    }
    v->sized_rate_hz = e->sized_rate_hz;
    for (int ch = 0; ch < ST_MAX_CHANNELS; ch++)
        v->samples_not_kept[ch] = e->not_kept[ch];
    v->mode = e->cfg.mode;
    v->block = e->cur_block;
    v->nblocks = e->def.nblocks;
    v->title = e->def.title;
    v->position = e->def.position;
    v->block_label = e->label;
    v->elapsed_s = ns_to_s(e->now - e->state_t0);
    v->remaining_s = NAN;
    v->force_n = NAN;
    v->threshold_n = NAN;
    v->block_best_n = NAN;
    v->last_peak_n = NAN;
    v->effort_pct = 100;
    int b = e->cur_block;
    if (b >= 0) {
        const struct blk *k = &e->blk[b];
        v->block_pos = e->pos_in_order[b] + 1;
        v->dir = e->def.blocks[b].dir;
        v->side = e->def.blocks[b].side;
        int ch = v->channel = e->def.blocks[b].channel;
        bool in_rep = e->state == ENG_CONTRACTION;
        v->familiarisation = in_rep ? e->rep.familiarisation : k->fam_done < e->def.familiarisation;
        v->fam_reps = e->def.familiarisation;
        v->reps = target_of(e, b);
        if (v->familiarisation) {
            v->fam_rep = k->fam_done + 1;
            v->effort_pct = e->def.familiarisation_effort_pct;
        } else {
            v->rep = k->done + 1 > v->reps ? v->reps : k->done + 1;
        }
        if (e->have[ch])
            v->force_n = e->last_raw[ch] - e->tare[ch];
        v->tare_n = e->tare[ch];
        v->tared = e->tared[ch];
        v->device_lost = e->lost[ch];
        for (int i = 0; i < k->counted; i++)
            if (isnan(v->block_best_n) || k->peaks[i] > v->block_best_n)
                v->block_best_n = k->peaks[i];
    }
    if (e->state == ENG_ARMED || e->state == ENG_CONTRACTION)
        v->threshold_n = e->live_thr;
    switch (e->state) {
    case ENG_COUNTDOWN:
    case ENG_REST:
    case ENG_NEXT_BLOCK:
        if (e->deadline != NONE_NS)
            v->remaining_s = fmax(0, ns_to_s(e->deadline - e->now));
        break;
    case ENG_CONTRACTION:
        if (e->onset_seen)
            v->remaining_s = fmax(0, ns_to_s(e->onset_t + e->hold_ns - e->now));
        break;
    default:
        break;
    }
    v->have_last = e->have_last;
    if (e->have_last) {
        v->last_seq = e->last.seq;
        v->last_peak_n = e->last.met.contraction ? e->last.met.peak_n : NAN;
        v->last_flags = e->last.flags;
        v->last_status = e->last.status;
    }
    v->cue = e->cue;
    v->cue_sound = e->cue_sound;
    v->seed = e->plan.seed;
    v->reps_counted = e->reps_counted;
    v->events_dropped = e->ev_dropped;
    v->samples_rejected = e->samples_rejected;
}

void eng_balance(const struct eng *e, struct bal_result *out)
{
    if (!out)
        return;
    struct bal_rep reps[PROTO_MAX_BLOCKS * MAX_COUNT];
    size_t n = 0;
    struct bal_params p = bal_params_default();
    if (e) {
        for (int b = 0; b < e->def.nblocks; b++) {
            for (int i = 0; i < e->blk[b].counted; i++) {
                reps[n++] = (struct bal_rep){.dir = e->def.blocks[b].dir,
                                             .side = e->def.blocks[b].side,
                                             .peak_n = e->blk[b].peaks[i],
                                             .lever_m = lever_of(e, b),
                                             .counts = true};
            }
        }
        p.body_mass_kg = e->cfg.body_mass_kg;
        p.leg_length_m = e->cfg.leg_length_m;
        p.gravity_correction = e->def.gravity_correction;
        p.ratio_red = e->def.ratio_red;
        p.ratio_amber = e->def.ratio_amber;
        p.asym_amber = e->def.asymmetry_amber_pct;
        p.asym_red = e->def.asymmetry_red_pct;
        p.cv_limit_pct = e->def.cv_limit_pct;
    }
    bal_compute(reps, n, &p, out);
}

const struct proto_def *eng_protocol(const struct eng *e)
{
    return e ? &e->def : NULL;
}

const struct proto_plan *eng_plan(const struct eng *e)
{
    return e ? &e->plan : NULL;
}
