/*
 * report_data.c - gathers what a balance report prints: the session, its patient, reps and raw
 * samples, the balance (bal_compute, as `station show` computes it), the protocol as stored with the
 * session, the devices with their calibration state on the day, the notes, the trend on the same
 * protocol, and the plan's suggestions. See station/export/report_data.h.
 */
#include "station/export/report_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "station/export/report.h"
#include "station/export/session_doc.h"

/* Here, not in report.c: the commands parse --paper without loading the PDF (station/window.h). */
bool report_paper_parse(const char *text, enum report_paper *out)
{
    if (text && !strcasecmp(text, "a4"))
        *out = REPORT_PAPER_A4;
    else if (text && !strcasecmp(text, "letter"))
        *out = REPORT_PAPER_LETTER;
    else
        return false;
    return true;
}

int report_age_years(const char *birth, int64_t at)
{
    int by = 0, bm = 0, bd = 0;
    if (!birth || sscanf(birth, "%4d-%2d-%2d", &by, &bm, &bd) != 3 || at <= 0)
        return -1;
    time_t t = (time_t)at;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return -1;
    int y = tm.tm_year + 1900, m = tm.tm_mon + 1, day = tm.tm_mday;
    int age = y - by - ((m < bm || (m == bm && day < bd)) ? 1 : 0);
    return age >= 0 ? age : -1;
}

bool report_rep_is_extra(const struct report_data *d, const struct store_rep *r)
{
    return d->have_protocol && !r->familiarisation && r->index_in_block > d->protocol.reps;
}

/* The k-th feedback condition, and "" (not recorded) after the last. */
static const char *feedback_key(size_t k)
{
    return k < EXPORT_FEEDBACK_N ? export_feedback_keys[k] : "";
}

const char *report_feedback_text(const struct store_rep *reps, size_t n, char *buf, size_t size)
{
    size_t count[EXPORT_FEEDBACK_N + 1] = {0}, kinds = 0, used = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k <= EXPORT_FEEDBACK_N; k++)
            if (strcmp(reps[i].feedback, feedback_key(k)) == 0) {
                kinds += count[k]++ == 0;
                break;
            }
    if (count[EXPORT_FEEDBACK_N] == n) {
        snprintf(buf, size, "feedback condition not recorded by this station version");
        return buf;
    }
    used = (size_t)snprintf(buf, size, "patient's screen: ");
    for (size_t k = 0, said = 0; k <= EXPORT_FEEDBACK_N && used < size; k++) {
        if (!count[k])
            continue;
        if (kinds == 1)
            used += (size_t)snprintf(buf + used, size - used, "%s", export_feedback_words(feedback_key(k)));
        else
            used += (size_t)snprintf(buf + used, size - used, "%s%s (%zu rep%s)", said ? ", " : "",
                                     export_feedback_words(feedback_key(k)), count[k], count[k] == 1 ? "" : "s");
        said++;
    }
    return buf;
}

const char *report_rep_remark(const struct report_data *d, const struct store_rep *r, char *buf, size_t size)
{
    char flags[128];
    met_flags_str(r->m.flags, ", ", flags, sizeof flags);
    bool extra = report_rep_is_extra(d, r);
    const char *what = NULL;
    switch (r->status) {
    case STORE_REP_REJECTED:
        what = "rejected";
        break;
    case STORE_REP_PENDING:
        what = "flagged, not decided (does not count)";
        break;
    case STORE_REP_INTERRUPTED:
        what = "interrupted (the device or the session stopped during it)";
        break;
    case STORE_REP_ACCEPTED:
        if (r->familiarisation)
            return NULL;
        if (r->m.flags && r->counts)
            what = "flagged, accepted by the therapist";
        else if (r->m.flags || !r->counts)
            what = "accepted, does not count";
        break;
    }
    if (!what && !extra)
        return NULL;
    snprintf(buf, size, "%s%s%s%s%s", extra ? "extra rep" : "", extra && what ? ", " : "", what ? what : "",
             flags[0] ? ": " : "", flags);
    return buf;
}

/* The session's traces: one store_rep_samples per rep (a rep without samples has none). */
static enum st_status load_traces(struct store *s, struct report_data *d, struct st_err *err)
{
    d->traces = calloc(d->n_reps ? d->n_reps : 1, sizeof *d->traces);
    if (!d->traces)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    for (size_t i = 0; i < d->n_reps; i++) {
        struct report_trace *t = &d->traces[i];
        enum st_status st = store_rep_samples(s, d->reps[i].id, &t->t_s, &t->f_n, &t->n, err);
        if (st == ST_ERR_NOT_FOUND) {
            st_err_clear(err);
            continue;
        }
        if (st != ST_OK)
            return st;
    }
    return ST_OK;
}

static void load_protocol(struct store *s, struct report_data *d)
{
    char *text = NULL;
    if (d->sess.protocol_id <= 0 || store_protocol_text(s, d->sess.protocol_id, &text, NULL) != ST_OK)
        return;
    d->have_protocol = proto_load_text("stored protocol", text, &d->protocol, NULL) == ST_OK;
    free(text);
    if (d->have_protocol) {
        free(d->protocol.text); /* the report needs the fields, not the text */
        d->protocol.text = NULL;
    }
}

static enum st_status load_devices(struct store *s, struct report_data *d, struct st_err *err)
{
    for (int ch = 0; ch < ST_MAX_CHANNELS; ch++) {
        if (d->sess.device_id[ch] <= 0)
            continue;
        struct report_device *rd = &d->devices[d->n_devices];
        enum st_status st = store_device_get(s, d->sess.device_id[ch], &rd->dev, err);
        if (st == ST_OK) /* as it stood when the session was run */
            st = store_calibration_status(s, rd->dev.id, d->sess.started, 0, &rd->cal, err);
        if (st != ST_OK)
            return st;
        rd->channel = ch;
        d->n_devices++;
    }
    return ST_OK;
}

/* The trend on this session's protocol name and the patient's sessions on other protocols. */
static enum st_status load_history(struct store *s, struct report_data *d, struct st_err *err)
{
    d->trend_index = -1;
    if (d->sess.protocol_name[0]) {
        enum st_status st = store_trend(s, d->sess.patient_id, d->sess.protocol_name, &d->trend, &d->n_trend, err);
        if (st != ST_OK)
            return st;
        for (size_t i = 0; i < d->n_trend; i++)
            if (d->trend[i].session_id == d->sess.id)
                d->trend_index = (int)i;
    }
    struct store_session *all = NULL;
    size_t n = 0;
    enum st_status st = store_session_list(s, d->sess.patient_id, &all, &n, err);
    if (st != ST_OK)
        return st;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].protocol_name, d->sess.protocol_name) != 0)
            all[k++] = all[i];
    d->others = all;
    d->n_others = k;
    return ST_OK;
}

enum st_status report_data_load(struct store *s, int64_t session_id, struct report_data *d, struct st_err *err)
{
    memset(d, 0, sizeof *d);
    d->trend_index = -1;
    struct export_session doc; /* the session, its reps and balance, as the JSON export has them */
    enum st_status st = export_session_load(s, session_id, &doc, err);
    if (st == ST_ERR_NOT_FOUND)
        return st_err_set(err, ST_ERR_NOT_FOUND, "Session %lld does not exist: see station sessions",
                          (long long)session_id);
    if (st != ST_OK)
        return st;
    d->sess = doc.sess;
    d->reps = doc.reps; /* ours now: report_data_free frees it */
    d->n_reps = doc.n;
    d->bal = doc.bal;
    d->params = doc.params;
    if ((st = store_patient_get(s, d->sess.patient_id, &d->patient, err)) != ST_OK)
        return st;
    int counting = 0;
    for (int dir = 0; dir < ST_DIR_COUNT; dir++)
        for (int side = 0; side < ST_SIDE_COUNT; side++)
            counting += d->bal.cell[dir][side].n;
    if (counting == 0)
        return st_err_set(err, ST_ERR_ARG,
                          "Session %lld has no repetition that counts: nothing to report (accept a flagged "
                          "repetition with the station, or run the test again)",
                          (long long)session_id);
    d->age_years = report_age_years(d->patient.birth, d->sess.started);
    load_protocol(s, d);
    if ((st = load_devices(s, d, err)) != ST_OK || (st = load_traces(s, d, err)) != ST_OK ||
        (st = store_note_list(s, session_id, &d->notes, &d->n_notes, err)) != ST_OK ||
        (st = store_session_events(s, session_id, &d->events, &d->n_events, err)) != ST_OK)
        return st;
    return load_history(s, d, err);
}

void report_data_free(struct report_data *d)
{
    if (!d)
        return;
    for (size_t i = 0; d->traces && i < d->n_reps; i++) {
        free(d->traces[i].t_s);
        free(d->traces[i].f_n);
    }
    free(d->traces);
    free(d->reps);
    free(d->notes);
    free(d->events);
    free(d->trend);
    free(d->others);
    memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------------------------------------------ */
/* Plan targets                                                                                     */

/* Adds why to the target of (dir, side): a new target with its bands, or one more reason for it. */
static void plan_reason(struct report_plan *p, const struct bal_result *bal, enum st_dir dir, enum st_side side,
                        const char *why)
{
    for (int i = 0; i < p->n; i++)
        if (p->target[i].dir == dir && p->target[i].side == side) {
            size_t k = strlen(p->target[i].why);
            snprintf(p->target[i].why + k, sizeof p->target[i].why - k, "; %s", why);
            return;
        }
    double best = bal->cell[dir][side].best_n;
    if (p->n >= REPORT_PLAN_MAX || !isfinite(best))
        return;
    struct report_target *t = &p->target[p->n++];
    memset(t, 0, sizeof *t);
    t->dir = dir;
    t->side = side;
    t->best_n = best;
    t->strength_lo_n = 0.80 * best;
    t->strength_hi_n = 0.90 * best;
    t->tolerance_lo_n = 0.60 * best;
    t->tolerance_hi_n = 0.70 * best;
    snprintf(t->why, sizeof t->why, "%s", why);
    if (t->why[0] >= 'a' && t->why[0] <= 'z') /* a sentence starts with a capital */
        t->why[0] = (char)(t->why[0] - 'a' + 'A');
}

void report_plan_make(const struct bal_result *bal, const struct bal_params *params, struct report_plan *out)
{
    memset(out, 0, sizeof *out);
    struct bal_params def = bal_params_default();
    if (!params)
        params = &def;
    char why[160];
    for (int dir = 0; dir < ST_DIR_COUNT; dir++) {
        double a = bal->asym_pct[dir];
        enum st_side w = bal->weaker[dir];
        if (!isfinite(a) || a <= params->asym_amber || (w != ST_SIDE_LEFT && w != ST_SIDE_RIGHT))
            continue;
        snprintf(why, sizeof why, "%s %s is %.1f %% weaker than %s", st_side_name(w), st_dir_name((enum st_dir)dir), a,
                 w == ST_SIDE_LEFT ? "right" : "left");
        plan_reason(out, bal, (enum st_dir)dir, w, why);
    }
    for (int side = ST_SIDE_LEFT; side <= ST_SIDE_RIGHT; side++) {
        double r = bal->ratio[side];
        if (!isfinite(r))
            continue;
        bool low = r < params->ratio_amber, high = r > 1.25;
        if (!low && !high)
            continue;
        snprintf(why, sizeof why, "%s ADD:ABD %.2f is %s %.2f", st_side_name((enum st_side)side), r,
                 low ? "below" : "above", low ? (r < params->ratio_red ? params->ratio_red : params->ratio_amber) : 1.25);
        plan_reason(out, bal, low ? ST_DIR_ADD : ST_DIR_ABD, (enum st_side)side, why);
    }
}
