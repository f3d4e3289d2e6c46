/*
 * store_audit.c - the audit trail: who changed which row, when, from what to what, and why.
 *
 * Every edit of a patient, every accept or reject of a repetition and every erasure writes one row
 * here inside the same transaction as the change itself, so the trail can never miss a change that
 * happened nor hold one that did not. Rows name the changed row by its UUID (stable across stations
 * for the clinic server's sync). An erasure blanks the values of earlier rows about the patient
 * (store_patient.c) but keeps the rows: the fact of each change stays, the personal data does not.
 */
#include "station/store/store_internal.h"

#include "common/clock.h"

enum st_status store_audit_add(struct store *s, int64_t therapist_id, const char *table, const char *row_uuid,
                               const char *action, const char *field, const char *old_value,
                               const char *new_value, const char *reason, struct st_err *err)
{
    return store_run(s,
                     "INSERT INTO audit(at, therapist_id, tbl, row_uuid, action, field, old_value, new_value,"
                     " reason) VALUES(?,?,?,?,?,?,?,?,?)",
                     STORE_VALS(sv_int(st_wall_s()), sv_id(therapist_id), sv_text(table), sv_text(row_uuid),
                                sv_text(action), sv_opt(field), sv_opt(old_value), sv_opt(new_value),
                                sv_opt(reason)),
                     "writing the audit log", err);
}

static void read_audit(sqlite3_stmt *st, void *item)
{
    struct store_audit *a = item;
    a->id = sqlite3_column_int64(st, 0);
    a->at = sqlite3_column_int64(st, 1);
    store_col_text(st, 2, a->therapist, sizeof a->therapist);
    store_col_text(st, 3, a->table, sizeof a->table);
    store_col_text(st, 4, a->row_uuid, sizeof a->row_uuid);
    store_col_text(st, 5, a->action, sizeof a->action);
    store_col_text(st, 6, a->field, sizeof a->field);
    store_col_text(st, 7, a->old_value, sizeof a->old_value);
    store_col_text(st, 8, a->new_value, sizeof a->new_value);
    store_col_text(st, 9, a->reason, sizeof a->reason);
}

enum st_status store_audit_list(struct store *s, const char *row_uuid, struct store_audit **out, size_t *n,
                                struct st_err *err)
{
    void *rows = NULL;
    enum st_status r = store_rows(
        s,
        "SELECT a.id, a.at, t.name, a.tbl, a.row_uuid, a.action, a.field, a.old_value, a.new_value,"
        " a.reason FROM audit a LEFT JOIN therapists t ON t.id = a.therapist_id"
        " WHERE a.row_uuid=? ORDER BY a.id",
        STORE_VALS(sv_text(row_uuid)), sizeof **out, read_audit, &rows, n, "reading the audit log", err);
    *out = rows;
    return r;
}
