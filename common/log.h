/*
 * log.h - the station's diagnostic log: device, link, file and system events, for whoever keeps the
 * station running.
 *
 * The log never carries patient data. Callers pass ports, device ids, file paths, status codes,
 * counts and timings; never a name, a birth date, a clinic reference, a note or a measured value tied
 * to a person. (Session and rep ids are fine: they mean nothing outside the database.) A test runs the
 * demo with a recognisable patient and checks that nothing of it reaches the log.
 *
 * Messages go to stderr by default, one line each: "station: warn: link: /dev/ttyUSB0 closed". Thread
 * safe: acquisition threads log too.
 */
#ifndef STATION_COMMON_LOG_H
#define STATION_COMMON_LOG_H

enum st_log_level { ST_LOG_DEBUG, ST_LOG_INFO, ST_LOG_WARN, ST_LOG_ERROR, ST_LOG_OFF };

/* Messages below this level are dropped. Default ST_LOG_WARN, or STATION_LOG=debug|info|warn|error|off. */
void st_log_set_level(enum st_log_level level);
enum st_log_level st_log_get_level(void);

/*
 * Sends every message to sink instead of stderr (NULL restores stderr). The sink gets the level, the
 * module ("link", "acq", ...) and the formatted text without a trailing newline; it is called with the
 * log's lock held, so it must not log itself.
 */
typedef void (*st_log_sink)(void *ctx, enum st_log_level level, const char *module, const char *text);
void st_log_set_sink(st_log_sink sink, void *ctx);

/* Logs one message for module (a short constant string). */
void st_log(enum st_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define ST_DEBUG(mod, ...) st_log(ST_LOG_DEBUG, mod, __VA_ARGS__)
#define ST_INFO(mod, ...) st_log(ST_LOG_INFO, mod, __VA_ARGS__)
#define ST_WARN(mod, ...) st_log(ST_LOG_WARN, mod, __VA_ARGS__)
#define ST_ERROR(mod, ...) st_log(ST_LOG_ERROR, mod, __VA_ARGS__)

#endif
