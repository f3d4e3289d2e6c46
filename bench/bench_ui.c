/*
 * bench_ui.c - what the window costs.
 *
 * 1. How long ui_frame takes with a full curve: 10 s at 1 kHz (10,001 points) on the active channel,
 *    the time axis scrolling as it does live (16-17 new points per frame at 60 frames a second),
 *    drawn by SDL's software renderer on the offscreen driver (no GPU: the worst case). The median
 *    and the 90th percentile frame time for: one window with both views (1600 x 900) without a curve
 *    (what the rest of the frame costs), with the curve, with four bilateral channels, the therapist
 *    view alone at 1920 x 1080, and the rep view (the default) while a rep streams at 1 kHz.
 * 2. The lazy window at rest (opts.lazy, as the station opens it): 60 calls a second for 3 s while
 *    only the force's noise changes; how many calls drew and the share of one core they took. The same
 *    while a rep streams at 1 kHz (the curve moves: 60 frames a second, each redrawing only the curve's
 *    panel, the numbers and the patient view).
 * 3. A real session: `station demo` (Mark-10 emulator, 250 Hz) for 20 s on an Xvfb server of its own
 *    with SDL's software renderer, the station process's CPU time (user + system, from wait4) with the
 *    window and headless; the difference is the window's cost. Skipped without Xvfb.
 * A frame budget at 60 Hz is 16.7 ms; the acquisition ring, not the frame rate, decides whether
 * samples are lost. Built by `make bench`, never by the tests.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_result.h"
#include "bench_xvfb.h"
#include "common/clock.h"
#include "station/ui/ui.h"

#define RATE_HZ 1000
#define WINDOW_S 10
#define CAP (RATE_HZ * WINDOW_S + 1)
#define FRAMES 240
#define WARMUP 20

static double bt[UI_MAX_CURVES][CAP], bf[UI_MAX_CURVES][CAP];
static struct ui_trace traces[UI_MAX_CURVES];

/* A patient pushing: 4 s contractions every 8 s, with 50 Hz ripple and a little noise. */
static double force(int ch, double t)
{
    double phase = fmod(t + ch * 1.3, 8.0);
    double env = phase < 0.6   ? phase / 0.6
                 : phase < 4.0 ? 1.0
                 : phase < 4.4 ? 1.0 - (phase - 4.0) / 0.4
                               : 0.0;
    double noise = (double)(rand() % 1000) / 1000.0 - 0.5;
    return 3.0 + env * (260.0 - ch * 30.0) + 2.0 * sin(2 * M_PI * 50 * t) + noise;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double rep_t[CAP], rep_f[CAP];
static struct ui_trace rep_trace;

/* rep_view: the rep view, the rep under way growing by the same samples as channel 0. */
/* A silent UI of w x h; NULL (said on stderr) when it cannot open. */
static struct ui *bench_open(enum ui_layout layout, int w, int h, bool lazy)
{
    struct ui_opts o = ui_opts_default();
    o.layout = layout;
    o.width = w;
    o.height = h;
    o.sound = false;
    o.lazy = lazy;
    struct ui *ui;
    struct st_err err;
    if (ui_open(&o, &ui, &err) != ST_OK) {
        fprintf(stderr, "bench_ui: %s\n", st_err_msg(&err));
        return NULL;
    }
    return ui;
}

static int run(const char *name, enum ui_layout layout, int w, int h, int channels, bool rep_view)
{
    struct ui *ui = bench_open(layout, w, h, false);
    if (!ui)
        return 1;
    struct st_err err;
    struct ui_model m;
    ui_model_init(&m);
    snprintf(m.session.protocol, sizeof m.session.protocol, "Supine hip ADD/ABD, long lever 0\xc2\xb0");
    m.session.n_blocks = 4;
    m.session.block = 1;
    m.session.n_reps = 3;
    m.session.rep = 2;
    m.session.cue = UI_CUE_HOLD;
    m.live.threshold_n = 25.0;
    m.live.block_best_n = 262.0;
    m.live.window_s = WINDOW_S;
    m.n_devices = 1;
    snprintf(m.devices[0].name, sizeof m.devices[0].name, "Mark-10 M5-200");
    m.devices[0].state = UI_DEV_CONNECTED;
    m.devices[0].rate_hz = RATE_HZ;
    m.live.n_curves = channels;
    long sample = 0;
    for (int c = 0; c < channels; c++) {
        ui_trace_init(&traces[c], bt[c], bf[c], CAP);
        m.live.curves[c].trace = &traces[c];
        snprintf(m.live.curves[c].label, sizeof m.live.curves[c].label, "Pad %d", c + 1);
    }
    for (; sample < CAP; sample++)
        for (int c = 0; c < channels; c++)
            ui_trace_push(&traces[c], (double)sample / RATE_HZ, force(c, (double)sample / RATE_HZ));
    if (rep_view) {
        ui_trace_init(&rep_trace, rep_t, rep_f, CAP);
        m.live.rep = &rep_trace;
        m.live.rep_onset_s = (double)sample / RATE_HZ + 1.0;
        m.live.hold_s = 5.0;
        m.live.band_lo_n = 0.9 * 262.0;
        m.live.band_hi_n = 1.1 * 262.0;
    }

    static double ms[FRAMES];
    for (int f = 0; f < WARMUP + FRAMES; f++) {
        /* 1/60 s of new samples, as the main loop drains them between frames. */
        long until = sample + RATE_HZ / 60 + (f % 3 == 0);
        for (; sample < until; sample++) {
            for (int c = 0; c < channels; c++)
                ui_trace_push(&traces[c], (double)sample / RATE_HZ, force(c, (double)sample / RATE_HZ));
            if (rep_view)
                ui_trace_push(&rep_trace, (double)sample / RATE_HZ, force(0, (double)sample / RATE_HZ));
        }
        double t_now = (double)(sample - 1) / RATE_HZ;
        m.live.t_now_s = t_now;
        m.live.force_n = force(0, t_now);
        m.session.state_remaining_s = fmod(100.0 - t_now, 5.0);
        int64_t t0 = st_now_ns();
        if (ui_frame(ui, &m, &err) != ST_OK) {
            fprintf(stderr, "bench_ui: %s\n", st_err_msg(&err));
            ui_close(ui);
            return 1;
        }
        int64_t t1 = st_now_ns();
        if (f >= WARMUP)
            ms[f - WARMUP] = (double)(t1 - t0) / 1e6;
    }
    qsort(ms, FRAMES, sizeof ms[0], cmp);
    printf("%-44s median %6.2f ms  p90 %6.2f ms  (%d frames, %d x %d, %d channel%s x %d points)\n", name,
           ms[FRAMES / 2], ms[FRAMES * 9 / 10], FRAMES, w, h, channels, channels != 1 ? "s" : "", CAP);
    char row[160];
    snprintf(row, sizeof row, "%s, %d x %d (software renderer)", name, w, h);
    bench_row("screen", row, "ms", ms, FRAMES, "a frame within 16.7 ms (60 Hz)",
              bench_quantile(ms, FRAMES, 0.99) < 1000.0 / 60, NAN);
    ui_close(ui);
    return 0;
}

/* 2: the lazy window as the station's loop calls it, 60 times a second for 3 s: at rest (only the force's
 * noise changes) or while a rep streams at 1 kHz (the rep view, as during a contraction: 16-17 new
 * points a call). How many calls drew, their median and p99 time, and the share of one core. */
static int lazy_window(bool streaming)
{
    struct ui *ui = bench_open(UI_LAYOUT_ONE_WINDOW, 1600, 900, true);
    if (!ui)
        return 1;
    struct st_err err;
    struct ui_model m;
    ui_model_init(&m);
    ui_trace_init(&rep_trace, rep_t, rep_f, CAP);
    ui_trace_init(&traces[0], bt[0], bf[0], CAP);
    for (int i = 0; !streaming && i < 4000; i++)
        ui_trace_push(&rep_trace, i / 1000.0, force(0, i / 1000.0 + 7.0));
    m.live.rep = &rep_trace;
    m.live.rep_onset_s = 1.0;
    m.live.hold_s = streaming ? 5.0 : 3.0;
    m.session.cue = streaming ? UI_CUE_HOLD : UI_CUE_REST;
    m.session.n_blocks = 4;
    m.session.block = 2;
    if (streaming) {
        m.live.n_curves = 1;
        m.live.curves[0].trace = &traces[0];
        m.live.threshold_n = 25.0;
        m.live.block_best_n = 262.0;
        m.live.band_lo_n = 0.9 * 262.0;
        m.live.band_hi_n = 1.1 * 262.0;
        m.n_devices = 1;
        m.devices[0].state = UI_DEV_CONNECTED;
        m.devices[0].rate_hz = RATE_HZ;
    }
    enum { CALLS = 180 };
    static double ms[CALLS];
    long sample = 0;
    int64_t busy = 0, t_start = st_now_ns();
    for (int i = 0; i < CALLS; i++) {
        for (long until = sample + RATE_HZ / 60 + (i % 3 == 0); streaming && sample < until; sample++) {
            double t = (double)sample / RATE_HZ, f = force(0, t + 7.4);
            ui_trace_push(&rep_trace, t, f);
            ui_trace_push(&traces[0], t, f);
        }
        m.live.force_n = streaming ? force(0, (double)sample / RATE_HZ + 7.4)
                                   : 0.4 * ((double)(rand() % 1000) / 500.0 - 1.0); /* the noise at rest */
        m.session.state_remaining_s = 20.0 - i / 60.0;
        int64_t t0 = st_now_ns();
        ui_frame(ui, &m, &err);
        int64_t dt = st_now_ns() - t0;
        busy += dt;
        ms[i] = (double)dt / 1e6;
        st_sleep_ns(ST_NS_PER_S / 60 - (dt < ST_NS_PER_S / 60 ? dt : 0));
    }
    double wall = (double)(st_now_ns() - t_start) / 1e9;
    qsort(ms, CALLS, sizeof ms[0], cmp);
    printf("%-44s median %6.2f ms  p99 %6.2f ms  %3llu of %d calls drew, %5.1f %% of one core (%.1f s)\n",
           streaming ? "ui_frame, lazy, rep streaming 1 kHz" : "ui_frame, lazy, at rest (1600 x 900)", ms[CALLS / 2],
           ms[CALLS * 99 / 100], (unsigned long long)ui_frames_drawn(ui), CALLS, 100.0 * (double)busy / 1e9 / wall,
           wall);
    double core = 100.0 * (double)busy / 1e9 / wall;
    if (streaming) {
        bench_row("screen", "lazy window, a rep streaming 1 kHz (1600 x 900): frame", "ms", ms, CALLS,
                  "a frame within 16.7 ms (60 Hz)", bench_quantile(ms, CALLS, 0.99) < 1000.0 / 60, NAN);
        bench_row1("screen", "lazy window, a rep streaming 1 kHz (1600 x 900): share of one core", "%", core,
                   "under 15 %", core < 15.0);
    } else {
        bench_row1("screen", "lazy window at rest (1600 x 900): share of one core", "%", core, "under 3 %",
                   core < 3.0);
    }
    ui_close(ui);
    return 0;
}

/* 3: `station demo` on an Xvfb of its own; the station's CPU seconds over secs of wall time. */
static double demo_cpu(const char *station, const char *display, bool headless, double secs, double *wall)
{
    char db[64], after[32];
    snprintf(db, sizeof db, "/tmp/bench-ui-%d.db", (int)getpid());
    snprintf(after, sizeof after, "%g", secs);
    int64_t t0 = st_now_ns();
    fflush(stdout); /* the child must not print this process's buffer again */
    pid_t pid = fork();
    if (pid < 0)
        return NAN;
    if (pid == 0) {
        setenv("DISPLAY", display, 1);
        setenv("SDL_VIDEODRIVER", "x11", 1);
        setenv("SDL_RENDER_DRIVER", "software", 1);
        setenv("SDL_AUDIODRIVER", "dummy", 1);
        setenv("STATION_LINGER_S", "0", 1);
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "r", stdin))
            _exit(127);
        execl(station, station, "demo", "--driver", "mark10", "--reps", "3", "--db", db, "--exit-after-s", after,
              headless ? "--headless" : NULL, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return NAN;
    *wall = (double)(st_now_ns() - t0) / 1e9;
    char side[80];
    for (const char *ext = ""; ext; ext = *ext ? NULL : "-wal") {
        snprintf(side, sizeof side, "%s%s", db, ext);
        remove(side);
    }
    remove(db);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int session_cpu(void)
{
    char self[1024], station[1100];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    snprintf(station, sizeof station, "%s/station", self);
    char display[16];
    pid_t x = access(station, X_OK) == 0 ? bench_xvfb_start(display, sizeof display) : -1;
    if (x < 0) {
        printf("station demo under Xvfb: skipped (no /usr/bin/Xvfb or no %s)\n", station);
        return 0;
    }
    const double secs = 20.0;
    double wall_w = 0, wall_h = 0;
    double win = demo_cpu(station, display, false, secs, &wall_w);
    double head = demo_cpu(station, display, true, secs, &wall_h);
    bench_xvfb_stop(x);
    printf("station demo, Mark-10 250 Hz, Xvfb, software renderer: window %.2f s CPU in %.1f s (%.1f %%), "
           "headless %.2f s in %.1f s (%.1f %%): the window costs %.1f %% of one core\n",
           win, wall_w, 100 * win / wall_w, head, wall_h, 100 * head / wall_h,
           100 * (win / wall_w - head / wall_h));
    bench_row1("screen", "station demo (Mark-10 250 Hz) with the window under Xvfb: CPU", "% core", 100 * win / wall_w,
               "under 10 % of one core", 100 * win / wall_w < 10);
    bench_row1("screen", "station demo headless: CPU", "% core", 100 * head / wall_h, "", -1);
    return 0;
}

int main(void)
{
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    srand(1);
    int rc = 0;
    rc |= run("ui_frame, one window, no curve (baseline)", UI_LAYOUT_ONE_WINDOW, 1600, 900, 0, false);
    rc |= run("ui_frame, one window (therapist + patient)", UI_LAYOUT_ONE_WINDOW, 1600, 900, 1, false);
    rc |= run("ui_frame, one window, 4 bilateral channels", UI_LAYOUT_ONE_WINDOW, 1600, 900, 4, false);
    rc |= run("ui_frame, therapist view 1920 x 1080", UI_LAYOUT_THERAPIST_ONLY, 1920, 1080, 1, false);
    rc |= run("ui_frame, rep view streaming 1 kHz", UI_LAYOUT_ONE_WINDOW, 1600, 900, 1, true);
    rc |= lazy_window(false);
    rc |= lazy_window(true);
    rc |= session_cpu();
    return rc;
}
