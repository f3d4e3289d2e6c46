/*
 * ui_draw.c - the drawing primitives the views are made of (filled and rounded rectangles, thick
 * lines, discs, thick polylines), the axis tick rule, and the shared look (cue and flag colours).
 *
 * SDL2's renderer draws one-pixel lines only; thickness comes from drawing a few offset copies, which
 * keeps the colours exact (no blending) so tests can find a curve by its colour.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "station/ui/ui_priv.h"

void ui_draw_colour(struct ui_dc *dc, uint32_t rgb, uint8_t alpha)
{
    SDL_SetRenderDrawColor(dc->ren, (rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff, alpha);
}

void ui_draw_fill(struct ui_dc *dc, int x, int y, int w, int h, uint32_t rgb)
{
    if (w <= 0 || h <= 0)
        return;
    ui_draw_colour(dc, rgb, 255);
    SDL_RenderFillRect(dc->ren, &(SDL_Rect){x, y, w, h});
}

void ui_draw_fill_alpha(struct ui_dc *dc, int x, int y, int w, int h, uint32_t rgb, uint8_t alpha)
{
    if (w <= 0 || h <= 0)
        return;
    SDL_SetRenderDrawBlendMode(dc->ren, SDL_BLENDMODE_BLEND);
    ui_draw_colour(dc, rgb, alpha);
    SDL_RenderFillRect(dc->ren, &(SDL_Rect){x, y, w, h});
    SDL_SetRenderDrawBlendMode(dc->ren, SDL_BLENDMODE_NONE);
}

/* A filled rectangle with corners of radius r, drawn as a middle block plus one row pair per corner
 * scanline. */
void ui_draw_round(struct ui_dc *dc, int x, int y, int w, int h, int r, uint32_t rgb)
{
    if (w <= 0 || h <= 0)
        return;
    if (r * 2 > w)
        r = w / 2;
    if (r * 2 > h)
        r = h / 2;
    if (r <= 1) {
        ui_draw_fill(dc, x, y, w, h, rgb);
        return;
    }
    ui_draw_colour(dc, rgb, 255);
    SDL_RenderFillRect(dc->ren, &(SDL_Rect){x, y + r, w, h - 2 * r});
    for (int i = 0; i < r; i++) {
        double dy = r - i - 0.5;
        int inset = r - (int)lround(sqrt((double)r * r - dy * dy));
        SDL_RenderFillRect(dc->ren, &(SDL_Rect){x + inset, y + i, w - 2 * inset, 1});
        SDL_RenderFillRect(dc->ren, &(SDL_Rect){x + inset, y + h - 1 - i, w - 2 * inset, 1});
    }
}

void ui_draw_round_hole(struct ui_dc *dc, int x, int y, int w, int h, int r, uint32_t rgb, SDL_Rect hole,
                        uint32_t hole_rgb, uint32_t bg)
{
    if (r * 2 > w)
        r = w / 2;
    if (r * 2 > h)
        r = h / 2;
    if (r <= 1 || hole.x < x || hole.x + hole.w > x + w || hole.y < y + r || hole.y + hole.h > y + h - r) {
        ui_draw_fill(dc, x, y, w, h, bg); /* (not the case it is for: every pixel, as before) */
        ui_draw_round(dc, x, y, w, h, r, rgb);
        ui_draw_fill(dc, hole.x, hole.y, hole.w, hole.h, hole_rgb);
        return;
    }
    ui_draw_colour(dc, bg, 255); /* the corners' squares: the round rows below cover them but their outsides */
    SDL_RenderFillRect(dc->ren, &(SDL_Rect){x, y, r, r});
    SDL_RenderFillRect(dc->ren, &(SDL_Rect){x + w - r, y, r, r});
    SDL_RenderFillRect(dc->ren, &(SDL_Rect){x, y + h - r, r, r});
    SDL_RenderFillRect(dc->ren, &(SDL_Rect){x + w - r, y + h - r, r, r});
    ui_draw_colour(dc, rgb, 255);
    for (int i = 0; i < r; i++) { /* the corner rows, as ui_draw_round draws them */
        double dy = r - i - 0.5;
        int inset = r - (int)lround(sqrt((double)r * r - dy * dy));
        SDL_RenderFillRect(dc->ren, &(SDL_Rect){x + inset, y + i, w - 2 * inset, 1});
        SDL_RenderFillRect(dc->ren, &(SDL_Rect){x + inset, y + h - 1 - i, w - 2 * inset, 1});
    }
    SDL_RenderFillRect(dc->ren, &(SDL_Rect){x, y + r, w, hole.y - (y + r)});
    SDL_RenderFillRect(dc->ren, &(SDL_Rect){x, hole.y, hole.x - x, hole.h});
    SDL_RenderFillRect(dc->ren, &(SDL_Rect){hole.x + hole.w, hole.y, x + w - hole.x - hole.w, hole.h});
    SDL_RenderFillRect(dc->ren, &(SDL_Rect){x, hole.y + hole.h, w, y + h - r - hole.y - hole.h});
    ui_draw_fill(dc, hole.x, hole.y, hole.w, hole.h, hole_rgb);
}

void ui_draw_frame(struct ui_dc *dc, int x, int y, int w, int h, int t, uint32_t rgb)
{
    ui_draw_fill(dc, x, y, w, t, rgb);
    ui_draw_fill(dc, x, y + h - t, w, t, rgb);
    ui_draw_fill(dc, x, y, t, h, rgb);
    ui_draw_fill(dc, x + w - t, y, t, h, rgb);
}

void ui_draw_hline(struct ui_dc *dc, int x0, int x1, int y, int t, uint32_t rgb)
{
    if (x1 < x0) {
        int tmp = x0;
        x0 = x1;
        x1 = tmp;
    }
    ui_draw_fill(dc, x0, y - (t - 1) / 2, x1 - x0 + 1, t < 1 ? 1 : t, rgb);
}

void ui_draw_vline(struct ui_dc *dc, int x, int y0, int y1, int t, uint32_t rgb)
{
    if (y1 < y0) {
        int tmp = y0;
        y0 = y1;
        y1 = tmp;
    }
    ui_draw_fill(dc, x - (t - 1) / 2, y0, t < 1 ? 1 : t, y1 - y0 + 1, rgb);
}

void ui_draw_disc(struct ui_dc *dc, int cx, int cy, int r, uint32_t rgb)
{
    ui_draw_colour(dc, rgb, 255);
    for (int dy = -r; dy <= r; dy++) {
        int half = (int)lround(sqrt((double)r * r - (double)dy * dy));
        SDL_RenderFillRect(dc->ren, &(SDL_Rect){cx - half, cy + dy, 2 * half + 1, 1});
    }
}

/* Draws the polyline t pixels thick by drawing it shifted along x and y (a cross-shaped pen). The
 * points are shifted in place and restored. */
void ui_draw_polyline(struct ui_dc *dc, SDL_FPoint *pts, int n, int t, uint32_t rgb)
{
    if (n <= 0)
        return;
    ui_draw_colour(dc, rgb, 255);
    if (n == 1) {
        SDL_RenderFillRectF(
            dc->ren, &(SDL_FRect){pts[0].x - (float)(t / 2), pts[0].y - (float)(t / 2), (float)t, (float)t});
        return;
    }
    int lo = -(t - 1) / 2, hi = t / 2;
    for (int axis = 0; axis < 2; axis++) {
        for (int d = lo; d <= hi; d++) {
            if (axis == 1 && d == 0)
                continue; /* the unshifted copy was drawn with the x shifts */
            for (int i = 0; i < n; i++) {
                if (axis == 0)
                    pts[i].x += (float)d;
                else
                    pts[i].y += (float)d;
            }
            SDL_RenderDrawLinesF(dc->ren, pts, n);
            for (int i = 0; i < n; i++) {
                if (axis == 0)
                    pts[i].x -= (float)d;
                else
                    pts[i].y -= (float)d;
            }
        }
    }
}

/* A "nice" tick step (1, 2, 2.5 or 5 times a power of ten) giving at most max_ticks intervals over
 * range. */
double ui_nice_step(double range, int max_ticks)
{
    if (!(range > 0) || max_ticks < 1)
        return 1.0;
    double raw = range / max_ticks;
    double mag = pow(10.0, floor(log10(raw)));
    static const double mult[] = {1.0, 2.0, 2.5, 5.0, 10.0};
    for (size_t i = 0; i < sizeof mult / sizeof mult[0]; i++) {
        if (mult[i] * mag >= raw * (1 - 1e-9))
            return mult[i] * mag;
    }
    return 10.0 * mag;
}

uint32_t ui_cue_rgb(enum ui_cue cue)
{
    switch (cue) {
    case UI_CUE_READY: return 0xfbbf24;
    case UI_CUE_PUSH: return 0x4ade80;
    case UI_CUE_HOLD: return 0x4ade80;
    case UI_CUE_RELAX: return 0x60a5fa;
    case UI_CUE_REST: return 0x60a5fa;
    case UI_CUE_PAUSED: return 0xa3aab5;
    case UI_CUE_DONE: return 0xffffff;
    case UI_CUE_STOPPED: return 0xa3aab5;
    case UI_CUE_WAIT: return 0xdbe3ec;
    case UI_CUE_NONE:
    case UI_CUE_COUNT:
    default: return UI_RGB_MUTED;
    }
}

uint32_t ui_flag_rgb(enum bal_flag f)
{
    switch (f) {
    case BAL_RED: return ui_colour_rgb(UI_COL_FLAG_RED);
    case BAL_AMBER: return ui_colour_rgb(UI_COL_FLAG_AMBER);
    case BAL_NORMAL: return ui_colour_rgb(UI_COL_FLAG_NORMAL);
    case BAL_NONE:
    default: return UI_RGB_MUTED;
    }
}

const char *ui_fmt_n(char *buf, size_t size, double n, int decimals)
{
    if (!isfinite(n))
        snprintf(buf, size, "\xe2\x80\x93 N");
    else
        snprintf(buf, size, "%.*f N", decimals, n);
    return buf;
}

int ui_live_curves(const struct ui_live *lv)
{
    return lv->n_curves < 0 ? 0 : lv->n_curves > UI_MAX_CURVES ? UI_MAX_CURVES : lv->n_curves;
}

int ui_live_active(const struct ui_live *lv)
{
    return lv->active >= 0 && lv->active < ui_live_curves(lv) ? lv->active : 0;
}

/* The start of the shortest tail of s that fits max_w at px (a character boundary): where a focused
 * box starts drawing a value too long for it, so the caret and the last words typed stay in view. */
static const char *fitting_tail(struct ui_dc *dc, const char *s, int px, int max_w)
{
    size_t len = strlen(s), starts[UI_TEXT_KEY_MAX];
    size_t i = len >= UI_TEXT_KEY_MAX ? len - (UI_TEXT_KEY_MAX - 1) : 0; /* what the text cache keeps */
    int n = 0;
    for (; i < len; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            starts[n++] = i;
    int lo = 0, hi = n; /* the first start whose tail fits: later starts only make it narrower */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (ui_text_measure(dc, s + starts[mid], px, false) <= max_w)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo < n ? s + starts[lo] : s + len;
}

#define RGB_BOX_FOCUS 0x2563ebu
#define RGB_BOX_FIELD 0x111820u

void ui_draw_text_box(struct ui_dc *dc, SDL_Rect r, const char *value, const char *hint, bool focus, bool error)
{
    ui_draw_text_box_caret(dc, r, value, hint, focus, error, -1);
}

void ui_draw_text_box_caret(struct ui_dc *dc, SDL_Rect r, const char *value, const char *hint, bool focus,
                            bool error, int caret)
{
    float u = dc->u;
    int px = ui_text_px(17 * u), in = (int)lroundf(u * 10);
    uint32_t frame = error ? ui_colour_rgb(UI_COL_FLAG_RED) : focus ? RGB_BOX_FOCUS : UI_RGB_AXIS;
    ui_draw_round(dc, r.x, r.y, r.w, r.h, (int)lroundf(u * 6), frame);
    int t = error || focus ? (int)lroundf(u * 2) : 1;
    if (t < 1)
        t = 1;
    ui_draw_round(dc, r.x + t, r.y + t, r.w - 2 * t, r.h - 2 * t, (int)lroundf(u * 5), RGB_BOX_FIELD);
    int ymid = r.y + r.h / 2, maxw = r.w - 2 * in - (int)lroundf(u * 4);
    int w = 0;
    if (value && value[0] && focus) {
        const char *tail = fitting_tail(dc, value, px, maxw);
        w = ui_text_draw(dc, tail, r.x + in, ymid, px, false, UI_RGB_TEXT, UI_TX_MIDDLE);
        /* A caret inside the text: at the width of what is before it (the home's fields move it);
         * before the part shown, at the box's start. */
        size_t at = caret < 0 ? strlen(value) : (size_t)caret, from = (size_t)(tail - value);
        if (at < strlen(value)) {
            char before[UI_TEXT_KEY_MAX];
            size_t n = at > from ? at - from : 0;
            snprintf(before, sizeof before, "%.*s", (int)(n < sizeof before ? n : sizeof before - 1), tail);
            w = before[0] ? ui_text_measure(dc, before, px, false) : 0;
        }
    }
    else if (value && value[0])
        w = ui_text_fit(dc, value, r.x + in, ymid, px, px, false, UI_RGB_TEXT, UI_TX_MIDDLE, maxw);
    else if (hint && hint[0] && !focus)
        ui_text_fit(dc, hint, r.x + in, ymid, px, (int)lroundf(u * 9), false, UI_RGB_FAINT, UI_TX_MIDDLE, maxw);
    if (focus) {
        int ch = ui_text_height(dc, px, false), k = (int)lroundf(u * 2);
        ui_draw_fill(dc, r.x + in + w + 1, ymid - ch / 2 + k, k > 1 ? k : 1, ch - 2 * k, UI_RGB_TEXT);
    } else if (hint && hint[0] && value && value[0]) {
        ui_text_draw(dc, hint, r.x + r.w - in, ymid, ui_text_px(12 * u), false, UI_RGB_FAINT,
                     UI_TX_RIGHT | UI_TX_MIDDLE);
    }
}
