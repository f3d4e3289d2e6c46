/*
 * main.c - `station`: one program, subcommands (DESIGN.md "The command line"). This is the only
 * place that decides the process's exit status; everything below returns errors with words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/cli/commands.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"demo", cmd_demo, "the station on a built-in emulated dynamometer: the first thing to run"},
    {"devices", cmd_devices, "serial ports; --probe names the dynamometer on each"},
    {"calibrate", cmd_calibrate, "check a device against a known mass"},
    {"patient", cmd_patient, "add, list, show, edit, delete patients"},
    {"protocols", cmd_protocols, "the test protocols the station knows"},
    {"run", cmd_run, "run a test protocol against a dynamometer and save the session"},
    {"sessions", cmd_sessions, "the saved sessions, optionally of one patient"},
    {"show", cmd_show, "a session's balance: per side and direction, ADD:ABD ratio, asymmetry"},
    {"trend", cmd_trend, "a patient's sessions over time for one protocol"},
    {"report", cmd_report, "the balance report (PDF) of a session, or a patient's progress report"},
    {"note", cmd_note, "add the therapist's note to a session (printed in its report)"},
    {"export", cmd_export, "a session (or everything about a patient) as CSV or JSON"},
    {"analyze", cmd_analyze, "the metrics of one contraction from a t_s,force_n file"},
    {"sim", cmd_sim, "an emulated dynamometer on a new pseudo-terminal"},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: station [--db PATH] COMMAND [options]   (station COMMAND --help for each)\n\n"
               "A clinic muscle-balance test station: hip adduction and abduction strength with\n"
               "strain-gauge dynamometers, the ADD:ABD ratio and left/right asymmetry.\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEvery command takes --db PATH, before or after the command (default: $STATION_DB, else "
               "$XDG_DATA_HOME/station/station.db).\n");
}

/* Global options before the command, as git and docker take them: `station --db PATH COMMAND ...` works
 * as `station COMMAND --db PATH ...`. The path goes to $STATION_DB, which every command's database
 * lookup reads (station/paths.h) after its own --db, so a --db after the command still wins. Returns
 * how many arguments it took, or -1 after printing a usage error. */
static int global_options(int argc, char **argv)
{
    int i = 1;
    while (i < argc && !strncmp(argv[i], "--db", 4) && (argv[i][4] == '\0' || argv[i][4] == '=')) {
        const char *path = argv[i][4] == '=' ? argv[i] + 5 : (i + 1 < argc ? argv[i + 1] : NULL);
        if (!path || !*path) {
            fprintf(stderr, "station: --db needs a value (PATH) (see station --help)\n");
            return -1;
        }
        if (setenv("STATION_DB", path, 1) != 0) {
            fprintf(stderr, "station: the --db path is too long\n");
            return -1;
        }
        i += argv[i][4] == '=' ? 1 : 2;
    }
    return i - 1;
}

int main(int argc, char **argv)
{
    int g = global_options(argc, argv);
    if (g < 0)
        return 2;
    argv[g] = argv[0];
    argc -= g;
    argv += g;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("station %s\n", STATION_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    if (name[0] == '-')
        fprintf(stderr, "station: unknown option %s (see station --help)\n", name);
    else
        fprintf(stderr, "station: unknown command \"%s\" (see station --help)\n", name);
    return 2;
}
