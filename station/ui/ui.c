/*
 * ui.c - the UI's windows, frame loop and input: opens one or two windows, draws each view into its
 * own render-target texture and puts the textures on screen, and maps keys and clicks to actions.
 *
 * Why render targets: each view is drawn at its own size into its own texture and then copied to its
 * window, so the same drawing code serves the side-by-side layout, the two-window layout and a
 * full-screen patient monitor, and the last frame of every view can be read back at any time (for
 * screenshots and pixel tests) even on renderers whose back buffer is undefined after a present.
 *
 * The UI keeps no session state. The only state of its own is presentational: window sizes, caches,
 * the mouse position for hover, and "Esc was pressed once" for the abort confirmation.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "station/ui/ui_priv.h"

#include <SDL_syswm.h> /* the X11 connection's fd (ui_event_fd): Xlib's headers come with libsdl2-dev */

#define UI_ONE_W 1600
#define UI_ONE_H 900
#define UI_THERAPIST_W 1280
#define UI_THERAPIST_H 800
#define UI_PATIENT_W 1024
#define UI_PATIENT_H 768

struct ui_opts ui_opts_default(void)
{
    return (struct ui_opts){
        .layout = UI_LAYOUT_AUTO,
        .patient_display = -1,
        .sound = true,
    };
}

enum ui_layout ui_layout_get(const struct ui *ui)
{
    return ui->layout;
}

static enum st_status check_font(const char *path, struct st_err *err)
{
    if (access(path, R_OK) != 0)
        return st_err_set(err, ST_ERR_NOT_FOUND,
                          "The font file %s is missing: install the Debian package fonts-dejavu-core "
                          "(apt-get install fonts-dejavu-core)",
                          path);
    TTF_Font *f = TTF_OpenFont(path, 16);
    if (!f)
        return st_err_set(err, ST_ERR_PARSE,
                          "The font file %s could not be read (%s): reinstall the Debian package "
                          "fonts-dejavu-core",
                          path, TTF_GetError());
    TTF_CloseFont(f);
    return ST_OK;
}

static enum st_status display_error(struct st_err *err, const char *what)
{
    return st_err_set(err, ST_ERR_DISPLAY,
                      "No display: run with --headless, or start it from the desktop (%s: %s)", what,
                      SDL_GetError());
}

/*
 * The window's size when the caller gave none (*w or *h <= 0): nine tenths of the display's usable
 * area (a 1366 x 768 laptop gets 1229 x 691, a 4K monitor most of its width), never below 640 x 400;
 * the default size def_w x def_h when SDL cannot say how big the display is. A size the caller gave
 * is kept. Sizes are in the display's points: on a HiDPI display the renderer has more pixels, and
 * the views scale their text with them.
 */
static void fit_display(int display, int def_w, int def_h, int *w, int *h)
{
    if (*w > 0 && *h > 0)
        return;
    SDL_Rect r;
    if (SDL_GetDisplayUsableBounds(display, &r) != 0 || r.w < 64 || r.h < 64) {
        *w = def_w;
        *h = def_h;
        return;
    }
    *w = r.w * 9 / 10 < 640 ? (r.w < 640 ? r.w : 640) : r.w * 9 / 10;
    *h = r.h * 9 / 10 < 400 ? (r.h < 400 ? r.h : 400) : r.h * 9 / 10;
}

/* The DPI of the display the window is on (0 when SDL cannot tell: ui_layout_unit takes 96). */
static float display_dpi(SDL_Window *win)
{
    float ddpi = 0;
    int d = SDL_GetWindowDisplayIndex(win);
    if (d < 0 || SDL_GetDisplayDPI(d, &ddpi, NULL, NULL) != 0 || !(ddpi > 0))
        return 0.0f;
    return ddpi;
}

static enum st_status win_open(struct ui *ui, int idx, const char *title, int x, int y, int w, int h,
                               Uint32 extra_flags, struct st_err *err)
{
    struct ui_win *win = &ui->wins[idx];
    win->win =
        SDL_CreateWindow(title, x, y, w, h, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI | extra_flags);
    if (!win->win)
        return display_error(err, "the window could not be opened");
    win->id = SDL_GetWindowID(win->win);
    win->ddpi = ui->opts.dpi > 0 ? ui->opts.dpi : display_dpi(win->win);
    if (!ui->no_gpu)
        win->ren = SDL_CreateRenderer(win->win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_TARGETTEXTURE);
    if (win->ren && !SDL_RenderTargetSupported(win->ren)) {
        SDL_DestroyRenderer(win->ren);
        win->ren = NULL;
    }
    if (!win->ren)
        win->ren = SDL_CreateRenderer(win->win, -1, SDL_RENDERER_SOFTWARE);
    if (!win->ren)
        return display_error(err, "no renderer");
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(win->ren, &info) == 0) {
        ST_INFO("ui", "window %d: video driver %s, renderer %s", idx, SDL_GetCurrentVideoDriver(), info.name);
        win->soft = (info.flags & SDL_RENDERER_SOFTWARE) != 0;
    }
    /* The views' targets in the window's own format when the software renderer draws (they have no
     * use for alpha): then putting them on the window is a copy of rows, not a conversion of pixels. */
    Uint32 wf = SDL_GetWindowPixelFormat(win->win);
    win->format = win->soft && SDL_BYTESPERPIXEL(wf) == 4 && SDL_BITSPERPIXEL(wf) == 24 ? wf : SDL_PIXELFORMAT_ARGB8888;
    win->present_all = true;
    SDL_GetRendererOutputSize(win->ren, &win->out_w, &win->out_h);
    ui->n_wins = idx + 1;
    return ST_OK;
}

enum st_status ui_open(const struct ui_opts *opts, struct ui **out, struct st_err *err)
{
    *out = NULL;
    struct ui *ui = calloc(1, sizeof *ui);
    if (!ui)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    ui->opts = opts ? *opts : ui_opts_default();
    snprintf(ui->font_path, sizeof ui->font_path, "%s", ui->opts.font ? ui->opts.font : STATION_FONT);
    snprintf(ui->bold_path, sizeof ui->bold_path, "%s",
             ui->opts.font_bold ? ui->opts.font_bold : STATION_FONT_BOLD);
    snprintf(ui->title, sizeof ui->title, "%s", ui->opts.title ? ui->opts.title : "Station");
    snprintf(ui->fallback_path, sizeof ui->fallback_path, "%s",
             ui->opts.font_fallback ? ui->opts.font_fallback : STATION_FONT_FALLBACK);
    if (ui->fallback_path[0] && access(ui->fallback_path, R_OK) != 0) {
        ST_WARN("ui", "no fallback font %s (Debian package fonts-droid-fallback): Chinese, Japanese and "
                "Korean text will show as boxes", ui->fallback_path);
        ui->fallback_path[0] = '\0';
    }
    ui->opts.font_fallback = ui->fallback_path;
    ui->opts.font = ui->font_path;
    ui->opts.font_bold = ui->bold_path;
    ui->opts.title = ui->title;
    ui->hover_win = -1;
    enum st_status st;

    if (access(ui->font_path, R_OK) != 0 || access(ui->bold_path, R_OK) != 0) {
        st = check_font(access(ui->font_path, R_OK) != 0 ? ui->font_path : ui->bold_path, err);
        free(ui);
        return st;
    }
    /* The station handles its own signals (Ctrl-C ends a session cleanly). */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    /* Native line drawing: the default ("points") builds a point array on the heap for every line
     * strip, i.e. allocations in every frame of the curve. */
    SDL_SetHint(SDL_HINT_RENDER_LINE_METHOD, "2");
    /* The software renderer draws into the window's own surface (MIT-SHM on X11). Left to itself,
     * SDL 2.26 backs that surface with an OpenGL texture uploaded at every present, which on a machine
     * without a GPU is Mesa's llvmpipe: a whole core in two extra threads for a 1600 x 900 window
     * (bench_ui, Xvfb). An accelerated renderer does not use the surface: this only reaches the
     * software one. (An SDL_FRAMEBUFFER_ACCELERATION set in the environment still wins.) */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        st = display_error(err, "no video");
        free(ui);
        return st;
    }
    ui->video_up = true;
    /* The offscreen and dummy drivers have no GPU: draw in software (the hint above keeps SDL from
     * creating a GL context just to ask whether it could accelerate the window surface). The software
     * renderer is also exact to the pixel, which the tests rely on. */
    const char *driver = SDL_GetCurrentVideoDriver();
    if (driver && (strcmp(driver, "offscreen") == 0 || strcmp(driver, "dummy") == 0))
        ui->no_gpu = true;
    if (TTF_Init() != 0) {
        st = st_err_set(err, ST_ERR_INTERNAL, "The text library could not start: %s", TTF_GetError());
        ui_close(ui);
        return st;
    }
    ui->ttf_up = true;
    if ((st = check_font(ui->font_path, err)) != ST_OK || (st = check_font(ui->bold_path, err)) != ST_OK) {
        ui_close(ui);
        return st;
    }

    int displays = SDL_GetNumVideoDisplays();
    ui->layout = ui->opts.layout;
    if (ui->layout == UI_LAYOUT_AUTO)
        ui->layout = displays > 1 ? UI_LAYOUT_TWO_WINDOWS : UI_LAYOUT_ONE_WINDOW;

    char title[160];
    if (ui->layout == UI_LAYOUT_TWO_WINDOWS) {
        int w = ui->opts.width, h = ui->opts.height;
        fit_display(0, UI_THERAPIST_W, UI_THERAPIST_H, &w, &h);
        snprintf(title, sizeof title, "%s \xe2\x80\x94 therapist", ui->title);
        st = win_open(ui, 0, title, SDL_WINDOWPOS_CENTERED_DISPLAY(0), SDL_WINDOWPOS_CENTERED_DISPLAY(0), w,
                      h, 0, err);
        if (st == ST_OK) {
            int d = ui->opts.patient_display;
            for (int i = 0; ui->opts.patient_display_name && i < displays; i++)
                if (SDL_GetDisplayName(i) && !strcmp(SDL_GetDisplayName(i), ui->opts.patient_display_name))
                    d = i;
            if (d < 0 || d >= displays)
                d = displays > 0 ? displays - 1 : 0;
            int pw = ui->opts.patient_width, ph = ui->opts.patient_height;
            fit_display(d, UI_PATIENT_W, UI_PATIENT_H, &pw, &ph);
            snprintf(title, sizeof title, "%s \xe2\x80\x94 patient", ui->title);
            st = win_open(ui, 1, title, SDL_WINDOWPOS_CENTERED_DISPLAY(d), SDL_WINDOWPOS_CENTERED_DISPLAY(d),
                          pw, ph, ui->opts.patient_fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0, err);
        }
        ui->views[UI_VIEW_THERAPIST] = (struct ui_viewport){.shown = true, .win = 0};
        ui->views[UI_VIEW_PATIENT] = (struct ui_viewport){.shown = true, .win = 1};
    } else {
        int w = ui->opts.width, h = ui->opts.height;
        bool one = ui->layout == UI_LAYOUT_ONE_WINDOW;
        fit_display(0, one ? UI_ONE_W : UI_THERAPIST_W, one ? UI_ONE_H : UI_THERAPIST_H, &w, &h);
        st = win_open(ui, 0, ui->title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, 0, err);
        ui->views[UI_VIEW_THERAPIST] = (struct ui_viewport){.shown = true, .win = 0};
        ui->views[UI_VIEW_PATIENT] =
            (struct ui_viewport){.shown = ui->layout == UI_LAYOUT_ONE_WINDOW, .win = 0};
    }
    if (st != ST_OK) {
        ui_close(ui);
        return st;
    }
    SDL_StopTextInput();
    /* Lazy frames are paced to the therapist's display: at most one in each of its refresh intervals. */
    SDL_DisplayMode mode;
    int d = SDL_GetWindowDisplayIndex(ui->wins[0].win);
    int hz = d >= 0 && SDL_GetCurrentDisplayMode(d, &mode) == 0 && mode.refresh_rate > 0 ? mode.refresh_rate : 60;
    ui->refresh_ns = ST_NS_PER_S / (hz < 240 ? hz : 240);
    ui->epoch_ns = st_now_ns();
    ui_sound_open(ui);
    ui->opts.patient_display_name = NULL; /* read above only: the caller's string need not outlive the call */
    *out = ui;
    return ST_OK;
}

void ui_close(struct ui *ui)
{
    if (!ui)
        return;
    ui_sound_close(ui);
    for (int v = 0; v < UI_VIEW_COUNT; v++) {
        ui_plot_free(&ui->views[v]);
        if (ui->views[v].target)
            SDL_DestroyTexture(ui->views[v].target);
    }
    for (int i = 0; i < UI_MAX_WINDOWS; i++) {
        struct ui_win *w = &ui->wins[i];
        ui_text_cache_free(w);
        if (w->ren)
            SDL_DestroyRenderer(w->ren);
        if (w->win)
            SDL_DestroyWindow(w->win);
    }
    ui_fonts_free(ui);
    if (ui->ttf_up)
        TTF_Quit();
    if (ui->video_up)
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
    free(ui->pts);
    free(ui->pixels);
    free(ui);
}

/* Where each view goes in its window this frame. */
static void layout_views(struct ui *ui)
{
    for (int i = 0; i < ui->n_wins; i++) {
        struct ui_win *w = &ui->wins[i];
        int ow = w->out_w, oh = w->out_h;
        SDL_GetRendererOutputSize(w->ren, &w->out_w, &w->out_h);
        if (w->out_w != ow || w->out_h != oh)
            w->present_all = true; /* a new surface: nothing of the last frame is on it */
    }
    struct ui_viewport *t = &ui->views[UI_VIEW_THERAPIST], *p = &ui->views[UI_VIEW_PATIENT];
    const struct ui_win *w0 = &ui->wins[0];
    switch (ui->layout) {
    case UI_LAYOUT_ONE_WINDOW: {
        int sep = 2;
        int tw = ui->patient_hidden ? w0->out_w : w0->out_w * 62 / 100;
        t->rect = (SDL_Rect){0, 0, tw, w0->out_h};
        p->rect = (SDL_Rect){tw + sep, 0, w0->out_w - tw - sep, w0->out_h};
        p->shown = !ui->patient_hidden;
        break;
    }
    case UI_LAYOUT_TWO_WINDOWS:
        t->rect = (SDL_Rect){0, 0, w0->out_w, w0->out_h};
        p->rect = (SDL_Rect){0, 0, ui->wins[1].out_w, ui->wins[1].out_h};
        break;
    case UI_LAYOUT_THERAPIST_ONLY:
    case UI_LAYOUT_AUTO:
    default: t->rect = (SDL_Rect){0, 0, w0->out_w, w0->out_h}; break;
    }
}

static enum st_status ensure_target(struct ui *ui, struct ui_viewport *vp, struct st_err *err)
{
    int w = vp->rect.w > 1 ? vp->rect.w : 1, h = vp->rect.h > 1 ? vp->rect.h : 1;
    if (vp->target && vp->tw == w && vp->th == h)
        return ST_OK;
    if (vp->target)
        SDL_DestroyTexture(vp->target);
    vp->target =
        SDL_CreateTexture(ui->wins[vp->win].ren, ui->wins[vp->win].format, SDL_TEXTUREACCESS_TARGET, w, h);
    vp->drawn = false;
    if (!vp->target)
        return st_err_set(err, ST_ERR_DISPLAY, "The screen could not be drawn (%d x %d pixels): %s", w, h,
                          SDL_GetError());
    SDL_SetTextureBlendMode(vp->target, SDL_BLENDMODE_NONE);
    vp->tw = w;
    vp->th = h;
    return ST_OK;
}

void ui_button_add(struct ui_dc *dc, enum ui_action a, SDL_Rect r, bool enabled)
{
    struct ui *ui = dc->ui;
    if (ui->n_buttons >= UI_ACT_COUNT)
        return;
    ui->buttons[ui->n_buttons++] = (struct ui_button){
        .action = a,
        .win = dc->vp->win,
        .r = {r.x + dc->vp->rect.x, r.y + dc->vp->rect.y, r.w, r.h},
        .enabled = enabled,
    };
}

struct ui_trace_sig ui_trace_sig_of(const struct ui_trace *tr)
{
    struct ui_trace_sig g;
    memset(&g, 0, sizeof g); /* the padding too: keys are compared with memcmp */
    g.tr = tr;
    if (tr && tr->n > 0 && tr->cap > 0) {
        g.n = tr->n;
        g.first = tr->first;
        ui_trace_get(tr, tr->n - 1, &g.t, &g.f);
    }
    return g;
}

/* Rounded as shown, so noise below the last digit does not count as a change; NAN stays NAN. */
static double shown(double v, double unit)
{
    return isfinite(v) ? round(v / unit) : v;
}

/*
 * The model normalised (the numbers that change with every sample taken out, t_now_s too when the rep
 * view does not use it) into *norm, and everything else a frame depends on into *key. Two calls that
 * give the same norm and key draw the same pixels, up to the force and the seconds left (key).
 */
static void frame_key(const struct ui *ui, const struct ui_model *m, struct ui_model *norm,
                      struct ui_frame_key *key)
{
    memset(key, 0, sizeof *key);
    memcpy(norm, m, sizeof *norm); /* padding and all: compared with memcmp */
    const struct ui_live *lv = &m->live;
    /* Only the traces on screen: in the rep view the devices' rolling traces grow with every sample
     * (they stream at rest too) but are not drawn, and in the rolling view the reps are not. */
    bool rep_view = lv->rep && lv->rep->cap > 0 && !ui->rolling;
    int k = 0;
    for (int c = 0; c < UI_MAX_CURVES; c++)
        key->traces[k++] = ui_trace_sig_of(rep_view ? NULL : lv->curves[c].trace);
    key->traces[k++] = ui_trace_sig_of(rep_view ? lv->rep : NULL);
    for (int i = 0; i < UI_MAX_REPS; i++)
        key->traces[k++] = ui_trace_sig_of(rep_view ? lv->earlier[i] : NULL);
    key->force_shown = shown(lv->force_n, 0.1);
    key->remaining_shown = shown(m->session.state_remaining_s, 0.1);
    norm->live.force_n = 0;
    norm->session.state_remaining_s = 0;
    norm->live.t_now_s = 0;
    /* The measured sample rate moves with every sample; the status bar shows it in whole hertz
     * ("%.0f Hz": nearbyint rounds as printf does). Unrounded, every frame was drawn whole; rounded, a
     * rate at 1 kHz still wavers between 999 and 1001 a few times a second: a number like the force,
     * for which the status bar alone is redrawn, not the whole view (5 ms, a quarter of a rep's frames'
     * cost in bench_latency). */
    for (int i = 0; i < UI_MAX_DEVICES; i++) {
        double r = norm->devices[i].rate_hz;
        key->rates_shown[i] = isfinite(r) ? nearbyint(r) : r;
        norm->devices[i].rate_hz = 0;
    }
    key->t_now = lv->rep && !ui->rolling ? 0.0 : lv->t_now_s;
    key->help = ui->help;
    key->rolling = ui->rolling;
    key->patient_hidden = ui->patient_hidden;
    key->abort_pending = ui->abort_pending;
    key->hover_win = ui->hover_win;
    key->hover_x = ui->hover_x;
    key->hover_y = ui->hover_y;
    for (int v = 0; v < UI_VIEW_COUNT; v++)
        key->rects[v] = ui->views[v].shown ? ui->views[v].rect : (SDL_Rect){0, 0, 0, 0};
}

/* The start of the first refresh interval after the one t is in (intervals counted from ui_open). */
static int64_t slot_after(const struct ui *ui, int64_t t)
{
    return ui->epoch_ns + ((t - ui->epoch_ns) / ui->refresh_ns + 1) * ui->refresh_ns;
}

enum frame_draw { FRAME_SKIP, FRAME_NUMBERS, FRAME_LIVE, FRAME_ALL };
#define UI_NUMBERS_NS (250 * ST_NS_PER_MS) /* numbers alone: 4 redraws a second are plenty to read */

/*
 * opts.lazy: what the next frame must draw, and from when (*due, st_now_ns clock; INT64_MAX when
 * nothing changed). FRAME_SKIP when this frame would look like the last one drawn; FRAME_NUMBERS when
 * only the numbers changed (and no overlay covers them), due 250 ms after the last drawing; FRAME_LIVE
 * when only the curves moved (new points, the rolling clock) besides them: the therapist's cue strip,
 * numbers and curve panel and the patient's numbers, not the rest of the therapist view (its header,
 * table, balance, buttons and status bar stay as drawn: most of its cost); FRAME_ALL otherwise. A model
 * that differs from the last drawn only in the cue (the engine's state, its cue and their words:
 * *cue_moved) and in what only the curve's panel shows (the onset line, the rep's onset, the earlier
 * reps: the panel's caches follow them, ui_plot.c) is drawn as FRAME_NUMBERS or FRAME_LIVE with the
 * cue's parts redrawn, at the next interval: a rep's arming and its onset change just these, and drawn
 * whole they took 5-20 ms, the rep's samples waiting for them (bench_latency's slowest 1 %). A frame
 * is never due before the display's next refresh interval (ui->next_slot_ns). With commit, records
 * what it lets be drawn (the caller draws it); without, only says.
 */
static enum frame_draw frame_changes(struct ui *ui, const struct ui_model *m, bool commit, int64_t *due,
                                     bool *cue_moved)
{
    static struct ui_model norm, as_drawn; /* the UI's thread only (SDL's rule) */
    struct ui_frame_key key;
    frame_key(ui, m, &norm, &key);
    *due = INT64_MAX;
    *cue_moved = false;
    bool drawn = ui->have_drawn, plot_moved = false;
    for (int v = 0; v < UI_VIEW_COUNT; v++)
        if (ui->views[v].shown && !ui->views[v].drawn)
            drawn = false;
    enum frame_draw what = FRAME_ALL;
    int64_t from = 0;
    bool same = drawn && memcmp(&norm, &ui->drawn_model, sizeof norm) == 0;
    if (drawn && !same) { /* the cue and the panel's lines alone? (the drawn model with this one's) */
        memcpy(&as_drawn, &ui->drawn_model, sizeof as_drawn);
        const struct ui_session *s = &norm.session;
        struct ui_session *d = &as_drawn.session;
        memcpy(d->state, s->state, sizeof d->state);
        d->cue = s->cue;
        memcpy(d->cue_text, s->cue_text, sizeof d->cue_text);
        memcpy(d->patient_cue, s->patient_cue, sizeof d->patient_cue);
        bool cue = memcmp(&ui->drawn_model.session, &as_drawn.session, sizeof as_drawn.session) != 0;
        const struct ui_live *l = &norm.live;
        struct ui_live *dl = &as_drawn.live;
        dl->threshold_n = l->threshold_n;
        dl->rep_onset_s = l->rep_onset_s;
        memcpy(dl->earlier, l->earlier, sizeof dl->earlier);
        dl->n_earlier = l->n_earlier;
        plot_moved = memcmp(&ui->drawn_model.live, &as_drawn.live, sizeof as_drawn.live) != 0;
        same = memcmp(&norm, &as_drawn, sizeof norm) == 0;
        *cue_moved = same && cue;
        plot_moved = same && plot_moved;
    }
    if (same) {
        struct ui_frame_key a, b;
        memcpy(&a, &key, sizeof a);
        memcpy(&b, &ui->drawn_key, sizeof b);
        a.force_shown = b.force_shown = a.remaining_shown = b.remaining_shown = 0;
        memset(a.rates_shown, 0, sizeof a.rates_shown);
        memset(b.rates_shown, 0, sizeof b.rates_shown);
        bool overlay = ui->help || ui->abort_pending || m->entry.open;
        bool parts = !overlay && ui->views[UI_VIEW_THERAPIST].have_numbers;
        if ((memcmp(&a, &b, sizeof a) != 0 || plot_moved) && parts) { /* only the curves changed? */
            memset(a.traces, 0, sizeof a.traces);
            memset(b.traces, 0, sizeof b.traces);
            a.t_now = b.t_now = 0;
            if (memcmp(&a, &b, sizeof a) == 0)
                what = FRAME_LIVE;
        } else if (memcmp(&a, &b, sizeof a) == 0) {
            if (!*cue_moved && !plot_moved && memcmp(&key, &ui->drawn_key, sizeof key) == 0)
                return FRAME_SKIP;
            what = parts ? FRAME_NUMBERS : FRAME_ALL; /* (plot_moved here: !parts) */
            if (!*cue_moved && !plot_moved) /* (a new cue is drawn at the next interval) */
                from = ui->drawn_ns + UI_NUMBERS_NS;
        }
        if (what == FRAME_ALL)
            *cue_moved = false;
    }
    /* At most one frame in each of the display's intervals (counted from ui_open), and never two closer
     * than three quarters of one (a loop that ticks a little faster than the display, as the session's
     * 16 ms did, still gets every interval's frame). */
    int64_t slot = ui->next_slot_ns, spaced = ui->have_drawn ? ui->drawn_ns + ui->refresh_ns * 3 / 4 : 0;
    *due = from > slot ? from : slot;
    *due = spaced > *due ? spaced : *due;
    int64_t now = st_now_ns();
    if (now < *due)
        return FRAME_SKIP;
    if (commit) {
        if (what == FRAME_ALL || *cue_moved || plot_moved)
            ui->drawn_model = norm;
        ui->drawn_key = key;
        ui->have_drawn = true;
        ui->drawn_ns = now;
        ui->next_slot_ns = slot_after(ui, now);
    }
    return what;
}

/* A window that needs its views copied whole (opened, resized, exposed)? */
static bool present_due(const struct ui *ui)
{
    for (int i = 0; i < ui->n_wins; i++)
        if (ui->wins[i].present_all)
            return true;
    return false;
}

int64_t ui_next_frame_ns(struct ui *ui, const struct ui_model *m)
{
    if (!ui || !m)
        return INT64_MAX;
    if (!ui->opts.lazy || present_due(ui))
        return st_now_ns();
    SDL_PumpEvents();
    if (SDL_HasEvents(SDL_FIRSTEVENT, SDL_LASTEVENT))
        return st_now_ns(); /* events wait for ui_poll (a key, a resize) */
    layout_views(ui);
    int64_t due;
    bool cue;
    frame_changes(ui, m, false, &due, &cue);
    return due;
}

int64_t ui_next_slot_ns(const struct ui *ui)
{
    if (!ui || ui->refresh_ns <= 0)
        return INT64_MAX;
    int64_t now = st_now_ns();
    return ui->next_slot_ns > now ? ui->next_slot_ns : slot_after(ui, now);
}

int64_t ui_refresh_ns(const struct ui *ui)
{
    return ui ? ui->refresh_ns : 0;
}

bool ui_view_shown(const struct ui *ui, enum ui_view v)
{
    if (!ui || (int)v < 0 || v >= UI_VIEW_COUNT)
        return false;
    if (v == UI_VIEW_PATIENT && ui->layout == UI_LAYOUT_ONE_WINDOW)
        return !ui->patient_hidden; /* (views[].shown follows it at the next frame) */
    return ui->views[v].shown;
}

uint64_t ui_frames_drawn(const struct ui *ui)
{
    return ui ? ui->frames_drawn : 0;
}

enum st_status ui_frame(struct ui *ui, const struct ui_model *m, struct st_err *err)
{
    if (!ui || !m)
        return st_err_set(err, ST_ERR_ARG, "ui_frame: no UI or no model");
    return ui_frame_views(ui, m, NULL, err);
}

void ui_damage(struct ui_dc *dc, SDL_Rect r)
{
    struct ui_viewport *vp = dc->vp;
    if (vp->damage_all || r.w <= 0 || r.h <= 0)
        return;
    if (vp->n_damage == UI_DAMAGE_MAX) { /* more than a frame ever has: merge into the last one */
        SDL_UnionRect(&vp->damage[UI_DAMAGE_MAX - 1], &r, &vp->damage[UI_DAMAGE_MAX - 1]);
        return;
    }
    vp->damage[vp->n_damage++] = r;
}

/*
 * Puts the views' frames on their windows. The software renderer draws into the window's own surface,
 * which keeps what was presented: only the rectangles this frame redrew are copied and sent to the
 * window system (SDL_UpdateWindowSurfaceRects), not the whole window - at 1600 x 900 a whole present
 * cost 2 ms and as much again in the X server. An accelerated renderer's back buffer is undefined after a
 * present: it gets every view whole.
 */
static void present(struct ui *ui)
{
    for (int i = 0; i < ui->n_wins; i++) {
        struct ui_win *win = &ui->wins[i];
        SDL_SetRenderTarget(win->ren, NULL);
        if (win->soft && !win->present_all) {
            SDL_Rect rects[UI_VIEW_COUNT * UI_DAMAGE_MAX];
            int n = 0;
            for (int v = 0; v < UI_VIEW_COUNT; v++) {
                struct ui_viewport *vp = &ui->views[v];
                if (!vp->shown || vp->win != i || !vp->target)
                    continue;
                SDL_Rect whole = {0, 0, vp->tw, vp->th};
                for (int k = 0; k < (vp->damage_all ? 1 : vp->n_damage); k++) {
                    SDL_Rect r = vp->damage_all ? whole : vp->damage[k];
                    if (!SDL_IntersectRect(&r, &whole, &r))
                        continue;
                    SDL_Rect dst = {r.x + vp->rect.x, r.y + vp->rect.y, r.w, r.h};
                    SDL_RenderCopy(win->ren, vp->target, &r, &dst);
                    rects[n++] = dst;
                }
            }
            if (n > 0) {
                SDL_RenderFlush(win->ren);
                SDL_UpdateWindowSurfaceRects(win->win, rects, n);
            }
            continue;
        }
        SDL_SetRenderDrawColor(win->ren, (UI_RGB_WINDOW >> 16) & 0xff, (UI_RGB_WINDOW >> 8) & 0xff,
                               UI_RGB_WINDOW & 0xff, 255);
        SDL_RenderClear(win->ren);
        for (int v = 0; v < UI_VIEW_COUNT; v++) {
            struct ui_viewport *vp = &ui->views[v];
            if (vp->shown && vp->win == i && vp->target)
                SDL_RenderCopy(win->ren, vp->target, NULL, &vp->rect);
        }
        SDL_RenderPresent(win->ren);
        win->present_all = false;
    }
}

enum st_status ui_frame_views(struct ui *ui, const struct ui_model *m, const struct ui_home *home, struct st_err *err)
{
    layout_views(ui);
    int64_t due;
    bool cue = false;
    enum frame_draw what = ui->opts.lazy && !home ? frame_changes(ui, m, true, &due, &cue) : FRAME_ALL;
    if (what == FRAME_SKIP) {
        if (present_due(ui)) /* nothing new, but a window lost what it showed (exposed) */
            present(ui);
        return ST_OK;
    }
    ui->clock++;
    ui->frames_drawn++;
    if (what == FRAME_ALL)
        ui->n_buttons = 0;
    /* What moved since the last frame drawn: the seconds left (the cues' words and countdowns, the
     * therapist's "Time left"), the force (its numbers and the patient's bar), the devices' rates
     * (the status bar) and the cue. */
    struct ui_moved moved = {
        .cue = cue,
        .time = memcmp(&ui->drawn_remaining, &ui->drawn_key.remaining_shown, sizeof(double)) != 0,
        .force = memcmp(&ui->drawn_force, &ui->drawn_key.force_shown, sizeof(double)) != 0,
        .rate = memcmp(ui->drawn_rates, ui->drawn_key.rates_shown, sizeof ui->drawn_rates) != 0,
    };
    ui->drawn_remaining = ui->drawn_key.remaining_shown;
    ui->drawn_force = ui->drawn_key.force_shown;
    memcpy(ui->drawn_rates, ui->drawn_key.rates_shown, sizeof ui->drawn_rates);
    for (int v = 0; v < UI_VIEW_COUNT; v++) {
        struct ui_viewport *vp = &ui->views[v];
        if (!vp->shown)
            continue;
        enum st_status st = ensure_target(ui, vp, err);
        if (st != ST_OK)
            return st;
        struct ui_win *win = &ui->wins[vp->win];
        SDL_SetRenderTarget(win->ren, vp->target);
        SDL_SetRenderDrawBlendMode(win->ren, SDL_BLENDMODE_NONE);
        struct ui_dc dc = {.ui = ui,
                           .win = win,
                           .ren = win->ren,
                           .vp = vp,
                           .view = (enum ui_view)v,
                           .w = vp->tw,
                           .h = vp->th};
        dc.u = ui_layout_unit((enum ui_view)v, dc.w, dc.h, win->ddpi);
        vp->damage_all = what == FRAME_ALL || !vp->drawn;
        vp->n_damage = 0;
        if (v == UI_VIEW_THERAPIST) {
            if (home)
                ui_home_draw(&dc, home);
            else if (what == FRAME_NUMBERS)
                ui_therapist_draw_numbers(&dc, m, moved);
            else if (what == FRAME_LIVE)
                ui_therapist_draw_live(&dc, m, moved);
            else
                ui_therapist_draw(&dc, m);
        } else if (vp->damage_all) {
            ui_patient_draw(&dc, m);
        } else {
            ui_patient_draw_numbers(&dc, m, moved);
        }
        vp->drawn = true;
    }
    present(ui);
    return ST_OK;
}

enum st_status ui_window_resize(struct ui *ui, enum ui_view v, int w, int h, struct st_err *err)
{
    if (!ui || (int)v < 0 || v >= UI_VIEW_COUNT || !ui->views[v].shown || w < 64 || h < 64)
        return st_err_set(err, ST_ERR_ARG, "Cannot resize that view to %d x %d pixels", w, h);
    SDL_Window *win = ui->wins[ui->views[v].win].win;
    if (SDL_GetWindowFlags(win) & SDL_WINDOW_FULLSCREEN)
        SDL_SetWindowFullscreen(win, 0);
    SDL_SetWindowSize(win, w, h);
    SDL_PumpEvents(); /* lets the renderer see the new size */
    return ST_OK;
}

/* ---- input ---------------------------------------------------------------------------------- */

static int win_index(const struct ui *ui, Uint32 id)
{
    for (int i = 0; i < ui->n_wins; i++)
        if (ui->wins[i].id == id)
            return i;
    return 0; /* events without a window (synthetic ones) belong to the therapist's window */
}

/* Window points -> renderer output pixels (they differ on HiDPI screens). */
static void to_pixels(const struct ui *ui, int wi, int *x, int *y)
{
    int ww = 0, wh = 0;
    SDL_GetWindowSize(ui->wins[wi].win, &ww, &wh);
    if (ww > 0 && wh > 0) {
        *x = *x * ui->wins[wi].out_w / ww;
        *y = *y * ui->wins[wi].out_h / wh;
    }
}

static void push(struct ui_input *in, enum ui_action a)
{
    if (in->n_actions < UI_MAX_ACTIONS)
        in->actions[in->n_actions++] = a;
}

static bool is_modifier(SDL_Keycode k)
{
    switch (k) {
    case SDLK_LSHIFT:
    case SDLK_RSHIFT:
    case SDLK_LCTRL:
    case SDLK_RCTRL:
    case SDLK_LALT:
    case SDLK_RALT:
    case SDLK_LGUI:
    case SDLK_RGUI:
    case SDLK_CAPSLOCK:
    case SDLK_NUMLOCKCLEAR:
    case SDLK_MODE: return true;
    default: return false;
    }
}

static void on_key(struct ui *ui, const SDL_KeyboardEvent *k, struct ui_input *in)
{
    SDL_Keycode key = k->keysym.sym;
    if (k->repeat || is_modifier(key))
        return;
    in->any_key = true;
    if (key == SDLK_F11 || (key == SDLK_f && !(k->keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)))) {
        SDL_Window *w = ui->wins[win_index(ui, k->windowID)].win;
        bool full = SDL_GetWindowFlags(w) & SDL_WINDOW_FULLSCREEN;
        SDL_SetWindowFullscreen(w, full ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
        return;
    }
    if (k->keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI))
        return; /* shortcuts of the desktop, not ours */
    if (ui->entry_input) { /* the entry has the keyboard: letters and space come as text */
        enum ui_edit_kind kind;
        switch (key) {
        case SDLK_BACKSPACE: kind = UI_EDIT_BACKSPACE; break;
        case SDLK_TAB: kind = (k->keysym.mod & KMOD_SHIFT) ? UI_EDIT_PREV : UI_EDIT_NEXT; break;
        case SDLK_DOWN: kind = UI_EDIT_NEXT; break;
        case SDLK_UP: kind = UI_EDIT_PREV; break;
        case SDLK_RETURN:
        case SDLK_KP_ENTER: kind = UI_EDIT_ENTER; break;
        case SDLK_ESCAPE: kind = UI_EDIT_CANCEL; break;
        default: return;
        }
        if (in->n_edits < UI_MAX_EDITS)
            in->edits[in->n_edits++] = (struct ui_edit){.kind = kind};
        return;
    }
    if (ui->abort_pending) {
        ui->abort_pending = false;
        if (key == SDLK_ESCAPE || key == SDLK_y || key == SDLK_q)
            push(in, UI_ACT_ABORT);
        return; /* any other key only cancels the question */
    }
    if (key == SDLK_F1 || key == SDLK_h || key == SDLK_QUESTION || (key == SDLK_SLASH && (k->keysym.mod & KMOD_SHIFT))) {
        ui->help = !ui->help;
        return;
    }
    if (ui->help) {
        ui->help = false; /* any other key closes the help first, and does nothing else */
        return;
    }
    if (key == SDLK_t) {
        ui->rolling = !ui->rolling;
        return;
    }
    if (key == SDLK_v) {
        ui->patient_hidden = !ui->patient_hidden;
        return;
    }
    switch (key) {
    case SDLK_SPACE:
    case SDLK_RETURN:
    case SDLK_KP_ENTER: push(in, UI_ACT_START); break;
    case SDLK_r: push(in, UI_ACT_REDO); break;
    case SDLK_x: push(in, UI_ACT_REJECT); break;
    case SDLK_a: push(in, UI_ACT_ACCEPT); break;
    case SDLK_s: push(in, UI_ACT_SKIP); break;
    case SDLK_p: push(in, UI_ACT_PAUSE); break;
    case SDLK_n: push(in, UI_ACT_NOTE); break;
    case SDLK_ESCAPE:
    case SDLK_q: ui->abort_pending = true; break;
    default: break;
    }
}

/* Typed text goes to the entry only while it has the keyboard; a piece longer than an edit's text
 * (an input method's whole word) is split at character boundaries. */
static void on_text(struct ui *ui, const char *t, struct ui_input *in)
{
    if (!ui->entry_input)
        return;
    while (*t && in->n_edits < UI_MAX_EDITS) {
        struct ui_edit *e = &in->edits[in->n_edits++];
        e->kind = UI_EDIT_TEXT;
        size_t len = strnlen(t, sizeof e->text - 1);
        while (len > 0 && t[len] && ((unsigned char)t[len] & 0xc0) == 0x80)
            len--; /* not inside a character */
        memcpy(e->text, t, len);
        e->text[len] = '\0';
        t += len;
        if (len == 0)
            break;
    }
}

void ui_entry_input(struct ui *ui, bool on)
{
    if (!ui)
        return;
    ui->entry_input = on;
    ui->abort_pending = ui->help = false;
    if (on && !SDL_IsTextInputActive())
        SDL_StartTextInput();
    else if (!on && SDL_IsTextInputActive())
        SDL_StopTextInput();
}

static void on_click(struct ui *ui, const SDL_MouseButtonEvent *b, struct ui_input *in)
{
    if (b->button != SDL_BUTTON_LEFT || ui->entry_input)
        return;
    int wi = win_index(ui, b->windowID);
    int x = b->x, y = b->y;
    to_pixels(ui, wi, &x, &y);
    for (int i = 0; i < ui->n_buttons; i++) {
        const struct ui_button *bt = &ui->buttons[i];
        if (bt->win != wi || x < bt->r.x || x >= bt->r.x + bt->r.w || y < bt->r.y || y >= bt->r.y + bt->r.h)
            continue;
        if (!bt->enabled)
            return;
        if (bt->action == UI_ACT_ABORT) {
            if (ui->abort_pending)
                push(in, UI_ACT_ABORT);
            ui->abort_pending = !ui->abort_pending;
        } else {
            ui->abort_pending = false;
            push(in, bt->action);
        }
        return;
    }
}

int ui_poll(struct ui *ui, struct ui_input *in)
{
    memset(in, 0, sizeof *in);
    if (!ui)
        return 0;
    SDL_Event e;
    /* One event makes at most one edit (a text event holds less than an edit's text): with the
     * edits full, the rest of the typing stays queued for the next call, none of it lost. */
    while (in->n_edits < UI_MAX_EDITS && SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_QUIT: in->quit = true; break;
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_CLOSE)
                in->quit = true;
            else if (e.window.event == SDL_WINDOWEVENT_EXPOSED)
                ui->wins[win_index(ui, e.window.windowID)].present_all = true; /* its pixels were lost */
            else if (e.window.event == SDL_WINDOWEVENT_LEAVE)
                ui->hover_win = -1;
            break;
        case SDL_KEYDOWN: on_key(ui, &e.key, in); break;
        case SDL_TEXTINPUT: on_text(ui, e.text.text, in); break;
        case SDL_MOUSEMOTION:
            ui->hover_win = win_index(ui, e.motion.windowID);
            ui->hover_x = e.motion.x;
            ui->hover_y = e.motion.y;
            to_pixels(ui, ui->hover_win, &ui->hover_x, &ui->hover_y);
            break;
        case SDL_MOUSEBUTTONDOWN: on_click(ui, &e.button, in); break;
        default: break;
        }
    }
    in->abort_pending = ui->abort_pending;
    in->help = ui->help;
    return in->n_actions;
}

bool ui_button_center(const struct ui *ui, enum ui_action a, int *x, int *y)
{
    if (!ui)
        return false;
    for (int i = 0; i < ui->n_buttons; i++) {
        const struct ui_button *b = &ui->buttons[i];
        if (b->action != a)
            continue;
        const struct ui_win *w = &ui->wins[b->win];
        int ww = 0, wh = 0;
        SDL_GetWindowSize(w->win, &ww, &wh);
        int px = b->r.x + b->r.w / 2, py = b->r.y + b->r.h / 2;
        *x = w->out_w > 0 ? px * ww / w->out_w : px;
        *y = w->out_h > 0 ? py * wh / w->out_h : py;
        return true;
    }
    return false;
}

/* ---- read-back ------------------------------------------------------------------------------ */

/* Reads w x h pixels of target (NULL: the window) of ren into ui's read-back buffer, as *img. */
static enum st_status read_back(struct ui *ui, SDL_Renderer *ren, SDL_Texture *target, int w, int h,
                                struct ui_image *img, struct st_err *err)
{
    size_t need = (size_t)w * (size_t)h;
    if (need == 0)
        return st_err_set(err, ST_ERR_ARG, "No frame has been drawn yet");
    if (ui->pixels_cap < need) {
        uint32_t *p = realloc(ui->pixels, need * sizeof *p);
        if (!p)
            return st_err_set(err, ST_ERR_NOMEM, NULL);
        ui->pixels = p;
        ui->pixels_cap = need;
    }
    SDL_SetRenderTarget(ren, target);
    int rc = SDL_RenderReadPixels(ren, NULL, SDL_PIXELFORMAT_ARGB8888, ui->pixels, w * 4);
    SDL_SetRenderTarget(ren, NULL);
    if (rc != 0)
        return st_err_set(err, ST_ERR_DISPLAY, "The screen could not be read back: %s", SDL_GetError());
    img->px = ui->pixels;
    img->w = w;
    img->h = h;
    return ST_OK;
}

enum st_status ui_view_pixels(struct ui *ui, enum ui_view v, struct ui_image *img, struct st_err *err)
{
    if (!ui || (int)v < 0 || v >= UI_VIEW_COUNT || !ui->views[v].shown)
        return st_err_set(err, ST_ERR_ARG, "That view is not shown in this layout");
    struct ui_viewport *vp = &ui->views[v];
    if (!vp->drawn || !vp->target)
        return st_err_set(err, ST_ERR_ARG, "No frame has been drawn yet");
    return read_back(ui, ui->wins[vp->win].ren, vp->target, vp->tw, vp->th, img, err);
}

enum st_status ui_window_pixels(struct ui *ui, enum ui_view v, struct ui_image *img, struct st_err *err)
{
    if (!ui || (int)v < 0 || v >= UI_VIEW_COUNT || !ui->views[v].shown)
        return st_err_set(err, ST_ERR_ARG, "That view is not shown in this layout");
    if (!ui->views[v].drawn)
        return st_err_set(err, ST_ERR_ARG, "No frame has been drawn yet");
    struct ui_win *win = &ui->wins[ui->views[v].win];
    return read_back(ui, win->ren, NULL, win->out_w, win->out_h, img, err);
}

int ui_event_fd(const struct ui *ui)
{
    if (!ui || ui->n_wins == 0)
        return -1;
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (!SDL_GetWindowWMInfo(ui->wins[0].win, &info) || info.subsystem != SDL_SYSWM_X11)
        return -1;
    return ConnectionNumber(info.info.x11.display);
}

uint32_t ui_image_rgb(const struct ui_image *img, int x, int y)
{
    if (!img || !img->px || x < 0 || y < 0 || x >= img->w || y >= img->h)
        return 0xffffffffu;
    return img->px[(size_t)y * (size_t)img->w + (size_t)x] & 0xffffffu;
}

enum st_status ui_screenshot(struct ui *ui, enum ui_view v, const char *path, struct st_err *err)
{
    struct ui_image img = {0};
    enum st_status st = ui_view_pixels(ui, v, &img, err);
    if (st != ST_OK)
        return st;
    size_t len = strlen(path);
    if (len >= 4 && SDL_strcasecmp(path + len - 4, ".png") == 0)
        return ui_png_write(path, img.px, img.w, img.h, err);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormatFrom((void *)img.px, img.w, img.h, 32, img.w * 4,
                                                        SDL_PIXELFORMAT_RGB888);
    if (!s)
        return st_err_set(err, ST_ERR_NOMEM, "The screenshot could not be made: %s", SDL_GetError());
    int rc = SDL_SaveBMP(s, path);
    SDL_FreeSurface(s);
    if (rc != 0)
        return st_err_set(err, ST_ERR_IO, "The screenshot could not be written to %s: %s", path,
                          SDL_GetError());
    return ST_OK;
}
