/*
 * test_home_calib.c - the home's guided calibration check (station/gui/gui_calib.c), driven by key,
 * text and mouse events on the offscreen driver.
 *
 * At 1280x720 and 3840x2160: C from the list, the demo device, the default 10 kg, Enter; the page goes
 * through zeroing, "place the mass" and the still reading while the window keeps drawing, then says the
 * verdict in words (green) and the check is stored for the demo's device. From a patient's page with a
 * typed port: an emulated gauge with a 10 kg weight; the row stored equals what `station calibrate`
 * stores for the same gauge on the same port. A port where nothing answers fails with the reason and
 * stores nothing; a mass that is not a number is refused; Esc cancels a check under way.
 */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "weight_fixture.h"
#include "cmd_capture.h"
#include "drivers/emu.h"
#include "home_util.h"
#include "station/cli/commands.h"
#include "station/store/store.h"
#include "store_fixture.h"

#define G 9.80665

/* Steps the window until the check is over (at most 40 s); returns the furthest step it went through
 * on the way. */
static enum ui_home_calib_step run_check(struct gui *g)
{
    enum ui_home_calib_step furthest = UI_CALIB_CHOOSE;
    for (int i = 0; i < 2000; i++) {
        step(g);
        enum ui_home_calib_step s = gui_home(g)->calib.step;
        if (s >= UI_CALIB_DONE)
            return furthest;
        if (s > furthest)
            furthest = s;
        usleep(20000);
    }
    check_fail(__FILE__, __LINE__, "the check did not end");
    return furthest;
}

/* The last check of the device (family, key) in db; false when it has none. */
static bool last_check(const char *db, const char *family, const char *key, struct store_calibration *c,
                       struct store_device *d)
{
    struct store *s = fix_reopen(db);
    struct st_err err;
    st_err_clear(&err);
    memset(d, 0, sizeof *d);
    snprintf(d->family, sizeof d->family, "%s", family);
    snprintf(d->serial, sizeof d->serial, "%s", key);
    d->capacity_n = NAN;
    bool found =
        store_device_ensure(s, d, &err) == ST_OK && store_calibration_last(s, d->id, c, &err) == ST_OK;
    store_close(s);
    return found;
}

static void demo_at(int w, int h)
{
    char db[512], name[64];
    snprintf(name, sizeof name, "calib-%d.db", w);
    store_close(fix_open(name, db, sizeof db));
    struct gui *g = open_gui(db, w, h);
    key(g, SDLK_c, 0);
    const struct ui_home *hm = gui_home(g);
    REQUIRE(hm->page == UI_HOME_CALIB);
    CHECK_STR(hm->title, "Calibration check");
    REQUIRE(hm->n_devices >= 1);
    CHECK(strncmp(hm->devices[0].title, "Demo", 4) == 0);
    CHECK_INT(hm->device_selected, 0);
    CHECK_STR(hm->calib.mass, "10");
    struct ui_image img;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(ui_view_pixels(gui_ui(g), UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK(count_rgb(&img, 0x1e3a5fu) > w * 2); /* the chosen device's row */
    snprintf(name, sizeof name, "calib-choose-%d.png", w);
    shot(g, name);

    key(g, SDLK_RETURN, 0);
    CHECK(gui_home(g)->calib.step >= UI_CALIB_ZEROING);
    CHECK(strstr(gui_home(g)->calib.device, "Demo: chronojump") != NULL);
    enum ui_home_calib_step furthest = run_check(g);
    hm = gui_home(g);
    REQUIRE(hm->calib.step == UI_CALIB_DONE);
    CHECK(furthest >= UI_CALIB_PLACE); /* the page asked for the mass before it read it */
    CHECK(hm->calib.ok);
    CHECK(strncmp(hm->calib.verdict, "Read 98.07 N for 98.07 N expected", 33) == 0);
    CHECK(strstr(hm->calib.verdict, "within tolerance (1.0 %)") != NULL);
    CHECK(strstr(hm->message, "stored for chronojump demo-emulator") != NULL);
    CHECK(hm->calib.have_force);
    CHECK_NEAR(hm->calib.force_n, 10 * G, 0.5);
    CHECK_OK(ui_view_pixels(gui_ui(g), UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK(count_rgb(&img, ui_colour_rgb(UI_COL_FLAG_NORMAL)) > w / 2); /* the verdict in green */
    snprintf(name, sizeof name, "calib-%d.png", w);
    shot(g, name);

    struct store_calibration c;
    struct store_device d;
    REQUIRE(last_check(db, "chronojump", "demo-emulator", &c, &d));
    CHECK(c.ok);
    CHECK_NEAR(c.reference_kg, 10.0, 0);
    CHECK_NEAR(c.error_pct, 0.0, 0.2);
    key(g, SDLK_ESCAPE, 0);
    CHECK_INT(gui_home(g)->page, UI_HOME_LIST);
    gui_close(g);
}

static void test_demo_1280(void)
{
    demo_at(1280, 720);
}

static void test_demo_3840(void)
{
    demo_at(3840, 2160);
}

static void test_port_like_command(void)
{
    char db[512], cli_db[512], link[512], out[512];
    struct store *s = fix_open("port.db", db, sizeof db);
    add_patient(s, "Jonas Berg", "", "1979-03-22", 'M', 82.0);
    store_close(s);
    store_close(fix_open("port-cli.db", cli_db, sizeof cli_db));
    check_tmppath(link, sizeof link, "ttyGAUGE");
    setenv("STATION_THERAPIST", "QA", 1); /* who checks, for the window and the command alike */

    struct gui *g = open_gui(db, 1280, 720);
    key(g, SDLK_RETURN, 0); /* the patient's page */
    REQUIRE(gui_home(g)->page == UI_HOME_PATIENT);
    key(g, SDLK_c, 0);
    REQUIRE(gui_home(g)->page == UI_HOME_CALIB);
    /* A mass that is not a number: refused, nothing started. */
    click(g, UI_HE_FIELD, 0);
    key(g, SDLK_BACKSPACE, 0);
    key(g, SDLK_BACKSPACE, 0);
    type(g, "ten");
    key(g, SDLK_RETURN, 0);
    CHECK_INT(gui_home(g)->calib.step, UI_CALIB_CHOOSE);
    CHECK(strncmp(gui_home(g)->message, "Reference mass:", 15) == 0);
    for (int i = 0; i < 3; i++)
        key(g, SDLK_BACKSPACE, 0);
    type(g, "10");
    /* A port where nothing answers: the reason, nothing stored. */
    key(g, SDLK_TAB, 0);
    CHECK_INT(gui_home(g)->calib.field_focus, 1);
    type(g, "/dev/nonexistent-gauge");
    key(g, SDLK_RETURN, 0);
    CHECK_INT(gui_home(g)->calib.step, UI_CALIB_FAILED);
    CHECK(strstr(gui_home(g)->calib.verdict, "/dev/nonexistent-gauge") != NULL);
    key(g, SDLK_RETURN, 0); /* check again */
    CHECK_INT(gui_home(g)->calib.step, UI_CALIB_CHOOSE);

    /* Esc cancels a check under way (the gauge never gets its weight). */
    struct emu *e = weight(link, 0, 100);
    REQUIRE(e);
    click(g, UI_HE_FIELD, 1);
    for (size_t i = strlen("/dev/nonexistent-gauge"); i > 0; i--)
        key(g, SDLK_BACKSPACE, 0);
    type(g, link);
    key(g, SDLK_RETURN, 0);
    CHECK(gui_home(g)->calib.step >= UI_CALIB_ZEROING && gui_home(g)->calib.step < UI_CALIB_DONE);
    key(g, SDLK_ESCAPE, 0);
    CHECK_INT(gui_home(g)->calib.step, UI_CALIB_CHOOSE);
    CHECK(strstr(gui_home(g)->message, "nothing was stored") != NULL);
    emu_stop(e);

    /* The 10 kg weight, hung 4 s after the gauge starts. */
    e = weight(link, 10 * G, 4.0);
    REQUIRE(e);
    key(g, SDLK_RETURN, 0);
    run_check(g);
    emu_stop(e);
    const struct ui_home *hm = gui_home(g);
    CHECK_INT(hm->calib.step, UI_CALIB_DONE);
    CHECK(strstr(hm->calib.verdict, "within tolerance (1.0 %)") != NULL);
    key(g, SDLK_ESCAPE, 0);
    CHECK_INT(gui_home(g)->page, UI_HOME_PATIENT); /* back where it came from */
    gui_close(g);

    /* The command, on the same gauge and port. */
    e = weight(link, 10 * G, 4.0);
    REQUIRE(e);
    char *argv[] = {"calibrate", "--db", cli_db, "--port", link, "--mass-kg", "10", NULL};
    CHECK_INT(cmd_capture(cmd_calibrate, 7, argv, check_tmppath(out, sizeof out, "cal.out"), NULL), 0);
    emu_stop(e);
    unsetenv("STATION_THERAPIST");

    struct store_calibration a, b;
    struct store_device da, dbv;
    char key_name[600];
    snprintf(key_name, sizeof key_name, "port:%s", link); /* known by its port only (drivers/identity.h) */
    REQUIRE(last_check(db, "chronojump", key_name, &a, &da));
    REQUIRE(last_check(cli_db, "chronojump", key_name, &b, &dbv));
    CHECK(a.ok && b.ok);
    CHECK(a.reference_kg == b.reference_kg);
    CHECK_NEAR(a.reading_n, b.reading_n, 0.02);
    CHECK_NEAR(a.error_pct, b.error_pct, 0.02);
    CHECK_STR(da.model, dbv.model);
    CHECK_STR(da.unit, dbv.unit);
    CHECK_INT(a.therapist_id, b.therapist_id); /* QA, the first therapist of each file */
    CHECK(a.therapist_id > 0);
}

int main(void)
{
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    char cfg[512]; /* no settings file of the machine's */
    setenv("XDG_CONFIG_HOME", check_tmppath(cfg, sizeof cfg, "config"), 1);
    unsetenv("STATION_THERAPIST");
    CHECK_RUN(test_demo_1280);
    CHECK_RUN(test_demo_3840);
    CHECK_RUN(test_port_like_command);
    return check_done();
}
