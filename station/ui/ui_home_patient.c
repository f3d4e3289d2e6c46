/*
 * ui_home_patient.c - a patient's page of the home (home.h, UI_HOME_PATIENT): their details and body
 * mass history, their sessions, the trend on one protocol as a chart, and the last balance.
 *
 * The trend chart has two panels over the same sessions (oldest left): the best force of each
 * direction and side, each point with its measurement-error band (a change inside the bands may be
 * noise), and the ADD:ABD ratio per side over the ratio's red and amber lines. A session on another
 * device than the one before is marked by an amber line: hand-held devices of different makes differ
 * by up to 16 % on the same muscles (CLINICAL.md), so a step there may be the device. Like the rest of
 * the home it only draws the model; the numbers come from the store through station/gui.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "station/ui/home.h"
#include "station/ui/ui_priv.h"

#define RGB_SELECTED 0x1e3a5fu

static int PU(float u, float v)
{
    return (int)lroundf(u * v);
}

static const char *const series_name[4] = {"ADD left", "ADD right", "ABD left", "ABD right"};

static double series_value(const struct bal_result *b, int k)
{
    const struct bal_cell *c =
        &b->cell[k < 2 ? ST_DIR_ADD : ST_DIR_ABD][k % 2 ? ST_SIDE_RIGHT : ST_SIDE_LEFT];
    return c->n > 0 ? c->best_n : NAN;
}

/* The ratio of side k (0 left, 1 right). */
static double ratio_value(const struct bal_result *b, int k)
{
    return b->ratio[k];
}

/* x of point i of n in [x0, x1]. */
static int point_x(int i, int n, int x0, int x1)
{
    return n <= 1 ? (x0 + x1) / 2 : x0 + (int)((double)(x1 - x0) * i / (n - 1));
}

static int value_y(double v, double lo, double hi, SDL_Rect r)
{
    return r.y + r.h - (int)lround((v - lo) / (hi - lo) * r.h);
}

static void axis_ticks(struct ui_dc *dc, SDL_Rect r, double lo, double hi, int decimals)
{
    int px = ui_text_px(11 * dc->u);
    double step = ui_nice_step(hi - lo, 4);
    char buf[32];
    for (double v = ceil(lo / step) * step; v <= hi + step * 1e-6; v += step) {
        int y = value_y(v, lo, hi, r);
        ui_draw_hline(dc, r.x, r.x + r.w, y, 1, UI_RGB_GRID);
        snprintf(buf, sizeof buf, "%.*f", decimals, v);
        ui_text_draw(dc, buf, r.x - PU(dc->u, 6), y, px, false, UI_RGB_MUTED, UI_TX_RIGHT | UI_TX_MIDDLE);
    }
}

struct axes {
    SDL_Rect r;
    double lo, hi;
};

/* One series over the sessions: value(bal, k) at each point (shifted by dx), joined where both ends
 * are known; with band > 0 each point carries its +-band error bar. */
static void plot_series(struct ui_dc *dc, const struct ui_home *h, struct axes a,
                        double (*value)(const struct bal_result *, int), int k, int dx, double band)
{
    float u = dc->u;
    uint32_t rgb = ui_colour_rgb((enum ui_colour)(UI_COL_CURVE0 + k));
    SDL_FPoint pts[2];
    bool have_prev = false;
    for (int i = 0; i < h->n_trend; i++) {
        double v = value(&h->trend[i].bal, k);
        if (!isfinite(v)) {
            have_prev = false;
            continue;
        }
        int x = point_x(i, h->n_trend, a.r.x + PU(u, 20), a.r.x + a.r.w - PU(u, 20)) + dx;
        int y = value_y(v, a.lo, a.hi, a.r);
        if (band > 0) {
            int y0 = value_y(v * (1 + band), a.lo, a.hi, a.r), y1 = value_y(v * (1 - band), a.lo, a.hi, a.r);
            ui_draw_fill_alpha(dc, x - PU(u, 3), y0, PU(u, 6) > 2 ? PU(u, 6) : 2, y1 - y0, rgb, 70);
        }
        if (have_prev) {
            pts[1] = (SDL_FPoint){(float)x, (float)y};
            ui_draw_polyline(dc, pts, 2, PU(u, 2) > 1 ? PU(u, 2) : 1, rgb);
        }
        ui_draw_disc(dc, x, y, PU(u, 4) > 2 ? PU(u, 4) : 2, rgb);
        pts[0] = (SDL_FPoint){(float)x, (float)y};
        have_prev = true;
    }
}

static void device_marks(struct ui_dc *dc, const struct ui_home *h, SDL_Rect r, bool label)
{
    uint32_t amber = ui_colour_rgb(UI_COL_FLAG_AMBER);
    for (int i = 1; i < h->n_trend; i++) {
        if (!h->trend[i].device_changed)
            continue;
        int x = (point_x(i - 1, h->n_trend, r.x, r.x + r.w) + point_x(i, h->n_trend, r.x, r.x + r.w)) / 2;
        for (int y = r.y; y < r.y + r.h; y += PU(dc->u, 8))
            ui_draw_vline(dc, x, y, y + PU(dc->u, 4), PU(dc->u, 2) > 1 ? PU(dc->u, 2) : 1, amber);
        if (label)
            ui_text_draw(dc, "device changed", x + PU(dc->u, 4), r.y, ui_text_px(11 * dc->u), false, amber,
                         0);
    }
}

/* The force panel: four series with their error bands. */
static void force_chart(struct ui_dc *dc, const struct ui_home *h, SDL_Rect r)
{
    float u = dc->u;
    double lo = INFINITY, hi = -INFINITY, band = h->error_band_pct > 0 ? h->error_band_pct / 100.0 : 0.10;
    for (int i = 0; i < h->n_trend; i++)
        for (int k = 0; k < 4; k++) {
            double v = series_value(&h->trend[i].bal, k);
            if (isfinite(v)) {
                lo = fmin(lo, v * (1 - band));
                hi = fmax(hi, v * (1 + band));
            }
        }
    if (!isfinite(lo)) {
        ui_text_draw(dc, "No forces measured on this protocol yet", r.x + r.w / 2, r.y + r.h / 2,
                     ui_text_px(14 * u), false, UI_RGB_MUTED, UI_TX_CENTER | UI_TX_MIDDLE);
        return;
    }
    double pad = fmax((hi - lo) * 0.08, 5.0);
    lo = fmax(0.0, lo - pad);
    hi += pad;
    axis_ticks(dc, r, lo, hi, 0);
    ui_text_draw(dc, "N", r.x - PU(u, 6), r.y - PU(u, 4), ui_text_px(11 * u), false, UI_RGB_MUTED,
                 UI_TX_RIGHT | UI_TX_BOTTOM);
    device_marks(dc, h, r, true);
    int off = PU(u, 4); /* the four series side by side at each session, so bands do not hide each other */
    for (int k = 0; k < 4; k++)
        plot_series(dc, h, (struct axes){r, lo, hi}, series_value, k, (k - 2) * off + off / 2, band);
}

/* The ratio panel: left and right ratio over the red and amber lines. */
static void ratio_chart(struct ui_dc *dc, const struct ui_home *h, SDL_Rect r)
{
    float u = dc->u;
    double lo = fmin(h->ratio_red > 0 ? h->ratio_red : 0.8, 0.7) - 0.1, hi = 1.3;
    for (int i = 0; i < h->n_trend; i++)
        for (int s = 0; s < 2; s++) {
            double v = h->trend[i].bal.ratio[s];
            if (isfinite(v)) {
                lo = fmin(lo, v - 0.1);
                hi = fmax(hi, v + 0.1);
            }
        }
    axis_ticks(dc, r, lo, hi, 1);
    if (h->ratio_red > 0)
        ui_draw_hline(dc, r.x, r.x + r.w, value_y(h->ratio_red, lo, hi, r), PU(u, 2) > 1 ? PU(u, 2) : 1,
                      ui_colour_rgb(UI_COL_FLAG_RED));
    if (h->ratio_amber > 0)
        ui_draw_hline(dc, r.x, r.x + r.w, value_y(h->ratio_amber, lo, hi, r), PU(u, 2) > 1 ? PU(u, 2) : 1,
                      ui_colour_rgb(UI_COL_FLAG_AMBER));
    ui_text_draw(dc, "ADD:ABD", r.x - PU(u, 6), r.y - PU(u, 4), ui_text_px(11 * u), false, UI_RGB_MUTED,
                 UI_TX_RIGHT | UI_TX_BOTTOM);
    device_marks(dc, h, r, false);
    for (int k = 0; k < 2; k++)
        plot_series(dc, h, (struct axes){r, lo, hi}, ratio_value, k, 0, 0);
    /* Dates under the points (every one that fits). */
    int px = ui_text_px(11 * u), last_end = -100000;
    for (int i = 0; i < h->n_trend; i++) {
        int x = point_x(i, h->n_trend, r.x + PU(u, 20), r.x + r.w - PU(u, 20));
        int w = ui_text_width(dc, h->trend[i].date, px, false, 0);
        if (x - w / 2 < last_end + PU(u, 8))
            continue;
        ui_text_draw(dc, h->trend[i].date, x, r.y + r.h + PU(u, 4), px, false, UI_RGB_MUTED, UI_TX_CENTER);
        last_end = x + w / 2;
    }
}

static void draw_trend(struct ui_dc *dc, const struct ui_home *h, SDL_Rect b)
{
    float u = dc->u;
    ui_draw_round(dc, b.x, b.y, b.w, b.h, PU(u, 8), UI_RGB_PANEL);
    int in = PU(u, 14), y = b.y + PU(u, 10);
    int tpx = ui_text_px(14 * u), small = ui_text_px(11.5f * u);
    ui_text_fit(dc, h->trend_title, b.x + in, y, tpx, PU(u, 9), true, UI_RGB_TEXT, 0, b.w - 2 * in);
    y += ui_text_height(dc, tpx, true) + PU(u, 4);
    /* Legend. */
    int lx = b.x + in;
    for (int k = 0; k < 4; k++) {
        uint32_t rgb = ui_colour_rgb((enum ui_colour)(UI_COL_CURVE0 + k));
        ui_draw_fill(dc, lx, y + PU(u, 5), PU(u, 14), PU(u, 4) > 2 ? PU(u, 4) : 2, rgb);
        lx += PU(u, 18) + ui_text_draw(dc, series_name[k], lx + PU(u, 18), y, small, false, UI_RGB_MUTED, 0) +
              PU(u, 14);
    }
    char band[64];
    snprintf(band, sizeof band, "bands: \xc2\xb1%.0f %% measurement error",
             h->error_band_pct > 0 ? h->error_band_pct : 10.0);
    ui_text_draw(dc, band, lx, y, small, false, UI_RGB_FAINT, 0);
    y += ui_text_height(dc, small, false) + PU(u, 8);
    if (h->n_trend <= 0) {
        ui_text_draw(dc, "No complete session yet: the trend starts with the first test", b.x + b.w / 2,
                     (y + b.y + b.h) / 2, ui_text_px(14 * u), false, UI_RGB_MUTED,
                     UI_TX_CENTER | UI_TX_MIDDLE);
        return;
    }
    int left = b.x + PU(u, 62), right = b.x + b.w - in;
    int bottom = b.y + b.h - PU(u, 10) - ui_text_height(dc, small, false) - PU(u, 4);
    int avail = bottom - y - PU(u, 16);
    int fh = avail * 62 / 100;
    force_chart(dc, h, (SDL_Rect){left, y + PU(u, 14), right - left, fh - PU(u, 8)});
    ratio_chart(dc, h, (SDL_Rect){left, y + fh + PU(u, 22), right - left, avail - fh - PU(u, 16)});
}

static void draw_balance(struct ui_dc *dc, const struct ui_home *h, SDL_Rect b)
{
    float u = dc->u;
    ui_draw_round(dc, b.x, b.y, b.w, b.h, PU(u, 8), UI_RGB_PANEL);
    int in = PU(u, 14), y = b.y + PU(u, 10), maxw = b.w - 2 * in;
    int tpx = ui_text_px(14 * u), px = ui_text_px(13.5f * u);
    int line = ui_text_height(dc, px, false) + PU(u, 5);
    ui_text_fit(dc, h->have_last ? h->last_title : "Last balance: no session yet", b.x + in, y, tpx, PU(u, 9),
                true, UI_RGB_TEXT, 0, maxw);
    y += ui_text_height(dc, tpx, true) + PU(u, 6);
    if (!h->have_last)
        return;
    const struct bal_result *r = &h->last;
    char buf[200], a[32], c[32];
    for (int d = 0; d < ST_DIR_COUNT && y + line <= b.y + b.h; d++) {
        snprintf(
            buf, sizeof buf, "%s best: left %s  \xc2\xb7  right %s",
            d == ST_DIR_ADD ? "Adduction" : "Abduction",
            ui_fmt_n(a, sizeof a, r->cell[d][ST_SIDE_LEFT].n > 0 ? r->cell[d][ST_SIDE_LEFT].best_n : NAN, 1),
            ui_fmt_n(c, sizeof c, r->cell[d][ST_SIDE_RIGHT].n > 0 ? r->cell[d][ST_SIDE_RIGHT].best_n : NAN,
                     1));
        ui_text_fit(dc, buf, b.x + in, y, px, PU(u, 9), false, UI_RGB_TEXT, 0, maxw);
        y += line;
    }
    int x = b.x + in;
    if (y + line <= b.y + b.h) {
        x += ui_text_draw(dc, "ADD:ABD ", x, y, px, false, UI_RGB_TEXT, 0);
        for (int s = 0; s < 2; s++) {
            if (isfinite(r->ratio[s]))
                snprintf(buf, sizeof buf, "%s %.2f %s%s", s ? "right" : "left", r->ratio[s],
                         ui_ratio_word(r->ratio_flag[s]), s ? "" : "  \xc2\xb7  ");
            else
                snprintf(buf, sizeof buf, "%s \xe2\x80\x93%s", s ? "right" : "left", s ? "" : "  \xc2\xb7  ");
            x += ui_text_draw(dc, buf, x, y, px, true,
                              isfinite(r->ratio[s]) ? ui_flag_rgb(r->ratio_flag[s]) : UI_RGB_FAINT, 0);
        }
        y += line;
    }
    for (int d = 0; d < ST_DIR_COUNT && y + line <= b.y + b.h; d++) {
        ui_text_fit(dc, ui_asym_text(r, d, buf, sizeof buf), b.x + in, y, px, PU(u, 9), false,
                    isfinite(r->asym_pct[d]) ? ui_flag_rgb(r->asym_flag[d]) : UI_RGB_FAINT, 0, maxw);
        y += line;
    }
}

/* The body mass over its measurements (oldest left), a line with a dot on each, in b; the lightest and
 * heaviest written beside the line. */
static void draw_mass_chart(struct ui_dc *dc, const struct ui_home *h, SDL_Rect b)
{
    float u = dc->u;
    int n = h->n_mass_points < UI_HOME_MASS_POINTS ? h->n_mass_points : UI_HOME_MASS_POINTS;
    if (n < 2 || b.w < PU(u, 60) || b.h < PU(u, 24))
        return;
    double lo = h->mass_points[0], hi = lo;
    for (int i = 1; i < n; i++) {
        lo = fmin(lo, h->mass_points[i]);
        hi = fmax(hi, h->mass_points[i]);
    }
    if (hi - lo < 1.0) { /* a flat history stays a flat line in the middle, not noise blown up */
        lo -= 0.5;
        hi += 0.5;
    }
    int small = ui_text_px(11 * u), lw = PU(u, 44);
    char buf[24];
    snprintf(buf, sizeof buf, "%.1f", hi);
    ui_text_draw(dc, buf, b.x + b.w, b.y, small, false, UI_RGB_MUTED, UI_TX_RIGHT);
    snprintf(buf, sizeof buf, "%.1f", lo);
    ui_text_draw(dc, buf, b.x + b.w, b.y + b.h, small, false, UI_RGB_MUTED, UI_TX_RIGHT | UI_TX_BOTTOM);
    int cw = b.w - lw, r = PU(u, 3) > 1 ? PU(u, 3) : 2;
    ui_draw_fill(dc, b.x, b.y + b.h - 1, cw, 1, UI_RGB_AXIS);
    SDL_FPoint pts[UI_HOME_MASS_POINTS];
    for (int i = 0; i < n; i++) {
        pts[i].x = (float)(b.x + r) + (float)(cw - 2 * r) * (float)i / (float)(n - 1);
        pts[i].y = (float)(b.y + r) + (float)(b.h - 2 * r) * (float)((hi - h->mass_points[i]) / (hi - lo));
    }
    ui_draw_polyline(dc, pts, n, PU(u, 2) > 1 ? PU(u, 2) : 1, ui_colour_rgb(UI_COL_CURVE0));
    for (int i = 0; i < n; i++)
        ui_draw_disc(dc, (int)lroundf(pts[i].x), (int)lroundf(pts[i].y), r, ui_colour_rgb(UI_COL_CURVE0));
}

/* Details and the body-mass history; returns the panel's bottom. */
static int draw_details(struct ui_dc *dc, const struct ui_home *h, int x, int y, int w)
{
    float u = dc->u;
    int in = PU(u, 14), px = ui_text_px(13.5f * u), head = ui_text_px(12 * u);
    int line = ui_text_height(dc, px, false) + PU(u, 4);
    int n_lines = 0;
    for (int i = 1; i < 3; i++)
        n_lines += h->details[i][0] != '\0';
    int n_mass = h->n_masses < 6 ? h->n_masses : 6;
    int box_h = h->mass_editing ? PU(u, 40) : 0;
    int ph = PU(u, 20) + n_lines * line + ui_text_height(dc, head, false) + PU(u, 4) +
             (n_mass > 0 ? n_mass : 1) * line + (box_h ? box_h + PU(u, 8) : 0);
    ui_draw_round(dc, x, y, w, ph, PU(u, 8), UI_RGB_PANEL);
    int ty = y + PU(u, 10);
    for (int i = 1; i < 3; i++)
        if (h->details[i][0]) {
            ui_text_fit(dc, h->details[i], x + in, ty, px, PU(u, 9), false, UI_RGB_TEXT, 0, w - 2 * in);
            ty += line;
        }
    ui_text_draw(dc, "Body mass, newest first", x + in, ty, head, false, UI_RGB_MUTED, 0);
    ty += ui_text_height(dc, head, false) + PU(u, 4);
    if (n_mass == 0)
        ui_text_draw(dc, "none recorded", x + in, ty, px, false, UI_RGB_FAINT, 0);
    int list_w = ui_text_width(dc, "2026-12-06   300.0 kg", px, false, 0) + PU(u, 16);
    draw_mass_chart(dc, h,
                    (SDL_Rect){x + in + list_w, ty + PU(u, 2), w - 2 * in - list_w,
                               (n_mass > 0 ? n_mass : 1) * line - PU(u, 6)});
    for (int i = 0; i < n_mass; i++, ty += line)
        ui_text_draw(dc, h->masses[i], x + in, ty, px, false, i == 0 ? UI_RGB_TEXT : UI_RGB_MUTED, 0);
    if (n_mass == 0)
        ty += line;
    if (box_h)
        ui_draw_text_box_caret(dc, (SDL_Rect){x + in, ty + PU(u, 4), w - 2 * in, box_h}, h->mass_text,
                               "the body mass today, kg (Enter saves, Esc cancels)", true, false,
                               h->mass_caret);
    return y + ph;
}

static void draw_sessions(struct ui_dc *dc, const struct ui_home *h, SDL_Rect b)
{
    float u = dc->u;
    int px = ui_text_px(13.5f * u), small = ui_text_px(12 * u), head = ui_text_px(12 * u);
    ui_text_draw(dc, "Sessions, newest first (times are local)", b.x, b.y, head, false, UI_RGB_MUTED, 0);
    int y = b.y + ui_text_height(dc, head, false) + PU(u, 4);
    if (h->n_sessions <= 0) {
        ui_text_draw(dc, "No test yet", b.x + PU(u, 14), y + PU(u, 8), px, false, UI_RGB_FAINT, 0);
        return;
    }
    int rh = ui_text_height(dc, px, true) + ui_text_height(dc, small, false) + PU(u, 12), gap = PU(u, 4);
    int first = 0, fit = (b.y + b.h - y + gap) / (rh + gap);
    if (fit < 1)
        fit = 1;
    if (h->session_selected >= fit)
        first = h->session_selected - fit + 1;
    for (int i = first; i < h->n_sessions && y + rh <= b.y + b.h; i++) {
        const struct ui_home_session *s = &h->sessions[i];
        SDL_Rect r = {b.x, y, b.w, rh};
        bool sel = i == h->session_selected;
        ui_draw_round(dc, r.x, r.y, r.w, r.h, PU(u, 6), sel ? RGB_SELECTED : UI_RGB_PANEL);
        int in = PU(u, 12);
        char top[200];
        snprintf(top, sizeof top, "%s  \xc2\xb7  %s", s->when, s->status);
        ui_text_fit(dc, top, r.x + in, r.y + PU(u, 5), px, PU(u, 9), true, UI_RGB_TEXT, 0, r.w - 2 * in);
        int ly = r.y + PU(u, 6) + ui_text_height(dc, px, true);
        /* The ratios on the right with their words and colours; the protocol takes what is left. */
        int rx = r.x + r.w - in;
        for (int sd = 1; sd >= 0; sd--) {
            char buf[48];
            if (s->have_ratio[sd])
                snprintf(buf, sizeof buf, "%s %.2f %s", sd ? "R" : "L", s->ratio[sd],
                         ui_ratio_word(s->ratio_flag[sd]));
            else
                snprintf(buf, sizeof buf, "%s \xe2\x80\x93", sd ? "R" : "L");
            rx -=
                ui_text_draw(dc, buf, rx, ly, small, s->have_ratio[sd],
                             s->have_ratio[sd] ? ui_flag_rgb(s->ratio_flag[sd]) : UI_RGB_FAINT, UI_TX_RIGHT) +
                PU(u, 10);
        }
        ui_text_fit(dc, s->protocol, r.x + in, ly, small, PU(u, 8), false, UI_RGB_MUTED, 0,
                    rx - r.x - 2 * in);
        ui_home_hit(dc, UI_HE_ROW, i, r);
        y += rh + gap;
    }
}

void ui_home_patient_draw(struct ui_dc *dc, const struct ui_home *h, int pad, int top, int bottom)
{
    float u = dc->u;
    int gap = PU(u, 12);
    int left_w = (dc->w - 2 * pad - gap) * 38 / 100;
    int rx = pad + left_w + gap, rw = dc->w - pad - rx;
    int y = draw_details(dc, h, pad, top, left_w) + gap;
    draw_sessions(dc, h, (SDL_Rect){pad, y, left_w, bottom - y});
    int bal_h = PU(u, 150);
    if (bal_h > (bottom - top) / 2)
        bal_h = (bottom - top) / 2;
    draw_trend(dc, h, (SDL_Rect){rx, top, rw, bottom - top - bal_h - gap});
    draw_balance(dc, h, (SDL_Rect){rx, bottom - bal_h, rw, bal_h});
}
