/*
 * protocol.c - loads test protocols from INI files and expands them into plans; see protocol.h.
 *
 * inih does the tokenising (sections, key = value, comments); this file does everything a clinic needs
 * on top: a table of the known keys with their ranges, messages that name the file and the line, and
 * checks across keys (bands in order, no duplicate blocks). inih reports lines to its handler only when
 * built with INI_HANDLER_LINENO, which Debian's libinih is not, so we feed it through ini_parse_stream
 * with our own line reader over the text we keep: the reader counts lines (inih counts one line per
 * reader call, so the two agree), spots section headers (inih does not call the handler for an empty
 * section, and a typo in a section name must not pass silently), refuses overlong lines (inih would
 * split them into two lines) and strips leading blanks (so inih's multi-line continuation never turns
 * an indented line into a second value of the previous key).
 */
#include "protocols/protocol.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROTO_MAX_LINE 190

/* ---------------------------------------------------------------------------------------------- */
/* Names                                                                                            */
/* ---------------------------------------------------------------------------------------------- */

static const char *const lever_names[] = {"long", "short", NULL};
static const char *const contraction_names[] = {"make", "break", NULL};
static const char *const order_names[] = {"fixed", "alternating", "random", NULL};
static const char *const bool_names[] = {"no", "yes", NULL};
static const char *const feedback_names[] = {"big_force", "no_numbers", NULL};

const char *proto_lever_name(enum proto_lever l)
{
    return (unsigned)l <= PROTO_LEVER_SHORT ? lever_names[l] : "?";
}

const char *proto_contraction_name(enum proto_contraction c)
{
    return (unsigned)c <= PROTO_BREAK ? contraction_names[c] : "?";
}

const char *proto_feedback_name(enum proto_feedback f)
{
    return (unsigned)f <= PROTO_FEEDBACK_NO_NUMBERS ? feedback_names[f] : "?";
}

const char *proto_order_name(enum proto_order o)
{
    return (unsigned)o <= PROTO_ORDER_RANDOM ? order_names[o] : "?";
}

/* ---------------------------------------------------------------------------------------------- */
/* The keys                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

enum sec_id { SEC_PROTOCOL, SEC_ORDER, SEC_BLOCKS, SEC_REPS, SEC_QUALITY, SEC_FLAGS, SEC_FEEDBACK, SEC_COUNT };
static const char *const sec_names[SEC_COUNT] = {"protocol", "order", "blocks", "reps",
                                                 "quality",  "flags", "feedback"};
/* A missing optional section is fine: all its keys have defaults. */
static const bool sec_required[SEC_COUNT] = {true, true, true, true, false, false, false};

enum key_kind { K_NAME, K_TEXT, K_DOUBLE, K_INT, K_U32, K_ENUM, K_BLOCK };

struct key_spec {
    enum sec_id sec;
    const char *key;
    enum key_kind kind;
    size_t off;                /* offset in struct proto_def */
    size_t size;               /* K_NAME / K_TEXT: buffer size */
    double min, max;           /* K_DOUBLE / K_INT / K_U32 */
    bool min_open;             /* the value must be above min, not equal */
    const char *unit;          /* for messages: "s", "N", "%", "" */
    const char *const *names;  /* K_ENUM: value names, index = enum value */
    bool required;
};

#define OFF(f) offsetof(struct proto_def, f)
#define SZ(f) sizeof(((struct proto_def *)0)->f)

static const struct key_spec keys[] = {
    {SEC_PROTOCOL, "name", K_NAME, OFF(name), SZ(name), 0, 0, false, "", NULL, true},
    {SEC_PROTOCOL, "title", K_TEXT, OFF(title), SZ(title), 0, 0, false, "", NULL, true},
    {SEC_PROTOCOL, "position", K_TEXT, OFF(position), SZ(position), 0, 0, false, "", NULL, true},
    {SEC_PROTOCOL, "hip_flexion_deg", K_DOUBLE, OFF(hip_flexion_deg), 0, 0, 120, false, "°", NULL, true},
    {SEC_PROTOCOL, "lever", K_ENUM, OFF(lever), 0, 0, 0, false, "", lever_names, true},
    {SEC_PROTOCOL, "contraction", K_ENUM, OFF(contraction), 0, 0, 0, false, "", contraction_names, true},
    {SEC_PROTOCOL, "gravity_correction", K_ENUM, OFF(gravity_correction), 0, 0, 0, false, "", bool_names,
     false},
    {SEC_ORDER, "mode", K_ENUM, OFF(order), 0, 0, 0, false, "", order_names, true},
    {SEC_ORDER, "seed", K_U32, OFF(seed), 0, 0, 4294967295.0, false, "", NULL, false},
    {SEC_BLOCKS, "block", K_BLOCK, 0, 0, 0, 0, false, "", NULL, true},
    {SEC_REPS, "familiarisation", K_INT, OFF(familiarisation), 0, 0, PROTO_MAX_FAMILIARISATION, false,
     "reps", NULL, true},
    {SEC_REPS, "familiarisation_effort_pct", K_DOUBLE, OFF(familiarisation_effort_pct), 0, 10, 100, false,
     "%", NULL, false},
    {SEC_REPS, "reps", K_INT, OFF(reps), 0, 1, PROTO_MAX_REPS, false, "reps", NULL, true},
    {SEC_REPS, "hold_s", K_DOUBLE, OFF(hold_s), 0, 1, 10, false, "s", NULL, true},
    {SEC_REPS, "rest_s", K_DOUBLE, OFF(rest_s), 0, 0, 300, false, "s", NULL, true},
    {SEC_REPS, "countdown_s", K_DOUBLE, OFF(countdown_s), 0, 0, 10, false, "s", NULL, true},
    {SEC_REPS, "block_rest_s", K_DOUBLE, OFF(block_rest_s), 0, 0, 600, false, "s", NULL, false},
    {SEC_QUALITY, "onset_threshold_n", K_DOUBLE, OFF(onset_threshold_n), 0, 0, 100, true, "N", NULL, false},
    {SEC_QUALITY, "cv_limit_pct", K_DOUBLE, OFF(cv_limit_pct), 0, 0, 100, true, "%", NULL, false},
    {SEC_QUALITY, "max_extra_reps", K_INT, OFF(max_extra_reps), 0, 0, PROTO_MAX_EXTRA_REPS, false, "reps",
     NULL, false},
    {SEC_FLAGS, "ratio_red", K_DOUBLE, OFF(ratio_red), 0, 0, 5, true, "", NULL, false},
    {SEC_FLAGS, "ratio_amber", K_DOUBLE, OFF(ratio_amber), 0, 0, 5, true, "", NULL, false},
    {SEC_FLAGS, "asymmetry_amber_pct", K_DOUBLE, OFF(asymmetry_amber_pct), 0, 0, 100, true, "%", NULL,
     false},
    {SEC_FLAGS, "asymmetry_red_pct", K_DOUBLE, OFF(asymmetry_red_pct), 0, 0, 100, true, "%", NULL, false},
    {SEC_FEEDBACK, "patient_view", K_ENUM, OFF(feedback), 0, 0, 0, false, "", feedback_names, false},
    {SEC_FEEDBACK, "target_low_pct", K_DOUBLE, OFF(target_low_pct), 0, 50, 100, false, "%", NULL, false},
    {SEC_FEEDBACK, "target_high_pct", K_DOUBLE, OFF(target_high_pct), 0, 100, 150, false, "%", NULL, false},
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* ---------------------------------------------------------------------------------------------- */
/* Parsing context                                                                                  */
/* ---------------------------------------------------------------------------------------------- */

struct pctx {
    const char *origin;
    const char *text;
    size_t len, pos;
    int line;              /* the line last handed to inih (1-based) */
    int sec_line[SEC_COUNT];
    int seen[NKEYS];       /* the line a key was given on, 0 = not given */
    int err_line;          /* the first error found by us (0 = none) */
    int handler_fail_line; /* the first line our handler refused */
    char err[400];
    bool enum_set[NKEYS];
    struct proto_def *def;
};

static void perr(struct pctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void perr(struct pctx *c, int line, const char *fmt, ...)
{
    if (c->err_line)
        return; /* the first error in the file wins: it is the one the user fixes first */
    c->err_line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
}

static int sec_find(const char *name)
{
    for (int i = 0; i < SEC_COUNT; i++)
        if (!strcmp(name, sec_names[i]))
            return i;
    return -1;
}

/* fgets-style reader over the text: one physical line per call, leading blanks stripped. */
static char *line_reader(char *str, int num, void *stream)
{
    struct pctx *c = stream;
    if (c->pos >= c->len || num < 4)
        return NULL;
    const char *start = c->text + c->pos;
    const char *nl = memchr(start, '\n', c->len - c->pos);
    size_t full = nl ? (size_t)(nl - start) + 1 : c->len - c->pos;
    c->pos += full;
    c->line++;
    size_t skip = 0;
    if (c->line == 1 && full >= 3 && !memcmp(start, "\xEF\xBB\xBF", 3))
        skip = 3; /* a UTF-8 byte order mark, as Windows editors write it */
    while (skip < full && (start[skip] == ' ' || start[skip] == '\t'))
        skip++;
    const char *s = start + skip;
    size_t n = full - skip; /* includes the '\n' if any */
    size_t content = n;
    while (content > 0 && (s[content - 1] == '\n' || s[content - 1] == '\r'))
        content--;
    if (content > PROTO_MAX_LINE || content + 3 > (size_t)num) {
        perr(c, c->line, "%s line %d: the line is longer than %d characters", c->origin, c->line,
             PROTO_MAX_LINE);
        memcpy(str, ";\n", 3); /* hand inih a comment so it keeps counting lines with us */
        return str;
    }
    memcpy(str, s, content);
    str[content] = '\n';
    str[content + 1] = '\0';
    if (content > 0 && s[0] == '[') {
        const char *end = memchr(s, ']', content);
        if (end) {
            char name[64];
            size_t k = (size_t)(end - s - 1);
            if (k >= sizeof name)
                k = sizeof name - 1;
            memcpy(name, s + 1, k);
            name[k] = '\0';
            /* inih keeps blanks inside the brackets: "[ reps ]" is " reps ", an unknown section. */
            int id = sec_find(name);
            if (id < 0)
                perr(c, c->line,
                     "%s line %d: unknown section [%s] (the sections are [protocol], [order], [blocks], "
                     "[reps], [quality], [flags] and [feedback])",
                     c->origin, c->line, name);
            else if (!c->sec_line[id])
                c->sec_line[id] = c->line;
        }
    }
    return str;
}

/* Strict number parsing: the whole value, finite. */
static bool parse_double(const char *v, double *out)
{
    if (!*v || isspace((unsigned char)*v))
        return false;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || *end || !isfinite(d))
        return false;
    /* strtod also takes "0x1p3", "inf" and "nan": a protocol file has plain decimals only. */
    for (const char *p = v; *p; p++)
        if (!(isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == '+' || *p == 'e' || *p == 'E'))
            return false;
    *out = d;
    return true;
}

static bool parse_int(const char *v, long long *out)
{
    if (!*v || isspace((unsigned char)*v))
        return false;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end)
        return false;
    *out = x;
    return true;
}

static void range_msg(struct pctx *c, int line, const struct key_spec *k, const char *value)
{
    const char *unit = k->unit;
    char lo[32], hi[32];
    snprintf(lo, sizeof lo, "%g", k->min);
    snprintf(hi, sizeof hi, "%g", k->max);
    if (k->min_open)
        perr(c, line, "%s line %d: %s must be above %s and at most %s%s%s, not %s", c->origin, line, k->key,
             lo, hi, *unit ? " " : "", unit, value);
    else
        perr(c, line, "%s line %d: %s must be between %s and %s%s%s, not %s", c->origin, line, k->key, lo,
             hi, *unit ? " " : "", unit, value);
}

static bool in_range(const struct key_spec *k, double x)
{
    if (k->min_open ? !(x > k->min) : !(x >= k->min))
        return false;
    return x <= k->max;
}

/* Splits s into up to max blank-separated words (copied into words[i], each < wsize). Returns the
 * number of words, or max + 1 when there are more. */
static int split_words(const char *s, char words[][32], int max)
{
    int n = 0;
    while (*s) {
        while (*s && isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        if (n == max)
            return max + 1;
        size_t k = 0;
        while (*s && !isspace((unsigned char)*s)) {
            if (k + 1 < 32)
                words[n][k++] = *s;
            s++;
        }
        words[n][k] = '\0';
        n++;
    }
    return n;
}

static bool parse_block(struct pctx *c, int line, const char *v)
{
    struct proto_def *d = c->def;
    char w[3][32];
    int n = split_words(v, w, 3);
    if (n != 3) {
        perr(c, line,
             "%s line %d: block must be \"direction side channel\", e.g. \"adduction left 0\", not \"%s\"",
             c->origin, line, v);
        return false;
    }
    struct proto_block b = {.line = line};
    if (!st_dir_parse(w[0], &b.dir)) {
        perr(c, line, "%s line %d: block: the direction must be adduction or abduction, not \"%s\"",
             c->origin, line, w[0]);
        return false;
    }
    if (!st_side_parse(w[1], &b.side)) {
        perr(c, line, "%s line %d: block: the side must be left, right or both, not \"%s\"", c->origin, line,
             w[1]);
        return false;
    }
    long long ch;
    if (!parse_int(w[2], &ch) || ch < 0 || ch >= ST_MAX_CHANNELS) {
        perr(c, line, "%s line %d: block: the channel must be a whole number from 0 to %d, not \"%s\"",
             c->origin, line, ST_MAX_CHANNELS - 1, w[2]);
        return false;
    }
    b.channel = (int)ch;
    if (b.side == ST_SIDE_BOTH && b.dir != ST_DIR_ADD) {
        perr(c, line, "%s line %d: block: side both (the bilateral squeeze) is for adduction only",
             c->origin, line);
        return false;
    }
    for (int i = 0; i < d->nblocks; i++) {
        if (d->blocks[i].dir == b.dir && d->blocks[i].side == b.side && d->blocks[i].channel == b.channel) {
            perr(c, line, "%s line %d: block %s %s %d is listed twice (lines %d and %d)", c->origin, line,
                 st_dir_name(b.dir), st_side_name(b.side), b.channel, d->blocks[i].line, line);
            return false;
        }
    }
    if (d->nblocks >= PROTO_MAX_BLOCKS) {
        perr(c, line, "%s line %d: too many blocks: a protocol has at most %d", c->origin, line,
             PROTO_MAX_BLOCKS);
        return false;
    }
    d->blocks[d->nblocks++] = b;
    return true;
}

static bool valid_name(const char *v)
{
    for (const char *p = v; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '_'))
            return false;
    return *v != '\0';
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct pctx *c = user;
    int line = c->line;
    bool ok = false;
    if (!*section) {
        perr(c, line, "%s line %d: \"%s\" comes before any [section]: put it under its section", c->origin,
             line, name);
        goto out;
    }
    int sec = sec_find(section);
    if (sec < 0) {
        ok = true; /* reported at the section header already */
        goto out;
    }
    int ki = -1;
    for (size_t i = 0; i < NKEYS; i++)
        if ((int)keys[i].sec == sec && !strcmp(keys[i].key, name))
            ki = (int)i;
    if (ki < 0) {
        char known[256] = "";
        size_t used = 0;
        for (size_t i = 0; i < NKEYS; i++) {
            if (keys[i].sec != (enum sec_id)sec)
                continue;
            int w = snprintf(known + used, sizeof known - used, "%s%s", used ? ", " : "", keys[i].key);
            if (w < 0 || (size_t)w >= sizeof known - used)
                break;
            used += (size_t)w;
        }
        perr(c, line, "%s line %d: unknown key \"%s\" in [%s] (the keys there are: %s)", c->origin, line, name,
             section, known);
        goto out;
    }
    const struct key_spec *k = &keys[ki];
    if (c->seen[ki] && k->kind != K_BLOCK) {
        perr(c, line, "%s line %d: %s is given twice (lines %d and %d)", c->origin, line, name, c->seen[ki],
             line);
        goto out;
    }
    if (!c->seen[ki])
        c->seen[ki] = line;
    if (!*value) {
        perr(c, line, "%s line %d: %s has no value", c->origin, line, name);
        goto out;
    }
    char *field = (char *)c->def + k->off;
    switch (k->kind) {
    case K_NAME:
    case K_TEXT:
        if (strlen(value) >= k->size) {
            perr(c, line, "%s line %d: %s is longer than %zu bytes", c->origin, line, name, k->size - 1);
            goto out;
        }
        if (k->kind == K_NAME && !valid_name(value)) {
            perr(c, line,
                 "%s line %d: name must use only lower-case letters, digits, '-' and '_' (it is typed "
                 "after --protocol), not \"%s\"",
                 c->origin, line, value);
            goto out;
        }
        snprintf(field, k->size, "%s", value);
        break;
    case K_DOUBLE: {
        double x;
        if (!parse_double(value, &x)) {
            perr(c, line, "%s line %d: %s must be a number%s%s%s, not \"%s\"", c->origin, line, name,
                 *k->unit ? " (" : "", k->unit, *k->unit ? ")" : "", value);
            goto out;
        }
        if (!in_range(k, x)) {
            range_msg(c, line, k, value);
            goto out;
        }
        memcpy(field, &x, sizeof x);
        break;
    }
    case K_INT:
    case K_U32: {
        long long x;
        if (!parse_int(value, &x)) {
            perr(c, line, "%s line %d: %s must be a whole number, not \"%s\"", c->origin, line, name, value);
            goto out;
        }
        if (!in_range(k, (double)x)) {
            range_msg(c, line, k, value);
            goto out;
        }
        if (k->kind == K_INT) {
            int v = (int)x;
            memcpy(field, &v, sizeof v);
        } else {
            uint32_t v = (uint32_t)x;
            memcpy(field, &v, sizeof v);
        }
        break;
    }
    case K_ENUM: {
        int idx = -1;
        for (int i = 0; k->names[i]; i++)
            if (!strcmp(value, k->names[i]))
                idx = i;
        if (idx < 0) {
            char alts[128] = "";
            size_t used = 0;
            for (int i = 0; k->names[i]; i++) {
                const char *sep = !k->names[i + 1] ? " or " : ", ";
                int w = snprintf(alts + used, sizeof alts - used, "%s%s", i ? sep : "", k->names[i]);
                if (w < 0 || (size_t)w >= sizeof alts - used)
                    break;
                used += (size_t)w;
            }
            perr(c, line, "%s line %d: %s must be %s, not \"%s\"", c->origin, line, name, alts, value);
            goto out;
        }
        if (k->names == bool_names) {
            bool b = idx == 1;
            memcpy(field, &b, sizeof b);
        } else {
            /* every enum field of struct proto_def is a plain C enum: int-sized */
            int e = idx;
            memcpy(field, &e, sizeof e);
        }
        break;
    }
    case K_BLOCK:
        if (!parse_block(c, line, value))
            goto out;
        break;
    }
    ok = true;
out:
    if (!ok && !c->handler_fail_line)
        c->handler_fail_line = line;
    return ok ? 1 : 0;
}

_Static_assert(sizeof(enum proto_lever) == sizeof(int) && sizeof(enum proto_order) == sizeof(int) &&
                   sizeof(enum proto_contraction) == sizeof(int),
               "enum fields are written as int");

/* The text of line n (1-based) of c->text, for messages about malformed lines. */
static void line_text(const struct pctx *c, int n, char *buf, size_t size)
{
    const char *p = c->text;
    for (int i = 1; i < n && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p) {
        buf[0] = '\0';
        return;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    size_t k = strcspn(p, "\r\n");
    if (k > 60)
        k = 60;
    snprintf(buf, size, "%.*s%s", (int)k, p, k == 60 ? "..." : "");
}

static void defaults(struct proto_def *d)
{
    memset(d, 0, sizeof *d);
    d->familiarisation_effort_pct = 50;
    d->block_rest_s = NAN;
    d->onset_threshold_n = 5;
    d->cv_limit_pct = 10;
    d->max_extra_reps = 2;
    d->ratio_red = 0.80;
    d->ratio_amber = 0.90;
    d->asymmetry_amber_pct = 10;
    d->asymmetry_red_pct = 15;
    d->feedback = PROTO_FEEDBACK_BIG_FORCE;
    d->target_low_pct = 90;
    d->target_high_pct = 110;
}

static int key_index(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].key, name))
            return (int)i;
    return -1;
}

/* lo_key's value must be below hi_key's; else the message names the later of their lines. */
static bool ordered(struct pctx *c, const char *lo_key, double lo, const char *hi_key, double hi, const char *why)
{
    if (lo < hi)
        return true;
    int l1 = c->seen[key_index(lo_key)], l2 = c->seen[key_index(hi_key)];
    int l = l1 > l2 ? l1 : l2;
    perr(c, l, "%s line %d: %s (%g) must be below %s (%g): %s", c->origin, l, lo_key, lo, hi_key, hi, why);
    return false;
}

/* The checks that need the whole file: required keys, and keys that must agree. */
static void check_whole(struct pctx *c)
{
    struct proto_def *d = c->def;
    int last = c->line > 0 ? c->line : 1;
    for (int s = 0; s < SEC_COUNT; s++) {
        if (sec_required[s] && !c->sec_line[s]) {
            perr(c, last, "%s line %d (end of the file): the section [%s] is missing", c->origin, last,
                 sec_names[s]);
            return;
        }
    }
    for (size_t i = 0; i < NKEYS; i++) {
        if (!keys[i].required || c->seen[i])
            continue;
        int sl = c->sec_line[keys[i].sec];
        if (keys[i].kind == K_BLOCK)
            perr(c, sl, "%s line %d: [blocks] has no block line (\"block = adduction left 0\")", c->origin, sl);
        else
            perr(c, sl, "%s line %d: [%s] lacks %s", c->origin, sl, sec_names[keys[i].sec], keys[i].key);
        return;
    }
    if (!ordered(c, "ratio_red", d->ratio_red, "ratio_amber", d->ratio_amber, "red is the worse band") ||
        !ordered(c, "asymmetry_amber_pct", d->asymmetry_amber_pct, "asymmetry_red_pct", d->asymmetry_red_pct,
                 "red is the worse band") ||
        !ordered(c, "target_low_pct", d->target_low_pct, "target_high_pct", d->target_high_pct,
                 "the band needs a width"))
        return;
    if (d->gravity_correction) {
        bool abd = false;
        for (int i = 0; i < d->nblocks; i++)
            abd |= d->blocks[i].dir == ST_DIR_ABD;
        if (!abd) {
            int l = c->seen[key_index("gravity_correction")];
            perr(c, l, "%s line %d: gravity_correction applies to abduction blocks, and this protocol has none",
                 c->origin, l);
            return;
        }
    }
    if (isnan(d->block_rest_s))
        d->block_rest_s = d->rest_s;
}

enum st_status proto_load_text(const char *origin, const char *text, struct proto_def *def,
                               struct st_err *err)
{
    if (!def)
        return st_err_set(err, ST_ERR_ARG, "proto_load_text: no definition to fill");
    if (!origin)
        origin = "<protocol>";
    defaults(def);
    if (!text)
        return st_err_set(err, ST_ERR_ARG, "%s: no text", origin);
    size_t len = strlen(text);
    if (len > PROTO_MAX_TEXT_BYTES)
        return st_err_set(err, ST_ERR_PARSE, "%s is larger than %d KiB: is it a protocol file?", origin,
                          PROTO_MAX_TEXT_BYTES / 1024);
    struct pctx c = {.origin = origin, .text = text, .len = len, .def = def};
    int rc = ini_parse_stream(line_reader, &c, handler, &c);
    if (rc == -2)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    if (rc > 0 && rc != c.handler_fail_line && (!c.err_line || rc < c.err_line)) {
        char lt[80];
        line_text(&c, rc, lt, sizeof lt);
        c.err_line = 0;
        perr(&c, rc, "%s line %d: not a \"key = value\" line nor a [section]: \"%s\"", origin, rc, lt);
    } else if (rc != 0 && !c.err_line) {
        perr(&c, rc, "%s line %d: the line could not be read", origin, rc);
    }
    if (!c.err_line)
        check_whole(&c);
    if (c.err_line) {
        defaults(def);
        return st_err_set(err, ST_ERR_PARSE, "%s", c.err);
    }
    def->text = malloc(len + 1);
    if (!def->text) {
        defaults(def);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    memcpy(def->text, text, len + 1);
    def->text_len = len;
    snprintf(def->path, sizeof def->path, "%s", origin);
    return ST_OK;
}

void proto_free(struct proto_def *def)
{
    if (!def)
        return;
    free(def->text);
    def->text = NULL;
    def->text_len = 0;
}

enum st_status proto_check_overrides(int reps, double hold_s, double rest_s, double countdown_s,
                                     struct st_err *err)
{
    if (reps >= 0 && (reps < 1 || reps > PROTO_MAX_REPS))
        return st_err_set(err, ST_ERR_ARG, "--reps must be between 1 and %d, not %d", PROTO_MAX_REPS, reps);
    if (hold_s >= 0 && !(hold_s >= 1 && hold_s <= 10))
        return st_err_set(err, ST_ERR_ARG, "--hold-s must be between 1 and 10 s, not %g", hold_s);
    if (rest_s >= 0 && !(rest_s <= 300))
        return st_err_set(err, ST_ERR_ARG, "--rest-s must be between 0 and 300 s, not %g", rest_s);
    if (countdown_s >= 0 && !(countdown_s <= 10))
        return st_err_set(err, ST_ERR_ARG, "--countdown-s must be between 0 and 10 s, not %g", countdown_s);
    if (isnan(hold_s) || isnan(rest_s) || isnan(countdown_s))
        return st_err_set(err, ST_ERR_ARG, "an override is not a number");
    return ST_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* The plan                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

/* splitmix64 (Steele, Lea, Flood 2014): tiny, and the same on every machine. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint32_t proto_seed_resolve(const struct proto_def *def, uint32_t session_seed)
{
    if (!def || def->order != PROTO_ORDER_RANDOM)
        return 0;
    return def->seed ? def->seed : session_seed;
}

enum st_status proto_plan_make(const struct proto_def *def, uint32_t seed, struct proto_plan *plan,
                               struct st_err *err)
{
    if (!def || !plan)
        return st_err_set(err, ST_ERR_ARG, "proto_plan_make: nothing to plan");
    memset(plan, 0, sizeof *plan);
    int nb = def->nblocks;
    if (nb < 1 || nb > PROTO_MAX_BLOCKS)
        return st_err_set(err, ST_ERR_ARG, "Protocol %s has no blocks to run", def->name);
    if (def->reps < 1 || def->reps > PROTO_MAX_REPS || def->familiarisation < 0 ||
        def->familiarisation > PROTO_MAX_FAMILIARISATION)
        return st_err_set(err, ST_ERR_ARG, "Protocol %s: reps or familiarisation out of range", def->name);
    switch (def->order) {
    case PROTO_ORDER_FIXED:
        for (int i = 0; i < nb; i++) {
            plan->group[i][0] = i;
            plan->group_len[i] = 1;
        }
        plan->ngroups = nb;
        break;
    case PROTO_ORDER_RANDOM: {
        if (!seed)
            return st_err_set(err, ST_ERR_ARG,
                              "Protocol %s runs its blocks in random order and needs a seed: the station "
                              "draws one at session start",
                              def->name);
        plan->seed = seed;
        int ord[PROTO_MAX_BLOCKS];
        for (int i = 0; i < nb; i++)
            ord[i] = i;
        uint64_t st = seed;
        for (int i = nb - 1; i > 0; i--) {
            uint64_t r = splitmix64(&st);
            int j = (int)(((r >> 32) * (uint64_t)(i + 1)) >> 32); /* Lemire: unbiased enough for n <= 8 */
            int t = ord[i];
            ord[i] = ord[j];
            ord[j] = t;
        }
        for (int i = 0; i < nb; i++) {
            plan->group[i][0] = ord[i];
            plan->group_len[i] = 1;
        }
        plan->ngroups = nb;
        break;
    }
    case PROTO_ORDER_ALTERNATING: {
        bool placed[PROTO_MAX_BLOCKS] = {false};
        for (int i = 0; i < nb; i++) {
            if (placed[i])
                continue;
            int g = plan->ngroups++;
            for (int j = i; j < nb; j++) {
                if (!placed[j] && def->blocks[j].dir == def->blocks[i].dir) {
                    plan->group[g][plan->group_len[g]++] = j;
                    placed[j] = true;
                }
            }
        }
        break;
    }
    default:
        return st_err_set(err, ST_ERR_ARG, "Protocol %s: unknown order", def->name);
    }
    for (int g = 0; g < plan->ngroups; g++) {
        bool first = true;
        for (int k = 0; k < plan->group_len[g]; k++)
            plan->order[plan->norder++] = plan->group[g][k];
        for (int f = 1; f <= def->familiarisation; f++) {
            for (int k = 0; k < plan->group_len[g]; k++) {
                plan->steps[plan->nsteps++] =
                    (struct proto_step){.block = plan->group[g][k], .rep = f, .familiarisation = true,
                                        .new_group = first};
                first = false;
            }
        }
        for (int r = 1; r <= def->reps; r++) {
            for (int k = 0; k < plan->group_len[g]; k++) {
                plan->steps[plan->nsteps++] =
                    (struct proto_step){.block = plan->group[g][k], .rep = r, .new_group = first};
                first = false;
            }
        }
    }
    return ST_OK;
}

const char *proto_plan_str(const struct proto_def *def, const struct proto_plan *plan, char *buf,
                           size_t size)
{
    if (!buf || !size)
        return buf;
    buf[0] = '\0';
    if (!def || !plan)
        return buf;
    bool many = false;
    for (int i = 1; i < def->nblocks; i++)
        many |= def->blocks[i].channel != def->blocks[0].channel;
    size_t used = 0;
    for (int i = 0; i < plan->norder; i++) {
        const struct proto_block *b = &def->blocks[plan->order[i]];
        const char *side = b->side == ST_SIDE_LEFT ? "L" : b->side == ST_SIDE_RIGHT ? "R" : "both";
        char ch[16] = "";
        if (many)
            snprintf(ch, sizeof ch, " (ch %d)", b->channel);
        int w = snprintf(buf + used, size - used, "%s%s %s%s", i ? ", " : "", st_dir_short(b->dir), side, ch);
        if (w < 0 || (size_t)w >= size - used)
            break;
        used += (size_t)w;
    }
    return buf;
}
