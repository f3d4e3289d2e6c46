/*
 * test_link.c - the link layer's three backends: libserialport (a port that does not exist fails with
 * a message naming it; listing ports works on a machine with none), the pty fd backend (lines, the
 * read-ahead buffer, the lock, a closed far end), and tcp: (a local serial-server stand-in); and the
 * waits' poll timeouts (st_ms_until), which must never end before their deadline.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "common/clock.h"
#include "drivers/link.h"

static void test_serial_missing_port_names_it(void)
{
    struct link *l = NULL;
    struct st_err err;
    struct link_cfg cfg = {.baud = 115200};
    enum st_status s = link_open("/dev/ttyUSB97", &cfg, &l, &err);
    CHECK_INT(s, ST_ERR_PORT_NOT_FOUND);
    CHECK(l == NULL);
    CHECK(strstr(err.msg, "/dev/ttyUSB97") != NULL);
    CHECK(strstr(err.msg, "plugged in") != NULL);
    CHECK_INT(link_kind_for("/dev/ttyUSB97"), LINK_SERIAL);
    CHECK_INT(link_kind_for("tcp:localhost:4001"), LINK_TCP);
    s = link_open("", &cfg, &l, &err);
    CHECK_INT(s, ST_ERR_ARG);
}

static void test_serial_list_ports(void)
{
    struct link_port_info *ports = NULL;
    size_t n = 99;
    struct st_err err;
    /* This machine (and CI) has no USB serial ports; ptys are never listed. Either way: ST_OK. */
    CHECK_OK(link_list_ports(&ports, &n, &err), &err);
    for (size_t i = 0; i < n; i++) {
        CHECK(ports[i].name[0] != '\0');
        CHECK(strncmp(ports[i].name, "/dev/pts/", 9) != 0);
    }
    free(ports);
}

static int make_pty(char *name, size_t size)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(m >= 0);
    REQUIRE(grantpt(m) == 0 && unlockpt(m) == 0 && ptsname_r(m, name, size) == 0);
    return m;
}

static void test_pty_lines_lock_and_hangup(void)
{
    char name[64];
    int m = make_pty(name, sizeof name);
    CHECK_INT(link_kind_for(name), LINK_PTY);
    struct link *l = NULL, *l2 = NULL;
    struct st_err err;
    struct link_cfg cfg = {.baud = 19200};
    CHECK_OK(link_open(name, &cfg, &l, &err), &err);
    REQUIRE(l);
    CHECK_INT(link_baud(l), 19200);
    /* Two stations never read one device. */
    CHECK_INT(link_open(name, &cfg, &l2, &err), ST_ERR_PORT_BUSY);
    CHECK(strstr(err.msg, name) != NULL);

    const char *text = "first\r\nsecond\r\r\nthird\npartial";
    REQUIRE(write(m, text, strlen(text)) == (ssize_t)strlen(text));
    char line[64];
    CHECK_OK(link_read_line(l, line, sizeof line, 500, &err), &err);
    CHECK_STR(line, "first");
    CHECK_OK(link_read_line(l, line, sizeof line, 500, &err), &err);
    CHECK_STR(line, "second");
    CHECK_OK(link_read_line(l, line, sizeof line, 500, &err), &err);
    CHECK_STR(line, "third");
    CHECK_INT(link_read_line(l, line, sizeof line, 100, &err), ST_ERR_TIMEOUT);
    REQUIRE(write(m, "-end\n", 5) == 5);
    CHECK_OK(link_read_line(l, line, sizeof line, 500, &err), &err);
    CHECK_STR(line, "partial-end"); /* the partial line was kept across the timeout */

    /* A line longer than the buffer is truncated, and the next line is intact. */
    char big[300];
    memset(big, 'x', sizeof big);
    REQUIRE(write(m, big, sizeof big) == (ssize_t)sizeof big);
    REQUIRE(write(m, "\nok\n", 4) == 4);
    CHECK_OK(link_read_line(l, line, sizeof line, 500, &err), &err);
    CHECK_INT(strlen(line), sizeof line - 1);
    CHECK_OK(link_read_line(l, line, sizeof line, 500, &err), &err);
    CHECK_STR(line, "ok");

    CHECK_OK(link_write_str(l, "hello\r", 200, &err), &err);
    char buf[16] = {0};
    ssize_t n = read(m, buf, sizeof buf - 1);
    CHECK(n == 6 && strcmp(buf, "hello\r") == 0);

    CHECK_OK(link_set_baud(l, 9600, &err), &err);
    CHECK_INT(link_set_baud(l, 12345, &err), ST_ERR_ARG);

    /* The far end goes away: the read says disconnected, not timeout. */
    close(m);
    size_t got = 0;
    CHECK_INT(link_read(l, buf, sizeof buf, 500, &got, &err), ST_ERR_DISCONNECTED);
    CHECK(strstr(err.msg, "disconnected") != NULL);
    link_close(l);
}

struct server {
    int lfd;
    int port;
};

static void *serve(void *arg)
{
    struct server *sv = arg;
    int c = accept(sv->lfd, NULL, NULL);
    if (c < 0)
        return NULL;
    char buf[32];
    ssize_t n = read(c, buf, sizeof buf);
    if (n > 0 && write(c, "echo:", 5) == 5 && write(c, buf, (size_t)n) == n) {
        /* then hang up */
    }
    close(c);
    return NULL;
}

static void test_tcp_serial_server(void)
{
    struct server sv;
    sv.lfd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(sv.lfd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    REQUIRE(bind(sv.lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(sv.lfd, 1) == 0);
    socklen_t len = sizeof a;
    getsockname(sv.lfd, (struct sockaddr *)&a, &len);
    sv.port = ntohs(a.sin_port);
    pthread_t th;
    pthread_create(&th, NULL, serve, &sv);
    char name[64];
    snprintf(name, sizeof name, "tcp:127.0.0.1:%d", sv.port);
    struct link *l = NULL;
    struct st_err err;
    CHECK_OK(link_open(name, NULL, &l, &err), &err);
    REQUIRE(l);
    CHECK_INT(link_kind(l), LINK_TCP);
    CHECK_OK(link_write_str(l, "W\r\n", 200, &err), &err);
    char line[64];
    CHECK_OK(link_read_line(l, line, sizeof line, 1000, &err), &err);
    CHECK_STR(line, "echo:W");
    size_t got;
    char buf[8];
    CHECK_INT(link_read(l, buf, sizeof buf, 1000, &got, &err), ST_ERR_DISCONNECTED);
    link_close(l);
    pthread_join(th, NULL);
    close(sv.lfd);

    /* Nothing listens there any more: a clear refusal naming the server. */
    CHECK_INT(link_open(name, NULL, &l, &err), ST_ERR_PORT_NOT_FOUND);
    CHECK(strstr(err.msg, name) != NULL);
    CHECK_INT(link_open("tcp:nocolon", NULL, &l, &err), ST_ERR_ARG);
}

/* A poll timeout from st_ms_until sleeps at least until the deadline: rounded down, every wait ended
 * up to a millisecond short and spun there in poll(0) calls until the deadline passed. */
static void test_wait_never_ends_short(void)
{
    const int64_t after_ns[] = {1, 999999, ST_NS_PER_MS, ST_NS_PER_MS + 1, 7 * ST_NS_PER_MS + 999999, 300 * ST_NS_PER_MS};
    for (size_t i = 0; i < sizeof after_ns / sizeof after_ns[0]; i++) {
        int64_t deadline = st_now_ns() + after_ns[i];
        int ms = st_ms_until(deadline);
        int64_t left = deadline - st_now_ns();
        if (left > 0 && (int64_t)ms * ST_NS_PER_MS < left)
            check_fail(__FILE__, __LINE__, "%d ms from %lld ns before the deadline ends short of it", ms,
                       (long long)left);
        CHECK(ms >= 0 && (int64_t)ms * ST_NS_PER_MS <= after_ns[i] + ST_NS_PER_MS); /* and never much longer */
    }
    CHECK_INT(st_ms_until(st_now_ns()), 0);
    CHECK_INT(st_ms_until(st_now_ns() - ST_NS_PER_S), 0);
}

int main(void)
{
    CHECK_RUN(test_wait_never_ends_short);
    CHECK_RUN(test_serial_missing_port_names_it);
    CHECK_RUN(test_serial_list_ports);
    CHECK_RUN(test_pty_lines_lock_and_hangup);
    CHECK_RUN(test_tcp_serial_server);
    return check_done();
}
