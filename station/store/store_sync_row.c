/*
 * store_sync_row.c - sessions, reps, devices and audit rows edited on several stations: a pulled version
 * taken, kept as a conflict or skipped, and a conflict settled (manual: station/store/store_sync.h;
 * the patient's own versions are store_sync_patient.c).
 *
 * A row of a mutable table holds one version here (version, edited_by; the triggers of schema 5 make
 * the next on every local edit, whoever created the row). The clinic server keeps one version per row,
 * the highest: an edit sent with a version the server already has from another station (both rooms
 * decided the same rep before syncing) is refused there, kept in the server's sync_row_versions, and
 * recorded here as a refusal (sync_row_conflicts, ours=1, the server's version number as `against`).
 * Then, when a version of the row is pulled:
 *  - the row has an edit not sent yet, or a refused one: the pulled version is kept beside ours as a
 *    conflict, unless it is newer than every version in the conflict (a settlement made elsewhere);
 *  - otherwise a newer version replaces ours and settles the conflicts about older ones; the same
 *    number from another station is a conflict; an older one is skipped.
 * The station whose version won (and any that took it) pulls the refused edit too and keeps it beside
 * its version (store_sync_pull_refused), so the conflict shows on every station, as a patient's does.
 * A row in conflict is not sent until a therapist keeps one version (store_row_resolve), which makes a
 * version above all of them here: it travels like any edit and settles the conflict everywhere.
 * Nothing is ever overwritten silently.
 */
#include "station/store/store_sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row_here {
    int64_t id, version;
    char edited_by[STORE_UUID_SIZE];
    bool unsent; /* edited here after the last push of its table */
};

static void read_row_here(sqlite3_stmt *st, void *item)
{
    struct row_here *h = item;
    h->id = sqlite3_column_int64(st, 0);
    h->version = sqlite3_column_int64(st, 1);
    store_col_text(st, 2, h->edited_by, sizeof h->edited_by);
    h->unsent = sqlite3_column_int(st, 3) != 0;
}

static enum st_status row_here(struct store *s, const char *table, const char *uuid, struct row_here *h, bool *found,
                               struct st_err *err)
{
    memset(h, 0, sizeof *h);
    char sql[320];
    /* table: one of store_sync_tables' names, never input */
    snprintf(sql, sizeof sql,
             "SELECT id, version, edited_by, edited_by=(SELECT station_uuid FROM sync_meta) AND"
             " lseq > coalesce((SELECT pushed FROM sync_marks WHERE tbl=?2), 0) FROM %s WHERE uuid=?1",
             table);
    return store_row(s, sql, STORE_VALS(sv_text(uuid), sv_text(table)), read_row_here, h, found,
                     "reading a row's version", err);
}

/* The conflict about a row so far: the highest version it names (the refused edit's `against` too),
 * and whether the server refused our edit. */
struct conflict_top {
    int64_t top;
    bool refused;
};

static void read_conflict_top(sqlite3_stmt *st, void *item)
{
    struct conflict_top *c = item;
    c->top = sqlite3_column_int64(st, 0);
    c->refused = sqlite3_column_int(st, 1) != 0;
}

static enum st_status conflict_top(struct store *s, const char *table, const char *uuid, struct conflict_top *c,
                                   struct st_err *err)
{
    memset(c, 0, sizeof *c);
    return store_row(s,
                     "SELECT coalesce(max(max(version, coalesce(against, 0))), 0), coalesce(max(ours), 0)"
                     " FROM sync_row_conflicts WHERE tbl=? AND uuid=?",
                     STORE_VALS(sv_text(table), sv_text(uuid)), read_conflict_top, c, NULL,
                     "reading a row's conflicts", err);
}

/* Keeps a pulled version beside ours: its values as a JSON object of their text (blobs do not change in
 * a mutable table and are left out). *added: it was not kept already. */
static enum st_status conflict_keep(struct store *s, size_t t, const struct store_sync_col *cols, size_t ncols,
                                    const struct store_sync_val *vals, bool *added, struct st_err *err)
{
    *added = false;
    char sql[8192];
    size_t used = (size_t)snprintf(sql, sizeof sql,
                                   "INSERT OR IGNORE INTO sync_row_conflicts(tbl, uuid, version, edited_by, ours,"
                                   " vals) VALUES(?1, ?2, ?3, ?4, 0, json_object(");
    bool first = true;
    for (size_t i = 0; i < ncols && used < sizeof sql; i++)
        if (cols[i].kind != STORE_SYNC_BLOB) {
            used += (size_t)snprintf(sql + used, sizeof sql - used, "%s'%s', ?%zu", first ? "" : ", ", cols[i].name,
                                     i + 5);
            first = false;
        }
    if (used < sizeof sql)
        used += (size_t)snprintf(sql + used, sizeof sql - used, "))");
    if (used >= sizeof sql)
        return st_err_set(err, ST_ERR_INTERNAL, "the conflict query of %s is too long", store_sync_tables[t].name);
    sqlite3_stmt *st = NULL;
    enum st_status r = store_stmt(s, sql, STORE_NO_VALS, &st, "keeping a conflicting version", err);
    const struct store_sync_val tbl = {store_sync_tables[t].name, strlen(store_sync_tables[t].name), false};
    const struct store_sync_val *keys[] = {&tbl, &vals[0], store_sync_val_of(cols, ncols, vals, "version"),
                                           store_sync_val_of(cols, ncols, vals, "edited_by")};
    for (size_t i = 0; r == ST_OK && i < 4; i++)
        r = store_sync_bind_val(s, st, (int)i + 1, i == 2 ? STORE_SYNC_INT : STORE_SYNC_TEXT, keys[i], err);
    for (size_t i = 0; r == ST_OK && i < ncols; i++)
        if (cols[i].kind != STORE_SYNC_BLOB)
            r = store_sync_bind_val(s, st, (int)i + 5, STORE_SYNC_TEXT, &vals[i], err);
    return store_sync_step_added(s, st, r, added, "keeping a conflicting version", err);
}

enum st_status store_sync_pull_row(struct store *s, size_t t, const struct store_sync_col *cols, size_t ncols,
                                   const struct store_sync_val *vals, sqlite3_stmt **cache,
                                   struct store_sync_counts *counts, bool *here, struct st_err *err)
{
    const char *table = store_sync_tables[t].name, *uuid = vals[0].p;
    const struct store_sync_val *vv = store_sync_val_of(cols, ncols, vals, "version"),
                                *vb = store_sync_val_of(cols, ncols, vals, "edited_by");
    int64_t version = vv && !vv->null ? strtoll(vv->p, NULL, 10) : 0;
    const char *by = vb && !vb->null ? vb->p : "";
    struct row_here h;
    enum st_status r = row_here(s, table, uuid, &h, here, err);
    if (r != ST_OK || !*here)
        return r;
    if (version == h.version && !strcmp(by, h.edited_by)) { /* this very version */
        counts->skipped++;
        return ST_OK;
    }
    struct conflict_top c;
    if ((r = conflict_top(s, table, uuid, &c, err)) != ST_OK)
        return r;
    int64_t top = c.top > h.version ? c.top : h.version;
    bool conflict = h.unsent     ? version >= h.version /* ours is not on the server yet */
                    : c.refused  ? version <= top        /* newer than all of it: settled elsewhere */
                                 : version == h.version; /* the same number from another station */
    if (conflict) {
        bool added = false;
        r = conflict_keep(s, t, cols, ncols, vals, &added, err);
        counts->conflicts += added;
        return r;
    }
    if (version < h.version) {
        counts->skipped++;
        return ST_OK;
    }
    bool written = false;
    r = store_sync_upsert(s, t, cols, ncols, vals, cache, &written, err);
    if (r == ST_OK) /* a newer version settles the conflicts about older ones */
        r = store_run(s,
                      "DELETE FROM sync_row_conflicts WHERE tbl=? AND uuid=? AND version<?3 AND"
                      " coalesce(against, 0)<?3",
                      STORE_VALS(sv_text(table), sv_text(uuid), sv_int(version)), "reading a row's version", err);
    counts->written += written;
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* Refused edits of other stations                                                                  */

/* The pseudo-table of sync_marks that holds the server's sequence number of the refused edits. */
#define REFUSED_MARK "sync_row_versions"

enum st_status store_sync_refused_mark(struct store *s, int64_t *seq, struct st_err *err)
{
    return store_int(s, "SELECT pulled FROM sync_marks WHERE tbl='" REFUSED_MARK "'", STORE_NO_VALS, seq,
                     "reading the sync marks", err);
}

struct refused_work {
    const struct store_sync_refused *rows;
    size_t n;
    int64_t last;
    struct store_sync_counts *counts;
};

static enum st_status refused_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct refused_work *w = ctx;
    enum st_status r = ST_OK;
    for (size_t i = 0; r == ST_OK && i < w->n; i++) {
        const struct store_sync_refused *f = &w->rows[i];
        const struct store_sync_table *tb = store_sync_table_named(f->table, NULL);
        struct row_here h;
        bool found = false;
        if (tb && tb->how == STORE_SYNC_MUTABLE)
            r = row_here(s, f->table, f->uuid, &h, &found, err);
        if (r != ST_OK || !found || h.version != f->against || strcmp(h.edited_by, f->against_editor)) {
            w->counts->skipped += r == ST_OK;
            continue;
        }
        bool added = false;
        sqlite3_stmt *st = NULL;
        r = store_stmt(s,
                       "INSERT OR IGNORE INTO sync_row_conflicts(tbl, uuid, version, edited_by, ours, vals)"
                       " VALUES(?, ?, ?, ?, 0, json(?))",
                       STORE_VALS(sv_text(f->table), sv_text(f->uuid), sv_int(f->version), sv_text(f->edited_by),
                                  sv_text(f->vals ? f->vals : "{}")),
                       &st, "keeping a conflicting version", err);
        r = store_sync_step_added(s, st, r, &added, "keeping a conflicting version", err);
        w->counts->conflicts += added;
    }
    if (r == ST_OK)
        r = store_run(s,
                      "INSERT INTO sync_marks(tbl, pulled) VALUES('" REFUSED_MARK "', ?1)"
                      " ON CONFLICT(tbl) DO UPDATE SET pulled=max(pulled, ?1)",
                      STORE_VALS(sv_int(w->last)), "recording the sync marks", err);
    return r;
}

enum st_status store_sync_pull_refused(struct store *s, const struct store_sync_refused *rows, size_t n, int64_t last,
                                       struct store_sync_counts *counts, struct st_err *err)
{
    struct refused_work w = {rows, n, last, counts};
    return store_tx(s, "keeping another station's refused edits", refused_work, &w, err);
}

/* ------------------------------------------------------------------------------------------------ */
/* Listing and settling                                                                             */

static void read_row_conflict(sqlite3_stmt *st, void *item)
{
    struct store_row_conflict *c = item;
    store_col_text(st, 0, c->table, sizeof c->table);
    store_col_text(st, 1, c->uuid, sizeof c->uuid);
    store_col_text(st, 2, c->tokens, sizeof c->tokens);
    store_col_text(st, 3, c->what, sizeof c->what);
}

enum st_status store_row_conflicts(struct store *s, struct store_row_conflict **out, size_t *n, struct st_err *err)
{
    void *rows = NULL;
    /* Ours first (the row as it is here), then the others' versions; the row in the words a
     * therapist knows it by. */
    enum st_status r = store_rows(
        s,
        "SELECT c.tbl, c.uuid,"
        " coalesce((SELECT x.version||'@'||substr(x.edited_by,1,8)||' (here)' FROM ("
        "  SELECT uuid, version, edited_by FROM repetitions UNION ALL SELECT uuid, version, edited_by FROM sessions"
        "  UNION ALL SELECT uuid, version, edited_by FROM devices UNION ALL SELECT uuid, version, edited_by FROM audit"
        " ) x WHERE x.uuid=c.uuid), '')"
        " || (SELECT group_concat(', '||o.version||'@'||substr(o.edited_by,1,8), '') FROM sync_row_conflicts o"
        "  WHERE o.uuid=c.uuid AND o.tbl=c.tbl AND o.ours=0),"
        " CASE c.tbl"
        "  WHEN 'repetitions' THEN (SELECT 'rep '||sequence||' of session '||session_id FROM repetitions"
        "   WHERE uuid=c.uuid)"
        "  WHEN 'sessions' THEN (SELECT 'session '||id FROM sessions WHERE uuid=c.uuid)"
        "  WHEN 'devices' THEN (SELECT 'device '||family||' '||serial FROM devices WHERE uuid=c.uuid)"
        "  ELSE c.tbl END"
        " FROM sync_row_conflicts c WHERE c.ours=0 GROUP BY c.tbl, c.uuid ORDER BY min(c.id) LIMIT 200",
        STORE_NO_VALS, sizeof **out, read_row_conflict, &rows, n, "reading the rows in conflict", err);
    *out = rows;
    return r;
}

/* One version of a row in conflict: ours (vals NULL) or another station's. */
struct row_version {
    int64_t id, version;
    char edited_by[STORE_UUID_SIZE];
    bool ours;
};

static void read_row_version(sqlite3_stmt *st, void *item)
{
    struct row_version *v = item;
    v->id = sqlite3_column_int64(st, 0);
    v->version = sqlite3_column_int64(st, 1);
    store_col_text(st, 2, v->edited_by, sizeof v->edited_by);
    v->ours = sqlite3_column_int(st, 3) != 0;
}

struct row_resolve {
    size_t t;
    const char *uuid, *token;
    const struct row_version *keep;
    int64_t top, therapist_id;
};

/* Writes the kept version's values (another station's, from its JSON) over the row, as a pull would. */
static enum st_status row_take(struct store *s, const struct row_resolve *w, struct st_err *err)
{
    struct store_sync_col cols[STORE_SYNC_MAX_COLS];
    size_t ncols = 0;
    enum st_status r = store_sync_columns(s, w->t, cols, &ncols, err);
    char sql[8192];
    size_t used = (size_t)snprintf(sql, sizeof sql, "SELECT uuid");
    for (size_t i = 1; i < ncols && used < sizeof sql; i++)
        used += (size_t)snprintf(sql + used, sizeof sql - used, ", json_extract(vals, '$.%s')", cols[i].name);
    if (used < sizeof sql)
        used += (size_t)snprintf(sql + used, sizeof sql - used, " FROM sync_row_conflicts WHERE id=?");
    if (r == ST_OK && used >= sizeof sql)
        r = st_err_set(err, ST_ERR_INTERNAL, "the settling query of %s is too long", store_sync_tables[w->t].name);
    sqlite3_stmt *st = NULL;
    if (r == ST_OK)
        r = store_stmt(s, sql, STORE_VALS(sv_int(w->keep->id)), &st, "settling the conflict", err);
    if (r == ST_OK && sqlite3_step(st) != SQLITE_ROW)
        r = st_err_set(err, ST_ERR_NOT_FOUND, "The kept version of %s is gone", w->uuid);
    struct store_sync_val vals[STORE_SYNC_MAX_COLS];
    for (size_t i = 0; r == ST_OK && i < ncols; i++) {
        vals[i].null = sqlite3_column_type(st, (int)i) == SQLITE_NULL;
        vals[i].p = vals[i].null ? "" : (const char *)sqlite3_column_text(st, (int)i);
        vals[i].n = vals[i].null ? 0 : (size_t)sqlite3_column_bytes(st, (int)i);
    }
    sqlite3_stmt *upsert = NULL;
    bool written = false;
    if (r == ST_OK)
        r = store_run(s, "UPDATE sync_meta SET pulling=1", STORE_NO_VALS, "settling the conflict", err);
    if (r == ST_OK)
        r = store_sync_upsert(s, w->t, cols, ncols, vals, &upsert, &written, err);
    if (r == ST_OK)
        r = store_run(s, "UPDATE sync_meta SET pulling=0", STORE_NO_VALS, "settling the conflict", err);
    sqlite3_finalize(upsert);
    sqlite3_finalize(st);
    return r;
}

static enum st_status row_resolve_work(struct store *s, void *ctx, struct st_err *err)
{
    const struct row_resolve *w = ctx;
    const char *table = store_sync_tables[w->t].name;
    enum st_status r = w->keep->ours ? ST_OK : row_take(s, w, err);
    /* The next version passes every version in the conflict: first the highest of them, written without
     * the edit trigger (lseq moved), then a touch the trigger makes the next version, by this station. */
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE %s SET lseq=-1, version=? WHERE uuid=?", table);
    if (r == ST_OK)
        r = store_run(s, sql, STORE_VALS(sv_int(w->top), sv_text(w->uuid)), "settling the conflict", err);
    snprintf(sql, sizeof sql, "UPDATE %s SET version=version WHERE uuid=?", table);
    if (r == ST_OK)
        r = store_run(s, sql, STORE_VALS(sv_text(w->uuid)), "settling the conflict", err);
    if (r == ST_OK)
        r = store_run(s, "DELETE FROM sync_row_conflicts WHERE tbl=? AND uuid=?",
                      STORE_VALS(sv_text(table), sv_text(w->uuid)), "settling the conflict", err);
    if (r == ST_OK)
        r = store_audit_add(s, w->therapist_id, table, w->uuid, "edit", "version", NULL, w->token,
                            "conflict settled", err);
    return r;
}

static void read_table_name(sqlite3_stmt *st, void *item)
{
    store_col_text(st, 0, item, 32);
}

enum st_status store_row_resolve(struct store *s, const char *uuid, const char *token, int64_t therapist_id,
                                 struct st_err *err)
{
    char table[32] = "";
    enum st_status r = store_row(s, "SELECT tbl FROM sync_row_conflicts WHERE uuid=? AND ours=0 LIMIT 1",
                                 STORE_VALS(sv_text(uuid ? uuid : "")), read_table_name, table, NULL,
                                 "reading the rows in conflict", err);
    size_t t = 0;
    if (r == ST_OK && (!*table || !store_sync_table_named(table, &t)))
        return st_err_set(err, ST_ERR_NOT_FOUND,
                          "No row \"%.40s\" is in conflict: `station sync --status` lists the rows in conflict",
                          uuid ? uuid : "");
    struct row_here h;
    bool found = false;
    if (r == ST_OK)
        r = row_here(s, table, uuid, &h, &found, err);
    void *rows = NULL;
    size_t n = 0;
    if (r == ST_OK)
        r = store_rows(s,
                       "SELECT id, version, edited_by, 0 FROM sync_row_conflicts WHERE tbl=?1 AND uuid=?2 AND ours=0",
                       STORE_VALS(sv_text(table), sv_text(uuid)), sizeof(struct row_version), read_row_version,
                       &rows, &n, "reading the rows in conflict", err);
    if (r != ST_OK)
        return r;
    struct conflict_top c;
    if ((r = conflict_top(s, table, uuid, &c, err)) != ST_OK) {
        free(rows);
        return r;
    }
    /* ours (the row here) and the others' */
    struct row_version here = {.id = 0, .version = h.version, .ours = true};
    snprintf(here.edited_by, sizeof here.edited_by, "%s", h.edited_by);
    const struct row_version *v = rows, *keep = NULL;
    size_t matches = 0;
    for (size_t i = 0; i <= n; i++) {
        const struct row_version *x = i < n ? &v[i] : &here;
        char whole[48], num[24];
        snprintf(whole, sizeof whole, "%lld@%.8s", (long long)x->version, x->edited_by);
        snprintf(num, sizeof num, "%lld", (long long)x->version);
        bool is_whole = token && !strcmp(token, whole);
        if (found && (is_whole || (token && !strcmp(token, num)))) {
            keep = x;
            matches += is_whole ? n + 1 : 1; /* a whole token is never ambiguous */
        }
    }
    if (!keep)
        r = st_err_set(err, ST_ERR_NOT_FOUND,
                       "The row %s has no version \"%.40s\" in conflict: give one `station sync --status` lists",
                       uuid, token ? token : "");
    else if (matches > 1 && !strchr(token, '@'))
        r = st_err_set(err, ST_ERR_ARG,
                       "Version %s of the row %s was made on more than one station: give VERSION@STATION as "
                       "`station sync --status` lists it",
                       token, uuid);
    else {
        struct row_resolve w = {t, uuid, token, keep, c.top > h.version ? c.top : h.version, therapist_id};
        r = store_tx(s, "settling the conflict", row_resolve_work, &w, err);
    }
    free(rows);
    return r;
}
