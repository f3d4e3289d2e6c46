/*
 * protocol_files.h - the station's side of the test protocols: reading protocol files from disk,
 * finding one by name or path in the protocol folder, and walking that folder.
 *
 * protocols/protocol.h parses a protocol from text and does no I/O (DESIGN.md: the core is pure); this
 * module is the file edge in front of it. Every function here reads the file whole (at most
 * PROTO_MAX_TEXT_BYTES) and hands the text to proto_load_text(), so a protocol loaded from a file and
 * one loaded from the same text stored with a session are the same protocol, byte for byte.
 *
 * Threads: no global state; any thread.
 */
#ifndef STATION_STATION_PROTOCOL_FILES_H
#define STATION_STATION_PROTOCOL_FILES_H

#include "common/status.h"
#include "protocols/protocol.h"

/*
 * Reads and parses the protocol file at path; def->path becomes path. On success the caller must
 * proto_free(def). On failure def holds nothing to free (def->text NULL) and err says why:
 * ST_ERR_NOT_FOUND if it does not exist, ST_ERR_IO if it cannot be read or is larger than
 * PROTO_MAX_TEXT_BYTES, ST_ERR_PARSE if it is not a protocol (with the file name and the line).
 */
enum st_status st_proto_load_file(const char *path, struct proto_def *def, struct st_err *err);

/*
 * Finds and loads a protocol by name or path: name_or_path is a path when it contains '/' or ends in
 * ".ini"; otherwise <dir>/<name>.ini, and failing that the file in dir whose name= field is name.
 * dir NULL means the current directory. Ownership and failures as st_proto_load_file;
 * ST_ERR_NOT_FOUND names what was looked for and where.
 */
enum st_status st_proto_find(const char *name_or_path, const char *dir, struct proto_def *def,
                             struct st_err *err);

/*
 * Calls cb once for every *.ini file in dir, in file-name order. For a file that loads, def is the
 * protocol and err is NULL; for one that does not, def is NULL and err says why (so `station protocols`
 * lists broken files with their message). def is freed after cb returns: copy what you keep. A non-zero
 * return from cb stops the walk. Returns ST_OK (even when some files are bad), or ST_ERR_IO /
 * ST_ERR_NOT_FOUND when dir cannot be read.
 */
typedef int (*st_proto_list_cb)(void *ctx, const char *path, const struct proto_def *def,
                                const struct st_err *err);
enum st_status st_proto_list(const char *dir, st_proto_list_cb cb, void *ctx, struct st_err *err);

#endif
