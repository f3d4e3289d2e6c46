/*
 * mark10.c - Mark-10 Series 4/5/7 force gauges: the pure parser and the I/O half; see mark10.h.
 *
 * The gauge answers one line per question and, with AOUT, streams the same lines on its own, so the
 * parser is one classifier for every line whoever asked. The only state it carries between lines is
 * the unit, because after NUM a reading no longer names it. The I/O half prefers streaming (AOUT, up
 * to 250 readings a second, evenly spaced by the gauge) and polls with `?` where the gauge cannot
 * stream (Series 4) or refuses to.
 */
#include "drivers/mark10.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"

/* ---- pure parser -------------------------------------------------------------------------- */

void m10_parser_init(void *state)
{
    struct m10_parser *p = state;
    memset(p, 0, sizeof *p);
    drv_linebuf_init(&p->lb);
    p->unit = DRV_UNIT_UNKNOWN;
}

void m10_parser_set_unit(struct m10_parser *p, enum drv_unit u)
{
    p->unit = u;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

bool m10_parse_list(const char *line, size_t len, struct m10_settings *out)
{
    if (len < 3 || line[0] != 'V' || !memchr(line, ';', len))
        return false;
    struct m10_settings s = {.unit = DRV_UNIT_UNKNOWN, .mode = M10_MODE_UNKNOWN, .num = -1, .aout = -1};
    size_t i = 0, field = 0;
    while (i <= len) {
        size_t start = i;
        while (i < len && line[i] != ';')
            i++;
        const char *f = line + start;
        size_t flen = i - start;
        i++; /* past ';' (or past the end) */
        for (size_t k = 0; k < flen; k++)
            if (!isalnum((unsigned char)f[k]) && f[k] != '.' && f[k] != '-' && f[k] != '+')
                return false;
        if (field == 0) {
            size_t digits = 0;
            for (size_t k = 1; k < flen; k++) {
                if (!isdigit((unsigned char)f[k]) && f[k] != '.')
                    return false;
                digits += isdigit((unsigned char)f[k]) != 0;
            }
            if (flen < 2 || digits == 0)
                return false;
            snprintf(s.version, sizeof s.version, "%.*s", (int)flen, f);
            field++;
            continue;
        }
        if (flen == 0)
            continue;
        field++;
        enum drv_unit u = drv_unit_parse(f, flen);
        if (u != DRV_UNIT_UNKNOWN && s.unit == DRV_UNIT_UNKNOWN) {
            s.unit = u;
        } else if (flen == 3 && memcmp(f, "CUR", 3) == 0) {
            s.mode = M10_MODE_CUR;
        } else if (flen == 2 && memcmp(f, "PT", 2) == 0) {
            s.mode = M10_MODE_PT;
        } else if (flen == 2 && memcmp(f, "PC", 2) == 0) {
            s.mode = M10_MODE_PC;
        } else if (flen == 3 && memcmp(f, "NUM", 3) == 0) {
            s.num = 1;
        } else if (flen == 4 && memcmp(f, "FULL", 4) == 0) {
            s.num = 0;
        } else if (flen > 4 && flen <= 8 && memcmp(f, "AOUT", 4) == 0) {
            int n = 0;
            bool ok = true;
            for (size_t k = 4; k < flen; k++) {
                if (!isdigit((unsigned char)f[k]))
                    ok = false;
                else
                    n = n * 10 + (f[k] - '0');
            }
            if (ok)
                s.aout = n;
        }
    }
    if (field < 2)
        return false;
    *out = s;
    return true;
}

const char *m10_error_text(const char *line)
{
    if (strcmp(line, "*10") == 0)
        return "illegal command";
    if (strcmp(line, "*11") == 0)
        return "not applicable";
    if (strcmp(line, "*12") == 0)
        return "invalid specifier";
    if (strcmp(line, "*22") == 0)
        return "value too large";
    return "error";
}

static bool is_error_code(const char *s, size_t len)
{
    return len == 3 && s[0] == '*' && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]);
}

static enum drv_parse bad(struct drv_reading *out)
{
    out->kind = DRV_BAD;
    return DRV_SKIPPED;
}

enum drv_parse m10_parse_line(struct m10_parser *p, const char *line, size_t len, struct drv_reading *out)
{
    memset(out, 0, sizeof *out);
    drv_reading_set_raw(out, line, len);
    p->lines++;
    out->unit = p->unit;
    /* Trim the blanks around the reading (tolerated: see the header). */
    size_t a = 0, b = len;
    while (a < b && is_blank(line[a]))
        a++;
    while (b > a && is_blank(line[b - 1]))
        b--;
    const char *s = line + a;
    size_t n = b - a;
    if (n == 0)
        return bad(out);
    if (is_error_code(s, n)) {
        out->kind = DRV_DEVICE_ERROR;
        p->errors++;
        return DRV_GOT;
    }
    struct m10_settings set;
    if (s[0] == 'V' && m10_parse_list(s, n, &set)) {
        if (set.unit != DRV_UNIT_UNKNOWN)
            p->unit = set.unit;
        out->kind = DRV_REPLY;
        out->unit = p->unit;
        return DRV_GOT;
    }
    /* A reading: value [blanks unit]. */
    size_t v = 0;
    while (v < n && !is_blank(s[v]))
        v++;
    double value;
    if (!drv_parse_decimal(s, v, &value))
        return bad(out);
    enum drv_unit unit = p->unit;
    if (v < n) {
        size_t u = v;
        while (u < n && is_blank(s[u]))
            u++;
        for (size_t k = u; k < n; k++)
            if (is_blank(s[k]))
                return bad(out); /* something after the unit */
        unit = drv_unit_parse(s + u, n - u);
        if (unit == DRV_UNIT_UNKNOWN)
            return bad(out);
    }
    if (unit == DRV_UNIT_UNKNOWN)
        return bad(out); /* NUM before any unit was learnt: no newtons can be given */
    double f = value * drv_unit_to_n(unit);
    if (!isfinite(f) || fabs(f) > M10_MAX_ABS_N)
        return bad(out);
    p->unit = unit;
    p->samples++;
    out->kind = DRV_SAMPLE;
    out->value = value;
    out->unit = unit;
    out->force_n = f;
    return DRV_GOT;
}

enum drv_parse m10_parse(void *state, const uint8_t *buf, size_t len, size_t *consumed, struct drv_reading *out)
{
    struct m10_parser *p = state;
    enum drv_parse r = drv_line_parse(&p->lb, buf, len, consumed, out);
    if (r == DRV_SKIPPED) {
        p->lines++;
        out->unit = p->unit;
    }
    return r == DRV_GOT ? m10_parse_line(p, p->lb.buf, p->lb.len, out) : r;
}

int m10_aout_pick(int want_hz, int baud, double *rate_hz)
{
    static const int rates[] = {2, 5, 10, 25, 50, 125, 250};
    size_t nr = sizeof rates / sizeof rates[0];
    double budget = baud > 0 ? 0.9 * (double)baud / (10.0 * M10_LINE_BYTES) : 1e9;
    size_t pick = nr - 1;
    if (want_hz > 0)
        for (size_t i = 0; i < nr; i++)
            if (rates[i] >= want_hz) {
                pick = i;
                break;
            }
    while (pick > 0 && (double)rates[pick] > budget)
        pick--;
    if (rate_hz)
        *rate_hz = rates[pick];
    return rates[pick];
}

/* ---- I/O half ----------------------------------------------------------------------------- */

static enum st_status send_cmd(struct link *l, const char *cmd, struct st_err *err)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%s\r", cmd);
    return link_write_str(l, buf, 200, err);
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

/* What the probe and start are waiting for, and what came meanwhile. */
enum want { WANT_LIST, WANT_READING, WANT_ANSWER };

struct await_ctx {
    struct m10_parser p; /* a scratch parser: classifies lines and learns the unit */
    enum want want;
    int lines, others;   /* lines seen; lines that were nothing of ours */
    bool list_ok;
    struct m10_settings list;
    bool list_refused;   /* `*NN` to LIST */
    bool reading;        /* a reading with a known unit */
    struct drv_reading r;
    bool bare_number;    /* a number without unit and no unit known (NUM) */
    bool refused;        /* `*NN` to the last question */
    char refusal[8];
};

static bool accept_line(const char *line, void *vctx)
{
    struct await_ctx *c = vctx;
    struct drv_reading r;
    c->lines++;
    enum drv_parse res = m10_parse_line(&c->p, line, strlen(line), &r);
    if (res == DRV_GOT && r.kind == DRV_DEVICE_ERROR) {
        c->refused = true;
        const char *star = strchr(line, '*'); /* the line, not raw: raw may be truncated */
        snprintf(c->refusal, sizeof c->refusal, "%.3s", star ? star : "*");
        if (c->want == WANT_LIST)
            c->list_refused = true;
        return true;
    }
    if (res == DRV_GOT && r.kind == DRV_REPLY) {
        c->list_ok = m10_parse_list(line, strlen(line), &c->list);
        return c->want == WANT_LIST;
    }
    if (res == DRV_GOT && r.kind == DRV_SAMPLE) {
        c->reading = true;
        c->r = r;
        return c->want == WANT_READING; /* a streaming gauge's readings do not answer LIST */
    }
    double v;
    if (drv_parse_decimal(line, strlen(line), &v)) {
        c->bare_number = true;
        return c->want == WANT_READING;
    }
    c->others++;
    return c->want == WANT_ANSWER; /* an acknowledgement (unverified) answers a settings command */
}

/* Sends cmd and waits up to timeout_ms for what c->want names. ST_OK (answered), ST_ERR_TIMEOUT, or
 * a link error. */
static enum st_status ask(struct link *l, const char *cmd, enum want want, int timeout_ms, struct await_ctx *c,
                          struct st_err *err)
{
    c->want = want;
    c->refused = false;
    enum st_status s = send_cmd(l, cmd, err);
    if (s != ST_OK)
        return s;
    char line[DRV_LINE_MAX];
    return drv_await_line(l, line, sizeof line, timeout_ms, accept_line, c, NULL, err);
}

static enum st_status m10_probe(struct link *l, int timeout_ms, struct drv_ident *id, struct st_err *err)
{
    int64_t deadline = st_now_ns() + (int64_t)timeout_ms * ST_NS_PER_MS;
    struct await_ctx c;
    memset(&c, 0, sizeof c);
    m10_parser_init(&c.p);
    link_flush_input(l);
    /* LIST and ? only read: nothing here changes a setting of whatever is on the port. A question
     * that got no answer at all is asked again in the next round (the gauge may have been busy or
     * waking up); only a refusal of LIST (`*NN`) says "Series 4". */
    for (int round = 0; round < 3 && st_ms_until(deadline) > 0; round++) {
        if (!c.list_ok && !c.list_refused) {
            enum st_status s = ask(l, "LIST", WANT_LIST, min_int(st_ms_until(deadline), 300), &c, err);
            if (s != ST_OK && s != ST_ERR_TIMEOUT)
                return s;
        }
        if (!c.reading && st_ms_until(deadline) > 0) {
            enum st_status s = ask(l, "?", WANT_READING, min_int(st_ms_until(deadline), 300), &c, err);
            if (s != ST_OK && s != ST_ERR_TIMEOUT)
                return s;
        }
        bool list_known = c.list_ok || c.list_refused;
        if (c.reading && list_known)
            break;
        if (c.list_ok && c.list.unit != DRV_UNIT_UNKNOWN && round >= 1)
            break; /* LIST told the unit; `?` keeps failing (a gauge busy in some menu): good enough */
        if (c.lines > 0 && !c.reading && !c.list_ok && !c.list_refused && !c.bare_number)
            break; /* it answers, but not like a Mark-10 (an echo, another family's error) */
    }
    if (c.reading || (c.list_ok && c.list.unit != DRV_UNIT_UNKNOWN)) {
        memset(id, 0, sizeof *id);
        const char *model = c.list_ok ? M10_MODEL_GCL2 : c.list_refused ? M10_MODEL_SERIES4 : M10_MODEL_ANY;
        snprintf(id->model, sizeof id->model, "%s", model);
        snprintf(id->firmware, sizeof id->firmware, "%s", c.list_ok ? c.list.version : "");
        id->serial[0] = '\0'; /* none in the protocol: the port names the gauge */
        id->unit = c.reading ? c.r.unit : c.list.unit;
        id->capacity_n = NAN; /* not in the protocol */
        link_flush_input(l);
        return ST_OK;
    }
    if (c.bare_number)
        return st_err_set(err, ST_ERR_NO_DEVICE,
                          "The gauge on %s sends numbers without a unit (a Mark-10 in NUM data format?): set "
                          "its Serial/USB data format to include the unit, so the station can convert to newtons",
                          link_name(l));
    if (c.lines > 0)
        return st_err_set(err, ST_ERR_NO_DEVICE,
                          "The device on %s answers, but not like a Mark-10 gauge: check --driver and the baud rate",
                          link_name(l));
    return ST_ERR_TIMEOUT;
}

static bool is_gcl2(const struct drv_dev *d)
{
    return strcmp(d->ident.model, M10_MODEL_SERIES4) != 0;
}

static const char *mode_cmd(enum m10_mode m)
{
    switch (m) {
    case M10_MODE_PT: return "PT";
    case M10_MODE_PC: return "PC";
    default: return "CUR";
    }
}

static enum st_status m10_start(struct drv_dev *d, struct st_err *err)
{
    struct m10_parser *p = d->parser;
    drv_linebuf_init(&p->lb);
    memset(&p->io, 0, sizeof p->io);
    if (d->ident.unit != DRV_UNIT_UNKNOWN && p->unit == DRV_UNIT_UNKNOWN)
        m10_parser_set_unit(p, d->ident.unit);
    link_flush_input(d->link);
    p->io.started = true;
    d->polling = true;
    if (is_gcl2(d)) {
        struct await_ctx c;
        memset(&c, 0, sizeof c);
        m10_parser_init(&c.p);
        c.p.unit = p->unit;
        enum st_status s = ask(d->link, "LIST", WANT_LIST, 500, &c, err);
        if (s == ST_ERR_DISCONNECTED)
            return s;
        if (c.list_ok && c.list.unit != DRV_UNIT_UNKNOWN) {
            m10_parser_set_unit(p, c.list.unit); /* the unit may have changed since the probe */
            d->ident.unit = c.list.unit;
        }
        if (c.list_ok && c.list.mode != M10_MODE_CUR) {
            /* A held peak is no force curve: real-time mode while measuring; stop() puts it back. */
            s = ask(d->link, "CUR", WANT_ANSWER, M10_QUIET_MS, &c, err);
            if (s == ST_ERR_DISCONNECTED)
                return s;
            if (c.refused)
                ST_WARN("mark10", "%s refused CUR (%s): readings follow the gauge's display mode",
                        link_name(d->link), m10_error_text(c.refusal));
            else if (c.list.mode == M10_MODE_PT || c.list.mode == M10_MODE_PC)
                p->io.restore_mode = c.list.mode;
        }
        double rate;
        int n = m10_aout_pick(d->rate_hz, link_baud(d->link), &rate);
        char cmd[16];
        snprintf(cmd, sizeof cmd, "AOUT%d", n);
        c.reading = false;
        s = ask(d->link, cmd, WANT_READING, M10_STREAM_CONFIRM_MS + (int)(3000.0 / rate), &c, err);
        if (s == ST_ERR_DISCONNECTED)
            return s;
        if (s == ST_OK && c.reading && !c.refused) {
            m10_parser_set_unit(p, c.r.unit);
            p->io.streaming = true;
            d->polling = false;
            return ST_OK;
        }
        if (s == ST_OK && c.refused)
            ST_INFO("mark10", "%s refused %s (%s): polling instead", link_name(d->link), cmd,
                    m10_error_text(c.refusal));
        else
            ST_INFO("mark10", "%s did not stream after %s: polling instead", link_name(d->link), cmd);
        if (!c.refused && send_cmd(d->link, "AOUT0", err) == ST_ERR_DISCONNECTED)
            return ST_ERR_DISCONNECTED;
        link_flush_input(d->link);
    }
    return ST_OK; /* polling: request() asks */
}

static enum st_status m10_request(struct drv_dev *d, struct st_err *err)
{
    struct m10_parser *p = d->parser;
    int64_t now = st_now_ns();
    if (p->io.streaming)
        return ST_OK;
    if (p->io.waiting && p->lines == p->io.lines_at_request &&
        now - p->io.request_ns < M10_REPLY_TIMEOUT_MS * ST_NS_PER_MS)
        return ST_OK; /* the last `?` is still on its way */
    enum st_status s = send_cmd(d->link, "?", err);
    if (s != ST_OK)
        return s;
    p->io.waiting = true;
    p->io.lines_at_request = p->lines;
    p->io.request_ns = now;
    return ST_OK;
}

/* Reads and drops whatever arrives for ms; returns the bytes dropped (or -1 when the link is gone). */
static long drain(struct link *l, int ms)
{
    int64_t until = st_now_ns() + (int64_t)ms * ST_NS_PER_MS;
    long total = 0;
    char buf[256];
    while (st_ms_until(until) > 0) {
        size_t got = 0;
        enum st_status s = link_read(l, buf, sizeof buf, st_ms_until(until), &got, NULL);
        if (s == ST_ERR_DISCONNECTED)
            return -1;
        total += (long)got;
    }
    return total;
}

static enum st_status m10_stop(struct drv_dev *d, struct st_err *err)
{
    struct m10_parser *p = d->parser;
    if (!p->io.started)
        return ST_OK; /* never started: send nothing (the device may not even be a Mark-10) */
    p->io.started = false;
    enum st_status s = ST_OK;
    if (p->io.streaming) {
        p->io.streaming = false;
        bool quiet = false;
        for (int i = 0; i < 3 && !quiet; i++) {
            s = send_cmd(d->link, "AOUT0", err);
            if (s != ST_OK)
                return s;
            if (drain(d->link, 120) < 0) /* readings already on their way */
                return ST_ERR_DISCONNECTED;
            long more = drain(d->link, 100);
            if (more < 0)
                return ST_ERR_DISCONNECTED;
            quiet = more == 0;
        }
        if (!quiet)
            s = st_err_set(err, ST_ERR_TIMEOUT, "The Mark-10 gauge on %s does not stop streaming",
                           link_name(d->link));
    } else if (p->io.waiting) {
        if (drain(d->link, 60) < 0) /* the last polled reply */
            return ST_ERR_DISCONNECTED;
    }
    p->io.waiting = false;
    if (p->io.restore_mode != M10_MODE_UNKNOWN) {
        enum st_status r = send_cmd(d->link, mode_cmd(p->io.restore_mode), err);
        p->io.restore_mode = M10_MODE_UNKNOWN;
        if (r == ST_OK)
            drain(d->link, M10_QUIET_MS);
        else
            s = r;
    }
    link_flush_input(d->link);
    drv_linebuf_init(&p->lb);
    return s;
}

static enum st_status m10_zero(struct drv_dev *d, struct st_err *err)
{
    struct await_ctx c;
    memset(&c, 0, sizeof c);
    m10_parser_init(&c.p);
    enum st_status s = ask(d->link, "Z", WANT_ANSWER, M10_QUIET_MS, &c, err);
    if (s == ST_ERR_TIMEOUT)
        return ST_OK; /* silence: done (whether Z answers is unverified) */
    if (s != ST_OK)
        return s;
    if (!c.refused)
        return ST_OK;
    if (strcmp(c.refusal, "*10") == 0)
        return st_err_set(err, ST_ERR_UNSUPPORTED,
                          "The Mark-10 gauge on %s has no remote zero: press ZERO on the gauge (the station "
                          "tares in software meanwhile)",
                          link_name(d->link));
    return st_err_set(err, ST_ERR_DEVICE, "The Mark-10 gauge on %s refused to zero (%s %s): press ZERO on the gauge",
                      link_name(d->link), c.refusal, m10_error_text(c.refusal));
}

static const int m10_bauds[] = {115200, 9600, 19200, 38400, 57600, 0};

const struct drv_driver drv_mark10 = {
    .name = "mark10",
    .title = "Mark-10 force gauge (Series 4/5/7)",
    .default_baud = 115200,
    .bauds = m10_bauds,
    .nominal_rate_hz = 250,
    .device_clock = false,
    .resets_on_open = false,
    .parser_size = sizeof(struct m10_parser),
    .parser_init = m10_parser_init,
    .parse = m10_parse,
    .probe = m10_probe,
    .start = m10_start,
    .request = m10_request,
    .stop = m10_stop,
    .zero = m10_zero,
};
