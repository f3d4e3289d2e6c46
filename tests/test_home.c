/*
 * test_home.c - the home in the window (station/gui, station/ui/ui_home.c), driven like a therapist
 * drives it: synthesized key, text and mouse events go through SDL's event queue into gui_step.
 *
 * Pixel tests on the offscreen driver at 1280x720 and 3840x2160: the list with names in three scripts
 * (the CJK ones from the fallback font), the selected row, the form with a field in error. The flow:
 * add a patient with a non-Latin name through the form, find them by search, the duplicate warning,
 * edit their mass, bad input refused with the field's message and nothing written; after each step
 * the database holds what `station patient add` / `patient edit` would have written (run in-process
 * on a second file with the same fields). The same flow runs again in a real X11 window under
 * Xvfb (skipped, saying so, without it). STATION_KEEP_TMP=1 keeps the
 * screenshots (home-1280.png, form-error-*.png) in the test's folder.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SDL.h>

#include "check.h"
#include "cmd_capture.h"
#include "home_util.h"
#include "report_fixture.h"
#include "store_fixture.h"
#include "station/cli/commands.h"
#include "station/export/session_doc.h"
#include "station/gui/gui.h"
#include "station/store/store.h"
#include "station/ui/home.h"
#include "station/ui/ui.h"
#include "ui_fixture.h"

#define RGB_SELECTED 0x1e3a5fu /* ui_home.c: the selected row */

#define THERAPIST "Ingrid \xc3\x85sberg" /* Ingrid Åsberg */
static const char *const zoe = "Zo\xc3\xab Martin";
static const char *const li = "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99";        /* 李小龙 */
static const char *const maryam = "\xd9\x85\xd8\xb1\xd9\x8a\xd9\x85 Haddad"; /* مريم Haddad */

/* A file with three patients in three scripts; Zoë's record is the most recently changed. */
static void three_patients(const char *name, char *path, size_t size)
{
    struct store *s = fix_open(name, path, size);
    add_patient(s, li, "", "1985-11-27", 'M', 70.0);
    add_patient(s, maryam, "B-7", "2001-02-03", 'F', 55.0);
    add_patient(s, zoe, "A-1", "1990-05-01", 'F', 61.0);
    store_close(s);
}

/* ---- pixels ----------------------------------------------------------------------------------- */

/* Pixels in r of img whose brightness is text-like (over 180 of 255 in every channel). */
static int bright_pixels(const struct ui_image *img, int x0, int y0, int w, int h)
{
    int n = 0;
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++) {
            uint32_t c = ui_image_rgb(img, x, y);
            if (c != 0xffffffffu && ((c >> 16) & 0xff) > 180 && ((c >> 8) & 0xff) > 180 && (c & 0xff) > 180)
                n++;
        }
    return n;
}

static void list_at(int w, int h)
{
    char db[512], name[64];
    snprintf(name, sizeof name, "list-%d.db", w);
    three_patients(name, db, sizeof db);
    struct gui *g = open_gui(db, w, h);
    const struct ui_home *hm = gui_home(g);
    CHECK_INT(hm->page, UI_HOME_LIST);
    REQUIRE(hm->n_rows == 3);
    CHECK_INT(hm->total, 3);
    /* Most recent first: Zoë was added last. */
    CHECK_STR(hm->rows[0].name, zoe);
    CHECK_STR(hm->rows[1].name, maryam);
    CHECK_STR(hm->rows[2].name, li);
    CHECK(strstr(hm->rows[1].line2, "B-7") != NULL);
    CHECK(strstr(hm->rows[0].last, "No test yet") != NULL);
    CHECK_INT(hm->selected, 0);

    struct ui *ui = gui_ui(g);
    CHECK(ui_text_covered(ui, li));
    CHECK(ui_text_covered(ui, maryam));
    CHECK(ui_text_covered(ui, zoe));
    CHECK(!ui_text_covered(ui, "\xee\x80\x80")); /* U+E000, private use: no font has it */

    struct ui_image img;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(ui_view_pixels(ui, UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK_INT(img.w, w);
    CHECK_INT(img.h, h);
    /* Each row's name is drawn (text pixels in the row's left half), the selected row in its colour. */
    for (int i = 0; i < 3; i++) {
        int x, y;
        REQUIRE(ui_home_hit_center(ui, UI_HE_ROW, i, &x, &y));
        int rh = h * 58 / 780; /* about a row's height at this scale */
        CHECK(bright_pixels(&img, x / 8, y - rh / 2, x, rh / 2) > 20);
        if (i == 0)
            CHECK_INT(ui_image_rgb(&img, x, y), RGB_SELECTED);
        else
            CHECK(ui_image_rgb(&img, x, y) != RGB_SELECTED);
    }
    /* The layout scales: the third row's centre sits at the same place relative to the height. */
    int x2, y2;
    REQUIRE(ui_home_hit_center(ui, UI_HE_ROW, 2, &x2, &y2));
    CHECK_NEAR((double)y2 / h, 0.40, 0.06);
    snprintf(name, sizeof name, "home-%d.png", w);
    shot(g, name);
    gui_close(g);
}

static void test_list_1280(void)
{
    list_at(1280, 720);
}

static void test_list_3840(void)
{
    list_at(3840, 2160);
}

/* The form with a bad birth date: the message names the field, its frame is red, nothing is written. */
static void form_error_at(int w, int h)
{
    char db[512], name[64];
    snprintf(name, sizeof name, "form-%d.db", w);
    three_patients(name, db, sizeof db);
    struct gui *g = open_gui(db, w, h);
    key(g, SDLK_a, 0);
    const struct ui_home *hm = gui_home(g);
    REQUIRE(hm->page == UI_HOME_FORM);
    CHECK_STR(hm->title, "New patient");
    fill_form(g, (const char *const[9]){li, NULL, "2031-02-30", "m", "70"});
    key(g, SDLK_RETURN, 0);
    hm = gui_home(g);
    CHECK_INT(hm->page, UI_HOME_FORM);
    CHECK_INT(hm->message_kind, UI_HOME_MSG_ERROR);
    CHECK(strncmp(hm->message, "Birth date:", 11) == 0);
    CHECK(hm->fields[2].error);
    CHECK_INT(hm->field_focus, 2);
    struct ui_image img;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(ui_view_pixels(gui_ui(g), UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK(count_rgb(&img, ui_colour_rgb(UI_COL_FLAG_RED)) > w / 4); /* the field's frame and the message */
    snprintf(name, sizeof name, "form-error-%d.png", w);
    shot(g, name);
    gui_close(g);

    struct store *s = NULL;
    CHECK_OK(store_open(db, &s, &err), &err);
    struct store_patient *list = NULL;
    size_t n = 0;
    CHECK_OK(store_patient_list(s, &list, &n, &err), &err);
    CHECK_INT(n, 3);
    free(list);
    store_close(s);
}

static void test_form_error_1280(void)
{
    form_error_at(1280, 720);
}

static void test_form_error_3840(void)
{
    form_error_at(3840, 2160);
}

/* A patient with four sessions on supine-0 (the third on another device) and one on side-lying-abd:
 * ratios from normal to low. Returns their id. */
static int64_t tested_patient(const char *name, char *path, size_t size)
{
    struct store *s = fix_open(name, path, size);
    add_patient(s, zoe, "A-1", "1990-05-01", 'F', 61.0);
    int64_t pid = 1;
    const int64_t day = 86400, t0 = 1767225600; /* 2026-01-01 */
    static const double add_l[4] = {230, 200, 170, 240}, abd_l[4] = {250, 240, 225, 245};
    int64_t sid = 0;
    for (int i = 0; i < 4; i++) {
        sid = make_session(s, pid, "supine-0", i == 2 ? "OTHER-9" : "M5-1001", t0 + i * 14 * day);
        int seq = 1;
        for (int k = 0; k < 2; k++) {
            add_rep(s, sid, seq++, 0, k, ST_DIR_ADD, ST_SIDE_LEFT, add_l[i] - k * 4, STORE_REP_ACCEPTED,
                    true);
            add_rep(s, sid, seq++, 1, k, ST_DIR_ADD, ST_SIDE_RIGHT, 210 - k * 3, STORE_REP_ACCEPTED, true);
            add_rep(s, sid, seq++, 2, k, ST_DIR_ABD, ST_SIDE_LEFT, abd_l[i] - k * 2, STORE_REP_ACCEPTED,
                    true);
            add_rep(s, sid, seq++, 3, k, ST_DIR_ABD, ST_SIDE_RIGHT, 260 - k * 5, STORE_REP_ACCEPTED, true);
        }
    }
    sid = make_session(s, pid, "side-lying-abd", "M5-1001", t0 + 3 * day);
    add_rep(s, sid, 1, 0, 1, ST_DIR_ABD, ST_SIDE_LEFT, 200, STORE_REP_ACCEPTED, true);
    store_close(s);
    return pid;
}

/* A session's balance as `station show` and `sessions` compute it. */
static struct bal_result session_bal(const char *db, int64_t sid)
{
    struct store *s = fix_reopen(db);
    struct st_err err;
    struct export_session doc;
    struct bal_result b;
    memset(&b, 0, sizeof b);
    if (s && export_session_load(s, sid, &doc, &err) == ST_OK) {
        b = doc.bal;
        export_session_free(&doc);
    } else {
        check_fail(__FILE__, __LINE__, "session %lld: %s", (long long)sid, st_err_msg(&err));
    }
    store_close(s);
    return b;
}

static void patient_page_at(int w, int h)
{
    char db[512], name[64];
    snprintf(name, sizeof name, "page-%d.db", w);
    tested_patient(name, db, sizeof db);
    struct gui *g = open_gui(db, w, h);
    CHECK_STR(gui_home(g)->rows[0].name, zoe);
    CHECK(strstr(gui_home(g)->rows[0].last, "Last test 2026-02-") != NULL);
    key(g, SDLK_RETURN, 0);
    const struct ui_home *hm = gui_home(g);
    REQUIRE(hm->page == UI_HOME_PATIENT);
    CHECK_STR(hm->title, zoe);
    CHECK(strstr(hm->subtitle, "Ref A-1") != NULL && strstr(hm->subtitle, "born 1990-05-01") != NULL);
    CHECK_INT(hm->n_masses, 1);
    REQUIRE(hm->n_sessions == 5);
    /* Newest first, in local time, with the ratios the store's balance gives (as `station sessions`). */
    CHECK(strncmp(hm->sessions[0].when, "2026-02-12", 10) == 0);
    CHECK_STR(hm->sessions[0].protocol, "supine-0");
    CHECK_STR(hm->sessions[3].protocol, "side-lying-abd");
    CHECK_STR(hm->sessions[0].status, "complete");
    static const int64_t sid_of_row[5] = {4, 3, 2, 5, 1};
    for (int i = 0; i < 5; i++) {
        struct bal_result b = session_bal(db, sid_of_row[i]);
        for (int sd = 0; sd < 2; sd++) {
            CHECK_INT(hm->sessions[i].have_ratio[sd], isfinite(b.ratio[sd]));
            if (isfinite(b.ratio[sd])) {
                CHECK(hm->sessions[i].ratio[sd] == b.ratio[sd]);
                CHECK_INT(hm->sessions[i].ratio_flag[sd], b.ratio_flag[sd]);
            }
        }
    }
    CHECK_INT(hm->sessions[0].ratio_flag[0], BAL_NORMAL);
    CHECK_INT(hm->sessions[1].ratio_flag[0], BAL_RED);
    CHECK(!hm->sessions[3].have_ratio[0]); /* the side-lying session measured ABD only */
    /* The trend: the newest session's protocol, oldest first, the device change marked. */
    REQUIRE(hm->n_trend == 4);
    CHECK(strstr(hm->trend_title, "P shows the next") != NULL);
    CHECK(!hm->trend[0].device_changed && !hm->trend[1].device_changed);
    CHECK(hm->trend[2].device_changed && hm->trend[3].device_changed); /* to OTHER-9 and back */
    CHECK(hm->trend[1].bal.cell[ST_DIR_ADD][ST_SIDE_LEFT].best_n ==
          session_bal(db, 2).cell[ST_DIR_ADD][ST_SIDE_LEFT].best_n);
    CHECK(hm->have_last);
    struct bal_result newest = session_bal(db, 4);
    CHECK(memcmp(hm->last.ratio, newest.ratio, sizeof hm->last.ratio) == 0);
    CHECK(strstr(hm->last_title, "2026-02-12") != NULL);
    CHECK_NEAR(hm->ratio_red, 0.80, 1e-9);

    struct ui_image img;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(ui_view_pixels(gui_ui(g), UI_VIEW_THERAPIST, &img, &err), &err);
    /* The chart draws every series, the ratio's red line, the amber device mark and the low ratio in red. */
    for (int k = 0; k < 4; k++)
        CHECK(count_rgb(&img, ui_colour_rgb((enum ui_colour)(UI_COL_CURVE0 + k))) > w / 20);
    CHECK(count_rgb(&img, ui_colour_rgb(UI_COL_FLAG_RED)) > w / 4);
    CHECK(count_rgb(&img, ui_colour_rgb(UI_COL_FLAG_AMBER)) > w / 8);
    snprintf(name, sizeof name, "patient-%d.png", w);
    shot(g, name);

    /* T: the start page, the protocol of the last session chosen, the demo device first; Esc back. */
    key(g, SDLK_t, 0);
    hm = gui_home(g);
    REQUIRE(hm->page == UI_HOME_START);
    REQUIRE(hm->n_protocols >= 5 && hm->n_devices >= 1);
    REQUIRE(hm->protocol_selected >= 0 && hm->protocol_selected < hm->n_protocols);
    CHECK(strstr(hm->protocols[hm->protocol_selected].title, "Supine long-lever") != NULL);
    CHECK(strstr(hm->protocols[hm->protocol_selected].detail, "30 s rest") != NULL);
    CHECK(strncmp(hm->devices[0].title, "Demo", 4) == 0);
    CHECK_OK(ui_view_pixels(gui_ui(g), UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK(count_rgb(&img, RGB_SELECTED) > w * 2); /* the chosen protocol and the chosen device */
    int cx, cy;
    REQUIRE(ui_home_hit_center(gui_ui(g), UI_HE_CHOICE, UI_HOME_CHOICE_COLUMN + 0, &cx, &cy));
    CHECK(cx > w / 2);
    REQUIRE(ui_home_hit_center(gui_ui(g), UI_HE_CHOICE, 1, &cx, &cy));
    CHECK(cx < w / 2);
    click(g, UI_HE_CHOICE, 1);
    CHECK_INT(gui_home(g)->protocol_selected, 1);
    /* D asks the serial ports on its own thread (a test machine has none with a dynamometer: the demo
     * stays); Esc stops a search still under way (test_home_probe shows one finding a board). */
    key(g, SDLK_d, 0);
    if (strncmp(gui_home(g)->message, "Searching", 9) == 0)
        key(g, SDLK_ESCAPE, 0);
    CHECK(strstr(gui_home(g)->message, "found") != NULL);
    CHECK(gui_home(g)->n_devices >= 1);
    CHECK(strncmp(gui_home(g)->devices[0].title, "Demo", 4) == 0);
    snprintf(name, sizeof name, "start-%d.png", w);
    shot(g, name);
    key(g, SDLK_ESCAPE, 0);
    CHECK_INT(gui_home(g)->page, UI_HOME_PATIENT);

    /* P: the other protocol's trend (one session); Down and a click choose sessions; Esc goes back. */
    key(g, SDLK_p, 0);
    CHECK_INT(gui_home(g)->n_trend, 1);
    CHECK(strstr(gui_home(g)->trend_title, "side-lying-abd (2 of 2") != NULL);
    key(g, SDLK_DOWN, 0);
    CHECK_INT(gui_home(g)->session_selected, 1);
    click(g, UI_HE_ROW, 2);
    CHECK_INT(gui_home(g)->session_selected, 2);
    key(g, SDLK_ESCAPE, 0);
    CHECK_INT(gui_home(g)->page, UI_HOME_LIST);
    gui_close(g);
}

static void test_patient_page_1280(void)
{
    patient_page_at(1280, 720);
}

static void test_patient_page_3840(void)
{
    patient_page_at(3840, 2160);
}

/* ---- the flow --------------------------------------------------------------------------------- */

static void patient_of(const char *db, int64_t id, struct store_patient *p, struct store_mass **m, size_t *nm)
{
    struct store *s = fix_reopen(db);
    struct st_err err;
    CHECK_OK(store_patient_get(s, id, p, &err), &err);
    CHECK_OK(store_mass_list(s, id, m, nm, &err), &err);
    store_close(s);
}

static size_t patients_in(const char *db)
{
    struct store *s = fix_reopen(db);
    struct st_err err;
    struct store_patient *list = NULL;
    size_t n = 0;
    CHECK_OK(store_patient_list(s, &list, &n, &err), &err);
    free(list);
    store_close(s);
    return n;
}

/* The window's patient and the command's are the same record but for ids, UUIDs and times. */
static void same_patient(const char *db_a, int64_t id_a, const char *db_b, int64_t id_b)
{
    struct store_patient a, b;
    struct store_mass *ma = NULL, *mb = NULL;
    size_t na = 0, nb = 0;
    patient_of(db_a, id_a, &a, &ma, &na);
    patient_of(db_b, id_b, &b, &mb, &nb);
    CHECK_STR(a.name, b.name);
    CHECK_STR(a.ref, b.ref);
    CHECK_STR(a.birth, b.birth);
    CHECK_INT(a.sex, b.sex);
    CHECK_INT(a.side_dominant, b.side_dominant);
    CHECK(a.leg_length_m == b.leg_length_m || (isnan(a.leg_length_m) && isnan(b.leg_length_m)));
    CHECK(a.lever_m == b.lever_m || (isnan(a.lever_m) && isnan(b.lever_m)));
    CHECK_STR(a.notes, b.notes);
    CHECK_INT(na, nb);
    for (size_t i = 0; i < na && i < nb; i++) {
        CHECK(ma[i].kg == mb[i].kg);
        CHECK_STR(ma[i].date, mb[i].date);
    }
    free(ma);
    free(mb);
}

static int run_cmd(int (*fn)(int, char **), char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    char out[512];
    return cmd_capture(fn, argc, argv, check_tmppath(out, sizeof out, "cmd.out"), NULL);
}

/* On patient 4's page: T, the demo protocol, the demo device, Enter; the test screen runs the session
 * and the page comes back with it; R writes its report beside the database. */
static void demo_test(struct gui *g, const char *db)
{
    key(g, SDLK_t, 0);
    const struct ui_home *hm = gui_home(g);
    REQUIRE(hm->page == UI_HOME_START);
    int demo = -1;
    for (int i = 0; i < hm->n_protocols; i++)
        if (strncmp(hm->protocols[i].title, "Demo:", 5) == 0)
            demo = i;
    REQUIRE(demo >= 0);
    CHECK(strstr(hm->protocols[demo].detail, "3 reps of 3 s") != NULL);
    while (gui_home(g)->protocol_selected < demo)
        key(g, SDLK_DOWN, 0);
    while (gui_home(g)->protocol_selected > demo)
        key(g, SDLK_UP, 0);
    key(g, SDLK_TAB, 0);
    hm = gui_home(g);
    CHECK_INT(hm->start_column, 1);
    REQUIRE(hm->n_devices >= 1);
    CHECK(strncmp(hm->devices[0].title, "Demo", 4) == 0);
    CHECK_INT(hm->device_selected, 0);
    memset(&home_final, 0, sizeof home_final);
    setenv("STATION_LINGER_S", "60", 1); /* the final screen waits for its keys (home_final_keys) */
    key(g, SDLK_RETURN, 0); /* the test screen runs the whole session */
    setenv("STATION_LINGER_S", "0", 1);
    /* Its final screen offered the report: R wrote it (the path on that screen), B went back. */
    CHECK(home_final.seen && home_final.offered);
    CHECK_INT(home_final.keys, 2);
    CHECK(strncmp(home_final.report_line, "Report written: ", 16) == 0);
    hm = gui_home(g);
    CHECK_INT(hm->page, UI_HOME_PATIENT);
    CHECK(strstr(hm->message, "saved") != NULL);
    REQUIRE(hm->n_sessions == 1);
    CHECK_STR(hm->sessions[0].status, "complete");
    CHECK_STR(hm->sessions[0].protocol, "demo");
    /* The database holds the session as `station demo` writes one: mode demo, 1 rep per direction and
     * side at least, the ratios on screen are its balance's. */
    struct store *s = fix_reopen(db);
    struct st_err err;
    struct store_session *list = NULL;
    size_t n = 0;
    CHECK_OK(store_session_list(s, 4, &list, &n, &err), &err);
    REQUIRE(n == 1);
    CHECK_STR(list[0].mode, "demo");
    CHECK_STR(list[0].therapist, THERAPIST); /* the settings page's name (flow, step 5) */
    CHECK_INT(list[0].status, STORE_SESSION_COMPLETE);
    CHECK(list[0].n_reps >= 4); /* one per direction and side, and any extra one the engine asked for */
    int64_t sid = list[0].id;
    free(list);
    store_close(s);
    struct bal_result b = session_bal(db, sid);
    for (int sd = 0; sd < 2; sd++)
        CHECK(hm->sessions[0].have_ratio[sd] && hm->sessions[0].ratio[sd] == b.ratio[sd]);
    /* The final screen's report, beside the database, named on that screen and on the page. */
    char pdf[600];
    const char *slash = strrchr(db, '/');
    snprintf(pdf, sizeof pdf, "%.*ssession-%lld-report.pdf", (int)(slash - db + 1), db, (long long)sid);
    CHECK(strstr(home_final.report_line, pdf) != NULL);
    CHECK(strstr(hm->message, "its report written") != NULL && strstr(hm->message, pdf) != NULL);
    size_t len = 0;
    char *data = check_read_file(pdf, &len);
    CHECK(data && len > 1000 && memcmp(data, "%PDF", 4) == 0);
    free(data);
    /* The report names the therapist, read back with poppler as a clinic would read it. */
    char cmd[800];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>/dev/null | grep -q 'Ingrid \xc3\x85sberg'", pdf);
    CHECK(system(cmd) == 0);
    /* R on the page writes it again. */
    CHECK(unlink(pdf) == 0);
    key(g, SDLK_r, 0);
    CHECK(strstr(gui_home(g)->message, "report") != NULL);
    data = check_read_file(pdf, &len);
    CHECK(data && len > 1000 && memcmp(data, "%PDF", 4) == 0);
    free(data);
}

static void flow(int w, int h)
{
    char db[512], cli_db[512], name[64];
    snprintf(name, sizeof name, "flow-%d.db", w);
    three_patients(name, db, sizeof db);
    snprintf(name, sizeof name, "flow-cli-%d.db", w);
    three_patients(name, cli_db, sizeof cli_db);
    struct gui *g = open_gui(db, w, h);

    /* 1. Add مريم Haddad through the form, by keyboard; the optional fields partly filled. */
    key(g, SDLK_a, 0);
    REQUIRE(gui_home(g)->page == UI_HOME_FORM);
    /* (a comma is a decimal point; "f" and "r" in either case) */
    fill_form(g, (const char *const[9]){"\xd9\x85\xd8\xb1\xd9\x8a\xd9\x85 Saleh", "C-42", "1978-09-14", "f",
                                        "64,5", "0.92", NULL, "r"});
    key(g, SDLK_RETURN, 0);
    const struct ui_home *hm = gui_home(g);
    CHECK_INT(hm->page, UI_HOME_LIST);
    CHECK_INT(hm->message_kind, UI_HOME_MSG_INFO);
    CHECK_INT(hm->total, 4);
    REQUIRE(hm->selected >= 0);
    CHECK_STR(hm->rows[hm->selected].name, "\xd9\x85\xd8\xb1\xd9\x8a\xd9\x85 Saleh");
    char *add[] = {"patient",
                   "add",
                   "--db",
                   cli_db,
                   "--name",
                   "\xd9\x85\xd8\xb1\xd9\x8a\xd9\x85 Saleh",
                   "--ref",
                   "C-42",
                   "--birth",
                   "1978-09-14",
                   "--sex",
                   "F",
                   "--mass-kg",
                   "64.5",
                   "--leg-length-m",
                   "0.92",
                   "--side-dominant",
                   "R",
                   NULL};
    CHECK_INT(run_cmd(cmd_patient, add), 0);
    same_patient(db, 4, cli_db, 4);

    /* 2. Find them by search: / then part of the name; the other مريم matches too, Zoë does not. */
    key(g, SDLK_SLASH, 0);
    CHECK(gui_home(g)->search_focus);
    type(g, "\xd9\x85\xd8\xb1\xd9\x8a\xd9\x85");
    hm = gui_home(g);
    CHECK_INT(hm->n_rows, 2);
    type(g, " s");
    hm = gui_home(g);
    REQUIRE(hm->n_rows == 1);
    CHECK_STR(hm->rows[0].name, "\xd9\x85\xd8\xb1\xd9\x8a\xd9\x85 Saleh");
    key(g, SDLK_BACKSPACE, 0);
    key(g, SDLK_BACKSPACE, 0);
    CHECK_INT(gui_home(g)->n_rows, 2);
    key(g, SDLK_ESCAPE, 0); /* clears the search */
    CHECK_INT(gui_home(g)->n_rows, 4);
    key(g, SDLK_SLASH, 0);
    type(g, "1978"); /* by birth date */
    CHECK_INT(gui_home(g)->n_rows, 1);
    key(g, SDLK_ESCAPE, 0);
    key(g, SDLK_SLASH, 0);
    type(g, "a-1"); /* by reference, any case */
    REQUIRE(gui_home(g)->n_rows == 1);
    CHECK_STR(gui_home(g)->rows[0].name, zoe);
    key(g, SDLK_ESCAPE, 0);

    /* 3. Bad input: each refused with its field's message, nothing written. */
    static const struct {
        int field;
        const char *text, *msg;
    } bad[] = {
        {0, "", "Name:"}, {4, "heavy", "Body mass:"}, {4, "12", "Body mass:"},
        {3, "Q", "Sex:"}, {5, "2.5", "Leg length:"},  {7, "x", "Dominant side:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        key(g, SDLK_a, 0);
        fill_form(g, (const char *const[9]){"Test Person", NULL, "1990-01-01", "X", "70"});
        click(g, UI_HE_FIELD, bad[i].field);
        clear_field(g);
        if (bad[i].text[0])
            type(g, bad[i].text);
        click(g, UI_HE_BUTTON, button_id(g, "Enter")); /* Save, by mouse */
        hm = gui_home(g);
        CHECK_INT(hm->page, UI_HOME_FORM);
        CHECK(strncmp(hm->message, bad[i].msg, strlen(bad[i].msg)) == 0);
        CHECK(hm->fields[bad[i].field].error);
        key(g, SDLK_ESCAPE, 0);
        CHECK_INT(gui_home(g)->page, UI_HOME_LIST);
    }
    CHECK_INT(patients_in(db), 4);

    /* 4. The same name and birth date again: a warning first, a second Enter saves. */
    key(g, SDLK_a, 0);
    /* (the name as a receptionist retypes it: other case, doubled space - the same person) */
    fill_form(g, (const char *const[9]){"zo\xc3\xab  martin", NULL, "1990-05-01", "F", "60"});
    key(g, SDLK_RETURN, 0);
    hm = gui_home(g);
    CHECK_INT(hm->page, UI_HOME_FORM);
    CHECK_INT(hm->message_kind, UI_HOME_MSG_WARN);
    CHECK(strstr(hm->message, "same name and birth date") != NULL);
    CHECK_INT(patients_in(db), 4);
    key(g, SDLK_RETURN, 0);
    CHECK_INT(gui_home(g)->page, UI_HOME_LIST);
    CHECK_INT(patients_in(db), 5);

    /* 5. Who is at the station, set on the settings page (S): the test below records them. */
    key(g, SDLK_s, 0);
    REQUIRE(gui_home(g)->page == UI_HOME_SETTINGS);
    type(g, THERAPIST);
    key(g, SDLK_RETURN, 0);
    CHECK(strstr(gui_home(g)->subtitle, THERAPIST) != NULL);

    /* Edit مريم Saleh's mass: select by search and a click, E, a new mass; the history keeps both. */
    key(g, SDLK_SLASH, 0);
    type(g, "C-42");
    REQUIRE(gui_home(g)->n_rows == 1);
    key(g, SDLK_RETURN, 0); /* leaves the search for the list */
    CHECK(!gui_home(g)->search_focus);
    click(g, UI_HE_ROW, 0); /* a click on the selected row opens the patient's page */
    CHECK_INT(gui_home(g)->page, UI_HOME_PATIENT);
    CHECK_STR(gui_home(g)->title, "\xd9\x85\xd8\xb1\xd9\x8a\xd9\x85 Saleh");
    CHECK_INT(gui_home(g)->n_sessions, 0);
    key(g, SDLK_e, 0);
    hm = gui_home(g);
    REQUIRE(hm->page == UI_HOME_FORM);
    CHECK_STR(hm->title, "Edit patient");
    CHECK_STR(hm->fields[4].value, "64.5");
    click(g, UI_HE_FIELD, 4);
    clear_field(g);
    type(g, "66");
    key(g, SDLK_RETURN, 0);
    hm = gui_home(g); /* back on the patient's page, the new mass first */
    CHECK_INT(hm->page, UI_HOME_PATIENT);
    CHECK_INT(hm->n_masses, 2);
    CHECK(strstr(hm->masses[0], "66.0 kg") != NULL);
    CHECK(strstr(hm->masses[1], "64.5 kg") != NULL);
    demo_test(g, db);

    /* 6. The mass from the page (M): a word is refused with the form's message and nothing written;
     * 67,5 is saved as `patient edit --mass-kg 67.5` saves it, and the page's chart has three points. */
    key(g, SDLK_m, 0);
    CHECK(gui_home(g)->mass_editing);
    type(g, "heavy");
    key(g, SDLK_RETURN, 0);
    CHECK(strncmp(gui_home(g)->message, "Body mass:", 10) == 0);
    CHECK(gui_home(g)->mass_editing);
    for (int i = 0; i < 5; i++)
        key(g, SDLK_BACKSPACE, 0);
    type(g, "67,5");
    key(g, SDLK_RETURN, 0);
    hm = gui_home(g);
    CHECK(!hm->mass_editing);
    CHECK_INT(hm->page, UI_HOME_PATIENT);
    CHECK_INT(hm->n_masses, 3);
    CHECK(strstr(hm->masses[0], "67.5 kg") != NULL);
    REQUIRE(hm->n_mass_points == 3);
    CHECK(hm->mass_points[0] == 64.5 && hm->mass_points[2] == 67.5);
    struct ui_image img;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(ui_view_pixels(gui_ui(g), UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK(ui_fix_count_colour(&img, 0, 0, w * 38 / 100, h / 2, ui_colour_rgb(UI_COL_CURVE0)) > 40);
    key(g, SDLK_m, 0); /* Esc closes the box: nothing more written */
    type(g, "99");
    key(g, SDLK_ESCAPE, 0);
    CHECK(!gui_home(g)->mass_editing);
    CHECK_INT(gui_home(g)->page, UI_HOME_PATIENT);
    key(g, SDLK_ESCAPE, 0);
    CHECK_INT(gui_home(g)->page, UI_HOME_LIST);
    char *edit[] = {"patient", "edit", "4", "--db", cli_db, "--mass-kg", "66", NULL};
    CHECK_INT(run_cmd(cmd_patient, edit), 0);
    char *edit2[] = {"patient", "edit", "4", "--db", cli_db, "--mass-kg", "67.5", NULL};
    CHECK_INT(run_cmd(cmd_patient, edit2), 0);
    same_patient(db, 4, cli_db, 4);
    struct store_patient p;
    struct store_mass *m = NULL;
    size_t nm = 0;
    patient_of(db, 4, &p, &m, &nm);
    CHECK_INT(nm, 3);
    CHECK(p.mass_kg == 67.5);
    free(m);

    /* 7. Q quits. */
    bool done = false;
    SDL_Event e = {0};
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = SDLK_q;
    REQUIRE(SDL_PushEvent(&e) == 1);
    st_err_clear(&err);
    CHECK_OK(gui_step(g, 0, &done, &err), &err);
    CHECK(done);
    gui_close(g);
}

/* X on a patient's page asks first (any other key keeps them), a second X erases them as `station
 * patient delete --yes` does: the same rows gone, one audit row 'delete' left. */
static void test_erase(void)
{
    char db[512], cli_db[512];
    int64_t pid = tested_patient("erase.db", db, sizeof db);
    tested_patient("erase-cli.db", cli_db, sizeof cli_db);
    struct store *s = NULL;
    struct st_err err;
    st_err_clear(&err);
    char uuid[2][STORE_UUID_SIZE];
    const char *dbs[2] = {db, cli_db};
    for (int k = 0; k < 2; k++) {
        struct store_patient p;
        CHECK_OK(store_open(dbs[k], &s, &err), &err);
        CHECK_OK(store_patient_get(s, pid, &p, &err), &err);
        snprintf(uuid[k], sizeof uuid[k], "%s", p.uuid);
        store_close(s);
    }
    struct gui *g = open_gui(db, 1280, 720);
    key(g, SDLK_RETURN, 0);
    REQUIRE(gui_home(g)->page == UI_HOME_PATIENT);
    key(g, SDLK_x, 0);
    CHECK_INT(gui_home(g)->message_kind, UI_HOME_MSG_WARN);
    CHECK(strstr(gui_home(g)->message, "Press X again") != NULL);
    key(g, SDLK_DOWN, 0); /* any other key keeps them */
    CHECK(strstr(gui_home(g)->message, "Nothing was erased") != NULL);
    CHECK_INT(patients_in(db), 1);
    key(g, SDLK_x, 0);
    key(g, SDLK_x, 0);
    const struct ui_home *hm = gui_home(g);
    CHECK_INT(hm->page, UI_HOME_LIST);
    CHECK(strstr(hm->message, "erased with 5 sessions") != NULL);
    CHECK_INT(hm->total, 0);
    gui_close(g);
    char *del[] = {"patient", "delete", "1", "--yes", "--db", cli_db, "--reason", "erased in the window",
                   NULL};
    CHECK_INT(run_cmd(cmd_patient, del), 0);
    for (int k = 0; k < 2; k++) {
        CHECK_INT(patients_in(dbs[k]), 0);
        CHECK_OK(store_open(dbs[k], &s, &err), &err);
        struct store_session *list = NULL;
        size_t n = 0;
        CHECK_OK(store_session_list(s, 0, &list, &n, &err), &err);
        CHECK_INT(n, 0);
        free(list);
        struct store_audit *a = NULL;
        size_t na = 0;
        CHECK_OK(store_audit_list(s, uuid[k], &a, &na, &err), &err);
        bool deleted = false;
        for (size_t i = 0; i < na; i++)
            deleted |= !strcmp(a[i].action, "delete") && !strcmp(a[i].reason, "erased in the window");
        CHECK(deleted);
        free(a);
        store_close(s);
    }
}

static void test_flow_offscreen(void)
{
    flow(1280, 720);
}

/* The command: --screenshot after --exit-after-s, a PNG of the home; a bad value is a usage error. */
static void png_check(const char *path)
{
    size_t len = 0;
    char *data = check_read_file(path, &len);
    REQUIRE(data);
    CHECK(len > 1000 && memcmp(data, "\x89PNG", 4) == 0);
    free(data);
}

/* The command: --screenshot after --exit-after-s, a PNG of the home or (--patient) of a patient's page;
 * an unknown patient is a failure, a bad value a usage error. The two pictures are the README's: they
 * are written to the folder ctest runs in (build/release/gui-home.png, gui-patient.png) and docs/
 * holds copies. */
static void test_command(void)
{
    char db[512], home_png[1024], page_png[1024], cwd[512];
    tested_patient("station.db", db, sizeof db);
    struct store *s = fix_reopen(db);
    add_patient(s, li, "2026-015", "1985-11-27", 'M', 70.0);
    add_patient(s, maryam, "2026-016", "2001-02-03", 'F', 55.0);
    add_patient(s, "Jonas Berg", "2026-017", "1979-03-22", 'M', 82.0);
    store_close(s);
    /* Run in the test's folder with --db station.db, as a therapist would, so the pictures show that
     * name rather than a temporary path. */
    REQUIRE(getcwd(cwd, sizeof cwd));
    snprintf(home_png, sizeof home_png, "%s/gui-home.png", cwd);
    snprintf(page_png, sizeof page_png, "%s/gui-patient.png", cwd);
    char *home[] = {"gui",          "--db",   "station.db",     "--therapist", "J. Physio",
                    "--screenshot", home_png, "--exit-after-s", "0.2",         NULL};
    CHECK_INT(rf_run(cmd_gui, home, "gui.out", "gui.err", false), 0);
    png_check(home_png);
    char *page[] = {"gui",          "--db",   "station.db",     "--patient", "1",
                    "--screenshot", page_png, "--exit-after-s", "0.1",       NULL};
    CHECK_INT(rf_run(cmd_gui, page, "gui.out", "gui.err", false), 0);
    png_check(page_png);
    char *nobody[] = {"gui", "--db", db, "--patient", "99", "--exit-after-s", "0.1", NULL};
    CHECK_INT(run_cmd(cmd_gui, nobody), 1);
    char *bad[] = {"gui", "--db", db, "--exit-after-s", "-1", NULL};
    CHECK_INT(run_cmd(cmd_gui, bad), 2);
    char *bad2[] = {"gui", "--width", "10", NULL};
    CHECK_INT(run_cmd(cmd_gui, bad2), 2);
}

/* The flow again in a real X11 window: this test runs itself on an Xvfb of its own. */
static void test_flow_x11(void)
{
    check_under_xvfb("TEST_HOME_X11_CHILD", 120);
}

int main(void)
{
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    setenv("STATION_LINGER_S", "0", 1); /* the test screen's final balance does not wait for a key */
    char cfg[512]; /* this test's own settings file (the flow names the therapist there) */
    setenv("XDG_CONFIG_HOME", check_tmppath(cfg, sizeof cfg, "config"), 1);
    unsetenv("STATION_THERAPIST");
    if (getenv("TEST_HOME_X11_CHILD")) {
        CHECK_RUN(test_flow_offscreen); /* here on the x11 driver */
        return check_done();
    }
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    CHECK_RUN(test_list_1280);
    CHECK_RUN(test_list_3840);
    CHECK_RUN(test_form_error_1280);
    CHECK_RUN(test_form_error_3840);
    CHECK_RUN(test_patient_page_1280);
    CHECK_RUN(test_patient_page_3840);
    CHECK_RUN(test_erase);
    CHECK_RUN(test_flow_offscreen);
    CHECK_RUN(test_command);
    CHECK_RUN(test_flow_x11);
    return check_done();
}
