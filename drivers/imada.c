/*
 * imada.c - Imada DS2 / DST force gauges: the pure parser of `D` replies and `R` / `E` answers, and
 * the I/O half that polls with `D` (the protocol has no streaming); see imada.h for every protocol
 * fact and tolerant reading this relies on.
 *
 * The parser decides by the shape of the whole line because the protocol's letters overlap: `E` is a
 * refusal on its own and the overload judgement at the end of a reading, `O` is lbf in the unit
 * position and "ok" in the judgement position.
 */
#include "drivers/imada.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"

/* ---- pure parser -------------------------------------------------------------------------- */

void imada_parser_init(void *state)
{
    struct imada_parser *p = state;
    memset(p, 0, sizeof *p);
    drv_linebuf_init(&p->lb);
    p->unit = DRV_UNIT_UNKNOWN;
}

static enum drv_unit unit_of_letter(char c)
{
    switch (c) {
    case 'N': return DRV_UNIT_N;
    case 'K': return DRV_UNIT_KGF;
    case 'O': return DRV_UNIT_LBF;
    default: return DRV_UNIT_UNKNOWN;
    }
}

bool imada_reading_decode(const char *s, size_t len, struct imada_fields *f)
{
    /* number, then exactly three letters: unit, mode, judgement */
    if (len < 4 || len > IMADA_READING_MAX)
        return false;
    const char *letters = s + len - 3;
    enum drv_unit unit = unit_of_letter(letters[0]);
    if (unit == DRV_UNIT_UNKNOWN)
        return false;
    if (letters[1] != 'T' && letters[1] != 'P')
        return false;
    if (letters[2] == '\0' || !strchr("LOHE", letters[2]))
        return false;
    size_t i = 0, end = len - 3;
    while (i < end && s[i] == ' ') /* fixed-width padding (tolerated) */
        i++;
    double sign = 1.0;
    if (i < end && (s[i] == '+' || s[i] == '-')) {
        sign = s[i] == '-' ? -1.0 : 1.0;
        i++;
        while (i < end && s[i] == ' ')
            i++;
    }
    /* The magnitude: digits with an optional point; no second sign, no exponent, no spaces. */
    if (i >= end || !(isdigit((unsigned char)s[i]) || s[i] == '.'))
        return false;
    double v;
    if (!drv_parse_decimal(s + i, end - i, &v))
        return false;
    f->value = sign * v;
    f->unit = unit;
    f->mode = letters[1];
    f->judgement = letters[2];
    return true;
}

static enum drv_parse classify(struct imada_parser *p, const char *line, size_t len, struct drv_reading *out)
{
    drv_reading_set_raw(out, line, len);
    out->unit = p->unit;
    if (len == 1 && line[0] == 'R') {
        out->kind = DRV_REPLY;
        return DRV_GOT;
    }
    if (len == 1 && line[0] == 'E') {
        out->kind = DRV_DEVICE_ERROR;
        return DRV_GOT;
    }
    struct imada_fields f;
    if (!imada_reading_decode(line, len, &f)) {
        out->kind = DRV_BAD;
        return DRV_SKIPPED;
    }
    p->unit = f.unit;
    p->mode = f.mode;
    out->unit = f.unit;
    out->value = f.value;
    out->force_n = f.value * drv_unit_to_n(f.unit);
    out->overload = f.judgement == 'E';
    /* A held peak is not the force now: it never enters a force-time curve. */
    out->kind = f.mode == 'T' ? DRV_SAMPLE : DRV_REPLY;
    return DRV_GOT;
}

enum drv_parse imada_parse(void *state, const uint8_t *buf, size_t len, size_t *consumed,
                           struct drv_reading *out)
{
    struct imada_parser *p = state;
    enum drv_parse r = drv_line_parse(&p->lb, buf, len, consumed, out);
    if (r == DRV_NEED_MORE)
        return r;
    p->lines++;
    if (r == DRV_SKIPPED)
        out->unit = p->unit;
    return r == DRV_GOT ? classify(p, p->lb.buf, p->lb.len, out) : r;
}

/* ---- I/O half ----------------------------------------------------------------------------- */

struct reading_ctx {
    bool any; /* a line came that was not a reading */
    struct imada_fields f;
};

static bool accept_reading(const char *line, void *ctx)
{
    struct reading_ctx *c = ctx;
    if (imada_reading_decode(line, strlen(line), &c->f))
        return true;
    c->any = true;
    return false;
}

static bool accept_answer(const char *line, void *ctx)
{
    (void)ctx;
    return strcmp(line, "R") == 0 || strcmp(line, "E") == 0;
}

/* Sends `D` (after prefix) and waits for a reading, asking again every 300 ms until timeout_ms. */
static enum st_status read_once(struct link *l, const char *first, int timeout_ms, struct reading_ctx *ctx,
                                struct st_err *err)
{
    int64_t deadline = st_now_ns() + (int64_t)timeout_ms * ST_NS_PER_MS;
    char line[DRV_LINE_MAX];
    const char *cmd = first;
    while (st_now_ns() < deadline) {
        enum st_status s = link_write_str(l, cmd, 200, err);
        if (s != ST_OK)
            return s;
        cmd = "D\r";
        int left = st_ms_until(deadline);
        s = drv_await_line(l, line, sizeof line, left < 300 ? left : 300, accept_reading, ctx, NULL, err);
        if (s == ST_OK || s == ST_ERR_DISCONNECTED)
            return s;
    }
    return ST_ERR_TIMEOUT;
}

static enum st_status im_probe(struct link *l, int timeout_ms, struct drv_ident *id, struct st_err *err)
{
    /* A bare CR first: it ends whatever another family's probe left in the gauge's command buffer
     * (it is no command, so it changes nothing); then `D`, which only reads. */
    struct reading_ctx ctx = {0};
    link_flush_input(l);
    enum st_status s = read_once(l, "\rD\r", timeout_ms, &ctx, err);
    if (s == ST_ERR_TIMEOUT && ctx.any)
        return st_err_set(err, ST_ERR_NO_DEVICE, "The device on %s answers, but not like an Imada gauge: its "
                          "answer to a reading request (D) is not a reading", link_name(l));
    if (s == ST_ERR_TIMEOUT)
        return st_err_set(err, s, "Nothing answered a reading request (D) on %s", link_name(l));
    if (s != ST_OK)
        return s;
    snprintf(id->model, sizeof id->model, "DS2/DST");
    if (ctx.f.mode == 'P')
        snprintf(id->firmware, sizeof id->firmware, "peak mode: switched to real time while measuring");
    else
        snprintf(id->firmware, sizeof id->firmware, "real-time mode");
    id->serial[0] = '\0'; /* none in the protocol: the port names the device */
    id->unit = ctx.f.unit;
    id->capacity_n = NAN; /* not in the protocol; the E judgement marks overload */
    return ST_OK;
}

static enum st_status command(struct drv_dev *d, const char *cmd, int timeout_ms, char *answer, size_t cap,
                              struct st_err *err)
{
    enum st_status s = link_write_str(d->link, cmd, 200, err);
    if (s != ST_OK)
        return s;
    return drv_await_line(d->link, answer, cap, timeout_ms, accept_answer, NULL, NULL, err);
}

static enum st_status im_start(struct drv_dev *d, struct st_err *err)
{
    struct imada_parser *p = d->parser;
    link_flush_input(d->link);
    struct reading_ctx ctx = {0};
    enum st_status s = read_once(d->link, "D\r", 1000, &ctx, err);
    if (s == ST_ERR_TIMEOUT)
        return st_err_set(err, s, "The Imada gauge on %s does not answer: check that it is switched on and the "
                          "cable is in", link_name(d->link));
    if (s != ST_OK)
        return s;
    if (ctx.f.mode == 'P') {
        char ans[DRV_LINE_MAX];
        s = command(d, "T\r", 500, ans, sizeof ans, err);
        if (s == ST_ERR_TIMEOUT)
            return st_err_set(err, s, "The Imada gauge on %s did not leave peak mode: set it to real-time mode "
                              "on its keypad", link_name(d->link));
        if (s != ST_OK)
            return s;
        if (strcmp(ans, "R") != 0)
            return st_err_set(err, ST_ERR_DEVICE, "The Imada gauge on %s refuses to leave peak mode: set it to "
                              "real-time mode on its keypad", link_name(d->link));
        if (!p->io.switched_to_rt)
            ST_WARN("imada", "the gauge on %s was in peak mode: switched to real time for the measurement",
                    link_name(d->link));
        p->io.switched_to_rt = true;
        ctx.f.mode = 'T';
    }
    drv_linebuf_init(&p->lb); /* the exchanges above went around the parser */
    p->unit = ctx.f.unit;
    p->mode = ctx.f.mode;
    p->io.pending = false;
    p->io.next_switch_ns = 0;
    d->polling = true;
    return ST_OK;
}

static enum st_status im_request(struct drv_dev *d, struct st_err *err)
{
    struct imada_parser *p = d->parser;
    int64_t now = st_now_ns();
    if (p->io.pending && p->lines < p->io.lines_at_send + p->io.expect &&
        now - p->io.sent_ns < IMADA_REPLY_TIMEOUT_MS * ST_NS_PER_MS)
        return ST_OK; /* the answer is on its way */
    if (d->rate_hz > 0 && p->io.sent_ns > 0) {
        int64_t due = p->io.sent_ns + ST_NS_PER_S / d->rate_hz;
        if (now < due) {
            int64_t wait = due - now;
            st_sleep_ns(wait < 50 * ST_NS_PER_MS ? wait : 50 * ST_NS_PER_MS);
            now = st_now_ns();
            if (now < due)
                return ST_OK; /* slow rates: the next call sends */
        }
    }
    const char *cmd = "D\r";
    unsigned expect = 1;
    if (p->mode == 'P' && now >= p->io.next_switch_ns) {
        /* Someone put the gauge in peak mode while measuring: its readings are not the force now. */
        ST_WARN("imada", "the gauge on %s went into peak mode: switching it back to real time",
                link_name(d->link));
        cmd = "T\rD\r";
        expect = 2;
        p->io.next_switch_ns = now + ST_NS_PER_S;
        p->io.switched_to_rt = true;
    }
    enum st_status s = link_write_str(d->link, cmd, 100, err);
    if (s != ST_OK)
        return s;
    p->io.pending = true;
    p->io.lines_at_send = p->lines;
    p->io.expect = expect;
    p->io.sent_ns = now;
    return ST_OK;
}

static enum st_status im_stop(struct drv_dev *d, struct st_err *err)
{
    struct imada_parser *p = d->parser;
    d->polling = false;
    char line[DRV_LINE_MAX];
    enum st_status s = ST_OK;
    /* Let the last answer arrive, then drop it: left on the line it would be read as the answer to
     * the P below. On a loaded machine it can take far longer than the gauge's own few ms (a test
     * saw it arrive after 60 ms), so wait up to half a second for it; a gauge that answers sooner
     * costs nothing more. */
    if (p->io.pending && p->lines < p->io.lines_at_send + p->io.expect)
        s = drv_await_line(d->link, line, sizeof line, 500, NULL, NULL, NULL, NULL);
    p->io.pending = false;
    if (s == ST_ERR_DISCONNECTED)
        return st_err_set(err, s, "The Imada gauge on %s was disconnected", link_name(d->link));
    link_flush_input(d->link);
    drv_linebuf_init(&p->lb);
    if (p->io.switched_to_rt) {
        /* Leave the gauge in the peak mode the clinic had set. */
        p->io.switched_to_rt = false;
        s = command(d, "P\r", 200, line, sizeof line, err);
        if (s == ST_OK && strcmp(line, "R") != 0)
            s = st_err_set(err, ST_ERR_DEVICE, "The Imada gauge on %s did not go back to peak mode",
                           link_name(d->link));
    }
    return s;
}

static enum st_status im_zero(struct drv_dev *d, struct st_err *err)
{
    link_flush_input(d->link);
    char ans[DRV_LINE_MAX];
    enum st_status s = command(d, "Z\r", 1000, ans, sizeof ans, err);
    if (s == ST_ERR_TIMEOUT)
        return st_err_set(err, s, "The Imada gauge on %s did not confirm the zero", link_name(d->link));
    if (s != ST_OK)
        return s;
    if (strcmp(ans, "R") != 0)
        return st_err_set(err, ST_ERR_DEVICE, "The Imada gauge on %s refused to zero: take the load off the "
                          "gauge and zero it again", link_name(d->link));
    return ST_OK;
}

static const int im_bauds[] = {19200, 0};

const struct drv_driver drv_imada = {
    .name = "imada",
    .title = "Imada DS2 / DST force gauge",
    .default_baud = 19200,
    .bauds = im_bauds,
    .nominal_rate_hz = 100,
    .device_clock = false,
    .resets_on_open = false,
    .parser_size = sizeof(struct imada_parser),
    .parser_init = imada_parser_init,
    .parse = imada_parse,
    .probe = im_probe,
    .start = im_start,
    .request = im_request,
    .stop = im_stop,
    .zero = im_zero,
};
