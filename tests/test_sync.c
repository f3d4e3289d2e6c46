/*
 * test_sync.c - several stations, one clinic record (issue 15) against a real PostgreSQL server
 * started by the test (tests/pg_cluster.h): `station server init` by IT's owner role, one login role
 * per station in the group `station`, and stations with their own SQLite files syncing through it with
 * the real program. Patients and sessions appear on every station with equal numbers (the JSON export
 * identical apart from local ids); a patient edited on two stations is a conflict that `patient
 * resolve` settles everywhere; erasure travels as a tombstone and a merge moves the sessions; a wrong
 * password, an unreachable server, TLS asked of a server without it, and a station role trying to
 * DELETE a rep or change another station's measurement each give a clear message and lose nothing;
 * a rep decided or annotated in another room travels back to its creator, and two rooms' edits of one
 * rep are a conflict kept and settled by `station sync --resolve`; rows of an erased patient sent late
 * by an offline station are refused by the server; and TLS with a real certificate made by the test
 * (openssl): sslmode=require, verify-full with the clinic's root, refused with another root.
 * test_sync_faults.c kills syncs and stops the server mid-sync.
 */
#include <pwd.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "station/config.h"
#include "station/store/store_sync.h"
#include "station/sync/sync.h"
#include "sync_clinic.h"

/* The JSON export of a session (by UUID) with its local ids taken out. */
static char *export_norm(const char *db, const char *uuid)
{
    char *argv[] = {"station", "export", (char *)uuid, "--format", "json", "--raw", "--db", (char *)db, NULL};
    char *out = station_out(argv);
    /* "id": N and "session_id": N are this station's numbers */
    static const char *const keys[] = {"\"id\":", "\"session_id\":"};
    for (size_t k = 0; k < 2; k++)
        for (char *p = out; (p = strstr(p, keys[k])) != NULL;) {
            char *v = p + strlen(keys[k]);
            while (*v == ' ')
                v++;
            char *e = v;
            while ((*e >= '0' && *e <= '9') || *e == '-')
                e++;
            memmove(v, e, strlen(e) + 1);
            p = v;
        }
    return out;
}

static void test_two_stations_share_patients_and_sessions(void)
{
    clinic("clinic1");
    char a[512], b[512], line[1024];
    check_tmppath(a, sizeof a, "a.db");
    check_tmppath(b, sizeof b, "b.db");
    sync_fix_records(a, "Ann Room-One", 0, 2, 4, "SN-ROOM1");
    sync_fix_records(b, "Bea Room-Two", 0, 1, 2, "SN-ROOM2");
    char *note_argv[] = {"station", "note", "1", "--text", "left side sore", "--db", a, NULL};
    free(station_out(note_argv));
    CHECK_INT(sync_at(a, url_a, line, sizeof line), 0);
    CHECK(strstr(line, "pushed 0,") == NULL);
    CHECK_INT(sync_at(b, url_b, line, sizeof line), 0);
    CHECK(strstr(line, "pulled 0,") == NULL);
    CHECK_INT(sync_at(a, url_a, line, sizeof line), 0);
    /* Equal numbers on both. */
    static const char *const counts[] = {
        "SELECT count(*) FROM patients", "SELECT count(*) FROM sessions", "SELECT count(*) FROM repetitions",
        "SELECT count(*) FROM rep_samples", "SELECT count(*) FROM body_mass", "SELECT count(*) FROM session_notes",
        "SELECT count(*) FROM session_devices", "SELECT count(DISTINCT uuid) FROM repetitions",
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        CHECK_INT(count_sql(a, counts[i]), count_sql(b, counts[i]));
    CHECK_INT(count_sql(b, "SELECT count(*) FROM sessions"), 3);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM repetitions"), 10);
    /* Every session exports the same on both stations, apart from local ids: patient, protocol,
     * device, every rep's metrics and raw samples. */
    sqlite3 *h = NULL;
    REQUIRE(sqlite3_open(a, &h) == SQLITE_OK);
    sqlite3_stmt *st = NULL;
    REQUIRE(sqlite3_prepare_v2(h, "SELECT uuid FROM sessions", -1, &st, NULL) == SQLITE_OK);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *uuid = (const char *)sqlite3_column_text(st, 0);
        char *ja = export_norm(a, uuid), *jb = export_norm(b, uuid);
        CHECK(strlen(ja) > 1000);
        if (strcmp(ja, jb) != 0)
            fprintf(stderr, "export of %s differs between the stations:\n%.600s\n---\n%.600s\n", uuid, ja, jb);
        CHECK_STR(ja, jb);
        free(ja);
        free(jb);
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    CHECK_INT(n, 3);
    /* Nothing waits; the status names the server without its password. */
    char *status_argv[] = {"station", "sync", "--status", "--server", url_b, "--db", b, NULL};
    char *out = station_out(status_argv);
    CHECK(strstr(out, "Rows waiting: 0") && strstr(out, "Conflicts waiting: 0") && strstr(out, "room2:****@"));
    CHECK(strstr(out, "pw-room2") == NULL);
    CHECK(strstr(out, "Last success: 20") != NULL);
    free(out);
    /* A second sync with nothing new sends and receives nothing. */
    CHECK_INT(sync_at(b, url_b, line, sizeof line), 0);
    CHECK(strstr(line, "pushed 0, pulled 0, 0 conflict(s)") != NULL);
    /* Room 1's dynamometer moved to a third station, which registered it as its own before syncing:
     * one device there, under its own UUID, and room 1's sessions name it (an alias, not a copy). */
    char c[512];
    check_tmppath(c, sizeof c, "c.db");
    sync_fix_records(c, "Cai Room-Three", 0, 1, 1, "SN-ROOM1");
    CHECK_INT(sync_at(c, url_b, NULL, 0), 0);
    CHECK_INT(count_sql(c, "SELECT count(*) FROM devices WHERE serial='SN-ROOM1'"), 1);
    CHECK_INT(count_sql(c, "SELECT count(*) FROM sessions"), 4);
    CHECK_INT(count_sql(c, "SELECT count(*) FROM session_devices sd JOIN devices d ON d.id=sd.device_id"
                           " WHERE d.serial='SN-ROOM1'"),
              3);
    CHECK_INT(count_sql(c, "SELECT count(*) FROM sync_alias WHERE tbl='devices'"), 1);
}

/* The patient's row on a station: version and reference. */
static void patient_state(const char *db, const char *uuid, int64_t *version, char *ref, size_t size)
{
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(db, &s, &err), &err);
    REQUIRE(s);
    int64_t id = 0;
    CHECK_OK(store_patient_find(s, uuid, &id, &err), &err);
    struct store_row_identity ri;
    CHECK_OK(store_row_identity(s, "patients", id, &ri, &err), &err);
    *version = ri.version;
    struct store_patient p;
    CHECK_OK(store_patient_get(s, id, &p, &err), &err);
    snprintf(ref, size, "%s", p.ref);
    store_close(s);
}

static void edit_ref(const char *db, const char *uuid, const char *ref)
{
    char *argv[] = {"station", "patient", "edit", (char *)uuid, "--ref", (char *)ref, "--db", (char *)db, NULL};
    free(station_out(argv));
}

static void test_conflict_kept_and_resolved(void)
{
    clinic("clinic2");
    char a[512], b[512], line[1024];
    check_tmppath(a, sizeof a, "ca.db");
    check_tmppath(b, sizeof b, "cb.db");
    sync_fix_records(a, "Cy Conflict", 0, 1, 2, "SN-ROOM1");
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(a, &s, &err), &err);
    struct store_row_identity ri;
    CHECK_OK(store_row_identity(s, "patients", 1, &ri, &err), &err);
    char me_a[STORE_UUID_SIZE];
    CHECK_OK(store_station_uuid(s, me_a, &err), &err);
    store_close(s);
    char uuid[STORE_UUID_SIZE];
    snprintf(uuid, sizeof uuid, "%s", ri.uuid);
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    CHECK_INT(sync_at(b, url_b, NULL, 0), 0);
    /* Both edit before syncing. */
    edit_ref(a, uuid, "R-A");
    edit_ref(b, uuid, "R-B");
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    CHECK_INT(sync_at(b, url_b, line, sizeof line), 0);
    CHECK(strstr(line, " 1 conflict(s)") != NULL);
    CHECK_INT(sync_at(a, url_a, line, sizeof line), 0);
    CHECK(strstr(line, " 1 conflict(s)") != NULL);
    /* Nothing was overwritten: each keeps its own, and says so. */
    int64_t va = 0, vb = 0;
    char ra[64], rb[64];
    patient_state(a, uuid, &va, ra, sizeof ra);
    patient_state(b, uuid, &vb, rb, sizeof rb);
    CHECK_STR(ra, "R-A");
    CHECK_STR(rb, "R-B");
    CHECK_INT(va, 2);
    CHECK_INT(vb, 2);
    char *status_argv[] = {"station", "sync", "--status", "--server", url_b, "--db", b, NULL};
    char *out = station_out(status_argv);
    CHECK(strstr(out, "Conflicts waiting: 1") != NULL);
    CHECK(strstr(out, "  patients: 1 (") != NULL);
    free(out);
    char *show_argv[] = {"station", "patient", "show", uuid, "--db", b, NULL};
    out = station_out(show_argv);
    char token[48];
    snprintf(token, sizeof token, "2@%.8s", me_a);
    CHECK(strstr(out, "Conflict:") != NULL);
    CHECK(strstr(out, token) != NULL);
    CHECK(strstr(out, "R-A") && strstr(out, "R-B"));
    free(out);
    /* A wrong or ambiguous version is refused with words; B keeps A's version. */
    char *bad_argv[] = {"station", "patient", "resolve", uuid, "--keep", "9@ffffffff", "--db", b, NULL};
    struct run r = run_cmd(NULL, bad_argv, NULL);
    CHECK_INT(r.status, 1);
    CHECK(strstr(r.err, "no version") != NULL);
    run_free(&r);
    char *amb_argv[] = {"station", "patient", "resolve", uuid, "--keep", "2", "--db", b, NULL};
    r = run_cmd(NULL, amb_argv, NULL);
    CHECK_INT(r.status, 1);
    CHECK(strstr(r.err, "VERSION@STATION") != NULL);
    run_free(&r);
    char *keep_argv[] = {"station", "patient", "resolve", uuid, "--keep", token, "--db", b, NULL};
    free(station_out(keep_argv));
    CHECK_INT(sync_at(b, url_b, NULL, 0), 0);
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    patient_state(a, uuid, &va, ra, sizeof ra);
    patient_state(b, uuid, &vb, rb, sizeof rb);
    CHECK_STR(ra, "R-A");
    CHECK_STR(rb, "R-A");
    CHECK_INT(va, 3);
    CHECK_INT(vb, 3);
    CHECK_INT(count_sql(a, "SELECT count(*) FROM sync_conflicts"), 0);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM sync_conflicts"), 0);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM audit WHERE field='version' AND action='edit'"), 1);
    char *show_a[] = {"station", "patient", "show", uuid, "--db", a, NULL};
    out = station_out(show_a);
    CHECK(strstr(out, "Conflict:") == NULL);
    free(out);
}

static void test_erasure_and_merge_travel(void)
{
    clinic("clinic3");
    char a[512], b[512];
    check_tmppath(a, sizeof a, "ea.db");
    check_tmppath(b, sizeof b, "eb.db");
    sync_fix_records(a, "Del Erased", 0, 1, 2, "SN-ROOM1");    /* patient 1 on A */
    sync_fix_records(a, "Mo Kept", 0, 1, 2, "SN-ROOM1");       /* patient 2 on A */
    sync_fix_records(b, "Mo Twice", 0, 1, 2, "SN-ROOM2");      /* the same person, registered on B */
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    CHECK_INT(sync_at(b, url_b, NULL, 0), 0);
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM patients"), 3);
    char del_uuid[64] = "", twice_uuid[64] = "";
    sqlite3 *h = NULL;
    REQUIRE(sqlite3_open(a, &h) == SQLITE_OK);
    sqlite3_stmt *st = NULL;
    REQUIRE(sqlite3_prepare_v2(h, "SELECT uuid FROM patients WHERE display_name=?", -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, "Del Erased", -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(del_uuid, sizeof del_uuid, "%s", sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, "Mo Twice", -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(twice_uuid, sizeof twice_uuid, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    REQUIRE(strlen(del_uuid) == 36 && strlen(twice_uuid) == 36);
    /* On A: erase one patient, and merge B's record of Mo into A's. */
    char *del_argv[] = {"station", "patient", "delete", del_uuid, "--yes", "--db", a, NULL};
    free(station_out(del_argv));
    char *merge_argv[] = {"station", "patient", "merge", "2", twice_uuid, "--yes", "--db", a, NULL};
    free(station_out(merge_argv));
    CHECK_INT(count_sql(a, "SELECT count(*) FROM sessions WHERE patient_id=2"), 2);
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    char line[1024];
    CHECK_INT(sync_at(b, url_b, line, sizeof line), 0);
    CHECK(strstr(line, "patients erased by another station") != NULL);
    /* On B too: the erased patient is gone with their sessions, audited there; Mo is one record with
     * both sessions. */
    CHECK_INT(count_sql(b, "SELECT count(*) FROM patients"), 1);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM sessions"), 2);
    CHECK_INT(count_sql(b, "SELECT count(DISTINCT patient_id) FROM sessions"), 1);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM audit WHERE action='delete' AND tbl='patients'"
                           " AND origin=(SELECT station_uuid FROM sync_meta)"),
              2); /* B's own erasures (A's audit rows of them came too) */
    /* The server keeps none of the erased patient, and the merged record's rows are the kept one's;
     * a station that comes later never sees them. */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM patients WHERE uuid IN ('%s', '%s')", del_uuid, twice_uuid);
    CHECK_INT(pg_int("clinic3", sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE patient_id IN ('%s', '%s')", del_uuid, twice_uuid);
    CHECK_INT(pg_int("clinic3", sql), 0);
    CHECK_INT(pg_int("clinic3", "SELECT count(*) FROM sessions"), 2);
    CHECK_INT(pg_int("clinic3", "SELECT count(*) FROM repetitions"), 4);
    char c[512];
    check_tmppath(c, sizeof c, "ec.db");
    CHECK_INT(sync_at(c, url_b, NULL, 0), 0);
    CHECK_INT(count_sql(c, "SELECT count(*) FROM patients"), 1);
    CHECK_INT(count_sql(c, "SELECT count(*) FROM sessions"), 2);
    CHECK_INT(count_sql(c, "SELECT count(*) FROM sync_tombstones"), 2);
    /* A later sync brings nothing back. */
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    CHECK_INT(sync_at(b, url_b, NULL, 0), 0);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM patients"), 1);
    CHECK_INT(count_sql(a, "SELECT count(*) FROM patients"), 1);
}

static void test_refusals_are_clear_and_lose_nothing(void)
{
    clinic("clinic4");
    char a[512], line[1024], url[512];
    check_tmppath(a, sizeof a, "ra.db");
    sync_fix_records(a, "Rae Refused", 0, 1, 2, "SN-ROOM1");
    int64_t waiting = count_sql(a, "SELECT count(*) FROM repetitions");
    /* A wrong password. */
    CHECK_INT(sync_at(a, pg_url(url, sizeof url, "room1", "wrong-secret", "clinic4"), line, sizeof line), 1);
    CHECK(strstr(line, "refused the station's role and password") != NULL);
    CHECK(strstr(line, "wrong-secret") == NULL);
    /* No server on that port. */
    snprintf(url, sizeof url, "postgresql://room1:pw-room1@127.0.0.1:%d/clinic4", pg_free_port());
    CHECK_INT(sync_at(a, url, line, sizeof line), 1);
    CHECK(strstr(line, "cannot be reached") && strstr(line, "offline"));
    /* TLS asked of a server without it: sslmode goes through to libpq. */
    snprintf(url, sizeof url, "postgresql://room1:pw-room1@127.0.0.1:%d/clinic4?sslmode=require", pg_cluster()->port);
    CHECK_INT(sync_at(a, url, line, sizeof line), 1);
    CHECK(strstr(line, "SSL") != NULL);
    /* A database IT never ran `station server init` on. */
    REQUIRE(pg_exec("postgres", "CREATE DATABASE bare"));
    REQUIRE(pg_exec("bare", "GRANT USAGE ON SCHEMA public TO room1"));
    CHECK_INT(sync_at(a, pg_url(url, sizeof url, "room1", "pw-room1", "bare"), line, sizeof line), 1);
    CHECK(strstr(line, "station server init") != NULL);
    /* Nothing was lost or marked sent; the status says what failed. */
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(a, &s, &err), &err);
    int64_t n = 0;
    CHECK_OK(store_sync_waiting(s, &n, &err), &err);
    CHECK(n > waiting);
    store_close(s);
    char *status_argv[] = {"station", "sync", "--status", "--db", a, NULL};
    char *out = station_out(status_argv);
    CHECK(strstr(out, "Last failure: ") && strstr(out, "Last success: never"));
    free(out);
    /* Then it syncs, and the station role cannot DELETE a rep, DROP a table, or change another
     * station's row (row-level security: zero rows). */
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    long long reps = pg_int("clinic4", "SELECT count(*) FROM repetitions");
    CHECK(reps >= 2);
    PGconn *c = PQconnectdb(url_b);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    PGresult *res = PQexec(c, "DELETE FROM repetitions");
    CHECK_INT(PQresultStatus(res), PGRES_FATAL_ERROR);
    CHECK_STR(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501");
    PQclear(res);
    res = PQexec(c, "DROP TABLE repetitions");
    CHECK_INT(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);
    /* Another station's rep: its measurement, its maker and its samples are out of reach (the
     * server's station_edit_check, row-level security)... */
    static const char *const refused[] = {
        "UPDATE repetitions SET peak_n=peak_n+1 WHERE origin_role='room1'",
        "UPDATE repetitions SET origin_role='room2' WHERE origin_role='room1'",
        "UPDATE sessions SET status='aborted' WHERE origin_role='room1'",
        "UPDATE audit SET new_value='rewritten' WHERE origin_role='room1'",
        "INSERT INTO patients(uuid, version, edited_by, origin_role) VALUES('x', 1, 'y', 'room1')",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        res = PQexec(c, refused[i]);
        CHECK_INT(PQresultStatus(res), PGRES_FATAL_ERROR);
        CHECK_STR(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501");
        PQclear(res);
    }
    res = PQexec(c, "UPDATE rep_samples SET data='\\x00' WHERE origin_role='room1'");
    CHECK_INT(PQresultStatus(res), PGRES_COMMAND_OK);
    CHECK_STR(PQcmdTuples(res), "0");
    PQclear(res);
    long long peak = pg_int("clinic4", "SELECT sum(peak_n)::bigint FROM repetitions");
    long long samples = pg_int("clinic4", "SELECT sum(length(data)) FROM rep_samples");
    /* ... its decision and annotation are not (what room 2 decides about room 1's rep travels). */
    res = PQexec(c, "UPDATE repetitions SET note='seen in room 2', status='rejected' WHERE origin_role='room1'");
    CHECK_INT(PQresultStatus(res), PGRES_COMMAND_OK);
    CHECK_STR(PQcmdTuples(res), "2");
    PQclear(res);
    PQfinish(c);
    CHECK_INT(pg_int("clinic4", "SELECT count(*) FROM repetitions"), reps);
    CHECK_INT(pg_int("clinic4", "SELECT sum(peak_n)::bigint FROM repetitions"), peak);
    CHECK_INT(pg_int("clinic4", "SELECT sum(length(data)) FROM rep_samples"), samples);
    CHECK_INT(pg_int("clinic4", "SELECT count(*) FROM repetitions WHERE origin_role='room1'"), reps);
    /* The sync's own words for the refusal, through its error path. */
    struct st_err e2;
    st_err_clear(&e2);
    char db2[512];
    check_tmppath(db2, sizeof db2, "ra2.db");
    CHECK_OK(store_open(db2, &s, &err), &err);
    char shown[512];
    config_server_masked(url_b, shown, sizeof shown);
    CHECK_INT(sync_server_init(s, url_b, shown, &e2), ST_ERR_IO); /* a station role cannot change the schema */
    CHECK(strstr(st_err_msg(&e2), "room2:****@") && !strstr(st_err_msg(&e2), "pw-room2"));
    store_close(s);
}

/* The first column of the first row of a query on a station's file, as text, into out ("" none). */
static void text_sql(const char *db, const char *sql, char *out, size_t size)
{
    out[0] = '\0';
    sqlite3 *h = NULL;
    REQUIRE(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    sqlite3_stmt *st = NULL;
    REQUIRE(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* What the window does with a rep in another room: the pain and a note, or a decision. */
static void annotate(const char *db, const char *rep_uuid, int pain, const char *note)
{
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(db, &s, &err), &err);
    REQUIRE(s);
    CHECK_OK(store_rep_annotate(s, rep_uuid, pain, note, 0, &err), &err);
    store_close(s);
}

static void test_edits_of_another_stations_rows_travel(void)
{
    clinic("clinic5");
    char a[512], b[512], line[1024], rep1[64], rep2[64], sql[256];
    check_tmppath(a, sizeof a, "xa.db");
    check_tmppath(b, sizeof b, "xb.db");
    sync_fix_records(a, "Eda Edited", 0, 1, 2, "SN-ROOM1");
    text_sql(a, "SELECT uuid FROM repetitions WHERE sequence=1", rep1, sizeof rep1);
    text_sql(a, "SELECT uuid FROM repetitions WHERE sequence=2", rep2, sizeof rep2);
    REQUIRE(strlen(rep1) == 36 && strlen(rep2) == 36);
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    CHECK_INT(sync_at(b, url_b, NULL, 0), 0);
    long long samples = pg_int("clinic5", "SELECT sum(length(data)) FROM rep_samples");
    /* Room 2, on room 1's session: the pain and a note on rep 1, rep 2 rejected; room 1's dynamometer
     * plugged in here with new firmware. */
    annotate(b, rep1, 3, "sore in room 2");
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(b, &s, &err), &err);
    CHECK_OK(store_rep_decide(s, rep2, STORE_REP_REJECTED, false, 0, "hip moved", &err), &err);
    struct store_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.family, sizeof d.family, "chronojump");
    snprintf(d.serial, sizeof d.serial, "SN-ROOM1");
    snprintf(d.model, sizeof d.model, "force sensor");
    snprintf(d.firmware, sizeof d.firmware, "2.1");
    snprintf(d.unit, sizeof d.unit, "N");
    d.capacity_n = 4000;
    CHECK_OK(store_device_ensure(s, &d, &err), &err);
    /* ... and checked its calibration here: a new row of room 2's about room 1's device */
    struct store_calibration cal = {.device_id = d.id, .reference_kg = 20.0, .reading_n = 196.5, .ok = true};
    cal.error_pct = 100.0 * (196.5 - 20.0 * 9.80665) / (20.0 * 9.80665);
    CHECK_OK(store_calibration_add(s, &cal, &err), &err);
    store_close(s);
    CHECK_INT(sync_at(b, url_b, line, sizeof line), 0);
    CHECK(strstr(line, "pushed 0,") == NULL && strstr(line, " 0 conflict(s)") != NULL);
    /* Room 1 takes them: the rep's annotation and decision, the device, the audit rows of both. */
    CHECK_INT(sync_at(a, url_a, line, sizeof line), 0);
    CHECK(strstr(line, "pulled 0,") == NULL);
    snprintf(sql, sizeof sql, "SELECT pain||' '||note FROM repetitions WHERE uuid='%s'", rep1);
    char got[128];
    text_sql(a, sql, got, sizeof got);
    CHECK_STR(got, "3 sore in room 2");
    snprintf(sql, sizeof sql, "SELECT status||' '||counts FROM repetitions WHERE uuid='%s'", rep2);
    text_sql(a, sql, got, sizeof got);
    CHECK_STR(got, "rejected 0");
    text_sql(a, "SELECT firmware FROM devices WHERE serial='SN-ROOM1'", got, sizeof got);
    CHECK_STR(got, "2.1");
    text_sql(a, "SELECT c.reading_n FROM calibrations c JOIN devices d ON d.id=c.device_id WHERE d.serial='SN-ROOM1'",
             got, sizeof got);
    CHECK_STR(got, "196.5");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE row_uuid IN ('%s', '%s')", rep1, rep2);
    CHECK(count_sql(a, sql) >= 3); /* pain, note, the rejection */
    CHECK_INT(count_sql(a, sql), count_sql(b, sql));
    /* On the server the rows are still room 1's, the measurement and samples as room 1 sent them. */
    CHECK_INT(pg_int("clinic5", "SELECT count(*) FROM repetitions WHERE origin_role='room1'"), 2);
    CHECK_INT(pg_int("clinic5", "SELECT sum(length(data)) FROM rep_samples"), samples);
    /* A second sync brings nothing back and sends nothing. */
    CHECK_INT(sync_at(a, url_a, line, sizeof line), 0);
    CHECK(strstr(line, "pushed 0, pulled 0, 0 conflict(s)") != NULL);

    /* Both rooms change rep 1's note before syncing: room 1 first, so room 2's edit is refused by the
     * server - kept there and here, nothing overwritten - and shown as a conflict until settled. */
    annotate(a, rep1, 3, "room 1 says");
    annotate(b, rep1, 4, "room 2 says");
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    CHECK_INT(sync_at(b, url_b, line, sizeof line), 0);
    if (!strstr(line, " 1 conflict(s)"))
        fprintf(stderr, "%s", line);
    CHECK(strstr(line, " 1 conflict(s)") != NULL);
    snprintf(sql, sizeof sql, "SELECT note FROM repetitions WHERE uuid='%s'", rep1);
    text_sql(b, sql, got, sizeof got);
    CHECK_STR(got, "room 2 says");
    text_sql(a, sql, got, sizeof got);
    CHECK_STR(got, "room 1 says");
    CHECK_INT(pg_int("clinic5", "SELECT count(*) FROM sync_row_versions WHERE vals->>'note'='room 2 says'"), 1);
    char *status_argv[] = {"station", "sync", "--status", "--db", b, NULL};
    char *out = station_out(status_argv);
    CHECK(strstr(out, "Conflicts waiting: 1") != NULL);
    CHECK(strstr(out, rep1) && strstr(out, "rep 1 of session") && strstr(out, "(here)"));
    free(out);
    /* Room 1, whose edit won, shows the same conflict at its next sync. */
    CHECK_INT(sync_at(a, url_a, line, sizeof line), 0);
    CHECK(strstr(line, " 1 conflict(s)") != NULL);
    char *status_a[] = {"station", "sync", "--status", "--db", a, NULL};
    out = station_out(status_a);
    CHECK(strstr(out, "Conflicts waiting: 1") && strstr(out, rep1));
    free(out);
    text_sql(a, sql, got, sizeof got);
    CHECK_STR(got, "room 1 says");
    /* Room 2's row waits (it is not sent) while in conflict; a sync changes nothing. */
    CHECK_INT(sync_at(b, url_b, line, sizeof line), 0);
    CHECK(strstr(line, "pushed 0,") != NULL);
    text_sql(b, sql, got, sizeof got);
    CHECK_STR(got, "room 2 says");
    /* Room 2 keeps room 1's version: it becomes the next version everywhere. */
    char token[48], before[16];
    snprintf(sql, sizeof sql, "SELECT version||'@'||substr(edited_by,1,8) FROM repetitions WHERE uuid='%s'", rep1);
    text_sql(a, sql, token, sizeof token);
    snprintf(sql, sizeof sql, "SELECT version+1 FROM repetitions WHERE uuid='%s'", rep1);
    text_sql(a, sql, before, sizeof before);
    snprintf(sql, sizeof sql, "SELECT note FROM repetitions WHERE uuid='%s'", rep1);
    char *bad_argv[] = {"station", "sync", "--resolve", rep1, "--keep", "9", "--db", b, NULL};
    struct run r = run_cmd(NULL, bad_argv, NULL);
    CHECK_INT(r.status, 1);
    CHECK(strstr(r.err, "no version") != NULL);
    run_free(&r);
    char *keep_argv[] = {"station", "sync", "--resolve", rep1, "--keep", token, "--db", b, NULL};
    free(station_out(keep_argv));
    text_sql(b, sql, got, sizeof got);
    CHECK_STR(got, "room 1 says");
    CHECK_INT(sync_at(b, url_b, NULL, 0), 0);
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    char va[64], vb[64];
    snprintf(sql, sizeof sql, "SELECT version||' '||pain||' '||note FROM repetitions WHERE uuid='%s'", rep1);
    text_sql(a, sql, va, sizeof va);
    text_sql(b, sql, vb, sizeof vb);
    char want[64];
    snprintf(want, sizeof want, "%s 3 room 1 says", before);
    CHECK_STR(va, want);
    CHECK_STR(vb, va);
    CHECK_INT(count_sql(a, "SELECT count(*) FROM sync_row_conflicts"), 0);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM sync_row_conflicts"), 0);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM audit WHERE field='version' AND tbl='repetitions'"), 1);
}

/* A patient's local id on a station, by UUID, as text (what the commands take). */
static void patient_id_of(const char *db, const char *uuid, char *out, size_t size)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT id FROM patients WHERE uuid='%s'", uuid);
    text_sql(db, sql, out, size);
    REQUIRE(*out);
}

static void test_rows_of_an_erased_patient_sent_late_are_refused(void)
{
    clinic("clinic6");
    char a[512], b[512], c[512], line[1024], gone[64], from[64], into[64], id[32], sql[512];
    check_tmppath(a, sizeof a, "la.db");
    check_tmppath(b, sizeof b, "lb.db");
    sync_fix_records(a, "Gus Gone", 0, 1, 2, "SN-ROOM1");
    sync_fix_records(a, "Mae Twice", 0, 1, 1, "SN-ROOM1");
    sync_fix_records(a, "Mae Kept", 0, 1, 1, "SN-ROOM1");
    text_sql(a, "SELECT uuid FROM patients WHERE display_name='Gus Gone'", gone, sizeof gone);
    text_sql(a, "SELECT uuid FROM patients WHERE display_name='Mae Twice'", from, sizeof from);
    text_sql(a, "SELECT uuid FROM patients WHERE display_name='Mae Kept'", into, sizeof into);
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    CHECK_INT(sync_at(b, url_b, NULL, 0), 0);
    /* Room 2, offline: a new session and body mass for Gus, a note on his rep from room 1, and a
     * session for Mae's second record. */
    patient_id_of(b, gone, id, sizeof id);
    sync_fix_records(b, NULL, strtoll(id, NULL, 10), 1, 2, "SN-ROOM2");
    char *mass_argv[] = {"station", "patient", "edit", id, "--mass-kg", "71.5", "--db", b, NULL};
    free(station_out(mass_argv));
    snprintf(sql, sizeof sql,
             "SELECT r.uuid FROM repetitions r JOIN sessions x ON x.id=r.session_id JOIN patients p ON"
             " p.id=x.patient_id WHERE p.uuid='%s' AND r.origin<>(SELECT station_uuid FROM sync_meta)",
             gone);
    char rep[64];
    text_sql(b, sql, rep, sizeof rep);
    annotate(b, rep, 2, "late note");
    patient_id_of(b, from, id, sizeof id);
    sync_fix_records(b, NULL, strtoll(id, NULL, 10), 1, 1, "SN-ROOM2");
    /* Meanwhile room 1 erases Gus and merges Mae's second record into the first. */
    patient_id_of(a, gone, id, sizeof id);
    char *del_argv[] = {"station", "patient", "delete", id, "--yes", "--db", a, NULL};
    free(station_out(del_argv));
    char keep_id[32], from_id[32];
    patient_id_of(a, into, keep_id, sizeof keep_id);
    patient_id_of(a, from, from_id, sizeof from_id);
    char *merge_argv[] = {"station", "patient", "merge", keep_id, from_id, "--yes", "--db", a, NULL};
    free(station_out(merge_argv));
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    /* Room 2 syncs: the server refuses Gus's rows (nothing of him stays there) and moves Mae's to the
     * kept record; room 2 erases Gus at that sync, audited, and merges Mae. */
    CHECK_INT(sync_at(b, url_b, line, sizeof line), 0);
    CHECK(strstr(line, "patients erased by another station") != NULL);
    char on_server[512];
    snprintf(on_server, sizeof on_server,
             "SELECT (SELECT count(*) FROM sessions WHERE patient_id='%s') + (SELECT count(*) FROM body_mass"
             " WHERE patient_id='%s') + (SELECT count(*) FROM patients WHERE uuid='%s')",
             gone, gone, gone);
    CHECK_INT(pg_int("clinic6", on_server), 0);
    CHECK_INT(pg_int("clinic6", "SELECT count(*) FROM repetitions r WHERE NOT EXISTS (SELECT 1 FROM sessions x"
                                " WHERE x.uuid=r.session_id)"),
              0);
    CHECK_INT(pg_int("clinic6", "SELECT count(*) FROM rep_samples s WHERE NOT EXISTS (SELECT 1 FROM repetitions r"
                                " WHERE r.uuid=s.rep_id)"),
              0);
    CHECK_INT(pg_int("clinic6", "SELECT count(*) FROM repetitions WHERE note='late note'"), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE patient_id='%s'", into);
    CHECK_INT(pg_int("clinic6", sql), 3); /* Mae's two from room 1 and room 2's new one */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM patients WHERE uuid='%s'", gone);
    CHECK_INT(count_sql(b, sql), 0);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM patients"), 1);
    CHECK_INT(count_sql(b, "SELECT count(*) FROM sessions"), 3);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit WHERE action='delete' AND tbl='patients' AND row_uuid='%s'"
             " AND origin=(SELECT station_uuid FROM sync_meta) AND reason LIKE 'erased on station %%'",
             gone);
    CHECK_INT(count_sql(b, sql), 1);
    /* Nothing comes back on a later sync, here or on a station that joins now. */
    CHECK_INT(sync_at(a, url_a, NULL, 0), 0);
    CHECK_INT(sync_at(b, url_b, NULL, 0), 0); /* its erasure's own audit rows and tombstone */
    CHECK_INT(sync_at(b, url_b, line, sizeof line), 0);
    CHECK(strstr(line, "pushed 0, pulled 0,") != NULL);
    CHECK_INT(pg_int("clinic6", on_server), 0);
    check_tmppath(c, sizeof c, "lc.db");
    CHECK_INT(sync_at(c, url_b, NULL, 0), 0);
    CHECK_INT(count_sql(c, "SELECT count(*) FROM patients"), 1);
    CHECK_INT(count_sql(c, "SELECT count(*) FROM sessions"), 3);
    CHECK_INT(count_sql(a, "SELECT count(*) FROM sessions"), 3);
}

/* Runs openssl with argv; true when it succeeded (its words on stderr if not). */
static bool openssl(char *const argv[])
{
    struct run r = run_cmd("openssl", argv, NULL);
    if (r.status != 0)
        fprintf(stderr, "openssl %s: %s\n", argv[1], r.err);
    bool ok = r.status == 0;
    run_free(&r);
    return ok;
}

/* A self-signed root certificate (and its key) at dir/NAME.crt, dir/NAME.key. */
static bool make_root(const char *dir, const char *name)
{
    char crt[600], key[600], subj[128];
    snprintf(crt, sizeof crt, "%s/%s.crt", dir, name);
    snprintf(key, sizeof key, "%s/%s.key", dir, name);
    snprintf(subj, sizeof subj, "/CN=Test clinic root %s", name);
    char *argv[] = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", subj, NULL};
    return openssl(argv);
}

static void test_tls_with_a_real_certificate(void)
{
    clinic("clinic7");
    const struct pg_cluster *pg = pg_cluster();
    char a[512], line[1024], url[1024];
    check_tmppath(a, sizeof a, "ta.db");
    sync_fix_records(a, "Tia Tls", 0, 1, 2, "SN-ROOM1");
    /* The clinic's root, the server's certificate for 127.0.0.1 signed by it, and another root. */
    char dir[512], csr[600], crt[600], key[600], root[600], root_key[600], ext[600], wrong[600];
    check_tmppath(dir, sizeof dir, "tls");
    REQUIRE(mkdir(dir, 0700) == 0 || access(dir, F_OK) == 0);
    REQUIRE(make_root(dir, "root") && make_root(dir, "wrong"));
    snprintf(root, sizeof root, "%s/root.crt", dir);
    snprintf(root_key, sizeof root_key, "%s/root.key", dir);
    snprintf(wrong, sizeof wrong, "%s/wrong.crt", dir);
    snprintf(csr, sizeof csr, "%s/server.csr", dir);
    snprintf(ext, sizeof ext, "%s/server.ext", dir);
    snprintf(crt, sizeof crt, "%s/server.crt", pg->dir);
    snprintf(key, sizeof key, "%s/server.key", pg->dir);
    FILE *f = fopen(ext, "w");
    REQUIRE(f);
    fprintf(f, "subjectAltName=IP:127.0.0.1\n");
    fclose(f);
    char *req_argv[] = {"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1", NULL};
    REQUIRE(openssl(req_argv));
    char *sign_argv[] = {"openssl", "x509", "-req", "-in", csr, "-CA", root, "-CAkey", root_key,
                         "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext, NULL};
    REQUIRE(openssl(sign_argv));
    /* The server's key is the server's alone (PostgreSQL refuses one others may read). */
    REQUIRE(chmod(key, 0600) == 0);
    if (getuid() == 0) {
        struct passwd *pw = getpwnam("postgres");
        REQUIRE(pw && chown(key, pw->pw_uid, pw->pw_gid) == 0 && chown(crt, pw->pw_uid, pw->pw_gid) == 0);
    }
    REQUIRE(pg_cluster_stop());
    snprintf(pg_the.extra, sizeof pg_the.extra, "-c ssl=on -c ssl_cert_file=%s -c ssl_key_file=%s", crt, key);
    REQUIRE(pg_cluster_start_again());
    /* sslmode=require: encrypted, the certificate not checked. */
    snprintf(url, sizeof url, "postgresql://room1:pw-room1@127.0.0.1:%d/clinic7?sslmode=require", pg->port);
    CHECK_INT(sync_at(a, url, line, sizeof line), 0);
    CHECK_INT(pg_int("clinic7", "SELECT count(*) FROM repetitions"), 2);
    /* verify-full with the clinic's root: the certificate and the name checked. */
    snprintf(url, sizeof url,
             "postgresql://room1:pw-room1@127.0.0.1:%d/clinic7?sslmode=verify-full&sslrootcert=%s", pg->port, root);
    CHECK_INT(sync_at(a, url, line, sizeof line), 0);
    /* ... with another root: refused, in words, the password never shown. */
    snprintf(url, sizeof url,
             "postgresql://room1:pw-room1@127.0.0.1:%d/clinic7?sslmode=verify-full&sslrootcert=%s", pg->port, wrong);
    CHECK_INT(sync_at(a, url, line, sizeof line), 1);
    CHECK(strstr(line, "certificate") && strstr(line, "sslrootcert") && strstr(line, "room1:****@"));
    CHECK(strstr(line, "pw-room1") == NULL);
    /* ... with a root file that is not there. */
    snprintf(url, sizeof url,
             "postgresql://room1:pw-room1@127.0.0.1:%d/clinic7?sslmode=verify-full&sslrootcert=%s/none.crt",
             pg->port, dir);
    CHECK_INT(sync_at(a, url, line, sizeof line), 1);
    CHECK(strstr(line, "cannot be read") != NULL);
    /* The server, back without TLS for whatever runs after. */
    REQUIRE(pg_cluster_stop());
    pg_the.extra[0] = '\0';
    REQUIRE(pg_cluster_start_again());
}

int main(void)
{
    CHECK_RUN(test_two_stations_share_patients_and_sessions);
    CHECK_RUN(test_conflict_kept_and_resolved);
    CHECK_RUN(test_erasure_and_merge_travel);
    CHECK_RUN(test_refusals_are_clear_and_lose_nothing);
    CHECK_RUN(test_edits_of_another_stations_rows_travel);
    CHECK_RUN(test_rows_of_an_erased_patient_sent_late_are_refused);
    CHECK_RUN(test_tls_with_a_real_certificate);
    return check_done();
}
