/*
 * chronojump.c - the Chronojump force sensor: pure parser and I/O half; see chronojump.h.
 */
#include "drivers/chronojump.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"

#define CJ_MAX_ABS_N 20000.0
#define CJ_WRAP_WINDOW_US 10000000u /* 10 s either side of the 32-bit wrap */

void cj_parser_init(void *state)
{
    struct cj_parser *p = state;
    memset(p, 0, sizeof *p);
    drv_linebuf_init(&p->lb);
}

bool cj_is_version(const char *line)
{
    /* name-MAJOR.MINOR: letters, digits, '_' then '-' then digits '.' digits */
    const char *dash = strrchr(line, '-');
    if (!dash || dash == line)
        return false;
    for (const char *c = line; c < dash; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            return false;
    const char *v = dash + 1;
    if (!isdigit((unsigned char)*v))
        return false;
    while (isdigit((unsigned char)*v))
        v++;
    if (*v != '.' || !isdigit((unsigned char)v[1]))
        return false;
    v++;
    while (isdigit((unsigned char)*v))
        v++;
    return *v == '\0';
}

static bool parse_u32(const char *s, size_t len, uint32_t *out)
{
    if (len == 0 || len > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static uint64_t unwrap(struct cj_parser *p, uint32_t raw)
{
    if (p->have_last && raw < p->last_raw_us) {
        if (p->last_raw_us >= UINT32_MAX - CJ_WRAP_WINDOW_US && raw < CJ_WRAP_WINDOW_US)
            p->epoch_us += (uint64_t)UINT32_MAX + 1; /* the 32-bit count wrapped */
        else
            p->epoch_us = 0; /* a new capture: the count started over */
    }
    p->have_last = true;
    p->last_raw_us = raw;
    return p->epoch_us + raw;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static enum drv_parse classify(struct cj_parser *p, const char *line, size_t len, struct drv_reading *out)
{
    drv_reading_set_raw(out, line, len);
    out->unit = DRV_UNIT_N;
    const char *semi = memchr(line, ';', len);
    if (semi) {
        size_t left = (size_t)(semi - line), right = len - left - 1;
        const char *r = semi + 1;
        uint32_t t;
        if (memchr(r, ';', right) || !parse_u32(line, left, &t)) {
            out->kind = DRV_BAD;
            return DRV_SKIPPED;
        }
        if (right == 1 && (r[0] == 'R' || r[0] == 'r')) {
            out->kind = DRV_TRIGGER;
            out->trigger_rising = r[0] == 'R';
            out->has_dev_time = true;
            out->dev_time_us = unwrap(p, t);
            return DRV_GOT;
        }
        double f;
        if (!drv_parse_decimal(r, right, &f) || fabs(f) > CJ_MAX_ABS_N) {
            out->kind = DRV_BAD;
            return DRV_SKIPPED;
        }
        out->kind = DRV_SAMPLE;
        out->value = f;
        out->force_n = f;
        out->has_dev_time = true;
        out->dev_time_us = unwrap(p, t);
        return DRV_GOT;
    }
    double num;
    if (strcmp(line, "Starting capture...") == 0) {
        p->have_last = false; /* the count starts over with this capture */
        p->epoch_us = 0;
        out->kind = DRV_REPLY;
    } else if (starts_with(line, "Capture ended") || starts_with(line, "Taring OK") ||
               strcmp(line, "Tare set") == 0 || starts_with(line, "Calibrating OK") || cj_is_version(line) ||
               drv_parse_decimal(line, len, &num)) {
        out->kind = DRV_REPLY;
    } else if (strcmp(line, "Not a valid command") == 0) {
        out->kind = DRV_DEVICE_ERROR;
    } else {
        out->kind = DRV_BAD;
        return DRV_SKIPPED;
    }
    return DRV_GOT;
}

enum drv_parse cj_parse(void *state, const uint8_t *buf, size_t len, size_t *consumed, struct drv_reading *out)
{
    struct cj_parser *p = state;
    enum drv_parse r = drv_line_parse(&p->lb, buf, len, consumed, out);
    return r == DRV_GOT ? classify(p, p->lb.buf, p->lb.len, out) : r;
}

/* ---- I/O half ----------------------------------------------------------------------------- */

struct await_ctx {
    int others; /* lines that came and were not a version */
};

static bool accept_version(const char *line, void *ctx)
{
    struct await_ctx *c = ctx;
    if (cj_is_version(line))
        return true;
    c->others++;
    return false;
}

static enum st_status cj_probe(struct link *l, int timeout_ms, struct drv_ident *id, struct st_err *err)
{
    /* The board resets when the port opens and stays silent for 2-3 s: ask again every 300 ms rather
     * than sleeping a fixed time. get_version: changes nothing on the device. */
    int64_t deadline = st_now_ns() + (int64_t)timeout_ms * ST_NS_PER_MS;
    struct await_ctx ctx = {0};
    char line[DRV_LINE_MAX];
    link_flush_input(l);
    while (st_now_ns() < deadline) {
        enum st_status s = link_write_str(l, "get_version:\n", 200, err);
        if (s != ST_OK)
            return s;
        int left = st_ms_until(deadline);
        s = drv_await_line(l, line, sizeof line, left < 300 ? left : 300, accept_version, &ctx, NULL, err);
        if (s == ST_OK) {
            const char *dash = strrchr(line, '-');
            snprintf(id->model, sizeof id->model, "%.*s", (int)(dash - line), line);
            snprintf(id->firmware, sizeof id->firmware, "%.63s", line);
            id->serial[0] = '\0'; /* the firmware has no serial number: the port names the device */
            id->unit = DRV_UNIT_N;
            id->capacity_n = NAN;
            return ST_OK;
        }
        if (s == ST_ERR_DISCONNECTED)
            return s;
        /* Something that is not a Chronojump answers (another gauge's error, an echo): do not wait
         * out the whole boot time for it. A booting board says nothing at all. */
        if (ctx.others >= 2)
            return ST_ERR_NO_DEVICE;
    }
    return ctx.others ? ST_ERR_NO_DEVICE : ST_ERR_TIMEOUT;
}

static bool accept_started(const char *line, void *ctx)
{
    (void)ctx;
    return strcmp(line, "Starting capture...") == 0;
}

static enum st_status cj_start(struct drv_dev *d, struct st_err *err)
{
    cj_parser_init(d->parser);
    link_flush_input(d->link);
    enum st_status s = link_write_str(d->link, "start_capture:\n", 200, err);
    if (s != ST_OK)
        return s;
    char line[DRV_LINE_MAX];
    s = drv_await_line(d->link, line, sizeof line, 1500, accept_started, NULL, NULL, err);
    if (s == ST_ERR_TIMEOUT)
        return st_err_set(err, ST_ERR_TIMEOUT, "The force sensor on %s did not start capturing: unplug it and plug it in again",
                          link_name(d->link));
    if (s == ST_OK) {
        /* The parser must see the reply too, so its clock starts over. */
        size_t used;
        struct drv_reading r;
        static const uint8_t started[] = "Starting capture...\r\n";
        cj_parse(d->parser, started, sizeof started - 1, &used, &r);
    }
    return s;
}

static enum st_status cj_stop(struct drv_dev *d, struct st_err *err)
{
    /* Characters of end_capture: can be lost while the board streams: resend until the stream stops,
     * up to 10 times (DEVICES.md). */
    char buf[256];
    for (int i = 0; i < 10; i++) {
        enum st_status s = link_write_str(d->link, "end_capture:\n", 100, err);
        if (s != ST_OK)
            return s;
        int64_t until = st_now_ns() + 150 * ST_NS_PER_MS;
        bool data = false;
        while (st_now_ns() < until) {
            size_t got = 0;
            s = link_read(d->link, buf, sizeof buf - 1, 50, &got, err);
            if (s == ST_ERR_DISCONNECTED)
                return s;
            if (got) {
                buf[got] = '\0';
                if (strstr(buf, "Capture ended"))
                    return ST_OK;
                data = true;
            }
        }
        if (!data)
            return ST_OK; /* silence: stopped */
    }
    return st_err_set(err, ST_ERR_TIMEOUT, "The force sensor on %s does not stop capturing", link_name(d->link));
}

static bool accept_tared(const char *line, void *ctx)
{
    (void)ctx;
    return strncmp(line, "Taring OK", 9) == 0;
}

static enum st_status cj_zero(struct drv_dev *d, struct st_err *err)
{
    enum st_status s = link_write_str(d->link, "tare:\n", 200, err);
    if (s != ST_OK)
        return s;
    char line[DRV_LINE_MAX];
    s = drv_await_line(d->link, line, sizeof line, 3000, accept_tared, NULL, NULL, err);
    if (s == ST_ERR_TIMEOUT)
        return st_err_set(err, s, "The force sensor on %s did not confirm the tare", link_name(d->link));
    return s;
}

static const int cj_bauds[] = {115200, 0};

const struct drv_driver drv_chronojump = {
    .name = "chronojump",
    .title = "Chronojump force sensor (Arduino + HX711)",
    .default_baud = 115200,
    .bauds = cj_bauds,
    .nominal_rate_hz = 80,
    .device_clock = true,
    .resets_on_open = true,
    .parser_size = sizeof(struct cj_parser),
    .parser_init = cj_parser_init,
    .parse = cj_parse,
    .probe = cj_probe,
    .start = cj_start,
    .request = NULL,
    .stop = cj_stop,
    .zero = cj_zero,
};
