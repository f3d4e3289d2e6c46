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

static int load_devices_text(struct store *s, sqlite3_stmt **st, struct store_trend_row *row)
{
    int rc = SQLITE_OK;
    if (!*st)
        rc = store_prep(s,
                        "SELECT sd.channel, d.id, d.family, d.serial FROM session_devices sd"
                        " JOIN devices d ON d.id = sd.device_id WHERE sd.session_id=? ORDER BY sd.channel",
                        st);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_reset(*st);
    sqlite3_bind_int64(*st, 1, row->session_id);
    size_t used = 0;
    row->devices[0] = '\0';
    while ((rc = sqlite3_step(*st)) == SQLITE_ROW) {
        int ch = sqlite3_column_int(*st, 0);
        if (ch >= 0 && ch < ST_MAX_CHANNELS)
            row->device_id[ch] = sqlite3_column_int64(*st, 1);
        const unsigned char *fam = sqlite3_column_text(*st, 2), *ser = sqlite3_column_text(*st, 3);
        if (used < sizeof row->devices) {
            int k = snprintf(row->devices + used, sizeof row->devices - used, "%s%s %s", used ? "; " : "",
                             fam ? (const char *)fam : "", ser ? (const char *)ser : "");
            if (k > 0)
                used += (size_t)k;
        }
    }
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The stored protocol text of protocol_id into a new string (free it), NULL when there is none. */
static int protocol_text(struct store *s, int64_t protocol_id, char **text)
{
    *text = NULL;
    sqlite3_stmt *st = NULL;
    int rc = store_prep(s, "SELECT text FROM protocols WHERE id=?", &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, protocol_id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            if (t && !(*text = strdup((const char *)t)))
                rc = SQLITE_NOMEM;
            else
                rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static enum st_status bal_params_of(struct store *s, int64_t protocol_id, int64_t patient_id, double mass_kg,
                                    struct bal_params *out, struct st_err *err)
{
    *out = bal_params_default();
    out->body_mass_kg = mass_kg;
    char *text = NULL;
    int rc = protocol_id > 0 ? protocol_text(s, protocol_id, &text) : SQLITE_OK;
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "reading the session's protocol", err);
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
    return bal_params_of(s, sess->protocol_id, sess->patient_id, sess->body_mass_kg, out, err);
}

enum st_status store_trend(struct store *s, int64_t patient_id, const char *protocol_name,
                           struct store_trend_row **out, size_t *n, struct st_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *ss = NULL, *rs = NULL, *ds = NULL;
    struct store_trend_row *rows = NULL;
    size_t len = 0, cap = 0;
    struct bal_rep *reps = NULL;
    size_t nreps = 0, capreps = 0;
    struct bal_params params = bal_params_default();

    int rc = store_prep(s,
                        "SELECT x.id, x.started, x.status, pr.sha256, x.body_mass_kg, x.protocol_id FROM sessions x"
                        " JOIN protocols pr ON pr.id = x.protocol_id"
                        " WHERE x.patient_id=? AND pr.name=? AND x.status <> 'running'"
                        " ORDER BY x.started, x.id",
                        &ss);
    if (rc == SQLITE_OK)
        rc =
            store_prep(s,
                       "SELECT direction, side, peak_n, lever_m, counts, status, familiarisation, contraction"
                       " FROM repetitions WHERE session_id=? ORDER BY sequence",
                       &rs);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(ss, 1, patient_id);
        sqlite3_bind_text(ss, 2, protocol_name ? protocol_name : "", -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(ss)) == SQLITE_ROW) {
            struct store_trend_row *nr = store_grow(rows, &cap, len, sizeof *rows);
            if (!nr) {
                rc = SQLITE_NOMEM;
                break;
            }
            rows = nr;
            struct store_trend_row *row = &rows[len++];
            memset(row, 0, sizeof *row);
            row->session_id = sqlite3_column_int64(ss, 0);
            row->started = sqlite3_column_int64(ss, 1);
            char status[16];
            store_col_text(ss, 2, status, sizeof status);
            row->status = !strcmp(status, "complete")  ? STORE_SESSION_COMPLETE
                          : !strcmp(status, "aborted") ? STORE_SESSION_ABORTED
                                                       : STORE_SESSION_INTERRUPTED;
            store_col_text(ss, 3, row->protocol_sha256, sizeof row->protocol_sha256);
            row->body_mass_kg = store_col_double(ss, 4);
            if ((rc = load_devices_text(s, &ds, row)) != SQLITE_OK)
                break;
            if (len > 1) {
                const struct store_trend_row *prev = &rows[len - 2];
                row->device_changed = memcmp(prev->device_id, row->device_id, sizeof row->device_id) != 0;
                row->protocol_changed = strcmp(prev->protocol_sha256, row->protocol_sha256) != 0;
            }
            sqlite3_reset(rs);
            sqlite3_bind_int64(rs, 1, row->session_id);
            nreps = 0;
            while ((rc = sqlite3_step(rs)) == SQLITE_ROW) {
                if (nreps == capreps) {
                    size_t nc = capreps ? capreps * 2 : 32;
                    struct bal_rep *nb = realloc(reps, nc * sizeof *nb);
                    if (!nb) {
                        rc = SQLITE_NOMEM;
                        break;
                    }
                    reps = nb;
                    capreps = nc;
                }
                struct bal_rep *b = &reps[nreps++];
                enum st_dir dir = ST_DIR_ADD;
                enum st_side side = ST_SIDE_LEFT;
                st_dir_parse((const char *)sqlite3_column_text(rs, 0), &dir);
                st_side_parse((const char *)sqlite3_column_text(rs, 1), &side);
                b->dir = dir;
                b->side = side;
                b->peak_n = store_col_double(rs, 2);
                b->lever_m = store_col_double(rs, 3);
                const unsigned char *rst = sqlite3_column_text(rs, 5);
                b->counts = sqlite3_column_int(rs, 4) && rst && !strcmp((const char *)rst, "accepted") &&
                            !sqlite3_column_int(rs, 6) && sqlite3_column_int(rs, 7) && isfinite(b->peak_n);
            }
            if (rc != SQLITE_DONE)
                break;
            rc = SQLITE_OK;
            /* judged by its own protocol's bands (a protocol name may have had several texts) */
            if (bal_params_of(s, sqlite3_column_int64(ss, 5), patient_id, row->body_mass_kg, &params, err) !=
                ST_OK) {
                rc = SQLITE_ERROR;
                break;
            }
            bal_compute(reps, nreps, &params, &row->bal);
        }
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(ss);
    sqlite3_finalize(rs);
    sqlite3_finalize(ds);
    free(reps);
    if (rc != SQLITE_OK) {
        free(rows);
        return store_fail(s, rc, "reading the trend", err);
    }
    *out = rows;
    *n = len;
    return ST_OK;
}
