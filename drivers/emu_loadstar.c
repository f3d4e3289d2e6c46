/*
 * emu_loadstar.c - an emulated Loadstar Sensors load-cell interface, as DEVICES.md describes it:
 * the DI-1000U at 9600 baud streaming about 70 readings a second, or (when the emulator is started at
 * 230400 baud) a UHS model at about 500 a second with `%12.4f` readings.
 *
 * Commands (CR-terminated, case-insensitive): a bare CR answers `A` (and stops a WC stream); `MODEL`
 * -> `FCM DI-1000`; `ID` -> `DI1000U-<6 digits>` (UHS: `DI1000UHS-...`, the serial from the patient
 * seed, so one emulated device keeps its id across unplugs); `UNITS` -> the unit (`lbf`, `kgf`, `N`,
 * `kN`, `oz`); `UNITS <u>` sets it and answers the new unit; `LC` -> the capacity in the current unit;
 * `TARE` / `CT0` -> `Tared`; `W` -> one reading; `WC` -> readings until a bare CR. Anything else -> `?`.
 * Commands other than a bare CR are obeyed while streaming, their answers slotted between readings.
 *
 * The line is modelled as a UART: every line leaves after the time its bytes take at the device's
 * baud rate (10 bits a byte), queued behind what is still being sent, so neither replies nor the
 * stream can be faster than the real wire. The rate is clamped to what the model can do: 80/s for the
 * DI-1000U, 575/s for the UHS models (UHS-1K). Readings are clipped at the capacity as LC reports it
 * (there is no overload marker). The unit and the tare are forgotten at power-off (the machinery resets
 * the device on every open); whether the real one keeps UNITS in EEPROM is unverified.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drivers/emu.h"

#define LS_EMU_QUEUE 128
#define LS_EMU_LINE 48

/* The device's own unit table (DEVICES.md "Units"), independent of the station's. */
static const struct {
    const char *word;
    double n_per_unit;
} ls_units[] = {
    {"lbf", 4.4482216152605}, {"kgf", 9.80665}, {"N", 1.0}, {"kN", 1000.0}, {"oz", 0.27801385095378},
};
#define LS_N_UNITS (sizeof ls_units / sizeof ls_units[0])

struct ls_out {
    double due; /* emulator time the line's last byte has left */
    char text[LS_EMU_LINE];
};

struct ls_emu {
    bool uhs;
    int baud; /* the model's rate: byte times are computed at it */
    double rate_hz;
    int decimals; /* 3 (DI-1000U) or 4 (UHS %12.4f) */
    unsigned serial;
    size_t unit; /* index in ls_units */
    double tare_n;
    bool streaming;
    double stream_t0;
    uint64_t k;     /* readings sent in this stream */
    double tx_free; /* the UART is busy until then */
    struct ls_out q[LS_EMU_QUEUE];
    size_t q_head, q_n;
};

static size_t unit_find(const char *word)
{
    if (!word)
        return LS_N_UNITS;
    /* The station's spellings for emu_opts.unit: lbF, kgF, ozF as well. */
    static const struct {
        const char *alias;
        size_t idx;
    } alias[] = {{"lbF", 0}, {"lb", 0}, {"kgF", 1}, {"kg", 1}, {"ozF", 4}};
    for (size_t i = 0; i < LS_N_UNITS; i++)
        if (strcasecmp(word, ls_units[i].word) == 0)
            return i;
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strcasecmp(word, alias[i].alias) == 0)
            return alias[i].idx;
    return LS_N_UNITS;
}

/* The capacity in the current unit, at the resolution the device prints. */
static double cap_units(struct emu_dev *d, const struct ls_emu *s)
{
    double scale = pow(10.0, s->decimals);
    return floor(emu_dev_capacity_n(d) / ls_units[s->unit].n_per_unit * scale + 0.5) / scale;
}

static void ls_emu_reset(struct emu_dev *d, void *state)
{
    struct ls_emu *s = state;
    const struct emu_opts *o = emu_dev_opts(d);
    s->baud = o->baud > 0 ? o->baud : 9600;
    s->uhs = s->baud >= 230400;
    double max = s->uhs ? 575.0 : 80.0;
    s->rate_hz = o->rate_hz > 0 ? o->rate_hz : (s->uhs ? 500.0 : 70.0);
    if (s->rate_hz > max)
        s->rate_hz = max; /* what the real model can do */
    if (s->rate_hz < 1.0)
        s->rate_hz = 1.0;
    s->decimals = s->uhs ? 4 : 3;
    s->serial = 100000u + (o->patient.seed * 7919u + 17342u) % 900000u;
    s->unit = unit_find(o->unit);
    if (s->unit >= LS_N_UNITS)
        s->unit = 0; /* lbf, as the DI-1000U ships */
    s->tare_n = 0;
    s->streaming = false;
    s->tx_free = 0;
    s->q_head = s->q_n = 0;
}

/* Queues one line behind what the UART is still sending; it leaves when its bytes have. */
static void send_at(struct ls_emu *s, double t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void send_at(struct ls_emu *s, double t, const char *fmt, ...)
{
    if (s->q_n == LS_EMU_QUEUE)
        return; /* cannot happen at the clamped rates; a full UART buffer would lose it too */
    struct ls_out *o = &s->q[(s->q_head + s->q_n) % LS_EMU_QUEUE];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->text, sizeof o->text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = strlen(o->text);
    double start = t > s->tx_free ? t : s->tx_free;
    s->tx_free = start + (double)len * 10.0 / (double)s->baud;
    o->due = s->tx_free;
    s->q_n++;
}

static void flush_due(struct emu_dev *d, struct ls_emu *s, double now)
{
    while (s->q_n > 0 && s->q[s->q_head].due <= now) {
        emu_write(d, s->q[s->q_head].text, strlen(s->q[s->q_head].text));
        s->q_head = (s->q_head + 1) % LS_EMU_QUEUE;
        s->q_n--;
    }
}

/* One reading at emulator time t, in the current unit, clipped at the capacity. */
static void send_reading(struct emu_dev *d, struct ls_emu *s, double t)
{
    double v = (emu_read_force(d, t) - s->tare_n) / ls_units[s->unit].n_per_unit;
    double cap = cap_units(d, s);
    if (v > cap)
        v = cap;
    if (v < -cap)
        v = -cap;
    if (s->uhs)
        send_at(s, t, "%12.4f\r\n", v);
    else
        send_at(s, t, "%.3f\r\n", v);
}

static void ls_emu_line(struct emu_dev *d, void *state, const char *line, size_t len)
{
    struct ls_emu *s = state;
    double now = emu_now(d);
    char cmd[64];
    /* Commands are case-insensitive; spaces around them do not matter. */
    while (len > 0 && (line[0] == ' ' || line[0] == '\t')) {
        line++;
        len--;
    }
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    if (len >= sizeof cmd) {
        send_at(s, now, "?\r\n");
        return;
    }
    memcpy(cmd, line, len);
    cmd[len] = '\0';

    if (len == 0) {
        if (s->streaming) {
            s->streaming = false;
            emu_dev_set_streaming(d, false);
        }
        send_at(s, now, "A\r\n");
    } else if (strcasecmp(cmd, "MODEL") == 0) {
        send_at(s, now, "FCM DI-1000\r\n");
    } else if (strcasecmp(cmd, "ID") == 0) {
        send_at(s, now, "%s-%06u\r\n", s->uhs ? "DI1000UHS" : "DI1000U", s->serial);
    } else if (strcasecmp(cmd, "UNITS") == 0) {
        send_at(s, now, "%s\r\n", ls_units[s->unit].word);
    } else if (strncasecmp(cmd, "UNITS ", 6) == 0) {
        const char *arg = cmd + 6;
        while (*arg == ' ')
            arg++;
        size_t u = LS_N_UNITS;
        for (size_t i = 0; i < LS_N_UNITS; i++)
            if (strcasecmp(arg, ls_units[i].word) == 0)
                u = i;
        if (u == LS_N_UNITS) {
            send_at(s, now, "?\r\n");
        } else {
            s->unit = u;
            send_at(s, now, "%s\r\n", ls_units[u].word);
        }
    } else if (strcasecmp(cmd, "LC") == 0) {
        send_at(s, now, "%.*f\r\n", s->decimals, cap_units(d, s));
    } else if (strcasecmp(cmd, "TARE") == 0 || strcasecmp(cmd, "CT0") == 0) {
        /* The load at rest now becomes zero (noise-free: the cell averages while taring). */
        s->tare_n = emu_patient_force(&emu_dev_opts(d)->patient, now, -1, 0);
        send_at(s, now, "Tared\r\n");
    } else if (strcasecmp(cmd, "W") == 0) {
        send_reading(d, s, now);
    } else if (strcasecmp(cmd, "WC") == 0) {
        if (!s->streaming) {
            s->streaming = true;
            s->stream_t0 = now;
            s->k = 0;
            emu_dev_set_streaming(d, true);
        }
    } else {
        send_at(s, now, "?\r\n");
    }
}

static double ls_emu_tick(struct emu_dev *d, void *state)
{
    struct ls_emu *s = state;
    double now = emu_now(d);
    double period = 1.0 / s->rate_hz;
    if (s->streaming) {
        /* Every reading that is due (the thread may have slept past several). */
        while (s->stream_t0 + (double)s->k * period <= now) {
            send_reading(d, s, s->stream_t0 + (double)s->k * period);
            s->k++;
        }
    }
    flush_due(d, s, now);
    double next = now + 0.05;
    if (s->streaming && s->stream_t0 + (double)s->k * period < next)
        next = s->stream_t0 + (double)s->k * period;
    if (s->q_n > 0 && s->q[s->q_head].due < next)
        next = s->q[s->q_head].due;
    return next;
}

const struct emu_family emu_loadstar = {
    .name = "loadstar",
    .default_baud = 9600,
    .default_rate_hz = 70,
    .default_boot_s = 0,
    .keeps_state_on_open = true,
    .default_capacity_n = 250.0 * 4.4482216152605, /* a 250 lbf cell */
    .default_unit = "lbf",
    .state_size = sizeof(struct ls_emu),
    .reset = ls_emu_reset,
    .on_line = ls_emu_line,
    .on_tick = ls_emu_tick,
};
