/*
 * gui_sync.c - the clinic server's state on the home (issue 15): one line of plain words under the time,
 * so a therapist sees without a command whether the records reach the other rooms. The words come from
 * the store's sync state (store_sync_state: last success, last failure, rows waiting, conflicts) and
 * whether a server is set at all (config_server: --server is not a window's, so $STATION_SERVER or the
 * settings file). Reading the state counts the rows waiting in every synced table: it is done at most
 * every 2 s, and at once after anything happened in the window (a test, a patient saved).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "station/config.h"
#include "station/gui/gui_priv.h"
#include "station/store/store_sync.h"

/* "14:32" when t is today (local time), else "2026-12-05 14:32". */
static void when(int64_t t, time_t now, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm a, b;
    if (!localtime_r(&tt, &a) || !localtime_r(&now, &b)) {
        snprintf(out, size, "?");
        return;
    }
    bool today = a.tm_year == b.tm_year && a.tm_yday == b.tm_yday;
    strftime(out, size, today ? "%H:%M" : "%Y-%m-%d %H:%M", &a);
}

void gui_sync_words(const struct store_sync_state *st, bool set, time_t now, char *out, size_t size)
{
    if (!set) {
        snprintf(out, size, "Clinic server: not set");
        return;
    }
    char t[32];
    size_t n;
    if (st->last_error[0] && st->last_failure >= st->last_success && st->last_failure > 0) {
        when(st->last_failure, now, t, sizeof t);
        bool unreachable = strstr(st->last_error, "cannot be reached") || strstr(st->last_error, "was lost");
        n = (size_t)snprintf(out, size, "Clinic server: %s at %s",
                             unreachable ? "could not reach the server" : "the last sync failed", t);
    } else if (st->last_success) {
        when(st->last_success, now, t, sizeof t);
        n = (size_t)snprintf(out, size, "Clinic server: last synced at %s", t);
    } else {
        n = (size_t)snprintf(out, size, "Clinic server: never synced");
    }
    if (st->waiting > 0 && n < size)
        n += (size_t)snprintf(out + n, size - n, "  \xc2\xb7  %lld row%s waiting", (long long)st->waiting,
                              st->waiting == 1 ? "" : "s");
    if (st->conflicts > 0 && n < size)
        snprintf(out + n, size - n, "  \xc2\xb7  %lld conflict%s to resolve", (long long)st->conflicts,
                 st->conflicts == 1 ? "" : "s");
}

const char *gui_sync_line(struct gui *g)
{
    double now = (double)st_now_ns() / 1e9;
    if (g->sync_read_s > 0 && now - g->sync_read_s < 2.0)
        return g->sync_line;
    g->sync_read_s = now;
    char buf[1024];
    bool set = config_server(NULL, buf, sizeof buf) != NULL;
    struct store_sync_state st;
    struct st_err err;
    st_err_clear(&err);
    if (store_sync_state(g->s, &st, &err) != ST_OK) /* the line says so; the store's message is shown elsewhere */
        snprintf(g->sync_line, sizeof g->sync_line, "Clinic server: state unknown (the database could not be read)");
    else
        gui_sync_words(&st, set, time(NULL), g->sync_line, sizeof g->sync_line);
    return g->sync_line;
}
