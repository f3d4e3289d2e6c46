/*
 * test_loadstar.c - the Loadstar DI-1000U / DI-100U family: the parser with every reply DEVICES.md
 * lists (each split at every byte and in random chunks), error replies, unit changes mid-stream,
 * garbage, an over-long line and non-numeric fields; then the driver against its emulator on a pty:
 * the probe names the device, the whole pipeline (emulator -> pty -> link -> parser -> acquisition ->
 * ring) gives the patient's peak in newtons through the device's unit, at the DI-1000U's and the UHS
 * model's rates, saturation at the LC capacity, and a pulled cable, garbage, a stall and a wrong baud
 * rate survived with every sample kept.
 */
#include <unistd.h>

#include "check.h"
#include "common/clock.h"
#include "drivers/acq.h"
#include "drivers/emu.h"
#include "drivers/loadstar.h"
#include "parser_util.h"

#define S(x) (const uint8_t *)(x), sizeof(x) - 1
#define LBF 4.4482216152605
#define KGF 9.80665
#define OZF 0.27801385095378

static struct pu_result res;

/* ---- parser ------------------------------------------------------------------------------- */

static void test_every_reply_every_split(void)
{
    /* A session as the wire carries it: handshake, the probe's queries, a tare, W, a WC stream
     * (DI-1000U and UHS %12.4f shapes), every unit, an error. */
    static const char text[] = "A\r\n"
                               "FCM DI-1000\r\n"
                               "FCM DI-100\r\n"
                               "DI1000U-125261\r\n"
                               "lbf\r\n"
                               "250.000\r\n" /* LC: a bare number, so it reads as a sample */
                               "Tared\r\n"
                               "12.345\r\n"
                               "     56.2022\r\n"
                               "    -12.3456\r\n"
                               "      0.0000\r\n"
                               "kgf\r\n"
                               "N\r\n"
                               "kN\r\n"
                               "oz\r\n"
                               "?\r\n"
                               "A\r\n";
    CHECK_INT(pu_check_all_splits(&drv_loadstar, S(text), &res), 0);
    REQUIRE(res.n == 17);
    static const enum drv_kind kinds[] = {DRV_REPLY,        DRV_REPLY, DRV_REPLY,  DRV_REPLY,  DRV_REPLY,
                                          DRV_SAMPLE,       DRV_REPLY, DRV_SAMPLE, DRV_SAMPLE, DRV_SAMPLE,
                                          DRV_SAMPLE,       DRV_REPLY, DRV_REPLY,  DRV_REPLY,  DRV_REPLY,
                                          DRV_DEVICE_ERROR, DRV_REPLY};
    for (int i = 0; i < 17; i++)
        CHECK_INT(res.r[i].kind, kinds[i]);
    CHECK_INT(res.skipped, 0);
    CHECK_STR(res.r[1].raw, "FCM DI-1000");
    CHECK_STR(res.r[3].raw, "DI1000U-125261");
    CHECK_INT(res.r[4].unit, DRV_UNIT_LBF);
    CHECK_NEAR(res.r[5].value, 250.0, 0);
    CHECK_NEAR(res.r[5].force_n, 250.0 * LBF, 1e-9);
    CHECK(!res.r[5].overload); /* no overload marker: saturation is the acquisition's, from LC */
    CHECK_NEAR(res.r[7].force_n, 12.345 * LBF, 1e-9);
    CHECK_INT(res.r[7].unit, DRV_UNIT_LBF);
    CHECK_NEAR(res.r[8].value, 56.2022, 1e-12);
    CHECK_NEAR(res.r[8].force_n, 56.2022 * LBF, 1e-9);
    CHECK_STR(res.r[8].raw, "     56.2022"); /* the raw text as received, for the audit trail */
    CHECK_NEAR(res.r[9].force_n, -12.3456 * LBF, 1e-9);
    CHECK_NEAR(res.r[10].force_n, 0.0, 0);
    CHECK_INT(res.r[11].unit, DRV_UNIT_KGF);
    CHECK_INT(res.r[12].unit, DRV_UNIT_N);
    CHECK_INT(res.r[13].unit, DRV_UNIT_KN);
    CHECK_INT(res.r[14].unit, DRV_UNIT_OZF);
    for (int i = 0; i < 17; i++)
        CHECK(!res.r[i].has_dev_time); /* the device has no clock */
}

static void test_unit_changes_mid_stream(void)
{
    /* The same 10 N (or thereabouts) in every unit the device can be set to: the newtons stay right.
     * LB and Kg are older firmware's spellings (public host software). */
    static const char text[] = "N\r\n10.000\r\n"
                               "lbf\r\n10.000\r\n"
                               "kgf\r\n10.000\r\n"
                               "kN\r\n0.010\r\n"
                               "oz\r\n160.000\r\n"
                               "LB\r\n1.000\r\n"
                               "Kg\r\n1.000\r\n"
                               "N\r\n-3.500\r\n";
    CHECK_INT(pu_check_all_splits(&drv_loadstar, S(text), &res), 0);
    REQUIRE(res.n == 16);
    static const double want[] = {10.0, 10.0 * LBF, 10.0 * KGF, 10.0, 160.0 * OZF, LBF, KGF, -3.5};
    static const enum drv_unit units[] = {DRV_UNIT_N,   DRV_UNIT_LBF, DRV_UNIT_KGF, DRV_UNIT_KN,
                                          DRV_UNIT_OZF, DRV_UNIT_LBF, DRV_UNIT_KGF, DRV_UNIT_N};
    for (int i = 0; i < 8; i++) {
        CHECK_INT(res.r[2 * i].kind, DRV_REPLY);
        CHECK_INT(res.r[2 * i + 1].kind, DRV_SAMPLE);
        CHECK_INT(res.r[2 * i + 1].unit, units[i]);
        CHECK_NEAR(res.r[2 * i + 1].force_n, want[i], 1e-9);
    }
}

static void test_unit_unknown_is_never_guessed(void)
{
    /* Before any unit is known a bare number is not a reading; a number with its unit is. */
    static const char text[] = "12.500\r\n12.5 lbf\r\n  3.000\tN \r\nkgf\r\n2.000\r\n4.0 kN\r\n2.000\r\n";
    CHECK_INT(pu_check_all_splits(&drv_loadstar, S(text), &res), 0);
    REQUIRE(res.n == 7);
    CHECK_INT(res.r[0].kind, DRV_BAD);
    CHECK_STR(res.r[0].raw, "12.500");
    CHECK_INT(res.r[1].kind, DRV_SAMPLE);
    CHECK_NEAR(res.r[1].force_n, 12.5 * LBF, 1e-9);
    CHECK_INT(res.r[2].kind, DRV_SAMPLE);
    CHECK_NEAR(res.r[2].force_n, 3.0, 0);
    CHECK_INT(res.r[4].kind, DRV_SAMPLE);
    CHECK_NEAR(res.r[4].force_n, 2.0 * KGF, 1e-9);
    CHECK_NEAR(res.r[5].force_n, 4000.0, 1e-9);    /* its own unit ... */
    CHECK_NEAR(res.r[6].force_n, 2.0 * KGF, 1e-9); /* ... does not change the stream's */

    /* The I/O half sets the unit the probe read. */
    struct ls_parser p;
    ls_parser_init(&p);
    ls_parser_set_unit(&p, DRV_UNIT_KGF);
    struct drv_reading r;
    size_t used = 0;
    CHECK_INT(ls_parse(&p, S("   101.9716\r\n"), &used, &r), DRV_GOT);
    CHECK_INT(used, 12); /* up to the CR: the LF is the next call's */
    CHECK_INT(r.kind, DRV_SAMPLE);
    CHECK_NEAR(r.force_n, 101.9716 * KGF, 1e-9);
    ls_parser_init(&p);
    CHECK_INT(ls_parse(&p, S("1.000\r\n"), &used, &r), DRV_SKIPPED);
}

static void test_error_replies(void)
{
    static const char text[] = "?\r\n"
                               "?UNITS\r\n"
                               "Invalid command\r\n"
                               "ERROR\r\n"
                               "Unknown command: XYZ\r\n"
                               "Command not recognized\r\n";
    CHECK_INT(pu_check_all_splits(&drv_loadstar, S(text), &res), 0);
    REQUIRE(res.n == 6);
    for (int i = 0; i < 6; i++)
        CHECK_INT(res.r[i].kind, DRV_DEVICE_ERROR);
    CHECK_STR(res.r[4].raw, "Unknown command: XYZ");
    CHECK_INT(res.skipped, 0);
}

static void test_garbage_and_non_numeric_fields(void)
{
    static const char text[] = "N\r\n"
                               "1.000\r\n"
                               "\x01\xff\xfe garbage\r\n"
                               "2.000\r\n"
                               "12.3.4\r\n"
                               "1e3\r\n"
                               "nan\r\n"
                               "inf\r\n"
                               "- 5\r\n"
                               "12,5\r\n"
                               "0x10\r\n"
                               "+\r\n"
                               ".\r\n"
                               "--1\r\n"
                               "1 2\r\n"
                               "12.5 furlongs\r\n"
                               "   \r\n"
                               "1000000.001\r\n"
                               "-1000001\r\n"
                               "1000000\r\n"
                               "3.\r\n"
                               ".5\r\n";
    CHECK_INT(pu_check_all_splits(&drv_loadstar, S(text), &res), 0);
    REQUIRE(res.n == 22);
    int samples = 0;
    for (int i = 0; i < res.n; i++)
        samples += res.r[i].kind == DRV_SAMPLE;
    CHECK_INT(samples, 5); /* 1, 2, 1000000 (at the limit), "3.", ".5" */
    CHECK_INT(res.skipped, 16);
    CHECK_NEAR(res.r[1].force_n, 1.0, 0);
    CHECK_NEAR(res.r[3].force_n, 2.0, 0);
    CHECK_NEAR(res.r[19].force_n, 1e6, 0);
    CHECK_NEAR(res.r[20].force_n, 3.0, 0);
    CHECK_NEAR(res.r[21].force_n, 0.5, 0);
    CHECK_STR(res.r[4].raw, "12.3.4");
    CHECK_INT(res.r[2].kind, DRV_BAD);
    CHECK_INT(res.r[16].kind, DRV_BAD);
}

static void test_terminators_and_overlong_line(void)
{
    pu_feed_chunks(&drv_loadstar, S("N\r1.0\n2.0\r\n\r\n\n3.0\r  4.0  \n"), pu_chunk_all, NULL, &res);
    REQUIRE(res.n == 5);
    for (int i = 1; i < 5; i++) {
        CHECK_INT(res.r[i].kind, DRV_SAMPLE);
        CHECK_NEAR(res.r[i].force_n, (double)i, 0);
    }

    static uint8_t big[DRV_LINE_MAX * 40];
    size_t n = (size_t)snprintf((char *)big, sizeof big, "N\r\n1.000\r\n");
    for (size_t i = 0; i < DRV_LINE_MAX * 30; i++)
        big[n++] = (uint8_t)('0' + i % 10);
    memcpy(big + n, "\r\n2.000\r\n", 9);
    n += 9;
    CHECK_INT(pu_check_all_splits(&drv_loadstar, big, n, &res), 0);
    REQUIRE(res.n == 4);
    CHECK_INT(res.r[1].kind, DRV_SAMPLE);
    CHECK_INT(res.r[2].kind, DRV_BAD); /* digits all the way, but far too long to be a reading */
    CHECK_INT(strlen(res.r[2].raw), DRV_RAW_MAX - 1);
    CHECK_INT(res.r[3].kind, DRV_SAMPLE);
    CHECK_NEAR(res.r[3].force_n, 2.0, 0);
}

static void test_unit_words(void)
{
    CHECK_INT(ls_unit_parse("lbf", 3), DRV_UNIT_LBF);
    CHECK_INT(ls_unit_parse(" LBF ", 5), DRV_UNIT_LBF);
    CHECK_INT(ls_unit_parse("kgf", 3), DRV_UNIT_KGF);
    CHECK_INT(ls_unit_parse("N", 1), DRV_UNIT_N);
    CHECK_INT(ls_unit_parse("kN", 2), DRV_UNIT_KN);
    CHECK_INT(ls_unit_parse("oz", 2), DRV_UNIT_OZF);
    CHECK_INT(ls_unit_parse("mN", 2), DRV_UNIT_UNKNOWN);
    CHECK_INT(ls_unit_parse("g", 1), DRV_UNIT_UNKNOWN);
    CHECK_INT(ls_unit_parse("A", 1), DRV_UNIT_UNKNOWN);
    CHECK_INT(ls_unit_parse("", 0), DRV_UNIT_UNKNOWN);
    CHECK_STR(ls_unit_word(DRV_UNIT_LBF), "lbf");
    CHECK_STR(ls_unit_word(DRV_UNIT_OZF), "oz");
    CHECK_STR(ls_unit_word(DRV_UNIT_KN), "kN");
    CHECK(ls_unit_word(DRV_UNIT_MN) == NULL);
    CHECK(drv_find("loadstar") == &drv_loadstar);
}

/* ---- against the emulator ----------------------------------------------------------------- */

#include "acq_util.h"

/* A patient making `reps` short pushes of peak_n with no noise. */
static struct emu_patient quick_patient(double peak_n, int reps)
{
    struct emu_patient p = acq_patient_quiet(peak_n, reps, 0.3);
    p.ramp_s = 0.3;
    p.hold_s = 0.6;
    p.release_s = 0.3;
    p.rest_s = 0.5;
    return p;
}

static bool read_reading(struct drv_dev *d, const char *cmd, struct drv_reading *r)
{
    struct st_err err;
    if (link_write_str(d->link, cmd, 200, &err) != ST_OK)
        return false;
    char line[DRV_LINE_MAX];
    if (link_read_line(d->link, line, sizeof line, 1000, &err) != ST_OK)
        return false;
    size_t len = strlen(line), used = 0;
    line[len++] = '\n';
    enum drv_parse p = ls_parse(d->parser, (const uint8_t *)line, len, &used, r);
    return p != DRV_NEED_MORE && used == len;
}

static void test_probe_and_commands(void)
{
    struct emu_opts o = emu_opts_default("loadstar");
    o.patient = quick_patient(250, 1);
    o.patient.baseline_n = 20.0;  /* the pad's preload, before tare */
    o.patient.start_delay_s = 30; /* at rest throughout */
    struct emu *e = acq_emu_start("ls0", o);
    struct drv_dev *d = acq_dev_open(&drv_loadstar, emu_port(e), 0, 1000);
    struct st_err err;
    CHECK_STR(d->ident.family, "loadstar");
    CHECK_STR(d->ident.model, "FCM DI-1000");
    CHECK_STR(d->ident.firmware, "DI1000U-125261"); /* 100000 + (1 * 7919 + 17342) % 900000 */
    CHECK_STR(d->ident.serial, "DI1000U-125261");
    CHECK_INT(d->ident.unit, DRV_UNIT_LBF);
    CHECK_NEAR(d->ident.capacity_n, 250.0 * LBF, 1e-6);
    CHECK_INT(d->ident.baud, 9600);

    /* W: one reading, in lbf, of the preload; then TARE zeroes it, and CT0 answers the same. */
    struct drv_reading r;
    ls_parser_set_unit(d->parser, d->ident.unit);
    REQUIRE(read_reading(d, "W\r", &r));
    CHECK_INT(r.kind, DRV_SAMPLE);
    CHECK_NEAR(r.force_n, 20.0, 0.003);
    CHECK_OK(d->drv->zero(d, &err), &err);
    REQUIRE(read_reading(d, "w\r", &r)); /* commands are case-insensitive */
    CHECK_INT(r.kind, DRV_SAMPLE);
    CHECK_NEAR(r.force_n, 0.0, 0.003);
    REQUIRE(read_reading(d, "CT0\r", &r));
    CHECK_STR(r.raw, "Tared");
    REQUIRE(read_reading(d, "LC\r", &r));
    CHECK_STR(r.raw, "250.000");
    REQUIRE(read_reading(d, "FROB\r", &r));
    CHECK_INT(r.kind, DRV_DEVICE_ERROR);
    REQUIRE(read_reading(d, "UNITS furlong\r", &r));
    CHECK_INT(r.kind, DRV_DEVICE_ERROR);

    /* Setting the unit: only on request, never in the probe. */
    CHECK_OK(ls_set_unit(d, DRV_UNIT_KGF, &err), &err);
    CHECK_INT(d->ident.unit, DRV_UNIT_KGF);
    REQUIRE(read_reading(d, "UNITS\r", &r));
    CHECK_STR(r.raw, "kgf");
    REQUIRE(read_reading(d, "LC\r", &r));
    CHECK_NEAR(r.force_n, 250.0 * LBF, 0.0005 * KGF); /* the same capacity, now said in kgf */
    CHECK_INT(ls_set_unit(d, DRV_UNIT_MN, &err), ST_ERR_ARG);
    drv_dev_close(d);

    /* The same device asked at the UHS rate hears nothing: a timeout that names the port. */
    d = NULL;
    CHECK_INT(drv_dev_open(&drv_loadstar, emu_port(e), 230400, 400, &d, &err), ST_ERR_TIMEOUT);
    CHECK(d == NULL);
    CHECK(strstr(err.msg, emu_port(e)) != NULL);
    struct emu_stats es;
    emu_get_stats(e, &es);
    emu_stop(e);
    CHECK(es.lines_in >= 12);
}

static void test_probe_never_claims_another_family(void)
{
    /* The other families' emulators, each at its own baud rate (where the handshake's bare CRs reach
     * them): the Loadstar probe must not take any of them for a Loadstar. */
    static const char *const others[] = {"chronojump", "mark10", "imada"};
    int asked = 0;
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        const struct emu_family *fam = emu_family_find(others[i]);
        if (!fam)
            continue; /* not in the emulator table (yet) */
        struct emu_opts o = emu_opts_default(others[i]);
        o.boot_s = 0.1;
        char name[32];
        snprintf(name, sizeof name, "other-%s", others[i]);
        struct emu *e = acq_emu_start(name, o);
        struct drv_dev *d = NULL;
        struct st_err err;
        enum st_status s = drv_dev_open(&drv_loadstar, emu_port(e), fam->default_baud, 400, &d, &err);
        CHECK(s == ST_ERR_NO_DEVICE || s == ST_ERR_TIMEOUT);
        CHECK(d == NULL);
        drv_dev_close(d);
        emu_stop(e);
        asked++;
    }
    CHECK(asked >= 1); /* chronojump at least is always there */
}

/* Streams through the acquisition thread for `seconds` and checks what arrived against the emulator. */
static void stream_and_check(struct emu *e, const struct acq_cfg *cfg, double seconds, double peak_n,
                             double peak_tol, double min_hz, double max_hz, struct acq_status *st_out)
{
    struct acq_status st;
    struct emu_stats es; /* what was sent by then must all arrive */
    acq_stream(e, cfg, seconds, 0, "loadstar", &st, &es);
    CHECK_STR(st.ident.model, "FCM DI-1000");
    CHECK(n_got >= es.samples_sent); /* nothing the device sent was lost on the way */
    CHECK(n_got <= es.samples_sent + (size_t)(0.4 * max_hz) + 2);
    /* Loose bounds (host timestamps on a shared machine): they tell the models' rates apart. */
    CHECK(st.rate_hz >= min_hz && st.rate_hz <= max_hz);
    CHECK_NEAR(acq_got_in_order(cfg->channel), peak_n, peak_tol);
    *st_out = st;
}

static void test_stream_di1000u_lbf(void)
{
    struct emu_opts o = emu_opts_default("loadstar");
    o.patient = quick_patient(250, 1);
    struct emu *e = acq_emu_start("ls1", o);
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_loadstar, .channel = 2};
    struct acq_status st;
    /* 250 N is 56.202 lbf on the wire (three decimals): back in newtons within 0.0005 lbf. */
    stream_and_check(e, &cfg, 1.3, 250.0, 0.0005 * LBF + 1e-9, 50, 90, &st);
    CHECK_INT(st.ident.unit, DRV_UNIT_LBF);
    CHECK(n_got > 80); /* ~70 a second for 1.6 s */
    int sat = 0;
    for (size_t i = 0; i < n_got; i++)
        sat += (got[i].flags & ST_SAMPLE_SATURATED) != 0;
    CHECK_INT(sat, 0);
    emu_stop(e);
}

static void test_stream_uhs_kgf(void)
{
    struct emu_opts o = emu_opts_default("loadstar");
    o.baud = 230400; /* a UHS model: %12.4f at about 500 a second */
    o.unit = "kgF";
    o.patient = quick_patient(300, 1);
    struct emu *e = acq_emu_start("ls2", o);
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_loadstar, .baud = 230400, .channel = 0};
    struct acq_status st;
    stream_and_check(e, &cfg, 1.2, 300.0, 0.00005 * KGF + 1e-9, 350, 650, &st);
    CHECK_INT(st.ident.unit, DRV_UNIT_KGF);
    CHECK(strncmp(st.ident.serial, "DI1000UHS-", 10) == 0);
    /* No count of samples against the wall clock here: under a loaded machine (ASan, other builds) the
     * emulator itself falls behind its 500 a second and sends fewer. stream_and_check holds what
     * matters: everything sent arrived, in order, at a rate (350-650 Hz) that names the UHS model. */
    CHECK(n_got > 0);
    emu_stop(e);
}

static void test_saturation_at_capacity(void)
{
    struct emu_opts o = emu_opts_default("loadstar");
    o.capacity_n = 100.0 * LBF; /* a 100 lbf cell, pushed with 600 N */
    o.patient = quick_patient(600, 1);
    struct emu *e = acq_emu_start("ls3", o);
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_loadstar, .channel = 1};
    struct acq_status st;
    stream_and_check(e, &cfg, 1.2, 100.0 * LBF, 1e-9, 50, 90, &st);
    CHECK_NEAR(st.ident.capacity_n, 100.0 * LBF, 1e-9);
    int sat = 0, wrong = 0;
    for (size_t i = 0; i < n_got; i++) {
        bool flagged = (got[i].flags & ST_SAMPLE_SATURATED) != 0;
        sat += flagged;
        wrong += flagged != (got[i].force_n >= 100.0 * LBF);
    }
    CHECK(sat > 20); /* the hold at full scale */
    CHECK_INT(wrong, 0);
    emu_stop(e);
}

struct unit_switch {
    struct drv_reading r[2000];
    size_t n;
};

/* Streams with the driver's own start/stop (no acquisition thread): `want` readings, then mid_cmd, then
 * until `want` readings came after its reply. Waits on those counts, not a time (a loaded machine
 * starves the emulator), within a deadline of 20 s. */
static void stream_direct(struct drv_dev *d, int want, const char *mid_cmd, struct unit_switch *out)
{
    struct st_err err;
    out->n = 0;
    CHECK_OK(d->drv->start(d, &err), &err);
    int64_t end = st_now_ns() + 20 * ST_NS_PER_S;
    bool sent = false;
    int before = 0, after = -1; /* readings before the command; after its reply (-1: no reply yet) */
    uint8_t buf[512];
    while (st_now_ns() < end && after < want) {
        if (!sent && before >= want) {
            CHECK_OK(link_write_str(d->link, mid_cmd, 200, &err), &err);
            sent = true;
        }
        size_t n = 0;
        if (link_read(d->link, buf, sizeof buf, 20, &n, &err) == ST_ERR_DISCONNECTED)
            break;
        size_t off = 0;
        while (off < n) {
            size_t used = 0;
            struct drv_reading r;
            enum drv_parse p = d->drv->parse(d->parser, buf + off, n - off, &used, &r);
            off += used;
            if (p == DRV_NEED_MORE || out->n >= sizeof out->r / sizeof out->r[0])
                continue;
            out->r[out->n++] = r;
            if (r.kind == DRV_REPLY && after < 0)
                after = 0;
            else if (r.kind == DRV_SAMPLE && after >= 0)
                after++;
            else if (r.kind == DRV_SAMPLE)
                before++;
        }
    }
    CHECK_OK(d->drv->stop(d, &err), &err);
}

static void test_unit_change_mid_stream_end_to_end(void)
{
    /* A steady 100 N; mid-stream the device is switched from lbf to N (the emulator obeys commands
     * while streaming and slots its answer between readings). Every reading stays 100 N. */
    struct emu_opts o = emu_opts_default("loadstar");
    o.patient = acq_patient_100n();
    struct emu *e = acq_emu_start("ls4", o);
    struct drv_dev *d = acq_dev_open(&drv_loadstar, emu_port(e), 0, 1000);
    static struct unit_switch sw;
    stream_direct(d, 40, "units n\r", &sw);
    int lbf = 0, n = 0, bad = 0, replies = 0;
    for (size_t i = 0; i < sw.n; i++) {
        const struct drv_reading *r = &sw.r[i];
        if (r->kind == DRV_SAMPLE) {
            lbf += r->unit == DRV_UNIT_LBF;
            n += r->unit == DRV_UNIT_N;
            bad += fabs(r->force_n - 100.0) > 0.0005 * LBF + 1e-9;
            if (r->unit == DRV_UNIT_N && lbf == 0)
                bad++; /* N readings only after the lbf ones */
        } else if (r->kind == DRV_REPLY) {
            replies++;
        } else {
            bad++;
        }
    }
    CHECK(lbf > 20);
    CHECK(n > 20);
    CHECK_INT(bad, 0);
    CHECK_INT(replies, 1); /* the "N" that switched the parser */
    /* After stop the device is quiet and answers the handshake again. */
    struct drv_reading r;
    REQUIRE(read_reading(d, "\r", &r));
    CHECK_STR(r.raw, "A");
    drv_dev_close(d);
    emu_stop(e);
}

static void test_unplug_and_replug(void)
{
    struct emu_opts o = emu_opts_default("loadstar");
    o.patient = emu_patient_default(300, 0);
    o.patient.start_delay_s = 0.2;
    struct emu *e = acq_emu_start("ls5", o);
    struct acq_cfg cfg = {
        .port = emu_port(e), .drv = &drv_loadstar, .reconnect_ms = 200, .probe_timeout_ms = 500};
    struct acq_status st;
    acq_unplug_case(e, &cfg, 100, &st);
    CHECK_STR(st.ident.serial, "DI1000U-125261"); /* the same device came back */
}

static void test_garbage_stall_and_wrong_baud(void)
{
    struct emu_opts o = emu_opts_default("loadstar");
    o.patient = emu_patient_default(100, 0);
    struct emu *e = acq_emu_start("ls6", o);
    struct acq_cfg cfg = {
        .port = emu_port(e), .drv = &drv_loadstar, .reconnect_ms = 200, .probe_timeout_ms = 500};
    acq_fault_case(e, &cfg, 230400, 9600); /* the device goes to the UHS rate, then back */
}

int main(void)
{
    CHECK_RUN(test_every_reply_every_split);
    CHECK_RUN(test_unit_changes_mid_stream);
    CHECK_RUN(test_unit_unknown_is_never_guessed);
    CHECK_RUN(test_error_replies);
    CHECK_RUN(test_garbage_and_non_numeric_fields);
    CHECK_RUN(test_terminators_and_overlong_line);
    CHECK_RUN(test_unit_words);
    CHECK_RUN(test_probe_and_commands);
    CHECK_RUN(test_probe_never_claims_another_family);
    CHECK_RUN(test_stream_di1000u_lbf);
    CHECK_RUN(test_stream_uhs_kgf);
    CHECK_RUN(test_saturation_at_capacity);
    CHECK_RUN(test_unit_change_mid_stream_end_to_end);
    CHECK_RUN(test_unplug_and_replug);
    CHECK_RUN(test_garbage_stall_and_wrong_baud);
    return check_done();
}
