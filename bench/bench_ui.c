/*
 * bench_ui.c - what the window costs.
 *
 * 1. How long ui_frame takes with a full curve: 10 s at 1 kHz (10,001 points) on the active channel,
 *    the time axis scrolling as it does live (16-17 new points per frame at 60 frames a second),
 *    drawn by SDL's software renderer on the offscreen driver (no GPU: the worst case). The median
 *    and the 99th percentile frame time for: one window with both views (1600 x 900) without a curve
 *    (what the rest of the frame costs), with the curve, with four bilateral channels, the therapist
 *    view alone at 1920 x 1080, and the rep view (the default) while a rep streams at 1 kHz.
 * 2. The window as the station runs it (opts.lazy) under an Xvfb of the bench's own with SDL's software
 *    renderer, at rest, while a rep streams at 1 kHz on one and on four channels, and in the rolling
 *    view: the share of one core and the frame times (details at window_case). `bench_ui TAG` runs
 *    only the window cases whose tag contains TAG (for perf).
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

#include <SDL.h> /* a key event for the T key (the rolling view) */

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

/* The session's words and lines both kinds of case share: block 2 of 4, rep 2 of 3, cue, the lines. */
static void bench_model(struct ui_model *m, enum ui_cue cue)
{
    ui_model_init(m);
    snprintf(m->session.protocol, sizeof m->session.protocol, "Supine hip ADD/ABD, long lever 0\xc2\xb0");
    m->session.n_blocks = 4;
    m->session.block = 2;
    m->session.n_reps = 3;
    m->session.rep = 2;
    m->session.cue = cue;
    m->live.threshold_n = 25.0;
    m->live.block_best_n = 262.0;
}

static int run(const char *name, enum ui_layout layout, int w, int h, int channels, bool rep_view)
{
    struct ui *ui = bench_open(layout, w, h, false);
    if (!ui)
        return 1;
    struct st_err err;
    struct ui_model m;
    bench_model(&m, UI_CUE_HOLD);
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

/*
 * 2: the window as the station runs it, under an Xvfb of the bench's own with SDL's software renderer
 * (x11 video driver: every present is a real XShmPutImage of the window, the worst case the issue
 * names): the lazy UI called as a session loop that wakes on samples calls it - every 4 ms (a
 * device-clock family's reader hands its lines over every 4 ms), ui_poll and ui_frame, which draws only
 * when a frame is due (ui_next_frame_ns) - with the samples due by then pushed on every channel. Cases:
 *   rest       the rep under review stays in view (the rep view), the devices still stream their noise
 *              at 1 kHz into every channel's rolling trace (not on screen), the force's noise and the
 *              rest's seconds change: what a screen costs while nothing the eye follows moves;
 *   stream     a rep under way at 1 kHz on the active channel (the rep view, after its onset), every
 *              channel streaming;
 *   rolling    the same with the rolling 10 s view (T): every channel's curve scrolls;
 *   armed      waiting for the push (hands-free): the rep so far has no onset, its newest point is at 0,
 *              so the whole curve slides with every sample.
 * Per case: the share of one core of the whole process (getrusage, so SDL's and Xlib's work in the
 * calls counts) over RUNS runs of RUN_S seconds (median, p99), the time of the calls that drew a frame
 * (median, p99 over every frame of the runs) and, where a curve moves, the frames drawn a second.
 */
#define WIN_RUNS 5
#define WIN_RUN_S 1.5
#define WIN_TICK_NS (4 * ST_NS_PER_MS)
#define WIN_FRAMES 2048

enum wcase_kind { W_REST, W_STREAM, W_ROLLING, W_ARMED };

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int window_case(const char *display, int w, int h, int channels, enum wcase_kind kind)
{
    setenv("DISPLAY", display, 1);
    setenv("SDL_VIDEODRIVER", "x11", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    struct ui *ui = bench_open(UI_LAYOUT_ONE_WINDOW, w, h, true);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    unsetenv("SDL_RENDER_DRIVER");
    if (!ui)
        return 1;
    struct st_err err;
    struct ui_model m;
    bench_model(&m, kind == W_REST ? UI_CUE_REST : UI_CUE_HOLD);
    snprintf(m.session.state, sizeof m.session.state, "%s", kind == W_REST ? "rest" : "contraction");
    m.live.band_lo_n = 0.9 * 262.0;
    m.live.band_hi_n = 1.1 * 262.0;
    m.live.window_s = WINDOW_S;
    m.live.hold_s = 5.0;
    m.n_devices = channels;
    m.live.n_curves = channels;
    for (int c = 0; c < channels; c++) {
        snprintf(m.devices[c].name, sizeof m.devices[c].name, "Chronojump Force_Sensor-0.6");
        m.devices[c].state = UI_DEV_CONNECTED;
        m.devices[c].rate_hz = RATE_HZ;
        ui_trace_init(&traces[c], bt[c], bf[c], CAP);
        m.live.curves[c].trace = &traces[c];
        snprintf(m.live.curves[c].label, sizeof m.live.curves[c].label, "Pad %d", c + 1);
    }
    /* The rep: 1 s before its onset, then (rest) 4 s of it, decided; (stream) growing from there. */
    ui_trace_init(&rep_trace, rep_t, rep_f, CAP);
    long sample = 0;
    for (; sample < 1000 + (kind == W_REST ? 4000 : 0); sample++)
        ui_trace_push(&rep_trace, (double)sample / RATE_HZ, force(0, (double)sample / RATE_HZ + 7.0));
    m.live.rep = &rep_trace;
    m.live.rep_onset_s = kind == W_ARMED ? NAN : 1.0;
    m.last.valid = true;
    m.last.peak_n = 258.3;
    m.last.saved = true;
    m.n_reps = 1;
    m.reps[0] = (struct ui_rep){.index = 1, .pain = -1, .peak_n = 258.3, .status = UI_REP_ACCEPTED, .saved = true};
    m.have_balance = false;
    if (kind == W_ROLLING) { /* the T key, as the therapist presses it */
        SDL_Event e = {.type = SDL_KEYDOWN};
        e.key.keysym.sym = SDLK_t;
        e.key.state = SDL_PRESSED;
        SDL_PushEvent(&e);
    }
    static double frame_ms[WIN_FRAMES];
    double cpu[WIN_RUNS], fps[WIN_RUNS];
    int n_frames = 0;
    const double t_rep0 = (double)sample / RATE_HZ; /* the rep's samples continue from here */
    long rolling = 0;                                 /* every channel's samples, from 0 */
    int64_t tc0 = st_now_ns(), next = tc0;
    for (int run = -1; run < WIN_RUNS; run++) { /* run -1: one run to warm up (caches, fonts) */
        double c0 = cpu_s();
        uint64_t f0 = ui_frames_drawn(ui);
        int64_t w0 = st_now_ns(), end = w0 + (int64_t)(WIN_RUN_S * 1e9);
        while (st_now_ns() < end) {
            /* The samples due by now (one a millisecond a channel), as the loop drains them. */
            long due = (long)((st_now_ns() - tc0) / ST_NS_PER_MS);
            for (; rolling < due; rolling++) {
                double t = (double)rolling / RATE_HZ;
                for (int c = 0; c < channels; c++)
                    ui_trace_push(&traces[c], t, kind == W_REST ? 0.4 * sin(t * 7.0 + c) : force(c, t));
                if (kind != W_REST)
                    ui_trace_push(&rep_trace, t_rep0 + t, kind == W_ARMED ? 2.0 + 0.4 * sin(t * 7.0) : force(0, t + 8.0));
            }
            double t_now = (double)rolling / RATE_HZ;
            m.live.t_now_s = t_now;
            m.live.force_n = kind == W_REST ? 0.4 * ((double)(rand() % 1000) / 500.0 - 1.0) : force(0, t_now + 8.0);
            m.session.state_remaining_s = fmod(1000.0 - t_now, 20.0);
            struct ui_input in;
            ui_poll(ui, &in);
            uint64_t drawn = ui_frames_drawn(ui);
            int64_t t0 = st_now_ns();
            if (ui_frame(ui, &m, &err) != ST_OK) {
                fprintf(stderr, "bench_ui: %s\n", st_err_msg(&err));
                ui_close(ui);
                return 1;
            }
            double ms = (double)(st_now_ns() - t0) / 1e6;
            if (run >= 0 && ui_frames_drawn(ui) != drawn && n_frames < WIN_FRAMES)
                frame_ms[n_frames++] = ms;
            next += WIN_TICK_NS;
            int64_t now = st_now_ns();
            if (next > now)
                st_sleep_ns(next - now);
            else
                next = now;
        }
        double wall = (double)(st_now_ns() - w0) / 1e9;
        if (run >= 0) {
            cpu[run] = 100.0 * (cpu_s() - c0) / wall;
            fps[run] = (double)(ui_frames_drawn(ui) - f0) / wall;
        }
    }
    double hz = 1e9 / (double)ui_refresh_ns(ui);
    ui_close(ui);
    static const char *const what[] = {"at rest", "a rep streaming 1 kHz", "rolling view, 1 kHz",
                                       "armed, waiting for the push, 1 kHz"};
    char name[160], frames[160];
    snprintf(name, sizeof name, "window under Xvfb, %d channel%s, %s (%d x %d): CPU", channels,
             channels == 1 ? "" : "s", what[kind], w, h);
    snprintf(frames, sizeof frames, "window under Xvfb, %d channel%s, %s (%d x %d): frame", channels,
             channels == 1 ? "" : "s", what[kind], w, h);
    const char *goal = kind == W_REST ? "under 3 % of one core" : channels > 1 ? "under 10 % of one core"
                                                                               : "under 15 % of one core";
    double limit = kind == W_REST ? 3.0 : channels > 1 ? 10.0 : 15.0;
    double med = bench_quantile(cpu, WIN_RUNS, 0.5);
    bench_row("screen", name, "% core", cpu, WIN_RUNS, goal, med < limit, NAN);
    if (n_frames > 0)
        bench_row("screen", frames, "ms", frame_ms, n_frames, "a frame within 16.7 ms (60 Hz)",
                  bench_quantile(frame_ms, n_frames, 0.99) < 1000.0 / 60, NAN);
    if (kind != W_REST) { /* every refresh interval's frame while the curve moves (5 % slack for the runs' edges) */
        snprintf(frames, sizeof frames, "window under Xvfb, %d channel%s, %s (%d x %d): frames a second", channels,
                 channels == 1 ? "" : "s", what[kind], w, h);
        char goal_fps[64];
        snprintf(goal_fps, sizeof goal_fps, "the display's %.0f Hz", hz);
        bench_row("screen", frames, "/s", fps, WIN_RUNS, goal_fps, bench_quantile(fps, WIN_RUNS, 0.5) >= 0.95 * hz, NAN);
    }
    printf("    (%d frames drawn in %d x %.1f s)\n", n_frames, WIN_RUNS, WIN_RUN_S);
    return 0;
}

static int window_cases(const char *filter)
{
    char display[16];
    pid_t x = bench_xvfb_start(display, sizeof display);
    if (x < 0) {
        printf("window under Xvfb: skipped (no /usr/bin/Xvfb)\n");
        return 0;
    }
    static const struct {
        int w, h, channels;
        enum wcase_kind kind;
    } cases[] = {
        {1280, 720, 1, W_REST},    {1600, 900, 1, W_REST},    {1280, 720, 1, W_STREAM}, {1600, 900, 1, W_STREAM},
        {1280, 720, 4, W_STREAM},  {1600, 900, 4, W_STREAM},  {1600, 900, 4, W_ROLLING}, {1600, 900, 1, W_ARMED},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char tag[64];
        snprintf(tag, sizeof tag, "%dx%d-%dch-%s", cases[i].w, cases[i].h, cases[i].channels,
                 cases[i].kind == W_REST     ? "rest"
                 : cases[i].kind == W_STREAM ? "stream"
                 : cases[i].kind == W_ARMED  ? "armed"
                                             : "rolling");
        if (filter && !strstr(tag, filter))
            continue;
        printf("%s\n", tag);
        rc |= window_case(display, cases[i].w, cases[i].h, cases[i].channels, cases[i].kind);
    }
    bench_xvfb_stop(x);
    return rc;
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

/* bench_ui [CASE]: every figure, or only the window cases whose tag (printed) contains CASE. */
int main(int argc, char **argv)
{
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    srand(1);
    int rc = 0;
    if (argc > 1)
        return window_cases(argv[1]);
    rc |= run("ui_frame, one window, no curve (baseline)", UI_LAYOUT_ONE_WINDOW, 1600, 900, 0, false);
    rc |= run("ui_frame, one window (therapist + patient)", UI_LAYOUT_ONE_WINDOW, 1600, 900, 1, false);
    rc |= run("ui_frame, one window, 4 bilateral channels", UI_LAYOUT_ONE_WINDOW, 1600, 900, 4, false);
    rc |= run("ui_frame, therapist view 1920 x 1080", UI_LAYOUT_THERAPIST_ONLY, 1920, 1080, 1, false);
    rc |= run("ui_frame, rep view streaming 1 kHz", UI_LAYOUT_ONE_WINDOW, 1600, 900, 1, true);
    rc |= window_cases(NULL);
    rc |= session_cpu();
    return rc;
}
