/*
 * loadstar.c - Loadstar Sensors DI-1000U / DI-100U (and UHS) interfaces: pure parser and I/O half;
 * see loadstar.h for the protocol facts and the tolerant readings chosen.
 *
 * The device sends bare numbers: the unit lives in the parser's state, set by the I/O half from the
 * probe and changed by any unit reply that passes through the stream. That is why a reading is never
 * converted with a guessed unit, and why a unit change mid-stream keeps the newtons right.
 */
#include "drivers/loadstar.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/log.h"

#define LS_MAX_ABS_N 1e6 /* plausibility: far beyond any Loadstar cell (10 klbf is 44 kN) */
#define LS_QUERY_MS 600  /* a reply after the device has answered the handshake */
#define LS_HANDSHAKE_TRY_MS 250

/* ---- pure parser -------------------------------------------------------------------------- */

void ls_parser_init(void *state)
{
    struct ls_parser *p = state;
    memset(p, 0, sizeof *p);
    drv_linebuf_init(&p->lb);
    p->unit = DRV_UNIT_UNKNOWN;
}

void ls_parser_set_unit(void *state, enum drv_unit unit)
{
    struct ls_parser *p = state;
    p->unit = unit;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Narrows [*s, *s + *n) to its text without surrounding spaces and tabs. */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_blank((*s)[*n - 1]))
        (*n)--;
}

enum drv_unit ls_unit_parse(const char *text, size_t len)
{
    trim(&text, &len);
    enum drv_unit u = drv_unit_parse(text, len);
    switch (u) {
    case DRV_UNIT_LBF:
    case DRV_UNIT_KGF:
    case DRV_UNIT_N:
    case DRV_UNIT_KN:
    case DRV_UNIT_OZF: return u;
    default: return DRV_UNIT_UNKNOWN; /* mN and gf: not units a Loadstar reports */
    }
}

const char *ls_unit_word(enum drv_unit u)
{
    switch (u) {
    case DRV_UNIT_LBF: return "lbf";
    case DRV_UNIT_KGF: return "kgf";
    case DRV_UNIT_N: return "N";
    case DRV_UNIT_KN: return "kN";
    case DRV_UNIT_OZF: return "oz";
    default: return NULL;
    }
}

/* An error reply in any of the shapes loadstar.h lists. line is NUL-terminated. */
static bool is_error_reply(const char *line, const char *s, size_t n)
{
    return (n > 0 && s[0] == '?') || strcasestr(line, "invalid") || strcasestr(line, "error") ||
           strcasestr(line, "unknown") || strcasestr(line, "not recognized");
}

/* An ID reply: 4..40 of [A-Za-z0-9._-], starting with a letter, holding a digit. */
static bool is_id_reply(const char *s, size_t n)
{
    if (n < 4 || n > 40 || !isalpha((unsigned char)s[0]))
        return false;
    bool digit = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c))
            digit = true;
        else if (!isalpha(c) && c != '-' && c != '_' && c != '.')
            return false;
    }
    return digit;
}

/* "<number>" or "<number> <unit>": true with the value and the unit of the text (unit UNKNOWN for a
 * bare number). */
static bool parse_reading(const char *s, size_t n, double *v, enum drv_unit *unit)
{
    if (drv_parse_decimal(s, n, v)) {
        *unit = DRV_UNIT_UNKNOWN;
        return true;
    }
    size_t k = 0;
    while (k < n && !is_blank(s[k]))
        k++;
    if (k == 0 || k == n || !drv_parse_decimal(s, k, v))
        return false;
    *unit = ls_unit_parse(s + k, n - k);
    return *unit != DRV_UNIT_UNKNOWN;
}

static enum drv_parse bad(struct drv_reading *out)
{
    out->kind = DRV_BAD;
    return DRV_SKIPPED;
}

static enum drv_parse classify(struct ls_parser *p, const char *line, size_t len, struct drv_reading *out)
{
    drv_reading_set_raw(out, line, len);
    out->unit = p->unit;
    const char *s = line;
    size_t n = len;
    trim(&s, &n);
    if (n == 0)
        return bad(out);

    double v;
    enum drv_unit line_unit;
    if (parse_reading(s, n, &v, &line_unit)) {
        enum drv_unit u = line_unit != DRV_UNIT_UNKNOWN ? line_unit : p->unit;
        double f = v * drv_unit_to_n(u);
        if (u == DRV_UNIT_UNKNOWN || !isfinite(f) || fabs(f) > LS_MAX_ABS_N)
            return bad(out); /* no unit known yet (never guessed), or line noise */
        out->kind = DRV_SAMPLE;
        out->unit = u;
        out->value = v;
        out->force_n = f;
        return DRV_GOT;
    }
    enum drv_unit u = ls_unit_parse(s, n);
    if (u != DRV_UNIT_UNKNOWN) {
        p->unit = u; /* the answer to UNITS or UNITS <u>: every reading after it is in u */
        out->unit = u;
        out->kind = DRV_REPLY;
        return DRV_GOT;
    }
    if (is_error_reply(line, s, n)) {
        out->kind = DRV_DEVICE_ERROR;
        return DRV_GOT;
    }
    if ((n == 1 && s[0] == 'A') || (n == 5 && strncasecmp(s, "Tared", 5) == 0) ||
        (n >= 3 && strncasecmp(s, "FCM", 3) == 0 && (n == 3 || is_blank(s[3]))) || is_id_reply(s, n)) {
        out->kind = DRV_REPLY;
        return DRV_GOT;
    }
    return bad(out);
}

enum drv_parse ls_parse(void *state, const uint8_t *buf, size_t len, size_t *consumed,
                        struct drv_reading *out)
{
    struct ls_parser *p = state;
    enum drv_parse r = drv_line_parse(&p->lb, buf, len, consumed, out);
    if (r == DRV_SKIPPED)
        out->unit = p->unit; /* an over-long line is in the unit in force, as any other */
    if (r != DRV_GOT)
        return r;
    return classify(p, p->lb.buf, p->lb.len, out);
}

/* ---- I/O half ----------------------------------------------------------------------------- */

/* Reads and drops bytes until quiet_ms pass without any (*quiet = true) or max_ms in all. */
static enum st_status drain(struct link *l, int quiet_ms, int max_ms, bool *quiet, struct st_err *err)
{
    int64_t end = st_now_ns() + (int64_t)max_ms * ST_NS_PER_MS;
    char junk[512];
    *quiet = false;
    while (st_now_ns() < end) {
        size_t got = 0;
        enum st_status s = link_read(l, junk, sizeof junk, quiet_ms, &got, err);
        if (s == ST_ERR_DISCONNECTED)
            return s;
        if (s == ST_ERR_TIMEOUT) {
            *quiet = true;
            return ST_OK;
        }
    }
    return ST_OK;
}

static bool line_is(const char *line, const char *word)
{
    const char *s = line;
    size_t n = strlen(line);
    trim(&s, &n);
    return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

struct await_ctx {
    bool other; /* a line came that was not the one wanted */
};

static bool accept_a(const char *line, void *ctx)
{
    struct await_ctx *c = ctx;
    if (strcmp(line, "A") == 0)
        return true;
    c->other = true;
    return false;
}

static bool accept_model(const char *line, void *ctx)
{
    struct await_ctx *c = ctx;
    if (strncasecmp(line, "FCM", 3) == 0 && (line[3] == '\0' || is_blank(line[3])))
        return true;
    if (strcmp(line, "A") != 0)
        c->other = true;
    return false;
}

/* Any answer but a stray `A` (left by a handshake CR). */
static bool accept_answer(const char *line, void *ctx)
{
    (void)ctx;
    return strcmp(line, "A") != 0;
}

/* Sends cmd + CR and waits for a line accept() takes. */
static enum st_status ls_query(struct link *l, const char *cmd, char *line, size_t cap, int timeout_ms,
                               bool (*accept)(const char *, void *), void *ctx, struct st_err *err)
{
    char out[64];
    snprintf(out, sizeof out, "%s\r", cmd);
    enum st_status s = link_write_str(l, out, 200, err);
    if (s != ST_OK)
        return s;
    return drv_await_line(l, line, cap, timeout_ms, accept, ctx, NULL, err);
}

static bool answer_is_error(const char *line)
{
    const char *s = line;
    size_t n = strlen(line);
    trim(&s, &n);
    return is_error_reply(line, s, n);
}

static enum st_status ls_probe(struct link *l, int timeout_ms, struct drv_ident *id, struct st_err *err)
{
    int64_t deadline = st_now_ns() + (int64_t)timeout_ms * ST_NS_PER_MS;
    char line[DRV_LINE_MAX];
    struct await_ctx ctx = {0};

    /* Handshake: the first CR also stops a stream left running; drop whatever it brings. */
    link_flush_input(l);
    enum st_status s = link_write_str(l, "\r", 200, err);
    if (s != ST_OK)
        return s;
    bool quiet;
    s = drain(l, 60, 300, &quiet, err);
    if (s != ST_OK)
        return s;
    bool ok = false;
    while (!ok && st_now_ns() < deadline) {
        int left = st_ms_until(deadline);
        if (left <= 0)
            break;
        s = ls_query(l, "", line, sizeof line, left < LS_HANDSHAKE_TRY_MS ? left : LS_HANDSHAKE_TRY_MS,
                     accept_a, &ctx, err);
        if (s == ST_OK)
            ok = true;
        else if (s != ST_ERR_TIMEOUT)
            return s;
    }
    if (!ok)
        return ctx.other ? ST_ERR_NO_DEVICE : ST_ERR_TIMEOUT;

    /* Identified by the handshake only if MODEL says FCM ...: read-only queries from here on. */
    struct await_ctx mctx = {0};
    s = ls_query(l, "MODEL", line, sizeof line, LS_QUERY_MS, accept_model, &mctx, err);
    if (s == ST_ERR_DISCONNECTED)
        return s;
    if (s != ST_OK)
        return st_err_set(
            err, ST_ERR_NO_DEVICE,
            "The device on %s answers a Loadstar handshake but not its MODEL query: it is not a "
            "Loadstar DI-1000 or DI-100",
            link_name(l));
    snprintf(id->model, sizeof id->model, "%.63s", line);

    id->firmware[0] = id->serial[0] = '\0';
    s = ls_query(l, "ID", line, sizeof line, LS_QUERY_MS, accept_answer, NULL, err);
    if (s == ST_ERR_DISCONNECTED)
        return s;
    if (s == ST_OK && !answer_is_error(line)) {
        const char *t = line;
        size_t n = strlen(line);
        trim(&t, &n);
        snprintf(id->firmware, sizeof id->firmware, "%.*s", (int)(n < 63 ? n : 63), t);
        snprintf(id->serial, sizeof id->serial, "%s", id->firmware);
    }

    id->unit = DRV_UNIT_UNKNOWN;
    s = ls_query(l, "UNITS", line, sizeof line, LS_QUERY_MS, accept_answer, NULL, err);
    if (s == ST_ERR_DISCONNECTED)
        return s;
    if (s == ST_OK)
        id->unit = ls_unit_parse(line, strlen(line));
    if (id->unit == DRV_UNIT_UNKNOWN)
        ST_WARN("loadstar", "%s: unit not understood (\"%.40s\")", link_name(l), s == ST_OK ? line : "");

    id->capacity_n = NAN;
    s = ls_query(l, "LC", line, sizeof line, LS_QUERY_MS, accept_answer, NULL, err);
    if (s == ST_ERR_DISCONNECTED)
        return s;
    if (s == ST_OK) {
        const char *t = line;
        size_t n = strlen(line);
        trim(&t, &n);
        double v;
        enum drv_unit u;
        if (parse_reading(t, n, &v, &u)) {
            double f = v * drv_unit_to_n(u != DRV_UNIT_UNKNOWN ? u : id->unit);
            if (isfinite(f) && f > 0)
                id->capacity_n = f;
        }
    }
    st_err_clear(err);
    return ST_OK;
}

static enum st_status ls_start(struct drv_dev *d, struct st_err *err)
{
    if (isnan(drv_unit_to_n(d->ident.unit)))
        return st_err_set(
            err, ST_ERR_PROTOCOL,
            "The Loadstar interface on %s reports a unit the station does not know: set it to N, "
            "lbf or kgf (UNITS) and plug it in again",
            link_name(d->link));
    ls_parser_init(d->parser);
    ls_parser_set_unit(d->parser, d->ident.unit);
    d->polling = false;
    link_flush_input(d->link);
    /* WC streams until a bare CR; it sends no acknowledgement, so the acquisition's stall timer is
     * what notices a device that does not start. */
    return link_write_str(d->link, "WC\r", 200, err);
}

static enum st_status ls_stop(struct drv_dev *d, struct st_err *err)
{
    /* A bare CR ends WC. The lines already on their way, then the A the CR earns, arrive after it:
     * wait for the line to go quiet, and say it again if the stream goes on (a CR lost on the wire). */
    for (int i = 0; i < 2; i++) {
        enum st_status s = link_write_str(d->link, "\r", 200, err);
        if (s != ST_OK)
            return s;
        bool quiet;
        s = drain(d->link, 80, 300, &quiet, err);
        if (s != ST_OK || quiet)
            return s;
    }
    return st_err_set(err, ST_ERR_TIMEOUT, "The Loadstar interface on %s does not stop streaming",
                      link_name(d->link));
}

struct tare_ctx {
    bool refused;
};

static bool accept_tared(const char *line, void *ctx)
{
    struct tare_ctx *c = ctx;
    if (line_is(line, "Tared") || strcmp(line, "A") == 0)
        return true;
    if (answer_is_error(line)) {
        c->refused = true;
        return true;
    }
    return false;
}

static enum st_status ls_zero(struct drv_dev *d, struct st_err *err)
{
    link_flush_input(d->link);
    struct tare_ctx ctx = {0};
    char line[DRV_LINE_MAX];
    enum st_status s = ls_query(d->link, "TARE", line, sizeof line, 2000, accept_tared, &ctx, err);
    if (s == ST_ERR_TIMEOUT)
        return st_err_set(err, s, "The Loadstar interface on %s did not confirm the tare",
                          link_name(d->link));
    if (s == ST_OK && ctx.refused)
        return st_err_set(err, ST_ERR_DEVICE, "The Loadstar interface on %s refused the tare (\"%.40s\")",
                          link_name(d->link), line);
    return s;
}

enum st_status ls_set_unit(struct drv_dev *d, enum drv_unit unit, struct st_err *err)
{
    const char *word = ls_unit_word(unit);
    if (!word)
        return st_err_set(err, ST_ERR_ARG, "A Loadstar interface cannot show %s: use N, kN, lbf, kgf or oz",
                          drv_unit_name(unit));
    link_flush_input(d->link);
    char cmd[32], line[DRV_LINE_MAX];
    snprintf(cmd, sizeof cmd, "UNITS %s", word);
    /* What UNITS <u> answers is unverified: an error is a refusal, anything else (or silence) is
     * checked by reading the unit back. */
    enum st_status s = ls_query(d->link, cmd, line, sizeof line, 400, accept_answer, NULL, err);
    if (s == ST_ERR_DISCONNECTED)
        return s;
    if (s == ST_OK && answer_is_error(line))
        return st_err_set(err, ST_ERR_DEVICE, "The Loadstar interface on %s refused the unit %s (\"%.40s\")",
                          link_name(d->link), word, line);
    s = ls_query(d->link, "UNITS", line, sizeof line, 1000, accept_answer, NULL, err);
    if (s == ST_ERR_TIMEOUT)
        return st_err_set(err, s, "The Loadstar interface on %s did not say its unit", link_name(d->link));
    if (s != ST_OK)
        return s;
    enum drv_unit now = ls_unit_parse(line, strlen(line));
    if (now != unit)
        return st_err_set(err, ST_ERR_DEVICE,
                          "The Loadstar interface on %s still reports \"%.40s\" after UNITS %s",
                          link_name(d->link), line, word);
    d->ident.unit = unit;
    ls_parser_set_unit(d->parser, unit);
    return ST_OK;
}

static const int ls_bauds[] = {9600, 230400, 0};

const struct drv_driver drv_loadstar = {
    .name = "loadstar",
    .title = "Loadstar Sensors DI-1000U / DI-100U load-cell interface",
    .default_baud = 9600,
    .bauds = ls_bauds,
    .nominal_rate_hz = 70,
    .device_clock = false,
    .resets_on_open = false,
    .parser_size = sizeof(struct ls_parser),
    .parser_init = ls_parser_init,
    .parse = ls_parse,
    .probe = ls_probe,
    .start = ls_start,
    .request = NULL,
    .stop = ls_stop,
    .zero = ls_zero,
};
