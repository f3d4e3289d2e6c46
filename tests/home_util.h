/*
 * home_util.h - driving the home (station/gui) from a test as a therapist drives it: synthesized SDL
 * key, text and mouse events go through SDL's event queue into gui_step; the window opened on a test
 * database with its own quiet session output; a few pixel counts and screenshots. Shared by
 * test_home.c and the tests of the home's other pages; the SDL events themselves are ui_fixture.h's.
 */
#ifndef STATION_TESTS_HOME_UTIL_H
#define STATION_TESTS_HOME_UTIL_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <SDL.h>

#include "check.h"
#include "drivers/emu.h"
#include "station/gui/gui.h"
#include "station/store/store.h"
#include "station/ui/home.h"
#include "station/ui/ui.h"
#include "ui_fixture.h"

static inline void step(struct gui *g)
{
    bool done = false;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(gui_step(g, 0, &done, &err), &err);
}

static inline void key(struct gui *g, SDL_Keycode k, Uint16 mod)
{
    REQUIRE(ui_fix_key(k, mod));
    step(g);
}

/* Typed text, as an input method delivers it (one event per character, like a keyboard); a step every
 * 16 characters, as a typist's frames come (a step takes at most UI_HOME_EVENTS events). */
static inline void type(struct gui *g, const char *text)
{
    for (int k = 1; *text; k++) {
        size_t n = ui_fix_type_char(text);
        REQUIRE(n > 0);
        text += n;
        if (k % 16 == 0 || !*text)
            step(g);
    }
}

static inline void click(struct gui *g, enum ui_home_ev kind, int index)
{
    int x = 0, y = 0;
    REQUIRE(ui_home_hit_center(gui_ui(g), kind, index, &x, &y));
    REQUIRE(ui_fix_click(x, y));
    step(g);
}

/* The id of the button that shows key k. */
static inline int button_id(struct gui *g, const char *k)
{
    const struct ui_home *h = gui_home(g);
    for (int i = 0; i < h->n_buttons; i++)
        if (strcmp(h->buttons[i].key, k) == 0)
            return h->buttons[i].id;
    check_fail(__FILE__, __LINE__, "no button shows the key %s", k);
    return -1;
}

/* Fills a new form by keyboard from its first field: each value typed (NULL: left empty), Tab to the
 * next; the fields are name, reference, birth, sex, mass, leg length, lever arm, dominant side, notes. */
static inline void fill_form(struct gui *g, const char *const v[9])
{
    REQUIRE(gui_home(g)->page == UI_HOME_FORM && gui_home(g)->field_focus == 0);
    for (int i = 0; i < 9; i++) {
        if (v[i])
            type(g, v[i]);
        if (i < 8)
            key(g, SDLK_TAB, 0);
    }
}

/* Empties the focused form field. */
static inline void clear_field(struct gui *g)
{
    const struct ui_home *h = gui_home(g);
    REQUIRE(h->field_focus >= 0);
    size_t n = strlen(h->fields[h->field_focus].value);
    for (size_t i = 0; i < n; i++)
        key(g, SDLK_BACKSPACE, 0);
    CHECK_STR(gui_home(g)->fields[gui_home(g)->field_focus].value, "");
}

/* The final screen of a test started from the home, as the test screen's model showed it, and the keys
 * pressed there: R once it shows (write the report), then B once the report's line is up (back). */
struct home_final {
    bool seen, offered;
    char report_line[300];
    int keys;
};
static struct home_final home_final;

static inline void home_final_keys(void *ctx, int64_t session_id, const struct ui_model *m, bool reps_changed)
{
    struct home_final *f = ctx;
    (void)session_id;
    (void)reps_changed;
    if (!m->final.show)
        return;
    f->seen = true;
    f->offered = m->final.offer_report;
    snprintf(f->report_line, sizeof f->report_line, "%s", m->final.report_line);
    if (f->keys == 0 && ui_fix_key(SDLK_r, 0))
        f->keys++;
    else if (f->keys == 1 && m->final.report_line[0] && ui_fix_key(SDLK_b, 0))
        f->keys++;
}

/* The home on db at w x h, nobody at the station, tests of 1 rep per block, quiet; the tests started
 * from it call observe (with ctx) on every frame of their test screen. */
static inline struct gui *open_gui_observed(const char *db, int w, int h,
                                            void (*observe)(void *, int64_t, const struct ui_model *, bool),
                                            void *ctx)
{
    struct gui_opts o = gui_opts_default();
    o.db = db;
    o.width = w;
    o.height = h;
    o.therapist = "";
    o.reps = 1; /* a demo test of 4 reps: short */
    static FILE *quiet;
    if (!quiet)
        quiet = fopen("/dev/null", "w");
    o.session_out = quiet; /* the test's progress lines */
    o.session_observe = observe;
    o.session_observe_ctx = ctx;
    struct gui *g = NULL;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(gui_open(&o, &g, &err), &err);
    REQUIRE(g);
    step(g);
    step(g);
    return g;
}

/* The same, whose tests' final screens write the report and go back (home_final_keys). */
static inline struct gui *open_gui(const char *db, int w, int h)
{
    return open_gui_observed(db, w, h, home_final_keys, &home_final);
}

static inline void add_patient(struct store *s, const char *name, const char *ref, const char *birth,
                               char sex, double kg)
{
    struct store_patient p = {.leg_length_m = NAN, .lever_m = NAN, .mass_kg = kg, .sex = sex};
    snprintf(p.name, sizeof p.name, "%s", name);
    snprintf(p.ref, sizeof p.ref, "%s", ref);
    snprintf(p.birth, sizeof p.birth, "%s", birth);
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(store_patient_add(s, &p, 0, &err), &err);
}

/* The pixels of colour rgb in the whole image. */
static inline long count_rgb(const struct ui_image *img, uint32_t rgb)
{
    return ui_fix_count_colour(img, 0, 0, img->w, img->h, rgb);
}

static inline void shot(struct gui *g, const char *name)
{
    char path[512];
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(ui_screenshot(gui_ui(g), UI_VIEW_THERAPIST, check_tmppath(path, sizeof path, name), &err), &err);
}

/* An emulated Chronojump board on a pty at the test's folder/name (its path into link): a device D
 * finds when link is in $STATION_EXTRA_PORTS. NULL (the case failed) when it cannot start. */
static inline struct emu *home_board(const char *name, char *link, size_t size)
{
    struct emu_opts o = emu_opts_default("chronojump");
    o.link_path = check_tmppath(link, size, name);
    o.boot_s = 0.2;
    struct emu *e = NULL;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(emu_start(&o, &e, &err), &err);
    return e;
}

#endif
