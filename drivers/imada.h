/*
 * imada.h - Imada DS2 / DST digital force gauges over RS-232, DEVICES.md "Imada DS2 / DST digital force
 * gauges".
 *
 * Protocol facts this driver relies on (DEVICES.md):
 *   - 19200 8N1; commands end in CR; replies end in CR (no LF).
 *   - `D` asks for one reading. The reply is, in this order and with nothing between:
 *       sign, value, unit letter, mode letter, judgement letter        e.g. `+123.4NTO`
 *     unit  N = newton, K = kgf, O = lbf
 *     mode  T = real time, P = peak (the display holds the largest force)
 *     judgement (the gauge's comparator) L = below the low set point, O = between, H = above the high
 *     set point, E = overload.
 *   - `Z` zero, `T` / `P` real-time / peak mode, `N` / `K` / `O` unit: each answers `R` (done) or `E`
 *     (refused). What the gauge does with other commands is not written down; the driver sends no
 *     other (its emulator refuses them with `E`).
 *   - There is no identity query, no serial number and no capacity in the protocol: the port names
 *     the device, and the model is "DS2/DST" whichever it is.
 *   - There is no streaming command: the host polls with `D`, one reading per round trip. At 19200
 *     baud a 10-byte reply takes 5.2 ms on the wire, plus the gauge's processing time.
 *
 * The letters overlap (`E` is both the refusal and the overload judgement; `O` is both lbf and "ok"),
 * so the parser tells replies apart by the line's whole shape, never by a letter alone:
 *   - a reading is exactly: optional sign, a decimal number (drv_parse_decimal), then exactly three
 *     letters, the first from {N,K,O}, the second from {T,P}, the third from {L,O,H,E};
 *   - a refusal is the line `E` and nothing else; an acknowledgement is the line `R` and nothing else;
 *   - every other line (an echoed command, garbage, a line over DRV_LINE_MAX) is DRV_BAD.
 *
 * Tolerant readings (details DEVICES.md does not pin down; what this driver accepts):
 *   - the sign may be missing, and spaces may pad the front of the value (some gauges pad numbers to a
 *     fixed width); spaces anywhere else make the line bad; a reading is at most IMADA_READING_MAX
 *     characters in all;
 *   - the number of decimals varies with the capacity and the unit (`+0.512NTO`, `+52.20KTO`, `+112OTO`);
 *   - LF and CRLF end a line as well as CR (the shared line splitter treats them alike);
 *   - a gauge's own refresh rate (some are said to update only 10-20 times a second in some modes,
 *     (unverified)) is not assumed: every reply is a sample; repeated values are kept as they came.
 *
 * What the station does with each reply:
 *   - a real-time reading (mode T) is a DRV_SAMPLE: value and unit as sent, force_n = value *
 *     drv_unit_to_n(unit); a unit change on the gauge mid-stream is therefore harmless (every reading
 *     names its unit). Judgement E sets overload (the acquisition marks the sample saturated);
 *   - a peak-mode reading (mode P) is a DRV_REPLY with value, unit, force_n and overload filled: it is
 *     the held maximum, not the force now, and must never enter a force-time curve;
 *   - `R` is DRV_REPLY, `E` is DRV_DEVICE_ERROR.
 *
 * The I/O half:
 *   - probe: sends a bare CR (clears whatever a previous prober left in the gauge's command buffer; it
 *     is no command) and `D`, which only reads. Nothing that changes a setting is ever sent by the
 *     probe. The reading's letters give the unit and the mode; a gauge in peak mode is reported in
 *     words in ident.firmware ("peak mode: switched to real time while measuring"), else "real-time
 *     mode" (the protocol has no firmware or id string to report).
 *     model "DS2/DST", serial "" (none in the protocol), capacity_n NAN (not in the protocol).
 *   - start: reads once more with `D`; if the gauge is in peak mode it sends `T` (the device has been
 *     identified; the station needs the real-time force, and a held peak would fake a force-time
 *     curve). This is the driver's one settings change; stop() sends `P` back so the gauge is left as
 *     the clinic set it. A refused `T` fails start with a message asking the therapist to set real-time
 *     mode on the gauge's keypad. If a P reading arrives while polling (someone pressed the mode key),
 *     request() sends `T` again, at most once a second, and logs a warning.
 *   - request (polling): sends `D` when the previous request has been answered (a complete line
 *     arrived) or IMADA_REPLY_TIMEOUT_MS passed without an answer; otherwise it sends nothing. With
 *     drv_dev.rate_hz > 0 it also waits until 1/rate_hz after the previous request (sleeping at most
 *     50 ms a call, so exact for rates of 20 a second and more), so the polling rate can be capped;
 *     0 polls as fast as the round trip allows (about 100 a second at 19200 baud).
 *   - stop: waits briefly for an outstanding reply, drops pending input, restores peak mode if start
 *     switched it. Nothing else is sent, so closing a device that turned out not to be an Imada
 *     writes nothing to it.
 *   - zero: `Z`, expecting `R` (ST_ERR_DEVICE with words on `E`).
 */
#ifndef STATION_DRIVERS_IMADA_H
#define STATION_DRIVERS_IMADA_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/driver.h"

/* The longest line taken as a reading (`+123.4NTO` is 9; padding included). Longer is DRV_BAD. */
#define IMADA_READING_MAX 24

/* A sent `D` not answered within this time is sent again. */
#define IMADA_REPLY_TIMEOUT_MS 100

/* The polling state of the I/O half. Kept in the parser's block of state (drv_dev has no other place
 * for a family's data); the parser itself never reads or writes it. */
struct imada_io {
    bool pending;          /* a request is out and not yet answered */
    uint64_t lines_at_send; /* imada_parser.lines when it was sent */
    unsigned expect;       /* lines it will bring back (1 for `D`, 2 for `T` + `D`) */
    int64_t sent_ns;       /* station clock when it was sent */
    int64_t next_switch_ns; /* earliest time request() may send `T` again */
    bool switched_to_rt;   /* start() changed the gauge from peak to real-time mode */
};

struct imada_parser {
    struct drv_linebuf lb;
    /* what the parser has seen (pure state) */
    uint64_t lines;     /* complete lines, of every kind (over-long ones too) */
    enum drv_unit unit; /* unit of the last reading (DRV_UNIT_UNKNOWN before the first) */
    char mode;          /* 'T' or 'P' of the last reading, '\0' before the first */
    /* owned by the I/O half */
    struct imada_io io;
};

/* Initialises a struct imada_parser (state points to one). */
void imada_parser_init(void *state);

/* The pure parser (struct drv_driver.parse): see the rules above. Never touches an fd or a clock. */
enum drv_parse imada_parse(void *state, const uint8_t *buf, size_t len, size_t *consumed,
                           struct drv_reading *out);

/* One decoded reading line. */
struct imada_fields {
    double value;      /* as sent, in unit */
    enum drv_unit unit; /* DRV_UNIT_N, DRV_UNIT_KGF or DRV_UNIT_LBF */
    char mode;         /* 'T' or 'P' */
    char judgement;    /* 'L', 'O', 'H' or 'E' */
};

/*
 * Decodes line[0..len) (no terminator) as a `D` reply. Returns true and fills *f when the whole line
 * has the shape of a reading, false otherwise (f is then untouched). Pure.
 */
bool imada_reading_decode(const char *line, size_t len, struct imada_fields *f);

extern const struct drv_driver drv_imada;

#endif
