/*
 * ui_plot.c - the live force curve of the therapist view: axes in N and s with gridlines, the onset
 * threshold and block-best lines, up to four channels' curves, the time axis scrolling with t_now.
 *
 * A 10 s window at 1 kHz is 10,000 points per channel, far more than the plot has pixel columns, so
 * each column is reduced to its first, lowest, highest and last point (in time order) before drawing:
 * at most four vertices per column, and no peak is lost however narrow (the envelope a scope shows).
 * A pause in the samples longer than UI_PLOT_GAP_S (a pulled cable) breaks the line instead of
 * bridging it. The scratch vertex array belongs to struct ui and only grows when the plot widens.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "station/ui/ui_priv.h"

#define UI_PLOT_GAP_S 0.25
#define UI_PLOT_MAX_N 1e6    /* no force axis goes beyond a meganewton */
#define UI_PLOT_MAX_TICKS 40 /* tick loops stop here whatever the numbers */

struct axes {
    SDL_Rect plot;
    double t0, t1, y0, y1;
};

static float map_x(const struct axes *a, double t)
{
    double fx = (t - a->t0) / (a->t1 - a->t0);
    /* Points far outside the window stay just outside it (the clip rectangle hides them). */
    fx = fx < -1.0 ? -1.0 : fx > 2.0 ? 2.0 : fx;
    return (float)lround(a->plot.x + fx * (a->plot.w - 1));
}

static float map_y(const struct axes *a, double f)
{
    double fy = (f - a->y0) / (a->y1 - a->y0);
    double y = a->plot.y + (a->plot.h - 1) - fy * (a->plot.h - 1);
    /* Keep far-off values finite and near the plot: the clip rectangle hides them. */
    double lo = a->plot.y - a->plot.h, hi = a->plot.y + 2.0 * a->plot.h;
    if (y < lo)
        y = lo;
    if (y > hi)
        y = hi;
    return (float)lround(y);
}

/* Index of the first point with t >= t0 (n if none), by bisection over the time-ordered trace. */
static size_t trace_lower(const struct ui_trace *tr, double t0)
{
    size_t lo = 0, hi = tr->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double t, f;
        ui_trace_get(tr, mid, &t, &f);
        if (t < t0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct column {
    int col;
    int count;
    SDL_FPoint first, last, lo, hi; /* lo = lowest force (largest y) */
    int lo_i, hi_i;                 /* order of arrival, to emit lo and hi in time order */
};

static int column_flush(const struct column *c, SDL_FPoint *out)
{
    if (c->count == 0)
        return 0;
    int n = 0;
    out[n++] = c->first;
    if (c->count == 1)
        return n;
    const SDL_FPoint *a = c->lo_i <= c->hi_i ? &c->lo : &c->hi;
    const SDL_FPoint *b = c->lo_i <= c->hi_i ? &c->hi : &c->lo;
    if (a->y != out[n - 1].y || a->x != out[n - 1].x)
        out[n++] = *a;
    if (b->y != out[n - 1].y || b->x != out[n - 1].x)
        out[n++] = *b;
    if (c->last.y != out[n - 1].y || c->last.x != out[n - 1].x)
        out[n++] = c->last;
    return n;
}

/* Draws tr's points as (t - off, f): off 0 for the rolling view, the rep's onset for the rep view. */
static void draw_trace(struct ui_dc *dc, const struct ui_trace *tr, double off, const struct axes *ax,
                       uint32_t rgb, int thick)
{
    struct ui *ui = dc->ui;
    if (!tr || tr->n == 0 || tr->cap == 0)
        return;
    size_t need = (size_t)(ax->plot.w + 8) * 4;
    if (ui->pts_cap < need) {
        SDL_FPoint *p = realloc(ui->pts, need * sizeof *p);
        if (!p)
            return;
        ui->pts = p;
        ui->pts_cap = need;
    }
    SDL_FPoint *pts = ui->pts;
    size_t start = trace_lower(tr, ax->t0 + off);
    if (start > 0)
        start--; /* one point before the window, so the line enters from the left edge */
    int np = 0;
    struct column c = {.col = INT32_MIN};
    double prev_t = NAN;
    for (size_t i = start; i < tr->n; i++) {
        double t, f;
        ui_trace_get(tr, i, &t, &f);
        t -= off;
        if (t > ax->t1 + 1e-9)
            break;
        if (!isnan(prev_t) && t - prev_t > UI_PLOT_GAP_S) {
            np += column_flush(&c, pts + np);
            ui_draw_polyline(dc, pts, np, thick, rgb);
            np = 0;
            c.count = 0;
            c.col = INT32_MIN;
        }
        prev_t = t;
        SDL_FPoint p = {map_x(ax, t), map_y(ax, f)};
        int col = (int)p.x;
        if (col != c.col) {
            np += column_flush(&c, pts + np);
            if ((size_t)np + 8 > ui->pts_cap) { /* cannot happen with time-ordered points; be safe */
                ui_draw_polyline(dc, pts, np, thick, rgb);
                pts[0] = pts[np - 1];
                np = 1;
            }
            c.col = col;
            c.count = 0;
        }
        if (c.count == 0) {
            c.first = c.lo = c.hi = p;
            c.lo_i = c.hi_i = 0;
        } else {
            if (p.y > c.lo.y) {
                c.lo = p;
                c.lo_i = c.count;
            }
            if (p.y < c.hi.y) {
                c.hi = p;
                c.hi_i = c.count;
            }
        }
        c.last = p;
        c.count++;
    }
    np += column_flush(&c, pts + np);
    ui_draw_polyline(dc, pts, np, thick, rgb);
}

/* Prints a tick value without trailing noise: decimals enough for the step. */
static const char *fmt_tick(char *buf, size_t size, double v, double step)
{
    int dec = step >= 1.0 ? 0 : step >= 0.1 ? 1 : 2;
    if (fabs(v) < step * 1e-6)
        v = 0.0;
    snprintf(buf, size, "%.*f", dec, v);
    return buf;
}

/* Widens [*lo, *hi] by tr's points shown in [t0, t1] (times t - off); *any says whether there was one. */
static void trace_range(const struct ui_trace *tr, double off, double t0, double t1, double *lo, double *hi,
                        bool *any)
{
    if (!tr || tr->n == 0 || tr->cap == 0)
        return;
    for (size_t i = trace_lower(tr, t0 + off); i < tr->n; i++) {
        double t, f;
        ui_trace_get(tr, i, &t, &f);
        if (t - off > t1)
            break;
        if (!*any || f < *lo)
            *lo = f;
        if (!*any || f > *hi)
            *hi = f;
        *any = true;
    }
}

/* The range of the visible data over everything drawn (the curves, or the rep and its block). */
static void data_range(const struct ui_model *m, bool rep_view, double off, double t0, double t1, double *lo,
                       double *hi)
{
    bool any = false;
    const struct ui_live *lv = &m->live;
    if (rep_view) {
        trace_range(lv->rep, off, t0, t1, lo, hi, &any);
        for (int i = 0; i < lv->n_earlier && i < UI_MAX_REPS; i++)
            trace_range(lv->earlier[i], 0.0, t0, t1, lo, hi, &any);
        return;
    }
    for (int c = 0; c < ui_live_curves(lv); c++)
        trace_range(lv->curves[c].trace, 0.0, t0, t1, lo, hi, &any);
}

/* The newest point's time of tr (NAN when empty). */
static double trace_newest(const struct ui_trace *tr)
{
    if (!tr || tr->n == 0 || tr->cap == 0)
        return NAN;
    double t, f;
    ui_trace_get(tr, tr->n - 1, &t, &f);
    return t;
}

/* c at a quarter of its strength over the plot's background: the block's earlier reps. */
static uint32_t faint(uint32_t c)
{
    uint32_t bg = 0x1a2029, out = 0;
    for (int sh = 0; sh <= 16; sh += 8) {
        uint32_t a = (c >> sh) & 0xff, b = (bg >> sh) & 0xff;
        out |= ((a * 2 + b * 3) / 5) << sh;
    }
    return out;
}

/* A label with a panel-coloured box behind it, so it stays readable over gridlines and curves. */
static void plot_label(struct ui_dc *dc, const char *s, int x, int y, int px, uint32_t rgb, int flags)
{
    int w = ui_text_width(dc, s, px, true, 0), h = ui_text_height(dc, px, true);
    int bx = flags & UI_TX_RIGHT ? x - w : x;
    int by = flags & UI_TX_BOTTOM ? y - h : y;
    ui_draw_fill(dc, bx - 3, by, w + 6, h, UI_RGB_PANEL);
    ui_text_draw(dc, s, x, y, px, true, rgb, flags);
}

void ui_plot_draw(struct ui_dc *dc, const struct ui_model *m, SDL_Rect box)
{
    const struct ui_live *lv = &m->live;
    float u = dc->u;
    int pad = (int)(12 * u);
    int small = ui_text_px(12.5f * u), title_px = ui_text_px(14 * u);
    char buf[64];

    ui_draw_round(dc, box.x, box.y, box.w, box.h, (int)(8 * u), UI_RGB_PANEL);

    /* The rep view: the rep's onset at 0, from 1 s before it to past the hold window (or its end);
     * the rolling view: t_now at the right edge (without it, the newest point of the active curve). */
    bool rep_view = lv->rep && lv->rep->cap > 0 && !dc->ui->rolling; /* empty: no rep yet, a clean graph */
    double off = 0.0, window, t0, t1;
    if (rep_view) {
        double newest = trace_newest(lv->rep);
        off = isfinite(lv->rep_onset_s) && fabs(lv->rep_onset_s) < 1e12 ? lv->rep_onset_s
              : isfinite(newest)                                         ? newest
                                                                         : 0.0;
        double hold = isfinite(lv->hold_s) && lv->hold_s > 0 && lv->hold_s < 600 ? lv->hold_s : 0.0;
        t0 = -1.0;
        t1 = fmax(4.0, hold + 1.5);
        if (newest - off + 0.5 > t1 && newest - off < 600)
            t1 = newest - off + 0.5;
        window = t1 - t0;
    } else {
        window = lv->window_s > 0 && lv->window_s < 3600.0 ? lv->window_s : 10.0;
        t1 = lv->t_now_s;
        if (!isfinite(t1) || fabs(t1) > 1e12) { /* (beyond 30,000 years the window would vanish in rounding) */
            const struct ui_trace *tr = ui_live_curves(lv) > 0 ? lv->curves[ui_live_active(lv)].trace : NULL;
            t1 = trace_newest(tr);
            if (!isfinite(t1))
                t1 = 0.0;
        }
        t0 = t1 - window;
    }

    /* Force axis: 0 at the bottom unless the data goes clearly below; room above the highest line. */
    double lo = 0.0, hi = 0.0;
    data_range(m, rep_view, off, t0, t1, &lo, &hi);
    const double lines[] = {lv->block_best_n, lv->threshold_n, lv->target_n, lv->last_peak_n,
                            rep_view ? lv->band_hi_n : NAN};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (isfinite(lines[i]) && lines[i] > hi)
            hi = lines[i];
    /* Beyond any dynamometer's range (a broken device or model): keep the axis finite. */
    hi = fmin(hi, UI_PLOT_MAX_N);
    lo = fmax(lo, -UI_PLOT_MAX_N);
    double y1 =
        isfinite(lv->y_max_n) && lv->y_max_n > 0 ? fmin(lv->y_max_n, UI_PLOT_MAX_N) : fmax(hi * 1.12, 50.0);
    double step = ui_nice_step(y1 - fmin(lo, 0.0), 6);
    y1 = ceil(y1 / step - 1e-9) * step;
    double y0 = lo < -0.04 * y1 ? floor(lo / step) * step : 0.0;

    /* Lay out: title row, y labels column, x labels row. */
    int title_h = ui_text_height(dc, title_px, true);
    int tw = ui_text_draw(dc, "Force (N)", box.x + pad, box.y + pad, title_px, true, UI_RGB_TEXT, 0);
    ui_text_draw(dc, rep_view ? "this rep from its onset \xc2\xb7 T: rolling 10 s" : "rolling \xc2\xb7 T: the rep view",
                 box.x + pad + tw + (int)(10 * u), box.y + pad + title_h / 2, small, false, UI_RGB_MUTED, UI_TX_MIDDLE);
    int lab_w = 0;
    for (int k = 0; k < UI_PLOT_MAX_TICKS && y0 + k * step <= y1 + step * 0.5; k++) {
        double v = y0 + k * step;
        int w = ui_text_width(dc, fmt_tick(buf, sizeof buf, v, step), small, false, UI_TX_GLYPHS);
        if (w > lab_w)
            lab_w = w;
    }
    int small_h = ui_text_height(dc, small, false);
    struct axes ax = {
        .plot = {box.x + pad + lab_w + (int)(8 * u), box.y + pad + title_h + (int)(10 * u), 0, 0},
        .t0 = t0,
        .t1 = t1,
        .y0 = y0,
        .y1 = y1,
    };
    ax.plot.w = box.x + box.w - pad - ax.plot.x;
    ax.plot.h = box.y + box.h - pad - small_h - (int)(6 * u) - ax.plot.y;
    if (ax.plot.w < 20 || ax.plot.h < 20)
        return;

    /* Legend for several channels, right-aligned in the title row. */
    if (ui_live_curves(lv) >= 2) {
        int x = box.x + box.w - pad;
        for (int c = ui_live_curves(lv) - 1; c >= 0; c--) {
            const char *label = lv->curves[c].label[0] ? lv->curves[c].label : "Channel";
            int w = ui_text_width(dc, label, small, false, 0);
            x -= w;
            ui_text_draw(dc, label, x, box.y + pad + title_h / 2, small, false, UI_RGB_TEXT, UI_TX_MIDDLE);
            x -= (int)(20 * u);
            ui_draw_fill(dc, x, box.y + pad + title_h / 2 - (int)(2 * u), (int)(14 * u), (int)(4 * u) + 1,
                         ui_colour_rgb(UI_COL_CURVE0 + c));
            x -= (int)(16 * u);
        }
    }

    /* Gridlines and tick labels. */
    ui_draw_fill(dc, ax.plot.x, ax.plot.y, ax.plot.w, ax.plot.h, 0x1a2029);
    for (int k = 0; k < UI_PLOT_MAX_TICKS && y0 + k * step <= y1 + step * 0.5; k++) {
        double v = y0 + k * step;
        int y = (int)map_y(&ax, v);
        ui_draw_hline(dc, ax.plot.x, ax.plot.x + ax.plot.w - 1, y, 1,
                      fabs(v) < 1e-9 ? UI_RGB_AXIS : UI_RGB_GRID);
        ui_text_draw(dc, fmt_tick(buf, sizeof buf, v, step), ax.plot.x - (int)(8 * u), y, small, false,
                     UI_RGB_MUTED, UI_TX_RIGHT | UI_TX_MIDDLE | UI_TX_GLYPHS);
    }
    double tstep = ui_nice_step(window, 6);
    int lab_y = ax.plot.y + ax.plot.h + (int)(5 * u);
    /* The axis title sits at the right end of the tick row; ticks that would touch it are skipped. */
    int title_x = ax.plot.x + ax.plot.w;
    int title_w = ui_text_draw(dc, rep_view ? "Time from onset (s)" : "Time (s)", title_x, lab_y, small, false,
                               UI_RGB_MUTED, UI_TX_RIGHT);
    double tfirst = ceil(t0 / tstep - 1e-9) * tstep;
    for (int k = 0; k < UI_PLOT_MAX_TICKS && tfirst + k * tstep <= t1 + 1e-9; k++) {
        double t = tfirst + k * tstep;
        int x = (int)map_x(&ax, t);
        ui_draw_vline(dc, x, ax.plot.y, ax.plot.y + ax.plot.h - 1, 1, UI_RGB_GRID);
        int w = ui_text_width(dc, fmt_tick(buf, sizeof buf, t, tstep), small, false, UI_TX_GLYPHS);
        if (x - w / 2 >= box.x + pad / 2 && x + w / 2 < title_x - title_w - (int)(10 * u))
            ui_text_draw(dc, buf, x, lab_y, small, false, UI_RGB_MUTED, UI_TX_CENTER | UI_TX_GLYPHS);
    }
    ui_draw_vline(dc, ax.plot.x, ax.plot.y, ax.plot.y + ax.plot.h - 1, 1, UI_RGB_AXIS);

    /* Reference lines, then the curves over them, all clipped to the plot. */
    SDL_RenderSetClipRect(dc->ren, &ax.plot);
    int lt = u < 1.25f ? 2 : 3;
    int thr_y = -1, best_y = -1;
    if (isfinite(lv->threshold_n)) {
        thr_y = (int)map_y(&ax, lv->threshold_n);
        ui_draw_hline(dc, ax.plot.x, ax.plot.x + ax.plot.w - 1, thr_y, lt, ui_colour_rgb(UI_COL_THRESHOLD));
    }
    if (isfinite(lv->block_best_n)) {
        best_y = (int)map_y(&ax, lv->block_best_n);
        ui_draw_hline(dc, ax.plot.x, ax.plot.x + ax.plot.w - 1, best_y, lt, ui_colour_rgb(UI_COL_BEST));
    }
    int active = ui_live_active(lv);
    int ct = u < 1.25f ? 2 : 3;
    int nc = ui_live_curves(lv);
    uint32_t rgb = ui_colour_rgb(UI_COL_CURVE0 + (nc > 0 ? active : 0));
    const struct ui_trace *now_tr = NULL;
    if (rep_view) {
        /* The target band and the hold window under everything, the earlier reps faint, then this rep. */
        if (isfinite(lv->band_lo_n) && isfinite(lv->band_hi_n) && lv->band_hi_n > lv->band_lo_n) {
            int ya = (int)map_y(&ax, lv->band_hi_n), yb = (int)map_y(&ax, lv->band_lo_n);
            ui_draw_fill_alpha(dc, ax.plot.x, ya, ax.plot.w, yb - ya + 1, ui_colour_rgb(UI_COL_TARGET), 48);
        }
        if (isfinite(lv->hold_s) && lv->hold_s > 0 && lv->hold_s < 600) {
            int xa = (int)map_x(&ax, 0.0), xb = (int)map_x(&ax, lv->hold_s);
            ui_draw_fill_alpha(dc, xa, ax.plot.y, xb - xa + 1, ax.plot.h, 0xffffff, 16);
            ui_draw_vline(dc, xa, ax.plot.y, ax.plot.y + ax.plot.h - 1, 1, UI_RGB_AXIS);
            ui_draw_vline(dc, xb, ax.plot.y, ax.plot.y + ax.plot.h - 1, 1, UI_RGB_AXIS);
        }
        for (int i = 0; i < lv->n_earlier && i < UI_MAX_REPS; i++)
            draw_trace(dc, lv->earlier[i], 0.0, &ax, faint(rgb), ct);
        now_tr = lv->rep;
        draw_trace(dc, now_tr, off, &ax, rgb, ct + 1);
    } else {
        for (int c = 0; c < nc; c++)
            if (c != active)
                draw_trace(dc, lv->curves[c].trace, 0.0, &ax, ui_colour_rgb(UI_COL_CURVE0 + c), ct);
        if (nc > 0) {
            now_tr = lv->curves[active].trace;
            draw_trace(dc, now_tr, 0.0, &ax, rgb, ct + 1);
        }
    }
    if (now_tr && now_tr->n > 0) { /* a dot at the newest point: where the force is now */
        double t, f;
        ui_trace_get(now_tr, now_tr->n - 1, &t, &f);
        t -= off;
        if (t >= t0 && t <= t1 + 1e-9)
            ui_draw_disc(dc, (int)map_x(&ax, t), (int)map_y(&ax, f), (int)(5 * u), rgb);
    }
    SDL_RenderSetClipRect(dc->ren, NULL);

    /* Line labels, kept inside the plot and apart from each other. */
    int lh = ui_text_height(dc, small, true);
    if (best_y >= 0) {
        snprintf(buf, sizeof buf, "Best %.1f N", lv->block_best_n);
        int y = best_y - lt - 1;
        if (y - lh < ax.plot.y)
            y = best_y + lt + lh;
        plot_label(dc, buf, ax.plot.x + ax.plot.w - (int)(6 * u), y, small, ui_colour_rgb(UI_COL_BEST),
                   UI_TX_RIGHT | UI_TX_BOTTOM);
    }
    if (thr_y >= 0) {
        snprintf(buf, sizeof buf, "Onset threshold %.0f N", lv->threshold_n);
        int y = thr_y - lt - 1;
        if (y - lh < ax.plot.y || (best_y >= 0 && abs(y - best_y) < lh + 4 && y < best_y + lh))
            y = thr_y + lt + lh + 1;
        if (y > ax.plot.y + ax.plot.h)
            y = thr_y - lt - 1;
        plot_label(dc, buf, ax.plot.x + (int)(8 * u), y, small, ui_colour_rgb(UI_COL_THRESHOLD),
                   UI_TX_BOTTOM);
    }

    dc->vp->have_plot = true;
    dc->vp->plot = ax.plot;
    dc->vp->t0 = ax.t0;
    dc->vp->t1 = ax.t1;
    dc->vp->y0 = ax.y0;
    dc->vp->y1 = ax.y1;
}

bool ui_plot_map(const struct ui *ui, enum ui_view v, double t_s, double force_n, int *x, int *y)
{
    if (!ui || (int)v < 0 || v >= UI_VIEW_COUNT)
        return false;
    const struct ui_viewport *vp = &ui->views[v];
    if (!vp->shown || !vp->drawn || !vp->have_plot)
        return false;
    struct axes ax = {.plot = vp->plot, .t0 = vp->t0, .t1 = vp->t1, .y0 = vp->y0, .y1 = vp->y1};
    *x = (int)map_x(&ax, t_s);
    *y = (int)map_y(&ax, force_n);
    return true;
}

bool ui_plot_rect(const struct ui *ui, enum ui_view v, int *x, int *y, int *w, int *h)
{
    if (!ui || (int)v < 0 || v >= UI_VIEW_COUNT)
        return false;
    const struct ui_viewport *vp = &ui->views[v];
    if (!vp->shown || !vp->drawn || !vp->have_plot)
        return false;
    *x = vp->plot.x;
    *y = vp->plot.y;
    *w = vp->plot.w;
    *h = vp->plot.h;
    return true;
}
