/*
 * engine.h - the protocol engine: a pure state machine that walks a test protocol rep by rep.
 *
 * The engine is the therapist's co-pilot. It knows the protocol (protocol.h), says what comes next,
 * tares, counts down, decides when a repetition starts and ends, computes its metrics (metrics.h),
 * checks its quality, asks for an extra rep when the reps differ, and keeps the balance (balance.h).
 * It reads no clock and does no I/O: it is fed samples, the time and the therapist's commands, and
 * answers with events the station turns into a screen change, a sound and a database write. So tests
 * drive it with a scripted clock and scripted samples.
 *
 *     struct eng_config cfg = eng_config_default();
 *     cfg.mode = ENG_MANUAL; cfg.body_mass_kg = 70; cfg.lever_m = 0.85;
 *     struct eng *e; struct st_err err;
 *     if (eng_new(&def, &cfg, &e, &err) != ST_OK) ...
 *     for (;;) {                                   // the station's main loop, every frame:
 *         struct eng_event ev;
 *         for (size_t k = 0; k < n;) {             //   the samples drained from the ring
 *             k += eng_feed(e, samples + k, n - k); //  (it stops after a rep ends: drain, go on)
 *             while (eng_next_event(e, &ev)) ...
 *         }
 *         eng_tick(e, st_now_ns());                //   the time
 *         if (key) eng_command(e, ENG_CMD_START, st_now_ns(), &err);   // refused: show err
 *         while (eng_next_event(e, &ev)) ...       //   after EVERY eng_ call: save, sound, redraw
 *         struct eng_view v; eng_view(e, &v);      //   the screen
 *     }
 *     eng_free(e);
 *
 * ## States and the flow
 * SETUP        the first block's position is shown; waits for START (auto mode too, once).
 * TARE         0.5 s of the block's channel at rest: tare = their mean when their SD < 2 N; else the cue
 *              "Relax the leg" and a new 0.5 s window. A sample flagged ST_SAMPLE_ZEROED (the device's
 *              own zero command just took effect) starts the window afresh. A steady window more than
 *              30 N above the channel's earlier zero is a held push, refused with a cue, unless it stays
 *              so for 10 s (a new preload). The software zero (forces are raw - tare). Done
 *              once per channel per group of blocks, and again after the device comes back. The station
 *              may send the family's zero command on entering TARE; the engine does not rely on it, but
 *              when that zero takes effect only after the window closed (a zeroed sample while ARMED or
 *              in COUNTDOWN), the raw values moved: TARE again from that sample.
 * COUNTDOWN    manual mode: countdown_s with a tick cue each second, then "Push!" (the rep starts).
 * ARMED        auto mode: waits (without limit) for force onset: tared force above onset_threshold_n
 *              after having been below it (so a patient still pushing is not a new rep). A tared force
 *              more than 20 N below zero for 0.5 s means the zero was taken on a push: TARE again.
 * CONTRACTION  the rep is recording. It ends at release (force below the live threshold for 0.1 s
 *              after onset) plus a 0.3 s tail, or at onset + hold_s (cue "Relax") plus the tail,
 *              whichever comes first. Manual mode: no onset within hold_s + 5 s of "Push!" ends it as
 *              "no contraction" (never a hang). A rep ends on the first sample past its end time, or on
 *              a tick 0.5 s after its end time if samples stop coming.
 * REVIEW       manual mode only: the rep has quality flags, or had no contraction: waits for ACCEPT,
 *              REJECT or REDO (ACCEPT is refused for a rep without contraction).
 * REST         rest_s counted from the end of the last effort (its release, or its hold time; for
 *              other endings the end of the rep). Manual: then waits for START (START before
 *              the rest is over is refused: the rest is part of the protocol). Auto: goes on by itself.
 * NEXT_BLOCK   a new group of blocks: its position is shown. Manual: waits for START (any time).
 *              Auto: waits block_rest_s from the end of the last effort, then goes on (START
 *              goes on at once).
 * PAUSED       PAUSE from any live state; RESUME returns to it (REST and NEXT_BLOCK timers are frozen
 *              while paused). A rep in CONTRACTION is ended as interrupted and repeated; a TARE,
 *              COUNTDOWN or ARMED is started again on RESUME (manual: waits for START first).
 * DEVICE_LOST  the current block's device is gone (eng_device_lost); waits for eng_device_back, then
 *              TARE and that rep again.
 * COMPLETE     every block done (or skipped). ABORTED: ABORT was given. Both are final.
 *
 * Order: the blocks run in the plan of proto_plan_make() (fixed, alternating rep by rep within a
 * direction, or shuffled with the seed). Familiarisation reps (familiarisation = true, at about
 * familiarisation_effort_pct) come before a block's first measured rep; they are recorded and emitted
 * like the others but never count and never go to REVIEW.
 *
 * ## Reps, statuses and counting
 * Each rep gets a sequence number (seq: 1, 2, ... in the session). REP_ENDED carries the whole rep;
 * REP_DECIDED carries its new status when a later command changes it. The station writes the database
 * on both. `counts` says whether a rep enters the balance (status accepted, measured, not
 * familiarisation). A block needs `reps` slots (+ granted extras); a slot is used by an accepted rep or
 * by a rejected rep that is not repeated.
 * - clean rep: ACCEPTED at once, counts.
 * - manual, flagged or no contraction: PENDING, REVIEW. ACCEPT -> accepted, counts. REJECT -> rejected,
 *   not counted, not repeated (uses the slot). REDO -> rejected, not counted, repeated.
 * - auto, flagged: REJECTED at once (kept, not counted) and replaced by an extra rep while the block's
 *   max_extra_reps allow (EXTRA_REP).
 * - ACCEPT on the last rep when it was flagged (with a contraction) and rejected, by the engine (auto)
 *   or by REJECT or REDO, at any time before the next rep starts: in REST, NEXT_BLOCK, and while the
 *   next rep is prepared (TARE, COUNTDOWN, ARMED). It counts; a replacement granted for it is taken
 *   back and a slot it gave back by REDO is taken again; a rep being prepared that is then no longer
 *   owed is called off (the engine goes on as from REST). Refused once the next rep has started.
 * - REDO / REJECT also apply to the last rep after it was accepted, while the engine waits (REST,
 *   NEXT_BLOCK): REDO takes its count back and repeats it (reopening its block if it had ended),
 *   REJECT takes its count back. Not after COMPLETE.
 * - interrupted (device lost, PAUSE, SKIP_BLOCK or ABORT during CONTRACTION): INTERRUPTED, keeps every
 *   sample received, metrics computed on what there is, not counted; repeated after device lost and
 *   pause. ABORT mid-rep: the partial rep is emitted as INTERRUPTED (end ENG_END_ABORTED), not
 *   REJECTED: nobody judged it, the session stopped.
 * - extra rep: when a block's slots are all used and the CV of its counting reps (2 or more) is above
 *   cv_limit_pct, one more rep (EXTRA_REP, cue "Reps differ by more than 10 %: one more"), up to
 *   max_extra_reps per block (shared with auto replacements).
 * - SKIP_BLOCK ends the current (or upcoming) block; its counting reps so far still count. It is
 *   refused in REVIEW (decide the pending rep first).
 * - A rep still PENDING when ABORT comes stays pending: not counted, kept as it was emitted.
 *
 * ## The rep trace
 * Times in seconds from the rep's first sample, forces tared (raw - tare). It starts 1.0 s before
 * "Push!" (manual) or before the onset sample (auto), so the metrics' 0.5 s baseline has samples, and
 * ends at the latest at onset + hold_s + 0.3 s. Only the samples of the block's channel are used.
 * Samples whose time does not advance on their channel, and non-finite forces, are dropped (counted
 * in eng_view.samples_rejected).
 *
 * ## Memory and threads
 * eng_new allocates everything (two rep buffers sized from max_rate_hz and the longest rep, the
 * pre-trigger ring, the event queue); eng_feed, eng_tick and eng_command never allocate. eng_resize
 * grows the buffers when the station sees a device faster than they were sized for; until then the
 * samples that do not fit are counted, per rep (overflow, pre_lost) and per channel, never lost silently. One engine
 * belongs to one thread (the station's main loop).
 */
#ifndef STATION_PROTOCOLS_ENGINE_H
#define STATION_PROTOCOLS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "common/sample.h"
#include "protocols/balance.h"
#include "protocols/limb.h"
#include "protocols/metrics.h"
#include "protocols/protocol.h"

/* The room for one cue's or event's words (a flagged rep's flags are given in words). */
#define ENG_TEXT_SIZE 320

enum eng_state {
    ENG_SETUP = 0,
    ENG_TARE,
    ENG_COUNTDOWN,
    ENG_ARMED,
    ENG_CONTRACTION,
    ENG_REVIEW,
    ENG_REST,
    ENG_NEXT_BLOCK,
    ENG_PAUSED,
    ENG_DEVICE_LOST,
    ENG_COMPLETE,
    ENG_ABORTED,
    ENG_STATE_COUNT
};

/* "setup", "tare", "countdown", "armed", "contraction", "review", "rest", "next_block", "paused",
 * "device_lost", "complete", "aborted"; "?" out of range. */
const char *eng_state_name(enum eng_state s);

enum eng_mode { ENG_MANUAL = 0, ENG_AUTO };

enum eng_cmd {
    ENG_CMD_START = 0, /* begin / next rep / next block */
    ENG_CMD_REDO,      /* the last rep is rejected, kept, and repeated */
    ENG_CMD_REJECT,    /* the last rep is rejected, kept, not counted, not repeated */
    ENG_CMD_ACCEPT,    /* a flagged rep counts after all */
    ENG_CMD_SKIP_BLOCK,
    ENG_CMD_PAUSE,
    ENG_CMD_RESUME,
    ENG_CMD_ABORT,
    ENG_CMD_COUNT
};

/* "start", "redo", "reject", "accept", "skip", "pause", "resume", "abort"; "?" out of range. */
const char *eng_cmd_name(enum eng_cmd c);
/* Parses those names (also "skip_block", "skip-block"), case-insensitive. */
bool eng_cmd_parse(const char *text, enum eng_cmd *out);

enum eng_sound { ENG_SOUND_NONE = 0, ENG_SOUND_TICK, ENG_SOUND_GO, ENG_SOUND_STOP, ENG_SOUND_DONE };
/* "none", "tick", "go", "stop", "done". */
const char *eng_sound_name(enum eng_sound s);

/* The order matches station/store/store.h's enum store_rep_status. */
enum eng_rep_status {
    ENG_REP_ACCEPTED = 0,
    ENG_REP_PENDING,    /* waiting for the therapist (REVIEW) */
    ENG_REP_REJECTED,
    ENG_REP_INTERRUPTED /* device lost, pause, skip or abort during the rep */
};
/* "accepted", "pending", "rejected", "interrupted". */
const char *eng_rep_status_name(enum eng_rep_status s);

/* Why a rep ended. */
enum eng_rep_end {
    ENG_END_NONE = 0,       /* not ended (REP_STARTED) */
    ENG_END_RELEASE,        /* the force fell back below the threshold */
    ENG_END_HOLD,           /* hold_s after onset */
    ENG_END_NO_CONTRACTION, /* manual: no onset within hold_s + 5 s of "Push!" */
    ENG_END_DEVICE_LOST,
    ENG_END_PAUSED,
    ENG_END_SKIPPED,
    ENG_END_ABORTED
};
/* "none", "release", "hold", "no_contraction", "device_lost", "paused", "skipped", "aborted". */
const char *eng_rep_end_name(enum eng_rep_end e);

#define ENG_MAX_RATE_HZ 20000.0 /* eng_config.max_rate_hz is clamped to this */

struct eng_config {
    enum eng_mode mode;
    uint32_t seed;                          /* random order: the session's seed (see protocol.h) */
    double body_mass_kg;                    /* <= 0 or NAN: unknown (no N/kg) */
    double lever_m;                         /* the lever arm for every block; <= 0 or NAN: unknown */
    double block_lever_m[PROTO_MAX_BLOCKS]; /* > 0 overrides lever_m for that block */
    double leg_length_m;                    /* for the gravity correction; <= 0 or NAN: unknown */
    double full_scale_n[ST_MAX_CHANNELS];   /* per channel, for MET_SATURATION; <= 0 or NAN: unknown */
    double max_rate_hz;                     /* <= 0: 2000; sizes the rep buffers */
    /* Overrides of the protocol file (--reps, --hold-s, --rest-s, --countdown-s); < 0: the file's. */
    int reps;
    double hold_s;
    double rest_s;
    double countdown_s;
};

/* Manual mode, seed 0, nothing known, max rate 2000 Hz, no overrides. */
struct eng_config eng_config_default(void);

/* One repetition, as events carry it. */
struct eng_rep {
    uint32_t seq;          /* 1, 2, ... in the session */
    int block;             /* index into the protocol's blocks */
    enum st_dir dir;
    enum st_side side;
    int channel;
    int index;             /* 1-based attempt number in its block, familiarisation and measured reps
                            * numbered separately (a redone rep gets the next number) */
    bool familiarisation;
    double effort_pct;     /* 100, or familiarisation_effort_pct */
    bool extra;            /* beyond the block's planned reps (an extra or a replacement) */
    enum eng_rep_status status;
    bool counts;           /* enters the balance */
    enum eng_rep_end end;
    unsigned flags;        /* enum met_flag bits, MET_SATURATION included */
    struct met_result met; /* REP_ENDED: computed on the trace below */
    /* REP_ENDED only (NULL / 0 otherwise): the trace, valid until the next eng_ call. */
    const double *t_s;
    const double *f_n;
    size_t n;
    int64_t t0_ns;         /* station time of the first sample */
    double tare_n;         /* subtracted from every raw force */
    unsigned sample_flags; /* OR of the samples' enum st_sample_flag bits */
    unsigned gaps;         /* samples flagged ST_SAMPLE_GAP (device-clock gaps) in the trace */
    unsigned overflow;     /* samples not kept because the rep buffer was full (max_rate_hz too low) */
    unsigned pre_lost;     /* samples of the pre-trigger second not kept (the ring was too small for
                            * the device's rate): the trace starts later than 1 s before the push */
    double lever_m;        /* used for torque; NAN unknown */
    double body_mass_kg;   /* used for N/kg; NAN unknown */
    double full_scale_n;   /* used for saturation; NAN unknown */
};

enum eng_event_kind {
    ENG_EV_STATE = 0,  /* state, prev */
    ENG_EV_CUE,        /* text, sound */
    ENG_EV_TARED,      /* channel, tare_n */
    ENG_EV_REP_STARTED,/* rep (no metrics, no trace) */
    ENG_EV_REP_ENDED,  /* rep: everything */
    ENG_EV_REP_DECIDED,/* rep (no trace) with its new status and counts; decision */
    ENG_EV_EXTRA_REP,  /* block, count = extras granted in the block so far; text = why */
    ENG_EV_BLOCK_DONE, /* block, count = its counting reps, skipped */
    ENG_EV_COMPLETE,
    ENG_EV_ABORTED
};
/* "state", "cue", "tared", "rep_started", "rep_ended", "rep_decided", "extra_rep", "block_done",
 * "complete", "aborted". */
const char *eng_event_kind_name(enum eng_event_kind k);

struct eng_event {
    enum eng_event_kind kind;
    int64_t t_ns;                 /* engine time when it happened */
    enum eng_state state, prev;   /* STATE: the new and the previous state */
    enum eng_sound sound;         /* CUE */
    char text[ENG_TEXT_SIZE];     /* CUE: words for therapist and patient; EXTRA_REP: why */
    int channel;                  /* TARED */
    double tare_n;                /* TARED */
    int block;                    /* REP_*, EXTRA_REP, BLOCK_DONE: protocol block index */
    struct eng_rep rep;           /* REP_STARTED, REP_ENDED, REP_DECIDED */
    enum eng_cmd decision;        /* REP_DECIDED: ENG_CMD_ACCEPT, _REJECT or _REDO */
    int count;                    /* EXTRA_REP, BLOCK_DONE */
    bool skipped;                 /* BLOCK_DONE */
};

struct eng;

/*
 * Makes an engine for def (copied: the caller may free def afterwards; the copy does not keep
 * def->text) and cfg (NULL: eng_config_default()). Validates the overrides (ST_ERR_ARG naming the
 * option) and the plan (random order with no seed in the file nor in cfg->seed: ST_ERR_ARG). On success
 * *out is an engine in SETUP (a STATE and a CUE event are queued) that the caller frees with
 * eng_free(); on failure *out is NULL. ST_ERR_NOMEM when the buffers cannot be had.
 */
enum st_status eng_new(const struct proto_def *def, const struct eng_config *cfg, struct eng **out,
                       struct st_err *err);

/*
 * Grows the rep buffers and the pre-trigger ring for a device that sends up to max_rate_hz (clamped
 * to ENG_MAX_RATE_HZ), keeping a rep in progress and the pre-trigger window. Call it when
 * eng_view's rate_hz exceeds sized_rate_hz (a device faster than its family's nominal rate: a UHS
 * model, a new firmware, a pty); it allocates, so the station calls it between frames, never the
 * engine itself. Never shrinks. Returns ST_OK, ST_ERR_ARG for a rate that is not positive, or
 * ST_ERR_NOMEM (the old buffers stay).
 */
enum st_status eng_resize(struct eng *e, double max_rate_hz, struct st_err *err);

/* Frees e (NULL is fine). */
void eng_free(struct eng *e);

/*
 * Raw samples (untared) from the ring, in arrival order, any channel; only the current block's
 * channel is used. The engine's time also moves to the newest sample time. Never allocates.
 * Returns how many samples it took: n, or fewer when a rep ended - it stops right after the sample
 * that ended it, so the rep's trace is intact while the caller drains REP_ENDED; drain, then feed the
 * rest. The result is the same however the samples are split into calls (batch-invariant):
 *     for (size_t done = 0; done < n;) { done += eng_feed(e, s + done, n - done); drain(); }
 * With e or s NULL it takes nothing and returns n (the samples are dropped).
 */
__attribute__((warn_unused_result)) size_t eng_feed(struct eng *e, const struct st_sample *s, size_t n);

/* Time passes: timers, countdown ticks, rest ends. Call every frame and after each feed. Times that
 * go backwards are ignored. */
void eng_tick(struct eng *e, int64_t now_ns);

/*
 * When eng_tick next has something to do: the earliest time (the station's clock, ns) at which a
 * timer fires - a countdown number, "Push!", "Relax", a rep ended because samples stopped, a rest or
 * block rest over, the "no force readings" cue in TARE. INT64_MAX when only samples, commands or the
 * device's coming and going can move the engine now; the engine's time (at or before now) when a
 * timer is already due. The station's loop sleeps until then unless samples or keys wake it first;
 * ticking earlier changes nothing. Valid until the next eng_ call that changes the engine.
 */
int64_t eng_next_timer_ns(const struct eng *e);

/*
 * A therapist's command at now_ns. Timers due by now_ns fire first (as eng_tick would), then the
 * command is judged in the resulting state. Returns ST_OK, or ST_ERR_ARG with a sentence in err when
 * the command is not valid now ("Nothing to redo yet", "A repetition is in progress: wait for it to
 * end, or pause", "Rest: 12 s left before the next repetition") and then the command changes nothing.
 */
enum st_status eng_command(struct eng *e, enum eng_cmd cmd, int64_t now_ns, struct st_err *err);

/* The acquisition thread saw channel's device go / come back. Lost during a contraction ends the rep
 * as interrupted and waits; back re-tares and repeats that rep. Other channels are only noted. */
void eng_device_lost(struct eng *e, int channel, int64_t now_ns);
void eng_device_back(struct eng *e, int channel, int64_t now_ns);

/* Takes the oldest queued event into *ev; false when there is none. Drain after every eng_ call: the
 * queue holds 256 events, and a rep's trace is valid only until the next call. */
bool eng_next_event(struct eng *e, struct eng_event *ev);

/* What the screen shows. Pointers in it stay valid until the next eng_ call. */
struct eng_view {
    enum eng_state state;
    enum eng_state paused_from;  /* PAUSED: the state RESUME returns to */
    enum eng_mode mode;
    int block;                   /* the current or upcoming rep's block (protocol index); -1 at the end */
    int block_pos, nblocks;      /* 1-based position of that block in the run order, of n */
    enum st_dir dir;
    enum st_side side;
    int channel;
    const char *title;           /* the protocol's title */
    const char *position;        /* the protocol's position text */
    const char *block_label;     /* "Adduction, left leg" */
    int rep, reps;               /* measured rep i of n in the block (n includes extras); 0 in a
                                  * familiarisation rep */
    bool familiarisation;
    int fam_rep, fam_reps;       /* familiarisation rep i of n */
    double effort_pct;           /* 100, or the familiarisation effort */
    double elapsed_s;            /* in this state */
    double remaining_s;          /* countdown, hold, rest, block rest; NAN when open-ended */
    double force_n;              /* latest tared force of the channel; NAN before any sample */
    double threshold_n;          /* the live onset threshold (tared); NAN outside ARMED/CONTRACTION */
    double block_best_n;         /* this block's best counting peak; NAN none */
    bool have_last;              /* a rep has ended */
    uint32_t last_seq;
    double last_peak_n;          /* NAN when the last rep had no contraction */
    unsigned last_flags;
    enum eng_rep_status last_status;
    const char *cue;             /* the latest cue's words ("" none) */
    enum eng_sound cue_sound;
    double tare_n;               /* the channel's tare offset */
    bool tared;
    bool device_lost;            /* the channel's device is gone */
    uint32_t seed;               /* the seed the order was made with (0: not random) */
    int reps_counted;            /* counting reps in the session */
    unsigned events_dropped;     /* events lost because the queue was not drained */
    unsigned samples_rejected;   /* samples dropped: time not advancing, non-finite, bad channel */
    double rate_hz;              /* the current channel's measured rate (its last second); NAN unknown */
    double sized_rate_hz;        /* the rate the buffers hold a whole rep and pre-trigger second for */
    unsigned samples_not_kept[ST_MAX_CHANNELS]; /* per channel: overflow + pre_lost of ended reps */
};
void eng_view(const struct eng *e, struct eng_view *v);

/* The balance over the counting reps so far (bal_compute with the protocol's bands and cfg's mass,
 * levers and leg length). */
void eng_balance(const struct eng *e, struct bal_result *out);

/* The protocol as run (overrides applied; text is NULL) and its plan (the order, the seed). */
const struct proto_def *eng_protocol(const struct eng *e);
const struct proto_plan *eng_plan(const struct eng *e);

#endif
