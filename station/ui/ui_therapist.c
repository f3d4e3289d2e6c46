/*
 * ui_therapist.c - the therapist view: everything about the test at a glance, in a fixed hierarchy.
 *
 *   header     protocol and position | block i of n, direction, side, mode
 *   cue strip  state, the cue (big, in the cue's colour) | rep i of n, seconds left
 *   banners    device lost (red) and other alerts (amber), across the full width, only when present
 *   main       the live curve | numbers (current, block best, last rep + saved + flags),
 *              the block's rep table, the session balance
 *   buttons    Start Redo Reject Accept Skip Pause Note Abort, each with its key
 *   help line  the keys (or the abort confirmation)
 *   status bar each device: name, port, state, sample rate, calibration warning, dropped samples
 *
 * Sizes derive from one unit u (1.0 at 1000 x 780 pixels), so the view reflows on resize. Every
 * number carries its unit. Texts that could overflow are fitted (shrunk, then cut with an ellipsis)
 * so nothing overlaps.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "station/ui/ui_priv.h"

#define RGB_PRIMARY 0x2563ebu
#define RGB_PRIMARY_HI 0x3b82f6u
#define RGB_DANGER 0xb91c1cu
#define RGB_STATUSBAR 0x0b0f14u

static int U(float u, float v)
{
    return (int)lroundf(u * v);
}

static const char *side_word(enum st_side s)
{
    switch (s) {
    case ST_SIDE_LEFT: return "Left";
    case ST_SIDE_RIGHT: return "Right";
    case ST_SIDE_BOTH: return "Both sides";
    case ST_SIDE_COUNT:
    default: return "?";
    }
}

/* The flag's word (balance.h's bal_flag_name, kept here so the UI needs no balance code). */
static const char *flag_word(enum bal_flag f)
{
    return f == BAL_RED ? "red" : f == BAL_AMBER ? "amber" : f == BAL_NORMAL ? "normal" : "";
}

static const char *dir_word(enum st_dir d)
{
    return d == ST_DIR_ADD ? "Adduction" : d == ST_DIR_ABD ? "Abduction" : "?";
}

/* A small rounded label with text (pills: "Saved", "Practice ~50 %"); returns its width. */
static int pill(struct ui_dc *dc, const char *s, int x, int ymid, int px, uint32_t bg, uint32_t fg,
                bool right)
{
    int w = ui_text_width(dc, s, px, true, 0) + U(dc->u, 14);
    int h = ui_text_height(dc, px, true) + U(dc->u, 2);
    if (right)
        x -= w;
    ui_draw_round(dc, x, ymid - h / 2, w, h, h / 2, bg);
    ui_text_draw(dc, s, x + w / 2, ymid, px, true, fg, UI_TX_CENTER | UI_TX_MIDDLE);
    return w;
}

static int draw_header(struct ui_dc *dc, const struct ui_model *m, int x, int y, int w)
{
    float u = dc->u;
    const struct ui_session *s = &m->session;
    int h = U(u, 62), pad = U(u, 14);
    int big = ui_text_px(17 * u), small = ui_text_px(13 * u);
    char right1[128], right2[96];
    ui_draw_round(dc, x, y, w, h, U(u, 8), UI_RGB_PANEL);

    if (m->final.show)
        snprintf(right1, sizeof right1, "%d block%s", s->n_blocks, s->n_blocks == 1 ? "" : "s");
    else if (s->n_blocks > 0)
        snprintf(right1, sizeof right1, "Block %d of %d  \xc2\xb7  %s  \xc2\xb7  %s", s->block, s->n_blocks,
                 dir_word(s->dir), side_word(s->side));
    else
        snprintf(right1, sizeof right1, "No block started");
    snprintf(right2, sizeof right2, "%s%s%s", s->auto_mode ? "Auto mode (hands-free)" : "Therapist-paced",
             m->local_time[0] ? "  \xc2\xb7  " : "", m->local_time);
    int rw = ui_text_width(dc, right1, big, true, 0);
    int rw2 = ui_text_width(dc, right2, small, false, 0);
    if (rw2 > rw)
        rw = rw2;
    if (rw > w / 2)
        rw = w / 2;
    int rx = x + w - pad;
    ui_text_fit(dc, right1, rx, y + U(u, 9), big, U(u, 11), true, UI_RGB_TEXT, UI_TX_RIGHT, rw);
    int r2w =
        ui_text_fit(dc, right2, rx, y + U(u, 35), small, U(u, 10), false, UI_RGB_MUTED, UI_TX_RIGHT, rw);
    if (s->familiarisation)
        pill(dc, "Practice rep ~50 %", rx - r2w - U(u, 10),
             y + U(u, 35) + ui_text_height(dc, small, false) / 2, ui_text_px(12 * u),
             ui_colour_rgb(UI_COL_FLAG_AMBER), 0x1a1200, true);

    int lw = w - rw - 3 * pad - (s->familiarisation ? U(u, 150) : 0);
    ui_text_fit(dc, s->protocol[0] ? s->protocol : "No protocol loaded", x + pad, y + U(u, 9), big, U(u, 11),
                true, UI_RGB_TEXT, 0, lw);
    ui_text_fit(dc, s->position[0] ? s->position : "Position: not set", x + pad, y + U(u, 35), small,
                U(u, 10), false, UI_RGB_MUTED, 0, lw);
    return y + h;
}

static int draw_cue(struct ui_dc *dc, const struct ui_model *m, int x, int y, int w)
{
    float u = dc->u;
    const struct ui_session *s = &m->session;
    int h = U(u, 70), pad = U(u, 16);
    char buf[96], words[96];
    uint32_t rgb = ui_cue_rgb(s->cue);
    ui_draw_round(dc, x, y, w, h, U(u, 8), UI_RGB_PANEL);
    ui_draw_fill(dc, x, y + U(u, 8), U(u, 6), h - U(u, 16), rgb);

    int label = ui_text_px(12 * u), value = ui_text_px(26 * u);
    /* Right: two figures, rep i of n and the seconds left in the state. */
    int col_w = U(u, 130);
    int rx = x + w - pad;
    if (isfinite(s->state_remaining_s) && s->state_remaining_s >= 0)
        snprintf(buf, sizeof buf, "%.1f s", s->state_remaining_s);
    else
        snprintf(buf, sizeof buf, "\xe2\x80\x93");
    ui_text_draw(dc, "Time left", rx, y + U(u, 10), label, false, UI_RGB_MUTED, UI_TX_RIGHT);
    ui_text_draw(dc, buf, rx, y + U(u, 27), value, true, UI_RGB_TEXT, UI_TX_RIGHT | UI_TX_GLYPHS);
    rx -= col_w;
    if (s->n_reps > 0)
        snprintf(buf, sizeof buf, "%d of %d", s->rep, s->n_reps);
    else
        snprintf(buf, sizeof buf, "\xe2\x80\x93");
    ui_text_draw(dc, "Rep", rx, y + U(u, 10), label, false, UI_RGB_MUTED, UI_TX_RIGHT);
    ui_text_draw(dc, buf, rx, y + U(u, 27), value, true, UI_RGB_TEXT, UI_TX_RIGHT | UI_TX_GLYPHS);
    rx -= col_w;

    /* Left: the state's name over the cue. */
    int lx = x + pad + U(u, 6);
    int max_w = rx - lx;
    /* The engine's state name as a word: "next_block" -> "Next block". */
    char state[sizeof s->state];
    snprintf(state, sizeof state, "%s", s->paused ? "Paused" : s->state[0] ? s->state : "Idle");
    for (char *c = state; *c; c++)
        if (*c == '_')
            *c = ' ';
    if (state[0] >= 'a' && state[0] <= 'z')
        state[0] = (char)(state[0] - 'a' + 'A');
    ui_text_fit(dc, state, lx, y + U(u, 10), label, label, false, UI_RGB_MUTED, 0, max_w);
    const char *cue =
        s->cue_text[0] ? s->cue_text : ui_cue_words(s->cue, s->state_remaining_s, words, sizeof words);
    if (!cue[0])
        cue = "Press Start when the patient is in position";
    ui_text_fit(dc, cue, lx, y + U(u, 26), ui_text_px(28 * u), U(u, 14), true, rgb, 0, max_w);
    return y + h;
}

static int draw_banner(struct ui_dc *dc, const char *msg, uint32_t bg, int x, int y, int w)
{
    float u = dc->u;
    int px = ui_text_px(18 * u), line_h = ui_text_height(dc, px, true);
    int pad = U(u, 16), icon = U(u, 34);
    int lines = ui_text_measure(dc, msg, px, true) > w - 2 * pad - icon ? 2 : 1;
    int h = lines * line_h + U(u, 20);
    ui_draw_round(dc, x, y, w, h, U(u, 8), bg);
    ui_text_draw(dc, "\xe2\x9a\xa0", x + pad, y + h / 2, ui_text_px(24 * u), true, 0xffffff, UI_TX_MIDDLE);
    ui_text_wrap(dc, msg, x + pad + icon, y + U(u, 10), px, true, 0xffffff, 0, w - 2 * pad - icon, 2, line_h);
    return y + h;
}

static void draw_numbers(struct ui_dc *dc, const struct ui_model *m, SDL_Rect b)
{
    float u = dc->u;
    const struct ui_live *lv = &m->live;
    int pad = U(u, 14);
    int label = ui_text_px(12.5f * u);
    char buf[64];
    ui_draw_round(dc, b.x, b.y, b.w, b.h, U(u, 8), UI_RGB_PANEL);

    int y = b.y + U(u, 10);
    int active = ui_live_active(lv);
    if (ui_live_curves(lv) > 0)
        ui_draw_fill(dc, b.x + pad, y + U(u, 4), U(u, 10), U(u, 10), ui_colour_rgb(UI_COL_CURVE0 + active));
    ui_text_draw(dc, "Current force", b.x + pad + (ui_live_curves(lv) > 0 ? U(u, 16) : 0), y, label, false,
                 UI_RGB_MUTED, 0);
    y += ui_text_height(dc, label, false);
    int big = ui_text_px(46 * u);
    dc->vp->force_rect = (SDL_Rect){b.x, y, b.w, ui_text_height(dc, big, true)};
    ui_fmt_n(buf, sizeof buf, lv->force_n, 1);
    int bpx = ui_text_width(dc, buf, big, true, UI_TX_GLYPHS) > b.w - 2 * pad ? ui_text_px(32 * u) : big;
    ui_text_draw(dc, buf, b.x + pad, y, bpx, true, UI_RGB_TEXT, UI_TX_GLYPHS);
    y += ui_text_height(dc, big, true) + U(u, 4);

    int colw = (b.w - 2 * pad) / 2;
    int val = ui_text_px(21 * u);
    ui_text_draw(dc, "Block best", b.x + pad, y, label, false, UI_RGB_MUTED, 0);
    ui_text_draw(dc, "Last rep", b.x + pad + colw, y, label, false, UI_RGB_MUTED, 0);
    int lab_h = ui_text_height(dc, label, false);
    if (m->last.valid) {
        bool saved = m->last.saved;
        pill(dc, saved ? "\xe2\x9c\x93 Saved" : "Not saved yet", b.x + b.w - pad, y + lab_h / 2,
             ui_text_px(11 * u), saved ? ui_colour_rgb(UI_COL_FLAG_NORMAL) : UI_RGB_PANEL_HI,
             saved ? 0x052e16 : UI_RGB_MUTED, true);
    }
    y += lab_h + U(u, 2);
    ui_text_draw(dc, ui_fmt_n(buf, sizeof buf, lv->block_best_n, 1), b.x + pad, y, val, true,
                 ui_colour_rgb(UI_COL_BEST), UI_TX_GLYPHS);
    double last = isfinite(lv->last_peak_n) ? lv->last_peak_n : (m->last.valid ? m->last.peak_n : NAN);
    ui_text_draw(dc, ui_fmt_n(buf, sizeof buf, last, 1), b.x + pad + colw, y, val, true, UI_RGB_TEXT,
                 UI_TX_GLYPHS);
    y += ui_text_height(dc, val, true) + U(u, 6);

    if (m->last.valid) {
        bool flagged = m->last.flags[0] != '\0';
        char line[300];
        snprintf(line, sizeof line, "Last rep: %s%s%s", flagged ? m->last.flags : "no flags",
                 m->last.next[0] ? " \xe2\x80\x94 " : "", m->last.next);
        int px = ui_text_px(13 * u);
        ui_text_wrap(dc, line, b.x + pad, y, px, flagged, flagged ? ui_colour_rgb(UI_COL_FLAG_AMBER) : UI_RGB_MUTED,
                     0, b.w - 2 * pad, 2, ui_text_height(dc, px, flagged));
    }
}

static const char *rep_status_word(const struct ui_rep *r)
{
    switch (r->status) {
    case UI_REP_ACCEPTED: return "accepted";
    case UI_REP_REJECTED: return "rejected";
    case UI_REP_INTERRUPTED: return "interrupted";
    case UI_REP_PENDING:
    default: return "pending";
    }
}

/* The two table panels (reps, balance) open alike: the panel and its title. Returns the y below the
 * title. */
static int table_panel(struct ui_dc *dc, SDL_Rect b, const char *title)
{
    float u = dc->u;
    int px = ui_text_px(14 * u);
    ui_draw_round(dc, b.x, b.y, b.w, b.h, U(u, 8), UI_RGB_PANEL);
    int y = b.y + U(u, 10);
    ui_text_draw(dc, title, b.x + U(u, 14), y, px, true, UI_RGB_TEXT, 0);
    return y + ui_text_height(dc, px, true) + U(u, 6);
}

static void draw_reps(struct ui_dc *dc, const struct ui_model *m, SDL_Rect b)
{
    float u = dc->u;
    int pad = U(u, 14);
    int cell = ui_text_px(13 * u), head = ui_text_px(11.5f * u);
    char buf[64];
    int y = table_panel(dc, b, "Reps in this block");

    int x_num = b.x + pad, x_peak = b.x + pad + U(u, 34);
    int x_stat_r = b.x + b.w - pad;
    int stat_w = U(u, 112);
    int x_flags = x_peak + U(u, 86);
    int flags_w = x_stat_r - stat_w - x_flags - U(u, 6);
    ui_text_draw(dc, "#", x_num, y, head, false, UI_RGB_MUTED, 0);
    ui_text_draw(dc, "Peak", x_peak, y, head, false, UI_RGB_MUTED, 0);
    ui_text_draw(dc, "Flags", x_flags, y, head, false, UI_RGB_MUTED, 0);
    ui_text_draw(dc, "Status", x_stat_r, y, head, false, UI_RGB_MUTED, UI_TX_RIGHT);
    y += ui_text_height(dc, head, false) + U(u, 2);
    ui_draw_hline(dc, b.x + pad, b.x + b.w - pad, y, 1, UI_RGB_GRID);
    y += U(u, 3);

    int row_h = ui_text_height(dc, cell, false) + U(u, 4);
    int rows = (b.y + b.h - U(u, 8) - y) / row_h;
    int n = m->n_reps < UI_MAX_REPS ? m->n_reps : UI_MAX_REPS;
    if (n <= 0) {
        ui_text_draw(dc, "No reps yet in this block", b.x + pad, y + U(u, 4), cell, false, UI_RGB_FAINT, 0);
        return;
    }
    int first = n > rows ? n - rows : 0; /* the newest rows when they do not all fit */
    for (int i = first; i < n; i++, y += row_h) {
        const struct ui_rep *r = &m->reps[i];
        bool dim = r->status == UI_REP_REJECTED || r->status == UI_REP_INTERRUPTED || r->familiarisation;
        uint32_t fg = dim ? UI_RGB_MUTED : UI_RGB_TEXT;
        if ((i - first) % 2 == 1)
            ui_draw_fill(dc, b.x + U(u, 6), y - U(u, 1), b.w - U(u, 12), row_h, 0x232b36);
        snprintf(buf, sizeof buf, r->familiarisation ? "P" : "%d", r->index);
        ui_text_draw(dc, buf, x_num, y, cell, false, fg, UI_TX_GLYPHS);
        if (isfinite(r->peak_n))
            ui_text_draw(dc, ui_fmt_n(buf, sizeof buf, r->peak_n, 1), x_peak, y, cell, true, fg,
                         UI_TX_GLYPHS);
        else
            ui_text_draw(dc, "\xe2\x80\x94", x_peak, y, cell, false, UI_RGB_FAINT, 0);
        int pain_w = 0;
        if (r->pain >= 0) { /* the patient's pain, entered with N: at the column's end, never cut */
            snprintf(buf, sizeof buf, "pain %d", r->pain);
            pain_w = ui_text_draw(dc, buf, x_flags + flags_w, y, cell, false, UI_RGB_TEXT, UI_TX_RIGHT) + U(u, 6);
        }
        ui_text_fit(dc, r->flags[0] ? r->flags : (r->familiarisation ? "practice" : "\xe2\x80\x94"), x_flags,
                    y, cell, U(u, 9), false, r->flags[0] ? ui_colour_rgb(UI_COL_FLAG_AMBER) : UI_RGB_FAINT, 0,
                    flags_w - pain_w);
        snprintf(buf, sizeof buf, "%s%s", rep_status_word(r), r->saved ? " \xc2\xb7 \xe2\x9c\x93 saved" : "");
        uint32_t srgb = r->status == UI_REP_ACCEPTED  ? ui_colour_rgb(UI_COL_FLAG_NORMAL)
                        : r->status == UI_REP_PENDING ? UI_RGB_MUTED
                                                      : ui_colour_rgb(UI_COL_FLAG_RED);
        ui_text_fit(dc, buf, x_stat_r, y, cell, U(u, 9), false, srgb, UI_TX_RIGHT, stat_w);
    }
}

static void draw_balance(struct ui_dc *dc, const struct ui_model *m, SDL_Rect b)
{
    float u = dc->u;
    int pad = U(u, 14);
    int cell = ui_text_px(13 * u), head = ui_text_px(11.5f * u);
    char buf[64];
    int y = table_panel(dc, b, "Session balance");
    if (!m->have_balance) {
        ui_text_fit(dc, "Appears after the first counted reps", b.x + pad, y, cell, U(u, 9), false,
                    UI_RGB_FAINT, 0, b.w - 2 * pad);
        return;
    }
    const struct bal_result *r = &m->balance;
    bool both = r->cell[ST_DIR_ADD][ST_SIDE_BOTH].n > 0 || r->cell[ST_DIR_ABD][ST_SIDE_BOTH].n > 0;
    /* Columns: label | left | right | (both) | asymmetry */
    int label_w = U(u, 74);
    int asym_w = U(u, 96);
    int ncol = both ? 3 : 2;
    int col_w = (b.w - 2 * pad - label_w - asym_w) / ncol;
    int x0 = b.x + pad;
    int xc[3];
    for (int c = 0; c < ncol; c++)
        xc[c] = x0 + label_w + (c + 1) * col_w; /* right edges */
    int xa = b.x + b.w - pad;
    static const enum st_side sides[3] = {ST_SIDE_LEFT, ST_SIDE_RIGHT, ST_SIDE_BOTH};
    static const char *const side_names[3] = {"Left", "Right", "Both"};
    for (int c = 0; c < ncol; c++)
        ui_text_draw(dc, side_names[c], xc[c], y, head, false, UI_RGB_MUTED, UI_TX_RIGHT);
    ui_text_draw(dc, "Asymmetry", xa, y, head, false, UI_RGB_MUTED, UI_TX_RIGHT);
    y += ui_text_height(dc, head, false) + U(u, 2);
    ui_draw_hline(dc, b.x + pad, b.x + b.w - pad, y, 1, UI_RGB_GRID);
    y += U(u, 4);
    int row_h = ui_text_height(dc, cell, false) + U(u, 5);

    for (int d = 0; d < ST_DIR_COUNT; d++, y += row_h) {
        ui_text_draw(dc, d == ST_DIR_ADD ? "ADD best" : "ABD best", x0, y, cell, false, UI_RGB_MUTED, 0);
        for (int c = 0; c < ncol; c++) {
            const struct bal_cell *bc = &r->cell[d][sides[c]];
            ui_text_draw(dc, ui_fmt_n(buf, sizeof buf, bc->n > 0 ? bc->best_n : NAN, 0), xc[c], y, cell, true,
                         bc->n > 0 ? UI_RGB_TEXT : UI_RGB_FAINT, UI_TX_RIGHT | UI_TX_GLYPHS);
        }
        if (isfinite(r->asym_pct[d])) {
            const char *weak = r->weaker[d] == ST_SIDE_LEFT    ? " L weaker"
                               : r->weaker[d] == ST_SIDE_RIGHT ? " R weaker"
                                                               : "";
            snprintf(buf, sizeof buf, "%.0f %%%s", r->asym_pct[d], weak);
            ui_text_fit(dc, buf, xa, y, cell, U(u, 9), true, ui_flag_rgb(r->asym_flag[d]), UI_TX_RIGHT,
                        asym_w);
        } else {
            ui_text_draw(dc, "\xe2\x80\x93", xa, y, cell, false, UI_RGB_FAINT, UI_TX_RIGHT);
        }
    }
    ui_text_draw(dc, r->ratio_corrected ? "ADD:ABD*" : "ADD:ABD", x0, y, cell, false, UI_RGB_MUTED, 0);
    /* The ratios in pills of their flag's colour; the flags in words in the last column, so colour
     * is never the only signal. */
    char words[64] = "";
    size_t used = 0;
    for (int c = 0; c < ncol; c++) {
        double ratio = r->ratio[sides[c]];
        if (!isfinite(ratio)) {
            ui_text_draw(dc, "\xe2\x80\x93", xc[c], y, cell, false, UI_RGB_FAINT, UI_TX_RIGHT);
            continue;
        }
        snprintf(buf, sizeof buf, "%.2f", ratio);
        pill(dc, buf, xc[c], y + ui_text_height(dc, cell, false) / 2, ui_text_px(12 * u),
             ui_flag_rgb(r->ratio_flag[sides[c]]), 0x0b0f14, true);
        if (used < sizeof words)
            used += (size_t)snprintf(words + used, sizeof words - used, "%s%c %s", used ? ", " : "",
                                     side_names[c][0], flag_word(r->ratio_flag[sides[c]]));
    }
    enum bal_flag worst = BAL_NONE;
    for (int c = 0; c < ncol; c++)
        if (isfinite(r->ratio[sides[c]]) && r->ratio_flag[sides[c]] > worst)
            worst = r->ratio_flag[sides[c]];
    if (words[0])
        ui_text_fit(dc, words, xa, y, head, U(u, 8), false, ui_flag_rgb(worst), UI_TX_RIGHT, asym_w);
    if (r->ratio_corrected) {
        y += row_h;
        ui_text_fit(dc, "* ABD torque gravity-corrected", x0, y, head, U(u, 8), false, UI_RGB_FAINT, 0,
                    b.w - 2 * pad);
    }
}

static const char *const button_label[UI_ACT_COUNT] = {
    [UI_ACT_START] = "Start",           [UI_ACT_REDO] = "Redo",       [UI_ACT_REJECT] = "Reject",
    [UI_ACT_ACCEPT] = "Accept flagged", [UI_ACT_SKIP] = "Skip block", [UI_ACT_PAUSE] = "Pause",
    [UI_ACT_NOTE] = "Pain / note",      [UI_ACT_ABORT] = "Abort",
};
static const char *const button_key[UI_ACT_COUNT] = {
    [UI_ACT_START] = "Space / Enter",
    [UI_ACT_REDO] = "R",
    [UI_ACT_REJECT] = "X",
    [UI_ACT_ACCEPT] = "A",
    [UI_ACT_SKIP] = "S",
    [UI_ACT_PAUSE] = "P",
    [UI_ACT_NOTE] = "N",
    [UI_ACT_ABORT] = "Q / Esc",
};

static void draw_buttons(struct ui_dc *dc, const struct ui_model *m, int x, int y, int w, int h)
{
    float u = dc->u;
    int gap = U(u, 8);
    int n = UI_ACT_COUNT - 1;
    int bw = (w - gap * (n - 1)) / n;
    int lab = ui_text_px(15 * u), key = ui_text_px(11.5f * u);
    struct ui *ui = dc->ui;
    for (int i = 0; i < n; i++) {
        enum ui_action a = (enum ui_action)(i + 1);
        SDL_Rect r = {x + i * (bw + gap), y, bw, h};
        bool enabled = !(m->actions_disabled & (1u << a));
        bool hover = ui->hover_win == dc->vp->win && ui->hover_x >= dc->vp->rect.x + r.x &&
                     ui->hover_x < dc->vp->rect.x + r.x + r.w && ui->hover_y >= dc->vp->rect.y + r.y &&
                     ui->hover_y < dc->vp->rect.y + r.y + r.h;
        const char *label = button_label[a], *keys = button_key[a];
        uint32_t bg = UI_RGB_PANEL_HI, fg = UI_RGB_TEXT;
        if (a == UI_ACT_START) {
            bg = hover ? RGB_PRIMARY_HI : RGB_PRIMARY;
            if (m->start_label[0])
                label = m->start_label;
        } else if (hover) {
            bg = 0x364252;
        }
        if (a == UI_ACT_PAUSE && m->session.paused)
            label = "Resume";
        if (a == UI_ACT_ABORT && ui->abort_pending) {
            bg = RGB_DANGER;
            label = "Confirm abort";
            keys = "Esc / Y";
        }
        if (!enabled) {
            bg = UI_RGB_PANEL;
            fg = UI_RGB_FAINT;
        }
        ui_draw_round(dc, r.x, r.y, r.w, r.h, U(u, 7), bg);
        if (a == UI_ACT_ABORT && !ui->abort_pending && enabled)
            ui_draw_fill(dc, r.x + U(u, 8), r.y + r.h - U(u, 3), r.w - U(u, 16), U(u, 2), RGB_DANGER);
        int lh = ui_text_height(dc, lab, true), kh = ui_text_height(dc, key, false);
        int ty = r.y + (r.h - lh - kh) / 2;
        ui_text_fit(dc, label, r.x + r.w / 2, ty, lab, U(u, 9), true, fg, UI_TX_CENTER, r.w - U(u, 8));
        ui_text_fit(dc, keys, r.x + r.w / 2, ty + lh, key, U(u, 8), false, enabled ? 0xb6c2cf : UI_RGB_FAINT,
                    UI_TX_CENTER, r.w - U(u, 8));
        ui_button_add(dc, a, r, enabled);
    }
}

static void draw_status(struct ui_dc *dc, const struct ui_model *m, int y, int h)
{
    float u = dc->u;
    int pad = U(u, 12);
    int px = ui_text_px(12.5f * u);
    char buf[192];
    ui_draw_fill(dc, 0, y, dc->w, h, RGB_STATUSBAR);
    ui_draw_hline(dc, 0, dc->w - 1, y, 1, UI_RGB_GRID);
    int ym = y + h / 2;
    int n = m->n_devices < UI_MAX_DEVICES ? m->n_devices : UI_MAX_DEVICES;
    if (n <= 0) {
        ui_draw_disc(dc, pad + U(u, 5), ym, U(u, 5), UI_RGB_FAINT);
        ui_text_draw(dc, "No dynamometer", pad + U(u, 16), ym, px, false, UI_RGB_MUTED, UI_TX_MIDDLE);
        return;
    }
    int seg = (dc->w - pad) / n;
    for (int i = 0; i < n; i++) {
        const struct ui_device *d = &m->devices[i];
        int x = pad + i * seg, xr = x + seg - pad;
        if (i > 0)
            ui_draw_vline(dc, x - pad / 2, y + U(u, 6), y + h - U(u, 6), 1, UI_RGB_GRID);
        /* The drop counter first, at the segment's right end: it is never squeezed out. */
        snprintf(buf, sizeof buf, "Dropped %llu", (unsigned long long)d->dropped);
        int dw = ui_text_draw(dc, buf, xr, ym, px, d->dropped > 0,
                              d->dropped > 0 ? ui_colour_rgb(UI_COL_FLAG_RED) : UI_RGB_MUTED,
                              UI_TX_RIGHT | UI_TX_MIDDLE | UI_TX_GLYPHS);
        xr -= dw + U(u, 14);
        uint32_t dot = d->state == UI_DEV_CONNECTED    ? ui_colour_rgb(UI_COL_FLAG_NORMAL)
                       : d->state == UI_DEV_CONNECTING ? ui_colour_rgb(UI_COL_FLAG_AMBER)
                       : d->state == UI_DEV_LOST       ? ui_colour_rgb(UI_COL_FLAG_RED)
                                                       : UI_RGB_FAINT;
        const char *state = d->state == UI_DEV_CONNECTED    ? "connected"
                            : d->state == UI_DEV_CONNECTING ? "connecting\xe2\x80\xa6"
                            : d->state == UI_DEV_LOST       ? "disconnected"
                                                            : "not connected";
        ui_draw_disc(dc, x + U(u, 5), ym, U(u, 5), dot);
        x += U(u, 16);
        snprintf(buf, sizeof buf, "%s%s%s", d->name[0] ? d->name : "Dynamometer", d->port[0] ? " on " : "",
                 d->port);
        int avail = xr - x;
        x += ui_text_fit(dc, buf, x, ym, px, U(u, 9), true, UI_RGB_TEXT, UI_TX_MIDDLE, avail * 5 / 10);
        x += U(u, 10);
        if (isfinite(d->rate_hz))
            snprintf(buf, sizeof buf, "%s \xc2\xb7 %.0f Hz", state, d->rate_hz);
        else
            snprintf(buf, sizeof buf, "%s", state);
        if (xr - x > U(u, 20))
            x += ui_text_fit(dc, buf, x, ym, px, U(u, 9), false, d->state == UI_DEV_LOST ? dot : UI_RGB_MUTED,
                             UI_TX_MIDDLE, xr - x);
        x += U(u, 10);
        if (d->calib_warning[0] && xr - x > U(u, 30)) {
            snprintf(buf, sizeof buf, "\xe2\x9a\xa0 %s", d->calib_warning);
            ui_text_fit(dc, buf, x, ym, px, U(u, 9), false, ui_colour_rgb(UI_COL_FLAG_AMBER), UI_TX_MIDDLE,
                        xr - x);
        }
    }
}

static void draw_abort_ask(struct ui_dc *dc, int bottom)
{
    float u = dc->u;
    ui_draw_fill_alpha(dc, 0, 0, dc->w, bottom, 0x000000, 150);
    int w = U(u, 560), h = U(u, 140);
    if (w > dc->w - U(u, 20))
        w = dc->w - U(u, 20);
    int x = (dc->w - w) / 2, y = (bottom - h) / 2;
    ui_draw_round(dc, x, y, w, h, U(u, 10), RGB_DANGER);
    ui_draw_round(dc, x + U(u, 3), y + U(u, 3), w - U(u, 6), h - U(u, 6), U(u, 8), 0x1b1f26);
    ui_text_fit(dc, "Abort the session?", x + w / 2, y + U(u, 22), ui_text_px(24 * u), U(u, 12), true,
                0xffffff, UI_TX_CENTER, w - U(u, 30));
    ui_text_fit(dc, "Press Esc or Q again, or Y, to abort. Any other key continues.", x + w / 2, y + U(u, 72),
                ui_text_px(16 * u), U(u, 9), false, UI_RGB_TEXT, UI_TX_CENTER, w - U(u, 30));
}

/* Every key the window knows, one line each (the same keys ui_poll maps; see ui.h). */
static const char *const help_keys[][2] = {
    {"Space / Enter", "Start: the test, the next rep, the next block; resume after a pause"},
    {"R", "Redo the last rep: it is kept as rejected and measured again"},
    {"X", "Reject the last rep: kept, not counted; asks first when the block would end short"},
    {"A", "Accept the last flagged rep: it counts after all (also after X or R, until the next rep starts)"},
    {"S", "Skip the block: its counted reps stay"},
    {"P", "Pause / resume (a rep under way is repeated)"},
    {"N", "Pain (0-10) and a note for the last rep, a note on the session; Enter saves, Esc cancels"},
    {"Q / Esc", "Abort the test: asked twice (Q, Esc or Y confirms); saved reps stay"},
    {"T", "The curve: this rep from its onset, or the rolling 10 s"},
    {"V", "The patient's view beside this one: on / off"},
    {"F / F11", "Full screen on / off"},
    {"F1 / H / ?", "This help; any other key closes it"},
};

static void draw_help(struct ui_dc *dc, int bottom)
{
    float u = dc->u;
    ui_draw_fill_alpha(dc, 0, 0, dc->w, bottom, 0x000000, 170);
    int n = (int)(sizeof help_keys / sizeof help_keys[0]);
    int px = ui_text_px(16 * u), title = ui_text_px(22 * u);
    int line_h = ui_text_height(dc, px, false) + U(u, 8);
    int w = U(u, 760), h = U(u, 70) + n * line_h + U(u, 20);
    if (w > dc->w - U(u, 20))
        w = dc->w - U(u, 20);
    if (h > bottom - U(u, 10))
        h = bottom - U(u, 10);
    int x = (dc->w - w) / 2, y = (bottom - h) / 2;
    ui_draw_round(dc, x, y, w, h, U(u, 10), RGB_PRIMARY);
    ui_draw_round(dc, x + U(u, 3), y + U(u, 3), w - U(u, 6), h - U(u, 6), U(u, 8), 0x1b1f26);
    ui_text_fit(dc, "Keys", x + U(u, 24), y + U(u, 18), title, U(u, 12), true, 0xffffff, 0, w - U(u, 48));
    int ky = y + U(u, 62), kw = U(u, 150);
    for (int i = 0; i < n && ky + line_h <= y + h; i++, ky += line_h) {
        ui_text_fit(dc, help_keys[i][0], x + U(u, 24), ky, px, U(u, 9), true, 0xfde68a, 0, kw - U(u, 8));
        ui_text_fit(dc, help_keys[i][1], x + U(u, 24) + kw, ky, px, U(u, 9), false, UI_RGB_TEXT, 0,
                    w - kw - U(u, 48));
    }
}

void ui_therapist_draw(struct ui_dc *dc, const struct ui_model *m)
{
    float u = dc->u;
    int W = dc->w, H = dc->h;
    int pad = U(u, 12), gap = U(u, 10);
    ui_draw_fill(dc, 0, 0, W, H, ui_colour_rgb(UI_COL_BG));

    int y = draw_header(dc, m, pad, pad, W - 2 * pad) + gap;
    dc->vp->have_numbers = false;
    if (!m->final.show) { /* the final screen has its own title: no cue line repeating it */
        int cy = y;
        y = draw_cue(dc, m, pad, y, W - 2 * pad);
        dc->vp->cue_rect = (SDL_Rect){pad, cy, W - 2 * pad, y - cy};
        y += gap;
    }
    int n = m->n_devices < UI_MAX_DEVICES ? m->n_devices : UI_MAX_DEVICES;
    for (int i = 0; i < n; i++) {
        const struct ui_device *d = &m->devices[i];
        if (d->state != UI_DEV_LOST)
            continue;
        char msg[256];
        if (d->message[0])
            snprintf(msg, sizeof msg, "%s", d->message);
        else
            snprintf(msg, sizeof msg, "The dynamometer%s%s was disconnected: check the cable.",
                     d->port[0] ? " on " : "", d->port);
        y = draw_banner(dc, msg, ui_colour_rgb(UI_COL_LOST), pad, y, W - 2 * pad) + gap;
    }
    if (m->alert[0])
        y = draw_banner(dc, m->alert, ui_colour_rgb(UI_COL_ALERT), pad, y, W - 2 * pad) + gap;
    if (m->notice[0] && !m->final.show)
        y = draw_banner(dc, m->notice, ui_colour_rgb(UI_COL_NOTICE), pad, y, W - 2 * pad) + gap;

    int sb_h = U(u, 32);
    int sb_y = H - sb_h;
    int help_px = ui_text_px(12.5f * u);
    int help_h = ui_text_height(dc, help_px, false);
    int help_y = sb_y - U(u, 6) - help_h;
    int btn_h = U(u, 48);
    int btn_y = help_y - U(u, 6) - btn_h;
    draw_status(dc, m, sb_y, sb_h);
    dc->vp->status_rect = (SDL_Rect){0, sb_y, W, sb_h};
    if (m->final.show) {
        ui_final_draw(dc, m, y, sb_y - U(u, 4));
        if (m->entry.open)
            ui_entry_draw(dc, &m->entry, sb_y);
        else if (dc->ui->help)
            draw_help(dc, sb_y);
        return;
    }
    if (dc->ui->abort_pending)
        ui_text_fit(dc, "Abort the session? Press Esc or Q again, or Y, to abort; any other key continues.", W / 2,
                    help_y, help_px, U(u, 8), true, ui_colour_rgb(UI_COL_FLAG_RED), UI_TX_CENTER,
                    W - 2 * pad);
    else
        ui_text_fit(
            dc,
            "Keys:  Space or Enter start  \xc2\xb7  R redo  \xc2\xb7  X reject  \xc2\xb7  A accept flagged  "
            "\xc2\xb7  S skip block  \xc2\xb7  P pause  \xc2\xb7  N pain / note  \xc2\xb7  Q / Esc abort  \xc2\xb7  F1 help",
            W / 2, help_y, help_px, U(u, 8), false, UI_RGB_MUTED, UI_TX_CENTER, W - 2 * pad);
    draw_buttons(dc, m, pad, btn_y, W - 2 * pad, btn_h);

    int main_h = btn_y - gap - y;
    if (main_h > U(u, 120)) {
        int right_w = (int)fmaxf(300 * u, (float)W * 0.33f);
        if (right_w > W * 2 / 5)
            right_w = W * 2 / 5;
        int plot_w = W - 2 * pad - gap - right_w;
        dc->vp->plot_box = (SDL_Rect){pad, y, plot_w, main_h};
        ui_plot_draw(dc, m, dc->vp->plot_box, true);
        int rx = pad + plot_w + gap;
        int num_h = U(u, 184);
        int bal_h = U(u, 136);
        if (num_h + bal_h + 2 * gap + U(u, 90) > main_h) {
            /* Short window: the numbers first, then the table, the balance last. */
            bal_h = main_h - num_h - 2 * gap - U(u, 90);
        }
        draw_numbers(dc, m, (SDL_Rect){rx, y, right_w, num_h});
        dc->vp->num_rect = (SDL_Rect){rx, y, right_w, num_h};
        dc->vp->have_numbers = !m->final.show;
        int reps_h = main_h - num_h - gap - (bal_h > U(u, 60) ? bal_h + gap : 0);
        draw_reps(dc, m, (SDL_Rect){rx, y + num_h + gap, right_w, reps_h});
        if (bal_h > U(u, 60))
            draw_balance(dc, m, (SDL_Rect){rx, y + num_h + gap + reps_h + gap, right_w, bal_h});
    } else {
        dc->vp->have_plot = false;
    }
    if (m->entry.open)
        ui_entry_draw(dc, &m->entry, sb_y);
    else if (dc->ui->abort_pending)
        draw_abort_ask(dc, btn_y - U(u, 4));
    else if (dc->ui->help)
        draw_help(dc, sb_y);
}

/* Only the numbers changed (the force, the seconds left, a device's rate, the cue): redraw the cue strip, the
 * numbers panel and the status bar where the last full frame put them, nothing else (a tenth of the
 * cost of a whole frame). */
void ui_therapist_draw_numbers(struct ui_dc *dc, const struct ui_model *m, struct ui_moved moved)
{
    struct ui_viewport *vp = dc->vp;
    if (moved.time || moved.cue) { /* (the state and the cue are drawn nowhere else in this view) */
        SDL_RenderSetClipRect(dc->ren, &vp->cue_rect);
        draw_cue(dc, m, vp->cue_rect.x, vp->cue_rect.y, vp->cue_rect.w);
        ui_damage(dc, vp->cue_rect);
    }
    if (moved.force) { /* (the rest of the panel - best, last rep, its flags - is the model's, unchanged) */
        SDL_Rect r;
        if (!SDL_IntersectRect(&vp->force_rect, &vp->num_rect, &r))
            r = vp->num_rect;
        SDL_RenderSetClipRect(dc->ren, &r);
        draw_numbers(dc, m, vp->num_rect);
        ui_damage(dc, r);
    }
    if (moved.rate) { /* (nothing else is drawn over the status bar while the numbers are drawn alone) */
        SDL_RenderSetClipRect(dc->ren, &vp->status_rect);
        draw_status(dc, m, vp->status_rect.y, vp->status_rect.h);
        ui_damage(dc, vp->status_rect);
    }
    SDL_RenderSetClipRect(dc->ren, NULL);
}

/* Only the curves moved besides the numbers: the curve's panel is brought up to date where the last full
 * frame put it (from its caches: pixel-identical to a whole frame), with the cue strip, the numbers and
 * the status bar as above; the header, table, balance and buttons stay as drawn. */
void ui_therapist_draw_live(struct ui_dc *dc, const struct ui_model *m, struct ui_moved moved)
{
    ui_therapist_draw_numbers(dc, m, moved);
    ui_plot_draw(dc, m, dc->vp->plot_box, false);
}
