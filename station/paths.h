/*
 * paths.h - where the station keeps its files.
 *
 * The database (DESIGN.md): --db PATH, else $STATION_DB, else station.db in the data folder: the
 * settings file's data_dir (station/config.h, the Settings page), else $XDG_DATA_HOME/station, else
 * $HOME/.local/share/station. The protocol directory: $STATION_PROTOCOL_DIR, else the
 * protocols/ folder of the source tree the program was built from.
 */
#ifndef STATION_STATION_PATHS_H
#define STATION_STATION_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"

/*
 * The station's data folder, the settings' data_dir, else $XDG_DATA_HOME/station, else
 * $HOME/.local/share/station, into buf; created
 * (mode 0700) if missing. The default database lives there, and so do the emergency files of
 * repetitions that could not be written. ST_OK, or ST_ERR_ARG / ST_ERR_IO with a message.
 */
enum st_status paths_data_dir(char *buf, size_t size, struct st_err *err);

/*
 * Writes the database path into buf: explicit if not NULL, else the defaults above. When the default
 * is used, creates its directory (mode 0700) if missing. Returns ST_OK, or ST_ERR_ARG / ST_ERR_IO with
 * a message naming the path.
 */
enum st_status paths_db(const char *explicit_path, char *buf, size_t size, struct st_err *err);

struct store;
/*
 * The one way the commands and the session open the database: resolves it as paths_db does and opens
 * it with store_open (created with mode 0600 and migrated on first use). ST_OK with *s (close it with
 * store_close); path (may be NULL) gets the file's path in size bytes. Otherwise *s is NULL and err
 * holds the one-line message (paths_db's or store_open's).
 */
enum st_status paths_db_open(const char *explicit_path, struct store **s, char *path, size_t size,
                             struct st_err *err);

/* The folder the running program is in (/proc/self/exe's), into buf; false when it cannot be read. What
 * the program ships beside it is found from there, installed or in its build folder. */
bool paths_exe_dir(char *buf, size_t size);

/* The directory holding the shipped protocol files (*.ini) (never NULL). */
const char *paths_protocol_dir(void);

/* Creates dir and its parents with mode (like mkdir -p). Returns ST_OK or ST_ERR_IO with a message. */
enum st_status paths_mkdirs(const char *dir, unsigned mode, struct st_err *err);

#endif
