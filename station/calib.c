/* calib.c - a calibration check's verdict and record; see calib.h. */
#include "station/calib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/config.h"

struct calib_result calib_judge(double mass_kg, double reading_n, double tolerance_pct)
{
    struct calib_result r = {.mass_kg = mass_kg, .reading_n = reading_n, .tolerance_pct = tolerance_pct};
    r.expect_n = mass_kg * CALIB_G;
    r.error_pct = 100.0 * (reading_n - r.expect_n) / r.expect_n;
    r.ok = fabs(r.error_pct) <= tolerance_pct;
    return r;
}

enum st_status calib_store(struct store *s, const struct acq_status *ast, const char *device_key,
                           const char *therapist, const struct calib_result *r, struct store_calibration *cal,
                           struct store_device *dev, struct st_err *err)
{
    struct store_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.family, sizeof d.family, "%s", ast->ident.family);
    snprintf(d.model, sizeof d.model, "%s", ast->ident.model);
    /* as the session keys it (identity.h), or the caller's fixed name (the demo's) */
    snprintf(d.serial, sizeof d.serial, "%s", device_key ? device_key : ast->identity.key);
    snprintf(d.firmware, sizeof d.firmware, "%s", ast->ident.firmware);
    d.capacity_n = ast->ident.capacity_n;
    snprintf(d.unit, sizeof d.unit, "%s", drv_unit_name(ast->ident.unit));
    char who_buf[CONFIG_TEXT_MAX + 1];
    const char *who = config_therapist(therapist, who_buf, sizeof who_buf);
    if (!who)
        who = getenv("USER") && *getenv("USER") ? getenv("USER") : "unknown";
    int64_t tid = 0;
    struct store_calibration c = {
        .reference_kg = r->mass_kg, .reading_n = r->reading_n, .error_pct = r->error_pct, .ok = r->ok};
    enum st_status st = store_device_ensure(s, &d, err);
    if (st == ST_OK)
        st = store_therapist_ensure(s, who, &tid, err);
    c.device_id = d.id;
    c.therapist_id = tid;
    if (st == ST_OK)
        st = store_calibration_add(s, &c, err);
    if (cal)
        *cal = c;
    if (dev)
        *dev = d;
    return st;
}

const char *calib_verdict_text(const struct calib_result *r, char *buf, size_t size)
{
    if (r->ok)
        snprintf(buf, size, "read %.2f N for %.2f N expected: error %+.2f %% - within tolerance (%.1f %%)",
                 r->reading_n, r->expect_n, r->error_pct, r->tolerance_pct);
    else
        snprintf(
            buf, size,
            "read %.2f N for %.2f N expected: error %+.2f %% - OUT OF TOLERANCE (%.1f %%): have the device "
            "serviced before testing patients",
            r->reading_n, r->expect_n, r->error_pct, r->tolerance_pct);
    return buf;
}
