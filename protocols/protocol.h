/*
 * protocol.h - test protocols as data: one INI file per protocol in protocols/, read with inih, checked
 * field by field, and expanded into the ordered plan of repetitions the engine walks.
 *
 * A protocol says everything about the conditions of a test that a result must carry (position, hip
 * flexion, lever, contraction type, block order and its seed) and everything the engine needs to guide
 * it (familiarisation, reps, hold, rest, countdown, the onset threshold, the extra-rep rule) and the
 * bands the balance flags with. The loader keeps the file's full text and its path in the definition,
 * so the store can save the exact conditions of every session (issue 5).
 *
 * ## The file format
 *
 *     ; supine-0.ini - comments start with ';' or '#' at the start of a line, or ' ;' after a value
 *     [protocol]
 *     name = supine-0               ; required: [a-z0-9_-], 1-63 chars; --protocol supine-0
 *     title = Supine long-lever hip ADD/ABD, hips at 0°      ; required, up to 127 bytes
 *     position = supine, hips 0°, pad 5 cm above the malleolus ; required, up to 255 bytes
 *     hip_flexion_deg = 0           ; required, 0-120
 *     lever = long                  ; required: long | short
 *     contraction = make            ; required: make (isometric) | break (eccentric: read higher)
 *     gravity_correction = no       ; optional (default no): yes | no; side-lying ABD
 *     [order]
 *     mode = fixed                  ; required: fixed | alternating | random
 *     seed = 0                      ; optional (default 0), 0-4294967295; see "Order" below
 *     [blocks]
 *     block = adduction left 0      ; direction side channel; at least 1, at most 8, in order
 *     block = adduction right 0     ; direction: adduction | abduction (add | abd)
 *     block = abduction left 0      ; side: left | right | both (both: adduction only, the squeeze)
 *     block = abduction right 0     ; channel: 0-3, the gauge or pad that measures this block
 *     [reps]
 *     familiarisation = 1           ; required, 0-3 reps at ~effort % before a block's first rep
 *     familiarisation_effort_pct = 50 ; optional (default 50), 10-100
 *     reps = 3                      ; required, 1-10 measured reps per block
 *     hold_s = 5                    ; required, 1-10 s
 *     rest_s = 30                   ; required, 0-300 s between reps
 *     countdown_s = 3               ; required, 0-10 s (manual mode: then "Push!")
 *     block_rest_s = 30             ; optional (default rest_s), 0-600 s before a new block
 *     [quality]                     ; optional section; the defaults are CLINICAL.md's
 *     onset_threshold_n = 5         ; (5) > 0, <= 100: the 5 N floor of max(3 sigma, 5 N)
 *     cv_limit_pct = 10             ; (10) > 0, <= 100: CV above it asks for one more rep
 *     max_extra_reps = 2            ; (2) 0-5 extra reps per block (CV rule and auto replacements)
 *     [flags]                       ; optional section; the defaults are CLINICAL.md's
 *     ratio_red = 0.80              ; (0.80) ADD:ABD below it is red; > 0
 *     ratio_amber = 0.90            ; (0.90) below it amber; must be above ratio_red, <= 5
 *     asymmetry_amber_pct = 10      ; (10) above it amber; > 0
 *     asymmetry_red_pct = 15        ; (15) above it red; must be above the amber band, <= 100
 *     [feedback]                    ; optional section: what the patient's screen shows
 *     patient_view = big_force      ; (big_force) big_force: the force in big numbers with the bar;
 *                                   ; no_numbers: the bar and the target band only (feedback changes
 *                                   ; force: the condition is stored with every rep)
 *     target_low_pct = 90           ; (90) the target band's low edge, % of the block's best, 50-100
 *     target_high_pct = 110         ; (110) its high edge, 100-150
 *
 * Rules: every key belongs to one of these sections; an unknown section or key is an error (it catches
 * typos such as "hold = 5"); a key given twice is an error (except block); numbers are plain decimals
 * without units ("5", "1.5"; integers where the range says reps); the same block line twice (same
 * direction, side and channel) is an error, a likely copy-paste slip. The same direction and side on
 * two channels are two blocks, and the balance pools their reps. Lines are at most 190 characters. Leading spaces are ignored (no continuation lines).
 *
 * ## Order
 * - fixed: the blocks in file order, each block's reps back to back (familiarisation first).
 * - alternating: the blocks are grouped by direction (in order of the direction's first block); within
 *   a group the blocks alternate rep by rep - ADD L fam, ADD R fam, ADD L1, ADD R1, ADD L2, ... - so one
 *   side rests while the other works. A group of one block (the squeeze) is back to back.
 * - random: the blocks in an order shuffled with a seed (Thorborg 2010), each block's reps back to back.
 *   The seed used is the file's seed when it is not 0; with seed = 0 the station draws one at session
 *   start and gives it to the engine (eng_config.seed). Either way the seed and the resulting order are
 *   stored with the session, and proto_plan_make() gives the same order for the same seed forever (a
 *   fixed splitmix64 + Fisher-Yates shuffle: do not change it, stored sessions rely on it).
 *
 * ## Errors
 * Loading returns ST_ERR_PARSE with one message naming the file, the line and what is wrong, the first
 * problem in the file: "protocols/x.ini line 12: hold_s must be between 1 and 10 s, not 40". A missing
 * key names the key and the line of its section ("protocols/x.ini line 9: [reps] lacks hold_s"); a
 * missing section names the end of the file.
 *
 * This module does no I/O: it parses text. Reading protocol files and the protocol folder is the
 * station's (station/protocol_files.h), so the engine's tests and the fuzzer feed it text directly.
 *
 * Threads: the functions keep no global state and may be called from any thread.
 */
#ifndef STATION_PROTOCOLS_PROTOCOL_H
#define STATION_PROTOCOLS_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "common/sample.h"
#include "protocols/limb.h"

#define PROTO_MAX_BLOCKS 8
#define PROTO_MAX_REPS 10
#define PROTO_MAX_FAMILIARISATION 3
#define PROTO_MAX_EXTRA_REPS 5
#define PROTO_MAX_TEXT_BYTES 65536 /* a protocol file larger than this is refused */

enum proto_lever { PROTO_LEVER_LONG = 0, PROTO_LEVER_SHORT };
enum proto_contraction { PROTO_MAKE = 0, PROTO_BREAK };
enum proto_order { PROTO_ORDER_FIXED = 0, PROTO_ORDER_ALTERNATING, PROTO_ORDER_RANDOM };
/* What the patient's screen shows while they push ([feedback] patient_view). */
enum proto_feedback { PROTO_FEEDBACK_BIG_FORCE = 0, PROTO_FEEDBACK_NO_NUMBERS };

/* "long" / "short"; "make" / "break"; "fixed" / "alternating" / "random" ("?" out of range). */
const char *proto_lever_name(enum proto_lever l);
const char *proto_contraction_name(enum proto_contraction c);
const char *proto_order_name(enum proto_order o);
/* "big_force" / "no_numbers" ("?" out of range): the names in the file, stored with each rep. */
const char *proto_feedback_name(enum proto_feedback f);

/* One block: the reps of one direction and side, measured on one channel. */
struct proto_block {
    enum st_dir dir;
    enum st_side side; /* ST_SIDE_BOTH only with ST_DIR_ADD (bilateral squeeze) */
    int channel;       /* 0..ST_MAX_CHANNELS-1 */
    int line;          /* the line of the file it came from (for messages) */
};

/*
 * A loaded protocol. Plain data except text, which the loader allocates and proto_free() releases; a
 * copy of the struct shares text (so free only one of them, or set the copy's text to NULL).
 */
struct proto_def {
    /* [protocol] */
    char name[64];
    char title[128];
    char position[256];
    double hip_flexion_deg;
    enum proto_lever lever;
    enum proto_contraction contraction;
    bool gravity_correction;
    /* [order] */
    enum proto_order order;
    uint32_t seed; /* 0 = the station draws one at session start */
    /* [blocks] */
    struct proto_block blocks[PROTO_MAX_BLOCKS];
    int nblocks;
    /* [reps] */
    int familiarisation;
    double familiarisation_effort_pct;
    int reps;
    double hold_s;
    double rest_s;
    double countdown_s;
    double block_rest_s;
    /* [quality] */
    double onset_threshold_n;
    double cv_limit_pct;
    int max_extra_reps;
    /* [flags] */
    double ratio_red;
    double ratio_amber;
    double asymmetry_amber_pct;
    double asymmetry_red_pct;
    /* [feedback] */
    enum proto_feedback feedback;
    double target_low_pct, target_high_pct; /* the target band, % of the block's best */
    /* where it came from */
    char path[1024]; /* the origin given to proto_load_text (the file's path when read from a file) */
    char *text;      /* the full file text, NUL-terminated, owned (proto_free) */
    size_t text_len;
};

/*
 * Parses a protocol from text. origin names it in messages and is copied to def->path (e.g. the file's
 * path, or "<built-in demo>"). On success def is filled, def->text is a private copy of text, and the
 * caller must proto_free(def). On failure def holds nothing to free (text NULL) and err says what and
 * where (ST_ERR_PARSE; ST_ERR_NOMEM). text must be NUL-terminated.
 */
enum st_status proto_load_text(const char *origin, const char *text, struct proto_def *def,
                               struct st_err *err);

/* Frees def->text and sets it to NULL. def may be NULL; freeing twice is harmless. */
void proto_free(struct proto_def *def);

/* Checks the ranges of the values a command line may override (reps, hold, rest, countdown) with the
 * file's rules. Any argument < 0 is "not given" and passes. ST_ERR_ARG names the option: "--hold-s must
 * be between 1 and 10 s, not 40". */
enum st_status proto_check_overrides(int reps, double hold_s, double rest_s, double countdown_s,
                                     struct st_err *err);

/* ---------------------------------------------------------------------------------------------- */
/* The plan                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

#define PROTO_MAX_STEPS (PROTO_MAX_BLOCKS * (PROTO_MAX_REPS + PROTO_MAX_FAMILIARISATION))

/* One planned repetition. */
struct proto_step {
    int block;            /* index into def->blocks */
    int rep;              /* 1-based: the familiarisation rep number, or the measured rep number */
    bool familiarisation;
    bool new_group;       /* the first step of a group: a new position is shown (NEXT_BLOCK) */
};

/*
 * The order a protocol runs in, before any redo or extra rep. Blocks are run in groups: in fixed and
 * random order every group is one block; in alternating order a group is the blocks of one direction,
 * run rep by rep in turn. order[] lists the blocks in the order they are first run.
 */
struct proto_plan {
    uint32_t seed;     /* the seed the order was made with (0 outside random order) */
    int order[PROTO_MAX_BLOCKS];
    int norder;
    int group[PROTO_MAX_BLOCKS][PROTO_MAX_BLOCKS]; /* group g's blocks, in their turn order */
    int group_len[PROTO_MAX_BLOCKS];
    int ngroups;
    struct proto_step steps[PROTO_MAX_STEPS];
    int nsteps;
};

/*
 * Expands def into its plan (def->familiarisation and def->reps per block, in def->order). seed is
 * the one to shuffle with in random order (proto_seed_resolve()); ignored otherwise. Returns ST_OK, or
 * ST_ERR_ARG when def has no blocks or random order is given seed 0.
 */
enum st_status proto_plan_make(const struct proto_def *def, uint32_t seed, struct proto_plan *plan,
                               struct st_err *err);

/* The seed a session uses: def->seed when not 0, else session_seed (random order only; 0 elsewhere). */
uint32_t proto_seed_resolve(const struct proto_def *def, uint32_t session_seed);

/* The block order as text for records and screens: "ADD L, ADD R, ABD L, ABD R" (channels when more
 * than one is used: "ADD L (ch 0)"). Writes into buf and returns buf. */
const char *proto_plan_str(const struct proto_def *def, const struct proto_plan *plan, char *buf,
                           size_t size);

#endif
