/*
 * test_home_settings.c - the home's settings page (station/gui/gui_settings.c), driven by key, text
 * and mouse events on the offscreen driver: S opens it with the settings file's values (the server's
 * password masked on screen, never in the model), a relative data folder is refused with the field
 * framed red and nothing written, Enter saves the file the commands read (mode 0600), Esc leaves it;
 * the new therapist is the window's from then on; a new data folder opens its own database at once
 * when no --db chose the file, and `station` without --db then uses it too (paths_db).
 * Pixel checks at 1280x720 and 3840x2160 (the page's red frame; screenshots settings-*.png).
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "home_util.h"
#include "station/config.h"
#include "station/paths.h"
#include "store_fixture.h"

static void config_dir(const char *name)
{
    char dir[512];
    setenv("XDG_CONFIG_HOME", check_tmppath(dir, sizeof dir, name), 1);
}

static struct st_config load(void)
{
    struct st_config c;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(config_load(NULL, &c, &err), &err);
    return c;
}

static void settings_at(int w, int h)
{
    char db[512], name[64], data[512];
    snprintf(name, sizeof name, "cfg-%d", w);
    config_dir(name);
    struct st_config c;
    struct st_err err;
    config_init(&c);
    CHECK_OK(config_set(&c, "therapist", "J. Physio", &err), &err);
    CHECK_OK(config_set(&c, "server", "postgresql://station:Secr3t@clinic.example/station", &err), &err);
    CHECK_OK(config_save(NULL, &c, &err), &err);
    snprintf(name, sizeof name, "settings-%d.db", w);
    store_close(fix_open(name, db, sizeof db));
    struct gui *g = open_gui(db, w, h);
    CHECK(strstr(gui_home(g)->subtitle, "Therapist") == NULL); /* open_gui: nobody at the station */

    key(g, SDLK_s, 0);
    const struct ui_home *hm = gui_home(g);
    REQUIRE(hm->page == UI_HOME_SETTINGS);
    REQUIRE(hm->n_fields == 4);
    CHECK_STR(hm->fields[0].value, "J. Physio");
    CHECK_STR(hm->fields[1].value, "");
    CHECK_STR(hm->fields[2].value, "postgresql://station:****@clinic.example/station");
    CHECK(strncmp(hm->fields[3].value, "Automatic", 9) == 0);
    CHECK_INT(hm->field_focus, 0);

    /* The therapist's name, in any script. */
    for (size_t i = strlen("J. Physio"); i > 0; i--)
        key(g, SDLK_BACKSPACE, 0);
    type(g, "Ingrid \xc3\x85sberg \xe6\x9d\x8e");
    /* The caret moves by whole characters: Home, Right, Backspace and Delete in the middle, End, Left
     * over 李, and typing where it stands; the name ends as typed. */
    const size_t len = strlen("Ingrid \xc3\x85sberg \xe6\x9d\x8e");
    key(g, SDLK_HOME, 0);
    key(g, SDLK_RIGHT, 0);
    CHECK_INT(gui_home(g)->fields[0].caret, 1);
    key(g, SDLK_BACKSPACE, 0); /* the I */
    key(g, SDLK_DELETE, 0);    /* the n */
    CHECK_STR(gui_home(g)->fields[0].value, "grid \xc3\x85sberg \xe6\x9d\x8e");
    CHECK_INT(gui_home(g)->fields[0].caret, 0);
    type(g, "In");
    key(g, SDLK_END, 0);
    key(g, SDLK_LEFT, 0);
    CHECK_INT(gui_home(g)->fields[0].caret, len - 3);
    key(g, SDLK_LEFT, 0);
    key(g, SDLK_LEFT, 0); /* before the g */
    key(g, SDLK_DELETE, 0);
    type(g, "g");
    CHECK_STR(gui_home(g)->fields[0].value, "Ingrid \xc3\x85sberg \xe6\x9d\x8e");
    CHECK_INT(gui_home(g)->fields[0].caret, len - 4);
    key(g, SDLK_TAB, 0);
    /* A relative data folder: refused, its field red, the file as it was. */
    type(g, "clinic/data");
    key(g, SDLK_RETURN, 0);
    hm = gui_home(g);
    CHECK_INT(hm->page, UI_HOME_SETTINGS);
    CHECK_INT(hm->message_kind, UI_HOME_MSG_ERROR);
    CHECK(strncmp(hm->message, "Data folder: give the whole path", 32) == 0);
    CHECK(hm->fields[1].error);
    CHECK_INT(hm->field_focus, 1);
    struct ui_image img;
    st_err_clear(&err);
    CHECK_OK(ui_view_pixels(gui_ui(g), UI_VIEW_THERAPIST, &img, &err), &err);
    CHECK(count_rgb(&img, ui_colour_rgb(UI_COL_FLAG_RED)) > w / 4);
    snprintf(name, sizeof name, "settings-%d.png", w);
    shot(g, name);
    CHECK_STR(load().therapist, "J. Physio");
    clear_field(g);
    snprintf(name, sizeof name, "data-%d", w);
    type(g, check_tmppath(data, sizeof data, name));
    /* The server: a click on it, a new URL typed; on screen its password stays hidden. */
    click(g, UI_HE_FIELD, 2);
    for (size_t i = strlen(c.server); i > 0; i--) /* the hidden characters too */
        key(g, SDLK_BACKSPACE, 0);
    CHECK_STR(gui_home(g)->fields[2].value, "");
    type(g, "host=db.clinic password=n3w dbname=station");
    CHECK_STR(gui_home(g)->fields[2].value, "host=db.clinic password=**** dbname=station");
    /* The display: chosen with Right among those SDL sees (the offscreen driver has one). */
    key(g, SDLK_TAB, 0);
    CHECK_INT(gui_home(g)->field_focus, 3);
    type(g, "xyz"); /* the display is chosen, not typed */
    key(g, SDLK_RIGHT, 0);
    hm = gui_home(g);
    CHECK(strstr(hm->fields[3].value, "(display 1 of 1)") != NULL);
    char shown[64];
    REQUIRE(ui_home_displays(gui_ui(g), (char(*)[64])shown, 1) == 1);
    click(g, UI_HE_BUTTON, button_id(g, "Enter")); /* Save, by mouse */
    hm = gui_home(g);
    CHECK_INT(hm->page, UI_HOME_LIST);
    CHECK(strstr(hm->message, "Settings saved") != NULL);
    CHECK(strstr(hm->message, "keeps") != NULL); /* --db chose the file: the window keeps it */
    CHECK(strstr(hm->subtitle, "Therapist: Ingrid \xc3\x85sberg \xe6\x9d\x8e") != NULL);

    c = load();
    CHECK_STR(c.therapist, "Ingrid \xc3\x85sberg \xe6\x9d\x8e");
    CHECK_STR(c.data_dir, data);
    CHECK_STR(c.server, "host=db.clinic password=n3w dbname=station");
    CHECK_STR(c.patient_display, shown);
    char path[512];
    CHECK_OK(config_path(path, sizeof path, &err), &err);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(stat(data, &st) == 0 && S_ISDIR(st.st_mode)); /* created */

    /* Esc leaves the file as it was. */
    key(g, SDLK_s, 0);
    type(g, " Jr");
    key(g, SDLK_ESCAPE, 0);
    CHECK_INT(gui_home(g)->page, UI_HOME_LIST);
    CHECK_STR(load().therapist, "Ingrid \xc3\x85sberg \xe6\x9d\x8e");
    gui_close(g);
}

static void test_settings_1280(void)
{
    settings_at(1280, 720);
}

static void test_settings_3840(void)
{
    settings_at(3840, 2160);
}

/* No --db: a new data folder's database opens at once, and the commands' default is that file. */
static void test_data_folder_follows(void)
{
    char xdg[512], data[512], want[600], got[600];
    config_dir("cfg-follow");
    setenv("XDG_DATA_HOME", check_tmppath(xdg, sizeof xdg, "xdg-data"), 1);
    unsetenv("STATION_DB");
    char old_db[600];
    snprintf(old_db, sizeof old_db, "%s/station/station.db", xdg);
    struct gui *g = open_gui(NULL, 1280, 720);
    CHECK(strstr(gui_home(g)->subtitle, old_db) != NULL);
    key(g, SDLK_a, 0); /* one patient in the first file */
    fill_form(g, (const char *const[9]){"First File", NULL, "1990-01-01", "X", "70"});
    key(g, SDLK_RETURN, 0);
    CHECK_INT(gui_home(g)->total, 1);

    key(g, SDLK_s, 0);
    key(g, SDLK_TAB, 0);
    type(g, check_tmppath(data, sizeof data, "clinic/data"));
    key(g, SDLK_RETURN, 0);
    const struct ui_home *hm = gui_home(g);
    CHECK_INT(hm->page, UI_HOME_LIST);
    snprintf(want, sizeof want, "%s/station.db", data);
    CHECK(strstr(hm->message, want) != NULL);
    CHECK(strstr(hm->subtitle, want) != NULL);
    CHECK_INT(hm->total, 0); /* the new file's patients: none yet */
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(paths_db(NULL, got, sizeof got, &err), &err);
    CHECK_STR(got, want);
    gui_close(g);
    unsetenv("XDG_DATA_HOME");
}

int main(void)
{
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    unsetenv("STATION_THERAPIST");
    CHECK_RUN(test_settings_1280);
    CHECK_RUN(test_settings_3840);
    CHECK_RUN(test_data_folder_follows);
    return check_done();
}
