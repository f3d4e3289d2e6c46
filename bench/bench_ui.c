/*
 * bench_ui.c - how long ui_frame takes with a full curve: 10 s at 1 kHz (10,001 points) on the
 * active channel, the time axis scrolling as it does live (16-17 new points per frame at 60 frames a
 * second), drawn by SDL's software renderer on the offscreen driver (no GPU: the worst case).
 *
 * Prints the median and the 90th percentile frame time for: one window with both views (1600 x 900)
 * without a curve (what the rest of the frame costs), with the curve, with four bilateral channels, and the
 * therapist view alone at 1920 x 1080. A frame budget at 60 Hz is 16.7 ms; the acquisition ring, not the
 * frame rate, decides whether samples are lost. Built by `make bench`, never by the tests.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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

static int run(const char *name, enum ui_layout layout, int w, int h, int channels)
{
    struct ui_opts o = ui_opts_default();
    o.layout = layout;
    o.width = w;
    o.height = h;
    o.sound = false;
    struct ui *ui;
    struct st_err err;
    if (ui_open(&o, &ui, &err) != ST_OK) {
        fprintf(stderr, "bench_ui: %s\n", st_err_msg(&err));
        return 1;
    }
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

    static double ms[FRAMES];
    for (int f = 0; f < WARMUP + FRAMES; f++) {
        /* 1/60 s of new samples, as the main loop drains them between frames. */
        long until = sample + RATE_HZ / 60 + (f % 3 == 0);
        for (; sample < until; sample++)
            for (int c = 0; c < channels; c++)
                ui_trace_push(&traces[c], (double)sample / RATE_HZ, force(c, (double)sample / RATE_HZ));
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
    ui_close(ui);
    return 0;
}

int main(void)
{
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    srand(1);
    int rc = 0;
    rc |= run("ui_frame, one window, no curve (baseline)", UI_LAYOUT_ONE_WINDOW, 1600, 900, 0);
    rc |= run("ui_frame, one window (therapist + patient)", UI_LAYOUT_ONE_WINDOW, 1600, 900, 1);
    rc |= run("ui_frame, one window, 4 bilateral channels", UI_LAYOUT_ONE_WINDOW, 1600, 900, 4);
    rc |= run("ui_frame, therapist view 1920 x 1080", UI_LAYOUT_THERAPIST_ONLY, 1920, 1080, 1);
    return rc;
}
