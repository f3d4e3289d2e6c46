/*
 * pq.c - libpq opened at the first use of the clinic server, its functions taken into one table
 * (manual: station/sync/pq.h). Everything else in station/sync/ calls libpq through pq_api_get's table.
 */
#include "station/sync/pq.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* The table's members, each taken by libpq's name ("PQ" and the member's name). One list: a function
 * added to struct pq_api and not here fails the build (the assertion), and a function the library
 * lacks is a failure to load, never a NULL call later. */
#define PQ_FUNCS(X)                                                                                      \
    X(connectdbParams) X(status) X(errorMessage) X(finish) X(exec) X(execParams) X(prepare) X(execPrepared) \
    X(resultStatus) X(resultErrorMessage) X(resultErrorField) X(ntuples) X(getvalue) X(getisnull)          \
    X(getlength) X(clear) X(unescapeBytea) X(freemem)
#define PQ_ONE(name) +1
_Static_assert(sizeof(struct pq_api) == (0 PQ_FUNCS(PQ_ONE)) * sizeof(void (*)(void)),
               "every member of struct pq_api is in PQ_FUNCS");

static struct pq_api table;
static enum st_status load_status = ST_ERR_INTERNAL;
static char load_detail[512]; /* what dlopen or dlsym said, for the message */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const char *library_name(void)
{
    const char *env = getenv("STATION_LIBPQ");
    return env && *env ? env : "libpq.so.5";
}

static void load(void)
{
    /* RTLD_LOCAL: libpq's own dependencies stay out of the global scope the rest of the program's
     * symbols are looked up in. */
    void *h = dlopen(library_name(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(load_detail, sizeof load_detail, "%s", e ? e : "not found");
        load_status = ST_ERR_UNSUPPORTED;
        return;
    }
    /* POSIX: a function pointer is stored through a void ** (the dlsym manual's own idiom) */
#define PQ_TAKE(name)                                                                                    \
    if (!(*(void **)&table.name = dlsym(h, "PQ" #name))) {                                               \
        snprintf(load_detail, sizeof load_detail, "%s has no PQ" #name ": too old", library_name());    \
        load_status = ST_ERR_UNSUPPORTED;                                                                \
        return; /* h stays open: nothing of it is called */                                              \
    }
    PQ_FUNCS(PQ_TAKE)
#undef PQ_TAKE
    load_status = ST_OK;
}

enum st_status pq_api_get(const struct pq_api **api, struct st_err *err)
{
    pthread_once(&once, load);
    *api = load_status == ST_OK ? &table : NULL;
    if (load_status == ST_OK)
        return ST_OK;
    return st_err_set(err, load_status,
                      "The clinic server needs PostgreSQL's client library, which this computer lacks (%s): "
                      "install Debian's package libpq5 (apt-get install libpq5); everything else works without it",
                      load_detail);
}
