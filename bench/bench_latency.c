/*
 * bench_latency.c - how late a push reaches the engine and the screen: the station's own session loop
 * (session_run, as `station run --auto` runs it) on an emulated Chronojump, measured through the
 * session's benchmark hooks (session.h: fed, presented).
 *
 *  - emulator write -> the engine takes the sample: headless, at 80 Hz (the Chronojump's own rate) and
 *    1 kHz. The acquisition thread that read a sample feeds it to the engine itself while the loop
 *    sleeps (station/session.c feed_from_reader), so what is measured is mostly the read and the feed;
 *    a sample read while the loop held the session's lock waits for the loop's turn.
 *  - emulator write -> the frame that shows it presented: the window under an Xvfb of the bench's own
 *    (software renderer), 1 kHz, the samples of the reps (the curve shows each one; between reps a
 *    sample changes at most the force number, which the window redraws 4 times a second). A sample's
 *    latency is the time the first frame drawn after the engine took it was presented, minus the
 *    sample's time; a lazy call that drew nothing shows nothing.
 *
 * A sample's time is the device's clock anchored at its least-delayed arrival (drivers/acq.h): the
 * moment the emulator wrote it plus the fastest the pty ever carried a line (tens of microseconds).
 * Median and p99 over every sample after a 1 s warm-up (the anchor settles), over RUNS sessions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_fixture.h"
#include "bench_result.h"
#include "bench_xvfb.h"
#include "common/clock.h"
#include "drivers/emu.h"
#include "station/session.h"
#include "station/store/store.h"

#define RUNS 2
#define RUN_S 5.0
#define WARM_S 1.0
#define MAXLAT 400000
#define MAXPEND 8192
#define FRAME_MS (1000.0 / 60.0)

/* Hands-free reps on one channel, for as long as the run lasts (--exit-after-s ends it). */
static const char *protocol_text =
    "[protocol]\nname = latency\ntitle = Latency\nposition = supine, hips 0°\nhip_flexion_deg = 0\n"
    "lever = long\ncontraction = make\n[order]\nmode = fixed\n[blocks]\nblock = adduction left 0\n"
    "block = adduction right 0\n[reps]\nfamiliarisation = 0\nreps = 10\nhold_s = 1.5\nrest_s = 1\n"
    "countdown_s = 0.5\nblock_rest_s = 1\n[quality]\nmax_extra_reps = 0\n";

struct lat {
    int64_t warm_ns;     /* samples before this are not counted (0: set by the first sample) */
    double *ms;          /* latencies */
    int n;
    int64_t pending[MAXPEND]; /* frames: times of the samples taken since the last frame drawn */
    int npend;
};

static void on_fed(void *ctx, const struct st_sample *s, size_t n, bool in_rep)
{
    struct lat *l = ctx;
    int64_t now = st_now_ns();
    if (!l->warm_ns && n)
        l->warm_ns = s[0].t_ns + (int64_t)(WARM_S * 1e9);
    for (size_t i = 0; i < n; i++) {
        if (s[i].t_ns < l->warm_ns)
            continue;
        if (l->npend >= 0) { /* frames: the time waits for the frame, for a sample the curve shows */
            if (in_rep && l->npend < MAXPEND)
                l->pending[l->npend++] = s[i].t_ns;
        }
        else if (l->npend < 0 && l->n < MAXLAT) /* engine: the time is now */
            l->ms[l->n++] = (double)(now - s[i].t_ns) / 1e6;
    }
}

static void on_presented(void *ctx)
{
    struct lat *l = ctx;
    int64_t now = st_now_ns();
    for (int i = 0; i < l->npend && l->n < MAXLAT; i++)
        l->ms[l->n++] = (double)(now - l->pending[i]) / 1e6;
    l->npend = 0;
}

/* One session of RUN_S seconds after the warm-up on a fresh emulator at rate; window: with the window
 * (frames), else headless (engine). Appends to l. 0, or -1 when it could not run. */
static int run(const char *db, const char *patient, const char *proto, double rate, bool window, struct lat *l)
{
    struct emu_opts eo = emu_opts_default("chronojump");
    eo.rate_hz = rate;
    eo.boot_s = 0.2;
    eo.patient = emu_patient_default(200, 0);
    struct emu *e = NULL;
    struct st_err err;
    if (emu_start(&eo, &e, &err) != ST_OK) {
        fprintf(stderr, "bench_latency: %s\n", st_err_msg(&err));
        return -1;
    }
    FILE *log = fopen("/dev/null", "w");
    struct session_opts o = session_opts_default();
    o.db_path = db;
    o.patient = patient;
    o.therapist = "bench";
    o.protocol = proto;
    o.headless = !window;
    o.auto_mode = true;
    o.out = log;
    o.n_ch = 1;
    o.ch[0].port = emu_port(e);
    o.ch[0].driver = "chronojump";
    o.ch[0].polarity = 1;
    o.exit_after_s = WARM_S + RUN_S + 0.5; /* the board's boot (0.2 s) and the probe come first */
    o.fed = on_fed;
    o.presented = window ? on_presented : NULL;
    o.bench_ctx = l;
    l->npend = window ? 0 : -1;
    l->warm_ns = 0;
    int64_t id = 0;
    st_err_clear(&err);
    enum st_status st = session_run(&o, &id, &err);
    emu_stop(e);
    if (log)
        fclose(log);
    if (id <= 0) {
        fprintf(stderr, "bench_latency: the session did not run: %s\n", st_err_msg(&err));
        return -1;
    }
    (void)st; /* stopped by --exit-after-s: its reps are saved, the status says "stopped" */
    return 0;
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    char dir[512], db[600], proto[600], patient[32];
    snprintf(dir, sizeof dir, "%s/station-bench-latency-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("bench_latency: mkdtemp");
        return 1;
    }
    snprintf(db, sizeof db, "%s/latency.db", dir);
    snprintf(proto, sizeof proto, "%s/latency.ini", dir);
    FILE *f = fopen(proto, "w");
    struct store *s = NULL;
    struct st_err err;
    int64_t pid = 0;
    if (!f || fputs(protocol_text, f) < 0 || fclose(f) != 0 || store_open(db, &s, &err) != ST_OK ||
        bench_patient_add(s, "Latency Bench", "LAT-1", &pid, &err) != ST_OK) {
        fprintf(stderr, "bench_latency: cannot set up %s\n", dir);
        store_close(s);
        return 1;
    }
    store_close(s);
    snprintf(patient, sizeof patient, "%lld", (long long)pid);
    setenv("STATION_LINGER_S", "0", 1);
    static double ms[MAXLAT];
    static struct lat l;
    l.ms = ms;

    const double rates[] = {80, 1000};
    for (int k = 0; k < 2; k++) {
        l.n = 0;
        for (int r = 0; r < RUNS; r++)
            run(db, patient, proto, rates[k], false, &l);
        char name[160];
        snprintf(name, sizeof name, "emulator write -> the engine takes the sample (%g Hz, headless loop)", rates[k]);
        bench_row("latency", name, "ms", ms, l.n, "p99 under 2 ms", l.n > 0 && bench_quantile(ms, l.n, 0.99) < 2,
                  NAN);
    }

    char display[16];
    pid_t xvfb = bench_xvfb_start(display, sizeof display);
    if (xvfb > 0) {
        setenv("DISPLAY", display, 1);
        setenv("SDL_VIDEODRIVER", "x11", 1);
        setenv("SDL_RENDER_DRIVER", "software", 1);
        setenv("SDL_AUDIODRIVER", "dummy", 1);
        l.n = 0;
        for (int r = 0; r < RUNS; r++)
            run(db, patient, proto, 1000, true, &l);
        bench_xvfb_stop(xvfb);
        char goal[64];
        snprintf(goal, sizeof goal, "p99 under one frame + 2 ms (%.1f ms)", FRAME_MS + 2);
        bench_row("latency", "emulator write -> the frame that shows it presented (1 kHz, in a rep, Xvfb, software renderer)",
                  "ms", ms, l.n, goal, l.n > 0 && bench_quantile(ms, l.n, 0.99) < FRAME_MS + 2, NAN);
    } else {
        printf("  emulator write -> frame: skipped (no Xvfb)\n");
    }
    const char *files[] = {"latency.db", "latency.db-wal", "latency.db-shm", "latency.ini"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[700];
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}
