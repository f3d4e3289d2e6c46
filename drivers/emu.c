/*
 * emu.c - the shared machinery of emulated instruments; see emu.h.
 *
 * One thread per emulator polls the pty master for the host's bytes and wakes up when the family wants
 * to send a sample. The host's open/close of the slave is seen on the master as POLLHUP coming and
 * going (Linux reports HUP while no slave is open); the host's baud rate is read from the master's
 * termios, which mirrors the slave's. A pulled cable is a closed master; a replug is a new pty behind
 * the same symlink, which is how a USB adapter comes back under the same /dev/serial/by-id name.
 */
#include "drivers/emu.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

/* One row per family (drivers/emu_<family>.c). */
extern const struct emu_family emu_chronojump;
extern const struct emu_family emu_imada;
extern const struct emu_family emu_loadstar;
extern const struct emu_family emu_mark10;

static const struct emu_family *const emu_families[] = {
    &emu_chronojump,
    &emu_imada,
    &emu_loadstar,
    &emu_mark10,
    NULL,
};

const struct emu_family *emu_family_find(const char *name)
{
    for (size_t i = 0; name && emu_families[i]; i++)
        if (strcmp(emu_families[i]->name, name) == 0)
            return emu_families[i];
    return NULL;
}

struct emu_dev {
    struct emu_opts opts;
    const struct emu_family *fam;
    void *state;
    char link_path[512];
    char pts_name[64];
    int master;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    atomic_bool stop;
    int64_t t0_ns;
    /* device */
    int dev_baud;
    double rate_hz, capacity_n;
    bool streaming;
    double boot_until, stall_until;
    bool unplugged;
    bool host_hup;       /* the master saw HUP: no host has the port open */
    bool host_mismatch;  /* the host's line speed differs from ours */
    size_t garbage_pending;
    unsigned char inject[256]; /* emu_inject_bytes: sent as they are, on the next turn */
    size_t inject_n;
    double next_tick;
    /* patient cue */
    double cue_s, cue_peak_n;
    /* input line assembly */
    char line[256];
    size_t line_len;
    bool skip_lf;
    uint64_t rng;
    struct emu_stats st;
};

struct emu {
    struct emu_dev d;
};

/* ---- patient ------------------------------------------------------------------------------ */

struct emu_patient emu_patient_default(double peak_n, int reps)
{
    struct emu_patient p = {
        .kind = EMU_PATIENT_SCRIPT,
        .reps = reps,
        .n_peaks = 1,
        .start_delay_s = 1.0,
        .ramp_s = 0.4,
        .hold_s = 1.6,
        .release_s = 0.5,
        .rest_s = 2.0,
        .baseline_n = 0.0,
        .noise_n = 0.3,
        .seed = 1,
    };
    p.peaks_n[0] = peak_n;
    return p;
}

/* One push of peak over [0, ramp + hold + release): half-cosine up, plateau, half-cosine down. */
static double push_shape(const struct emu_patient *p, double u, double peak)
{
    double base = p->baseline_n;
    if (u < 0)
        return base;
    if (u < p->ramp_s)
        return base + (peak - base) * 0.5 * (1 - cos(M_PI * u / p->ramp_s));
    u -= p->ramp_s;
    if (u < p->hold_s)
        return peak;
    u -= p->hold_s;
    if (u < p->release_s)
        return base + (peak - base) * 0.5 * (1 + cos(M_PI * u / p->release_s));
    return base;
}

double emu_patient_force(const struct emu_patient *p, double t, double cue_s, double cue_peak_n)
{
    switch (p->kind) {
    case EMU_PATIENT_CUED:
        if (cue_s >= 0 && t >= cue_s)
            return push_shape(p, t - cue_s, cue_peak_n);
        return p->baseline_n;
    case EMU_PATIENT_TRACE: {
        if (!p->trace_n || t < p->trace_t[0])
            return p->baseline_n;
        if (t >= p->trace_t[p->trace_n - 1])
            return p->baseline_n;
        size_t lo = 0, hi = p->trace_n - 1;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (p->trace_t[mid] <= t)
                lo = mid;
            else
                hi = mid;
        }
        double dt = p->trace_t[hi] - p->trace_t[lo];
        double a = dt > 0 ? (t - p->trace_t[lo]) / dt : 0;
        return p->trace_f[lo] + a * (p->trace_f[hi] - p->trace_f[lo]);
    }
    case EMU_PATIENT_SCRIPT:
    default: {
        double cycle = p->ramp_s + p->hold_s + p->release_s + p->rest_s;
        double u = t - p->start_delay_s;
        if (u < 0 || cycle <= 0)
            return p->baseline_n;
        long k = (long)floor(u / cycle);
        if (p->reps > 0 && k >= p->reps)
            return p->baseline_n;
        double peak = p->n_peaks > 0 ? p->peaks_n[k % p->n_peaks] : 0;
        return push_shape(p, u - (double)k * cycle, peak);
    }
    }
}

/* ---- helpers for families ----------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

double emu_random(struct emu_dev *d)
{
    return (double)(rng_next(&d->rng) >> 11) / 9007199254740992.0;
}

static double gauss(struct emu_dev *d)
{
    double u1 = emu_random(d), u2 = emu_random(d);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

double emu_now(const struct emu_dev *d)
{
    return (double)(st_now_ns() - d->t0_ns) / 1e9;
}

double emu_read_force(struct emu_dev *d, double t)
{
    double f = emu_patient_force(&d->opts.patient, t, d->cue_s, d->cue_peak_n);
    if (d->opts.patient.noise_n > 0) {
        f += d->opts.patient.noise_n * gauss(d);
        /* Physiological tremor and drift: nobody holds a maximal push perfectly still. About 2.5 % of
         * the push at 8-11 Hz and 2 % at 0.7 Hz (force CV 1-3 % in maximal contractions), so a
         * plateau rarely looks like a leg at rest. */
        double push = f - d->opts.patient.baseline_n;
        if (push > 5) { /* wobble below the push, so its top stays the peak asked for */
            double w = 0.025 * (sin(2 * M_PI * 8.3 * t) + 0.6 * sin(2 * M_PI * 10.7 * t + 1.3)) / 1.6 +
                       0.02 * sin(2 * M_PI * 0.7 * t + 0.4);
            f += push * (w - 0.045);
        }
    }
    if (f > d->capacity_n)
        f = d->capacity_n; /* the gauge saturates at full scale */
    if (f < -d->capacity_n)
        f = -d->capacity_n;
    d->st.samples_sent++;
    if (d->st.samples_sent == 1 || f > d->st.max_force_n)
        d->st.max_force_n = f;
    return f;
}

const struct emu_opts *emu_dev_opts(const struct emu_dev *d)
{
    return &d->opts;
}
double emu_dev_rate_hz(const struct emu_dev *d)
{
    return d->rate_hz;
}
double emu_dev_capacity_n(const struct emu_dev *d)
{
    return d->capacity_n;
}
void emu_dev_set_streaming(struct emu_dev *d, bool on)
{
    d->streaming = on;
}

void emu_write(struct emu_dev *d, const void *buf, size_t n)
{
    double now = emu_now(d);
    if (d->master < 0 || d->unplugged || d->host_hup || now < d->stall_until || now < d->boot_until)
        return;
    unsigned char tmp[512];
    const unsigned char *p = buf;
    while (n > 0) {
        size_t k = n < sizeof tmp ? n : sizeof tmp;
        memcpy(tmp, p, k);
        if (d->host_mismatch) /* at the wrong rate the host's UART sees framing garbage */
            for (size_t i = 0; i < k; i++)
                tmp[i] = (unsigned char)(rng_next(&d->rng) >> 56);
        ssize_t w = write(d->master, tmp, k);
        if (w <= 0)
            return; /* the host is not reading: like a UART, the bytes are lost */
        p += k;
        n -= k;
    }
}

void emu_printf(struct emu_dev *d, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        emu_write(d, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* ---- pty ---------------------------------------------------------------------------------- */

static enum st_status open_master(struct emu_dev *d, struct st_err *err)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (m < 0)
        return st_err_set(err, ST_ERR_IO, "Cannot create a pseudo-terminal for the emulator: %s", strerror(errno));
    char name[64];
    if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, name, sizeof name) != 0) {
        close(m);
        return st_err_set(err, ST_ERR_IO, "Cannot set up the emulator's pseudo-terminal: %s", strerror(errno));
    }
    /* Raw on both sides until the host sets its own line settings. */
    struct termios t;
    if (tcgetattr(m, &t) == 0) {
        cfmakeraw(&t);
        speed_t sp = B9600;
        switch (d->dev_baud) {
        case 19200: sp = B19200; break;
        case 38400: sp = B38400; break;
        case 57600: sp = B57600; break;
        case 115200: sp = B115200; break;
        case 230400: sp = B230400; break;
        default: break;
        }
        cfsetspeed(&t, sp);
        tcsetattr(m, TCSANOW, &t);
    }
    snprintf(d->pts_name, sizeof d->pts_name, "%s", name);
    if (d->link_path[0]) {
        unlink(d->link_path);
        if (symlink(name, d->link_path) != 0) {
            close(m);
            return st_err_set(err, ST_ERR_IO, "Cannot create the emulator's port link %s: %s", d->link_path,
                              strerror(errno));
        }
    }
    d->master = m;
    d->host_hup = false;
    return ST_OK;
}

static int baud_of_speed(speed_t s)
{
    static const struct {
        speed_t s;
        int b;
    } t[] = {{B1200, 1200},     {B2400, 2400},     {B4800, 4800},     {B9600, 9600},
             {B19200, 19200},   {B38400, 38400},   {B57600, 57600},   {B115200, 115200},
             {B230400, 230400}, {B460800, 460800}, {B500000, 500000}, {B921600, 921600}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].s == s)
            return t[i].b;
    return 0;
}

static void power_on(struct emu_dev *d)
{
    memset(d->state, 0, d->fam->state_size);
    d->streaming = false;
    d->fam->reset(d, d->state);
    d->boot_until = emu_now(d) + d->opts.boot_s;
    d->next_tick = emu_now(d);
    d->line_len = 0;
    d->skip_lf = false;
}

static void handle_input(struct emu_dev *d, const unsigned char *p, size_t n)
{
    double now = emu_now(d);
    if (d->host_mismatch && now >= d->stall_until && now >= d->boot_until) {
        /* At the wrong rate the device's UART hears garbage; it answers something (an error reply,
         * usually), which reaches the host garbled too. */
        static const char what[] = "?\r\n";
        for (size_t i = 0; i < n; i += 8)
            emu_write(d, what, sizeof what - 1);
        return;
    }
    if (now < d->stall_until || now < d->boot_until)
        return; /* not heard: stalled or booting */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c == '\n' && d->skip_lf) {
            d->skip_lf = false;
            continue;
        }
        d->skip_lf = false;
        if (c == '\r' || c == '\n') {
            d->skip_lf = c == '\r';
            d->line[d->line_len] = '\0';
            d->st.lines_in++;
            d->fam->on_line(d, d->state, d->line, d->line_len);
            d->line_len = 0;
            d->next_tick = 0; /* a command may have started a stream: tick at once */
            continue;
        }
        if (d->line_len + 1 < sizeof d->line)
            d->line[d->line_len++] = (char)c;
    }
}

static void *emu_thread(void *arg)
{
    struct emu_dev *d = arg;
    while (!atomic_load(&d->stop)) {
        pthread_mutex_lock(&d->mu);
        if (d->unplugged || d->master < 0) {
            pthread_mutex_unlock(&d->mu);
            st_sleep_ns(10 * ST_NS_PER_MS);
            continue;
        }
        int m = d->master;
        double now = emu_now(d);
        double wait_s = d->next_tick >= 0 ? d->next_tick - now : 0.05;
        if (wait_s > 0.02 || wait_s < 0)
            wait_s = d->next_tick >= 0 && wait_s < 0 ? 0 : 0.02;
        pthread_mutex_unlock(&d->mu);

        /* ppoll, not poll: poll's whole milliseconds turn the sub-millisecond waits of a 1 kHz stream
         * into 0, and the thread spun (2.4 cores for four 1 kHz emulators, measured by bench/soak). */
        struct pollfd pfd = {.fd = m, .events = POLLIN};
        int64_t wait_ns = (int64_t)(wait_s * 1e9);
        struct timespec ts = {.tv_sec = (time_t)(wait_ns / ST_NS_PER_S), .tv_nsec = (long)(wait_ns % ST_NS_PER_S)};
        int pr = ppoll(&pfd, 1, &ts, NULL);

        pthread_mutex_lock(&d->mu);
        if (d->master != m || d->unplugged) { /* unplugged meanwhile */
            pthread_mutex_unlock(&d->mu);
            continue;
        }
        if (pr > 0 && (pfd.revents & POLLHUP) && !(pfd.revents & POLLIN)) {
            d->host_hup = true; /* no host has the port open */
            pthread_mutex_unlock(&d->mu);
            st_sleep_ns(10 * ST_NS_PER_MS);
            continue;
        }
        if (d->host_hup) { /* the host opened the port: an Arduino resets, the line is fresh */
            d->host_hup = false;
            d->st.opens++;
            tcflush(m, TCIOFLUSH);
            if (d->fam->keeps_state_on_open) {
                d->line_len = 0;
                d->skip_lf = false;
            } else {
                power_on(d);
            }
        }
        struct termios t;
        if (tcgetattr(m, &t) == 0) {
            int host_baud = baud_of_speed(cfgetospeed(&t));
            d->host_mismatch = host_baud != 0 && host_baud != d->dev_baud;
            d->st.baud_mismatch = d->host_mismatch;
        }
        if (pr > 0 && (pfd.revents & POLLIN)) {
            unsigned char buf[512];
            ssize_t n = read(m, buf, sizeof buf);
            if (n > 0)
                handle_input(d, buf, (size_t)n);
        }
        if (d->inject_n) {
            if (write(m, d->inject, d->inject_n) < 0) {
                /* the host is not reading: lost, as on a real line */
            }
            d->inject_n = 0;
        }
        if (d->garbage_pending) {
            unsigned char g[256];
            size_t k = d->garbage_pending < sizeof g ? d->garbage_pending : sizeof g;
            for (size_t i = 0; i < k; i++)
                g[i] = (unsigned char)(rng_next(&d->rng) >> 56);
            if (write(m, g, k) < 0) {
                /* the host is not reading: the noise is lost, as on a real line */
            }
            d->garbage_pending -= k;
        }
        now = emu_now(d);
        if (d->next_tick >= 0 && now >= d->next_tick && now >= d->boot_until)
            d->next_tick = d->fam->on_tick(d, d->state);
        else if (d->next_tick < 0)
            d->next_tick = d->fam->on_tick(d, d->state);
        d->st.streaming = d->streaming;
        pthread_mutex_unlock(&d->mu);
    }
    return NULL;
}

/* ---- public ------------------------------------------------------------------------------- */

struct emu_opts emu_opts_default(const char *family)
{
    struct emu_opts o = {.family = family, .boot_s = -1, .patient = emu_patient_default(250, 3)};
    return o;
}

enum st_status emu_start(const struct emu_opts *opts, struct emu **out, struct st_err *err)
{
    *out = NULL;
    const struct emu_family *fam = emu_family_find(opts->family);
    if (!fam)
        return st_err_set(err, ST_ERR_ARG, "There is no emulator for \"%s\"", opts->family ? opts->family : "");
    struct emu *e = calloc(1, sizeof *e);
    if (!e)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    struct emu_dev *d = &e->d;
    d->opts = *opts;
    d->fam = fam;
    d->master = -1;
    d->cue_s = -1;
    d->state = calloc(1, fam->state_size ? fam->state_size : 1);
    if (!d->state) {
        free(e);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    d->dev_baud = opts->baud > 0 ? opts->baud : fam->default_baud;
    d->rate_hz = opts->rate_hz > 0 ? opts->rate_hz : fam->default_rate_hz;
    d->capacity_n = opts->capacity_n > 0 ? opts->capacity_n : fam->default_capacity_n;
    if (d->opts.boot_s < 0)
        d->opts.boot_s = fam->default_boot_s;
    if (!d->opts.unit)
        d->opts.unit = fam->default_unit;
    d->rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)opts->patient.seed * 0xD1B54A32D192ED03ULL);
    if (!d->rng)
        d->rng = 1;
    if (opts->link_path)
        snprintf(d->link_path, sizeof d->link_path, "%s", opts->link_path);
    pthread_mutex_init(&d->mu, NULL);
    d->t0_ns = st_now_ns();
    enum st_status s = open_master(d, err);
    if (s != ST_OK) {
        emu_stop(e);
        return s;
    }
    power_on(d);
    d->boot_until = 0; /* powered before the host came: the first open is not seen (no HUP before it) */
    if (pthread_create(&d->thread, NULL, emu_thread, d) != 0) {
        emu_stop(e);
        return st_err_set(err, ST_ERR_IO, "Cannot start the emulator thread");
    }
    d->thread_started = true;
    ST_DEBUG("emu", "%s emulator on %s", fam->name, emu_port(e));
    *out = e;
    return ST_OK;
}

void emu_stop(struct emu *e)
{
    if (!e)
        return;
    struct emu_dev *d = &e->d;
    atomic_store(&d->stop, true);
    if (d->thread_started)
        pthread_join(d->thread, NULL);
    if (d->master >= 0)
        close(d->master);
    if (d->link_path[0])
        unlink(d->link_path);
    pthread_mutex_destroy(&d->mu);
    free(d->state);
    free(e);
}

const char *emu_port(const struct emu *e)
{
    return e->d.link_path[0] ? e->d.link_path : e->d.pts_name;
}

void emu_cue(struct emu *e, double peak_n)
{
    pthread_mutex_lock(&e->d.mu);
    e->d.cue_s = emu_now(&e->d);
    e->d.cue_peak_n = peak_n;
    pthread_mutex_unlock(&e->d.mu);
}

void emu_unplug(struct emu *e)
{
    struct emu_dev *d = &e->d;
    pthread_mutex_lock(&d->mu);
    if (!d->unplugged) {
        d->unplugged = true;
        if (d->master >= 0)
            close(d->master);
        d->master = -1;
        if (d->link_path[0])
            unlink(d->link_path); /* the device node disappears, as /dev/ttyUSB0 does */
        d->streaming = false;
    }
    pthread_mutex_unlock(&d->mu);
}

enum st_status emu_replug(struct emu *e, struct st_err *err)
{
    struct emu_dev *d = &e->d;
    pthread_mutex_lock(&d->mu);
    enum st_status s = ST_OK;
    if (d->unplugged) {
        s = open_master(d, err);
        if (s == ST_OK) {
            d->unplugged = false;
            if (!d->fam->keeps_state_on_replug)
                power_on(d); /* powered by the cable: a fresh boot */
        }
    }
    pthread_mutex_unlock(&d->mu);
    return s;
}

void emu_stall(struct emu *e, double seconds)
{
    pthread_mutex_lock(&e->d.mu);
    e->d.stall_until = emu_now(&e->d) + seconds;
    pthread_mutex_unlock(&e->d.mu);
}

void emu_inject_bytes(struct emu *e, const void *bytes, size_t n)
{
    pthread_mutex_lock(&e->d.mu);
    size_t k = n < sizeof e->d.inject - e->d.inject_n ? n : sizeof e->d.inject - e->d.inject_n;
    memcpy(e->d.inject + e->d.inject_n, bytes, k);
    e->d.inject_n += k;
    pthread_mutex_unlock(&e->d.mu);
}

void emu_inject_garbage(struct emu *e, size_t nbytes)
{
    pthread_mutex_lock(&e->d.mu);
    e->d.garbage_pending += nbytes;
    pthread_mutex_unlock(&e->d.mu);
}

void emu_set_baud(struct emu *e, int baud)
{
    pthread_mutex_lock(&e->d.mu);
    e->d.dev_baud = baud;
    pthread_mutex_unlock(&e->d.mu);
}

void emu_get_stats(struct emu *e, struct emu_stats *out)
{
    pthread_mutex_lock(&e->d.mu);
    *out = e->d.st;
    out->streaming = e->d.streaming;
    pthread_mutex_unlock(&e->d.mu);
}
