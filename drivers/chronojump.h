/*
 * chronojump.h - the Chronojump force sensor (Arduino + HX711, firmware "Force_Sensor-0.6"),
 * DEVICES.md "Arduino + HX711 force sensor".
 *
 * 115200 8N1. Commands `name:` or `name:arg;`; replies end in CRLF. While capturing, one line per
 * sample: `<t_us>;<force_N>` with t_us the board's micros() since the capture started, an unsigned
 * 32-bit count that wraps after about 71.6 minutes, and the force in newtons with two decimals. A
 * trigger input adds `<t_us>;R` / `<t_us>;r`.
 *
 * Parser rules (pure, in chronojump.c):
 *   - a line is a sample only with exactly one ';', an unsigned decimal integer <= 4294967295 before
 *     it and a decimal number after it; |F| > 20000 N is a bad line (the protocol has no overload
 *     marker: this is the host's plausibility limit);
 *   - the time is unwrapped to 64 bits: a step back from the last 10 s before 2^32 to the first 10 s
 *     after 0 is a wrap (+2^32); any other step back is a restarted capture (the count starts over);
 *     "Starting capture..." also starts the count over;
 *   - known replies (version, Starting capture..., Capture ended:, Taring OK:, Tare set, Calibrating
 *     OK:, a bare number answering get_tare / get_calibration_factor) are DRV_REPLY,
 *     "Not a valid command" is DRV_DEVICE_ERROR, anything else is DRV_BAD (counted by the caller).
 */
#ifndef STATION_DRIVERS_CHRONOJUMP_H
#define STATION_DRIVERS_CHRONOJUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/driver.h"

struct cj_parser {
    struct drv_linebuf lb;
    bool have_last;
    uint32_t last_raw_us;
    uint64_t epoch_us; /* added to the raw count: 2^32 per wrap */
};

void cj_parser_init(void *state);
enum drv_parse cj_parse(void *state, const uint8_t *buf, size_t len, size_t *consumed, struct drv_reading *out);

/* Does line look like a firmware version reply ("Force_Sensor-0.6", "device-0.7")? */
bool cj_is_version(const char *line);

extern const struct drv_driver drv_chronojump;

#endif
