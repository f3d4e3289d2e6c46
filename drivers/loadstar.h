/*
 * loadstar.h - Loadstar Sensors DI-1000U / DI-100U load-cell interfaces (and the high-speed UHS
 * models), DEVICES.md "Loadstar Sensors DI-1000U / DI-100U".
 *
 * Protocol facts this driver relies on (DEVICES.md; "(unverified)" marks what DEVICES.md or the
 * brief leaves open, with the tolerant reading chosen here):
 *   - 9600 8N1, no flow control; UHS models (DI-1000UHS, UHS-1K) 230400. Probing tries 9600, then
 *     230400. USB: an FTDI bridge, 0403:6001.
 *   - Commands end in CR, replies in CRLF (the parser takes CR, LF or CRLF). Commands are
 *     case-insensitive; the driver sends them in capitals.
 *   - A bare CR answers `A`. The handshake sends two and expects `A` to the second: the first one also
 *     stops a stream a previous program may have left running, and whatever it answers is dropped.
 *   - `MODEL` -> `FCM DI-1000` or `FCM DI-100`. Tolerant: any line starting with `FCM` (any case) is
 *     a model reply (UHS models may add a suffix; unverified).
 *   - `ID` -> an id / serial string. Its format is not documented (unverified): the probe takes the
 *     first line after `ID` whatever it is (not `A`, not an error) as the id, and the parser classifies
 *     a token of 4..40 letters, digits, '-', '_' and '.' holding at least one letter and one digit as an
 *     id reply. The emulator answers `DI1000U-<6 digits>` (UHS: `DI1000UHS-<6 digits>`), the interface
 *     model and its serial number. The id is the device's serial for the station (a device that comes
 *     back after an unplug must give the same one).
 *   - `UNITS` reads the unit: `lbf`, `kgf`, `N`, `kN`, `oz`. Tolerant: any spelling drv_unit_parse
 *     knows, case-insensitive (public host software shows `LB` and `Kg` from older firmware). `UNITS <u>`
 *     sets it: a settings command, never sent by the probe; what it answers is unverified (the emulator
 *     answers the new unit like a read; ls_set_unit confirms with a read either way).
 *   - `LC` reads the capacity, a bare number in the current unit (unverified: a unit after the number
 *     is accepted too and then used instead).
 *   - `TARE` or `CT0` -> `Tared` (tolerant: `A` is accepted too, as some firmware answers that).
 *   - `W` -> one reading; `WC` streams readings until a bare CR arrives. A reading is a bare decimal
 *     number in the current unit, `%12.4f` on UHS models (leading spaces), shorter on the DI-1000U.
 *     Tolerant: surrounding spaces and tabs are ignored; a number followed by spaces and a unit is a
 *     reading in that unit (unverified; no firmware is known to send it).
 *   - Rates: DI-1000U about 60-80 readings/s, DI-1000UHS about 500/s, UHS-1K about 575/s.
 *   - There is no overload marker: a reading at the LC capacity is saturation (the acquisition thread
 *     flags it from drv_ident.capacity_n; the parser never sets drv_reading.overload).
 *   - What the device answers to an unknown command is unverified: the emulator answers `?`, and the
 *     parser takes any line starting with `?`, or holding "invalid", "error", "unknown" or "not
 *     recognized" (any case), as DRV_DEVICE_ERROR.
 *
 * Parser rules (pure, in loadstar.c): a reading becomes newtons through the parser's current unit,
 * which the I/O half sets (ls_parser_set_unit, from the probe's UNITS) and which a unit reply seen in
 * the byte stream changes (the answer to `UNITS` or `UNITS <u>`), so readings stay right in newtons
 * when the unit changes mid-stream. A reading while the unit is unknown is DRV_BAD (the station never
 * guesses a unit: lbf and N differ by 4.45x). A reading over 1e6 N in magnitude is DRV_BAD (no
 * Loadstar cell comes near; it is line noise). `A`, `Tared`, the model, a unit and an id are DRV_REPLY;
 * the error shapes above DRV_DEVICE_ERROR; anything else (garbage, non-numeric fields, over-long lines)
 * DRV_BAD with the raw text kept. An `LC` answer is a bare number and so reads as a sample: the I/O half
 * never asks for it while streaming.
 *
 * I/O half: the probe (CR, CR -> A, MODEL, ID, UNITS, LC: read-only queries only) fills drv_ident with
 * model, id (firmware and serial), unit and capacity in N; start sends `WC` (streaming, no polling);
 * stop sends a bare CR and drains until the line is quiet (a second CR if the stream goes on); zero
 * sends `TARE` and waits for `Tared`.
 */
#ifndef STATION_DRIVERS_LOADSTAR_H
#define STATION_DRIVERS_LOADSTAR_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/driver.h"

/* Parser state (drv_loadstar.parser_size bytes). */
struct ls_parser {
    struct drv_linebuf lb;
    enum drv_unit unit; /* the unit of bare readings; DRV_UNIT_UNKNOWN until set or seen */
};

/* Resets the parser; the unit becomes unknown. */
void ls_parser_init(void *state);

/* Sets the unit bare readings are in (the I/O half calls it with the probed unit before streaming). */
void ls_parser_set_unit(void *state, enum drv_unit unit);

/* The pure parser (driver.h contract). */
enum drv_parse ls_parse(void *state, const uint8_t *buf, size_t len, size_t *consumed,
                        struct drv_reading *out);

/*
 * Parses a unit as a Loadstar writes it (a UNITS reply), ignoring surrounding spaces: lbf, kgf, N,
 * kN, oz and the other spellings drv_unit_parse knows. DRV_UNIT_UNKNOWN if it is none.
 */
enum drv_unit ls_unit_parse(const char *text, size_t len);

/* The word the device uses for u in `UNITS <u>` and its replies: "lbf", "kgf", "N", "kN", "oz";
 * NULL for a unit a Loadstar cannot be set to (mN, gf, unknown). */
const char *ls_unit_word(enum drv_unit u);

/*
 * Changes the device's unit with `UNITS <u>` (a settings command: only for an identified device that is
 * not streaming), confirms it with a `UNITS` read, and updates d->ident.unit and the parser. Returns
 * ST_OK; ST_ERR_ARG for a unit the device has no word for; ST_ERR_DEVICE when the device refuses or
 * reports another unit; ST_ERR_TIMEOUT / ST_ERR_DISCONNECTED. err names the port.
 */
enum st_status ls_set_unit(struct drv_dev *d, enum drv_unit unit, struct st_err *err);

extern const struct drv_driver drv_loadstar;

#endif
