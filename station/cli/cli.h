/*
 * cli.h - option parsing and usage text for the subcommands (DESIGN.md "The command line").
 *
 * Each subcommand is a function `int cmd_NAME(int argc, char **argv)` (argv[0] is the subcommand's
 * name) returning the exit status: 0 success, 1 failure (one line on stderr a therapist can act on),
 * 2 usage error. It describes its options in a table and calls cli_parse:
 *
 *     const char *db = NULL; double mass = NAN; bool json = false;
 *     struct cli_opt opts[] = {
 *         {"--db", CLI_STR, &db, "PATH", "the database file"},
 *         {"--mass-kg", CLI_DOUBLE, &mass, "KG", "body mass"},
 *         {"--json", CLI_FLAG, &json, NULL, "print JSON"},
 *     };
 *     struct cli_cmd cmd = {"station analyze", "[--json] TRACE.csv", "The metrics of one contraction.",
 *                           opts, 3, 1, 1};
 *     const char *pos[1]; int npos;
 *     int rc = cli_parse(&cmd, argc, argv, pos, &npos);
 *     if (rc >= 0) return rc;     // --help printed (0) or usage error printed (2)
 *
 * Options take "--name VALUE" or "--name=VALUE". "--" ends options. Numbers are checked whole
 * (strtol/strtod: "12abc" is an error). A usage error prints one line to stderr:
 * "station analyze: unknown option --jsn (see station analyze --help)".
 *
 * Why our own and not getopt_long or argp: the same table gives the parsing, the --help text and the
 * typed, range-checked values (getopt_long leaves every strtod and every help line to each command);
 * options may stand before or after the subcommand's positional arguments and --db anywhere
 * (DESIGN.md), and a usage error must be one line a therapist can act on with exit status 2, where
 * getopt prints its own message and argp calls exit() itself (no exit() below main).
 */
#ifndef STATION_STATION_CLI_H
#define STATION_STATION_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cli_kind {
    CLI_FLAG,   /* bool *: set to true when present */
    CLI_STR,    /* const char **: points into argv */
    CLI_INT,    /* int * */
    CLI_LONG,   /* long long * */
    CLI_DOUBLE, /* double * (finite only) */
};

struct cli_opt {
    const char *name;  /* "--db" */
    enum cli_kind kind;
    void *dest;
    const char *arg;   /* the value's placeholder in help ("PATH"); NULL for flags */
    const char *help;  /* one line */
    bool seen;         /* set by cli_parse when the option was given */
};

struct cli_cmd {
    const char *name;     /* "station patient add" */
    const char *synopsis; /* "--name TEXT --sex F|M|X ..." */
    const char *summary;  /* one or two sentences */
    struct cli_opt *opts;
    size_t nopts;
    int min_pos, max_pos; /* positional arguments allowed */
};

/* The --db row every command that opens the database has (DESIGN.md: --db anywhere), dest a
 * `const char **`: one place for its placeholder and help line. */
#define CLI_OPT_DB(dest) {"--db", CLI_STR, (dest), "PATH", "the database file", false}

/* The opts and nopts fields of a struct cli_cmd from one option array: `CLI_OPTS(opts), 0, 1}`. */
#define CLI_OPTS(arr) (arr), sizeof(arr) / sizeof((arr)[0])

/*
 * Parses argv[1..argc-1] against cmd. Positional arguments go to pos (up to cmd->max_pos) and their
 * count to *npos. Returns -1 when the caller should go on; 0 when --help was printed to stdout; 2 when a
 * usage error was printed to stderr.
 */
int cli_parse(struct cli_cmd *cmd, int argc, char **argv, const char **pos, int *npos);

/* cli_parse for a command that takes at most one positional argument (cmd->max_pos is 1): *arg gets
 * it, or NULL when none was given. Returns as cli_parse does. */
int cli_parse_one(struct cli_cmd *cmd, int argc, char **argv, const char **arg);

/* How --help prints a command (cli_usage). The default is the text a user reads; station/cli/main.c
 * switches it to make, from the same tables, the man page (`station --man`), the README's command
 * list (`station --synopsis`) and the candidates of bash completion (`station __complete`). */
enum cli_help_style {
    CLI_HELP_TEXT = 0, /* Usage, summary, options */
    CLI_HELP_ROFF,     /* a man page section (.SS) for the command */
    CLI_HELP_SYNOPSIS, /* one line: name and synopsis */
    CLI_HELP_NAMES,    /* the options one a line, "--db PATH" or "--json" (and --help) */
};
extern enum cli_help_style cli_help_style;

/* Prints cmd's usage (synopsis, summary, options) to f, in cli_help_style. */
void cli_usage(const struct cli_cmd *cmd, FILE *f);
/* Writes text for roff (man): backslashes and hyphens escaped, a line starting with '.' or '\'' made
 * plain text. */
void cli_roff(FILE *f, const char *text);

/* Prints "NAME: message (see NAME --help)" to stderr and returns 2. printf-style. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "station: message" (one line) to stderr and returns 1. printf-style. For failures. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct store;
/* Opens the database of a command: --db (db_opt, may be NULL), else the defaults (paths_db_open).
 * Returns 0 with *s (close it with store_close), or prints the one-line reason to stderr and returns
 * 1, the command's exit status. Every command that reads or writes the database opens it here. */
int cli_db_open(const char *db_opt, struct store **s);
/* cli_parse, then cli_db_open with the value its table put in *db: for a command that needs nothing
 * checked between the two. Returns -1 with *s open (close it with store_close) when the caller should
 * go on; else the exit status (--help 0, usage 2, a database that cannot be opened 1). */
int cli_parse_open(struct cli_cmd *cmd, int argc, char **argv, const char **pos, int *npos, const char *const *db,
                   struct store **s);

/* The SESSION argument: a session number into *id, or a UUID (*id 0: cli_db_open_session finds it).
 * Returns -1 to go on, or the usage error (2) that says what SESSION must be. */
int cli_session_arg(const struct cli_cmd *cmd, const char *text, int64_t *id);
/* cli_db_open, then, when session is not NULL and *id is still 0 (a UUID), the session with that UUID
 * into *id. Returns 0 with *s open, or 1 after printing why (nothing left open). */
int cli_db_open_session(const char *db_opt, const char *session, struct store **s, int64_t *id);

/* The therapist named by --therapist (name), else $STATION_THERAPIST, else the settings', else none
 * (*id 0), made in the store when new. Returns 0, or the exit status after saying why (2 a name that
 * does not fit, 1 the store failed). */
int cli_therapist_id(struct store *s, const char *name, int64_t *id);

/* The option named name in cmd (for ->seen), or NULL. */
const struct cli_opt *cli_opt_get(const struct cli_cmd *cmd, const char *name);

/* Strict number parsing shared with other text inputs: whole string, finite, in range. */
bool cli_parse_long(const char *text, long long min, long long max, long long *out);
bool cli_parse_double(const char *text, double *out);

#endif
