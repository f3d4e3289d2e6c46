/*
 * gui.h - `station gui`: the home in the window, where the store meets the home pages (station/ui/home.h).
 *
 * This room reads and writes the store through the same functions the commands use (store_patient_*,
 * store_patient_validate, store_mass_add, store_therapist_ensure) and fills the plain model the UI
 * draws; the UI never sees SQLite and this room never draws. It holds the home's state: the page, the
 * search text, the selection, the form's fields and focus.
 *
 * The list: every patient, most recent first (the later of their last session and their record's last
 * change), filtered as the search text is typed (a case-insensitive match in the name, the clinic
 * reference or the birth date). Keys: / searches, Up/Down/Page Up/Page Down/Home/End move, A adds,
 * E or Enter edits, C the calibration check (gui_calib.c), S the settings (gui_settings.c), Q quits, Tab moves between the search, the list and the buttons, Esc clears the
 * search. The form: Tab/Shift+Tab or Up/Down move between fields, Enter saves, Esc goes back. It saves
 * only what `station patient add` / `patient edit` would accept, with their messages; a name and birth
 * date that another patient already has warns, and a second Enter saves anyway.
 *
 *     struct gui_opts o = gui_opts_default(); o.db = path;
 *     struct gui *g; if (gui_open(&o, &g, &err) != ST_OK) ...st_err_msg(&err)...
 *     bool done = false;
 *     while (!done && gui_step(g, 100, &done, &err) == ST_OK) {}
 *     gui_close(g);
 *
 * gui_run() is that loop with --exit-after-s and --screenshot. Threads: the caller's (SDL's rule: the
 * one that opened it). Errors: enum st_status with a sentence a therapist can act on; patient data
 * never goes to the log.
 */
#ifndef STATION_GUI_GUI_H
#define STATION_GUI_GUI_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "common/status.h"
#include "station/ui/home.h"

struct ui;
struct ui_model;
struct store_sync_state;

struct gui_opts {
    const char *db;         /* --db; NULL = $STATION_DB or the default (paths_db) */
    const char *therapist;  /* who is at the station; NULL = $STATION_THERAPIST, "" = nobody */
    int width, height;      /* the window; <= 0 = 1280 x 720 */
    const char *patient;    /* open on this patient's page (a number or UUID); NULL = the list */
    const char *screenshot; /* gui_run: save the home here (PNG) when it ends; NULL = none */
    double exit_after_s;    /* gui_run: end after this many seconds; <= 0 = when the window closes */
    int reps;               /* the tests started here: reps per direction and side; <= 0 = the protocol's */
    FILE *session_out;      /* where a test's progress lines go; NULL = stdout */
    /* Tests: session_opts.observe of the tests started here (the test screen's model after each frame,
     * its final screen included); NULL = none. */
    void (*session_observe)(void *ctx, int64_t session_id, const struct ui_model *m, bool reps_changed);
    void *session_observe_ctx;
};

struct gui_opts gui_opts_default(void);

struct gui;

/* Opens the database (created on first use, like every command) and the window. ST_ERR_DISPLAY when
 * there is no display, ST_ERR_NOT_FOUND for an o->patient that is not in the file; the store's errors
 * name the file. *out is freed by gui_close. */
enum st_status gui_open(const struct gui_opts *o, struct gui **out, struct st_err *err);

/* Handles what happened in the window (waiting up to wait_ms for the first event, 0 = not at all) and
 * draws one frame. *done becomes true when the therapist quits. A store failure is shown on screen,
 * not returned; only a screen that cannot be drawn returns an error. */
enum st_status gui_step(struct gui *g, int wait_ms, bool *done, struct st_err *err);

/* The model of the last frame (read-only; valid until the next gui_step) and the UI (for screenshots,
 * pixels and click positions). */
const struct ui_home *gui_home(const struct gui *g);
struct ui *gui_ui(struct gui *g);

void gui_close(struct gui *g);

/* The clinic server's state in plain words, as the home's list page shows it under the time
 * (gui_sync.c): "Clinic server: not set" when set is false (no server in $STATION_SERVER or the
 * settings), else "Clinic server: " then "last synced at 14:32", "could not reach the server at 14:40",
 * "the last sync failed at 14:40" (refused: a password, a schema) or "never synced", then
 * "  ·  3 rows waiting" and "  ·  1 conflict to resolve" when there are. Times are local, with the
 * date when not the day of now. st: station/store/store_sync.h's state. Pure. */
void gui_sync_words(const struct store_sync_state *st, bool set, time_t now, char *out, size_t size);

/* gui_open, gui_step until quit or exit_after_s, the screenshot, gui_close. */
enum st_status gui_run(const struct gui_opts *o, struct st_err *err);

#endif
