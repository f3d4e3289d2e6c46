/*
 * sync.c - the clinic server: connecting (and saying clearly why not), the server schema, and a sync's
 * push and pull (manual: station/sync/sync.h).
 *
 * Why plain libpq and SQL: the clinic's IT already runs, backs up and replicates PostgreSQL; a station
 * needs no server program of its own. Rows travel in text form (bytea as binary parameters going out,
 * hex coming back), one statement per row inside a batch's transaction: simple, and on a local
 * network the round trips are cheap next to the samples they carry (bench/bench_sync.c measures it).
 */
#include "station/sync/sync.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "station/store/store_sync.h"
#include "station/sync/pq.h"

/* Every push transaction takes this advisory lock (any constant; "STN" 15): sequence numbers are then
 * handed out in commit order. */
#define SYNC_PUSH_LOCK 5395022015LL

/* ------------------------------------------------------------------------------------------------ */
/* Talking to the server                                                                            */

struct conn {
    const struct pq_api *pq; /* libpq, loaded by conn_open (station/sync/pq.h) */
    PGconn *pg;
    char shown[512]; /* the URL as messages show it (masked) */
};

/* The first line of libpq's message, without the trailing newline, into out. */
static void first_line(const char *msg, char *out, size_t size)
{
    snprintf(out, size, "%s", msg ? msg : "");
    out[strcspn(out, "\n")] = '\0';
}

/* A failure of the server (a result or the connection) while `doing`, in words: the station role's
 * limits (SQLSTATE 42501), a lost connection, or the server's own first line. Returns ST_ERR_IO. */
static enum st_status server_fail(struct conn *c, PGresult *res, const char *doing, struct st_err *err)
{
    const struct pq_api *pq = c->pq;
    const char *state = res ? pq->resultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    char line[256];
    first_line(res && *pq->resultErrorMessage(res) ? pq->resultErrorMessage(res) : pq->errorMessage(c->pg), line,
               sizeof line);
    if (pq->status(c->pg) != CONNECTION_OK)
        return st_err_set(err, ST_ERR_IO,
                          "The connection to the clinic server %s was lost while %s: what was sent before is "
                          "kept there, nothing is lost here; run station sync again when it is back",
                          c->shown, doing);
    if (state && !strcmp(state, "42501"))
        return st_err_set(err, ST_ERR_IO,
                          "The clinic server %s refused while %s: the station's role may not do that (%s); "
                          "nothing is lost",
                          c->shown, doing, line);
    if (state && !strcmp(state, "42P01"))
        return st_err_set(err, ST_ERR_UNSUPPORTED,
                          "The clinic server %s has no station tables (%s): ask IT to run `station server "
                          "init --server URL` once",
                          c->shown, line);
    return st_err_set(err, ST_ERR_IO, "The clinic server %s failed while %s: %s", c->shown, doing, line);
}

static enum st_status conn_open(struct conn *c, const char *url, const char *shown, struct st_err *err)
{
    memset(c, 0, sizeof *c);
    snprintf(c->shown, sizeof c->shown, "%s", shown ? shown : "(the clinic server)");
    const struct pq_api *pq = NULL;
    enum st_status loaded = pq_api_get(&pq, err);
    if (loaded != ST_OK)
        return loaded;
    c->pq = pq;
    /* A station waits 5 s at most for an unreachable server unless the URL says otherwise. */
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {url, "5", "station", NULL};
    c->pg = pq->connectdbParams(keys, vals, 1);
    if (c->pg && pq->status(c->pg) == CONNECTION_OK)
        return ST_OK;
    char line[256];
    first_line(c->pg ? pq->errorMessage(c->pg) : "out of memory", line, sizeof line);
    /* libpq's words (either of two) for what a station can act on, and ours after "The clinic server URL
     * ...": the password, the certificate. */
    static const struct {
        const char *libpq[2], *ours;
    } known[] = {
        {{"password authentication failed", "no password supplied"},
         "refused the station's role and password: check them with the clinic's IT; the station keeps working "
         "offline and nothing is lost"},
        {{"certificate verify failed", NULL},
         "led to a server whose certificate the root certificate the URL names (sslrootcert) does not vouch "
         "for: ask the clinic's IT for the clinic's root certificate; the station keeps working offline and "
         "nothing is lost"},
        {{"root certificate file", NULL},
         "names a root certificate (sslrootcert) that cannot be read: give the path of the file the clinic's IT "
         "handed out; nothing is lost"},
        {{"does not match host name", NULL},
         "led to a server whose certificate was made for another name: put the name the certificate was made "
         "for in the URL, or ask the clinic's IT; nothing is lost"},
    };
    enum st_status r = ST_OK;
    for (size_t i = 0; r == ST_OK && i < sizeof known / sizeof known[0]; i++)
        for (size_t k = 0; r == ST_OK && k < 2; k++)
            if (known[i].libpq[k] && strstr(line, known[i].libpq[k]))
                r = st_err_set(err, ST_ERR_IO, "The clinic server URL %s %s", c->shown, known[i].ours);
    if (r == ST_OK && (strstr(line, "invalid") || strstr(line, "missing \"=\"") || strstr(line, "unrecognized")))
        r = st_err_set(err, ST_ERR_ARG, "The clinic server URL %s is not valid (%s)", c->shown, line);
    else if (r == ST_OK)
        r = st_err_set(err, ST_ERR_IO,
                       "The clinic server %s cannot be reached (%s): the station keeps working offline and "
                       "nothing is lost; sync again when the network is back",
                       c->shown, line);
    pq->finish(c->pg);
    c->pg = NULL;
    return r;
}

static void conn_close(struct conn *c)
{
    if (c->pq)
        c->pq->finish(c->pg);
    c->pg = NULL;
}

/* Runs sql (no parameters) expecting no rows; the failure in words. */
static enum st_status exec0(struct conn *c, const char *sql, const char *doing, struct st_err *err)
{
    const struct pq_api *pq = c->pq;
    PGresult *res = pq->exec(c->pg, sql);
    ExecStatusType st = pq->resultStatus(res);
    enum st_status r = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? ST_OK : server_fail(c, res, doing, err);
    pq->clear(res);
    return r;
}

/* Appends printf-style text to a growing buffer; false when memory ran out. */
struct sbuf {
    char *p;
    size_t len, cap;
};
static bool sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool sb_add(struct sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (w < 0)
            return false;
        if (b->p && b->len + (size_t)w < b->cap) {
            b->len += (size_t)w;
            return true;
        }
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)w;
        char *p = realloc(b->p, cap);
        if (!p)
            return false;
        b->p = p;
        b->cap = cap;
    }
}

static const char *pg_type(char kind)
{
    switch (kind) {
    case STORE_SYNC_INT:
        return "bigint";
    case STORE_SYNC_REAL:
        return "double precision";
    case STORE_SYNC_BLOB:
        return "bytea";
    default:
        return "text";
    }
}

/* The server's key of table t's rows. */
static const char *server_key(size_t t)
{
    return store_sync_tables[t].how == STORE_SYNC_VERSIONED ? "uuid, version, edited_by" : "uuid";
}

/* ------------------------------------------------------------------------------------------------ */
/* The server schema                                                                                */

static bool init_table_sql(struct sbuf *b, size_t t, const struct store_sync_col *cols, size_t n)
{
    const char *name = store_sync_tables[t].name;
    bool ok = sb_add(b,
                     "CREATE TABLE IF NOT EXISTS %s(seq bigint NOT NULL DEFAULT nextval('sync_seq'),"
                     " origin_role name NOT NULL DEFAULT current_user",
                     name);
    for (size_t i = 0; ok && i < n; i++)
        ok = sb_add(b, ", %s %s%s", cols[i].name, pg_type(cols[i].kind), i == 0 ? " NOT NULL" : "");
    ok = ok && sb_add(b, ", PRIMARY KEY(%s));", server_key(t));
    /* A later station schema adds columns: they are added here too (never dropped). */
    for (size_t i = 0; ok && i < n; i++)
        ok = sb_add(b, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s;", name, cols[i].name, pg_type(cols[i].kind));
    ok = ok && sb_add(b,
                      "CREATE INDEX IF NOT EXISTS %s_seq ON %s(seq);"
                      "ALTER TABLE %s ENABLE ROW LEVEL SECURITY;"
                      "DROP POLICY IF EXISTS station_read ON %s;"
                      "DROP POLICY IF EXISTS station_insert ON %s;"
                      "DROP POLICY IF EXISTS station_update ON %s;"
                      "CREATE POLICY station_read ON %s FOR SELECT TO station USING (true);"
                      "CREATE POLICY station_insert ON %s FOR INSERT TO station"
                      " WITH CHECK (origin_role = current_user);"
                      "REVOKE ALL ON %s FROM PUBLIC, station;"
                      "GRANT SELECT, INSERT, UPDATE ON %s TO station;"
                      "DROP TRIGGER IF EXISTS station_edit ON %s;"
                      "DROP TRIGGER IF EXISTS station_gone ON %s;",
                      name, name, name, name, name, name, name, name, name, name, name, name);
    const struct store_sync_table *tb = &store_sync_tables[t];
    /* A station updates its own rows; a mutable row of another station's too, but only the columns
     * station_edit_check lets it change (a rep's decision and annotation, never its measurement). */
    if (tb->how == STORE_SYNC_MUTABLE)
        ok = ok && sb_add(b,
                          "CREATE POLICY station_update ON %s FOR UPDATE TO station USING (true) WITH CHECK (true);"
                          "CREATE TRIGGER station_edit BEFORE UPDATE ON %s FOR EACH ROW"
                          " EXECUTE FUNCTION station_edit_check('%s', '%s');",
                          name, name, tb->others, tb->others_blank);
    else
        ok = ok && sb_add(b,
                          "CREATE POLICY station_update ON %s FOR UPDATE TO station"
                          " USING (origin_role = current_user) WITH CHECK (origin_role = current_user);",
                          name);
    /* A row of an erased patient sent by a station that had not heard of the erasure is refused (or
     * follows the merge); station_gone_check. */
    for (size_t i = 0; ok && i < n; i++)
        if (cols[i].ref && (!strcmp(cols[i].ref, "patients") || !strcmp(cols[i].ref, "sessions") ||
                            !strcmp(cols[i].ref, "repetitions"))) {
            ok = sb_add(b,
                        "CREATE TRIGGER station_gone BEFORE INSERT ON %s FOR EACH ROW"
                        " EXECUTE FUNCTION station_gone_check('%s', '%s');",
                        name, cols[i].name, cols[i].ref);
            break;
        }
    if (ok && store_sync_tables[t].how == STORE_SYNC_VERSIONED) /* a version of an erased patient */
        ok = sb_add(b, "CREATE TRIGGER station_gone BEFORE INSERT ON %s FOR EACH ROW"
                       " EXECUTE FUNCTION station_gone_check('uuid', 'tombstone');", name);
    if (ok && !strcmp(name, "audit"))
        ok = sb_add(b, "CREATE TRIGGER station_gone BEFORE INSERT ON audit FOR EACH ROW"
                       " EXECUTE FUNCTION station_gone_check('row_uuid', 'audit');");
    return ok;
}

/* What a station may do to rows it did not create, and the refused edits (sync_row_versions), made
 * before the tables that use them.
 *  - station_edit_check (a BEFORE UPDATE trigger on every mutable table; its arguments: the columns a
 *    station may change in another station's row, and those it may only blank): a station role
 *    changing another station's row outside those columns, or any row's origin_role or uuid, is
 *    refused (SQLSTATE 42501, as every other refusal of the station role). The owner and superusers
 *    are not stations: station_erase blanks and moves as it must.
 *  - station_gone_check (BEFORE INSERT on the tables whose rows belong to a patient, a session or a
 *    rep, and on patients): a row of an erased patient (or a version of them), sent by a station that
 *    had not heard of the erasure, is refused (the insert does nothing) or follows the merge; the
 *    audit's words about them are blanked.
 *  - sync_row_versions: an edit the server refused because it held another station's version of the
 *    row already (a conflict); kept so that nothing is lost, erased with its patient. */
static const char checks_sql[] =
    "CREATE OR REPLACE FUNCTION station_edit_check() RETURNS trigger LANGUAGE plpgsql AS $$"
    "DECLARE"
    " free text[] := string_to_array(TG_ARGV[0], ',') || string_to_array(TG_ARGV[1], ',')"
    "  || '{seq,version,edited_by}'::text[];"
    " c text;"
    " BEGIN"
    " IF NOT pg_has_role(current_user, 'station', 'MEMBER')"
    "  OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN RETURN NEW; END IF;"
    " IF NEW.origin_role IS DISTINCT FROM OLD.origin_role OR NEW.uuid IS DISTINCT FROM OLD.uuid THEN"
    "  RAISE EXCEPTION 'a station may not change who made a row of %', TG_TABLE_NAME USING ERRCODE = '42501';"
    " END IF;"
    " IF OLD.origin_role = current_user THEN RETURN NEW; END IF;"
    " IF (to_jsonb(NEW) - free) IS DISTINCT FROM (to_jsonb(OLD) - free) THEN"
    "  RAISE EXCEPTION 'a station may change only (%) of a row of % another station made', TG_ARGV[0], TG_TABLE_NAME"
    "   USING ERRCODE = '42501';"
    " END IF;"
    " FOREACH c IN ARRAY string_to_array(TG_ARGV[1], ',') LOOP"
    "  IF (to_jsonb(NEW) -> c) <> 'null'::jsonb AND (to_jsonb(NEW) -> c) IS DISTINCT FROM (to_jsonb(OLD) -> c) THEN"
    "   RAISE EXCEPTION 'a station may only blank % of a row of % another station made', c, TG_TABLE_NAME"
    "    USING ERRCODE = '42501';"
    "  END IF;"
    " END LOOP;"
    " RETURN NEW;"
    " END$$;"
    /* The row's own field, not to_jsonb(NEW): a rep's samples made that 13 KB of JSON per row (push 2x
     * slower). The argument names the kind; the column is the one the kind's tables use. */
    "CREATE OR REPLACE FUNCTION station_gone_check() RETURNS trigger LANGUAGE plpgsql AS $$"
    "DECLARE into_uuid text;"
    " BEGIN"
    " IF TG_ARGV[1] = 'patients' THEN"
    "  SELECT merged_into INTO into_uuid FROM sync_tombstones WHERE uuid = NEW.patient_id;"
    "  IF FOUND THEN"
    "   IF into_uuid IS NULL THEN RETURN NULL; END IF;"
    "   NEW.patient_id := into_uuid;"
    "  END IF;"
    " ELSIF TG_ARGV[1] = 'audit' THEN"
    "  IF EXISTS (SELECT 1 FROM sync_tombstones WHERE uuid = NEW.row_uuid) THEN"
    "   NEW.old_value := NULL; NEW.new_value := NULL; NEW.reason := NULL;"
    "  END IF;"
    " ELSIF TG_ARGV[1] = 'tombstone' THEN"
    "  IF EXISTS (SELECT 1 FROM sync_tombstones WHERE uuid = NEW.uuid) THEN RETURN NULL; END IF;"
    " ELSIF TG_ARGV[1] = 'sessions' THEN"
    "  IF NOT EXISTS (SELECT 1 FROM sessions WHERE uuid = NEW.session_id) THEN RETURN NULL; END IF;"
    " ELSIF NOT EXISTS (SELECT 1 FROM repetitions WHERE uuid = NEW.rep_id) THEN RETURN NULL;"
    " END IF;"
    " RETURN NEW;"
    " END$$;"
    "CREATE TABLE IF NOT EXISTS sync_row_versions(seq bigint NOT NULL DEFAULT nextval('sync_seq'),"
    " origin_role name NOT NULL DEFAULT current_user, tbl text NOT NULL, uuid text NOT NULL,"
    " version bigint NOT NULL, edited_by text NOT NULL, against_version bigint NOT NULL, against_editor text,"
    " vals jsonb, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY(tbl, uuid, version, edited_by));"
    "ALTER TABLE sync_row_versions ENABLE ROW LEVEL SECURITY;"
    "DROP POLICY IF EXISTS station_read ON sync_row_versions;"
    "DROP POLICY IF EXISTS station_insert ON sync_row_versions;"
    "DROP POLICY IF EXISTS station_update ON sync_row_versions;"
    "CREATE POLICY station_read ON sync_row_versions FOR SELECT TO station USING (true);"
    "CREATE POLICY station_insert ON sync_row_versions FOR INSERT TO station WITH CHECK (origin_role = current_user);"
    "CREATE POLICY station_update ON sync_row_versions FOR UPDATE TO station"
    " USING (origin_role = current_user) WITH CHECK (origin_role = current_user);"
    "REVOKE ALL ON sync_row_versions FROM PUBLIC, station;"
    "GRANT SELECT, INSERT, UPDATE ON sync_row_versions TO station;";

/* Erasure on the server. A station may not DELETE, so the tombstone it sends comes with a call of this
 * function, which runs with the owner's rights (SECURITY DEFINER) and acts only for a patient whose
 * tombstone is there: the patient's versions go, and with them (unless merged) the sessions, reps,
 * samples, events, notes and masses measured on them; the audit rows about them keep only that
 * something happened. A merge moves the sessions and masses to the kept patient instead (with new
 * sequence numbers, so every station pulls the move). Stations that have the rows erase them when
 * they pull the tombstone; stations that never had them never will. */
static const char erase_sql[] =
    "CREATE OR REPLACE FUNCTION station_erase(p text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER"
    " SET search_path = public AS $$"
    "DECLARE into_uuid text;"
    " BEGIN"
    " SELECT merged_into INTO into_uuid FROM sync_tombstones WHERE uuid = p;"
    " IF NOT FOUND THEN RAISE EXCEPTION 'no tombstone for this patient'; END IF;"
    " UPDATE audit SET old_value = NULL, new_value = NULL, reason = NULL, seq = nextval('sync_seq')"
    "  WHERE row_uuid = p OR row_uuid IN (SELECT uuid FROM sessions WHERE patient_id = p)"
    "  OR row_uuid IN (SELECT r.uuid FROM repetitions r JOIN sessions x ON x.uuid = r.session_id"
    "  WHERE x.patient_id = p);"
    " IF into_uuid IS NOT NULL THEN"
    "  UPDATE sessions SET patient_id = into_uuid, seq = nextval('sync_seq') WHERE patient_id = p;"
    "  UPDATE body_mass SET patient_id = into_uuid, seq = nextval('sync_seq') WHERE patient_id = p;"
    " ELSE"
    "  DELETE FROM sync_row_versions WHERE uuid IN (SELECT uuid FROM sessions WHERE patient_id = p)"
    "   OR uuid IN (SELECT r.uuid FROM repetitions r JOIN sessions x ON x.uuid = r.session_id"
    "   WHERE x.patient_id = p);"
    "  DELETE FROM rep_samples WHERE rep_id IN (SELECT r.uuid FROM repetitions r"
    "   JOIN sessions x ON x.uuid = r.session_id WHERE x.patient_id = p);"
    "  DELETE FROM repetitions WHERE session_id IN (SELECT uuid FROM sessions WHERE patient_id = p);"
    "  DELETE FROM session_events WHERE session_id IN (SELECT uuid FROM sessions WHERE patient_id = p);"
    "  DELETE FROM session_notes WHERE session_id IN (SELECT uuid FROM sessions WHERE patient_id = p);"
    "  DELETE FROM session_devices WHERE session_id IN (SELECT uuid FROM sessions WHERE patient_id = p);"
    "  DELETE FROM sessions WHERE patient_id = p;"
    "  DELETE FROM body_mass WHERE patient_id = p;"
    " END IF;"
    " DELETE FROM patients WHERE uuid = p;"
    " END$$;"
    "REVOKE ALL ON FUNCTION station_erase(text) FROM PUBLIC;"
    "GRANT EXECUTE ON FUNCTION station_erase(text) TO station;";

enum st_status sync_server_init(struct store *s, const char *url, const char *shown, struct st_err *err)
{
    struct conn c;
    enum st_status r = conn_open(&c, url, shown, err);
    if (r != ST_OK)
        return r;
    struct sbuf b = {0};
    bool ok = sb_add(&b,
                     "BEGIN;"
                     "SET LOCAL client_min_messages=warning;"
                     "CREATE TABLE IF NOT EXISTS station_schema(version integer NOT NULL);"
                     "LOCK TABLE station_schema;"
                     "DO $$BEGIN"
                     " IF (SELECT max(version) FROM station_schema) > %d THEN"
                     " RAISE EXCEPTION 'station_schema_newer';"
                     " END IF;"
                     " IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='station') THEN"
                     " CREATE ROLE station NOLOGIN;"
                     " END IF; END$$;"
                     "CREATE SEQUENCE IF NOT EXISTS sync_seq;"
                     "REVOKE ALL ON SEQUENCE sync_seq FROM PUBLIC;"
                     "GRANT USAGE ON SEQUENCE sync_seq TO station;"
                     "REVOKE ALL ON station_schema FROM PUBLIC;"
                     "GRANT SELECT ON station_schema TO station;",
                     SYNC_SERVER_SCHEMA_VERSION);
    ok = ok && sb_add(&b, "%s", checks_sql);
    for (size_t t = 0; ok && r == ST_OK && t < store_sync_table_count; t++) {
        struct store_sync_col cols[STORE_SYNC_MAX_COLS];
        size_t n = 0;
        r = store_sync_columns(s, t, cols, &n, err);
        ok = r == ST_OK && init_table_sql(&b, t, cols, n);
    }
    ok = ok && sb_add(&b, "%s", erase_sql);
    ok = ok && sb_add(&b,
                      "DELETE FROM station_schema;"
                      "INSERT INTO station_schema(version) VALUES(%d);"
                      "COMMIT;",
                      SYNC_SERVER_SCHEMA_VERSION);
    if (r == ST_OK && !ok)
        r = st_err_set(err, ST_ERR_NOMEM, NULL);
    if (r == ST_OK) {
        const struct pq_api *pq = c.pq;
        PGresult *res = pq->exec(c.pg, b.p);
        if (pq->resultStatus(res) != PGRES_COMMAND_OK) {
            if (strstr(pq->resultErrorMessage(res), "station_schema_newer"))
                r = st_err_set(err, ST_ERR_UNSUPPORTED,
                               "The clinic server %s holds a newer station schema than this station's (%d): "
                               "update this station",
                               c.shown, SYNC_SERVER_SCHEMA_VERSION);
            else
                r = server_fail(&c, res, "creating the station schema", err);
        }
        pq->clear(res);
    }
    free(b.p);
    conn_close(&c);
    return r;
}

/* The server's schema must be the one this station writes. */
static enum st_status check_schema(struct conn *c, struct st_err *err)
{
    const struct pq_api *pq = c->pq;
    PGresult *res = pq->exec(c->pg, "SELECT max(version) FROM station_schema");
    enum st_status r = ST_OK;
    if (pq->resultStatus(res) != PGRES_TUPLES_OK) {
        r = server_fail(c, res, "reading the server's schema version", err);
    } else {
        int v = pq->getisnull(res, 0, 0) ? 0 : (int)strtol(pq->getvalue(res, 0, 0), NULL, 10);
        if (v < SYNC_SERVER_SCHEMA_VERSION)
            r = st_err_set(err, ST_ERR_UNSUPPORTED,
                           "The clinic server %s holds station schema %d, this station needs %d: ask IT to run "
                           "`station server init --server URL` with this station's version",
                           c->shown, v, SYNC_SERVER_SCHEMA_VERSION);
        else if (v > SYNC_SERVER_SCHEMA_VERSION)
            r = st_err_set(err, ST_ERR_UNSUPPORTED,
                           "The clinic server %s holds station schema %d, newer than this station's %d: update "
                           "this station",
                           c->shown, v, SYNC_SERVER_SCHEMA_VERSION);
    }
    pq->clear(res);
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* Push                                                                                             */

struct push {
    struct conn *c;
    size_t t;
    char name[32], refuse[32]; /* the prepared upsert's and refusal's names on this connection */
    char sql[16384], refuse_sql[16384];
    const char *values[STORE_SYNC_MAX_COLS];
    int lengths[STORE_SYNC_MAX_COLS], formats[STORE_SYNC_MAX_COLS];
    size_t version_col, edited_col; /* a mutable table's version and edited_by among the values */
    struct store_sync_refusal *refused; /* this batch's edits the server refused */
    size_t nrefused, cap;
};

/* Whether col is one of the comma-separated names in list. */
static bool in_list(const char *list, const char *col)
{
    size_t n = strlen(col);
    for (const char *p = list; p && *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && !strncmp(p, col, n))
            return true;
        p += k + (p[k] == ',');
    }
    return false;
}

/* The upsert of a row of table t on the server: immutable rows and patient versions keep the first
 * copy; a mutable row takes a higher version (and a new sequence number, so others pull it again) -
 * of another station's row only the columns a station may change there (store_sync_table.others),
 * the rest staying as its maker sent it (a reference may name this station's alias of a device). A
 * mutable row's upsert returns a row when it was written; none when the server holds that version or
 * a higher one already. */
static bool push_sql(struct push *p, const struct store_sync_col *cols, size_t n)
{
    struct sbuf b = {0};
    const struct store_sync_table *tb = &store_sync_tables[p->t];
    const char *name = tb->name;
    bool ok = sb_add(&b, "INSERT INTO %s(", name);
    for (size_t i = 0; ok && i < n; i++)
        ok = sb_add(&b, "%s%s", i ? ", " : "", cols[i].name);
    ok = ok && sb_add(&b, ") VALUES(");
    for (size_t i = 0; ok && i < n; i++)
        ok = sb_add(&b, "%s$%zu", i ? ", " : "", i + 1);
    ok = ok && sb_add(&b, ") ON CONFLICT (%s) DO ", server_key(p->t));
    if (tb->how == STORE_SYNC_MUTABLE) {
        ok = ok && sb_add(&b, "UPDATE SET seq=nextval('sync_seq')");
        for (size_t i = 1; ok && i < n; i++) {
            const char *c = cols[i].name;
            if (!strcmp(c, "version") || !strcmp(c, "edited_by") || in_list(tb->others, c))
                ok = sb_add(&b, ", %s=EXCLUDED.%s", c, c);
            else
                ok = sb_add(&b, ", %s=CASE WHEN %s.origin_role=current_user%s%s%s THEN EXCLUDED.%s ELSE %s.%s END", c,
                            name, in_list(tb->others_blank, c) ? " OR EXCLUDED." : "",
                            in_list(tb->others_blank, c) ? c : "", in_list(tb->others_blank, c) ? " IS NULL" : "", c,
                            name, c);
        }
        ok = ok && sb_add(&b, " WHERE %s.version < EXCLUDED.version RETURNING 1", name);
    } else {
        ok = ok && sb_add(&b, "NOTHING");
    }
    ok = ok && b.len < sizeof p->sql;
    if (ok)
        memcpy(p->sql, b.p, b.len + 1);
    free(b.p);
    return ok;
}

/* A mutable row's edit the upsert did not write: unless the server holds this very version (sent
 * again after a kill), another station's came first. The refused version is kept on the server
 * (sync_row_versions, its values as text); the statement returns the version it was refused against. */
static bool refuse_sql(struct push *p, const struct store_sync_col *cols, size_t n)
{
    struct sbuf b = {0};
    const char *name = store_sync_tables[p->t].name;
    bool ok = sb_add(&b,
                     "INSERT INTO sync_row_versions(tbl, uuid, version, edited_by, against_version, against_editor,"
                     " vals) SELECT '%s', t.uuid, $%zu::bigint, $%zu, t.version, t.edited_by, jsonb_object(ARRAY[",
                     name, p->version_col + 1, p->edited_col + 1);
    for (size_t i = 0; ok && i < n; i++)
        ok = sb_add(&b, "%s'%s'", i ? ", " : "", cols[i].name);
    ok = ok && sb_add(&b, "]::text[], ARRAY[");
    for (size_t i = 0; ok && i < n; i++)
        ok = sb_add(&b, "%s$%zu", i ? ", " : "", i + 1);
    ok = ok && sb_add(&b,
                      "]::text[]) FROM %s t WHERE t.uuid=$1 AND (t.version<>$%zu::bigint OR t.edited_by IS DISTINCT"
                      " FROM $%zu) ON CONFLICT (tbl, uuid, version, edited_by) DO UPDATE SET"
                      " against_version=sync_row_versions.against_version RETURNING against_version",
                      name, p->version_col + 1, p->edited_col + 1);
    ok = ok && b.len < sizeof p->refuse_sql;
    if (ok)
        memcpy(p->refuse_sql, b.p, b.len + 1);
    free(b.p);
    return ok;
}

/* The upsert wrote nothing: records the refusal, if it is one. */
static enum st_status push_refused(struct push *p, const struct store_sync_val *vals, size_t n, struct st_err *err)
{
    const struct pq_api *pq = p->c->pq;
    PGresult *res = pq->execPrepared(p->c->pg, p->refuse, (int)n, p->values, p->lengths, p->formats, 0);
    enum st_status r =
        pq->resultStatus(res) == PGRES_TUPLES_OK ? ST_OK : server_fail(p->c, res, "keeping a refused edit", err);
    if (r == ST_OK && pq->ntuples(res) == 1) {
        if (p->nrefused == p->cap) {
            size_t cap = p->cap ? 2 * p->cap : 16;
            struct store_sync_refusal *a = realloc(p->refused, cap * sizeof *a);
            if (!a) {
                pq->clear(res);
                return st_err_set(err, ST_ERR_NOMEM, NULL);
            }
            p->refused = a;
            p->cap = cap;
        }
        struct store_sync_refusal *f = &p->refused[p->nrefused++];
        snprintf(f->uuid, sizeof f->uuid, "%s", vals[0].p);
        f->version = strtoll(vals[p->version_col].p, NULL, 10);
        f->against = strtoll(pq->getvalue(res, 0, 0), NULL, 10);
    }
    pq->clear(res);
    return r;
}

static enum st_status push_row(void *ctx, const struct store_sync_val *vals, size_t n, struct st_err *err)
{
    struct push *p = ctx;
    const struct pq_api *pq = p->c->pq;
    for (size_t i = 0; i < n; i++) {
        p->values[i] = vals[i].null ? NULL : vals[i].p;
        p->lengths[i] = (int)vals[i].n;
    }
    bool mutable = store_sync_tables[p->t].how == STORE_SYNC_MUTABLE;
    PGresult *res = pq->execPrepared(p->c->pg, p->name, (int)n, p->values, p->lengths, p->formats, 0);
    enum st_status r = pq->resultStatus(res) == (mutable ? PGRES_TUPLES_OK : PGRES_COMMAND_OK)
                           ? ST_OK
                           : server_fail(p->c, res, "sending rows", err);
    bool written = r == ST_OK && (!mutable || pq->ntuples(res) > 0);
    pq->clear(res);
    if (r == ST_OK && !written)
        r = push_refused(p, vals, n, err);
    if (r == ST_OK && store_sync_tables[p->t].how == STORE_SYNC_TOMBSTONE) { /* erased on the server too */
        res = pq->execParams(p->c->pg, "SELECT station_erase($1)", 1, NULL, p->values, NULL, NULL, 0);
        r = pq->resultStatus(res) == PGRES_TUPLES_OK ? ST_OK : server_fail(p->c, res, "erasing a patient", err);
        pq->clear(res);
    }
    return r;
}

/* Prepares statement `name` (sql, n parameters: their types from the statement, or all text) on the
 * connection. */
static enum st_status prepare(struct conn *c, const char *name, const char *sql, int n, bool text,
                              struct st_err *err)
{
    const struct pq_api *pq = c->pq;
    Oid types[STORE_SYNC_MAX_COLS];
    for (int i = 0; i < n && i < STORE_SYNC_MAX_COLS; i++)
        types[i] = 25; /* text: the refusal uses each value as text and casts where it compares */
    PGresult *res = pq->prepare(c->pg, name, sql, n, text ? types : NULL);
    enum st_status r =
        pq->resultStatus(res) == PGRES_COMMAND_OK ? ST_OK : server_fail(c, res, "preparing to send rows", err);
    pq->clear(res);
    return r;
}

static enum st_status push_table(struct store *s, struct conn *c, size_t t, size_t batch, volatile const sig_atomic_t *stop,
                                 int64_t *pushed, struct st_err *err)
{
    struct push *p = calloc(1, sizeof *p);
    if (!p)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    p->c = c;
    p->t = t;
    struct store_sync_col cols[STORE_SYNC_MAX_COLS];
    size_t n = 0;
    enum st_status r = store_sync_columns(s, t, cols, &n, err);
    if (r == ST_OK && !push_sql(p, cols, n))
        r = st_err_set(err, ST_ERR_INTERNAL, "the server upsert of %s is too long", store_sync_tables[t].name);
    for (size_t i = 0; i < n; i++) {
        p->formats[i] = cols[i].kind == STORE_SYNC_BLOB;
        if (!strcmp(cols[i].name, "version"))
            p->version_col = i;
        if (!strcmp(cols[i].name, "edited_by"))
            p->edited_col = i;
    }
    bool mutable = store_sync_tables[t].how == STORE_SYNC_MUTABLE;
    if (r == ST_OK && mutable && (!p->version_col || !p->edited_col || !refuse_sql(p, cols, n)))
        r = st_err_set(err, ST_ERR_INTERNAL, "the server refusal of %s cannot be made", store_sync_tables[t].name);
    /* Parsed and planned once per table, not once per row. */
    snprintf(p->name, sizeof p->name, "push_%zu", t);
    snprintf(p->refuse, sizeof p->refuse, "refuse_%zu", t);
    if (r == ST_OK)
        r = prepare(c, p->name, p->sql, (int)n, false, err);
    if (r == ST_OK && mutable)
        r = prepare(c, p->refuse, p->refuse_sql, (int)n, true, err);
    char lock[96];
    snprintf(lock, sizeof lock, "BEGIN; SELECT pg_advisory_xact_lock(%lld)", SYNC_PUSH_LOCK);
    for (size_t count = batch; r == ST_OK && count == batch && !(stop && *stop);) {
        int64_t last = 0;
        p->nrefused = 0;
        r = exec0(c, lock, "starting to send rows", err);
        if (r == ST_OK)
            r = store_sync_push_batch(s, t, batch, push_row, p, &last, &count, err);
        if (r == ST_OK)
            r = exec0(c, "COMMIT", "sending rows", err);
        else if (c->pq->status(c->pg) == CONNECTION_OK)
            exec0(c, "ROLLBACK", "sending rows", NULL);
        /* Only what the server committed is marked sent. */
        if (r == ST_OK && count)
            r = store_sync_mark_pushed(s, t, last, p->refused, p->nrefused, err);
        if (r == ST_OK)
            *pushed += (int64_t)count;
    }
    free(p->refused);
    free(p);
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* Pull                                                                                             */

struct pull {
    const struct pq_api *pq;
    PGresult *res;
    const struct store_sync_col *cols;
    size_t ncols;
    unsigned char *blobs[STORE_SYNC_MAX_COLS]; /* the current row's decoded bytea values */
};

static void pull_get(void *ctx, size_t i, struct store_sync_val *vals)
{
    struct pull *p = ctx;
    const struct pq_api *pq = p->pq;
    for (size_t k = 0; k < p->ncols; k++) {
        int col = (int)k + 1; /* column 0 is seq */
        struct store_sync_val *v = &vals[k];
        pq->freemem(p->blobs[k]);
        p->blobs[k] = NULL;
        v->null = pq->getisnull(p->res, (int)i, col);
        v->p = pq->getvalue(p->res, (int)i, col);
        v->n = (size_t)pq->getlength(p->res, (int)i, col);
        if (!v->null && p->cols[k].kind == STORE_SYNC_BLOB) {
            size_t len = 0;
            p->blobs[k] = pq->unescapeBytea((const unsigned char *)v->p, &len);
            v->p = p->blobs[k] ? (const char *)p->blobs[k] : "";
            v->n = p->blobs[k] ? len : 0;
        }
    }
}

static enum st_status pull_table(struct store *s, struct conn *c, size_t t, const char *me, size_t batch,
                                 volatile const sig_atomic_t *stop, struct store_sync_counts *counts, int64_t *pulled,
                                 struct st_err *err)
{
    struct store_sync_col cols[STORE_SYNC_MAX_COLS];
    size_t n = 0;
    int64_t mark = 0;
    enum st_status r = store_sync_columns(s, t, cols, &n, err);
    if (r == ST_OK)
        r = store_sync_pulled_mark(s, t, &mark, err);
    if (r != ST_OK)
        return r;
    struct sbuf b = {0};
    bool ok = sb_add(&b, "SELECT seq");
    for (size_t i = 0; ok && i < n; i++)
        ok = sb_add(&b, ", %s", cols[i].name);
    enum store_sync_how how = store_sync_tables[t].how;
    ok = ok && sb_add(&b, " FROM %s WHERE seq > $1 AND %s <> $2 ORDER BY seq LIMIT $3", store_sync_tables[t].name,
                      how == STORE_SYNC_IMMUTABLE ? "origin" : "edited_by"); /* what this station sent */
    if (!ok) {
        free(b.p);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    const struct pq_api *pq = c->pq;
    struct pull p = {.pq = pq, .cols = cols, .ncols = n};
    for (int rows = (int)batch; r == ST_OK && rows == (int)batch && !(stop && *stop);) {
        char after[32], limit[32];
        snprintf(after, sizeof after, "%lld", (long long)mark);
        snprintf(limit, sizeof limit, "%zu", batch);
        const char *params[3] = {after, me, limit};
        p.res = pq->execParams(c->pg, b.p, 3, NULL, params, NULL, NULL, 0);
        if (pq->resultStatus(p.res) != PGRES_TUPLES_OK) {
            r = server_fail(c, p.res, "receiving rows", err);
        } else if ((rows = pq->ntuples(p.res)) > 0) {
            int64_t last = strtoll(pq->getvalue(p.res, rows - 1, 0), NULL, 10);
            int64_t before = counts->written + counts->conflicts + counts->erased;
            r = store_sync_pull_batch(s, t, cols, n, (size_t)rows, pull_get, &p, last, counts, err);
            if (r == ST_OK) {
                mark = last;
                *pulled += counts->written + counts->conflicts + counts->erased - before;
            }
        }
        pq->clear(p.res);
        p.res = NULL;
    }
    for (size_t k = 0; k < n; k++)
        pq->freemem(p.blobs[k]);
    free(b.p);
    return r;
}

/* The edits other stations sent that the server refused (sync_row_versions), after this station's
 * mark, in batches: the station that holds the version one met keeps it as a conflict. */
static enum st_status pull_refused(struct store *s, struct conn *c, const char *me, size_t batch,
                                   volatile const sig_atomic_t *stop, struct store_sync_counts *counts,
                                   struct st_err *err)
{
    const struct pq_api *pq = c->pq;
    int64_t mark = 0;
    enum st_status r = store_sync_refused_mark(s, &mark, err);
    struct store_sync_refused *rows = r == ST_OK ? calloc(batch, sizeof *rows) : NULL;
    if (r == ST_OK && !rows)
        r = st_err_set(err, ST_ERR_NOMEM, NULL);
    for (int n = (int)batch; r == ST_OK && n == (int)batch && !(stop && *stop);) {
        char after[32], limit[32];
        snprintf(after, sizeof after, "%lld", (long long)mark);
        snprintf(limit, sizeof limit, "%zu", batch);
        const char *params[3] = {after, me, limit};
        PGresult *res = pq->execParams(c->pg,
                                     "SELECT seq, tbl, uuid, version, edited_by, against_version, against_editor,"
                                     " vals::text FROM sync_row_versions WHERE seq > $1 AND edited_by <> $2"
                                     " ORDER BY seq LIMIT $3",
                                     3, NULL, params, NULL, NULL, 0);
        if (pq->resultStatus(res) != PGRES_TUPLES_OK) {
            r = server_fail(c, res, "receiving refused edits", err);
        } else if ((n = pq->ntuples(res)) > 0) {
            for (int i = 0; i < n; i++)
                rows[i] = (struct store_sync_refused){
                    .table = pq->getvalue(res, i, 1),
                    .uuid = pq->getvalue(res, i, 2),
                    .version = strtoll(pq->getvalue(res, i, 3), NULL, 10),
                    .edited_by = pq->getvalue(res, i, 4),
                    .against = strtoll(pq->getvalue(res, i, 5), NULL, 10),
                    .against_editor = pq->getvalue(res, i, 6),
                    .vals = pq->getisnull(res, i, 7) ? NULL : pq->getvalue(res, i, 7),
                };
            mark = strtoll(pq->getvalue(res, n - 1, 0), NULL, 10);
            r = store_sync_pull_refused(s, rows, (size_t)n, mark, counts, err);
        }
        pq->clear(res);
    }
    free(rows);
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* A sync                                                                                           */

enum st_status sync_run(struct store *s, const char *url, const char *shown, const struct sync_opts *opts,
                        struct sync_result *out, struct st_err *err)
{
    memset(out, 0, sizeof *out);
    int64_t t0 = st_now_ns();
    size_t batch = opts && opts->batch_rows ? opts->batch_rows : 200;
    volatile const sig_atomic_t *stop = opts ? opts->stop : NULL;
    char me[STORE_UUID_SIZE];
    struct conn c;
    memset(&c, 0, sizeof c);
    snprintf(c.shown, sizeof c.shown, "%s", shown ? shown : "(the clinic server)");
    enum st_status r = store_station_uuid(s, me, err);
    if (r == ST_OK)
        r = conn_open(&c, url, shown, err);
    if (r == ST_OK)
        r = check_schema(&c, err);
    for (size_t t = 0; r == ST_OK && t < store_sync_table_count; t++)
        r = push_table(s, &c, t, batch, stop, &out->pushed, err);
    /* One consistent picture of every table: a row's references are pulled before it, in this order. */
    if (r == ST_OK)
        r = exec0(&c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "receiving rows", err);
    struct store_sync_counts counts = {0};
    for (size_t t = 0; r == ST_OK && t < store_sync_table_count; t++)
        r = pull_table(s, &c, t, me, batch, stop, &counts, &out->pulled, err);
    if (r == ST_OK) /* after the rows: a refused edit is kept beside the version it met */
        r = pull_refused(s, &c, me, batch, stop, &counts, err);
    if (r == ST_OK)
        r = exec0(&c, "COMMIT", "receiving rows", err);
    out->conflicts = counts.conflicts; /* a refused edit shows when the version it met is pulled */
    out->erased = counts.erased;
    out->skipped = counts.skipped;
    if (r == ST_OK && stop && *stop)
        r = st_err_set(err, ST_ERR_ABORTED,
                       "Sync stopped after pushing %lld and pulling %lld row(s): what was sent and received is "
                       "kept; run station sync again to finish",
                       (long long)out->pushed, (long long)out->pulled);
    conn_close(&c);
    out->seconds = (double)(st_now_ns() - t0) / 1e9;
    /* The outcome is recorded for --status; a failure to record it must not hide the sync's own. */
    if (r != ST_OK && err)
        store_sync_record(s, c.shown, false, st_err_msg(err), NULL);
    else if (r == ST_OK)
        store_sync_record(s, c.shown, true, NULL, NULL);
    return r;
}
