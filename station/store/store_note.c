/*
 * store_note.c - the therapist's notes on a session (schema 4, table session_notes), printed in the
 * session's report. A note is never edited or deleted on its own: a new note is added (the report
 * prints them all, oldest first), and each addition writes an audit row 'create' about the session
 * (table session_notes, field note, the text as new value) in the same transaction, so who wrote what
 * and when stays on record. Erasing the patient removes the notes with the session (ON DELETE
 * CASCADE) and blanks that audit row's text with the others about the session.
 * See station/store/store.h.
 */
#include <stdlib.h>
#include <string.h>

#include "station/store/store_internal.h"

struct note_add {
    int64_t session_id, therapist_id;
    const char *text, *session_uuid;
    char uuid[STORE_UUID_SIZE];
    int64_t id;
};

static enum st_status note_add_work(struct store *s, void *ctx, struct st_err *err)
{
    struct note_add *a = ctx;
    enum st_status r = store_run(s,
                                 "INSERT INTO session_notes(uuid, session_id, therapist_id, created, text)"
                                 " VALUES (?, ?, ?, strftime('%s','now'), ?)",
                                 STORE_VALS(sv_text(a->uuid), sv_int(a->session_id), sv_id(a->therapist_id),
                                            sv_text(a->text)),
                                 "saving the note", err);
    if (r != ST_OK)
        return r;
    a->id = sqlite3_last_insert_rowid(s->db);
    return store_audit_add(s, a->therapist_id, "session_notes", a->session_uuid, "create", "note", NULL, a->text,
                           NULL, err);
}

enum st_status store_note_add(struct store *s, int64_t session_id, int64_t therapist_id, const char *text,
                              int64_t *note_id, struct st_err *err)
{
    enum st_status v = store_check_text("Note", text, true, STORE_NOTE_MAX, true, err);
    if (v != ST_OK)
        return v;
    struct store_session sess;
    if ((v = store_session_get(s, session_id, &sess, err)) != ST_OK)
        return v;
    struct note_add a = {session_id, therapist_id, text, sess.uuid, "", 0};
    store_uuid_new(a.uuid);
    v = store_tx(s, "saving the note", note_add_work, &a, err);
    if (v == ST_OK && note_id)
        *note_id = a.id;
    return v;
}

static void read_note(sqlite3_stmt *st, void *item)
{
    struct store_note *n = item;
    n->id = sqlite3_column_int64(st, 0);
    store_col_text(st, 1, n->uuid, sizeof n->uuid);
    n->created = sqlite3_column_int64(st, 2);
    store_col_text(st, 3, n->therapist, sizeof n->therapist);
    store_col_text(st, 4, n->text, sizeof n->text);
}

enum st_status store_note_list(struct store *s, int64_t session_id, struct store_note **out, size_t *n,
                               struct st_err *err)
{
    void *rows = NULL;
    enum st_status r = store_rows(s,
                                  "SELECT n.id, n.uuid, n.created, t.name, n.text FROM session_notes n"
                                  " LEFT JOIN therapists t ON t.id = n.therapist_id WHERE n.session_id=?"
                                  " ORDER BY n.created, n.id",
                                  STORE_VALS(sv_int(session_id)), sizeof **out, read_note, &rows, n,
                                  "reading the session's notes", err);
    *out = rows;
    return r;
}
