/*
 * test_home_bilateral.c - a protocol measured on two dynamometers (one per side) started from the
 * home: the start page asks for a device per channel (Tab goes from the protocol to channel 1's device,
 * then channel 2's, each heading naming the side it measures), refuses the demo or the same device
 * twice with one line, and the session it starts records each channel's device - two emulated boards
 * found by D; the test screen is stopped (Esc twice) as soon as it shows, so nothing is measured.
 */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "home_util.h"
#include "store_fixture.h"

static const char *const two_pads =
    "[protocol]\nname = two-pads\ntitle = Two pads, one per leg\nposition = supine, hips 0°\n"
    "hip_flexion_deg = 0\nlever = long\ncontraction = make\n[order]\nmode = fixed\n[blocks]\n"
    "block = abduction left 0\nblock = abduction right 1\n[reps]\nfamiliarisation = 0\nreps = 1\n"
    "hold_s = 2\nrest_s = 1\ncountdown_s = 1\nblock_rest_s = 1\n";

/* The test screen's first frame: Esc twice stops the session (nothing measured). */
static void stop_at_once(void *ctx, int64_t session_id, const struct ui_model *m, bool reps_changed)
{
    int *pressed = ctx;
    (void)session_id;
    (void)reps_changed;
    if (!m->final.show && !*pressed && ui_fix_key(SDLK_ESCAPE, 0) && ui_fix_key(SDLK_ESCAPE, 0))
        *pressed = 1;
}

/* The index of the device whose detail names port, -1 none. */
static int device_on(const struct ui_home *h, const char *port)
{
    for (int i = 0; i < h->n_devices; i++)
        if (strstr(h->devices[i].detail, port))
            return i;
    return -1;
}

static void choose(struct gui *g, int want)
{
    for (int i = 0; i < 20 && gui_home(g)->device_selected != want; i++)
        key(g, gui_home(g)->device_selected < want ? SDLK_DOWN : SDLK_UP, 0);
    CHECK_INT(gui_home(g)->device_selected, want);
}

static void test_a_device_per_side(void)
{
    char db[512], dir[512], file[600], left[512], right[512], ports[1100];
    struct store *s = fix_open("bi.db", db, sizeof db);
    add_patient(s, "Jonas Berg", "", "1979-03-22", 'M', 82.0);
    store_close(s);
    setenv("STATION_PROTOCOL_DIR", check_tmppath(dir, sizeof dir, ""), 1);
    snprintf(file, sizeof file, "%s/two-pads.ini", dir);
    REQUIRE(check_write_file(file, two_pads));
    struct emu *el = home_board("ttyLEFT", left, sizeof left),
               *er = home_board("ttyRIGHT", right, sizeof right);
    REQUIRE(el && er);
    snprintf(ports, sizeof ports, "%s %s", left, right);
    setenv("STATION_EXTRA_PORTS", ports, 1);

    int pressed = 0;
    struct gui *g = open_gui_observed(db, 1280, 720, stop_at_once, &pressed);
    REQUIRE(g);
    key(g, SDLK_RETURN, 0);
    key(g, SDLK_t, 0);
    const struct ui_home *hm = gui_home(g);
    REQUIRE(hm->page == UI_HOME_START);
    REQUIRE(hm->n_protocols == 1);
    CHECK(strstr(hm->device_head, "Channel 1 of 2, the left side") != NULL);
    key(g, SDLK_d, 0);
    for (int i = 0; i < 3000 && !strstr(gui_home(g)->message, "asked"); i++) {
        step(g);
        usleep(20000);
    }
    hm = gui_home(g);
    int l = device_on(hm, left), r = device_on(hm, right);
    REQUIRE(l > 0 && r > 0);

    key(g, SDLK_TAB, 0); /* channel 1: the left board */
    CHECK_INT(hm->start_column, 1);
    choose(g, l);
    key(g, SDLK_TAB, 0); /* channel 2 */
    CHECK(strstr(gui_home(g)->device_head, "Channel 2 of 2, the right side") != NULL);
    CHECK(strstr(gui_home(g)->device_head, left) != NULL); /* channel 1's choice named */
    choose(g, 0);                                          /* the demo: refused */
    key(g, SDLK_RETURN, 0);
    CHECK_INT(gui_home(g)->page, UI_HOME_START);
    CHECK(strstr(gui_home(g)->message, "measures on 2 dynamometers") != NULL);
    choose(g, l); /* the same board twice: refused */
    key(g, SDLK_RETURN, 0);
    CHECK(strstr(gui_home(g)->message, "measures on 2 dynamometers") != NULL);
    choose(g, r);
    key(g, SDLK_RETURN, 0); /* the test screen, stopped at once */
    hm = gui_home(g);
    CHECK(pressed);
    CHECK_INT(hm->page, UI_HOME_PATIENT);
    REQUIRE(hm->n_sessions == 1);
    CHECK_STR(hm->sessions[0].status, "aborted");
    gui_close(g);
    emu_stop(el);
    emu_stop(er);

    /* The session holds each channel's device: the left board on channel 1, the right on 2. */
    s = fix_reopen(db);
    struct store_session *list = NULL;
    size_t n = 0;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(store_session_list(s, 1, &list, &n, &err), &err);
    REQUIRE(n == 1);
    const char *links[2] = {left, right};
    for (int c = 0; c < 2; c++) {
        struct store_device d;
        memset(&d, 0, sizeof d);
        snprintf(d.family, sizeof d.family, "chronojump");
        snprintf(d.serial, sizeof d.serial, "port:%s", links[c]);
        d.capacity_n = NAN;
        CHECK_OK(store_device_ensure(s, &d, &err), &err);
        CHECK_INT(list[0].device_id[c], d.id);
    }
    free(list);
    store_close(s);
    unsetenv("STATION_EXTRA_PORTS");
    unsetenv("STATION_PROTOCOL_DIR");
}

int main(void)
{
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    setenv("STATION_LINGER_S", "0", 1);
    char cfg[512];
    setenv("XDG_CONFIG_HOME", check_tmppath(cfg, sizeof cfg, "config"), 1);
    CHECK_RUN(test_a_device_per_side);
    return check_done();
}
