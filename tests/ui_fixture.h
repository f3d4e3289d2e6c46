/*
 * ui_fixture.h - what the window tests share (tests/test_ui.c, test_ui_x11.c, test_home.c,
 * test_ui_session.c): opening the UI at a size, a key or a click pushed on SDL's event queue as a
 * therapist's would arrive, and probes of a frame read back (is a colour near a point, how many
 * pixels of a colour in a box, a private copy of a view and the box where two copies differ).
 * Header-only: every helper is static; a helper that fails fails the current case through check.h.
 */
#ifndef STATION_TESTS_UI_FIXTURE_H
#define STATION_TESTS_UI_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "check.h"
#include "station/ui/ui.h"

/* ---- opening ----------------------------------------------------------------------------------- */

/* ui_opts_default() with the layout, the main window's size and the patient window's (used by the
 * two-window layout). */
static inline struct ui_opts ui_fix_opts(enum ui_layout layout, int w, int h, int patient_w, int patient_h)
{
    struct ui_opts o = ui_opts_default();
    o.layout = layout;
    o.width = w;
    o.height = h;
    o.patient_width = patient_w;
    o.patient_height = patient_h;
    return o;
}

/* ui_open(o); a failure fails the case with the UI's message and returns NULL (the caller REQUIREs). */
static inline struct ui *ui_fix_open(const struct ui_opts *o)
{
    struct ui *ui = NULL;
    struct st_err err;
    st_err_clear(&err);
    enum st_status st = ui_open(o, &ui, &err);
    CHECK_OK(st, &err);
    return st == ST_OK ? ui : NULL;
}

/* ---- input ------------------------------------------------------------------------------------- */

/* Pushes a key press (k with the modifiers mod) on SDL's queue; false if the queue refused it. */
static inline bool ui_fix_key(SDL_Keycode k, Uint16 mod)
{
    SDL_Event e = {0};
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = k;
    e.key.keysym.mod = mod;
    return SDL_PushEvent(&e) == 1;
}

/* Pushes the first character of t (UTF-8) as one text-input event, as SDL's text input delivers
 * typing; returns its length in bytes (0 for an empty t, or when the queue refused it). */
static inline size_t ui_fix_type_char(const char *t)
{
    size_t n = 1;
    if (!*t)
        return 0;
    while (t[n] && ((unsigned char)t[n] & 0xc0) == 0x80)
        n++;
    SDL_Event e = {0};
    e.type = SDL_TEXTINPUT;
    memcpy(e.text.text, t, n);
    return SDL_PushEvent(&e) == 1 ? n : 0;
}

/* Pushes typed text, one event per character; false if the queue refused one. */
static inline bool ui_fix_type(const char *t)
{
    for (size_t n; *t; t += n)
        if ((n = ui_fix_type_char(t)) == 0)
            return false;
    return true;
}

/* Pushes a single left click at (x, y) in the window's pixels; false if the queue refused it. */
static inline bool ui_fix_click(int x, int y)
{
    SDL_Event e = {0};
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = SDL_PRESSED;
    e.button.x = x;
    e.button.y = y;
    e.button.clicks = 1;
    return SDL_PushEvent(&e) == 1;
}

/* ---- pixels ------------------------------------------------------------------------------------ */

/* Is rgb within r pixels of (x, y)? (Lines are antialiased and a pixel off: look around.) */
static inline bool ui_fix_near_colour(const struct ui_image *img, int x, int y, int r, uint32_t rgb)
{
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++)
            if (ui_image_rgb(img, x + dx, y + dy) == rgb)
                return true;
    return false;
}

/* The pixels of colour rgb in the box [x0, x1) x [y0, y1). */
static inline long ui_fix_count_colour(const struct ui_image *img, int x0, int y0, int x1, int y1,
                                       uint32_t rgb)
{
    long n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            n += ui_image_rgb(img, x, y) == rgb;
    return n;
}

/* A private copy of a view's pixels (the UI's buffer is reused by the next read-back); the caller
 * frees px. */
struct ui_fix_copy {
    uint32_t *px;
    int w, h;
};

/* The view's last frame, copied; {0} after a failed read-back (which fails the case). */
static inline struct ui_fix_copy ui_fix_grab(struct ui *ui, enum ui_view v)
{
    struct ui_image img;
    struct st_err err;
    struct ui_fix_copy c = {0};
    if (ui_view_pixels(ui, v, &img, &err) != ST_OK) {
        check_fail(__FILE__, __LINE__, "read-back: %s", st_err_msg(&err));
        return c;
    }
    c.px = malloc((size_t)img.w * img.h * sizeof *c.px);
    if (!c.px)
        return c;
    memcpy(c.px, img.px, (size_t)img.w * img.h * sizeof *c.px);
    c.w = img.w;
    c.h = img.h;
    return c;
}

/* The copy as an image for ui_image_rgb and the probes above (it still owns the pixels). */
static inline struct ui_image ui_fix_image(const struct ui_fix_copy *c)
{
    return (struct ui_image){.px = c->px, .w = c->w, .h = c->h};
}

/* The bounding box of the pixels that differ between a and b; false when identical (or sizes differ,
 * which is a failure). */
static inline bool ui_fix_diff_box(const struct ui_fix_copy *a, const struct ui_fix_copy *b, int *x0, int *y0,
                                   int *x1, int *y1)
{
    *x0 = a->w, *y0 = a->h, *x1 = -1, *y1 = -1;
    if (a->w != b->w || a->h != b->h || !a->px || !b->px) {
        check_fail(__FILE__, __LINE__, "images differ in size");
        return false;
    }
    bool any = false;
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++) {
            size_t i = (size_t)y * a->w + x;
            if ((a->px[i] & 0xffffff) == (b->px[i] & 0xffffff))
                continue;
            any = true;
            if (x < *x0)
                *x0 = x;
            if (y < *y0)
                *y0 = y;
            if (x > *x1)
                *x1 = x;
            if (y > *y1)
                *y1 = y;
        }
    return any;
}

#endif
