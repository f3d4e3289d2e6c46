/*
 * test_ui_x11.c - the UI in a real X11 window: runs itself again on an Xvfb of its own (a virtual X server)
 * with SDL's x11 video driver and the renderer SDL picks there (OpenGL through Mesa), opens both
 * layouts, draws a model and reads the frame back.
 *
 * test_ui covers the drawing in detail with the offscreen driver; this one proves that a window really
 * opens on an X server, which is what a clinic's desktop is. It skips, saying so, when Xvfb is not
 * installed. One case draws with SDL's software renderer, lazily, as the benchmark measures it. Xvfb runs with -noreset: by default it resets when its last client leaves, and a window
 * opened during that reset finds no display. The child runs without LeakSanitizer's leak check: Mesa's
 * GL drivers keep allocations until the process ends (the UI's own frees are checked by test_ui, which
 * has no GL).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_syswm.h>

#include "check.h"
#include "common/clock.h"
#include "station/ui/ui.h"
#include "ui_fixture.h"


static double tt[2001], ff[2001];
static struct ui_trace trace;

static void model(struct ui_model *m)
{
    ui_model_init(m);
    ui_trace_init(&trace, tt, ff, 2001);
    for (int i = 0; i <= 2000; i++) /* 80 Hz would do; 200 Hz over 10 s: a ramp to 200 N */
        ui_trace_push(&trace, i * 0.005, i < 1000 ? 2.0 : 2.0 + (i - 1000) * 0.2);
    snprintf(m->session.protocol, sizeof m->session.protocol, "Supine hip ADD/ABD, long lever 0\xc2\xb0");
    m->session.n_blocks = 4;
    m->session.block = 1;
    m->session.n_reps = 3;
    m->session.rep = 1;
    m->session.cue = UI_CUE_PUSH;
    m->live.force_n = 202.0;
    m->live.threshold_n = 20.0;
    m->live.t_now_s = 10.0;
    m->live.curves[0].trace = &trace;
    m->live.n_curves = 1;
    m->n_devices = 1;
    snprintf(m->devices[0].name, sizeof m->devices[0].name, "Chronojump force sensor");
    m->devices[0].state = UI_DEV_CONNECTED;
    m->devices[0].rate_hz = 80.0;
}

static void child_layout(enum ui_layout layout)
{
    struct ui_opts o = ui_fix_opts(layout, 1280, 720, 640, 480);
    struct ui *ui = ui_fix_open(&o);
    REQUIRE(ui);
    struct st_err err;
    CHECK_STR(SDL_GetCurrentVideoDriver(), "x11");
    CHECK_INT(ui_layout_get(ui), layout);
    struct ui_model m;
    model(&m);
    for (int i = 0; i < 3; i++) {
        struct ui_input in;
        ui_poll(ui, &in);
        CHECK(!in.quit);
        CHECK_OK(ui_frame(ui, &m, &err), &err);
    }
    struct ui_image img;
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.w, layout == UI_LAYOUT_ONE_WINDOW ? 1280 * 62 / 100 : 1280);
    CHECK_INT(img.h, 720);
    const double at[] = {2.0, 4.5, 7.5, 9.5};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        double f = at[i] < 5.0 ? 2.0 : 2.0 + (at[i] - 5.0) * 40.0;
        int x, y;
        REQUIRE(ui_plot_map(ui, UI_VIEW_THERAPIST, at[i], f, &x, &y));
        if (!ui_fix_near_colour(&img, x, y, 3, ui_colour_rgb(UI_COL_CURVE0)))
            check_fail(__FILE__, __LINE__, "x11: no curve at t=%.1f s", at[i]);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/x11-%d-therapist.bmp", check_tmpdir(), (int)layout);
    CHECK_OK(ui_screenshot(ui, UI_VIEW_THERAPIST, path, &err), &err);
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_PATIENT, &img, &err), &err);
    CHECK_INT(img.w, layout == UI_LAYOUT_ONE_WINDOW ? 1280 - 1280 * 62 / 100 - 2 : 640);
    CHECK(ui_fix_count_colour(&img, 0, 0, img.w, img.h, ui_colour_rgb(UI_COL_PATIENT_BAR)) > 500);
    CHECK_OK(ui_window_resize(ui, UI_VIEW_THERAPIST, 1024, 640, &err), &err);
    /* A real window manager-less X server answers the resize asynchronously: wait for it a little. */
    for (int i = 0; i < 50; i++) {
        struct ui_input in;
        ui_poll(ui, &in);
        CHECK_OK(ui_frame(ui, &m, &err), &err);
        CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
        if (img.h == 640)
            break;
        st_sleep_ns(20 * ST_NS_PER_MS);
    }
    CHECK_INT(img.h, 640);
    ui_sound(ui, UI_SOUND_TICK);
    ui_close(ui);
}

/* The patient window full screen on the (only) display: it takes the whole 1600 x 900 screen. */
static void test_child_patient_fullscreen(void)
{
    struct ui_opts o = ui_fix_opts(UI_LAYOUT_TWO_WINDOWS, 1024, 640, 0, 0);
    o.patient_fullscreen = true;
    struct ui *ui = ui_fix_open(&o);
    REQUIRE(ui);
    struct st_err err;
    struct ui_model m;
    model(&m);
    struct ui_image img = {0};
    for (int i = 0; i < 50; i++) {
        struct ui_input in;
        ui_poll(ui, &in);
        CHECK_OK(ui_frame(ui, &m, &err), &err);
        CHECK_OK(ui_view_pixels(ui, UI_VIEW_PATIENT, &img, &err), &err);
        if (img.w == 1600 && img.h == 900)
            break;
        st_sleep_ns(20 * ST_NS_PER_MS);
    }
    CHECK_INT(img.w, 1600);
    CHECK_INT(img.h, 900);
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.w, 1024);
    ui_close(ui);
}

/* No size given: nine tenths of Xvfb's 1600 x 900 screen, so the window is never cut off. */
static void test_child_default_size(void)
{
    struct ui_opts o = ui_fix_opts(UI_LAYOUT_ONE_WINDOW, 0, 0, 0, 0); /* no size: the default */
    struct ui *ui = ui_fix_open(&o);
    REQUIRE(ui);
    struct st_err err;
    struct ui_model m;
    model(&m);
    CHECK_OK(ui_frame(ui, &m, &err), &err);
    struct ui_image img;
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.h, 810);
    CHECK_INT(img.w, 1440 * 62 / 100);
    ui_close(ui);
}

/*
 * SDL's software renderer in a real window, lazy as the station opens it: the window's surface is the
 * X server's (MIT-SHM), presented in rectangles, and it shows the views' frames; the X connection's fd
 * (ui_event_fd) turns readable when the server has news for ui_poll (here: the window resized).
 */
static void test_child_software_lazy(void)
{
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    struct ui_opts o = ui_fix_opts(UI_LAYOUT_ONE_WINDOW, 1280, 720, 0, 0);
    o.lazy = true;
    struct ui *ui = ui_fix_open(&o);
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, "");
    REQUIRE(ui);
    struct st_err err;
    struct ui_model m;
    model(&m);
    int fd = ui_event_fd(ui);
    CHECK(fd >= 0);
    for (int i = 0; i < 20; i++) { /* a ramp streaming in, a frame whenever one is due */
        struct ui_input in;
        ui_poll(ui, &in);
        ui_trace_push(&trace, 10.0 + (i + 1) * 0.016, 202.0 + i * 3.0);
        m.live.t_now_s = 10.0 + (i + 1) * 0.016;
        m.live.force_n = 202.0 + i * 3.0;
        int64_t due = ui_next_frame_ns(ui, &m), now = st_now_ns();
        CHECK(due != INT64_MAX);
        if (due > now && due != INT64_MAX)
            st_sleep_ns(due - now);
        CHECK_OK(ui_frame(ui, &m, &err), &err);
    }
    CHECK(ui_frames_drawn(ui) >= 10);
    struct ui_image img;
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    size_t n = (size_t)img.w * img.h;
    uint32_t *view = malloc(n * sizeof *view);
    REQUIRE(view);
    memcpy(view, img.px, n * sizeof *view);
    int vw = img.w, vh = img.h;
    CHECK_OK(ui_window_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.w, 1280);
    long off = 0;
    for (int y = 0; y < vh; y++)
        for (int x = 0; x < vw; x++)
            off += (view[(size_t)y * vw + x] & 0xffffff) != ui_image_rgb(&img, x, y);
    CHECK_INT(off, 0);
    free(view);
    /* Another client (xprop, Debian's x11-utils) sets a property on the window: the server tells this
     * one, whose fd turns readable without anything of its own being called. */
    struct ui_input in;
    ui_poll(ui, &in);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    CHECK(poll(&p, 1, 0) == 0); /* nothing new after ui_poll */
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    REQUIRE(SDL_GetWindowWMInfo(SDL_GetKeyboardFocus() ? SDL_GetKeyboardFocus() : SDL_GetWindowFromID(1), &info));
    if (access("/usr/bin/xprop", X_OK) != 0) {
        printf("  (no /usr/bin/xprop: the fd's wake-up not checked; apt-get install x11-utils)\n");
    } else {
        char cmd[160];
        snprintf(cmd, sizeof cmd, "/usr/bin/xprop -id %lu -f STATION_TEST 8s -set STATION_TEST ping",
                 (unsigned long)info.info.x11.window);
        CHECK_INT(system(cmd), 0);
        CHECK(poll(&p, 1, 2000) == 1);
    }
    ui_close(ui);
}

static void test_child_one_window(void)
{
    child_layout(UI_LAYOUT_ONE_WINDOW);
}

static void test_child_two_windows(void)
{
    child_layout(UI_LAYOUT_TWO_WINDOWS);
}

/* This program again on an Xvfb of its own (the children above). */
static void test_real_x11_window(void)
{
    check_under_xvfb("UI_X11_CHILD", 90);
}

int main(void)
{
    if (getenv("UI_X11_CHILD")) {
        CHECK_RUN(test_child_one_window);
        CHECK_RUN(test_child_two_windows);
        CHECK_RUN(test_child_patient_fullscreen);
        CHECK_RUN(test_child_default_size);
        CHECK_RUN(test_child_software_lazy);
        return check_done();
    }
    CHECK_RUN(test_real_x11_window);
    return check_done();
}
