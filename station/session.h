/*
 * session.h - one test session, end to end: devices -> rings -> engine -> screen, sound and database.
 * The main loop of `station run` and `station demo` (DESIGN.md: drain ring -> engine -> render ->
 * persist on events).
 *
 * Each turn the loop drains every channel's ring into the engine, tells the engine the time and any
 * device lost or back, handles the engine's events (a repetition is written to the database in one
 * transaction as soon as it ends, and only then shown as "saved"), reads the therapist's keys (window
 * or terminal) and, with a window, draws the model when a frame is due (ui_next_frame_ns: at most one
 * in each of the display's refresh intervals, checked at least once in each). Then it sleeps until
 * something can change. While it sleeps, the acquisition thread that read samples feeds them to the
 * engine itself (under the session's lock, which it only ever tries: a reader never waits) until the
 * engine has an event, and wakes the loop only for what is the loop's: that event (handled on the
 * loop's thread: the database, cues, frames, the end), an earlier deadline, a device's state change,
 * or samples it could not feed because the loop or another reader held the lock. The terminal wakes
 * it when a key is typed, session_interrupt on Ctrl-C, and otherwise the next deadline (the engine's
 * next timer, the next frame while a window is open). A headless station streaming while it waits
 * for a push does not wake at all. Without a display (or with headless) it prints progress and cues
 * on the terminal instead and reads keys from stdin.
 *
 * Patient data never goes to the log or stderr: the terminal shows ids, protocol, cues and numbers.
 */
#ifndef STATION_STATION_SESSION_H
#define STATION_STATION_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/status.h"
#include "common/sample.h"

struct emu;
struct ui_model;

struct session_channel {
    const char *port;   /* device port: /dev/ttyUSB0, a pty, tcp:HOST:PORT */
    const char *driver; /* family name; NULL: probe */
    int baud;           /* 0: the family's default */
    double polarity;    /* 0 or +1; -1 for a gauge that reads pushes as negative (tension) */
    const char *label;  /* curve legend ("Left", "Inner pad"); NULL: "Channel N" */
    const char *device_id; /* stored as the device's serial when the device reports none (NULL: the port) */
};

struct session_opts {
    const char *db_path;        /* NULL: paths_db() default */
    /* The caller's open database, used instead of opening db_path (NULL: session_run opens db_path and
     * closes it at its end). The caller closes it after session_run. One connection for a command's
     * whole run: each open reads the schema again (about 1.5 ms of CPU, bench/bench_peer.c). */
    struct store *store;
    const char *patient;        /* patient id or UUID (required) */
    const char *therapist;      /* operator name or initials; NULL: $STATION_THERAPIST, the
                                 * settings' therapist (station/config.h), $USER */
    const char *protocol;       /* protocol name or file; NULL: supine-0 */
    struct session_channel ch[ST_MAX_CHANNELS];
    int n_ch;
    int reps;                   /* overrides; < 0: the protocol file's */
    double hold_s, rest_s, countdown_s;
    double block_rest_s;        /* the pause between blocks; < 0: the protocol file's */
    double lever_m;             /* > 0 overrides the patient's default lever arm */
    bool headless;              /* no window even if a display is there */
    bool auto_mode;             /* hands-free */
    const char *mode_name;      /* stored with the session: "manual", "auto", "demo" (NULL: from auto) */
    /* demo: the in-process emulator of each channel, whose simulated patient pushes when the engine
     * asks for a push on that channel */
    struct emu *demo_emu[ST_MAX_CHANNELS];
    double demo_peaks[8][3];    /* per protocol block, per rep (cycled) */
    double demo_reaction_s;     /* delay between the cue and the push */
    FILE *out;                  /* progress; NULL: stdout */
    int max_calibration_age_days; /* older checks are flagged; 0: 365 */
    /* --screenshot / --exit-after-s: with a window, the therapist view's last frame is saved to
     * screenshot (PNG when it ends in .png). exit_after_s > 0: at that many seconds after the start;
     * a session still running is then stopped (every saved rep kept) right after its live frame was
     * saved, a session over by then holds its final screen until then. Without exit_after_s: the
     * final screen, when it closes. */
    const char *screenshot;
    double exit_after_s;
    /* Tests: called with the model the screen shows. With a window: after every frame (the test may
     * push SDL key events from here, as a therapist would press keys); without one: each time a
     * repetition has ended or been decided (the model is filled the same way). reps_changed is true
     * on the first call after a repetition ended or was decided; the last call, when the session is
     * over, has it true too. NULL: none. */
    void (*observe)(void *ctx, int64_t session_id, const struct ui_model *m, bool reps_changed);
    void *observe_ctx;
    /* A test started from the home: the final screen offers "Write the report" (R: the PDF of
     * `station report`, beside the database as session_report_beside writes it; its path shown, and
     * copied into report_out when given) and "Back to the patient" (Enter, Esc or B). The caller
     * releases the PDF libraries' caches (report_fonts_release) once it writes no more reports. */
    bool final_report;
    char *report_out;
    size_t report_out_size;
    /* Benchmarks (bench/bench_latency): fed is called with each batch of samples right after the
     * engine took them (in_rep: a repetition is recording, so the screen's curve shows them),
     * presented after each frame the window drew and presented (not after a lazy call that found
     * nothing to draw); each reads the clock itself. fed runs on the loop's thread or on an
     * acquisition thread (the one that fed the engine), presented on the loop's; both with the
     * session's lock held, so never two at once. NULL: none. */
    void (*fed)(void *ctx, const struct st_sample *s, size_t n, bool in_rep);
    void (*presented)(void *ctx);
    void *bench_ctx;
};

/* Defaults: nothing set, no overrides (-1), stdout. */
struct session_opts session_opts_default(void);

/*
 * Runs one session to its end (complete, aborted by the therapist or by SIGINT/SIGTERM). *session_id
 * gets the saved session's id as soon as it exists (also when the run later fails). Returns ST_OK when
 * the session ended and everything measured is in the database; an error with a message otherwise
 * (devices, database, protocol, patient problems come back before anything is measured).
 */
enum st_status session_run(const struct session_opts *o, int64_t *session_id, struct st_err *err);

struct store;
/*
 * Writes session_id's report (the PDF of `station report`, A4) beside the database file db_path as
 * session-ID-report.pdf; out (size bytes) gets the path written. report_write's errors.
 */
enum st_status session_report_beside(struct store *s, const char *db_path, int64_t session_id, char *out,
                                     size_t size, struct st_err *err);

/* The flag SIGINT/SIGTERM set (the loop aborts the session cleanly when it is set). */
extern volatile sig_atomic_t session_interrupted;

/* For a signal handler (async-signal-safe): sets session_interrupted and wakes the session's loop,
 * which sleeps in poll() until something happens, whichever thread the signal was delivered to. */
void session_interrupt(void);

#endif
