/*
 * test_imada.c - the Imada DS2 / DST driver: every reply in DEVICES.md split at every byte, every
 * combination of the overlapping letters (E refusal vs E overload, O lbf vs O ok), overload, unit
 * changes mid-stream, garbage, an over-long line, non-numeric fields; then the driver against its
 * emulator on a pty: probe, polling through the acquisition thread with the patient's peak arriving
 * in newtons from lbf, peak mode, zero, refusals, and the faults (unplug mid-rep, garbage, a 5 s stall,
 * a wrong baud rate) survived with every sample kept.
 */
#include <unistd.h>

#include "check.h"
#include "common/clock.h"
#include "drivers/acq.h"
#include "drivers/emu.h"
#include "drivers/imada.h"
#include "parser_util.h"

#define S(x) (const uint8_t *)(x), sizeof(x) - 1
#define LBF 4.4482216152605
#define KGF 9.80665

static struct pu_result res;

/* ---- the pure parser ---------------------------------------------------------------------- */

static void test_every_reply_every_split(void)
{
    static const char text[] = "+123.4NTO\r"  /* DEVICES.md's example */
                               "-5.20KTL\r"   /* kgf, low */
                               "+25.49KTO\r"  /* kgf, ok */
                               "+56.2OTO\r"   /* lbf, ok: O twice, in two meanings */
                               "+101.2OTH\r"  /* lbf, high */
                               "+500.0NTE\r"  /* overload */
                               "+112.4OTE\r"  /* lbf overload: O unit, E judgement */
                               "+51.00KPE\r"  /* peak mode, overload */
                               "+250.0NPO\r"  /* peak mode */
                               "R\r"          /* done */
                               "E\r"          /* refused */
                               "+0.512NTO\r"  /* a small gauge: three decimals */
                               "+112OTO\r"    /* no decimals */
                               "-0.000NTL\r";
    CHECK_INT(pu_check_all_splits(&drv_imada, S(text), &res), 0);
    REQUIRE(res.n == 14);
    CHECK_INT(res.skipped, 0);
    const struct drv_reading *r = res.r;
    CHECK_INT(r[0].kind, DRV_SAMPLE);
    CHECK_NEAR(r[0].value, 123.4, 1e-12);
    CHECK_NEAR(r[0].force_n, 123.4, 1e-12);
    CHECK_INT(r[0].unit, DRV_UNIT_N);
    CHECK(!r[0].overload);
    CHECK(!r[0].has_dev_time);
    CHECK_STR(r[0].raw, "+123.4NTO");
    CHECK_INT(r[1].kind, DRV_SAMPLE);
    CHECK_NEAR(r[1].value, -5.2, 1e-12);
    CHECK_INT(r[1].unit, DRV_UNIT_KGF);
    CHECK_NEAR(r[1].force_n, -5.2 * KGF, 1e-9);
    CHECK_NEAR(r[2].force_n, 25.49 * KGF, 1e-9);
    CHECK_INT(r[3].kind, DRV_SAMPLE);
    CHECK_INT(r[3].unit, DRV_UNIT_LBF);
    CHECK_NEAR(r[3].force_n, 56.2 * LBF, 1e-9);
    CHECK(!r[3].overload);
    CHECK_NEAR(r[4].force_n, 101.2 * LBF, 1e-9);
    CHECK(!r[4].overload);
    CHECK_INT(r[5].kind, DRV_SAMPLE);
    CHECK(r[5].overload);
    CHECK_NEAR(r[5].force_n, 500.0, 1e-12);
    CHECK_INT(r[6].kind, DRV_SAMPLE);
    CHECK(r[6].overload);
    CHECK_INT(r[6].unit, DRV_UNIT_LBF);
    CHECK_NEAR(r[6].force_n, 112.4 * LBF, 1e-9);
    /* Peak mode: the held maximum is reported, never as a sample. */
    CHECK_INT(r[7].kind, DRV_REPLY);
    CHECK(r[7].overload);
    CHECK_NEAR(r[7].force_n, 51.0 * KGF, 1e-9);
    CHECK_INT(r[8].kind, DRV_REPLY);
    CHECK_NEAR(r[8].force_n, 250.0, 1e-12);
    CHECK_INT(r[9].kind, DRV_REPLY);
    CHECK_STR(r[9].raw, "R");
    CHECK_INT(r[9].unit, DRV_UNIT_N); /* the unit of the last reading */
    CHECK_INT(r[10].kind, DRV_DEVICE_ERROR);
    CHECK_STR(r[10].raw, "E");
    CHECK(!r[10].overload);
    CHECK_NEAR(r[11].force_n, 0.512, 1e-12);
    CHECK_NEAR(r[12].force_n, 112.0 * LBF, 1e-9);
    CHECK_INT(r[13].kind, DRV_SAMPLE);
    CHECK_NEAR(r[13].force_n, 0.0, 0);
}

static void test_every_letter_combination(void)
{
    /* 3 units x 2 modes x 4 judgements; each line also split at every byte. */
    static const char units[] = "NKO", modes[] = "TP", judges[] = "LOHE";
    static const double to_n[] = {1.0, KGF, LBF};
    static const enum drv_unit uenum[] = {DRV_UNIT_N, DRV_UNIT_KGF, DRV_UNIT_LBF};
    for (int u = 0; u < 3; u++)
        for (int m = 0; m < 2; m++)
            for (int j = 0; j < 4; j++) {
                char line[32];
                int n = snprintf(line, sizeof line, "-12.5%c%c%c\r", units[u], modes[m], judges[j]);
                CHECK_INT(pu_check_all_splits(&drv_imada, (const uint8_t *)line, (size_t)n, &res), 0);
                REQUIRE(res.n == 1);
                CHECK_INT(res.r[0].kind, modes[m] == 'T' ? DRV_SAMPLE : DRV_REPLY);
                CHECK_INT(res.r[0].unit, uenum[u]);
                CHECK_NEAR(res.r[0].value, -12.5, 0);
                CHECK_NEAR(res.r[0].force_n, -12.5 * to_n[u], 1e-9);
                CHECK(res.r[0].overload == (judges[j] == 'E'));
                struct imada_fields f;
                REQUIRE(imada_reading_decode(line, (size_t)n - 1, &f));
                CHECK(f.mode == modes[m]);
                CHECK(f.judgement == judges[j]);
            }
    /* Bare letters: only R and E are answers; the others are not replies of this gauge. */
    static const char *bare[] = {"R", "E", "O", "N", "K", "T", "P", "L", "H", "D", "Z", "r", "e"};
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
        char line[8];
        int n = snprintf(line, sizeof line, "%s\r", bare[i]);
        pu_feed_chunks(&drv_imada, (const uint8_t *)line, (size_t)n, pu_chunk_all, NULL, &res);
        REQUIRE(res.n == 1);
        enum drv_kind want = i == 0 ? DRV_REPLY : i == 1 ? DRV_DEVICE_ERROR : DRV_BAD;
        if (res.r[0].kind != want)
            check_fail(__FILE__, __LINE__, "bare \"%s\": kind %d, want %d", bare[i], res.r[0].kind, want);
    }
    /* Shapes that mix the letters up. */
    static const struct {
        const char *line;
        bool reading;
    } shapes[] = {
        {"EE", false},        {"RE", false},        {"ER", false},         {"E E", false},
        {"+1.0E", false},     {"+1.0NT", false},    {"+1.0NTOE", false},   {"+1.0ETO", false},
        {"+1.0NOT", false},   {"+1.0NTR", false},   {"+1.0OOO", false},    {"+1.0EEE", false},
        {"+1.0NTo", false},   {"+1.0nto", false},   {"+1.0 NTO", false},   {"+1.0NTO ", false},
        {"NTO", false},       {"+NTO", false},      {"-NTE", false},       {"E+1.0NTO", false},
        {"+1.0OTO", true},    {"+1.0OTE", true},    {"+1.0OPE", true},     {"+1.0KTE", true},
        {"1.0NTO", true},     {" +1.0NTO", true},   {"+  1.0NTO", true},   {"+.5NTO", true},
        {"+5.NTO", true},     {"-0NTL", true},
        {"                 +1.0NTO", true},   /* 24 characters: the longest reading */
        {"                  +1.0NTO", false}, /* 25 */
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        struct imada_fields f;
        bool ok = imada_reading_decode(shapes[i].line, strlen(shapes[i].line), &f);
        if (ok != shapes[i].reading)
            check_fail(__FILE__, __LINE__, "\"%s\" decoded as %s", shapes[i].line, ok ? "a reading" : "not one");
    }
}

static void test_unit_changes_mid_stream(void)
{
    /* A steady 100 N while the therapist switches the gauge N -> kgf -> lbf -> N. */
    static const char text[] = "+100.0NTO\r"
                               "R\r"
                               "+10.20KTO\r"
                               "+10.19KTO\r"
                               "R\r"
                               "+22.5OTO\r"
                               "+22.5OTO\r"
                               "R\r"
                               "+100.1NTO\r";
    CHECK_INT(pu_check_all_splits(&drv_imada, S(text), &res), 0);
    REQUIRE(res.n == 9);
    static const enum drv_unit want[] = {DRV_UNIT_N,   DRV_UNIT_N,   DRV_UNIT_KGF, DRV_UNIT_KGF, DRV_UNIT_KGF,
                                         DRV_UNIT_LBF, DRV_UNIT_LBF, DRV_UNIT_LBF, DRV_UNIT_N};
    for (int i = 0; i < res.n; i++) {
        CHECK_INT(res.r[i].unit, want[i]);
        if (res.r[i].kind == DRV_SAMPLE)
            CHECK_NEAR(res.r[i].force_n, 100.0, 0.25); /* resolution: 0.01 kgf, 0.1 lbf */
        else
            CHECK_INT(res.r[i].kind, DRV_REPLY);
    }
    CHECK_NEAR(res.r[2].force_n, 10.20 * KGF, 1e-9);
    CHECK_NEAR(res.r[5].force_n, 22.5 * LBF, 1e-9);
}

static void test_garbage_between_lines(void)
{
    static const char text[] = "+1.0NTO\r"
                               "\x01\xff\xfe garbage\r"
                               "+2.0NTO\r"
                               "+12a.3NTO\r"  /* non-numeric */
                               "+abcNTO\r"
                               "+1.2.3NTO\r"
                               "+1,5NTO\r"
                               "+1e3NTO\r"
                               "+nanNTO\r"
                               "+infNTO\r"
                               "++1.0NTO\r"
                               "+-1.0NTO\r"
                               "+.NTO\r"
                               "+1.0NTX\r"
                               "D\r"          /* an echoed command */
                               "\x00+9.0NTO\r" /* a NUL in front */
                               "+3.0NTO\r"
                               "+4.0NTO\n"    /* LF and CRLF end lines too (tolerated) */
                               "+5.0NTO\r\n"
                               "\r\r\n"       /* empty lines are no lines */
                               "+6.0NTO\r";
    CHECK_INT(pu_check_all_splits(&drv_imada, S(text), &res), 0);
    REQUIRE(res.n == 20);
    int samples = 0;
    for (int i = 0; i < res.n; i++)
        samples += res.r[i].kind == DRV_SAMPLE;
    CHECK_INT(samples, 6);
    CHECK_INT(res.skipped, 14);
    CHECK_NEAR(res.r[0].force_n, 1.0, 0);
    CHECK_NEAR(res.r[2].force_n, 2.0, 0);
    CHECK_STR(res.r[3].raw, "+12a.3NTO"); /* the raw text is kept for the audit trail */
    CHECK_INT(res.r[15].kind, DRV_BAD);
    CHECK_INT(res.r[15].raw[0], '\0'); /* NUL-terminated even with a NUL inside */
    for (int i = 16; i < 20; i++) {
        CHECK_INT(res.r[i].kind, DRV_SAMPLE);
        CHECK_NEAR(res.r[i].force_n, i - 13.0, 0);
    }
}

static void test_line_over_any_buffer(void)
{
    static uint8_t big[DRV_LINE_MAX * 40];
    size_t n = 0;
    n += (size_t)snprintf((char *)big, sizeof big, "+1.0NTO\r");
    for (size_t i = 0; i < DRV_LINE_MAX * 30; i++)
        big[n++] = (uint8_t)("0123456789NTO+"[i % 14]);
    memcpy(big + n, "NTO\r+2.0NTO\r", 12);
    n += 12;
    CHECK_INT(pu_check_all_splits(&drv_imada, big, n, &res), 0);
    REQUIRE(res.n == 3);
    CHECK_INT(res.r[0].kind, DRV_SAMPLE);
    CHECK_INT(res.r[1].kind, DRV_BAD); /* ends like a reading, but is far too long to be one */
    CHECK_INT(strlen(res.r[1].raw), DRV_RAW_MAX - 1);
    CHECK_INT(res.r[2].kind, DRV_SAMPLE);
    CHECK_NEAR(res.r[2].force_n, 2.0, 0);
    CHECK_INT(res.skipped, 1);
}

static void test_parser_state(void)
{
    /* The I/O half counts answered requests by complete lines; the unit and mode follow the readings. */
    struct imada_parser p;
    imada_parser_init(&p);
    CHECK_INT(p.unit, DRV_UNIT_UNKNOWN);
    CHECK_INT(p.mode, 0);
    static const uint8_t text[] = "+1.0OPO\rR\rjunk\r+2.0KT";
    size_t off = 0, used = 0;
    struct drv_reading r;
    int got = 0;
    while (off < sizeof text - 1) {
        enum drv_parse x = imada_parse(&p, text + off, sizeof text - 1 - off, &used, &r);
        off += used;
        got += x != DRV_NEED_MORE;
    }
    CHECK_INT(got, 3);
    CHECK_INT(p.lines, 3);
    CHECK_INT(p.unit, DRV_UNIT_LBF);
    CHECK_INT(p.mode, 'P');
    CHECK_INT(imada_parse(&p, (const uint8_t *)"O\r", 2, &used, &r), DRV_GOT);
    CHECK_INT(p.lines, 4);
    CHECK_INT(p.unit, DRV_UNIT_KGF);
    CHECK_INT(p.mode, 'T');
    CHECK_NEAR(r.force_n, 2.0 * KGF, 1e-9);
}

/* ---- against the emulator ----------------------------------------------------------------- */

#include "acq_util.h"

static struct emu_opts imada_opts(struct emu_patient p, const char *unit)
{
    struct emu_opts o = emu_opts_default("imada");
    o.patient = p;
    o.unit = unit;
    return o;
}

/* Polls d directly (request, read, parse) for seconds; keeps every non-empty parse result. */
static int poll_dev(struct drv_dev *d, double seconds, struct drv_reading *out, int cap)
{
    int n = 0;
    struct st_err err;
    int64_t end = st_now_ns() + (int64_t)(seconds * 1e9);
    while (st_now_ns() < end) {
        if (d->drv->request(d, &err) != ST_OK)
            break;
        uint8_t buf[512];
        size_t len = 0;
        enum st_status s = link_read(d->link, buf, sizeof buf, 20, &len, &err);
        if (s == ST_ERR_DISCONNECTED)
            break;
        size_t off = 0;
        while (off < len) {
            size_t used = 0;
            struct drv_reading r;
            enum drv_parse p = d->drv->parse(d->parser, buf + off, len - off, &used, &r);
            off += used;
            if (p != DRV_NEED_MORE && n < cap)
                out[n++] = r;
        }
    }
    return n;
}

/* Polls d for 0.2 s into rd[n..], and on until more than three samples in unit u came (a loaded
 * machine polls slower; up to 4 s). Returns the new count. */
static int poll_until_unit(struct drv_dev *d, struct drv_reading *rd, int n, enum drv_unit u)
{
    int from = n, seen = 0;
    for (int w = 0; w < 20 && seen <= 3 && n < 4096 - 2048; w++) {
        n += poll_dev(d, 0.2, rd + n, 2048);
        seen = 0;
        for (int i = from; i < n; i++)
            seen += rd[i].kind == DRV_SAMPLE && rd[i].unit == u;
    }
    return n;
}

static void test_wire_time(void)
{
    /* The emulator answers no faster than the bytes can cross a 19200-baud line plus 2 ms of
     * processing: a lower bound, which a busy machine can only make longer. */
    struct emu_opts o = imada_opts(acq_patient_quiet(100, 0, 1.0), "N");
    struct emu *e = acq_emu_start("im-wire", o);
    struct link *l = NULL;
    struct st_err err;
    struct link_cfg cfg = {.baud = 19200};
    CHECK_OK(link_open(emu_port(e), &cfg, &l, &err), &err);
    REQUIRE(l);
    double min_ms = 1e9;
    char line[64];
    for (int i = 0; i < 10; i++) {
        int64_t t0 = st_now_ns();
        CHECK_OK(link_write_str(l, "D\r", 100, &err), &err);
        CHECK_OK(link_read_line(l, line, sizeof line, 500, &err), &err);
        double ms = (double)(st_now_ns() - t0) / 1e6;
        min_ms = ms < min_ms ? ms : min_ms;
    }
    struct imada_fields f;
    CHECK(imada_reading_decode(line, strlen(line), &f));
    /* "D\r" (2 bytes) + "+0.0NTL\r" (8 bytes) at 10 bits a byte = 5.2 ms, + 2 ms processing */
    CHECK(min_ms >= 7.2);
    /* Unknown commands, and more than one letter, are refused. */
    static const char *bad[] = {"X\r", "DX\r", "d\r", "get_version:\r", "?\r"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_OK(link_write_str(l, bad[i], 100, &err), &err);
        CHECK_OK(link_read_line(l, line, sizeof line, 500, &err), &err);
        CHECK_STR(line, "E");
    }
    link_close(l);
    emu_stop(e);
}

static void test_slow_refresh_repeats_values(void)
{
    /* A gauge that refreshes its reading 10 times a second, polled at the round trip's pace: the
     * value changes at most 10 times a second, the repeats are kept as samples. */
    struct emu_opts o = imada_opts(acq_patient_quiet(250, 1, 0), "N");
    o.rate_hz = 10;
    struct emu *e = acq_emu_start("im-slow", o);
    struct drv_dev *d = acq_dev_open(&drv_imada, emu_port(e), 0, 1000);
    struct st_err err;
    CHECK_OK(d->drv->start(d, &err), &err);
    static struct drv_reading rd[8192];
    int64_t t0 = st_now_ns();
    int n = 0, samples = 0, changes = 0;
    double prev = NAN, span_s = 0;
    /* Poll until the ramp has been seen to change twice and values to repeat (0.5 s on an idle
     * machine; a loaded one answers slower - an emulator that sleeps until its reply is due, rather
     * than spinning, wakes late there - so wait for what is looked for, up to 5 s), counting as we go. */
    while ((changes < 2 || samples <= changes + 5) && span_s < 5.0 && n < 8192 - 2048) {
        int k = poll_dev(d, 0.5, rd + n, 2048);
        for (int i = n; i < n + k; i++) {
            if (rd[i].kind != DRV_SAMPLE)
                continue;
            samples++;
            changes += !isnan(prev) && rd[i].force_n != prev;
            prev = rd[i].force_n;
        }
        n += k;
        span_s = (double)(st_now_ns() - t0) / 1e9;
    }
    CHECK(changes >= 2);                        /* the ramp is seen */
    CHECK(changes <= (int)(span_s * 10.0) + 2); /* but no faster than the gauge refreshes */
    CHECK(samples > changes + 5);               /* polling faster than that repeats values */
    drv_dev_close(d);
    emu_stop(e);
}

static void test_not_mistaken_for_another_device(void)
{
    /* A Chronojump board answers `D` with "Not a valid command": not an Imada, and nothing but the
     * read-only `D` (and a bare CR) was written to it. */
    struct emu_opts o = emu_opts_default("chronojump");
    o.boot_s = 0;
    o.baud = 19200; /* so that it hears the station at all */
    struct emu *e = acq_emu_start("im-cj", o);
    struct drv_dev *d = NULL;
    struct st_err err;
    enum st_status s = drv_dev_open(&drv_imada, emu_port(e), 0, 700, &d, &err);
    CHECK_INT(s, ST_ERR_NO_DEVICE);
    CHECK(d == NULL);
    CHECK(strstr(err.msg, emu_port(e)) != NULL);
    struct emu_stats es;
    emu_get_stats(e, &es);
    CHECK(es.lines_in >= 1);
    CHECK(!es.streaming);
    emu_stop(e);
}

static void test_probe_and_stream_in_lbf(void)
{
    struct emu_opts o = imada_opts(acq_patient_quiet(250, 1, 0.3), "lbF");
    struct emu *e = acq_emu_start("im0", o);

    /* The probe alone: names the family and model, the unit the gauge is set to. */
    struct drv_dev *d = acq_dev_open(&drv_imada, emu_port(e), 0, 1000);
    CHECK_STR(d->ident.family, "imada");
    CHECK_STR(d->ident.model, "DS2/DST");
    CHECK_STR(d->ident.firmware, "real-time mode");
    CHECK_STR(d->ident.serial, "");
    CHECK_INT(d->ident.unit, DRV_UNIT_LBF);
    CHECK_NAN(d->ident.capacity_n);
    CHECK_INT(d->ident.baud, 19200);
    drv_dev_close(d);

    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_imada, .channel = 2};
    struct acq_status st;
    struct emu_stats es; /* what was sent by then must all arrive */
    acq_stream(e, &cfg, 3.0, 3, "imada", &st, &es);
    emu_stop(e);

    CHECK_INT(st.ident.unit, DRV_UNIT_LBF);
    CHECK(n_got > 50); /* polling for 3 s; the rate itself is measured, not asserted */
    /* Every reading the gauge formed arrived (less the two probes' and start's `D`, answered
     * outside the acquisition). */
    CHECK(n_got + 3 >= es.samples_sent);
    double peak = acq_got_in_order(2);
    int bad_flags = 0;
    for (size_t i = 0; i < n_got; i++)
        bad_flags += (got[i].flags & (ST_SAMPLE_DEVICE_TIME | ST_SAMPLE_SATURATED | ST_SAMPLE_GAP)) != 0;
    /* 250 N on a gauge set to lbf with 0.1 lbf resolution: 56.2 lbf, back in newtons. */
    CHECK_NEAR(peak, round(250.0 / LBF * 10.0) / 10.0 * LBF, 1e-9);
    CHECK_NEAR(es.max_force_n, 250.0, 1e-9);
    CHECK_INT(bad_flags, 0);
    CHECK(st.rate_hz > 0);
}

static void test_modes_units_zero_and_rate_cap(void)
{
    /* A steady 100 N (a traced patient), the gauge left in peak mode by the clinic. */
    struct emu_patient p = acq_patient_100n();
    struct emu_opts o = imada_opts(p, "N");
    struct emu *e = acq_emu_start("im1", o);
    struct drv_dev *d = acq_dev_open(&drv_imada, emu_port(e), 0, 1000);
    struct st_err err;
    CHECK_STR(d->ident.firmware, "real-time mode");
    /* The clinic puts the gauge in peak mode (the emulator, like an Arduino, powers up afresh on each
     * open of its port, so this is done on the open link). The probe says so in words. */
    char line[64];
    /* A reading the open's probe asked for may still be on its way on a loaded machine (it was
     * seen: "+100.0NTO" before the "R"): the answer to P is the first "R" after it. */
    CHECK_OK(link_write_str(d->link, "P\r", 100, &err), &err);
    for (int i = 0; i < 4; i++) {
        CHECK_OK(link_read_line(d->link, line, sizeof line, 500, &err), &err);
        if (line[0] != '+' && line[0] != '-')
            break;
    }
    CHECK_STR(line, "R");
    struct drv_ident id;
    memset(&id, 0, sizeof id);
    CHECK_OK(d->drv->probe(d->link, 1000, &id, &err), &err);
    CHECK(strstr(id.firmware, "peak mode") != NULL);
    CHECK_STR(id.model, "DS2/DST");
    CHECK_OK(d->drv->start(d, &err), &err);
    CHECK(d->polling);
    static struct drv_reading rd[4096];
    int n = poll_dev(d, 0.25, rd, 4096);
    int samples = 0;
    for (int i = 0; i < n; i++) {
        if (rd[i].kind != DRV_SAMPLE)
            continue;
        samples++;
        CHECK_INT(rd[i].unit, DRV_UNIT_N);
        CHECK_NEAR(rd[i].force_n, 100.0, 1e-9);
    }
    CHECK(samples > 3); /* start switched the gauge to real time */

    /* Mid-stream unit changes: kgf, then lbf. Every sample stays 100 N within the resolution. */
    struct imada_parser *ps = d->parser;
    CHECK_OK(link_write_str(d->link, "K\r", 100, &err), &err);
    n = poll_until_unit(d, rd, 0, DRV_UNIT_KGF);
    CHECK_OK(link_write_str(d->link, "O\r", 100, &err), &err);
    n = poll_until_unit(d, rd, n, DRV_UNIT_LBF);
    int replies = 0, kgf = 0, lbf = 0, other = 0;
    for (int i = 0; i < n; i++) {
        if (rd[i].kind == DRV_REPLY && strcmp(rd[i].raw, "R") == 0) {
            replies++;
            continue;
        }
        if (rd[i].kind != DRV_SAMPLE) {
            other++;
            continue;
        }
        kgf += rd[i].unit == DRV_UNIT_KGF;
        lbf += rd[i].unit == DRV_UNIT_LBF;
        if (rd[i].unit == DRV_UNIT_KGF)
            CHECK_NEAR(rd[i].force_n, 10.20 * KGF, 1e-9);
        else if (rd[i].unit == DRV_UNIT_LBF)
            CHECK_NEAR(rd[i].force_n, 22.5 * LBF, 1e-9);
        else
            CHECK_NEAR(rd[i].force_n, 100.0, 1e-9);
    }
    CHECK_INT(replies, 2);
    CHECK_INT(other, 0);
    CHECK(kgf > 3);
    CHECK(lbf > 3);
    CHECK_INT(ps->unit, DRV_UNIT_LBF);

    /* An unknown command is refused with E, seen as a device error. */
    CHECK_OK(link_write_str(d->link, "X\r", 100, &err), &err);
    /* its E comes among the readings: poll until it does (a loaded machine delays it past 0.1 s) */
    int dev_err = 0;
    for (int w = 0; w < 20 && dev_err == 0; w++) {
        n = poll_dev(d, 0.1, rd, 4096);
        for (int i = 0; i < n; i++)
            dev_err += rd[i].kind == DRV_DEVICE_ERROR;
    }
    CHECK_INT(dev_err, 1);

    /* stop() puts the gauge back in peak mode; zero answers R; start() switches to real time again. */
    CHECK_OK(d->drv->stop(d, &err), &err);
    CHECK(!d->polling);
    CHECK_OK(link_write_str(d->link, "D\r", 100, &err), &err);
    CHECK_OK(link_read_line(d->link, line, sizeof line, 500, &err), &err);
    struct imada_fields f = {0};
    CHECK(imada_reading_decode(line, strlen(line), &f));
    CHECK_INT(f.mode, 'P');
    CHECK_OK(d->drv->zero(d, &err), &err);
    CHECK_OK(d->drv->start(d, &err), &err);
    /* A capped polling rate: 20 a second at most (a busy machine can only make it slower). */
    d->rate_hz = 20;
    n = poll_dev(d, 0.5, rd, 4096);
    samples = 0;
    for (int i = 0; i < n; i++) {
        if (rd[i].kind != DRV_SAMPLE)
            continue;
        samples++;
        CHECK_NEAR(rd[i].force_n, 0.0, 1e-9); /* zeroed at 100 N */
        CHECK_INT(rd[i].unit, DRV_UNIT_LBF);
    }
    CHECK(samples >= 1);
    CHECK(samples <= 12);
    CHECK_OK(d->drv->stop(d, &err), &err); /* restores peak mode once more */
    CHECK_OK(link_write_str(d->link, "D\r", 100, &err), &err);
    CHECK_OK(link_read_line(d->link, line, sizeof line, 500, &err), &err);
    f.mode = 0;
    CHECK(imada_reading_decode(line, strlen(line), &f));
    CHECK_INT(f.mode, 'P');
    drv_dev_close(d);
    emu_stop(e);
}

static void test_overload_marks_saturation(void)
{
    /* 100 N on a 50 N gauge: it shows its full scale with the E judgement. */
    struct emu_patient p = acq_patient_100n();
    struct emu_opts o = imada_opts(p, "kgF");
    o.capacity_n = 50;
    struct emu *e = acq_emu_start("im2", o);
    struct st_ring ring;
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_imada};
    struct acq *a = acq_begin(&ring, &cfg);
    run_for(&ring, a, 0.4, NULL);
    acq_stop(a);
    emu_stop(e);
    CHECK(n_got > 3);
    int unsat = 0;
    for (size_t i = 0; i < n_got; i++) {
        unsat += !(got[i].flags & ST_SAMPLE_SATURATED);
        CHECK_NEAR(got[i].force_n, 5.099 * KGF, 1e-9); /* 50 N in kgf, 3 decimals on a 50 N gauge */
    }
    CHECK_INT(unsat, 0);
}

static void test_unplug_and_replug(void)
{
    struct emu_patient p = emu_patient_default(300, 0);
    p.start_delay_s = 0.2;
    struct emu_opts o = imada_opts(p, "kgF");
    struct emu *e = acq_emu_start("im3", o);
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_imada, .reconnect_ms = 200};
    acq_unplug_case(e, &cfg, 100, NULL); /* above 100 N: in newtons, from kgf */
}

static void test_garbage_stall_and_wrong_baud(void)
{
    struct emu_opts o = imada_opts(emu_patient_default(100, 0), "N");
    struct emu *e = acq_emu_start("im4", o);
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_imada, .reconnect_ms = 200};
    acq_fault_case(e, &cfg, 9600, 19200); /* polled: the gauge hears `D` garbled at 9600 */
}

int main(void)
{
    CHECK_RUN(test_every_reply_every_split);
    CHECK_RUN(test_every_letter_combination);
    CHECK_RUN(test_unit_changes_mid_stream);
    CHECK_RUN(test_garbage_between_lines);
    CHECK_RUN(test_line_over_any_buffer);
    CHECK_RUN(test_parser_state);
    CHECK_RUN(test_wire_time);
    CHECK_RUN(test_slow_refresh_repeats_values);
    CHECK_RUN(test_not_mistaken_for_another_device);
    CHECK_RUN(test_probe_and_stream_in_lbf);
    CHECK_RUN(test_modes_units_zero_and_rate_cap);
    CHECK_RUN(test_overload_marks_saturation);
    CHECK_RUN(test_unplug_and_replug);
    CHECK_RUN(test_garbage_stall_and_wrong_baud);
    return check_done();
}
