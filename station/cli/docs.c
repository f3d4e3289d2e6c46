/*
 * docs.c - the command table and everything made from it; see docs.h. The man page and the README's
 * list are made by running each command's own --help in another style (cli_help_style), so they are
 * the option tables themselves.
 */
#include "station/cli/docs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/paths.h"
#include "station/protocol_files.h"
#include "station/store/store.h"

static const char *const patient_subs[] = {"add", "list", "show", "edit", "delete", "merge", "resolve", NULL};
static const char *const server_subs[] = {"init", NULL};

static const struct station_command commands[] = {
    {"gui", cmd_gui, "the window: patients, search, add, edit, history and trend (also `station` alone on a desktop)",
     NULL},
    {"demo", cmd_demo, "the station on a built-in emulated dynamometer: the first thing to run", NULL},
    {"devices", cmd_devices, "serial ports; --probe names the dynamometer on each", NULL},
    {"calibrate", cmd_calibrate, "check a device against a known mass", NULL},
    {"patient", cmd_patient, "add, list, show, edit, delete patients", patient_subs},
    {"protocols", cmd_protocols, "the test protocols the station knows, with their timings", NULL},
    {"run", cmd_run, "run a test protocol against a dynamometer and save the session", NULL},
    {"sessions", cmd_sessions, "the saved sessions with their result, optionally of one patient", NULL},
    {"show", cmd_show, "a session's balance: per side and direction, ADD:ABD ratio, asymmetry", NULL},
    {"trend", cmd_trend, "a patient's sessions over time, per protocol", NULL},
    {"report", cmd_report, "the balance report (PDF) of a session, or a patient's progress report", NULL},
    {"note", cmd_note, "add the therapist's note to a session (printed in its report)", NULL},
    {"export", cmd_export, "a session (or everything about a patient) as JSON, CSV or FHIR", NULL},
    {"analyze", cmd_analyze, "the metrics of one contraction from a t_s,force_n file", NULL},
    {"sim", cmd_sim, "an emulated dynamometer on a new pseudo-terminal", NULL},
    {"sync", cmd_sync, "push this station's records to the clinic server and pull the others'", NULL},
    {"server", cmd_server, "create or update the clinic server's schema (IT, once)", server_subs},
};

const struct station_command *station_commands(size_t *n)
{
    *n = sizeof commands / sizeof commands[0];
    return commands;
}

const struct station_command *station_command_find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return &commands[i];
    return NULL;
}

static const char intro[] = "A clinic muscle-balance test station: hip adduction and abduction strength with\n"
                            "strain-gauge dynamometers, the ADD:ABD ratio and left/right asymmetry.";
static const char db_line[] = "Every command takes --db PATH, before or after the command (default: $STATION_DB, "
                              "else $XDG_DATA_HOME/station/station.db).";

void docs_usage(FILE *f)
{
    fprintf(f, "Usage: station [--db PATH] COMMAND [options]   (station COMMAND --help for each)\n\n%s\n\nCommands:\n",
            intro);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n%s\nstation --help-all prints every command's help; station --man the manual page.\n", db_line);
}

/* Runs a command's --help (with sub, its subcommand's) in the current cli_help_style; stdout and
 * stderr of the help go where they are. */
static void help_of(const struct station_command *c, const char *sub)
{
    char *argv[4] = {(char *)c->name, (char *)sub, "--help", NULL};
    if (!sub) {
        argv[1] = "--help";
        argv[2] = NULL;
    }
    c->fn(sub ? 3 : 2, argv);
}

int docs_all(int style)
{
    cli_help_style = (enum cli_help_style)style;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const struct station_command *c = &commands[i];
        if (!c->subs)
            help_of(c, NULL);
        for (int k = 0; c->subs && c->subs[k]; k++)
            help_of(c, c->subs[k]);
        if (style == CLI_HELP_TEXT)
            fputs("\n", stdout);
    }
    cli_help_style = CLI_HELP_TEXT;
    fflush(stdout);
    return 0;
}

int docs_man(void)
{
    printf(".TH STATION 1 \"\" \"station %s\" \"User Commands\"\n.SH NAME\nstation \\- ", STATION_VERSION);
    cli_roff(stdout, "a clinic muscle-balance test station: hip ADD/ABD strength, ADD:ABD ratio, asymmetry\n");
    printf(".SH SYNOPSIS\n.B station\n[\\-\\-db \\fIPATH\\fR] \\fICOMMAND\\fR [\\fIoptions\\fR]\n.SH DESCRIPTION\n");
    cli_roff(stdout, intro);
    printf("\n.PP\n");
    cli_roff(stdout, db_line);
    printf("\n.PP\nRun station demo first: it needs no hardware.\n.SH COMMANDS\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        printf(".TP\n.B %s\n", commands[i].name);
        cli_roff(stdout, commands[i].summary);
        fputc('\n', stdout);
    }
    fflush(stdout);
    docs_all(CLI_HELP_ROFF);
    static const char tail[] =
        ".SH ENVIRONMENT\n"
        ".TP\n.B STATION_DB\nthe database file when \\-\\-db is not given\n"
        ".TP\n.B XDG_DATA_HOME\nthe default database is station/station.db under it (else ~/.local/share)\n"
        ".TP\n.B STATION_PROTOCOL_DIR\nwhere the protocol files (*.ini) are (default: the installed ones)\n"
        ".TP\n.B STATION_THERAPIST\nwho runs the tests, when \\-\\-therapist is not given\n"
        ".TP\n.B STATION_LINGER_S\nhow long the final screen stays (default 20 s)\n"
        ".TP\n.B STATION_SERVER\nthe clinic server's URL for station sync when \\-\\-server is not given (else the "
        "settings file's server)\n"
        ".SH EXIT STATUS\n0 success; 1 a failure, or a session that did not complete (one line on stderr says why"
        " and what to do); 2 a usage error.\n"
        ".SH FILES\n.TP\n.I share/station/protocols/*.ini\nthe test protocols\n"
        ".TP\n.I 99\\-station\\-dynamometers.rules\nthe udev rule: keeps ModemManager off the dynamometers and "
        "lets the dialout group use them\n";
    fputs(tail, stdout);
    return 0;
}

/* The lines a command's --help prints in the names style, into a new string (free it). */
static char *option_names(const struct station_command *c, const char *sub)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    fflush(stdout);
    FILE *saved = stdout;
    stdout = m; /* cli_parse prints --help on stdout */
    cli_help_style = CLI_HELP_NAMES;
    help_of(c, sub);
    cli_help_style = CLI_HELP_TEXT;
    stdout = saved;
    fclose(m);
    return buf;
}

static int print_protocol(void *ctx, const char *path, const struct proto_def *def, const struct st_err *err)
{
    (void)ctx, (void)path, (void)err;
    if (def)
        printf("%s\n", def->name);
    return 0;
}

static void print_patients(const char *db)
{
    struct store *s = NULL;
    struct st_err err;
    struct store_patient *list = NULL;
    size_t n = 0;
    if (paths_db_open(db, &s, NULL, 0, &err) != ST_OK)
        return;
    if (store_patient_list(s, &list, &n, &err) == ST_OK)
        for (size_t i = 0; i < n; i++)
            printf("%lld\n", (long long)list[i].id); /* ids only: no names in the shell's history */
    free(list);
    store_close(s);
}

int docs_complete(int nwords, char **words)
{
    const char *db = NULL;
    int w = 0;
    while (w + 1 < nwords && !strcmp(words[w], "--db"))
        db = words[w + 1], w += 2;
    for (int i = w; i + 1 < nwords; i++)
        if (!strcmp(words[i], "--db"))
            db = words[i + 1];
    if (w >= nwords) {
        if (w > 0 && !strcmp(words[w - 1], "--db") && w % 2 == 1)
            return 0; /* the path after --db */
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            printf("%s\n", commands[i].name);
        printf("--db\n--help\n--help-all\n--man\n--version\n");
        return 0;
    }
    const struct station_command *c = station_command_find(words[w]);
    if (!c)
        return 0;
    const char *sub = NULL;
    if (c->subs) {
        if (w + 1 >= nwords) {
            for (int k = 0; c->subs[k]; k++)
                printf("%s\n", c->subs[k]);
            return 0;
        }
        sub = words[w + 1];
    }
    const char *last = words[nwords - 1];
    if (!strcmp(last, "--protocol")) {
        struct st_err err;
        st_proto_list(paths_protocol_dir(), print_protocol, NULL, &err);
        return 0;
    }
    if (!strcmp(last, "--patient")) {
        print_patients(db);
        return 0;
    }
    char *names = option_names(c, sub);
    if (!names)
        return 0;
    /* Lines are "--name" or "--name ARG". After an option that takes a value the shell offers file
     * names (we print nothing); else the option names. */
    bool value_due = false;
    size_t nl = strlen(last);
    for (const char *line = names; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > nl && line[nl] == ' ' && !strncmp(line, last, nl))
            value_due = true;
        line += len + (end ? 1 : 0);
    }
    for (const char *line = names; !value_due && *line;) {
        size_t len = strcspn(line, " \n");
        printf("%.*s\n", (int)len, line);
        line = strchr(line, '\n');
        line = line ? line + 1 : "";
    }
    free(names);
    return 0;
}
