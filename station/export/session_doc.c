/*
 * session_doc.c - the session document as JSON and CSV, and the patient export; see
 * station/export/session_doc.h for the formats.
 *
 * A session export is pseudonymous (the patient's UUID and clinic reference, never the name); only the
 * data-subject export, which the patient asked for, holds the name, birth date and notes.
 */
#include "station/export/session_doc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protocols/metric_fields.h"
#include "protocols/protocol.h"
#include "station/export/json.h"
#include "station/export/rep_json.h"

/* The status of a writer that said ok or not (err holds the message when it did not). */
static enum st_status status_of(bool ok, const struct st_err *err)
{
    if (ok)
        return ST_OK;
    return err && err->code != ST_OK ? err->code : ST_ERR_IO;
}

/* The session, its reps and its balance (what export_session_load adds from the protocol text aside). */
static enum st_status load_balance(struct store *s, int64_t id, struct export_session *L, struct st_err *err)
{
    memset(L, 0, sizeof *L);
    enum st_status st = store_session_get(s, id, &L->sess, err);
    if (st == ST_OK)
        st = store_rep_list(s, id, &L->reps, &L->n, err);
    if (st != ST_OK)
        return st;
    st = store_session_bal_params(s, &L->sess, &L->params, err);
    if (st != ST_OK) {
        free(L->reps);
        L->reps = NULL;
        return st;
    }
    struct bal_rep *b = calloc(L->n ? L->n : 1, sizeof *b);
    if (!b) {
        free(L->reps);
        L->reps = NULL;
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    store_reps_to_balance(L->reps, L->n, b);
    bal_compute(b, L->n, &L->params, &L->bal);
    free(b);
    return ST_OK;
}

enum st_status export_session_load(struct store *s, int64_t id, struct export_session *L, struct st_err *err)
{
    enum st_status st = load_balance(s, id, L, err);
    if (st != ST_OK)
        return st;
    /* The title and the sides from the protocol text stored with the session (a session without one
     * keeps an empty title, and the "both" side when a rep was measured on it). */
    char *text = NULL;
    struct proto_def def;
    if (L->sess.protocol_id > 0 && store_protocol_text(s, L->sess.protocol_id, &text, NULL) == ST_OK &&
        proto_load_text("stored protocol", text, &def, NULL) == ST_OK) {
        snprintf(L->protocol_title, sizeof L->protocol_title, "%s", def.title);
        for (int k = 0; k < def.nblocks; k++)
            L->has_both_side |= def.blocks[k].side == ST_SIDE_BOTH;
        proto_free(&def);
    }
    free(text);
    for (size_t i = 0; i < L->n; i++)
        L->has_both_side |= L->reps[i].side == ST_SIDE_BOTH;
    return ST_OK;
}

const char *const export_feedback_keys[EXPORT_FEEDBACK_N] = {"big_force", "no_numbers", "none"};

const char *export_feedback_words(const char *key)
{
    static const char *const words[EXPORT_FEEDBACK_N] = {"big force", "bar and target band, no numbers", "none"};
    for (size_t k = 0; key && k < EXPORT_FEEDBACK_N; k++)
        if (strcmp(key, export_feedback_keys[k]) == 0)
            return words[k];
    return "not recorded";
}

void export_session_free(struct export_session *doc)
{
    free(doc->reps);
    doc->reps = NULL;
    doc->n = 0;
}

/* One text cell, RFC 4180. A text that a spreadsheet would run as a formula (it starts with =, +, -, @,
 * a tab or a CR: "=HYPERLINK(...)" in a note) gets a leading ' so it stays text (the OWASP advice for
 * CSV injection). Only text cells pass here: numbers are written by csv_num and stay numbers. */
static void csv_field(FILE *f, const char *s)
{
    bool formula = s[0] && strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = s[0] == ' ' || (s[0] && s[strlen(s) - 1] == ' ') || strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    if (quote)
        fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.10g", v);
    else
        fputc(',', f);
}

/* The CSV's metric columns are the table's MET_IN_CSV rows: those that are analyze keys (before the
 * flags) or the others (after them). */
static bool csv_metric(const struct met_field *mf, bool analyze_keys)
{
    return (mf->use & MET_IN_CSV) && ((mf->use & MET_IN_ANALYZE) != 0) == analyze_keys;
}

static void csv_metric_names(FILE *f, bool analyze_keys)
{
    for (size_t k = 0; k < met_field_count; k++)
        if (csv_metric(&met_fields[k], analyze_keys))
            fprintf(f, ",%s", met_fields[k].key);
}

static void csv_metrics(FILE *f, const struct met_result *m, bool analyze_keys)
{
    for (size_t k = 0; k < met_field_count; k++)
        if (csv_metric(&met_fields[k], analyze_keys))
            csv_num(f, met_field_get(m, &met_fields[k]));
}

static bool csv_write(struct store *s, const struct export_session *L, bool raw, FILE *f, struct st_err *err)
{
    /* The metric columns come from protocols/metric_fields.h: the analyze keys, the flags, the rest. */
    fputs(
        "session_id,session_uuid,rep_id,rep_uuid,sequence,block,index,direction,side,familiarisation,status,"
        "accepted,counts",
        f);
    csv_metric_names(f, true);
    fputs(",flags", f);
    csv_metric_names(f, false);
    fputs(",lever_m,body_mass_kg,pain,note,feedback\r\n", f);
    for (size_t i = 0; i < L->n; i++) {
        const struct store_rep *r = &L->reps[i];
        fprintf(f, "%lld,%s,%lld,%s,%d,%d,%d,%s,%s,%d,%s,%d,%d", (long long)L->sess.id, L->sess.uuid,
                (long long)r->id, r->uuid, r->sequence, r->block_index + 1, r->index_in_block,
                st_dir_name(r->dir), st_side_name(r->side), r->familiarisation,
                store_rep_status_name(r->status), r->status == STORE_REP_ACCEPTED, r->counts);
        csv_metrics(f, &r->m, true);
        char flags[128];
        fputc(',', f);
        csv_field(f, met_flags_str(r->m.flags, ";", flags, sizeof flags));
        csv_metrics(f, &r->m, false);
        csv_num(f, r->lever_m);
        csv_num(f, r->body_mass_kg);
        if (r->pain >= 0)
            fprintf(f, ",%d,", r->pain);
        else
            fputs(",,", f);
        csv_field(f, r->note);
        fputc(',', f); /* the patient's screen during the rep (feedback changes force); empty: not recorded */
        csv_field(f, r->feedback);
        fputs("\r\n", f);
    }
    if (!raw)
        return true;
    fputs("\r\nrep_id,rep_uuid,sequence,t_s,force_n\r\n", f);
    for (size_t i = 0; i < L->n; i++) {
        double *t = NULL, *fn = NULL;
        size_t n = 0;
        enum st_status st = store_rep_samples(s, L->reps[i].id, &t, &fn, &n, err);
        if (st == ST_ERR_NOT_FOUND)
            continue;
        if (st != ST_OK)
            return false;
        for (size_t k = 0; k < n; k++)
            fprintf(f, "%lld,%s,%d,%.17g,%.17g\r\n", (long long)L->reps[i].id, L->reps[i].uuid,
                    L->reps[i].sequence, t[k], fn[k]);
        free(t);
        free(fn);
    }
    return true;
}

#define RATIO_SOURCE "groin-injury research in athletes (Tyler 2001, Thorborg 2011)"

/* The summary: one row per direction and side that has counting reps. */
static bool csv_summary(const struct export_session *L, FILE *f)
{
    const struct store_session *x = &L->sess;
    fputs("patient_ref,session_id,date,started_utc,protocol,position,direction,side,reps,best_n,mean_n,cv_pct,"
          "best_n_per_kg,best_torque_nm,best_nm_per_kg,add_abd_ratio,ratio_flag,asymmetry_pct,weaker_side,"
          "asymmetry_flag\r\n",
          f);
    char date[16] = "", utc[32];
    time_t t = (time_t)x->started;
    struct tm tm;
    if (x->started && localtime_r(&t, &tm))
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
    store_time_str(x->started, utc, sizeof utc);
    for (int dir = 0; dir < ST_DIR_COUNT; dir++)
        for (int side = 0; side < ST_SIDE_COUNT; side++) {
            const struct bal_cell *c = &L->bal.cell[dir][side];
            if (c->n == 0)
                continue;
            csv_field(f, x->patient_ref);
            fprintf(f, ",%lld,%s,%s,", (long long)x->id, date, utc);
            csv_field(f, x->protocol_name);
            fputc(',', f);
            csv_field(f, x->position);
            fprintf(f, ",%s,%s,%d", st_dir_name((enum st_dir)dir), st_side_name((enum st_side)side), c->n);
            csv_num(f, c->best_n);
            csv_num(f, c->mean_n);
            csv_num(f, c->cv_pct);
            csv_num(f, c->best_n_per_kg);
            csv_num(f, c->best_torque_nm);
            csv_num(f, c->best_nm_per_kg);
            csv_num(f, L->bal.ratio[side]);
            fprintf(f, ",%s", bal_flag_name(L->bal.ratio_flag[side]));
            csv_num(f, L->bal.asym_pct[dir]);
            enum st_side w = L->bal.weaker[dir];
            fprintf(f, ",%s,%s\r\n", isfinite(L->bal.asym_pct[dir]) && w != ST_SIDE_BOTH ? st_side_name(w) : "",
                    bal_flag_name(L->bal.asym_flag[dir]));
        }
    return !ferror(f);
}

static void json_flag(struct json_writer *w, enum bal_flag fl)
{
    if (fl == BAL_NONE)
        json_null(w);
    else
        json_string(w, bal_flag_name(fl));
}

/* The session object (format "station-session") without the outer document. */
static bool session_json(struct store *s, const struct export_session *L, bool raw, struct json_writer *w,
                         struct st_err *err)
{
    const struct store_session *x = &L->sess;
    char when[32];
    json_begin_object(w);
    json_kv_string(w, "format", "station-session");
    json_kv_int(w, "version", 1);
    json_key(w, "session");
    json_begin_object(w);
    json_kv_int(w, "id", x->id);
    json_kv_string(w, "uuid", x->uuid);
    json_kv_string(w, "started", store_time_str(x->started, when, sizeof when));
    json_kv_string(w, "ended", x->ended ? store_time_str(x->ended, when, sizeof when) : NULL);
    json_kv_string(w, "status", store_session_status_name(x->status));
    json_kv_string(w, "position", x->position[0] ? x->position : NULL);
    json_kv_string(w, "mode", x->mode[0] ? x->mode : NULL);
    json_kv_int(w, "seed", x->seed);
    json_kv_number(w, "body_mass_kg", x->body_mass_kg);
    json_kv_number(w, "lever_m", x->lever_m);
    json_kv_number(w, "sample_rate_hz", x->sample_rate_hz);
    json_kv_number(w, "jitter_ms", x->jitter_ms);
    json_key(w, "drops");
    if (x->drops >= 0)
        json_int(w, x->drops);
    else
        json_null(w);
    json_key(w, "bad_lines");
    if (x->bad_lines >= 0)
        json_int(w, x->bad_lines);
    else
        json_null(w);
    json_end_object(w);
    json_key(w, "patient");
    json_begin_object(w);
    json_kv_int(w, "id", x->patient_id);
    json_kv_string(w, "uuid", x->patient_uuid);
    json_kv_string(w, "ref", x->patient_ref[0] ? x->patient_ref : NULL);
    json_end_object(w);
    json_kv_string(w, "therapist", x->therapist[0] ? x->therapist : NULL);
    json_key(w, "protocol");
    json_begin_object(w);
    json_kv_string(w, "name", x->protocol_name[0] ? x->protocol_name : NULL);
    json_kv_string(w, "title", L->protocol_title[0] ? L->protocol_title : NULL);
    json_kv_string(w, "sha256", x->protocol_sha256[0] ? x->protocol_sha256 : NULL);
    json_end_object(w);
    json_key(w, "devices");
    json_begin_array(w);
    for (int ch = 0; ch < ST_MAX_CHANNELS; ch++) {
        struct store_device d;
        if (x->device_id[ch] <= 0 || store_device_get(s, x->device_id[ch], &d, err) != ST_OK)
            continue;
        json_begin_object(w);
        json_kv_int(w, "channel", ch);
        json_kv_string(w, "uuid", d.uuid);
        json_kv_string(w, "family", d.family);
        json_kv_string(w, "model", d.model[0] ? d.model : NULL);
        json_kv_string(w, "serial", d.serial);
        json_kv_string(w, "firmware", d.firmware[0] ? d.firmware : NULL);
        json_kv_number(w, "capacity_n", d.capacity_n);
        json_kv_string(w, "unit", d.unit[0] ? d.unit : NULL);
        struct store_cal_status cs; /* as it stood when the session was run */
        if (store_calibration_status(s, d.id, x->started, 0, &cs, err) != ST_OK)
            return false;
        json_key(w, "calibration");
        json_begin_object(w);
        json_kv_string(w, "state", store_cal_state_name(cs.state));
        json_kv_bool(w, "flagged", cs.state != STORE_CAL_OK);
        char checked[32];
        json_kv_string(w, "checked",
                       cs.state == STORE_CAL_NONE ? NULL
                                                  : store_time_str(cs.last.checked, checked, sizeof checked));
        json_kv_number(w, "error_pct", cs.state == STORE_CAL_NONE ? NAN : cs.last.error_pct);
        json_kv_number(w, "reference_kg", cs.state == STORE_CAL_NONE ? NAN : cs.last.reference_kg);
        json_kv_string(w, "message", cs.text[0] ? cs.text : NULL);
        json_end_object(w);
        json_end_object(w);
    }
    json_end_array(w);
    struct store_session_event *evs = NULL;
    size_t nev = 0;
    if (store_session_events(s, x->id, &evs, &nev, err) != ST_OK)
        return false;
    json_key(w, "events"); /* the session's flow: state changes, tares, extra reps, device lost/back */
    json_begin_array(w);
    for (size_t i = 0; i < nev; i++) {
        json_begin_object(w);
        json_key(w, "at_s");
        json_number_fixed(w, (double)evs[i].at_ms / 1000.0, 3);
        json_kv_string(w, "kind", evs[i].kind);
        json_kv_string(w, "state", evs[i].state[0] ? evs[i].state : NULL);
        json_kv_string(w, "detail", evs[i].detail[0] ? evs[i].detail : NULL);
        json_end_object(w);
    }
    json_end_array(w);
    free(evs);
    json_key(w, "reps");
    json_begin_array(w);
    for (size_t i = 0; i < L->n; i++) {
        double *t = NULL, *f = NULL;
        size_t n = 0;
        if (raw) {
            enum st_status st = store_rep_samples(s, L->reps[i].id, &t, &f, &n, err);
            if (st != ST_OK && st != ST_ERR_NOT_FOUND)
                return false;
        }
        export_rep_json(w, &L->reps[i], t, f, n);
        free(t);
        free(f);
    }
    json_end_array(w);
    json_key(w, "cells");
    json_begin_array(w);
    for (int dir = 0; dir < ST_DIR_COUNT; dir++)
        for (int side = 0; side < ST_SIDE_COUNT; side++) {
            const struct bal_cell *c = &L->bal.cell[dir][side];
            if (c->n == 0)
                continue;
            json_begin_object(w);
            json_kv_string(w, "direction", st_dir_name((enum st_dir)dir));
            json_kv_string(w, "side", st_side_name((enum st_side)side));
            json_kv_int(w, "n", c->n);
            json_kv_number(w, "best_n", c->best_n);
            json_kv_number(w, "mean_n", c->mean_n);
            json_kv_number(w, "cv_pct", c->cv_pct);
            json_kv_bool(w, "cv_over_limit", c->cv_over_limit);
            json_kv_number(w, "best_n_per_kg", c->best_n_per_kg);
            json_kv_number(w, "best_torque_nm", c->best_torque_nm);
            json_kv_number(w, "best_nm_per_kg", c->best_nm_per_kg);
            /* side-lying ABD: the torque against gravity too (null when not corrected) */
            json_kv_number(w, "best_torque_corrected_nm", c->best_torque_corrected_nm);
            json_kv_number(w, "best_nm_per_kg_corrected", c->best_nm_per_kg_corrected);
            json_end_object(w);
        }
    json_end_array(w);
    json_kv_bool(w, "gravity_corrected", L->params.gravity_correction);
    json_key(w, "sides");
    json_begin_object(w);
    for (int side = 0; side < ST_SIDE_COUNT; side++) {
        if (side == ST_SIDE_BOTH && !L->has_both_side)
            continue; /* a unilateral protocol has no "both" side to report */
        json_key(w, st_side_name((enum st_side)side));
        json_begin_object(w);
        json_kv_number(w, "add_abd_ratio", L->bal.ratio[side]);
        json_key(w, "flag");
        json_flag(w, L->bal.ratio_flag[side]);
        json_end_object(w);
    }
    json_end_object(w);
    json_kv_string(w, "ratio_cutoffs_source", RATIO_SOURCE);
    json_key(w, "cutoffs"); /* the bands this session was judged by (its protocol's, else the defaults) */
    json_begin_object(w);
    json_kv_number(w, "ratio_red_below", L->params.ratio_red);
    json_kv_number(w, "ratio_amber_below", L->params.ratio_amber);
    json_kv_string(w, "ratio_source", RATIO_SOURCE);
    json_kv_number(w, "asymmetry_amber_above_pct", L->params.asym_amber);
    json_kv_number(w, "asymmetry_red_above_pct", L->params.asym_red);
    json_kv_string(w, "asymmetry_formula", "100 x (stronger - weaker) / stronger");
    json_kv_number(w, "cv_limit_pct", L->params.cv_limit_pct);
    json_end_object(w);
    json_key(w, "asymmetry");
    json_begin_object(w);
    for (int dir = 0; dir < ST_DIR_COUNT; dir++) {
        json_key(w, st_dir_name((enum st_dir)dir));
        json_begin_object(w);
        json_kv_number(w, "pct", L->bal.asym_pct[dir]);
        json_key(w, "weaker");
        json_string(w, isfinite(L->bal.asym_pct[dir]) && L->bal.weaker[dir] != ST_SIDE_BOTH
                           ? st_side_name(L->bal.weaker[dir])
                           : NULL);
        json_key(w, "flag");
        json_flag(w, L->bal.asym_flag[dir]);
        json_end_object(w);
    }
    json_end_object(w);
    json_end_object(w);
    return true;
}

static void audit_json(struct json_writer *w, const struct store_audit *a, size_t n)
{
    char when[32];
    for (size_t i = 0; i < n; i++) {
        json_begin_object(w);
        json_kv_string(w, "at", store_time_str(a[i].at, when, sizeof when));
        json_kv_string(w, "therapist", a[i].therapist[0] ? a[i].therapist : NULL);
        json_kv_string(w, "table", a[i].table);
        json_kv_string(w, "row_uuid", a[i].row_uuid);
        json_kv_string(w, "action", a[i].action);
        json_kv_string(w, "field", a[i].field[0] ? a[i].field : NULL);
        json_kv_string(w, "old_value", a[i].old_value[0] ? a[i].old_value : NULL);
        json_kv_string(w, "new_value", a[i].new_value[0] ? a[i].new_value : NULL);
        json_kv_string(w, "reason", a[i].reason[0] ? a[i].reason : NULL);
        json_end_object(w);
    }
}

static bool audit_of(struct store *s, struct json_writer *w, const char *uuid, struct st_err *err)
{
    struct store_audit *a = NULL;
    size_t n = 0;
    if (store_audit_list(s, uuid, &a, &n, err) != ST_OK)
        return false;
    audit_json(w, a, n);
    free(a);
    return true;
}

static bool patient_json(struct store *s, int64_t pid, FILE *f, struct st_err *err)
{
    struct store_patient *p = calloc(1, sizeof *p);
    if (!p) {
        st_err_set(err, ST_ERR_NOMEM, NULL);
        return false;
    }
    struct store_mass *masses = NULL;
    struct store_session *sessions = NULL;
    size_t nm = 0, ns = 0;
    bool ok = store_patient_get(s, pid, p, err) == ST_OK &&
              store_mass_list(s, pid, &masses, &nm, err) == ST_OK &&
              store_session_list(s, pid, &sessions, &ns, err) == ST_OK;
    if (ok) {
        char when[32];
        struct json_writer w;
        json_init(&w, f, true);
        json_begin_object(&w);
        json_kv_string(&w, "format", "station-patient-export");
        json_kv_int(&w, "version", 1);
        json_kv_string(&w, "exported", store_time_str((int64_t)time(NULL), when, sizeof when));
        json_key(&w, "patient");
        json_begin_object(&w);
        json_kv_int(&w, "id", p->id);
        json_kv_string(&w, "uuid", p->uuid);
        json_kv_string(&w, "name", p->name);
        json_kv_string(&w, "ref", p->ref[0] ? p->ref : NULL);
        json_kv_string(&w, "birth_date", p->birth);
        char c[2] = {p->sex, 0};
        json_kv_string(&w, "sex", c);
        c[0] = p->side_dominant;
        json_kv_string(&w, "dominant_side", c[0] ? c : NULL);
        json_kv_number(&w, "leg_length_m", p->leg_length_m);
        json_kv_number(&w, "lever_m", p->lever_m);
        json_kv_string(&w, "notes", p->notes[0] ? p->notes : NULL);
        json_kv_string(&w, "created", store_time_str(p->created, when, sizeof when));
        json_kv_string(&w, "updated", store_time_str(p->updated, when, sizeof when));
        json_end_object(&w);
        json_key(&w, "body_mass");
        json_begin_array(&w);
        for (size_t i = 0; i < nm; i++) {
            json_begin_object(&w);
            json_kv_string(&w, "date", masses[i].date);
            json_kv_number(&w, "kg", masses[i].kg);
            json_end_object(&w);
        }
        json_end_array(&w);
        json_key(&w, "sessions");
        json_begin_array(&w);
        for (size_t i = ns; ok && i-- > 0;) { /* oldest first */
            struct export_session L;
            ok = export_session_load(s, sessions[i].id, &L, err) == ST_OK;
            if (ok)
                ok = session_json(s, &L, true, &w, err);
            export_session_free(&L);
        }
        json_end_array(&w);
        json_key(&w, "audit");
        json_begin_array(&w);
        ok = ok && audit_of(s, &w, p->uuid, err);
        for (size_t i = 0; ok && i < ns; i++) {
            ok = audit_of(s, &w, sessions[i].uuid, err);
            struct store_rep *reps = NULL;
            size_t nr = 0;
            ok = ok && store_rep_list(s, sessions[i].id, &reps, &nr, err) == ST_OK;
            for (size_t k = 0; ok && k < nr; k++)
                ok = audit_of(s, &w, reps[k].uuid, err);
            free(reps);
        }
        json_end_array(&w);
        json_end_object(&w);
        if (!json_finish(&w) && ok) {
            st_err_set(err, ST_ERR_IO, "Writing the export failed (is the disk full?)");
            ok = false;
        }
    }
    free(p);
    free(masses);
    free(sessions);
    return ok;
}

enum st_status export_session_csv(struct store *s, const struct export_session *doc, bool raw, FILE *f,
                                  struct st_err *err)
{
    return status_of(csv_write(s, doc, raw, f, err), err);
}

enum st_status export_session_csv_summary(const struct export_session *doc, FILE *f, struct st_err *err)
{
    if (!csv_summary(doc, f))
        return st_err_set(err, ST_ERR_IO, "Writing the summary failed (is the disk full?)");
    return ST_OK;
}

enum st_status export_rep_samples_csv(struct store *s, const struct export_session *doc, int seq, FILE *f,
                                      struct st_err *err)
{
    const struct store_rep *r = NULL;
    for (size_t i = 0; i < doc->n && !r; i++)
        if (doc->reps[i].sequence == seq)
            r = &doc->reps[i];
    if (!r)
        return st_err_set(err, ST_ERR_NOT_FOUND, "Session %lld has no repetition %d (it has %zu: see station show %lld)",
                          (long long)doc->sess.id, seq, doc->n, (long long)doc->sess.id);
    double *t = NULL, *fn = NULL;
    size_t n = 0;
    enum st_status st = store_rep_samples(s, r->id, &t, &fn, &n, err);
    if (st != ST_OK)
        return st;
    fputs("t_s,force_n\r\n", f);
    for (size_t k = 0; k < n; k++)
        fprintf(f, "%.17g,%.17g\r\n", t[k], fn[k]);
    free(t);
    free(fn);
    if (ferror(f))
        return st_err_set(err, ST_ERR_IO, "Writing the samples failed (is the disk full?)");
    return ST_OK;
}

enum st_status export_session_json(struct store *s, const struct export_session *doc, bool raw, FILE *f,
                                   struct st_err *err)
{
    struct json_writer w;
    json_init(&w, f, true);
    bool ok = session_json(s, doc, raw, &w, err);
    if (!json_finish(&w) && ok) {
        st_err_set(err, ST_ERR_IO, "Writing the export failed (is the disk full?)");
        ok = false;
    }
    return status_of(ok, err);
}

enum st_status export_patient_json(struct store *s, int64_t patient_id, FILE *f, struct st_err *err)
{
    return status_of(patient_json(s, patient_id, f, err), err);
}
