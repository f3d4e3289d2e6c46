/*
 * report_data.h - everything a balance report says, gathered and computed before anything is drawn.
 *
 * The report (report.h) draws; this module reads the store through its public functions
 * (station/store/store.h) and computes with protocols/balance.h, the same bal_compute that `station
 * show` and `station export --format json` use, so every number in the PDF equals theirs. The plan
 * section's suggestions (CLINICAL.md "Plan targets") are a pure function of the balance
 * (report_plan_make), so they are tested without a PDF.
 *
 * Ownership: report_data_load fills a caller-owned struct report_data whose arrays it allocates;
 * report_data_free releases them (and is safe on a zeroed or half-loaded struct).
 */
#ifndef STATION_EXPORT_REPORT_DATA_H
#define STATION_EXPORT_REPORT_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "protocols/balance.h"
#include "protocols/protocol.h"
#include "station/store/store.h"

/* One device of the session with its calibration state as it stood on the day. */
struct report_device {
    int channel;
    struct store_device dev;
    struct store_cal_status cal;
};

/* The raw samples of one rep (NULL / 0 when the rep has none stored). */
struct report_trace {
    double *t_s, *f_n;
    size_t n;
};

struct report_data {
    struct store_session sess;
    struct store_patient patient; /* the patient as now (name, birth date, sex, dominant side) */
    int age_years;                /* on the day of the session; -1 unknown */
    struct store_rep *reps;
    size_t n_reps;
    struct report_trace *traces; /* n_reps entries, same order as reps */
    struct bal_params params;
    struct bal_result bal;
    /* The protocol as stored with the session (have_protocol false when it has none or it does not
     * parse; the report then says so and draws no hold window). def.text is NULL (freed on load). */
    bool have_protocol;
    struct proto_def protocol;
    struct report_device devices[ST_MAX_CHANNELS];
    int n_devices;
    struct store_note *notes;
    size_t n_notes;
    struct store_session_event *events;
    size_t n_events;
    /* The trend on this protocol name, oldest first, and where this session is in it (-1: not in it,
     * e.g. a session still running). Sessions on other protocols are listed, never compared. */
    struct store_trend_row *trend;
    size_t n_trend;
    int trend_index;
    struct store_session *others; /* the patient's sessions on other protocols, newest first */
    size_t n_others;
};

/*
 * Loads session_id and everything its report prints. Returns ST_OK; ST_ERR_NOT_FOUND for an unknown
 * session ("Session 12 does not exist: see station sessions"); ST_ERR_ARG when no rep counts (nothing
 * to report: the message says what to do); store errors otherwise. On failure d holds nothing to free
 * beyond what report_data_free releases.
 */
enum st_status report_data_load(struct store *s, int64_t session_id, struct report_data *d, struct st_err *err);
void report_data_free(struct report_data *d);

/* The whole years between birth (YYYY-MM-DD) and the UTC day of unix time at; -1 when unknown. */
int report_age_years(const char *birth, int64_t at);

/* Why a rep is listed in the report's "reps to note" (NULL when it is a plain counting rep): rejected,
 * flagged, extra, interrupted, pending; with the flags' names. Written into buf. */
const char *report_rep_remark(const struct report_data *d, const struct store_rep *r, char *buf, size_t size);
/* True when r lies beyond the protocol's planned reps of its block (an extra or a replacement rep). */
bool report_rep_is_extra(const struct report_data *d, const struct store_rep *r);
/* What the patient's screen showed during the session's reps (feedback changes force), in words, into
 * buf: "patient's screen: big force" when every rep had the same condition, "patient's screen: big
 * force (4 reps), none (2 reps)" when they differ, and "feedback condition not recorded by this
 * station version" for reps stored before it was. Returns buf. */
const char *report_feedback_text(const struct store_rep *reps, size_t n, char *buf, size_t size);

/* ------------------------------------------------------------------------------------------------ */
/* Plan targets (CLINICAL.md "Plan targets"): suggestions for the therapist to confirm               */

#define REPORT_PLAN_MAX 8
struct report_target {
    enum st_dir dir;
    enum st_side side;
    char why[200];            /* "Left adduction is 22.0 % weaker than right; left ADD:ABD 0.74 is below 0.80" */
    double best_n;            /* the session's best force of that direction and side */
    double strength_lo_n, strength_hi_n;   /* 80-90 % of best: 3-5 holds of 5 s, 2 min rest */
    double tolerance_lo_n, tolerance_hi_n; /* 60-70 % of best: 5 holds of 30-45 s, 2 min rest */
};
struct report_plan {
    struct report_target target[REPORT_PLAN_MAX];
    int n;
};
/* The deficits of a balance and their training bands: the weaker side of each direction whose
 * asymmetry is above params->asym_amber, and per side the direction a flagged ratio points to (below
 * params->ratio_amber: adduction; above 1.25: abduction). One target per (direction, side), its reasons
 * joined with "; ". Pure. */
void report_plan_make(const struct bal_result *bal, const struct bal_params *params, struct report_plan *out);

#endif
