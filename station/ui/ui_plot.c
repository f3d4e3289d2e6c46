/*
 * ui_plot.c - the live force curve of the therapist view: axes in N and s with gridlines, the onset
 * threshold and block-best lines, up to four channels' curves, the time axis scrolling with t_now.
 *
 * A 10 s window at 1 kHz is 10,000 points per channel, far more than the plot has pixel columns, so
 * each column is reduced to its first, lowest, highest and last point (in time order) before drawing:
 * at most four vertices per column, and no peak is lost however narrow (the envelope a scope shows).
 * A pause in the samples longer than UI_PLOT_GAP_S (a pulled cable) breaks the line instead of
 * bridging it. The scratch vertex array belongs to struct ui and only grows when the plot widens.
 *
 * Why layers (struct ui_plot_cache): drawing the panel whole - its fills, grid, labels, the translucent
 * band and hold window, the block's earlier reps and the rep's 10,000 points - took 2.4-3 ms a frame in
 * the software renderer, 60 times a second while a rep streams. The panel is drawn in its own
 * coordinates into a still layer (redrawn when its key changes: a resize, the axes rescaling, a new
 * line, band or earlier rep) and a drawn layer (still + the moving curves). While the rep view's axes
 * stay, a frame takes the rep's new points only: the columns they finish are drawn onto the drawn layer
 * (a column's vertices never change once the next column has begun), and the view gets back from it only
 * the rectangle the open column, the dot and the new columns cover, with them drawn over it. SDL draws a
 * polyline segment by segment, each from its first pixel, so a line drawn in pieces that share their
 * joints is the same pixels as the line drawn at once: the cached frame equals a frame drawn from
 * scratch, pixel for pixel (tests/test_ui.c). The rolling view's time axis moves with the clock: its
 * plot is kept as a ring of whole pixel columns that a frame shifts and extends by the new ones (the
 * rolling view's section below). All positions are the panel's own, so that mapping is exact under any
 * translation (the view draws the layers with its viewport at the panel).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "station/ui/ui_priv.h"

#define UI_PLOT_GAP_S 0.25
#define UI_PLOT_MAX_N 1e6    /* no force axis goes beyond a meganewton */
#define UI_PLOT_MAX_TICKS 40 /* tick loops stop here whatever the numbers */
#define UI_RGB_PLOT 0x1a2029u /* the plot's background */

/* The rolling view's time axis is counted in whole pixel columns (roll): column c holds the times
 * [te + (c - e - 0.5) dt, te + (c - e + 0.5) dt), the same columns at every frame, so a frame drawn
 * from scratch at a right edge k is the frame before it shifted by whole columns plus its new columns
 * (ui_plot_draw). The epoch (te, column e) is a multiple of UI_PLOT_EPOCH columns, so the division
 * stays exact on any clock; base is the column drawn at plot.x, from and cut bound the points taken. */
struct axes {
    SDL_Rect plot;
    double t0, t1, y0, y1;
    bool roll;
    double te, dt;
    int64_t e, base, from, cut;
};

#define UI_PLOT_MARGIN 4         /* columns: farther than a pen reaches beside a vertex (roll_update) */
#define UI_PLOT_EPOCH 16777216.0 /* 2^24 columns: 32 hours of a 10 s window 1,400 columns wide */
#define UI_PLOT_COL_MAX 0x1p40   /* a point this many columns off is as good as any further */

/* The column time t falls in on a rolling axis (t - te rounded to whole columns, half up). */
static int64_t col_of(const struct axes *a, double t)
{
    double r = floor((t - a->te) / a->dt + 0.5);
    if (!(r > -UI_PLOT_COL_MAX)) /* (NAN too: a zero-width column) */
        r = -UI_PLOT_COL_MAX;
    if (r > UI_PLOT_COL_MAX)
        r = UI_PLOT_COL_MAX;
    return a->e + (int64_t)r;
}

/* (Rounded from the plot's corner, so the same point lands on the same pixel wherever the panel is.) */
static float map_x(const struct axes *a, double t)
{
    if (a->roll) { /* far-off columns stay finite and near the plot, as below */
        int64_t d = col_of(a, t) - a->base, w = a->plot.w;
        d = d < -2 * w ? -2 * w : d > 3 * w ? 3 * w : d;
        return (float)(a->plot.x + d);
    }
    double fx = (t - a->t0) / (a->t1 - a->t0);
    /* Points far outside the window stay just outside it (the clip rectangle hides them). */
    fx = fx < -1.0 ? -1.0 : fx > 2.0 ? 2.0 : fx;
    return (float)(a->plot.x + lround(fx * (a->plot.w - 1)));
}

static float map_y(const struct axes *a, double f)
{
    double fy = (f - a->y0) / (a->y1 - a->y0);
    double y = (a->plot.h - 1) - fy * (a->plot.h - 1);
    /* Keep far-off values finite and near the plot: the clip rectangle hides them. */
    double lo = -a->plot.h, hi = 2.0 * a->plot.h;
    if (y < lo)
        y = lo;
    if (y > hi)
        y = hi;
    return (float)(a->plot.y + lround(y));
}

/* Index of the first point with t >= t0 - on a rolling axis ax (else NULL), the first in column
 * ax->from or later - (n if none), by bisection over the time-ordered trace. */
static size_t trace_lower(const struct ui_trace *tr, const struct axes *ax, double t0)
{
    size_t lo = 0, hi = tr->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double t, f;
        ui_trace_get(tr, mid, &t, &f);
        if (ax && ax->roll ? col_of(ax, t) < ax->from : t < t0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int column_flush(const struct ui_plot_column *c, SDL_FPoint *out)
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

/* ---- the pen: a trace drawn a column at a time ------------------------------------------------ */

static void rect_add(SDL_Rect *r, SDL_Rect a)
{
    if (a.w <= 0 || a.h <= 0)
        return;
    if (r->w <= 0 || r->h <= 0)
        *r = a;
    else
        SDL_UnionRect(r, &a, r);
}

/* The pixels a polyline of pts t thick can touch. */
static SDL_Rect line_box(const SDL_FPoint *pts, int n, int t)
{
    float x0 = pts[0].x, x1 = pts[0].x, y0 = pts[0].y, y1 = pts[0].y;
    for (int i = 1; i < n; i++) {
        x0 = fminf(x0, pts[i].x);
        x1 = fmaxf(x1, pts[i].x);
        y0 = fminf(y0, pts[i].y);
        y1 = fmaxf(y1, pts[i].y);
    }
    return (SDL_Rect){(int)x0 - t, (int)y0 - t, (int)(x1 - x0) + 2 * t + 1, (int)(y1 - y0) + 2 * t + 1};
}

/* Makes room for the vertices of the plot's width in the scratch array; false when out of memory. */
static bool pts_room(struct ui *ui, const struct axes *ax)
{
    size_t need = (size_t)(ax->plot.w + 8) * 4;
    if (ui->pts_cap >= need)
        return true;
    SDL_FPoint *p = realloc(ui->pts, need * sizeof *p);
    if (!p)
        return false;
    ui->pts = p;
    ui->pts_cap = need;
    return true;
}

/* Draws pts[0..np) of p's current line (pts[0] its last vertex drawn, when it has one) and keeps the
 * last vertex as the next piece's first. A line of one vertex is drawn only when it ends (pen_end). */
static void pen_lines(struct ui_dc *dc, struct ui_pen *p, SDL_FPoint *pts, int *np)
{
    if (*np >= 2) {
        ui_draw_polyline(dc, pts, *np, p->thick, p->rgb);
        rect_add(&p->damage, line_box(pts, *np, p->thick));
    }
    if (*np >= 1) {
        p->last_v = pts[*np - 1];
        pts[0] = p->last_v;
        *np = 1;
    }
}

/* The current line ends (a gap, or the trace drawn whole): a line of a single vertex is a dot. */
static void pen_end(struct ui_dc *dc, struct ui_pen *p, SDL_FPoint *pts, int *np)
{
    pen_lines(dc, p, pts, np);
    if (p->n_line == 1) {
        ui_draw_polyline(dc, &p->last_v, 1, p->thick, p->rgb);
        rect_add(&p->damage, line_box(&p->last_v, 1, p->thick));
    }
    p->n_line = 0;
    *np = 0;
}

/* The open column's vertices join the current line. */
static void pen_column(struct ui_pen *p, SDL_FPoint *pts, int *np)
{
    int k = column_flush(&p->c, pts + *np);
    *np += k;
    p->n_line = p->n_line + k > 2 ? 2 : p->n_line + k;
}

/* Starts drawing tr's points as (t - off, f) on ax in rgb, thick pixels: from the last point before
 * the axis's start (the line enters from the left edge). */
static void pen_begin(struct ui_pen *p, const struct ui_trace *tr, double off, const struct axes *ax, uint32_t rgb,
                      int thick)
{
    memset(p, 0, sizeof *p);
    p->tr = tr;
    p->off = off;
    p->rgb = rgb;
    p->thick = thick;
    p->prev_t = NAN;
    p->c.col = INT32_MIN;
    if (!tr || tr->n == 0 || tr->cap == 0)
        return;
    size_t start = trace_lower(tr, ax, ax->t0 + off);
    p->start = p->next = start > 0 ? start - 1 : 0;
    ui_trace_get(tr, p->start, &p->start_t, &p->start_f);
    p->first = tr->first;
    p->n = tr->n;
}

/* Is time t (on the axis) past its right end: a later column than cut on a rolling axis, else after t1? */
static bool past_end(const struct axes *a, double t)
{
    return a->roll ? col_of(a, t) > a->cut : t > a->t1 + 1e-9;
}

/* Draws the columns tr's points up to its newest finish (the open one stays open: pen_tail). */
static void pen_feed(struct ui_dc *dc, struct ui_pen *p, const struct axes *ax)
{
    const struct ui_trace *tr = p->tr;
    if (!tr || tr->n == 0 || tr->cap == 0 || p->past || !pts_room(dc->ui, ax))
        return;
    SDL_FPoint *pts = dc->ui->pts;
    int np = 0;
    if (p->n_line > 0)
        pts[np++] = p->last_v;
    size_t i = p->next;
    for (; i < tr->n; i++) {
        double t, f;
        ui_trace_get(tr, i, &t, &f);
        double ta = t - p->off;
        if (past_end(ax, ta)) {
            p->past = true;
            break;
        }
        if (!isnan(p->prev_t) && ta - p->prev_t > UI_PLOT_GAP_S) {
            pen_column(p, pts, &np);
            pen_end(dc, p, pts, &np);
            p->c.count = 0;
            p->c.col = INT32_MIN;
        }
        p->prev_t = ta;
        p->last_t = t;
        p->last_f = f;
        SDL_FPoint pt = {map_x(ax, ta), map_y(ax, f)};
        int col = (int)pt.x;
        if (col != p->c.col) {
            pen_column(p, pts, &np);
            if ((size_t)np + 8 > dc->ui->pts_cap)
                pen_lines(dc, p, pts, &np);
            p->c.col = col;
            p->c.count = 0;
        }
        struct ui_plot_column *c = &p->c;
        if (c->count == 0) {
            c->first = c->lo = c->hi = pt;
            c->lo_i = c->hi_i = 0;
        } else {
            if (pt.y > c->lo.y) {
                c->lo = pt;
                c->lo_i = c->count;
            }
            if (pt.y < c->hi.y) {
                c->hi = pt;
                c->hi_i = c->count;
            }
        }
        c->last = pt;
        c->count++;
    }
    pen_lines(dc, p, pts, &np);
    p->next = i;
    p->first = tr->first;
    p->n = tr->n;
}

/* Draws the open column (and a line of one vertex as its dot) without taking it: over the drawn layer
 * each frame, or to end a trace drawn whole. Returns the pixels it can touch. */
static SDL_Rect pen_tail(struct ui_dc *dc, struct ui_pen *p, const struct axes *ax)
{
    if (!pts_room(dc->ui, ax))
        return (SDL_Rect){0, 0, 0, 0};
    struct ui_pen q = *p;
    q.damage = (SDL_Rect){0, 0, 0, 0};
    SDL_FPoint *pts = dc->ui->pts;
    int np = 0;
    if (q.n_line > 0)
        pts[np++] = q.last_v;
    pen_column(&q, pts, &np);
    pen_end(dc, &q, pts, &np);
    return q.damage;
}

/* Is p still a prefix of the drawing of its trace from scratch: the trace only grew at its end (the
 * last point taken is where it was, the first one too)? Then p is moved to the ring's new indices. */
static bool pen_still(struct ui_pen *p, const struct ui_trace *tr, const struct axes *ax)
{
    if (!tr || p->tr != tr || tr->cap == 0)
        return false;
    size_t cap = tr->cap, dropped = (tr->first + cap - p->first) % cap;
    if (tr->n + dropped < p->n || tr->n + dropped - p->n >= cap || p->next < dropped || p->start < dropped)
        return false;
    if (p->n == 0)
        return tr->n == 0 || (trace_lower(tr, ax, ax->t0 + p->off) <= 1);
    double t, f;
    size_t start = trace_lower(tr, ax, ax->t0 + p->off);
    start = start > 0 ? start - 1 : 0;
    if (start != p->start - dropped)
        return false;
    ui_trace_get(tr, start, &t, &f);
    if (t != p->start_t || f != p->start_f)
        return false;
    if (p->next > dropped) {
        ui_trace_get(tr, p->next - 1 - dropped, &t, &f);
        if (t != p->last_t || f != p->last_f)
            return false;
    }
    p->start -= dropped;
    p->next -= dropped;
    p->first = tr->first;
    return true;
}

/* Draws tr's points whole as (t - off, f): the earlier reps and the rolling view's curves. */
static void draw_trace(struct ui_dc *dc, const struct ui_trace *tr, double off, const struct axes *ax,
                       uint32_t rgb, int thick)
{
    struct ui_pen p;
    pen_begin(&p, tr, off, ax, rgb, thick);
    pen_feed(dc, &p, ax);
    pen_tail(dc, &p, ax);
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
    for (size_t i = trace_lower(tr, NULL, t0 + off); i < tr->n; i++) {
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
    uint32_t bg = UI_RGB_PLOT, out = 0;
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

/* ---- the panel ------------------------------------------------------------------------------- */

/* Everything the panel's layout and axes are, from the model and the panel's size (w x h at u). */
struct geom {
    bool rep_view;
    double off, window, t0, t1, step;
    struct axes ax;
    int pad, small, title_px, title_h, small_h;
    int lt, ct;      /* reference lines' and curves' thickness */
    uint32_t rgb;    /* the active curve's colour */
    int thr_y, best_y;
    const char *time_title;
    int time_w;      /* its width */
    /* The rolling view: the clock (t_now), the right edge's column, and whether the view may be
     * brought up to date by its new columns (false: a window too narrow or a clock too far for whole
     * columns, drawn whole at every frame). */
    double now;
    int64_t k;
    bool scroll;
    int cpad; /* columns drawn beside those wanted: a line's longest segment and more (roll_columns) */
};

/* The rolling axis of g's plot (its width known) with now at its right edge, in whole columns. */
static void roll_axes(struct geom *g, double now)
{
    struct axes *ax = &g->ax;
    ax->roll = true;
    ax->dt = g->window / (ax->plot.w > 1 ? ax->plot.w - 1 : 1);
    double n = floor(now / (ax->dt * UI_PLOT_EPOCH));
    /* A line's longest segment (a gap breaks it) within half the plot: columns far off are clamped
     * (map_x), which moves pixels a scroll would not. */
    g->scroll = g->window >= 4 * UI_PLOT_GAP_S && fabs(n) < 0x1p36;
    ax->te = g->scroll ? n * (ax->dt * UI_PLOT_EPOCH) : now;
    ax->e = g->scroll ? (int64_t)n * (int64_t)UI_PLOT_EPOCH : 0;
    g->now = now;
    g->k = col_of(ax, now);
    ax->base = ax->from = g->k - (ax->plot.w - 1);
    ax->cut = g->k;
    ax->t1 = ax->te + (double)(g->k - ax->e) * ax->dt;
    ax->t0 = ax->t1 - g->window;
    double seg = ceil(UI_PLOT_GAP_S / ax->dt);
    g->cpad = UI_PLOT_MARGIN + 3 + (seg < ax->plot.w ? (int)seg : ax->plot.w);
}

/* Computes g for a w x h panel; false when the plot has no room (only the panel and its title fit). */
static bool plot_geom(struct ui_dc *dc, const struct ui_model *m, int w, int h, struct geom *g)
{
    const struct ui_live *lv = &m->live;
    float u = dc->u;
    char buf[64];
    memset(g, 0, sizeof *g);
    g->pad = (int)(12 * u);
    g->small = ui_text_px(12.5f * u);
    g->title_px = ui_text_px(14 * u);

    /* The rep view: the rep's onset at 0, from 1 s before it to past the hold window (or its end);
     * the rolling view: t_now at the right edge (without it, the newest point of the active curve). */
    g->rep_view = lv->rep && lv->rep->cap > 0 && !dc->ui->rolling; /* empty: no rep yet, a clean graph */
    double t0, t1;
    if (g->rep_view) {
        double newest = trace_newest(lv->rep);
        g->off = isfinite(lv->rep_onset_s) && fabs(lv->rep_onset_s) < 1e12 ? lv->rep_onset_s
                 : isfinite(newest)                                         ? newest
                                                                            : 0.0;
        double hold = isfinite(lv->hold_s) && lv->hold_s > 0 && lv->hold_s < 600 ? lv->hold_s : 0.0;
        t0 = -1.0;
        t1 = fmax(4.0, hold + 1.5);
        /* A rep longer than that: the axis grows in steps of 2 s (each step redraws the whole panel). */
        if (newest - g->off + 0.5 > t1 && newest - g->off < 600)
            t1 = ceil((newest - g->off + 0.5) / 2.0) * 2.0;
        g->window = t1 - t0;
    } else {
        g->window = lv->window_s > 0 && lv->window_s < 3600.0 ? lv->window_s : 10.0;
        t1 = lv->t_now_s;
        if (!isfinite(t1) || fabs(t1) > 1e12) { /* (beyond 30,000 years the window would vanish in rounding) */
            const struct ui_trace *tr = ui_live_curves(lv) > 0 ? lv->curves[ui_live_active(lv)].trace : NULL;
            t1 = trace_newest(tr);
            if (!isfinite(t1))
                t1 = 0.0;
        }
        t0 = t1 - g->window;
    }

    /* Force axis: 0 at the bottom unless the data goes clearly below; room above the highest line. */
    double lo = 0.0, hi = 0.0;
    data_range(m, g->rep_view, g->off, t0, t1, &lo, &hi);
    const double lines[] = {lv->block_best_n, lv->threshold_n, lv->target_n, lv->last_peak_n,
                            g->rep_view ? lv->band_hi_n : NAN};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (isfinite(lines[i]) && lines[i] > hi)
            hi = lines[i];
    /* Beyond any dynamometer's range (a broken device or model): keep the axis finite. */
    hi = fmin(hi, UI_PLOT_MAX_N);
    lo = fmax(lo, -UI_PLOT_MAX_N);
    double y1 =
        isfinite(lv->y_max_n) && lv->y_max_n > 0 ? fmin(lv->y_max_n, UI_PLOT_MAX_N) : fmax(hi * 1.12, 50.0);
    g->step = ui_nice_step(y1 - fmin(lo, 0.0), 6);
    y1 = ceil(y1 / g->step - 1e-9) * g->step;
    double y0 = lo < -0.04 * y1 ? floor(lo / g->step) * g->step : 0.0;

    /* Lay out: title row, y labels column, x labels row. */
    g->title_h = ui_text_height(dc, g->title_px, true);
    int lab_w = 0;
    for (int k = 0; k < UI_PLOT_MAX_TICKS && y0 + k * g->step <= y1 + g->step * 0.5; k++) {
        int tw = ui_text_width(dc, fmt_tick(buf, sizeof buf, y0 + k * g->step, g->step), g->small, false,
                               UI_TX_GLYPHS);
        if (tw > lab_w)
            lab_w = tw;
    }
    g->small_h = ui_text_height(dc, g->small, false);
    g->ax = (struct axes){
        .plot = {g->pad + lab_w + (int)(8 * u), g->pad + g->title_h + (int)(10 * u), 0, 0},
        .t0 = t0,
        .t1 = t1,
        .y0 = y0,
        .y1 = y1,
    };
    g->ax.plot.w = w - g->pad - g->ax.plot.x;
    g->ax.plot.h = h - g->pad - g->small_h - (int)(6 * u) - g->ax.plot.y;
    g->lt = u < 1.25f ? 2 : 3;
    g->ct = u < 1.25f ? 2 : 3;
    int nc = ui_live_curves(lv);
    g->rgb = ui_colour_rgb(UI_COL_CURVE0 + (nc > 0 ? ui_live_active(lv) : 0));
    g->thr_y = isfinite(lv->threshold_n) ? (int)map_y(&g->ax, lv->threshold_n) : -1;
    g->best_y = isfinite(lv->block_best_n) ? (int)map_y(&g->ax, lv->block_best_n) : -1;
    g->time_title = g->rep_view ? "Time from onset (s)" : "Time (s)";
    g->time_w = ui_text_width(dc, g->time_title, g->small, false, 0);
    if (!g->rep_view)
        roll_axes(g, t1);
    return g->ax.plot.w >= 20 && g->ax.plot.h >= 20;
}

/* The panel, with the plot's background when room (the still layer's first part; all of it when the plot
 * has no room), and its title. */
static int draw_frame(struct ui_dc *dc, const struct geom *g, int w, int h, bool room)
{
    float u = dc->u;
    /* The view's background under the round corners, the panel, the plot's background. */
    SDL_Rect hole = room ? g->ax.plot : (SDL_Rect){0, 0, 0, 0};
    ui_draw_round_hole(dc, 0, 0, w, h, (int)(8 * u), UI_RGB_PANEL, hole, UI_RGB_PLOT, ui_colour_rgb(UI_COL_BG));
    int tw = ui_text_draw(dc, "Force (N)", g->pad, g->pad, g->title_px, true, UI_RGB_TEXT, 0);
    ui_text_draw(dc, g->rep_view ? "this rep from its onset \xc2\xb7 T: rolling 10 s" : "rolling \xc2\xb7 T: the rep view",
                 g->pad + tw + (int)(10 * u), g->pad + g->title_h / 2, g->small, false, UI_RGB_MUTED, UI_TX_MIDDLE);
    return tw;
}

/* The force axis's gridlines across the plot (under everything in it). */
static void grid_lines(struct ui_dc *dc, const struct geom *g, const struct axes *ax)
{
    for (int k = 0; k < UI_PLOT_MAX_TICKS && ax->y0 + k * g->step <= ax->y1 + g->step * 0.5; k++) {
        double v = ax->y0 + k * g->step;
        ui_draw_hline(dc, ax->plot.x, ax->plot.x + ax->plot.w - 1, (int)map_y(ax, v), 1,
                      fabs(v) < 1e-9 ? UI_RGB_AXIS : UI_RGB_GRID);
    }
}

/* The onset threshold and block-best lines across the plot (clipped by the caller); ax may be g's
 * plot moved (the rolling view's columns are drawn apart: roll_columns). */
static void ref_lines(struct ui_dc *dc, const struct geom *g, const struct axes *ax)
{
    int dy = ax->plot.y - g->ax.plot.y, x1 = ax->plot.x + ax->plot.w - 1;
    if (g->thr_y >= 0)
        ui_draw_hline(dc, ax->plot.x, x1, g->thr_y + dy, g->lt, ui_colour_rgb(UI_COL_THRESHOLD));
    if (g->best_y >= 0)
        ui_draw_hline(dc, ax->plot.x, x1, g->best_y + dy, g->lt, ui_colour_rgb(UI_COL_BEST));
}

/* The time axis's ticks: each one's gridline (lines) and its label under the plot (labels), those the
 * axis title leaves room for. On a rolling axis only the ticks in columns c0..c1. A tick is its index
 * times the step, never a sum, so a tick falls in the same column at every frame. */
static void time_ticks(struct ui_dc *dc, const struct geom *g, const struct axes *ax, bool lines, bool labels,
                       int64_t c0, int64_t c1)
{
    float u = dc->u;
    char buf[64];
    double tstep = ui_nice_step(g->window, 6), t0 = ax->t0, t1 = ax->t1;
    if (ax->roll) {
        t0 = ax->te + (double)(c0 - 1 - ax->e) * ax->dt;
        t1 = ax->te + (double)(c1 + 1 - ax->e) * ax->dt;
    }
    int lab_y = ax->plot.y + ax->plot.h + (int)(5 * u), limit = ax->plot.x + ax->plot.w - g->time_w - (int)(10 * u);
    double first = ceil(t0 / tstep - 1e-9);
    for (int k = 0; k < UI_PLOT_MAX_TICKS && (first + k) * tstep <= t1 + 1e-9; k++) {
        double t = (first + k) * tstep;
        if (ax->roll && (col_of(ax, t) < c0 || col_of(ax, t) > c1))
            continue;
        int x = (int)map_x(ax, t);
        if (lines)
            ui_draw_vline(dc, x, ax->plot.y, ax->plot.y + ax->plot.h - 1, 1, UI_RGB_GRID);
        int tw = labels ? ui_text_width(dc, fmt_tick(buf, sizeof buf, t, tstep), g->small, false, UI_TX_GLYPHS) : 0;
        if (labels && x - tw / 2 >= g->pad / 2 && x + tw / 2 < limit)
            ui_text_draw(dc, buf, x, lab_y, g->small, false, UI_RGB_MUTED, UI_TX_CENTER | UI_TX_GLYPHS);
    }
}

/* The still layer: everything but the moving curves, in the panel's coordinates (w x h). The rolling
 * view's plot and time labels move with the clock: its still layer holds neither (ui_plot_draw). */
static void draw_still(struct ui_dc *dc, const struct ui_model *m, const struct geom *g, int w, int h)
{
    const struct ui_live *lv = &m->live;
    const struct axes *ax = &g->ax;
    float u = dc->u;
    char buf[64];
    draw_frame(dc, g, w, h, true);

    /* Legend for several channels, right-aligned in the title row. */
    if (ui_live_curves(lv) >= 2) {
        int x = w - g->pad;
        for (int c = ui_live_curves(lv) - 1; c >= 0; c--) {
            const char *label = lv->curves[c].label[0] ? lv->curves[c].label : "Channel";
            int lw = ui_text_width(dc, label, g->small, false, 0);
            x -= lw;
            ui_text_draw(dc, label, x, g->pad + g->title_h / 2, g->small, false, UI_RGB_TEXT, UI_TX_MIDDLE);
            x -= (int)(20 * u);
            ui_draw_fill(dc, x, g->pad + g->title_h / 2 - (int)(2 * u), (int)(14 * u), (int)(4 * u) + 1,
                         ui_colour_rgb(UI_COL_CURVE0 + c));
            x -= (int)(16 * u);
        }
    }

    /* Tick labels beside the plot, the time axis's title at the right end of the row under it. */
    for (int k = 0; k < UI_PLOT_MAX_TICKS && ax->y0 + k * g->step <= ax->y1 + g->step * 0.5; k++) {
        double v = ax->y0 + k * g->step;
        ui_text_draw(dc, fmt_tick(buf, sizeof buf, v, g->step), ax->plot.x - (int)(8 * u), (int)map_y(ax, v),
                     g->small, false, UI_RGB_MUTED, UI_TX_RIGHT | UI_TX_MIDDLE | UI_TX_GLYPHS);
    }
    ui_text_draw(dc, g->time_title, ax->plot.x + ax->plot.w,
                 ax->plot.y + ax->plot.h + (int)(5 * u), g->small, false, UI_RGB_MUTED, UI_TX_RIGHT);
    if (!g->rep_view)
        return;

    /* Gridlines (over the plot's background: draw_frame), the axis, then clipped to the plot the
     * reference lines, the target band and the hold window under everything, the earlier reps faint. */
    grid_lines(dc, g, ax);
    time_ticks(dc, g, ax, true, true, 0, 0);
    ui_draw_vline(dc, ax->plot.x, ax->plot.y, ax->plot.y + ax->plot.h - 1, 1, UI_RGB_AXIS);
    SDL_RenderSetClipRect(dc->ren, &ax->plot);
    ref_lines(dc, g, ax);
    if (isfinite(lv->band_lo_n) && isfinite(lv->band_hi_n) && lv->band_hi_n > lv->band_lo_n) {
        int ya = (int)map_y(ax, lv->band_hi_n), yb = (int)map_y(ax, lv->band_lo_n);
        ui_draw_fill_alpha(dc, ax->plot.x, ya, ax->plot.w, yb - ya + 1, ui_colour_rgb(UI_COL_TARGET), 48);
    }
    if (isfinite(lv->hold_s) && lv->hold_s > 0 && lv->hold_s < 600) {
        int xa = (int)map_x(ax, 0.0), xb = (int)map_x(ax, lv->hold_s);
        ui_draw_fill_alpha(dc, xa, ax->plot.y, xb - xa + 1, ax->plot.h, 0xffffff, 16);
        ui_draw_vline(dc, xa, ax->plot.y, ax->plot.y + ax->plot.h - 1, 1, UI_RGB_AXIS);
        ui_draw_vline(dc, xb, ax->plot.y, ax->plot.y + ax->plot.h - 1, 1, UI_RGB_AXIS);
    }
    for (int i = 0; i < lv->n_earlier && i < UI_MAX_REPS; i++)
        draw_trace(dc, lv->earlier[i], 0.0, ax, faint(g->rgb), g->ct);
    SDL_RenderSetClipRect(dc->ren, NULL);
}

/* The lines' labels over the curves (panel coordinates): each label's box into r[0..1] (w 0: none);
 * drawn only when draw (else only placed). */
static void line_labels(struct ui_dc *dc, const struct ui_live *lv, const struct geom *g, bool draw, SDL_Rect r[2])
{
    float u = dc->u;
    char buf[64];
    const struct axes *ax = &g->ax;
    int lh = ui_text_height(dc, g->small, true);
    r[0] = r[1] = (SDL_Rect){0, 0, 0, 0};
    if (g->best_y >= 0) {
        snprintf(buf, sizeof buf, "Best %.1f N", lv->block_best_n);
        int y = g->best_y - g->lt - 1;
        if (y - lh < ax->plot.y)
            y = g->best_y + g->lt + lh;
        int x = ax->plot.x + ax->plot.w - (int)(6 * u), w = ui_text_width(dc, buf, g->small, true, 0);
        r[0] = (SDL_Rect){x - w - 3, y - lh, w + 6, lh};
        if (draw)
            plot_label(dc, buf, x, y, g->small, ui_colour_rgb(UI_COL_BEST), UI_TX_RIGHT | UI_TX_BOTTOM);
    }
    if (g->thr_y >= 0) {
        snprintf(buf, sizeof buf, "Onset threshold %.0f N", lv->threshold_n);
        int y = g->thr_y - g->lt - 1;
        if (y - lh < ax->plot.y || (g->best_y >= 0 && abs(y - g->best_y) < lh + 4 && y < g->best_y + lh))
            y = g->thr_y + g->lt + lh + 1;
        if (y > ax->plot.y + ax->plot.h)
            y = g->thr_y - g->lt - 1;
        int x = ax->plot.x + (int)(8 * u), w = ui_text_width(dc, buf, g->small, true, 0);
        r[1] = (SDL_Rect){x - 3, y - lh, w + 6, lh};
        if (draw)
            plot_label(dc, buf, x, y, g->small, ui_colour_rgb(UI_COL_THRESHOLD), UI_TX_BOTTOM);
    }
}

/* The newest point of the curve in front (the rep, or the active channel), as the dot's box; w 0 when
 * it is off the axis. */
static SDL_Rect dot_box(struct ui_dc *dc, const struct ui_live *lv, const struct geom *g, int *cx, int *cy)
{
    const struct ui_trace *tr = g->rep_view ? lv->rep : ui_live_curves(lv) > 0 ? lv->curves[ui_live_active(lv)].trace : NULL;
    if (!tr || tr->n == 0 || tr->cap == 0)
        return (SDL_Rect){0, 0, 0, 0};
    double t, f;
    ui_trace_get(tr, tr->n - 1, &t, &f);
    t -= g->off;
    if ((g->ax.roll ? col_of(&g->ax, t) < g->ax.base : t < g->ax.t0) || past_end(&g->ax, t))
        return (SDL_Rect){0, 0, 0, 0};
    *cx = (int)map_x(&g->ax, t);
    *cy = (int)map_y(&g->ax, f);
    int r = (int)(5 * dc->u);
    return (SDL_Rect){*cx - r, *cy - r, 2 * r + 1, 2 * r + 1};
}

/* What still was (to be) drawn from. */
static void plot_key(struct ui_dc *dc, const struct ui_model *m, const struct geom *g, int w, int h,
                     struct ui_plot_key *k)
{
    const struct ui_live *lv = &m->live;
    memset(k, 0, sizeof *k); /* the padding too: compared with memcmp */
    k->w = w;
    k->h = h;
    k->u = dc->u;
    k->rep_view = g->rep_view;
    k->t0 = g->rep_view ? g->ax.t0 : 0.0; /* (the rolling view's clock moves its ring only) */
    k->t1 = g->rep_view ? g->ax.t1 : 0.0;
    k->y0 = g->ax.y0;
    k->y1 = g->ax.y1;
    k->threshold_n = lv->threshold_n;
    k->best_n = lv->block_best_n;
    k->band_lo_n = lv->band_lo_n;
    k->band_hi_n = lv->band_hi_n;
    k->hold_s = lv->hold_s;
    k->n_curves = ui_live_curves(lv);
    k->active = ui_live_active(lv);
    for (int c = 0; c < k->n_curves; c++) {
        memcpy(k->labels[c], lv->curves[c].label, sizeof k->labels[c]);
        k->curves[c] = g->rep_view ? NULL : lv->curves[c].trace;
    }
    for (int i = 0; g->rep_view && i < lv->n_earlier && i < UI_MAX_REPS; i++)
        k->earlier[i] = ui_trace_sig_of(lv->earlier[i]);
}

static SDL_Texture *layer(SDL_Renderer *ren, Uint32 format, SDL_Texture *t, int w, int h)
{
    if (t)
        SDL_DestroyTexture(t);
    t = SDL_CreateTexture(ren, format, SDL_TEXTUREACCESS_TARGET, w, h);
    if (t)
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_NONE);
    return t;
}

void ui_plot_free(struct ui_viewport *vp)
{
    struct ui_plot_cache *pc = &vp->layers;
    if (pc->still)
        SDL_DestroyTexture(pc->still);
    if (pc->drawn)
        SDL_DestroyTexture(pc->drawn);
    if (pc->cols)
        SDL_DestroyTexture(pc->cols);
    memset(pc, 0, sizeof *pc);
}

/* How the layers were brought up to date. */
enum update { DRAWN_ANEW, DRAWN_MORE, SLIDE };

/* The pixels tr's points from p's start up to the axis's end can touch on ax, drawn thick, without
 * drawing them: where a curve drawn straight into the view goes. */
static SDL_Rect curve_box(const struct ui_pen *p, const struct axes *ax)
{
    const struct ui_trace *tr = p->tr;
    SDL_Rect r = {0, 0, 0, 0};
    if (!tr || tr->n == 0 || tr->cap == 0)
        return r;
    float x0 = 0, x1 = 0, y0 = 0, y1 = 0;
    bool any = false;
    for (size_t i = p->start; i < tr->n; i++) {
        double t, f;
        ui_trace_get(tr, i, &t, &f);
        if (t - p->off > ax->t1 + 1e-9)
            break;
        float x = map_x(ax, t - p->off), y = map_y(ax, f);
        x0 = any ? fminf(x0, x) : x;
        x1 = any ? fmaxf(x1, x) : x;
        y0 = any ? fminf(y0, y) : y;
        y1 = any ? fmaxf(y1, y) : y;
        any = true;
    }
    if (any) {
        SDL_FPoint box[2] = {{x0, y0}, {x1, y1}};
        r = line_box(box, 2, p->thick + 1);
    }
    return r;
}

/* Brings the layers up to date with m: DRAWN_MORE when drawn changed only by the pen's new columns
 * (pc->pen.damage says where), DRAWN_ANEW when it was drawn anew, SLIDE when only the rep moved as a
 * whole (its onset not known yet: the newest point is at 0, the curve slides with every sample) and the
 * view held the last frame: drawn is left as it was and ui_plot_draw draws the rep straight into the
 * view over still, where it was and where it goes - copying the whole panel twice a frame for a curve
 * a fifth of its width cost more than the rest of the frame. */
/* Redraws the still layer when what it shows changed (the drawn layer is then to be drawn anew, the
 * rolling view's ring too); returns whether it was kept. Leaves dc drawing into the layers. */
static bool still_update(struct ui_dc *dc, const struct ui_model *m, const struct geom *g, int w, int h)
{
    struct ui_plot_cache *pc = &dc->vp->layers;
    struct ui_plot_key key;
    plot_key(dc, m, g, w, h, &key);
    dc->layer = 1;
    if (pc->still_ok && memcmp(&key, &pc->key, sizeof key) == 0)
        return true;
    SDL_SetRenderTarget(dc->ren, pc->still);
    draw_still(dc, m, g, w, h);
    pc->key = key;
    pc->still_ok = true;
    pc->drawn_ok = pc->roll_ok = false;
    return false;
}

static enum update layers_update(struct ui_dc *dc, const struct ui_model *m, const struct geom *g, int w, int h,
                                 bool whole)
{
    struct ui_plot_cache *pc = &dc->vp->layers;
    const struct ui_live *lv = &m->live;
    bool still_kept = still_update(dc, m, g, w, h);
    pc->roll_ok = false; /* (drawn holds the rep view) */
    bool more = pc->drawn_ok && g->rep_view && pc->drawn_off == g->off && pc->pen.rgb == g->rgb &&
                pen_still(&pc->pen, lv->rep, &g->ax);
    if (!more && !whole && still_kept && g->rep_view && pc->curve_ok && !isfinite(lv->rep_onset_s)) {
        pc->drawn_ok = false;
        SDL_SetRenderTarget(dc->ren, dc->vp->target);
        dc->layer = 0;
        return SLIDE;
    }
    SDL_SetRenderTarget(dc->ren, pc->drawn);
    pc->pen.damage = (SDL_Rect){0, 0, 0, 0};
    if (!more) {
        SDL_RenderCopy(dc->ren, pc->still, NULL, NULL);
        pen_begin(&pc->pen, lv->rep, g->off, &g->ax, g->rgb, g->ct + 1);
        pc->drawn_off = g->off;
    }
    SDL_RenderSetClipRect(dc->ren, &g->ax.plot);
    pen_feed(dc, &pc->pen, &g->ax);
    SDL_RenderSetClipRect(dc->ren, NULL);
    pc->drawn_ok = true;
    SDL_SetRenderTarget(dc->ren, dc->vp->target);
    dc->layer = 0;
    /* What of drawn differs from still, as far as the view shows it. */
    if (!more)
        pc->curve = pc->pen.damage;
    else
        rect_add(&pc->curve, pc->pen.damage);
    return more ? DRAWN_MORE : DRAWN_ANEW;
}

/* SLIDE: the rep straight into the view (viewport at the panel) over still, in the rectangle the
 * last frame's curve and this one's cover; returns that rectangle (panel coordinates). */
static SDL_Rect slide(struct ui_dc *dc, const struct ui_model *m, const struct geom *g, SDL_Rect dot, int cx, int cy)
{
    struct ui_plot_cache *pc = &dc->vp->layers;
    struct ui_pen pen;
    pen_begin(&pen, m->live.rep, g->off, &g->ax, g->rgb, g->ct + 1);
    SDL_Rect now = curve_box(&pen, &g->ax), dirty = pc->curve;
    rect_add(&now, dot);
    rect_add(&dirty, pc->over);
    rect_add(&dirty, now);
    if (!SDL_IntersectRect(&dirty, &g->ax.plot, &dirty))
        dirty = (SDL_Rect){0, 0, 0, 0};
    if (dirty.w > 0)
        SDL_RenderCopy(dc->ren, pc->still, &dirty, &dirty);
    SDL_RenderSetClipRect(dc->ren, &g->ax.plot);
    pen_feed(dc, &pen, &g->ax);
    pen_tail(dc, &pen, &g->ax);
    if (dot.w > 0)
        ui_draw_disc(dc, cx, cy, (int)(5 * dc->u), g->rgb);
    SDL_RenderSetClipRect(dc->ren, NULL);
    pc->curve = now; /* the view now differs from still there, and drawn no longer holds it */
    pc->over = (SDL_Rect){0, 0, 0, 0};
    return dirty;
}

/* ---- the rolling view: a ring of columns ------------------------------------------------------ */

/*
 * The rolling view's plot is kept in the drawn layer as a ring of its columns: absolute column c (struct
 * axes) at plot.x + c modulo the plot's width. A frame draws into it only the columns that are new or
 * not final yet, and the view gets the ring in two pieces that put column k at the right edge: a 10 s
 * window moves one or two columns a frame at 60 frames a second, where drawing the plot whole took
 * 4-5 ms a frame (4 channels at 1 kHz, 1600 x 900, software renderer). A frame from scratch is the same
 * ring drawn whole, so the two are the same pixels when each column is as a whole frame would draw it:
 * - a column's pixels are its background, the gridlines and reference lines across it and the curves'
 *   pieces that reach into it, drawn in the order of a whole frame from the points within
 *   UI_PLOT_MARGIN columns of it on either side (a pen reaches at most 2 columns beside a vertex), the
 *   curves unclipped (roll_columns says why);
 * - a column is final once no point still to come can land within the margin: points come in time
 *   order, so that is once the newest point (or the clock less UI_PLOT_GAP_S, after which a late point
 *   starts a new line) has moved the margin past it; the next frame checks that the points that came
 *   did not land there after all (then it draws the ring whole);
 * - a trace that drops its oldest points changes its first columns (a whole frame starts its line
 *   there): they are drawn again, from where its line began to where it begins now;
 * - the y axis's line is drawn over the curves at the plot's left edge, so the ring never holds it.
 */

/* The curves, the active one last and thicker, from column ax->from to ax->cut. */
static void roll_curves(struct ui_dc *dc, const struct ui_live *lv, const struct geom *g, const struct axes *ax)
{
    int nc = ui_live_curves(lv), active = ui_live_active(lv);
    for (int c = 0; c < nc; c++)
        if (c != active)
            draw_trace(dc, lv->curves[c].trace, 0.0, ax, ui_colour_rgb(UI_COL_CURVE0 + c), g->ct);
    if (nc > 0)
        draw_trace(dc, lv->curves[active].trace, 0.0, ax, g->rgb, g->ct + 1);
}

/* Draws columns c0..c1 (absolute, at most the plot's width) into the ring (the drawn layer). They are
 * drawn on a layer of their own (cols: the plot's height, g->cpad columns wider on each side, more than
 * a line's longest segment reaches) in the order of a whole frame, the backgrounds and lines clipped to
 * them and the curves not clipped at all, then copied to their places in the ring. SDL's software
 * renderer cuts a line at the clip rectangle and draws the piece from where it was cut, which moves
 * pixels: the curves drawn clipped to the new columns differed from a whole frame at their left edge,
 * one pixel here and there. Leaves the ring the render target. */
static void roll_columns(struct ui_dc *dc, const struct ui_live *lv, const struct geom *g, int64_t c0, int64_t c1)
{
    struct ui_plot_cache *pc = &dc->vp->layers;
    int64_t w = g->ax.plot.w;
    int n = (int)(c1 - c0 + 1);
    struct axes ax = g->ax;
    ax.plot = (SDL_Rect){0, 0, (int)w + 2 * g->cpad, g->ax.plot.h};
    ax.base = c0 - g->cpad;
    ax.from = c0 - UI_PLOT_MARGIN;
    ax.cut = c1 + UI_PLOT_MARGIN < g->k ? c1 + UI_PLOT_MARGIN : g->k;
    SDL_SetRenderTarget(dc->ren, pc->cols);
    SDL_Rect clip = {g->cpad, 0, n, ax.plot.h};
    SDL_RenderSetClipRect(dc->ren, &clip);
    ui_draw_fill(dc, clip.x, clip.y, clip.w, clip.h, UI_RGB_PLOT);
    grid_lines(dc, g, &ax);
    time_ticks(dc, g, &ax, true, false, c0, c1);
    ref_lines(dc, g, &ax);
    SDL_RenderSetClipRect(dc->ren, NULL);
    roll_curves(dc, lv, g, &ax);
    SDL_SetRenderTarget(dc->ren, pc->drawn);
    const SDL_Rect *p = &g->ax.plot;
    int pos = (int)((c0 % w + w) % w), first = n < p->w - pos ? n : p->w - pos;
    SDL_RenderCopy(dc->ren, pc->cols, &(SDL_Rect){g->cpad, 0, first, p->h}, &(SDL_Rect){p->x + pos, p->y, first, p->h});
    if (first < n)
        SDL_RenderCopy(dc->ren, pc->cols, &(SDL_Rect){g->cpad + first, 0, n - first, p->h},
                       &(SDL_Rect){p->x, p->y, n - first, p->h});
}

/* The first column the points tr took since it was s can change (INT64_MAX: none came); INT64_MIN
 * when tr did not only grow at its end (cleared, replaced, or more came than it holds). */
static int64_t roll_changed(const struct ui_trace_sig *s, const struct ui_trace *tr, const struct axes *ax)
{
    struct ui_trace_sig now = ui_trace_sig_of(tr);
    if (now.tr != s->tr || now.n == 0)
        return now.tr == s->tr && s->n == 0 ? INT64_MAX : INT64_MIN;
    double t, f;
    if (s->n == 0) {
        ui_trace_get(tr, 0, &t, &f);
        return col_of(ax, t) - UI_PLOT_MARGIN;
    }
    size_t cap = tr->cap, dropped = (tr->first + cap - s->first) % cap;
    if (tr->n + dropped < s->n || tr->n + dropped - s->n >= cap || s->n - 1 < dropped)
        return INT64_MIN;
    ui_trace_get(tr, s->n - 1 - dropped, &t, &f);
    if (t != s->t || f != s->f)
        return INT64_MIN;
    if (tr->n + dropped == s->n)
        return INT64_MAX;
    ui_trace_get(tr, s->n - dropped, &t, &f); /* the first new point: a new line after a gap */
    return col_of(ax, t - s->t > UI_PLOT_GAP_S ? t : s->t) - UI_PLOT_MARGIN;
}

/* Brings the ring (the render target) up to date for g: the columns not final at the last frame and
 * the new ones, or all of them when it cannot be trusted (kept: the still layer and so the axes were). */
static void roll_update(struct ui_dc *dc, const struct ui_model *m, const struct geom *g, bool kept)
{
    struct ui_plot_cache *pc = &dc->vp->layers;
    const struct ui_live *lv = &m->live;
    const struct axes *ax = &g->ax;
    int nc = ui_live_curves(lv);
    int64_t k = g->k, a0 = ax->base, w = ax->plot.w;
    bool anew = !kept || !pc->roll_ok || !g->scroll || pc->roll_dt != ax->dt || pc->roll_te != ax->te ||
                pc->roll_e != ax->e || k < pc->roll_k || k - pc->roll_k >= w;
    /* Per curve, the columns to draw again where it lost its oldest points (zone; lo > hi: none), and
     * the last final column. */
    int64_t zone[UI_MAX_CURVES][2], settled = k - UI_PLOT_MARGIN;
    double soon = g->now - UI_PLOT_GAP_S; /* a point still to come is no older (else: draw whole) */
    for (int c = 0; c < nc; c++) {
        const struct ui_trace *tr = lv->curves[c].trace;
        if (!anew && roll_changed(&pc->roll_sig[c], tr, ax) <= pc->roll_settled)
            anew = true;
        pc->roll_sig[c] = ui_trace_sig_of(tr);
        double newest = trace_newest(tr), oldest = NAN, f;
        zone[c][0] = 0;
        zone[c][1] = -1;
        if (isfinite(newest)) {
            ui_trace_get(tr, 0, &oldest, &f);
            if (oldest != pc->roll_oldest[c]) { /* (where its line began, and where it begins now) */
                zone[c][0] = col_of(ax, isfinite(pc->roll_oldest[c]) ? pc->roll_oldest[c] : oldest) - UI_PLOT_MARGIN;
                zone[c][1] = col_of(ax, oldest) + UI_PLOT_MARGIN;
            }
        }
        pc->roll_oldest[c] = oldest;
        int64_t next = isfinite(newest) && !(soon - newest > UI_PLOT_GAP_S) ? col_of(ax, newest) : col_of(ax, soon);
        settled = next - UI_PLOT_MARGIN - 1 < settled ? next - UI_PLOT_MARGIN - 1 : settled;
    }
    int64_t from = anew || pc->roll_settled < a0 ? a0 : pc->roll_settled + 1;
    roll_columns(dc, lv, g, from, k);
    /* The zones left of from, each drawn once: channels streaming at the same rate into traces of the
     * same size drop their oldest points in the same columns. */
    for (int c = 0; c < nc; c++) {
        int64_t lo = zone[c][0] > a0 ? zone[c][0] : a0, hi = zone[c][1] < from - 1 ? zone[c][1] : from - 1;
        for (int d = c + 1; d < nc && lo <= hi; d++)
            if (zone[d][0] <= zone[d][1] && zone[d][0] <= hi + 1 && zone[d][1] >= lo - 1) { /* d takes c's */
                zone[d][0] = zone[d][0] < lo ? zone[d][0] : lo;
                zone[d][1] = zone[d][1] > hi ? zone[d][1] : hi;
                lo = hi + 1;
            }
        if (lo <= hi)
            roll_columns(dc, lv, g, lo, hi);
    }
    pc->roll_ok = g->scroll;
    pc->roll_dt = ax->dt;
    pc->roll_te = ax->te;
    pc->roll_e = ax->e;
    pc->roll_k = k;
    pc->roll_settled = settled;
}

/* The rolling view into the view (box: the panel's place, the viewport while it draws): the still layer
 * (whole, or under the time labels only when the view holds the last frame), the ring with column k at
 * the right edge, the time labels, the y axis's line, the dot and the lines' labels; damages what it
 * changed. */
static void roll_draw(struct ui_dc *dc, const struct ui_model *m, const struct geom *g, SDL_Rect box, bool whole)
{
    struct ui_plot_cache *pc = &dc->vp->layers;
    int w = box.w, h = box.h;
    bool kept = still_update(dc, m, g, w, h);
    int cw = g->ax.plot.w + 2 * g->cpad;
    if (!pc->cols || pc->cols_w != cw || pc->cols_h != g->ax.plot.h) {
        pc->cols = layer(dc->ren, dc->win->format, pc->cols, cw, g->ax.plot.h);
        pc->cols_w = cw;
        pc->cols_h = g->ax.plot.h;
    }
    if (pc->cols)
        roll_update(dc, m, g, kept);
    else
        pc->roll_ok = false; /* (out of memory: the ring is left as it was) */
    pc->drawn_ok = false; /* (drawn holds the ring, not the rep view) */
    SDL_SetRenderTarget(dc->ren, dc->vp->target); /* (which resets the viewport) */
    SDL_RenderSetViewport(dc->ren, &box);
    dc->layer = 0;
    const SDL_Rect *p = &g->ax.plot;
    whole = whole || !kept;
    SDL_Rect strip = {0, p->y + p->h, p->x + p->w - g->time_w, h - (p->y + p->h)}, all = {0, 0, w, h};
    SDL_RenderCopy(dc->ren, pc->still, whole ? NULL : &strip, whole ? NULL : &strip);
    int pos = (int)((g->ax.base % p->w + p->w) % p->w);
    SDL_RenderCopy(dc->ren, pc->drawn, &(SDL_Rect){p->x + pos, p->y, p->w - pos, p->h},
                   &(SDL_Rect){p->x, p->y, p->w - pos, p->h});
    if (pos > 0)
        SDL_RenderCopy(dc->ren, pc->drawn, &(SDL_Rect){p->x, p->y, pos, p->h},
                       &(SDL_Rect){p->x + p->w - pos, p->y, pos, p->h});
    /* The time labels take the panel's texts (dc->layer 1: the force axis's labels have their digits),
     * which go to the still layer only when it is redrawn: a text copied onto another target than
     * last time costs SDL's software renderer an allocation. */
    dc->layer = 1;
    time_ticks(dc, g, &g->ax, false, true, g->ax.base, g->k);
    dc->layer = 0;
    ui_draw_vline(dc, p->x, p->y, p->y + p->h - 1, 1, UI_RGB_AXIS);
    int cx = 0, cy = 0;
    SDL_Rect dot = dot_box(dc, &m->live, g, &cx, &cy), labels[2];
    if (dot.w > 0) {
        SDL_RenderSetClipRect(dc->ren, p);
        ui_draw_disc(dc, cx, cy, (int)(5 * dc->u), g->rgb);
        SDL_RenderSetClipRect(dc->ren, NULL);
    }
    line_labels(dc, &m->live, g, true, labels);
    pc->curve = *p;
    pc->over = (SDL_Rect){0, 0, 0, 0};
    pc->curve_ok = true;
    SDL_RenderSetViewport(dc->ren, NULL);
    /* (Apart, not their union: that would present the force axis's labels at every frame too.) */
    const SDL_Rect parts[4] = {whole ? all : *p, whole ? (SDL_Rect){0, 0, 0, 0} : strip, labels[0], labels[1]};
    for (int i = 0; i < 4; i++)
        if (parts[i].w > 0)
            ui_damage(dc, (SDL_Rect){box.x + parts[i].x, box.y + parts[i].y, parts[i].w, parts[i].h});
}

/* What the view's plot maps (ui_plot_map). */
static void plot_record(struct ui_viewport *vp, SDL_Rect box, const struct axes *ax)
{
    vp->have_plot = true;
    vp->plot = (SDL_Rect){box.x + ax->plot.x, box.y + ax->plot.y, ax->plot.w, ax->plot.h};
    vp->t0 = ax->t0;
    vp->t1 = ax->t1;
    vp->y0 = ax->y0;
    vp->y1 = ax->y1;
    vp->roll = ax->roll;
    vp->roll_te = ax->te;
    vp->roll_dt = ax->dt;
    vp->roll_e = ax->e;
    vp->roll_base = ax->base;
}

void ui_plot_draw(struct ui_dc *dc, const struct ui_model *m, SDL_Rect box, bool whole)
{
    struct ui_viewport *vp = dc->vp;
    struct ui_plot_cache *pc = &vp->layers;
    const struct ui_live *lv = &m->live;
    struct geom g;
    bool room = plot_geom(dc, m, box.w, box.h, &g);
    if (pc->w != box.w || pc->h != box.h || !pc->still || !pc->drawn) {
        ui_plot_free(vp);
        pc->still = layer(dc->ren, dc->win->format, NULL, box.w, box.h);
        pc->drawn = layer(dc->ren, dc->win->format, NULL, box.w, box.h);
        pc->w = box.w;
        pc->h = box.h;
    }
    if (!room || !pc->still || !pc->drawn) { /* the panel and its title alone, straight into the view */
        SDL_RenderSetViewport(dc->ren, &box);
        draw_frame(dc, &g, box.w, box.h, false);
        SDL_RenderSetViewport(dc->ren, NULL);
        ui_damage(dc, box);
        vp->have_plot = false;
        pc->still_ok = pc->drawn_ok = pc->curve_ok = pc->roll_ok = false;
        return;
    }
    if (!g.rep_view) {
        roll_draw(dc, m, &g, box, whole);
        plot_record(vp, box, &g.ax);
        return;
    }
    enum update up = layers_update(dc, m, &g, box.w, box.h, whole);
    bool more = up == DRAWN_MORE;

    /* What moves over the drawn layer: the rep's open column, then the dot, then the labels. */
    int cx = 0, cy = 0;
    SDL_Rect dot = dot_box(dc, lv, &g, &cx, &cy), labels[2];
    SDL_RenderSetViewport(dc->ren, &box);
    SDL_Rect dirty = {0, 0, box.w, box.h};
    if (up == SLIDE) {
        dirty = slide(dc, m, &g, dot, cx, cy);
        more = true; /* (labels and damage below as for a frame drawn in part) */
    } else if (whole || !more) {
        SDL_RenderCopy(dc->ren, pc->drawn, NULL, NULL);
    } else {
        /* The view holds the last frame: put back from drawn where the last frame drew over it and
         * where the new columns went, then draw what moves over that. */
        dirty = pc->pen.damage;
        rect_add(&dirty, pc->over);
        struct ui_pen tail = pc->pen; /* where the open column will go (measured without drawing) */
        SDL_FPoint v[5];
        int nv = 0;
        if (tail.n_line > 0)
            v[nv++] = tail.last_v;
        nv += column_flush(&tail.c, v + nv);
        if (nv > 0)
            rect_add(&dirty, line_box(v, nv, tail.thick));
        rect_add(&dirty, dot);
        if (!SDL_IntersectRect(&dirty, &g.ax.plot, &dirty))
            dirty = (SDL_Rect){0, 0, 0, 0};
        if (dirty.w > 0)
            SDL_RenderCopy(dc->ren, pc->drawn, &dirty, &dirty);
    }
    if (up != SLIDE) {
        SDL_RenderSetClipRect(dc->ren, &g.ax.plot);
        pc->over = g.rep_view ? pen_tail(dc, &pc->pen, &g.ax) : (SDL_Rect){0, 0, 0, 0};
        if (dot.w > 0) {
            ui_draw_disc(dc, cx, cy, (int)(5 * dc->u), g.rgb);
            rect_add(&pc->over, dot);
        }
        SDL_RenderSetClipRect(dc->ren, NULL);
    }
    pc->curve_ok = true;
    line_labels(dc, lv, &g, false, labels);
    bool relabel = whole || !more || (dirty.w > 0 && (SDL_HasIntersection(&dirty, &labels[0]) ||
                                                      SDL_HasIntersection(&dirty, &labels[1])));
    if (relabel)
        line_labels(dc, lv, &g, true, labels);
    SDL_RenderSetViewport(dc->ren, NULL);
    if (whole || !more) {
        ui_damage(dc, box);
    } else {
        for (int i = 0; i < 2 && relabel; i++)
            rect_add(&dirty, labels[i]);
        if (dirty.w > 0)
            ui_damage(dc, (SDL_Rect){box.x + dirty.x, box.y + dirty.y, dirty.w, dirty.h});
    }

    plot_record(vp, box, &g.ax);
}

bool ui_plot_map(const struct ui *ui, enum ui_view v, double t_s, double force_n, int *x, int *y)
{
    if (!ui || (int)v < 0 || v >= UI_VIEW_COUNT)
        return false;
    const struct ui_viewport *vp = &ui->views[v];
    if (!vp->shown || !vp->drawn || !vp->have_plot)
        return false;
    struct axes ax = {.plot = vp->plot,
                      .t0 = vp->t0,
                      .t1 = vp->t1,
                      .y0 = vp->y0,
                      .y1 = vp->y1,
                      .roll = vp->roll,
                      .te = vp->roll_te,
                      .dt = vp->roll_dt,
                      .e = vp->roll_e,
                      .base = vp->roll_base};
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
