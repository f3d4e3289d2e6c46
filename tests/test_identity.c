/*
 * test_identity.c - a device is who it is, not where it is plugged (drivers/identity.h, issue 9):
 *  - the resolution order as a pure function: the protocol's serial, else the USB serial, else the
 *    /dev/serial/by-id name, else the port (flagged); blanks count as missing; a long name keeps its
 *    end; a pty and a tcp: port have no USB serial and no by-id name;
 *  - with emulated Loadstar interfaces (whose ID answer is a serial made from the emulator's seed) in
 *    in-process sessions: a gauge moved to another port keeps its device row and its calibration,
 *    another gauge on the same port gets its own (uncalibrated) one, and a different gauge plugged
 *    into the port mid-session is refused with a message;
 *  - a Chronojump board (no serial, a pty) is known by its port only, and the session says so.
 */
#include <pthread.h>
#include <stdlib.h>

#include "check.h"
#include "common/clock.h"
#include "drivers/emu.h" /* (also named here: CMake gives tests that wait on emulators two slots) */
#include "drivers/identity.h"
#include "session_fixture.h"
#include "store_fixture.h"

static void test_resolution_order(void)
{
    struct drv_identity id;
    drv_identity_resolve("DI1000U-123456", "A9XK01", "usb-FTDI_FT232R_A9XK01-if00-port0", "/dev/ttyUSB0",
                         &id);
    CHECK_INT(id.source, DRV_ID_SERIAL);
    CHECK_STR(id.key, "DI1000U-123456");
    drv_identity_resolve(" \t", "A9XK01", "usb-FTDI_FT232R_A9XK01-if00-port0", "/dev/ttyUSB0", &id);
    CHECK_INT(id.source, DRV_ID_USB_SERIAL);
    CHECK_STR(id.key, "usb:A9XK01");
    drv_identity_resolve("", NULL, "/dev/serial/by-id/usb-Arduino_Uno_95735-if00", "/dev/ttyACM0", &id);
    CHECK_INT(id.source, DRV_ID_BY_ID);
    CHECK_STR(id.key, "by-id:usb-Arduino_Uno_95735-if00");
    drv_identity_resolve(NULL, "", "  ", "/dev/ttyS0", &id);
    CHECK_INT(id.source, DRV_ID_PORT);
    CHECK_STR(id.key, "port:/dev/ttyS0");
    CHECK_STR(drv_id_source_words(id.source), "its port only");
    drv_identity_resolve(NULL, NULL, NULL, NULL, &id);
    CHECK_STR(id.key, "port:");
    /* a long by-id name keeps its end: the serial and the interface */
    drv_identity_resolve(NULL, NULL,
                         "usb-Silicon_Labs_CP2102N_USB_to_UART_Bridge_Controller_7c2f1a9b3e4d5c6a-if00-port0",
                         "/dev/ttyUSB1", &id);
    CHECK_INT(strlen(id.key), sizeof id.key - 1);
    CHECK(strncmp(id.key, "by-id:", 6) == 0);
    CHECK(strstr(id.key, "7c2f1a9b3e4d5c6a-if00-port0") != NULL);

    /* a pty (an emulator) and a serial server have neither a USB serial nor a by-id name */
    char usb[64], by_id[256];
    struct emu *e = NULL;
    struct st_err err;
    CHECK_OK(emu_start(&(struct emu_opts){.family = "imada", .boot_s = -1}, &e, &err), &err);
    REQUIRE(e);
    drv_identity_of_port(emu_port(e), usb, sizeof usb, by_id, sizeof by_id);
    emu_stop(e);
    CHECK_STR(usb, "");
    CHECK_STR(by_id, "");
    drv_identity_of_port("tcp:127.0.0.1:9", usb, sizeof usb, by_id, sizeof by_id);
    CHECK_STR(usb, "");
    CHECK_STR(by_id, "");
}

static const char *protocol_text =
    "[protocol]\nname = ident\ntitle = Identity\nposition = supine, hips 0°\nhip_flexion_deg = 0\n"
    "lever = long\ncontraction = make\n[order]\nmode = fixed\n[blocks]\nblock = adduction left 0\n"
    "[reps]\nfamiliarisation = 0\nreps = 1\nhold_s = 2\nrest_s = 0.5\ncountdown_s = 0.5\nblock_rest_s = "
    "0.5\n";

static char db[512], proto[512];
static int64_t patient;

/* A Loadstar interface whose serial comes from seed, behind link. */
static struct emu *loadstar(const char *link, unsigned seed)
{
    struct emu_opts o = emu_opts_default("loadstar");
    o.link_path = link;
    o.patient = emu_patient_default(0, 0); /* at rest */
    o.patient.seed = seed;
    struct emu *e = NULL;
    struct st_err err;
    CHECK_OK(emu_start(&o, &e, &err), &err);
    return e;
}

/* A session on port of family that stops after exit_s; its output in log (named name). Returns the
 * device id of its channel (0 when it failed). */
static int64_t session_on(const char *port, const char *family, double exit_s, const char *name, char **log)
{
    char pid[32], logpath[512];
    snprintf(pid, sizeof pid, "%lld", (long long)patient);
    check_tmppath(logpath, sizeof logpath, name);
    struct session_opts o = session_fixture_opts(db, pid, proto, NULL, family);
    o.ch[0].port = port;
    o.demo_emu[0] = NULL; /* a real device for the station: its calibration is looked up */
    o.exit_after_s = exit_s;
    int64_t sid = 0;
    struct st_err err;
    enum st_status st = session_fixture_run(&o, logpath, &sid, &err);
    CHECK_OK(st, &err);
    *log = check_read_file(logpath, NULL);
    REQUIRE(*log);
    struct store *s = NULL;
    CHECK_OK(store_open(db, &s, &err), &err);
    struct store_session sess;
    memset(&sess, 0, sizeof sess);
    if (s)
        CHECK_OK(store_session_get(s, sid, &sess, &err), &err);
    store_close(s);
    return sess.device_id[0];
}

/* The "Channel 1: ..." line of a session's output, with or without a calibration warning after it. */
static bool channel_line_warns(const char *log)
{
    const char *at = strstr(log, "Channel 1: ");
    REQUIRE(at);
    const char *end = strchr(at, '\n');
    const char *baud = strstr(at, " baud");
    return baud && end && baud + 5 < end;
}

static void setup_db(void)
{
    struct store *s = fix_open("ident.db", db, sizeof db);
    patient = fix_patient(s, "Ident Patient");
    store_close(s);
    check_tmppath(proto, sizeof proto, "ident.ini");
    REQUIRE(check_write_file(proto, protocol_text));
}

static void test_moved_gauge_keeps_its_calibration(void)
{
    char link_a[512], link_b[512];
    check_tmppath(link_a, sizeof link_a, "tty-portA");
    check_tmppath(link_b, sizeof link_b, "tty-portB");
    char *log = NULL;

    struct emu *e = loadstar(link_a, 11);
    REQUIRE(e);
    int64_t first = session_on(link_a, "loadstar", 1.0, "first.log", &log);
    emu_stop(e);
    REQUIRE(first > 0);
    CHECK(channel_line_warns(log)); /* never calibrated */
    CHECK(strstr(log, "known by its port only") == NULL);
    free(log);
    struct store *s = fix_reopen(db);
    struct st_err err;
    struct store_calibration c = {.device_id = first, .reference_kg = 10, .reading_n = 98.07, .ok = true};
    CHECK_OK(store_calibration_add(s, &c, &err), &err);
    store_close(s);

    /* the same gauge on another port: the same device, calibrated */
    e = loadstar(link_b, 11);
    REQUIRE(e);
    int64_t moved = session_on(link_b, "loadstar", 1.0, "moved.log", &log);
    emu_stop(e);
    CHECK_INT(moved, first);
    CHECK(!channel_line_warns(log));
    free(log);

    /* another gauge on the first port: a device of its own, not calibrated */
    e = loadstar(link_a, 22);
    REQUIRE(e);
    int64_t other = session_on(link_a, "loadstar", 1.0, "other.log", &log);
    emu_stop(e);
    CHECK(other > 0 && other != first);
    CHECK(channel_line_warns(log));
    free(log);
}

/* Mid-session the gauge on the port is swapped for another one (the first unplugged, a second one
 * appears behind the same port). */
struct swap {
    char link[512];
    struct emu *e;
};

static void *swap_thread(void *arg)
{
    struct swap *w = arg;
    struct emu_stats es;
    for (int i = 0; i < 1000; i++) { /* streaming for a while first */
        emu_get_stats(w->e, &es);
        if (es.samples_sent > 40)
            break;
        st_sleep_ns(10 * ST_NS_PER_MS);
    }
    emu_stop(w->e);
    st_sleep_ns(300 * ST_NS_PER_MS);
    w->e = loadstar(w->link, 22);
    return NULL;
}

static void test_different_gauge_mid_session_is_refused(void)
{
    struct swap w;
    check_tmppath(w.link, sizeof w.link, "tty-swap");
    w.e = loadstar(w.link, 11);
    REQUIRE(w.e);
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, swap_thread, &w) == 0);
    char *log = NULL;
    session_on(w.link, "loadstar", 6.0, "swap.log", &log);
    pthread_join(th, NULL);
    emu_stop(w.e);
    /* the two serials (from seeds 11 and 22) named: the one on the port and the one to plug back */
    const char *msg = strstr(log, "A different dynamometer (DI1000U-");
    CHECK(msg != NULL);
    if (msg)
        CHECK(strstr(msg, "plug the original one back in (DI1000U-") != NULL);
    CHECK(strstr(log, "is back: the session goes on") == NULL);
    free(log);
}

/* A Chronojump board on a pty: no serial, no USB serial, no by-id name: known by its port, said. */
static void test_port_only_is_said(void)
{
    char link[512];
    struct emu_opts o = session_fixture_emu("chronojump", 0.3, 1, 0.3);
    o.link_path = check_tmppath(link, sizeof link, "tty-cj");
    o.boot_s = 0.2;
    struct emu *e = NULL;
    struct st_err err;
    CHECK_OK(emu_start(&o, &e, &err), &err);
    REQUIRE(e);
    char *log = NULL;
    int64_t dev = session_on(link, "chronojump", 0.5, "cj.log", &log);
    emu_stop(e);
    CHECK(strstr(log, "it is known by its port only") != NULL);
    free(log);
    struct store *s = NULL;
    CHECK_OK(store_open(db, &s, &err), &err);
    REQUIRE(s);
    struct store_device d;
    CHECK_OK(store_device_get(s, dev, &d, &err), &err);
    char want[600];
    snprintf(want, sizeof want, "port:%s", link);
    CHECK_STR(d.serial, want);
    store_close(s);
}

int main(void)
{
    CHECK_RUN(test_resolution_order);
    setup_db();
    CHECK_RUN(test_moved_gauge_keeps_its_calibration);
    CHECK_RUN(test_different_gauge_mid_session_is_refused);
    CHECK_RUN(test_port_only_is_said);
    return check_done();
}
