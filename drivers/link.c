/*
 * link.c - serial, pty and tcp transports; see link.h.
 *
 * Why three backends: libserialport is the right library for real ports (enumeration, USB ids, the
 * platform quirks), but 0.1.1 cannot open a pseudo-terminal, and our emulators live on ptys. A pty or a
 * socket is a plain file descriptor, so those share one poll()-based path.
 */
#include "drivers/link.h"

#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

#define LINK_RBUF 1024

struct link {
    enum link_kind kind;
    char name[256];
    int baud;
    int fd;             /* pty / tcp: the descriptor; serial: libserialport's, for flock only */
    struct sp_port *sp; /* serial only */
    unsigned char rbuf[LINK_RBUF];
    size_t rpos, rlen;  /* buffered bytes: rbuf[rpos .. rlen) */
    bool skip_lf;       /* the last line ended in CR: a following LF belongs to it */
};

static const struct {
    int baud;
    speed_t speed;
} baud_table[] = {
    {1200, B1200},     {2400, B2400},     {4800, B4800},     {9600, B9600},     {19200, B19200},
    {38400, B38400},   {57600, B57600},   {115200, B115200}, {230400, B230400}, {460800, B460800},
    {500000, B500000}, {921600, B921600},
};

static bool speed_for(int baud, speed_t *out)
{
    for (size_t i = 0; i < sizeof baud_table / sizeof baud_table[0]; i++)
        if (baud_table[i].baud == baud) {
            *out = baud_table[i].speed;
            return true;
        }
    return false;
}

static bool is_pty_path(const char *port)
{
    char real[PATH_MAX];
    if (strncmp(port, "/dev/pts/", 9) == 0)
        return true;
    if (!realpath(port, real))
        return false;
    return strncmp(real, "/dev/pts/", 9) == 0 || strcmp(real, "/dev/ptmx") == 0;
}

enum link_kind link_kind_for(const char *port)
{
    if (strncmp(port, "tcp:", 4) == 0)
        return LINK_TCP;
    if (is_pty_path(port))
        return LINK_PTY;
    return LINK_SERIAL;
}

const char *link_name(const struct link *l)
{
    return l->name;
}
enum link_kind link_kind(const struct link *l)
{
    return l->kind;
}
int link_baud(const struct link *l)
{
    return l->baud;
}

static enum st_status lock_fd(int fd, const char *port, struct st_err *err)
{
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return ST_OK;
    if (errno == EWOULDBLOCK)
        return st_err_set(err, ST_ERR_PORT_BUSY,
                          "%s is in use by another station or program: close it there first", port);
    return st_err_set(err, ST_ERR_IO, "Cannot lock %s: %s", port, strerror(errno));
}

static enum st_status open_errno(int e, const char *port, struct st_err *err)
{
    switch (e) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
        return st_err_set(err, ST_ERR_PORT_NOT_FOUND,
                          "There is no serial port %s: is the dynamometer plugged in? "
                          "(station devices lists the ports)",
                          port);
    case EACCES:
    case EPERM:
        return st_err_set(err, ST_ERR_PORT_ACCESS,
                          "No permission to open %s: add this user to the dialout group and log in again",
                          port);
    case EBUSY:
        return st_err_set(err, ST_ERR_PORT_BUSY, "%s is in use by another program", port);
    default:
        return st_err_set(err, ST_ERR_IO, "Cannot open %s: %s", port, strerror(e));
    }
}

/* ---- pty ---------------------------------------------------------------------------------- */

static enum st_status fd_set_baud(int fd, int baud, const char *port, struct st_err *err)
{
    speed_t sp;
    if (!speed_for(baud, &sp))
        return st_err_set(err, ST_ERR_ARG, "%d baud is not a rate the station can set on %s", baud, port);
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return st_err_set(err, ST_ERR_IO, "Cannot read the settings of %s: %s", port, strerror(errno));
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (cfsetspeed(&t, sp) != 0 || tcsetattr(fd, TCSANOW, &t) != 0)
        return st_err_set(err, ST_ERR_IO, "Cannot set %d baud on %s: %s", baud, port, strerror(errno));
    return ST_OK;
}

static enum st_status open_pty(struct link *l, struct st_err *err)
{
    l->fd = open(l->name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (l->fd < 0)
        return open_errno(errno, l->name, err);
    enum st_status s = lock_fd(l->fd, l->name, err);
    if (s == ST_OK)
        s = fd_set_baud(l->fd, l->baud, l->name, err);
    return s;
}

/* ---- tcp ---------------------------------------------------------------------------------- */

static enum st_status open_tcp(struct link *l, int timeout_ms, struct st_err *err)
{
    char host[256];
    const char *spec = l->name + 4;
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || !colon[1] || (size_t)(colon - spec) >= sizeof host)
        return st_err_set(err, ST_ERR_ARG, "\"%s\" is not a serial server address: write tcp:HOST:PORT",
                          l->name);
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') { /* [::1] */
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0)
        return st_err_set(err, ST_ERR_PORT_NOT_FOUND, "Cannot find the serial server %s: %s", l->name,
                          gai_strerror(rc));
    enum st_status s = ST_ERR_PORT_NOT_FOUND;
    int last_errno = ECONNREFUSED;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            last_errno = errno;
            close(fd);
            continue;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int pr = poll(&p, 1, timeout_ms);
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (pr == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            l->fd = fd;
            s = ST_OK;
            break;
        }
        last_errno = pr == 0 ? ETIMEDOUT : soerr;
        close(fd);
    }
    freeaddrinfo(ai);
    if (s != ST_OK) {
        if (last_errno == ETIMEDOUT)
            return st_err_set(err, ST_ERR_TIMEOUT, "The serial server %s did not answer: is it on the network?",
                              l->name);
        return st_err_set(err, ST_ERR_PORT_NOT_FOUND, "Cannot connect to the serial server %s: %s", l->name,
                          strerror(last_errno));
    }
    return ST_OK;
}

/* ---- serial (libserialport) ---------------------------------------------------------------- */

static enum st_status sp_fail(enum sp_return r, const char *what, const char *port, struct st_err *err)
{
    if (r == SP_ERR_FAIL) {
        int e = sp_last_error_code();
        if (e == ENOENT || e == ENODEV || e == ENXIO || e == EACCES || e == EPERM || e == EBUSY)
            return open_errno(e, port, err);
        char *m = sp_last_error_message();
        st_err_set(err, ST_ERR_IO, "%s %s failed: %s", what, port, m ? m : "unknown error");
        sp_free_error_message(m);
        return ST_ERR_IO;
    }
    if (r == SP_ERR_MEM)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    return st_err_set(err, ST_ERR_IO, "%s %s failed (libserialport error %d)", what, port, (int)r);
}

static enum st_status open_serial(struct link *l, struct st_err *err)
{
    enum sp_return r = sp_get_port_by_name(l->name, &l->sp);
    if (r != SP_OK) {
        l->sp = NULL;
        if ((r == SP_ERR_ARG || r == SP_ERR_FAIL) && access(l->name, F_OK) != 0)
            return open_errno(ENOENT, l->name, err);
        if (r == SP_ERR_ARG || r == SP_ERR_FAIL) /* there, but no tty: /dev/null, a file, a disk */
            return st_err_set(err, ST_ERR_PORT_NOT_FOUND,
                              "%s is not a serial device: give the dynamometer's port, e.g. /dev/ttyUSB0 "
                              "(station devices lists the ports)",
                              l->name);
        return sp_fail(r, "Looking up", l->name, err);
    }
    r = sp_open(l->sp, SP_MODE_READ_WRITE);
    if (r != SP_OK) {
        enum st_status s = sp_fail(r, "Opening", l->name, err);
        sp_free_port(l->sp);
        l->sp = NULL;
        return s;
    }
    if (sp_get_port_handle(l->sp, &l->fd) != SP_OK)
        l->fd = -1;
    if (l->fd >= 0) {
        enum st_status s = lock_fd(l->fd, l->name, err);
        if (s != ST_OK)
            return s;
    }
    if ((r = sp_set_baudrate(l->sp, l->baud)) != SP_OK || (r = sp_set_bits(l->sp, 8)) != SP_OK ||
        (r = sp_set_parity(l->sp, SP_PARITY_NONE)) != SP_OK || (r = sp_set_stopbits(l->sp, 1)) != SP_OK ||
        (r = sp_set_flowcontrol(l->sp, SP_FLOWCONTROL_NONE)) != SP_OK)
        return sp_fail(r, "Configuring", l->name, err);
    return ST_OK;
}

/* ---- common ------------------------------------------------------------------------------- */

enum st_status link_open(const char *port, const struct link_cfg *cfg, struct link **out, struct st_err *err)
{
    *out = NULL;
    if (!port || !*port)
        return st_err_set(err, ST_ERR_ARG, "No port given: name the dynamometer's port (station devices lists them)");
    struct link *l = calloc(1, sizeof *l);
    if (!l)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    if ((size_t)snprintf(l->name, sizeof l->name, "%s", port) >= sizeof l->name) {
        free(l);
        return st_err_set(err, ST_ERR_ARG, "The port name is too long");
    }
    l->fd = -1;
    l->baud = cfg && cfg->baud > 0 ? cfg->baud : 9600;
    int tmo = cfg && cfg->open_timeout_ms > 0 ? cfg->open_timeout_ms : 3000;
    l->kind = link_kind_for(port);
    enum st_status s;
    switch (l->kind) {
    case LINK_TCP: s = open_tcp(l, tmo, err); break;
    case LINK_PTY: s = open_pty(l, err); break;
    default: s = open_serial(l, err); break;
    }
    if (s != ST_OK) {
        link_close(l);
        return s;
    }
    /* Bytes left in the port from before this open (a reply to the last program's query) are not
     * answers to ours. */
    if (l->kind == LINK_PTY)
        tcflush(l->fd, TCIOFLUSH);
    else if (l->kind == LINK_SERIAL)
        sp_flush(l->sp, SP_BUF_BOTH);
    ST_DEBUG("link", "opened %s at %d baud", l->name, l->baud);
    *out = l;
    return ST_OK;
}

void link_close(struct link *l)
{
    if (!l)
        return;
    if (l->sp) {
        sp_close(l->sp); /* closes l->fd too */
        sp_free_port(l->sp);
    } else if (l->fd >= 0) {
        close(l->fd);
    }
    free(l);
}

enum st_status link_set_baud(struct link *l, int baud, struct st_err *err)
{
    enum st_status s = ST_OK;
    if (l->kind == LINK_PTY) {
        s = fd_set_baud(l->fd, baud, l->name, err);
    } else if (l->kind == LINK_SERIAL) {
        enum sp_return r = sp_set_baudrate(l->sp, baud);
        if (r != SP_OK)
            s = sp_fail(r, "Setting the baud rate of", l->name, err);
    }
    if (s == ST_OK)
        l->baud = baud;
    return s;
}

/* Reads from the OS into p (no buffering). Same contract as link_read. */
static enum st_status raw_read(struct link *l, unsigned char *p, size_t cap, int timeout_ms, size_t *got,
                               struct st_err *err)
{
    *got = 0;
    if (l->kind == LINK_SERIAL) {
        int n = timeout_ms > 0 ? sp_blocking_read_next(l->sp, p, cap, (unsigned)timeout_ms)
                               : sp_nonblocking_read(l->sp, p, cap);
        if (n < 0)
            return st_err_set(err, ST_ERR_DISCONNECTED, "The dynamometer on %s was disconnected: check the cable",
                              l->name);
        if (n == 0) {
            /* 0.1.1 reports no EOF: a vanished device node means the cable was pulled. */
            if (access(l->name, F_OK) != 0)
                return st_err_set(err, ST_ERR_DISCONNECTED,
                                  "The dynamometer on %s was disconnected: check the cable", l->name);
            return ST_ERR_TIMEOUT;
        }
        *got = (size_t)n;
        return ST_OK;
    }
    struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
    int64_t deadline = st_now_ns() + (int64_t)timeout_ms * ST_NS_PER_MS;
    for (;;) {
        int left = st_ms_until(deadline);
        int pr = poll(&pfd, 1, left > 0 ? left : 0);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return st_err_set(err, ST_ERR_IO, "Waiting for %s failed: %s", l->name, strerror(errno));
        if (pr == 0)
            return ST_ERR_TIMEOUT;
        ssize_t n = read(l->fd, p, cap);
        if (n > 0) {
            *got = (size_t)n;
            return ST_OK;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (st_now_ns() >= deadline)
                return ST_ERR_TIMEOUT;
            continue;
        }
        /* n == 0 (EOF), EIO (pty master gone), ECONNRESET: the other end is gone. */
        return st_err_set(err, ST_ERR_DISCONNECTED, "The dynamometer on %s was disconnected: check the cable",
                          l->name);
    }
}

enum st_status link_read(struct link *l, void *buf, size_t cap, int timeout_ms, size_t *got, struct st_err *err)
{
    *got = 0;
    if (cap == 0)
        return ST_OK;
    if (l->skip_lf && l->rpos < l->rlen && l->rbuf[l->rpos] == '\n')
        l->rpos++; /* the LF of a CRLF whose line link_read_line already handed out */
    l->skip_lf = false;
    if (l->rpos < l->rlen) {
        size_t n = l->rlen - l->rpos;
        if (n > cap)
            n = cap;
        memcpy(buf, l->rbuf + l->rpos, n);
        l->rpos += n;
        *got = n;
        return ST_OK;
    }
    return raw_read(l, buf, cap, timeout_ms, got, err);
}

enum st_status link_read_line(struct link *l, char *buf, size_t cap, int timeout_ms, struct st_err *err)
{
    int64_t deadline = st_now_ns() + (int64_t)timeout_ms * ST_NS_PER_MS;
    size_t len = 0;
    bool truncated = false;
    if (cap == 0)
        return st_err_set(err, ST_ERR_ARG, "No room for a line");
    for (;;) {
        while (l->rpos < l->rlen) {
            unsigned char c = l->rbuf[l->rpos++];
            if (c == '\n' && l->skip_lf) {
                l->skip_lf = false;
                continue;
            }
            l->skip_lf = false;
            if (c == '\r' || c == '\n') {
                l->skip_lf = c == '\r';
                if (len == 0 && !truncated)
                    continue; /* an empty line */
                buf[len] = '\0';
                return ST_OK;
            }
            if (len + 1 < cap)
                buf[len++] = (char)c;
            else
                truncated = true;
        }
        int left = st_ms_until(deadline);
        if (left <= 0) {
            /* Keep the partial line for the next call: put it back in front. */
            if (len > 0 && len <= LINK_RBUF) {
                memcpy(l->rbuf, buf, len);
                l->rpos = 0;
                l->rlen = len;
            }
            buf[0] = '\0';
            return ST_ERR_TIMEOUT;
        }
        size_t got = 0;
        enum st_status s = raw_read(l, l->rbuf, sizeof l->rbuf, left, &got, err);
        if (s == ST_ERR_TIMEOUT)
            continue;
        if (s != ST_OK)
            return s;
        l->rpos = 0;
        l->rlen = got;
    }
}

enum st_status link_write(struct link *l, const void *buf, size_t n, int timeout_ms, struct st_err *err)
{
    const unsigned char *p = buf;
    if (l->kind == LINK_SERIAL) {
        int w = sp_blocking_write(l->sp, p, n, timeout_ms > 0 ? (unsigned)timeout_ms : 1);
        if (w < 0)
            return st_err_set(err, ST_ERR_DISCONNECTED, "Cannot write to %s: the dynamometer was disconnected",
                              l->name);
        if ((size_t)w < n)
            return st_err_set(err, ST_ERR_TIMEOUT, "Writing to %s timed out: is the dynamometer switched on?",
                              l->name);
        return ST_OK;
    }
    int64_t deadline = st_now_ns() + (int64_t)timeout_ms * ST_NS_PER_MS;
    size_t done = 0;
    while (done < n) {
        ssize_t w = l->kind == LINK_TCP ? send(l->fd, p + done, n - done, MSG_NOSIGNAL)
                                        : write(l->fd, p + done, n - done);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            return st_err_set(err, ST_ERR_DISCONNECTED, "Cannot write to %s: the dynamometer was disconnected",
                              l->name);
        int left = st_ms_until(deadline);
        if (left <= 0)
            return st_err_set(err, ST_ERR_TIMEOUT, "Writing to %s timed out: is the dynamometer switched on?",
                              l->name);
        struct pollfd pfd = {.fd = l->fd, .events = POLLOUT};
        poll(&pfd, 1, left);
    }
    return ST_OK;
}

enum st_status link_write_str(struct link *l, const char *s, int timeout_ms, struct st_err *err)
{
    return link_write(l, s, strlen(s), timeout_ms, err);
}

void link_flush_input(struct link *l)
{
    l->rpos = l->rlen = 0;
    l->skip_lf = false;
    if (l->kind == LINK_SERIAL) {
        sp_flush(l->sp, SP_BUF_INPUT);
        return;
    }
    if (l->kind == LINK_PTY)
        tcflush(l->fd, TCIFLUSH);
    unsigned char junk[256];
    while (read(l->fd, junk, sizeof junk) > 0) {
    }
}

enum st_status link_list_ports(struct link_port_info **out, size_t *n, struct st_err *err)
{
    *out = NULL;
    *n = 0;
    struct sp_port **list = NULL;
    enum sp_return r = sp_list_ports(&list);
    if (r != SP_OK)
        return sp_fail(r, "Listing serial ports on", "this machine", err);
    size_t count = 0;
    while (list[count])
        count++;
    struct link_port_info *info = calloc(count ? count : 1, sizeof *info);
    if (!info) {
        sp_free_port_list(list);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    for (size_t i = 0; i < count; i++) {
        struct sp_port *p = list[i];
        struct link_port_info *o = &info[i];
        const char *s;
        snprintf(o->name, sizeof o->name, "%s", (s = sp_get_port_name(p)) ? s : "");
        snprintf(o->description, sizeof o->description, "%s", (s = sp_get_port_description(p)) ? s : "");
        o->usb_vid = o->usb_pid = -1;
        switch (sp_get_port_transport(p)) {
        case SP_TRANSPORT_USB: {
            snprintf(o->transport, sizeof o->transport, "usb");
            int vid, pid;
            if (sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK) {
                o->usb_vid = vid;
                o->usb_pid = pid;
            }
            snprintf(o->serial, sizeof o->serial, "%s", (s = sp_get_port_usb_serial(p)) ? s : "");
            snprintf(o->manufacturer, sizeof o->manufacturer, "%s",
                     (s = sp_get_port_usb_manufacturer(p)) ? s : "");
            break;
        }
        case SP_TRANSPORT_BLUETOOTH: snprintf(o->transport, sizeof o->transport, "bluetooth"); break;
        default: snprintf(o->transport, sizeof o->transport, "native"); break;
        }
    }
    sp_free_port_list(list);
    *out = info;
    *n = count;
    return ST_OK;
}
