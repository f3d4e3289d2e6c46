/*
 * store_device.c - what a measurement was made with: devices (by family and serial), their
 * calibration checks, and the protocols as run (their exact text, by SHA-256).
 *
 * A device row outlives firmware updates (model, firmware, capacity and unit are refreshed), so a
 * trend can tell a new gauge from the same gauge updated. A protocol is stored once per distinct
 * text: two sessions run with the same name but edited bands point to different rows, and a session
 * is always judged by the text it was run with (store_history.c).
 */
#include "station/store/store_internal.h"

#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"

/* ------------------------------------------------------------------------------------------------ */
/* Devices                                                                                          */

static void read_id_uuid(sqlite3_stmt *st, void *item)
{
    struct store_device *d = item;
    d->id = sqlite3_column_int64(st, 0);
    store_col_text(st, 1, d->uuid, sizeof d->uuid);
}

static enum st_status device_ensure_work(struct store *s, void *ctx, struct st_err *err)
{
    struct store_device *d = ctx;
    const char *doing = "recording the device";
    bool found = false;
    enum st_status r =
        store_row(s, "SELECT id, uuid FROM devices WHERE family=? AND serial=?",
                  STORE_VALS(sv_text(d->family), sv_text(d->serial)), read_id_uuid, d, &found, doing, err);
    if (r != ST_OK)
        return r;
    if (found) /* the same device, perhaps with new firmware; unchanged, no edit (none to sync) */
        return store_run(s,
                         "UPDATE devices SET model=?1, firmware=?2, capacity_n=?3, unit=?4 WHERE id=?5 AND"
                         " (model IS NOT ?1 OR firmware IS NOT ?2 OR capacity_n IS NOT ?3 OR unit IS NOT ?4)",
                         STORE_VALS(sv_opt(d->model), sv_opt(d->firmware), sv_real(d->capacity_n),
                                    sv_opt(d->unit), sv_int(d->id)),
                         doing, err);
    store_uuid_new(d->uuid);
    r = store_run(s,
                  "INSERT INTO devices(model, firmware, capacity_n, unit, family, serial, uuid, created)"
                  " VALUES(?,?,?,?,?,?,?,?)",
                  STORE_VALS(sv_opt(d->model), sv_opt(d->firmware), sv_real(d->capacity_n), sv_opt(d->unit),
                             sv_text(d->family), sv_text(d->serial), sv_text(d->uuid), sv_int(st_wall_s())),
                  doing, err);
    if (r == ST_OK)
        d->id = sqlite3_last_insert_rowid(s->db);
    return r;
}

enum st_status store_device_ensure(struct store *s, struct store_device *d, struct st_err *err)
{
    static const struct {
        const char *field;
        size_t off, size;
        bool required;
    } texts[] = {
        {"Device family", offsetof(struct store_device, family), sizeof d->family, true},
        {"Device serial", offsetof(struct store_device, serial), sizeof d->serial, false},
        {"Device model", offsetof(struct store_device, model), sizeof d->model, false},
        {"Device firmware", offsetof(struct store_device, firmware), sizeof d->firmware, false},
        {"Device unit", offsetof(struct store_device, unit), sizeof d->unit, false},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        enum st_status v = store_check_text(texts[i].field, (const char *)d + texts[i].off, texts[i].required,
                                            texts[i].size - 1, false, err);
        if (v != ST_OK)
            return v;
    }
    d->id = 0;
    enum st_status r = store_tx(s, "recording the device", device_ensure_work, d, err);
    if (r != ST_OK)
        d->id = 0;
    return r;
}

static void read_device(sqlite3_stmt *st, void *item)
{
    struct store_device *d = item;
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(st, 0);
    store_col_text(st, 1, d->uuid, sizeof d->uuid);
    store_col_text(st, 2, d->family, sizeof d->family);
    store_col_text(st, 3, d->model, sizeof d->model);
    store_col_text(st, 4, d->serial, sizeof d->serial);
    store_col_text(st, 5, d->firmware, sizeof d->firmware);
    d->capacity_n = store_col_double(st, 6);
    store_col_text(st, 7, d->unit, sizeof d->unit);
}

enum st_status store_device_get(struct store *s, int64_t id, struct store_device *d, struct st_err *err)
{
    bool found = false;
    enum st_status r =
        store_row(s,
                  "SELECT id, uuid, family, model, serial, firmware, capacity_n, unit FROM devices"
                  " WHERE id=?",
                  STORE_VALS(sv_int(id)), read_device, d, &found, "reading a device", err);
    if (r == ST_OK && !found)
        return st_err_set(err, ST_ERR_NOT_FOUND, "There is no device %lld in %s", (long long)id, s->path);
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* Calibration checks                                                                               */

static enum st_status calibration_add_work(struct store *s, void *ctx, struct st_err *err)
{
    struct store_calibration *c = ctx;
    enum st_status r = store_run(
        s,
        "INSERT INTO calibrations(device_id, checked, reference_kg, reading_n, error_pct, ok,"
        " therapist_id) VALUES(?,?,?,?,?,?,?)",
        STORE_VALS(sv_int(c->device_id), sv_int(c->checked), sv_real(c->reference_kg), sv_real(c->reading_n),
                   sv_real(c->error_pct), sv_int(c->ok), sv_id(c->therapist_id)),
        "recording the calibration check", err);
    if (r == ST_OK)
        c->id = sqlite3_last_insert_rowid(s->db);
    return r;
}

enum st_status store_calibration_add(struct store *s, struct store_calibration *c, struct st_err *err)
{
    if (!isfinite(c->reference_kg) || c->reference_kg <= 0 || !isfinite(c->reading_n))
        return st_err_set(err, ST_ERR_ARG,
                          "Calibration: the reference mass and the reading must be numbers, "
                          "the mass above 0 kg");
    if (!c->checked)
        c->checked = st_wall_s();
    enum st_status r = store_tx(s, "recording the calibration check", calibration_add_work, c, err);
    if (r == ST_ERR_ARG) /* the device is not there (a foreign key) */
        return st_err_set(err, ST_ERR_ARG, "Calibration: device %lld is not in %s", (long long)c->device_id,
                          s->path);
    return r;
}

static void read_calibration(sqlite3_stmt *st, void *item)
{
    struct store_calibration *c = item;
    c->id = sqlite3_column_int64(st, 0);
    c->device_id = sqlite3_column_int64(st, 1);
    c->checked = sqlite3_column_int64(st, 2);
    c->reference_kg = store_col_double(st, 3);
    c->reading_n = store_col_double(st, 4);
    c->error_pct = store_col_double(st, 5);
    c->ok = sqlite3_column_int(st, 6) != 0;
    c->therapist_id = sqlite3_column_int64(st, 7);
}

/* The device's last check at or before unix time at (INT64_MAX: any). */
static enum st_status calibration_before(struct store *s, int64_t device_id, int64_t at,
                                         struct store_calibration *c, struct st_err *err)
{
    bool found = false;
    enum st_status r = store_row(
        s,
        "SELECT id, device_id, checked, reference_kg, reading_n, error_pct, ok, therapist_id"
        " FROM calibrations WHERE device_id=? AND checked<=? ORDER BY checked DESC, id DESC LIMIT 1",
        STORE_VALS(sv_int(device_id), sv_int(at)), read_calibration, c, &found,
        "reading the calibration checks", err);
    if (r == ST_OK && !found)
        return st_err_set(err, ST_ERR_NOT_FOUND, "Device %lld has no calibration check yet",
                          (long long)device_id);
    return r;
}

enum st_status store_calibration_last(struct store *s, int64_t device_id, struct store_calibration *c,
                                      struct st_err *err)
{
    return calibration_before(s, device_id, INT64_MAX, c, err);
}

const char *store_cal_state_name(enum store_cal_state st)
{
    switch (st) {
    case STORE_CAL_OK: return "ok";
    case STORE_CAL_NONE: return "none";
    case STORE_CAL_OLD: return "old";
    case STORE_CAL_OFF: return "off";
    }
    return "?";
}

enum st_status store_calibration_status(struct store *s, int64_t device_id, int64_t at, int max_age_days,
                                        struct store_cal_status *out, struct st_err *err)
{
    memset(out, 0, sizeof *out);
    if (at <= 0)
        at = (int64_t)time(NULL);
    if (max_age_days <= 0) { /* the clinic's policy, else a year */
        const char *env = getenv("STATION_CALIBRATION_MAX_DAYS");
        char *end = NULL;
        long v = env ? strtol(env, &end, 10) : 0;
        max_age_days = env && *env && end && *end == '\0' && v > 0 && v <= 36500 ? (int)v : 365;
    }
    enum st_status st = calibration_before(s, device_id, at, &out->last, err);
    if (st == ST_ERR_NOT_FOUND) {
        out->state = STORE_CAL_NONE;
        out->age_days = NAN;
        snprintf(out->text, sizeof out->text,
                 "No calibration check on record: run station calibrate with a known mass");
        return ST_OK;
    }
    if (st != ST_OK)
        return st;
    out->age_days = (double)(at - out->last.checked) / 86400.0;
    if (!out->last.ok) {
        out->state = STORE_CAL_OFF;
        snprintf(out->text, sizeof out->text, "Last calibration check was off by %+.1f %%",
                 out->last.error_pct);
    } else if (out->age_days > max_age_days) {
        out->state = STORE_CAL_OLD;
        snprintf(out->text, sizeof out->text, "Last calibration check is %.0f days old", out->age_days);
    } else {
        out->state = STORE_CAL_OK;
    }
    return ST_OK;
}

/* ------------------------------------------------------------------------------------------------ */
/* Protocols as run                                                                                 */

enum st_status store_protocol_ensure(struct store *s, const char *name, const char *text, int64_t *id,
                                     struct st_err *err)
{
    enum st_status v = store_check_text("Protocol name", name, true, 127, false, err);
    if (v != ST_OK)
        return v;
    if (!text)
        return st_err_set(err, ST_ERR_ARG, "Protocol %s: its text is missing", name);
    char hash[SHA256_DIGEST_STRING_LENGTH];
    SHA256Data((const uint8_t *)text, strlen(text), hash);
    return store_id_ensure(s, "SELECT id FROM protocols WHERE sha256=?", STORE_VALS(sv_text(hash)),
                           "INSERT INTO protocols(name, text, sha256, created) VALUES(?,?,?,?)",
                           STORE_VALS(sv_text(name), sv_text(text), sv_text(hash), sv_int(st_wall_s())), id,
                           "recording the protocol", err);
}
