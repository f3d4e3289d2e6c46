/*
 * ui_home_calib.c - the guided calibration check of the home (home.h, UI_HOME_CALIB): the device to
 * check on the left (the start page's list of choices), and on the right the reference mass and an
 * optional port, the four steps with the current one marked, the live force above the zero while the
 * check runs, and the verdict in words, green within tolerance, red out of it, amber when no reading
 * came. What the steps mean and when they change is the station's (station/gui/gui_calib.c).
 */
#include <math.h>
#include <stdio.h>

#include "station/ui/home.h"
#include "station/ui/ui_priv.h"

static int CU(float u, float v)
{
    return (int)lroundf(u * v);
}

void ui_home_calib_draw(struct ui_dc *dc, const struct ui_home *h, int pad, int top, int bottom)
{
    float u = dc->u;
    const struct ui_home_calib *c = &h->calib;
    int gap = CU(u, 12);
    int lw = (dc->w - 2 * pad - gap) * 2 / 5;
    bool choosing = c->step == UI_CALIB_CHOOSE;
    ui_home_choices(dc, "1. The device (D probes the serial ports)", h->devices, h->n_devices,
                    h->device_selected, choosing && c->field_focus < 0, 1,
                    (SDL_Rect){pad, top, lw, bottom - top});

    int x = pad + lw + gap, w = dc->w - pad - x;
    ui_draw_round(dc, x, top, w, bottom - top, CU(u, 8), UI_RGB_PANEL);
    int in = CU(u, 16), y = top + CU(u, 12), iw = w - 2 * in;
    int lab = ui_text_px(14 * u), bh = CU(u, 40), labw = CU(u, 150);
    static const char *const labels[2] = {"Reference mass", "Port"};
    static const char *const hints[2] = {"kg, as marked on the weight",
                                         "optional: /dev/ttyUSB0, tcp:host:4001 (else the device chosen)"};
    const char *values[2] = {c->mass, c->port};
    for (int i = 0; i < 2; i++) {
        ui_text_fit(dc, labels[i], x + in + labw - CU(u, 10), y + bh / 2, lab, CU(u, 9), false, UI_RGB_MUTED,
                    UI_TX_RIGHT | UI_TX_MIDDLE, labw - CU(u, 10));
        SDL_Rect r = {x + in + labw, y, iw - labw, bh};
        ui_draw_text_box_caret(dc, r, values[i], hints[i], choosing && c->field_focus == i, false, c->caret);
        ui_home_hit(dc, UI_HE_FIELD, i, r);
        y += bh + CU(u, 8);
    }
    y += CU(u, 6);

    char steps[4][160];
    snprintf(steps[0], sizeof steps[0], "Take every load off the dynamometer: the zero is taken at rest");
    if (isfinite(c->expect_n) && c->expect_n > 0)
        snprintf(steps[1], sizeof steps[1], "Place the %s kg mass (%.2f N), gently", c->mass, c->expect_n);
    else
        snprintf(steps[1], sizeof steps[1], "Place the mass, gently");
    snprintf(steps[2], sizeof steps[2], "Keep it still: the reading is the mean of a still second");
    snprintf(steps[3], sizeof steps[3], "The verdict, stored with the device");
    int spx = ui_text_px(16 * u), sh = ui_text_height(dc, spx, true) + CU(u, 8);
    int current = c->step == UI_CALIB_CHOOSE                               ? -1
                  : c->step == UI_CALIB_DONE || c->step == UI_CALIB_FAILED ? 3
                                                                           : (int)c->step - 1;
    for (int i = 0; i < 4; i++) {
        bool done = current > i || c->step == UI_CALIB_DONE;
        bool now = current == i && c->step != UI_CALIB_DONE;
        char line[200];
        snprintf(line, sizeof line, "%s %d. %s",
                 done  ? "\xe2\x9c\x93"
                 : now ? "\xe2\x96\xb6"
                       : "\xc2\xb7",
                 i + 2, steps[i]);
        ui_text_fit(dc, line, x + in, y, spx, CU(u, 10), now,
                    now    ? UI_RGB_TEXT
                    : done ? UI_RGB_MUTED
                           : UI_RGB_FAINT,
                    0, iw);
        y += sh;
    }
    y += CU(u, 6);
    if (c->device[0]) {
        ui_text_fit(dc, c->device, x + in, y, ui_text_px(13 * u), CU(u, 9), false, UI_RGB_MUTED, 0, iw);
        y += ui_text_height(dc, ui_text_px(13 * u), false) + CU(u, 6);
    }
    if (c->have_force) {
        char f[64];
        int big = ui_text_px(40 * u);
        snprintf(f, sizeof f, "%.2f N", c->force_n);
        int fw = ui_text_fit(dc, f, x + in, y, big, big / 2, true, UI_RGB_TEXT, 0, iw / 2);
        if (isfinite(c->expect_n) && c->expect_n > 0) {
            snprintf(f, sizeof f, "of %.2f N expected", c->expect_n);
            ui_text_draw(dc, f, x + in + fw + CU(u, 12), y + ui_text_height(dc, big, true) / 2,
                         ui_text_px(15 * u), false, UI_RGB_MUTED, UI_TX_MIDDLE);
        }
        y += ui_text_height(dc, big, true) + CU(u, 8);
    }
    if (c->verdict[0]) {
        enum ui_colour col = c->step == UI_CALIB_FAILED ? UI_COL_FLAG_AMBER
                             : c->ok                    ? UI_COL_FLAG_NORMAL
                                                        : UI_COL_FLAG_RED;
        int vpx = ui_text_px(17 * u), vh = top + (bottom - top) - y - CU(u, 10);
        int lines = vh / (ui_text_height(dc, vpx, true) + CU(u, 2));
        ui_draw_fill(dc, x + in, y, CU(u, 5), (lines > 3 ? 3 : lines) * ui_text_height(dc, vpx, true),
                     ui_colour_rgb(col));
        ui_text_wrap(dc, c->verdict, x + in + CU(u, 14), y, vpx, true, ui_colour_rgb(col), 0, iw - CU(u, 14),
                     lines > 3 ? 3 : lines, ui_text_height(dc, vpx, true));
    }
}
