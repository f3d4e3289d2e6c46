/*
 * status.h - the station's one status enum, and errors that carry words.
 *
 * Every function that can fail returns an enum st_status and, when the caller passes a struct st_err,
 * fills it with a sentence a therapist can act on ("No dynamometer answered on /dev/ttyUSB0 at
 * 115200 baud: is it switched on?"). The enum and its generic messages come from one X-macro list, in
 * the manner of http-parser's HTTP_ERRNO_MAP, so a code can never lack its text.
 *
 * Messages never contain patient data: they name ports, files, devices and values the user typed.
 */
#ifndef STATION_COMMON_STATUS_H
#define STATION_COMMON_STATUS_H

#include <stdbool.h>

#define ST_STATUS_LIST(X)                                                                          \
    X(ST_OK, "ok")                                                                                 \
    X(ST_ERR_ARG, "a value given to the station is not valid")                                     \
    X(ST_ERR_USAGE, "the command line is not valid: see --help")                                   \
    X(ST_ERR_NOMEM, "the station ran out of memory: close other programs and try again")           \
    X(ST_ERR_IO, "a read or write failed")                                                         \
    X(ST_ERR_NOT_FOUND, "not found")                                                               \
    X(ST_ERR_PORT_NOT_FOUND, "the serial port does not exist: is the cable plugged in?")           \
    X(ST_ERR_PORT_BUSY, "the serial port is in use by another program or station")                 \
    X(ST_ERR_PORT_ACCESS, "no permission to open the serial port: add the user to the dialout group") \
    X(ST_ERR_TIMEOUT, "the device did not answer in time: is it switched on?")                     \
    X(ST_ERR_DISCONNECTED, "the device was disconnected: check the cable")                         \
    X(ST_ERR_NO_DEVICE, "no known dynamometer answered: check the cable, the power and the baud rate") \
    X(ST_ERR_DEVICE, "the device reported an error")                                               \
    X(ST_ERR_PROTOCOL, "the device sent data the station does not understand")                     \
    X(ST_ERR_PARSE, "the file is not valid")                                                       \
    X(ST_ERR_DB, "the database reported an error")                                                 \
    X(ST_ERR_DB_LOCKED, "the database is in use by another station: close it there and try again") \
    X(ST_ERR_DB_READONLY, "the database file is read-only: check its permissions")                 \
    X(ST_ERR_DB_CORRUPT, "the database file is damaged: restore it from a backup")                 \
    X(ST_ERR_DB_NOT_A_DB, "the file is not a station database")                                    \
    X(ST_ERR_DB_NEWER, "the database was written by a newer station: update this station")        \
    X(ST_ERR_DISK_FULL, "the disk is full: free some space")                                       \
    X(ST_ERR_UNSUPPORTED, "not supported")                                                         \
    X(ST_ERR_DISPLAY, "no display could be opened")                                                \
    X(ST_ERR_ABORTED, "stopped by the user")                                                       \
    X(ST_ERR_INTERNAL, "internal error: please report it")

#define ST_STATUS_ENUM_(name, text) name,
enum st_status { ST_STATUS_LIST(ST_STATUS_ENUM_) ST_STATUS_COUNT };
#undef ST_STATUS_ENUM_

/* The generic message for a status (never NULL; "unknown status" for values out of range). */
const char *st_status_str(enum st_status s);

/* The enum's name as text, e.g. "ST_ERR_TIMEOUT" (for tests and logs; never NULL). */
const char *st_status_name(enum st_status s);

/* An error: a code and, when known, a specific message. Callers own it (usually on the stack). */
struct st_err {
    enum st_status code;
    char msg[512];
};

/* Clears e (code ST_OK, empty message). e may be NULL. */
void st_err_clear(struct st_err *e);

/*
 * Sets e's code and a printf-style message and returns code, so a failing path reads
 * `return st_err_set(err, ST_ERR_TIMEOUT, "No answer on %s", port);`. e may be NULL (then only
 * returns code). A NULL fmt uses the generic message of code.
 */
enum st_status st_err_set(struct st_err *e, enum st_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Puts "prefix: " in front of e's message (keeping its code), for adding context on the way up:
 * "Session 12: the database file is read-only...". Returns e's code. e may be NULL.
 */
enum st_status st_err_prefix(struct st_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The message to show: e's own text, or the generic message of its code. Never NULL. */
const char *st_err_msg(const struct st_err *e);

#endif
