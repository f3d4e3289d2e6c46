/*
 * ui.h - the live screens of the station (SDL2 + SDL2_ttf): the therapist view and the patient view.
 *
 * The UI observes state; it owns none. Each frame the station fills a struct ui_model (plain data,
 * computable without SDL: from the engine's view, the device status and the store) and calls
 * ui_frame(), which draws one frame of every view and presents it, in the manner of SDL2's testdraw2
 * loop(): ui_poll() (events -> actions), then ui_frame() (draw, present).
 *
 *     struct ui_opts o = ui_opts_default();
 *     struct ui *ui; struct st_err err;
 *     if (ui_open(&o, &ui, &err) != ST_OK) { ...st_err_msg(&err): run headless instead... }
 *     struct ui_model m; ui_model_init(&m);
 *     for (;;) {
 *         struct ui_input in;
 *         ui_poll(ui, &in);
 *         if (in.quit) break;
 *         for (int i = 0; i < in.n_actions; i++) ...the station decides what in.actions[i] does...
 *         ...fill m from the engine, the devices and the store...
 *         if (ui_frame(ui, &m, &err) != ST_OK) ...
 *     }
 *     ui_close(ui);
 *
 * Views and layout: the therapist view shows everything (curve with axes, threshold and best lines, the
 * numbers, the block's rep table, the balance, the device status bar with the drop counter, buttons and
 * the key help line). The patient view is big, simple and high-contrast, readable at 3 m: the cue word,
 * the live force as a bar with the target line, the current number, the side and direction in plain
 * words; it never shows flags or other patient data. struct ui_opts picks one window with both views
 * side by side, or two windows (the patient's on a second monitor, optionally full screen).
 *
 * Ownership: the caller owns the model and every trace it points to; ui_frame() only reads them during
 * the call. The UI allocates when it opens, when a window is resized and when a new text appears (text
 * textures are cached, bounded, keyed by string, font and size; numbers are drawn from cached glyphs),
 * never in a steady frame.
 *
 * Threads: every ui_ function must be called from the thread that called ui_open() (SDL's rule).
 * Process-wide: ui_open() asks SDL not to install signal handlers (SIGINT and SIGTERM stay the
 * station's) and to draw lines natively; ui_close() shuts SDL's video and audio down again.
 * Errors: functions return enum st_status and fill err with a sentence a therapist can act on; no
 * display is ST_ERR_DISPLAY, a missing font file ST_ERR_NOT_FOUND naming the file and the Debian
 * package. Nothing here calls exit().
 */
#ifndef STATION_STATION_UI_H
#define STATION_STATION_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "common/sample.h"
#include "protocols/balance.h"
#include "protocols/limb.h"

/* ---------------------------------------------------------------------------------------------- */
/* Traces: caller-owned point storage for the live curves (pure, no SDL)                          */
/* ---------------------------------------------------------------------------------------------- */

/*
 * A circular buffer of (t seconds, force N) points over caller-owned arrays, oldest first. The station
 * pushes each drained sample of a channel; the UI draws the points inside the model's time window.
 * Points must be pushed in time order (a point older than the newest is dropped and counted in
 * ->rejected). Times are any monotonic seconds (e.g. seconds since the session started).
 */
struct ui_trace {
    double *t_s;     /* caller-owned, cap elements */
    double *force_n; /* caller-owned, cap elements */
    size_t cap;
    size_t first;    /* index of the oldest point */
    size_t n;        /* points held (<= cap) */
    size_t rejected; /* points refused because they went back in time or were not finite */
};

/* Initialises tr over t_s and force_n (cap elements each; the caller keeps them alive). cap 0 makes a
 * trace that holds nothing. */
void ui_trace_init(struct ui_trace *tr, double *t_s, double *force_n, size_t cap);

/* Appends a point, overwriting the oldest when full. Returns false (and counts it) for a non-finite
 * point or one older than the newest. */
bool ui_trace_push(struct ui_trace *tr, double t_s, double force_n);

/* Forgets every point (keeps the storage). */
void ui_trace_clear(struct ui_trace *tr);

/* Point i (0 = oldest). i must be < tr->n. */
void ui_trace_get(const struct ui_trace *tr, size_t i, double *t_s, double *force_n);

/* ---------------------------------------------------------------------------------------------- */
/* The model: everything the screen shows (plain data, no SDL)                                    */
/* ---------------------------------------------------------------------------------------------- */

#define UI_MAX_CURVES ST_MAX_CHANNELS
#define UI_MAX_DEVICES ST_MAX_CHANNELS
#define UI_MAX_REPS 12

/* What the patient is asked to do now: picks the wording and colour of the cue on both views. */
enum ui_cue {
    UI_CUE_NONE = 0, /* nothing to do (no session yet) */
    UI_CUE_WAIT,     /* setup, tare, review, next block: "Get into position" / "Relax the leg" */
    UI_CUE_READY,    /* countdown: "Get ready" and the seconds 3-2-1 */
    UI_CUE_PUSH,     /* "Push!" (manual: after the countdown; auto: armed, waiting for onset) */
    UI_CUE_HOLD,     /* contraction under way: "Hold" */
    UI_CUE_RELAX,    /* the rep ended: "Relax" */
    UI_CUE_REST,     /* rest between reps: "Rest 20 s" */
    UI_CUE_PAUSED,   /* the therapist paused */
    UI_CUE_DONE,     /* the session is complete: "Well done" */
    UI_CUE_STOPPED,  /* the session was aborted or stopped: "Test stopped" (never "Well done") */
    UI_CUE_COUNT
};

/* The status of a repetition in the block's table (mirrors the engine's rep status). */
enum ui_rep_status { UI_REP_PENDING = 0, UI_REP_ACCEPTED, UI_REP_REJECTED, UI_REP_INTERRUPTED };

/* The actions the therapist's keys and buttons map to. */
enum ui_action {
    UI_ACT_NONE = 0,
    UI_ACT_START,  /* Space / Enter: start, next rep, next block */
    UI_ACT_REDO,   /* R: redo the last rep */
    UI_ACT_REJECT, /* X: reject the last rep */
    UI_ACT_ACCEPT, /* A: accept a flagged rep */
    UI_ACT_SKIP,   /* S: skip the block */
    UI_ACT_PAUSE,  /* P: pause or resume (the station knows which) */
    UI_ACT_NOTE,   /* N: enter pain and a note (the station opens its struct ui_entry) */
    UI_ACT_ABORT,  /* Esc twice, or Esc then Y: abort the session (already confirmed) */
    UI_ACT_COUNT
};

/* "start", "redo", ... for logs and tests; "none" for UI_ACT_NONE, "?" out of range. */
const char *ui_action_name(enum ui_action a);

struct ui_session {
    char protocol[96];        /* "Supine hip ADD/ABD, long lever 0°" */
    char position[128];       /* "Supine, hips 0°: pad 5 cm above the ankle" */
    bool auto_mode;           /* hands-free (--auto) rather than therapist-paced */
    int block, n_blocks;      /* 1-based block i of n; n_blocks 0 = no block yet */
    enum st_dir dir;          /* ADD / ABD of the block */
    enum st_side side;        /* left / right / both */
    int rep, n_reps;          /* 1-based rep i of n in the block (n includes extra reps); 0 = none */
    bool familiarisation;     /* this rep is a practice rep at about 50 % effort */
    char state[32];           /* the engine's state name: "Countdown", "Contraction", ... */
    double state_remaining_s; /* seconds left in the state (countdown, hold, rest); NAN = none */
    enum ui_cue cue;
    char cue_text[96];    /* the therapist's big cue line; "" = the default words of cue */
    char patient_cue[48]; /* the patient's cue word; "" = the default words of cue */
    bool paused;          /* the Pause button reads "Resume" */
    bool complete;        /* the session is over */
};

/* The last repetition, for the therapist. */
struct ui_last_rep {
    bool valid;      /* there is a last rep */
    double peak_n;   /* its F_peak */
    char flags[128]; /* its quality flags in words (ui_flag_words: "released too early"); "" = none */
    bool saved;      /* set only once the store has committed it */
    char next[128];  /* what happens next because of it ("one more rep follows", "accept (A), reject (X)
                      * or redo (R) it"); "" = nothing special */
};

/* One row of the block's rep table. */
struct ui_rep {
    int index;      /* 1-based rep number in the block */
    int pain;       /* the patient's pain 0-10 entered for it; -1 none */
    double peak_n;  /* NAN while not measured */
    char flags[64]; /* "" = none */
    enum ui_rep_status status;
    bool familiarisation;
    bool saved;
};

/* The live numbers and curves. */
struct ui_curve {
    const struct ui_trace *trace; /* caller-owned; NULL = no curve */
    char label[24];               /* "Left", "Right", "Inner pad" (legend, shown with 2+ curves) */
};

struct ui_live {
    double force_n;      /* current force of the active channel (tared); NAN = no reading */
    double block_best_n; /* this block's best counting peak; NAN = none yet */
    double last_peak_n;  /* the last rep's peak; NAN = none */
    double threshold_n;  /* the onset threshold line (tared N); NAN = not drawn */
    double target_n;     /* the patient's target line; NAN = block_best_n */
    double t_now_s;      /* the right edge of the time axis, on the traces' time scale */
    double window_s;     /* width of the time axis; <= 0 = 10 s */
    double y_max_n;      /* top of the force axis; <= 0 or NAN = from the data */
    struct ui_curve curves[UI_MAX_CURVES];
    int n_curves; /* 0..UI_MAX_CURVES; curve i is drawn in ui_colour_rgb(UI_COL_CURVE0 + i) */
    int active;   /* the curve whose force is force_n (drawn on top) */
    /* The rep view, the therapist's default whenever rep is set: the rep in view with its onset at
     * x = 0, the block's earlier reps faint behind it, the hold window [0, hold_s] and the target band
     * shaded. The T key switches to the rolling view of the curves above (t_now_s, window_s) and back.
     * The rep stays in view until the next one starts, so a rep under review never scrolls away. */
    const struct ui_trace *rep;                  /* caller-owned; NULL = the rolling view; an empty
                                                  * trace = the rep view with no rep yet (a new block
                                                  * starts with a clean graph) */
    double rep_onset_s;                          /* rep's time shown at x = 0; NAN = not yet known:
                                                  * the newest point is at 0 (waiting for the push) */
    const struct ui_trace *earlier[UI_MAX_REPS]; /* the block's earlier reps, times from their onset */
    int n_earlier;
    double hold_s;               /* the hold window; NAN = none */
    double band_lo_n, band_hi_n; /* the target band (both views); NAN = none */
    bool patient_no_numbers;     /* the protocol's "no numbers": the patient view shows the bar, the
                                  * target and the band but no force number (feedback changes force) */
};

enum ui_device_state { UI_DEV_NONE = 0, UI_DEV_CONNECTING, UI_DEV_CONNECTED, UI_DEV_LOST };

struct ui_device {
    char name[64]; /* family and model: "Mark-10 M5-200" */
    char port[64]; /* "/dev/ttyUSB0" */
    enum ui_device_state state;
    char message[192];       /* shown in the banner when LOST ("The dynamometer was disconnected:
                              * check the cable. The repetition will be repeated."); "" = a default */
    double rate_hz;          /* measured sample rate; NAN = unknown */
    uint64_t dropped;        /* dropped or unparseable samples this session: always shown */
    char calib_warning[128]; /* "Calibration check is 400 days old" ; "" = none */
};

/* The final balance screen (the therapist view once the session is over). Every number comes from the
 * same records the database holds (the station computes balance and previous with bal_compute over
 * them). */
struct ui_final {
    bool show;                  /* the session is over: draw this instead of the live view */
    bool stopped;               /* it was aborted or stopped (the title says so, never "Well done") */
    char title[96];             /* "Test complete" / "Test stopped: 5 of 12 reps saved" */
    bool have_previous;         /* previous holds the last earlier session on the same protocol */
    struct bal_result previous; /* its balance */
    char previous_when[32];     /* its date ("2026-11-02") */
    double error_band_pct;      /* the measurement-error band: a change within it may be noise (10) */
    double ratio_red, ratio_amber; /* the ratio's bands (below red: "low", below amber: "borderline") */
    char mass_text[32];         /* "70.0 kg" (what N·m/kg is per); "" unknown */
    /* A test started from the home: the footer holds two buttons instead of "Press any key to close",
     * "Write the report" (R; a click on it is reported as UI_ACT_REDO, as R is) and "Back to the
     * patient" (Enter, Esc or B; a click is reported as UI_ACT_START), with report_line above them. */
    bool offer_report;
    char report_line[300]; /* "Report written: /path/session-12-report.pdf", or why not; "" = none */
};

/*
 * Pain (0-10) and a note, for the last rep and on the session (N): the station's entry, drawn over
 * the therapist view while open. The station owns the text as typed (ui_poll reports the typing as
 * struct ui_edit while ui_entry_input is on) and says here why Enter did not save.
 */
enum ui_entry_field { UI_ENTRY_PAIN = 0, UI_ENTRY_REP_NOTE, UI_ENTRY_SESSION_NOTE, UI_ENTRY_FIELDS };
struct ui_entry {
    bool open;
    char rep[64];            /* the rep the pain and first note are for ("rep 2 of block 1, adduction
                              * left"); "" = no rep yet: only the session's note is shown */
    char pain[8];            /* as typed: "" none, else a whole number 0-10 */
    char rep_note[512];      /* the rep's note (UTF-8) */
    char session_note[1024]; /* a new note on the session (UTF-8) */
    int focus;               /* enum ui_entry_field with the keyboard */
    char message[160];       /* why Enter did not save ("Pain: type a whole number from 0 to 10");
                              * "" = none */
};

struct ui_model {
    struct ui_session session;
    struct ui_last_rep last;
    struct ui_rep reps[UI_MAX_REPS]; /* the block's reps, in order */
    int n_reps;
    bool have_balance;         /* balance holds the session's balance so far */
    struct bal_result balance; /* from eng_balance / bal_compute */
    struct ui_live live;
    struct ui_device devices[UI_MAX_DEVICES];
    int n_devices;
    char alert[192];           /* another prominent message (e.g. "The disk is full: ..."),
                                * shown in amber on the therapist view; "" = none */
    char notice[160];          /* news in words, shown under the cue ("Block 2 skipped: 1 rep counts",
                                * "Reps differ by more than 10 %: one more rep follows"); "" = none */
    char local_time[16];       /* the wall clock, local time ("14:32"), shown in the header; "" = none */
    struct ui_final final;     /* the final balance screen, shown when final.show */
    char start_label[24];      /* the Start button's word ("Start", "Next block"); "" = "Start" */
    unsigned actions_disabled; /* bit (1u << action): that button is greyed and clicks on it
                                * are ignored; keys are always reported */
    struct ui_entry entry;     /* pain and notes, drawn over the therapist view when entry.open */
};

/* Fills m with an empty model: no session, NAN numbers, no curves, no devices. */
void ui_model_init(struct ui_model *m);

/* The default cue words of a cue, for the patient (remaining_s gives "Rest 20 s"; NAN = none):
 * "Get ready", "Push!", "Hold", "Relax", "Rest 20 s", "Paused", "Well done", "Get into position".
 * Writes into buf (size bytes) and returns buf. */
const char *ui_cue_words(enum ui_cue cue, double remaining_s, char *buf, size_t size);

/* A rep's quality flags (enum met_flag bits) in the words a therapist reads, never the internal names:
 * "pushing before the start", "leg not still before the start", "pulled back before pushing",
 * "over the gauge's range", "released too early", "no push detected", "already pushing when the
 * zero was read", "pushed the wrong way"; a flag without words here is shown by its name with spaces.
 * Joined with ", " into buf (size bytes; whole words only); returns buf ("" for none). */
const char *ui_flag_words(unsigned flags, char *buf, size_t size);

/* The words beside a balance flag's colour: a ratio is "low" (red), "borderline" (amber) or "normal";
 * an asymmetry "large", "moderate" or "within 10 %"; "" for BAL_NONE. */
const char *ui_ratio_word(enum bal_flag f);
const char *ui_asym_word(enum bal_flag f);


/* The plain words of a direction for the patient: "squeeze in" (ADD) / "push out" (ABD). */
const char *ui_dir_plain(enum st_dir d);

/* ---------------------------------------------------------------------------------------------- */
/* Windows                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

enum ui_layout {
    UI_LAYOUT_AUTO = 0,      /* two windows when SDL reports more than one display, else one */
    UI_LAYOUT_ONE_WINDOW,    /* one window: therapist view left, patient view right */
    UI_LAYOUT_TWO_WINDOWS,   /* a therapist window and a patient window */
    UI_LAYOUT_THERAPIST_ONLY /* one window, therapist view only (no patient screen) */
};

enum ui_view { UI_VIEW_THERAPIST = 0, UI_VIEW_PATIENT, UI_VIEW_COUNT };

/*
 * The layout unit of view v drawn at w x h pixels on a display of ddpi dots per inch (pure): every size
 * of the view is a multiple of it, so text scales with the window and with the display's DPI. From
 * the window: 1.0 at the view's reference size (therapist 1000 x 780, patient 800 x 600), the smaller
 * of the two ratios, so the layout always fits. From the display: not below 0.55 x DPI / 96, which
 * keeps the smallest text as many millimetres high as in a small window of a 96 DPI screen, as far as
 * 15 % beyond the window's own unit (further, the layout would overflow the window) - so a small
 * window on a dense display gets larger text than its size alone would give. (The patient's view sizes
 * its big words from its height and takes the same unit for the rest.) ddpi <= 0 or NAN: 96 (unknown); the DPI factor is taken in 1..3; the result
 * is at most 3.0 (and the floor never exceeds it).
 */
float ui_layout_unit(enum ui_view v, int w, int h, float ddpi);

struct ui_opts {
    enum ui_layout layout;
    int width, height;                 /* therapist window, or the one window; <= 0 = nine tenths of the
                                        * display's usable area (at least 640 x 400), or 1600 x 900
                                        * when SDL cannot tell the display's size */
    int patient_width, patient_height; /* two windows: the patient window; <= 0 = as above on its display */
    bool patient_fullscreen;           /* two windows: the patient window fills its display */
    int patient_display;               /* display index for the patient window; -1 = the last one */
    const char *patient_display_name;  /* the display SDL names so (the Settings page's choice): wins
                                        * over patient_display while it is connected; read in ui_open */
    bool sound;                        /* false: ui_sound() is silent */
    float dpi;                         /* the display's DPI; <= 0 = ask SDL (SDL_GetDisplayDPI; 96 when
                                        * it cannot tell): for a display that misreports, and tests */
    const char *font;                  /* NULL = STATION_FONT */
    const char *font_bold;             /* NULL = STATION_FONT_BOLD */
    const char *font_fallback;         /* for scripts the font lacks (CJK); NULL = STATION_FONT_FALLBACK,
                                        * "" = none. A missing file only loses those characters. */
    const char *title;                 /* window title; NULL = "Station" */
    bool lazy; /* ui_frame draws only when what it would draw changed (the station: a window that costs
                * nothing while nothing moves), at most once a refresh interval; numbers that alone
                * changed (the force, the seconds left) are redrawn at most 4 times a second, and then
                * only the therapist's cue strip and numbers panel and the patient's numbers; a curve
                * that grows draws its new points. false: every call draws everything (tests). */
};

/* AUTO layout, default sizes, patient window windowed on the last display, sound on, default fonts. */
struct ui_opts ui_opts_default(void);

struct ui;

/*
 * Opens the windows, the fonts and (if it can) the sound device. On success *out is a new UI the
 * caller frees with ui_close(). Errors: ST_ERR_DISPLAY when no display can be opened ("No display:
 * run with --headless, or start it from the desktop"), ST_ERR_NOT_FOUND when a font file is missing
 * (the message names the file and the Debian package fonts-dejavu-core), ST_ERR_NOMEM. No sound
 * device is not an error: the UI is then silent.
 */
enum st_status ui_open(const struct ui_opts *opts, struct ui **out, struct st_err *err);

/* Closes the windows and frees everything. ui may be NULL. */
void ui_close(struct ui *ui);

/* The layout actually opened (never UI_LAYOUT_AUTO). */
enum ui_layout ui_layout_get(const struct ui *ui);

/* ---------------------------------------------------------------------------------------------- */
/* Input                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

#define UI_MAX_ACTIONS 16
#define UI_MAX_EDITS 64

/* Typing in the entry (ui_entry_input on): text, or a key that edits or moves. */
enum ui_edit_kind {
    UI_EDIT_TEXT = 0,  /* .text: typed text, UTF-8 (SDL's text input: an input method may compose it) */
    UI_EDIT_BACKSPACE, /* erase the character before the caret (the end of the field) */
    UI_EDIT_NEXT,      /* Tab or Down: the next field */
    UI_EDIT_PREV,      /* Shift+Tab or Up: the previous field */
    UI_EDIT_ENTER,     /* Enter: save */
    UI_EDIT_CANCEL     /* Esc: close without saving */
};
struct ui_edit {
    enum ui_edit_kind kind;
    char text[32];
};

struct ui_input {
    enum ui_action actions[UI_MAX_ACTIONS]; /* in the order they happened */
    int n_actions;
    struct ui_edit edits[UI_MAX_EDITS]; /* while ui_entry_input is on: the typing, in order (and no
                                         * actions: every key types or edits); when full, the rest
                                         * waits in SDL's queue for the next ui_poll */
    int n_edits;
    bool quit;          /* a window was closed (the station decides: confirm, abort, save) */
    bool abort_pending; /* Esc or q was pressed once: the views ask "again, or Y, to abort" */
    bool help;          /* the help overlay is open (F1, H or ? toggle it; any other key closes it) */
    bool any_key;       /* a key was pressed (the final screen closes on any key) */
};

/*
 * Handles the pending window events (resize, close, keys, clicks) without waiting, and fills in with
 * the actions: Space/Enter start, R redo, X reject, A accept, S skip, P pause, Esc or Q abort (asked
 * first: a second Esc or Q, or Y, confirms; any other key cancels), and clicks on the therapist view's
 * buttons; N the entry of pain and notes (UI_ACT_NOTE: the station opens it and calls ui_entry_input).
 * F or F11 toggles full screen on the focused window; F1, H or ? the help overlay listing
 * every key (any other key closes it and does nothing else); T the therapist's curve between the rep
 * view and the rolling 10 s view; V the patient's half of the one-window layout (hidden: the therapist
 * view takes the whole window). Returns the number of actions.
 */
int ui_poll(struct ui *ui, struct ui_input *in);

/* Turns the entry's typing on (SDL's text input; keys come as in->edits, not actions) or off. */
void ui_entry_input(struct ui *ui, bool on);

/* The centre of action a's button in its window's coordinates (for tests and kiosks); false when the
 * button is not on screen (no frame drawn yet, or no such button). */
bool ui_button_center(const struct ui *ui, enum ui_action a, int *x, int *y);

/* ---------------------------------------------------------------------------------------------- */
/* Drawing                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

/*
 * Draws one frame of every view from m and presents it. With opts.lazy, only when it would differ from
 * the last one drawn and then only what differs, at most once in each of the display's refresh
 * intervals (ui_refresh_ns): a call that finds nothing to draw, or comes before the next interval, costs
 * a comparison of m (microseconds) - the station may call it whenever it wakes (ui_next_frame_ns says
 * when a frame is due). Without opts.lazy every call draws everything (tests). m and its traces are
 * only read. It never waits for the display.
 * On SDL's offscreen and dummy video drivers (tests, machines without a GPU) the views are drawn by
 * the software renderer; on a desktop by the accelerated one (OpenGL under X11).
 */
enum st_status ui_frame(struct ui *ui, const struct ui_model *m, struct st_err *err);

/* Frames ui_frame() has drawn and presented since ui_open() (with opts.lazy, the calls that found
 * nothing changed are not counted). For tests and the benchmark. */
uint64_t ui_frames_drawn(const struct ui *ui);

/*
 * For a loop that sleeps until something happens (opts.lazy): when ui_frame(ui, m) will next draw, on
 * st_now_ns()'s clock. At or before now: call ui_poll and ui_frame now (a frame is due, or the window
 * system has events waiting: a key, a click, a resize, a window uncovered). Later: then (the display's
 * next refresh interval, or the 250 ms after which numbers alone are redrawn). INT64_MAX: m shows nothing
 * new; sleep until a sample, a change of m, the window system's fd (ui_event_fd) or the loop's own
 * deadlines, and ask again. Without opts.lazy: always now. Reads m like ui_frame; draws nothing.
 */
int64_t ui_next_frame_ns(struct ui *ui, const struct ui_model *m);

/* The display's refresh interval in nanoseconds (SDL_GetCurrentDisplayMode on the therapist window's
 * display; 60 Hz when it does not say, at most 240 Hz): lazy frames are at most one in each. */
int64_t ui_refresh_ns(const struct ui *ui);

/* The start of the next refresh interval a lazy frame may be drawn in (st_now_ns()'s clock, always
 * later than now; INT64_MAX without a ui). For a loop that looks again at the latest a refresh interval
 * later when ui_next_frame_ns says nothing is due: it should look then, at the interval's start, not an
 * interval from when it last looked - a frame drawn a wake-up after its interval began is late by that
 * much, and one that slips past the next interval's start loses a whole interval (the sample it shows
 * waits up to two intervals instead of one). */
int64_t ui_next_slot_ns(const struct ui *ui);

/* The file descriptor that turns readable when the window system has events for ui_poll (the X11
 * connection), for a loop that sleeps in poll(); -1 when there is none (SDL's offscreen and dummy
 * drivers, Wayland): then wake at least every ui_refresh_ns to call ui_poll. Events the window
 * system had already delivered do not make it readable again: ui_next_frame_ns answers "now" for them. */
int ui_event_fd(const struct ui *ui);

/* Is view v on screen now (the patient's view: not switched off with V)? For the station, which stores
 * with each rep what the patient saw. */
bool ui_view_shown(const struct ui *ui, enum ui_view v);

/* Resizes view v's window to w x h (the one window for both views in the one-window layout), as a
 * user dragging its corner would; the next ui_frame() lays the views out anew. */
enum st_status ui_window_resize(struct ui *ui, enum ui_view v, int w, int h, struct st_err *err);

/* The colours the views use, as 0xRRGGBB (for tests looking at pixels, and for reports). */
enum ui_colour {
    UI_COL_BG,     /* therapist background */
    UI_COL_CURVE0, /* channel curves 0..3 */
    UI_COL_CURVE1,
    UI_COL_CURVE2,
    UI_COL_CURVE3,
    UI_COL_THRESHOLD,   /* the onset threshold line */
    UI_COL_BEST,        /* the block's best line */
    UI_COL_LOST,        /* the device-lost banner */
    UI_COL_ALERT,       /* the amber alert banner */
    UI_COL_PATIENT_BG,  /* patient background */
    UI_COL_PATIENT_BAR, /* the patient's force bar */
    UI_COL_TARGET,      /* the patient's target line */
    UI_COL_FLAG_RED,
    UI_COL_FLAG_AMBER,
    UI_COL_FLAG_NORMAL,
    UI_COL_NOTICE, /* the news banner (a skipped block, one more rep follows): blue, not an alarm */
    UI_COL_COUNT
};
uint32_t ui_colour_rgb(enum ui_colour c);

/* A view's last frame, read back from the renderer: ARGB8888 pixels, row-major, pitch = w pixels. */
struct ui_image {
    const uint32_t *px; /* owned by the UI, valid until the next ui_view_pixels() or ui_close() */
    int w, h;
};

/* Reads view v's last drawn frame into *img. ST_ERR_ARG when v is not shown in this layout or no frame
 * was drawn yet; ST_ERR_DISPLAY when the renderer cannot read back. */
enum st_status ui_view_pixels(struct ui *ui, enum ui_view v, struct ui_image *img, struct st_err *err);

/* What view v's window shows now, read back from the window itself (its whole surface: both views in the
 * one-window layout), for tests that what was presented in pieces is the frame. Same errors as
 * ui_view_pixels; valid until the next read-back. */
enum st_status ui_window_pixels(struct ui *ui, enum ui_view v, struct ui_image *img, struct st_err *err);

/* 0xRRGGBB of the pixel at (x, y) of img; 0xFFFFFFFF outside. */
uint32_t ui_image_rgb(const struct ui_image *img, int x, int y);

/* Writes view v's last frame to path: a PNG when path ends in ".png" (any case), else a BMP
 * (SDL_SaveBMP). ST_ERR_IO names the path on failure. */
enum st_status ui_screenshot(struct ui *ui, enum ui_view v, const char *path, struct st_err *err);

/* Encodes w x h pixels (0xRRGGBB in the low 24 bits, row-major, pitch w) as an 8-bit RGB PNG file at
 * path (zlib for the deflate stream and the CRCs). ST_ERR_ARG for no pixels or a side over 32768,
 * ST_ERR_IO naming the path (nothing is left there), ST_ERR_NOMEM. */
enum st_status ui_png_write(const char *path, const uint32_t *px, int w, int h, struct st_err *err);

/* Where the point (t_s, force_n) of the last frame's curve lands in view v's image (pixel x, y), from
 * the axes that frame used. False when v has no curve plot or no frame was drawn. */
bool ui_plot_map(const struct ui *ui, enum ui_view v, double t_s, double force_n, int *x, int *y);

/* The last frame's plot area in view v's image (x, y, w, h). False as above. */
bool ui_plot_rect(const struct ui *ui, enum ui_view v, int *x, int *y, int *w, int *h);

/* ---------------------------------------------------------------------------------------------- */
/* Sound                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

/* The cue sounds (the engine's sound kinds). */
enum ui_sound {
    UI_SOUND_NONE = 0,
    UI_SOUND_TICK, /* countdown tick: short 880 Hz */
    UI_SOUND_GO,   /* "Push!": longer 1320 Hz */
    UI_SOUND_STOP, /* "Relax" / stop: 440 Hz */
    UI_SOUND_DONE, /* the block or session is done: two 660 Hz beeps */
    UI_SOUND_COUNT
};

/* Plays a cue sound now (cutting off the previous one). Silent without a sound device, with
 * opts.sound false or for UI_SOUND_NONE; never fails. */
void ui_sound(struct ui *ui, enum ui_sound kind);

/* True when a sound device is open (the UI can beep). */
bool ui_sound_available(const struct ui *ui);

/* Renders kind as mono float samples at rate Hz into out (up to max samples; pure, for tests and for
 * the headless terminal); returns the number of samples the sound has (may exceed max: then only max
 * were written). */
size_t ui_sound_render(enum ui_sound kind, int rate, float *out, size_t max);

#endif
