/*
 * main.c - `station`: one program, subcommands (DESIGN.md "The command line"). This is the only
 * place that decides the process's exit status; everything below returns errors with words. The
 * command table, the help made from it, the man page and completion are station/cli/docs.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/cli/docs.h"
#include "common/cpu_mark.h"
#include "common/lsan.h"

STATION_LSAN_SUPPRESSIONS

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
    st_cpu_mark(ST_CPU_MAIN); /* what exec and the dynamic linker cost (bench/bench_peer.c) */
    /* Completion sees the words as typed, --db included: before the global options are taken. */
    if (argc >= 2 && !strcmp(argv[1], "__complete"))
        return docs_complete(argc - 2, argv + 2);
    int g = global_options(argc, argv);
    if (g < 0)
        return 2;
    argv[g] = argv[0];
    argc -= g;
    argv += g;
    if (argc < 2) {
        /* A therapist starts the station from the desktop: the window. */
        const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
        if ((x && *x) || (wl && *wl)) {
            char *gui_argv[] = {"gui", NULL};
            return cmd_gui(1, gui_argv);
        }
        docs_usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        docs_usage(stdout);
        return 0;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("station %s\n", STATION_VERSION);
        return 0;
    }
    if (!strcmp(name, "--help-all"))
        return docs_all(CLI_HELP_TEXT);
    if (!strcmp(name, "--synopsis"))
        return docs_all(CLI_HELP_SYNOPSIS);
    if (!strcmp(name, "--man"))
        return docs_man();
    const struct station_command *c = station_command_find(name);
    if (c)
        return c->fn(argc - 1, argv + 1);
    if (name[0] == '-')
        fprintf(stderr, "station: unknown option %s (see station --help)\n", name);
    else
        fprintf(stderr, "station: unknown command \"%s\" (see station --help)\n", name);
    return 2;
}
