/*
 * test_ui.c - the live screens, checked by looking at their pixels.
 *
 * Runs SDL's offscreen video driver (no X server) and the dummy audio driver. Each case builds a model
 * by hand, draws it and reads the views back: the curve's colour lies along the path of the points
 * it was given (and not where they are not), the threshold and best lines sit at their heights, the
 * big numbers are drawn, the disconnected banner appears only when a device is lost, the patient view
 * is identical with and without clinical flags, the drop counter's region changes with the count,
 * resizing reflows, both layouts draw, keys and clicks map to actions, and a steady frame allocates
 * nothing through SDL. Screenshots of both views go to check_tmpdir() and to /tmp/ui-therapist.bmp and
 * /tmp/ui-patient.bmp for a person to look at.
 */
#include <execinfo.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <SDL.h>
#include <zlib.h>

#include "check.h"
#include "common/clock.h"
#include "protocols/metrics.h"
#include "station/ui/ui.h"
#include "ui_fixture.h"

/* ---- counting SDL's allocations (installed before SDL allocates anything) ---------------------- */

static _Atomic long sdl_allocs;
static _Atomic bool trace_allocs; /* UI_TEST_TRACE_ALLOC=1: print where steady-frame allocations come from */

static void counted(void)
{
    sdl_allocs++;
    if (trace_allocs) {
        void *bt[16];
        int n = backtrace(bt, 16);
        backtrace_symbols_fd(bt, n, 2);
        fputs("--\n", stderr);
    }
}

static void *count_malloc(size_t n)
{
    counted();
    return malloc(n);
}
static void *count_calloc(size_t n, size_t s)
{
    counted();
    return calloc(n, s);
}
static void *count_realloc(void *p, size_t n)
{
    counted();
    return realloc(p, n);
}
static void count_free(void *p)
{
    free(p);
}

/* ---- a model like a real session's ------------------------------------------------------------- */

#define NPTS 10001 /* 10 s at 1 kHz */
static double tr_t[2][NPTS], tr_f[2][NPTS];
static struct ui_trace traces[2];

/* A trapezoid contraction: rise over rise_s from t_on to peak, hold, fall over 0.4 s at t_off. */
static double trapezoid(double t, double t_on, double rise_s, double t_off, double peak)
{
    if (t < t_on || t > t_off + 0.4)
        return 0.0;
    if (t < t_on + rise_s)
        return peak * (t - t_on) / rise_s;
    if (t <= t_off)
        return peak;
    return peak * (1.0 - (t - t_off) / 0.4);
}

/* Channel 0: a finished rep (peak 287 N, 0.5-4.0 s) and one under way (245 N from 7.0 s); 3 N at rest. */
static double force0(double t)
{
    return 3.0 + trapezoid(t, 0.5, 0.6, 4.0, 284.0) + trapezoid(t, 7.0, 1.0, 20.0, 242.0);
}

/* Channel 1 (bilateral): a lower plateau of 120 N from 2 s. */
static double force1(double t)
{
    return 2.0 + trapezoid(t, 2.0, 0.5, 20.0, 118.0);
}

static void fill_traces(void)
{
    for (int c = 0; c < 2; c++) {
        ui_trace_init(&traces[c], tr_t[c], tr_f[c], NPTS);
        for (int i = 0; i < NPTS; i++) {
            double t = i * 0.001;
            ui_trace_push(&traces[c], t, c == 0 ? force0(t) : force1(t));
        }
    }
}

static void full_model(struct ui_model *m)
{
    ui_model_init(m);
    struct ui_session *s = &m->session;
    snprintf(s->protocol, sizeof s->protocol, "Supine hip ADD/ABD, long lever 0\xc2\xb0");
    snprintf(s->position, sizeof s->position, "Supine, hips 0\xc2\xb0: pad 5 cm above the ankle");
    s->block = 2;
    s->n_blocks = 4;
    s->dir = ST_DIR_ADD;
    s->side = ST_SIDE_LEFT;
    s->rep = 3;
    s->n_reps = 3;
    snprintf(s->state, sizeof s->state, "Contraction");
    s->state_remaining_s = 2.4;
    s->cue = UI_CUE_HOLD;

    m->last = (struct ui_last_rep){.valid = true, .peak_n = 287.0, .saved = true};
    m->reps[0] = (struct ui_rep){
        .index = 0, .peak_n = 151.2, .status = UI_REP_ACCEPTED, .familiarisation = true, .saved = true};
    m->reps[1] = (struct ui_rep){.index = 1, .peak_n = 301.2, .status = UI_REP_ACCEPTED, .saved = true};
    m->reps[2] = (struct ui_rep){.index = 2, .peak_n = 287.0, .status = UI_REP_ACCEPTED, .saved = true};
    m->reps[3] = (struct ui_rep){.index = 3, .peak_n = NAN, .status = UI_REP_PENDING};
    m->n_reps = 4;

    m->have_balance = true;
    struct bal_result *b = &m->balance;
    for (int d = 0; d < ST_DIR_COUNT; d++) {
        for (int sd = 0; sd < ST_SIDE_COUNT; sd++)
            b->cell[d][sd] = (struct bal_cell){.n = 0, .best_n = NAN};
        b->asym_pct[d] = NAN;
        b->weaker[d] = ST_SIDE_BOTH;
    }
    b->cell[ST_DIR_ADD][ST_SIDE_LEFT] = (struct bal_cell){.n = 3, .best_n = 301.2};
    b->cell[ST_DIR_ADD][ST_SIDE_RIGHT] = (struct bal_cell){.n = 3, .best_n = 265.0};
    b->cell[ST_DIR_ABD][ST_SIDE_LEFT] = (struct bal_cell){.n = 3, .best_n = 310.5};
    b->cell[ST_DIR_ABD][ST_SIDE_RIGHT] = (struct bal_cell){.n = 3, .best_n = 298.0};
    b->ratio[ST_SIDE_LEFT] = 0.97;
    b->ratio_flag[ST_SIDE_LEFT] = BAL_NORMAL;
    b->ratio[ST_SIDE_RIGHT] = 0.89;
    b->ratio_flag[ST_SIDE_RIGHT] = BAL_AMBER;
    b->ratio[ST_SIDE_BOTH] = NAN;
    b->asym_pct[ST_DIR_ADD] = 12.0;
    b->weaker[ST_DIR_ADD] = ST_SIDE_RIGHT;
    b->asym_flag[ST_DIR_ADD] = BAL_AMBER;
    b->asym_pct[ST_DIR_ABD] = 4.0;
    b->weaker[ST_DIR_ABD] = ST_SIDE_RIGHT;
    b->asym_flag[ST_DIR_ABD] = BAL_NORMAL;

    struct ui_live *lv = &m->live;
    lv->force_n = force0(10.0);
    lv->block_best_n = 301.2;
    lv->last_peak_n = 287.0;
    lv->threshold_n = 25.0;
    lv->t_now_s = 10.0;
    lv->window_s = 10.0;
    lv->curves[0] = (struct ui_curve){.trace = &traces[0]};
    snprintf(lv->curves[0].label, sizeof lv->curves[0].label, "Left");
    lv->n_curves = 1;

    struct ui_device *d = &m->devices[0];
    snprintf(d->name, sizeof d->name, "Mark-10 M5-200");
    snprintf(d->port, sizeof d->port, "/dev/ttyUSB0");
    d->state = UI_DEV_CONNECTED;
    d->rate_hz = 1000.0;
    d->dropped = 0;
    snprintf(d->calib_warning, sizeof d->calib_warning, "Calibration checked 400 days ago");
    m->n_devices = 1;
}

/* ---- opening and drawing (the probes are in ui_fixture.h) --------------------------------------- */

static struct ui *open_ui_lazy(enum ui_layout layout, int w, int h, bool lazy)
{
    struct ui_opts o = ui_fix_opts(layout, w, h, 800, 600);
    o.lazy = lazy;
    return ui_fix_open(&o);
}

static struct ui *open_ui(enum ui_layout layout, int w, int h)
{
    return open_ui_lazy(layout, w, h, false);
}

static void frame(struct ui *ui, const struct ui_model *m)
{
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(ui_frame(ui, m, &err), &err);
}

/* The opening of most cases: the UI in layout at w x h (a failure ends the case), *m the full model
 * and one frame of it drawn. */
static struct ui *open_drawn(enum ui_layout layout, int w, int h, struct ui_model *m)
{
    struct ui *ui = open_ui(layout, w, h);
    REQUIRE(ui);
    full_model(m);
    frame(ui, m);
    return ui;
}

/* ---- pure parts ------------------------------------------------------------------------------ */

static void test_trace_ring(void)
{
    double t[4], f[4];
    struct ui_trace tr;
    ui_trace_init(&tr, t, f, 4);
    for (int i = 0; i < 6; i++)
        CHECK(ui_trace_push(&tr, i, 10.0 * i));
    CHECK_INT(tr.n, 4);
    double ti, fi;
    ui_trace_get(&tr, 0, &ti, &fi);
    CHECK_NEAR(ti, 2.0, 0);
    CHECK_NEAR(fi, 20.0, 0);
    ui_trace_get(&tr, 3, &ti, &fi);
    CHECK_NEAR(ti, 5.0, 0);
    CHECK(!ui_trace_push(&tr, 4.0, 1.0)); /* back in time */
    CHECK(!ui_trace_push(&tr, NAN, 1.0));
    CHECK(!ui_trace_push(&tr, 7.0, INFINITY));
    CHECK_INT(tr.rejected, 3);
    CHECK_INT(tr.n, 4);
    ui_trace_clear(&tr);
    CHECK_INT(tr.n, 0);
    CHECK(ui_trace_push(&tr, 1.0, 1.0)); /* after a clear, time may start over */
    struct ui_trace none;
    ui_trace_init(&none, NULL, NULL, 8);
    CHECK(!ui_trace_push(&none, 1.0, 1.0));
}

static void test_words(void)
{
    char buf[32];
    CHECK_STR(ui_cue_words(UI_CUE_PUSH, NAN, buf, sizeof buf), "Push!");
    CHECK_STR(ui_cue_words(UI_CUE_READY, 2.2, buf, sizeof buf), "Get ready");
    CHECK_STR(ui_cue_words(UI_CUE_REST, 19.2, buf, sizeof buf), "Rest 20 s");
    CHECK_STR(ui_cue_words(UI_CUE_REST, 20.0, buf, sizeof buf), "Rest 20 s");
    CHECK_STR(ui_cue_words(UI_CUE_RELAX, NAN, buf, sizeof buf), "Relax");
    CHECK_STR(ui_cue_words(UI_CUE_HOLD, 3, buf, sizeof buf), "Hold");
    CHECK_STR(ui_cue_words(UI_CUE_NONE, 3, buf, sizeof buf), "");
    CHECK_STR(ui_dir_plain(ST_DIR_ADD), "squeeze in");
    CHECK_STR(ui_dir_plain(ST_DIR_ABD), "push out");
    CHECK_STR(ui_action_name(UI_ACT_ABORT), "abort");
    CHECK_STR(ui_action_name(UI_ACT_COUNT), "?");
    struct ui_model m;
    ui_model_init(&m);
    CHECK_NAN(m.live.force_n);
    CHECK_NAN(m.session.state_remaining_s);
    CHECK_INT(m.live.n_curves, 0);
}

/* Frequency by zero crossings over the first burst of a sound. */
static double tone_hz(enum ui_sound k, size_t *len, size_t *silent_mid)
{
    static float buf[48000];
    size_t n = ui_sound_render(k, 48000, buf, 48000);
    *len = n;
    int crossings = 0;
    size_t burst = 0;
    while (burst < n && !(burst > 480 && fabsf(buf[burst]) < 1e-6f && fabsf(buf[burst + 1]) < 1e-6f))
        burst++;
    for (size_t i = 1; i < burst; i++)
        crossings += (buf[i - 1] < 0) != (buf[i] < 0);
    size_t zeros = 0;
    for (size_t i = 0; i < n; i++)
        zeros += buf[i] == 0.0f;
    *silent_mid = zeros;
    return crossings / 2.0 / (burst / 48000.0);
}

static void test_sound_render(void)
{
    size_t len_tick, len_go, len_stop, len_done, z_tick, z_go, z_stop, z_done;
    double tick = tone_hz(UI_SOUND_TICK, &len_tick, &z_tick);
    double go = tone_hz(UI_SOUND_GO, &len_go, &z_go);
    double stop = tone_hz(UI_SOUND_STOP, &len_stop, &z_stop);
    double done = tone_hz(UI_SOUND_DONE, &len_done, &z_done);
    CHECK_REL(tick, 880.0, 0.03);
    CHECK_REL(go, 1320.0, 0.03);
    CHECK_REL(stop, 440.0, 0.03);
    CHECK_REL(done, 660.0, 0.03);
    CHECK(go > tick && tick > stop);
    CHECK(len_tick < len_go);     /* a tick is short */
    CHECK(z_done > 48000 * 0.07); /* done: two beeps with a silence between */
    CHECK(z_tick < 48000 * 0.01);
    CHECK_INT(ui_sound_render(UI_SOUND_NONE, 48000, NULL, 0), 0);
}

/* ---- opening ---------------------------------------------------------------------------------- */

static void test_missing_font(void)
{
    struct ui_opts o = ui_opts_default();
    o.font = "/nonexistent/fonts/DejaVuSans.ttf";
    struct ui *ui = (struct ui *)&o; /* must be reset to NULL */
    struct st_err err;
    CHECK_INT(ui_open(&o, &ui, &err), ST_ERR_NOT_FOUND);
    CHECK(ui == NULL);
    CHECK(strstr(err.msg, "/nonexistent/fonts/DejaVuSans.ttf") != NULL);
    CHECK(strstr(err.msg, "fonts-dejavu-core") != NULL);
    o = ui_opts_default();
    o.font_bold = "/nonexistent/Bold.ttf";
    CHECK_INT(ui_open(&o, &ui, &err), ST_ERR_NOT_FOUND);
    CHECK(strstr(err.msg, "/nonexistent/Bold.ttf") != NULL);
    /* A file that is not a font. */
    char path[512];
    check_tmppath(path, sizeof path, "not-a-font.ttf");
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("this is not a font\n", f);
    fclose(f);
    o = ui_opts_default();
    o.font = path;
    CHECK_INT(ui_open(&o, &ui, &err), ST_ERR_PARSE);
    CHECK(strstr(err.msg, path) != NULL);
}

static void test_no_display(void)
{
    char *saved_display = getenv("DISPLAY") ? strdup(getenv("DISPLAY")) : NULL;
    char *saved_wayland = getenv("WAYLAND_DISPLAY") ? strdup(getenv("WAYLAND_DISPLAY")) : NULL;
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    setenv("SDL_VIDEODRIVER", "x11", 1);
    struct ui_opts o = ui_opts_default();
    struct ui *ui = NULL;
    struct st_err err;
    enum st_status st = ui_open(&o, &ui, &err);
    CHECK_INT(st, ST_ERR_DISPLAY);
    CHECK(ui == NULL);
    CHECK(strstr(err.msg, "No display: run with --headless, or start it from the desktop") != NULL);
    if (ui)
        ui_close(ui);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    if (saved_display)
        setenv("DISPLAY", saved_display, 1);
    if (saved_wayland)
        setenv("WAYLAND_DISPLAY", saved_wayland, 1);
    free(saved_display);
    free(saved_wayland);
}

/* ---- pixels ----------------------------------------------------------------------------------- */

static void test_curve_follows_points(void)
{
    struct ui_model m;
    struct ui *ui = open_drawn(UI_LAYOUT_ONE_WINDOW, 1600, 900, &m);
    struct ui_fix_copy c = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    struct ui_image img = ui_fix_image(&c);
    CHECK_INT(img.w, 1600 * 62 / 100);
    CHECK_INT(img.h, 900);
    uint32_t curve = ui_colour_rgb(UI_COL_CURVE0);
    int px, py, pw, ph;
    REQUIRE(ui_plot_rect(ui, UI_VIEW_THERAPIST, &px, &py, &pw, &ph));
    CHECK(px > 0 && py > 0 && px + pw < img.w && py + ph < img.h);
    CHECK(pw > img.w / 3 && ph > img.h / 4);

    /* On the flat parts the curve is where the points are ... */
    const double on[] = {1.5, 2.5, 3.5, 5.0, 5.5, 6.5, 8.5, 9.0, 9.5};
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
        int x, y;
        REQUIRE(ui_plot_map(ui, UI_VIEW_THERAPIST, on[i], force0(on[i]), &x, &y));
        CHECK(x > px && x < px + pw && y >= py && y < py + ph);
        if (!ui_fix_near_colour(&img, x, y, 3, curve))
            check_fail(__FILE__, __LINE__, "no curve at t=%.1f s F=%.0f N (pixel %d,%d)", on[i],
                       force0(on[i]), x, y);
        /* ... and not 60-150 N above or below it in the same column. */
        for (double off = 60; off <= 150; off += 10) {
            int xo, yo;
            ui_plot_map(ui, UI_VIEW_THERAPIST, on[i], force0(on[i]) + off, &xo, &yo);
            if (yo > py && ui_image_rgb(&img, xo, yo) == curve)
                check_fail(__FILE__, __LINE__, "curve colour %.0f N above the curve at t=%.1f s", off, on[i]);
            ui_plot_map(ui, UI_VIEW_THERAPIST, on[i], force0(on[i]) - off, &xo, &yo);
            if (yo < py + ph - 1 && ui_image_rgb(&img, xo, yo) == curve)
                check_fail(__FILE__, __LINE__, "curve colour %.0f N below the curve at t=%.1f s", off, on[i]);
        }
    }
    /* Higher force is higher on the screen; later time is further right. */
    int x1, y1, x2, y2;
    ui_plot_map(ui, UI_VIEW_THERAPIST, 2.0, 100.0, &x1, &y1);
    ui_plot_map(ui, UI_VIEW_THERAPIST, 6.0, 200.0, &x2, &y2);
    CHECK(x2 > x1 && y2 < y1);
    /* The steep rise at 7.0-8.0 s is drawn across its whole height (no peak lost to decimation). */
    int xr, ylo, yhi;
    ui_plot_map(ui, UI_VIEW_THERAPIST, 7.5, 20.0, &xr, &ylo);
    ui_plot_map(ui, UI_VIEW_THERAPIST, 7.5, force0(7.5), &xr, &yhi);
    CHECK(ui_fix_near_colour(&img, xr, yhi, 3, curve));
    /* Nothing of the curve outside the plot. */
    CHECK_INT(ui_fix_count_colour(&img, px, 0, px + pw, py - 1, curve), 0);
    CHECK_INT(ui_fix_count_colour(&img, px + pw + 1, py, img.w, py + ph, curve) > 0, 0);
    free(c.px);

    /* Scrolling: 5 s later the same point moves left by half the plot. */
    int xa, ya, xb, yb;
    ui_plot_map(ui, UI_VIEW_THERAPIST, 9.0, 100.0, &xa, &ya);
    m.live.t_now_s = 15.0;
    frame(ui, &m);
    ui_plot_map(ui, UI_VIEW_THERAPIST, 9.0, 100.0, &xb, &yb);
    CHECK_NEAR(xa - xb, (pw - 1) / 2.0, 1.5);
    ui_close(ui);
}

static void test_two_channels(void)
{
    struct ui *ui = open_ui(UI_LAYOUT_THERAPIST_ONLY, 1200, 800);
    REQUIRE(ui);
    CHECK_INT(ui_layout_get(ui), UI_LAYOUT_THERAPIST_ONLY);
    struct ui_model m;
    full_model(&m);
    m.session.side = ST_SIDE_BOTH;
    m.live.curves[1] = (struct ui_curve){.trace = &traces[1]};
    snprintf(m.live.curves[1].label, sizeof m.live.curves[1].label, "Right");
    m.live.n_curves = 2;
    frame(ui, &m);
    struct ui_fix_copy c = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    struct ui_image img = ui_fix_image(&c);
    uint32_t c0 = ui_colour_rgb(UI_COL_CURVE0), c1 = ui_colour_rgb(UI_COL_CURVE1);
    CHECK(c0 != c1);
    const double on[] = {3.0, 5.0, 6.0, 9.5};
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
        int x, y;
        ui_plot_map(ui, UI_VIEW_THERAPIST, on[i], force1(on[i]), &x, &y);
        if (!ui_fix_near_colour(&img, x, y, 3, c1))
            check_fail(__FILE__, __LINE__, "no channel-1 curve at t=%.1f s", on[i]);
        ui_plot_map(ui, UI_VIEW_THERAPIST, on[i], force0(on[i]), &x, &y);
        if (fabs(force0(on[i]) - force1(on[i])) > 30 && !ui_fix_near_colour(&img, x, y, 3, c0))
            check_fail(__FILE__, __LINE__, "no channel-0 curve at t=%.1f s", on[i]);
    }
    /* The patient view is not shown in this layout. */
    struct ui_image pimg;
    struct st_err err;
    CHECK_INT(ui_view_pixels(ui, UI_VIEW_PATIENT, &pimg, &err), ST_ERR_ARG);
    free(c.px);
    ui_close(ui);
}

/* The rows of a colour in column x between y0 and y1: first and last. */
static bool rows_of(const struct ui_image *img, int x, int y0, int y1, uint32_t rgb, int *first, int *last)
{
    *first = -1;
    *last = -1;
    for (int y = y0; y < y1; y++)
        if (ui_image_rgb(img, x, y) == rgb) {
            if (*first < 0)
                *first = y;
            *last = y;
        }
    return *first >= 0;
}

static void test_threshold_and_best_lines(void)
{
    struct ui *ui = open_ui(UI_LAYOUT_ONE_WINDOW, 1600, 900);
    REQUIRE(ui);
    struct ui_model m;
    full_model(&m);
    m.live.threshold_n = 40.0;
    m.live.block_best_n = 300.0;
    m.live.y_max_n = 400.0; /* a fixed axis: 0..400 N */
    frame(ui, &m);
    struct ui_fix_copy c = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    struct ui_image img = ui_fix_image(&c);
    int px, py, pw, ph;
    REQUIRE(ui_plot_rect(ui, UI_VIEW_THERAPIST, &px, &py, &pw, &ph));
    /* A column at t = 5.5 s, where the curve rests at 3 N, far from the labels at both ends. */
    int x, y_thr, y_best, y_zero, y_top;
    ui_plot_map(ui, UI_VIEW_THERAPIST, 5.5, 40.0, &x, &y_thr);
    ui_plot_map(ui, UI_VIEW_THERAPIST, 5.5, 300.0, &x, &y_best);
    ui_plot_map(ui, UI_VIEW_THERAPIST, 5.5, 0.0, &x, &y_zero);
    ui_plot_map(ui, UI_VIEW_THERAPIST, 5.5, 400.0, &x, &y_top);
    /* The axis spans the plot: 0 N at the bottom row, 400 N at the top row. */
    CHECK_NEAR(y_zero, py + ph - 1, 1);
    CHECK_NEAR(y_top, py, 1);
    int first, last;
    REQUIRE(rows_of(&img, x, py, py + ph, ui_colour_rgb(UI_COL_THRESHOLD), &first, &last));
    CHECK(last - first <= 3); /* one line, 2-3 px thick */
    /* Its height: 40/400 of the plot above the bottom, found in the pixels. */
    double expect_thr = (py + ph - 1) - 0.1 * (ph - 1);
    CHECK_NEAR((first + last) / 2.0, expect_thr, 2.0);
    REQUIRE(rows_of(&img, x, py, py + ph, ui_colour_rgb(UI_COL_BEST), &first, &last));
    double expect_best = (py + ph - 1) - 0.75 * (ph - 1);
    CHECK_NEAR((first + last) / 2.0, expect_best, 2.0);
    free(c.px);

    /* Without a threshold, no threshold line in that column. */
    m.live.threshold_n = NAN;
    frame(ui, &m);
    c = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    img = ui_fix_image(&c);
    CHECK(!rows_of(&img, x, py, py + ph, ui_colour_rgb(UI_COL_THRESHOLD), &first, &last));
    CHECK(rows_of(&img, x, py, py + ph, ui_colour_rgb(UI_COL_BEST), &first, &last));
    free(c.px);
    ui_close(ui);
}

static long bright(const struct ui_image *img, int x0, int y0, int x1, int y1)
{
    long n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            uint32_t p = ui_image_rgb(img, x, y);
            if (((p >> 16) & 0xff) > 200 && ((p >> 8) & 0xff) > 200 && (p & 0xff) > 200)
                n++;
        }
    return n;
}

static void test_big_numbers(void)
{
    struct ui_model m;
    struct ui *ui = open_drawn(UI_LAYOUT_ONE_WINDOW, 1600, 900, &m);
    struct ui_fix_copy p1 = ui_fix_grab(ui, UI_VIEW_PATIENT), t1 = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    struct ui_image pimg = ui_fix_image(&p1);
    /* The patient's big number sits in the band 0.55-0.70 of the height: many white pixels. */
    long with = bright(&pimg, pimg.w / 10, pimg.h * 55 / 100, pimg.w * 9 / 10, pimg.h * 70 / 100);
    CHECK(with > 2000);
    /* The bar is the force's colour, and the target line is drawn. */
    CHECK(ui_fix_count_colour(&pimg, 0, pimg.h * 3 / 4, pimg.w, pimg.h, ui_colour_rgb(UI_COL_PATIENT_BAR)) > 1000);
    CHECK(ui_fix_count_colour(&pimg, 0, pimg.h * 3 / 4, pimg.w, pimg.h, ui_colour_rgb(UI_COL_TARGET)) > 200);

    m.live.force_n = NAN;
    frame(ui, &m);
    struct ui_fix_copy p2 = ui_fix_grab(ui, UI_VIEW_PATIENT);
    pimg = ui_fix_image(&p2);
    CHECK_INT(bright(&pimg, pimg.w / 10, pimg.h * 55 / 100, pimg.w * 9 / 10, pimg.h * 70 / 100), 0);
    CHECK_INT(ui_fix_count_colour(&pimg, 0, 0, pimg.w, pimg.h, ui_colour_rgb(UI_COL_PATIENT_BAR)), 0);

    /* On the therapist view the number changes only in the numbers panel (right of the plot). */
    m.live.force_n = 88.8;
    frame(ui, &m);
    struct ui_fix_copy t2 = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    int px, py, pw, ph, x0, y0, x1, y1;
    REQUIRE(ui_plot_rect(ui, UI_VIEW_THERAPIST, &px, &py, &pw, &ph));
    REQUIRE(ui_fix_diff_box(&t1, &t2, &x0, &y0, &x1, &y1));
    CHECK(x0 > px + pw);
    CHECK(y0 >= py - 60 && y1 < py + t1.h / 4);
    CHECK((x1 - x0) * (y1 - y0) > 40 * 20);
    free(p1.px);
    free(p2.px);
    free(t1.px);
    free(t2.px);

    /* The countdown: "Get ready" and the digit on the patient view. */
    full_model(&m);
    m.session.cue = UI_CUE_READY;
    m.session.state_remaining_s = 2.3;
    frame(ui, &m);
    struct ui_fix_copy r3 = ui_fix_grab(ui, UI_VIEW_PATIENT);
    m.session.state_remaining_s = 1.3;
    frame(ui, &m);
    struct ui_fix_copy r2 = ui_fix_grab(ui, UI_VIEW_PATIENT);
    CHECK(ui_fix_diff_box(&r3, &r2, &x0, &y0, &x1, &y1)); /* 3 -> 2 */
    CHECK(y0 > r3.h / 4 && y1 < r3.h * 55 / 100);
    free(r3.px);
    free(r2.px);
    ui_close(ui);
}

static void test_lost_banner(void)
{
    struct ui_model m;
    struct ui *ui = open_drawn(UI_LAYOUT_ONE_WINDOW, 1600, 900, &m);
    uint32_t red = ui_colour_rgb(UI_COL_LOST);
    struct ui_fix_copy t = ui_fix_grab(ui, UI_VIEW_THERAPIST), p = ui_fix_grab(ui, UI_VIEW_PATIENT);
    struct ui_image ti = ui_fix_image(&t), pi = ui_fix_image(&p);
    CHECK_INT(ui_fix_count_colour(&ti, 0, 0, ti.w, ti.h, red), 0);
    CHECK_INT(ui_fix_count_colour(&pi, 0, 0, pi.w, pi.h, red), 0);
    free(t.px);
    free(p.px);

    m.devices[0].state = UI_DEV_LOST;
    snprintf(m.devices[0].message, sizeof m.devices[0].message,
             "The dynamometer was disconnected: check the cable. The repetition will be repeated.");
    frame(ui, &m);
    t = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    p = ui_fix_grab(ui, UI_VIEW_PATIENT);
    ti = ui_fix_image(&t);
    pi = ui_fix_image(&p);
    long n = ui_fix_count_colour(&ti, 0, 0, ti.w, ti.h, red);
    CHECK(n > ti.w * 30); /* a full-width band */
    /* Prominent: in the upper third, right under the cue. */
    CHECK(ui_fix_count_colour(&ti, 0, 0, ti.w, ti.h / 3, red) > n * 9 / 10);
    /* The patient sees no alarm colours or device messages. */
    CHECK_INT(ui_fix_count_colour(&pi, 0, 0, pi.w, pi.h, red), 0);
    free(t.px);
    free(p.px);

    /* An amber alert (e.g. a full disk) uses its own colour. */
    m.devices[0].state = UI_DEV_CONNECTED;
    snprintf(m.alert, sizeof m.alert, "The disk is full: free some space. The repetition is kept in memory.");
    frame(ui, &m);
    t = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    ti = ui_fix_image(&t);
    CHECK_INT(ui_fix_count_colour(&ti, 0, 0, ti.w, ti.h, red), 0);
    CHECK(ui_fix_count_colour(&ti, 0, 0, ti.w, ti.h, ui_colour_rgb(UI_COL_ALERT)) > ti.w * 30);
    free(t.px);
    ui_close(ui);
}

static void test_patient_view_shows_no_flags(void)
{
    struct ui_model m;
    struct ui *ui = open_drawn(UI_LAYOUT_ONE_WINDOW, 1600, 900, &m);
    struct ui_fix_copy p1 = ui_fix_grab(ui, UI_VIEW_PATIENT), t1 = ui_fix_grab(ui, UI_VIEW_THERAPIST);

    /* The same moment with clinical flags everywhere and other patient and session data changed. */
    snprintf(m.last.flags, sizeof m.last.flags, "too short, countermovement, pre-tension");
    m.last.saved = false;
    snprintf(m.reps[1].flags, sizeof m.reps[1].flags, "saturation");
    m.reps[2].status = UI_REP_REJECTED;
    m.balance.ratio_flag[ST_SIDE_LEFT] = BAL_RED;
    m.balance.ratio[ST_SIDE_LEFT] = 0.71;
    m.balance.asym_flag[ST_DIR_ABD] = BAL_RED;
    m.balance.asym_pct[ST_DIR_ABD] = 22.0;
    snprintf(m.session.protocol, sizeof m.session.protocol, "Side-lying ABD with gravity correction");
    snprintf(m.session.position, sizeof m.session.position, "Side-lying, top leg tested");
    snprintf(m.devices[0].calib_warning, sizeof m.devices[0].calib_warning, "Calibration off by 2.1 %%");
    m.devices[0].dropped = 17;
    frame(ui, &m);
    struct ui_fix_copy p2 = ui_fix_grab(ui, UI_VIEW_PATIENT), t2 = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    REQUIRE(p1.px && p2.px && p1.w == p2.w && p1.h == p2.h);
    int x0, y0, x1, y1;
    CHECK(!ui_fix_diff_box(&p1, &p2, &x0, &y0, &x1, &y1)); /* the patient view did not change at all */
    CHECK(ui_fix_diff_box(&t1, &t2, &x0, &y0, &x1, &y1));  /* while the therapist view shows them */
    struct ui_image t2i = ui_fix_image(&t2);
    CHECK(ui_fix_count_colour(&t2i, 0, 0, t2i.w, t2i.h, ui_colour_rgb(UI_COL_FLAG_RED)) > 50);
    free(p1.px);
    free(p2.px);
    free(t1.px);
    free(t2.px);
    ui_close(ui);
}

static void test_drop_counter(void)
{
    struct ui_model m;
    struct ui *ui = open_drawn(UI_LAYOUT_ONE_WINDOW, 1600, 900, &m);
    struct ui_fix_copy a = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    m.devices[0].dropped = 12345;
    frame(ui, &m);
    struct ui_fix_copy b = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    int x0, y0, x1, y1;
    REQUIRE(ui_fix_diff_box(&a, &b, &x0, &y0, &x1, &y1));
    CHECK(y0 >= a.h - 40);   /* only the status bar at the bottom changed */
    CHECK(x1 > a.w * 3 / 4); /* where the counter is: the right end */
    /* Never squeezed out: a long device name and a long warning leave the counter visible. */
    snprintf(m.devices[0].name, sizeof m.devices[0].name, "A dynamometer with a very long model name indeed");
    snprintf(m.devices[0].calib_warning, sizeof m.devices[0].calib_warning,
             "The last calibration check is 400 days old and was 2.5 %% off: check it with a known mass");
    frame(ui, &m);
    struct ui_fix_copy c = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    m.devices[0].dropped = 99999;
    frame(ui, &m);
    struct ui_fix_copy d = ui_fix_grab(ui, UI_VIEW_THERAPIST);
    REQUIRE(ui_fix_diff_box(&c, &d, &x0, &y0, &x1, &y1));
    CHECK(y0 >= c.h - 40);
    free(a.px);
    free(b.px);
    free(c.px);
    free(d.px);
    ui_close(ui);
}

static void test_resize(void)
{
    struct ui_model m;
    struct ui *ui = open_drawn(UI_LAYOUT_ONE_WINDOW, 1600, 900, &m);
    struct ui_image img;
    struct st_err err;
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.w, 992);
    CHECK_OK(ui_window_resize(ui, UI_VIEW_THERAPIST, 1000, 700, &err), &err);
    frame(ui, &m);
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.w, 620);
    CHECK_INT(img.h, 700);
    int x, y;
    REQUIRE(ui_plot_map(ui, UI_VIEW_THERAPIST, 9.0, force0(9.0), &x, &y));
    CHECK(x < 620 && y < 700);
    CHECK(ui_fix_near_colour(&img, x, y, 3, ui_colour_rgb(UI_COL_CURVE0)));
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_PATIENT, &img, &err), &err);
    CHECK_INT(img.w, 1000 - 620 - 2);
    CHECK_INT(img.h, 700);
    CHECK(ui_fix_count_colour(&img, 0, 0, img.w, img.h, ui_colour_rgb(UI_COL_PATIENT_BAR)) > 500);
    /* Large, then small: still drawn, buttons still reachable. */
    CHECK_OK(ui_window_resize(ui, UI_VIEW_PATIENT, 2400, 1300, &err), &err);
    frame(ui, &m);
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.w, 2400 * 62 / 100);
    CHECK_OK(ui_window_resize(ui, UI_VIEW_THERAPIST, 800, 500, &err), &err);
    frame(ui, &m);
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.h, 500);
    int bx, by;
    CHECK(ui_button_center(ui, UI_ACT_START, &bx, &by));
    CHECK(bx > 0 && bx < 800 * 62 / 100 && by > 250 && by < 500);
    CHECK_INT(ui_window_resize(ui, UI_VIEW_THERAPIST, 10, 10, &err), ST_ERR_ARG);
    /* The smallest window still draws (cramped, but no crash and no garbage sizes). */
    CHECK_OK(ui_window_resize(ui, UI_VIEW_THERAPIST, 64, 64, &err), &err);
    frame(ui, &m);
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_PATIENT, &img, &err), &err);
    CHECK_INT(img.h, 64);
    ui_close(ui);
}

static void test_two_windows(void)
{
    struct ui_model m;
    struct ui *ui = open_drawn(UI_LAYOUT_TWO_WINDOWS, 1100, 700, &m);
    CHECK_INT(ui_layout_get(ui), UI_LAYOUT_TWO_WINDOWS);
    struct ui_image img;
    struct st_err err;
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.w, 1100);
    CHECK_INT(img.h, 700);
    int x, y;
    REQUIRE(ui_plot_map(ui, UI_VIEW_THERAPIST, 9.0, force0(9.0), &x, &y));
    CHECK(ui_fix_near_colour(&img, x, y, 3, ui_colour_rgb(UI_COL_CURVE0)));
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_PATIENT, &img, &err), &err);
    CHECK_INT(img.w, 800);
    CHECK_INT(img.h, 600);
    CHECK(ui_fix_count_colour(&img, 0, 0, img.w, img.h, ui_colour_rgb(UI_COL_PATIENT_BAR)) > 1000);
    CHECK(!ui_plot_map(ui, UI_VIEW_PATIENT, 9.0, 1.0, &x, &y));
    CHECK_OK(ui_window_resize(ui, UI_VIEW_PATIENT, 1280, 720, &err), &err);
    frame(ui, &m);
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_PATIENT, &img, &err), &err);
    CHECK_INT(img.w, 1280);
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.w, 1100);
    ui_close(ui);

    /* The default (AUTO) picks one window on a single display. */
    struct ui_opts o = ui_opts_default();
    o.width = 1200;
    o.height = 700;
    REQUIRE(ui_open(&o, &ui, &err) == ST_OK);
    CHECK_INT(ui_layout_get(ui),
              SDL_GetNumVideoDisplays() > 1 ? UI_LAYOUT_TWO_WINDOWS : UI_LAYOUT_ONE_WINDOW);
    ui_close(ui);
}

/* A model full of out-of-range values: drawn without a crash, a hang or undefined behaviour (the
 * sanitizer build checks the last), and the therapist view still shows its buttons. */
static void test_hostile_model(void)
{
    struct ui *ui = open_ui(UI_LAYOUT_ONE_WINDOW, 1280, 720);
    REQUIRE(ui);
    static double t[8], f[8];
    struct ui_trace tr;
    ui_trace_init(&tr, t, f, 8);
    ui_trace_push(&tr, 1e17, 1e300);
    ui_trace_push(&tr, 2e17, -1e300);
    struct ui_model m;
    full_model(&m);
    m.live.n_curves = 99;
    m.live.active = -7;
    for (int c = 0; c < UI_MAX_CURVES; c++)
        m.live.curves[c].trace = c == 1 ? &tr : NULL;
    m.live.force_n = 1e300;
    m.live.block_best_n = INFINITY;
    m.live.threshold_n = -1e300;
    m.live.target_n = 1e300;
    m.live.y_max_n = 1e308;
    m.live.window_s = 1e-300;
    m.live.t_now_s = 1.5e17;
    m.n_reps = -3;
    m.n_devices = 1000;
    m.devices[0].dropped = UINT64_MAX;
    m.devices[0].rate_hz = INFINITY;
    m.session.state_remaining_s = -1e300;
    m.session.rep = INT32_MIN;
    m.session.n_reps = INT32_MAX;
    m.session.cue = (enum ui_cue)1234;
    m.session.dir = (enum st_dir)77;
    m.session.side = (enum st_side) - 5;
    m.balance.asym_pct[0] = 1e300;
    m.balance.ratio[0] = -INFINITY;
    m.balance.ratio_flag[1] = (enum bal_flag)99;
    frame(ui, &m);
    m.live.t_now_s = NAN;
    m.live.n_curves = 2;
    m.live.active = 5;
    m.session.cue = UI_CUE_READY;
    m.session.state_remaining_s = 1e300;
    frame(ui, &m);
    m.session.cue = UI_CUE_REST;
    frame(ui, &m);
    char buf[32];
    CHECK_STR(ui_cue_words(UI_CUE_REST, 1e300, buf, sizeof buf), "Rest");
    int x, y;
    CHECK(ui_button_center(ui, UI_ACT_START, &x, &y));
    ui_close(ui);
}

/* ---- input ------------------------------------------------------------------------------------ */

static void test_keys_and_buttons(void)
{
    struct ui_model m;
    struct ui *ui = open_drawn(UI_LAYOUT_ONE_WINDOW, 1600, 900, &m);
    struct ui_input in;
    ui_poll(ui, &in); /* drain the window's own events */

    ui_fix_key(SDLK_SPACE, 0);
    ui_fix_key(SDLK_RETURN, 0);
    ui_fix_key(SDLK_r, 0);
    ui_fix_key(SDLK_x, 0);
    ui_fix_key(SDLK_a, 0);
    ui_fix_key(SDLK_s, 0);
    ui_fix_key(SDLK_p, 0);
    ui_fix_key(SDLK_z, 0);          /* not ours */
    ui_fix_key(SDLK_r, KMOD_LCTRL); /* a desktop shortcut, not a redo */
    CHECK_INT(ui_poll(ui, &in), 7);
    const enum ui_action want[] = {UI_ACT_START,  UI_ACT_START, UI_ACT_REDO, UI_ACT_REJECT,
                                   UI_ACT_ACCEPT, UI_ACT_SKIP,  UI_ACT_PAUSE};
    for (int i = 0; i < 7; i++)
        CHECK_STR(ui_action_name(in.actions[i]), ui_action_name(want[i]));
    CHECK(!in.quit);
    CHECK(!in.abort_pending);

    /* Esc asks; Esc again aborts. */
    ui_fix_key(SDLK_ESCAPE, 0);
    CHECK_INT(ui_poll(ui, &in), 0);
    CHECK(in.abort_pending);
    frame(ui, &m);       /* the question is on screen: the therapist view darkens */
    ui_fix_key(SDLK_LSHIFT, 0); /* a modifier alone does not cancel */
    ui_fix_key(SDLK_ESCAPE, 0);
    CHECK_INT(ui_poll(ui, &in), 1);
    CHECK_INT(in.actions[0], UI_ACT_ABORT);
    CHECK(!in.abort_pending);
    /* Esc then Y aborts; Esc then another key only cancels. */
    ui_fix_key(SDLK_ESCAPE, 0);
    ui_fix_key(SDLK_y, 0);
    CHECK_INT(ui_poll(ui, &in), 1);
    CHECK_INT(in.actions[0], UI_ACT_ABORT);
    ui_fix_key(SDLK_ESCAPE, 0);
    ui_fix_key(SDLK_SPACE, 0);
    CHECK_INT(ui_poll(ui, &in), 0);
    CHECK(!in.abort_pending);
    ui_fix_key(SDLK_SPACE, 0);
    CHECK_INT(ui_poll(ui, &in), 1);

    /* Clicks on the buttons. */
    frame(ui, &m);
    int x, y;
    REQUIRE(ui_button_center(ui, UI_ACT_REDO, &x, &y));
    ui_fix_click(x, y);
    REQUIRE(ui_button_center(ui, UI_ACT_PAUSE, &x, &y));
    ui_fix_click(x, y);
    CHECK_INT(ui_poll(ui, &in), 2);
    CHECK_INT(in.actions[0], UI_ACT_REDO);
    CHECK_INT(in.actions[1], UI_ACT_PAUSE);
    ui_fix_click(5, 5); /* not a button */
    CHECK_INT(ui_poll(ui, &in), 0);
    /* A greyed button ignores clicks. */
    m.actions_disabled = 1u << UI_ACT_REJECT;
    frame(ui, &m);
    REQUIRE(ui_button_center(ui, UI_ACT_REJECT, &x, &y));
    ui_fix_click(x, y);
    CHECK_INT(ui_poll(ui, &in), 0);
    /* The Abort button asks too: click, then click again. */
    REQUIRE(ui_button_center(ui, UI_ACT_ABORT, &x, &y));
    ui_fix_click(x, y);
    CHECK_INT(ui_poll(ui, &in), 0);
    CHECK(in.abort_pending);
    ui_fix_click(x, y);
    CHECK_INT(ui_poll(ui, &in), 1);
    CHECK_INT(in.actions[0], UI_ACT_ABORT);

    /* Closing the window asks the station to quit. */
    SDL_Event q = {.type = SDL_QUIT};
    SDL_PushEvent(&q);
    ui_poll(ui, &in);
    CHECK(in.quit);
    ui_close(ui);
}

/* ---- resources -------------------------------------------------------------------------------- */

static void test_steady_frames_allocate_nothing(void)
{
    struct ui *ui = open_ui(UI_LAYOUT_ONE_WINDOW, 1600, 900);
    REQUIRE(ui);
    struct ui_model m;
    full_model(&m);
    /* Warm up: the first frames render every label and every digit glyph once (the time axis's labels
     * too, over the seconds the steady frames show: the frame that first shows one grows SDL's buffer
     * of drawing commands). */
    for (int i = 0; i < 12; i++) {
        m.live.force_n = 100.0 + i * 11.1;
        m.live.t_now_s = 10.0 + i * 0.2;
        m.session.state_remaining_s = 5.0 - i * 0.1;
        m.devices[0].dropped = (uint64_t)i * 1234567u; /* every digit once */
        frame(ui, &m);
    }
    long before = sdl_allocs;
    trace_allocs = getenv("UI_TEST_TRACE_ALLOC") != NULL;
    for (int i = 0; i < 40; i++) {
        /* Numbers and the time axis change every frame, as in a session. */
        m.live.force_n = 57.3 + i * 7.7;
        m.live.t_now_s = 11.5 + i * 0.016;
        m.session.state_remaining_s = 4.0 - i * 0.05;
        m.devices[0].dropped = (uint64_t)i;
        frame(ui, &m);
    }
    long after = sdl_allocs;
    trace_allocs = false;
    if (after != before)
        check_fail(__FILE__, __LINE__, "%ld SDL allocations in 40 steady frames", after - before);
    ui_close(ui);
}

static void test_sound_device(void)
{
    struct ui *ui = open_ui(UI_LAYOUT_THERAPIST_ONLY, 800, 600);
    REQUIRE(ui);
    CHECK(ui_sound_available(ui)); /* the dummy driver */
    ui_sound(ui, UI_SOUND_TICK);
    ui_sound(ui, UI_SOUND_GO);
    ui_sound(ui, UI_SOUND_DONE);
    ui_sound(ui, UI_SOUND_NONE);
    ui_sound(ui, (enum ui_sound)99);
    ui_close(ui);

    /* No sound device: silent, not an error. */
    setenv("SDL_AUDIODRIVER", "no-such-driver", 1);
    ui = open_ui(UI_LAYOUT_THERAPIST_ONLY, 800, 600);
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    REQUIRE(ui);
    CHECK(!ui_sound_available(ui));
    ui_sound(ui, UI_SOUND_GO);
    ui_close(ui);
    ui_sound(NULL, UI_SOUND_GO);

    struct ui_opts o = ui_opts_default();
    o.layout = UI_LAYOUT_THERAPIST_ONLY;
    o.sound = false;
    struct st_err err;
    REQUIRE(ui_open(&o, &ui, &err) == ST_OK);
    CHECK(!ui_sound_available(ui));
    ui_close(ui);
}

static void test_screenshots(void)
{
    struct ui *ui = open_ui(UI_LAYOUT_ONE_WINDOW, 1600, 900);
    REQUIRE(ui);
    struct ui_model m;
    full_model(&m);
    struct st_err err;
    char path[512];
    CHECK_INT(ui_screenshot(ui, UI_VIEW_THERAPIST, check_tmppath(path, sizeof path, "never.bmp"), &err),
              ST_ERR_ARG); /* no frame yet */
    frame(ui, &m);
    const enum ui_view views[] = {UI_VIEW_THERAPIST, UI_VIEW_PATIENT};
    const char *names[] = {"ui-therapist.bmp", "ui-patient.bmp"};
    for (int i = 0; i < 2; i++) {
        check_tmppath(path, sizeof path, names[i]);
        CHECK_OK(ui_screenshot(ui, views[i], path, &err), &err);
        SDL_Surface *s = SDL_LoadBMP(path);
        REQUIRE(s);
        struct ui_image img;
        CHECK_OK(ui_view_pixels(ui, views[i], &img, &err), &err);
        CHECK_INT(s->w, img.w);
        CHECK_INT(s->h, img.h);
        /* The file holds the frame: the centre pixel matches. */
        SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
        REQUIRE(c);
        const uint32_t *px = c->pixels;
        int x = img.w / 2, y = img.h * 80 / 100 + 5;
        CHECK_INT(px[y * (c->pitch / 4) + x] & 0xffffff, ui_image_rgb(&img, x, y));
        SDL_FreeSurface(c);
        SDL_FreeSurface(s);
    }
    CHECK_INT(ui_screenshot(ui, UI_VIEW_PATIENT, "/nonexistent-dir/x.bmp", &err), ST_ERR_IO);
    CHECK(strstr(err.msg, "/nonexistent-dir/x.bmp") != NULL);

    /* The other screens a session goes through, for a person to look at. */
    m.session.cue = UI_CUE_READY;
    m.session.state_remaining_s = 2.2;
    snprintf(m.session.state, sizeof m.session.state, "Countdown");
    m.live.force_n = 2.1;
    frame(ui, &m);
    check_tmppath(path, sizeof path, "ui-countdown-patient.bmp");
    CHECK_OK(ui_screenshot(ui, UI_VIEW_PATIENT, path, &err), &err);
    m.devices[0].state = UI_DEV_LOST;
    snprintf(m.devices[0].message, sizeof m.devices[0].message,
             "The dynamometer was disconnected: check the cable. The repetition will be repeated.");
    m.devices[0].dropped = 42;
    frame(ui, &m);
    check_tmppath(path, sizeof path, "ui-lost-therapist.bmp");
    CHECK_OK(ui_screenshot(ui, UI_VIEW_THERAPIST, path, &err), &err);
    ui_close(ui);
}

/* ---- words, the final balance, help, PNG ------------------------------------------------------ */

static void test_flag_and_cue_words(void)
{
    char buf[128];
    CHECK_STR(ui_flag_words(0, buf, sizeof buf), "");
    CHECK_STR(ui_flag_words(MET_TOO_SHORT, buf, sizeof buf), "released too early");
    CHECK_STR(ui_flag_words(MET_PRE_TENSION | MET_TOO_SHORT, buf, sizeof buf),
              "pushing before the start, released too early");
    CHECK_STR(ui_flag_words(MET_COUNTERMOVEMENT | MET_SATURATION | MET_UNSTABLE_BASELINE, buf, sizeof buf),
              "leg not still before the start, pulled back before pushing, over the gauge's range");
    CHECK_STR(ui_flag_words(MET_PRE_TENSION | MET_TOO_SHORT, buf, 30), "pushing before the start"); /* whole */
    CHECK_STR(ui_flag_words(1u << 30, buf, sizeof buf), ""); /* no such flag: nothing, not a number */
    CHECK(strchr(ui_flag_words(~0u, buf, sizeof buf), '_') == NULL);
    CHECK_STR(ui_cue_words(UI_CUE_STOPPED, NAN, buf, sizeof buf), "Test stopped");
    CHECK_STR(ui_cue_words(UI_CUE_DONE, NAN, buf, sizeof buf), "Well done");
}

/* The model's balance as the final screen gets it, with torques, CVs and a previous session. */
static void final_model(struct ui_model *m, bool stopped)
{
    full_model(m);
    m->session.complete = true;
    m->session.cue = stopped ? UI_CUE_STOPPED : UI_CUE_DONE;
    struct ui_final *f = &m->final;
    f->show = true;
    f->stopped = stopped;
    snprintf(f->title, sizeof f->title, stopped ? "Test stopped: 7 reps saved, 5 count" : "Test complete: 12 reps count");
    snprintf(f->mass_text, sizeof f->mass_text, "70.0 kg");
    for (int d = 0; d < ST_DIR_COUNT; d++)
        for (int s = ST_SIDE_LEFT; s <= ST_SIDE_RIGHT; s++) {
            struct bal_cell *c = &m->balance.cell[d][s];
            c->mean_n = c->best_n * 0.96;
            c->cv_pct = d == ST_DIR_ADD && s == ST_SIDE_RIGHT ? 11.5 : 3.2;
            c->cv_over_limit = c->cv_pct > 10;
            c->best_torque_nm = c->best_n * 0.85;
            c->best_nm_per_kg = c->best_torque_nm / 70.0;
        }
    m->balance.ratio[ST_SIDE_RIGHT] = 0.76;
    m->balance.ratio_flag[ST_SIDE_RIGHT] = BAL_RED;
    f->have_previous = true;
    f->previous = m->balance;
    f->previous.cell[ST_DIR_ADD][ST_SIDE_LEFT].best_n = 250.0; /* +20 %: a real change */
    snprintf(f->previous_when, sizeof f->previous_when, "2026-11-02");
}

static void save_png(struct ui *ui, const char *name)
{
    char path[512];
    struct st_err err;
    check_tmppath(path, sizeof path, name);
    CHECK_OK(ui_screenshot(ui, UI_VIEW_THERAPIST, path, &err), &err);
}

static void test_final_balance_screen(void)
{
    static const int sizes[][2] = {{1280, 720}, {1600, 900}, {3840, 2160}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int W = sizes[i][0], H = sizes[i][1];
        struct ui *ui = open_ui(UI_LAYOUT_THERAPIST_ONLY, W, H);
        REQUIRE(ui);
        struct ui_model m;
        final_model(&m, false);
        frame(ui, &m);
        struct ui_fix_copy done = ui_fix_grab(ui, UI_VIEW_THERAPIST);
        struct ui_image img = ui_fix_image(&done);
        CHECK_INT(img.w, W);
        CHECK_INT(img.h, H);
        /* No live controls: no buttons to click, no curve. */
        int x, y;
        CHECK(!ui_button_center(ui, UI_ACT_START, &x, &y));
        CHECK(!ui_plot_rect(ui, UI_VIEW_THERAPIST, &x, &y, &x, &y));
        /* The right half holds the bars (ADD blue, ABD orange) and the ratio bands (red, amber,
         * green), scaled with the window. */
        long px_scale = (long)W * H / (1280L * 720L);
        CHECK(ui_fix_count_colour(&img, W / 2, 0, W, H, ui_colour_rgb(UI_COL_CURVE0)) > 2000 * px_scale);
        CHECK(ui_fix_count_colour(&img, W / 2, 0, W, H, ui_colour_rgb(UI_COL_CURVE1)) > 2000 * px_scale);
        CHECK(ui_fix_count_colour(&img, W / 2, 0, W, H, ui_colour_rgb(UI_COL_FLAG_RED)) > 300 * px_scale);
        CHECK(ui_fix_count_colour(&img, W / 2, 0, W, H, ui_colour_rgb(UI_COL_FLAG_AMBER)) > 100 * px_scale);
        CHECK(ui_fix_count_colour(&img, W / 2, 0, W, H, ui_colour_rgb(UI_COL_FLAG_NORMAL)) > 300 * px_scale);
        /* The ADD bar is shorter than the ABD bar on the left (301 vs 310 N): the longest run of
         * each colour on the rows of the left side's bars. */
        long add_run = 0, abd_run = 0;
        for (int yy = 0; yy < H && (!add_run || !abd_run); yy++) {
            if (!add_run)
                add_run = ui_fix_count_colour(&img, W / 2, yy, W, yy + 1, ui_colour_rgb(UI_COL_CURVE0));
            if (!abd_run)
                abd_run = ui_fix_count_colour(&img, W / 2, yy, W, yy + 1, ui_colour_rgb(UI_COL_CURVE1));
        }
        CHECK(add_run > 0 && abd_run > add_run);
        CHECK_NEAR((double)add_run / (double)abd_run, 301.2 / 310.5, 0.02);
        char name[64];
        snprintf(name, sizeof name, "ui-final-%dx%d.png", W, H);
        save_png(ui, name);
        /* Stopped: another title colour (amber, not green) and never the same picture. */
        final_model(&m, true);
        frame(ui, &m);
        struct ui_fix_copy stopped = ui_fix_grab(ui, UI_VIEW_THERAPIST);
        int x0, y0, x1, y1;
        CHECK(ui_fix_diff_box(&done, &stopped, &x0, &y0, &x1, &y1));
        CHECK(y1 < H / 3); /* only the title changed */
        free(done.px);
        free(stopped.px);
        ui_close(ui);
    }
    /* The patient view at the end: the cue's words, and never "Well done" after a stop (the model's
     * cue is UI_CUE_STOPPED; the word comes from ui_cue_words, checked above). */
}

static void test_help_overlay_and_q(void)
{
    static const int sizes[][2] = {{1280, 720}, {1600, 900}, {3840, 2160}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct ui_model m;
        struct ui *ui = open_drawn(UI_LAYOUT_ONE_WINDOW, sizes[i][0], sizes[i][1], &m);
        struct ui_input in;
        ui_poll(ui, &in);
        struct ui_fix_copy plain = ui_fix_grab(ui, UI_VIEW_THERAPIST);
        ui_fix_key(SDLK_F1, 0);
        CHECK_INT(ui_poll(ui, &in), 0);
        CHECK(in.help);
        frame(ui, &m);
        struct ui_fix_copy help = ui_fix_grab(ui, UI_VIEW_THERAPIST);
        int x0, y0, x1, y1;
        CHECK(ui_fix_diff_box(&plain, &help, &x0, &y0, &x1, &y1));
        CHECK(x1 - x0 > plain.w / 2 && y1 - y0 > plain.h / 2); /* an overlay, not a detail */
        if (i == 0)
            save_png(ui, "ui-help-1280x720.png");
        /* Any other key closes it and does nothing else. */
        ui_fix_key(SDLK_r, 0);
        CHECK_INT(ui_poll(ui, &in), 0);
        CHECK(!in.help);
        CHECK(in.any_key);
        ui_fix_key(SDLK_h, 0);
        ui_poll(ui, &in);
        CHECK(in.help);
        ui_fix_key(SDLK_h, 0);
        ui_poll(ui, &in);
        CHECK(!in.help);
        ui_fix_key(SDLK_SLASH, KMOD_LSHIFT); /* ? on a US keyboard */
        ui_poll(ui, &in);
        CHECK(in.help);
        ui_fix_key(SDLK_ESCAPE, 0); /* closes the help, does not ask to abort */
        ui_poll(ui, &in);
        CHECK(!in.help && !in.abort_pending);
        /* q: the same as on the terminal, asked twice. */
        ui_fix_key(SDLK_q, 0);
        CHECK_INT(ui_poll(ui, &in), 0);
        CHECK(in.abort_pending);
        ui_fix_key(SDLK_q, 0);
        CHECK_INT(ui_poll(ui, &in), 1);
        CHECK_INT(in.actions[0], UI_ACT_ABORT);
        free(plain.px);
        free(help.px);
        ui_close(ui);
    }
}

static uint32_t be32_at(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads back a PNG this UI wrote: chunk CRCs, IHDR, and the pixels through inflate and the two row
 * filters it uses (None, Up). Returns the pixels (free()) or NULL. */
static uint32_t *png_read(const char *path, int *w, int *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static unsigned char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n < 8 || memcmp(buf, sig, 8) != 0)
        return NULL;
    size_t at = 8;
    unsigned char *idat = NULL;
    size_t idat_n = 0;
    bool end = false;
    while (at + 12 <= n && !end) {
        uint32_t len = be32_at(buf + at);
        if (at + 12 + len > n)
            return NULL;
        const unsigned char *type = buf + at + 4, *data = buf + at + 8;
        uLong crc = crc32(crc32(0L, Z_NULL, 0), type, 4 + len);
        if (crc != be32_at(data + len))
            return NULL;
        if (memcmp(type, "IHDR", 4) == 0) {
            *w = (int)be32_at(data);
            *h = (int)be32_at(data + 4);
            if (data[8] != 8 || data[9] != 2)
                return NULL;
        } else if (memcmp(type, "IDAT", 4) == 0) {
            idat = (unsigned char *)data;
            idat_n = len;
        } else if (memcmp(type, "IEND", 4) == 0) {
            end = true;
        }
        at += 12 + len;
    }
    if (!end || !idat || *w <= 0 || *h <= 0)
        return NULL;
    size_t row = 1 + (size_t)*w * 3;
    uLongf raw_n = row * (size_t)*h;
    unsigned char *raw = malloc(raw_n);
    uint32_t *px = malloc((size_t)*w * (size_t)*h * sizeof *px);
    if (!raw || !px || uncompress(raw, &raw_n, idat, idat_n) != Z_OK || raw_n != row * (size_t)*h) {
        free(raw);
        free(px);
        return NULL;
    }
    for (int y = 0; y < *h; y++) {
        unsigned char *r = raw + (size_t)y * row;
        if (r[0] == 2 && y > 0)
            for (size_t k = 1; k < row; k++)
                r[k] = (unsigned char)(r[k] + (r - row)[k]); /* the byte above */
        else if (r[0] != 0) {
            free(raw);
            free(px);
            return NULL;
        }
        for (int x = 0; x < *w; x++)
            px[(size_t)y * *w + x] = (uint32_t)r[1 + x * 3] << 16 | (uint32_t)r[2 + x * 3] << 8 | r[3 + x * 3];
    }
    free(raw);
    return px;
}

static void test_png_screenshot(void)
{
    struct ui_model m;
    struct ui *ui = open_drawn(UI_LAYOUT_ONE_WINDOW, 1280, 720, &m);
    char path[512];
    check_tmppath(path, sizeof path, "ui-live.PNG"); /* the extension in any case */
    struct st_err err;
    CHECK_OK(ui_screenshot(ui, UI_VIEW_THERAPIST, path, &err), &err);
    int w = 0, h = 0;
    uint32_t *px = png_read(path, &w, &h);
    REQUIRE(px);
    struct ui_image img;
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(w, img.w);
    CHECK_INT(h, img.h);
    long differ = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            differ += px[(size_t)y * w + x] != ui_image_rgb(&img, x, y);
    CHECK_INT(differ, 0); /* every pixel, through the None and Up filters */
    free(px);
    /* Errors: a folder that does not exist names the path and leaves nothing; no pixels is refused. */
    CHECK_INT(ui_screenshot(ui, UI_VIEW_THERAPIST, "/nonexistent-dir/x.png", &err), ST_ERR_IO);
    CHECK(strstr(err.msg, "/nonexistent-dir/x.png") != NULL);
    CHECK_INT(ui_png_write(path, NULL, 10, 10, &err), ST_ERR_ARG);
    const uint32_t one[4] = {0xff0000, 0x00ff00, 0x0000ff, 0xffffff};
    CHECK_OK(ui_png_write(path, one, 2, 2, &err), &err);
    px = png_read(path, &w, &h);
    REQUIRE(px);
    CHECK_INT(w, 2);
    CHECK(px[0] == 0xff0000 && px[1] == 0x00ff00 && px[2] == 0x0000ff && px[3] == 0xffffff);
    free(px);
    ui_close(ui);
}

/* No size given: the window takes nine tenths of the display's usable area, so a 1366 x 768 laptop
 * never cuts it off (the offscreen driver's display stands in for it here, Xvfb's in test_ui_x11). */
static void test_default_size_fits_the_display(void)
{
    struct ui_opts o = ui_opts_default();
    o.layout = UI_LAYOUT_THERAPIST_ONLY;
    struct ui *ui = NULL;
    struct st_err err;
    CHECK_OK(ui_open(&o, &ui, &err), &err);
    REQUIRE(ui);
    SDL_Rect r;
    REQUIRE(SDL_GetDisplayUsableBounds(0, &r) == 0);
    struct ui_model m;
    full_model(&m);
    frame(ui, &m);
    struct ui_image img;
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK(img.w <= r.w && img.h <= r.h);
    CHECK_INT(img.w, r.w * 9 / 10 < 640 ? 640 : r.w * 9 / 10);
    CHECK_INT(img.h, r.h * 9 / 10 < 400 ? 400 : r.h * 9 / 10);
    ui_close(ui);
}

/* ---- the rep view ----------------------------------------------------------------------------- */

#define REP_N 4001 /* 4 s at 1 kHz */
static double rep_t[3][REP_N], rep_f[3][REP_N];
static struct ui_trace rep_tr[3];

/* Rep k of the block: a trapezoid to peak_k starting at onset_k on its own time scale; the rep in
 * view (k = 0) lives on the session's clock (onset at 100.0 s), the earlier ones from their onset. */
static void rep_model(struct ui_model *m)
{
    full_model(m);
    static const double peak[3] = {250.0, 180.0, 320.0}, onset[3] = {100.0, 0.0, 0.0};
    for (int k = 0; k < 3; k++) {
        ui_trace_init(&rep_tr[k], rep_t[k], rep_f[k], REP_N);
        for (int i = 0; i < REP_N; i++) {
            double t = onset[k] - 1.0 + i * 0.001;
            ui_trace_push(&rep_tr[k], t, 2.0 + trapezoid(t, onset[k], 0.3, onset[k] + 1.8, peak[k]));
        }
    }
    m->live.rep = &rep_tr[0];
    m->live.rep_onset_s = 100.0;
    m->live.earlier[0] = &rep_tr[1];
    m->live.earlier[1] = &rep_tr[2];
    m->live.n_earlier = 2;
    m->live.hold_s = 3.0;
    m->live.block_best_n = 252.0;
    m->live.band_lo_n = 0.9 * 252.0;
    m->live.band_hi_n = 1.1 * 252.0;
}

static void test_rep_view(void)
{
    static const int sizes[][2] = {{1280, 720}, {1600, 900}, {3840, 2160}};
    uint32_t curve = ui_colour_rgb(UI_COL_CURVE0);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        struct ui *ui = open_ui(UI_LAYOUT_ONE_WINDOW, sizes[s][0], sizes[s][1]);
        REQUIRE(ui);
        struct ui_model m;
        rep_model(&m);
        frame(ui, &m);
        struct ui_fix_copy c = ui_fix_grab(ui, UI_VIEW_THERAPIST);
        struct ui_image img = ui_fix_image(&c);
        int px, py, pw, ph;
        REQUIRE(ui_plot_rect(ui, UI_VIEW_THERAPIST, &px, &py, &pw, &ph));
        /* The rep is drawn from its onset: at 1.0 s after onset it is on its plateau (250 N). */
        int x, y;
        REQUIRE(ui_plot_map(ui, UI_VIEW_THERAPIST, 1.0, 252.0, &x, &y));
        CHECK(x > px && x < px + pw);
        CHECK(ui_fix_near_colour(&img, x, y, 3, curve));
        /* Its onset is at x = 0 (the hold window's left edge), 1 s before it the left edge. */
        int x0, xm1, yy;
        ui_plot_map(ui, UI_VIEW_THERAPIST, 0.0, 0.0, &x0, &yy);
        ui_plot_map(ui, UI_VIEW_THERAPIST, -1.0, 0.0, &xm1, &yy);
        CHECK_NEAR(xm1, px, 1.0);
        CHECK(x0 > px + pw / 10 && x0 < px + pw / 3);
        /* The earlier reps of the block are there, faint: not the curve's colour, not the background,
         * at their own plateaus (180 and 320 N) at 1.0 s. */
        int ye1, ye2;
        ui_plot_map(ui, UI_VIEW_THERAPIST, 1.0, 182.0, &x, &ye1);
        ui_plot_map(ui, UI_VIEW_THERAPIST, 1.0, 322.0, &x, &ye2);
        uint32_t f1 = ui_image_rgb(&img, x, ye1), f2 = ui_image_rgb(&img, x, ye2);
        CHECK(f1 != curve && f1 == f2);
        CHECK(ui_fix_count_colour(&img, px, py, px + pw, py + ph, f1) > pw / 2); /* both faint curves, long */
        /* The target band (227-277 N) is shaded: above and below it the plot differs from inside. */
        int yin, yout;
        ui_plot_map(ui, UI_VIEW_THERAPIST, -0.5, 240.0, &x, &yin);
        ui_plot_map(ui, UI_VIEW_THERAPIST, -0.5, 140.0, &x, &yout);
        CHECK(ui_image_rgb(&img, x, yin) != ui_image_rgb(&img, x, yout));
        /* The hold window (0-3 s) is shaded too: outside it, at 3.5 s, the background is darker. */
        int xin, xout;
        ui_plot_map(ui, UI_VIEW_THERAPIST, 2.5, 100.0, &xin, &yout);
        ui_plot_map(ui, UI_VIEW_THERAPIST, 3.6, 100.0, &xout, &yout);
        CHECK(ui_image_rgb(&img, xin, yout) != ui_image_rgb(&img, xout, yout));
        if (s == 1)
            save_png(ui, "ui-rep-view-1600x900.png");
        free(c.px);

        /* Before the onset is known the newest point is at 0: the baseline comes in from the left. */
        m.live.rep_onset_s = NAN;
        frame(ui, &m);
        double tl, fl;
        ui_trace_get(&rep_tr[0], rep_tr[0].n - 1, &tl, &fl);
        ui_plot_map(ui, UI_VIEW_THERAPIST, 0.0, fl, &x, &y);
        CHECK(x == x0);

        /* T: the rolling view (the session's clock at the right edge), T again: the rep view. */
        struct ui_input in;
        ui_poll(ui, &in);
        ui_fix_key(SDLK_t, 0);
        ui_poll(ui, &in);
        m.live.curves[0].trace = &rep_tr[0];
        m.live.t_now_s = 103.0;
        frame(ui, &m);
        ui_plot_map(ui, UI_VIEW_THERAPIST, 103.0, 0.0, &x, &y);
        CHECK_NEAR(x, px + pw - 1, 1.0);
        ui_fix_key(SDLK_t, 0);
        ui_poll(ui, &in);
        frame(ui, &m);
        ui_plot_map(ui, UI_VIEW_THERAPIST, -1.0, 0.0, &x, &y);
        CHECK_NEAR(x, px, 1.0);

        /* V: the patient's half goes, the therapist view takes the window; V again brings it back. */
        ui_fix_key(SDLK_v, 0);
        ui_poll(ui, &in);
        frame(ui, &m);
        struct ui_image t;
        struct st_err err;
        CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &t, &err), &err);
        CHECK_INT(t.w, sizes[s][0]);
        CHECK_INT(ui_view_pixels(ui, UI_VIEW_PATIENT, &t, &err), ST_ERR_ARG);
        ui_fix_key(SDLK_v, 0);
        ui_poll(ui, &in);
        frame(ui, &m);
        CHECK_OK(ui_view_pixels(ui, UI_VIEW_PATIENT, &t, &err), &err);
        /* The patient's bar shows the band: without it, a stretch of the bar around the target
         * changes (more than the target line itself). */
        struct ui_fix_copy with = ui_fix_grab(ui, UI_VIEW_PATIENT);
        m.live.band_lo_n = m.live.band_hi_n = NAN;
        frame(ui, &m);
        struct ui_fix_copy without = ui_fix_grab(ui, UI_VIEW_PATIENT);
        int bx0, by0, bx1, by1;
        CHECK(ui_fix_diff_box(&with, &without, &bx0, &by0, &bx1, &by1));
        CHECK(by0 >= with.h * 3 / 4 && bx1 - bx0 > with.w / 10);
        free(with.px);
        free(without.px);
        ui_close(ui);
    }
}

/* The layout unit follows the window and the display's DPI (pure): 1 at the reference size, the
 * smaller ratio, never below 0.55 x DPI / 96 (the DPI factor in 1..3), never above 3. */
static void test_layout_unit_follows_dpi(void)
{
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 1000, 780, 96), 1.0, 1e-6);
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 2000, 780, 96), 1.0, 1e-6); /* the smaller ratio */
    CHECK_NEAR(ui_layout_unit(UI_VIEW_PATIENT, 800, 600, 96), 1.0, 1e-6);
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 992, 720, 0), 720.0 / 780.0, 1e-6); /* unknown: 96 */
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 992, 720, NAN), 720.0 / 780.0, 1e-6);
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 992, 720, 72), 720.0 / 780.0, 1e-6); /* below 96: as 96 */
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 500, 390, 96), 0.55, 1e-6);         /* the floor */
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 992, 720, 192), 1.15 * 720 / 780, 1e-6); /* a dense display:
                                                                                         * 15 % more at most */
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 600, 400, 144), 1.15 * 400 / 780, 1e-6); /* not the 0.825 */
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 900, 600, 120), 0.55 * 1.25 > 600.0 / 780 ? 0.6875 : 600.0 / 780,
               1e-6);
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 200, 156, 300), 0.55, 1e-6); /* a tiny window: 0.55 still */
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 2380, 2160, 288), 2.38, 1e-6); /* the window wins */
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, 8000, 6000, 96), 3.0, 1e-6);   /* at most 3 */
    CHECK_NEAR(ui_layout_unit(UI_VIEW_THERAPIST, -5, 0, 96), 0.55, 1e-6);       /* no size: the floor */
    float last = 0;
    for (float d = 50; d <= 400; d += 10) { /* more DPI never makes text smaller */
        float u = ui_layout_unit(UI_VIEW_THERAPIST, 700, 500, d);
        CHECK(u >= last);
        last = u;
    }
    CHECK(last > ui_layout_unit(UI_VIEW_THERAPIST, 700, 500, 96));
}

/* The DPI in pixels, at 3840 x 2160: a 15.6-inch 4K panel (282 DPI) shows a full-screen window as the
 * window's size scales it (the same frame as at 96 DPI), and a 1280 x 720 window on it with larger
 * text and controls than the same window on a 96 DPI screen (a smaller plot between them). */
static void test_dpi_pixels(void)
{
    static const float dpis[2] = {96.0f, 282.0f};
    struct ui_fix_copy full[2];
    SDL_Rect plot[2];
    for (int i = 0; i < 2; i++) {
        for (int small = 0; small < 2; small++) {
            struct ui_opts o = ui_fix_opts(UI_LAYOUT_ONE_WINDOW, small ? 1280 : 3840, small ? 720 : 2160, 800, 600);
            o.dpi = dpis[i];
            struct ui *ui = ui_fix_open(&o);
            REQUIRE(ui);
            struct ui_model m;
            full_model(&m);
            frame(ui, &m);
            if (small)
                REQUIRE(ui_plot_rect(ui, UI_VIEW_THERAPIST, &plot[i].x, &plot[i].y, &plot[i].w, &plot[i].h));
            else
                full[i] = ui_fix_grab(ui, UI_VIEW_THERAPIST);
            if (small && i == 1)
                save_png(ui, "ui-1280x720-at-282dpi.png");
            ui_close(ui);
        }
    }
    int x0, y0, x1, y1;
    CHECK(full[0].w == 3840 * 62 / 100 && full[0].h == 2160);
    CHECK(!ui_fix_diff_box(&full[0], &full[1], &x0, &y0, &x1, &y1));
    CHECK(plot[1].y > plot[0].y);                 /* a taller header and cue strip above the plot */
    CHECK(plot[1].h < plot[0].h);                 /* taller buttons and status bar below it */
    CHECK(plot[1].w < plot[0].w);                 /* wider labels beside it */
    free(full[0].px);
    free(full[1].px);
}

/* The protocol's "no numbers" (feedback changes force): the patient's view loses the force number and
 * nothing else - the cue, the bar, the target and its band stay. */
static void test_patient_view_without_numbers(void)
{
    struct ui_model m;
    struct ui *ui = open_drawn(UI_LAYOUT_ONE_WINDOW, 1600, 900, &m);
    m.live.band_lo_n = 0.9 * m.live.block_best_n;
    m.live.band_hi_n = 1.1 * m.live.block_best_n;
    frame(ui, &m);
    struct ui_fix_copy with = ui_fix_grab(ui, UI_VIEW_PATIENT);
    m.live.patient_no_numbers = true;
    frame(ui, &m);
    struct ui_fix_copy without = ui_fix_grab(ui, UI_VIEW_PATIENT);
    int x0, y0, x1, y1;
    REQUIRE(ui_fix_diff_box(&with, &without, &x0, &y0, &x1, &y1));
    CHECK(y0 > with.h / 2 && y1 < with.h * 4 / 5); /* the number's place (under the cue, above the bar) */
    CHECK(x1 - x0 > with.w / 6);                  /* "245 N" was there */
    free(with.px);
    free(without.px);
    ui_close(ui);
}

/* Rows above y_end where more than a quarter of the row is the notice banner's blue (its words cover
 * the rest); *white gets the white (text) pixels in those rows. */
static int notice_rows(const struct ui_image *img, int y_end, long *white)
{
    int rows = 0;
    *white = 0;
    for (int y = 0; y < y_end; y++) {
        if (ui_fix_count_colour(img, 0, y, img->w, y + 1, ui_colour_rgb(UI_COL_NOTICE)) <= img->w / 4)
            continue;
        rows++;
        *white += ui_fix_count_colour(img, 0, y, img->w, y + 1, 0xffffff);
    }
    return rows;
}

/* A new block starts with a clean graph: the rep view with no rep yet (an empty trace) draws its time
 * from onset and no curve, though the rolling traces still hold the last block's rep; and the notices
 * say the news in a blue banner across the view, in white words: a skipped block, a rep that one more
 * follows. At 1280x720, 1600x900 and 3840x2160. */
static void test_new_block_clean_graph_and_notices(void)
{
    static const int sizes[][2] = {{1280, 720}, {1600, 900}, {3840, 2160}};
    static double et[8], ef[8];
    static struct ui_trace empty;
    uint32_t curve = ui_colour_rgb(UI_COL_CURVE0);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        struct ui *ui = open_ui(UI_LAYOUT_ONE_WINDOW, sizes[s][0], sizes[s][1]);
        REQUIRE(ui);
        struct ui_model m;
        rep_model(&m); /* the last block: its rep, and two earlier ones faint behind it */
        frame(ui, &m);
        struct ui_fix_copy before = ui_fix_grab(ui, UI_VIEW_THERAPIST);
        struct ui_image img = ui_fix_image(&before);
        int px, py, pw, ph, x, y;
        REQUIRE(ui_plot_rect(ui, UI_VIEW_THERAPIST, &px, &py, &pw, &ph));
        ui_plot_map(ui, UI_VIEW_THERAPIST, 1.0, 182.0, &x, &y);
        uint32_t faint = ui_image_rgb(&img, x, y);
        CHECK(ui_fix_count_colour(&img, px, py, px + pw, py + ph, curve) > pw / 4);
        CHECK(ui_fix_count_colour(&img, px, py, px + pw, py + ph, faint) > pw / 4);
        long white = 0;
        CHECK_INT(notice_rows(&img, py, &white), 0);

        /* The next block, skipped into: no rep yet, the block's news in the banner. */
        ui_trace_init(&empty, et, ef, 8);
        m.live.rep = &empty;
        m.live.rep_onset_s = NAN;
        m.live.n_earlier = 0;
        m.live.block_best_n = m.live.band_lo_n = m.live.band_hi_n = NAN;
        m.live.curves[0].trace = &rep_tr[0];
        m.live.t_now_s = 101.5; /* the rolling traces end with the last block's rep */
        m.n_reps = 0;
        m.session.block = 3;
        snprintf(m.notice, sizeof m.notice, "Block skipped (adduction, right): 0 reps count");
        frame(ui, &m);
        struct ui_fix_copy after = ui_fix_grab(ui, UI_VIEW_THERAPIST);
        img = ui_fix_image(&after);
        REQUIRE(ui_plot_rect(ui, UI_VIEW_THERAPIST, &px, &py, &pw, &ph));
        CHECK_INT(ui_fix_count_colour(&img, px, py, px + pw, py + ph, curve), 0);
        CHECK_INT(ui_fix_count_colour(&img, px, py, px + pw, py + ph, faint), 0);
        ui_plot_map(ui, UI_VIEW_THERAPIST, -1.0, 0.0, &x, &y); /* the rep view's axis: 1 s before onset */
        CHECK_NEAR(x, px, 1.0);
        int rows = notice_rows(&img, py, &white);
        CHECK(rows > sizes[s][1] / 40);
        CHECK(white > rows * 4);
        if (s == 1)
            save_png(ui, "ui-new-block-1600x900.png");

        /* A flagged rep not counted: one more follows, said in the banner (two lines if need be). */
        snprintf(m.notice, sizeof m.notice,
                 "Rep 2 not counted (released too early, pushing before the start): one more rep follows");
        snprintf(m.last.next, sizeof m.last.next, "not counted: one more rep follows");
        frame(ui, &m);
        struct ui_image now;
        struct st_err err;
        CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &now, &err), &err);
        REQUIRE(ui_plot_rect(ui, UI_VIEW_THERAPIST, &px, &py, &pw, &ph));
        long white2 = 0;
        int rows2 = notice_rows(&now, py, &white2);
        CHECK(rows2 >= rows);
        CHECK(white2 > white); /* more words */
        free(before.px);
        free(after.px);
        ui_close(ui);
    }
}

/* The lazy ui's last frame of both views equals a whole frame of m drawn by a new, eager UI of the
 * same size, and its window shows those frames (what it presented in pieces adds up to them). */
static void same_as_whole(struct ui *ui, const struct ui_model *m, bool rolling)
{
    struct ui_fix_copy part = ui_fix_grab(ui, UI_VIEW_THERAPIST), part_p = ui_fix_grab(ui, UI_VIEW_PATIENT);
    struct ui_image shown;
    struct st_err err;
    CHECK_OK(ui_window_pixels(ui, UI_VIEW_THERAPIST, &shown, &err), &err);
    struct ui_fix_copy win = {.px = malloc((size_t)shown.w * shown.h * sizeof *win.px), .w = shown.w, .h = shown.h};
    REQUIRE(win.px);
    memcpy(win.px, shown.px, (size_t)shown.w * shown.h * sizeof *win.px);
    struct ui *full = open_ui(UI_LAYOUT_ONE_WINDOW, win.w, win.h);
    REQUIRE(full);
    if (rolling) { /* the T key's view is the UI's own state, not the model's */
        struct ui_input in;
        ui_fix_key(SDLK_t, 0);
        ui_poll(full, &in);
    }
    frame(full, m);
    struct ui_fix_copy whole = ui_fix_grab(full, UI_VIEW_THERAPIST), whole_p = ui_fix_grab(full, UI_VIEW_PATIENT);
    int x0, y0, x1, y1;
    if (ui_fix_diff_box(&part, &whole, &x0, &y0, &x1, &y1))
        check_fail(__FILE__, __LINE__, "therapist view differs from a whole frame in (%d,%d)-(%d,%d)", x0, y0, x1, y1);
    if (ui_fix_diff_box(&part_p, &whole_p, &x0, &y0, &x1, &y1))
        check_fail(__FILE__, __LINE__, "patient view differs from a whole frame in (%d,%d)-(%d,%d)", x0, y0, x1, y1);
    /* The window: each view where the layout puts it (the therapist's at 0,0, the patient's at the right). */
    struct ui_image wi = ui_fix_image(&win), ti = ui_fix_image(&part), pi = ui_fix_image(&part_p);
    long off = 0;
    for (int y = 0; y < ti.h; y++)
        for (int x = 0; x < ti.w; x++)
            off += ui_image_rgb(&wi, x, y) != ui_image_rgb(&ti, x, y);
    for (int y = 0; y < pi.h; y++)
        for (int x = 0; x < pi.w; x++)
            off += ui_image_rgb(&wi, win.w - pi.w + x, y) != ui_image_rgb(&pi, x, y);
    if (off != 0)
        check_fail(__FILE__, __LINE__, "%ld pixels of the window differ from its views' frames", off);
    free(part.px);
    free(part_p.px);
    free(whole.px);
    free(whole_p.px);
    free(win.px);
    ui_close(full);
}

/* A lazy frame once it is due: ui_next_frame_ns says when (within a refresh interval or the numbers'
 * 250 ms), then ui_frame draws. */
static void frame_when_due(struct ui *ui, const struct ui_model *m)
{
    struct ui_input in;
    ui_poll(ui, &in); /* what the loop does when it wakes: the window's events first */
    int64_t due = ui_next_frame_ns(ui, m), now = st_now_ns();
    CHECK(due != INT64_MAX);
    CHECK(due - now <= 260 * ST_NS_PER_MS);
    if (due != INT64_MAX && due > now)
        st_sleep_ns(due - now);
    uint64_t n = ui_frames_drawn(ui);
    frame(ui, m);
    if (ui_frames_drawn(ui) != n + 1)
        check_fail(__FILE__, __LINE__, "no frame when due (%lld ns from now)", (long long)(due - now));
}

/* opts.lazy: a frame is drawn only when it would differ; the numbers alone at most 4 times a second;
 * at most one frame in each of the display's refresh intervals. */
static void test_lazy_frames(void)
{
    struct ui *ui = open_ui_lazy(UI_LAYOUT_ONE_WINDOW, 1280, 720, true);
    REQUIRE(ui);
    struct st_err err;
    struct ui_model m;
    rep_model(&m);
    struct ui_input in;
    ui_poll(ui, &in);
    int64_t refresh = ui_refresh_ns(ui);
    CHECK(refresh >= ST_NS_PER_S / 240 && refresh <= ST_NS_PER_S / 24);
    frame(ui, &m);
    CHECK_INT(ui_frames_drawn(ui), 1);
    m.live.t_now_s += 0.5; /* the rep view does not use the clock */
    m.live.force_n += 0.01; /* below the last digit shown */
    ui_trace_push(&traces[0], 10.5, 3.0); /* nor the device's rolling trace, which streams at rest too */
    m.devices[0].rate_hz = 1000.3; /* nor the measured rate below the whole hertz the status bar shows */
    CHECK(ui_next_frame_ns(ui, &m) == INT64_MAX); /* nothing to draw: the loop may sleep */
    frame(ui, &m);
    CHECK_INT(ui_frames_drawn(ui), 1);
    m.session.cue = UI_CUE_RELAX; /* a new cue: drawn within the next refresh interval */
    int64_t due = ui_next_frame_ns(ui, &m);
    CHECK(due != INT64_MAX && due <= st_now_ns() + refresh);
    int64_t before = st_now_ns();
    frame_when_due(ui, &m);
    CHECK_INT(ui_frames_drawn(ui), 2);
    m.live.force_n += 1.0; /* a new number: not within 250 ms of the last frame ... */
    due = ui_next_frame_ns(ui, &m);
    CHECK(due >= before + 250 * ST_NS_PER_MS && due != INT64_MAX);
    frame(ui, &m);
    CHECK(ui_frames_drawn(ui) == 2 || st_now_ns() >= due); /* (a machine that stalled 250 ms may draw it) */
    frame_when_due(ui, &m); /* ... but after it, only the numbers' places: the same pixels as a whole frame */
    CHECK(ui_frames_drawn(ui) >= 3);
    same_as_whole(ui, &m, false);
    double t, f; /* a new sample of the rep in view: drawn at the next interval (the curve's new column,
                  * the numbers and the patient's numbers only), the same pixels as a whole frame */
    ui_trace_get(&rep_tr[0], rep_tr[0].n - 1, &t, &f);
    ui_trace_push(&rep_tr[0], t + 0.001, f + 40.0);
    m.live.force_n = f + 40.0;
    before = st_now_ns();
    frame_when_due(ui, &m); /* (each frame_when_due checks that it drew one frame) */
    ui_trace_push(&rep_tr[0], t + 0.002, f + 41.0); /* the next one: not due within 3/4 of an interval */
    CHECK(ui_next_frame_ns(ui, &m) >= before + refresh * 3 / 4);
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    ui_fix_key(SDLK_F1, 0); /* the help overlay */
    CHECK(ui_next_frame_ns(ui, &m) <= st_now_ns()); /* a key waits: poll now */
    ui_poll(ui, &in);
    frame_when_due(ui, &m);
    ui_fix_key(SDLK_t, 0); /* closes the help (and does nothing else) */
    ui_poll(ui, &in);
    frame_when_due(ui, &m);
    ui_fix_key(SDLK_t, 0); /* the rolling view: now the clock moves the curve */
    ui_poll(ui, &in);
    frame_when_due(ui, &m);
    m.live.t_now_s += 0.02;
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, true);
    CHECK_OK(ui_window_resize(ui, UI_VIEW_THERAPIST, 1000, 600, &err), &err);
    frame_when_due(ui, &m);
    struct ui_image img;
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.h, 600);
    ui_close(ui);
}

/* Appends n points of a push to tr from its newest: rising by step N each, as a rep streams in. */
static void stream(struct ui_trace *tr, int n, double step)
{
    double t, f;
    ui_trace_get(tr, tr->n - 1, &t, &f);
    for (int i = 1; i <= n; i++)
        ui_trace_push(tr, t + i * 0.001, f + i * step + 3.0 * sin(i * 0.7));
}

/* Four channels streaming at 1 kHz into the rolling view's traces: the samples up to now on every
 * channel whose cable is not pulled, each a push of its own with a ripple. */
#define ROLL_CAP 24000
static double roll_t[4][ROLL_CAP], roll_f[4][ROLL_CAP];
static struct ui_trace roll_tr[4];

static void roll_stream(double now, const bool pulled[4], double gain)
{
    for (int c = 0; c < 4; c++) {
        double t, f;
        ui_trace_get(&roll_tr[c], roll_tr[c].n - 1, &t, &f);
        long i = lround(t * 1000.0) + 1;
        if (pulled[c])
            continue;
        for (; i * 0.001 <= now - 0.002; i++) { /* (the newest sample 2 ms old, as a reader hands them over) */
            double ts = i * 0.001, ph = fmod(ts + c * 1.7, 6.0);
            double push = ph < 0.5 ? ph / 0.5 : ph < 3.0 ? 1.0 : ph < 3.4 ? 1.0 - (ph - 3.0) / 0.4 : 0.0;
            ui_trace_push(&roll_tr[c], ts, gain * (2.0 + push * (230.0 - 35.0 * c)) + 4.0 * sin(ts * 300.0 + c));
        }
    }
}

/*
 * The rolling view scrolled (drawn by its new columns onto the ring of columns it keeps) against frames
 * drawn from scratch: four channels streaming at 1 kHz for a few seconds of frames, two of them in traces
 * that hold just the 10 s shown (their first columns change as they drop their oldest points), a cable
 * pulled and plugged back (a stalled curve, then a new line), a sample that comes late, after its
 * channel's columns were taken as final (the ring is drawn whole again), a rescale of the force axis, a
 * change of the active channel and a resize.
 */
static void rolling_frames_equal_scratch(void)
{
    struct ui *ui = open_ui_lazy(UI_LAYOUT_ONE_WINDOW, 1600, 900, true);
    REQUIRE(ui);
    struct ui_model m;
    full_model(&m);
    const double t0 = 1000.0;
    bool pulled[4] = {false, false, false, false};
    for (int c = 0; c < 4; c++) {
        ui_trace_init(&roll_tr[c], roll_t[c], roll_f[c], c < 2 ? 10001 : ROLL_CAP);
        ui_trace_push(&roll_tr[c], t0 - 12.0, 2.0);
        m.live.curves[c].trace = &roll_tr[c];
        snprintf(m.live.curves[c].label, sizeof m.live.curves[c].label, "Pad %d", c + 1);
    }
    m.live.n_curves = 4;
    m.live.active = 1;
    m.live.t_now_s = t0;
    roll_stream(t0, pulled, 1.0);
    frame(ui, &m);
    double gain = 1.0;
    for (int k = 1; k <= 150; k++) {
        m.live.t_now_s = t0 + k / 60.0 + (k >= 40 ? 0.05 : 0.0); /* (a frame 50 ms late) */
        pulled[2] = k >= 50 && k < 110; /* a second without samples on channel 3 */
        if (k == 90) { /* channel 4 stalled 0.6 s, then a sample from 0.1 s after its newest comes in */
            double t, f;
            ui_trace_get(&roll_tr[3], roll_tr[3].n - 1, &t, &f);
            ui_trace_push(&roll_tr[3], t + 0.1, f + 50.0);
        }
        pulled[3] = k >= 54 && k < 90;
        if (k == 120)
            gain = 2.5; /* above the force axis: it rescales */
        if (k == 135)
            m.live.active = 0;
        if (k == 140) {
            struct st_err err;
            CHECK_OK(ui_window_resize(ui, UI_VIEW_THERAPIST, 1280, 720, &err), &err);
        }
        roll_stream(m.live.t_now_s, pulled, gain);
        double t, f;
        ui_trace_get(&roll_tr[m.live.active], roll_tr[m.live.active].n - 1, &t, &f);
        m.live.force_n = f;
        frame_when_due(ui, &m);
        if (k == 1 || k == 45 || k == 80 || k == 89 || k == 91 || k == 115 || k == 121 || k == 136 || k == 141 ||
            k == 150)
            same_as_whole(ui, &m, true);
    }
    ui_close(ui);
}

/*
 * The caches (the curve panel's layers and the rep drawn a column at a time, the views redrawn in
 * parts, the window presented in rectangles) against frames drawn from scratch, pixel for pixel: while a
 * rep streams in from before its onset (the onset not known, then known), after the force axis rescales,
 * after a resize and after a decision (the rep replaced by the engine's own trace, the table and the
 * balance changed), and in the rolling view (rolling_frames_equal_scratch: scrolled).
 */
static void test_cached_frames_equal_scratch(void)
{
    struct ui *ui = open_ui_lazy(UI_LAYOUT_ONE_WINDOW, 1600, 900, true); /* (the dot wider than the line) */
    REQUIRE(ui);
    struct st_err err;
    struct ui_model m;
    rep_model(&m);
    static double t[6000], f[6000];
    struct ui_trace rep;
    ui_trace_init(&rep, t, f, 6000);
    for (int i = 0; i < 300; i++) /* the rep so far: the leg at rest before the push */
        ui_trace_push(&rep, 200.0 + i * 0.001, 2.0 + 0.5 * sin(i * 0.3));
    m.live.rep = &rep;
    m.live.rep_onset_s = NAN; /* not known yet: the newest point is at 0, the curve slides */
    m.session.cue = UI_CUE_PUSH;
    frame(ui, &m);
    for (int k = 0; k < 3; k++) {
        stream(&rep, 17, 0.0);
        frame_when_due(ui, &m);
    }
    same_as_whole(ui, &m, false);
    stream(&rep, 20, 1.5); /* a twitch, then rest again until it has slid out of the view's second */
    frame_when_due(ui, &m);
    stream(&rep, 20, -1.5);
    for (int k = 0; k < 5; k++) {
        stream(&rep, 300, 0.0);
        frame_when_due(ui, &m);
    }
    same_as_whole(ui, &m, false);
    m.live.rep_onset_s = 200.0 + 0.35; /* the onset: the curve stays, new points come in at its right */
    m.session.cue = UI_CUE_HOLD;
    frame_when_due(ui, &m);
    for (int k = 0; k < 12; k++) {
        stream(&rep, 16 + k % 2, 4.0);
        double tn, fn;
        ui_trace_get(&rep, rep.n - 1, &tn, &fn);
        m.live.force_n = fn;
        frame_when_due(ui, &m);
    }
    same_as_whole(ui, &m, false);
    uint64_t drawn = ui_frames_drawn(ui);
    stream(&rep, 40, 12.0); /* above the block's best and its band: the force axis rescales */
    frame_when_due(ui, &m);
    CHECK(ui_frames_drawn(ui) == drawn + 1);
    same_as_whole(ui, &m, false);
    for (int k = 0; k < 5; k++) {
        stream(&rep, 17, -1.0);
        frame_when_due(ui, &m);
    }
    same_as_whole(ui, &m, false);
    double tg, fg; /* a pulled cable: 0.4 s without samples breaks the line (the dot moves on alone) */
    ui_trace_get(&rep, rep.n - 1, &tg, &fg);
    ui_trace_push(&rep, tg + 0.4, fg - 120.0);
    frame_when_due(ui, &m);
    stream(&rep, 17, 0.5);
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    CHECK_OK(ui_window_resize(ui, UI_VIEW_THERAPIST, 1100, 640, &err), &err);
    stream(&rep, 17, -1.0);
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    for (int k = 0; k < 4; k++) {
        stream(&rep, 17, -30.0); /* the release */
        frame_when_due(ui, &m);
    }
    /* The decision: the engine's own trace replaces the one streamed (from 1 s before the push), the
     * rep is accepted and saved, the table and the balance change. */
    ui_trace_clear(&rep);
    for (int i = 0; i < 2500; i++)
        ui_trace_push(&rep, 199.4 + i * 0.001, 2.0 + trapezoid(199.4 + i * 0.001, 200.4, 0.3, 201.6, 263.0));
    m.live.rep_onset_s = 200.4;
    m.last.valid = true;
    m.last.peak_n = 263.0;
    m.last.saved = true;
    m.n_reps = 1;
    m.reps[0] = (struct ui_rep){.index = 1, .pain = -1, .peak_n = 263.0, .status = UI_REP_ACCEPTED, .saved = true};
    m.session.cue = UI_CUE_REST;
    m.session.state_remaining_s = 20.0;
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    m.session.state_remaining_s = 19.7; /* the rest counts down: numbers only */
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    ui_fix_key(SDLK_t, 0); /* the rolling view: its clock moves every curve */
    struct ui_input in;
    ui_poll(ui, &in);
    for (int k = 0; k < 3; k++) {
        m.live.t_now_s += 0.017;
        frame_when_due(ui, &m);
    }
    same_as_whole(ui, &m, true);
    ui_close(ui);
    rolling_frames_equal_scratch();
}

/*
 * The numbers drawn in parts against whole frames, pixel for pixel (view and window): the force in
 * tenths that leaves the patient's whole newtons and bar alone, the bar growing and shrinking within its
 * scale (only the columns between its ends redrawn) and past it (its whole band), to nothing, to a
 * sliver narrower than its rounded corners, no reading at all; the seconds left that leave the
 * patient's "Hold" as it is and that change the countdown's digit; a new cue, the state's name, the
 * therapist's and the patient's words for it, the onset line, the rep's onset and the earlier reps
 * behind it (drawn in parts, not whole); a device's rate in the status bar (redrawn alone), below the
 * whole hertz shown (no frame) and gone.
 */
static void test_numbers_drawn_in_parts(void)
{
    struct ui *ui = open_ui_lazy(UI_LAYOUT_ONE_WINDOW, 1280, 720, true);
    REQUIRE(ui);
    struct ui_model m;
    rep_model(&m);
    m.live.force_n = 200.04;
    frame(ui, &m);
    static const double forces[] = {200.14, 203.0, 150.0, 330.0, 0.0, 3.0, NAN, 120.0};
    for (size_t i = 0; i < sizeof forces / sizeof forces[0]; i++) {
        m.live.force_n = forces[i];
        frame_when_due(ui, &m);
        same_as_whole(ui, &m, false);
    }
    m.session.state_remaining_s = 2.3; /* "Hold" stays "Hold" */
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    m.session.cue = UI_CUE_READY; /* a new cue: its parts of both views, at the next interval */
    m.session.state_remaining_s = 2.5;
    CHECK(ui_next_frame_ns(ui, &m) <= st_now_ns() + ui_refresh_ns(ui));
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    m.session.state_remaining_s = 1.5; /* the countdown's 3 becomes 2 */
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    snprintf(m.session.state, sizeof m.session.state, "armed"); /* the state's name, the onset line */
    m.live.threshold_n = 40.0;
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    m.session.cue = UI_CUE_PUSH; /* with the rep's newest points: the curve's panel too */
    stream(&rep_tr[0], 17, 2.0);
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    m.live.rep_onset_s = 100.2; /* the onset found: the rep moves to its place */
    m.live.n_earlier = 1;       /* (and a rep less behind it) */
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    snprintf(m.session.cue_text, sizeof m.session.cue_text, "Push out, as hard as you can");
    snprintf(m.session.patient_cue, sizeof m.session.patient_cue, "Push!!");
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    m.session.cue = UI_CUE_HOLD; /* the patient's words stay, their colour changes */
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    m.devices[0].rate_hz = 1001.2; /* the status bar alone */
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    m.devices[0].rate_hz = 1000.6; /* still 1001 Hz shown: nothing to draw */
    struct ui_input in;
    ui_poll(ui, &in); /* (the whole frame's window came and went: its events) */
    CHECK(ui_next_frame_ns(ui, &m) == INT64_MAX);
    m.devices[0].rate_hz = NAN;
    frame_when_due(ui, &m);
    same_as_whole(ui, &m, false);
    ui_close(ui);
}

/* F (and F11) puts the window full screen; Ctrl+F is the desktop's key, not ours. (Leaving full
 * screen again is not checked: SDL's offscreen driver has no window manager to restore the size.) */
static void test_full_screen_key(void)
{
    SDL_Rect r;
    const SDL_Keycode keys[2] = {SDLK_f, SDLK_F11};
    for (int k = 0; k < 2; k++) {
        struct ui *ui = open_ui(UI_LAYOUT_THERAPIST_ONLY, 800, 600);
        REQUIRE(ui);
        REQUIRE(SDL_GetDisplayBounds(0, &r) == 0);
        REQUIRE(r.w != 800 || r.h != 600);
        struct ui_model m;
        full_model(&m);
        struct ui_input in;
        struct ui_image img;
        struct st_err err;
        if (keys[k] == SDLK_f) { /* Ctrl+F belongs to the desktop (F11 is ours with any modifier) */
            ui_fix_key(keys[k], KMOD_LCTRL);
            ui_poll(ui, &in);
            frame(ui, &m);
            CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
            CHECK(img.w == 800 && img.h == 600);
        }
        ui_fix_key(keys[k], 0);
        ui_poll(ui, &in);
        frame(ui, &m);
        CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
        CHECK(img.w == r.w && img.h == r.h);
        ui_close(ui);
    }
}

int main(void)
{
    SDL_SetMemoryFunctions(count_malloc, count_calloc, count_realloc, count_free);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    fill_traces();
    CHECK_RUN(test_trace_ring);
    CHECK_RUN(test_words);
    CHECK_RUN(test_sound_render);
    CHECK_RUN(test_missing_font);
    CHECK_RUN(test_no_display);
    CHECK_RUN(test_curve_follows_points);
    CHECK_RUN(test_two_channels);
    CHECK_RUN(test_threshold_and_best_lines);
    CHECK_RUN(test_big_numbers);
    CHECK_RUN(test_lost_banner);
    CHECK_RUN(test_patient_view_shows_no_flags);
    CHECK_RUN(test_drop_counter);
    CHECK_RUN(test_resize);
    CHECK_RUN(test_two_windows);
    CHECK_RUN(test_hostile_model);
    CHECK_RUN(test_keys_and_buttons);
    CHECK_RUN(test_steady_frames_allocate_nothing);
    CHECK_RUN(test_sound_device);
    CHECK_RUN(test_screenshots);
    CHECK_RUN(test_flag_and_cue_words);
    CHECK_RUN(test_final_balance_screen);
    CHECK_RUN(test_help_overlay_and_q);
    CHECK_RUN(test_png_screenshot);
    CHECK_RUN(test_default_size_fits_the_display);
    CHECK_RUN(test_rep_view);
    CHECK_RUN(test_new_block_clean_graph_and_notices);
    CHECK_RUN(test_patient_view_without_numbers);
    CHECK_RUN(test_layout_unit_follows_dpi);
    CHECK_RUN(test_dpi_pixels);
    CHECK_RUN(test_lazy_frames);
    CHECK_RUN(test_cached_frames_equal_scratch);
    CHECK_RUN(test_numbers_drawn_in_parts);
    CHECK_RUN(test_full_screen_key);
    return check_done();
}
