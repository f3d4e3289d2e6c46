/*
 * gui_priv.h - private to the files of station/gui: the home's state, shared by gui.c (the list, the form, the
 * loop) and gui_patient.c (a patient's page). The public manual is station/gui/gui.h.
 */
#ifndef STATION_GUI_GUI_PRIV_H
#define STATION_GUI_GUI_PRIV_H

#include <stdarg.h>

#include "station/gui/gui.h"
#include "station/store/store.h"
#include "station/ui/home.h"

/* The form's fields, in order. Each label is the word the store's messages start with ("Birth date:
 * ..."), so a message names the field it is about and the form marks it. */
enum field { F_NAME, F_REF, F_BIRTH, F_SEX, F_MASS, F_LEG, F_LEVER, F_SIDE, F_NOTES, F_COUNT };

/* The buttons' ids (what a click reports). */
enum button { B_ADD = 1, B_EDIT, B_SEARCH, B_QUIT, B_SAVE, B_CANCEL, B_OPEN, B_PROTOCOL, B_BACK };

/* A patient's page: everything it shows, read from the store when it opens (gui_patient.c). */
struct gui_patient {
    struct store_patient p;
    struct ui_home_session *sessions; /* newest first */
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
};

struct gui {
    struct gui_opts opts;
    struct store *s;
    struct ui *ui;
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

    struct gui_patient pat; /* the patient page's data (page == UI_HOME_PATIENT) */

    char message[256];
    enum ui_home_msg msg_kind;
    struct ui_home home;
};

/* gui.c */
void gui_say(struct gui *g, enum ui_home_msg kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gui_add_button(struct ui_home *h, enum button id, const char *label, const char *key, bool primary);
void gui_form_open(struct gui *g, const struct store_patient *p);
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

#endif
