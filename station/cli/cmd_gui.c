/*
 * cmd_gui.c - `station gui`: the window with the home (station/gui/gui.h): the patient list, search,
 * and the patient form. `station` alone runs it too when there is a display (main.c).
 * --screenshot FILE.png --exit-after-s S saves the home as it stands after S seconds and ends (for
 * the README's pictures and for tests). Exit status: 0 closed normally, 1 no display or a database
 * that cannot be opened (one line on stderr), 2 a usage error.
 */
#include <stdio.h>

#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/gui/gui.h"

int cmd_gui(int argc, char **argv)
{
    struct gui_opts o = gui_opts_default();
    const char *db = NULL, *shot = NULL, *therapist = NULL, *patient = NULL;
    double exit_after = 0;
    int width = 0, height = 0;
    struct cli_opt opts[] = {
        CLI_OPT_DB(&db),
        {"--therapist", CLI_STR, &therapist, "NAME", "who is at the station (default $STATION_THERAPIST)",
         false},
        {"--patient", CLI_STR, &patient, "ID", "open on this patient's page (number or UUID)", false},
        {"--screenshot", CLI_STR, &shot, "FILE.png", "save the window as a PNG when it ends", false},
        {"--exit-after-s", CLI_DOUBLE, &exit_after, "S", "end after S seconds", false},
        {"--width", CLI_INT, &width, "PX", "window width (default 1280)", false},
        {"--height", CLI_INT, &height, "PX", "window height (default 720)", false},
    };
    struct cli_cmd cmd = {
        "station gui",
        "[--db PATH] [--therapist NAME] [--patient ID] [--screenshot FILE.png --exit-after-s S] "
        "[--width PX] [--height PX]",
        "The station's window: patients with search, add and edit, each patient's history and trend.",
        CLI_OPTS(opts),
        0,
        0};
    int rc = cli_parse(&cmd, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    if (exit_after < 0)
        return cli_usage_error(&cmd, "--exit-after-s must be 0 or more seconds");
    if ((width != 0 && (width < 320 || width > 16384)) || (height != 0 && (height < 240 || height > 16384)))
        return cli_usage_error(&cmd, "--width and --height must be 320-16384 and 240-16384 pixels");
    o.db = db;
    o.therapist = therapist;
    o.patient = patient;
    o.screenshot = shot;
    o.exit_after_s = exit_after;
    o.width = width;
    o.height = height;
    struct st_err err;
    st_err_clear(&err);
    if (gui_run(&o, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    if (shot)
        printf("Screenshot saved: %s\n", shot);
    return 0;
}
