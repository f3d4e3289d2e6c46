/*
 * calib.h - a calibration check's verdict and record, shared by `station calibrate` (station/cli) and
 * the window's guided check (station/gui/gui_calib.c), so both judge the same way, say it in the same
 * words and store the same row.
 *
 * A check hangs a known mass on the dynamometer: protocols/settle.h takes the zero at rest and the
 * mass's still reading; calib_judge turns the reading into an error in % of the expected force and a
 * verdict against the tolerance; calib_store records the device (keyed as sessions key it, so their
 * calibration state finds the check), who checked, and the calibration row, through the store's own
 * functions (store_device_ensure, store_therapist_ensure, store_calibration_add).
 */
#ifndef STATION_STATION_CALIB_H
#define STATION_STATION_CALIB_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"
#include "drivers/acq.h"
#include "station/store/store.h"

#define CALIB_G 9.80665 /* standard gravity: a mass's force in N per kg */

struct calib_result {
    double mass_kg, expect_n; /* the reference mass and its force */
    double reading_n;         /* the still reading above the zero */
    double error_pct;         /* 100 * (reading - expect) / expect */
    double tolerance_pct;     /* the largest error accepted */
    bool ok;                  /* |error| <= tolerance */
};

/* The verdict of reading_n for mass_kg against tolerance_pct. */
struct calib_result calib_judge(double mass_kg, double reading_n, double tolerance_pct);

/*
 * Stores the check as `station calibrate` does: the device from the acquisition's status (family,
 * model, firmware, capacity, unit), keyed by device_key when not NULL (the demo's fixed name) else by
 * its identity key (drivers/identity.h: serial, USB serial, by-id name, port); the therapist (NULL or
 * "": the settings' therapist, else $USER, else "unknown"); the row. *cal and *dev (may be NULL) get
 * what was stored. The store's errors.
 */
enum st_status calib_store(struct store *s, const struct acq_status *ast, const char *device_key,
                           const char *therapist, const struct calib_result *r, struct store_calibration *cal,
                           struct store_device *dev, struct st_err *err);

/* The verdict in words: "read 98.05 N for 98.07 N expected: error -0.02 % - within tolerance (1 %)" or
 * "... - OUT OF TOLERANCE: have the device serviced before testing patients". Returns buf. */
const char *calib_verdict_text(const struct calib_result *r, char *buf, size_t size);

#endif
