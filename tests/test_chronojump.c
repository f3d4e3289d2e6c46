/*
 * test_chronojump.c - the Chronojump parser: real lines, every split, garbage between lines, a line
 * over any buffer, non-numeric fields, the 32-bit microsecond counter wrapping; and the driver against
 * its emulator on a pty.
 */
#include "check.h"
#include "drivers/chronojump.h"
#include "parser_util.h"

#define S(x) (const uint8_t *)(x), sizeof(x) - 1

static struct pu_result res;

static void test_real_session_every_split(void)
{
    static const char text[] = "Force_Sensor-0.6\r\n"
                               "Starting capture...\r\n"
                               "0;0.12\r\n"
                               "12512;-0.03\r\n"
                               "25003;12.34\r\n"
                               "37499;250.00\r\n"
                               "37600;R\r\n"
                               "50011;1234.56\r\n"
                               "50100;r\r\n"
                               "Capture ended:\r\n"
                               "Taring OK:123456\r\n"
                               "Tare set\r\n"
                               "Calibrating OK:915.21\r\n"
                               "915.21\r\n"
                               "Not a valid command\r\n";
    CHECK_INT(pu_check_all_splits(&drv_chronojump, S(text), &res), 0);
    REQUIRE(res.n == 15);
    CHECK_INT(res.r[0].kind, DRV_REPLY);
    CHECK_STR(res.r[0].raw, "Force_Sensor-0.6");
    CHECK_INT(res.r[1].kind, DRV_REPLY);
    CHECK_INT(res.r[2].kind, DRV_SAMPLE);
    CHECK_NEAR(res.r[2].force_n, 0.12, 1e-12);
    CHECK(res.r[2].has_dev_time);
    CHECK_INT(res.r[2].dev_time_us, 0);
    CHECK_NEAR(res.r[3].force_n, -0.03, 1e-12);
    CHECK_INT(res.r[3].dev_time_us, 12512);
    CHECK_NEAR(res.r[5].force_n, 250.0, 1e-12);
    CHECK_INT(res.r[5].unit, DRV_UNIT_N);
    CHECK_INT(res.r[6].kind, DRV_TRIGGER);
    CHECK(res.r[6].trigger_rising);
    CHECK_INT(res.r[6].dev_time_us, 37600);
    CHECK_NEAR(res.r[7].force_n, 1234.56, 1e-9);
    CHECK_INT(res.r[8].kind, DRV_TRIGGER);
    CHECK(!res.r[8].trigger_rising);
    for (int i = 9; i < 14; i++)
        CHECK_INT(res.r[i].kind, DRV_REPLY);
    CHECK_INT(res.r[14].kind, DRV_DEVICE_ERROR);
    CHECK_INT(res.skipped, 0);
}

static void test_lf_only_and_cr_only_terminators(void)
{
    pu_feed_chunks(&drv_chronojump, S("10;1.00\n20;2.00\r30;3.00\r\n\r\n\n40;4.00\n"), pu_chunk_all, NULL, &res);
    REQUIRE(res.n == 4);
    for (int i = 0; i < 4; i++) {
        CHECK_INT(res.r[i].kind, DRV_SAMPLE);
        CHECK_NEAR(res.r[i].force_n, i + 1.0, 1e-12);
    }
}

static void test_garbage_between_lines(void)
{
    static const char text[] = "100;1.00\r\n"
                               "\x01\xff\xfe garbage\r\n"
                               "200;2.00\r\n"
                               "x;3.00\r\n"
                               "300;abc\r\n"
                               "400;4.00;5\r\n"
                               ";4.00\r\n"
                               "500;\r\n"
                               "600;1e3\r\n"
                               "700; 7.00\r\n"
                               "-800;8.00\r\n"
                               "900;nan\r\n"
                               "1000;20000.01\r\n"
                               "1100;-20000.01\r\n"
                               "4294967296;1.00\r\n"
                               "1200;20000.00\r\n"
                               "1300;12.\r\n"
                               "1400;.5\r\n";
    CHECK_INT(pu_check_all_splits(&drv_chronojump, S(text), &res), 0);
    REQUIRE(res.n == 18);
    int samples = 0;
    for (int i = 0; i < res.n; i++)
        samples += res.r[i].kind == DRV_SAMPLE;
    CHECK_INT(samples, 5); /* 100, 200, 1200 (at the limit), 1300 "12.", 1400 ".5" */
    CHECK_INT(res.skipped, 13);
    CHECK_NEAR(res.r[15].force_n, 20000.0, 0);
    CHECK_NEAR(res.r[16].force_n, 12.0, 0);
    CHECK_NEAR(res.r[17].force_n, 0.5, 0);
    CHECK_STR(res.r[3].raw, "x;3.00"); /* the raw text is kept for the audit trail */
}

static void test_line_over_any_buffer(void)
{
    static uint8_t big[DRV_LINE_MAX * 40];
    size_t n = 0;
    n += (size_t)snprintf((char *)big, sizeof big, "1;1.00\r\n");
    for (size_t i = 0; i < DRV_LINE_MAX * 30; i++)
        big[n++] = (uint8_t)('0' + i % 10);
    memcpy(big + n, "\r\n2;2.00\r\n", 10);
    n += 10;
    CHECK_INT(pu_check_all_splits(&drv_chronojump, big, n, &res), 0);
    REQUIRE(res.n == 3);
    CHECK_INT(res.r[0].kind, DRV_SAMPLE);
    CHECK_INT(res.r[1].kind, DRV_BAD);
    CHECK_INT(strlen(res.r[1].raw), DRV_RAW_MAX - 1);
    CHECK_INT(res.r[2].kind, DRV_SAMPLE);
    CHECK_NEAR(res.r[2].force_n, 2.0, 0);
}

static void test_counter_wraps(void)
{
    /* 4294967295 us is the last count; then 0 again. 80 Hz = 12500 us per sample. */
    static const char text[] = "4294950000;1.00\r\n"
                               "4294962500;2.00\r\n"
                               "7704;3.00\r\n"   /* 4294975000 - 2^32 */
                               "20204;4.00\r\n";
    CHECK_INT(pu_check_all_splits(&drv_chronojump, S(text), &res), 0);
    REQUIRE(res.n == 4);
    CHECK_INT(res.r[0].dev_time_us, 4294950000ULL);
    CHECK_INT(res.r[1].dev_time_us, 4294962500ULL);
    CHECK_INT(res.r[2].dev_time_us, 4294975000ULL);
    CHECK_INT(res.r[3].dev_time_us, 4294987500ULL);
    CHECK_INT(res.r[3].dev_time_us - res.r[2].dev_time_us, 12500);
}

static void test_restart_is_not_a_wrap(void)
{
    /* A step back that is not at the 32-bit boundary is a new capture: the count starts over. */
    pu_feed_chunks(&drv_chronojump, S("5000000;1.00\r\n12500;2.00\r\nStarting capture...\r\n0;3.00\r\n"),
                   pu_chunk_all, NULL, &res);
    REQUIRE(res.n == 4);
    CHECK_INT(res.r[0].dev_time_us, 5000000);
    CHECK_INT(res.r[1].dev_time_us, 12500);
    CHECK_INT(res.r[3].dev_time_us, 0);
}

static void test_version_shapes(void)
{
    CHECK(cj_is_version("Force_Sensor-0.6"));
    CHECK(cj_is_version("device-0.7"));
    CHECK(cj_is_version("Force_Sensor-10.25"));
    CHECK(!cj_is_version("get_version:"));
    CHECK(!cj_is_version("Force Sensor-0.6"));
    CHECK(!cj_is_version("-0.6"));
    CHECK(!cj_is_version("Force_Sensor-0."));
    CHECK(!cj_is_version("Force_Sensor-0.6x"));
}

int main(void)
{
    CHECK_RUN(test_real_session_every_split);
    CHECK_RUN(test_lf_only_and_cr_only_terminators);
    CHECK_RUN(test_garbage_between_lines);
    CHECK_RUN(test_line_over_any_buffer);
    CHECK_RUN(test_counter_wraps);
    CHECK_RUN(test_restart_is_not_a_wrap);
    CHECK_RUN(test_version_shapes);
    return check_done();
}
