/*
 * store_schema.c - the tables of the station's database and the migrations between their versions.
 *
 * The version lives in PRAGMA user_version. store_open calls store_schema_migrate inside one BEGIN
 * IMMEDIATE transaction, so a migration either happens whole or not at all, and two stations opening
 * an old file at once cannot both migrate it. Adding version 2 is adding one row to `migrations`
 * (SQL text, a function, or both) and raising STORE_SCHEMA_VERSION; tests/test_store.c keeps a
 * hand-written SQL fixture of every earlier version and migrates each forward.
 *
 * Why these choices:
 *  - Integer keys for joins, plus a UUID on every patient, session, rep, device and therapist: the
 *    clinic server sync merges stations by UUID.
 *  - Every metric of struct met_result has its own column (NULL where the metric is null), so history
 *    queries and exports need no recomputation and a later metric change cannot alter old results.
 *  - Raw samples live in their own table, one BLOB per rep (see store.h for the encoding), so listing
 *    reps never reads the traces.
 *  - ON DELETE CASCADE from patient to body masses, sessions, reps and samples: erasing a patient
 *    (store_patient_delete) removes everything measured on them in one statement.
 *  - Indexes serve `station sessions [--patient]`, `station show`, and the trend query; the balance
 *    `station sessions` lists is kept per session in session_summary (version 8, store_summary.c).
 */
#include "station/store/store_internal.h"

#include <stdio.h>

static const char schema_v1[] =
    "CREATE TABLE therapists("
    " id INTEGER PRIMARY KEY,"
    " uuid TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL);"

    "CREATE TABLE patients("
    " id INTEGER PRIMARY KEY,"
    " uuid TEXT NOT NULL UNIQUE,"
    " display_name TEXT NOT NULL,"
    " clinic_ref TEXT,"
    " birth_date TEXT NOT NULL,"
    " sex TEXT NOT NULL CHECK(sex IN ('F','M','X')),"
    " dominant_side TEXT CHECK(dominant_side IN ('L','R')),"
    " leg_length_m REAL,"
    " lever_m REAL,"
    " notes TEXT,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL);"
    "CREATE INDEX patients_name ON patients(display_name);"

    "CREATE TABLE body_mass("
    " id INTEGER PRIMARY KEY,"
    " patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,"
    " mass_kg REAL NOT NULL CHECK(mass_kg > 0),"
    " measured TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX body_mass_patient ON body_mass(patient_id, measured);"

    "CREATE TABLE devices("
    " id INTEGER PRIMARY KEY,"
    " uuid TEXT NOT NULL UNIQUE,"
    " family TEXT NOT NULL,"
    " model TEXT,"
    " serial TEXT NOT NULL,"
    " firmware TEXT,"
    " capacity_n REAL,"
    " unit TEXT,"
    " created INTEGER NOT NULL,"
    " UNIQUE(family, serial));"

    "CREATE TABLE calibrations("
    " id INTEGER PRIMARY KEY,"
    " device_id INTEGER NOT NULL REFERENCES devices(id),"
    " checked INTEGER NOT NULL,"
    " reference_kg REAL NOT NULL,"
    " reading_n REAL NOT NULL,"
    " error_pct REAL,"
    " ok INTEGER NOT NULL,"
    " therapist_id INTEGER REFERENCES therapists(id));"
    "CREATE INDEX calibrations_device ON calibrations(device_id, checked);"

    "CREATE TABLE protocols("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " sha256 TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX protocols_name ON protocols(name);"

    "CREATE TABLE sessions("
    " id INTEGER PRIMARY KEY,"
    " uuid TEXT NOT NULL UNIQUE,"
    " patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,"
    " therapist_id INTEGER REFERENCES therapists(id),"
    " protocol_id INTEGER REFERENCES protocols(id),"
    " position TEXT,"
    " mode TEXT,"
    " seed INTEGER,"
    " body_mass_kg REAL,"
    " lever_m REAL,"
    " started INTEGER NOT NULL,"
    " ended INTEGER,"
    " status TEXT NOT NULL CHECK(status IN ('running','complete','aborted','interrupted')),"
    " sample_rate_hz REAL,"
    " jitter_ms REAL,"
    " drops INTEGER,"
    " bad_lines INTEGER);"
    "CREATE INDEX sessions_patient ON sessions(patient_id, started);"
    "CREATE INDEX sessions_started ON sessions(started);"
    "CREATE INDEX sessions_protocol ON sessions(protocol_id, patient_id);"

    "CREATE TABLE session_devices("
    " session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " channel INTEGER NOT NULL,"
    " device_id INTEGER NOT NULL REFERENCES devices(id),"
    " PRIMARY KEY(session_id, channel)) WITHOUT ROWID;"

    "CREATE TABLE repetitions("
    " id INTEGER PRIMARY KEY,"
    " uuid TEXT NOT NULL UNIQUE,"
    " session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " sequence INTEGER NOT NULL,"
    " block_index INTEGER NOT NULL,"
    " index_in_block INTEGER NOT NULL,"
    " direction TEXT NOT NULL CHECK(direction IN ('adduction','abduction')),"
    " side TEXT NOT NULL CHECK(side IN ('left','right','both')),"
    " familiarisation INTEGER NOT NULL,"
    " status TEXT NOT NULL CHECK(status IN ('accepted','pending','rejected','interrupted')),"
    " counts INTEGER NOT NULL,"
    " flags INTEGER NOT NULL,"
    " contraction INTEGER NOT NULL,"
    " n_samples INTEGER NOT NULL,"
    " sample_rate_hz REAL,"
    " baseline_n REAL,"
    " baseline_sd_n REAL,"
    " threshold_n REAL,"
    " onset_s REAL,"
    " peak_n REAL,"
    " peak_s REAL,"
    " time_to_peak_s REAL,"
    " release_s REAL,"
    " rfd_0_50_n_per_s REAL,"
    " rfd_0_100_n_per_s REAL,"
    " rfd_0_200_n_per_s REAL,"
    " best_1s_mean_n REAL,"
    " impulse_n_s REAL,"
    " peak_n_per_kg REAL,"
    " torque_nm REAL,"
    " torque_nm_per_kg REAL,"
    " lever_m REAL,"
    " body_mass_kg REAL,"
    " tare_n REAL,"
    " pain INTEGER CHECK(pain IS NULL OR (pain BETWEEN 0 AND 10)),"
    " note TEXT,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX repetitions_session ON repetitions(session_id, sequence);"

    "CREATE TABLE rep_samples("
    " rep_id INTEGER PRIMARY KEY REFERENCES repetitions(id) ON DELETE CASCADE,"
    " n INTEGER NOT NULL,"
    " rate_hz REAL,"
    " drops INTEGER NOT NULL,"
    " encoding TEXT NOT NULL,"
    " data BLOB NOT NULL);"

    "CREATE TABLE audit("
    " id INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " therapist_id INTEGER REFERENCES therapists(id),"
    " tbl TEXT NOT NULL,"
    " row_uuid TEXT NOT NULL,"
    " action TEXT NOT NULL CHECK(action IN ('create','edit','accept','reject','delete')),"
    " field TEXT,"
    " old_value TEXT,"
    " new_value TEXT,"
    " reason TEXT);"
    "CREATE INDEX audit_row ON audit(row_uuid, id);";

const struct store_table store_schema_tables[] = {
    {"therapists", 1},   {"patients", 1},      {"body_mass", 1}, {"devices", 1},
    {"calibrations", 1}, {"protocols", 1},     {"sessions", 1},  {"session_devices", 1},
    {"repetitions", 1},  {"rep_samples", 1},   {"audit", 1},     {"session_events", 3},
    {"session_notes", 4}, {"sync_meta", 5},     {"sync_marks", 5}, {"sync_alias", 5},
    {"sync_tombstones", 5}, {"sync_conflicts", 5}, {"session_summary", 8}, {"session_summary_stale", 8},
    {"sync_row_conflicts", 9},
    {NULL, 0},
};

/* One step: from version `to - 1` to `to`. sql runs first (may be NULL), then fn (may be NULL). */
struct migration {
    int to;
    const char *sql;
    enum st_status (*fn)(struct store *s, const char *doing, struct st_err *err);
};

/* Version 2: which station (host name and process id) runs a session, so a station can tell its own
 * sessions left 'running' by a crash or a pulled plug from another station's live ones sharing the
 * file, and mark them 'interrupted' (store_sessions_close_orphans). Older sessions keep NULLs. */
static const char schema_v2[] = "ALTER TABLE sessions ADD COLUMN host TEXT;"
                                "ALTER TABLE sessions ADD COLUMN pid INTEGER;"
                                "CREATE INDEX sessions_status ON sessions(status);";

/* Version 3: the flow of a session as the engine walked it (every state change, tare, extra rep, block
 * end, device lost/back): what the screen showed, kept with the results. at_ms counts from the start.
 * IF NOT EXISTS: builds made during its development created it as part of version 2. */
static const char schema_v3[] =
    "CREATE TABLE IF NOT EXISTS session_events("
    " id INTEGER PRIMARY KEY,"
    " session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " at_ms INTEGER NOT NULL,"
    " kind TEXT NOT NULL,"
    " state TEXT,"
    " detail TEXT);"
    "CREATE INDEX IF NOT EXISTS session_events_session ON session_events(session_id, id);";

/* Version 4: the therapist's notes on a session, printed in its report (store_note_add). Added, never
 * edited: a correction is a new note; each one is audited with the session's UUID. */
static const char schema_v4[] =
    "CREATE TABLE session_notes("
    " id INTEGER PRIMARY KEY,"
    " uuid TEXT NOT NULL UNIQUE,"
    " session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    " therapist_id INTEGER REFERENCES therapists(id),"
    " created INTEGER NOT NULL,"
    " text TEXT NOT NULL);"
    "CREATE INDEX session_notes_session ON session_notes(session_id, id);";

/* Version 5: sync with the clinic server (station/sync, station/store/store_sync.h).
 *  - sync_meta: this station's UUID (made once, here), the local change counter `seq`, the `pulling`
 *    switch and the last sync's outcome. `pulling` is 1 only inside the transactions that write rows
 *    pulled from the server, so no other connection ever sees it set.
 *  - Every synced table gets a uuid where it had none, the station that created the row (origin), the
 *    station of its last edit (edited_by), a version (1, then +1 per edit) and lseq, the value of the
 *    change counter at the row's last local change: a push sends the rows whose lseq passed the
 *    table's mark in sync_marks. Triggers keep these, so no write of the store had to change; they
 *    stand still while `pulling`, so a pulled row is neither re-sent nor counted as an edit.
 *    (Recursive triggers are off: the UPDATE inside a trigger does not fire it again; the edit trigger
 *    also skips updates that moved lseq, which is what the insert trigger does.)
 *  - sync_tombstones: a patient erased here (the delete trigger) or on another station; pushed as a
 *    tombstone so every station erases them at its next sync, and never brought back by a pull.
 *  - sync_alias: a pulled row that is the same thing as a local one under another UUID (the same device
 *    registered on two stations, the same therapist or protocol text; a merged patient).
 *  - sync_conflicts: another station's version of a patient with the same version number as ours
 *    (both edited before syncing): kept until `patient resolve` settles it.
 * Rows from before version 5 were made by this station: they get its UUID and lseq 1 (all waiting). */
#define V5_UUID                                                                                              \
    "lower(hex(randomblob(4))||'-'||hex(randomblob(2))||'-4'||substr(hex(randomblob(2)),2)||'-'||"          \
    "substr('89ab',1+abs(random()%4),1)||substr(hex(randomblob(2)),2)||'-'||hex(randomblob(6)))"
#define V5_ME "(SELECT station_uuid FROM sync_meta)"
#define V5_LOCAL "(SELECT pulling FROM sync_meta)=0"
#define V5_COLS(T)                                                                                           \
    "ALTER TABLE " T " ADD COLUMN origin TEXT;"                                                              \
    "ALTER TABLE " T " ADD COLUMN edited_by TEXT;"                                                           \
    "ALTER TABLE " T " ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"                                       \
    "ALTER TABLE " T " ADD COLUMN lseq INTEGER NOT NULL DEFAULT 0;"
#define V5_UUID_COL(T)                                                                                       \
    "ALTER TABLE " T " ADD COLUMN uuid TEXT;"                                                                \
    "UPDATE " T " SET uuid=" V5_UUID ";"                                                                     \
    "CREATE UNIQUE INDEX " T "_uuid ON " T "(uuid);"
#define V5_TRIGGERS(T, W)                                                                                    \
    "UPDATE " T " SET origin=" V5_ME ", edited_by=" V5_ME ", lseq=1;"                                        \
    "CREATE INDEX " T "_lseq ON " T "(lseq);"                                                                \
    "CREATE TRIGGER " T "_sync_new AFTER INSERT ON " T " WHEN " V5_LOCAL " BEGIN"                             \
    " UPDATE sync_meta SET seq=seq+1;"                                                                       \
    " UPDATE " T " SET uuid=coalesce(NEW.uuid," V5_UUID "), origin=coalesce(NEW.origin," V5_ME "),"          \
    " edited_by=" V5_ME ", lseq=(SELECT seq FROM sync_meta) WHERE " W "; END;"                               \
    "CREATE TRIGGER " T "_sync_edit AFTER UPDATE ON " T " WHEN " V5_LOCAL " AND NEW.lseq=OLD.lseq BEGIN"      \
    " UPDATE sync_meta SET seq=seq+1;"                                                                       \
    " UPDATE " T " SET version=OLD.version+1, edited_by=" V5_ME ", lseq=(SELECT seq FROM sync_meta)"         \
    " WHERE " W "; END;"
#define V5_TABLE(T) V5_COLS(T) V5_TRIGGERS(T, "rowid=NEW.rowid")
#define V5_NEW_UUID_TABLE(T) V5_COLS(T) V5_UUID_COL(T) V5_TRIGGERS(T, "rowid=NEW.rowid")
static const char schema_v5[] =
    "CREATE TABLE sync_meta("
    " id INTEGER PRIMARY KEY CHECK(id=1),"
    " station_uuid TEXT NOT NULL,"
    " pulling INTEGER NOT NULL DEFAULT 0,"
    " seq INTEGER NOT NULL DEFAULT 1,"
    " server TEXT,"
    " last_success INTEGER,"
    " last_error TEXT);"
    "INSERT INTO sync_meta(id, station_uuid) VALUES(1, " V5_UUID ");"
    "CREATE TABLE sync_marks("
    " tbl TEXT PRIMARY KEY,"
    " pushed INTEGER NOT NULL DEFAULT 0,"
    " pulled INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE sync_alias("
    " tbl TEXT NOT NULL,"
    " uuid TEXT NOT NULL,"
    " local_id INTEGER NOT NULL,"
    " PRIMARY KEY(tbl, uuid)) WITHOUT ROWID;"
    "CREATE TABLE sync_tombstones("
    " uuid TEXT PRIMARY KEY,"
    " version INTEGER NOT NULL,"
    " origin TEXT NOT NULL,"
    " edited_by TEXT NOT NULL,"
    " merged_into TEXT,"
    " at INTEGER NOT NULL,"
    " lseq INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE sync_conflicts("
    " id INTEGER PRIMARY KEY,"
    " patient_uuid TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " edited_by TEXT NOT NULL,"
    " display_name TEXT, clinic_ref TEXT, birth_date TEXT, sex TEXT, dominant_side TEXT,"
    " leg_length_m REAL, lever_m REAL, notes TEXT, created INTEGER, updated INTEGER,"
    " UNIQUE(patient_uuid, version, edited_by));"
    V5_TABLE("therapists") V5_TABLE("patients") V5_NEW_UUID_TABLE("body_mass") V5_TABLE("devices")
    V5_NEW_UUID_TABLE("calibrations") V5_NEW_UUID_TABLE("protocols") V5_TABLE("sessions")
    V5_COLS("session_devices") V5_UUID_COL("session_devices")
    V5_TRIGGERS("session_devices", "session_id=NEW.session_id AND channel=NEW.channel")
    V5_TABLE("repetitions") V5_NEW_UUID_TABLE("rep_samples") V5_NEW_UUID_TABLE("session_events")
    V5_TABLE("session_notes") V5_NEW_UUID_TABLE("audit")
    "CREATE TRIGGER patients_sync_gone AFTER DELETE ON patients WHEN " V5_LOCAL " BEGIN"
    " UPDATE sync_meta SET seq=seq+1;"
    " INSERT OR REPLACE INTO sync_tombstones(uuid, version, origin, edited_by, at, lseq)"
    " VALUES(OLD.uuid, OLD.version+1, " V5_ME ", " V5_ME ", CAST(strftime('%s','now') AS INTEGER),"
    " (SELECT seq FROM sync_meta)); END;";

/* Version 6: the feedback condition of each rep - what the patient's screen showed while they pushed
 * (feedback changes force): 'big_force', 'no_numbers' (the protocol's [feedback] patient_view) or
 * 'none' (no patient screen: headless, or the view switched off). NULL for reps of older stations:
 * "not recorded". */
static const char schema_v6[] = "ALTER TABLE repetitions ADD COLUMN feedback TEXT"
                                " CHECK(feedback IS NULL OR feedback IN ('big_force','no_numbers','none'));";

/* Version 7: the samples of a rep are written with their sync identity by store_rep_add itself, not
 * completed by an update after the insert: updating a row of several kilobytes rewrote the whole trace
 * (its overflow pages), which made every saved rep write about twice the pages. */
static const char schema_v7[] = "DROP TRIGGER rep_samples_sync_new;";

/* Version 8: a summary of each session's balance (store_summary.c), so that listing 10,000 sessions
 * reads one row per session instead of every session's reps, protocol and patient (1.5 s at 10,000
 * sessions before). The triggers only mark a session stale, on every change the balance depends on:
 * its reps (inserted, erased, moved, or a column the balance reads changed: a decision, a peak),
 * the session's patient, protocol or body mass, and the patient's leg length (the gravity
 * correction). They are plain SQL, so they fire for every writer - the station's, a sync's pull, a
 * merge, a cascade - and the store recomputes the stale sessions with bal_compute in the same
 * transaction (store_tx), before its COMMIT. The stale table has no foreign key (a session erased
 * with its reps leaves a mark that the next settle drops) and no unique key: a session changed twice
 * is marked twice, as a plain INSERT - a trigger's OR IGNORE would give way to the conflict policy of
 * the statement that fired it (a pulled row's upsert aborts on it). The migration's function fills
 * the summary of every session already in the file. */
static const char schema_v8[] =
    "CREATE TABLE session_summary("
    " session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,"
    " reps INTEGER NOT NULL,"
    " counting INTEGER NOT NULL,"
    " ratio_left REAL, ratio_right REAL, ratio_both REAL,"
    " ratio_flag_left TEXT, ratio_flag_right TEXT, ratio_flag_both TEXT,"
    " ratio_corrected INTEGER NOT NULL,"
    " asym_adduction REAL, asym_abduction REAL,"
    " weaker_adduction TEXT, weaker_abduction TEXT,"
    " asym_flag_adduction TEXT, asym_flag_abduction TEXT);"
    "CREATE TABLE session_summary_stale(session_id INTEGER NOT NULL);"
    "CREATE INDEX session_summary_stale_session ON session_summary_stale(session_id);"
    "CREATE TRIGGER summary_rep_new AFTER INSERT ON repetitions BEGIN"
    " INSERT INTO session_summary_stale VALUES(NEW.session_id); END;"
    "CREATE TRIGGER summary_rep_edit AFTER UPDATE OF session_id, direction, side, familiarisation, status,"
    " counts, contraction, peak_n, lever_m ON repetitions BEGIN"
    " INSERT INTO session_summary_stale VALUES(OLD.session_id);"
    " INSERT INTO session_summary_stale SELECT NEW.session_id WHERE NEW.session_id <> OLD.session_id; END;"
    "CREATE TRIGGER summary_rep_gone AFTER DELETE ON repetitions BEGIN"
    " INSERT INTO session_summary_stale VALUES(OLD.session_id); END;"
    "CREATE TRIGGER summary_session_new AFTER INSERT ON sessions BEGIN"
    " INSERT INTO session_summary_stale VALUES(NEW.id); END;"
    "CREATE TRIGGER summary_session_edit AFTER UPDATE OF id, patient_id, protocol_id, body_mass_kg ON sessions"
    " BEGIN INSERT INTO session_summary_stale VALUES(NEW.id); END;"
    "CREATE TRIGGER summary_patient_edit AFTER UPDATE OF leg_length_m ON patients BEGIN"
    " INSERT INTO session_summary_stale SELECT id FROM sessions WHERE patient_id=NEW.id; END;"
    "INSERT INTO session_summary_stale SELECT id FROM sessions;";

/* Version 9: another station's edit of a session, rep, device or audit row that met an edit of the
 * same row here (station/store/store_sync_row.c). Each row holds one version of a row of table tbl:
 * ours=1 is this station's version the clinic server refused because it already held another one
 * (`against`, its version number then); ours=0 is another station's version kept here, its columns
 * in vals (a JSON object of the values in the text form they travel in). Until a therapist keeps one
 * (`station sync --resolve`), the row stays as it is here and is not sent. sync_meta.last_failure: when
 * the last sync failed (Unix seconds), for the home's "could not reach the server at 14:40". */
static const char schema_v9[] = "CREATE TABLE sync_row_conflicts("
                                " id INTEGER PRIMARY KEY,"
                                " tbl TEXT NOT NULL,"
                                " uuid TEXT NOT NULL,"
                                " version INTEGER NOT NULL,"
                                " edited_by TEXT NOT NULL,"
                                " ours INTEGER NOT NULL DEFAULT 0,"
                                " against INTEGER,"
                                " vals TEXT,"
                                " UNIQUE(tbl, uuid, version, edited_by));"
                                "CREATE INDEX sync_row_conflicts_uuid ON sync_row_conflicts(uuid);"
                                "ALTER TABLE sync_meta ADD COLUMN last_failure INTEGER;";

static const struct migration migrations[] = {
    {1, schema_v1, NULL},
    {2, schema_v2, NULL},
    {3, schema_v3, NULL},
    {4, schema_v4, NULL},
    {5, schema_v5, NULL},
    {6, schema_v6, NULL},
    {7, schema_v7, NULL},
    {8, schema_v8, store_summary_settle},
    {9, schema_v9, NULL},
};

const char *store_schema_sql(int version)
{
    for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++)
        if (migrations[i].to == version)
            return migrations[i].sql;
    return NULL;
}

enum st_status store_schema_migrate(struct store *s, int from_version, struct st_err *err)
{
    for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++) {
        const struct migration *m = &migrations[i];
        if (m->to <= from_version)
            continue;
        char doing[64], pragma[64];
        snprintf(doing, sizeof doing, "updating the database to schema %d", m->to);
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", m->to); /* a constant number */
        enum st_status r = m->sql ? store_run(s, m->sql, STORE_NO_VALS, doing, err) : ST_OK;
        if (r == ST_OK && m->fn)
            r = m->fn(s, doing, err);
        if (r == ST_OK)
            r = store_run(s, pragma, STORE_NO_VALS, doing, err);
        if (r != ST_OK)
            return r;
    }
    return ST_OK;
}
