/*
 * cmd_server.c - `station server init --server URL`: the clinic's IT, once (and again after a station
 * update that says so), creates or updates the station schema on the clinic's PostgreSQL server and the
 * group role `station` whose members (one login role per station) may only read, insert and update the
 * station tables, each its own rows (station/sync/sync.h). The URL is only ever shown masked.
 */
#include <stdio.h>
#include <string.h>

#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/config.h"
#include "station/store/store.h"
#include "station/sync/sync.h"

int cmd_server(int argc, char **argv)
{
    const char *db = NULL, *server = NULL;
    struct cli_opt opts[] = {
        {"--db", CLI_STR, &db, "PATH", "the database file (its schema gives the server's columns)", false},
        {"--server", CLI_STR, &server, "URL", "the clinic server, as an owner of its database (IT)", false},
    };
    struct cli_cmd cmd = {"station server", "init --server URL",
                          "Creates or updates the clinic server's station schema and the group role `station` "
                          "(run once by the clinic's IT; then give each station its own role in that group).",
                          CLI_OPTS(opts), 1, 1};
    const char *arg = NULL; /* the one positional argument, if given */
    int rc = cli_parse_one(&cmd, argc, argv, &arg);
    if (rc >= 0)
        return rc;
    if (strcmp(arg, "init") != 0)
        return cli_usage_error(&cmd, "unknown server command \"%.40s\": the one there is is init", arg);
    if (!server)
        return cli_usage_error(&cmd, "--server URL is required (the owner's connection to the clinic database)");
    struct store *s = NULL;
    if ((rc = cli_db_open(db, &s)) != 0)
        return rc;
    struct st_err err;
    st_err_clear(&err);
    char shown[1024];
    config_server_masked(server, shown, sizeof shown);
    enum st_status st = sync_server_init(s, server, shown, &err);
    store_close(s);
    if (st != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    printf("The clinic server %s holds station schema %d. Give each station a login role in the group "
           "`station` and its URL (see the README).\n",
           shown, SYNC_SERVER_SCHEMA_VERSION);
    return 0;
}
