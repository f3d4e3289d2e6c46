/*
 * cmd_sync.c - `station sync [--server URL] [--status]` (push this station's records to the clinic's
 * PostgreSQL server, pull the other stations'; station/sync/sync.h).
 *
 * The server's URL comes from --server, else $STATION_SERVER, else the settings file (config_server); it may
 * hold a password, so it is only ever shown masked. A sync prints one line (pushed, pulled, conflicts,
 * time); offline is one clear line and exit 1, with nothing lost. Ctrl-C or SIGTERM stops it after the
 * batch under way (committed): one line says what was pushed and pulled, exit 1; the next run goes on. `station server init` is cmd_server.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/config.h"
#include "station/store/store.h"
#include "station/store/store_sync.h"
#include "station/sync/sync.h"

/* Ctrl-C or SIGTERM during a sync: it ends after the batch under way (sync_opts.stop). */
static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
    (void)sig;
    stop_asked = 1;
}

static int sync_status(struct store *s, const char *server_opt)
{
    struct store_sync_state st;
    struct st_err err;
    st_err_clear(&err);
    if (store_sync_state(s, &st, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    char buf[1024], shown[1024];
    const char *url = config_server(server_opt, buf, sizeof buf);
    if (url)
        config_server_masked(url, shown, sizeof shown);
    else
        snprintf(shown, sizeof shown, "%s", *st.server ? st.server : "none set");
    char when[32];
    printf("Station: %s\n", st.station);
    printf("Server: %s\n", shown);
    printf("Last success: %s\n", st.last_success ? store_time_str(st.last_success, when, sizeof when) : "never");
    if (*st.last_error)
        printf("Last failure: %s\n", st.last_error);
    printf("Rows waiting: %lld\n", (long long)st.waiting);
    printf("Conflicts waiting: %lld\n", (long long)st.conflicts);
    if (st.conflicts > st.row_conflicts)
        printf("  patients: %s (station patient show ID lists the versions; station patient resolve ID --keep "
               "VERSION settles one)\n",
               st.conflict_ids);
    struct store_row_conflict *rows = NULL;
    size_t n = 0;
    if (st.row_conflicts && store_row_conflicts(s, &rows, &n, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    for (size_t i = 0; i < n; i++)
        printf("  %s %s: versions %s\n", rows[i].what, rows[i].uuid, rows[i].tokens);
    if (n)
        printf("  (station sync --resolve UUID --keep VERSION settles one: the version kept goes to every station)\n");
    free(rows);
    return 0;
}

/* station sync --resolve UUID --keep VERSION: settles a row's conflict (store_row_resolve). */
static int sync_resolve(struct store *s, const char *uuid, const char *keep, const char *therapist)
{
    int64_t th = 0;
    int rc = cli_therapist_id(s, therapist, &th);
    if (rc != 0)
        return rc;
    struct st_err err;
    st_err_clear(&err);
    if (store_row_resolve(s, uuid, keep, th, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    printf("%s: version %s kept; the other stations take it at their next sync\n", uuid, keep);
    return 0;
}

int cmd_sync(int argc, char **argv)
{
    const char *db = NULL, *server = NULL, *resolve = NULL, *keep = NULL, *therapist = NULL;
    bool status = false;
    long long batch = 200;
    struct cli_opt opts[] = {
        CLI_OPT_DB(&db),
        {"--server", CLI_STR, &server, "URL",
         "the clinic server (libpq URL, e.g. postgresql://room1@server/clinic?sslmode=require); default "
         "$STATION_SERVER, then the config file",
         false},
        {"--batch-rows", CLI_LONG, &batch, "N", "rows per server transaction (default 200)", false},
        {"--status", CLI_FLAG, &status, NULL, "the server, the last success, rows waiting, conflicts waiting",
         false},
        {"--resolve", CLI_STR, &resolve, "UUID",
         "settles the conflict of a session, rep, device or audit row --status lists (with --keep)", false},
        {"--keep", CLI_STR, &keep, "VERSION", "with --resolve: the version to keep, as --status lists it", false},
        {"--therapist", CLI_STR, &therapist, "NAME", "with --resolve: who decides (default $STATION_THERAPIST)",
         false},
    };
    struct cli_cmd cmd = {"station sync", "[--server URL] [--status] [--resolve UUID --keep VERSION]",
                          "Pushes this station's new and changed records to the clinic server, then pulls what "
                          "the other stations recorded. Prints one line: pushed, pulled, conflicts, time.",
                          CLI_OPTS(opts), 0, 0};
    struct store *s = NULL;
    int rc = cli_parse_open(&cmd, argc, argv, NULL, NULL, &db, &s);
    if (rc >= 0)
        return rc;
    if (batch < 1 || batch > 100000) {
        store_close(s);
        return cli_usage_error(&cmd, "--batch-rows must be 1-100000");
    }
    if (status || resolve || keep) {
        rc = resolve && keep ? sync_resolve(s, resolve, keep, therapist)
             : status        ? sync_status(s, server)
                             : cli_usage_error(&cmd, "--resolve UUID and --keep VERSION go together");
        store_close(s);
        return rc;
    }
    char buf[1024], shown[1024];
    const char *url = config_server(server, buf, sizeof buf);
    if (!url) {
        store_close(s);
        return cli_fail("No clinic server is set: give --server URL, set STATION_SERVER, or set the server in "
                        "the settings (the window's Settings page)");
    }
    config_server_masked(url, shown, sizeof shown);
    struct st_err err;
    st_err_clear(&err);
    struct sync_result res;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    enum st_status st =
        sync_run(s, url, shown, &(struct sync_opts){.batch_rows = (size_t)batch, .stop = &stop_asked}, &res, &err);
    store_close(s);
    if (st != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    printf("Synced: pushed %lld, pulled %lld, %lld conflict(s)%s, %.1f s.\n", (long long)res.pushed,
           (long long)res.pulled, (long long)res.conflicts,
           res.erased ? ", patients erased by another station" : "", res.seconds);
    return 0;
}
