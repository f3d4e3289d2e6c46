/*
 * test_home_sync.c - the clinic server's state on the home (issue 15, station/gui/gui_sync.c): the
 * words for every state (gui_sync_words: not set, never synced, last synced at HH:MM - with the date
 * when not today -, could not reach the server at HH:MM, the last sync failed at HH:MM, rows waiting,
 * conflicts to resolve), then the home's model as a therapist sees it, read from a real file as
 * `station sync` leaves it (its outcome recorded by store_sync_record, a conflict kept), and the line
 * drawn in the header's right half, nowhere else (pixels at 1280x720; screenshot home-sync.png).
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "home_util.h"
#include "station/store/store_sync.h"
#include "store_fixture.h"

/* "HH:MM" of t, local. */
static void hhmm(time_t t, char *out, size_t size)
{
    struct tm tm;
    REQUIRE(localtime_r(&t, &tm));
    strftime(out, size, "%H:%M", &tm);
}

static void test_words(void)
{
    time_t now = time(NULL);
    struct store_sync_state st;
    memset(&st, 0, sizeof st);
    char out[160], want[160], t[16];
    gui_sync_words(&st, false, now, out, sizeof out);
    CHECK_STR(out, "Clinic server: not set");
    gui_sync_words(&st, true, now, out, sizeof out);
    CHECK_STR(out, "Clinic server: never synced");
    st.waiting = 1;
    gui_sync_words(&st, true, now, out, sizeof out);
    CHECK_STR(out, "Clinic server: never synced  \xc2\xb7  1 row waiting");
    st.last_success = now - 60;
    st.waiting = 12;
    st.conflicts = 2;
    hhmm(now - 60, t, sizeof t);
    gui_sync_words(&st, true, now, out, sizeof out);
    snprintf(want, sizeof want, "Clinic server: last synced at %s  \xc2\xb7  12 rows waiting  \xc2\xb7  2 conflicts to resolve",
             t);
    CHECK_STR(out, want);
    /* A failure after the last success, in the words of its kind. */
    st.waiting = 0;
    st.conflicts = 1;
    st.last_failure = now - 30;
    snprintf(st.last_error, sizeof st.last_error,
             "The clinic server postgresql://room1:****@10.0.0.5/clinic cannot be reached (timeout expired)");
    hhmm(now - 30, t, sizeof t);
    gui_sync_words(&st, true, now, out, sizeof out);
    snprintf(want, sizeof want, "Clinic server: could not reach the server at %s  \xc2\xb7  1 conflict to resolve", t);
    CHECK_STR(out, want);
    snprintf(st.last_error, sizeof st.last_error, "The clinic server x refused the station's role and password");
    st.conflicts = 0;
    gui_sync_words(&st, true, now, out, sizeof out);
    snprintf(want, sizeof want, "Clinic server: the last sync failed at %s", t);
    CHECK_STR(out, want);
    /* A success after it; days ago: the date too. */
    st.last_error[0] = '\0';
    st.last_success = now - 3 * 86400;
    gui_sync_words(&st, true, now, out, sizeof out);
    struct tm tm;
    time_t then = now - 3 * 86400;
    REQUIRE(localtime_r(&then, &tm));
    strftime(t, sizeof t, "%Y-%m-%d", &tm);
    CHECK(strncmp(out, "Clinic server: last synced at ", 30) == 0 && strncmp(out + 30, t, 10) == 0);
}

/* Records a sync's outcome in the file, as `station sync` does. */
static void record(const char *db, bool ok, const char *message)
{
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(db, &s, &err), &err);
    REQUIRE(s);
    CHECK_OK(store_sync_record(s, "postgresql://room1:****@127.0.0.1:9/clinic", ok, message, &err), &err);
    store_close(s);
}

static int64_t waiting(const char *db)
{
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(db, &s, &err), &err);
    REQUIRE(s);
    int64_t n = 0;
    CHECK_OK(store_sync_waiting(s, &n, &err), &err);
    store_close(s);
    return n;
}

static void test_home_shows_the_server(void)
{
    char dir[512], db[512], want[200], t[16];
    setenv("XDG_CONFIG_HOME", check_tmppath(dir, sizeof dir, "cfg-sync"), 1); /* no settings file */
    unsetenv("STATION_SERVER");
    struct store *s = fix_open("home-sync.db", db, sizeof db);
    add_patient(s, "Noa Synced", "R-1", "1990-05-01", 'F', 61.0);
    store_close(s);
    struct gui *g = open_gui(db, 1280, 720);
    REQUIRE(gui_home(g)->page == UI_HOME_LIST);
    CHECK_STR(gui_home(g)->server, "Clinic server: not set");
    struct ui_fix_copy before = ui_fix_grab(gui_ui(g), UI_VIEW_THERAPIST);
    /* A server set (the settings or $STATION_SERVER): nothing sent yet. */
    setenv("STATION_SERVER", "postgresql://room1:pw-room1@127.0.0.1:9/clinic", 1);
    key(g, SDLK_DOWN, 0);
    int64_t n = waiting(db);
    CHECK(n > 0);
    snprintf(want, sizeof want, "Clinic server: never synced  \xc2\xb7  %lld rows waiting", (long long)n);
    CHECK_STR(gui_home(g)->server, want);
    CHECK(strstr(gui_home(g)->server, "pw-room1") == NULL);
    /* Drawn in the header's right half and nowhere else: the subtitle and the list do not move. */
    struct ui_fix_copy after = ui_fix_grab(gui_ui(g), UI_VIEW_THERAPIST);
    int x0, y0, x1, y1;
    CHECK(ui_fix_diff_box(&before, &after, &x0, &y0, &x1, &y1));
    CHECK(x0 > 1280 / 2 && x1 > 1280 - 80 && y0 > 25 && y1 < 100); /* the header: 64 px at this size */
    free(before.px);
    free(after.px);
    shot(g, "home-sync.png");
    /* The server could not be reached. */
    record(db, false,
           "The clinic server postgresql://room1:****@127.0.0.1:9/clinic cannot be reached (connection refused): "
           "the station keeps working offline and nothing is lost");
    hhmm(time(NULL), t, sizeof t);
    key(g, SDLK_DOWN, 0);
    snprintf(want, sizeof want, "Clinic server: could not reach the server at %s", t);
    CHECK(strncmp(gui_home(g)->server, want, strlen(want)) == 0);
    /* A sync went through: nothing waits (marked sent here as the sync would), one conflict kept. */
    record(db, true, NULL);
    struct st_err err;
    CHECK_OK(store_open(db, &s, &err), &err);
    for (size_t k = 0; k < store_sync_table_count; k++) /* as if it had all been sent */
        CHECK_OK(store_sync_mark_pushed(s, k, INT64_MAX / 2, NULL, 0, &err), &err);
    store_close(s);
    sqlite3 *h = NULL;
    REQUIRE(sqlite3_open(db, &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h,
                         "INSERT INTO sync_row_conflicts(tbl, uuid, version, edited_by, ours, vals)"
                         " VALUES('repetitions', 'a-rep', 2, 'another-station', 0, '{}')",
                         NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    key(g, SDLK_DOWN, 0);
    hhmm(time(NULL), t, sizeof t);
    snprintf(want, sizeof want, "Clinic server: last synced at %s  \xc2\xb7  1 conflict to resolve", t);
    CHECK_STR(gui_home(g)->server, want);
    /* The patient's page has its own header: no server line there. */
    key(g, SDLK_RETURN, 0);
    if (gui_home(g)->page == UI_HOME_PATIENT)
        CHECK_STR(gui_home(g)->server, "");
    gui_close(g);
    unsetenv("STATION_SERVER");
}

int main(void)
{
    CHECK_RUN(test_words);
    CHECK_RUN(test_home_shows_the_server);
    return check_done();
}
