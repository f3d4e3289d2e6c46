/*
 * docs.h - the table of `station`'s commands and what is made from it and from each command's option
 * table: the top-level help, every command's help at once (`station --help-all`), the man page
 * (`station --man`, installed as station.1), the README's command list (`station --synopsis`, which
 * tests/test_cli_docs.c compares with README.md) and bash completion's candidates (`station
 * __complete WORD...`, called by tools/station.bash-completion). Nothing is written twice: a command's
 * options, placeholders and help lines live only in its struct cli_cmd (station/cli/cli.h).
 */
#ifndef STATION_CLI_DOCS_H
#define STATION_CLI_DOCS_H

#include <stddef.h>
#include <stdio.h>

struct station_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *const *subs; /* subcommands (patient: add, list, ...), NULL-terminated; NULL: none */
};

/* The commands in the order the help lists them; *n their count. */
const struct station_command *station_commands(size_t *n);
/* The command named name, or NULL. */
const struct station_command *station_command_find(const char *name);

/* The top-level usage (commands and their summaries) to f. */
void docs_usage(FILE *f);
/* Every command's --help (each subcommand's too) in style (enum cli_help_style) to stdout. Returns 0. */
int docs_all(int style);
/* The man page (roff) to stdout. Returns 0. */
int docs_man(void);
/*
 * Bash completion: words are the command line after `station` up to, not including, the word being
 * completed. Prints the candidates one a line: commands, subcommands, a command's options, and after
 * --protocol the protocol names, after --patient the patient ids of the database (--db among words, else
 * the default), after another option that takes a value nothing (the shell offers file names).
 * Returns 0.
 */
int docs_complete(int nwords, char **words);

#endif
