/*
 * fhir.c - the FHIR R4 Bundle of a patient's sessions, written with the project's streaming JSON
 * writer (json.h): Patient, Devices, and per session the balance as Observations. The balance comes
 * from export_session_load (session_doc.h), the same bal_compute as `station show` and the JSON
 * export. See station/export/fhir.h.
 */
#include "station/export/fhir.h"

#include <math.h>
#include <sha2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "station/export/json.h"
#include "station/export/session_doc.h"

#define UCUM "http://unitsofmeasure.org"

void fhir_uuid_derive(const char *base, const char *name, char out[STORE_UUID_SIZE])
{
    char text[256];
    snprintf(text, sizeof text, "%s/%s", base, name);
    char h[SHA256_DIGEST_STRING_LENGTH]; /* 64 hex digits */
    SHA256Data((const uint8_t *)text, strlen(text), h);
    h[12] = '8';                              /* version 8: custom (name-based, SHA-256) */
    h[16] = "89ab"[(h[16] >= 'a' ? h[16] - 'a' + 10 : h[16] - '0') & 3]; /* RFC 4122 variant */
    snprintf(out, STORE_UUID_SIZE, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

static void urn(struct json_writer *w, const char *key, const char *uuid)
{
    char u[64];
    snprintf(u, sizeof u, "urn:uuid:%s", uuid);
    json_key(w, key);
    json_string(w, u);
}

/* {"reference": "urn:uuid:..."} under key */
static void reference(struct json_writer *w, const char *key, const char *uuid)
{
    json_key(w, key);
    json_begin_object(w);
    urn(w, "reference", uuid);
    json_end_object(w);
}

/* {"coding": [{"system", "code", "display"}], "text"} under key (key NULL: as an array element) */
static void concept(struct json_writer *w, const char *key, const char *system, const char *code,
                    const char *display)
{
    if (key)
        json_key(w, key);
    json_begin_object(w);
    json_key(w, "coding");
    json_begin_array(w);
    json_begin_object(w);
    json_key(w, "system");
    json_string(w, system);
    json_key(w, "code");
    json_string(w, code);
    json_key(w, "display");
    json_string(w, display);
    json_end_object(w);
    json_end_array(w);
    json_key(w, "text");
    json_string(w, display);
    json_end_object(w);
}

static void identifier_uuid(struct json_writer *w, const char *uuid)
{
    json_key(w, "identifier");
    json_begin_array(w);
    json_begin_object(w);
    json_key(w, "system");
    json_string(w, "urn:ietf:rfc:3986");
    urn(w, "value", uuid);
    json_end_object(w);
    json_end_array(w);
}

static void patient_entry(struct json_writer *w, const struct store_patient *p, bool deidentified)
{
    json_begin_object(w);
    urn(w, "fullUrl", p->uuid);
    json_key(w, "resource");
    json_begin_object(w);
    json_key(w, "resourceType");
    json_string(w, "Patient");
    json_key(w, "id");
    json_string(w, p->uuid);
    json_key(w, "identifier");
    json_begin_array(w);
    json_begin_object(w);
    json_key(w, "system");
    json_string(w, "urn:ietf:rfc:3986");
    urn(w, "value", p->uuid);
    json_end_object(w);
    if (p->ref[0]) {
        json_begin_object(w);
        json_key(w, "type");
        json_begin_object(w);
        json_key(w, "text");
        json_string(w, "clinic reference");
        json_end_object(w);
        json_key(w, "value");
        json_string(w, p->ref);
        json_end_object(w);
    }
    json_end_array(w);
    if (!deidentified) {
        json_key(w, "name");
        json_begin_array(w);
        json_begin_object(w);
        json_key(w, "text");
        json_string(w, p->name);
        json_end_object(w);
        json_end_array(w);
        json_key(w, "birthDate");
        json_string(w, p->birth);
    }
    json_key(w, "gender");
    json_string(w, p->sex == 'F' ? "female" : p->sex == 'M' ? "male" : "other");
    json_end_object(w);
    json_end_object(w);
}

static void device_entry(struct json_writer *w, const struct store_device *d)
{
    json_begin_object(w);
    urn(w, "fullUrl", d->uuid);
    json_key(w, "resource");
    json_begin_object(w);
    json_key(w, "resourceType");
    json_string(w, "Device");
    json_key(w, "id");
    json_string(w, d->uuid);
    identifier_uuid(w, d->uuid);
    json_key(w, "manufacturer");
    json_string(w, d->family);
    if (d->serial[0]) {
        json_key(w, "serialNumber");
        json_string(w, d->serial);
    }
    json_key(w, "deviceName");
    json_begin_array(w);
    json_begin_object(w);
    json_key(w, "name");
    json_string(w, d->model[0] ? d->model : d->family);
    json_key(w, "type");
    json_string(w, "model-name");
    json_end_object(w);
    json_end_array(w);
    json_key(w, "type");
    json_begin_object(w);
    json_key(w, "text");
    json_string(w, "hand-held dynamometer");
    json_end_object(w);
    json_end_object(w);
    json_end_object(w);
}

static void quantity(struct json_writer *w, double v, const char *unit)
{
    json_key(w, "valueQuantity");
    json_begin_object(w);
    json_key(w, "value");
    json_number(w, v);
    json_key(w, "unit");
    json_string(w, unit);
    json_key(w, "system");
    json_string(w, UCUM);
    json_key(w, "code");
    json_string(w, unit);
    json_end_object(w);
}

/* One session's context for its Observations. */
struct obs_ctx {
    const struct store_session *sess;
    const char *device_uuid; /* the session's first device; NULL: none */
    char effective[32];
};

/* The fields every Observation of the session shares; opens the resource (caller closes it). */
static void obs_begin(struct json_writer *w, const struct obs_ctx *c, const char *code, const char *display)
{
    char id[STORE_UUID_SIZE];
    fhir_uuid_derive(c->sess->uuid, code, id);
    json_begin_object(w);
    urn(w, "fullUrl", id);
    json_key(w, "resource");
    json_begin_object(w);
    json_key(w, "resourceType");
    json_string(w, "Observation");
    json_key(w, "id");
    json_string(w, id);
    json_key(w, "status");
    json_string(w, "final");
    json_key(w, "category");
    json_begin_array(w);
    concept(w, NULL, "http://terminology.hl7.org/CodeSystem/observation-category", "exam", "Exam");
    json_end_array(w);
    concept(w, "code", FHIR_CODE_SYSTEM, code, display);
    reference(w, "subject", c->sess->patient_uuid);
    json_key(w, "effectiveDateTime");
    json_string(w, c->effective);
    if (c->device_uuid)
        reference(w, "device", c->device_uuid);
    char method[256];
    snprintf(method, sizeof method, "protocol %s, %s", c->sess->protocol_name[0] ? c->sess->protocol_name : "-",
             c->sess->position[0] ? c->sess->position : "position not recorded");
    json_key(w, "method");
    json_begin_object(w);
    json_key(w, "text");
    json_string(w, method);
    json_end_object(w);
}

static void obs_end(struct json_writer *w)
{
    json_end_object(w);
    json_end_object(w);
}

static void component(struct json_writer *w, const char *code, const char *display, double v, const char *unit)
{
    if (!isfinite(v))
        return;
    json_begin_object(w);
    concept(w, "code", FHIR_CODE_SYSTEM, code, display);
    quantity(w, v, unit);
    json_end_object(w);
}

/* The patient's feedback condition during the reps behind a direction and side (feedback changes force,
 * so a record system must be able to tell a "big force" best from a "no numbers" one): one component
 * per condition among the reps that count there, its value the stored key and its words. Reps of older
 * stations (not recorded) add none. */
static void feedback_components(struct json_writer *w, const struct export_session *L, int dir, int side)
{
    for (size_t k = 0; k < EXPORT_FEEDBACK_N; k++) {
        const char *key = export_feedback_keys[k];
        bool found = false;
        for (size_t i = 0; i < L->n && !found; i++) {
            struct bal_rep b;
            store_reps_to_balance(&L->reps[i], 1, &b); /* counts as the balance counts it */
            found =
                b.counts && (int)b.dir == dir && (int)b.side == side && !strcmp(L->reps[i].feedback, key);
        }
        if (!found)
            continue;
        json_begin_object(w);
        concept(w, "code", FHIR_CODE_SYSTEM, "feedback-condition", "Patient's screen during the repetitions");
        concept(w, "valueCodeableConcept", FHIR_CODE_SYSTEM, key, export_feedback_words(key));
        json_end_object(w);
    }
}

static void session_observations(struct json_writer *w, const struct obs_ctx *c,
                                 const struct export_session *L)
{
    const struct bal_result *bal = &L->bal;
    for (int dir = 0; dir < ST_DIR_COUNT; dir++)
        for (int side = 0; side < ST_SIDE_COUNT; side++) {
            const struct bal_cell *cl = &bal->cell[dir][side];
            if (cl->n == 0)
                continue;
            char code[64], display[128];
            snprintf(code, sizeof code, "hip-%s-%s", st_dir_name((enum st_dir)dir), st_side_name((enum st_side)side));
            snprintf(display, sizeof display, "Isometric hip %s strength, %s", st_dir_name((enum st_dir)dir),
                     st_side_name((enum st_side)side));
            obs_begin(w, c, code, display);
            json_key(w, "component");
            json_begin_array(w);
            component(w, "best-force", "Best peak force", cl->best_n, "N");
            component(w, "best-force-per-kg", "Best peak force per body mass", cl->best_n_per_kg, "N/kg");
            component(w, "best-torque", "Best torque", cl->best_torque_nm, "N.m");
            component(w, "best-torque-per-kg", "Best torque per body mass", cl->best_nm_per_kg, "N.m/kg");
            component(w, "best-torque-gravity-corrected", "Best torque, gravity-corrected (side-lying)",
                      cl->best_torque_corrected_nm, "N.m");
            component(w, "mean-force", "Mean peak force", cl->mean_n, "N");
            component(w, "cv", "Coefficient of variation of the peak forces", cl->cv_pct, "%");
            feedback_components(w, L, dir, side);
            json_end_array(w);
            obs_end(w);
        }
    for (int side = ST_SIDE_LEFT; side <= ST_SIDE_RIGHT; side++) {
        if (!isfinite(bal->ratio[side]))
            continue;
        char code[64], display[128];
        snprintf(code, sizeof code, "add-abd-ratio-%s", st_side_name((enum st_side)side));
        snprintf(display, sizeof display, "Hip ADD:ABD torque ratio, %s", st_side_name((enum st_side)side));
        obs_begin(w, c, code, display);
        quantity(w, bal->ratio[side], "1");
        json_key(w, "interpretation");
        json_begin_array(w);
        json_begin_object(w);
        json_key(w, "text");
        json_string(w, bal_flag_name(bal->ratio_flag[side]));
        json_end_object(w);
        json_end_array(w);
        obs_end(w);
    }
}

enum st_status fhir_write_bundle(struct store *s, const int64_t *session_ids, size_t n, bool deidentified,
                                 FILE *f, struct st_err *err)
{
    if (n == 0)
        return st_err_set(err, ST_ERR_ARG, "No session to export");
    struct export_session *b = calloc(n, sizeof *b);
    struct store_patient *p = calloc(1, sizeof *p);
    enum st_status st = b && p ? ST_OK : st_err_set(err, ST_ERR_NOMEM, NULL);
    for (size_t i = 0; st == ST_OK && i < n; i++) {
        st = export_session_load(s, session_ids[i], &b[i], err);
        if (st == ST_OK && b[i].sess.patient_id != b[0].sess.patient_id)
            st = st_err_set(err, ST_ERR_ARG, "Sessions %lld and %lld belong to different patients: export one patient",
                            (long long)session_ids[0], (long long)session_ids[i]);
    }
    if (st == ST_OK)
        st = store_patient_get(s, b[0].sess.patient_id, p, err);
    if (st == ST_OK) {
        struct json_writer w;
        json_init(&w, f, true);
        json_begin_object(&w);
        json_key(&w, "resourceType");
        json_string(&w, "Bundle");
        char id[STORE_UUID_SIZE], when[32];
        store_uuid_new(id);
        json_key(&w, "id");
        json_string(&w, id);
        json_key(&w, "type");
        json_string(&w, "collection");
        json_key(&w, "timestamp");
        json_string(&w, store_time_str((int64_t)time(NULL), when, sizeof when));
        json_key(&w, "entry");
        json_begin_array(&w);
        patient_entry(&w, p, deidentified);
        int64_t done[64];
        size_t ndone = 0;
        for (size_t i = 0; i < n && st == ST_OK; i++)
            for (int ch = 0; ch < ST_MAX_CHANNELS && st == ST_OK; ch++) {
                int64_t did = b[i].sess.device_id[ch];
                bool seen = did <= 0;
                for (size_t k = 0; k < ndone && !seen; k++)
                    seen = done[k] == did;
                if (seen)
                    continue;
                struct store_device d;
                st = store_device_get(s, did, &d, err);
                if (st == ST_OK)
                    device_entry(&w, &d);
                if (ndone < sizeof done / sizeof done[0])
                    done[ndone++] = did;
            }
        for (size_t i = 0; i < n && st == ST_OK; i++) {
            struct obs_ctx c = {&b[i].sess, NULL, ""};
            struct store_device d;
            for (int ch = 0; ch < ST_MAX_CHANNELS && !c.device_uuid; ch++)
                if (b[i].sess.device_id[ch] > 0 && store_device_get(s, b[i].sess.device_id[ch], &d, NULL) == ST_OK)
                    c.device_uuid = d.uuid;
            store_time_str(b[i].sess.started, c.effective, sizeof c.effective);
            session_observations(&w, &c, &b[i]);
        }
        json_end_array(&w);
        json_end_object(&w);
        if (!json_finish(&w) && st == ST_OK)
            st = st_err_set(err, ST_ERR_IO, "Writing the FHIR bundle failed (is the disk full?)");
    }
    for (size_t i = 0; b && i < n; i++)
        export_session_free(&b[i]);
    free(b);
    free(p);
    return st;
}
