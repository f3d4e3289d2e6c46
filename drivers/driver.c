/*
 * driver.c - what the families share: units, line splitting, strict number parsing, the family
 * table, opening and probing a device; see driver.h.
 */
#include "drivers/driver.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/log.h"

/* One row per family (drivers/<family>.c). Probing asks them in this order. */
extern const struct drv_driver drv_chronojump;
extern const struct drv_driver drv_imada;
extern const struct drv_driver drv_loadstar;
extern const struct drv_driver drv_mark10;

const struct drv_driver *const drv_table[] = {
    &drv_chronojump,
    &drv_imada,
    &drv_loadstar,
    &drv_mark10,
    NULL,
};

const struct drv_driver *drv_find(const char *name)
{
    for (size_t i = 0; name && drv_table[i]; i++)
        if (strcmp(drv_table[i]->name, name) == 0)
            return drv_table[i];
    return NULL;
}

const char *drv_names(char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; drv_table[i]; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", drv_table[i]->name);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

/* ---- units -------------------------------------------------------------------------------- */

double drv_unit_to_n(enum drv_unit u)
{
    switch (u) {
    case DRV_UNIT_N: return 1.0;
    case DRV_UNIT_KN: return 1000.0;
    case DRV_UNIT_MN: return 0.001;
    case DRV_UNIT_LBF: return 4.4482216152605;
    case DRV_UNIT_KGF: return 9.80665;
    case DRV_UNIT_OZF: return 0.27801385095378;
    case DRV_UNIT_GF: return 0.00980665;
    default: return NAN;
    }
}

const char *drv_unit_name(enum drv_unit u)
{
    switch (u) {
    case DRV_UNIT_N: return "N";
    case DRV_UNIT_KN: return "kN";
    case DRV_UNIT_MN: return "mN";
    case DRV_UNIT_LBF: return "lbf";
    case DRV_UNIT_KGF: return "kgf";
    case DRV_UNIT_OZF: return "ozf";
    case DRV_UNIT_GF: return "gf";
    default: return "?";
    }
}

enum drv_unit drv_unit_parse(const char *text, size_t len)
{
    static const struct {
        const char *s;
        enum drv_unit u;
    } names[] = {
        {"N", DRV_UNIT_N},     {"kN", DRV_UNIT_KN},   {"mN", DRV_UNIT_MN},   {"lbF", DRV_UNIT_LBF},
        {"lb", DRV_UNIT_LBF},  {"kgF", DRV_UNIT_KGF}, {"kg", DRV_UNIT_KGF},  {"ozF", DRV_UNIT_OZF},
        {"oz", DRV_UNIT_OZF},  {"gF", DRV_UNIT_GF},   {"g", DRV_UNIT_GF},
    };
    /* "mN" vs "MN": instruments write millinewtons both ways; nobody measures meganewtons here. */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].s) == len && strncasecmp(names[i].s, text, len) == 0)
            return names[i].u;
    return DRV_UNIT_UNKNOWN;
}

/* ---- lines and numbers -------------------------------------------------------------------- */

void drv_linebuf_init(struct drv_linebuf *lb)
{
    lb->len = 0;
    lb->overlong = false;
    lb->done = false;
    lb->buf[0] = '\0';
}

enum drv_line drv_linebuf_feed(struct drv_linebuf *lb, const uint8_t *buf, size_t len, size_t *consumed)
{
    if (lb->done) { /* the previous call handed out a line: start the next one */
        lb->done = false;
        lb->len = 0;
        lb->overlong = false;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t c = buf[i];
        if (c == '\r' || c == '\n') {
            if (lb->len == 0 && !lb->overlong)
                continue; /* empty line, or the LF of a CRLF */
            *consumed = i + 1;
            lb->buf[lb->len] = '\0';
            lb->done = true;
            return lb->overlong ? DRV_LINE_OVERLONG : DRV_LINE_OK;
        }
        if (lb->len + 1 < sizeof lb->buf)
            lb->buf[lb->len++] = (char)c;
        else
            lb->overlong = true;
    }
    *consumed = len;
    return DRV_LINE_NONE;
}

enum drv_parse drv_line_parse(struct drv_linebuf *lb, const uint8_t *buf, size_t len, size_t *consumed,
                              struct drv_reading *out)
{
    memset(out, 0, sizeof *out);
    enum drv_line r = drv_linebuf_feed(lb, buf, len, consumed);
    if (r == DRV_LINE_NONE)
        return DRV_NEED_MORE;
    if (r == DRV_LINE_OVERLONG) { /* never a reading: its start is kept to show what came */
        drv_reading_set_raw(out, lb->buf, lb->len);
        out->kind = DRV_BAD;
        return DRV_SKIPPED;
    }
    return DRV_GOT;
}

void drv_reading_set_raw(struct drv_reading *r, const char *line, size_t len)
{
    if (len >= sizeof r->raw)
        len = sizeof r->raw - 1;
    memcpy(r->raw, line, len);
    r->raw[len] = '\0';
}

bool drv_parse_decimal(const char *s, size_t len, double *out)
{
    size_t i = 0, digits = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && isdigit((unsigned char)s[i])) {
        i++;
        digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && isdigit((unsigned char)s[i])) {
            i++;
            digits++;
        }
    }
    if (i != len || digits == 0 || len > 40)
        return false;
    char tmp[48];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end = NULL;
    double v = strtod(tmp, &end);
    if (end != tmp + len || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* ---- I/O helpers -------------------------------------------------------------------------- */

enum st_status drv_await_line(struct link *l, char *buf, size_t cap, int timeout_ms,
                              bool (*accept)(const char *line, void *ctx), void *ctx, int *skipped,
                              struct st_err *err)
{
    int64_t deadline = st_now_ns() + (int64_t)timeout_ms * ST_NS_PER_MS;
    for (;;) {
        int left = st_ms_until(deadline);
        if (left <= 0)
            return ST_ERR_TIMEOUT;
        enum st_status s = link_read_line(l, buf, cap, left, err);
        if (s != ST_OK)
            return s;
        if (!accept || accept(buf, ctx))
            return ST_OK;
        if (skipped)
            (*skipped)++;
    }
}

enum st_status drv_dev_open(const struct drv_driver *drv, const char *port, int baud, int probe_timeout_ms,
                            struct drv_dev **out, struct st_err *err)
{
    *out = NULL;
    struct drv_dev *d = calloc(1, sizeof *d);
    if (!d)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    d->drv = drv;
    d->parser = calloc(1, drv->parser_size ? drv->parser_size : 1);
    if (!d->parser) {
        free(d);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    /* The rate asked for, or else the family's usual ones in turn (gauges keep theirs in a menu). */
    const int one[2] = {baud, 0};
    const int *rates = baud > 0 ? one : drv->bauds;
    enum st_status s = ST_ERR_TIMEOUT;
    bool answered = false;
    char tried[128] = "";
    for (const int *r = rates; *r; r++) {
        drv->parser_init(d->parser);
        struct link_cfg cfg = {.baud = *r};
        s = link_open(port, &cfg, &d->link, err);
        if (s != ST_OK)
            break; /* the port itself is the problem (missing, busy, no permission) */
        s = drv->probe(d->link, probe_timeout_ms, &d->ident, err);
        if (s == ST_OK) {
            d->ident.baud = link_baud(d->link);
            snprintf(d->ident.family, sizeof d->ident.family, "%s", drv->name);
            *out = d;
            return ST_OK;
        }
        /* Not identified: nothing was started, so nothing is stopped. */
        link_close(d->link);
        d->link = NULL;
        size_t used = strlen(tried);
        snprintf(tried + used, sizeof tried - used, "%s%d", used ? ", " : "", *r);
        answered |= s == ST_ERR_NO_DEVICE;
        if (s == ST_ERR_DISCONNECTED)
            break;
    }
    if (answered && (s == ST_ERR_TIMEOUT || s == ST_ERR_NO_DEVICE)) {
        /* something answered at one of the rates: say that, not the last rate's silence */
        s = ST_ERR_NO_DEVICE;
        if (!err || err->code != ST_ERR_NO_DEVICE || !err->msg[0])
            st_err_set(err, ST_ERR_NO_DEVICE,
                       "The device on %s does not answer like a %s dynamometer (tried %s baud): check --driver "
                       "and the baud rate",
                       port, drv->name, tried);
    } else if (s == ST_ERR_TIMEOUT || s == ST_ERR_NO_DEVICE)
        st_err_set(err, ST_ERR_TIMEOUT,
                   "No %s dynamometer answered on %s at %s baud: is it switched on and plugged in, and set to "
                   "that rate?",
                   drv->name, port, tried);
    free(d->parser);
    free(d);
    return s;
}

void drv_dev_close(struct drv_dev *d)
{
    if (!d)
        return;
    if (d->link && d->drv->stop)
        d->drv->stop(d, NULL);
    link_close(d->link);
    free(d->parser);
    free(d);
}

enum st_status drv_probe_port(const char *port, int timeout_ms, const struct drv_driver **drv_out,
                              struct drv_ident *id, struct st_err *err)
{
    bool answered = false;
    for (size_t i = 0; drv_table[i]; i++) {
        const struct drv_driver *drv = drv_table[i];
        for (const int *b = drv->bauds; *b; b++) {
            struct link *l = NULL;
            struct link_cfg cfg = {.baud = *b};
            struct st_err e;
            st_err_clear(&e);
            enum st_status s = link_open(port, &cfg, &l, &e);
            if (s != ST_OK) {
                if (err)
                    *err = e;
                return s; /* the port itself is the problem: no use asking further */
            }
            /* An Arduino-class board needs its boot time on every open; others answer at once. */
            int tmo = drv->resets_on_open ? (timeout_ms > 3500 ? timeout_ms : 3500) : timeout_ms;
            memset(id, 0, sizeof *id);
            s = drv->probe(l, tmo, id, &e);
            link_close(l);
            if (s == ST_OK) {
                id->baud = *b;
                snprintf(id->family, sizeof id->family, "%s", drv->name);
                *drv_out = drv;
                return ST_OK;
            }
            if (s == ST_ERR_NO_DEVICE)
                answered = true;
            if (s == ST_ERR_DISCONNECTED)
                return st_err_set(err, s, "The device on %s went away while the station was asking it", port);
        }
    }
    if (answered)
        return st_err_set(err, ST_ERR_NO_DEVICE,
                          "Something answered on %s, but it is not a dynamometer the station knows", port);
    return st_err_set(err, ST_ERR_NO_DEVICE,
                      "No dynamometer answered on %s: check that it is switched on, plugged in, and set to "
                      "one of the usual baud rates",
                      port);
}
