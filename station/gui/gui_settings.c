/*
 * gui_settings.c - the settings page (S on the list): the therapist's name, the data folder, the
 * clinic server and the display of the patient's view, read from and saved to the settings file
 * (station/config.h) that `station sync`, new sessions and the default database read too.
 *
 * The page is drawn as the patient form is (fields with labels, hints, a red frame on the field a
 * message is about). The server's password is never drawn: the field shows config_server_masked of
 * what is typed. The display is chosen, not typed: Left/Right go through the displays SDL sees (by
 * name, so the choice follows the screen, not the socket it is plugged into). Enter saves and goes
 * back to the list, Esc goes back without saving. A new therapist name is who the window records from
 * then on (new patients, sessions and so their reports); a new data folder opens its database at once
 * unless --db or $STATION_DB chose the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/gui/gui_priv.h"
#include "station/paths.h"

static const struct {
    const char *label, *hint;
} rows[S_COUNT] = {
    [S_THERAPIST] = {"Therapist", "your name or initials: recorded with each test"},
    [S_DATA_DIR] = {"Data folder", "the folder of the database (station.db)"},
    [S_SERVER] = {"Clinic server", "postgresql://user:password@host/db, for station sync"},
    [S_DISPLAY] = {"Patient view", "\xe2\x86\x90 \xe2\x86\x92 choose the display"},
};
static const enum button buttons[] = {B_SAVE, B_CANCEL};
#define N_BUTTONS (int)(sizeof buttons / sizeof buttons[0])

/* The text field of f (NULL for the display, which is chosen). */
static char *field_text(struct gui_settings *gs, int f, size_t *size)
{
    struct st_config *c = &gs->cfg;
    switch (f) {
    case S_THERAPIST: *size = sizeof c->therapist; return c->therapist;
    case S_DATA_DIR: *size = sizeof c->data_dir; return c->data_dir;
    case S_SERVER: *size = sizeof c->server; return c->server;
    default: return NULL;
    }
}

void gui_settings_open(struct gui *g)
{
    struct gui_settings *gs = &g->settings;
    memset(gs, 0, sizeof *gs);
    gs->error_field = -1;
    struct st_err err;
    st_err_clear(&err);
    enum st_status st = config_path(gs->path, sizeof gs->path, &err);
    if (st == ST_OK)
        st = config_load(gs->path, &gs->cfg, &err);
    if (st != ST_OK) {
        /* A broken file is shown, not overwritten behind the therapist's back: they see why and may
         * save the page's values over it. */
        gui_say(g, UI_HOME_MSG_ERROR, "%s: Enter saves these settings over it", st_err_msg(&err));
        config_init(&gs->cfg);
    } else {
        gui_say(g, UI_HOME_MSG_INFO, "Enter saves, Esc goes back without saving.");
    }
    gs->n_displays = 1 + ui_home_displays(g->ui, gs->displays + 1, GUI_DISPLAYS - 2);
    if (gs->n_displays > GUI_DISPLAYS - 1)
        gs->n_displays = GUI_DISPLAYS - 1;
    gs->connected = gs->n_displays - 1;
    const char *want = gs->cfg.patient_display;
    for (int i = 1; want[0] && i < gs->n_displays; i++)
        if (!strcmp(gs->displays[i], want))
            gs->display = i;
    if (want[0] && gs->display == 0) { /* chosen before, not connected now: kept as a choice */
        snprintf(gs->displays[gs->n_displays], sizeof gs->displays[0], "%s", want);
        gs->display = gs->n_displays++;
    }
    g->page = UI_HOME_SETTINGS;
    g->button_focus = -1;
    g->edit_buf = NULL;
}

/* The message (prefix + msg) about field (-1: the file, not a field), which gets the keyboard. */
static void fail(struct gui *g, int field, const char *prefix, const char *msg)
{
    gui_say(g, UI_HOME_MSG_ERROR, "%s%s", prefix, msg);
    g->settings.error_field = field;
    if (field >= 0)
        g->settings.focus = field;
}

/* Opens the database the new data folder holds, when no --db or $STATION_DB chose the file. */
static void follow_data_dir(struct gui *g, const char *saved)
{
    const char *env = getenv("STATION_DB");
    if (g->opts.db || (env && *env)) {
        gui_say(g, UI_HOME_MSG_INFO, "Settings saved to %s. This window keeps %s (chosen by %s).", saved,
                g->db_path, g->opts.db ? "--db" : "STATION_DB");
        return;
    }
    struct store *s = NULL;
    char path[512];
    struct st_err err;
    st_err_clear(&err);
    if (paths_db_open(NULL, &s, path, sizeof path, &err) != ST_OK) {
        gui_say(g, UI_HOME_MSG_ERROR,
                "Settings saved, but the new data folder's database cannot be opened: %s", st_err_msg(&err));
        return;
    }
    store_close(g->s);
    g->s = s;
    snprintf(g->db_path, sizeof g->db_path, "%s", path);
    g->therapist_id = 0;
    if (g->therapist[0])
        store_therapist_ensure(g->s, g->therapist, &g->therapist_id, &err);
    gui_reload(g, 0);
    gui_say(g, UI_HOME_MSG_INFO, "Settings saved to %s. The patients are now those of %s.", saved, path);
}

static void save(struct gui *g)
{
    struct gui_settings *gs = &g->settings;
    struct st_config *c = &gs->cfg;
    struct st_err err;
    st_err_clear(&err);
    gs->error_field = -1;
    /* The same trimming and checks the file's parser applies, field by field, so the message names one
     * (the text fields are the file's first keys, in config_keys order). */
    for (int f = 0; f < S_DISPLAY; f++) {
        size_t size;
        char *text = field_text(gs, f, &size);
        char copy[CONFIG_PATH_MAX + 1];
        snprintf(copy, sizeof copy, "%s", text);
        if (config_set(c, config_keys[f], copy, &err) != ST_OK) {
            fail(g, f, "", st_err_msg(&err));
            return;
        }
    }
    snprintf(c->patient_display, sizeof c->patient_display, "%s", gs->displays[gs->display]);
    int64_t tid = 0;
    if (c->therapist[0] && store_therapist_ensure(g->s, c->therapist, &tid, &err) != ST_OK) {
        fail(g, S_THERAPIST, "Therapist: ", st_err_msg(&err));
        return;
    }
    if (c->data_dir[0] && c->data_dir[0] != '/') {
        fail(g, S_DATA_DIR,
             "Data folder: ", "give the whole path, from / (for example /home/clinic/station)");
        return;
    }
    if (c->data_dir[0] && paths_mkdirs(c->data_dir, 0700, &err) != ST_OK) {
        fail(g, S_DATA_DIR, "Data folder: ", st_err_msg(&err));
        return;
    }
    struct st_config before;
    bool dir_changed = config_load(gs->path, &before, NULL) != ST_OK || strcmp(before.data_dir, c->data_dir);
    if (config_save(gs->path, c, &err) != ST_OK) {
        fail(g, -1, "", st_err_msg(&err));
        return;
    }
    snprintf(g->therapist, sizeof g->therapist, "%s", c->therapist);
    g->therapist_id = tid;
    g->page = UI_HOME_LIST;
    if (dir_changed)
        follow_data_dir(g, gs->path);
    else
        gui_say(g, UI_HOME_MSG_INFO, "Settings saved to %s.", gs->path);
}

bool gui_settings_press(struct gui *g, enum button b)
{
    switch (b) {
    case B_SAVE: save(g); return true;
    case B_CANCEL:
        g->page = UI_HOME_LIST;
        gui_say(g, UI_HOME_MSG_INFO, "%s", "Settings left as they were.");
        return true;
    default: return false;
    }
}

void gui_settings_key(struct gui *g, const struct ui_home_event *e)
{
    struct gui_settings *gs = &g->settings;
    int n = S_COUNT + N_BUTTONS;
    switch (e->key) {
    case UI_HK_TAB:
    case UI_HK_DOWN: gs->focus = (gs->focus + 1) % n; break;
    case UI_HK_BACKTAB:
    case UI_HK_UP: gs->focus = (gs->focus + n - 1) % n; break;
    case UI_HK_LEFT:
    case UI_HK_RIGHT:
        if (gs->focus == S_DISPLAY && gs->n_displays > 0)
            gs->display = (gs->display + (e->key == UI_HK_RIGHT ? 1 : gs->n_displays - 1)) % gs->n_displays;
        else if (gs->focus < S_DISPLAY) /* the caret in a text field */
            gui_edit_key(g, field_text(gs, gs->focus, &(size_t){0}), e->key);
        break;
    case UI_HK_ENTER:
        gui_settings_press(g, gs->focus >= S_COUNT ? buttons[gs->focus - S_COUNT] : B_SAVE);
        break;
    case UI_HK_ESC: gui_settings_press(g, B_CANCEL); break;
    default: {
        size_t size;
        char *text = field_text(gs, gs->focus, &size);
        if (text)
            gui_edit_key(g, text, e->key);
        break;
    }
    }
}

void gui_settings_text(struct gui *g, const char *text)
{
    size_t size;
    char *dst = field_text(&g->settings, g->settings.focus, &size);
    if (dst)
        gui_edit_text(g, dst, size, text);
}

void gui_settings_field(struct gui *g, int index)
{
    if (index >= 0 && index < S_COUNT)
        g->settings.focus = index;
}

void gui_settings_fill(struct gui *g, struct ui_home *h)
{
    struct gui_settings *gs = &g->settings;
    snprintf(h->title, sizeof h->title, "Settings");
    snprintf(h->subtitle, sizeof h->subtitle, "%s", gs->path);
    h->n_fields = S_COUNT;
    for (int f = 0; f < S_COUNT; f++) {
        struct ui_home_field *hf = &h->fields[f];
        snprintf(hf->label, sizeof hf->label, "%s", rows[f].label);
        snprintf(hf->hint, sizeof hf->hint, "%s", rows[f].hint);
        hf->error = f == gs->error_field;
        size_t size;
        const char *text = field_text(gs, f, &size);
        /* the caret: from the end, so in the masked server too it stays after what follows it */
        if (text)
            hf->caret = (int)strlen(text) - gui_edit_caret(g, text);
        if (f == S_SERVER)
            config_server_masked(text, hf->value, sizeof hf->value);
        else if (text)
            snprintf(hf->value, sizeof hf->value, "%s", text);
        else if (gs->display == 0)
            snprintf(hf->value, sizeof hf->value, "Automatic: the last of %d display%s", gs->connected,
                     gs->connected == 1 ? "" : "s");
        else if (gs->display <= gs->connected)
            snprintf(hf->value, sizeof hf->value, "%s (display %d of %d)",
                     gs->displays[gs->display][0] ? gs->displays[gs->display] : "unnamed", gs->display,
                     gs->connected);
        else
            snprintf(hf->value, sizeof hf->value, "%s (not connected now)", gs->displays[gs->display]);
        hf->caret = text ? (int)strlen(hf->value) - hf->caret : -1;
        if (hf->caret < 0)
            hf->caret = -1;
    }
    h->field_focus = gs->focus < S_COUNT ? gs->focus : -1;
    h->button_focus = gs->focus >= S_COUNT ? gs->focus - S_COUNT : -1;
    gui_add_button(h, B_SAVE, "Save", "Enter", true);
    gui_add_button(h, B_CANCEL, "Cancel", "Esc", false);
}
