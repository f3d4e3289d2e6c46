/*
 * store_sync_patient.c - a patient across stations: pulled versions, conflicts and their resolution,
 * tombstones, and the merge of two records of one person (manual: station/store/store_sync.h).
 *
 * A patient's row here holds one version (version, edited_by). Every edit here makes the next version
 * (the trigger of schema 5) and travels as a new row on the server, never over another station's. A
 * pulled version replaces ours only when its number is higher; the same number from another station
 * means both were edited before syncing: nothing is overwritten, the other version waits in
 * sync_conflicts until a therapist keeps one (store_patient_resolve), which makes the next version and
 * so settles the conflict on every station at their next sync.
 */
#include "station/store/store_sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct local_version {
    int64_t id, version;
    char edited_by[STORE_UUID_SIZE];
};

static void read_local_version(sqlite3_stmt *st, void *item)
{
    struct local_version *v = item;
    v->id = sqlite3_column_int64(st, 0);
    v->version = sqlite3_column_int64(st, 1);
    store_col_text(st, 2, v->edited_by, sizeof v->edited_by);
}

static enum st_status local_version(struct store *s, const char *uuid, struct local_version *v, bool *found,
                                    struct st_err *err)
{
    memset(v, 0, sizeof *v);
    return store_row(s, "SELECT id, version, edited_by FROM patients WHERE uuid=?", STORE_VALS(sv_text(uuid)),
                     read_local_version, v, found, "reading a patient's version", err);
}

static const char *text_of(const struct store_sync_val *v)
{
    return v && !v->null ? v->p : NULL;
}

static int64_t int_of(const struct store_sync_val *v)
{
    return v && !v->null ? strtoll(v->p, NULL, 10) : 0;
}

/* The fields of a patient version, in the order of sync_conflicts' columns after edited_by. */
static const char *const version_fields[] = {"display_name", "clinic_ref", "birth_date", "sex", "dominant_side",
                                             "leg_length_m", "lever_m", "notes", "created", "updated"};
#define N_VERSION_FIELDS (sizeof version_fields / sizeof version_fields[0])

static enum st_status conflict_add(struct store *s, const struct store_sync_col *cols, size_t ncols,
                                   const struct store_sync_val *vals, bool *added, struct st_err *err)
{
    sqlite3_stmt *st = NULL;
    enum st_status r = store_stmt(s,
                                  "INSERT OR IGNORE INTO sync_conflicts(patient_uuid, version, edited_by,"
                                  " display_name, clinic_ref, birth_date, sex, dominant_side, leg_length_m, lever_m,"
                                  " notes, created, updated) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                  STORE_NO_VALS, &st, "keeping a conflicting version", err);
    static const char *const keys[] = {"uuid", "version", "edited_by"};
    for (size_t i = 0; r == ST_OK && i < 3; i++)
        r = store_sync_bind_val(s, st, (int)i + 1, i == 1 ? STORE_SYNC_INT : STORE_SYNC_TEXT,
                                store_sync_val_of(cols, ncols, vals, keys[i]), err);
    for (size_t i = 0; r == ST_OK && i < N_VERSION_FIELDS; i++) {
        char kind = STORE_SYNC_TEXT;
        for (size_t c = 0; c < ncols; c++)
            if (!strcmp(cols[c].name, version_fields[i]))
                kind = cols[c].kind;
        r = store_sync_bind_val(s, st, (int)i + 4, kind, store_sync_val_of(cols, ncols, vals, version_fields[i]), err);
    }
    return store_sync_step_added(s, st, r, added, "keeping a conflicting version", err);
}

enum st_status store_sync_pull_patient(struct store *s, size_t t, const struct store_sync_col *cols, size_t ncols,
                                       const struct store_sync_val *vals, sqlite3_stmt **cache,
                                       struct store_sync_counts *counts, struct st_err *err)
{
    const char *uuid = vals[0].p;
    int64_t version = int_of(store_sync_val_of(cols, ncols, vals, "version"));
    const char *by = text_of(store_sync_val_of(cols, ncols, vals, "edited_by"));
    int64_t gone = 0;
    enum st_status r = store_int(s, "SELECT count(*) FROM sync_tombstones WHERE uuid=?", STORE_VALS(sv_text(uuid)),
                                 &gone, "reading a patient's version", err);
    if (r != ST_OK)
        return r;
    if (gone) { /* erased: a version made before the erasure reached its station never brings them back */
        counts->skipped++;
        return ST_OK;
    }
    struct local_version here;
    bool found = false;
    if ((r = local_version(s, uuid, &here, &found, err)) != ST_OK)
        return r;
    /* An edit made here after this sync's push (another process, in the moment between push and
     * pull) has not reached the server yet: a newer version from there would overwrite it silently.
     * It waits as a conflict instead, as two edits made before a sync do. */
    int64_t unsent = 0;
    if (found && version > here.version &&
        (r = store_int(s,
                       "SELECT count(*) FROM patients WHERE id=? AND edited_by=(SELECT station_uuid FROM sync_meta)"
                       " AND lseq > coalesce((SELECT pushed FROM sync_marks WHERE tbl='patients'), 0)",
                       STORE_VALS(sv_int(here.id)), &unsent, "reading a patient's version", err)) != ST_OK)
        return r;
    if (!found || (version > here.version && !unsent)) {
        bool written = false;
        r = store_sync_upsert(s, t, cols, ncols, vals, cache, &written, err);
        if (r == ST_OK) /* a newer version settles the conflicts about older ones */
            r = store_run(s, "DELETE FROM sync_conflicts WHERE patient_uuid=? AND version<?",
                          STORE_VALS(sv_text(uuid), sv_int(version)), "reading a patient's version", err);
        counts->written += written;
        return r;
    }
    if ((version == here.version && by && strcmp(by, here.edited_by) != 0) || unsent) {
        bool added = false;
        r = conflict_add(s, cols, ncols, vals, &added, err);
        counts->conflicts += added;
        return r;
    }
    counts->skipped++;
    return ST_OK;
}

/* Moves everything of patient gone (body masses, sessions) to patient keep. */
static enum st_status move_rows(struct store *s, int64_t keep, int64_t gone, struct st_err *err)
{
    enum st_status r = store_run(s, "UPDATE body_mass SET patient_id=? WHERE patient_id=?",
                                 STORE_VALS(sv_int(keep), sv_int(gone)), "merging two patients", err);
    if (r == ST_OK)
        r = store_run(s, "UPDATE sessions SET patient_id=? WHERE patient_id=?", STORE_VALS(sv_int(keep), sv_int(gone)),
                      "merging two patients", err);
    return r;
}

enum st_status store_sync_pull_tombstone(struct store *s, const struct store_sync_col *cols, size_t ncols,
                                         const struct store_sync_val *vals, struct store_sync_counts *counts,
                                         struct st_err *err)
{
    const char *uuid = vals[0].p;
    const char *into = text_of(store_sync_val_of(cols, ncols, vals, "merged_into"));
    const char *by = text_of(store_sync_val_of(cols, ncols, vals, "edited_by"));
    int64_t known = 0;
    enum st_status r = store_int(s, "SELECT count(*) FROM sync_tombstones WHERE uuid=?", STORE_VALS(sv_text(uuid)),
                                 &known, "erasing a patient", err);
    struct local_version here;
    bool found = false;
    if (r == ST_OK)
        r = local_version(s, uuid, &here, &found, err);
    if (r != ST_OK)
        return r;
    if (known && !found) {
        counts->skipped++;
        return ST_OK;
    }
    int64_t keep = 0;
    if (into && (r = store_int(s,
                               "SELECT coalesce((SELECT id FROM patients WHERE uuid=?1),"
                               " (SELECT local_id FROM sync_alias WHERE tbl='patients' AND uuid=?1))",
                               STORE_VALS(sv_text(into)), &keep, "erasing a patient", err)) != ST_OK)
        return r;
    if (keep) /* later rows of the merged record land on the kept one */
        r = store_sync_alias_add(s, "patients", uuid, keep, err);
    if (r == ST_OK && found && keep)
        r = move_rows(s, keep, here.id, err);
    if (r != ST_OK)
        return r;
    if (!found) { /* never here: remember it, so no version of it is ever pulled in */
        sqlite3_stmt *st = NULL;
        r = store_stmt(s,
                       "INSERT OR IGNORE INTO sync_tombstones(uuid, version, origin, edited_by, merged_into, at, lseq)"
                       " VALUES(?,?,?,?,?,?,0)",
                       STORE_NO_VALS, &st, "erasing a patient", err);
        static const char *const keys[] = {"uuid", "version", "origin", "edited_by", "merged_into", "at"};
        for (size_t i = 0; r == ST_OK && i < 6; i++)
            r = store_sync_bind_val(s, st, (int)i + 1, i == 1 || i == 5 ? STORE_SYNC_INT : STORE_SYNC_TEXT,
                                    store_sync_val_of(cols, ncols, vals, keys[i]), err);
        int rc = r == ST_OK ? sqlite3_step(st) : SQLITE_DONE;
        if (rc != SQLITE_DONE)
            r = store_fail(s, rc, "erasing a patient", err);
        sqlite3_finalize(st);
        counts->skipped++;
        return r;
    }
    /* The erasure itself runs as a local one (pulling off): its own tombstone and the blanked audit
     * values travel on like any change made here, and the audit row says where it came from. */
    char reason[128];
    snprintf(reason, sizeof reason, "%s on station %.8s", keep ? "merged into another record" : "erased",
             by ? by : "?");
    int64_t ns = 0, nr = 0;
    r = store_run(s, "UPDATE sync_meta SET pulling=0", STORE_NO_VALS, "erasing a patient", err);
    if (r == ST_OK)
        r = store_patient_erase_tx(s, here.id, uuid, 0, reason, &ns, &nr, err);
    if (r == ST_OK && into)
        r = store_run(s, "UPDATE sync_tombstones SET merged_into=? WHERE uuid=?",
                      STORE_VALS(sv_text(into), sv_text(uuid)), "erasing a patient", err);
    if (r == ST_OK)
        r = store_run(s, "UPDATE sync_meta SET pulling=1", STORE_NO_VALS, "erasing a patient", err);
    counts->erased += r == ST_OK;
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* Conflicts                                                                                        */

/* A version's token: its number and the first 8 characters of its station's UUID. */
static void version_token(int64_t version, const char *station, char *out, size_t size)
{
    snprintf(out, size, "%lld@%.8s", (long long)version, station);
}

static void read_conflict(sqlite3_stmt *st, void *item)
{
    struct store_patient_version *v = item;
    store_patient_read_row(st, &v->p); /* columns 0-13, as PATIENT_SELECT */
    v->version = sqlite3_column_int64(st, 14);
    store_col_text(st, 15, v->edited_by, sizeof v->edited_by);
    v->ours = sqlite3_column_int(st, 16) != 0;
    version_token(v->version, v->edited_by, v->token, sizeof v->token);
}

enum st_status store_patient_conflicts(struct store *s, int64_t id, struct store_patient_version **out,
                                       size_t *n, struct st_err *err)
{
    *out = NULL;
    *n = 0;
    void *rows = NULL;
    enum st_status r = store_rows(
        s,
        "SELECT p.id, p.uuid, p.display_name, p.clinic_ref, p.birth_date, p.sex, p.dominant_side, p.leg_length_m,"
        " p.lever_m, p.notes, p.created, p.updated, NULL, NULL, p.version, p.edited_by, 1"
        " FROM patients p WHERE p.id=?1 AND EXISTS(SELECT 1 FROM sync_conflicts c WHERE c.patient_uuid=p.uuid)"
        " UNION ALL"
        " SELECT p.id, p.uuid, c.display_name, c.clinic_ref, c.birth_date, c.sex, c.dominant_side, c.leg_length_m,"
        " c.lever_m, c.notes, c.created, c.updated, NULL, NULL, c.version, c.edited_by, 0"
        " FROM sync_conflicts c JOIN patients p ON p.uuid=c.patient_uuid WHERE p.id=?1",
        STORE_VALS(sv_int(id)), sizeof **out, read_conflict, &rows, n, "reading a patient's conflicts", err);
    *out = rows;
    return r;
}

struct resolve {
    int64_t id, therapist_id;
    const struct store_patient_version *keep;
    char uuid[STORE_UUID_SIZE];
};

static enum st_status resolve_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct resolve *w = ctx;
    const struct store_patient *p = &w->keep->p;
    char sex[2] = {p->sex, 0}, side[2] = {p->side_dominant, 0};
    /* The next version must pass every version in the conflict (another station's may be ahead of
     * ours): first the highest of them, written without the trigger (lseq moved), then the kept fields,
     * written here, which the trigger makes the next version, by this station. */
    enum st_status r = store_run(s,
                                 "UPDATE patients SET lseq=-1, version=max(version, coalesce((SELECT max(version)"
                                 " FROM sync_conflicts WHERE patient_uuid=?1), 0)) WHERE uuid=?1",
                                 STORE_VALS(sv_text(w->uuid)), "settling the conflict", err);
    if (r == ST_OK)
        r = store_run(
        s,
        "UPDATE patients SET display_name=?, clinic_ref=?, birth_date=?, sex=?, dominant_side=?, leg_length_m=?,"
        " lever_m=?, notes=?, updated=max(updated, ?) WHERE id=?",
        STORE_VALS(sv_text(p->name), sv_opt(p->ref), sv_text(p->birth), sv_text(sex), sv_opt(side),
                   sv_real(p->leg_length_m), sv_real(p->lever_m), sv_opt(p->notes), sv_int(p->updated), sv_int(w->id)),
        "settling the conflict", err);
    if (r == ST_OK)
        r = store_run(s, "DELETE FROM sync_conflicts WHERE patient_uuid=?", STORE_VALS(sv_text(w->uuid)),
                      "settling the conflict", err);
    if (r == ST_OK)
        r = store_audit_add(s, w->therapist_id, "patients", w->uuid, "edit", "version", NULL, w->keep->token,
                            "conflict settled", err);
    return r;
}

enum st_status store_patient_resolve(struct store *s, int64_t id, const char *token, int64_t therapist_id,
                                     struct st_err *err)
{
    struct store_patient_version *v = NULL;
    size_t n = 0;
    enum st_status r = store_patient_conflicts(s, id, &v, &n, err);
    if (r != ST_OK)
        return r;
    if (n == 0) {
        free(v);
        return st_err_set(err, ST_ERR_ARG, "Patient %lld has no conflict to settle", (long long)id);
    }
    const struct store_patient_version *keep = NULL;
    size_t matches = 0;
    for (size_t i = 0; i < n; i++) {
        bool whole = token && !strcmp(token, v[i].token);
        char num[24];
        snprintf(num, sizeof num, "%lld", (long long)v[i].version);
        if (whole || (token && !strcmp(token, num))) {
            keep = &v[i];
            matches += whole ? n : 1; /* a whole token is never ambiguous */
        }
    }
    if (!keep) {
        r = st_err_set(err, ST_ERR_NOT_FOUND,
                       "Patient %lld has no version \"%.40s\" in conflict: give one `station patient show %lld` "
                       "lists (e.g. %s)",
                       (long long)id, token ? token : "", (long long)id, v[0].token);
    } else if (matches > 1 && strchr(token, '@') == NULL) {
        r = st_err_set(err, ST_ERR_ARG,
                       "Version %s of patient %lld was made on more than one station: give VERSION@STATION as "
                       "`station patient show %lld` lists it",
                       token, (long long)id, (long long)id);
    } else {
        struct resolve w = {.id = id, .therapist_id = therapist_id, .keep = keep};
        snprintf(w.uuid, sizeof w.uuid, "%s", keep->p.uuid);
        r = store_tx(s, "settling the conflict", resolve_work, &w, err);
    }
    free(v);
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* Merge                                                                                            */

struct merge {
    int64_t keep, gone, therapist_id;
    const char *reason;
    char keep_uuid[STORE_UUID_SIZE], gone_uuid[STORE_UUID_SIZE];
};

static enum st_status merge_work(struct store *s, void *ctx, struct st_err *err)
{
    struct merge *m = ctx;
    int64_t ns = 0, nr = 0;
    enum st_status r = move_rows(s, m->keep, m->gone, err);
    if (r == ST_OK)
        r = store_patient_erase_tx(s, m->gone, m->gone_uuid, m->therapist_id,
                                   m->reason && *m->reason ? m->reason : "merged into another record", &ns, &nr,
                                   err);
    if (r == ST_OK) /* the tombstone the erasure left tells the other stations where the rows went */
        r = store_run(s, "UPDATE sync_tombstones SET merged_into=? WHERE uuid=?",
                      STORE_VALS(sv_text(m->keep_uuid), sv_text(m->gone_uuid)), "merging two patients", err);
    if (r == ST_OK)
        r = store_audit_add(s, m->therapist_id, "patients", m->keep_uuid, "edit", "merged", NULL, m->gone_uuid,
                            m->reason, err);
    return r;
}

enum st_status store_patient_merge(struct store *s, int64_t keep, int64_t gone, int64_t therapist_id,
                                   const char *reason, struct st_err *err)
{
    if (keep == gone)
        return st_err_set(err, ST_ERR_ARG, "Patients %lld and %lld are the same record: nothing to merge",
                          (long long)keep, (long long)gone);
    enum st_status r = store_check_text("Reason", reason, false, 255, true, err);
    struct merge m = {.keep = keep, .gone = gone, .therapist_id = therapist_id, .reason = reason};
    struct store_row_identity a, b;
    if (r == ST_OK)
        r = store_row_identity(s, "patients", keep, &a, err);
    if (r == ST_OK)
        r = store_row_identity(s, "patients", gone, &b, err);
    if (r != ST_OK)
        return r;
    snprintf(m.keep_uuid, sizeof m.keep_uuid, "%s", a.uuid);
    snprintf(m.gone_uuid, sizeof m.gone_uuid, "%s", b.uuid);
    return store_tx(s, "merging two patients", merge_work, &m, err);
}
