/*
 * store_fixture.h - hand-made patients, sessions and repetitions for the store and history tests
 * (tests/test_store*.c, tests/test_cmd_*.c). Header-only: every helper is static.
 */
#ifndef STATION_TESTS_STORE_FIXTURE_H
#define STATION_TESTS_STORE_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "station/store/store.h"

/* Opens the store file at path (created if new); the test stops when it cannot. Close it with
 * store_close. */
static inline struct store *fix_reopen(const char *path)
{
    struct store *s = NULL;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(store_open(path, &s, &err), &err);
    REQUIRE(s);
    return s;
}

/* Opens a new store file named name in the test's folder (its path into path); the test stops when it
 * cannot. Close it with store_close. */
static inline struct store *fix_open(const char *name, char *path, size_t size)
{
    return fix_reopen(check_tmppath(path, size, name));
}

#define FIX_RATE_HZ 80.0
#define FIX_SAMPLES 400 /* 5 s at 80 Hz */

/* A make contraction: 0.5 s quiet baseline, 0.6 s rise, hold at peak, 0.4 s fall, quiet rest.
 * The values are exact binary fractions plus a deterministic ripple, so round trips compare with ==. */
static inline void fix_trace(double peak, size_t n, double *t, double *f)
{
    for (size_t i = 0; i < n; i++) {
        double ts = (double)i / FIX_RATE_HZ;
        double v;
        if (ts < 0.5)
            v = 0.0;
        else if (ts < 1.1)
            v = peak * (ts - 0.5) / 0.6;
        else if (ts < 3.6)
            v = peak + (double)((i * 7) % 5) * 0.25;
        else if (ts < 4.0)
            v = peak * (4.0 - ts) / 0.4;
        else
            v = 0.0;
        t[i] = ts;
        f[i] = v;
    }
}

/* Fills r as a measured rep of the given direction and side with its real metrics. */
static inline void fix_rep(struct store_rep *r, int seq, enum st_dir dir, enum st_side side, double peak,
                           double lever_m, double mass_kg, double *t, double *f, size_t n)
{
    store_rep_init(r);
    fix_trace(peak, n, t, f);
    r->sequence = seq;
    r->block_index = (int)dir * 2 + (int)side;
    r->index_in_block = seq;
    r->dir = dir;
    r->side = side;
    r->lever_m = lever_m;
    r->body_mass_kg = mass_kg;
    r->tare_n = 1.5;
    r->samples_rate_hz = FIX_RATE_HZ;
    struct met_opts o = met_opts_default();
    o.body_mass_kg = mass_kg;
    o.lever_m = lever_m;
    struct st_err err;
    met_compute(t, f, n, &o, &r->m, &err);
}

/* Adds patient p (the caller fills name, birth, sex, mass, ...) to the database file at db (created if
 * new), and returns the new id; pid (NULL: not wanted) gets it as text, as `--patient` and
 * session_opts.patient take it. The case ends on failure. */
static inline int64_t fix_patient_in(const char *db, struct store_patient p, char *pid, size_t size)
{
    struct store *s = fix_reopen(db);
    struct st_err err;
    st_err_clear(&err);
    enum st_status st = store_patient_add(s, &p, 0, &err);
    store_close(s);
    CHECK_OK(st, &err);
    REQUIRE(st == ST_OK);
    if (pid)
        snprintf(pid, size, "%lld", (long long)p.id);
    return p.id;
}

/* One row an audit trail should hold: each field that is not NULL must be as given. */
struct fix_audit {
    const char *action, *field, *old_value, *new_value, *therapist, *reason;
};

/* The audit trail of the row uuid holds exactly n rows, row i as want[i] says; a miss names the row and
 * the field. */
static inline void fix_check_audit(struct store *s, const char *uuid, const struct fix_audit *want, size_t n)
{
    struct store_audit *au = NULL;
    size_t na = 0;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(store_audit_list(s, uuid, &au, &na, &err), &err);
    CHECK_INT(na, n);
    for (size_t i = 0; i < n && i < na; i++) {
        const char *const got[] = {au[i].action,    au[i].field,     au[i].old_value,
                                   au[i].new_value, au[i].therapist, au[i].reason};
        const char *const exp[] = {want[i].action,    want[i].field,     want[i].old_value,
                                   want[i].new_value, want[i].therapist, want[i].reason};
        static const char *const what[] = {"action", "field", "old_value", "new_value", "therapist", "reason"};
        for (size_t k = 0; k < sizeof what / sizeof what[0]; k++)
            if (exp[k] && strcmp(got[k], exp[k]) != 0)
                check_fail(__FILE__, __LINE__, "audit row %zu %s: \"%s\", want \"%s\"", i, what[k], got[k], exp[k]);
    }
    free(au);
}

/* Adds a patient (name given) and returns its id; REQUIREs success. */
static inline int64_t fix_patient(struct store *s, const char *name)
{
    struct store_patient p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", name);
    snprintf(p.ref, sizeof p.ref, "REF-%s", "001");
    snprintf(p.birth, sizeof p.birth, "1990-04-12");
    p.sex = 'F';
    p.side_dominant = 'R';
    p.leg_length_m = 0.9;
    p.lever_m = 0.8;
    p.mass_kg = 70.0;
    struct st_err err;
    st_err_clear(&err);
    enum st_status st = store_patient_add(s, &p, 0, &err);
    CHECK_OK(st, &err);
    REQUIRE(st == ST_OK && p.id > 0);
    return p.id;
}

/* A session with a device and a protocol; returns its id. */
static inline int64_t fix_session(struct store *s, int64_t patient_id, const char *protocol,
                                  const char *serial, int64_t started)
{
    struct st_err err;
    st_err_clear(&err);
    struct store_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.family, sizeof d.family, "chronojump");
    snprintf(d.serial, sizeof d.serial, "%s", serial);
    snprintf(d.model, sizeof d.model, "force sensor");
    snprintf(d.unit, sizeof d.unit, "N");
    d.capacity_n = 4000;
    CHECK_OK(store_device_ensure(s, &d, &err), &err);
    int64_t th = 0, pr = 0;
    CHECK_OK(store_therapist_ensure(s, "AB", &th, &err), &err);
    char text[128];
    snprintf(text, sizeof text, "[protocol]\nname=%s\nreps=3\n", protocol);
    CHECK_OK(store_protocol_ensure(s, protocol, text, &pr, &err), &err);
    struct store_session x;
    memset(&x, 0, sizeof x);
    x.patient_id = patient_id;
    x.therapist_id = th;
    x.protocol_id = pr;
    snprintf(x.position, sizeof x.position, "supine 0 deg");
    snprintf(x.mode, sizeof x.mode, "auto");
    x.device_id[0] = d.id;
    x.body_mass_kg = 70.0;
    x.lever_m = 0.8;
    x.started = started;
    enum st_status st = store_session_begin(s, &x, &err);
    CHECK_OK(st, &err);
    REQUIRE(st == ST_OK && x.id > 0);
    return x.id;
}

/* The whole file's bytes (NULL if it cannot be read); *len its size. Free with free(). */
static inline unsigned char *fix_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    return buf;
}

/* True when the two byte strings are equal. */
static inline bool fix_same(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
    return a && b && na == nb && memcmp(a, b, na) == 0;
}

/* Does the file contain this byte string anywhere? */
static inline bool fix_file_contains(const char *path, const char *needle)
{
    size_t n = 0;
    unsigned char *b = fix_read_file(path, &n);
    bool found = b && memmem(b, n, needle, strlen(needle)) != NULL;
    free(b);
    return found;
}

#endif
