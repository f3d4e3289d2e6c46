/*
 * mark10.h - Mark-10 digital force gauges, Series 4 and Series 5/7, over RS-232 or USB (a virtual COM
 * port), DEVICES.md "Mark-10 force gauges, Series 4/5/7".
 *
 * Protocol facts this driver relies on (DEVICES.md):
 *   - 8N1. The baud rate is set on the gauge's menu: 115200 is common on Series 5, 9600 on older
 *     setups. The family's rates (m10 bauds, tried in this order by drv_probe_port): 115200, 9600,
 *     19200, 38400, 57600. drv_dev_open uses the configured rate (--baud) or 115200.
 *   - Commands end in CR or CRLF (this driver sends CR); replies end in CRLF (the parser accepts CR, LF
 *     or CRLF, through the shared line splitter).
 *   - `?` asks for the displayed reading, `?C` the current one, `?PT` / `?PC` the peak tension /
 *     compression. The reply is `<value> <unit>`, e.g. `4.285 N`, `-18.78 lbF`; units N, lbF, kgF,
 *     ozF, gF, kN, mN. Tension is negative by default: the reading keeps its sign, and the station's
 *     channel polarity (acq_cfg.polarity) decides what "push" means. The number of decimals depends on
 *     the gauge's capacity (and the unit): the parser takes any number of them.
 *   - After `NUM` the unit is left out (`4.285`); `FULL` puts it back.
 *   - Units `N`, `LB`, `KG`, `OZ`, `G`, `MN`, `KN`; modes `CUR`, `PT`, `PC`; `Z` zeroes and clears the
 *     peaks; `CLR` clears the peaks.
 *   - `AOUTn` streams n readings a second, n in 1, 2, 5, 10, 25, 50, 125, 250 (`AOUT1` in fact gives
 *     50 a second); `AOUT0` stops. Polling `?` as fast as replies come back is the fallback.
 *   - `LIST` answers the settings, e.g. `V1.00;LBF;CUR;FLTC8;FLTP1;AOUT00;AOFF5;FULL;MIT;POL;B0`:
 *     firmware version first, then the settings under the names of the commands that set them.
 *   - Errors: `*10` illegal command, `*11` not applicable, `*12` invalid specifier, `*22` value too large.
 *   - There is no overload marker, no capacity query and no serial number in the protocol as written.
 *
 * (unverified) in DEVICES.md, and the tolerant reading chosen here:
 *   - Whether `Z`, `CLR`, unit, mode, `AOUT`, `NUM` and `FULL` reply anything: the driver waits up to
 *     M10_QUIET_MS for an answer after each; silence is success, a `*NN` line is the gauge's refusal,
 *     any other line (an acknowledgement) is success too. The emulator (emu_mark10.c) is silent.
 *   - USB id 0483:A1AD: not used. The family table has no USB id field and the probe goes by replies.
 *   - The layout of LIST beyond its example: the parser finds the unit, the mode, NUM/FULL and AOUT
 *     by their spelling, in any position; the first field must be the version (`V` + digits/dots).
 *     The unit is spelt as in the example (`LBF`) or any way drv_unit_parse knows (N, KGF, OZF, GF, KN,
 *     MN, lbF ...).
 *   - Reply shape: spaces or tabs before and after the reading are ignored, and more than one space may
 *     separate the value from the unit; a value glued to its unit (`4.285N`) is not a reading.
 *   - Error codes: `*` and exactly two digits is a refusal (DRV_DEVICE_ERROR), including codes not in
 *     DEVICES.md's list of four.
 *   - Which gauges know which commands: Series 4 gauges answer `?` but (per their user's guide) not
 *     LIST or AOUT; so LIST answered means "Series 5/7" (the model this driver reports) and `*10` to
 *     LIST with a reading to `?` means "Series 4", which is read by polling.
 *
 * The parser (pure: bytes in, readings out; no fd, no clock, no allocation):
 *   - `<value> <unit>` is a DRV_SAMPLE: value and unit as sent, force_n = value * drv_unit_to_n(unit).
 *     The unit becomes the parser's current unit, so a unit change mid-stream is followed at once.
 *   - `<value>` alone (NUM) is a DRV_SAMPLE in the parser's current unit: the unit of the last reading
 *     that had one, or of the last LIST reply, or the one the I/O half set from the probe
 *     (m10_parser_set_unit). With no unit known yet it is DRV_BAD (no newtons can be given).
 *     Limitation: in NUM mode a unit changed on the gauge's keypad cannot be seen on the wire; the
 *     station reads the new numbers in the old unit until a LIST or a full reading arrives.
 *   - |force| over M10_MAX_ABS_N is DRV_BAD (a host plausibility limit: no Mark-10 gauge comes near).
 *   - A LIST reply is DRV_REPLY (and teaches the unit); `*NN` is DRV_DEVICE_ERROR; anything else,
 *     including a line over DRV_LINE_MAX, is DRV_BAD with its raw text kept.
 *   - Overload: the protocol has none, so drv_reading.overload is never set. Saturation needs the
 *     capacity (a reading at full scale); the protocol does not give it, so ident.capacity_n is NAN and
 *     the acquisition cannot flag saturated samples for this family unless the capacity is supplied
 *     another way (the gauge itself shows a capacity overload on its display).
 *
 * The I/O half:
 *   - probe: sends only read-only queries, `LIST` then `?`, in up to three rounds within the timeout;
 *     a question that got no answer at all is asked again (one missed LIST must not make a Series 5
 *     look like a Series 4). A reading with a unit, or a LIST reply with a unit, identifies a Mark-10.
 *     ident: model "Series 5/7" (LIST answered), "Series 4" (LIST refused, `?` answered) or
 *     "Series 4/5/7" (`?` answered, LIST never did); firmware the LIST version ("V1.00") or "";
 *     serial "" (none in the protocol: the port names the gauge); unit from the reading (else LIST);
 *     capacity_n NAN. A gauge that answers bare numbers and no LIST (NUM mode
 *     on a Series 4) cannot be read in newtons: ST_ERR_NO_DEVICE with words saying so. A device that
 *     answers but not like a Mark-10 (an echo, another family's error) is ST_ERR_NO_DEVICE; silence is
 *     ST_ERR_TIMEOUT.
 *   - start (any model but "Series 4"): `LIST` again (the unit may have changed since the probe); `CUR` if the gauge
 *     is in a peak mode (a held peak is no force curve; stop() puts the mode back); then `AOUTn` with n
 *     from m10_aout_pick (drv_dev.rate_hz, default 250/s, capped so the readings fit the baud rate).
 *     The first streamed reading confirms the stream and is not passed on (it arrives within a period
 *     of the command, before any push). A refusal or no reading within M10_STREAM_CONFIRM_MS (+ three
 *     periods) falls back to polling. Series 4: polling at once.
 *   - request (polling): sends `?` when the previous one was answered (the parser completed a line)
 *     or M10_REPLY_TIMEOUT_MS passed; otherwise nothing. So polling runs as fast as replies come back.
 *   - stop: `AOUT0` (resent up to three times while readings keep coming), or waits for the last
 *     polled reply; restores a peak mode that start switched away from. It sends nothing to a device
 *     that was never started (closing a port that turned out not to be a Mark-10 writes nothing).
 *   - zero: `Z` (zeroes and clears peaks). `*10` (a Series 4 has no remote zero) is
 *     ST_ERR_UNSUPPORTED with words; another refusal is ST_ERR_DEVICE.
 */
#ifndef STATION_DRIVERS_MARK10_H
#define STATION_DRIVERS_MARK10_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/driver.h"

#define M10_MAX_ABS_N 1.0e6           /* plausibility limit for a reading, newtons */
#define M10_QUIET_MS 250              /* wait for an optional answer to a settings command */
#define M10_REPLY_TIMEOUT_MS 250      /* a polled `?` not answered by then is sent again */
#define M10_STREAM_CONFIRM_MS 300     /* wait for the first streamed reading after AOUTn */
#define M10_MODEL_GCL2 "Series 5/7"   /* ident.model: LIST answered (the GCL2 command set) */
#define M10_MODEL_SERIES4 "Series 4"  /* ident.model: `?` answered, LIST refused */
#define M10_MODEL_ANY "Series 4/5/7"  /* ident.model: `?` answered, LIST never did (start tries AOUT) */

enum m10_mode { M10_MODE_UNKNOWN = 0, M10_MODE_CUR, M10_MODE_PT, M10_MODE_PC };

/* What a LIST reply says. Fields not found keep their "unknown" value. */
struct m10_settings {
    char version[16];   /* "V1.00" (truncated if longer) */
    enum drv_unit unit; /* DRV_UNIT_UNKNOWN when no field names a unit */
    enum m10_mode mode;
    int num;            /* 1: NUM (readings without unit), 0: FULL, -1: not listed */
    int aout;           /* the AOUT field's number, -1: not listed */
};

/*
 * Parses line[0..len) as a LIST reply: fields separated by ';', the first `V` followed by digits and
 * dots (at least one digit), at least one more non-empty field, every field letters, digits, '.', '+'
 * or '-' (empty fields are skipped). Returns false (out untouched) when the line is not one. Pure.
 */
bool m10_parse_list(const char *line, size_t len, struct m10_settings *out);

/* The I/O half's per-device state. It lives in the parser's block because struct drv_dev gives a
 * family one block of state; the parser never reads or writes it (m10_parser_init zeroes it). */
struct m10_io {
    bool started;          /* start() ran and stop() has not */
    bool streaming;        /* AOUT is on (else polling) */
    enum m10_mode restore_mode; /* the peak mode start() switched away from, else M10_MODE_UNKNOWN */
    bool waiting;          /* a polled `?` is out */
    uint64_t lines_at_request; /* m10_parser.lines when it was sent */
    int64_t request_ns;
};

struct m10_parser {
    struct drv_linebuf lb;
    enum drv_unit unit; /* the current unit (see above); DRV_UNIT_UNKNOWN until one is learnt */
    uint64_t lines;     /* complete lines seen (any kind, over-long ones too) */
    uint64_t samples;   /* DRV_SAMPLE readings given */
    uint64_t errors;    /* DRV_DEVICE_ERROR readings given */
    struct m10_io io;
};

/* Initialises a parser (state points to sizeof(struct m10_parser) bytes): no unit known. */
void m10_parser_init(void *state);

/* Sets the unit used for readings without one (the unit learnt at probe time). */
void m10_parser_set_unit(struct m10_parser *p, enum drv_unit u);

/*
 * The family's parse function (struct drv_driver.parse): feeds bytes, stops after one complete line.
 * *consumed > 0 whenever len > 0. DRV_GOT with a sample, a LIST reply or a device error; DRV_SKIPPED
 * with DRV_BAD; DRV_NEED_MORE when all bytes went into an unfinished line. out->raw always holds the
 * line (truncated to DRV_RAW_MAX - 1, NUL-terminated).
 */
enum drv_parse m10_parse(void *state, const uint8_t *buf, size_t len, size_t *consumed,
                         struct drv_reading *out);

/* Classifies one complete line (without its terminator), with the same rules and effects on p (unit,
 * counters) as m10_parse. Used by the probe on lines read with drv_await_line. */
enum drv_parse m10_parse_line(struct m10_parser *p, const char *line, size_t len, struct drv_reading *out);

/* The words for a `*NN` refusal: "illegal command", "not applicable", "invalid specifier", "value too
 * large", or "error" for other codes. */
const char *m10_error_text(const char *line);

/*
 * The AOUT argument for a wanted rate (0: the fastest, 250/s) at baud: the slowest rate at least
 * want_hz among 2, 5, 10, 25, 50, 125, 250 (AOUT1 is never chosen: it gives 50/s, as AOUT50 does),
 * capped so that readings of M10_LINE_BYTES bytes use at most 90 % of the line's bytes a second
 * (10 bits a byte). *rate_hz (may be NULL) gets the readings a second it gives.
 */
#define M10_LINE_BYTES 14 /* the longest usual reading, "-1234.56 lbF\r\n" */
int m10_aout_pick(int want_hz, int baud, double *rate_hz);

extern const struct drv_driver drv_mark10;

#endif
