/*
 * pq.h - PostgreSQL's client library (libpq), loaded only when the clinic server is used.
 *
 * Why: linked at build time, libpq brings 26 shared libraries of its own (Kerberos, LDAP, GnuTLS, ...)
 * that the dynamic linker maps and binds at every start of every command - about 3.5 ms of each
 * `station` process (bench/bench_peer.c, "the process start"), for a server most commands never
 * talk to. So the station binary does not list libpq as NEEDED: station/sync/ opens libpq.so.5 with
 * dlopen at its first use and calls it through the one table below, whose members carry libpq-fe.h's
 * own types (the header is still the contract; only the binding moved to run time).
 *
 * A machine without the library (Debian package libpq5) runs everything but the clinic server: the
 * sync commands, the home's sync and the sync after a session then say so in one line naming the
 * package to install.
 *
 * Environment: STATION_LIBPQ, the library to open instead of libpq.so.5 (a path or a soname; read at
 * the first use only). Tests point it at a missing file to see the message a station without libpq gives.
 */
#ifndef STATION_STATION_SYNC_PQ_H
#define STATION_STATION_SYNC_PQ_H

#include <libpq-fe.h>

#include "common/status.h"

/* The libpq functions station/sync/ calls, named as in libpq without the PQ prefix. */
struct pq_api {
    PGconn *(*connectdbParams)(const char *const *keywords, const char *const *values, int expand_dbname);
    ConnStatusType (*status)(const PGconn *conn);
    char *(*errorMessage)(const PGconn *conn);
    void (*finish)(PGconn *conn);
    PGresult *(*exec)(PGconn *conn, const char *query);
    PGresult *(*execParams)(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
                            const char *const *paramValues, const int *paramLengths, const int *paramFormats,
                            int resultFormat);
    PGresult *(*prepare)(PGconn *conn, const char *stmtName, const char *query, int nParams,
                         const Oid *paramTypes);
    PGresult *(*execPrepared)(PGconn *conn, const char *stmtName, int nParams, const char *const *paramValues,
                              const int *paramLengths, const int *paramFormats, int resultFormat);
    ExecStatusType (*resultStatus)(const PGresult *res);
    char *(*resultErrorMessage)(const PGresult *res);
    char *(*resultErrorField)(const PGresult *res, int fieldcode);
    int (*ntuples)(const PGresult *res);
    char *(*getvalue)(const PGresult *res, int tup_num, int field_num);
    int (*getisnull)(const PGresult *res, int tup_num, int field_num);
    int (*getlength)(const PGresult *res, int tup_num, int field_num);
    void (*clear)(PGresult *res);
    unsigned char *(*unescapeBytea)(const unsigned char *strtext, size_t *retbuflen);
    void (*freemem)(void *ptr);
};

/*
 * The table, libpq loaded at the first call (thread-safe; the library stays loaded for the process's
 * life). *api gets a table that stays valid for ever. ST_ERR_UNSUPPORTED when the library or one of the
 * functions is missing: err's message names the package to install (libpq5) and says that the rest of
 * the station works without it.
 */
enum st_status pq_api_get(const struct pq_api **api, struct st_err *err);

#endif
