/*
 * store_patient.c - the people around a measurement: patients (with validation, edits and erasure),
 * their body masses, and the therapists. Devices, calibrations and protocols are in store_device.c,
 * the audit trail in store_audit.c.
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

void store_today(char out[11])
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
    store_today(now);
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

/* name folded as a receptionist reads it: ASCII letters in lower case, spaces at the ends dropped and
 * runs of spaces made one. out holds at least strlen(name) + 1 bytes. */
static void fold_name(const char *name, char *out)
{
    size_t k = 0;
    for (const char *c = name; *c; c++) {
        if (*c == ' ' && (k == 0 || out[k - 1] == ' '))
            continue;
        out[k++] = *c >= 'A' && *c <= 'Z' ? (char)(*c + 32) : *c;
    }
    while (k && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

bool store_patient_same_name(const char *a, const char *b)
{
    char fa[sizeof((struct store_patient *)0)->name], fb[sizeof fa];
    fold_name(a, fa);
    fold_name(b, fb);
    return strcmp(fa, fb) == 0;
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
/* Therapists                                                                                       */

enum st_status store_therapist_ensure(struct store *s, const char *name, int64_t *id, struct st_err *err)
{
    enum st_status v = store_check_text("Therapist", name, true, 200, false, err);
    if (v != ST_OK)
        return v;
    char uuid[STORE_UUID_SIZE];
    store_uuid_new(uuid);
    return store_id_ensure(s, "SELECT id FROM therapists WHERE name=?", STORE_VALS(sv_text(name)),
                           "INSERT INTO therapists(uuid, name, created) VALUES(?,?,?)",
                           STORE_VALS(sv_text(uuid), sv_text(name), sv_int(st_wall_s())), id,
                           "recording the therapist", err);
}

/* ------------------------------------------------------------------------------------------------ */
/* Body mass                                                                                        */

static enum st_status mass_insert(struct store *s, int64_t patient_id, double kg, const char *date,
                                  struct st_err *err)
{
    return store_run(s, "INSERT INTO body_mass(patient_id, mass_kg, measured, created) VALUES(?,?,?,?)",
                     STORE_VALS(sv_int(patient_id), sv_real(kg), sv_text(date), sv_int(st_wall_s())),
                     "recording the body mass", err);
}

struct mass_row {
    int64_t patient_id;
    double kg;
    const char *date;
};

static enum st_status mass_add_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct mass_row *m = ctx;
    return mass_insert(s, m->patient_id, m->kg, m->date, err);
}

enum st_status store_mass_add(struct store *s, int64_t patient_id, double kg, const char *date,
                              struct st_err *err)
{
    enum st_status v = store_check_mass(kg, err);
    if (v != ST_OK)
        return v;
    char d[11];
    if (!date)
        store_today(d);
    else if ((v = store_check_date("Mass date", date, false, err)) != ST_OK)
        return v;
    else
        snprintf(d, sizeof d, "%s", date);
    struct mass_row m = {patient_id, kg, d};
    v = store_tx(s, "recording the body mass", mass_add_work, &m, err);
    if (v == ST_ERR_ARG) /* the patient is not there (a foreign key) */
        return st_err_set(err, ST_ERR_NOT_FOUND, "There is no patient %lld in %s", (long long)patient_id,
                          s->path);
    return v;
}

static void read_mass(sqlite3_stmt *st, void *item)
{
    struct store_mass *m = item;
    m->kg = sqlite3_column_double(st, 0);
    store_col_text(st, 1, m->date, sizeof m->date);
}

enum st_status store_mass_latest(struct store *s, int64_t patient_id, double *kg, char date[11],
                                 struct st_err *err)
{
    struct store_mass m;
    bool found = false;
    enum st_status r =
        store_row(s,
                  "SELECT mass_kg, measured FROM body_mass WHERE patient_id=?"
                  " ORDER BY measured DESC, id DESC LIMIT 1",
                  STORE_VALS(sv_int(patient_id)), read_mass, &m, &found, "reading the body mass", err);
    if (r != ST_OK)
        return r;
    if (!found)
        return st_err_set(err, ST_ERR_NOT_FOUND, "Patient %lld has no body mass recorded",
                          (long long)patient_id);
    *kg = m.kg;
    if (date)
        memcpy(date, m.date, sizeof m.date);
    return ST_OK;
}

enum st_status store_mass_list(struct store *s, int64_t patient_id, struct store_mass **out, size_t *n,
                               struct st_err *err)
{
    void *rows = NULL;
    enum st_status r = store_rows(
        s, "SELECT mass_kg, measured FROM body_mass WHERE patient_id=? ORDER BY measured, id",
        STORE_VALS(sv_int(patient_id)), sizeof **out, read_mass, &rows, n, "reading the body masses", err);
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

void store_patient_read_row(sqlite3_stmt *st, void *item)
{
    struct store_patient *p = item;
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

/* The editable fields, in the order of the INSERT and the UPDATE below; sex and side are one-letter
 * texts made in the caller's buffers (they must outlive the statement). */
#define PATIENT_FIELD_VALS(p, sex, side)                                                                     \
    sv_text((p)->name), sv_opt((p)->ref), sv_text((p)->birth), sv_text(sex), sv_opt(side),                   \
        sv_real((p)->leg_length_m), sv_real((p)->lever_m), sv_opt((p)->notes)

struct patient_add {
    struct store_patient *p;
    int64_t therapist_id;
};

static enum st_status patient_add_work(struct store *s, void *ctx, struct st_err *err)
{
    struct patient_add *a = ctx;
    struct store_patient *p = a->p;
    char sex[2] = {p->sex, 0}, side[2] = {p->side_dominant, 0};
    enum st_status r =
        store_run(s,
                  "INSERT INTO patients(display_name, clinic_ref, birth_date, sex, dominant_side,"
                  " leg_length_m, lever_m, notes, uuid, created, updated) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                  STORE_VALS(PATIENT_FIELD_VALS(p, sex, side), sv_text(p->uuid), sv_int(p->created),
                             sv_int(p->updated)),
                  "adding the patient", err);
    if (r != ST_OK)
        return r;
    p->id = sqlite3_last_insert_rowid(s->db);
    r = mass_insert(s, p->id, p->mass_kg, p->mass_date, err);
    if (r == ST_OK)
        r = store_audit_add(s, a->therapist_id, "patients", p->uuid, "create", NULL, NULL, NULL, NULL, err);
    return r;
}

enum st_status store_patient_add(struct store *s, struct store_patient *p, int64_t therapist_id,
                                 struct st_err *err)
{
    enum st_status v = store_patient_validate(p, true, err);
    if (v != ST_OK)
        return v;
    store_uuid_new(p->uuid);
    p->created = p->updated = st_wall_s();
    store_today(p->mass_date);
    struct patient_add a = {p, therapist_id};
    v = store_tx(s, "adding the patient", patient_add_work, &a, err);
    if (v != ST_OK)
        p->id = 0;
    return v;
}

enum st_status store_patient_get(struct store *s, int64_t id, struct store_patient *p, struct st_err *err)
{
    bool found = false;
    enum st_status r = store_row(s, PATIENT_SELECT " WHERE p.id=?", STORE_VALS(sv_int(id)), store_patient_read_row, p,
                                 &found, "reading a patient", err);
    if (r == ST_OK && !found)
        return st_err_set(err, ST_ERR_NOT_FOUND, "There is no patient %lld in %s: see `station patient list`",
                          (long long)id, s->path);
    return r;
}

enum st_status store_patient_find(struct store *s, const char *id_or_uuid, int64_t *id, struct st_err *err)
{
    *id = 0;
    if (id_or_uuid && *id_or_uuid) {
        char *end = NULL;
        long long n = strtoll(id_or_uuid, &end, 10);
        if (*end == '\0' && n > 0) {
            struct store_patient p;
            enum st_status g = store_patient_get(s, n, &p, err);
            if (g == ST_OK)
                *id = n;
            return g;
        }
        if (strlen(id_or_uuid) == 36) {
            enum st_status r = store_int(s, "SELECT id FROM patients WHERE uuid=?",
                                         STORE_VALS(sv_text(id_or_uuid)), id, "finding a patient", err);
            if (r != ST_OK || *id)
                return r;
        }
    }
    return st_err_set(err, ST_ERR_NOT_FOUND,
                      "There is no patient \"%.40s\" in %s: give the number or UUID "
                      "`station patient list` shows",
                      id_or_uuid ? id_or_uuid : "", s->path);
}

enum st_status store_patient_list(struct store *s, struct store_patient **out, size_t *n, struct st_err *err)
{
    void *rows = NULL;
    enum st_status r = store_rows(s, PATIENT_SELECT " ORDER BY p.display_name, p.id", STORE_NO_VALS,
                                  sizeof **out, store_patient_read_row, &rows, n, "listing patients", err);
    *out = rows;
    return r;
}

static void num_text(double v, char *buf, size_t size)
{
    if (isnan(v))
        snprintf(buf, size, "%s", "");
    else
        snprintf(buf, size, "%.3f", v);
}

struct patient_update {
    const struct store_patient *p, *old;
    int64_t therapist_id;
    const char *reason;
};

static enum st_status patient_update_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct patient_update *u = ctx;
    const struct store_patient *p = u->p, *old = u->old;
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
    enum st_status r =
        store_run(s,
                  "UPDATE patients SET display_name=?, clinic_ref=?, birth_date=?, sex=?,"
                  " dominant_side=?, leg_length_m=?, lever_m=?, notes=?, updated=? WHERE id=?",
                  STORE_VALS(PATIENT_FIELD_VALS(p, sex_n, side_n), sv_int(st_wall_s()), sv_int(p->id)),
                  "changing the patient", err);
    for (size_t i = 0; r == ST_OK && i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i].o, fields[i].n) != 0)
            r = store_audit_add(s, u->therapist_id, "patients", old->uuid, "edit", fields[i].field,
                                fields[i].o, fields[i].n, u->reason, err);
    return r;
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
    if ((v = store_patient_get(s, p->id, old, err)) == ST_OK) {
        struct patient_update u = {p, old, therapist_id, reason};
        v = store_tx(s, "changing the patient", patient_update_work, &u, err);
    }
    free(old);
    return v;
}

struct patient_delete {
    int64_t id, therapist_id;
    const char *uuid, *reason;
    int64_t n_sessions, n_reps;
};

enum st_status store_patient_erase_tx(struct store *s, int64_t id, const char *uuid, int64_t therapist_id,
                                     const char *reason, int64_t *n_sessions, int64_t *n_reps, struct st_err *err)
{
    const char *doing = "erasing the patient";
    enum st_status r = store_int(s, "SELECT count(*) FROM sessions WHERE patient_id=?",
                                 STORE_VALS(sv_int(id)), n_sessions, doing, err);
    if (r == ST_OK)
        r = store_int(s,
                      "SELECT count(*) FROM repetitions r JOIN sessions x ON x.id = r.session_id"
                      " WHERE x.patient_id=?",
                      STORE_VALS(sv_int(id)), n_reps, doing, err);
    if (r == ST_OK)
        r = store_run(
            s,
            "UPDATE audit SET old_value=NULL, new_value=NULL, reason=NULL WHERE row_uuid=?1"
            " OR row_uuid IN (SELECT uuid FROM sessions WHERE patient_id=?2)"
            " OR row_uuid IN (SELECT r.uuid FROM repetitions r JOIN sessions x ON x.id = r.session_id"
            " WHERE x.patient_id=?2)",
            STORE_VALS(sv_text(uuid), sv_int(id)), doing, err);
    if (r == ST_OK) /* other stations' versions of their sessions and reps kept in a sync conflict */
        r = store_run(s,
                      "DELETE FROM sync_row_conflicts WHERE uuid IN (SELECT uuid FROM sessions WHERE patient_id=?1)"
                      " OR uuid IN (SELECT r.uuid FROM repetitions r JOIN sessions x ON x.id = r.session_id"
                      " WHERE x.patient_id=?1)",
                      STORE_VALS(sv_int(id)), doing, err);
    if (r == ST_OK) /* cascades to everything measured */
        r = store_run(s, "DELETE FROM patients WHERE id=?", STORE_VALS(sv_int(id)), doing, err);
    char what[96];
    snprintf(what, sizeof what, "erased: %lld session(s), %lld repetition(s)", (long long)*n_sessions,
             (long long)*n_reps);
    if (r == ST_OK)
        r = store_audit_add(s, therapist_id, "patients", uuid, "delete", NULL, NULL, what, reason, err);
    return r;
}

static enum st_status patient_delete_work(struct store *s, void *ctx, struct st_err *err)
{
    struct patient_delete *d = ctx;
    return store_patient_erase_tx(s, d->id, d->uuid, d->therapist_id, d->reason, &d->n_sessions, &d->n_reps, err);
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
    struct patient_delete d = {.id = id, .therapist_id = therapist_id, .uuid = uuid, .reason = reason};
    /* Zero the freed pages, so the erased data is not left readable in the file's free space. */
    v = store_run(s, "PRAGMA secure_delete=ON", STORE_NO_VALS, "erasing the patient", err);
    if (v == ST_OK)
        v = store_tx(s, "erasing the patient", patient_delete_work, &d, err);
    if (v != ST_OK) {
        store_run(s, "PRAGMA secure_delete=OFF", STORE_NO_VALS, "erasing the patient", NULL);
        return v;
    }
    /* Copy the zeroed pages into the file and empty the WAL, which still holds the old page images. */
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    store_run(s, "PRAGMA secure_delete=OFF", STORE_NO_VALS, "erasing the patient", NULL);
    if (n_sessions)
        *n_sessions = (int)d.n_sessions;
    if (n_reps)
        *n_reps = (int)d.n_reps;
    if (rc != SQLITE_OK)
        return st_err_set(err, ST_ERR_DB_LOCKED,
                          "Patient %lld is erased, but another station is reading %s, so old copies of the "
                          "data stay in its -wal file until that station closes it",
                          (long long)id, s->path);
    s->wal_frames = 0;
    return ST_OK;
}
