/*
 * emu_chronojump.c - an emulated Chronojump force sensor (Arduino + HX711), as DEVICES.md describes
 * it: the reset silence after every open, get_version:, start_capture: with `<t_us>;<force>` lines
 * at 80 Hz from a 32-bit microsecond counter with the HX711's slight timing jitter, end_capture:
 * (whose characters the real board can lose while streaming: so does this one, now and then), tare:,
 * get_tare:, set_tare:, calibrate:, get_calibration_factor:, set_bps:, and "Not a valid command".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/emu.h"

struct cj_emu {
    bool capturing;
    double capture_t0;  /* emulator time of t_us = clock_start_us */
    uint64_t k;         /* samples sent in this capture */
    double tare_n;      /* subtracted from every reading */
    double cal_factor;
};

static void cj_reset(struct emu_dev *d, void *state)
{
    struct cj_emu *s = state;
    (void)d;
    s->capturing = false;
    s->tare_n = 0;
    s->cal_factor = 1.0;
}

static bool cmd_is(const char *line, size_t len, const char *name, const char **arg)
{
    size_t n = strlen(name);
    if (len < n || strncmp(line, name, n) != 0)
        return false;
    *arg = line + n;
    return true;
}

static void cj_line(struct emu_dev *d, void *state, const char *line, size_t len)
{
    struct cj_emu *s = state;
    const char *arg;
    /* While streaming, the board's loop can miss characters of a command. */
    if (s->capturing && len > 2 && emu_random(d) < 0.3)
        return;
    if (len == 0)
        return;
    if (cmd_is(line, len, "get_version:", &arg)) {
        emu_printf(d, "Force_Sensor-0.6\r\n");
    } else if (cmd_is(line, len, "start_capture:", &arg)) {
        emu_printf(d, "Starting capture...\r\n");
        s->capturing = true;
        s->capture_t0 = emu_now(d);
        s->k = 0;
        emu_dev_set_streaming(d, true);
    } else if (cmd_is(line, len, "end_capture:", &arg)) {
        s->capturing = false;
        emu_dev_set_streaming(d, false);
        emu_printf(d, "Capture ended:\r\n");
    } else if (cmd_is(line, len, "tare:", &arg)) {
        s->tare_n = emu_read_force(d, emu_now(d));
        emu_printf(d, "Taring OK:%ld\r\n", lround(s->tare_n * 1000.0)); /* raw HX711 counts, nominally */
    } else if (cmd_is(line, len, "get_tare:", &arg)) {
        emu_printf(d, "%ld\r\n", lround(s->tare_n * 1000.0));
    } else if (cmd_is(line, len, "set_tare:", &arg)) {
        char *end = NULL;
        long v = strtol(arg, &end, 10);
        if (end == arg || *end != ';')
            emu_printf(d, "Not a valid command\r\n");
        else {
            s->tare_n = (double)v / 1000.0;
            emu_printf(d, "Tare set\r\n");
        }
    } else if (cmd_is(line, len, "calibrate:", &arg)) {
        char *end = NULL;
        double kg = strtod(arg, &end);
        if (end == arg || *end != ';' || !(kg > 0))
            emu_printf(d, "Not a valid command\r\n");
        else
            emu_printf(d, "Calibrating OK:%.2f\r\n", s->cal_factor * 915.21);
    } else if (cmd_is(line, len, "get_calibration_factor:", &arg)) {
        emu_printf(d, "%.2f\r\n", s->cal_factor * 915.21);
    } else if (cmd_is(line, len, "set_bps:", &arg)) {
        emu_printf(d, "Not a valid command\r\n"); /* rate changes are not emulated */
    } else {
        emu_printf(d, "Not a valid command\r\n");
    }
}

static double cj_tick(struct emu_dev *d, void *state)
{
    struct cj_emu *s = state;
    if (!s->capturing)
        return emu_now(d) + 0.05;
    double period = 1.0 / emu_dev_rate_hz(d);
    double now = emu_now(d);
    uint32_t start = emu_dev_opts(d)->clock_start_us;
    /* Every sample that is due (the thread may have slept past several). */
    while (s->capture_t0 + (double)s->k * period <= now) {
        double t = s->capture_t0 + (double)s->k * period;
        /* micros() at the HX711's data-ready: +-150 us of jitter around the nominal time */
        double jitter_us = (emu_random(d) - 0.5) * 300.0;
        double us = (double)s->k * period * 1e6 + jitter_us;
        uint32_t t_us = (uint32_t)((uint64_t)(start + (uint64_t)(us > 0 ? us : 0)) & 0xFFFFFFFFu);
        double f = emu_read_force(d, t) - s->tare_n;
        emu_printf(d, "%lu;%.2f\r\n", (unsigned long)t_us, f);
        s->k++;
    }
    return s->capture_t0 + (double)s->k * period;
}

const struct emu_family emu_chronojump = {
    .name = "chronojump",
    .default_baud = 115200,
    .default_rate_hz = 80,
    .default_boot_s = 2.0,
    .default_capacity_n = 5000,
    .default_unit = "N",
    .state_size = sizeof(struct cj_emu),
    .reset = cj_reset,
    .on_line = cj_line,
    .on_tick = cj_tick,
};
