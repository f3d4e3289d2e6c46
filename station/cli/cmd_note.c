/*
 * cmd_note.c - `station note SESSION --text TEXT [--therapist NAME]`: adds the therapist's note to a
 * session (audited; station/store/store.h store_note_add); the session's report prints every note.
 * Prints the new note's id alone on the last line. The text is never echoed (it may hold patient data).
 */
#include <stdint.h>
#include <stdio.h>

#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/store/store.h"

int cmd_note(int argc, char **argv)
{
    const char *db = NULL, *text = NULL, *therapist = NULL;
    struct cli_opt opts[] = {
        CLI_OPT_DB(&db),
        {"--text", CLI_STR, &text, "TEXT", "the note (up to 4000 bytes; newlines allowed)", false},
        {"--therapist", CLI_STR, &therapist, "NAME", "who writes it (name or initials)", false},
    };
    struct cli_cmd cmd = {"station note",
                          "SESSION --text TEXT [--therapist NAME]",
                          "Adds the therapist's note to a session (kept in the audit log; printed in the "
                          "report). Prints the note's id.",
                          CLI_OPTS(opts), 1, 1};
    const char *arg = NULL; /* the one positional argument, if given */
    int rc = cli_parse_one(&cmd, argc, argv, &arg);
    if (rc >= 0)
        return rc;
    int64_t sid = 0;
    if ((rc = cli_session_arg(&cmd, arg, &sid)) >= 0)
        return rc;
    if (!text)
        return cli_usage_error(&cmd, "--text is required");
    struct st_err err;
    st_err_clear(&err);
    struct store *s = NULL;
    if ((rc = cli_db_open_session(db, arg, &s, &sid)) != 0)
        return rc;
    int64_t th = 0, id = 0;
    enum st_status st = therapist ? store_therapist_ensure(s, therapist, &th, &err) : ST_OK;
    if (st == ST_OK)
        st = store_note_add(s, sid, th, text, &id, &err);
    store_close(s);
    if (st != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    printf("Note saved on session %lld.\n%lld\n", (long long)sid, (long long)id);
    return 0;
}
