/*
 * store_history.c - the trend of one patient under one protocol: per session the balance of its reps.
 *
 * One query reads the reps of every matching session in session order (the repetitions_session index
 * serves it), and bal_compute turns each session's reps into best ADD/ABD per side, ratio and
 * asymmetry, exactly as `station show` does for one session, so the two never disagree. A change of
 * device (hand-held dynamometers of different brands differ by up to 16 %, CLINICAL.md) and a change
 * of the protocol's text are marked on the row where they happen.
 */
#include "station/store/store_internal.h"

#include "protocols/protocol.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct trend_device {
    int64_t channel, id;
    char family[32], serial[64];
};

static void read_trend_device(sqlite3_stmt *st, void *item)
{
    struct trend_device *d = item;
    d->channel = sqlite3_column_int64(st, 0);
    d->id = sqlite3_column_int64(st, 1);
    store_col_text(st, 2, d->family, sizeof d->family);
    store_col_text(st, 3, d->serial, sizeof d->serial);
}

/* row->device_id[] and row->devices ("family serial; ...") of row->session_id. */
static enum st_status load_devices_text(struct store *s, struct store_trend_row *row, struct st_err *err)
{
    void *rows = NULL;
    size_t n = 0;
    enum st_status r =
        store_rows(s,
                   "SELECT sd.channel, d.id, d.family, d.serial FROM session_devices sd"
                   " JOIN devices d ON d.id = sd.device_id WHERE sd.session_id=? ORDER BY sd.channel",
                   STORE_VALS(sv_int(row->session_id)), sizeof(struct trend_device), read_trend_device, &rows,
                   &n, "reading the trend", err);
    const struct trend_device *d = rows;
    size_t used = 0;
    row->devices[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (d[i].channel >= 0 && d[i].channel < ST_MAX_CHANNELS)
            row->device_id[d[i].channel] = d[i].id;
        if (used < sizeof row->devices) {
            int k = snprintf(row->devices + used, sizeof row->devices - used, "%s%s %s", used ? "; " : "",
                             d[i].family, d[i].serial);
            if (k > 0)
                used += (size_t)k;
        }
    }
    free(rows);
    return r;
}

static void read_text_copy(sqlite3_stmt *st, void *item)
{
    const unsigned char *t = sqlite3_column_text(st, 0);
    *(char **)item = t ? strdup((const char *)t) : NULL;
}

/* The stored protocol text of protocol_id into a new string (free it), NULL when there is none. */
static enum st_status protocol_text(struct store *s, int64_t protocol_id, char **text, struct st_err *err)
{
    *text = NULL;
    bool found = false;
    enum st_status r = store_row(s, "SELECT text FROM protocols WHERE id=?", STORE_VALS(sv_int(protocol_id)),
                                 read_text_copy, text, &found, "reading the session's protocol", err);
    if (r == ST_OK && found && !*text)
        r = st_err_set(err, ST_ERR_NOMEM, NULL);
    return r;
}

enum st_status store_protocol_text(struct store *s, int64_t protocol_id, char **text, struct st_err *err)
{
    enum st_status r = protocol_text(s, protocol_id, text, err);
    if (r == ST_OK && !*text)
        r = st_err_set(err, ST_ERR_NOT_FOUND, "Protocol %lld is not in the database", (long long)protocol_id);
    return r;
}

enum st_status store_bal_params(struct store *s, int64_t protocol_id, int64_t patient_id, double mass_kg,
                                struct bal_params *out, struct st_err *err)
{
    *out = bal_params_default();
    out->body_mass_kg = mass_kg;
    char *text = NULL;
    enum st_status r = protocol_id > 0 ? protocol_text(s, protocol_id, &text, err) : ST_OK;
    if (r != ST_OK)
        return r;
    struct proto_def def;
    if (text && proto_load_text("stored protocol", text, &def, NULL) == ST_OK) {
        out->ratio_red = def.ratio_red;
        out->ratio_amber = def.ratio_amber;
        out->asym_amber = def.asymmetry_amber_pct;
        out->asym_red = def.asymmetry_red_pct;
        out->cv_limit_pct = def.cv_limit_pct;
        out->gravity_correction = def.gravity_correction;
        proto_free(&def);
    }
    free(text);
    if (out->gravity_correction && patient_id > 0) {
        struct store_patient p;
        if (store_patient_get(s, patient_id, &p, NULL) == ST_OK)
            out->leg_length_m = p.leg_length_m;
    }
    return ST_OK;
}

enum st_status store_session_bal_params(struct store *s, const struct store_session *sess,
                                        struct bal_params *out, struct st_err *err)
{
    return store_bal_params(s, sess->protocol_id, sess->patient_id, sess->body_mass_kg, out, err);
}

struct trend_session {
    struct store_trend_row row;
    int64_t protocol_id;
};

static void read_trend_session(sqlite3_stmt *st, void *item)
{
    struct trend_session *x = item;
    struct store_trend_row *row = &x->row;
    row->session_id = sqlite3_column_int64(st, 0);
    row->started = sqlite3_column_int64(st, 1);
    char status[16];
    store_col_text(st, 2, status, sizeof status);
    row->status = !strcmp(status, "complete")  ? STORE_SESSION_COMPLETE
                  : !strcmp(status, "aborted") ? STORE_SESSION_ABORTED
                                               : STORE_SESSION_INTERRUPTED;
    store_col_text(st, 3, row->protocol_sha256, sizeof row->protocol_sha256);
    row->body_mass_kg = store_col_double(st, 4);
    x->protocol_id = sqlite3_column_int64(st, 5);
}

/* One session's row: its devices, what changed since the previous row, and the balance of its reps
 * judged by its own protocol's bands (a protocol name may have had several texts). */
static enum st_status trend_fill(struct store *s, int64_t patient_id, struct trend_session *x,
                                 const struct store_trend_row *prev, struct st_err *err)
{
    struct store_trend_row *row = &x->row;
    enum st_status r = load_devices_text(s, row, err);
    if (r != ST_OK)
        return r;
    if (prev) {
        row->device_changed = memcmp(prev->device_id, row->device_id, sizeof row->device_id) != 0;
        row->protocol_changed = strcmp(prev->protocol_sha256, row->protocol_sha256) != 0;
    }
    struct store_rep *reps = NULL;
    size_t nreps = 0;
    struct bal_params params;
    if ((r = store_rep_list(s, row->session_id, &reps, &nreps, err)) != ST_OK)
        return r;
    struct bal_rep *b = malloc((nreps ? nreps : 1) * sizeof *b);
    if (!b)
        r = st_err_set(err, ST_ERR_NOMEM, NULL);
    if (r == ST_OK)
        r = store_bal_params(s, x->protocol_id, patient_id, row->body_mass_kg, &params, err);
    if (r == ST_OK) {
        store_reps_to_balance(reps, nreps, b);
        bal_compute(b, nreps, &params, &row->bal);
    }
    free(b);
    free(reps);
    return r;
}

enum st_status store_trend(struct store *s, int64_t patient_id, const char *protocol_name,
                           struct store_trend_row **out, size_t *n, struct st_err *err)
{
    *out = NULL;
    *n = 0;
    void *rows = NULL;
    size_t len = 0;
    enum st_status r =
        store_rows(s,
                   "SELECT x.id, x.started, x.status, pr.sha256, x.body_mass_kg, x.protocol_id"
                   " FROM sessions x JOIN protocols pr ON pr.id = x.protocol_id"
                   " WHERE x.patient_id=? AND pr.name=? AND x.status <> 'running'"
                   " ORDER BY x.started, x.id",
                   STORE_VALS(sv_int(patient_id), sv_text(protocol_name ? protocol_name : "")),
                   sizeof(struct trend_session), read_trend_session, &rows, &len, "reading the trend", err);
    struct trend_session *x = rows;
    for (size_t i = 0; r == ST_OK && i < len; i++)
        r = trend_fill(s, patient_id, &x[i], i ? &x[i - 1].row : NULL, err);
    struct store_trend_row *res = r == ST_OK ? malloc((len ? len : 1) * sizeof *res) : NULL;
    if (r == ST_OK && !res)
        r = st_err_set(err, ST_ERR_NOMEM, NULL);
    if (r == ST_OK) {
        for (size_t i = 0; i < len; i++)
            res[i] = x[i].row;
        *out = res;
        *n = len;
    }
    free(rows);
    return r;
}
