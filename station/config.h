/*
 * config.h - the station's settings file: who the therapist is, where the database lives, the clinic
 * server and which display shows the patient's view.
 *
 * The file is plain text, one `key = value` a line, `#` comments and blank lines allowed:
 *
 *     # station settings (the Settings page in the window writes this file)
 *     therapist = Anna Åberg
 *     data_dir = /srv/station
 *     server = postgresql://station:secret@clinic.example/station
 *     patient_display = DELL U2419H
 *
 * It lives at $XDG_CONFIG_HOME/station/station.conf, else $HOME/.config/station/station.conf, with
 * mode 0600 (the server URL may hold a password). The parse and format halves are pure (text in,
 * struct out and back: tests round-trip them); config_load / config_save do the file I/O. The Settings
 * page writes it, `station sync` reads `server`, new sessions take `therapist` as their operator, and
 * the default database is `data_dir`/station.db (station/paths.h).
 */
#ifndef STATION_STATION_CONFIG_H
#define STATION_STATION_CONFIG_H

#include <stddef.h>

#include "common/status.h"

/* Longest value of each key in bytes (UTF-8), without the NUL. */
#define CONFIG_TEXT_MAX 255
#define CONFIG_PATH_MAX 1023

/* The settings. An empty string means "not set" (the station's default applies). */
struct st_config {
    char therapist[CONFIG_TEXT_MAX + 1];       /* the operator named in sessions and reports */
    char data_dir[CONFIG_PATH_MAX + 1];        /* the folder of the database (station.db) */
    char server[CONFIG_PATH_MAX + 1];          /* the clinic server's URL (libpq), for station sync */
    char patient_display[CONFIG_TEXT_MAX + 1]; /* the display's name (as SDL names it) for the patient view */
};

/* Every key the file may hold, in the order config_format writes them (NULL-terminated). */
extern const char *const config_keys[];

/* All settings unset. */
void config_init(struct st_config *c);

/*
 * The value of key in c (a pointer into c), or NULL for a key the file does not know.
 */
const char *config_get(const struct st_config *c, const char *key);

/*
 * Sets key to value (leading and trailing blanks removed, as the parser does). ST_OK, or ST_ERR_ARG
 * with a message for an unknown key, a value too long for it, or one holding a line break or another
 * control character (the file has one value a line); then c is unchanged.
 */
enum st_status config_set(struct st_config *c, const char *key, const char *value, struct st_err *err);

/*
 * Parses the file's text (len bytes, need not be NUL-terminated) into c, which starts from
 * config_init. ST_OK, or ST_ERR_PARSE with a one-line message naming the line and what is wrong with
 * it (no `=`, an unknown key, a key given twice, a value too long, a NUL byte); c then holds the
 * settings of the lines before it. name (e.g. the file's path) opens the message.
 */
enum st_status config_parse(const char *text, size_t len, const char *name, struct st_config *c,
                            struct st_err *err);

/*
 * Writes c as the file's text into buf (size bytes, NUL-terminated): a comment line, then every key
 * in config_keys order, unset ones as `key =`. config_parse reads it back to the same struct.
 * ST_OK, or ST_ERR_ARG when buf is too small (4096 bytes always suffice).
 */
enum st_status config_format(const struct st_config *c, char *buf, size_t size, struct st_err *err);

/*
 * The server URL fit to show: the password of a `scheme://user:password@host...` URL, or of a libpq
 * `password=...` keyword, replaced by `****`; anything else as it is. Writes into buf (truncated to
 * size) and returns buf.
 */
char *config_server_masked(const char *url, char *buf, size_t size);

/*
 * Who is at the station: name when given (a --therapist option), else $STATION_THERAPIST, else the
 * settings file's therapist (copied into buf; a file that cannot be read counts as none), else NULL.
 */
const char *config_therapist(const char *name, char *buf, size_t size);

/*
 * The clinic server's URL (station sync, and the sync after each session): url when given (--server),
 * else $STATION_SERVER, else the settings file's server (copied into buf), else NULL (none is set).
 */
const char *config_server(const char *url, char *buf, size_t size);

/*
 * The settings file's path into buf: $XDG_CONFIG_HOME/station/station.conf, else
 * $HOME/.config/station/station.conf. ST_OK, or ST_ERR_ARG when neither variable is set or the path
 * is too long.
 */
enum st_status config_path(char *buf, size_t size, struct st_err *err);

/*
 * Reads the settings file at path (NULL: config_path) into c. A missing file is not an error: c is
 * then all unset. ST_OK, or ST_ERR_IO (unreadable) / ST_ERR_PARSE (config_parse's message) naming
 * the file.
 */
enum st_status config_load(const char *path, struct st_config *c, struct st_err *err);

/*
 * Writes c to path (NULL: config_path), creating its folder (mode 0700) if missing. The text goes to
 * a temporary file beside it (mode 0600), synced, then renamed over the old file, so a crash leaves
 * either the old settings or the new ones, never half of them. ST_OK, or ST_ERR_IO / ST_ERR_DISK_FULL
 * with a message naming the file; the old file is then untouched.
 */
enum st_status config_save(const char *path, const struct st_config *c, struct st_err *err);

#endif
