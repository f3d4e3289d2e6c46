/*
 * test_acq.c - the sample pipeline below the engine: an emulated Chronojump on a pty -> link (fd
 * backend) -> parser -> acquisition thread -> ring -> this consumer. Checks the samples arrive whole,
 * in order, spaced by the device clock, with the peak the emulator was told to produce; and that a
 * pulled cable, garbage, a stall and a wrong baud rate are survived with every sample kept.
 */
#include <unistd.h>

#include "check.h"
#include "common/clock.h"
#include "drivers/acq.h"
#include "drivers/chronojump.h"
#include "drivers/emu.h"

#include "acq_util.h"

static struct emu *start_emu(const char *name, struct emu_patient p, double boot_s)
{
    struct emu_opts o = emu_opts_default("chronojump");
    o.boot_s = boot_s;
    o.patient = p;
    return acq_emu_start(name, o);
}

static void test_stream_one_rep(void)
{
    struct emu_patient p = emu_patient_default(250, 1);
    p.noise_n = 0;
    p.start_delay_s = 0.3;
    struct emu *e = start_emu("cj0", p, 0.3);
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_chronojump, .channel = 1};
    struct acq_status st;
    struct emu_stats es; /* what was sent by then must all arrive */
    acq_stream(e, &cfg, 3.5, 0, "chronojump", &st, &es);
    emu_stop(e);

    CHECK_STR(st.ident.firmware, "Force_Sensor-0.6");
    CHECK(n_got > 200); /* 80 Hz for ~3 s */
    /* Every sample the emulator had sent arrived: none lost on the way. */
    CHECK(n_got >= es.samples_sent);
    CHECK(n_got <= es.samples_sent + 40);
    double peak = acq_got_in_order(1);
    int spacing_bad = 0;
    for (size_t i = 0; i < n_got; i++) {
        CHECK(got[i].flags & ST_SAMPLE_DEVICE_TIME);
        if (i > 0) {
            double dt = (double)(got[i].t_ns - got[i - 1].t_ns) / 1e6;
            spacing_bad += !(dt > 11.5 && dt < 13.5); /* 12.5 ms +- the board's jitter */
        }
    }
    CHECK_NEAR(peak, 250.0, 0.006); /* two decimals on the wire */
    CHECK_INT(spacing_bad, 0);
    CHECK_NEAR(st.rate_hz, 80.0, 1.0);
    CHECK(st.jitter_ms < 1.0);
}

/* A stamp garbled on the way (two lines' digits joined: a device time an hour ahead) mid-stream: the
 * samples after it keep the device's spacing and stay at their arrival time. Before, the garbled stamp
 * anchored the clock an hour ahead and every later sample was put a microsecond after it. */
static void test_garbled_stamp_does_not_stop_time(void)
{
    struct emu_patient p = emu_patient_default(100, 0);
    p.noise_n = 0;
    struct emu *e = start_emu("cj-garbled", p, 0.3);
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_chronojump, .channel = 0};
    struct st_ring ring;
    ring_init(&ring, ring_buf, RING_CAP);
    struct acq *a = NULL;
    struct st_err err;
    CHECK_OK(acq_start(&cfg, &ring, &a, &err), &err);
    REQUIRE(a);
    n_got = 0;
    int64_t t_end = st_now_ns() + 1500 * ST_NS_PER_MS;
    bool injected = false;
    while (st_now_ns() < t_end) {
        if (!injected && st_now_ns() > t_end - 900 * ST_NS_PER_MS) {
            emu_inject_bytes(e, "3600000000;1234.56\r\n", strlen("3600000000;1234.56\r\n"));
            injected = true;
        }
        n_got += ring_pop(&ring, got + n_got, sizeof got / sizeof got[0] - n_got);
        st_sleep_ns(5 * ST_NS_PER_MS);
    }
    acq_stop(a);
    n_got += ring_pop(&ring, got + n_got, sizeof got / sizeof got[0] - n_got);
    int64_t now = st_now_ns();
    emu_stop(e);
    REQUIRE(n_got > 60);
    size_t bogus = n_got;
    for (size_t i = 0; i < n_got; i++)
        if (got[i].force_n == 1234.56)
            bogus = i;
    REQUIRE(bogus < n_got - 20); /* the garbled line was read, with 80 Hz samples after it */
    /* it is its own arrival time, not an hour ahead */
    CHECK(got[bogus].t_ns < now);
    int spacing_bad = 0;
    for (size_t i = bogus + 2; i < n_got; i++) {
        double dt = (double)(got[i].t_ns - got[i - 1].t_ns) / 1e6;
        spacing_bad += !(dt > 11.5 && dt < 13.5); /* 12.5 ms +- the board's jitter */
    }
    CHECK_INT(spacing_bad, 0);
    CHECK(got[n_got - 1].t_ns < now && got[n_got - 1].t_ns > now - 500 * ST_NS_PER_MS);
}

static void test_unplug_and_replug(void)
{
    struct emu_patient p = emu_patient_default(300, 0);
    p.start_delay_s = 0.2;
    struct emu *e = start_emu("cj1", p, 0.3);
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_chronojump, .reconnect_ms = 200};
    acq_unplug_case(e, &cfg, 100, NULL);
}

static void test_garbage_stall_and_wrong_baud(void)
{
    struct emu *e = start_emu("cj2", emu_patient_default(100, 0), 0.2);
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_chronojump, .reconnect_ms = 200};
    acq_fault_case(e, &cfg, 9600, 115200);
}

static void test_busy_port_and_missing_port(void)
{
    struct emu *e = start_emu("cj3", emu_patient_default(100, 0), 0.1);
    struct st_ring r1, r2;
    static struct st_sample b2[64];
    REQUIRE(ring_init(&r1, ring_buf, RING_CAP));
    REQUIRE(ring_init(&r2, b2, 64));
    struct acq_cfg cfg = {.port = emu_port(e), .drv = &drv_chronojump};
    struct acq *a = NULL, *b = NULL;
    struct st_err err;
    CHECK_OK(acq_start(&cfg, &r1, &a, &err), &err);
    enum st_status s = acq_start(&cfg, &r2, &b, &err);
    CHECK_INT(s, ST_ERR_PORT_BUSY);
    CHECK(strstr(err.msg, emu_port(e)) != NULL);
    CHECK(b == NULL);
    acq_stop(a);
    emu_stop(e);

    char path[512];
    cfg.port = check_tmppath(path, sizeof path, "no-such-tty");
    s = acq_start(&cfg, &r2, &b, &err);
    CHECK_INT(s, ST_ERR_PORT_NOT_FOUND);
    CHECK(strstr(err.msg, "no-such-tty") != NULL);
}

int main(void)
{
    CHECK_RUN(test_garbled_stamp_does_not_stop_time);
    CHECK_RUN(test_stream_one_rep);
    CHECK_RUN(test_unplug_and_replug);
    CHECK_RUN(test_garbage_stall_and_wrong_baud);
    CHECK_RUN(test_busy_port_and_missing_port);
    return check_done();
}
