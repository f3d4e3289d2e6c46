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
 *  - Indexes serve `station sessions [--patient]`, `station show`, and the trend query.
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
    {"session_notes", 4}, {NULL, 0},
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

static const struct migration migrations[] = {
    {1, schema_v1, NULL},
    {2, schema_v2, NULL},
    {3, schema_v3, NULL},
    {4, schema_v4, NULL},
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
