/*
 * rep_json.h - a stored repetition as JSON (for the exports) and the emergency export of repetitions
 * the store could not write yet.
 */
#ifndef STATION_EXPORT_REP_JSON_H
#define STATION_EXPORT_REP_JSON_H

#include <stddef.h>

#include "common/status.h"
#include "station/store/store.h"

struct json_writer;

/* Writes one rep as a JSON object: ids, sequence, block, index, direction, side, familiarisation,
 * status, accepted, counts, the metric keys of `station analyze --json` (baseline_n ... flags), the
 * normalised values, lever, mass, tare, pain, note, feedback (what the patient's screen showed:
 * "big_force", "no_numbers", "none"; null when not recorded); and, when t_s is not NULL, "samples" with the
 * rate, the drops and the arrays t_s and force_n (n of them; the caller owns the arrays). */
void export_rep_json(struct json_writer *w, const struct store_rep *r, const double *t_s, const double *f_n,
                     size_t n);

/* Writes the store's pending reps (metrics and samples) as JSON to path, a NEW file (created with
 * O_EXCL and O_NOFOLLOW, mode 0600: an existing file or a symbolic link there is never written through),
 * leaving them pending. Returns ST_OK (also with an empty queue: an empty list is written), ST_ERR_IO
 * (the file exists, is a link, or cannot be written) or ST_ERR_DISK_FULL with a message naming the
 * path and what to do. A file that could not be written whole is removed again. */
enum st_status export_pending_json(struct store *s, const char *path, struct st_err *err);

/* The same into a new file in folder dir, named station-session-<session_id>-pending-<UTC time>.json
 * (with -2, -3, ... when that name is taken); its path goes to path (size bytes). */
enum st_status export_pending_json_in(struct store *s, const char *dir, int64_t session_id, char *path,
                                      size_t size, struct st_err *err);

#endif
