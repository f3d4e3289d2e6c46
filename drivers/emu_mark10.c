/*
 * emu_mark10.c - an emulated Mark-10 force gauge, as DEVICES.md describes it (its own code, not a
 * replay): `?`, `?C`, `?PT`, `?PC` answered `<value> <unit>` (or the bare value after `NUM`, until
 * `FULL`); the units N, LB, KG, OZ, G, MN, KN; the modes CUR, PT, PC; Z (zero and clear the peaks),
 * CLR; AOUTn streaming (AOUT1 gives 50 a second, AOUT0 stops); LIST; and the errors *10 (unknown
 * command), *11 (a unit this gauge's capacity does not offer), *12 (an AOUT rate that does not exist),
 * *22 (an AOUT rate over 250).
 *
 * Choices where DEVICES.md leaves room (the driver accepts either way):
 *   - Settings commands (units, modes, Z, CLR, AOUT, NUM, FULL) answer nothing when they succeed.
 *   - A push on the gauge is compression, sent positive; tension would be negative.
 *   - The decimals follow the real gauges' capacity x resolution tables: about 1/5000 of the capacity
 *     in the displayed unit, on a 1-2-5 step. The default gauge is 500 N (an M5-100 class gauge):
 *     0.1 N, 0.02 lbF, 0.01 kgF, 0.5 ozF, 10 gF; kN and mN are "not applicable" (*11) on it, as on the
 *     real one (a unit is offered when its step lies between 0.0002 and 10).
 *   - Timing: the gauge answers a command CMD_LATENCY_S after its last byte came in (an assumption:
 *     DEVICES.md gives no figure; 5 ms keeps polling below the 250/s the gauge can stream), and every
 *     byte it sends takes 10 bits at its baud rate: replies and streamed readings queue on one UART. A
 *     streamed reading that finds the UART still busy a whole period later is skipped (the gauge sends
 *     its freshest reading), so a rate the baud cannot carry thins out instead of piling up.
 *   - Each open of the port starts the gauge afresh from its options (the shared machinery powers the
 *     emulator on for every host open): unit from emu_opts.unit (default lbF), CUR, FULL, AOUT off.
 *   - emu_opts.rate_hz < 0 emulates a Series 4 gauge: only `?` is known, everything else (LIST, AOUT,
 *     units, Z) is *10. Other rate_hz values are unused (the host chooses the rate with AOUTn).
 *   - No overload marker exists: the reading stops at the capacity (the machinery clips the force).
 *   - No serial number or model query exists in DEVICES.md, so none is emulated.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drivers/emu.h"

#define CMD_LATENCY_S 0.005
#define OUT_QUEUE 128
#define OUT_TEXT 64

struct m10_unit_def {
    const char *cmd;  /* the command that selects it */
    const char *sym;  /* how a reading names it */
    const char *list; /* how LIST names it */
    double n_per;     /* newtons per unit */
};

static const struct m10_unit_def units[] = {
    {"N", "N", "N", 1.0},
    {"LB", "lbF", "LBF", 4.4482216152605},
    {"KG", "kgF", "KGF", 9.80665},
    {"OZ", "ozF", "OZF", 0.27801385095378},
    {"G", "gF", "GF", 0.00980665},
    {"MN", "mN", "MN", 0.001},
    {"KN", "kN", "KN", 1000.0},
};
#define N_UNITS (sizeof units / sizeof units[0])

enum { MODE_CUR, MODE_PT, MODE_PC };
static const char *const mode_names[] = {"CUR", "PT", "PC"};

struct out_line {
    double due; /* emulator time its last byte has left the UART */
    size_t len;
    char text[OUT_TEXT];
};

struct m10_emu {
    bool gcl2;      /* Series 5/7 command set; false: Series 4 (`?` only) */
    size_t unit;    /* index into units[] */
    int mode;
    bool num;       /* NUM: readings without the unit */
    int aout;       /* the AOUT setting, 0: off */
    double period;  /* seconds between streamed readings */
    double stream_t0;
    uint64_t k;     /* streamed readings due so far */
    double zero_n;  /* subtracted from the force (Z) */
    double peak_t_n, peak_c_n; /* most negative / most positive reading since Z or CLR, newtons */
    double byte_s;  /* seconds per byte on the wire */
    double tx_free; /* emulator time the UART has sent everything queued */
    struct out_line q[OUT_QUEUE];
    size_t q_head, q_n;
};

static size_t unit_find(const char *name)
{
    for (size_t i = 0; name && i < N_UNITS; i++)
        if (strcasecmp(units[i].sym, name) == 0 || strcasecmp(units[i].list, name) == 0 ||
            strcasecmp(units[i].cmd, name) == 0)
            return i;
    return 1; /* lbF: the gauge's factory unit */
}

/* The gauge's display step in unit u: about capacity / 5000 on a 1-2-5 step (nearest in log scale). */
static double resolution(const struct emu_dev *d, size_t u)
{
    double raw = emu_dev_capacity_n(d) / units[u].n_per / 5000.0;
    double dec = pow(10.0, floor(log10(raw)));
    double best = dec, best_dist = INFINITY;
    static const double steps[] = {1, 2, 5, 10};
    for (size_t i = 0; i < 4; i++) {
        double dist = fabs(log(steps[i] * dec / raw));
        if (dist < best_dist) {
            best_dist = dist;
            best = steps[i] * dec;
        }
    }
    return best;
}

static bool unit_offered(const struct emu_dev *d, size_t u)
{
    double r = resolution(d, u);
    return r >= 0.0002 * (1 - 1e-9) && r <= 10 * (1 + 1e-9);
}

static int decimals(double res)
{
    int n = 0;
    while (n < 6 && fabs(res * pow(10.0, n) - round(res * pow(10.0, n))) > 1e-6)
        n++;
    return n;
}

/* A reading as the gauge writes it, with CRLF. */
static size_t format_reading(const struct emu_dev *d, const struct m10_emu *s, double f_n, char *buf,
                             size_t cap)
{
    double res = resolution(d, s->unit);
    double q = round(f_n / units[s->unit].n_per / res) * res;
    if (fabs(q) < res / 2)
        q = 0.0; /* never "-0.00" */
    int n = snprintf(buf, cap, "%.*f%s%s\r\n", decimals(res), q, s->num ? "" : " ", s->num ? "" : units[s->unit].sym);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* Queues text to leave the UART no earlier than ready_s; false when the queue is full (dropped). */
static bool enqueue(struct m10_emu *s, double ready_s, const char *text, size_t len)
{
    if (s->q_n == OUT_QUEUE || len == 0 || len >= OUT_TEXT)
        return false;
    double start = ready_s > s->tx_free ? ready_s : s->tx_free;
    struct out_line *o = &s->q[(s->q_head + s->q_n) % OUT_QUEUE];
    o->due = start + (double)len * s->byte_s;
    o->len = len;
    memcpy(o->text, text, len);
    s->tx_free = o->due;
    s->q_n++;
    return true;
}

static void reply(struct m10_emu *s, double ready_s, const char *text)
{
    enqueue(s, ready_s, text, strlen(text));
}

/* The force on the gauge now (noise, clipping at capacity, minus the zero), tracking the peaks. */
static double gauge_force(struct emu_dev *d, struct m10_emu *s, double t)
{
    double f = emu_read_force(d, t) - s->zero_n;
    if (f < s->peak_t_n)
        s->peak_t_n = f;
    if (f > s->peak_c_n)
        s->peak_c_n = f;
    return f;
}

static double displayed(const struct m10_emu *s, double f)
{
    switch (s->mode) {
    case MODE_PT: return s->peak_t_n;
    case MODE_PC: return s->peak_c_n;
    default: return f;
    }
}

static void m10e_reset(struct emu_dev *d, void *state)
{
    struct m10_emu *s = state;
    const struct emu_opts *o = emu_dev_opts(d);
    s->gcl2 = !(o->rate_hz < 0);
    s->unit = unit_find(o->unit);
    if (!unit_offered(d, s->unit))
        s->unit = 0;
    s->mode = MODE_CUR;
    s->num = false;
    s->aout = 0;
    int baud = o->baud > 0 ? o->baud : 115200;
    s->byte_s = 10.0 / baud;
    s->tx_free = 0;
    s->q_head = s->q_n = 0;
    s->zero_n = 0;
    s->peak_t_n = s->peak_c_n = 0;
    emu_dev_set_streaming(d, false);
}

static bool is(const char *line, size_t len, const char *cmd)
{
    return strlen(cmd) == len && memcmp(line, cmd, len) == 0;
}

static void answer_reading(struct emu_dev *d, struct m10_emu *s, double ready, double now, int which)
{
    double f = gauge_force(d, s, now);
    double v = which == 'D' ? displayed(s, f) : which == 'C' ? f : which == 'T' ? s->peak_t_n : s->peak_c_n;
    char buf[OUT_TEXT];
    size_t n = format_reading(d, s, v, buf, sizeof buf);
    enqueue(s, ready, buf, n);
}

static void set_aout(struct emu_dev *d, struct m10_emu *s, const char *arg, size_t len, double ready)
{
    long n = 0;
    if (len == 0 || len > 4)
        len = 0; /* no number, or an absurd one: invalid specifier */
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)arg[i])) {
            len = 0;
            break;
        }
        n = n * 10 + (arg[i] - '0');
    }
    if (len == 0) {
        reply(s, ready, "*12\r\n");
        return;
    }
    if (n > 250) {
        reply(s, ready, "*22\r\n");
        return;
    }
    if (n == 0) {
        s->aout = 0;
        emu_dev_set_streaming(d, false);
        return;
    }
    if (n != 1 && n != 2 && n != 5 && n != 10 && n != 25 && n != 50 && n != 125 && n != 250) {
        reply(s, ready, "*12\r\n");
        return;
    }
    s->aout = (int)n;
    s->period = 1.0 / (n == 1 ? 50.0 : (double)n); /* AOUT1 in fact gives 50 a second */
    s->stream_t0 = ready;
    s->k = 0;
    emu_dev_set_streaming(d, true);
}

static void m10e_line(struct emu_dev *d, void *state, const char *line, size_t len)
{
    struct m10_emu *s = state;
    if (len == 0)
        return; /* a bare CR: nothing to do */
    double now = emu_now(d);
    /* The command's bytes took their time on the wire (the pty delivers them at once), then the gauge
     * works on it. */
    double ready = now + (double)(len + 1) * s->byte_s + CMD_LATENCY_S;
    if (is(line, len, "?")) {
        answer_reading(d, s, ready, now, 'D');
        return;
    }
    if (!s->gcl2) {
        reply(s, ready, "*10\r\n"); /* a Series 4 knows `?` (and its memory commands) only */
        return;
    }
    if (is(line, len, "?C")) {
        answer_reading(d, s, ready, now, 'C');
    } else if (is(line, len, "?PT")) {
        answer_reading(d, s, ready, now, 'T');
    } else if (is(line, len, "?PC")) {
        answer_reading(d, s, ready, now, 'P');
    } else if (is(line, len, "LIST")) {
        char buf[OUT_TEXT];
        int n = snprintf(buf, sizeof buf, "V1.00;%s;%s;FLTC8;FLTP1;AOUT%02d;AOFF5;%s;MIT;POL;B0\r\n",
                         units[s->unit].list, mode_names[s->mode], s->aout, s->num ? "NUM" : "FULL");
        if (n > 0 && (size_t)n < sizeof buf)
            enqueue(s, ready, buf, (size_t)n);
    } else if (is(line, len, "CUR") || is(line, len, "PT") || is(line, len, "PC")) {
        s->mode = is(line, len, "CUR") ? MODE_CUR : is(line, len, "PT") ? MODE_PT : MODE_PC;
    } else if (is(line, len, "Z")) {
        /* The force the patient puts on now (without the sensor noise) becomes zero; peaks clear. */
        const struct emu_opts *o = emu_dev_opts(d);
        s->zero_n = emu_patient_force(&o->patient, now, -1, 0);
        s->peak_t_n = s->peak_c_n = 0;
    } else if (is(line, len, "CLR")) {
        s->peak_t_n = s->peak_c_n = 0;
    } else if (is(line, len, "NUM")) {
        s->num = true;
    } else if (is(line, len, "FULL")) {
        s->num = false;
    } else if (len >= 4 && memcmp(line, "AOUT", 4) == 0) {
        set_aout(d, s, line + 4, len - 4, ready);
    } else {
        for (size_t u = 0; u < N_UNITS; u++)
            if (is(line, len, units[u].cmd)) {
                if (unit_offered(d, u))
                    s->unit = u;
                else
                    reply(s, ready, "*11\r\n"); /* this capacity has no such unit */
                return;
            }
        reply(s, ready, "*10\r\n");
    }
}

static double m10e_tick(struct emu_dev *d, void *state)
{
    struct m10_emu *s = state;
    double now = emu_now(d);
    if (s->aout) {
        for (;;) {
            double t = s->stream_t0 + (double)s->k * s->period;
            if (t > now)
                break;
            s->k++;
            if (s->tx_free > t + s->period)
                continue; /* the UART is still busy: this reading is skipped */
            char buf[OUT_TEXT];
            size_t n = format_reading(d, s, displayed(s, gauge_force(d, s, t)), buf, sizeof buf);
            enqueue(s, t, buf, n);
        }
    }
    while (s->q_n > 0 && s->q[s->q_head].due <= now) {
        emu_write(d, s->q[s->q_head].text, s->q[s->q_head].len);
        s->q_head = (s->q_head + 1) % OUT_QUEUE;
        s->q_n--;
    }
    double next = -1;
    if (s->q_n > 0)
        next = s->q[s->q_head].due;
    if (s->aout) {
        double t = s->stream_t0 + (double)s->k * s->period;
        if (next < 0 || t < next)
            next = t;
    }
    return next;
}

const struct emu_family emu_mark10 = {
    .name = "mark10",
    .default_baud = 115200,
    .default_rate_hz = 250,
    .default_boot_s = 0,
    .keeps_state_on_open = true,   /* settings live in the gauge, behind a USB-serial link */
    .keeps_state_on_replug = true, /* battery powered: a pulled cable does not reset it */
    .default_capacity_n = 500,
    .default_unit = "lbF",
    .state_size = sizeof(struct m10_emu),
    .reset = m10e_reset,
    .on_line = m10e_line,
    .on_tick = m10e_tick,
};
