/*
 * emu_imada.c - an emulated Imada DS2 / DST force gauge, as DEVICES.md describes it: 19200 8N1,
 * commands and replies ending in CR, `D` answering one reading `<sign><value><unit><mode><judgement>`,
 * `Z`, `T`, `P`, `N`, `K`, `O` answering `R`, and `E` for anything else.
 *
 * It answers no faster than the real line allows: a command is heard once its bytes have crossed the
 * wire (10 bits a byte at the device's baud), the gauge then takes 2-5 ms to process it, and the reply
 * leaves only after its own bytes' time on the wire (a 10-byte reply at 19200 baud: 5.2 ms), one reply
 * after another like a UART. Commands that arrive while it is busy wait in a 16-deep input queue
 * (more are lost, as a small microcontroller buffer would lose them).
 *
 * Model details (the emulator's choices where DEVICES.md is silent):
 *   - the gauge measures at emu_opts.rate_hz (default 1000 a second): `D` reports the measurement
 *     made on that grid just before it processed the command, so a slow rate (10-20 a second, as some
 *     gauges are said to refresh) gives repeated values to fast polling;
 *   - resolution follows the capacity and unit: four significant digits at full scale (a 500 N gauge
 *     reads `+250.0NTO`, `+25.49KTO`, `+56.2OTO`); zero prints as `+`;
 *   - judgement: `E` when the load reaches the full scale (the emulated sensor clips there), else `L`
 *     below 5 % of the capacity, `H` above 80 %, `O` between (the comparator's set points);
 *   - `Z` takes the present force as zero and clears the peak (answers `E` with refuse_zero); `P` holds the largest net force from
 *     then on (tracked every 5 ms from the scripted or traced patient, and from every reading; a cued
 *     push is seen only through the readings), `T` shows the force again;
 *   - the unit starts as emu_opts.unit ("N", "kgF"/"K", "lbF"/"O"); the mode starts as real time;
 *   - an empty line (a bare CR) is no command and gets no answer; a line with anything more than the
 *     one command letter (`DX`, `d`, `get_version:`) is refused with `E`;
 *   - no identity, no serial number (the protocol has none).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "drivers/emu.h"

#define IM_QUEUE 16
#define IM_LBF_N 4.4482216152605
#define IM_KGF_N 9.80665

struct im_pending {
    char cmd[8];     /* the command line (truncated) */
    size_t cmd_len;
    double t_proc;   /* when the gauge has processed it */
    bool formed;     /* the reply text exists */
    double t_done;   /* when its last byte has crossed the wire */
    char text[40];
    size_t text_len;
};

struct im_emu {
    char unit;       /* 'N', 'K', 'O' */
    char mode;       /* 'T', 'P' */
    double zero_n;   /* subtracted from every reading */
    double peak_n;   /* peak mode: the largest net force held */
    double last_proc; /* when the previous command's processing ends */
    double uart_free; /* when the transmitter has sent everything queued */
    struct im_pending q[IM_QUEUE];
    int head, n;
};

static double byte_s(const struct emu_dev *d)
{
    int baud = emu_dev_opts(d)->baud > 0 ? emu_dev_opts(d)->baud : 19200;
    return 10.0 / (double)baud; /* start bit, 8 data bits, stop bit */
}

static double unit_n(char unit)
{
    return unit == 'K' ? IM_KGF_N : unit == 'O' ? IM_LBF_N : 1.0;
}

static void im_reset(struct emu_dev *d, void *state)
{
    struct im_emu *s = state;
    const char *u = emu_dev_opts(d)->unit ? emu_dev_opts(d)->unit : "N";
    s->unit = 'N';
    if (strcasecmp(u, "kgF") == 0 || strcasecmp(u, "kg") == 0 || strcmp(u, "K") == 0)
        s->unit = 'K';
    else if (strcasecmp(u, "lbF") == 0 || strcasecmp(u, "lb") == 0 || strcmp(u, "O") == 0)
        s->unit = 'O';
    s->mode = 'T';
    s->zero_n = 0;
    s->peak_n = -INFINITY;
    s->last_proc = s->uart_free = 0;
    s->head = s->n = 0;
}

static void im_line(struct emu_dev *d, void *state, const char *line, size_t len)
{
    struct im_emu *s = state;
    if (len == 0)
        return; /* a bare CR: no command */
    if (s->n == IM_QUEUE)
        return; /* input buffer full: the command is lost */
    double now = emu_now(d);
    double heard = now + (double)(len + 1) * byte_s(d); /* its bytes, CR included, on the wire */
    double start = heard > s->last_proc ? heard : s->last_proc;
    struct im_pending *p = &s->q[(s->head + s->n) % IM_QUEUE];
    memset(p, 0, sizeof *p);
    p->cmd_len = len < sizeof p->cmd - 1 ? len : sizeof p->cmd - 1;
    memcpy(p->cmd, line, p->cmd_len);
    if (len != p->cmd_len)
        p->cmd_len = sizeof p->cmd; /* too long to be a command: refused below */
    p->t_proc = start + 0.002 + 0.003 * emu_random(d);
    s->last_proc = p->t_proc;
    s->n++;
}

/* Decimals for four significant digits at full scale in the current unit. */
static int decimals(const struct emu_dev *d, char unit)
{
    double fs = emu_dev_capacity_n(d) / unit_n(unit);
    int dec = 4 - (int)ceil(log10(fs > 1e-9 ? fs : 1e-9));
    return dec < 0 ? 0 : dec > 4 ? 4 : dec;
}

/* The gauge's measurement at t on its own sampling grid, in newtons (raw, before zero). */
static double measure(struct emu_dev *d, double t)
{
    double rate = emu_dev_rate_hz(d);
    double ts = rate > 0 ? floor(t * rate) / rate : t;
    return emu_read_force(d, ts);
}

static void form_reading(struct emu_dev *d, struct im_emu *s, struct im_pending *p)
{
    double cap = emu_dev_capacity_n(d);
    double raw = measure(d, p->t_proc);
    double net = raw - s->zero_n;
    if (s->mode == 'P') {
        if (net > s->peak_n)
            s->peak_n = net;
        net = s->peak_n;
    }
    char judge = 'O';
    if (fabs(raw) >= cap)
        judge = 'E';
    else if (net < 0.05 * cap)
        judge = 'L';
    else if (net > 0.8 * cap)
        judge = 'H';
    int dec = decimals(d, s->unit);
    double scale = pow(10.0, dec);
    double v = round(net / unit_n(s->unit) * scale) / scale;
    if (v == 0)
        v = 0; /* no "-0.0" */
    int k = snprintf(p->text, sizeof p->text, "%+.*f%c%c%c\r", dec, v, s->unit, s->mode, judge);
    p->text_len = k > 0 && (size_t)k < sizeof p->text ? (size_t)k : 0;
}

static void form(struct emu_dev *d, struct im_emu *s, struct im_pending *p)
{
    const char *ans = "E";
    if (p->cmd_len == 1) {
        switch (p->cmd[0]) {
        case 'D':
            form_reading(d, s, p);
            ans = NULL;
            break;
        case 'Z':
            if (emu_dev_opts(d)->refuse_zero)
                break; /* "E": as a gauge under overload refuses to zero */
            s->zero_n = measure(d, p->t_proc);
            s->peak_n = -INFINITY;
            ans = "R";
            break;
        case 'T':
        case 'P':
            s->mode = p->cmd[0];
            s->peak_n = -INFINITY;
            ans = "R";
            break;
        case 'N':
        case 'K':
        case 'O':
            s->unit = p->cmd[0];
            ans = "R";
            break;
        default:
            break;
        }
    }
    if (ans)
        p->text_len = (size_t)snprintf(p->text, sizeof p->text, "%s\r", ans);
    double begin = p->t_proc > s->uart_free ? p->t_proc : s->uart_free;
    p->t_done = begin + (double)p->text_len * byte_s(d);
    s->uart_free = p->t_done;
    p->formed = true;
}

static double im_tick(struct emu_dev *d, void *state)
{
    struct im_emu *s = state;
    double now = emu_now(d);
    if (s->mode == 'P') {
        /* The gauge keeps measuring between polls: hold the peak of the patient's force. */
        const struct emu_opts *o = emu_dev_opts(d);
        double f = emu_patient_force(&o->patient, now, -1, 0);
        double cap = emu_dev_capacity_n(d);
        f = f > cap ? cap : f < -cap ? -cap : f;
        if (f - s->zero_n > s->peak_n)
            s->peak_n = f - s->zero_n;
    }
    for (int i = 0; i < s->n; i++) {
        struct im_pending *p = &s->q[(s->head + i) % IM_QUEUE];
        if (!p->formed && p->t_proc <= now)
            form(d, s, p);
    }
    while (s->n > 0) {
        struct im_pending *p = &s->q[s->head];
        if (!p->formed || p->t_done > now)
            break;
        emu_write(d, p->text, p->text_len);
        s->head = (s->head + 1) % IM_QUEUE;
        s->n--;
    }
    double next = now + (s->mode == 'P' ? 0.005 : 0.05);
    if (s->n > 0) {
        const struct im_pending *p = &s->q[s->head];
        double due = p->formed ? p->t_done : p->t_proc;
        for (int i = 1; i < s->n && p->formed; i++) { /* a later command may be processed meanwhile */
            const struct im_pending *q = &s->q[(s->head + i) % IM_QUEUE];
            if (!q->formed) {
                due = q->t_proc < due ? q->t_proc : due;
                break;
            }
        }
        next = due < next ? due : next;
    }
    return next;
}

const struct emu_family emu_imada = {
    .name = "imada",
    .default_baud = 19200,
    .default_rate_hz = 1000, /* the gauge's own measuring rate, not a stream: it only answers D */
    .default_boot_s = 0,
    .keeps_state_on_open = true,
    .keeps_state_on_replug = true,
    .default_capacity_n = 500, /* a DS2-500N */
    .default_unit = "N",
    .state_size = sizeof(struct im_emu),
    .reset = im_reset,
    .on_line = im_line,
    .on_tick = im_tick,
};
