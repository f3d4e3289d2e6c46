/*
 * home.h - the station's home in the window: the patient list with its search, and the patient form.
 *
 * Like the test screen (ui.h), the home observes state and owns none: the station fills a struct
 * ui_home (plain data, no SDL, no SQLite: station/gui/ reads the store and fills it) and calls
 * ui_home_frame(), which draws it in the therapist view of a window opened with ui_open() (the same
 * fonts, text cache, colours and screenshots as the test screen; a patient window, if open, shows its
 * idle screen). ui_home_poll() turns the window's events into struct ui_home_event: keys, typed text,
 * clicks on a button, a row or a field. What a key does is the station's decision, not the UI's.
 *
 *     struct ui_home h = {0}; ...fill it...
 *     for (;;) {
 *         struct ui_home_event ev[UI_HOME_EVENTS];
 *         int n = ui_home_poll(ui, ev, UI_HOME_EVENTS);
 *         ...act on ev[0..n), refill h...
 *         if (ui_home_frame(ui, &h, &err) != ST_OK) ...
 *     }
 *
 * Text input: typed characters come as UI_HE_TEXT events (UTF-8 from SDL's text-input events, so an
 * input method can compose 李 or مريم) only while ui_home_text_input(ui, true); call it when a text
 * field gets the keyboard and with false when none has it (then letters come as UI_HK_LETTER keys,
 * the buttons' shortcuts). Every text is drawn with the font fallback of ui_script.c.
 *
 * Ownership: the caller owns h and the rows it points to; ui_home_frame only reads them during the
 * call. Threads and errors: as ui.h.
 */
#ifndef STATION_UI_HOME_H
#define STATION_UI_HOME_H

#include <stdbool.h>

#include "common/status.h"
#include "protocols/balance.h"

struct ui;

/* The pages. The settings page is drawn as the form is: its fields, labels, hints and errors. */
enum ui_home_page { UI_HOME_LIST = 0, UI_HOME_FORM, UI_HOME_PATIENT, UI_HOME_START, UI_HOME_SETTINGS, UI_HOME_CALIB };

/* One patient in the list. */
struct ui_home_row {
    char name[201];  /* the display name, any script */
    char line2[200]; /* "Ref 2026-014  ·  born 1990-05-01  ·  F  ·  72.0 kg" */
    char last[64];   /* "Last test 2026-11-02 14:30" / "No test yet" */
};

#define UI_HOME_FIELDS 10
struct ui_home_field {
    char label[40];  /* "Name" */
    char value[256]; /* what the field holds (UTF-8) */
    char hint[80];   /* "YYYY-MM-DD", "F, M or X", "optional" */
    bool error;      /* the message is about this field: drawn with a red frame */
    int caret;       /* where the caret is drawn when focused: a byte offset in value; -1 = the end */
};

#define UI_HOME_BUTTONS 8
struct ui_home_button {
    char label[32]; /* "Add patient" */
    char key[16];   /* the key shown on it: "A", "Enter", "Esc" */
    int id;         /* reported by a click (UI_HE_BUTTON .index) */
    bool primary;   /* drawn in the accent colour */
};

/* One session in a patient's history. */
struct ui_home_session {
    char when[32];      /* local date and time, "2026-11-02 14:30" */
    char protocol[128]; /* its protocol's name */
    char status[24];    /* "complete", "aborted", "interrupted", "running" */
    bool have_ratio[2]; /* ratio[side] is known (left, right) */
    double ratio[2];    /* ADD:ABD per side */
    enum bal_flag ratio_flag[2];
};

/* One session on the trend chart (oldest first). */
struct ui_home_trend_point {
    char date[12];       /* "2026-11-02" (local) */
    bool device_changed; /* the device differs from the previous point's: a marked line */
    struct bal_result bal;
};

/* One choice on the start page: a protocol or a device. */
struct ui_home_choice {
    char title[128];  /* "Supine long-lever hip ADD/ABD, hips at 0°" / "mark10 Series 5" */
    char detail[256]; /* its position and timings / its port, serial number and capacity */
};
#define UI_HOME_CHOICE_COLUMN 1000 /* a click on choice i of column c reports c * this + i */

/* The guided calibration check (UI_HOME_CALIB): its steps, in order. */
enum ui_home_calib_step {
    UI_CALIB_CHOOSE = 0, /* the device, the mass and (optionally) a port are chosen */
    UI_CALIB_ZEROING,    /* nothing on the dynamometer: waiting for a still zero */
    UI_CALIB_PLACE,      /* zero taken: place the mass */
    UI_CALIB_HOLD,       /* the mass is on: waiting for a still second to read */
    UI_CALIB_DONE,       /* read, judged and stored: verdict */
    UI_CALIB_FAILED      /* no reading (verdict says why); nothing stored */
};
struct ui_home_calib {
    enum ui_home_calib_step step;
    char mass[32];      /* the reference mass as typed (kg) */
    char port[256];     /* a port typed (a serial server, a port the list lacks); "" = the device chosen */
    int field_focus;    /* 0 the mass, 1 the port, -1 the device list */
    int caret;          /* the focused field's caret, a byte offset; -1 = the end */
    char device[200];   /* the device under check, in words ("" before it answered) */
    bool have_force;    /* force_n holds the live force above the zero */
    double force_n;
    double expect_n;    /* the mass's force (N) */
    char verdict[300];  /* the result in words (DONE, FAILED) */
    bool ok;            /* DONE: within tolerance */
};

enum ui_home_msg { UI_HOME_MSG_NONE = 0, UI_HOME_MSG_INFO, UI_HOME_MSG_WARN, UI_HOME_MSG_ERROR };

struct ui_home {
    enum ui_home_page page;
    char title[96];      /* "Patients", "New patient", "Edit patient" */
    char subtitle[200];  /* under the title: the data file, the therapist */
    char local_time[16]; /* "14:32"; "" = none */
    char server[160];    /* the clinic server in plain words, under the time: "Clinic server: last synced at
                          * 14:32 · 3 rows waiting"; "" = not drawn (the list page fills it) */

    /* The list page. */
    char search[128];               /* the search text */
    bool search_focus;              /* the search field has the keyboard (a caret is drawn) */
    int search_caret;               /* the caret's byte offset in search; -1 = the end */
    const struct ui_home_row *rows; /* the patients that match, in order; caller-owned */
    int n_rows;
    int total;    /* patients in the file (for "3 of 12 patients") */
    int selected; /* the highlighted row, -1 none */
    int first;    /* the first row shown (ui_home_rows_visible() says how many fit) */

    /* The form page. */
    struct ui_home_field fields[UI_HOME_FIELDS];
    int n_fields;
    int field_focus; /* the field with the keyboard, -1 none */

    /* The patient page (title: the patient's name). */
    char details[3][200]; /* lines: "Ref ... · born ... (age) · F · dominant right", lever and leg, notes */
    char masses[6][48];   /* the body-mass history, newest first: "2026-12-06  66.0 kg" */
    int n_masses;
#define UI_HOME_MASS_POINTS 24
    double mass_points[UI_HOME_MASS_POINTS]; /* the same history as a small chart: the last 24, oldest first */
    int n_mass_points;
    bool mass_editing;  /* M: a new body mass is being typed into mass_text (a box in the panel) */
    char mass_text[32];
    int mass_caret; /* the caret's byte offset in mass_text; -1 = the end */
    const struct ui_home_session *sessions; /* newest first; caller-owned */
    int n_sessions;
    int session_selected;  /* -1 none */
    char trend_title[160]; /* "Trend: Supine hip ADD/ABD, long lever 0° (1 of 2 protocols: P for the next)" */
    const struct ui_home_trend_point *trend; /* oldest first; caller-owned */
    int n_trend;
    double error_band_pct;         /* each point's measurement-error band (+-, %): 10 */
    double ratio_red, ratio_amber; /* the ratio's bands, drawn as lines on the ratio chart */
    bool have_last;                /* last holds the newest session's balance */
    struct bal_result last;
    char last_title[200]; /* "Last balance: 2026-12-06 14:30, Supine ..." */

    /* The start page: the protocol (column 0) and the device (column 1) of a new test. */
    const struct ui_home_choice *protocols; /* caller-owned */
    int n_protocols, protocol_selected;
    const struct ui_home_choice *devices; /* caller-owned */
    int n_devices, device_selected;
    int start_column; /* the list the arrows move in */
    char device_head[200]; /* the device list's heading when the protocol needs a device per channel;
                            * "" = the default ("2. The device ...") */

    /* The calibration page: the device list is devices/n_devices/device_selected (start page's column 1). */
    struct ui_home_calib calib;

    /* Every page: the buttons along the bottom, and one message above them. */
    struct ui_home_button buttons[UI_HOME_BUTTONS];
    int n_buttons;
    int button_focus; /* the button Tab reached (drawn with a ring), -1 none */
    char message[256];
    enum ui_home_msg message_kind;
};

/* Draws h in the therapist view and presents the frame. ST_ERR_ARG without ui or h. */
enum st_status ui_home_frame(struct ui *ui, const struct ui_home *h, struct st_err *err);

/* How many list rows the last frame had room for (at least 1; 1 before any frame). */
int ui_home_rows_visible(const struct ui *ui);

enum ui_home_ev {
    UI_HE_NONE = 0,
    UI_HE_KEY,    /* .key (and .ch for UI_HK_LETTER) */
    UI_HE_TEXT,   /* .text: typed text, UTF-8 (only while text input is on) */
    UI_HE_BUTTON, /* a click on the button whose id is .index */
    UI_HE_ROW,    /* a click on list row .index */
    UI_HE_FIELD,  /* a click on form field .index */
    UI_HE_SEARCH, /* a click on the search field */
    UI_HE_CHOICE, /* a click on a start page choice: .index = column * UI_HOME_CHOICE_COLUMN + i */
    UI_HE_QUIT    /* the window was closed */
};

enum ui_home_key {
    UI_HK_OTHER = 0,
    UI_HK_UP,
    UI_HK_DOWN,
    UI_HK_PAGE_UP,
    UI_HK_PAGE_DOWN,
    UI_HK_HOME,
    UI_HK_END,
    UI_HK_TAB,
    UI_HK_BACKTAB, /* Shift+Tab */
    UI_HK_ENTER,
    UI_HK_ESC,
    UI_HK_BACKSPACE,
    UI_HK_LEFT,
    UI_HK_RIGHT,
    UI_HK_DELETE,
    UI_HK_LETTER /* .ch: 'a'..'z', '0'..'9' or '/' (also while typing: the station ignores them then) */
};

#define UI_HOME_EVENTS 32
struct ui_home_event {
    enum ui_home_ev kind;
    enum ui_home_key key;
    char ch;
    int index;
    char text[32];
};

/* Takes the pending window events without waiting; writes at most max into ev and returns how many. */
int ui_home_poll(struct ui *ui, struct ui_home_event *ev, int max);

/* Waits up to ms milliseconds for a window event (returns at once when one is pending), so an idle
 * home costs no CPU. */
void ui_home_wait(struct ui *ui, int ms);

/* Turns SDL's text input on or off (see above). */
void ui_home_text_input(struct ui *ui, bool on);

/* The centre, in window coordinates, of what a click of kind/index hits in the last frame (for tests
 * and kiosks); false when it is not on screen. */
bool ui_home_hit_center(const struct ui *ui, enum ui_home_ev kind, int index, int *x, int *y);

/* The displays SDL sees, in its order (index i is SDL's display i): up to max names into names, "" for
 * one SDL cannot name. Returns how many there are (0 before the window is open). */
int ui_home_displays(struct ui *ui, char (*names)[64], int max);

/* True when every character of s (UTF-8) has a glyph in the main font or the fallback font. */
bool ui_text_covered(struct ui *ui, const char *s);

#endif
