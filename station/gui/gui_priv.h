/*
 * gui_priv.h - private to the files of station/gui: the home's state, shared by gui.c (the list, the form,
 * the loop) and gui_patient.c (a patient's page). The public manual is station/gui/gui.h.
 */
#ifndef STATION_GUI_GUI_PRIV_H
#define STATION_GUI_GUI_PRIV_H

#include <stdarg.h>

#include "station/config.h"
#include "station/gui/gui.h"
#include "station/store/store.h"
#include "station/ui/home.h"
#include "station/ui/ui.h"

/* The form's fields, in order. Each label is the word the store's messages start with ("Birth date:
 * ..."), so a message names the field it is about and the form marks it. */
enum field { F_NAME, F_REF, F_BIRTH, F_SEX, F_MASS, F_LEG, F_LEVER, F_SIDE, F_NOTES, F_COUNT };

/* The buttons' ids (what a click reports). */
enum button {
    B_ADD = 1,
    B_EDIT,
    B_SEARCH,
    B_QUIT,
    B_SAVE,
    B_CANCEL,
    B_OPEN,
    B_PROTOCOL,
    B_BACK,
    B_TEST,
    B_REPORT,
    B_START,
    B_PROBE,
    B_ERASE,
    B_SETTINGS,
    B_CALIB,
    B_MASS
};

/* A patient's page: everything it shows, read from the store when it opens (gui_patient.c). */
struct gui_patient {
    struct store_patient p;
    struct ui_home_session *sessions; /* newest first */
    int64_t *session_ids;             /* their ids */
    int n_sessions;
    int selected;
    char (*protocols)[128]; /* the protocol names of their sessions, oldest first, each once */
    int n_protocols;
    int protocol; /* the one the trend chart shows */
    struct ui_home_trend_point *trend;
    int n_trend;
    bool have_last;
    struct bal_result last;
    struct bal_params last_params; /* the bands the last session was judged by */
    char last_title[200];
    char details[3][200];
    char masses[6][48];
    int n_masses;
    double mass_points[UI_HOME_MASS_POINTS]; /* oldest first */
    int n_mass_points;
    bool mass_editing; /* M: a new mass is being typed */
    char mass_text[32];
    bool erase_asked; /* X was pressed once: a second X erases, any other key cancels */
};

/* The start page (gui_start.c): the protocol files and the devices to choose from. */
struct gui_start {
    struct ui_home_choice *protocols;
    char (*names)[64]; /* each protocol's name (what session_run is given) */
    int n_protocols, protocol;
    struct ui_home_choice *devices; /* 0: the built-in demo dynamometer; then what a probe found */
    struct {
        char port[256];
        char family[16];
    } * dev;
    int n_devices, device;
    int column; /* 0 protocols, 1 devices */
    /* A protocol whose blocks use two or more channels (bilateral: a dynamometer per side) asks for a
     * device per channel: device is the choice of channel `channel`, chan_device the others'. */
    int *n_channels;                          /* per protocol */
    char (*chan_sides)[ST_MAX_CHANNELS][24]; /* per protocol and channel: "left", "right", "left and right" */
    int channel;
    int chan_device[ST_MAX_CHANNELS];
};

/* The settings page (gui_settings.c): the settings file's values as they are being edited. */
enum settings_field { S_THERAPIST, S_DATA_DIR, S_SERVER, S_DISPLAY, S_COUNT };
#define GUI_DISPLAYS 9
struct gui_settings {
    struct st_config cfg;  /* what the fields hold (the server unmasked: only its display is masked) */
    char path[1024];       /* the settings file */
    char displays[GUI_DISPLAYS][64]; /* 0: "" (automatic, the last display); then SDL's, then the one the
                                      * file names when it is not connected now */
    int n_displays, display, connected; /* connected: how many of displays[1..] SDL sees now */
    int focus;             /* the field with the keyboard, S_COUNT + i: button i */
    int error_field;       /* -1 none */
};

struct gui_calib;
struct gui_probe;

struct gui {
    struct gui_opts opts;
    struct store *s;
    struct ui *ui;
    struct ui_opts ui_opts; /* to open the window again after a test */
    struct st_err fatal;    /* the window could not be opened again after a test: gui_step returns it */
    char db_path[512];
    char therapist[201];
    int64_t therapist_id;

    struct store_patient *pats; /* every patient, most recent first */
    size_t n_pats;
    int64_t *last_test; /* per patient: the start of their last session, 0 = none */
    int *match;         /* indexes into pats of the rows shown */
    struct ui_home_row *rows;
    int n_match;

    enum ui_home_page page;
    char search[128];
    bool search_focus;
    int selected, first;
    int button_focus;

    bool editing;                  /* the form edits orig rather than adding */
    enum ui_home_page form_return; /* where Esc or a save goes back to */
    struct store_patient orig;
    char fields[F_COUNT][256];
    int field_focus;
    int error_field; /* the field the message is about, -1 none */
    bool dup_warned; /* the duplicate warning was shown: Enter again saves */
    bool quit;

    struct gui_patient pat; /* the patient page's data (page == UI_HOME_PATIENT, UI_HOME_START) */
    struct gui_start start; /* the start page's (page == UI_HOME_START) */
    struct gui_settings settings; /* page == UI_HOME_SETTINGS */
    struct gui_calib *calib;      /* page == UI_HOME_CALIB (gui_calib.c) */
    struct gui_probe *probe;      /* a search of the serial ports (gui_probe.c), NULL none */
    bool probe_stopped;           /* it was stopped: its thread is finishing, its results unwanted */
    char sync_line[160];          /* the clinic server in words (gui_sync.c), read at sync_read_s */
    double sync_read_s;           /* 0: read it again at the next frame */
    bool wrote_report;      /* a report was written: gui_close releases the PDF fonts' caches */

    const char *edit_buf; /* the field being typed in (gui_edit_*) */
    size_t edit_back;     /* its caret: bytes between the caret and the end */

    char message[256];
    enum ui_home_msg msg_kind;
    struct ui_home home;
};

/* gui.c */
/* A number typed in a field: "" is NAN (not given); a comma is a decimal point. False when it is not a
 * number. */
bool gui_parse_number(const char *text, double *out);
void gui_say(struct gui *g, enum ui_home_msg kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gui_add_button(struct ui_home *h, enum button id, const char *label, const char *key, bool primary);
void gui_form_open(struct gui *g, const struct store_patient *p);
/* Reads every patient again, selecting select_id; a failure is said on screen. */
void gui_reload(struct gui *g, int64_t select_id);
/* "2026-11-02 14:30" in local time. */
void gui_fmt_local(int64_t t, char *buf, size_t size);

/* gui_patient.c */
/* Opens patient id's page (reads everything it shows); on a store error stays where it is and says so. */
void gui_patient_open(struct gui *g, int64_t id);
void gui_patient_free(struct gui_patient *pp);
void gui_patient_key(struct gui *g, const struct ui_home_event *e);
/* A click on session row index, or on a button of the page. */
void gui_patient_row(struct gui *g, int index);
bool gui_patient_press(struct gui *g, enum button b);
void gui_patient_fill(struct gui *g, struct ui_home *h);
/* Typed text for the page's body-mass box (M). */
void gui_patient_text(struct gui *g, const char *text);

/* gui_start.c */
void gui_start_open(struct gui *g);
void gui_start_free(struct gui_start *gs);
void gui_start_key(struct gui *g, const struct ui_home_event *e);
bool gui_start_press(struct gui *g, enum button b);
void gui_start_choice(struct gui *g, int index);
void gui_start_fill(struct gui *g, struct ui_home *h);
/* R on a patient's page: the selected session's report (PDF) beside the database. */
void gui_report(struct gui *g);
/* Adds a device choice (port and family NULL: the built-in demo); false when out of memory. */
bool gui_device_add(struct gui_start *gs, const char *title, const char *detail, const char *port,
                    const char *family);
/* A probed device's calibration state in words ("calibration checked 12 days ago", "No calibration
 * check on record: ..."), keyed as sessions and checks key it (drivers/identity.h). */
struct drv_driver;
struct drv_ident;
void gui_calibration_words(struct gui *g, const struct drv_driver *drv, const struct drv_ident *id,
                           const char *port, char *buf, size_t size);

/* gui_probe.c: D on the start or the calibration page. gui_probe starts asking every serial port (and
 * $STATION_EXTRA_PORTS) which dynamometer is there, on a thread of its own; the first choice (the
 * demo) stays, each device that answers is added (the first one chosen) by gui_probe_tick, which every
 * gui_step calls, and the message says which port is being asked, then how many answered.
 * gui_probe_stop (Esc, leaving the page, starting a test) drops the rest of the search at once; the
 * thread ends after the port it is asking and is joined later, or by gui_probe_free (gui_close). */
void gui_probe(struct gui *g);
bool gui_probe_searching(const struct gui *g);
void gui_probe_stop(struct gui *g);
void gui_probe_tick(struct gui *g);
void gui_probe_free(struct gui *g);

/* gui_calib.c: the guided calibration check (C from the list or a patient's page). */
void gui_calib_open(struct gui *g);
void gui_calib_free(struct gui *g);
void gui_calib_key(struct gui *g, const struct ui_home_event *e);
void gui_calib_text(struct gui *g, const char *text);
void gui_calib_field(struct gui *g, int index);
void gui_calib_choice(struct gui *g, int index);
bool gui_calib_press(struct gui *g, enum button b);
/* A text field of the page has the keyboard. */
bool gui_calib_typing(const struct gui *g);
/* Reads what the device sent since the last step and moves the check on (every gui_step). */
void gui_calib_tick(struct gui *g);
void gui_calib_fill(struct gui *g, struct ui_home *h);

/* gui_settings.c */
void gui_settings_open(struct gui *g);
void gui_settings_key(struct gui *g, const struct ui_home_event *e);
void gui_settings_text(struct gui *g, const char *text);
void gui_settings_field(struct gui *g, int index);
bool gui_settings_press(struct gui *g, enum button b);
void gui_settings_fill(struct gui *g, struct ui_home *h);
/* gui.c: typing in a field at its caret (gui_text.h). The caret of the field being typed in is kept as
 * its distance from the end, so a field that gets the keyboard starts with its caret at the end.
 * gui_edit_text inserts typed text; gui_edit_key does Backspace, Delete, Left, Right, Home and End and
 * returns false for any other key (the page's own); gui_edit_caret is the caret's byte offset in buf
 * for drawing (the end when buf is not the field being typed in). */
void gui_edit_text(struct gui *g, char *buf, size_t size, const char *text);
bool gui_edit_key(struct gui *g, char *buf, enum ui_home_key k);
int gui_edit_caret(const struct gui *g, const char *buf);

/* The home's line (g->sync_line), read from the store and the settings again when it is older than 2 s
 * or g->sync_read_s is 0 (something happened in the window). */
const char *gui_sync_line(struct gui *g);

#endif
