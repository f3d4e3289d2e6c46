/* cli.c - option parsing for subcommands; see cli.h. */
#include "station/cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "station/config.h"
#include "station/paths.h"
#include "station/store/store_sync.h"

int cli_db_open(const char *db_opt, struct store **s)
{
    struct st_err err;
    st_err_clear(&err);
    if (paths_db_open(db_opt, s, NULL, 0, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    return 0;
}

int cli_parse_open(struct cli_cmd *cmd, int argc, char **argv, const char **pos, int *npos, const char *const *db,
                   struct store **s)
{
    *s = NULL;
    int rc = cli_parse(cmd, argc, argv, pos, npos);
    if (rc >= 0)
        return rc;
    rc = cli_db_open(*db, s);
    return rc ? rc : -1;
}

/* Whether text has the shape of a UUID (8-4-4-4-12 hexadecimal digits). */
static bool uuid_shaped(const char *text)
{
    if (!text || strlen(text) != 36)
        return false;
    for (int i = 0; i < 36; i++)
        if ((i == 8 || i == 13 || i == 18 || i == 23) ? text[i] != '-' : !isxdigit((unsigned char)text[i]))
            return false;
    return true;
}

int cli_session_arg(const struct cli_cmd *cmd, const char *text, int64_t *id)
{
    long long v = 0;
    *id = 0;
    if (uuid_shaped(text))
        return -1; /* found by cli_db_open_session */
    if (!cli_parse_long(text, 1, INT64_MAX, &v))
        return cli_usage_error(cmd, "SESSION must be a session number or UUID (see station sessions)");
    *id = v;
    return -1;
}

int cli_db_open_session(const char *db_opt, const char *session, struct store **s, int64_t *id)
{
    int rc = cli_db_open(db_opt, s);
    if (rc != 0 || !session || *id)
        return rc;
    struct st_err err;
    st_err_clear(&err);
    if (store_session_find(*s, session, id, &err) == ST_OK)
        return 0;
    store_close(*s);
    *s = NULL;
    return cli_fail("%s", st_err_msg(&err));
}

bool cli_parse_long(const char *text, long long min, long long max, long long *out)
{
    if (!text || !*text)
        return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool cli_parse_double(const char *text, double *out)
{
    if (!text || !*text)
        return false;
    errno = 0;
    char *end = NULL;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

enum cli_help_style cli_help_style = CLI_HELP_TEXT;

void cli_roff(FILE *f, const char *text)
{
    bool bol = true;
    for (const char *c = text; *c; c++) {
        if (bol && (*c == '.' || *c == '\''))
            fputs("\\&", f);
        if (*c == '\\')
            fputs("\\e", f);
        else if (*c == '-')
            fputs("\\-", f);
        else
            fputc(*c, f);
        bol = *c == '\n';
    }
}

static void usage_roff(const struct cli_cmd *cmd, FILE *f)
{
    fputs(".SS \"", f);
    cli_roff(f, cmd->name);
    fputs("\"\n.B ", f);
    cli_roff(f, cmd->name);
    fputs("\n", f);
    cli_roff(f, cmd->synopsis ? cmd->synopsis : "");
    fputs("\n.PP\n", f);
    cli_roff(f, cmd->summary ? cmd->summary : "");
    fputs("\n", f);
    for (size_t i = 0; i < cmd->nopts; i++) {
        const struct cli_opt *o = &cmd->opts[i];
        fputs(".TP\n.B ", f);
        cli_roff(f, o->name);
        if (o->arg) {
            fputs(" \\fI", f);
            cli_roff(f, o->arg);
            fputs("\\fR", f);
        }
        fputs("\n", f);
        cli_roff(f, o->help ? o->help : "");
        fputs("\n", f);
    }
}

void cli_usage(const struct cli_cmd *cmd, FILE *f)
{
    switch (cli_help_style) {
    case CLI_HELP_TEXT:
        break;
    case CLI_HELP_ROFF:
        usage_roff(cmd, f);
        return;
    case CLI_HELP_SYNOPSIS: { /* --db is said once for every command, above the list */
        const char *syn = cmd->synopsis ? cmd->synopsis : "", *db = strstr(syn, "[--db PATH]");
        int keep = db ? (int)(db - syn) : (int)strlen(syn);
        while (keep > 0 && syn[keep - 1] == ' ')
            keep--;
        fprintf(f, "%s%s%.*s%s\n", cmd->name, keep ? " " : "", keep, syn, db ? db + 11 : "");
        return;
    }
    case CLI_HELP_NAMES:
        for (size_t i = 0; i < cmd->nopts; i++)
            fprintf(f, "%s%s%s\n", cmd->opts[i].name, cmd->opts[i].arg ? " " : "",
                    cmd->opts[i].arg ? cmd->opts[i].arg : "");
        fputs("--help\n", f);
        return;
    }
    fprintf(f, "Usage: %s %s\n\n%s\n", cmd->name, cmd->synopsis ? cmd->synopsis : "",
            cmd->summary ? cmd->summary : "");
    if (cmd->nopts)
        fputs("\nOptions:\n", f);
    for (size_t i = 0; i < cmd->nopts; i++) {
        const struct cli_opt *o = &cmd->opts[i];
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(f, "  %-24s %s\n", left, o->help ? o->help : "");
    }
    fprintf(f, "  %-24s %s\n", "--help", "show this help");
}

int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One hint per line: a message that already points somewhere ("(see station sessions)") keeps
     * that pointer and gets no second one. */
    if (strstr(msg, "(see "))
        fprintf(stderr, "%s: %s\n", cmd->name, msg);
    else
        fprintf(stderr, "%s: %s (see %s --help)\n", cmd->name, msg, cmd->name);
    return 2;
}

int cli_fail(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "station: %s\n", msg);
    return 1;
}

const struct cli_opt *cli_opt_get(const struct cli_cmd *cmd, const char *name)
{
    for (size_t i = 0; i < cmd->nopts; i++)
        if (strcmp(cmd->opts[i].name, name) == 0)
            return &cmd->opts[i];
    return NULL;
}

static int set_value(struct cli_cmd *cmd, struct cli_opt *o, const char *val)
{
    long long l;
    switch (o->kind) {
    case CLI_FLAG:
        *(bool *)o->dest = true;
        return -1;
    case CLI_STR:
        *(const char **)o->dest = val;
        return -1;
    case CLI_INT:
        if (!cli_parse_long(val, INT_MIN, INT_MAX, &l))
            return cli_usage_error(cmd, "%s needs a whole number, not \"%.40s\"", o->name, val);
        *(int *)o->dest = (int)l;
        return -1;
    case CLI_LONG:
        if (!cli_parse_long(val, LLONG_MIN, LLONG_MAX, &l))
            return cli_usage_error(cmd, "%s needs a whole number, not \"%.40s\"", o->name, val);
        *(long long *)o->dest = l;
        return -1;
    case CLI_DOUBLE:
        if (!cli_parse_double(val, (double *)o->dest))
            return cli_usage_error(cmd, "%s needs a number, not \"%.40s\"", o->name, val);
        return -1;
    }
    return -1;
}

int cli_parse(struct cli_cmd *cmd, int argc, char **argv, const char **pos, int *npos)
{
    int np = 0;
    bool opts_done = false;
    for (size_t i = 0; i < cmd->nopts; i++)
        cmd->opts[i].seen = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && strcmp(a, "--") == 0) {
            opts_done = true;
            continue;
        }
        if (!opts_done && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            cli_usage(cmd, stdout);
            return 0;
        }
        if (!opts_done && a[0] == '-' && a[1] != '\0') {
            const char *eq = strchr(a, '=');
            size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
            struct cli_opt *o = NULL;
            for (size_t k = 0; k < cmd->nopts; k++)
                if (strlen(cmd->opts[k].name) == nlen && strncmp(cmd->opts[k].name, a, nlen) == 0)
                    o = &cmd->opts[k];
            if (!o)
                return cli_usage_error(cmd, "unknown option %.*s", (int)(nlen > 60 ? 60 : nlen), a);
            o->seen = true;
            if (o->kind == CLI_FLAG) {
                if (eq)
                    return cli_usage_error(cmd, "%s takes no value", o->name);
                set_value(cmd, o, NULL);
                continue;
            }
            const char *val = eq ? eq + 1 : NULL;
            if (!val) {
                if (i + 1 >= argc)
                    return cli_usage_error(cmd, "%s needs a value (%s)", o->name, o->arg ? o->arg : "VALUE");
                val = argv[++i];
            }
            int rc = set_value(cmd, o, val);
            if (rc >= 0)
                return rc;
            continue;
        }
        if (np >= cmd->max_pos)
            return cli_usage_error(cmd, "unexpected argument \"%.60s\"", a);
        pos[np++] = a;
    }
    if (np < cmd->min_pos)
        return cli_usage_error(cmd, "missing argument: %s", cmd->synopsis);
    if (npos)
        *npos = np;
    return -1;
}

int cli_parse_one(struct cli_cmd *cmd, int argc, char **argv, const char **arg)
{
    const char *pos[1] = {NULL};
    int npos = 0;
    int rc = cli_parse(cmd, argc, argv, pos, &npos);
    *arg = npos == 1 ? pos[0] : NULL;
    return rc;
}

int cli_therapist_id(struct store *s, const char *name, int64_t *id)
{
    *id = 0;
    char buf[CONFIG_TEXT_MAX + 1];
    if (!(name = config_therapist(name, buf, sizeof buf)))
        return 0;
    struct st_err err;
    enum st_status st = store_therapist_ensure(s, name, id, &err);
    if (st == ST_ERR_ARG) {
        fprintf(stderr, "station: %s\n", st_err_msg(&err));
        return 2;
    }
    if (st != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    return 0;
}
