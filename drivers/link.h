/*
 * link.h - the byte transport to an instrument, behind one interface (libsigrok's ser_lib_functions).
 *
 * Three backends, chosen by the port's name:
 *   - "tcp:HOST:PORT"             a serial device server (plain socket)
 *   - a pseudo-terminal           /dev/pts/N, or any path (e.g. an emulator's stable symlink) that
 *                                 resolves to one: plain fd (open O_RDWR|O_NOCTTY|O_NONBLOCK, cfmakeraw,
 *                                 cfsetspeed, poll). libserialport 0.1.1 refuses ptys (DEVICES.md).
 *   - anything else               libserialport: /dev/ttyUSB0, /dev/ttyACM0, /dev/ttyS0, COM3.
 * Every backend takes flock(LOCK_EX|LOCK_NB) on the port, so two stations never read one device, and
 * every wait is finite (libserialport's "0 = forever" is never used).
 *
 * An unplugged device is reported as ST_ERR_DISCONNECTED by link_read (EOF, EIO, POLLHUP, the port
 * node gone); a device that is present but silent is ST_ERR_TIMEOUT. The caller decides how long
 * silence may last.
 *
 * A link keeps a small read-ahead buffer so link_read_line can hand out one line and keep the bytes
 * after it for the next read.
 */
#ifndef STATION_DRIVERS_LINK_H
#define STATION_DRIVERS_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"

enum link_kind { LINK_SERIAL, LINK_PTY, LINK_TCP };

struct link_cfg {
    int baud;          /* e.g. 115200; 0 means 9600 */
    int open_timeout_ms; /* tcp connect timeout; 0 means 3000 */
};

struct link;

/* Which backend a port name selects (without opening it). */
enum link_kind link_kind_for(const char *port);

/*
 * Opens port with 8N1, no flow control, at cfg->baud, and locks it. On success *out is a new link the
 * caller closes with link_close. Errors (with a message naming the port): ST_ERR_PORT_NOT_FOUND,
 * ST_ERR_PORT_ACCESS, ST_ERR_PORT_BUSY (locked by another station), ST_ERR_ARG (a baud the port
 * refuses, a malformed tcp: name), ST_ERR_TIMEOUT (tcp connect), ST_ERR_IO.
 */
enum st_status link_open(const char *port, const struct link_cfg *cfg, struct link **out,
                         struct st_err *err);

/* Closes and frees l (NULL is fine). */
void link_close(struct link *l);

/*
 * Waits up to timeout_ms (>= 0; 0 = do not wait) for at least one byte, then moves what is available,
 * up to cap bytes, into buf. Returns ST_OK with *got > 0; ST_ERR_TIMEOUT with *got == 0 when nothing
 * came; ST_ERR_DISCONNECTED when the device is gone (the link is then dead: close it).
 */
enum st_status link_read(struct link *l, void *buf, size_t cap, int timeout_ms, size_t *got,
                         struct st_err *err);

/*
 * Reads one line terminated by CR or LF (the terminator is dropped; a CRLF pair counts once; empty
 * lines are skipped) into buf as a NUL-terminated string, waiting up to timeout_ms in all. A line longer
 * than cap - 1 is truncated (the rest of it is discarded). Bytes after the line stay buffered for the
 * next read. Returns ST_OK, ST_ERR_TIMEOUT (a partial line stays buffered) or ST_ERR_DISCONNECTED.
 */
enum st_status link_read_line(struct link *l, char *buf, size_t cap, int timeout_ms, struct st_err *err);

/* Writes all n bytes within timeout_ms. ST_ERR_TIMEOUT, ST_ERR_DISCONNECTED or ST_ERR_IO on failure. */
enum st_status link_write(struct link *l, const void *buf, size_t n, int timeout_ms, struct st_err *err);

/* link_write of a NUL-terminated string. */
enum st_status link_write_str(struct link *l, const char *s, int timeout_ms, struct st_err *err);

/* Drops every byte waiting to be read (buffered here and in the driver). */
void link_flush_input(struct link *l);

/* Changes the baud rate of an open link (serial and pty; a tcp link ignores it). */
enum st_status link_set_baud(struct link *l, int baud, struct st_err *err);

/* The port name as given to link_open, the backend, and the current baud. */
const char *link_name(const struct link *l);
enum link_kind link_kind(const struct link *l);
int link_baud(const struct link *l);

/* One serial port as listed by the system. Fields are "" / -1 when unknown. */
struct link_port_info {
    char name[256];        /* /dev/ttyUSB0 */
    char description[256]; /* "FT232R USB UART" */
    char transport[16];    /* "usb", "native", "bluetooth" */
    int usb_vid, usb_pid;
    char serial[128];      /* USB serial number */
    char manufacturer[128];
};

/*
 * Lists the serial ports libserialport sees (ptys are never listed: sp_list_ports skips them). A
 * machine with none gives ST_OK and *n == 0. The caller frees *out with free().
 */
enum st_status link_list_ports(struct link_port_info **out, size_t *n, struct st_err *err);

#endif
