/*
 * test_sync_identity.c - identity that survives merging stations (issue 15, step 1), without a server:
 * every synced row gets its UUID, the UUID of the station that made it and a version; an edit makes
 * the next version by this station; rows wait to be pushed until marked; a patient erased here leaves
 * a tombstone; and the commands that take a session number also take its UUID (through the program).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli_proc.h"
#include "station/store/store_sync.h"
#include "store_fixture.h"

static enum st_status count_row(void *ctx, const struct store_sync_val *vals, size_t n, struct st_err *err)
{
    (void)err;
    CHECK(n > 1 && !vals[0].null && strlen(vals[0].p) == 36); /* every row travels with its UUID first */
    (*(int64_t *)ctx)++;
    return ST_OK;
}

static void test_identity_of_new_and_edited_rows(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("ident.db", path, sizeof path);
    char me[STORE_UUID_SIZE], again[STORE_UUID_SIZE];
    CHECK_OK(store_station_uuid(s, me, &err), &err);
    CHECK_INT(strlen(me), 36);
    int64_t pid = fix_patient(s, "Ident");
    struct store_row_identity id;
    CHECK_OK(store_row_identity(s, "patients", pid, &id, &err), &err);
    CHECK_STR(id.origin, me);
    CHECK_STR(id.edited_by, me);
    CHECK_INT(id.version, 1);
    int64_t waiting = 0;
    CHECK_OK(store_sync_waiting(s, &waiting, &err), &err);
    CHECK(waiting >= 3); /* patient, mass, audit row */

    /* Everything handed out and marked sent: nothing waits; an edit is version 2 and waits again. */
    int64_t handed = 0;
    for (size_t t = 0; t < store_sync_table_count; t++) {
        int64_t last = 0;
        size_t count = 0;
        CHECK_OK(store_sync_push_batch(s, t, 1000, count_row, &handed, &last, &count, &err), &err);
        if (count)
            CHECK_OK(store_sync_mark_pushed(s, t, last, NULL, 0, &err), &err);
    }
    CHECK_INT(handed, waiting);
    CHECK_OK(store_sync_waiting(s, &waiting, &err), &err);
    CHECK_INT(waiting, 0);
    struct store_patient p;
    CHECK_OK(store_patient_get(s, pid, &p, &err), &err);
    snprintf(p.ref, sizeof p.ref, "R-2");
    store_close(s);
    /* A second opening (another process) is the same station. */
    CHECK_OK(store_open(path, &s, &err), &err);
    CHECK_OK(store_station_uuid(s, again, &err), &err);
    CHECK_STR(again, me);
    CHECK_OK(store_patient_update(s, &p, 0, NULL, &err), &err);
    CHECK_OK(store_sync_waiting(s, &waiting, &err), &err);
    CHECK_INT(waiting, 2); /* the patient's version 2 and its audit row */
    CHECK_OK(store_row_identity(s, "patients", pid, &id, &err), &err);
    CHECK_INT(id.version, 2);
    CHECK_STR(id.edited_by, me);

    /* A session's identity, and its UUID finds it. */
    int64_t sid = fix_session(s, pid, "supine-0", "SN-1", 1700000000);
    CHECK_OK(store_row_identity(s, "sessions", sid, &id, &err), &err);
    CHECK_STR(id.origin, me);
    int64_t found = 0;
    CHECK_OK(store_session_find(s, id.uuid, &found, &err), &err);
    CHECK_INT(found, sid);
    CHECK_INT(store_session_find(s, "00000000-0000-4000-8000-00000000ffff", &found, &err), ST_ERR_NOT_FOUND);

    /* Erased here: a tombstone waits to travel. */
    char puuid[STORE_UUID_SIZE];
    snprintf(puuid, sizeof puuid, "%s", p.uuid);
    CHECK_OK(store_patient_delete(s, pid, 0, "test", NULL, NULL, &err), &err);
    store_close(s);
    sqlite3 *db = NULL;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *st = NULL;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT version, edited_by FROM sync_tombstones WHERE uuid=?", -1, &st, NULL) ==
            SQLITE_OK);
    sqlite3_bind_text(st, 1, puuid, -1, SQLITE_STATIC);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK_INT(sqlite3_column_int64(st, 0), 3);
    CHECK_STR((const char *)sqlite3_column_text(st, 1), me);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A pulled row of table t from values given as text by column name (the rest NULL). */
struct fake_row {
    const struct store_sync_col *cols;
    size_t ncols;
    const char *const *kv; /* name, value, ..., NULL */
};

static void fake_get(void *ctx, size_t i, struct store_sync_val *vals)
{
    (void)i;
    const struct fake_row *f = ctx;
    for (size_t c = 0; c < f->ncols; c++) {
        vals[c] = (struct store_sync_val){.p = "", .n = 0, .null = true};
        for (size_t k = 0; f->kv[k]; k += 2)
            if (!strcmp(f->kv[k], f->cols[c].name))
                vals[c] = (struct store_sync_val){.p = f->kv[k + 1], .n = strlen(f->kv[k + 1]), .null = false};
    }
}

/* A newer version pulled from another station never overwrites an edit made here that has not been
 * pushed yet: it waits as a conflict, and keeping either makes a version above both. */
static void test_unsent_edit_is_never_overwritten(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("unsent.db", path, sizeof path);
    int64_t pid = fix_patient(s, "Una Unsent");
    struct store_patient p;
    CHECK_OK(store_patient_get(s, pid, &p, &err), &err);
    snprintf(p.ref, sizeof p.ref, "R-HERE");
    CHECK_OK(store_patient_update(s, &p, 0, NULL, &err), &err); /* version 2, not pushed */
    size_t t = 0;
    while (strcmp(store_sync_tables[t].name, "patients") != 0)
        t++;
    struct store_sync_col cols[STORE_SYNC_MAX_COLS];
    size_t n = 0;
    CHECK_OK(store_sync_columns(s, t, cols, &n, &err), &err);
    const char *kv[] = {"uuid", p.uuid, "display_name", "Una Unsent", "clinic_ref", "R-THERE", "birth_date",
                        "1990-04-12", "sex", "F", "created", "1700000000", "updated", "1700000001", "origin",
                        "11111111-1111-4111-8111-111111111111", "edited_by", "22222222-2222-4222-8222-222222222222",
                        "version", "5", NULL};
    struct fake_row f = {cols, n, kv};
    struct store_sync_counts counts = {0};
    CHECK_OK(store_sync_pull_batch(s, t, cols, n, 1, fake_get, &f, 1, &counts, &err), &err);
    CHECK_INT(counts.conflicts, 1);
    CHECK_INT(counts.written, 0);
    struct store_patient back;
    CHECK_OK(store_patient_get(s, pid, &back, &err), &err);
    CHECK_STR(back.ref, "R-HERE");
    struct store_patient_version *v = NULL;
    size_t nv = 0;
    CHECK_OK(store_patient_conflicts(s, pid, &v, &nv, &err), &err);
    REQUIRE(nv == 2);
    CHECK(v[0].ours && v[0].version == 2 && !v[1].ours && v[1].version == 5);
    CHECK_STR(v[1].token, "5@22222222");
    CHECK_STR(v[1].p.ref, "R-THERE");
    free(v);
    CHECK_OK(store_patient_resolve(s, pid, "5", 0, &err), &err);
    CHECK_OK(store_patient_get(s, pid, &back, &err), &err);
    CHECK_STR(back.ref, "R-THERE");
    struct store_row_identity id;
    CHECK_OK(store_row_identity(s, "patients", pid, &id, &err), &err);
    CHECK_INT(id.version, 6); /* above both */
    CHECK_OK(store_patient_conflicts(s, pid, &v, &nv, &err), &err);
    CHECK_INT(nv, 0);
    free(v);
    CHECK_INT(store_patient_resolve(s, pid, "5", 0, &err), ST_ERR_ARG); /* nothing left to settle */
    store_close(s);
}

/* `station show`, `note` and `export` take a session's UUID as they take its number. */
static void test_commands_take_session_uuids(void)
{
    char path[512];
    struct st_err err;
    struct store *s = fix_open("cmds.db", path, sizeof path);
    int64_t pid = fix_patient(s, "Cmd");
    int64_t sid = fix_session(s, pid, "supine-0", "SN-2", 1700000000);
    struct store_row_identity id;
    CHECK_OK(store_row_identity(s, "sessions", sid, &id, &err), &err);
    store_close(s);
    char *show_argv[] = {"station", "show", id.uuid, "--db", path, NULL};
    struct run r = run_cmd(NULL, show_argv, NULL);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, id.uuid) != NULL);
    run_free(&r);
    char *note_argv[] = {"station", "note", id.uuid, "--text", "by uuid", "--db", path, NULL};
    r = run_cmd(NULL, note_argv, NULL);
    CHECK_INT(r.status, 0);
    run_free(&r);
    char *export_argv[] = {"station", "export", id.uuid, "--db", path, NULL};
    r = run_cmd(NULL, export_argv, NULL);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, id.uuid) != NULL);
    run_free(&r);
    /* An unknown UUID is one clear line, exit 1; a malformed one a usage error. */
    char *bad_argv[] = {"station", "show", "00000000-0000-4000-8000-00000000ffff", "--db", path, NULL};
    r = run_cmd(NULL, bad_argv, NULL);
    CHECK_INT(r.status, 1);
    CHECK(strstr(r.err, "no session") != NULL);
    CHECK_INT(count_lines(r.err), 1);
    run_free(&r);
    char *usage_argv[] = {"station", "show", "not-a-session", "--db", path, NULL};
    r = run_cmd(NULL, usage_argv, NULL);
    CHECK_INT(r.status, 2);
    run_free(&r);
}

int main(void)
{
    CHECK_RUN(test_identity_of_new_and_edited_rows);
    CHECK_RUN(test_commands_take_session_uuids);
    CHECK_RUN(test_unsent_edit_is_never_overwritten);
    return check_done();
}
