/*
 * ui_final.c - the final balance screen: what the therapist takes away from the test, on the
 * therapist view once the session is over (complete or stopped).
 *
 *   title      "Test complete: 12 reps count" (or "Test stopped: ...", never "Well done" then)
 *   table      per direction and side: best, mean, CV, best N·m/kg, change against the previous
 *              session on the same protocol (within the measurement-error band: "may be noise")
 *   bars       per side, ADD and ABD best (torque when a lever is known, else force)
 *   ratio      ADD:ABD per side on its band (low | borderline | normal), the word beside the colour
 *   asymmetry  per direction, the weaker side named, with its flag in words
 *   footer     "Press any key to close"
 *
 * Every number is the model's balance, which the station computes from the records it wrote to the
 * database (session.c), so this screen and `station show` agree. Sizes derive from the view's unit u.
 */
#include <math.h>
#include <stdio.h>

#include "station/ui/ui_priv.h"

static int U(float u, float v)
{
    return (int)lroundf(u * v);
}

const char *ui_ratio_word(enum bal_flag f)
{
    return f == BAL_RED ? "low" : f == BAL_AMBER ? "borderline" : f == BAL_NORMAL ? "normal" : "";
}

const char *ui_asym_word(enum bal_flag f)
{
    return f == BAL_RED ? "large" : f == BAL_AMBER ? "moderate" : f == BAL_NORMAL ? "within 10 %" : "";
}

const char *ui_asym_text(const struct bal_result *r, int d, char *buf, size_t size)
{
    const char *dn = d == ST_DIR_ADD ? "Adduction" : "Abduction";
    if (isfinite(r->asym_pct[d]) && (r->weaker[d] == ST_SIDE_LEFT || r->weaker[d] == ST_SIDE_RIGHT))
        snprintf(buf, size, "%s asymmetry %.1f %%: the %s side is weaker (%s)", dn, r->asym_pct[d],
                 r->weaker[d] == ST_SIDE_LEFT ? "left" : "right", ui_asym_word(r->asym_flag[d]));
    else if (isfinite(r->asym_pct[d]))
        snprintf(buf, size, "%s asymmetry %.1f %%: both sides equal", dn, r->asym_pct[d]);
    else
        snprintf(buf, size, "%s asymmetry: needs both sides", dn);
    return buf;
}

static const char *side_name(enum st_side s)
{
    return s == ST_SIDE_LEFT ? "Left" : s == ST_SIDE_RIGHT ? "Right" : "Both";
}

/* "+4 %" against the previous best, *within when inside the error band; "" when there is nothing to
 * compare. */
static void change_text(const struct ui_final *f, const struct bal_cell *now, const struct bal_cell *prev,
                        char *buf, size_t size, bool *within)
{
    buf[0] = '\0';
    *within = false;
    if (!f->have_previous || now->n <= 0 || prev->n <= 0 || !(prev->best_n > 0))
        return;
    double pct = 100.0 * (now->best_n - prev->best_n) / prev->best_n;
    *within = fabs(pct) < f->error_band_pct;
    if (fabs(pct) < 0.5)
        pct = 0.0; /* never "-0 %" */
    /* within the band: muted, the footnote says it may be noise */
    snprintf(buf, size, "%+.0f %%", pct);
}

static void draw_table(struct ui_dc *dc, const struct ui_model *m, SDL_Rect b)
{
    float u = dc->u;
    const struct bal_result *r = &m->balance;
    const struct ui_final *f = &m->final;
    int pad = U(u, 14);
    int head = ui_text_px(12 * u), cell = ui_text_px(17 * u);
    char buf[64];
    ui_draw_round(dc, b.x, b.y, b.w, b.h, U(u, 8), UI_RGB_PANEL);
    int inner = b.w - 2 * pad;
    int x0 = b.x + pad;
    /* right edges of the number columns, as fractions of the panel */
    const float at[5] = {0.36f, 0.52f, 0.64f, 0.79f, 1.0f};
    int xr[5];
    for (int i = 0; i < 5; i++)
        xr[i] = x0 + (int)((float)inner * at[i]);
    char prev_head[48];
    snprintf(prev_head, sizeof prev_head, "vs %s", f->have_previous ? f->previous_when : "previous");
    const char *heads[5] = {"Best", "Mean", "CV", "N\xc2\xb7m/kg", prev_head};
    int y = b.y + U(u, 10);
    ui_text_draw(dc, "Direction, side", x0, y, head, false, UI_RGB_MUTED, 0);
    for (int i = 0; i < 5; i++)
        ui_text_fit(dc, heads[i], xr[i], y, head, U(u, 8), false, UI_RGB_MUTED, UI_TX_RIGHT,
                    i == 4 ? xr[4] - xr[3] - U(u, 6) : U(u, 110));
    y += ui_text_height(dc, head, false) + U(u, 3);
    ui_draw_hline(dc, x0, x0 + inner, y, 1, UI_RGB_GRID);
    y += U(u, 5);
    int row_h = ui_text_height(dc, cell, false) + U(u, 12);
    bool both = r->cell[ST_DIR_ADD][ST_SIDE_BOTH].n > 0 || r->cell[ST_DIR_ABD][ST_SIDE_BOTH].n > 0;
    for (int d = 0; d < ST_DIR_COUNT; d++) {
        for (int s = 0; s < ST_SIDE_COUNT; s++) {
            if (s == ST_SIDE_BOTH && !both)
                continue;
            if (y + row_h > b.y + b.h)
                return;
            const struct bal_cell *c = &r->cell[d][s];
            snprintf(buf, sizeof buf, "%s, %s", d == ST_DIR_ADD ? "Adduction" : "Abduction",
                     s == ST_SIDE_LEFT ? "left" : s == ST_SIDE_RIGHT ? "right" : "both");
            ui_text_fit(dc, buf, x0, y, cell, U(u, 9), false, UI_RGB_TEXT, 0, xr[0] - x0 - U(u, 80));
            if (c->n <= 0) { /* not measured: a dash where the best would be */
                ui_text_draw(dc, "\xe2\x80\x93", xr[0], y, cell, false, UI_RGB_FAINT, UI_TX_RIGHT);
                y += row_h;
                continue;
            }
            ui_text_draw(dc, ui_fmt_n(buf, sizeof buf, c->best_n, 1), xr[0], y, cell, true, UI_RGB_TEXT,
                         UI_TX_RIGHT | UI_TX_GLYPHS);
            ui_text_draw(dc, ui_fmt_n(buf, sizeof buf, c->mean_n, 1), xr[1], y, cell, false, UI_RGB_TEXT,
                         UI_TX_RIGHT | UI_TX_GLYPHS);
            if (isfinite(c->cv_pct))
                snprintf(buf, sizeof buf, "%.1f %%", c->cv_pct);
            else
                snprintf(buf, sizeof buf, "\xe2\x80\x93");
            ui_text_draw(dc, buf, xr[2], y, cell, c->cv_over_limit,
                         c->cv_over_limit ? ui_colour_rgb(UI_COL_FLAG_AMBER) : UI_RGB_TEXT,
                         UI_TX_RIGHT | UI_TX_GLYPHS);
            if (isfinite(c->best_nm_per_kg))
                snprintf(buf, sizeof buf, "%.2f", c->best_nm_per_kg);
            else
                snprintf(buf, sizeof buf, "\xe2\x80\x93");
            ui_text_draw(dc, buf, xr[3], y, cell, false, UI_RGB_TEXT, UI_TX_RIGHT | UI_TX_GLYPHS);
            bool within = false;
            change_text(f, c, &f->previous.cell[d][s], buf, sizeof buf, &within);
            ui_text_fit(dc, buf[0] ? buf : "\xe2\x80\x93", xr[4], y, cell, U(u, 9), !within && buf[0],
                        within || !buf[0] ? UI_RGB_MUTED : UI_RGB_TEXT, UI_TX_RIGHT, xr[4] - xr[3] - U(u, 6));
            y += row_h;
        }
    }
    y += U(u, 4);
    if (y + row_h <= b.y + b.h) {
        if (f->have_previous)
            snprintf(buf, sizeof buf, "vs %s: a change under %.0f %% (grey) may be noise",
                     f->previous_when, f->error_band_pct);
        else
            snprintf(buf, sizeof buf, "No earlier complete session on this protocol to compare with");
        ui_text_fit(dc, buf, x0, y, head, U(u, 8), false, UI_RGB_MUTED, 0, inner);
    }
}

/* ADD and ABD bars of one side, on a shared scale. */
static int draw_bars(struct ui_dc *dc, const struct bal_result *r, enum st_side s, double scale, bool torque,
                     int x, int y, int w)
{
    float u = dc->u;
    int lab = ui_text_px(14 * u), val = ui_text_px(13 * u);
    int bar_h = U(u, 18), gap = U(u, 6);
    char buf[48];
    ui_text_draw(dc, side_name(s), x, y, lab, true, UI_RGB_TEXT, 0);
    y += ui_text_height(dc, lab, true) + U(u, 2);
    int label_w = U(u, 44), val_w = U(u, 96);
    for (int d = 0; d < ST_DIR_COUNT; d++) {
        const struct bal_cell *c = &r->cell[d][s];
        ui_text_draw(dc, d == ST_DIR_ADD ? "ADD" : "ABD", x, y + bar_h / 2, val, false, UI_RGB_MUTED,
                     UI_TX_MIDDLE);
        int bx = x + label_w, bw = w - label_w - val_w;
        ui_draw_fill(dc, bx, y, bw, bar_h, UI_RGB_PANEL_HI);
        double v = c->n > 0 ? (torque ? c->best_torque_nm : c->best_n) : NAN;
        if (isfinite(v) && v > 0 && scale > 0) {
            int fw = (int)lround(bw * fmin(v / scale, 1.0));
            ui_draw_fill(dc, bx, y, fw, bar_h, ui_colour_rgb(d == ST_DIR_ADD ? UI_COL_CURVE0 : UI_COL_CURVE1));
            snprintf(buf, sizeof buf, torque ? "%.0f N\xc2\xb7m" : "%.0f N", v);
        } else {
            snprintf(buf, sizeof buf, "\xe2\x80\x93");
        }
        ui_text_draw(dc, buf, x + w, y + bar_h / 2, val, true, UI_RGB_TEXT, UI_TX_RIGHT | UI_TX_MIDDLE);
        y += bar_h + gap;
    }
    return y;
}

/* The ratio on its band: red below ratio_red, amber below ratio_amber, green above, from 0.5 to 1.5,
 * a marker at the ratio and the word beside it (colour is never the only signal). */
static int draw_ratio(struct ui_dc *dc, const struct ui_model *m, enum st_side s, int x, int y, int w)
{
    float u = dc->u;
    const struct bal_result *r = &m->balance;
    const struct ui_final *f = &m->final;
    int lab = ui_text_px(14 * u);
    char buf[96];
    double ratio = r->ratio[s];
    if (isfinite(ratio))
        snprintf(buf, sizeof buf, "%s ADD:ABD %.2f%s  \xe2\x80\x94  %s", side_name(s), ratio,
                 r->ratio_corrected ? "*" : "", ui_ratio_word(r->ratio_flag[s]));
    else
        snprintf(buf, sizeof buf, "%s ADD:ABD: not measured", side_name(s));
    ui_text_fit(dc, buf, x, y, lab, U(u, 9), true, isfinite(ratio) ? ui_flag_rgb(r->ratio_flag[s]) : UI_RGB_FAINT,
                0, w);
    y += ui_text_height(dc, lab, true) + U(u, 3);
    int band_h = U(u, 12);
    const double lo = 0.5, hi = 1.5;
    int xr = x + (int)lround(w * (f->ratio_red - lo) / (hi - lo));
    int xa = x + (int)lround(w * (f->ratio_amber - lo) / (hi - lo));
    xr = xr < x ? x : xr > x + w ? x + w : xr;
    xa = xa < xr ? xr : xa > x + w ? x + w : xa;
    ui_draw_fill(dc, x, y, xr - x, band_h, ui_colour_rgb(UI_COL_FLAG_RED));
    ui_draw_fill(dc, xr, y, xa - xr, band_h, ui_colour_rgb(UI_COL_FLAG_AMBER));
    ui_draw_fill(dc, xa, y, x + w - xa, band_h, ui_colour_rgb(UI_COL_FLAG_NORMAL));
    if (isfinite(ratio)) {
        int mx = x + (int)lround(w * fmin(fmax((ratio - lo) / (hi - lo), 0.0), 1.0));
        ui_draw_fill(dc, mx - U(u, 2), y - U(u, 5), U(u, 4) > 1 ? U(u, 4) : 2, band_h + U(u, 10), 0xffffff);
    }
    y += band_h + U(u, 4);
    int small = ui_text_px(11 * u);
    snprintf(buf, sizeof buf, "%.2f", f->ratio_red);
    ui_text_draw(dc, buf, xr, y, small, false, UI_RGB_MUTED, UI_TX_CENTER);
    snprintf(buf, sizeof buf, "%.2f", f->ratio_amber);
    ui_text_draw(dc, buf, xa + U(u, 12), y, small, false, UI_RGB_MUTED, UI_TX_CENTER);
    return y + ui_text_height(dc, small, false) + U(u, 10);
}

/* A test started from the home: "Write the report" and "Back to the patient" along the bottom, the
 * report's line above them. Returns the top of what it drew. */
static int draw_home_buttons(struct ui_dc *dc, const struct ui_final *f, int bottom)
{
    float u = dc->u;
    static const struct {
        enum ui_action action;
        const char *label, *keys;
    } b[2] = {{UI_ACT_REDO, "Write the report", "R"},
              {UI_ACT_START, "Back to the patient", "Enter / Esc / B"}};
    int bh = U(u, 48), bw = U(u, 240), gap = U(u, 16);
    int y = bottom - bh - U(u, 4), x = dc->w / 2 - bw - gap / 2;
    int lab = ui_text_px(15 * u), key = ui_text_px(11.5f * u);
    for (int i = 0; i < 2; i++) {
        SDL_Rect r = {x + i * (bw + gap), y, bw, bh};
        ui_draw_round(dc, r.x, r.y, r.w, r.h, U(u, 7), i == 1 ? 0x2563ebu : UI_RGB_PANEL_HI);
        int lh = ui_text_height(dc, lab, true), kh = ui_text_height(dc, key, false);
        int ty = r.y + (r.h - lh - kh) / 2;
        ui_text_fit(dc, b[i].label, r.x + r.w / 2, ty, lab, U(u, 9), true, UI_RGB_TEXT, UI_TX_CENTER,
                    r.w - U(u, 8));
        ui_text_fit(dc, b[i].keys, r.x + r.w / 2, ty + lh, key, U(u, 8), false, 0xb6c2cfu, UI_TX_CENTER,
                    r.w - U(u, 8));
        ui_button_add(dc, b[i].action, r, true);
    }
    /* the report's path once written; before, the key that still takes pain and notes */
    int px = ui_text_px(14 * u);
    y -= ui_text_height(dc, px, false) + U(u, 6);
    ui_text_fit(dc, f->report_line[0] ? f->report_line : "N: pain and notes first", dc->w / 2, y, px, U(u, 9), false,
                f->report_line[0] ? UI_RGB_TEXT : UI_RGB_MUTED, UI_TX_CENTER, dc->w - U(u, 40));
    return y;
}

void ui_final_draw(struct ui_dc *dc, const struct ui_model *m, int y, int bottom)
{
    float u = dc->u;
    const struct ui_final *f = &m->final;
    const struct bal_result *r = &m->balance;
    int W = dc->w;
    int pad = U(u, 12), gap = U(u, 10);
    dc->vp->have_plot = false;

    /* Title. */
    int th = U(u, 64);
    ui_draw_round(dc, pad, y, W - 2 * pad, th, U(u, 8), UI_RGB_PANEL);
    ui_draw_fill(dc, pad, y + U(u, 8), U(u, 6), th - U(u, 16),
                 f->stopped ? ui_colour_rgb(UI_COL_FLAG_AMBER) : ui_colour_rgb(UI_COL_FLAG_NORMAL));
    ui_text_fit(dc, f->title[0] ? f->title : (f->stopped ? "Test stopped" : "Test complete"), pad + U(u, 20),
                y + th / 2, ui_text_px(26 * u), U(u, 12), true, UI_RGB_TEXT, UI_TX_MIDDLE, W - 2 * pad - U(u, 300));
    char buf[160];
    snprintf(buf, sizeof buf, "%s%s%s", f->mass_text[0] ? "Body mass " : "", f->mass_text,
             r->ratio_corrected ? "  \xc2\xb7  * ABD gravity-corrected" : "");
    ui_text_fit(dc, buf, W - pad - U(u, 16), y + th / 2, ui_text_px(13 * u), U(u, 9), false, UI_RGB_MUTED,
                UI_TX_RIGHT | UI_TX_MIDDLE, U(u, 280));
    y += th + gap;

    /* Footer. */
    int foot_px = ui_text_px(20 * u);
    int foot_y = bottom - ui_text_height(dc, foot_px, true) - U(u, 6);
    if (f->offer_report)
        foot_y = draw_home_buttons(dc, f, bottom);
    else
        ui_text_fit(dc, "Press any key to close  \xc2\xb7  N: pain and notes first", W / 2, foot_y, foot_px, U(u, 11),
                    true, UI_RGB_TEXT, UI_TX_CENTER, W - 2 * pad);

    /* Left: the table and the asymmetry; right: bars and ratios. */
    int avail = foot_y - gap - y;
    int right_w = (int)((float)(W - 2 * pad - gap) * 0.40f);
    int left_w = W - 2 * pad - gap - right_w;
    int asym_h = U(u, 74);
    int table_h = avail - asym_h - gap;
    if (table_h < U(u, 80)) {
        table_h = avail;
        asym_h = 0;
    }
    draw_table(dc, m, (SDL_Rect){pad, y, left_w, table_h});
    if (asym_h > 0) {
        int ay = y + table_h + gap;
        ui_draw_round(dc, pad, ay, left_w, asym_h, U(u, 8), UI_RGB_PANEL);
        int px = ui_text_px(15 * u);
        int ly = ay + U(u, 10);
        for (int d = 0; d < ST_DIR_COUNT; d++) {
            ui_text_fit(dc, ui_asym_text(r, d, buf, sizeof buf), pad + U(u, 14), ly, px, U(u, 9), isfinite(r->asym_pct[d]),
                        isfinite(r->asym_pct[d]) ? ui_flag_rgb(r->asym_flag[d]) : UI_RGB_FAINT, 0,
                        left_w - U(u, 28));
            ly += ui_text_height(dc, px, true) + U(u, 6);
        }
    }

    int rx = pad + left_w + gap;
    ui_draw_round(dc, rx, y, right_w, avail, U(u, 8), UI_RGB_PANEL);
    int ix = rx + U(u, 14), iw = right_w - U(u, 28);
    int ry = y + U(u, 10);
    bool torque = true;
    double scale = 0;
    for (int d = 0; d < ST_DIR_COUNT; d++)
        for (int s = ST_SIDE_LEFT; s <= ST_SIDE_RIGHT; s++)
            if (r->cell[d][s].n > 0 && !isfinite(r->cell[d][s].best_torque_nm))
                torque = false;
    for (int d = 0; d < ST_DIR_COUNT; d++)
        for (int s = ST_SIDE_LEFT; s <= ST_SIDE_RIGHT; s++) {
            const struct bal_cell *c = &r->cell[d][s];
            double v = c->n > 0 ? (torque ? c->best_torque_nm : c->best_n) : NAN;
            if (isfinite(v) && v > scale)
                scale = v;
        }
    ui_text_draw(dc, torque ? "Best torque" : "Best force", ix, ry, ui_text_px(12 * u), false, UI_RGB_MUTED, 0);
    ry += ui_text_height(dc, ui_text_px(12 * u), false) + U(u, 4);
    for (int s = ST_SIDE_LEFT; s <= ST_SIDE_RIGHT; s++)
        ry = draw_bars(dc, r, (enum st_side)s, scale * 1.05, torque, ix, ry, iw) + U(u, 6);
    ry += U(u, 4);
    for (int s = ST_SIDE_LEFT; s <= ST_SIDE_RIGHT; s++)
        if (ry + U(u, 50) < y + avail)
            ry = draw_ratio(dc, m, (enum st_side)s, ix, ry, iw);
}
