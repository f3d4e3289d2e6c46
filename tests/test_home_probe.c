/*
 * test_home_probe.c - D on the start page asks the serial ports on a thread of its own
 * (station/gui/gui_probe.c): the window keeps drawing while it searches, says which port it is
 * asking and how many it found so far, lists each dynamometer as it answers (an emulated Chronojump
 * board on a pty, given through $STATION_EXTRA_PORTS since no system lists ptys), and Esc stops the
 * search while a silent port is still being asked; the page stays usable and keeps what was found.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "drivers/emu.h"
#include "home_util.h"
#include "store_fixture.h"

static void test_probe_in_the_background(void)
{
    char db[512], link[512], ports[1200];
    struct store *s = fix_open("probe.db", db, sizeof db);
    add_patient(s, "Jonas Berg", "", "1979-03-22", 'M', 82.0);
    store_close(s);
    /* A pty nobody answers on: asked last, it keeps the search busy until Esc. */
    int silent = posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(silent >= 0 && grantpt(silent) == 0 && unlockpt(silent) == 0);
    struct emu *e = home_board("ttyBOARD", link, sizeof link);
    REQUIRE(e);
    snprintf(ports, sizeof ports, "%s %s", link, ptsname(silent)); /* after the ports the system lists */
    setenv("STATION_EXTRA_PORTS", ports, 1);

    struct gui *g = open_gui(db, 1280, 720);
    key(g, SDLK_RETURN, 0);
    key(g, SDLK_t, 0);
    REQUIRE(gui_home(g)->page == UI_HOME_START);
    key(g, SDLK_d, 0); /* returns at once: the search is under way */
    const struct ui_home *hm = gui_home(g);
    CHECK(strncmp(hm->message, "Searching", 9) == 0);
    bool stop_button = false; /* while it searches, Esc is "Stop the search" */
    for (int i = 0; i < hm->n_buttons; i++)
        stop_button |= !strcmp(hm->buttons[i].label, "Stop the search") && !strcmp(hm->buttons[i].key, "Esc");
    CHECK(stop_button);
    /* The board answers; then the search asks the silent pty (the last port), and the window draws on. */
    int frames = 0;
    const char *silent_name = ptsname(silent);
    for (int i = 0; i < 1500 && !(gui_home(g)->n_devices == 2 && strstr(gui_home(g)->message, silent_name));
         i++, frames++) {
        step(g);
        usleep(20000);
    }
    hm = gui_home(g);
    if (!strstr(hm->message, silent_name))
        check_fail(__FILE__, __LINE__, "after %d frames: %s", frames, hm->message);
    REQUIRE(strstr(hm->message, silent_name) != NULL);
    CHECK(strstr(hm->message, "1 found so far") != NULL);
    REQUIRE(hm->n_devices == 2);
    CHECK(strncmp(hm->devices[1].title, "chronojump", 10) == 0);
    CHECK(strstr(hm->devices[1].detail, link) != NULL);
    CHECK(strstr(hm->devices[1].detail, "No calibration check on record") != NULL);
    CHECK_INT(hm->device_selected, 1); /* the first one found is chosen */
    /* The window is not frozen: while the silent port still holds the search (it never answers), the
     * page answers keys at once - the device list, the demo. (Counting frames drawn while the board
     * was asked raced the probe thread: on a loaded machine it can be done before the first frame.) */
    key(g, SDLK_TAB, 0);
    key(g, SDLK_UP, 0);
    hm = gui_home(g);
    CHECK_INT(hm->device_selected, 0);
    CHECK(strstr(hm->message, silent_name) != NULL); /* still searching */

    key(g, SDLK_ESCAPE, 0); /* stops the search, not the page */
    hm = gui_home(g);
    CHECK_INT(hm->page, UI_HOME_START);
    CHECK(strstr(hm->message, "Search stopped: 1 dynamometer found") != NULL);
    CHECK_INT(hm->n_devices, 2);
    CHECK_INT(hm->device_selected, 0); /* the choice made during the search stands */
    key(g, SDLK_ESCAPE, 0);
    CHECK_INT(gui_home(g)->page, UI_HOME_PATIENT);
    /* gui_close waits for the port being asked to finish: a silent port takes every family's timeout
     * (15 s). Its other end hung up, it fails at once - what the test showed has been shown. */
    close(silent);
    gui_close(g);
    emu_stop(e);
    unsetenv("STATION_EXTRA_PORTS");
}

int main(void)
{
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    CHECK_RUN(test_probe_in_the_background);
    return check_done();
}
