/*
 * sync_clinic.h - the clinic's server as the sync tests use it (tests/test_sync*.c): a database per
 * case on the process's throwaway cluster (pg_cluster.h) with the schema `station server init` makes,
 * two station roles (room1, room2) in the group `station`, and the real program syncing a station's
 * file. Header-only: every helper is static.
 */
#ifndef STATION_TESTS_SYNC_CLINIC_H
#define STATION_TESTS_SYNC_CLINIC_H

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli_proc.h"
#include "pg_cluster.h"
#include "sync_fixture.h"

static char url_it[512], url_a[512], url_b[512];

/* The clinic's server as IT leaves it: a database with the schema `station server init` made, and the
 * two station roles (made once: roles belong to the whole server). Each case has its own database,
 * so what the others synced does not count in its numbers. */
static inline void clinic(const char *db_name)
{
    static bool roles;
    pg_cluster();
    if (!roles) {
        REQUIRE(pg_exec("postgres", "CREATE ROLE it LOGIN PASSWORD 'it-secret' CREATEROLE"));
        REQUIRE(pg_exec("postgres", "CREATE ROLE room1 LOGIN PASSWORD 'pw-room1'"));
        REQUIRE(pg_exec("postgres", "CREATE ROLE room2 LOGIN PASSWORD 'pw-room2'"));
    }
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER it", db_name);
    REQUIRE(pg_exec("postgres", sql));
    pg_url(url_it, sizeof url_it, "it", "it-secret", db_name);
    char db[512];
    check_tmppath(db, sizeof db, "it.db");
    char *argv[] = {"station", "server", "init", "--server", url_it, "--db", db, NULL};
    struct run r = run_cmd(NULL, argv, NULL);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "****") && !strstr(r.out, "it-secret") && !strstr(r.err, "it-secret"));
    run_free(&r);
    /* Run again it changes nothing (an update after a station update is the same command). */
    r = run_cmd(NULL, argv, NULL);
    CHECK_INT(r.status, 0);
    run_free(&r);
    if (!roles) /* IT gives each station its role in the group init made */
        REQUIRE(pg_exec("postgres", "GRANT station TO room1, room2"));
    roles = true;
    pg_url(url_a, sizeof url_a, "room1", "pw-room1", db_name);
    pg_url(url_b, sizeof url_b, "room2", "pw-room2", db_name);
}

/* `station sync --db db --server url`: exit status; the output line checked, no password shown. */
static inline int sync_at(const char *db, const char *url, char *line, size_t size)
{
    char *argv[] = {"station", "sync", "--db", (char *)db, "--server", (char *)url, NULL};
    struct run r = run_cmd(NULL, argv, NULL);
    CHECK(!strstr(r.out, "pw-room") && !strstr(r.err, "pw-room"));
    if (r.status == 0) {
        CHECK_INT(count_lines(r.out), 1);
        CHECK(strncmp(r.out, "Synced: pushed ", 15) == 0);
    } else {
        CHECK_INT(count_lines(r.err), 1);
    }
    if (line)
        snprintf(line, size, "%s", r.status == 0 ? r.out : r.err);
    int st = r.status;
    run_free(&r);
    return st;
}

static inline char *station_out(char *const argv[])
{
    struct run r = run_cmd(NULL, argv, NULL);
    CHECK_INT(r.status, 0);
    free(r.err);
    return r.out;
}

static inline int64_t count_sql(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) { /* never creates the file */
        sqlite3_close(h);
        return -1;
    }
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

#endif
