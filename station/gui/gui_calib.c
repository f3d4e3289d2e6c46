/*
 * gui_calib.c - the guided calibration check (C from the list or a patient's page): choose the device
 * (the built-in demo, a probed one, or a typed port), type the reference mass, then the station takes
 * the zero at rest, asks for the mass, waits for a still reading (protocols/settle.h, as `station
 * calibrate` does), judges it and stores it through calib_store, the command's own function, and says
 * the verdict in words.
 *
 * The check runs inside the home's loop: the acquisition thread streams into a ring, and every
 * gui_step reads what arrived (gui_calib_tick), so the window stays live and Esc cancels at any time
 * (nothing is stored then). It gives up, as the command does, when no still zero or no still reading
 * of the mass came within 20 s (+5 s to place it). The demo device is an emulated gauge whose weight is
 * hung when the station asks for it, recorded as the demo's device ("demo-emulator").
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "drivers/acq.h"
#include "drivers/emu.h"
#include "protocols/settle.h"
#include "station/calib.h"
#include "station/gui/gui_priv.h"

#define CALIB_RING 8192
#define CALIB_SETTLE_S 20.0     /* as station calibrate's --settle-s default */
#define CALIB_TOLERANCE_PCT 1.0 /* as station calibrate's --tolerance-pct default */

struct gui_calib {
    enum ui_home_page back; /* where Esc goes when no check runs */
    struct ui_home_calib v; /* what the page shows */
    struct st_ring ring;
    struct st_sample buf[CALIB_RING];
    struct st_sample got[256];
    struct acq *acq;
    struct emu *emu; /* the demo's gauge */
    bool demo;
    struct settle settle;
    double mass_kg;
    int64_t deadline_ns;
};

/* Stops the device and the demo's emulator (the check's result, if any, stays on the page). */
static void stop(struct gui_calib *c)
{
    acq_stop(c->acq);
    c->acq = NULL;
    emu_stop(c->emu);
    c->emu = NULL;
}

void gui_calib_free(struct gui *g)
{
    if (!g->calib)
        return;
    stop(g->calib);
    free(g->calib);
    g->calib = NULL;
}

void gui_calib_open(struct gui *g)
{
    gui_calib_free(g);
    struct gui_calib *c = calloc(1, sizeof *c);
    if (!c) {
        gui_say(g, UI_HOME_MSG_ERROR, "Out of memory: close other programs and try again");
        return;
    }
    gui_start_free(&g->start);
    gui_device_add(&g->start, "Demo: the built-in emulated dynamometer",
                   "Nothing to plug in: an emulated gauge, whose weight is hung when the station asks for it",
                   NULL, NULL);
    c->back = g->page;
    snprintf(c->v.mass, sizeof c->v.mass, "10");
    c->v.field_focus = -1;
    c->v.expect_n = NAN;
    g->calib = c;
    g->edit_buf = NULL;
    g->page = UI_HOME_CALIB;
    g->button_focus = -1;
    gui_say(g, UI_HOME_MSG_INFO, "Choose the device and the reference mass, then Enter starts the check.");
}

/* The mass field in kg (a comma is a decimal point); false with the message when it is not 0.1-2000. */
static bool mass_of(struct gui *g, double *kg)
{
    char buf[32], *end = NULL;
    snprintf(buf, sizeof buf, "%s", g->calib->v.mass);
    for (char *p = buf; *p; p++)
        if (*p == ',')
            *p = '.';
    double v = strtod(buf, &end);
    while (end && *end == ' ')
        end++;
    if (end == buf || !end || *end || !(v >= 0.1 && v <= 2000)) {
        gui_say(g, UI_HOME_MSG_ERROR, "Reference mass: give it in kg, 0.1-2000 (as marked on the weight)");
        g->calib->v.field_focus = 0;
        return false;
    }
    *kg = v;
    return true;
}

/* No reading: the check stops, says why (printf-style) and stores nothing. */
static void fail(struct gui *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct gui *g, const char *fmt, ...)
{
    struct gui_calib *c = g->calib;
    stop(c);
    c->v.step = UI_CALIB_FAILED;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->v.verdict, sizeof c->v.verdict, fmt, ap);
    va_end(ap);
    gui_say(g, UI_HOME_MSG_WARN, "Nothing was stored. Enter checks again, Esc goes back.");
}

static void start(struct gui *g)
{
    struct gui_calib *c = g->calib;
    struct gui_start *gs = &g->start;
    if (!mass_of(g, &c->mass_kg))
        return;
    gui_probe_stop(g); /* a search and a check would ask the same ports */
    struct st_err err;
    st_err_clear(&err);
    struct acq_cfg cfg = {0};
    c->demo = !c->v.port[0] && gs->device == 0;
    if (c->v.port[0]) {
        cfg.port = c->v.port; /* any family that answers there */
    } else if (c->demo) {
        struct emu_opts eo = emu_opts_default("chronojump");
        eo.boot_s = 0.2;
        eo.patient = emu_patient_default(0, 0);
        eo.patient.kind = EMU_PATIENT_CUED; /* the weight is hung when cued (the station asks for it) */
        eo.patient.noise_n = 0;             /* a hanging weight does not tremble */
        eo.patient.ramp_s = 0.5;
        eo.patient.hold_s = 600;
        if (emu_start(&eo, &c->emu, &err) != ST_OK) {
            gui_say(g, UI_HOME_MSG_ERROR, "%s", st_err_msg(&err));
            return;
        }
        cfg.port = emu_port(c->emu);
        cfg.drv = drv_find("chronojump");
    } else {
        cfg.port = gs->dev[gs->device].port;
        cfg.drv = drv_find(gs->dev[gs->device].family);
    }
    ring_init(&c->ring, c->buf, CALIB_RING);
    memset(&c->v.device, 0, sizeof c->v.device);
    c->v.have_force = false;
    c->v.verdict[0] = '\0';
    c->v.expect_n = c->mass_kg * CALIB_G;
    if (acq_start(&cfg, &c->ring, &c->acq, &err) != ST_OK) {
        c->acq = NULL;
        fail(g, "%s", st_err_msg(&err));
        return;
    }
    struct acq_status ast;
    acq_get_status(c->acq, &ast);
    snprintf(c->v.device, sizeof c->v.device, "%s%s%s%s on %s%s%s", c->demo ? "Demo: " : "", ast.ident.family,
             ast.ident.model[0] ? " " : "", ast.ident.model, ast.port, ast.ident.serial[0] ? ", serial " : "",
             ast.ident.serial);
    settle_init(&c->settle, c->v.expect_n);
    c->v.step = UI_CALIB_ZEROING;
    c->deadline_ns = st_now_ns() + (int64_t)((CALIB_SETTLE_S + 5) * 1e9);
    gui_say(g, UI_HOME_MSG_INFO, "Take every load off the dynamometer and keep it still. Esc cancels.");
}

/* The reading is in: judged, stored as the command stores it, said. */
static void finish(struct gui *g)
{
    struct gui_calib *c = g->calib;
    struct acq_status ast;
    acq_get_status(c->acq, &ast);
    stop(c);
    struct calib_result r = calib_judge(c->mass_kg, c->settle.reading_n, CALIB_TOLERANCE_PCT);
    struct store_calibration cal;
    struct store_device dev;
    struct st_err err;
    st_err_clear(&err);
    if (calib_store(g->s, &ast, c->demo ? "demo-emulator" : NULL, g->therapist, &r, &cal, &dev, &err) !=
        ST_OK) {
        fail(g, "The check could not be stored: %s", st_err_msg(&err));
        return;
    }
    char words[256];
    c->v.step = UI_CALIB_DONE;
    c->v.ok = r.ok;
    calib_verdict_text(&r, words, sizeof words);
    words[0] = 'R'; /* "Read 98.07 N for ..." */
    snprintf(c->v.verdict, sizeof c->v.verdict, "%s", words);
    gui_say(g, r.ok ? UI_HOME_MSG_INFO : UI_HOME_MSG_ERROR,
            "Check %lld stored for %s %s. Enter checks again, Esc goes back.", (long long)cal.id, dev.family,
            dev.serial);
}

void gui_calib_tick(struct gui *g)
{
    struct gui_calib *c = g->calib;
    if (!c || !c->acq)
        return;
    for (;;) {
        size_t n = ring_pop(&c->ring, c->got, sizeof c->got / sizeof c->got[0]);
        if (n == 0)
            break;
        enum settle_phase before = c->settle.phase;
        settle_feed(&c->settle, c->got, n);
        double zero = isfinite(c->settle.zero_n) ? c->settle.zero_n : 0;
        c->v.force_n = c->got[n - 1].force_n - zero;
        c->v.have_force = true;
        if (before == SETTLE_ZEROING && c->settle.phase != SETTLE_ZEROING) {
            gui_say(g, UI_HOME_MSG_INFO, "Zero: %.2f N. Now place the %s kg mass and keep it still.",
                    c->settle.zero_n, c->v.mass);
            if (c->emu)
                emu_cue(c->emu, c->v.expect_n); /* the demo's weight is hung now */
        }
        if (c->settle.phase == SETTLE_READ) {
            finish(g);
            return;
        }
    }
    c->v.step = c->settle.phase == SETTLE_ZEROING     ? UI_CALIB_ZEROING
                : c->settle.phase == SETTLE_WAIT_MASS ? UI_CALIB_PLACE
                                                      : UI_CALIB_HOLD;
    if (st_now_ns() < c->deadline_ns)
        return;
    /* The command's own words when it gives up. */
    struct acq_status ast;
    acq_get_status(c->acq, &ast);
    char port[256];
    snprintf(port, sizeof port, "%s", ast.port);
    if (c->settle.phase == SETTLE_ZEROING)
        fail(g, "The reading on %s never settled at rest: keep the dynamometer still and unloaded", port);
    else
        fail(g,
             "No steady reading came from %s within 20 s: place the mass and keep it still (%.1f N expected)",
             port, c->v.expect_n);
}

bool gui_calib_press(struct gui *g, enum button b)
{
    struct gui_calib *c = g->calib;
    switch (b) {
    case B_START:
        if (c->v.step == UI_CALIB_CHOOSE)
            start(g);
        else if (c->v.step >= UI_CALIB_DONE) {
            c->v.step = UI_CALIB_CHOOSE;
            c->v.have_force = false;
            c->v.device[0] = c->v.verdict[0] = '\0';
            gui_say(g, UI_HOME_MSG_INFO,
                    "Choose the device and the reference mass, then Enter starts the check.");
        }
        return true;
    case B_PROBE:
        if (gui_probe_searching(g))
            gui_probe_stop(g);
        else if (c->v.step == UI_CALIB_CHOOSE)
            gui_probe(g);
        return true;
    case B_CANCEL:
    case B_BACK:
        if (gui_probe_searching(g)) { /* Esc stops a search first */
            gui_probe_stop(g);
            return true;
        }
        if (c->acq) { /* a check under way: cancelled, nothing stored */
            stop(c);
            c->v.step = UI_CALIB_CHOOSE;
            c->v.have_force = false;
            gui_say(g, UI_HOME_MSG_INFO, "Check cancelled: nothing was stored.");
            return true;
        }
        g->page = c->back;
        gui_calib_free(g);
        gui_start_free(&g->start);
        gui_say(g, UI_HOME_MSG_NONE, "%s", "");
        return true;
    default: return false;
    }
}

void gui_calib_key(struct gui *g, const struct ui_home_event *e)
{
    struct gui_calib *c = g->calib;
    struct gui_start *gs = &g->start;
    bool choosing = c->v.step == UI_CALIB_CHOOSE;
    switch (e->key) {
    case UI_HK_ENTER: gui_calib_press(g, B_START); break;
    case UI_HK_ESC: gui_calib_press(g, B_BACK); break;
    case UI_HK_TAB:
    case UI_HK_BACKTAB:
        if (choosing) /* the device list, the mass, the port */
            c->v.field_focus = (c->v.field_focus + 1 + (e->key == UI_HK_TAB ? 1 : 2)) % 3 - 1;
        break;
    case UI_HK_UP:
    case UI_HK_DOWN:
        if (choosing && c->v.field_focus < 0) {
            int d = gs->device + (e->key == UI_HK_DOWN ? 1 : -1);
            if (d >= 0 && d < gs->n_devices)
                gs->device = d;
        }
        break;
    case UI_HK_LETTER:
        if (choosing && c->v.field_focus < 0 && e->ch == 'd')
            gui_calib_press(g, B_PROBE);
        break;
    default:
        if (choosing && c->v.field_focus >= 0)
            gui_edit_key(g, c->v.field_focus == 0 ? c->v.mass : c->v.port, e->key);
        break;
    }
}

void gui_calib_text(struct gui *g, const char *text)
{
    struct gui_calib *c = g->calib;
    if (c->v.step != UI_CALIB_CHOOSE || c->v.field_focus < 0)
        return;
    if (c->v.field_focus == 0)
        gui_edit_text(g, c->v.mass, sizeof c->v.mass, text);
    else
        gui_edit_text(g, c->v.port, sizeof c->v.port, text);
}

bool gui_calib_typing(const struct gui *g)
{
    return g->calib && g->calib->v.step == UI_CALIB_CHOOSE && g->calib->v.field_focus >= 0;
}

void gui_calib_field(struct gui *g, int index)
{
    if (g->calib->v.step == UI_CALIB_CHOOSE && index >= 0 && index < 2)
        g->calib->v.field_focus = index;
}

void gui_calib_choice(struct gui *g, int index)
{
    int i = index - UI_HOME_CHOICE_COLUMN; /* the device list is column 1 */
    if (g->calib->v.step == UI_CALIB_CHOOSE && i >= 0 && i < g->start.n_devices) {
        g->start.device = i;
        g->calib->v.field_focus = -1;
    }
}

void gui_calib_fill(struct gui *g, struct ui_home *h)
{
    struct gui_calib *c = g->calib;
    snprintf(h->title, sizeof h->title, "Calibration check");
    h->calib = c->v;
    if (c->v.field_focus >= 0)
        h->calib.caret = gui_edit_caret(g, c->v.field_focus == 0 ? c->v.mass : c->v.port);
    h->devices = g->start.devices;
    h->n_devices = g->start.n_devices;
    h->device_selected = g->start.device;
    h->start_column = 1;
    if (c->v.step == UI_CALIB_CHOOSE && gui_probe_searching(g)) {
        gui_add_button(h, B_START, "Start the check", "Enter", true);
        gui_add_button(h, B_PROBE, "Stop the search", "Esc", false);
    } else if (c->v.step == UI_CALIB_CHOOSE) {
        gui_add_button(h, B_START, "Start the check", "Enter", true);
        gui_add_button(h, B_PROBE, "Probe the ports", "D", false);
        gui_add_button(h, B_BACK, "Back", "Esc", false);
    } else if (c->acq) {
        gui_add_button(h, B_CANCEL, "Cancel the check", "Esc", false);
    } else {
        gui_add_button(h, B_START, "Check again", "Enter", true);
        gui_add_button(h, B_BACK, "Back", "Esc", false);
    }
}
