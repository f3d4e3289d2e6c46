/*
 * session.c - the station's main loop for one session; see session.h.
 *
 * Why the loop is shaped this way: the engine's rep trace is only valid until the next engine call, so
 * events are handled right after every eng_feed / eng_tick / eng_command; a repetition is committed to
 * the database inside that handling, before the screen or the terminal says "saved"; the UI and the
 * terminal only read a model filled from the engine's view, so the same session runs with or without
 * a display. Samples are fed by whichever thread holds the session's lock: the loop in its turn, or
 * the acquisition thread that read them while the loop sleeps (feed_from_reader), which stops at the
 * engine's first event: events and all they do (the database, SDL, the terminal), keys, eng_tick and
 * the observer stay on the loop's thread.
 */
#include "station/session.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/cpu_mark.h"
#include "common/log.h"
#include "common/wake.h"
#include "drivers/acq.h"
#include "drivers/emu.h"
#include "protocols/engine.h"
#include "protocols/protocol.h"
#include "station/config.h"
#include "station/paths.h"
#include "station/protocol_files.h"
#include "station/export/rep_json.h"
#include "station/export/report.h"
#include "station/store/store.h"
#include "station/sync/sync.h"
#include "station/ui/ui.h"

volatile sig_atomic_t session_interrupted;

/* The descriptor session_interrupt writes so a loop asleep in poll() wakes whichever thread the signal
 * was delivered to. Made once by the first session and kept for the process's life: a handler never
 * writes to a descriptor that was closed and perhaps reused (a database file). */
static volatile int interrupt_fd = -1;

void session_interrupt(void)
{
    session_interrupted = 1;
    int fd = interrupt_fd;
    if (fd >= 0) {
        uint64_t one = 1;
        ssize_t r = write(fd, &one, sizeof one);
        (void)r;
    }
}

#define RING_CAP 65536u       /* 30 s at 2 kHz: the loop may stall on an fsync without losing data */
#define TRACE_CAP 24000u      /* 12 s at 2 kHz on screen */
#define BATCH 4096
#define MAX_RECS 4096
#define FRAME_NS (16 * ST_NS_PER_MS) /* with a window whose display does not say its refresh interval */

struct chan {
    struct st_ring ring;
    struct st_sample *buf;
    struct acq *acq;
    struct acq_status st;
    uint64_t seen_seq;
    uint64_t seen_news;          /* acq_news when st was last copied (poll_devices) */
    uint64_t seen_zero_failures; /* acq_status.zero_failures already said and recorded */
    bool by_port;                /* the device is known by its port only (identity.h) */
    char lost_said[384];         /* the loss message said last (a new one while lost is said too) */
    bool lost;
    double tare_n;
    bool tared;
    double *tt, *tf;
    struct ui_trace trace;
    int64_t device_id;
    char calib_warning[128];
};

#define REP_CAP 32768u  /* the rep in view: 16 s at 2 kHz (the ring keeps its newest points) */
#define EARLY_CAP 4096u /* each earlier rep of the block, thinned to at most this many points */

/* The therapist's rep view (ui.h struct ui_live): the rep in view and the block's earlier reps. */
struct repview {
    double *t, *f;    /* storage of cur */
    struct ui_trace cur; /* the rep under way (live samples), then the engine's whole trace once it ended */
    double onset_s;   /* cur's onset on the session's time scale; NAN until seen */
    int block;        /* the protocol block of cur */
    int channel;
    bool recording;   /* between REP_STARTED and REP_ENDED */
    double *et, *ef;  /* storage of the earlier reps: UI_MAX_REPS slots of EARLY_CAP points */
    struct ui_trace earlier[UI_MAX_REPS]; /* times from their onset */
    int n_earlier, oldest;
};

struct rec {
    uint32_t seq;
    int64_t rep_id;
    char uuid[STORE_UUID_SIZE]; /* made here, so a decision finds the rep even while it waits */
    int block;
    int index;
    bool familiarisation;
    double peak_n;
    unsigned flags;
    enum eng_rep_status status;
    bool counts;   /* enters the block best and the balance, exactly as written to the store */
    enum st_dir dir;
    enum st_side side;
    double lever_m;
    bool replaced; /* an extra rep was granted because of it */
    bool redone;   /* rejected by REDO: measured again, so it took no slot of its block */
    bool saved;
    int pain;      /* entered with N (store_rep_annotate); -1 none */
    char note[512];
};

struct sess {
    const struct session_opts *o;
    FILE *out;
    struct store *store;
    struct eng *eng;
    struct ui *ui;
    struct ui_model model;
    struct chan ch[ST_MAX_CHANNELS];
    int n_ch;
    int64_t session_id, therapist_id, patient_id;
    struct proto_def proto;
    bool proto_loaded;
    struct rec *recs;
    size_t n_recs;
    int64_t t0_ns;
    bool interactive;  /* keys come from stdin (headless) */
    bool stdin_open;
    char inbuf[256];
    size_t inlen;
    bool prompted;
    bool abort_asked; /* the terminal's q was typed once (asked twice, as in the window) */
    bool reject_asked; /* X was pressed on a rep whose rejection leaves its block short: asked first */
    int extras[PROTO_MAX_BLOCKS]; /* extra reps granted per block (EXTRA_REP) */
    char alert[192];
    bool finished;
    bool aborted;
    unsigned events_dropped; /* engine events lost so far (eng_view), already recorded and said */
    bool rate_fit_failed;    /* eng_resize could not have the memory: do not ask every frame */
    struct eng_view last_view; /* the last view with a block, for the screen after the end */
    bool have_last_view;
    bool model_due;     /* a rep ended or was decided: the observer (tests) sees the next model */
    bool shot_due;      /* STATION_SCREENSHOT_DIR: save the views after the next frame */
    int64_t cue_at_ns;  /* demo: when the simulated patient pushes */
    struct emu *cue_emu; /* demo: on which channel's emulator */
    double cue_peak_n;
    char notice[160];         /* news for the screen: a skipped block, an extra rep */
    enum eng_state cue_state; /* the state the engine's latest cue was given in */
    bool rep_onset;           /* the rep under way has crossed its threshold (the cue turns to "Hold") */
    struct bal_params bal_params; /* the store's parameters for this session (store_session_bal_params) */
    struct ui_final final;    /* the previous session's balance, read once at the start */
    char db_path[1024];       /* the database's file (the final screen's report goes beside it) */
    int pause_said_s;   /* the terminal's countdown of the pause between blocks: the last second said */
    struct repview rv;
    struct ui_entry entry; /* N: the pain and notes being typed (the screen draws it) */
    uint32_t entry_seq;    /* the rep they are for; 0: none (only the session's note) */
    struct st_wake wake;   /* the acquisition threads wake the loop through it (sleep_until) */
    bool stdin_ready;      /* the loop's last poll found the terminal readable (or it has not slept yet) */
    /* Who feeds the engine (feed_from_reader): mu is over everything above and below that the loop
     * touches; the loop holds it for its whole turn and lets go only while it sleeps, an acquisition
     * thread holds it while it feeds what it read. The fields below are under mu too. */
    pthread_mutex_t mu;
    bool feeding;          /* the loop runs: a reader that gets mu feeds; before and after, it only wakes */
    int64_t sleep_to;      /* the deadline the loop sleeps to (a reader that brings one earlier wakes it) */
    /* A reader stops feeding at the engine's first event and leaves it to the loop with the batch it
     * was feeding (batch[carry_done..carry_n) not fed yet, of channel carry_ch): finish_carry. */
    struct eng_event held;
    bool have_held;
    size_t carry_n, carry_done; /* carry_n 0: no batch waits */
    int carry_ch;
    struct st_sample batch[BATCH];
};

struct session_opts session_opts_default(void)
{
    struct session_opts o;
    memset(&o, 0, sizeof o);
    o.reps = -1;
    o.hold_s = o.rest_s = o.countdown_s = o.block_rest_s = -1;
    o.lever_m = -1;
    o.demo_reaction_s = 0.3;
    return o;
}

static void say(struct sess *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sess *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(s->out, fmt, ap);
    va_end(ap);
    fputc('\n', s->out);
    fflush(s->out);
}

/* Without a window the terminal counts down the pause between blocks (the window shows its clock):
 * the length when it starts, every 10 s, and each of the last 5 s. */
static void terminal_pause(struct sess *s)
{
    struct eng_view v;
    eng_view(s->eng, &v);
    if (v.state != ENG_NEXT_BLOCK || !isfinite(v.remaining_s)) {
        s->pause_said_s = 0;
        return;
    }
    int left = (int)ceil(v.remaining_s);
    if (left <= 0 || left == s->pause_said_s)
        return;
    if (s->pause_said_s == 0 || left <= 5 || left % 10 == 0)
        say(s, "  Next block in %d s", left);
    s->pause_said_s = left;
}

static struct rec *rec_find(struct sess *s, uint32_t seq)
{
    for (size_t i = s->n_recs; i-- > 0;)
        if (s->recs[i].seq == seq)
            return &s->recs[i];
    return NULL;
}

static const char *fmt_n(double v, char *buf, size_t size)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.1f N", v);
    return buf;
}

/* ---- saving ------------------------------------------------------------------------------- */

static void record(struct sess *s, int64_t t_ns, const char *kind, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void save_rep(struct sess *s, const struct eng_rep *r)
{
    struct store_rep sr;
    store_rep_init(&sr);
    sr.sequence = (int)r->seq;
    sr.block_index = r->block;
    sr.index_in_block = r->index;
    sr.dir = r->dir;
    sr.side = r->side;
    sr.familiarisation = r->familiarisation;
    sr.status = (enum store_rep_status)r->status; /* the enums match by design (engine.h) */
    sr.counts = r->counts;
    sr.m = r->met;
    sr.m.flags = r->flags;
    sr.lever_m = r->lever_m;
    sr.body_mass_kg = r->body_mass_kg;
    sr.tare_n = r->tare_n;
    sr.samples_rate_hz = r->met.sample_rate_hz;
    sr.samples_drops = (int64_t)r->overflow + (int64_t)r->pre_lost + (int64_t)r->gaps;
    /* What the patient saw while pushing (feedback changes force): the protocol's patient view, or none
     * without one (no window, or the view switched off with V) */
    snprintf(sr.feedback, sizeof sr.feedback, "%s",
             s->ui && ui_view_shown(s->ui, UI_VIEW_PATIENT) ? proto_feedback_name(s->proto.feedback) : "none");
    store_uuid_new(sr.uuid);
    if (r->overflow || r->pre_lost) {
        record(s, st_now_ns(), "samples_not_kept", NULL, "rep %u: %u sample(s) before the push, %u after",
               r->seq, r->pre_lost, r->overflow);
        say(s, "  ! %u sample(s) of this repetition were not kept: the dynamometer sends faster than expected",
            r->pre_lost + r->overflow);
    }
    struct rec *rc = NULL;
    if (s->n_recs < MAX_RECS) {
        rc = &s->recs[s->n_recs++];
        memset(rc, 0, sizeof *rc);
        rc->seq = r->seq;
        rc->block = r->block;
        rc->index = r->index;
        rc->familiarisation = r->familiarisation;
        rc->peak_n = r->met.peak_n;
        rc->flags = r->flags;
        rc->status = r->status;
        rc->counts = r->counts;
        rc->dir = r->dir;
        rc->side = r->side;
        rc->lever_m = r->lever_m;
        rc->pain = -1;
        memcpy(rc->uuid, sr.uuid, sizeof rc->uuid);
    }
    struct st_err err;
    st_err_clear(&err);
    int64_t id = 0;
    enum st_status st = store_rep_add(s->store, s->session_id, &sr, r->t_s, r->f_n, r->n, &id, &err);
    char pk[32];
    char flags[128] = "";
    if (r->flags)
        met_flags_str(r->flags, ", ", flags, sizeof flags);
    const char *kind = r->familiarisation ? "Practice rep" : "Rep";
    struct eng_view v; /* numbered as on the screen: "Rep 2 of 3", an extra one beyond the plan said so */
    eng_view(s->eng, &v);
    int planned = r->familiarisation ? v.fam_reps : v.reps;
    if (!r->familiarisation) /* the plan, not the extra reps the engine has added to it by now */
        planned = s->o->reps > 0 ? s->o->reps : s->proto.reps;
    char num[48];
    if (r->extra || r->index > planned)
        snprintf(num, sizeof num, "%d (extra)", r->index);
    else
        snprintf(num, sizeof num, "%d of %d", r->index, planned);
    if (st == ST_OK) {
        if (rc) {
            rc->rep_id = id;
            rc->saved = true;
        }
        s->alert[0] = '\0';
        say(s, "  %s %s: peak %s%s%s%s (%s) - saved [#%u, %zu samples]", kind, num,
            fmt_n(r->met.peak_n, pk, sizeof pk), flags[0] ? ", flags: " : "", flags,
            r->met.contraction ? "" : " (no contraction)", eng_rep_status_name(r->status), r->seq, r->n);
    } else {
        snprintf(s->alert, sizeof s->alert, "%s", st_err_msg(&err));
        say(s, "  %s %s: peak %s - NOT SAVED YET: %s", kind, num, fmt_n(r->met.peak_n, pk, sizeof pk),
            st_err_msg(&err));
        ST_WARN("session", "session %lld rep %u not written: %s", (long long)s->session_id, r->seq,
                st_status_name(st));
    }
}

static void decide_rep(struct sess *s, const struct eng_event *ev)
{
    struct rec *rc = rec_find(s, ev->rep.seq);
    if (rc) {
        rc->status = ev->rep.status;
        rc->counts = ev->rep.counts;
        rc->redone = ev->decision == ENG_CMD_REDO;
        if (ev->decision == ENG_CMD_ACCEPT && rc->replaced) { /* the engine took its replacement back */
            rc->replaced = false;
            if (rc->block >= 0 && rc->block < PROTO_MAX_BLOCKS && s->extras[rc->block] > 0)
                s->extras[rc->block]--;
            s->notice[0] = '\0';
        }
    }
    say(s, "  Rep %d is now %s%s", ev->rep.index, eng_rep_status_name(ev->rep.status),
        ev->rep.counts ? " (counts)" : "");
    if (!rc) {
        say(s, "  (that repetition is beyond what this session keeps track of: its new status is not saved)");
        return;
    }
    if (!rc->rep_id)
        say(s, "  (that repetition is not in the database yet: its new status is applied when it is)");
    /* By UUID: a rep still waiting to be written (a full disk) takes the decision in the queue. */
    struct st_err err;
    st_err_clear(&err);
    if (store_rep_decide(s->store, rc->uuid, (enum store_rep_status)ev->rep.status, ev->rep.counts,
                         s->therapist_id, eng_cmd_name(ev->decision), &err) != ST_OK) {
        snprintf(s->alert, sizeof s->alert, "%s", st_err_msg(&err));
        say(s, "  The change could not be saved: %s", st_err_msg(&err));
    }
}

/* ---- events ------------------------------------------------------------------------------- */

/* The session's flow goes to the database too (kind, state, detail: no patient data). A failure here
 * loses a line of the flow, never a measurement: it is logged, the session goes on. */
static void record(struct sess *s, int64_t t_ns, const char *kind, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void record(struct sess *s, int64_t t_ns, const char *kind, const char *state, const char *fmt, ...)
{
    char detail[200] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    struct st_err err;
    int64_t at_ms = (t_ns - s->t0_ns) / ST_NS_PER_MS;
    if (store_session_event_add(s->store, s->session_id, at_ms < 0 ? 0 : at_ms, kind, state, detail, &err) != ST_OK)
        ST_WARN("session", "session %lld: progress not recorded: %s", (long long)s->session_id,
                st_status_name(err.code));
}

static void print_prompt(struct sess *s, enum eng_state st)
{
    if (!s->interactive || s->prompted)
        return;
    switch (st) {
    case ENG_SETUP:
    case ENG_NEXT_BLOCK:
    case ENG_REST:
        say(s, "  [Enter] start   [p] pause   [s] skip block   [r] redo   [x] reject   [q] abort");
        break;
    case ENG_REVIEW:
        say(s, "  Review: [a] accept this repetition   [x] reject it   [r] redo it");
        break;
    case ENG_PAUSED:
        say(s, "  Paused: [p] resume   [q] abort");
        break;
    default:
        return;
    }
    s->prompted = true;
}

static void demo_arm(struct sess *s, const struct eng_view *v)
{
    if (v->block < 0 || v->block >= 8 || v->channel < 0 || v->channel >= ST_MAX_CHANNELS ||
        !s->o->demo_emu[v->channel])
        return;
    s->cue_emu = s->o->demo_emu[v->channel];
    int i = v->familiarisation ? 0 : (v->rep > 0 ? (v->rep - 1) % 3 : 0);
    double peak = s->o->demo_peaks[v->block][i];
    if (v->familiarisation)
        peak *= v->effort_pct / 100.0;
    s->cue_peak_n = peak;
    s->cue_at_ns = st_now_ns() + (int64_t)(s->o->demo_reaction_s * 1e9);
}

/* ---- the rep view ------------------------------------------------------------------------- */

/* A new rep starts: the one in view joins the block's earlier reps (faint behind the new one), or,
 * in another block, they are all forgotten: a new block starts with a clean graph. */
static void repview_start(struct sess *s, const struct eng_rep *r)
{
    struct repview *rv = &s->rv;
    if (rv->block != r->block) {
        rv->n_earlier = 0;
        rv->oldest = 0;
    } else if (rv->cur.n > 0 && isfinite(rv->onset_s)) {
        int slot = rv->n_earlier < UI_MAX_REPS ? rv->n_earlier++ : rv->oldest++ % UI_MAX_REPS;
        struct ui_trace *e = &rv->earlier[slot];
        ui_trace_clear(e);
        size_t step = (rv->cur.n + EARLY_CAP - 1) / EARLY_CAP;
        for (size_t i = 0; i < rv->cur.n; i += step) {
            double t, f;
            ui_trace_get(&rv->cur, i, &t, &f);
            ui_trace_push(e, t - rv->onset_s, f);
        }
    }
    ui_trace_clear(&rv->cur);
    rv->onset_s = NAN;
    rv->block = r->block;
    rv->channel = r->channel;
    rv->recording = true;
}

/* A new block (its setup, or the pause before it): the graph starts clean, the previous block's reps
 * are forgotten (the rep view shows no rep until this block's first one starts). */
static void repview_block(struct sess *s, int block)
{
    struct repview *rv = &s->rv;
    ui_trace_clear(&rv->cur);
    rv->n_earlier = 0;
    rv->oldest = 0;
    rv->onset_s = NAN;
    rv->block = block;
    rv->recording = false;
}

/* The rep ended: the view takes the engine's whole trace (from 1 s before the push) and its exact
 * onset, and keeps them until the next rep starts (a rep under review never scrolls away). */
static void repview_end(struct sess *s, const struct eng_rep *r)
{
    struct repview *rv = &s->rv;
    double at = (double)(r->t0_ns - s->t0_ns) / 1e9;
    ui_trace_clear(&rv->cur);
    for (size_t i = 0; r->t_s && r->f_n && i < r->n; i++)
        ui_trace_push(&rv->cur, r->t_s[i] + at, r->f_n[i]);
    rv->onset_s = r->met.contraction ? r->met.onset_s + at : NAN;
    rv->block = r->block;
    rv->recording = false;
}

/* The samples of a rep under way, as they arrive; the onset is where the force first reaches the
 * engine's live threshold (the engine's own, interpolated onset replaces it when the rep ends). */
static void repview_feed(struct sess *s, int channel, const struct st_sample *b, size_t n, double tare)
{
    struct repview *rv = &s->rv;
    if (!rv->recording || channel != rv->channel)
        return;
    struct eng_view v;
    eng_view(s->eng, &v);
    for (size_t i = 0; i < n; i++) {
        double t = (double)(b[i].t_ns - s->t0_ns) / 1e9, f = b[i].force_n - tare;
        ui_trace_push(&rv->cur, t, f);
        if (isnan(rv->onset_s) && isfinite(v.threshold_n) && f >= v.threshold_n)
            rv->onset_s = t;
    }
}

/* An extra rep was granted: say why in words (the engine's text names flags by their internal names),
 * and mark the rep it replaces so the screen says "one more rep follows" beside it. */
static void extra_notice(struct sess *s, int block)
{
    struct rec *last = NULL;
    for (size_t i = s->n_recs; i-- > 0 && !last;)
        if (s->recs[i].block == block)
            last = &s->recs[i];
    if (last && !last->counts && last->flags) {
        char words[128];
        last->replaced = true;
        snprintf(s->notice, sizeof s->notice, "Rep %d not counted (%s): one more rep follows", last->index,
                 ui_flag_words(last->flags, words, sizeof words));
    } else {
        snprintf(s->notice, sizeof s->notice, "The reps differ by more than %g %%: one more rep follows",
                 s->proto.cv_limit_pct);
    }
}

/* The device's zero command failed (refused, no answer): the gauge keeps its old zero, so it is said
 * and kept with the session; the engine's software tare still takes out what is left at rest. */
static void zero_failed(struct sess *s, int c, const char *why)
{
    record(s, st_now_ns(), "zero_failed", NULL, "channel %d: %s", c + 1, why);
    say(s, "! %s (the station tares in software)", why);
}

/* The next engine event: the one a reader took and left to the loop first (feed_from_reader). */
static bool next_event(struct sess *s, struct eng_event *ev)
{
    if (s->have_held) {
        *ev = s->held;
        s->have_held = false;
        return true;
    }
    return eng_next_event(s->eng, ev);
}

static void handle_events(struct sess *s)
{
    struct eng_event ev;
    while (next_event(s, &ev)) {
        struct eng_view v;
        eng_view(s->eng, &v);
        switch (ev.kind) {
        case ENG_EV_STATE:
            s->prompted = false;
            record(s, ev.t_ns, "state", eng_state_name(ev.state), "block %d of %d, %s, rep %d of %d%s",
                   v.block_pos, v.nblocks, v.block_label ? v.block_label : "-",
                   v.familiarisation ? v.fam_rep : v.rep, v.familiarisation ? v.fam_reps : v.reps,
                   v.familiarisation ? " (practice)" : "");
            if (ev.state == ENG_SETUP || ev.state == ENG_NEXT_BLOCK) {
                say(s, "Block %d of %d: %s. Position: %s", v.block_pos, v.nblocks,
                    v.block_label ? v.block_label : "", v.position ? v.position : "");
                if (v.block >= 0 && v.block != s->rv.block)
                    repview_block(s, v.block);
            }
            else if (ev.state == ENG_DEVICE_LOST)
                say(s, "  Waiting for the dynamometer to come back...");
            else if (ev.state == ENG_COMPLETE)
                s->finished = true;
            else if (ev.state == ENG_ABORTED) {
                s->finished = true;
                s->aborted = true;
            }
            if (ev.state == ENG_ARMED)
                demo_arm(s, &v);
            if (ev.state == ENG_TARE && v.channel >= 0 && v.channel < s->n_ch) {
                /* the family's own zero first, where it has one; the engine's 0.5 s mean at rest
                 * then takes what is left (and restarts on the first zeroed sample) */
                struct st_err zerr;
                st_err_clear(&zerr);
                enum st_status zs = acq_request_zero(s->ch[v.channel].acq, &zerr);
                if (zs != ST_OK && zs != ST_ERR_UNSUPPORTED) /* none: the software tare is the zero */
                    zero_failed(s, v.channel, st_err_msg(&zerr));
            }
            print_prompt(s, ev.state);
            break;
        case ENG_EV_CUE:
            s->cue_state = v.state;
            if (s->ui)
                ui_sound(s->ui, (enum ui_sound)ev.sound);
            if (ev.sound == ENG_SOUND_GO && v.mode == ENG_MANUAL)
                demo_arm(s, &v);
            if (ev.sound != ENG_SOUND_TICK && ev.text[0])
                say(s, "  > %s", ev.text);
            break;
        case ENG_EV_TARED:
            record(s, ev.t_ns, "tare", NULL, "channel %d: %.2f N", ev.channel + 1, ev.tare_n);
            if (ev.channel >= 0 && ev.channel < ST_MAX_CHANNELS) {
                s->ch[ev.channel].tare_n = ev.tare_n;
                s->ch[ev.channel].tared = true;
            }
            break;
        case ENG_EV_REP_STARTED:
            repview_start(s, &ev.rep);
            s->rep_onset = v.mode == ENG_AUTO; /* auto: a rep starts at its onset */
            s->notice[0] = '\0';
            break;
        case ENG_EV_REP_ENDED:
            repview_end(s, &ev.rep);
            save_rep(s, &ev.rep);
            s->shot_due = true;
            s->model_due = true;
            break;
        case ENG_EV_REP_DECIDED:
            decide_rep(s, &ev);
            s->model_due = true;
            break;
        case ENG_EV_EXTRA_REP:
            record(s, ev.t_ns, "extra_rep", NULL, "block %d: %s", ev.block + 1, ev.text);
            say(s, "  %s", ev.text[0] ? ev.text : "One more repetition");
            extra_notice(s, ev.block);
            if (ev.block >= 0 && ev.block < PROTO_MAX_BLOCKS)
                s->extras[ev.block]++;
            break;
        case ENG_EV_BLOCK_DONE:
            record(s, ev.t_ns, "block_done", NULL, "block %d: %d counting rep(s)%s", ev.block + 1, ev.count,
                   ev.skipped ? ", skipped" : "");
            say(s, "  Block done%s: %d repetition(s) count", ev.skipped ? " (skipped)" : "", ev.count);
            if (ev.skipped && ev.block >= 0 && ev.block < s->proto.nblocks) {
                const struct proto_block *b = &s->proto.blocks[ev.block];
                snprintf(s->notice, sizeof s->notice, "Block skipped (%s, %s): %d rep%s count%s",
                         b->dir == ST_DIR_ADD ? "adduction" : "abduction",
                         b->side == ST_SIDE_LEFT ? "left" : b->side == ST_SIDE_RIGHT ? "right" : "both sides",
                         ev.count, ev.count == 1 ? "" : "s", ev.count == 1 ? "s" : "");
            }
            break;
        case ENG_EV_COMPLETE:
            s->finished = true;
            break;
        case ENG_EV_ABORTED:
            s->finished = true;
            s->aborted = true;
            break;
        }
    }
    /* The engine's queue never loses an event silently: if it ever overflowed, say so and keep it
     * with the session, so a missing state or cue in its record has its explanation next to it. */
    struct eng_view v;
    eng_view(s->eng, &v);
    if (v.events_dropped > s->events_dropped) {
        record(s, st_now_ns(), "events_dropped", NULL, "%u engine event(s) lost in all (the queue was full)",
               v.events_dropped);
        say(s, "! %u engine event(s) were lost (the station fell behind): check the session's record",
            v.events_dropped - s->events_dropped);
        s->events_dropped = v.events_dropped;
    }
}

/* A device faster than the engine's buffers were sized for (twice its family's nominal rate: a UHS
 * model, a new firmware, a pty) would have its pre-trigger second cut short and every rep flagged.
 * Grow them between frames, from the measured rate, before that happens; say so once per growth. */
static bool fit_due(const struct sess *s, struct eng_view *v)
{
    eng_view(s->eng, v);
    return !s->rate_fit_failed && v->rate_hz > v->sized_rate_hz;
}

static void fit_rate(struct sess *s)
{
    struct eng_view v;
    if (!fit_due(s, &v))
        return;
    struct st_err err;
    st_err_clear(&err);
    if (eng_resize(s->eng, 2 * v.rate_hz, &err) != ST_OK) {
        s->rate_fit_failed = true; /* the samples that do not fit are counted and said per rep */
        say(s, "! The dynamometer sends %.0f samples a second and the station cannot keep them all: %s",
            v.rate_hz, st_err_msg(&err));
        return;
    }
    record(s, st_now_ns(), "rate", NULL, "the device sends %.0f samples/s: buffers now sized for %.0f",
           v.rate_hz, 2 * v.rate_hz);
    say(s, "  The dynamometer sends %.0f samples a second (more than %.0f expected): the station keeps them all",
        v.rate_hz, v.sized_rate_hz / 2);
}

static void command(struct sess *s, enum eng_cmd c)
{
    struct st_err err;
    st_err_clear(&err);
    if (eng_command(s->eng, c, st_now_ns(), &err) != ST_OK) {
        say(s, "  %s", st_err_msg(&err));
        snprintf(s->alert, sizeof s->alert, "%s", st_err_msg(&err));
    }
    handle_events(s);
}

/* ---- input -------------------------------------------------------------------------------- */

/*
 * Would rejecting the last rep leave its block short of its planned reps? Only when it holds the
 * block's last slot (a slot is taken by an accepted rep, or by a rejected one that was not measured
 * again) and the block would then count fewer reps than the protocol asks for. *have and *planned
 * get the block's counting reps after the rejection and the protocol's number.
 */
static bool reject_leaves_block_short(struct sess *s, int *have, int *planned)
{
    if (s->n_recs == 0)
        return false;
    const struct rec *last = &s->recs[s->n_recs - 1];
    if (last->familiarisation || last->status == ENG_REP_REJECTED || last->status == ENG_REP_INTERRUPTED ||
        last->block < 0 || last->block >= PROTO_MAX_BLOCKS)
        return false;
    int slots = 0, counting = 0;
    for (size_t i = 0; i < s->n_recs; i++) {
        const struct rec *rc = &s->recs[i];
        if (rc->block != last->block || rc->familiarisation)
            continue;
        slots += rc->status == ENG_REP_ACCEPTED || rc->status == ENG_REP_PENDING ||
                 (rc->status == ENG_REP_REJECTED && !rc->redone && !rc->replaced);
        counting += rc->counts;
    }
    *planned = eng_protocol(s->eng)->reps;
    *have = counting - (last->counts ? 1 : 0);
    return slots >= *planned + s->extras[last->block] && *have < *planned;
}

/* X, in the window or on the terminal. When rejecting the last rep would leave its block short, the
 * first X only asks and says so: R then measures one more in its place (a redo), X again rejects it
 * without one, anything else leaves it as it is. Redo and reject stay apart in the record: the
 * audit row of the decision says which. */
static void reject(struct sess *s, bool asked)
{
    int have = 0, planned = 0;
    if (!asked && reject_leaves_block_short(s, &have, &planned)) {
        s->reject_asked = true;
        snprintf(s->notice, sizeof s->notice,
                 "Rejecting rep %d leaves this block with %d of %d reps: press R to measure one more in its "
                 "place, or X again to reject it without one",
                 s->recs[s->n_recs - 1].index, have, planned);
        say(s, "  %s", s->notice);
        return;
    }
    s->notice[0] = '\0';
    command(s, ENG_CMD_REJECT);
}

static void terminal_line(struct sess *s, const char *line)
{
    struct eng_view v;
    eng_view(s->eng, &v);
    while (*line == ' ' || *line == '\t')
        line++;
    bool asked = s->abort_asked; /* q was typed once: a second q aborts, anything else goes on */
    bool reject_asked = s->reject_asked;
    s->abort_asked = s->reject_asked = false;
    if (reject_asked && line[0] != 'x')
        s->notice[0] = '\0'; /* the question was answered with something else */
    switch (line[0]) {
    case '\0': command(s, v.state == ENG_PAUSED ? ENG_CMD_RESUME : ENG_CMD_START); break;
    case 'r': command(s, ENG_CMD_REDO); break;
    case 'x': reject(s, reject_asked); break;
    case 'a': command(s, ENG_CMD_ACCEPT); break;
    case 's': command(s, ENG_CMD_SKIP_BLOCK); break;
    case 'p': command(s, v.state == ENG_PAUSED ? ENG_CMD_RESUME : ENG_CMD_PAUSE); break;
    case 'q':
        if (asked) {
            command(s, ENG_CMD_ABORT);
        } else {
            s->abort_asked = true;
            say(s, "  Abort the session? Type q and Enter again to abort; anything else goes on");
        }
        break;
    default: say(s, "  Keys: Enter start, r redo, x reject, a accept, s skip block, p pause, q abort (asked twice)"); break;
    }
}

static void poll_terminal(struct sess *s)
{
    if (!s->stdin_open || !s->stdin_ready)
        return;
    s->stdin_ready = false;
    struct pollfd p = {.fd = 0, .events = POLLIN};
    while (poll(&p, 1, 0) > 0) {
        char c;
        ssize_t n = read(0, &c, 1);
        if (n <= 0) {
            s->stdin_open = false; /* end of input */
            if (s->interactive && !s->finished) {
                /* therapist-paced with no window and no keyboard left: nobody can press start */
                say(s, "The keyboard input ended (stdin closed) and nobody can start the next repetition: "
                       "the session stops here; run with --auto for hands-free sessions");
                command(s, ENG_CMD_ABORT);
            }
            return;
        }
        if (c == '\n' || c == '\r') {
            s->inbuf[s->inlen] = '\0';
            s->inlen = 0;
            terminal_line(s, s->inbuf);
        } else if (s->inlen + 1 < sizeof s->inbuf) {
            s->inbuf[s->inlen++] = c;
        }
    }
}

/* ---- pain and notes (N) -------------------------------------------------------------------- */

/* N: the entry opens on the last rep (its pain and note as saved so far) and on a new session note. */
static void entry_open(struct sess *s)
{
    struct ui_entry *e = &s->entry;
    memset(e, 0, sizeof *e);
    s->entry_seq = 0;
    const struct rec *rc = s->n_recs > 0 ? &s->recs[s->n_recs - 1] : NULL;
    if (rc) {
        s->entry_seq = rc->seq;
        snprintf(e->rep, sizeof e->rep, "%s %d (%s, %s)", rc->familiarisation ? "practice rep" : "rep",
                 rc->index, st_dir_name(rc->dir), st_side_name(rc->side));
        if (rc->pain >= 0)
            snprintf(e->pain, sizeof e->pain, "%d", rc->pain);
        snprintf(e->rep_note, sizeof e->rep_note, "%s", rc->note);
    }
    e->focus = rc ? UI_ENTRY_PAIN : UI_ENTRY_SESSION_NOTE;
    e->open = true;
    ui_entry_input(s->ui, true);
}

static void entry_close(struct sess *s)
{
    s->entry.open = false;
    ui_entry_input(s->ui, false);
}

/* Enter: the pain is checked first, then the rep's pain and note and the session's note are saved;
 * on any refusal the entry stays open with every character typed and says why in one line. */
static void entry_save(struct sess *s)
{
    struct ui_entry *e = &s->entry;
    int pain = -1;
    if (e->pain[0]) {
        char *end = NULL;
        long v = strtol(e->pain, &end, 10);
        if (end == e->pain || *end || v < 0 || v > 10) {
            snprintf(e->message, sizeof e->message,
                     "Pain: type a whole number from 0 (none) to 10 (worst), or leave it empty");
            e->focus = UI_ENTRY_PAIN;
            return;
        }
        pain = (int)v;
    }
    struct st_err err;
    st_err_clear(&err);
    struct rec *rc = s->entry_seq ? rec_find(s, s->entry_seq) : NULL;
    if (rc && (pain != rc->pain || strcmp(e->rep_note, rc->note) != 0)) {
        if (store_rep_annotate(s->store, rc->uuid, pain, e->rep_note, s->therapist_id, &err) != ST_OK) {
            snprintf(e->message, sizeof e->message, "%s", st_err_msg(&err));
            e->focus = UI_ENTRY_REP_NOTE;
            return;
        }
        rc->pain = pain;
        snprintf(rc->note, sizeof rc->note, "%s", e->rep_note);
        say(s, "  Pain and note of rep %d saved", rc->index); /* not their text: it is the patient's */
    }
    if (e->session_note[0]) {
        if (store_note_add(s->store, s->session_id, s->therapist_id, e->session_note, NULL, &err) != ST_OK) {
            snprintf(e->message, sizeof e->message, "%s", st_err_msg(&err));
            e->focus = UI_ENTRY_SESSION_NOTE;
            return;
        }
        e->session_note[0] = '\0'; /* added: a retry must not add it twice */
        say(s, "  Note on the session saved");
    }
    entry_close(s);
}

static char *entry_field(struct ui_entry *e, size_t *size)
{
    switch (e->focus) {
    case UI_ENTRY_PAIN: *size = sizeof e->pain; return e->pain;
    case UI_ENTRY_REP_NOTE: *size = sizeof e->rep_note; return e->rep_note;
    default: *size = sizeof e->session_note; return e->session_note;
    }
}

static void entry_edit(struct sess *s, const struct ui_edit *ed)
{
    struct ui_entry *e = &s->entry;
    size_t size = 0;
    char *f = entry_field(e, &size);
    size_t len = strlen(f);
    int first = e->rep[0] ? UI_ENTRY_PAIN : UI_ENTRY_SESSION_NOTE, n = UI_ENTRY_FIELDS - first;
    switch (ed->kind) {
    case UI_EDIT_TEXT:
        if (len + strlen(ed->text) < size) {
            memcpy(f + len, ed->text, strlen(ed->text) + 1);
            e->message[0] = '\0';
        } else {
            snprintf(e->message, sizeof e->message, "This field is full (%zu bytes at most): the rest was not typed",
                     size - 1);
        }
        break;
    case UI_EDIT_BACKSPACE:
        while (len > 0 && ((unsigned char)f[--len] & 0xc0) == 0x80)
            ; /* back to the character's first byte */
        f[len] = '\0';
        e->message[0] = '\0';
        break;
    case UI_EDIT_NEXT: e->focus = first + (e->focus - first + 1) % n; break;
    case UI_EDIT_PREV: e->focus = first + (e->focus - first + n - 1) % n; break;
    case UI_EDIT_ENTER: entry_save(s); break;
    case UI_EDIT_CANCEL:
        say(s, "  Pain and notes: nothing saved");
        entry_close(s);
        break;
    }
}

/* The entry's share of the window's input: N opens it, and while it is open every key and text goes
 * to it. True when it took the input (nothing else may act on it). */
static bool entry_input(struct sess *s, const struct ui_input *in)
{
    if (!s->entry.open) {
        for (int i = 0; i < in->n_actions; i++)
            if (in->actions[i] == UI_ACT_NOTE) {
                entry_open(s);
                return true;
            }
        return false;
    }
    for (int i = 0; i < in->n_edits && s->entry.open; i++)
        entry_edit(s, &in->edits[i]);
    return true;
}

static void poll_ui(struct sess *s)
{
    struct ui_input in;
    ui_poll(s->ui, &in);
    if (entry_input(s, &in)) {
        if (in.quit && !s->finished)
            command(s, ENG_CMD_ABORT); /* closing the window ends the session; every saved rep stays */
        return;
    }
    struct eng_view v;
    eng_view(s->eng, &v);
    for (int i = 0; i < in.n_actions; i++) {
        bool reject_asked = s->reject_asked; /* the question stands for the next key only */
        s->reject_asked = false;
        switch (in.actions[i]) {
        case UI_ACT_START: command(s, v.state == ENG_PAUSED ? ENG_CMD_RESUME : ENG_CMD_START); break;
        case UI_ACT_REDO: command(s, ENG_CMD_REDO); break;
        case UI_ACT_REJECT: reject(s, reject_asked); break;
        case UI_ACT_ACCEPT: command(s, ENG_CMD_ACCEPT); break;
        case UI_ACT_SKIP: command(s, ENG_CMD_SKIP_BLOCK); break;
        case UI_ACT_PAUSE: command(s, v.state == ENG_PAUSED ? ENG_CMD_RESUME : ENG_CMD_PAUSE); break;
        case UI_ACT_ABORT: command(s, ENG_CMD_ABORT); break;
        default: break;
        }
        if (reject_asked && in.actions[i] != UI_ACT_REJECT)
            s->notice[0] = '\0'; /* the question was answered with something else */
        eng_view(s->eng, &v);
    }
    if (in.quit && !s->finished)
        command(s, ENG_CMD_ABORT); /* closing the window ends the session; every saved rep stays */
}

/* ---- devices ------------------------------------------------------------------------------ */

/* s->batch (n samples of channel c) went to the engine: to the bench hook, the channel's curve and
 * the rep view (after the events its samples caused, so a rep's samples go to that rep's view). */
static void batch_fed(struct sess *s, int c, size_t n)
{
    struct chan *ch = &s->ch[c];
    if (s->o->fed)
        s->o->fed(s->o->bench_ctx, s->batch, n, s->rv.recording);
    for (size_t i = 0; i < n; i++) {
        double t = (double)(s->batch[i].t_ns - s->t0_ns) / 1e9;
        ui_trace_push(&ch->trace, t, s->batch[i].force_n - (ch->tared ? ch->tare_n : 0));
    }
    repview_feed(s, c, s->batch, n, ch->tared ? ch->tare_n : 0);
}

/* Feeds s->batch[done..n) of channel c, each event handled as it comes: the engine stops after a rep
 * ends, so its trace is saved before the next can reuse it. */
static void feed_rest(struct sess *s, int c, size_t done, size_t n)
{
    while (done < n) {
        done += eng_feed(s->eng, s->batch + done, n - done);
        handle_events(s);
    }
    batch_fed(s, c, n);
}

static void drain_channel(struct sess *s, int c)
{
    size_t n;
    while ((n = ring_pop(&s->ch[c].ring, s->batch, BATCH)) > 0)
        feed_rest(s, c, 0, n);
}

/* The loop's first work after a reader stopped at an event: the event (and any after it), then the
 * rest of that batch, exactly as drain_channel would have fed it. Before any other engine call. */
static void finish_carry(struct sess *s)
{
    size_t n = s->carry_n;
    if (n == 0)
        return;
    s->carry_n = 0;
    handle_events(s);
    feed_rest(s, s->carry_ch, s->carry_done, n);
}

/* A lost device's channel is drained before the engine hears of the loss: the samples that arrived
 * just before the pull (one frame of them, more after a slow fsync) belong to the rep the loss ends,
 * and fed after it they would go to an engine whose rep is over. The acquisition thread pushes its
 * last sample before it says lost, so the ring holds them all by now. */
static void poll_devices(struct sess *s)
{
    for (int c = 0; c < s->n_ch; c++) {
        struct chan *ch = &s->ch[c];
        uint64_t news = acq_news(ch->acq); /* read before the copy: a change after it is news next turn */
        if (news == ch->seen_news)
            continue; /* no state change, no zero failure: nothing below would act */
        ch->seen_news = news;
        acq_get_status(ch->acq, &ch->st);
        if (ch->st.zero_failures > ch->seen_zero_failures) {
            ch->seen_zero_failures = ch->st.zero_failures;
            zero_failed(s, c, ch->st.zero_message);
        }
        if (ch->st.seq == ch->seen_seq)
            continue;
        ch->seen_seq = ch->st.seq;
        if (ch->st.state == ACQ_LOST && !ch->lost) {
            ch->lost = true;
            snprintf(ch->lost_said, sizeof ch->lost_said, "%s", ch->st.message);
            drain_channel(s, c);
            /* the last reading received is kept with the loss: the interrupted rep ends with it */
            record(s, st_now_ns(), "device_lost", NULL, "channel %d (last reading %.2f N): %s", c + 1,
                   ch->st.last_force_n, ch->st.message);
            say(s, "! %s", ch->st.message);
            eng_device_lost(s->eng, c, st_now_ns());
            handle_events(s);
        } else if (ch->st.state == ACQ_LOST && ch->lost && strcmp(ch->st.message, ch->lost_said) != 0) {
            /* still lost, with news: another device answered on the port and was refused (it is not
             * the one the session started with), or the stream would not start again */
            snprintf(ch->lost_said, sizeof ch->lost_said, "%s", ch->st.message);
            record(s, st_now_ns(), "device_lost", NULL, "channel %d: %s", c + 1, ch->st.message);
            say(s, "! %s", ch->st.message);
        } else if (ch->st.state == ACQ_STREAMING && ch->lost) {
            ch->lost = false;
            record(s, st_now_ns(), "device_back", NULL, "channel %d: %s", c + 1, ch->st.port);
            say(s, "! The dynamometer on %s is back: the session goes on", ch->st.port);
            eng_device_back(s->eng, c, st_now_ns());
            handle_events(s);
        }
    }
}

static void drain(struct sess *s)
{
    for (int c = 0; c < s->n_ch; c++)
        drain_channel(s, c);
}

/* True when a device's state changed or a zero failed since the loop last looked (poll_devices). */
static bool devices_news(struct sess *s)
{
    for (int c = 0; c < s->n_ch; c++)
        if (acq_news(s->ch[c].acq) != s->ch[c].seen_news)
            return true;
    return false;
}

/* A reader's drain: feeds every ring until the engine has an event, which it takes and leaves to the
 * loop with the batch it came from (held, carry_*: finish_carry). False when it stopped so. */
static bool reader_drain(struct sess *s)
{
    for (int c = 0; c < s->n_ch; c++) {
        size_t n;
        while ((n = ring_pop(&s->ch[c].ring, s->batch, BATCH)) > 0) {
            for (size_t done = 0; done < n;) {
                done += eng_feed(s->eng, s->batch + done, n - done);
                if (eng_next_event(s->eng, &s->held)) {
                    s->have_held = true;
                    s->carry_ch = c;
                    s->carry_n = n;
                    s->carry_done = done;
                    return false;
                }
            }
            batch_fed(s, c, n);
        }
    }
    return true;
}

/*
 * acq_cfg.on_read, on the acquisition thread that has just pushed a read's samples into its ring: it
 * feeds them to the engine itself, so the loop sleeps through steady streaming and a sample reaches
 * the engine without a wake-up across threads (the loop's wake-up per read was half the station's
 * context switches and a third of its CPU at 1 kHz). It feeds only while nothing happens: at the
 * engine's first event it stops and wakes the loop, which handles the event and feeds the rest
 * (finish_carry). So everything else stays on the loop's thread: SDL, the terminal, the database (a
 * rep's commit and its fsync: a reader that waited on the disk would leave its device unread, and a
 * pty or a serial port holds only 4 KB, 30 ms at 10 kHz), the observer, eng_tick. It also leaves to
 * the loop a device's news (poll_devices feeds a lost channel's last samples before the loss), the
 * buffers' growth (fit_rate) and a deadline earlier than the one the loop sleeps to (a push's onset
 * starts its hold time). An acquisition thread never waits for the lock: when the loop or another
 * reader is inside, it wakes the loop, which drains before it sleeps again. Before the loop starts
 * and once it has ended, it only wakes it.
 */
static void feed_from_reader(void *ctx)
{
    struct sess *s = ctx;
    if (pthread_mutex_trylock(&s->mu) != 0) {
        st_wake_signal(&s->wake);
        return;
    }
    struct eng_view v;
    bool wake = !s->feeding || s->carry_n || devices_news(s) || !reader_drain(s) || fit_due(s, &v) ||
                eng_next_timer_ns(s->eng) < s->sleep_to;
    pthread_mutex_unlock(&s->mu);
    if (wake)
        st_wake_signal(&s->wake);
}

/* ---- the model ---------------------------------------------------------------------------- */

/* The one cue both views show, from the engine's state: within a rep, "Push!" until the force crosses
 * the threshold, "Hold" while it stays above, "Relax" after the release or when the hold time is up.
 * The therapist's line and the patient's word are made from this same value (never "Push!" on one
 * and "Hold" on the other), and a stopped session is never "Well done". */
static enum ui_cue cue_of(const struct sess *s, const struct eng_view *v)
{
    switch (v->state) {
    case ENG_SETUP:
    case ENG_TARE:
    case ENG_REVIEW:
    case ENG_NEXT_BLOCK:
    case ENG_DEVICE_LOST: return UI_CUE_WAIT;
    case ENG_COUNTDOWN: return UI_CUE_READY;
    case ENG_ARMED: return UI_CUE_PUSH;
    case ENG_CONTRACTION:
        if (v->cue_sound == ENG_SOUND_STOP && s->cue_state == ENG_CONTRACTION)
            return UI_CUE_RELAX; /* the hold time is up */
        if (!s->rep_onset)
            return UI_CUE_PUSH;
        return isfinite(v->force_n) && isfinite(v->threshold_n) && v->force_n < v->threshold_n ? UI_CUE_RELAX
                                                                                               : UI_CUE_HOLD;
    case ENG_REST: return v->elapsed_s < 1.0 ? UI_CUE_RELAX : UI_CUE_REST;
    case ENG_PAUSED: return UI_CUE_PAUSED;
    case ENG_COMPLETE: return UI_CUE_DONE;
    case ENG_ABORTED: return UI_CUE_STOPPED;
    default: return UI_CUE_NONE;
    }
}

/* The block best and the balance from the same records the store was given (recs mirrors every rep
 * written, with its counts updated on each decision): the screen never shows a number the database
 * does not hold. */
static double block_best(const struct sess *s, int block)
{
    double best = NAN;
    for (size_t i = 0; i < s->n_recs; i++) {
        const struct rec *rc = &s->recs[i];
        if (rc->block == block && rc->counts && !rc->familiarisation && isfinite(rc->peak_n) &&
            !(rc->peak_n <= best))
            best = rc->peak_n;
    }
    return best;
}

static void balance_of_recs(const struct sess *s, struct bal_result *out)
{
    static struct bal_rep reps[MAX_RECS]; /* one session at a time; the main loop's thread only */
    size_t n = 0;
    for (size_t i = 0; i < s->n_recs; i++) {
        const struct rec *rc = &s->recs[i];
        reps[n++] = (struct bal_rep){.dir = rc->dir, .side = rc->side, .peak_n = rc->peak_n,
                                     .lever_m = rc->lever_m, .counts = rc->counts && !rc->familiarisation};
    }
    bal_compute(reps, n, &s->bal_params, out);
}

/* What happens next because of the last rep, in words. */
static void rep_next(const struct sess *s, const struct rec *rc, enum eng_state st, char *buf, size_t size)
{
    buf[0] = '\0';
    switch (rc->status) {
    case ENG_REP_PENDING:
        snprintf(buf, size, "%s", st == ENG_REVIEW ? "waiting for you: accept (A), reject (X) or redo (R) it"
                                                   : "not decided: it does not count");
        break;
    case ENG_REP_REJECTED: /* a flagged rep can still be accepted until the next one starts (A) */
        snprintf(buf, size, "%s%s", rc->replaced ? "not counted: one more rep follows" : "rejected: not counted",
                 rc->flags && isfinite(rc->peak_n) && !rc->familiarisation &&
                         (st == ENG_REST || st == ENG_NEXT_BLOCK || st == ENG_TARE || st == ENG_COUNTDOWN ||
                          st == ENG_ARMED)
                     ? "; A accepts it until the next rep starts"
                     : "");
        break;
    case ENG_REP_INTERRUPTED:
        snprintf(buf, size, "%s", s->finished ? "interrupted: not counted" : "interrupted: it is repeated");
        break;
    case ENG_REP_ACCEPTED:
        if (rc->flags && rc->counts)
            snprintf(buf, size, "accepted by the therapist: it counts");
        break;
    }
}

static void fill_model(struct sess *s)
{
    struct ui_model *m = &s->model;
    struct eng_view v;
    eng_view(s->eng, &v);
    if (v.block < 0 && s->have_last_view) { /* complete: keep showing the last block */
        struct eng_view now = v;
        v = s->last_view;
        v.state = now.state;
        v.cue = now.cue;
        v.cue_sound = now.cue_sound;
        v.remaining_s = NAN;
        v.force_n = now.force_n;
    } else if (v.block >= 0) {
        s->last_view = v;
        s->have_last_view = true;
    }
    if (v.state == ENG_CONTRACTION && isfinite(v.force_n) && isfinite(v.threshold_n) && v.force_n >= v.threshold_n)
        s->rep_onset = true;
    ui_model_init(m);
    struct ui_session *u = &m->session;
    snprintf(u->protocol, sizeof u->protocol, "%s", v.title ? v.title : "");
    snprintf(u->position, sizeof u->position, "%s", v.position ? v.position : "");
    u->auto_mode = v.mode == ENG_AUTO;
    u->block = v.block_pos;
    u->n_blocks = v.nblocks;
    u->dir = v.dir;
    u->side = v.side;
    u->familiarisation = v.familiarisation;
    u->rep = v.familiarisation ? v.fam_rep : v.rep;
    u->n_reps = v.familiarisation ? v.fam_reps : v.reps;
    snprintf(u->state, sizeof u->state, "%s", eng_state_name(v.state));
    u->state_remaining_s = v.remaining_s;
    u->cue = cue_of(s, &v);
    /* The therapist's line adds the engine's words where they say more than the cue ("Check the
     * repetition...", "Next: ... Position: ..."), and only while the state they were said in lasts;
     * during a rep both views show the same word. */
    bool in_rep = v.state == ENG_COUNTDOWN || v.state == ENG_ARMED || v.state == ENG_CONTRACTION ||
                  v.state == ENG_REST;
    if (!in_rep && v.cue && v.cue[0] && s->cue_state == v.state)
        snprintf(u->cue_text, sizeof u->cue_text, "%s", v.cue);
    if (v.state == ENG_TARE || v.state == ENG_REVIEW)
        snprintf(u->patient_cue, sizeof u->patient_cue, "Relax the leg");
    u->paused = v.state == ENG_PAUSED;
    u->complete = v.state == ENG_COMPLETE || v.state == ENG_ABORTED;

    if (s->n_recs > 0) {
        const struct rec *rc = &s->recs[s->n_recs - 1];
        m->last.valid = true;
        m->last.peak_n = rc->peak_n;
        ui_flag_words(rc->flags, m->last.flags, sizeof m->last.flags);
        m->last.saved = rc->saved;
        rep_next(s, rc, v.state, m->last.next, sizeof m->last.next);
    }
    for (size_t i = 0; i < s->n_recs; i++) {
        const struct rec *rc = &s->recs[i];
        if (rc->block != v.block)
            continue;
        if (m->n_reps == UI_MAX_REPS) {
            memmove(m->reps, m->reps + 1, sizeof m->reps[0] * (UI_MAX_REPS - 1));
            m->n_reps--;
        }
        struct ui_rep *r = &m->reps[m->n_reps++];
        r->index = rc->index;
        r->peak_n = rc->peak_n;
        ui_flag_words(rc->flags, r->flags, sizeof r->flags);
        r->status = rc->status == ENG_REP_ACCEPTED   ? UI_REP_ACCEPTED
                    : rc->status == ENG_REP_REJECTED ? UI_REP_REJECTED
                    : rc->status == ENG_REP_PENDING  ? UI_REP_PENDING
                                                     : UI_REP_INTERRUPTED;
        r->familiarisation = rc->familiarisation;
        r->saved = rc->saved;
        r->pain = rc->pain;
    }
    balance_of_recs(s, &m->balance);
    m->have_balance = true;

    struct ui_live *l = &m->live;
    l->force_n = v.force_n;
    l->block_best_n = block_best(s, v.block);
    l->last_peak_n = m->last.valid ? m->last.peak_n : NAN;
    l->threshold_n = v.threshold_n;
    l->t_now_s = (double)(st_now_ns() - s->t0_ns) / 1e9;
    l->window_s = 10;
    l->n_curves = s->n_ch;
    for (int c = 0; c < s->n_ch; c++) {
        l->curves[c].trace = &s->ch[c].trace;
        if (s->o->ch[c].label)
            snprintf(l->curves[c].label, sizeof l->curves[c].label, "%s", s->o->ch[c].label);
        else
            snprintf(l->curves[c].label, sizeof l->curves[c].label, "Channel %d", c + 1);
    }
    l->active = v.channel >= 0 && v.channel < s->n_ch ? v.channel : 0;
    l->rep = s->rv.block >= 0 ? &s->rv.cur : NULL; /* empty at a block's start: a clean graph */
    l->rep_onset_s = s->rv.onset_s;
    l->n_earlier = s->rv.n_earlier;
    for (int i = 0; i < s->rv.n_earlier; i++)
        l->earlier[i] = &s->rv.earlier[i];
    l->hold_s = eng_protocol(s->eng)->hold_s;
    if (isfinite(l->block_best_n)) { /* the target band: the protocol's % of the block's best (both views) */
        l->band_lo_n = s->proto.target_low_pct / 100.0 * l->block_best_n;
        l->band_hi_n = s->proto.target_high_pct / 100.0 * l->block_best_n;
    }
    l->patient_no_numbers = s->proto.feedback == PROTO_FEEDBACK_NO_NUMBERS;

    m->n_devices = s->n_ch;
    for (int c = 0; c < s->n_ch; c++) {
        const struct chan *ch = &s->ch[c];
        struct ui_device *d = &m->devices[c];
        snprintf(d->name, sizeof d->name, "%s %s", ch->st.ident.family, ch->st.ident.model);
        snprintf(d->port, sizeof d->port, "%s", ch->st.port);
        d->state = ch->st.state == ACQ_STREAMING ? UI_DEV_CONNECTED
                   : ch->st.state == ACQ_LOST    ? UI_DEV_LOST
                                                 : UI_DEV_CONNECTING;
        snprintf(d->message, sizeof d->message, "%s", ch->st.state == ACQ_LOST ? ch->st.message : "");
        struct acq_status now; /* the counters as of now: ch->st is copied only when the state changes */
        acq_get_status(ch->acq, &now);
        d->rate_hz = now.rate_hz;
        d->dropped = now.ring_drops + now.bad_lines + v.samples_not_kept[c];
        snprintf(d->calib_warning, sizeof d->calib_warning, "%s", ch->calib_warning);
    }
    snprintf(m->alert, sizeof m->alert, "%s", s->alert);
    snprintf(m->notice, sizeof m->notice, "%s", s->notice);
    snprintf(m->start_label, sizeof m->start_label, "%s",
             v.state == ENG_NEXT_BLOCK ? "Next block" : v.state == ENG_REST ? "Next rep" : "Start");
    time_t now = time(NULL);
    struct tm lt;
    if (localtime_r(&now, &lt))
        strftime(m->local_time, sizeof m->local_time, "%H:%M", &lt);

    m->entry = s->entry;
    m->final = s->final;
    m->final.show = u->complete;
    m->final.stopped = v.state == ENG_ABORTED;
    int saved = 0, counting = 0;
    for (size_t i = 0; i < s->n_recs; i++) {
        saved += s->recs[i].saved;
        counting += s->recs[i].counts && !s->recs[i].familiarisation;
    }
    if (m->final.stopped)
        snprintf(m->final.title, sizeof m->final.title, "Test stopped: %d rep%s saved, %d count%s", saved,
                 saved == 1 ? "" : "s", counting, counting == 1 ? "s" : "");
    else
        snprintf(m->final.title, sizeof m->final.title, "Test complete: %d rep%s count%s", counting,
                 counting == 1 ? "" : "s", counting == 1 ? "s" : "");
}

static void observe(struct sess *s)
{
    if (s->o->observe && (s->ui || s->model_due))
        s->o->observe(s->o->observe_ctx, s->session_id, &s->model, s->model_due);
    s->model_due = false;
}

/* With STATION_SCREENSHOT_DIR set (tests, documentation), the views are saved as BMP files after each
 * repetition: therapist.bmp and patient.bmp, replaced each time. */
static void screenshots(struct sess *s)
{
    s->shot_due = false;
    const char *dir = getenv("STATION_SCREENSHOT_DIR");
    if (!dir || !*dir || !s->ui)
        return;
    static const char *const names[UI_VIEW_COUNT] = {"therapist.bmp", "patient.bmp"};
    for (int v = 0; v < UI_VIEW_COUNT; v++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, names[v]);
        struct st_err err;
        if (ui_screenshot(s->ui, (enum ui_view)v, path, &err) != ST_OK && v == UI_VIEW_THERAPIST)
            ST_WARN("session", "screenshot: %s", st_err_msg(&err));
    }
}

/* ---- setup and teardown ------------------------------------------------------------------- */

static const char *therapist_name(const struct session_opts *o, char *buf, size_t size)
{
    const char *t = config_therapist(o->therapist, buf, size);
    if (t)
        return t;
    t = getenv("USER");
    return t && *t ? t : "unknown";
}

static void calibration_flag(struct sess *s, struct chan *ch)
{
    struct store_cal_status cs;
    struct st_err err;
    if (store_calibration_status(s->store, ch->device_id, 0, s->o->max_calibration_age_days, &cs, &err) == ST_OK)
        snprintf(ch->calib_warning, sizeof ch->calib_warning, "%s", cs.text);
}

static enum st_status start_devices(struct sess *s, struct st_err *err)
{
    int need = 1;
    for (int b = 0; b < s->proto.nblocks; b++)
        if (s->proto.blocks[b].channel + 1 > need)
            need = s->proto.blocks[b].channel + 1;
    if (s->o->n_ch < need)
        return st_err_set(err, ST_ERR_ARG,
                          "The protocol %s measures on %d channels: give a --port for each (%d given)",
                          s->proto.name, need, s->o->n_ch);
    s->n_ch = s->o->n_ch;
    for (int c = 0; c < s->n_ch; c++) {
        struct chan *ch = &s->ch[c];
        const struct session_channel *sc = &s->o->ch[c];
        ch->buf = calloc(RING_CAP, sizeof *ch->buf);
        ch->tt = calloc(TRACE_CAP, sizeof *ch->tt);
        ch->tf = calloc(TRACE_CAP, sizeof *ch->tf);
        if (!ch->buf || !ch->tt || !ch->tf)
            return st_err_set(err, ST_ERR_NOMEM, NULL);
        ring_init(&ch->ring, ch->buf, RING_CAP);
        ui_trace_init(&ch->trace, ch->tt, ch->tf, TRACE_CAP);
        const struct drv_driver *drv = NULL;
        if (sc->driver) {
            drv = drv_find(sc->driver);
            if (!drv) {
                char names[128];
                return st_err_set(err, ST_ERR_ARG, "Unknown driver \"%s\": the station knows %s", sc->driver,
                                  drv_names(names, sizeof names));
            }
        }
        struct acq_cfg cfg = {.port = sc->port, .drv = drv, .baud = sc->baud, .channel = (uint16_t)c,
                              .polarity = sc->polarity, .wake = &s->wake, .on_read = feed_from_reader,
                              .on_read_ctx = s};
        say(s, "Connecting to %s%s%s...", sc->port, drv ? " as " : " (probing)", drv ? drv->name : "");
        enum st_status st = acq_start(&cfg, &ch->ring, &ch->acq, err);
        if (st != ST_OK)
            return st;
        acq_get_status(ch->acq, &ch->st);
        struct store_device d;
        memset(&d, 0, sizeof d);
        snprintf(d.family, sizeof d.family, "%s", ch->st.ident.family);
        snprintf(d.model, sizeof d.model, "%s", ch->st.ident.model);
        /* who it is, not where it is plugged (identity.h); a caller's name for a device known by its
         * port only (the demo's emulator, whatever pty it got) */
        const struct drv_identity *idn = &ch->st.identity;
        bool by_port = idn->source == DRV_ID_PORT;
        snprintf(d.serial, sizeof d.serial, "%s", by_port && sc->device_id ? sc->device_id : idn->key);
        snprintf(d.firmware, sizeof d.firmware, "%s", ch->st.ident.firmware);
        d.capacity_n = ch->st.ident.capacity_n;
        snprintf(d.unit, sizeof d.unit, "%s", drv_unit_name(ch->st.ident.unit));
        st = store_device_ensure(s->store, &d, err);
        if (st != ST_OK)
            return st;
        ch->device_id = d.id;
        ch->by_port = by_port && !sc->device_id; /* recorded with the session once it exists */
        if (ch->by_port) {
            say(s, "! Channel %d reports no serial number and %s has no USB serial: it is known by its port only. "
                   "Its calibration stays with this port, and another dynamometer plugged in here cannot be told "
                   "from it.",
                c + 1, sc->port);
        }
        if (!s->o->demo_emu[c]) /* the demo's emulator measures what it is told: nothing to calibrate */
            calibration_flag(s, ch);
        say(s, "Channel %d: %s %s on %s at %d baud%s%s", c + 1, ch->st.ident.family, ch->st.ident.model,
            sc->port, ch->st.ident.baud, s->o->demo_emu[c] ? ": an emulated device (no calibration needed)"
                                         : ch->calib_warning[0] ? ". " : "",
            ch->calib_warning);
    }
    return ST_OK;
}

/* The screen's balance uses the parameters `station show` judges this session by (its protocol's
 * bands, the session's mass, the patient's leg length), and the final screen compares with the last
 * earlier complete session of the same patient on the same protocol, both read from the store. A
 * failure here costs the comparison, never the session: it is logged without patient data. */
static void judged_like_the_store(struct sess *s)
{
    struct st_err err;
    struct store_session cur;
    s->bal_params = bal_params_default();
    s->final.error_band_pct = 10.0; /* CLINICAL.md: a change below about 10 % may be noise */
    if (store_session_get(s->store, s->session_id, &cur, &err) != ST_OK ||
        store_session_bal_params(s->store, &cur, &s->bal_params, &err) != ST_OK)
        ST_WARN("session", "session %lld: balance parameters not read (%s): the defaults apply",
                (long long)s->session_id, st_status_name(err.code));
    s->final.ratio_red = s->bal_params.ratio_red;
    s->final.ratio_amber = s->bal_params.ratio_amber;
    if (isfinite(s->bal_params.body_mass_kg) && s->bal_params.body_mass_kg > 0)
        snprintf(s->final.mass_text, sizeof s->final.mass_text, "%.1f kg", s->bal_params.body_mass_kg);
    /* The comparison is for the final screen only (the model): a run with no window and no observer
     * never shows it, and reading the patient's whole history for it grew every run's start with
     * that history (1.2 ms at 50 sessions, bench_peer "database"). */
    if (s->o->headless && !s->o->observe)
        return;
    struct store_trend_row *rows = NULL;
    size_t n = 0;
    if (store_trend(s->store, s->patient_id, s->proto.name, &rows, &n, &err) != ST_OK) {
        ST_WARN("session", "session %lld: no comparison with earlier sessions (%s)", (long long)s->session_id,
                st_status_name(err.code));
        return;
    }
    for (size_t i = n; i-- > 0;) {
        if (rows[i].session_id == s->session_id || rows[i].status != STORE_SESSION_COMPLETE)
            continue;
        s->final.have_previous = true;
        s->final.previous = rows[i].bal;
        time_t t = (time_t)rows[i].started;
        struct tm lt;
        if (localtime_r(&t, &lt))
            strftime(s->final.previous_when, sizeof s->final.previous_when, "%Y-%m-%d", &lt);
        break;
    }
    free(rows);
}

static enum st_status setup(struct sess *s, struct st_err *err)
{
    const struct session_opts *o = s->o;
    char db[4096], who[CONFIG_TEXT_MAX + 1];
    enum st_status st = ST_OK;
    if (o->store) {
        s->store = o->store;
        snprintf(db, sizeof db, "%s", store_path(o->store));
    } else if ((st = paths_db_open(o->db_path, &s->store, db, sizeof db, err)) != ST_OK) {
        return st;
    }
    snprintf(s->db_path, sizeof s->db_path, "%s", db);
    int orphans = 0;
    if ((st = store_sessions_close_orphans(s->store, &orphans, err)) != ST_OK)
        return st;
    if (orphans)
        say(s, "%d earlier session(s) on this station stopped without ending (a crash or a power cut): marked "
               "interrupted; their saved repetitions are kept",
            orphans);
    if (!o->patient)
        return st_err_set(err, ST_ERR_ARG, "No patient given: add one with station patient add, then --patient ID");
    if ((st = store_patient_find(s->store, o->patient, &s->patient_id, err)) != ST_OK)
        return st;
    struct store_patient p;
    if ((st = store_patient_get(s->store, s->patient_id, &p, err)) != ST_OK)
        return st;
    if (isnan(p.mass_kg))
        return st_err_set(err, ST_ERR_ARG,
                          "Patient %lld has no body mass on record: add one with station patient edit",
                          (long long)s->patient_id);
    if ((st = store_therapist_ensure(s->store, therapist_name(o, who, sizeof who), &s->therapist_id, err)) != ST_OK)
        return st;
    const char *pname = o->protocol ? o->protocol : "supine-0";
    if ((st = st_proto_find(pname, paths_protocol_dir(), &s->proto, err)) != ST_OK)
        return st;
    s->proto_loaded = true;
    if ((st = proto_check_overrides(o->reps, o->hold_s, o->rest_s, o->countdown_s, err)) != ST_OK)
        return st;
    if (o->block_rest_s >= 0) /* --block-rest-s: the engine reads the pause between blocks from the protocol */
        s->proto.block_rest_s = o->block_rest_s;
    int64_t proto_id = 0;
    if ((st = store_protocol_ensure(s->store, s->proto.name, s->proto.text, &proto_id, err)) != ST_OK)
        return st;
    st_cpu_mark(ST_CPU_DEVICES);
    if ((st = start_devices(s, err)) != ST_OK)
        return st;
    st_cpu_mark(ST_CPU_OPENED);

    struct eng_config cfg = eng_config_default();
    cfg.mode = o->auto_mode ? ENG_AUTO : ENG_MANUAL;
    cfg.seed = s->proto.seed;
    if (s->proto.order == PROTO_ORDER_RANDOM && cfg.seed == 0) {
        while (cfg.seed == 0)
            if (getrandom(&cfg.seed, sizeof cfg.seed, 0) != (ssize_t)sizeof cfg.seed)
                cfg.seed = (uint32_t)st_now_ns() | 1u;
    }
    cfg.body_mass_kg = p.mass_kg;
    cfg.lever_m = o->lever_m > 0 ? o->lever_m : p.lever_m;
    cfg.leg_length_m = p.leg_length_m;
    double max_rate = 0;
    for (int c = 0; c < s->n_ch; c++) {
        cfg.full_scale_n[c] = s->ch[c].st.ident.capacity_n;
        const struct drv_driver *drv = drv_find(s->ch[c].st.ident.family);
        if (drv && drv->nominal_rate_hz > max_rate)
            max_rate = drv->nominal_rate_hz;
    }
    /* Sized for twice the families' nominal rates, and never below the engine's own 2,000 samples/s
     * (buffers of a few hundred KB): a 1 kHz board sized for an 80 Hz family lost most of its first
     * rep when the patient pushed before its rate was measured (bench/soak). A faster device grows
     * them (fit_rate). */
    cfg.max_rate_hz = 2 * max_rate > 2000 ? 2 * max_rate : 2000;
    cfg.reps = o->reps;
    cfg.hold_s = o->hold_s;
    cfg.rest_s = o->rest_s;
    cfg.countdown_s = o->countdown_s;
    if ((st = eng_new(&s->proto, &cfg, &s->eng, err)) != ST_OK)
        return st;

    struct store_session sess;
    memset(&sess, 0, sizeof sess);
    sess.patient_id = s->patient_id;
    sess.therapist_id = s->therapist_id;
    sess.protocol_id = proto_id;
    snprintf(sess.position, sizeof sess.position, "%.63s", s->proto.position);
    snprintf(sess.mode, sizeof sess.mode, "%s", o->mode_name ? o->mode_name : o->auto_mode ? "auto" : "manual");
    sess.seed = eng_plan(s->eng)->seed;
    for (int c = 0; c < s->n_ch; c++)
        sess.device_id[c] = s->ch[c].device_id;
    sess.body_mass_kg = p.mass_kg;
    sess.lever_m = cfg.lever_m > 0 ? cfg.lever_m : NAN;
    sess.sample_rate_hz = sess.jitter_ms = NAN;
    if ((st = store_session_begin(s->store, &sess, err)) != ST_OK)
        return st;
    s->session_id = sess.id;
    for (int c = 0; c < s->n_ch; c++)
        if (s->ch[c].by_port)
            record(s, s->t0_ns, "device_identity", NULL, "channel %d: known by its port only (%s)", c + 1,
                   o->ch[c].port); /* at the session's start (its clock starts after the setup) */
    say(s, "Session %lld: %s, %d blocks, %s mode. Saving to %s", (long long)s->session_id, s->proto.title,
        s->proto.nblocks, o->auto_mode ? "hands-free (auto)" : "therapist-paced", db);
    judged_like_the_store(s);
    return ST_OK;
}

static void finish_pending(struct sess *s)
{
    struct st_err err;
    st_err_clear(&err);
    if (store_pending_count(s->store) == 0 || store_flush_pending(s->store, &err) == ST_OK)
        return;
    say(s, "! %zu repetition(s) are kept in memory and not yet in the database: %s",
        store_pending_count(s->store), st_err_msg(&err));
    bool tty = isatty(0);
    int64_t give_up = st_now_ns() + 60 * ST_NS_PER_S;
    if (tty)
        say(s, "  Free some disk space and press Enter to retry, or type a file path to export them to:");
    while (store_pending_count(s->store) > 0 && !session_interrupted) {
        if (tty) {
            char line[1024];
            if (!fgets(line, sizeof line, stdin))
                tty = false;
            else {
                line[strcspn(line, "\r\n")] = '\0';
                if (line[0]) {
                    if (export_pending_json(s->store, line, &err) == ST_OK) {
                        say(s, "  Exported to %s: keep this file, it holds the repetitions", line);
                        return;
                    }
                    say(s, "  %s", st_err_msg(&err));
                }
            }
        } else {
            for (int i = 0; i < 10 && !session_interrupted; i++) /* a second, or less after Ctrl-C */
                st_sleep_ns(ST_NS_PER_S / 10);
        }
        if (store_flush_pending(s->store, &err) == ST_OK) {
            say(s, "  Written: every repetition is now in the database");
            return;
        }
        if (!tty && st_now_ns() > give_up)
            break;
    }
    if (session_interrupted && store_pending_count(s->store) > 0)
        say(s, "! Interrupted: the repetitions not yet written go to a file now");
    if (store_pending_count(s->store) == 0)
        return;
    /* Unattended and the disk stays full: a new file (never a fixed name, never through a link) in the
     * station's data folder, else in the home folder. */
    char dir[4096], path[4400];
    const char *home = getenv("HOME");
    for (int i = 0; i < 2; i++) {
        if (i == 0 ? paths_data_dir(dir, sizeof dir, &err) != ST_OK
                   : !home || !*home || (size_t)snprintf(dir, sizeof dir, "%s", home) >= sizeof dir)
            continue;
        if (export_pending_json_in(s->store, dir, s->session_id, path, sizeof path, &err) == ST_OK) {
            say(s, "! The disk stayed full: the repetitions were exported to %s. Keep this file.", path);
            return;
        }
    }
    say(s, "! The repetitions could not be written anywhere: %s", st_err_msg(&err));
}

/* --screenshot: the therapist view's last frame. True when a file was written. */
static bool save_shot(struct sess *s)
{
    if (!s->ui || !s->o->screenshot)
        return false;
    struct st_err err;
    if (ui_screenshot(s->ui, UI_VIEW_THERAPIST, s->o->screenshot, &err) != ST_OK) {
        say(s, "! %s", st_err_msg(&err));
        return false;
    }
    say(s, "Screenshot saved to %s", s->o->screenshot);
    return true;
}

enum st_status session_report_beside(struct store *st, const char *db_path, int64_t session_id, char *out,
                                     size_t size, struct st_err *err)
{
    char path[1200];
    const char *slash = strrchr(db_path, '/');
    snprintf(path, sizeof path, "%.*ssession-%lld-report.pdf", slash ? (int)(slash - db_path + 1) : 0, db_path,
             (long long)session_id);
    return report_write(st, session_id, REPORT_PAPER_A4, path, out, size, NULL, err);
}

/* R on the final screen of a test started from the home: the report, its path (or why not) shown. */
static void final_report(struct sess *s)
{
    char out[1024];
    struct st_err err;
    st_err_clear(&err);
    if (session_report_beside(s->store, s->db_path, s->session_id, out, sizeof out, &err) == ST_OK) {
        snprintf(s->final.report_line, sizeof s->final.report_line, "Report written: %s", out);
        if (s->o->report_out && s->o->report_out_size)
            snprintf(s->o->report_out, s->o->report_out_size, "%s", out);
        say(s, "Report written: %s", out);
    } else {
        snprintf(s->final.report_line, sizeof s->final.report_line, "No report: %s", st_err_msg(&err));
    }
}

/* The final screen (the balance) stays up until the therapist presses a key or closes the window, at
 * most STATION_LINGER_S seconds (default 20; 0 for scripts and tests), or until --exit-after-s; then
 * --screenshot saves it. */
static void final_screen(struct sess *s, int64_t exit_at)
{
    double linger = 20;
    const char *env = getenv("STATION_LINGER_S");
    if (env && *env) {
        char *end = NULL;
        double v = strtod(env, &end);
        if (end && *end == '\0' && v >= 0 && v <= 3600)
            linger = v;
    }
    int64_t until = exit_at > 0 ? exit_at : st_now_ns() + (int64_t)(linger * 1e9);
    if (until > st_now_ns() && !session_interrupted)
        say(s, "The result stays on screen until a key is pressed (at most %.0f s)",
            (double)(until - st_now_ns()) / 1e9);
    s->final.offer_report = s->o->final_report;
    do { /* Ctrl-C or SIGTERM ends it at once, as a key does */
        fill_model(s);
        struct st_err err;
        ui_frame(s->ui, &s->model, &err);
        observe(s);
        struct ui_input in;
        ui_poll(s->ui, &in);
        /* N still takes pain and notes here (the last rep, the session); while they are typed the
         * screen stays (the linger time starts again after them) */
        bool typing = s->entry.open;
        if (!in.quit && entry_input(s, &in)) {
            if (exit_at <= 0)
                until = st_now_ns() + (int64_t)(linger * 1e9);
            typing = true;
        }
        /* From the home: R (or its button) writes the report and stays; any other key, or the Back
         * button, closes. Otherwise any key closes. */
        bool report = false, back = in.any_key && !typing;
        for (int i = 0; i < in.n_actions && s->o->final_report && !typing; i++) {
            report |= in.actions[i] == UI_ACT_REDO;
            back |= in.actions[i] == UI_ACT_START;
        }
        if (report)
            final_report(s);
        if (in.quit || (back && !report) || session_interrupted)
            break;
        st_sleep_ns(50 * ST_NS_PER_MS);
    } while ((st_now_ns() < until || (s->entry.open && exit_at <= 0)) && !session_interrupted);
    save_shot(s);
}

static void repview_free(struct repview *rv)
{
    free(rv->t);
    free(rv->f);
    free(rv->et);
    free(rv->ef);
}

/* The clinic server, when one is set ($STATION_SERVER or the settings file: config_server): a sync
 * once the session is stored, the devices stopped and the window closed - never during a rep. Its
 * failure (offline is normal) is a one-line notice, not an error of the session. */
static void sync_after_session(struct sess *s)
{
    char buf[1024], shown[1024];
    const char *url = config_server(NULL, buf, sizeof buf);
    if (!url)
        return;
    config_server_masked(url, shown, sizeof shown);
    struct sync_result res;
    struct st_err err;
    st_err_clear(&err);
    if (sync_run(s->store, url, shown, NULL, &res, &err) == ST_OK)
        say(s, "Synced with the clinic server: pushed %lld, pulled %lld, %lld conflict(s), %.1f s.",
            (long long)res.pushed, (long long)res.pulled, (long long)res.conflicts, res.seconds);
    else
        say(s, "Not synced with the clinic server (the session is saved here): %s", st_err_msg(&err));
}

/* ---- the loop's sleep ----------------------------------------------------------------------- */

/* When the loop must run again if nothing wakes it before: the engine's next timer, the demo's push,
 * --exit-after-s, the next frame while a window is open, the terminal's next second of a pause. */
static int64_t next_wake(struct sess *s, int64_t exit_at, int64_t next_frame)
{
    int64_t t = eng_next_timer_ns(s->eng);
    if (s->cue_emu && s->cue_at_ns >= 0 && s->cue_at_ns < t)
        t = s->cue_at_ns;
    if (exit_at > 0 && exit_at < t)
        t = exit_at;
    if (s->ui && next_frame < t)
        t = next_frame;
    if (!s->ui) {
        struct eng_view v;
        eng_view(s->eng, &v);
        if (v.state == ENG_NEXT_BLOCK && isfinite(v.remaining_s) && v.remaining_s > 0) {
            /* terminal_pause says whole seconds: wake when the next one starts */
            double to_next = v.remaining_s - (ceil(v.remaining_s) - 1.0);
            int64_t at = st_now_ns() + (int64_t)(to_next * 1e9) + 1;
            if (at < t)
                t = at;
        }
    }
    return t;
}

/* Sleeps until `until` (INT64_MAX: no deadline) unless the acquisition threads, the terminal or a
 * signal wake the loop first. ppoll, not poll: a deadline in nanoseconds is kept to the timer slack,
 * not rounded to a millisecond. */
static void sleep_until(struct sess *s, int64_t until)
{
    struct pollfd p[3];
    nfds_t n = 0;
    p[n++] = (struct pollfd){.fd = st_wake_fd(&s->wake), .events = POLLIN};
    int ifd = interrupt_fd;
    if (ifd >= 0)
        p[n++] = (struct pollfd){.fd = ifd, .events = POLLIN};
    int in = -1;
    if (!s->ui && s->stdin_open) {
        in = (int)n;
        p[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
    }
    if (st_wake_arm(&s->wake)) {
        int64_t now = st_now_ns();
        if (until > now) {
            struct timespec ts, *tp = NULL;
            if (until != INT64_MAX) {
                int64_t d = until - now;
                ts.tv_sec = (time_t)(d / ST_NS_PER_S);
                ts.tv_nsec = (long)(d % ST_NS_PER_S);
                tp = &ts;
            }
            if (ppoll(p, n, tp, NULL) > 0 && in >= 0 && (p[in].revents & (POLLIN | POLLHUP | POLLERR)))
                s->stdin_ready = true;
        }
    }
    st_wake_done(&s->wake);
}

enum st_status session_run(const struct session_opts *o, int64_t *session_id, struct st_err *err)
{
    struct sess *s = calloc(1, sizeof *s);
    if (!s)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    s->recs = calloc(MAX_RECS, sizeof *s->recs);
    if (!s->recs) {
        free(s);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    struct repview *rv = &s->rv;
    rv->t = calloc(REP_CAP, sizeof *rv->t);
    rv->f = calloc(REP_CAP, sizeof *rv->f);
    rv->et = calloc((size_t)UI_MAX_REPS * EARLY_CAP, sizeof *rv->et);
    rv->ef = calloc((size_t)UI_MAX_REPS * EARLY_CAP, sizeof *rv->ef);
    if (!rv->t || !rv->f || !rv->et || !rv->ef) {
        repview_free(rv);
        free(s->recs);
        free(s);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    ui_trace_init(&rv->cur, rv->t, rv->f, REP_CAP);
    for (int i = 0; i < UI_MAX_REPS; i++)
        ui_trace_init(&rv->earlier[i], rv->et + (size_t)i * EARLY_CAP, rv->ef + (size_t)i * EARLY_CAP, EARLY_CAP);
    rv->onset_s = NAN;
    rv->block = -1;
    s->o = o;
    s->out = o->out ? o->out : stdout;
    s->cue_at_ns = -1;
    s->stdin_ready = true;
    *session_id = 0;
    if (interrupt_fd < 0)
        interrupt_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); /* without it Ctrl-C waits for the next wake */
    enum st_status st = st_wake_init(&s->wake, err);
    if (st != ST_OK) {
        repview_free(rv);
        free(s->recs);
        free(s);
        return st;
    }
    pthread_mutex_init(&s->mu, NULL); /* before the acquisition threads (setup), which try it */
    st = setup(s, err);
    if (st == ST_OK) {
        *session_id = s->session_id;
        s->t0_ns = st_now_ns();
        if (!o->headless) {
            struct ui_opts uo = ui_opts_default();
            struct st_config cfg; /* the Settings page's patient-view display, when it is there */
            if (config_load(NULL, &cfg, NULL) == ST_OK && cfg.patient_display[0])
                uo.patient_display_name = cfg.patient_display;
            uo.lazy = true; /* a window that costs nothing while nothing moves */
            struct st_err uerr;
            st_err_clear(&uerr);
            if (ui_open(&uo, &s->ui, &uerr) != ST_OK) {
                say(s, "%s: running on the terminal instead", st_err_msg(&uerr));
                s->ui = NULL;
            }
        }
        s->interactive = !s->ui && !o->auto_mode;
        s->stdin_open = !s->ui;
        handle_events(s);
        if (o->auto_mode)
            command(s, ENG_CMD_START); /* hands-free: the therapist started it by starting the run */
        int64_t exit_at = o->exit_after_s > 0 ? s->t0_ns + (int64_t)(o->exit_after_s * 1e9) : 0;
        bool shot_taken = false, by_signal = false;
        int64_t next_frame = st_now_ns();
        st_cpu_mark(ST_CPU_LOOP);
        /* Each turn does what is there to do (samples, the engine's timers, keys, a frame when one is
         * due) and then sleeps until something can change: a device's news, an engine event or an
         * earlier deadline from the samples an acquisition thread fed (feed_from_reader), samples
         * it could not feed, a key, Ctrl-C, or the next deadline (next_wake). The acquisition thread that
         * read a sample feeds it to the engine within that read, so steady streaming does not wake
         * the loop at all (headless; with a window it wakes for the frames at their pace). The loop
         * holds s->mu for its whole turn, readers feed only while it sleeps; a reader's feed stopped
         * at an engine event is the turn's first work. */
        pthread_mutex_lock(&s->mu);
        s->feeding = true;
        while (!s->finished) {
            finish_carry(s);
            if (session_interrupted) { /* left set: the final screen and the disk wait end at once too */
                command(s, ENG_CMD_ABORT);
                by_signal = true; /* said once the session's end is written (below) */
                break;
            }
            if (exit_at > 0 && st_now_ns() >= exit_at) {
                shot_taken = save_shot(s); /* the live frame, as it is now */
                say(s, "Stopping after %g s (--exit-after-s): every saved repetition stays in the database",
                    o->exit_after_s);
                command(s, ENG_CMD_ABORT);
                break;
            }
            poll_devices(s);
            drain(s);
            fit_rate(s);
            eng_tick(s->eng, st_now_ns());
            handle_events(s);
            if (s->cue_emu && s->cue_at_ns >= 0 && st_now_ns() >= s->cue_at_ns) {
                emu_cue(s->cue_emu, s->cue_peak_n);
                s->cue_at_ns = -1;
            }
            if (s->ui) {
                /* keys and a frame at the display's pace, not per read; at once for the frame that
                 * shows a rep just ended (its screenshot) or the session's last state */
                if (st_now_ns() >= next_frame || s->shot_due || s->finished) {
                    poll_ui(s);
                    fill_model(s);
                    struct st_err uerr;
                    uint64_t drawn = ui_frames_drawn(s->ui);
                    if (ui_frame(s->ui, &s->model, &uerr) != ST_OK)
                        ST_WARN("session", "frame: %s", st_err_msg(&uerr));
                    if (o->presented && ui_frames_drawn(s->ui) != drawn)
                        o->presented(o->bench_ctx);
                    if (s->shot_due)
                        screenshots(s);
                    observe(s);
                    /* The next look: when the window says its next frame is due (ui_next_frame_ns: its
                     * pacing, one frame a refresh interval, the numbers alone 4 times a second; now when
                     * keys wait, e.g. pushed by a test's observer), and at the latest when the next refresh
                     * interval starts (ui_next_slot_ns), for the samples taken since (they do not wake the
                     * loop: the readers feed them; their frame waits for this look), what time alone
                     * changes in the model (the seconds left, the rolling view's clock) and keys. On the
                     * interval's start, not an interval from now: a frame drawn a loop's turn late slipped
                     * past the next start now and then and lost a whole interval (bench_latency's p99). */
                    int64_t now = st_now_ns(), every = ui_refresh_ns(s->ui) > 0 ? ui_refresh_ns(s->ui) : FRAME_NS;
                    int64_t due = ui_next_frame_ns(s->ui, &s->model), slot = ui_next_slot_ns(s->ui);
                    next_frame = due < slot ? due : slot;
                    if (next_frame <= now)
                        next_frame = now + every / 8; /* keys waiting: handled in 2 ms, never a busy loop */
                }
            } else {
                poll_terminal(s);
                terminal_pause(s);
                if (o->observe && s->model_due) /* after the keys: the model holds their effect */
                    fill_model(s);
                observe(s);
            }
            if (!s->finished && !session_interrupted) {
                int64_t until = s->sleep_to = next_wake(s, exit_at, next_frame);
                pthread_mutex_unlock(&s->mu);
                sleep_until(s, until);
                pthread_mutex_lock(&s->mu);
            }
        }
        s->feeding = false; /* from here on the readers only wake (nobody listens) */
        pthread_mutex_unlock(&s->mu);
        st_cpu_mark(ST_CPU_LOOP_END);
        if (s->ui && !shot_taken)
            final_screen(s, exit_at);
        else if (o->screenshot && !s->ui)
            say(s, "No window: no screenshot was saved (%s)", o->screenshot);
        if (o->observe) {
            fill_model(s);
            s->model_due = true;
            observe(s);
        }
        finish_pending(s);
        double rate = NAN, jitter = NAN;
        int64_t drops = 0, bad = 0;
        for (int c = 0; c < s->n_ch; c++) {
            const struct acq_status *as = &s->ch[c].st;
            acq_get_status(s->ch[c].acq, &s->ch[c].st);
            if (c == 0) {
                rate = as->rate_hz;
                jitter = as->jitter_ms;
            }
            drops += (int64_t)as->ring_drops;
            bad += (int64_t)as->bad_lines;
        }
        struct eng_view v;
        eng_view(s->eng, &v);
        enum store_session_status fin = s->aborted || v.state != ENG_COMPLETE ? STORE_SESSION_ABORTED
                                                                              : STORE_SESSION_COMPLETE;
        st = store_session_end(s->store, s->session_id, fin, rate, jitter, drops, bad, err);
        /* Said only now: the loop wakes at once on Ctrl-C, and a second Ctrl-C right after this line
         * (the default action: the program ends there) must find the session's end written. */
        if (by_signal)
            say(s, "Stopping: every saved repetition stays in the database");
        /* what each channel received, for the record (bench/bench_peer counts losses from it); after
         * the end, which a second Ctrl-C must not find unwritten */
        for (int c = 0; c < s->n_ch; c++) {
            const struct acq_status *as = &s->ch[c].st;
            record(s, st_now_ns(), "acquisition", NULL,
                   "channel %d: %llu samples, %.3f Hz, %llu device clock gaps, %llu dropped, %llu unreadable, "
                   "%llu reconnects", c + 1, (unsigned long long)as->samples, as->rate_hz,
                   (unsigned long long)as->gaps, (unsigned long long)as->ring_drops,
                   (unsigned long long)as->bad_lines, (unsigned long long)as->reconnects);
        }
        char rate_txt[48] = "no samples";
        if (isfinite(rate))
            snprintf(rate_txt, sizeof rate_txt, "%.1f Hz (jitter %.2f ms)", rate, jitter);
        say(s, "Session %lld %s. Sample rate %s, %lld dropped, %lld unreadable lines.", (long long)s->session_id,
            fin == STORE_SESSION_COMPLETE ? "complete" : "stopped", rate_txt, (long long)drops, (long long)bad);
        if (st == ST_OK && store_pending_count(s->store) > 0)
            st = st_err_set(err, ST_ERR_DISK_FULL, "%zu repetition(s) could not be written to the database",
                            store_pending_count(s->store));
    }
    for (int c = 0; c < ST_MAX_CHANNELS; c++) {
        acq_stop(s->ch[c].acq);
        free(s->ch[c].buf);
        free(s->ch[c].tt);
        free(s->ch[c].tf);
    }
    st_wake_free(&s->wake); /* after every acquisition thread is joined: none signals it now */
    pthread_mutex_destroy(&s->mu);
    ui_close(s->ui);
    if (st == ST_OK && s->session_id > 0)
        sync_after_session(s);
    eng_free(s->eng);
    if (s->proto_loaded)
        proto_free(&s->proto);
    if (!o->store) /* the caller's stays open */
        store_close(s->store);
    repview_free(&s->rv);
    free(s->recs);
    free(s);
    return st;
}
