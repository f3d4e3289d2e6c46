/*
 * store_patient.c - the people and things around a measurement: patients (with validation, edits and
 * erasure), body masses, therapists, devices, calibration checks, protocols as run, and the audit log.
 *
 * Validation gives one message per field, naming the field, so a therapist knows what to fix; the
 * messages repeat the typed value only for numbers (mass, lengths), never a name, a date or a note
 * (messages reach stderr, which must not carry patient data).
 *
 * Erasure (store_patient_delete) is real: with secure_delete the freed pages are zeroed, the WAL is
 * checkpointed and truncated, and earlier audit rows about the patient lose their values. What stays
 * is the fact that an erasure happened (who, when, how much), which the clinic needs to show.
 */
#include "station/store/store_internal.h"

#include <math.h>
#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"

/* ------------------------------------------------------------------------------------------------ */
/* Validation                                                                                       */

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid; *cp gets the code point. */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t len;
    uint32_t c, min;
    if ((p[0] & 0xe0) == 0xc0) {
        len = 2, c = p[0] & 0x1f, min = 0x80;
    } else if ((p[0] & 0xf0) == 0xe0) {
        len = 3, c = p[0] & 0x0f, min = 0x800;
    } else if ((p[0] & 0xf8) == 0xf0) {
        len = 4, c = p[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

enum st_status store_check_text(const char *field, const char *text, bool required, size_t max_bytes,
                                bool multiline, struct st_err *err)
{
    if (!text || !*text) {
        if (required)
            return st_err_set(err, ST_ERR_ARG, "%s: is empty; it is required", field);
        return ST_OK;
    }
    size_t len = strlen(text);
    if (len > max_bytes)
        return st_err_set(err, ST_ERR_ARG, "%s: is %zu bytes long, at most %zu are allowed", field, len,
                          max_bytes);
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        uint32_t cp = 0;
        size_t n = utf8_seq(p, &cp);
        if (!n)
            return st_err_set(err, ST_ERR_ARG, "%s: is not valid UTF-8 text (byte %zu)", field,
                              (size_t)(p - (const unsigned char *)text) + 1);
        bool control = cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
        if (control && !(multiline && (cp == '\n' || cp == '\t' || cp == '\r')))
            return st_err_set(err, ST_ERR_ARG, "%s: contains a control character (byte %zu); use plain text",
                              field, (size_t)(p - (const unsigned char *)text) + 1);
        p += n;
    }
    return ST_OK;
}

static bool parse_date(const char *d, int *y, int *m, int *day)
{
    if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
            return false;
    *y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
    *m = (d[5] - '0') * 10 + (d[6] - '0');
    *day = (d[8] - '0') * 10 + (d[9] - '0');
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (*y < 1900 || *m < 1 || *m > 12 || *day < 1)
        return false;
    bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    int max = mdays[*m - 1] + (*m == 2 && leap);
    return *day <= max;
}

static void today(char out[11])
{
    time_t t = (time_t)st_wall_s();
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

enum st_status store_check_date(const char *field, const char *date, bool allow_future, struct st_err *err)
{
    int y, m, d;
    if (!date || !*date)
        return st_err_set(err, ST_ERR_ARG, "%s: is missing; give it as YYYY-MM-DD", field);
    if (!parse_date(date, &y, &m, &d))
        return st_err_set(err, ST_ERR_ARG, "%s: is not a real date (give YYYY-MM-DD, from 1900 on)", field);
    char now[11];
    today(now);
    if (!allow_future && strcmp(date, now) > 0)
        return st_err_set(err, ST_ERR_ARG, "%s: is in the future (today is %s)", field, now);
    return ST_OK;
}

enum st_status store_check_mass(double kg, struct st_err *err)
{
    if (!isfinite(kg))
        return st_err_set(err, ST_ERR_ARG, "Body mass: is missing; give it in kg (20-300)");
    if (kg < 20 || kg > 300)
        return st_err_set(err, ST_ERR_ARG, "Body mass: %g kg is outside 20-300 kg", kg);
    return ST_OK;
}

enum st_status store_patient_validate(const struct store_patient *p, bool check_mass, struct st_err *err)
{
    enum st_status s;
    if ((s = store_check_text("Name", p->name, true, 200, false, err)) != ST_OK)
        return s;
    if ((s = store_check_text("Clinic reference", p->ref, false, 200, false, err)) != ST_OK)
        return s;
    if ((s = store_check_date("Birth date", p->birth, false, err)) != ST_OK)
        return s;
    if (p->sex != 'F' && p->sex != 'M' && p->sex != 'X')
        return st_err_set(err, ST_ERR_ARG, "Sex: must be F, M or X");
    if (p->side_dominant != 0 && p->side_dominant != 'L' && p->side_dominant != 'R')
        return st_err_set(err, ST_ERR_ARG, "Dominant side: must be L or R");
    if (!isnan(p->leg_length_m) && !(p->leg_length_m >= 0.4 && p->leg_length_m <= 1.4))
        return st_err_set(err, ST_ERR_ARG, "Leg length: %g m is outside 0.4-1.4 m", p->leg_length_m);
    if (!isnan(p->lever_m) && !(p->lever_m >= 0.1 && p->lever_m <= 1.5))
        return st_err_set(err, ST_ERR_ARG, "Lever arm: %g m is outside 0.1-1.5 m", p->lever_m);
    if ((s = store_check_text("Notes", p->notes, false, 2000, true, err)) != ST_OK)
        return s;
    if (check_mass && (s = store_check_mass(p->mass_kg, err)) != ST_OK)
        return s;
    return ST_OK;
}

/* ------------------------------------------------------------------------------------------------ */
/* Audit                                                                                            */

int store_audit_add(struct store *s, int64_t therapist_id, const char *table, const char *row_uuid,
                    const char *action, const char *field, const char *old_value, const char *new_value,
                    const char *reason)
{
    sqlite3_stmt *st = NULL;
    int rc =
        store_prep(s,
                   "INSERT INTO audit(at, therapist_id, tbl, row_uuid, action, field, old_value, new_value,"
                   " reason) VALUES(?,?,?,?,?,?,?,?,?)",
                   &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, st_wall_s());
        if (therapist_id > 0)
            sqlite3_bind_int64(st, 2, therapist_id);
        sqlite3_bind_text(st, 3, table, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, row_uuid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, action, -1, SQLITE_STATIC);
        store_bind_text(st, 6, field);
        store_bind_text(st, 7, old_value);
        store_bind_text(st, 8, new_value);
        store_bind_text(st, 9, reason);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

enum st_status store_audit_list(struct store *s, const char *row_uuid, struct store_audit **out, size_t *n,
                                struct st_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = store_prep(
        s,
        "SELECT a.id, a.at, t.name, a.tbl, a.row_uuid, a.action, a.field, a.old_value, a.new_value,"
        " a.reason FROM audit a LEFT JOIN therapists t ON t.id = a.therapist_id"
        " WHERE a.row_uuid=? ORDER BY a.id",
        &st);
    struct store_audit *arr = NULL;
    size_t len = 0, cap = 0;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, row_uuid, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct store_audit *na = store_grow(arr, &cap, len, sizeof *arr);
            if (!na) {
                rc = SQLITE_NOMEM;
                break;
            }
            arr = na;
            struct store_audit *a = &arr[len++];
            a->id = sqlite3_column_int64(st, 0);
            a->at = sqlite3_column_int64(st, 1);
            store_col_text(st, 2, a->therapist, sizeof a->therapist);
            store_col_text(st, 3, a->table, sizeof a->table);
            store_col_text(st, 4, a->row_uuid, sizeof a->row_uuid);
            store_col_text(st, 5, a->action, sizeof a->action);
            store_col_text(st, 6, a->field, sizeof a->field);
            store_col_text(st, 7, a->old_value, sizeof a->old_value);
            store_col_text(st, 8, a->new_value, sizeof a->new_value);
            store_col_text(st, 9, a->reason, sizeof a->reason);
        }
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        free(arr);
        return store_fail(s, rc, "reading the audit log", err);
    }
    *out = arr;
    *n = len;
    return ST_OK;
}

/* ------------------------------------------------------------------------------------------------ */
/* Therapists, devices, calibrations, protocols                                                     */

/* Looks up one id with one text/text key; SQLITE_OK with *id = 0 when absent. */
static int lookup_id(struct store *s, const char *sql, const char *a, const char *b, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    *id = 0;
    int rc = store_prep(s, sql, &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        if (b)
            sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            *id = sqlite3_column_int64(st, 0);
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return rc;
}

enum st_status store_therapist_ensure(struct store *s, const char *name, int64_t *id, struct st_err *err)
{
    enum st_status v = store_check_text("Therapist", name, true, 200, false, err);
    if (v != ST_OK)
        return v;
    int rc = lookup_id(s, "SELECT id FROM therapists WHERE name=?", name, NULL, id);
    if (rc == SQLITE_OK && *id)
        return ST_OK;
    char uuid[STORE_UUID_SIZE];
    store_uuid_new(uuid);
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK)
        rc = store_prep(s, "INSERT INTO therapists(uuid, name, created) VALUES(?,?,?)", &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, st_wall_s());
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
            *id = sqlite3_last_insert_rowid(s->db);
        }
    }
    sqlite3_finalize(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) /* another station added the same name just now */
        rc = lookup_id(s, "SELECT id FROM therapists WHERE name=?", name, NULL, id);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "recording the therapist", err);
    store_after_commit(s);
    return ST_OK;
}

enum st_status store_device_ensure(struct store *s, struct store_device *d, struct st_err *err)
{
    enum st_status v;
    if ((v = store_check_text("Device family", d->family, true, sizeof d->family - 1, false, err)) != ST_OK ||
        (v = store_check_text("Device serial", d->serial, false, sizeof d->serial - 1, false, err)) !=
            ST_OK ||
        (v = store_check_text("Device model", d->model, false, sizeof d->model - 1, false, err)) != ST_OK ||
        (v = store_check_text("Device firmware", d->firmware, false, sizeof d->firmware - 1, false, err)) !=
            ST_OK ||
        (v = store_check_text("Device unit", d->unit, false, sizeof d->unit - 1, false, err)) != ST_OK)
        return v;
    sqlite3_stmt *st = NULL;
    int rc = store_begin(s);
    if (rc == SQLITE_OK)
        rc = store_prep(s, "SELECT id, uuid FROM devices WHERE family=? AND serial=?", &st);
    d->id = 0;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, d->family, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, d->serial, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            d->id = sqlite3_column_int64(st, 0);
            store_col_text(st, 1, d->uuid, sizeof d->uuid);
        }
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == SQLITE_OK) {
        if (d->id) {
            rc =
                store_prep(s, "UPDATE devices SET model=?, firmware=?, capacity_n=?, unit=? WHERE id=?", &st);
        } else {
            store_uuid_new(d->uuid);
            rc = store_prep(s,
                            "INSERT INTO devices(model, firmware, capacity_n, unit, family, serial, uuid,"
                            " created) VALUES(?,?,?,?,?,?,?,?)",
                            &st);
        }
    }
    if (rc == SQLITE_OK) {
        store_bind_text(st, 1, d->model);
        store_bind_text(st, 2, d->firmware);
        store_bind_double(st, 3, d->capacity_n);
        store_bind_text(st, 4, d->unit);
        if (d->id) {
            sqlite3_bind_int64(st, 5, d->id);
        } else {
            sqlite3_bind_text(st, 5, d->family, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 6, d->serial, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 7, d->uuid, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 8, st_wall_s());
        }
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
            if (!d->id)
                d->id = sqlite3_last_insert_rowid(s->db);
        }
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = store_commit(s);
    if (rc != SQLITE_OK) {
        store_rollback(s);
        d->id = 0;
        return store_fail(s, rc, "recording the device", err);
    }
    store_after_commit(s);
    return ST_OK;
}

enum st_status store_device_get(struct store *s, int64_t id, struct store_device *d, struct st_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_prep(s,
                        "SELECT id, uuid, family, model, serial, firmware, capacity_n, unit FROM devices"
                        " WHERE id=?",
                        &st);
    bool found = false;
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            found = true;
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
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading a device", err);
    if (!found)
        return st_err_set(err, ST_ERR_NOT_FOUND, "There is no device %lld in %s", (long long)id, s->path);
    return ST_OK;
}

enum st_status store_calibration_add(struct store *s, struct store_calibration *c, struct st_err *err)
{
    if (!isfinite(c->reference_kg) || c->reference_kg <= 0 || !isfinite(c->reading_n))
        return st_err_set(err, ST_ERR_ARG,
                          "Calibration: the reference mass and the reading must be numbers, "
                          "the mass above 0 kg");
    if (!c->checked)
        c->checked = st_wall_s();
    sqlite3_stmt *st = NULL;
    int rc = store_prep(s,
                        "INSERT INTO calibrations(device_id, checked, reference_kg, reading_n, error_pct, ok,"
                        " therapist_id) VALUES(?,?,?,?,?,?,?)",
                        &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, c->device_id);
        sqlite3_bind_int64(st, 2, c->checked);
        sqlite3_bind_double(st, 3, c->reference_kg);
        sqlite3_bind_double(st, 4, c->reading_n);
        store_bind_double(st, 5, c->error_pct);
        sqlite3_bind_int(st, 6, c->ok);
        if (c->therapist_id > 0)
            sqlite3_bind_int64(st, 7, c->therapist_id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
            c->id = sqlite3_last_insert_rowid(s->db);
        }
    }
    sqlite3_finalize(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return st_err_set(err, ST_ERR_ARG, "Calibration: device %lld is not in %s", (long long)c->device_id,
                          s->path);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "recording the calibration check", err);
    store_after_commit(s);
    return ST_OK;
}

/* The device's last check at or before unix time at (INT64_MAX: any). */
static enum st_status calibration_before(struct store *s, int64_t device_id, int64_t at,
                                         struct store_calibration *c, struct st_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_prep(
        s,
        "SELECT id, device_id, checked, reference_kg, reading_n, error_pct, ok, therapist_id"
        " FROM calibrations WHERE device_id=? AND checked<=? ORDER BY checked DESC, id DESC LIMIT 1",
        &st);
    bool found = false;
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, device_id);
        sqlite3_bind_int64(st, 2, at);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            found = true;
            c->id = sqlite3_column_int64(st, 0);
            c->device_id = sqlite3_column_int64(st, 1);
            c->checked = sqlite3_column_int64(st, 2);
            c->reference_kg = store_col_double(st, 3);
            c->reading_n = store_col_double(st, 4);
            c->error_pct = store_col_double(st, 5);
            c->ok = sqlite3_column_int(st, 6) != 0;
            c->therapist_id = sqlite3_column_int64(st, 7);
        }
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading the calibration checks", err);
    if (!found)
        return st_err_set(err, ST_ERR_NOT_FOUND, "Device %lld has no calibration check yet",
                          (long long)device_id);
    return ST_OK;
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
    int rc = lookup_id(s, "SELECT id FROM protocols WHERE sha256=?", hash, NULL, id);
    if (rc == SQLITE_OK && *id)
        return ST_OK;
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK)
        rc = store_prep(s, "INSERT INTO protocols(name, text, sha256, created) VALUES(?,?,?,?)", &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, st_wall_s());
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
            *id = sqlite3_last_insert_rowid(s->db);
        }
    }
    sqlite3_finalize(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        rc = lookup_id(s, "SELECT id FROM protocols WHERE sha256=?", hash, NULL, id);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "recording the protocol", err);
    store_after_commit(s);
    return ST_OK;
}

/* ------------------------------------------------------------------------------------------------ */
/* Body mass                                                                                        */

static int mass_insert(struct store *s, int64_t patient_id, double kg, const char *date)
{
    sqlite3_stmt *st = NULL;
    int rc =
        store_prep(s, "INSERT INTO body_mass(patient_id, mass_kg, measured, created) VALUES(?,?,?,?)", &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, patient_id);
        sqlite3_bind_double(st, 2, kg);
        sqlite3_bind_text(st, 3, date, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, st_wall_s());
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

enum st_status store_mass_add(struct store *s, int64_t patient_id, double kg, const char *date,
                              struct st_err *err)
{
    enum st_status v = store_check_mass(kg, err);
    if (v != ST_OK)
        return v;
    char d[11];
    if (!date)
        today(d);
    else if ((v = store_check_date("Mass date", date, false, err)) != ST_OK)
        return v;
    else
        snprintf(d, sizeof d, "%s", date);
    int rc = mass_insert(s, patient_id, kg, d);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return st_err_set(err, ST_ERR_NOT_FOUND, "There is no patient %lld in %s", (long long)patient_id,
                          s->path);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "recording the body mass", err);
    store_after_commit(s);
    return ST_OK;
}

enum st_status store_mass_latest(struct store *s, int64_t patient_id, double *kg, char date[11],
                                 struct st_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_prep(s,
                        "SELECT mass_kg, measured FROM body_mass WHERE patient_id=?"
                        " ORDER BY measured DESC, id DESC LIMIT 1",
                        &st);
    bool found = false;
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, patient_id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            found = true;
            *kg = sqlite3_column_double(st, 0);
            if (date)
                store_col_text(st, 1, date, 11);
        }
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading the body mass", err);
    if (!found)
        return st_err_set(err, ST_ERR_NOT_FOUND, "Patient %lld has no body mass recorded",
                          (long long)patient_id);
    return ST_OK;
}

static void read_mass(sqlite3_stmt *st, void *item)
{
    struct store_mass *m = item;
    m->kg = sqlite3_column_double(st, 0);
    store_col_text(st, 1, m->date, sizeof m->date);
}

enum st_status store_mass_list(struct store *s, int64_t patient_id, struct store_mass **out, size_t *n,
                               struct st_err *err)
{
    void *rows = NULL;
    enum st_status r = store_rows_by_id(
        s, "SELECT mass_kg, measured FROM body_mass WHERE patient_id=? ORDER BY measured, id", patient_id,
        sizeof **out, read_mass, &rows, n, "reading the body masses", err);
    *out = rows;
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* Patients                                                                                         */

#define PATIENT_SELECT                                                                                       \
    "SELECT p.id, p.uuid, p.display_name, p.clinic_ref, p.birth_date, p.sex, p.dominant_side,"               \
    " p.leg_length_m, p.lever_m, p.notes, p.created, p.updated,"                                             \
    " (SELECT mass_kg FROM body_mass b WHERE b.patient_id = p.id ORDER BY measured DESC, b.id DESC LIMIT "   \
    "1),"                                                                                                    \
    " (SELECT measured FROM body_mass b WHERE b.patient_id = p.id ORDER BY measured DESC, b.id DESC LIMIT "  \
    "1)"                                                                                                     \
    " FROM patients p"

static void read_patient(sqlite3_stmt *st, struct store_patient *p)
{
    memset(p, 0, sizeof *p);
    char c[4];
    p->id = sqlite3_column_int64(st, 0);
    store_col_text(st, 1, p->uuid, sizeof p->uuid);
    store_col_text(st, 2, p->name, sizeof p->name);
    store_col_text(st, 3, p->ref, sizeof p->ref);
    store_col_text(st, 4, p->birth, sizeof p->birth);
    store_col_text(st, 5, c, sizeof c);
    p->sex = c[0];
    store_col_text(st, 6, c, sizeof c);
    p->side_dominant = c[0];
    p->leg_length_m = store_col_double(st, 7);
    p->lever_m = store_col_double(st, 8);
    store_col_text(st, 9, p->notes, sizeof p->notes);
    p->created = sqlite3_column_int64(st, 10);
    p->updated = sqlite3_column_int64(st, 11);
    p->mass_kg = store_col_double(st, 12);
    store_col_text(st, 13, p->mass_date, sizeof p->mass_date);
}

static void bind_patient_fields(sqlite3_stmt *st, const struct store_patient *p)
{
    char sex[2] = {p->sex, 0}, side[2] = {p->side_dominant, 0};
    sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
    store_bind_text(st, 2, p->ref);
    sqlite3_bind_text(st, 3, p->birth, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, sex, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 5, side);
    store_bind_double(st, 6, p->leg_length_m);
    store_bind_double(st, 7, p->lever_m);
    store_bind_text(st, 8, p->notes);
}

enum st_status store_patient_add(struct store *s, struct store_patient *p, int64_t therapist_id,
                                 struct st_err *err)
{
    enum st_status v = store_patient_validate(p, true, err);
    if (v != ST_OK)
        return v;
    store_uuid_new(p->uuid);
    p->created = p->updated = st_wall_s();
    today(p->mass_date);
    sqlite3_stmt *st = NULL;
    int rc = store_begin(s);
    if (rc == SQLITE_OK)
        rc =
            store_prep(s,
                       "INSERT INTO patients(display_name, clinic_ref, birth_date, sex, dominant_side,"
                       " leg_length_m, lever_m, notes, uuid, created, updated) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                       &st);
    if (rc == SQLITE_OK) {
        bind_patient_fields(st, p);
        sqlite3_bind_text(st, 9, p->uuid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 10, p->created);
        sqlite3_bind_int64(st, 11, p->updated);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
            p->id = sqlite3_last_insert_rowid(s->db);
        }
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = mass_insert(s, p->id, p->mass_kg, p->mass_date);
    if (rc == SQLITE_OK)
        rc = store_audit_add(s, therapist_id, "patients", p->uuid, "create", NULL, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = store_commit(s);
    if (rc != SQLITE_OK) {
        store_rollback(s);
        p->id = 0;
        return store_fail(s, rc, "adding the patient", err);
    }
    store_after_commit(s);
    return ST_OK;
}

enum st_status store_patient_get(struct store *s, int64_t id, struct store_patient *p, struct st_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_prep(s, PATIENT_SELECT " WHERE p.id=?", &st);
    bool found = false;
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            read_patient(st, p);
            found = true;
        }
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading a patient", err);
    if (!found)
        return st_err_set(err, ST_ERR_NOT_FOUND, "There is no patient %lld in %s: see `station patient list`",
                          (long long)id, s->path);
    return ST_OK;
}

enum st_status store_patient_find(struct store *s, const char *id_or_uuid, int64_t *id, struct st_err *err)
{
    *id = 0;
    long long n = 0;
    char *end = NULL;
    if (id_or_uuid && *id_or_uuid) {
        n = strtoll(id_or_uuid, &end, 10);
        if (*end == '\0' && n > 0) {
            struct store_patient p;
            enum st_status g = store_patient_get(s, n, &p, err);
            if (g == ST_OK)
                *id = n;
            return g;
        }
        if (strlen(id_or_uuid) == 36) {
            int rc = lookup_id(s, "SELECT id FROM patients WHERE uuid=?", id_or_uuid, NULL, id);
            if (rc != SQLITE_OK)
                return store_fail(s, rc, "finding a patient", err);
            if (*id)
                return ST_OK;
        }
    }
    return st_err_set(err, ST_ERR_NOT_FOUND,
                      "There is no patient \"%.40s\" in %s: give the number or UUID "
                      "`station patient list` shows",
                      id_or_uuid ? id_or_uuid : "", s->path);
}

enum st_status store_patient_list(struct store *s, struct store_patient **out, size_t *n, struct st_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = store_prep(s, PATIENT_SELECT " ORDER BY p.display_name, p.id", &st);
    struct store_patient *arr = NULL;
    size_t len = 0, cap = 0;
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct store_patient *na = store_grow(arr, &cap, len, sizeof *arr);
            if (!na) {
                rc = SQLITE_NOMEM;
                break;
            }
            arr = na;
            read_patient(st, &arr[len++]);
        }
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        free(arr);
        return store_fail(s, rc, "listing patients", err);
    }
    *out = arr;
    *n = len;
    return ST_OK;
}

static void num_text(double v, char *buf, size_t size)
{
    if (isnan(v))
        snprintf(buf, size, "%s", "");
    else
        snprintf(buf, size, "%.3f", v);
}

enum st_status store_patient_update(struct store *s, const struct store_patient *p, int64_t therapist_id,
                                    const char *reason, struct st_err *err)
{
    enum st_status v = store_patient_validate(p, false, err);
    if (v != ST_OK)
        return v;
    if ((v = store_check_text("Reason", reason, false, 255, true, err)) != ST_OK)
        return v;
    struct store_patient *old = malloc(sizeof *old);
    if (!old)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    if ((v = store_patient_get(s, p->id, old, err)) != ST_OK) {
        free(old);
        return v;
    }
    char ol[2][32], nw[2][32];
    char sex_o[2] = {old->sex, 0}, sex_n[2] = {p->sex, 0};
    char side_o[2] = {old->side_dominant, 0}, side_n[2] = {p->side_dominant, 0};
    num_text(old->leg_length_m, ol[0], sizeof ol[0]);
    num_text(p->leg_length_m, nw[0], sizeof nw[0]);
    num_text(old->lever_m, ol[1], sizeof ol[1]);
    num_text(p->lever_m, nw[1], sizeof nw[1]);
    const struct {
        const char *field, *o, *n;
    } fields[] = {
        {"display_name", old->name, p->name},
        {"clinic_ref", old->ref, p->ref},
        {"birth_date", old->birth, p->birth},
        {"sex", sex_o, sex_n},
        {"dominant_side", side_o, side_n},
        {"leg_length_m", ol[0], nw[0]},
        {"lever_m", ol[1], nw[1]},
        {"notes", old->notes, p->notes},
    };
    sqlite3_stmt *st = NULL;
    int rc = store_begin(s);
    if (rc == SQLITE_OK)
        rc = store_prep(
            s,
            "UPDATE patients SET display_name=?, clinic_ref=?, birth_date=?, sex=?, dominant_side=?,"
            " leg_length_m=?, lever_m=?, notes=?, updated=? WHERE id=?",
            &st);
    if (rc == SQLITE_OK) {
        bind_patient_fields(st, p);
        sqlite3_bind_int64(st, 9, st_wall_s());
        sqlite3_bind_int64(st, 10, p->id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i].o, fields[i].n) != 0)
            rc = store_audit_add(s, therapist_id, "patients", old->uuid, "edit", fields[i].field, fields[i].o,
                                 fields[i].n, reason);
    if (rc == SQLITE_OK)
        rc = store_commit(s);
    free(old);
    if (rc != SQLITE_OK) {
        store_rollback(s);
        return store_fail(s, rc, "changing the patient", err);
    }
    store_after_commit(s);
    return ST_OK;
}

static int count_of(struct store *s, const char *sql, int64_t id, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = store_prep(s, sql, &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

enum st_status store_patient_delete(struct store *s, int64_t id, int64_t therapist_id, const char *reason,
                                    int *n_sessions, int *n_reps, struct st_err *err)
{
    enum st_status v = store_check_text("Reason", reason, false, 255, true, err);
    if (v != ST_OK)
        return v;
    struct store_patient *p = malloc(sizeof *p);
    if (!p)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    if ((v = store_patient_get(s, id, p, err)) != ST_OK) {
        free(p);
        return v;
    }
    char uuid[STORE_UUID_SIZE];
    snprintf(uuid, sizeof uuid, "%s", p->uuid);
    free(p);
    int ns = 0, nr = 0;
    /* Zero the freed pages, so the erased data is not left readable in the file's free space. */
    int rc = store_exec(s, "PRAGMA secure_delete=ON");
    if (rc == SQLITE_OK)
        rc = store_begin(s);
    if (rc == SQLITE_OK)
        rc = count_of(s, "SELECT count(*) FROM sessions WHERE patient_id=?", id, &ns);
    if (rc == SQLITE_OK)
        rc = count_of(s,
                      "SELECT count(*) FROM repetitions r JOIN sessions x ON x.id = r.session_id"
                      " WHERE x.patient_id=?",
                      id, &nr);
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK)
        rc = store_prep(
            s,
            "UPDATE audit SET old_value=NULL, new_value=NULL, reason=NULL WHERE row_uuid=?1"
            " OR row_uuid IN (SELECT uuid FROM sessions WHERE patient_id=?2)"
            " OR row_uuid IN (SELECT r.uuid FROM repetitions r JOIN sessions x ON x.id = r.session_id"
            " WHERE x.patient_id=?2)",
            &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == SQLITE_OK)
        rc = store_prep(s, "DELETE FROM patients WHERE id=?", &st); /* cascades to everything measured */
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    char what[96];
    snprintf(what, sizeof what, "erased: %d session(s), %d repetition(s)", ns, nr);
    if (rc == SQLITE_OK)
        rc = store_audit_add(s, therapist_id, "patients", uuid, "delete", NULL, NULL, what, reason);
    if (rc == SQLITE_OK)
        rc = store_commit(s);
    if (rc != SQLITE_OK) {
        store_rollback(s);
        store_exec(s, "PRAGMA secure_delete=OFF");
        return store_fail(s, rc, "erasing the patient", err);
    }
    /* Copy the zeroed pages into the file and empty the WAL, which still holds the old page images. */
    int log = 0, done = 0;
    rc = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    store_exec(s, "PRAGMA secure_delete=OFF");
    if (n_sessions)
        *n_sessions = ns;
    if (n_reps)
        *n_reps = nr;
    if (rc != SQLITE_OK)
        return st_err_set(err, ST_ERR_DB_LOCKED,
                          "Patient %lld is erased, but another station is reading %s, so old copies of the "
                          "data stay in its -wal file until that station closes it",
                          (long long)id, s->path);
    s->wal_frames = 0;
    return ST_OK;
}
