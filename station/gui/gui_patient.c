/*
 * gui_patient.c - a patient's page of the home: reads what it shows from the store, through the same
 * functions `station patient show`, `sessions` and `trend` use (store_patient_get, store_mass_list,
 * store_session_list with each session's balance summary, export_session_load for the last one's whole
 * balance, store_trend per protocol), and handles its keys: Up/Down choose a session, P the protocol the
 * trend chart shows, E edits the patient, Esc goes back to the list.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "station/export/report_data.h"
#include "station/export/session_doc.h"
#include "station/gui/gui_priv.h"

void gui_patient_free(struct gui_patient *pp)
{
    free(pp->sessions);
    free(pp->session_ids);
    free(pp->protocols);
    free(pp->trend);
    memset(pp, 0, sizeof *pp);
}

/* The trend of the chosen protocol. */
static enum st_status load_trend(struct store *s, struct gui_patient *pp, struct st_err *err)
{
    free(pp->trend);
    pp->trend = NULL;
    pp->n_trend = 0;
    if (pp->n_protocols == 0)
        return ST_OK;
    struct store_trend_row *rows = NULL;
    size_t n = 0;
    enum st_status st = store_trend(s, pp->p.id, pp->protocols[pp->protocol], &rows, &n, err);
    if (st != ST_OK)
        return st;
    pp->trend = calloc(n ? n : 1, sizeof *pp->trend);
    if (!pp->trend) {
        free(rows);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        char when[32];
        gui_fmt_local(rows[i].started, when, sizeof when);
        snprintf(pp->trend[i].date, sizeof pp->trend[i].date, "%.10s", when);
        pp->trend[i].device_changed = i > 0 && rows[i].device_changed;
        pp->trend[i].bal = rows[i].bal;
    }
    pp->n_trend = (int)n;
    free(rows);
    return ST_OK;
}

static void details(struct gui_patient *pp)
{
    const struct store_patient *p = &pp->p;
    int age = report_age_years(p->birth, st_wall_s());
    char age_txt[24] = "";
    if (age >= 0)
        snprintf(age_txt, sizeof age_txt, " (%d years)", age);
    snprintf(pp->details[0], sizeof pp->details[0], "%s%s%sborn %s%s  \xc2\xb7  %s%s",
             p->ref[0] ? "Ref " : "", p->ref, p->ref[0] ? "  \xc2\xb7  " : "", p->birth, age_txt,
             p->sex == 'F'   ? "female"
             : p->sex == 'M' ? "male"
                             : "sex X",
             p->side_dominant == 'L'   ? "  \xc2\xb7  left-dominant"
             : p->side_dominant == 'R' ? "  \xc2\xb7  right-dominant"
                                       : "");
    char leg[32] = "not recorded", lever[32] = "not recorded";
    if (isfinite(p->leg_length_m))
        snprintf(leg, sizeof leg, "%.2f m", p->leg_length_m);
    if (isfinite(p->lever_m))
        snprintf(lever, sizeof lever, "%.2f m", p->lever_m);
    snprintf(pp->details[1], sizeof pp->details[1], "Leg length %s  \xc2\xb7  lever arm %s", leg, lever);
    /* The notes' first line (the form shows them whole). */
    size_t nl = strcspn(p->notes, "\n");
    if (nl > 0)
        snprintf(pp->details[2], sizeof pp->details[2], "Notes: %.*s%s", (int)(nl < 160 ? nl : 160), p->notes,
                 p->notes[nl] || nl > 160 ? " \xe2\x80\xa6" : "");
}

static enum st_status load(struct gui *g, int64_t id, struct gui_patient *pp, struct st_err *err)
{
    enum st_status st = store_patient_get(g->s, id, &pp->p, err);
    if (st != ST_OK)
        return st;
    details(pp);
    struct store_mass *m = NULL;
    size_t nm = 0;
    if ((st = store_mass_list(g->s, id, &m, &nm, err)) != ST_OK)
        return st;
    for (size_t i = nm; i-- > 0 && pp->n_masses < 6;) /* oldest first in the store: newest first here */
        snprintf(pp->masses[pp->n_masses++], sizeof pp->masses[0], "%s   %.1f kg", m[i].date, m[i].kg);
    size_t first = nm > UI_HOME_MASS_POINTS ? nm - UI_HOME_MASS_POINTS : 0; /* the chart: the last ones */
    for (size_t i = first; i < nm; i++)
        pp->mass_points[pp->n_mass_points++] = m[i].kg;
    free(m);

    struct store_session *list = NULL;
    size_t n = 0;
    if ((st = store_session_list(g->s, id, &list, &n, err)) != ST_OK)
        return st;
    pp->sessions = calloc(n ? n : 1, sizeof *pp->sessions);
    pp->protocols = calloc(n ? n : 1, sizeof *pp->protocols);
    pp->session_ids = calloc(n ? n : 1, sizeof *pp->session_ids);
    if (!pp->sessions || !pp->protocols || !pp->session_ids) {
        free(list);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    pp->last_params = bal_params_default();
    for (size_t i = 0; i < n; i++) {
        struct ui_home_session *r = &pp->sessions[i];
        pp->session_ids[i] = list[i].id;
        gui_fmt_local(list[i].started, r->when, sizeof r->when);
        snprintf(r->protocol, sizeof r->protocol, "%s",
                 list[i].protocol_name[0] ? list[i].protocol_name : "no protocol recorded");
        snprintf(r->status, sizeof r->status, "%s", store_session_status_name(list[i].status));
        for (int sd = 0; sd < 2; sd++) { /* the balance the store keeps with the session: no reps read */
            r->have_ratio[sd] = isfinite(list[i].summary.ratio[sd]);
            r->ratio[sd] = list[i].summary.ratio[sd];
            r->ratio_flag[sd] = list[i].summary.ratio_flag[sd];
        }
        struct export_session doc;
        if (!pp->have_last && list[i].n_reps > 0 && export_session_load(g->s, list[i].id, &doc, err) == ST_OK) {
            pp->have_last = true;
            pp->last = doc.bal;
            pp->last_params = doc.params;
            snprintf(pp->last_title, sizeof pp->last_title, "Last balance: %s, %s", r->when, r->protocol);
            export_session_free(&doc);
        }
    }
    pp->n_sessions = (int)n;
    pp->selected = n > 0 ? 0 : -1;
    /* The protocols, oldest first, each once; the chart starts on the newest session's. */
    for (size_t i = n; i-- > 0;) {
        const char *name = list[i].protocol_name;
        bool seen = !name[0];
        for (int k = 0; k < pp->n_protocols && !seen; k++)
            seen = !strcmp(pp->protocols[k], name);
        if (!seen)
            snprintf(pp->protocols[pp->n_protocols++], sizeof pp->protocols[0], "%s", name);
    }
    for (int k = 0; n > 0 && k < pp->n_protocols; k++)
        if (!strcmp(pp->protocols[k], list[0].protocol_name))
            pp->protocol = k;
    free(list);
    return load_trend(g->s, pp, err);
}

void gui_patient_open(struct gui *g, int64_t id)
{
    struct gui_patient pp = {0};
    struct st_err err;
    st_err_clear(&err);
    if (load(g, id, &pp, &err) != ST_OK) {
        gui_patient_free(&pp);
        gui_say(g, UI_HOME_MSG_ERROR, "%s", st_err_msg(&err));
        return;
    }
    gui_patient_free(&g->pat);
    g->pat = pp;
    g->page = UI_HOME_PATIENT;
    g->button_focus = -1;
    gui_say(g, UI_HOME_MSG_NONE, "%s", "");
}

static void next_protocol(struct gui *g)
{
    struct gui_patient *pp = &g->pat;
    if (pp->n_protocols < 2) {
        gui_say(g, UI_HOME_MSG_INFO, "%s",
                pp->n_protocols ? "This patient was tested on one protocol only" : "No test yet");
        return;
    }
    pp->protocol = (pp->protocol + 1) % pp->n_protocols;
    struct st_err err;
    st_err_clear(&err);
    if (load_trend(g->s, pp, &err) != ST_OK)
        gui_say(g, UI_HOME_MSG_ERROR, "%s", st_err_msg(&err));
}

static const enum button page_buttons[] = {B_TEST,     B_REPORT, B_EDIT,  B_MASS,
                                           B_PROTOCOL, B_CALIB,  B_ERASE, B_BACK};

/* X twice: the patient is erased for good (store_patient_delete, as `station patient delete --yes`:
 * their masses, sessions, reps and samples; the audit keeps who erased how much and when). */
static void erase(struct gui *g)
{
    struct gui_patient *pp = &g->pat;
    if (!pp->erase_asked) {
        pp->erase_asked = true;
        gui_say(g, UI_HOME_MSG_WARN,
                "Erase patient %lld and their %d session%s for good? Press X again to erase; any other key "
                "keeps them.",
                (long long)pp->p.id, pp->n_sessions, pp->n_sessions == 1 ? "" : "s");
        return;
    }
    pp->erase_asked = false;
    int64_t id = pp->p.id;
    int ns = 0, nr = 0;
    struct st_err err;
    st_err_clear(&err);
    if (store_patient_delete(g->s, id, g->therapist_id, "erased in the window", &ns, &nr, &err) != ST_OK) {
        gui_say(g, UI_HOME_MSG_ERROR, "%s", st_err_msg(&err));
        return;
    }
    gui_patient_free(pp);
    g->page = UI_HOME_LIST;
    g->button_focus = -1;
    gui_reload(g, 0);
    gui_say(g, UI_HOME_MSG_INFO, "Patient %lld erased with %d session%s and %d repetition%s.", (long long)id,
            ns, ns == 1 ? "" : "s", nr, nr == 1 ? "" : "s");
}
#define N_PAGE_BUTTONS (int)(sizeof page_buttons / sizeof page_buttons[0])

bool gui_patient_press(struct gui *g, enum button b)
{
    if (b != B_ERASE && g->pat.erase_asked) {
        g->pat.erase_asked = false; /* anything else cancels the question */
        gui_say(g, UI_HOME_MSG_INFO, "Nothing was erased.");
    }
    switch (b) {
    case B_ERASE: erase(g); return true;
    case B_EDIT: gui_form_open(g, &g->pat.p); return true;
    case B_PROTOCOL: next_protocol(g); return true;
    case B_TEST: gui_start_open(g); return true;
    case B_REPORT: gui_report(g); return true;
    case B_CALIB: gui_calib_open(g); return true;
    case B_MASS:
        g->pat.mass_editing = true;
        g->pat.mass_text[0] = '\0';
        g->edit_buf = NULL;
        gui_say(g, UI_HOME_MSG_INFO, "The body mass today, in kg: Enter saves it, Esc cancels.");
        return true;
    case B_BACK:
        g->page = UI_HOME_LIST;
        g->button_focus = -1;
        gui_say(g, UI_HOME_MSG_NONE, "%s", "");
        return true;
    default: return false;
    }
}

void gui_patient_row(struct gui *g, int index)
{
    if (index >= 0 && index < g->pat.n_sessions)
        g->pat.selected = index;
}

/* Enter in the body-mass box: saved as `station patient edit ID --mass-kg KG` saves it (the patient's
 * mass and a new dated measurement, today), with its checks and messages. */
static void mass_save(struct gui *g)
{
    struct gui_patient *pp = &g->pat;
    struct store_patient *p = calloc(1, sizeof *p);
    if (!p) {
        gui_say(g, UI_HOME_MSG_ERROR, "Out of memory: close other programs and try again");
        return;
    }
    *p = pp->p;
    struct st_err err;
    st_err_clear(&err);
    double kg = NAN;
    enum st_status st = ST_OK;
    if (!gui_parse_number(pp->mass_text, &kg) || !isfinite(kg))
        st = st_err_set(&err, ST_ERR_ARG, "Body mass: is not a number; give it in kg (20-300)");
    p->mass_kg = kg;
    if (st == ST_OK)
        st = store_patient_validate(p, true, &err);
    if (st == ST_OK)
        st = store_patient_update(g->s, p, g->therapist_id, NULL, &err);
    if (st == ST_OK)
        st = store_mass_add(g->s, p->id, kg, NULL, &err);
    int64_t id = p->id;
    free(p);
    if (st != ST_OK) { /* the box stays open with what was typed */
        gui_say(g, UI_HOME_MSG_ERROR, "%s", st_err_msg(&err));
        return;
    }
    int selected = pp->selected;
    gui_reload(g, id);
    gui_patient_open(g, id);
    g->pat.selected = selected < g->pat.n_sessions ? selected : g->pat.selected;
    gui_say(g, UI_HOME_MSG_INFO, "Body mass %.1f kg saved for today.", kg);
}

static void mass_key(struct gui *g, const struct ui_home_event *e)
{
    struct gui_patient *pp = &g->pat;
    switch (e->key) {
    case UI_HK_ENTER: mass_save(g); break;
    case UI_HK_ESC:
        pp->mass_editing = false;
        gui_say(g, UI_HOME_MSG_INFO, "The body mass is as it was.");
        break;
    default: gui_edit_key(g, pp->mass_text, e->key); break; /* letters and digits come as text */
    }
}

void gui_patient_text(struct gui *g, const char *text)
{
    if (g->pat.mass_editing)
        gui_edit_text(g, g->pat.mass_text, sizeof g->pat.mass_text, text);
}

void gui_patient_key(struct gui *g, const struct ui_home_event *e)
{
    struct gui_patient *pp = &g->pat;
    if (pp->mass_editing) {
        mass_key(g, e);
        return;
    }
    if (pp->erase_asked && !(e->key == UI_HK_LETTER && e->ch == 'x')) {
        pp->erase_asked = false; /* any other key keeps the patient */
        gui_say(g, UI_HOME_MSG_INFO, "Nothing was erased.");
        return;
    }
    switch (e->key) {
    case UI_HK_UP:
        if (pp->selected > 0)
            pp->selected--;
        break;
    case UI_HK_DOWN:
        if (pp->selected + 1 < pp->n_sessions)
            pp->selected++;
        break;
    case UI_HK_TAB:
    case UI_HK_BACKTAB: {
        int next = g->button_focus + (e->key == UI_HK_TAB ? 1 : -1);
        if (g->button_focus < 0)
            next = e->key == UI_HK_TAB ? 0 : N_PAGE_BUTTONS - 1;
        g->button_focus = next >= 0 && next < N_PAGE_BUTTONS ? next : -1;
        break;
    }
    case UI_HK_ENTER:
        if (g->button_focus >= 0)
            gui_patient_press(g, page_buttons[g->button_focus]);
        break;
    case UI_HK_ESC: gui_patient_press(g, B_BACK); break;
    case UI_HK_LETTER:
        if (e->ch == 'e')
            gui_patient_press(g, B_EDIT);
        else if (e->ch == 'p')
            gui_patient_press(g, B_PROTOCOL);
        else if (e->ch == 't')
            gui_patient_press(g, B_TEST);
        else if (e->ch == 'r')
            gui_patient_press(g, B_REPORT);
        else if (e->ch == 'x')
            gui_patient_press(g, B_ERASE);
        else if (e->ch == 'c')
            gui_patient_press(g, B_CALIB);
        else if (e->ch == 'm')
            gui_patient_press(g, B_MASS);
        break;
    default: break;
    }
}

void gui_patient_fill(struct gui *g, struct ui_home *h)
{
    const struct gui_patient *pp = &g->pat;
    snprintf(h->title, sizeof h->title, "%s", pp->p.name);
    snprintf(h->subtitle, sizeof h->subtitle, "%s", pp->details[0]);
    memcpy(h->details, pp->details, sizeof h->details);
    memcpy(h->masses, pp->masses, sizeof h->masses);
    h->n_masses = pp->n_masses;
    memcpy(h->mass_points, pp->mass_points, sizeof h->mass_points);
    h->n_mass_points = pp->n_mass_points;
    h->mass_editing = pp->mass_editing;
    snprintf(h->mass_text, sizeof h->mass_text, "%s", pp->mass_text);
    h->mass_caret = gui_edit_caret(g, pp->mass_text);
    h->sessions = pp->sessions;
    h->n_sessions = pp->n_sessions;
    h->session_selected = pp->selected;
    if (pp->n_protocols > 1)
        snprintf(h->trend_title, sizeof h->trend_title, "Trend: %s (%d of %d protocols: P shows the next)",
                 pp->protocols[pp->protocol], pp->protocol + 1, pp->n_protocols);
    else if (pp->n_protocols == 1)
        snprintf(h->trend_title, sizeof h->trend_title, "Trend: %s", pp->protocols[0]);
    else
        snprintf(h->trend_title, sizeof h->trend_title, "Trend");
    h->trend = pp->trend;
    h->n_trend = pp->n_trend;
    h->error_band_pct = 10.0; /* CLINICAL.md: a change below about 10 % may be noise */
    h->ratio_red = pp->last_params.ratio_red;
    h->ratio_amber = pp->last_params.ratio_amber;
    h->have_last = pp->have_last;
    h->last = pp->last;
    snprintf(h->last_title, sizeof h->last_title, "%s", pp->last_title);
    gui_add_button(h, B_TEST, "Start a test", "T", true);
    gui_add_button(h, B_REPORT, "Write the report", "R", false);
    gui_add_button(h, B_EDIT, "Edit patient", "E", false);
    gui_add_button(h, B_MASS, "Body mass", "M", false);
    gui_add_button(h, B_PROTOCOL, "Next protocol", "P", false);
    gui_add_button(h, B_CALIB, "Calibration", "C", false);
    gui_add_button(h, B_ERASE, pp->erase_asked ? "Erase: press again" : "Erase patient", "X", false);
    gui_add_button(h, B_BACK, "Back to the list", "Esc", false);
}
