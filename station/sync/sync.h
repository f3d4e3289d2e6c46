/*
 * sync.h - several stations, one clinic record: the station's side of the clinic's PostgreSQL server
 * (issue 15). libpq lives here and nowhere else, loaded at the first connection (station/sync/pq.h:
 * without the library, every function here fails with ST_ERR_UNSUPPORTED and a line naming the package
 * to install); the rows come from and go to the store through station/store/store_sync.h.
 *
 * The server: one database the clinic's IT runs. `sync_server_init` (run once by IT, with an owner
 * role) creates or updates its schema: one table per synced table of the station (same name; the
 * columns made from the station's own schema, references as UUIDs), each with a server-wide sequence
 * number `seq` (a row gets a new one on every write) and `origin_role`, the login role that wrote it.
 * A group role `station` may SELECT, INSERT and UPDATE those tables and nothing else (no DELETE, no
 * DROP, no DDL), and row-level security lets a station role write only rows it created. Each station
 * gets its own login role in that group (README "For the clinic's IT").
 *
 * A sync (`sync_run`): push, then pull.
 *  - Push: table by table (references first), batches of rows waiting here, each batch ONE server
 *    transaction of upserts keyed by UUID; the local mark moves only after the server committed. A
 *    kill at any point re-sends at most one batch, which the upserts absorb: no duplicate, no gap.
 *    Every push transaction takes the same advisory lock first, so the server's sequence numbers are
 *    handed out in commit order and a reader's high-water mark never jumps over a row still in flight.
 *  - Pull: in ONE read-only REPEATABLE READ server transaction (one consistent picture of every table),
 *    table by table, the rows other stations wrote after this station's per-table high-water mark,
 *    streamed in batches (never the whole table in memory); each batch is written locally in one
 *    transaction with its mark (store_sync_pull_batch). Then the other stations' edits the server
 *    refused (sync_row_versions: a row edited in two rooms), kept here as conflicts where they met the
 *    version this station holds (store_sync_pull_refused).
 * Offline is normal: a server that cannot be reached is one line, and nothing is lost.
 *
 * The server's URL (a libpq connection string or URI, sslmode and all passed through: TLS when it
 * asks) may hold a password: it is never printed. Every function takes the URL and `shown`, the same
 * URL as messages may show it (the caller masks it: station/config.h config_server_masked; the
 * caller finds the URL with config_server), and messages carry only `shown`.
 */
#ifndef STATION_STATION_SYNC_SYNC_H
#define STATION_STATION_SYNC_SYNC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

struct store;

/* The server schema this station writes (raised with the store's schema: the columns follow it). */
#define SYNC_SERVER_SCHEMA_VERSION 2

/*
 * Creates or updates the server schema at url (an owner role of the clinic's database, as IT runs it),
 * the group role `station` and its rights, all in one transaction. The columns come from the store s.
 * ST_ERR_UNSUPPORTED when the server's schema is newer than this station's; ST_ERR_IO when the server
 * cannot be reached or refuses (the message says which, password masked).
 */
enum st_status sync_server_init(struct store *s, const char *url, const char *shown, struct st_err *err);

struct sync_opts {
    size_t batch_rows;            /* rows per batch; 0: 200 */
    /* may be NULL; when *stop becomes non-zero (a signal handler sets it: Ctrl-C) the sync ends after the
     * batch under way, whose transaction commits: sync_run then returns ST_ERR_ABORTED, its message
     * saying what was pushed and pulled, and the next sync goes on from there */
    volatile const sig_atomic_t *stop;
};

struct sync_result {
    int64_t pushed, pulled, conflicts, erased, skipped;
    double seconds;
};

/*
 * One sync of store s with the server at url: push, then pull (above). out (the caller's) gets the
 * counts and the time. Records the outcome in the store (store_sync_record: server masked, time or
 * message) for `station sync --status`. ST_ERR_IO when the server cannot be reached, refuses the
 * password, or goes away mid-sync (what was committed stays; the next sync goes on from there);
 * ST_ERR_UNSUPPORTED when the server's schema does not match this station's.
 */
enum st_status sync_run(struct store *s, const char *url, const char *shown, const struct sync_opts *opts,
                        struct sync_result *out, struct st_err *err);

#endif
