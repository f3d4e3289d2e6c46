/*
 * session_doc.h - the session document: one stored session with its reps and its balance, written as
 * JSON or CSV, and everything about one patient (the data-subject export). `station export` is a thin
 * command over these; the report and FHIR build on export_session_load too.
 *
 * The formats (DESIGN.md "The command line"):
 *  - JSON (`--format json`): one object: "format": "station-session", "version": 1, "session" (ids,
 *    times, status, position, mode, acquisition figures), "patient" (id, uuid, clinic reference: no
 *    name, birth date or notes - a session export is pseudonymous), "therapist", "protocol" (name,
 *    sha256), "devices" (per channel), "reps" (per rep: ids, sequence, block, index, direction, side,
 *    familiarisation, status, accepted, counts, the keys of `station analyze --json`, normalised values,
 *    lever, mass, tare, pain, note; with --raw its "samples": rate, drops, t_s[], force_n[]), "cells"
 *    (per direction and side: n, best, mean, CV, per-kg and torque values), "sides" (per side
 *    "add_abd_ratio" and its "flag": red|amber|normal, null when not available) and "asymmetry" (per
 *    direction: pct, weaker side, flag).
 *  - CSV: RFC 4180 (fields with a comma, quote, CR or LF are quoted, quotes doubled), CRLF; empty
 *    fields are nulls; flags are joined with ';'. Three tables, each its own file for a spreadsheet:
 *    the reps (export_session_csv: a header row, then one row per rep; with raw, as before, a blank line
 *    and the samples in long format "rep_id,rep_uuid,sequence,t_s,force_n"), the summary
 *    (export_session_csv_summary) and one rep's samples as `station analyze` reads them
 *    (export_rep_samples_csv).
 *  - Blocks are numbered from 1 as on the screen; the JSON holds the cut-offs it was judged by
 *    ("cutoffs") and the protocol's title, and the "both" side only where the protocol has one.
 *  - `export --patient ID --all`: everything the station holds about one patient as JSON
 *    ("format": "station-patient-export"): all their details, the mass history, every session in the
 *    JSON form above with raw samples, and the audit rows about them. This answers a data-subject
 *    access request.
 *
 * The balance is bal_compute (protocols/balance.h) on the session's counting reps, judged by the
 * session's own protocol bands (store_session_bal_params): the numbers `station show` and the live
 * screen give. The metric columns and keys come from protocols/metric_fields.h.
 */
#ifndef STATION_EXPORT_SESSION_DOC_H
#define STATION_EXPORT_SESSION_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/status.h"
#include "protocols/balance.h"
#include "station/store/store.h"

/* One session as the exports see it. Owned by the caller; free with export_session_free. */
struct export_session {
    struct store_session sess;
    struct store_rep *reps; /* by sequence; n of them */
    size_t n;
    struct bal_result bal;    /* the session's balance */
    struct bal_params params; /* the bands and corrections it was judged by */
    char protocol_title[128]; /* from the protocol text stored with the session; "" when none */
    bool has_both_side;       /* a bilateral block (squeeze) or rep: the "both" side is reported */
};

/* Loads session_id, its reps and its balance into doc. ST_OK, or ST_ERR_NOT_FOUND / a store error
 * (doc then holds nothing to free). */
enum st_status export_session_load(struct store *s, int64_t session_id, struct export_session *doc,
                                   struct st_err *err);
/* The words of a rep's feedback condition (store_rep.feedback: what the patient's screen showed while
 * they pushed): "big force", "bar and target band, no numbers", "none" (no patient screen), and "not
 * recorded" for "" (reps of older stations) or a key this station does not know. A static string. */
const char *export_feedback_words(const char *key);
/* The conditions a rep may have recorded (store_rep.feedback), in the order exports list them. */
#define EXPORT_FEEDBACK_N 3
extern const char *const export_feedback_keys[EXPORT_FEEDBACK_N];

/* Frees what export_session_load allocated (doc itself is the caller's). */
void export_session_free(struct export_session *doc);

/* Writes doc as one JSON document (format "station-session") to f; with raw, every rep's samples (read
 * from s). ST_OK, a store error reading samples, or ST_ERR_IO when writing failed. f stays open. */
enum st_status export_session_json(struct store *s, const struct export_session *doc, bool raw, FILE *f,
                                   struct st_err *err);
/* Writes doc as CSV (a header row, one row per rep; with raw, a blank line and the samples table).
 * Returns as export_session_json. */
enum st_status export_session_csv(struct store *s, const struct export_session *doc, bool raw, FILE *f,
                                  struct st_err *err);
/* Writes the summary as CSV (RFC 4180, CRLF): a header row, then one row per direction and side with
 * counting reps, each with the patient's clinic reference, the session, its local date, UTC start,
 * protocol and position, then n, best, mean, CV, per-kg and torque values, that side's ADD:ABD ratio
 * and flag, and that direction's asymmetry, weaker side and flag. What a spreadsheet user filters and
 * charts. ST_OK or ST_ERR_IO. */
enum st_status export_session_csv_summary(const struct export_session *doc, FILE *f, struct st_err *err);
/* Writes the raw samples of the rep with sequence number seq as the CSV `station analyze` reads: the
 * header t_s,force_n, one sample a line. ST_OK, ST_ERR_NOT_FOUND (no such rep, or it has no samples:
 * the message says which), a store error, or ST_ERR_IO. */
enum st_status export_rep_samples_csv(struct store *s, const struct export_session *doc, int seq, FILE *f,
                                      struct st_err *err);

/* Writes everything the station holds about patient_id as JSON (format "station-patient-export"): the
 * details, the mass history, every session with its samples, and the audit rows about them. ST_OK,
 * ST_ERR_NOT_FOUND, a store error, or ST_ERR_IO. */
enum st_status export_patient_json(struct store *s, int64_t patient_id, FILE *f, struct st_err *err);

#endif
