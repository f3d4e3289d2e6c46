/*
 * test_store.c - the store on healthy files: a fresh file's mode and pragmas, migrations from every
 * earlier schema version, a newer file refused unchanged, reps with all their metrics and samples,
 * names with quotes / SQL / emoji / right-to-left text, validation messages per field, the audit log,
 * a real erasure, and the trend.
 */
#include <sha2.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "protocols/metric_fields.h"
#include "station/store/store_internal.h"
#include "store_fixture.h"
#include "station/store/store_sync.h"

static int64_t pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void pragma_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *st = NULL;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

static void test_store_fresh_file(void)
{
    char path[512];
    check_tmppath(path, sizeof path, "fresh.db");
    mode_t old = umask(0); /* a permissive umask must not widen the mode */
    struct store *s = NULL;
    struct st_err err;
    enum st_status st = store_open(path, &s, &err);
    umask(old);
    CHECK_OK(st, &err);
    REQUIRE(s);
    struct stat sb;
    REQUIRE(stat(path, &sb) == 0);
    CHECK_INT(sb.st_mode & 0777, 0600);
    CHECK_INT(pragma_int(s->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    CHECK_INT(pragma_int(s->db, "PRAGMA application_id"), STORE_APPLICATION_ID);
    CHECK_INT(pragma_int(s->db, "PRAGMA foreign_keys"), 1);
    CHECK_INT(pragma_int(s->db, "PRAGMA synchronous"), 2); /* FULL */
    char mode[16];
    pragma_text(s->db, "PRAGMA journal_mode", mode, sizeof mode);
    CHECK_STR(mode, "wal");
    CHECK_STR(store_path(s), path);
    /* Foreign keys really enforced: a rep of a session that does not exist is refused, not queued. */
    struct store_rep r;
    double t[4] = {0, 0.1, 0.2, 0.3}, f[4] = {0, 1, 2, 3};
    store_rep_init(&r);
    r.sequence = 1;
    CHECK_INT(store_rep_add(s, 999, &r, t, f, 4, NULL, &err), ST_ERR_ARG);
    CHECK_INT(store_pending_count(s), 0);
    CHECK_OK(store_integrity_check(s, &err), &err);
    store_close(s);

    /* A second open of the same file is fine and keeps the version. */
    CHECK_OK(store_open(path, &s, &err), &err);
    REQUIRE(s);
    CHECK_INT(pragma_int(s->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    store_close(s);
}

/* The migration steps as they shipped, pinned by their SHA-256: a step that has reached users' files
 * must never change (a new step is a new version). The fixtures below are built from these texts. */
static const char *const shipped_sha256[] = {
    NULL,
    "a71dd8d74db70a1ffb35fde98841c8df2ae50bb27bda6a4c0a2387428e3b448c",
    "d078202080b4d43d5e713154cf05ba766a6f1a27d999f969dd31d9b250055768",
    "3a667a4ce327f676a73025d529cefc7271e947964cf983e18172ee8c29e679e1",
    "0e62f23497f4c96b479f31450845cf40f4403b6ac01fbc83e3b1c9bbda31a7ea",
    "fbb5f0b487e4d47fce306d448c3d0d552bd58dcf304e83a247512ce2c8a36751",
    "8cd07a7db2d3ced05db2f412ea5a692d467230a126ca679f953d3835be788bfb",
    "87201f5877d30303b522de65d1eeb1e927163fa3f6b2bbd9a799822365be56a8",
    "8943c375bea29d0ca8b663babb5ca86fe1a594b160776530bd07c831c46db195",
    "aedbf713f8da2551f08e6f96f0b50c598068371c00add189b8f55fefe330c2e6",
};

/* What the test adds as data to a version-1 file: a patient, a session left running by a crash. */
static const char fixture_rows_v1[] =
    "INSERT INTO patients(id, uuid, display_name, clinic_ref, birth_date, sex, created, updated)"
    " VALUES(1, '00000000-0000-4000-8000-000000000001', 'Old Patient', 'R-1', '1970-05-06', 'F', 1700000000,"
    " 1700000000);"
    "INSERT INTO sessions(id, uuid, patient_id, started, status)"
    " VALUES(1, '00000000-0000-4000-8000-000000000002', 1, 1700000100, 'running');"
    "PRAGMA application_id=1398033969;";
/* ...and to a version-2 file: that session's host is another station. */
static const char fixture_rows_v2[] = "UPDATE sessions SET host='old-station', pid=1 WHERE id=1;";
/* ...and to a version-4 file: rows of the tables that had no UUID before version 5. */
/* ...and to a version-5 file: a rep of that session, from before the feedback condition was stored. */
static const char fixture_rows_v5[] =
    "INSERT INTO repetitions(uuid, session_id, sequence, block_index, index_in_block, direction, side,"
    " familiarisation, status, counts, flags, contraction, n_samples, created) VALUES("
    "'00000000-0000-4000-8000-000000000003', 1, 1, 0, 1, 'adduction', 'left', 0, 'accepted', 1, 0, 1, 0,"
    " 1700000200);";
/* ...and to a version-7 file: two measured reps of that session (ADD 200 N, ABD 250 N, both on a
 * 0.8 m lever), whose balance the version-8 summary must hold after migrating. */
static const char fixture_rows_v7[] =
    "INSERT INTO repetitions(uuid, session_id, sequence, block_index, index_in_block, direction, side,"
    " familiarisation, status, counts, flags, contraction, n_samples, peak_n, lever_m, created, feedback) VALUES"
    " ('00000000-0000-4000-8000-000000000004', 1, 2, 1, 1, 'adduction', 'left', 0, 'accepted', 1, 0, 1, 0,"
    " 200, 0.8, 1700000300, 'none'),"
    " ('00000000-0000-4000-8000-000000000005', 1, 3, 2, 1, 'abduction', 'left', 0, 'accepted', 1, 0, 1, 0,"
    " 250, 0.8, 1700000400, 'none');";
static const char fixture_rows_v4[] =
    "INSERT INTO body_mass(patient_id, mass_kg, measured, created) VALUES(1, 70, '2024-01-02', 1700000000);"
    "INSERT INTO audit(at, tbl, row_uuid, action) VALUES(1700000000, 'patients',"
    " '00000000-0000-4000-8000-000000000001', 'create');"
    "INSERT INTO session_events(session_id, at_ms, kind) VALUES(1, 0, 'state');"
    "INSERT INTO session_notes(uuid, session_id, created, text) VALUES('00000000-0000-4000-8000-000000000003', 1,"
    " 1700000200, 'note');";

/* The file of `version` (0: empty) as SQL into buf: the shipped steps up to it and the test's rows. */
static void fixture_sql(int version, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int v = 1; v <= version; v++) {
        const char *step = store_schema_sql(v);
        REQUIRE(step != NULL);
        used += (size_t)snprintf(buf + used, size - used, "%s%s", step,
                                 v == 1   ? fixture_rows_v1
                                 : v == 2 ? fixture_rows_v2
                                 : v == 4 ? fixture_rows_v4
                                 : v == 5 ? fixture_rows_v5
                                 : v == 7 ? fixture_rows_v7
                                          : "");
        REQUIRE(used < size);
    }
    if (version > 0)
        snprintf(buf + used, size - used, "PRAGMA user_version=%d;", version);
}

static void test_store_migrations_frozen(void)
{
    size_t pinned = sizeof shipped_sha256 / sizeof shipped_sha256[0] - 1;
    for (int v = 1; v <= STORE_SCHEMA_VERSION; v++) {
        const char *step = store_schema_sql(v);
        REQUIRE(step != NULL);
        char hex[SHA256_DIGEST_STRING_LENGTH];
        SHA256Data((const uint8_t *)step, strlen(step), hex);
        if ((size_t)v > pinned)
            fprintf(stderr, "schema step %d is not pinned: add \"%s\" to shipped_sha256\n", v, hex);
        else if (strcmp(hex, shipped_sha256[v]) != 0)
            fprintf(stderr, "schema step %d changed after it shipped (now %s): add a new version instead\n", v,
                    hex);
        CHECK((size_t)v <= pinned && strcmp(hex, shipped_sha256[v]) == 0);
    }
}

static void test_store_migrations(void)
{
    static char sql[65536];
    for (int version = 0; version < STORE_SCHEMA_VERSION; version++) {
        fixture_sql(version, sql, sizeof sql);
        char path[512], name[64];
        snprintf(name, sizeof name, "v%d.db", version);
        check_tmppath(path, sizeof path, name);
        /* The old file exists already (an empty file for version 0). */
        sqlite3 *db = NULL;
        REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
        CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(db);
        struct stat sb;
        REQUIRE(stat(path, &sb) == 0);
        if (version == 0)
            CHECK_INT(sb.st_size, 0);

        struct store *s = fix_reopen(path);
        struct st_err err;
        CHECK_INT(pragma_int(s->db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
        CHECK_OK(store_schema_check(s, &err), &err); /* every metric field has its column after migrating */
        for (const struct store_table *t = store_schema_tables; t->name; t++) {
            sqlite3_stmt *st = NULL;
            CHECK(sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_schema WHERE type='table' AND name=?", -1,
                                     &st, NULL) == SQLITE_OK);
            sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
            CHECK(sqlite3_step(st) == SQLITE_ROW);
            sqlite3_finalize(st);
        }
        if (version >= 1) { /* the old rows survived, the new columns and tables are there */
            struct store_patient op;
            CHECK_OK(store_patient_get(s, 1, &op, &err), &err);
            CHECK_STR(op.name, "Old Patient");
            struct store_session os;
            CHECK_OK(store_session_get(s, 1, &os, &err), &err);
            CHECK_INT(os.status, STORE_SESSION_RUNNING);
            CHECK(sqlite3_exec(s->db, "SELECT host, pid FROM sessions", NULL, NULL, NULL) == SQLITE_OK);
            CHECK(sqlite3_exec(s->db, "SELECT at_ms FROM session_events", NULL, NULL, NULL) == SQLITE_OK);
            /* a session from before version 2 names no host, and this one another host: nobody here can
             * tell they are orphans */
            int closed = -1;
            CHECK_OK(store_sessions_close_orphans(s, &closed, &err), &err);
            CHECK_INT(closed, 0);
            /* Version 5: the old rows were made by this station (its UUID, made once), all wait to be
             * pushed, and the rows of tables that had no UUID got one each. */
            char me[STORE_UUID_SIZE];
            CHECK_OK(store_station_uuid(s, me, &err), &err);
            CHECK_INT(strlen(me), 36);
            struct store_row_identity pi;
            CHECK_OK(store_row_identity(s, "patients", 1, &pi, &err), &err);
            CHECK_STR(pi.uuid, "00000000-0000-4000-8000-000000000001");
            CHECK_STR(pi.origin, me);
            CHECK_STR(pi.edited_by, me);
            CHECK_INT(pi.version, 1);
            int64_t sid = 0;
            CHECK_OK(store_session_find(s, "00000000-0000-4000-8000-000000000002", &sid, &err), &err);
            CHECK_INT(sid, 1);

            if (version >= 4) {
                CHECK_INT(pragma_int(s->db, "SELECT count(DISTINCT uuid) FROM (SELECT uuid FROM body_mass UNION ALL"
                                            " SELECT uuid FROM audit UNION ALL SELECT uuid FROM session_events)"
                                            " WHERE length(uuid)=36"),
                          3);
                int64_t waiting = 0;
                CHECK_OK(store_sync_waiting(s, &waiting, &err), &err);
                CHECK_INT(waiting, 6 + (version >= 5) + 2 * (version >= 7)); /* patient, session, mass,
                                               * audit row, event, note (and the rep of a version-5 file,
                                               * the two of a version-7 file) */
            }
        }
        if (version == 5) { /* version 6: an older rep's feedback condition is "not recorded" */
            struct store_rep *reps = NULL;
            size_t nr = 0;
            CHECK_OK(store_rep_list(s, 1, &reps, &nr, &err), &err);
            REQUIRE(nr == 1);
            CHECK_STR(reps[0].feedback, "");
            free(reps);
        }
        if (version >= 1) { /* version 8: every session has its balance summary, settled */
            CHECK_INT(pragma_int(s->db, "SELECT count(*) FROM session_summary"),
                      pragma_int(s->db, "SELECT count(*) FROM sessions"));
            CHECK_INT(pragma_int(s->db, "SELECT count(*) FROM session_summary_stale"), 0);
            struct store_session os;
            CHECK_OK(store_session_get(s, 1, &os, &err), &err);
            CHECK_INT(os.n_reps, version >= 7 ? 3 : version >= 5 ? 1 : 0);
            CHECK_INT(os.summary.reps, os.n_reps);
            if (version >= 7) { /* 160 / 200 N*m: 0.80, amber */
                CHECK_INT(os.summary.counting, 2);
                CHECK_NEAR(os.summary.ratio[ST_SIDE_LEFT], 0.8, 1e-12);
                CHECK_INT(os.summary.ratio_flag[ST_SIDE_LEFT], BAL_AMBER);
                CHECK_NAN(os.summary.ratio[ST_SIDE_RIGHT]);
            } else {
                CHECK_INT(os.summary.counting, 0);
                CHECK_NAN(os.summary.ratio[ST_SIDE_LEFT]);
            }
        }
        /* The migrated file works. */
        int64_t pid = fix_patient(s, "Migrated");
        CHECK(pid > 0);
        CHECK_OK(store_integrity_check(s, &err), &err);
        store_close(s);
    }
}

/* A session left running by a station process that is gone is closed as interrupted; one from another
 * host (another station sharing the file) and an ended one are left alone. */
static void test_store_orphan_sessions(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("orphans.db", path, sizeof path);
    int64_t pid = fix_patient(s, "Orphan");
    struct store_session a, b, c;
    memset(&a, 0, sizeof a);
    a.patient_id = pid;
    a.body_mass_kg = a.lever_m = a.sample_rate_hz = a.jitter_ms = NAN;
    b = c = a;
    CHECK_OK(store_session_begin(s, &a, &err), &err);
    CHECK_OK(store_session_begin(s, &b, &err), &err);
    CHECK_OK(store_session_begin(s, &c, &err), &err);
    /* a: a crashed station (pid 1 is init, not a station); b: another host; c: ended normally */
    CHECK(sqlite3_exec(s->db, "UPDATE sessions SET pid=1 WHERE id=1; UPDATE sessions SET host='other-pc' WHERE id=2",
                       NULL, NULL, NULL) == SQLITE_OK);
    (void)a;
    CHECK_OK(store_session_end(s, c.id, STORE_SESSION_COMPLETE, NAN, NAN, 0, 0, &err), &err);
    int closed = -1;
    CHECK_OK(store_sessions_close_orphans(s, &closed, &err), &err);
    CHECK_INT(closed, 1);
    struct store_session x;
    CHECK_OK(store_session_get(s, 1, &x, &err), &err);
    CHECK_INT(x.status, STORE_SESSION_INTERRUPTED);
    CHECK(x.ended >= x.started);
    CHECK_OK(store_session_get(s, 2, &x, &err), &err);
    CHECK_INT(x.status, STORE_SESSION_RUNNING);
    CHECK_OK(store_session_get(s, 3, &x, &err), &err);
    CHECK_INT(x.status, STORE_SESSION_COMPLETE);
    store_close(s);
}

/* A device's calibration state as of a time: none before its first check, ok within a year and 1 %,
 * old after max_age_days, off when the check was out of tolerance (the latest check before that time
 * counts). */
static void test_store_calibration_status(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("cal.db", path, sizeof path);
    struct store_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.family, sizeof d.family, "mark10");
    snprintf(d.serial, sizeof d.serial, "M5-123");
    d.capacity_n = 500;
    CHECK_OK(store_device_ensure(s, &d, &err), &err);
    const int64_t day = 86400, t0 = 1700000000;
    struct store_cal_status cs;
    CHECK_OK(store_calibration_status(s, d.id, t0, 365, &cs, &err), &err);
    CHECK_INT(cs.state, STORE_CAL_NONE);
    CHECK(strstr(cs.text, "station calibrate") != NULL);
    struct store_calibration c = {.device_id = d.id, .checked = t0, .reference_kg = 10, .reading_n = 98.2,
                                  .error_pct = 0.14, .ok = true};
    CHECK_OK(store_calibration_add(s, &c, &err), &err);
    CHECK_OK(store_calibration_status(s, d.id, t0 - day, 365, &cs, &err), &err);
    CHECK_INT(cs.state, STORE_CAL_NONE); /* as of before the check */
    CHECK_OK(store_calibration_status(s, d.id, t0 + 30 * day, 365, &cs, &err), &err);
    CHECK_INT(cs.state, STORE_CAL_OK);
    CHECK_STR(cs.text, "");
    CHECK_NEAR(cs.age_days, 30, 1e-9);
    CHECK_OK(store_calibration_status(s, d.id, t0 + 400 * day, 365, &cs, &err), &err);
    CHECK_INT(cs.state, STORE_CAL_OLD);
    CHECK(strstr(cs.text, "400 days old") != NULL);
    struct store_calibration c2 = {.device_id = d.id, .checked = t0 + 500 * day, .reference_kg = 10,
                                   .reading_n = 100.0, .error_pct = 1.97, .ok = false};
    CHECK_OK(store_calibration_add(s, &c2, &err), &err);
    CHECK_OK(store_calibration_status(s, d.id, t0 + 501 * day, 365, &cs, &err), &err);
    CHECK_INT(cs.state, STORE_CAL_OFF);
    CHECK(strstr(cs.text, "+2.0 %") != NULL);
    CHECK_OK(store_calibration_status(s, d.id, t0 + 499 * day, 365, &cs, &err), &err);
    CHECK_INT(cs.state, STORE_CAL_OLD); /* a session before the bad check saw the old one */
    store_close(s);
}

/* A session is judged by its own protocol: the flag bands and the gravity correction come from the
 * protocol text stored with it, not from the defaults. */
static void test_store_session_bal_params(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("params.db", path, sizeof path);
    int64_t pid = fix_patient(s, "Params"); /* leg length 0.9 m, 70 kg */
    static const char text[] =
        "[protocol]\nname = side-lying-x\ntitle = Side-lying\nposition = side-lying\nhip_flexion_deg = 0\n"
        "lever = long\ncontraction = make\ngravity_correction = yes\n[order]\nmode = fixed\n[blocks]\n"
        "block = abduction left 0\n[reps]\nfamiliarisation = 0\nreps = 3\nhold_s = 5\nrest_s = 30\n"
        "countdown_s = 3\n[quality]\ncv_limit_pct = 12\n[flags]\nratio_red = 0.70\nratio_amber = 0.85\n"
        "asymmetry_amber_pct = 8\nasymmetry_red_pct = 20\n";
    int64_t prid = 0;
    CHECK_OK(store_protocol_ensure(s, "side-lying-x", text, &prid, &err), &err);
    int64_t sid = fix_session(s, pid, "plain", "SER-P", 1700000000);
    struct store_session x;
    CHECK_OK(store_session_get(s, sid, &x, &err), &err);
    struct bal_params bp;
    CHECK_OK(store_session_bal_params(s, &x, &bp, &err), &err);
    CHECK_NEAR(bp.ratio_red, 0.80, 0); /* a text that does not parse: CLINICAL.md's defaults */
    CHECK(!bp.gravity_correction);
    CHECK_NEAR(bp.body_mass_kg, 70.0, 0);
    x.protocol_id = prid;
    CHECK_OK(store_session_bal_params(s, &x, &bp, &err), &err);
    CHECK_NEAR(bp.ratio_red, 0.70, 0);
    CHECK_NEAR(bp.ratio_amber, 0.85, 0);
    CHECK_NEAR(bp.asym_amber, 8, 0);
    CHECK_NEAR(bp.asym_red, 20, 0);
    CHECK_NEAR(bp.cv_limit_pct, 12, 0);
    CHECK(bp.gravity_correction);
    CHECK_NEAR(bp.leg_length_m, 0.9, 0);
    /* what it changes: a ratio of 0.87 is amber by default, normal under these bands */
    CHECK_INT(bal_ratio_flag(0.87, &bp), BAL_NORMAL);
    struct bal_params def = bal_params_default();
    CHECK_INT(bal_ratio_flag(0.87, &def), BAL_AMBER);
    store_close(s);
}

static void test_store_newer_refused(void)
{
    char path[512];
    check_tmppath(path, sizeof path, "newer.db");
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    char sql[160];
    snprintf(sql, sizeof sql,
             "CREATE TABLE patients(id INTEGER PRIMARY KEY, future TEXT); PRAGMA application_id=%d;"
             " PRAGMA user_version=%d",
             STORE_APPLICATION_ID, STORE_SCHEMA_VERSION + 1);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    size_t n0 = 0, n1 = 0;
    unsigned char *before = fix_read_file(path, &n0);
    struct store *s = (struct store *)1;
    struct st_err err;
    CHECK_INT(store_open(path, &s, &err), ST_ERR_DB_NEWER);
    CHECK(s == NULL);
    char want[160];
    snprintf(want, sizeof want, "written by station schema %d, this station knows up to %d",
             STORE_SCHEMA_VERSION + 1, STORE_SCHEMA_VERSION);
    CHECK(strstr(err.msg, want) != NULL);
    CHECK(strstr(err.msg, "update this station") != NULL);
    CHECK(strstr(err.msg, "the file was not changed") != NULL);
    CHECK(strstr(err.msg, path) != NULL);
    unsigned char *after = fix_read_file(path, &n1);
    CHECK(fix_same(before, n0, after, n1));
    CHECK(access(path, F_OK) == 0);
    free(before);
    free(after);
}

static void test_store_rep_round_trip(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("reps.db", path, sizeof path);
    int64_t pid = fix_patient(s, "Rep Test");
    int64_t sid = fix_session(s, pid, "supine-0", "SN-1", 1700000000);

    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    struct store_rep r;
    fix_rep(&r, 1, ST_DIR_ABD, ST_SIDE_LEFT, 250.0, 0.8, 70.0, t, f, FIX_SAMPLES);
    r.pain = 3;
    r.familiarisation = true;
    r.samples_drops = 2;
    snprintf(r.note, sizeof r.note, "knee \"hurt\"; DROP TABLE repetitions;--");
    snprintf(r.feedback, sizeof r.feedback, "loud"); /* not a condition: refused, nothing written */
    CHECK_INT(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, NULL, &err), ST_ERR_ARG);
    CHECK(strstr(st_err_msg(&err), "unknown feedback condition \"loud\"") != NULL);
    CHECK_INT(store_pending_count(s), 0);
    snprintf(r.feedback, sizeof r.feedback, "no_numbers");
    REQUIRE(r.m.contraction);
    int64_t id = 0;
    CHECK_OK(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, &id, &err), &err);
    CHECK(id > 0);

    /* A rep with no contraction: every metric null. */
    struct store_rep q;
    double tq[3] = {0, 0.5, 1.0}, fq[3] = {0, 0, 0};
    store_rep_init(&q);
    q.sequence = 2;
    q.dir = ST_DIR_ADD;
    q.side = ST_SIDE_RIGHT;
    q.status = STORE_REP_REJECTED;
    q.counts = false;
    met_compute(tq, fq, 3, NULL, &q.m, &err);
    int64_t id2 = 0;
    CHECK_OK(store_rep_add(s, sid, &q, tq, fq, 3, &id2, &err), &err);
    CHECK(id2 > id);

    struct store_rep g;
    CHECK_OK(store_rep_get(s, id, &g, &err), &err);
    CHECK_INT(g.session_id, sid);
    CHECK_INT(g.sequence, 1);
    CHECK_INT(g.dir, ST_DIR_ABD);
    CHECK_INT(g.side, ST_SIDE_LEFT);
    CHECK(g.familiarisation);
    CHECK_INT(g.status, STORE_REP_ACCEPTED);
    CHECK(g.counts);
    CHECK_INT(g.pain, 3);
    CHECK_STR(g.note, r.note);
    CHECK_STR(g.feedback, "no_numbers"); /* what the patient's screen showed */
    CHECK_INT(strlen(g.uuid), 36);
    CHECK(g.uuid[14] == '4');
    CHECK_INT(g.m.flags, r.m.flags);
    CHECK(g.m.contraction);
    CHECK_INT(g.m.n_samples, r.m.n_samples);
    const double *a[] = {&r.m.sample_rate_hz,   &r.m.baseline_n,     &r.m.baseline_sd_n,  &r.m.threshold_n,
                         &r.m.onset_s,          &r.m.peak_n,         &r.m.peak_s,         &r.m.time_to_peak_s,
                         &r.m.release_s,        &r.m.rfd_n_per_s[0], &r.m.rfd_n_per_s[1], &r.m.rfd_n_per_s[2],
                         &r.m.best_1s_mean_n,   &r.m.impulse_n_s,    &r.m.peak_n_per_kg,  &r.m.torque_nm,
                         &r.m.torque_nm_per_kg, &r.lever_m,          &r.body_mass_kg,     &r.tare_n};
    const double *b[] = {&g.m.sample_rate_hz,   &g.m.baseline_n,     &g.m.baseline_sd_n,  &g.m.threshold_n,
                         &g.m.onset_s,          &g.m.peak_n,         &g.m.peak_s,         &g.m.time_to_peak_s,
                         &g.m.release_s,        &g.m.rfd_n_per_s[0], &g.m.rfd_n_per_s[1], &g.m.rfd_n_per_s[2],
                         &g.m.best_1s_mean_n,   &g.m.impulse_n_s,    &g.m.peak_n_per_kg,  &g.m.torque_nm,
                         &g.m.torque_nm_per_kg, &g.lever_m,          &g.body_mass_kg,     &g.tare_n};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        CHECK_NEAR(*b[i], *a[i], 0.0); /* bit-exact (or both NAN) */
    CHECK_INT(g.n_samples, FIX_SAMPLES);
    CHECK_NEAR(g.samples_rate_hz, FIX_RATE_HZ, 0.0);
    CHECK_INT(g.samples_drops, 2);

    double *ts = NULL, *fs = NULL;
    size_t n = 0;
    CHECK_OK(store_rep_samples(s, id, &ts, &fs, &n, &err), &err);
    CHECK_INT(n, FIX_SAMPLES);
    CHECK(ts && fs && memcmp(ts, t, sizeof t) == 0 && memcmp(fs, f, sizeof f) == 0);
    free(ts);
    free(fs);

    struct store_rep h;
    CHECK_OK(store_rep_get(s, id2, &h, &err), &err);
    CHECK(!h.m.contraction);
    CHECK_NAN(h.m.peak_n);
    CHECK_NAN(h.m.onset_s);
    CHECK_NAN(h.m.rfd_n_per_s[0]);
    CHECK_NAN(h.lever_m);
    CHECK_INT(h.pain, -1);
    CHECK_INT(h.status, STORE_REP_REJECTED);
    CHECK(!h.counts);

    struct store_rep *list = NULL;
    size_t nl = 0;
    CHECK_OK(store_rep_list(s, sid, &list, &nl, &err), &err);
    CHECK_INT(nl, 2);
    if (nl == 2) {
        CHECK_INT(list[0].id, id);
        CHECK_INT(list[1].id, id2);
    }
    free(list);

    /* The session: end it and read it back with its joins. */
    CHECK_OK(store_session_end(s, sid, STORE_SESSION_COMPLETE, 79.8, 1.25, 0, 3, &err), &err);
    struct store_session x;
    CHECK_OK(store_session_get(s, sid, &x, &err), &err);
    CHECK_INT(x.status, STORE_SESSION_COMPLETE);
    CHECK(x.ended >= x.started);
    CHECK_INT(x.n_reps, 2);
    CHECK_STR(x.protocol_name, "supine-0");
    CHECK_INT(strlen(x.protocol_sha256), 64);
    CHECK_STR(x.therapist, "AB");
    CHECK_STR(x.patient_ref, "REF-001");
    CHECK(x.device_id[0] > 0);
    CHECK_INT(x.device_id[1], 0);
    CHECK_NEAR(x.sample_rate_hz, 79.8, 1e-12);
    CHECK_INT(x.bad_lines, 3);
    CHECK_INT(store_session_get(s, 424242, &x, &err), ST_ERR_NOT_FOUND);
    CHECK(strstr(err.msg, "424242") != NULL);

    /* The same device, protocol and therapist are found again, not duplicated. */
    int64_t sid2 = fix_session(s, pid, "supine-0", "SN-1", 1700003600);
    struct store_session y;
    CHECK_OK(store_session_get(s, sid2, &y, &err), &err);
    CHECK_INT(y.device_id[0], x.device_id[0]);
    CHECK_INT(y.protocol_id, x.protocol_id);
    CHECK_INT(y.therapist_id, x.therapist_id);

    struct store_session *sl = NULL;
    size_t ns = 0;
    CHECK_OK(store_session_list(s, pid, &sl, &ns, &err), &err);
    CHECK_INT(ns, 2);
    if (ns == 2)
        CHECK_INT(sl[0].id, sid2); /* newest first */
    free(sl);

    /* Accepting / rejecting writes the audit row in the same transaction. */
    int64_t th = 0;
    CHECK_OK(store_therapist_ensure(s, "CD", &th, &err), &err);
    CHECK_OK(store_rep_set_status(s, id2, STORE_REP_ACCEPTED, true, th, "checked the curve", &err), &err);
    CHECK_OK(store_rep_get(s, id2, &h, &err), &err);
    CHECK_INT(h.status, STORE_REP_ACCEPTED);
    CHECK(h.counts);
    fix_check_audit(s, h.uuid,
                    (const struct fix_audit[]){{.action = "accept", .therapist = "CD",
                                                .old_value = "rejected, not counted",
                                                .new_value = "accepted, counted", .reason = "checked the curve"}},
                    1);

    /* Calibration checks. */
    struct store_calibration c = {0};
    c.device_id = x.device_id[0];
    c.reference_kg = 20;
    c.reading_n = 196.0;
    c.error_pct = -0.06;
    c.ok = true;
    CHECK_OK(store_calibration_add(s, &c, &err), &err);
    struct store_calibration c2;
    CHECK_OK(store_calibration_last(s, x.device_id[0], &c2, &err), &err);
    CHECK_INT(c2.id, c.id);
    CHECK_NEAR(c2.reading_n, 196.0, 0);
    CHECK_INT(store_calibration_last(s, 777, &c2, &err), ST_ERR_NOT_FOUND);

    CHECK_OK(store_integrity_check(s, &err), &err);
    CHECK_INT(store_pending_count(s), 0);
    store_close(s);
}

static const char *const hostile_names[] = {
    "O'Brien \"Bob\"",
    "Robert'); DROP TABLE patients;--",
    "Zoë 💪🏽 Łukasz",
    "שלום עליכם",            /* right-to-left */
    "محمد \u200f(RTL mark)", /* Arabic with a right-to-left mark */
    "a,b;c\td",
};

static void test_store_names_round_trip(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("names.db", path, sizeof path);
    int64_t ids[6] = {0};
    size_t k = sizeof hostile_names / sizeof hostile_names[0];
    for (size_t i = 0; i < k; i++) {
        struct store_patient p;
        memset(&p, 0, sizeof p);
        snprintf(p.name, sizeof p.name, "%s", hostile_names[i]);
        snprintf(p.ref, sizeof p.ref, "%s", hostile_names[(i + 1) % 5]);
        snprintf(p.notes, sizeof p.notes, "line 1\nline 2 %s", hostile_names[i]);
        snprintf(p.birth, sizeof p.birth, "2000-02-29");
        p.sex = 'X';
        p.leg_length_m = NAN;
        p.lever_m = NAN;
        p.mass_kg = 55.5;
        enum st_status st = store_patient_add(s, &p, 0, &err);
        if (i == 5) { /* a tab is a control character in a name */
            CHECK_INT(st, ST_ERR_ARG);
            CHECK(strstr(err.msg, "Name") != NULL);
            continue;
        }
        CHECK_OK(st, &err);
        ids[i] = p.id;
    }
    for (size_t i = 0; i < 5; i++) {
        struct store_patient g;
        CHECK_OK(store_patient_get(s, ids[i], &g, &err), &err);
        CHECK_STR(g.name, hostile_names[i]);
        CHECK_STR(g.ref, hostile_names[(i + 1) % 5]);
        char notes[300];
        snprintf(notes, sizeof notes, "line 1\nline 2 %s", hostile_names[i]);
        CHECK_STR(g.notes, notes);
        CHECK_NAN(g.lever_m);
        CHECK_NEAR(g.mass_kg, 55.5, 0);
        CHECK_STR(g.birth, "2000-02-29");
        int64_t found = 0;
        CHECK_OK(store_patient_find(s, g.uuid, &found, &err), &err);
        CHECK_INT(found, ids[i]);
    }
    struct store_patient *list = NULL;
    size_t n = 0;
    CHECK_OK(store_patient_list(s, &list, &n, &err), &err);
    CHECK_INT(n, 5);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < 5; j++)
            if (strcmp(list[i].name, hostile_names[j]) == 0)
                seen |= 1 << j;
    CHECK_INT(seen, 31);
    free(list);
    CHECK_OK(store_integrity_check(s, &err), &err);
    store_close(s);
}

static void expect_bad(struct store_patient p, bool mass, const char *field)
{
    struct st_err err;
    st_err_clear(&err);
    CHECK_INT(store_patient_validate(&p, mass, &err), ST_ERR_ARG);
    if (strncmp(err.msg, field, strlen(field)) != 0)
        check_fail(__FILE__, __LINE__, "message \"%s\" should name %s first", err.msg, field);
}

static void test_store_validation(void)
{
    const struct store_patient ok = {.name = "Ada", .birth = "1985-12-31", .sex = 'M', .side_dominant = 'L',
                                     .leg_length_m = 0.95, .lever_m = 0.85, .mass_kg = 80};
    struct st_err err;
    CHECK_OK(store_patient_validate(&ok, true, &err), &err);

    struct store_patient p = ok;
    memset(p.name, 'a', 200);
    p.name[200] = '\0';
    CHECK_OK(store_patient_validate(&p, true, &err), &err); /* exactly 200 bytes is fine */
    /* Names the store refuses (empty, not UTF-8, a control character) and a reference likewise. */
    static const char *const bad_names[] = {"", "bad \xc3\x28 utf8", "overlong \xc0\xaf", "surrogate \xed\xa0\x80",
                                            "bell \x07"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        p = ok;
        snprintf(p.name, sizeof p.name, "%s", bad_names[i]);
        expect_bad(p, true, "Name");
    }
    p = ok;
    snprintf(p.ref, sizeof p.ref, "ref\nnewline");
    expect_bad(p, true, "Clinic reference");
    const char *dates[] = {"1985-02-29", "1985-13-01", "1985-00-10", "85-01-01",  "1985/01/01",
                           "2999-01-01", "1899-12-31", "",           "1985-04-31"};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        p = ok;
        snprintf(p.birth, sizeof p.birth, "%s", dates[i]);
        expect_bad(p, true, "Birth date");
    }
    p = ok;
    snprintf(p.birth, sizeof p.birth, "2000-02-29"); /* a leap day is real */
    CHECK_OK(store_patient_validate(&p, true, &err), &err);
    p = ok;
    snprintf(p.birth, sizeof p.birth, "2999-01-01");
    store_patient_validate(&p, true, &err);
    CHECK(strstr(err.msg, "future") != NULL);
    p = ok;
    p.sex = 'Q';
    expect_bad(p, true, "Sex");
    p = ok;
    p.side_dominant = 'B';
    expect_bad(p, true, "Dominant side");
    double legs[] = {0.39, 1.41, INFINITY};
    for (size_t i = 0; i < 3; i++) {
        p = ok;
        p.leg_length_m = legs[i];
        expect_bad(p, true, "Leg length");
    }
    double levers[] = {0.09, 1.51, -1};
    for (size_t i = 0; i < 3; i++) {
        p = ok;
        p.lever_m = levers[i];
        expect_bad(p, true, "Lever arm");
    }
    double masses[] = {19.9, 300.1, NAN, 0};
    for (size_t i = 0; i < 4; i++) {
        p = ok;
        p.mass_kg = masses[i];
        expect_bad(p, true, "Body mass");
        CHECK_OK(store_patient_validate(&p, false, &err), &err); /* mass not checked on edits */
    }
    p = ok;
    p.mass_kg = 20;
    CHECK_OK(store_patient_validate(&p, true, &err), &err);
    p.mass_kg = 300;
    CHECK_OK(store_patient_validate(&p, true, &err), &err);
    p = ok;
    snprintf(p.notes, sizeof p.notes, "two\nlines\tand a tab");
    CHECK_OK(store_patient_validate(&p, true, &err), &err);
    snprintf(p.notes, sizeof p.notes, "escape \x1b[31m");
    expect_bad(p, true, "Notes");
}

static void test_store_edit_and_erase(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("erase.db", path, sizeof path);
    const char *secret = "Xylophone Quimby-Secretname";
    int64_t keep = fix_patient(s, "Kept Patient");
    int64_t pid = fix_patient(s, secret);
    int64_t th = 0;
    CHECK_OK(store_therapist_ensure(s, "EF", &th, &err), &err);

    /* Edit: one audit row per changed field, old and new value. */
    struct store_patient p;
    CHECK_OK(store_patient_get(s, pid, &p, &err), &err);
    char uuid[STORE_UUID_SIZE];
    snprintf(uuid, sizeof uuid, "%s", p.uuid);
    snprintf(p.notes, sizeof p.notes, "Zzsecretnote groin pain");
    p.lever_m = 0.75;
    CHECK_OK(store_patient_update(s, &p, th, "measured again", &err), &err);
    struct store_patient g;
    CHECK_OK(store_patient_get(s, pid, &g, &err), &err);
    CHECK_NEAR(g.lever_m, 0.75, 0);
    CHECK_STR(g.notes, "Zzsecretnote groin pain");
    const struct fix_audit edited[] = {
        {.action = "create"},
        {.action = "edit", .field = "lever_m", .old_value = "0.800", .new_value = "0.750", .therapist = "EF"},
        {.field = "notes", .new_value = "Zzsecretnote groin pain"}};
    fix_check_audit(s, uuid, edited, 3);
    p.lever_m = 2.0;
    CHECK_INT(store_patient_update(s, &p, th, NULL, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "Lever arm") != NULL);

    /* Masses. */
    CHECK_OK(store_mass_add(s, pid, 72.5, "2020-01-01", &err), &err); /* older than today's first mass */
    double kg = 0;
    char date[11];
    CHECK_OK(store_mass_latest(s, pid, &kg, date, &err), &err);
    CHECK_NEAR(kg, 70.0, 0);
    CHECK_INT(store_mass_add(s, pid, 500, NULL, &err), ST_ERR_ARG);
    struct store_mass *ml = NULL;
    size_t nm = 0;
    CHECK_OK(store_mass_list(s, pid, &ml, &nm, &err), &err);
    CHECK_INT(nm, 2);
    if (nm == 2)
        CHECK_STR(ml[0].date, "2020-01-01");
    free(ml);

    /* Sessions and reps to erase, and one of the kept patient that must stay. */
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    int64_t sid = fix_session(s, pid, "supine-0", "SN-9", 1700000000);
    int64_t ksid = fix_session(s, keep, "supine-0", "SN-9", 1700000000);
    struct store_rep r;
    int64_t rid = 0;
    for (int i = 1; i <= 3; i++) {
        fix_rep(&r, i, ST_DIR_ADD, ST_SIDE_LEFT, 200 + i, 0.8, 70, t, f, FIX_SAMPLES);
        snprintf(r.note, sizeof r.note, "Qqrepnote %d", i);
        CHECK_OK(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, &rid, &err), &err);
        snprintf(r.note, sizeof r.note, "kept note %d", i);
        CHECK_OK(store_rep_add(s, ksid, &r, t, f, FIX_SAMPLES, NULL, &err), &err);
    }
    CHECK_OK(store_rep_set_status(s, rid, STORE_REP_REJECTED, false, th, "Qqreason leg cramp", &err), &err);
    store_close(s);
    CHECK(fix_file_contains(path, secret));
    CHECK(fix_file_contains(path, "Zzsecretnote"));

    CHECK_OK(store_open(path, &s, &err), &err);
    REQUIRE(s);
    int ns = -1, nr = -1;
    CHECK_OK(store_patient_delete(s, pid, th, "erasure requested", &ns, &nr, &err), &err);
    CHECK_INT(ns, 1);
    CHECK_INT(nr, 3);
    CHECK_INT(store_patient_get(s, pid, &g, &err), ST_ERR_NOT_FOUND);
    CHECK_INT(store_session_get(s, sid, &(struct store_session){0}, &err), ST_ERR_NOT_FOUND);
    CHECK_INT(store_rep_get(s, rid, &r, &err), ST_ERR_NOT_FOUND);
    CHECK_INT(store_mass_latest(s, pid, &kg, NULL, &err), ST_ERR_NOT_FOUND);
    /* The kept patient keeps everything. */
    struct store_rep *kl = NULL;
    size_t nk = 0;
    CHECK_OK(store_rep_list(s, ksid, &kl, &nk, &err), &err);
    CHECK_INT(nk, 3);
    free(kl);
    /* The audit: the old rows lost their values; one 'delete' row says what was erased. */
    const struct fix_audit erased[] = {
        {0}, {0}, {.old_value = "", .new_value = ""},
        {.action = "delete", .new_value = "erased: 1 session(s), 3 repetition(s)", .reason = "erasure requested"}};
    fix_check_audit(s, uuid, erased, 4);
    CHECK_INT(store_patient_delete(s, pid, th, NULL, NULL, NULL, &err), ST_ERR_NOT_FOUND);
    CHECK_OK(store_integrity_check(s, &err), &err);
    store_close(s);
    /* Really erased: not in the file, its free pages or its WAL. */
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    CHECK(!fix_file_contains(path, secret));
    CHECK(!fix_file_contains(path, "Zzsecretnote"));
    CHECK(!fix_file_contains(path, "Qqrepnote"));
    CHECK(!fix_file_contains(path, "Qqreason"));
    CHECK(!fix_file_contains(wal, secret));
    CHECK(fix_file_contains(path, "Kept Patient"));
}

static void test_store_trend(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("trend.db", path, sizeof path);
    int64_t pid = fix_patient(s, "Trend");
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    /* Three sessions of supine-0 (the third on another device), one of another protocol, one running. */
    const char *serial[] = {"SN-A", "SN-A", "SN-B"};
    double add_l[] = {200, 240, 245}, abd_l[] = {250, 250, 240};
    int64_t sids[3];
    for (int k = 0; k < 3; k++) {
        sids[k] = fix_session(s, pid, "supine-0", serial[k], 1700000000 + k * 86400);
        struct store_rep r;
        int seq = 1;
        for (int side = 0; side < 2; side++) {
            fix_rep(&r, seq++, ST_DIR_ADD, (enum st_side)side, side ? 220 : add_l[k], 0.8, 70, t, f,
                    FIX_SAMPLES);
            CHECK_OK(store_rep_add(s, sids[k], &r, t, f, FIX_SAMPLES, NULL, &err), &err);
            fix_rep(&r, seq++, ST_DIR_ABD, (enum st_side)side, side ? 230 : abd_l[k], 0.8, 70, t, f,
                    FIX_SAMPLES);
            CHECK_OK(store_rep_add(s, sids[k], &r, t, f, FIX_SAMPLES, NULL, &err), &err);
        }
        /* A rejected rep with a huge peak must not count. */
        fix_rep(&r, seq++, ST_DIR_ADD, ST_SIDE_LEFT, 900, 0.8, 70, t, f, FIX_SAMPLES);
        r.status = STORE_REP_REJECTED;
        r.counts = false;
        CHECK_OK(store_rep_add(s, sids[k], &r, t, f, FIX_SAMPLES, NULL, &err), &err);
        CHECK_OK(store_session_end(s, sids[k], STORE_SESSION_COMPLETE, 80, 1, 0, 0, &err), &err);
    }
    int64_t other = fix_session(s, pid, "side-lying", "SN-A", 1700500000);
    CHECK_OK(store_session_end(s, other, STORE_SESSION_COMPLETE, 80, 1, 0, 0, &err), &err);
    fix_session(s, pid, "supine-0", "SN-A", 1700600000); /* still running: left out */

    struct store_trend_row *rows = NULL;
    size_t n = 0;
    CHECK_OK(store_trend(s, pid, "supine-0", &rows, &n, &err), &err);
    CHECK_INT(n, 3);
    if (n == 3) {
        for (int k = 0; k < 3; k++) {
            CHECK_INT(rows[k].session_id, sids[k]);
            /* The fixture's ripple puts the peak 1 N above the nominal force. */
            CHECK_NEAR(rows[k].bal.cell[ST_DIR_ADD][ST_SIDE_LEFT].best_n, add_l[k] + 1, 1e-9);
            CHECK_NEAR(rows[k].bal.cell[ST_DIR_ABD][ST_SIDE_LEFT].best_n, abd_l[k] + 1, 1e-9);
            CHECK_NEAR(rows[k].bal.ratio[ST_SIDE_LEFT], (add_l[k] + 1) / (abd_l[k] + 1), 1e-9);
            CHECK_INT(rows[k].bal.cell[ST_DIR_ADD][ST_SIDE_LEFT].n, 1);
        }
        CHECK(!rows[0].device_changed);
        CHECK(!rows[1].device_changed);
        CHECK(rows[2].device_changed);
        CHECK(strstr(rows[2].devices, "SN-B") != NULL);
        CHECK(!rows[1].protocol_changed);
    }
    free(rows);
    CHECK_OK(store_trend(s, pid, "no such protocol", &rows, &n, &err), &err);
    CHECK_INT(n, 0);
    free(rows);
    store_close(s);
}

/* The metric table (protocols/metric_fields.h) and the repetitions table agree: every field has a
 * column and every column is a field or one of the rep's own; the check says which when they do not;
 * and every field makes the round trip through the insert and the read on its own value. */
static void test_store_metric_fields_match_schema(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("fields.db", path, sizeof path);
    CHECK_OK(store_schema_check(s, &err), &err);
    for (size_t k = 0; k < met_field_count; k++) { /* each key is a REAL column, looked up by hand too */
        char sql[160], type[32] = "";
        snprintf(sql, sizeof sql, "SELECT type FROM pragma_table_info('repetitions') WHERE name='%s'",
                 met_fields[k].key);
        pragma_text(s->db, sql, type, sizeof type);
        if (strcmp(type, "REAL") != 0)
            fprintf(stderr, "metric field %s: column type '%s'\n", met_fields[k].key, type);
        CHECK_STR(type, "REAL");
    }

    int64_t pid = fix_patient(s, "Fields");
    int64_t sid = fix_session(s, pid, "supine-0", "SN-F", 1700000000);
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    struct store_rep r, back;
    fix_rep(&r, 1, ST_DIR_ADD, ST_SIDE_RIGHT, 200.0, 0.8, 70.0, t, f, FIX_SAMPLES);
    for (size_t k = 0; k < met_field_count; k++)
        met_field_set(&r.m, &met_fields[k], 1000.25 + (double)k);
    int64_t rid = 0;
    CHECK_OK(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, &rid, &err), &err);
    CHECK_OK(store_rep_get(s, rid, &back, &err), &err);
    for (size_t k = 0; k < met_field_count; k++)
        CHECK_NEAR(met_field_get(&back.m, &met_fields[k]), 1000.25 + (double)k, 0);

    /* A column no field names, and a field without its column: each is named. */
    CHECK(sqlite3_exec(s->db, "ALTER TABLE repetitions ADD COLUMN grip_n REAL", NULL, NULL, NULL) == SQLITE_OK);
    CHECK_INT(store_schema_check(s, &err), ST_ERR_DB);
    CHECK(strstr(err.msg, "repetitions.grip_n") != NULL);
    CHECK(sqlite3_exec(s->db, "ALTER TABLE repetitions DROP COLUMN grip_n;"
                              "ALTER TABLE repetitions DROP COLUMN impulse_n_s", NULL, NULL, NULL) == SQLITE_OK);
    CHECK_INT(store_schema_check(s, &err), ST_ERR_DB);
    CHECK(strstr(err.msg, "repetitions.impulse_n_s") != NULL);
    store_close(s);
}

/* Every value reaches SQL through store_bind, which checks each bind: a statement given a value it
 * has no `?` for fails with a message instead of running with a NULL in its place. */
static void test_store_binds_checked(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("binds.db", path, sizeof path);
    int64_t pid = fix_patient(s, "Binds");
    enum st_status st = store_run(s, "UPDATE patients SET notes=? WHERE id=?",
                                  STORE_VALS(sv_text("changed"), sv_int(pid), sv_int(7)), "testing binds", &err);
    CHECK(st != ST_OK);
    CHECK(strstr(err.msg, "testing binds") != NULL);
    struct store_patient p;
    CHECK_OK(store_patient_get(s, pid, &p, &err), &err);
    CHECK_STR(p.notes, ""); /* the statement never ran */
    CHECK_OK(store_run(s, "UPDATE patients SET notes=? WHERE id=?", STORE_VALS(sv_text("changed"), sv_int(pid)),
                       "testing binds", &err),
             &err);
    CHECK_OK(store_patient_get(s, pid, &p, &err), &err);
    CHECK_STR(p.notes, "changed");
    store_close(s);
}

static void test_store_uuid_and_codec(void)
{
    char a[STORE_UUID_SIZE], b[STORE_UUID_SIZE];
    store_uuid_new(a);
    store_uuid_new(b);
    CHECK_INT(strlen(a), 36);
    CHECK(strcmp(a, b) != 0);
    CHECK(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    CHECK(a[14] == '4');
    CHECK(strchr("89ab", a[19]) != NULL);
    /* Little-endian float64 pairs, t first: 1.0 is 00 00 00 00 00 00 f0 3f. */
    double t[2] = {1.0, -2.5}, f[2] = {0.5, 1e300};
    unsigned char blob[32];
    store_samples_pack(t, f, 2, blob);
    static const unsigned char one[8] = {0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
    CHECK(memcmp(blob, one, 8) == 0);
    double t2[2], f2[2];
    store_samples_unpack(blob, 2, t2, f2);
    CHECK(memcmp(t, t2, sizeof t) == 0 && memcmp(f, f2, sizeof f) == 0);
    char when[32];
    CHECK_STR(store_time_str(1700000000, when, sizeof when), "2023-11-14T22:13:20Z");
}

int main(void)
{
    CHECK_RUN(test_store_fresh_file);
    CHECK_RUN(test_store_migrations_frozen);
    CHECK_RUN(test_store_migrations);
    CHECK_RUN(test_store_orphan_sessions);
    CHECK_RUN(test_store_calibration_status);
    CHECK_RUN(test_store_session_bal_params);
    CHECK_RUN(test_store_newer_refused);
    CHECK_RUN(test_store_rep_round_trip);
    CHECK_RUN(test_store_names_round_trip);
    CHECK_RUN(test_store_validation);
    CHECK_RUN(test_store_edit_and_erase);
    CHECK_RUN(test_store_trend);
    CHECK_RUN(test_store_metric_fields_match_schema);
    CHECK_RUN(test_store_binds_checked);
    CHECK_RUN(test_store_uuid_and_codec);
    return check_done();
}
