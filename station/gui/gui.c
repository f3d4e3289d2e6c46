/*
 * gui.c - the home's state and its loop (gui.h): the patient list with its search, and the patient
 * form, over the store.
 *
 * Each step takes the window's events, changes the state, and refills the model the UI draws from the
 * state and the patient rows read from the store; the rows are read again only when the file changed
 * (a save) or at open. Nothing here draws; nothing in station/ui reads the store.
 */
#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "station/gui/gui.h"
#include "station/gui/gui_priv.h"
#include "station/gui/gui_text.h"
#include "station/export/report.h"
#include "station/config.h"
#include "station/paths.h"
#include "station/store/store.h"
#include "station/ui/ui.h"

/* The form's rows: each label is the word the messages about it start with (gui_priv.h enum field). */
static const struct {
    const char *label, *hint;
} field_rows[F_COUNT] = {
    [F_NAME] = {"Name", "any script: Zo\xc3\xab, \xe6\x9d\x8e, \xd9\x85\xd8\xb1\xd9\x8a\xd9\x85"},
    [F_REF] = {"Clinic reference", "optional"},
    [F_BIRTH] = {"Birth date", "YYYY-MM-DD"},
    [F_SEX] = {"Sex", "F, M or X"},
    [F_MASS] = {"Body mass", "kg, 20-300"},
    [F_LEG] = {"Leg length", "m, optional"},
    [F_LEVER] = {"Lever arm", "m, hip centre to pad, optional"},
    [F_SIDE] = {"Dominant side", "L or R, optional"},
    [F_NOTES] = {"Notes", "optional"},
};

struct gui_opts gui_opts_default(void)
{
    return (struct gui_opts){0};
}

void gui_say(struct gui *g, enum ui_home_msg kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->message, sizeof g->message, fmt, ap);
    va_end(ap);
    g->msg_kind = kind;
}

/* ---- the list ------------------------------------------------------------------------------- */

static int64_t recency(const struct gui *g, size_t i)
{
    int64_t t = g->pats[i].updated > g->pats[i].created ? g->pats[i].updated : g->pats[i].created;
    return g->last_test[i] > t ? g->last_test[i] : t;
}

static struct gui *sort_ctx; /* qsort has no context argument; the UI thread is the only caller */
static int by_recency(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int64_t ri = recency(sort_ctx, i), rj = recency(sort_ctx, j);
    if (ri != rj)
        return ri > rj ? -1 : 1;
    return sort_ctx->pats[i].id > sort_ctx->pats[j].id ? -1 : 1;
}

/* Case-insensitive (ASCII letters) substring test; other bytes (é, 李) must match exactly. */
static bool contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return true;
    for (const char *h = hay; *h; h++) {
        size_t k = 0;
        while (k < n && h[k] && tolower((unsigned char)h[k]) == tolower((unsigned char)needle[k]))
            k++;
        if (k == n)
            return true;
    }
    return false;
}

void gui_fmt_local(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(buf, size, "?");
}

/* The rows that match the search, in the list's order; keeps the selection on the same patient. */
static void filter(struct gui *g)
{
    int64_t keep = g->selected >= 0 && g->selected < g->n_match ? g->pats[g->match[g->selected]].id : 0;
    g->n_match = 0;
    g->selected = -1;
    for (size_t i = 0; i < g->n_pats; i++) {
        const struct store_patient *p = &g->pats[i];
        if (!contains(p->name, g->search) && !contains(p->ref, g->search) && !contains(p->birth, g->search))
            continue;
        struct ui_home_row *r = &g->rows[g->n_match];
        snprintf(r->name, sizeof r->name, "%s", p->name);
        char mass[24] = "mass unknown";
        if (isfinite(p->mass_kg))
            snprintf(mass, sizeof mass, "%.1f kg", p->mass_kg);
        snprintf(r->line2, sizeof r->line2, "%s%s%sborn %s  \xc2\xb7  %c  \xc2\xb7  %s",
                 p->ref[0] ? "Ref " : "", p->ref, p->ref[0] ? "  \xc2\xb7  " : "", p->birth, p->sex, mass);
        if (g->last_test[i]) {
            char when[32];
            gui_fmt_local(g->last_test[i], when, sizeof when);
            snprintf(r->last, sizeof r->last, "Last test %s", when);
        } else {
            snprintf(r->last, sizeof r->last, "No test yet");
        }
        if (p->id == keep)
            g->selected = g->n_match;
        g->match[g->n_match++] = (int)i;
    }
    if (g->selected < 0 && g->n_match > 0)
        g->selected = 0;
    g->first = 0;
}

/* Reads every patient and their last session again; selects select_id when it is listed. */
static enum st_status reload(struct gui *g, int64_t select_id, struct st_err *err)
{
    struct store_patient *pats = NULL;
    struct store_session *sess = NULL;
    size_t n = 0, n_sess = 0;
    enum st_status st = store_patient_list(g->s, &pats, &n, err);
    if (st == ST_OK)
        st = store_session_list(g->s, 0, &sess, &n_sess, err);
    size_t *order = st == ST_OK ? calloc(n + 1, sizeof *order) : NULL;
    int64_t *last = st == ST_OK ? calloc(n + 1, sizeof *last) : NULL;
    int *match = st == ST_OK ? calloc(n + 1, sizeof *match) : NULL;
    struct ui_home_row *rows = st == ST_OK ? calloc(n + 1, sizeof *rows) : NULL;
    struct store_patient *sorted = st == ST_OK ? calloc(n + 1, sizeof *sorted) : NULL;
    if (st == ST_OK && (!order || !last || !match || !rows || !sorted))
        st = st_err_set(err, ST_ERR_NOMEM, NULL);
    if (st != ST_OK) {
        free(pats);
        free(sess);
        free(order);
        free(last);
        free(match);
        free(rows);
        free(sorted);
        return st;
    }
    /* Sessions come newest first: the first one seen for a patient is their last. */
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        for (size_t k = 0; k < n_sess; k++)
            if (sess[k].patient_id == pats[i].id) {
                last[i] = sess[k].started;
                break;
            }
    }
    free(sess);
    free(g->pats);
    free(g->last_test);
    g->pats = pats;
    g->last_test = last;
    g->n_pats = n;
    sort_ctx = g;
    qsort(order, n, sizeof *order, by_recency);
    int64_t *last_sorted = calloc(n + 1, sizeof *last_sorted);
    if (!last_sorted) {
        free(order);
        free(match);
        free(rows);
        free(sorted);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        sorted[i] = pats[order[i]];
        last_sorted[i] = last[order[i]];
    }
    free(order);
    free(g->pats);
    free(g->last_test);
    g->pats = sorted;
    g->last_test = last_sorted;
    free(g->match);
    free(g->rows);
    g->match = match;
    g->rows = rows;
    g->n_match = 0;
    g->selected = -1;
    filter(g);
    for (int i = 0; i < g->n_match; i++)
        if (g->pats[g->match[i]].id == select_id)
            g->selected = i;
    return ST_OK;
}

void gui_reload(struct gui *g, int64_t select_id)
{
    struct st_err err;
    st_err_clear(&err);
    if (reload(g, select_id, &err) != ST_OK)
        gui_say(g, UI_HOME_MSG_ERROR, "%s", st_err_msg(&err));
}

static void move_selection(struct gui *g, int delta)
{
    if (g->n_match == 0)
        return;
    int s = g->selected + delta;
    g->selected = s < 0 ? 0 : s >= g->n_match ? g->n_match - 1 : s;
}

/* ---- the form ------------------------------------------------------------------------------- */

static void fmt_num(char *buf, size_t size, double v, int decimals)
{
    if (isfinite(v))
        snprintf(buf, size, "%.*f", decimals, v);
    else
        buf[0] = '\0';
}

void gui_form_open(struct gui *g, const struct store_patient *p)
{
    if (g->page != UI_HOME_FORM)
        g->form_return = g->page;
    g->page = UI_HOME_FORM;
    g->editing = p != NULL;
    memset(g->fields, 0, sizeof g->fields);
    memset(&g->orig, 0, sizeof g->orig);
    g->orig.leg_length_m = g->orig.lever_m = g->orig.mass_kg = NAN;
    if (p) {
        g->orig = *p;
        snprintf(g->fields[F_NAME], sizeof g->fields[0], "%s", p->name);
        snprintf(g->fields[F_REF], sizeof g->fields[0], "%s", p->ref);
        snprintf(g->fields[F_BIRTH], sizeof g->fields[0], "%s", p->birth);
        snprintf(g->fields[F_SEX], sizeof g->fields[0], "%c", p->sex);
        fmt_num(g->fields[F_MASS], sizeof g->fields[0], p->mass_kg, 1);
        fmt_num(g->fields[F_LEG], sizeof g->fields[0], p->leg_length_m, 2);
        fmt_num(g->fields[F_LEVER], sizeof g->fields[0], p->lever_m, 2);
        if (p->side_dominant)
            snprintf(g->fields[F_SIDE], sizeof g->fields[0], "%c", p->side_dominant);
        snprintf(g->fields[F_NOTES], sizeof g->fields[0], "%s", p->notes);
    }
    g->field_focus = F_NAME;
    g->button_focus = -1;
    g->error_field = -1;
    g->edit_buf = NULL; /* new values: every caret at its field's end */
    g->dup_warned = false;
    gui_say(g, UI_HOME_MSG_NONE, "%s", "");
}

bool gui_parse_number(const char *text, double *out)
{
    char buf[64];
    if (snprintf(buf, sizeof buf, "%s", text) >= (int)sizeof buf)
        return false;
    for (char *c = buf; *c; c++)
        if (*c == ',')
            *c = '.';
    char *start = buf;
    while (*start == ' ')
        start++;
    if (!*start) {
        *out = NAN;
        return true;
    }
    char *end = NULL;
    double v = strtod(start, &end);
    while (end && *end == ' ')
        end++;
    if (!end || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* One letter out of a set ("FMX"), any case; "" gives 0 when optional. */
static bool parse_letter(const char *text, const char *set, bool optional, char *out)
{
    while (*text == ' ')
        text++;
    size_t n = strlen(text);
    while (n > 0 && text[n - 1] == ' ')
        n--;
    if (n == 0 && optional) {
        *out = 0;
        return true;
    }
    char c = (char)toupper((unsigned char)text[0]);
    if (n != 1 || !strchr(set, c))
        return false;
    *out = c;
    return true;
}

/* Marks the field a message is about: the store's and our messages begin with the field's label. */
static int field_of(const char *msg)
{
    for (int i = 0; i < F_COUNT; i++) {
        size_t n = strlen(field_rows[i].label);
        if (strncmp(msg, field_rows[i].label, n) == 0 && msg[n] == ':')
            return i;
    }
    return -1;
}

static bool form_fail(struct gui *g, const char *msg)
{
    gui_say(g, UI_HOME_MSG_ERROR, "%s", msg);
    g->error_field = field_of(msg);
    if (g->error_field >= 0)
        g->field_focus = g->error_field;
    return false;
}

/* The form's fields as a patient (on top of the one edited); false with the message on a bad field. */
static bool form_patient(struct gui *g, struct store_patient *p, bool *mass_changed)
{
    struct st_err err;
    *p = g->orig;
    snprintf(p->name, sizeof p->name, "%s", g->fields[F_NAME]);
    snprintf(p->ref, sizeof p->ref, "%s", g->fields[F_REF]);
    snprintf(p->birth, sizeof p->birth, "%s", g->fields[F_BIRTH]);
    snprintf(p->notes, sizeof p->notes, "%s", g->fields[F_NOTES]);
    if (strlen(g->fields[F_BIRTH]) != 10)
        return form_fail(g, "Birth date: is not a real date (give YYYY-MM-DD)");
    if (!parse_letter(g->fields[F_SEX], "FMX", false, &p->sex))
        return form_fail(g, "Sex: must be F, M or X");
    if (!parse_letter(g->fields[F_SIDE], "LR", true, &p->side_dominant))
        return form_fail(g, "Dominant side: must be L or R");
    double mass;
    if (!gui_parse_number(g->fields[F_MASS], &mass))
        return form_fail(g, "Body mass: is not a number; give it in kg (20-300)");
    if (!gui_parse_number(g->fields[F_LEG], &p->leg_length_m))
        return form_fail(g, "Leg length: is not a number; give it in metres (0.4-1.4)");
    if (!gui_parse_number(g->fields[F_LEVER], &p->lever_m))
        return form_fail(g, "Lever arm: is not a number; give it in metres (0.1-1.5)");
    /* Editing keeps the mass history: a changed mass is a new measurement today. */
    *mass_changed =
        !g->editing || !(isfinite(mass) && isfinite(g->orig.mass_kg) && fabs(mass - g->orig.mass_kg) < 0.05);
    p->mass_kg = mass;
    if (store_patient_validate(p, *mass_changed, &err) != ST_OK)
        return form_fail(g, st_err_msg(&err));
    return true;
}

/* Another patient with the same name and birth date (0 = none). */
static int64_t duplicate_of(const struct gui *g, const struct store_patient *p)
{
    for (size_t i = 0; i < g->n_pats; i++)
        if (g->pats[i].id != p->id && store_patient_same_name(g->pats[i].name, p->name) &&
            strcmp(g->pats[i].birth, p->birth) == 0)
            return g->pats[i].id;
    return 0;
}

static void form_save(struct gui *g)
{
    struct store_patient *p = calloc(1, sizeof *p);
    if (!p) {
        gui_say(g, UI_HOME_MSG_ERROR, "Out of memory: close other programs and try again");
        return;
    }
    bool mass_changed = false;
    struct st_err err;
    st_err_clear(&err);
    if (!form_patient(g, p, &mass_changed))
        goto out;
    g->error_field = -1;
    int64_t dup = duplicate_of(g, p);
    if (dup && !g->dup_warned) {
        g->dup_warned = true;
        gui_say(g, UI_HOME_MSG_WARN,
                "Patient %lld has the same name and birth date: is this the same person? Enter saves anyway, "
                "Esc goes back to the list",
                (long long)dup);
        goto out;
    }
    enum st_status st;
    if (g->editing) {
        st = store_patient_update(g->s, p, g->therapist_id, NULL, &err);
        if (st == ST_OK && mass_changed)
            st = store_mass_add(g->s, p->id, p->mass_kg, NULL, &err);
    } else {
        st = store_patient_add(g->s, p, g->therapist_id, &err);
    }
    if (st != ST_OK) {
        form_fail(g, st_err_msg(&err));
        goto out;
    }
    g->page = UI_HOME_LIST;
    g->search[0] = '\0';
    g->search_focus = false;
    if (reload(g, p->id, &err) != ST_OK) {
        gui_say(g, UI_HOME_MSG_ERROR, "%s", st_err_msg(&err));
        goto out;
    }
    if (g->form_return == UI_HOME_PATIENT)
        gui_patient_open(g, p->id);
    gui_say(g, UI_HOME_MSG_INFO, "%s patient %lld.", g->editing ? "Saved" : "Added", (long long)p->id);
out:
    free(p);
}

/* The caret in buf, the field being typed in from now on. */
static size_t caret_of(struct gui *g, const char *buf)
{
    size_t len = strlen(buf);
    if (g->edit_buf != buf) {
        g->edit_buf = buf;
        g->edit_back = 0;
    }
    return g->edit_back > len ? 0 : gui_text_clamp(buf, len - g->edit_back);
}

void gui_edit_text(struct gui *g, char *buf, size_t size, const char *text)
{
    size_t at = gui_text_insert(buf, size, caret_of(g, buf), text);
    g->edit_back = strlen(buf) - at;
}

bool gui_edit_key(struct gui *g, char *buf, enum ui_home_key k)
{
    size_t at = caret_of(g, buf);
    switch (k) {
    case UI_HK_BACKSPACE: at = gui_text_erase_before(buf, at); break;
    case UI_HK_DELETE: at = gui_text_erase_at(buf, at); break;
    case UI_HK_LEFT: at = gui_text_prev(buf, at); break;
    case UI_HK_RIGHT: at = gui_text_next(buf, at); break;
    case UI_HK_HOME: at = 0; break;
    case UI_HK_END: at = strlen(buf); break;
    default: return false;
    }
    g->edit_back = strlen(buf) - at;
    return true;
}

int gui_edit_caret(const struct gui *g, const char *buf)
{
    size_t len = strlen(buf);
    if (g->edit_buf != buf)
        return (int)len;
    return (int)(g->edit_back > len ? 0 : gui_text_clamp(buf, len - g->edit_back));
}

/* ---- events --------------------------------------------------------------------------------- */

/* The selected patient's page (open) or form (!open). */
static void open_selected(struct gui *g, bool open)
{
    if (g->selected < 0 || g->selected >= g->n_match)
        gui_say(g, UI_HOME_MSG_INFO, "No patient is selected: find one with / or add one with A");
    else if (open)
        gui_patient_open(g, g->pats[g->match[g->selected]].id);
    else
        gui_form_open(g, &g->pats[g->match[g->selected]]);
}

static const enum button list_buttons[] = {B_ADD, B_OPEN, B_EDIT, B_SEARCH, B_CALIB, B_SETTINGS, B_QUIT};
static const enum button form_buttons[] = {B_SAVE, B_CANCEL};
#define N_LIST_BUTTONS (int)(sizeof list_buttons / sizeof list_buttons[0])
#define N_FORM_BUTTONS (int)(sizeof form_buttons / sizeof form_buttons[0])

static void press(struct gui *g, enum button b)
{
    if (g->page == UI_HOME_PATIENT && gui_patient_press(g, b))
        return;
    if (g->page == UI_HOME_START && gui_start_press(g, b))
        return;
    if (g->page == UI_HOME_SETTINGS && gui_settings_press(g, b))
        return;
    if (g->page == UI_HOME_CALIB && gui_calib_press(g, b))
        return;
    switch (b) {
    case B_ADD: gui_form_open(g, NULL); break;
    case B_OPEN: open_selected(g, true); break;
    case B_EDIT: open_selected(g, false); break;
    case B_SEARCH:
        g->search_focus = true;
        g->button_focus = -1;
        break;
    case B_QUIT: g->quit = true; break;
    case B_SETTINGS: gui_settings_open(g); break;
    case B_CALIB: gui_calib_open(g); break;
    case B_SAVE: form_save(g); break;
    case B_CANCEL:
        g->page = g->form_return;
        gui_say(g, UI_HOME_MSG_NONE, "%s", "");
        break;
    default: break;
    }
}

static void list_key(struct gui *g, const struct ui_home_event *e)
{
    int page = ui_home_rows_visible(g->ui);
    if (g->search_focus) {
        if (gui_edit_key(g, g->search, e->key)) {
            filter(g);
            return;
        }
        switch (e->key) {
        case UI_HK_ESC:
            g->search[0] = '\0';
            g->search_focus = false;
            filter(g);
            return;
        case UI_HK_DOWN:
        case UI_HK_ENTER:
        case UI_HK_TAB: g->search_focus = false; return;
        case UI_HK_BACKTAB:
            g->search_focus = false;
            g->button_focus = N_LIST_BUTTONS - 1;
            return;
        default: return; /* letters are typed text while the search has the keyboard */
        }
    }
    if (g->button_focus >= 0) {
        switch (e->key) {
        case UI_HK_TAB:
        case UI_HK_BACKTAB: {
            int next = g->button_focus + (e->key == UI_HK_TAB ? 1 : -1);
            g->button_focus = next >= 0 && next < N_LIST_BUTTONS ? next : -1;
            g->search_focus = next >= N_LIST_BUTTONS;
            return;
        }
        case UI_HK_ENTER: press(g, list_buttons[g->button_focus]); return;
        case UI_HK_ESC: g->button_focus = -1; return;
        default: break;
        }
    }
    switch (e->key) {
    case UI_HK_UP: move_selection(g, -1); break;
    case UI_HK_DOWN: move_selection(g, 1); break;
    case UI_HK_PAGE_UP: move_selection(g, -page); break;
    case UI_HK_PAGE_DOWN: move_selection(g, page); break;
    case UI_HK_HOME: move_selection(g, -g->n_match); break;
    case UI_HK_END: move_selection(g, g->n_match); break;
    case UI_HK_TAB: g->button_focus = 0; break;
    case UI_HK_BACKTAB: g->search_focus = true; break;
    case UI_HK_ENTER: press(g, B_OPEN); break;
    case UI_HK_ESC:
        if (g->search[0]) {
            g->search[0] = '\0';
            filter(g);
        }
        break;
    case UI_HK_LETTER:
        if (e->ch == '/')
            press(g, B_SEARCH);
        else if (e->ch == 'a')
            press(g, B_ADD);
        else if (e->ch == 'e')
            press(g, B_EDIT);
        else if (e->ch == 'q')
            press(g, B_QUIT);
        else if (e->ch == 's')
            press(g, B_SETTINGS);
        else if (e->ch == 'c')
            press(g, B_CALIB);
        break;
    default: break;
    }
}

static void form_key(struct gui *g, const struct ui_home_event *e)
{
    int pos = g->button_focus >= 0 ? F_COUNT + g->button_focus : g->field_focus;
    int n = F_COUNT + N_FORM_BUTTONS;
    switch (e->key) {
    case UI_HK_TAB:
    case UI_HK_DOWN: pos = (pos + 1) % n; break;
    case UI_HK_BACKTAB:
    case UI_HK_UP: pos = (pos + n - 1) % n; break;
    case UI_HK_ENTER:
        if (g->button_focus >= 0)
            press(g, form_buttons[g->button_focus]);
        else
            press(g, B_SAVE);
        return;
    case UI_HK_ESC: press(g, B_CANCEL); return;
    default:
        if (g->field_focus >= 0 && gui_edit_key(g, g->fields[g->field_focus], e->key))
            g->dup_warned = false;
        return;
    }
    g->field_focus = pos < F_COUNT ? pos : -1;
    g->button_focus = pos < F_COUNT ? -1 : pos - F_COUNT;
}

static void on_event(struct gui *g, const struct ui_home_event *e)
{
    switch (e->kind) {
    case UI_HE_QUIT: g->quit = true; break;
    case UI_HE_KEY:
        if (g->page == UI_HOME_FORM)
            form_key(g, e);
        else if (g->page == UI_HOME_PATIENT)
            gui_patient_key(g, e);
        else if (g->page == UI_HOME_START)
            gui_start_key(g, e);
        else if (g->page == UI_HOME_SETTINGS)
            gui_settings_key(g, e);
        else if (g->page == UI_HOME_CALIB)
            gui_calib_key(g, e);
        else
            list_key(g, e);
        break;
    case UI_HE_TEXT:
        if (g->page == UI_HOME_FORM && g->field_focus >= 0) {
            gui_edit_text(g, g->fields[g->field_focus], sizeof g->fields[0], e->text);
            g->dup_warned = false;
        } else if (g->page == UI_HOME_LIST && g->search_focus) {
            gui_edit_text(g, g->search, sizeof g->search, e->text);
            filter(g);
        } else if (g->page == UI_HOME_SETTINGS) {
            gui_settings_text(g, e->text);
        } else if (g->page == UI_HOME_CALIB) {
            gui_calib_text(g, e->text);
        } else if (g->page == UI_HOME_PATIENT) {
            gui_patient_text(g, e->text);
        }
        break;
    case UI_HE_BUTTON: press(g, (enum button)e->index); break;
    case UI_HE_ROW:
        if (g->page == UI_HOME_PATIENT) {
            gui_patient_row(g, e->index);
            break;
        }
        g->search_focus = false;
        g->button_focus = -1;
        if (e->index == g->selected)
            press(g, B_OPEN); /* a click on the selected row opens it */
        else if (e->index >= 0 && e->index < g->n_match)
            g->selected = e->index;
        break;
    case UI_HE_FIELD:
        if (g->page == UI_HOME_SETTINGS)
            gui_settings_field(g, e->index);
        else if (g->page == UI_HOME_CALIB)
            gui_calib_field(g, e->index);
        else if (e->index >= 0 && e->index < F_COUNT) {
            g->field_focus = e->index;
            g->button_focus = -1;
        }
        break;
    case UI_HE_SEARCH: press(g, B_SEARCH); break;
    case UI_HE_CHOICE:
        if (g->page == UI_HOME_START)
            gui_start_choice(g, e->index);
        else if (g->page == UI_HOME_CALIB)
            gui_calib_choice(g, e->index);
        break;
    case UI_HE_NONE: break;
    }
}

/* ---- the model ------------------------------------------------------------------------------ */

void gui_add_button(struct ui_home *h, enum button id, const char *label, const char *key, bool primary)
{
    if (h->n_buttons >= UI_HOME_BUTTONS)
        return;
    struct ui_home_button *b = &h->buttons[h->n_buttons++];
    snprintf(b->label, sizeof b->label, "%s", label);
    snprintf(b->key, sizeof b->key, "%s", key);
    b->id = id;
    b->primary = primary;
}

static void fill(struct gui *g)
{
    struct ui_home *h = &g->home;
    memset(h, 0, sizeof *h);
    h->page = g->page;
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm))
        strftime(h->local_time, sizeof h->local_time, "%H:%M", &tm);
    snprintf(h->subtitle, sizeof h->subtitle, "%s%s%s", g->db_path,
             g->therapist[0] ? "  \xc2\xb7  Therapist: " : "", g->therapist);
    h->selected = -1;
    h->field_focus = -1;
    h->button_focus = g->button_focus;
    snprintf(h->message, sizeof h->message, "%s", g->message);
    h->message_kind = g->msg_kind;
    if (g->page == UI_HOME_LIST) {
        snprintf(h->title, sizeof h->title, "Patients");
        snprintf(h->server, sizeof h->server, "%s", gui_sync_line(g));
        snprintf(h->search, sizeof h->search, "%s", g->search);
        h->search_focus = g->search_focus;
        h->search_caret = gui_edit_caret(g, g->search);
        h->rows = g->rows;
        h->n_rows = g->n_match;
        h->total = (int)g->n_pats;
        h->selected = g->selected;
        /* Keep the selected row on screen. */
        int vis = ui_home_rows_visible(g->ui);
        if (g->selected >= 0 && g->selected < g->first)
            g->first = g->selected;
        if (g->selected >= g->first + vis)
            g->first = g->selected - vis + 1;
        h->first = g->first;
        gui_add_button(h, B_ADD, "Add patient", "A", false);
        gui_add_button(h, B_OPEN, "Open patient", "Enter", true);
        gui_add_button(h, B_EDIT, "Edit patient", "E", false);
        gui_add_button(h, B_SEARCH, "Search", "/", false);
        gui_add_button(h, B_CALIB, "Calibration", "C", false);
        gui_add_button(h, B_SETTINGS, "Settings", "S", false);
        gui_add_button(h, B_QUIT, "Quit", "Q", false);
    } else if (g->page == UI_HOME_PATIENT) {
        gui_patient_fill(g, h);
    } else if (g->page == UI_HOME_START) {
        gui_start_fill(g, h);
    } else if (g->page == UI_HOME_SETTINGS) {
        gui_settings_fill(g, h);
    } else if (g->page == UI_HOME_CALIB) {
        gui_calib_fill(g, h);
    } else {
        snprintf(h->title, sizeof h->title, "%s", g->editing ? "Edit patient" : "New patient");
        h->n_fields = F_COUNT;
        for (int i = 0; i < F_COUNT; i++) {
            snprintf(h->fields[i].label, sizeof h->fields[i].label, "%s", field_rows[i].label);
            snprintf(h->fields[i].hint, sizeof h->fields[i].hint, "%s", field_rows[i].hint);
            snprintf(h->fields[i].value, sizeof h->fields[i].value, "%s", g->fields[i]);
            h->fields[i].error = i == g->error_field;
            h->fields[i].caret = gui_edit_caret(g, g->fields[i]);
        }
        h->field_focus = g->field_focus;
        gui_add_button(h, B_SAVE, g->editing ? "Save" : "Add patient", "Enter", true);
        gui_add_button(h, B_CANCEL, "Cancel", "Esc", false);
    }
}

/* ---- open, step, close ---------------------------------------------------------------------- */

enum st_status gui_open(const struct gui_opts *o, struct gui **out, struct st_err *err)
{
    *out = NULL;
    struct gui *g = calloc(1, sizeof *g);
    if (!g)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    g->opts = o ? *o : gui_opts_default();
    g->selected = -1;
    g->button_focus = -1;
    g->error_field = -1;
    enum st_status st = paths_db_open(g->opts.db, &g->s, g->db_path, sizeof g->db_path, err);
    char who_buf[CONFIG_TEXT_MAX + 1];
    const char *who = g->opts.therapist ? g->opts.therapist : config_therapist(NULL, who_buf, sizeof who_buf);
    if (st == ST_OK && who && *who) {
        snprintf(g->therapist, sizeof g->therapist, "%s", who);
        st = store_therapist_ensure(g->s, g->therapist, &g->therapist_id, err);
    }
    int64_t pid = 0;
    if (st == ST_OK && g->opts.patient)
        st = store_patient_find(g->s, g->opts.patient, &pid, err);
    if (st == ST_OK)
        st = reload(g, pid, err);
    if (st == ST_OK) {
        struct ui_opts uo = ui_opts_default();
        uo.layout = UI_LAYOUT_THERAPIST_ONLY;
        uo.width = g->opts.width > 0 ? g->opts.width : 1280;
        uo.height = g->opts.height > 0 ? g->opts.height : 720;
        uo.sound = false;
        uo.title = "Station";
        g->ui_opts = uo;
        st = ui_open(&g->ui_opts, &g->ui, err);
    }
    if (st != ST_OK) {
        gui_close(g);
        return st;
    }
    if (g->n_pats == 0)
        gui_say(g, UI_HOME_MSG_INFO, "No patient in this file yet: press A to add the first one.");
    if (pid)
        gui_patient_open(g, pid);
    *out = g;
    return ST_OK;
}

enum st_status gui_step(struct gui *g, int wait_ms, bool *done, struct st_err *err)
{
    ui_home_wait(g->ui, wait_ms);
    struct ui_home_event ev[UI_HOME_EVENTS];
    int n = ui_home_poll(g->ui, ev, UI_HOME_EVENTS);
    for (int i = 0; i < n && !g->quit && g->ui; i++)
        on_event(g, &ev[i]);
    if (n > 0) /* a test ran, a patient was saved: the server's line is read again */
        g->sync_read_s = 0;
    if (!g->ui) /* a test ran and the window could not be opened again */
        return st_err_set(err, g->fatal.code, "%s", st_err_msg(&g->fatal));
    if (g->page == UI_HOME_CALIB)
        gui_calib_tick(g); /* what the device sent since the last step */
    gui_probe_tick(g);     /* what a search of the ports found since */
    bool typing = (g->page == UI_HOME_LIST && g->search_focus) ||
                  (g->page == UI_HOME_FORM && g->field_focus >= 0) ||
                  (g->page == UI_HOME_SETTINGS && g->settings.focus < S_DISPLAY) ||
                  (g->page == UI_HOME_CALIB && gui_calib_typing(g)) ||
                  (g->page == UI_HOME_PATIENT && g->pat.mass_editing);
    ui_home_text_input(g->ui, typing);
    fill(g);
    *done = g->quit;
    return ui_home_frame(g->ui, &g->home, err);
}

const struct ui_home *gui_home(const struct gui *g)
{
    return &g->home;
}

struct ui *gui_ui(struct gui *g)
{
    return g->ui;
}

void gui_close(struct gui *g)
{
    if (!g)
        return;
    if (g->ui) {
        ui_home_text_input(g->ui, false);
        ui_close(g->ui);
    }
    gui_probe_free(g);
    gui_calib_free(g);
    gui_patient_free(&g->pat);
    gui_start_free(&g->start);
    if (g->wrote_report)
        report_fonts_release();
    store_close(g->s);
    free(g->pats);
    free(g->last_test);
    free(g->match);
    free(g->rows);
    free(g);
}

enum st_status gui_run(const struct gui_opts *o, struct st_err *err)
{
    struct gui *g = NULL;
    enum st_status st = gui_open(o, &g, err);
    if (st != ST_OK)
        return st;
    int64_t t0 = st_now_ns();
    bool done = false;
    while (st == ST_OK && !done) {
        st = gui_step(g, 100, &done, err);
        if (g->opts.exit_after_s > 0 && (double)(st_now_ns() - t0) / 1e9 >= g->opts.exit_after_s)
            done = true;
    }
    if (st == ST_OK && g->opts.screenshot)
        st = ui_screenshot(g->ui, UI_VIEW_THERAPIST, g->opts.screenshot, err);
    gui_close(g);
    return st;
}
