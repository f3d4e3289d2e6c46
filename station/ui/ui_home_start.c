/*
 * ui_home_start.c - the start page of the home (home.h, UI_HOME_START): the protocol and the device
 * for a new test, side by side, each a list of choices with a line of detail; the column with the
 * arrows is framed. Enter starts the test (the station closes the home and runs the test screen).
 */
#include <math.h>
#include <stdio.h>

#include "station/ui/home.h"
#include "station/ui/ui_priv.h"

#define RGB_SELECTED 0x1e3a5fu
#define RGB_PRIMARY 0x2563ebu

static int SU(float u, float v)
{
    return (int)lroundf(u * v);
}

void ui_home_choices(struct ui_dc *dc, const char *head, const struct ui_home_choice *c, int n, int sel,
                        bool active, int column, SDL_Rect b)
{
    float u = dc->u;
    ui_draw_round(dc, b.x, b.y, b.w, b.h, SU(u, 8), active ? RGB_PRIMARY : UI_RGB_PANEL);
    int t = SU(u, 2) > 1 ? SU(u, 2) : 1;
    ui_draw_round(dc, b.x + t, b.y + t, b.w - 2 * t, b.h - 2 * t, SU(u, 7), UI_RGB_PANEL);
    int in = SU(u, 14), y = b.y + SU(u, 10);
    int hpx = ui_text_px(15 * u), tpx = ui_text_px(15 * u), dpx = ui_text_px(12.5f * u);
    ui_text_fit(dc, head, b.x + in, y, hpx, SU(u, 9), true, UI_RGB_TEXT, 0, b.w - 2 * in);
    y += ui_text_height(dc, hpx, true) + SU(u, 8);
    int line = ui_text_height(dc, dpx, false);
    int rh = ui_text_height(dc, tpx, true) + 2 * line + SU(u, 14), gap = SU(u, 4);
    int fit = (b.y + b.h - in - y + gap) / (rh + gap), first = 0;
    if (fit < 1)
        fit = 1;
    if (sel >= fit)
        first = sel - fit + 1;
    for (int i = first; i < n && y + rh <= b.y + b.h - SU(u, 6); i++) {
        SDL_Rect r = {b.x + in, y, b.w - 2 * in, rh};
        ui_draw_round(dc, r.x, r.y, r.w, r.h, SU(u, 6), i == sel ? RGB_SELECTED : UI_RGB_PANEL_HI);
        ui_text_fit(dc, c[i].title, r.x + SU(u, 10), r.y + SU(u, 6), tpx, SU(u, 9), true, UI_RGB_TEXT, 0,
                    r.w - SU(u, 20));
        ui_text_wrap(dc, c[i].detail, r.x + SU(u, 10), r.y + SU(u, 8) + ui_text_height(dc, tpx, true), dpx,
                     false, UI_RGB_MUTED, 0, r.w - SU(u, 20), 2, line);
        ui_home_hit(dc, UI_HE_CHOICE, column * UI_HOME_CHOICE_COLUMN + i, r);
        y += rh + gap;
    }
    if (n == 0)
        ui_text_draw(dc, "None", b.x + in, y, tpx, false, UI_RGB_FAINT, 0);
}

void ui_home_start_draw(struct ui_dc *dc, const struct ui_home *h, int pad, int top, int bottom)
{
    int gap = SU(dc->u, 12);
    int w = (dc->w - 2 * pad - gap) / 2;
    ui_home_choices(dc, "1. The protocol (Tab: the other list)", h->protocols, h->n_protocols,
                h->protocol_selected, h->start_column == 0, 0, (SDL_Rect){pad, top, w, bottom - top});
    ui_home_choices(dc, h->device_head[0] ? h->device_head : "2. The device (D probes the serial ports)", h->devices, h->n_devices, h->device_selected,
                h->start_column == 1, 1, (SDL_Rect){pad + w + gap, top, w, bottom - top});
}
