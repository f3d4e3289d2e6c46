/*
 * gui_start.c - starting a test from a patient's page: the start page (a protocol from the protocol
 * folder, a device: the built-in demo dynamometer or one the serial ports answer for), then the test
 * itself through session_run(), the same loop `station run` and `station demo` use, on its own test
 * screen. The home's window closes while the test screen runs and opens again on the patient's page
 * with the new session selected; R on that page writes its report (the PDF of `station report`).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/driver.h"
#include "drivers/emu.h"
#include "drivers/identity.h"
#include "station/demo.h"
#include "station/export/report.h"
#include "station/gui/gui_priv.h"
#include "station/paths.h"
#include "station/protocol_files.h"
#include "station/session.h"
#include "station/ui/ui.h"

void gui_start_free(struct gui_start *gs)
{
    free(gs->protocols);
    free(gs->names);
    free(gs->devices);
    free(gs->n_channels);
    free(gs->chan_sides);
    free(gs->dev);
    memset(gs, 0, sizeof *gs);
}

static int add_protocol(void *ctx, const char *path, const struct proto_def *def, const struct st_err *err)
{
    (void)path;
    (void)err;
    struct gui_start *gs = ctx;
    if (!def)
        return 0; /* a broken file: `station protocols` says why */
    void *p = realloc(gs->protocols, (size_t)(gs->n_protocols + 1) * sizeof *gs->protocols);
    void *q = p ? realloc(gs->names, (size_t)(gs->n_protocols + 1) * sizeof *gs->names) : NULL;
    void *nc = q ? realloc(gs->n_channels, (size_t)(gs->n_protocols + 1) * sizeof *gs->n_channels) : NULL;
    void *cs = nc ? realloc(gs->chan_sides, (size_t)(gs->n_protocols + 1) * sizeof *gs->chan_sides) : NULL;
    if (p)
        gs->protocols = p;
    if (q)
        gs->names = q;
    if (nc)
        gs->n_channels = nc;
    if (!cs)
        return 1;
    gs->chan_sides = cs;
    /* The channels its blocks use, and the sides each measures (what the choice of devices names). */
    int n_ch = 1;
    bool side[ST_MAX_CHANNELS][3] = {{false}};
    for (int b = 0; b < def->nblocks; b++) {
        int ch = def->blocks[b].channel;
        if (ch + 1 > n_ch)
            n_ch = ch + 1;
        side[ch][def->blocks[b].side == ST_SIDE_LEFT    ? 0
                 : def->blocks[b].side == ST_SIDE_RIGHT ? 1
                                                        : 2] = true;
    }
    gs->n_channels[gs->n_protocols] = n_ch;
    for (int ch = 0; ch < ST_MAX_CHANNELS; ch++)
        snprintf(gs->chan_sides[gs->n_protocols][ch], sizeof gs->chan_sides[0][0], "%s",
                 side[ch][2] || (side[ch][0] && side[ch][1]) ? "both sides"
                 : side[ch][0]                               ? "the left side"
                 : side[ch][1]                               ? "the right side"
                                                             : "no block");
    struct ui_home_choice *c = &gs->protocols[gs->n_protocols];
    snprintf(gs->names[gs->n_protocols], sizeof gs->names[0], "%s", def->name);
    snprintf(c->title, sizeof c->title, "%s", def->title[0] ? def->title : def->name);
    char fam[48] = "";
    if (def->familiarisation > 0)
        snprintf(fam, sizeof fam, "%d practice rep%s, then ", def->familiarisation,
                 def->familiarisation == 1 ? "" : "s");
    snprintf(c->detail, sizeof c->detail,
             "%s  \xc2\xb7  %d block%s: %s%d reps of %.0f s, %.0f s rest, %.0f s countdown", def->position,
             def->nblocks, def->nblocks == 1 ? "" : "s", fam, def->reps, def->hold_s, def->rest_s,
             def->countdown_s);
    gs->n_protocols++;
    return 0;
}

bool gui_device_add(struct gui_start *gs, const char *title, const char *detail, const char *port,
                    const char *family)
{
    void *p = realloc(gs->devices, (size_t)(gs->n_devices + 1) * sizeof *gs->devices);
    void *q = p ? realloc(gs->dev, (size_t)(gs->n_devices + 1) * sizeof *gs->dev) : NULL;
    if (p)
        gs->devices = p;
    if (!q)
        return false;
    gs->dev = q;
    snprintf(gs->devices[gs->n_devices].title, sizeof gs->devices[0].title, "%s", title);
    snprintf(gs->devices[gs->n_devices].detail, sizeof gs->devices[0].detail, "%s", detail);
    snprintf(gs->dev[gs->n_devices].port, sizeof gs->dev[0].port, "%s", port ? port : "");
    snprintf(gs->dev[gs->n_devices].family, sizeof gs->dev[0].family, "%s", family ? family : "");
    gs->n_devices++;
    return true;
}

void gui_start_open(struct gui *g)
{
    struct gui_start *gs = &g->start;
    gui_start_free(gs);
    struct st_err err;
    st_err_clear(&err);
    if (st_proto_list(paths_protocol_dir(), add_protocol, gs, &err) != ST_OK || gs->n_protocols == 0) {
        gui_say(g, UI_HOME_MSG_ERROR, "%s",
                gs->n_protocols ? st_err_msg(&err) : "No test protocol found: see station protocols");
        gui_start_free(gs);
        return;
    }
    /* The protocol of the patient's last session first chosen, else the first file. */
    for (int i = 0; i < gs->n_protocols && g->pat.n_protocols > 0; i++)
        if (!strcmp(gs->names[i], g->pat.protocols[g->pat.protocol]))
            gs->protocol = i;
    gui_device_add(
        gs, "Demo: the built-in emulated dynamometer",
        "Nothing to plug in: a simulated patient pushes when cued; saved like any session (mode demo)", NULL,
        NULL);
    g->page = UI_HOME_START;
    g->button_focus = -1;
    gui_say(g, UI_HOME_MSG_INFO, "Choose the protocol and the device, then Enter starts the test.");
}

void gui_calibration_words(struct gui *g, const struct drv_driver *drv, const struct drv_ident *id,
                           const char *port, char *buf, size_t size)
{
    /* The device is keyed as a session and a calibration check key it (drivers/identity.h). */
    char usb[128] = "", by_id[256] = "";
    struct drv_identity who;
    drv_identity_of_port(port, usb, sizeof usb, by_id, sizeof by_id);
    drv_identity_resolve(id->serial, usb, by_id, port, &who);
    struct store_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.family, sizeof d.family, "%s", drv->name);
    snprintf(d.model, sizeof d.model, "%s", id->model);
    snprintf(d.serial, sizeof d.serial, "%s", who.key);
    snprintf(d.firmware, sizeof d.firmware, "%s", id->firmware);
    snprintf(d.unit, sizeof d.unit, "%s", drv_unit_name(id->unit));
    d.capacity_n = id->capacity_n;
    struct store_cal_status cs;
    struct st_err err;
    st_err_clear(&err);
    if (store_device_ensure(g->s, &d, &err) != ST_OK ||
        store_calibration_status(g->s, d.id, 0, 0, &cs, &err) != ST_OK)
        snprintf(buf, size, "calibration unknown");
    else if (cs.state == STORE_CAL_OK)
        snprintf(buf, size, "calibration checked %.0f days ago", cs.age_days);
    else
        snprintf(buf, size, "%s", cs.text[0] ? cs.text : "never calibrated: C checks it");
}

/* A protocol on two or more channels needs a different probed dynamometer on each (the demo is one);
 * false with the message otherwise. */
static bool channels_chosen(struct gui *g)
{
    struct gui_start *gs = &g->start;
    int n_ch = gs->n_channels[gs->protocol];
    gs->chan_device[gs->channel] = gs->device;
    for (int c = 0; c < n_ch && n_ch > 1; c++) {
        bool twice = false;
        for (int k = 0; k < c; k++)
            twice |= gs->chan_device[k] == gs->chan_device[c];
        if (gs->chan_device[c] <= 0 || gs->chan_device[c] >= gs->n_devices || twice) {
            gui_say(
                g, UI_HOME_MSG_ERROR,
                "This protocol measures on %d dynamometers: D finds them, then choose a different one for "
                "each channel (Tab goes to the next channel; the demo is a single one)",
                n_ch);
            return false;
        }
    }
    return true;
}

/* Runs the test on its own screen, then reopens the home on the patient's page. When the home cannot
 * be opened again (the only fatal case) g->fatal says why and gui_step returns it. */
static void run_test(struct gui *g)
{
    struct gui_start *gs = &g->start;
    int64_t pid = g->pat.p.id;
    char pid_txt[32];
    snprintf(pid_txt, sizeof pid_txt, "%lld", (long long)pid);
    struct session_opts o = session_opts_default();
    o.db_path = g->db_path;
    o.patient = pid_txt;
    o.therapist = g->therapist[0] ? g->therapist : NULL;
    o.protocol = gs->names[gs->protocol];
    o.out = g->opts.session_out;
    o.observe = g->opts.session_observe;
    o.observe_ctx = g->opts.session_observe_ctx;
    char report[1024] = "";
    o.final_report = true; /* its final screen: "Write the report" and "Back to the patient" */
    o.report_out = report;
    o.report_out_size = sizeof report;
    if (g->opts.reps > 0)
        o.reps = g->opts.reps;
    struct emu *e = NULL;
    struct st_err err;
    st_err_clear(&err);
    enum st_status st = ST_OK;
    gs->chan_device[gs->channel] = gs->device;
    int n_ch = gs->n_channels[gs->protocol];
    if (n_ch == 1 && gs->device == 0) {
        st = demo_setup(NULL, &o, &e, &err);
    } else {
        o.n_ch = n_ch;
        for (int c = 0; c < n_ch; c++) {
            o.ch[c].port = gs->dev[n_ch == 1 ? gs->device : gs->chan_device[c]].port;
            o.ch[c].driver = gs->dev[n_ch == 1 ? gs->device : gs->chan_device[c]].family;
        }
    }
    int64_t sid = 0;
    if (st == ST_OK) {
        /* The test screen opens its own window: the home's closes meanwhile. */
        ui_home_text_input(g->ui, false);
        ui_close(g->ui);
        g->ui = NULL;
        st = session_run(&o, &sid, &err);
    }
    if (e)
        emu_stop(e);
    if (!g->ui && ui_open(&g->ui_opts, &g->ui, &g->fatal) != ST_OK) {
        gui_start_free(gs);
        return;
    }
    gui_start_free(gs);
    gui_reload(g, pid);
    gui_patient_open(g, pid);
    if (report[0])
        g->wrote_report = true; /* gui_close releases the PDF fonts' caches */
    if (st == ST_OK && report[0])
        gui_say(g, UI_HOME_MSG_INFO, "Session %lld saved, its report written: %s", (long long)sid, report);
    else if (st == ST_OK)
        gui_say(g, UI_HOME_MSG_INFO,
                "Session %lld saved. R writes its report (PDF); Esc goes back to the list.", (long long)sid);
    else if (sid)
        gui_say(g, UI_HOME_MSG_ERROR, "Session %lld stopped, what was measured is kept: %s", (long long)sid,
                st_err_msg(&err));
    else
        gui_say(g, UI_HOME_MSG_ERROR, "%s", st_err_msg(&err));
}

void gui_start_key(struct gui *g, const struct ui_home_event *e)
{
    struct gui_start *gs = &g->start;
    int *sel = gs->column == 0 ? &gs->protocol : &gs->device;
    int n = gs->column == 0 ? gs->n_protocols : gs->n_devices;
    switch (e->key) {
    case UI_HK_UP:
        if (*sel > 0)
            (*sel)--;
        break;
    case UI_HK_DOWN:
        if (*sel + 1 < n)
            (*sel)++;
        break;
    case UI_HK_TAB:
    case UI_HK_BACKTAB: {
        /* protocols, then the device of each channel in turn (one channel: the device) */
        int n_ch = gs->n_channels[gs->protocol], stops = 1 + n_ch;
        if (gs->channel >= n_ch) /* another protocol was chosen meanwhile */
            gs->channel = 0;
        int at = gs->column == 0 ? 0 : 1 + gs->channel;
        at = (at + (e->key == UI_HK_TAB ? 1 : stops - 1)) % stops;
        gs->chan_device[gs->channel] = gs->device;
        gs->column = at > 0;
        gs->channel = at > 0 ? at - 1 : gs->channel;
        if (at > 0)
            gs->device = gs->chan_device[gs->channel] < gs->n_devices ? gs->chan_device[gs->channel] : 0;
        break;
    }
    case UI_HK_ENTER: gui_start_press(g, B_START); break;
    case UI_HK_ESC: gui_start_press(g, gui_probe_searching(g) ? B_PROBE : B_BACK); break;
    case UI_HK_LETTER:
        if (e->ch == 'd')
            gui_start_press(g, B_PROBE);
        break;
    default: break;
    }
}

bool gui_start_press(struct gui *g, enum button b)
{
    switch (b) {
    case B_START:
        gui_probe_stop(g);
        if (channels_chosen(g))
            run_test(g);
        break;
    case B_PROBE:
        if (gui_probe_searching(g))
            gui_probe_stop(g);
        else
            gui_probe(g);
        break;
    case B_BACK:
        gui_probe_stop(g);
        gui_start_free(&g->start);
        g->page = UI_HOME_PATIENT;
        gui_say(g, UI_HOME_MSG_NONE, "%s", "");
        break;
    default: return false;
    }
    return true;
}

void gui_start_choice(struct gui *g, int index)
{
    struct gui_start *gs = &g->start;
    int column = index / UI_HOME_CHOICE_COLUMN, i = index % UI_HOME_CHOICE_COLUMN;
    if (column == 0 && i < gs->n_protocols)
        gs->protocol = i;
    else if (column == 1 && i < gs->n_devices)
        gs->device = i;
    else
        return;
    gs->column = column;
}

void gui_start_fill(struct gui *g, struct ui_home *h)
{
    const struct gui_start *gs = &g->start;
    snprintf(h->title, sizeof h->title, "New test: %s", g->pat.p.name);
    snprintf(h->subtitle, sizeof h->subtitle, "%s", g->pat.details[0]);
    h->protocols = gs->protocols;
    h->n_protocols = gs->n_protocols;
    h->protocol_selected = gs->protocol;
    h->devices = gs->devices;
    h->n_devices = gs->n_devices;
    h->device_selected = gs->device;
    h->start_column = gs->column;
    int n_ch = gs->n_channels ? gs->n_channels[gs->protocol] : 1;
    if (n_ch > 1) {
        int other = gs->channel == 0 ? 1 : 0;
        int od = gs->chan_device[other];
        snprintf(h->device_head, sizeof h->device_head,
                 "2. Channel %d of %d, %s: its device (Tab: channel %d%s%s)", gs->channel + 1, n_ch,
                 gs->chan_sides[gs->protocol][gs->channel], other + 1,
                 od > 0 && od < gs->n_devices ? ", " : "",
                 od > 0 && od < gs->n_devices ? gs->dev[od].port : "");
    }
    gui_add_button(h, B_START, "Start the test", "Enter", true);
    if (gui_probe_searching(g)) {
        gui_add_button(h, B_PROBE, "Stop the search", "Esc", false);
        return;
    }
    gui_add_button(h, B_PROBE, "Probe the ports", "D", false);
    gui_add_button(h, B_BACK, "Back to the patient", "Esc", false);
}

/* R on a patient's page: the selected session's report beside the database. */
void gui_report(struct gui *g)
{
    struct gui_patient *pp = &g->pat;
    if (pp->selected < 0 || pp->selected >= pp->n_sessions) {
        gui_say(g, UI_HOME_MSG_INFO, "No session to report on yet: T starts a test");
        return;
    }
    int64_t sid = pp->session_ids[pp->selected];
    char out[1024];
    struct st_err err;
    st_err_clear(&err);
    if (session_report_beside(g->s, g->db_path, sid, out, sizeof out, &err) != ST_OK)
        gui_say(g, UI_HOME_MSG_ERROR, "%s", st_err_msg(&err));
    else
        gui_say(g, UI_HOME_MSG_INFO, "The report of session %lld is written: %s", (long long)sid, out);
    g->wrote_report = true;
}
