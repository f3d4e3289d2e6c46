/*
 * test_sync.c - several stations, one clinic record (issue 15) against a real PostgreSQL server
 * started by the test (tests/pg_cluster.h): `station server init` by IT's owner role, one login role
 * per station in the group `station`, and stations with their own SQLite files syncing through it with
 * the real program. Patients and sessions appear on every station with equal numbers (the JSON export
 * identical apart from local ids); a patient edited on two stations is a conflict that `patient
 * resolve` settles everywhere; erasure travels as a tombstone and a merge moves the sessions; a wrong
 * password, an unreachable server, TLS asked of a server without it, and a station role trying to
 * DELETE a rep or touch another station's rows each give a clear message and lose nothing.
 * test_sync_faults.c kills syncs and stops the server mid-sync.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

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
    res = PQexec(c, "UPDATE repetitions SET note='changed by room2' WHERE origin_role='room1'");
    CHECK_INT(PQresultStatus(res), PGRES_COMMAND_OK);
    CHECK_STR(PQcmdTuples(res), "0");
    PQclear(res);
    res = PQexec(c, "INSERT INTO patients(uuid, version, edited_by, origin_role) VALUES('x', 1, 'y', 'room1')");
    CHECK_INT(PQresultStatus(res), PGRES_FATAL_ERROR); /* may not write as another station */
    PQclear(res);
    PQfinish(c);
    CHECK_INT(pg_int("clinic4", "SELECT count(*) FROM repetitions"), reps);
    CHECK_INT(pg_int("clinic4", "SELECT count(*) FROM repetitions WHERE note='changed by room2'"), 0);
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

int main(void)
{
    CHECK_RUN(test_two_stations_share_patients_and_sessions);
    CHECK_RUN(test_conflict_kept_and_resolved);
    CHECK_RUN(test_erasure_and_merge_travel);
    CHECK_RUN(test_refusals_are_clear_and_lose_nothing);
    return check_done();
}
