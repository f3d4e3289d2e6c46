/*
 * report.c - composes the balance report's pages from a struct report_data (report_data.h) with the
 * drawing kit (report_pdf.h). Every number is formatted by rpdf_num with the decimals of the table
 * below (forces 1, per-kg 2, ratio 2, percentages 1, times 3), so a test can find each number of the
 * JSON export in the PDF's text. Colour never carries a meaning alone: every band and flag is written
 * in words beside it. See station/export/report.h for the page plan.
 */
#include "station/export/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protocols/references.h"
#include "station/export/report_data.h"
#include "station/export/report_pdf.h"

#define A4_W 595.276
#define A4_H 841.89
#define LETTER_W 612.0
#define LETTER_H 792.0

#define COL_RED 0xd83a34
#define COL_AMBER 0xf2a900
#define COL_GREEN 0x3b9b4f
#define COL_BEST 0x0b3d91
#define COL_FAINT 0x9db4dc
#define COL_HOLD 0xdcefdc
#define COL_GRID 0xd0d0d0
#define COL_TEXT 0x000000
#define COL_MUTED 0x555555

static const struct rpdf_font F_BODY = {8.5, false, false}, F_SMALL = {7.0, false, false},
                              F_LABEL = {8.5, true, false}, F_NOTE = {7.5, false, true};

/* The report as it is being drawn. */
struct ctx {
    struct rpdf pdf;
    const struct report_data *d;
    struct report_layout *layout;
    bool progress;
    double page_w, page_h;
};

static void note_page(struct ctx *c)
{
    struct report_layout *L = c->layout;
    int i = c->pdf.page - 1;
    if (i >= 0 && i < 8) {
        L->page_w[i] = c->pdf.w;
        L->page_h[i] = c->pdf.h;
    }
    if (c->pdf.page > L->pages)
        L->pages = c->pdf.page;
}

static struct report_box box_at(const struct ctx *c, double x, double y, double w, double h)
{
    return (struct report_box){c->pdf.page, x, y, w, h};
}

/* Local time in one of three forms (strftime wants literal formats). */
enum tfmt { DATE_FMT, DATETIME_FMT };
static const char *local_time(int64_t unix_s, enum tfmt form, char *buf, size_t size)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    size_t k = 0;
    if (unix_s > 0 && localtime_r(&t, &tm))
        k = form == DATE_FMT ? strftime(buf, size, "%Y-%m-%d", &tm) : strftime(buf, size, "%Y-%m-%d %H:%M %Z", &tm);
    if (k == 0)
        snprintf(buf, size, "-");
    return buf;
}

static const char *side_word(enum st_side s)
{
    return s == ST_SIDE_LEFT ? "Left" : s == ST_SIDE_RIGHT ? "Right" : "Both";
}

/* ------------------------------------------------------------------------------------------------ */
/* Header                                                                                           */

/* label and value side by side in a column of width w at (x, y); returns the height. */
static double kv(struct ctx *c, double x, double y, double w, const char *label, const char *value)
{
    const double lw = 92;
    rpdf_rgb(&c->pdf, COL_MUTED);
    double h1 = rpdf_text(&c->pdf, x, y, lw - 4, label, F_LABEL, RPDF_LEFT, true);
    rpdf_rgb(&c->pdf, COL_TEXT);
    double h2 = rpdf_text(&c->pdf, x + lw, y, w - lw, value && value[0] ? value : "-", F_BODY, RPDF_LEFT, true);
    return (h1 > h2 ? h1 : h2) + 1.5;
}

static void device_line(const struct report_device *rd, char *buf, size_t size)
{
    char when[32];
    const struct store_device *d = &rd->dev;
    int k = snprintf(buf, size, "%s %s, serial %s", d->family, d->model[0] ? d->model : "", d->serial[0] ? d->serial : "none");
    if (k < 0 || (size_t)k >= size)
        return;
    if (rd->cal.state == STORE_CAL_OK)
        snprintf(buf + k, size - (size_t)k, "; calibration checked %s, error %+.2f %% (ok)",
                 local_time(rd->cal.last.checked, DATE_FMT, when, sizeof when), rd->cal.last.error_pct);
    else
        snprintf(buf + k, size - (size_t)k, "; CALIBRATION FLAGGED (%s): %s", store_cal_state_name(rd->cal.state),
                 rd->cal.text[0] ? rd->cal.text : "no check on record");
}

static void draw_header(struct ctx *c)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    char a[256], b[256];
    rpdf_rgb(p, 0x1a3c6e);
    p->y += rpdf_text(p, p->margin, p->y, rpdf_width(p),
                      c->progress ? "Hip adduction / abduction balance: progress report"
                                  : "Hip adduction / abduction balance report",
                      (struct rpdf_font){15, true, false}, RPDF_LEFT, true);
    snprintf(a, sizeof a, "station %s. Session %lld, %s.", STATION_VERSION, (long long)d->sess.id,
             store_session_status_name(d->sess.status));
    rpdf_rgb(p, COL_MUTED);
    p->y += rpdf_text(p, p->margin, p->y, rpdf_width(p), a, F_SMALL, RPDF_LEFT, true) + 6;

    const struct store_patient *pt = &d->patient;
    /* the name on its own line, the full width: any script, never cut */
    rpdf_rgb(p, COL_MUTED);
    rpdf_text(p, p->margin, p->y + 2, 92, "Patient", F_LABEL, RPDF_LEFT, true);
    rpdf_rgb(p, COL_TEXT);
    p->y += rpdf_text(p, p->margin + 92, p->y, rpdf_width(p) - 92, pt->name, (struct rpdf_font){11, true, false},
                      RPDF_LEFT, true) + 3;
    double colw = (rpdf_width(p) - 16) / 2, x0 = p->margin, x1 = p->margin + colw + 16;
    double y0 = p->y, y1 = p->y;
    y0 += kv(c, x0, y0, colw, "Reference", pt->ref[0] ? pt->ref : d->sess.patient_ref);
    if (d->age_years >= 0)
        snprintf(a, sizeof a, "%d years (born %s)", d->age_years, pt->birth);
    else
        snprintf(a, sizeof a, "unknown");
    y0 += kv(c, x0, y0, colw, "Age on the day", a);
    y0 += kv(c, x0, y0, colw, "Sex", pt->sex == 'F' ? "female" : pt->sex == 'M' ? "male" : "other / not stated");
    snprintf(a, sizeof a, "%s kg", rpdf_num(d->sess.body_mass_kg, 1, b, sizeof b));
    y0 += kv(c, x0, y0, colw, "Body mass on the day", a);
    y0 += kv(c, x0, y0, colw, "Dominant side",
             pt->side_dominant == 'L' ? "left" : pt->side_dominant == 'R' ? "right" : "not recorded");
    if (isfinite(pt->leg_length_m))
        y0 += kv(c, x0, y0, colw, "Leg length", rpdf_num(pt->leg_length_m, 2, a, sizeof a));

    y1 += kv(c, x1, y1, colw, "Date and time", local_time(d->sess.started, DATETIME_FMT, a, sizeof a));
    y1 += kv(c, x1, y1, colw, "Therapist", d->sess.therapist[0] ? d->sess.therapist : "not recorded");
    snprintf(a, sizeof a, "%s%s%s%s", d->sess.protocol_name[0] ? d->sess.protocol_name : "none recorded",
             d->have_protocol ? " (" : "", d->have_protocol ? d->protocol.title : "", d->have_protocol ? ")" : "");
    y1 += kv(c, x1, y1, colw, "Protocol", a);
    if (d->have_protocol)
        snprintf(a, sizeof a, "%s; hip flexion %.0f deg; %s lever; %s test%s", d->protocol.position,
                 d->protocol.hip_flexion_deg, proto_lever_name(d->protocol.lever),
                 proto_contraction_name(d->protocol.contraction),
                 d->protocol.gravity_correction ? "; gravity-corrected" : "");
    else
        snprintf(a, sizeof a, "%s", d->sess.position);
    y1 += kv(c, x1, y1, colw, "Position", a);
    snprintf(a, sizeof a, "%s m (hip joint centre to pad centre)", rpdf_num(d->sess.lever_m, 2, b, sizeof b));
    y1 += kv(c, x1, y1, colw, "Lever arm", a);
    snprintf(a, sizeof a, "%s; %s", d->sess.mode[0] ? d->sess.mode : "-",
             report_feedback_text(d->reps, d->n_reps, b, sizeof b));
    y1 += kv(c, x1, y1, colw, "Mode, feedback", a);
    snprintf(a, sizeof a, "%s Hz, jitter %s ms, %lld dropped, %lld bad line(s)",
             rpdf_num(d->sess.sample_rate_hz, 1, b, sizeof b), rpdf_num(d->sess.jitter_ms, 2, b + 64, sizeof b - 64),
             (long long)(d->sess.drops < 0 ? 0 : d->sess.drops), (long long)(d->sess.bad_lines < 0 ? 0 : d->sess.bad_lines));
    y1 += kv(c, x1, y1, colw, "Acquisition", a);
    p->y = (y0 > y1 ? y0 : y1) + 2;
    for (int i = 0; i < d->n_devices; i++) {
        char line[512];
        device_line(&d->devices[i], line, sizeof line);
        snprintf(a, sizeof a, "Device (channel %d)", d->devices[i].channel);
        p->y += kv(c, p->margin, p->y, rpdf_width(p), a, line);
    }
    if (d->n_devices == 0)
        p->y += kv(c, p->margin, p->y, rpdf_width(p), "Device", "none recorded");
}

/* ------------------------------------------------------------------------------------------------ */
/* Results, ratio, asymmetry                                                                        */

static void draw_results(struct ctx *c)
{
    const struct report_data *d = c->d;
    bool corr = d->params.gravity_correction;
    rpdf_heading(&c->pdf, "Results per direction and side (repetitions that count)", 40);
    static const struct rpdf_col cols[] = {
        {"Direction, side", 88, RPDF_LEFT}, {"Reps", 30, RPDF_RIGHT}, {"Best N", 46, RPDF_RIGHT},
        {"Mean N", 46, RPDF_RIGHT},         {"CV %", 40, RPDF_RIGHT}, {"N/kg", 38, RPDF_RIGHT},
        {"N·m", 42, RPDF_RIGHT},            {"N·m/kg", 42, RPDF_RIGHT}, {"Gravity-corr. N·m, N·m/kg", 70, RPDF_RIGHT},
        {"Note", 73, RPDF_LEFT}};
    enum { NC = 10 };
    const char *cells[ST_DIR_COUNT * ST_SIDE_COUNT][NC];
    char buf[ST_DIR_COUNT * ST_SIDE_COUNT][NC][64];
    int nrow = 0;
    for (int dir = 0; dir < ST_DIR_COUNT; dir++)
        for (int side = 0; side < ST_SIDE_COUNT; side++) {
            const struct bal_cell *cl = &d->bal.cell[dir][side];
            if (cl->n == 0)
                continue;
            char(*b)[64] = buf[nrow];
            snprintf(b[0], 64, "%s %s", st_dir_short((enum st_dir)dir), st_side_name((enum st_side)side));
            snprintf(b[1], 64, "%d", cl->n);
            rpdf_num(cl->best_n, 1, b[2], 64);
            rpdf_num(cl->mean_n, 1, b[3], 64);
            rpdf_num(cl->cv_pct, 1, b[4], 64);
            rpdf_num(cl->best_n_per_kg, 2, b[5], 64);
            rpdf_num(cl->best_torque_nm, 1, b[6], 64);
            rpdf_num(cl->best_nm_per_kg, 2, b[7], 64);
            if (isfinite(cl->best_torque_corrected_nm)) {
                char t1[32], t2[32];
                snprintf(b[8], 64, "%s, %s", rpdf_num(cl->best_torque_corrected_nm, 1, t1, sizeof t1),
                         rpdf_num(cl->best_nm_per_kg_corrected, 2, t2, sizeof t2));
            } else {
                snprintf(b[8], 64, "%s", corr && dir == ST_DIR_ABD ? "needs leg length" : "-");
            }
            snprintf(b[9], 64, "%s", cl->cv_over_limit ? "CV above limit: one more rep" : cl->n < 2 ? "one rep only" : "");
            for (int k = 0; k < NC; k++)
                cells[nrow][k] = b[k];
            nrow++;
        }
    rpdf_table(&c->pdf, cols, NC, &cells[0][0], nrow, 7.5);
    rpdf_rgb(&c->pdf, COL_MUTED);
    rpdf_para(&c->pdf,
              corr ? "Best = the largest peak force; mean = the mean peak; CV = 100 x SD / mean. Gravity correction "
                     "(side-lying ABD): torque + 0.161 x body mass x g x 0.447 x leg length (Winter); the ratio "
                     "uses the corrected ABD torque."
                   : "Best = the largest peak force; mean = the mean peak; CV = 100 x SD / mean (above the "
                     "protocol's limit asks for one more repetition). Torque = force x lever arm.",
              F_NOTE, 2);
}

static unsigned flag_colour(enum bal_flag f)
{
    return f == BAL_RED ? COL_RED : f == BAL_AMBER ? COL_AMBER : COL_GREEN;
}

static const char *flag_word(enum bal_flag f)
{
    return f == BAL_RED ? "RED" : f == BAL_AMBER ? "AMBER" : f == BAL_NORMAL ? "NORMAL" : "-";
}

#define BAND_LO 0.4
#define BAND_HI 1.6

static double band_x(double x, double w, double v)
{
    if (v < BAND_LO)
        v = BAND_LO;
    if (v > BAND_HI)
        v = BAND_HI;
    return x + w * (v - BAND_LO) / (BAND_HI - BAND_LO);
}

/* One side's ratio on its band: red below ratio_red, amber below ratio_amber, normal above; the words
 * written in each segment and beside the value. */
static void draw_band(struct ctx *c, enum st_side side)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    double r = d->bal.ratio[side];
    char a[160], v[32];
    rpdf_need(p, 40);
    const double lw = 150, x = p->margin + lw, w = rpdf_width(p) - lw, h = 14;
    enum bal_flag f = d->bal.ratio_flag[side];
    snprintf(a, sizeof a, "%s ADD:ABD %s  %s", side_word(side), rpdf_num(r, 2, v, sizeof v), flag_word(f));
    rpdf_rgb(p, COL_TEXT);
    rpdf_text(p, p->margin, p->y + 6, lw - 6, a, F_LABEL, RPDF_LEFT, true);
    double xr = band_x(x, w, d->params.ratio_red), xa = band_x(x, w, d->params.ratio_amber);
    double top = p->y + 4;
    rpdf_rect(p, x, top, xr - x, h, COL_RED);
    rpdf_rect(p, xr, top, xa - xr, h, COL_AMBER);
    rpdf_rect(p, xa, top, x + w - xa, h, COL_GREEN);
    rpdf_rgb(p, 0xffffff);
    rpdf_text(p, x, top + 2.5, xr - x, "red", F_SMALL, RPDF_CENTER, true);
    rpdf_rgb(p, COL_TEXT);
    rpdf_text(p, xr, top + 2.5, xa - xr, "amber", F_SMALL, RPDF_CENTER, true);
    rpdf_rgb(p, 0xffffff);
    rpdf_text(p, xa, top + 2.5, x + w - xa, "normal", F_SMALL, RPDF_CENTER, true);
    c->layout->ratio_band[side] = box_at(c, x, top, w, h);
    /* the value: a black marker through the band, never only a colour */
    double xv = band_x(x, w, r);
    rpdf_line(p, xv, top - 3, xv, top + h + 3, 2.2, COL_TEXT, false);
    /* the scale */
    for (double t = BAND_LO; t <= BAND_HI + 1e-9; t += 0.2) {
        double xt = band_x(x, w, t);
        rpdf_line(p, xt, top + h, xt, top + h + 2, 0.5, COL_MUTED, false);
        rpdf_rgb(p, COL_MUTED);
        rpdf_text(p, xt - 15, top + h + 2, 30, rpdf_num(t, 1, v, sizeof v), F_SMALL, RPDF_CENTER, true);
    }
    p->y = top + h + 14;
}

static void draw_ratio(struct ctx *c)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    rpdf_heading(p, "ADD:ABD ratio per side (best ADD torque / best ABD torque)", 40);
    bool any = false;
    for (int side = ST_SIDE_LEFT; side <= ST_SIDE_RIGHT; side++)
        if (isfinite(d->bal.ratio[side])) {
            draw_band(c, (enum st_side)side);
            any = true;
        }
    char a[600];
    if (!any) {
        rpdf_para(p, "Not available: the ratio needs counted ADD and ABD repetitions on the same side.", F_BODY, 2);
        return;
    }
    snprintf(a, sizeof a,
             "Cut-offs: red below %.2f, amber below %.2f, normal from %.2f%s. Source: groin-injury research in "
             "athletes, not in this patient's population - Tyler 2001 (Am J Sports Med 29:124, NHL players, "
             "eccentric side-lying: ADD below 80 %% of ABD carried a 17-fold risk of adductor strain) and "
             "Thorborg 2011 (above 0.90 for return to play). Use them with care for other patients. The ratio "
             "also depends on the position (1.49 to 2.30 between 0 and 20 deg of hip abduction, PMC7015023).",
             d->params.ratio_red, d->params.ratio_amber, d->params.ratio_amber,
             d->bal.ratio_corrected ? "; this ratio uses the gravity-corrected ABD torque" : "");
    rpdf_rgb(p, COL_MUTED);
    rpdf_para(p, a, F_NOTE, 2);
}

static void draw_asymmetry(struct ctx *c)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    rpdf_heading(p, "Left / right asymmetry", 30);
    rpdf_para(p, "Asymmetry = 100 x (stronger - weaker) / stronger, on the best torque (best force where no lever "
                 "arm is known); Bishop 2016 lists nine formulas, this is the one used here.",
              F_NOTE, 2);
    bool any = false;
    for (int dir = 0; dir < ST_DIR_COUNT; dir++) {
        double a = d->bal.asym_pct[dir];
        if (!isfinite(a))
            continue;
        any = true;
        char line[200], v[32];
        enum st_side w = d->bal.weaker[dir];
        enum bal_flag f = d->bal.asym_flag[dir];
        snprintf(line, sizeof line, "%s: %s %%, %s%s%s - %s (amber above %.0f %%, red above %.0f %%)",
                 st_dir_name((enum st_dir)dir), rpdf_num(a, 1, v, sizeof v), w == ST_SIDE_BOTH ? "sides equal" : "weaker side ",
                 w == ST_SIDE_BOTH ? "" : st_side_name(w), "", flag_word(f), d->params.asym_amber, d->params.asym_red);
        rpdf_need(p, 12);
        rpdf_rect(p, p->margin, p->y + 2, 8, 8, flag_colour(f));
        rpdf_rgb(p, COL_TEXT);
        p->y += rpdf_text(p, p->margin + 12, p->y, rpdf_width(p) - 12, line, F_BODY, RPDF_LEFT, true) + 1;
    }
    if (!any)
        rpdf_para(p, "Not available: the asymmetry needs counted repetitions on both sides.", F_BODY, 2);
}

/* ------------------------------------------------------------------------------------------------ */
/* Curves                                                                                           */

/* The onset used to align a rep on the common time axis (its interpolated onset; the end of the
 * baseline window when it has none). */
static double rep_onset(const struct store_rep *r, const struct report_trace *t)
{
    if (isfinite(r->m.onset_s))
        return r->m.onset_s;
    return t->n ? t->t_s[0] + 0.5 : 0;
}

static void plot_trace(struct ctx *c, const struct report_trace *t, double onset, double x, double y, double w,
                       double h, double t0, double t1, double fmax, double width, unsigned rgb)
{
    cairo_t *cr = c->pdf.cr;
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    rpdf_rgb(&c->pdf, rgb);
    cairo_set_line_width(cr, width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    /* at most about two points per horizontal pt: a 1 kHz trace needs no 10 000 segments */
    size_t step = t->n / (size_t)(2 * w) + 1;
    bool started = false;
    for (size_t i = 0; i < t->n; i += step) {
        double px = x + w * (t->t_s[i] - onset - t0) / (t1 - t0), py = y + h - h * t->f_n[i] / fmax;
        if (!started)
            cairo_move_to(cr, px, py);
        else
            cairo_line_to(cr, px, py);
        started = true;
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

static void draw_axes(struct ctx *c, double x, double y, double w, double h, double t0, double t1, double fmax,
                      const char *ylabel)
{
    struct rpdf *p = &c->pdf;
    char v[32];
    double fs = rpdf_nice_step(fmax, 4);
    for (double f = 0; f <= fmax + 1e-9; f += fs) {
        double py = y + h - h * f / fmax;
        rpdf_line(p, x, py, x + w, py, 0.3, COL_GRID, false);
        rpdf_rgb(p, COL_MUTED);
        rpdf_text(p, x - 30, py - 4, 27, rpdf_num(f, fs < 1 ? 1 : 0, v, sizeof v), (struct rpdf_font){6, false, false},
                  RPDF_RIGHT, true);
    }
    if (t1 > t0) {
        double ts = rpdf_nice_step(t1 - t0, w < 150 ? 3 : 6);
        for (double t = ceil(t0 / ts) * ts; t <= t1 + 1e-9; t += ts) {
            double px = x + w * (t - t0) / (t1 - t0);
            rpdf_line(p, px, y + h, px, y + h + 2, 0.4, COL_MUTED, false);
            rpdf_rgb(p, COL_MUTED);
            rpdf_text(p, px - 12, y + h + 2, 24, rpdf_num(t, ts < 1 ? 1 : 0, v, sizeof v),
                      (struct rpdf_font){6, false, false}, RPDF_CENTER, true);
        }
    }
    rpdf_rgb(p, COL_MUTED);
    rpdf_text(p, x - 30, y - 9, 60, ylabel, (struct rpdf_font){6, false, false}, RPDF_LEFT, true);
    rpdf_line(p, x, y, x, y + h, 0.6, COL_MUTED, false);
    rpdf_line(p, x, y + h, x + w, y + h, 0.6, COL_MUTED, false);
}

/* One chart: the reps of one direction and side on a common time axis (0 = onset), the other reps
 * faint, the best bold, the hold window shaded, onset and peak marked. */
static void draw_curve_cell(struct ctx *c, enum st_dir dir, enum st_side side, double x, double y, double w, double h)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    const struct bal_cell *cl = &d->bal.cell[dir][side];
    size_t best = (size_t)-1;
    double fmax = 10, tmax = 1;
    int nreps = 0;
    for (size_t i = 0; i < d->n_reps; i++) {
        const struct store_rep *r = &d->reps[i];
        if (r->dir != dir || r->side != side || r->familiarisation || d->traces[i].n == 0)
            continue;
        nreps++;
        const struct report_trace *t = &d->traces[i];
        double on = rep_onset(r, t);
        for (size_t k = 0; k < t->n; k++)
            if (t->f_n[k] > fmax)
                fmax = t->f_n[k];
        double end = isfinite(r->m.release_s) ? r->m.release_s : t->t_s[t->n - 1];
        if (end - on > tmax)
            tmax = end - on;
        if (r->counts && isfinite(r->m.peak_n) && (best == (size_t)-1 || r->m.peak_n > d->reps[best].m.peak_n))
            best = i;
    }
    double hold = d->have_protocol ? d->protocol.hold_s : NAN;
    if (isfinite(hold) && tmax < hold)
        tmax = hold;
    double t0 = -0.5, t1 = tmax + 0.7;
    fmax *= 1.12;
    char title[160], v[32];
    snprintf(title, sizeof title, "%s %s: best %s N%s (%d)", st_dir_short(dir), st_side_name(side),
             rpdf_num(cl->best_n, 1, v, sizeof v), best != (size_t)-1 ? "" : ", none counts", nreps);
    rpdf_rgb(p, COL_TEXT);
    rpdf_text(p, x - 30, y - 22, w + 30, title, (struct rpdf_font){7.5, true, false}, RPDF_LEFT, true);
    if (isfinite(hold)) { /* the protocol's hold window from the onset */
        double xe = x + w * (hold - t0) / (t1 - t0), xs = x + w * (0 - t0) / (t1 - t0);
        rpdf_rect(p, xs, y, xe - xs, h, COL_HOLD);
        rpdf_rgb(p, 0x2f6b3a);
        rpdf_text(p, xs + 2, y + h - 9, xe - xs, "hold window", (struct rpdf_font){5.5, false, false}, RPDF_LEFT, true);
    }
    draw_axes(c, x, y, w, h, t0, t1, fmax, "N");
    double xo = x + w * (0 - t0) / (t1 - t0);
    rpdf_line(p, xo, y, xo, y + h, 0.7, COL_MUTED, true);
    rpdf_rgb(p, COL_MUTED);
    rpdf_text(p, xo - 30, y + h + 9, 60, "onset (s)", (struct rpdf_font){6, false, false}, RPDF_CENTER, true);
    for (size_t i = 0; i < d->n_reps; i++) {
        const struct store_rep *r = &d->reps[i];
        if (r->dir != dir || r->side != side || r->familiarisation || d->traces[i].n == 0 || i == best)
            continue;
        plot_trace(c, &d->traces[i], rep_onset(r, &d->traces[i]), x, y, w, h, t0, t1, fmax, 0.7, COL_FAINT);
    }
    if (best != (size_t)-1) {
        const struct store_rep *r = &d->reps[best];
        double on = rep_onset(r, &d->traces[best]);
        plot_trace(c, &d->traces[best], on, x, y, w, h, t0, t1, fmax, 1.8, COL_BEST);
        double px = x + w * (r->m.peak_s - on - t0) / (t1 - t0), py = y + h - h * r->m.peak_n / fmax;
        if (isfinite(px) && isfinite(py)) {
            cairo_arc(p->cr, px, py, 2.6, 0, 2 * M_PI);
            rpdf_rgb(p, COL_RED);
            cairo_fill(p->cr);
            char lab[64];
            snprintf(lab, sizeof lab, "peak %s N (rep %d)", rpdf_num(r->m.peak_n, 1, v, sizeof v), r->sequence);
            rpdf_rgb(p, COL_TEXT);
            rpdf_text(p, px + 4 > x + w - 70 ? x + w - 70 : px + 4, py - 10 < y ? y : py - 10, 70, lab,
                      (struct rpdf_font){6, false, false}, RPDF_LEFT, true);
        }
    }
    if (c->layout->n_curves < REPORT_MAX_CURVES)
        c->layout->curves[c->layout->n_curves++] = box_at(c, x, y, w, h);
}

static void draw_curves(struct ctx *c)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    static const struct {
        enum st_dir dir;
        enum st_side side;
    } order[] = {{ST_DIR_ADD, ST_SIDE_LEFT}, {ST_DIR_ADD, ST_SIDE_RIGHT}, {ST_DIR_ABD, ST_SIDE_LEFT},
                 {ST_DIR_ABD, ST_SIDE_RIGHT}, {ST_DIR_ADD, ST_SIDE_BOTH}};
    int cells[5], n = 0;
    for (int k = 0; k < 5; k++) {
        bool has = false;
        for (size_t i = 0; i < d->n_reps && !has; i++)
            has = d->reps[i].dir == order[k].dir && d->reps[i].side == order[k].side && !d->reps[i].familiarisation &&
                  d->traces[i].n > 0;
        if (has)
            cells[n++] = k;
    }
    /* four charts to a row when there are more than two, so a whole session fits on page 1 */
    int ncol = n <= 2 ? 2 : 4;
    const double ch = ncol == 2 ? 92 : 78, rowh = ch + 44, gap = 12, axis = 30;
    rpdf_heading(p, "Force curves per direction and side", rowh + 20);
    rpdf_rgb(p, COL_MUTED);
    rpdf_para(p, "From the stored raw samples, aligned at each repetition's onset (time 0, dashed): the best "
                 "repetition bold, the others faint; the shaded band is the protocol's hold window, the dot the peak.",
              F_NOTE, 2);
    if (n == 0) {
        rpdf_para(p, "No raw samples are stored for this session.", F_BODY, 2);
        return;
    }
    double colw = (rpdf_width(p) - (ncol - 1) * gap) / ncol;
    for (int k = 0; k < n; k++) {
        int col = k % ncol;
        if (col == 0)
            rpdf_need(p, rowh);
        double x = p->margin + col * (colw + gap) + axis;
        draw_curve_cell(c, order[cells[k]].dir, order[cells[k]].side, x, p->y + 24, colw - axis, ch);
        if (col == ncol - 1 || k == n - 1)
            p->y += rowh;
    }
}

/* ------------------------------------------------------------------------------------------------ */
/* Page 2: reps to note, change, trend, references, plan, notes                                     */

static void draw_rep_notes(struct ctx *c)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    rpdf_heading(p, "Repetitions to note", 30);
    bool any = false;
    for (size_t i = 0; i < d->n_reps; i++) {
        const struct store_rep *r = &d->reps[i];
        char why[256], line[900];
        if (!report_rep_remark(d, r, why, sizeof why) && !r->note[0])
            continue;
        any = true;
        snprintf(line, sizeof line, "Rep %d, %s %s (no. %d in its block, peak %.1f N): %s%s%s", r->sequence,
                 st_dir_short(r->dir), st_side_name(r->side), r->index_in_block, isfinite(r->m.peak_n) ? r->m.peak_n : 0.0,
                 report_rep_remark(d, r, why, sizeof why) ? why : "counts", r->note[0] ? "; note: " : "", r->note);
        rpdf_para(p, line, F_BODY, 1);
    }
    for (size_t i = 0; i < d->n_events; i++)
        if (!strcmp(d->events[i].kind, "extra_rep")) {
            char line[300];
            snprintf(line, sizeof line, "Extra repetition asked, %s", d->events[i].detail);
            rpdf_para(p, line, F_BODY, 1);
            any = true;
        }
    if (!any)
        rpdf_para(p, "None: every measured repetition was accepted without a quality flag.", F_BODY, 2);
    else
        rpdf_para(p, "Flagged and rejected repetitions are kept in the record but do not count towards best and "
                     "mean unless the therapist accepted them.",
                  F_NOTE, 2);
}

/* "+12.3 % (beyond the band)" */
static const char *change_text(double now, double then, char *buf, size_t size)
{
    if (!isfinite(now) || !isfinite(then) || then == 0) {
        snprintf(buf, size, "-");
        return buf;
    }
    double pct = 100.0 * (now - then) / then;
    snprintf(buf, size, "%+.1f %% %s", pct, fabs(pct) > 10.0 ? "beyond band" : "within noise");
    return buf;
}

static double trend_value(const struct store_trend_row *r, int k)
{
    return k < 4 ? r->bal.cell[k / 2][k % 2].best_n : r->bal.ratio[k - 4];
}

static bool device_change_between(const struct report_data *d, int from, int to)
{
    for (int i = from + 1; i <= to; i++)
        if (d->trend[i].device_changed)
            return true;
    return false;
}

static void draw_change(struct ctx *c)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    rpdf_heading(p, "Change against the previous and the first session on this protocol", 40);
    int i = d->trend_index;
    if (i <= 0) {
        rpdf_para(p, i == 0 ? "This is the first session on this protocol: nothing to compare yet. It is the baseline "
                              "for the next ones."
                            : "This session is not part of the protocol's trend (still running?).",
                  F_BODY, 2);
        return;
    }
    const struct store_trend_row *now = &d->trend[i], *prev = &d->trend[i - 1], *first = &d->trend[0];
    char hp[64], hf[64], dp[32], df[32];
    snprintf(hp, sizeof hp, "Previous %s", local_time(prev->started, DATE_FMT, dp, sizeof dp));
    snprintf(hf, sizeof hf, "First %s", local_time(first->started, DATE_FMT, df, sizeof df));
    const struct rpdf_col cols[] = {{"", 90, RPDF_LEFT},  {"This session", 60, RPDF_RIGHT}, {hp, 90, RPDF_RIGHT},
                                    {"Change", 90, RPDF_LEFT}, {hf, 90, RPDF_RIGHT},        {"Change", 90, RPDF_LEFT}};
    static const char *names[6] = {"Best ADD left, N", "Best ADD right, N", "Best ABD left, N", "Best ABD right, N",
                                   "ADD:ABD left", "ADD:ABD right"};
    const char *cells[6][6];
    char buf[6][5][64];
    int nrow = 0;
    for (int k = 0; k < 6; k++) {
        int dec = k < 4 ? 1 : 2;
        if (!isfinite(trend_value(now, k)))
            continue;
        cells[nrow][0] = names[k];
        cells[nrow][1] = rpdf_num(trend_value(now, k), dec, buf[nrow][0], 64);
        cells[nrow][2] = rpdf_num(trend_value(prev, k), dec, buf[nrow][1], 64);
        cells[nrow][3] = change_text(trend_value(now, k), trend_value(prev, k), buf[nrow][2], 64);
        cells[nrow][4] = rpdf_num(trend_value(first, k), dec, buf[nrow][3], 64);
        cells[nrow][5] = change_text(trend_value(now, k), trend_value(first, k), buf[nrow][4], 64);
        nrow++;
    }
    rpdf_table(p, cols, 6, &cells[0][0], nrow, 7.5);
    rpdf_rgb(p, COL_MUTED);
    rpdf_para(p, "Beyond band: a change larger than the 10 % measurement-error band. Hand-held dynamometry has a "
                 "measurement error (SEM) of 3.3-7 %: a change below about 10 % may be noise.",
              F_NOTE, 2);
    if (device_change_between(d, i - 1, i) || device_change_between(d, 0, i)) {
        rpdf_rgb(p, COL_RED);
        rpdf_para(p, "The device changed between these sessions: hand-held dynamometers of different brands differ "
                     "by 0.2-16 %, so these changes are not comparable.",
                  F_LABEL, 2);
    }
}

/* The trend charts: best forces (4 series) and the ratio per side (2 series on its bands). */
static void draw_trend(struct ctx *c)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    int last = c->progress ? (int)d->n_trend - 1 : d->trend_index;
    if (last < 1)
        return;
    const double h = 110;
    rpdf_need(p, h + 60);
    p->y += 6;
    rpdf_rgb(p, COL_TEXT);
    rpdf_text(p, p->margin, p->y, rpdf_width(p), "Trend on this protocol (device changes marked)", F_LABEL, RPDF_LEFT, true);
    p->y += 26;
    double gw = (rpdf_width(p) - 80) / 2, xs[2] = {p->margin + 32, p->margin + 32 + gw + 48};
    static const unsigned colours[6] = {0x0b3d91, 0x4f8fd9, 0xb3541e, 0xeb9a55, 0x0b3d91, 0xb3541e};
    static const char *legend[2] = {"ADD left --  ADD right - -  ABD left --  ABD right - -  (best force, N)",
                                    "ratio left --  ratio right - -  on the red / amber / normal bands"};
    for (int g = 0; g < 2; g++) {
        double x = xs[g], ymax = 0;
        int k0 = g == 0 ? 0 : 4, k1 = g == 0 ? 4 : 6;
        for (int r = 0; r <= last; r++)
            for (int k = k0; k < k1; k++)
                if (isfinite(trend_value(&d->trend[r], k)) && trend_value(&d->trend[r], k) > ymax)
                    ymax = trend_value(&d->trend[r], k);
        ymax = g == 0 ? (ymax > 0 ? ymax * 1.15 : 100) : (ymax > 1.4 ? ymax * 1.1 : 1.5);
        if (g == 1) {
            double yr = p->y + h - h * d->params.ratio_red / ymax, ya = p->y + h - h * d->params.ratio_amber / ymax;
            rpdf_rect(p, x, yr, gw, p->y + h - yr, 0xf7d4d2);
            rpdf_rect(p, x, ya, gw, yr - ya, 0xfbeac0);
            rpdf_rect(p, x, p->y, gw, ya - p->y, 0xd5ecd9);
        }
        draw_axes(c, x, p->y, gw, h, 0, 0, ymax, g == 0 ? "N" : "ADD:ABD");
        for (int r = 0; r <= last; r++) {
            double px = x + gw * (r + 0.5) / (last + 1);
            char date[32];
            rpdf_rgb(p, COL_MUTED);
            rpdf_text(p, px - 22, p->y + h + 2, 44, local_time(d->trend[r].started, DATE_FMT, date, sizeof date),
                      (struct rpdf_font){5.5, false, false}, RPDF_CENTER, true);
            if (r > 0 && d->trend[r].device_changed) {
                double xd = x + gw * r / (last + 1);
                rpdf_line(p, xd, p->y, xd, p->y + h, 1.0, COL_RED, true);
                rpdf_rgb(p, COL_RED);
                rpdf_text(p, xd + 2, p->y + 2, 50, "device changed", (struct rpdf_font){5.5, false, false}, RPDF_LEFT,
                          true);
            }
        }
        for (int k = k0; k < k1; k++) {
            bool started = false;
            cairo_new_path(p->cr);
            for (int r = 0; r <= last; r++) {
                double v = trend_value(&d->trend[r], k);
                if (!isfinite(v))
                    continue;
                double px = x + gw * (r + 0.5) / (last + 1), py = p->y + h - h * v / ymax;
                if (started)
                    cairo_line_to(p->cr, px, py);
                else
                    cairo_move_to(p->cr, px, py);
                started = true;
            }
            static const double dash[] = {4.0, 2.0};
            rpdf_rgb(p, colours[k]);
            cairo_set_line_width(p->cr, 1.4);
            cairo_set_dash(p->cr, dash, (k % 2) ? 2 : 0, 0);
            cairo_stroke(p->cr);
            cairo_set_dash(p->cr, dash, 0, 0);
            for (int r = 0; r <= last; r++) {
                double v = trend_value(&d->trend[r], k);
                if (!isfinite(v))
                    continue;
                cairo_arc(p->cr, x + gw * (r + 0.5) / (last + 1), p->y + h - h * v / ymax, 1.8, 0, 2 * M_PI);
                cairo_fill(p->cr);
            }
        }
        rpdf_rgb(p, COL_MUTED);
        rpdf_text(p, x - 30, p->y + h + 12, gw + 30, legend[g], (struct rpdf_font){6, false, false}, RPDF_LEFT, true);
        if (g == 0)
            c->layout->trend = box_at(c, x, p->y, gw, h);
    }
    p->y += h + 26;
}

static void draw_progress_table(struct ctx *c)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    rpdf_heading(p, "Every session on this protocol", 40);
    static const struct rpdf_col cols[] = {
        {"Date", 52, RPDF_LEFT},      {"Session", 36, RPDF_RIGHT},   {"ADD L N", 42, RPDF_RIGHT},
        {"ADD R N", 42, RPDF_RIGHT},  {"ABD L N", 42, RPDF_RIGHT},   {"ABD R N", 42, RPDF_RIGHT},
        {"Ratio L", 34, RPDF_RIGHT},  {"Ratio R", 34, RPDF_RIGHT},   {"Asym ADD %", 40, RPDF_RIGHT},
        {"Asym ABD %", 40, RPDF_RIGHT}, {"Device", 111, RPDF_LEFT}};
    enum { NC = 11 };
    size_t n = d->n_trend;
    struct rpdf_grid g;
    if (!rpdf_grid_new(&g, n, NC, 200)) {
        rpdf_para(p, "(out of memory: the table is left out)", F_BODY, 2);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct store_trend_row *r = &d->trend[i];
        local_time(r->started, DATE_FMT, rpdf_grid_at(&g, i, 0), 200);
        snprintf(rpdf_grid_at(&g, i, 1), 200, "%lld", (long long)r->session_id);
        for (int k = 0; k < 6; k++)
            rpdf_num(trend_value(r, k), k < 4 ? 1 : 2, rpdf_grid_at(&g, i, 2 + k), 200);
        rpdf_num(r->bal.asym_pct[ST_DIR_ADD], 1, rpdf_grid_at(&g, i, 8), 200);
        rpdf_num(r->bal.asym_pct[ST_DIR_ABD], 1, rpdf_grid_at(&g, i, 9), 200);
        snprintf(rpdf_grid_at(&g, i, 10), 200, "%s%s%s", r->devices[0] ? r->devices : "-",
                 r->device_changed ? " (CHANGED)" : "", r->protocol_changed ? " (protocol text changed)" : "");
    }
    rpdf_table(p, cols, NC, g.cells, (int)n, 7);
    rpdf_grid_free(&g);
}

static void draw_others(struct ctx *c)
{
    const struct report_data *d = c->d;
    if (d->n_others == 0)
        return;
    struct rpdf *p = &c->pdf;
    char line[400];
    snprintf(line, sizeof line,
             "Sessions on other protocols (%zu), listed but never compared: another position gives other numbers.",
             d->n_others);
    rpdf_para(p, line, F_LABEL, 1);
    for (size_t i = 0; i < d->n_others && i < 12; i++) {
        char date[32];
        snprintf(line, sizeof line, "%s  session %lld  %s  %s", local_time(d->others[i].started, DATE_FMT, date, sizeof date),
                 (long long)d->others[i].id, d->others[i].protocol_name[0] ? d->others[i].protocol_name : "-",
                 d->others[i].position);
        rpdf_para(p, line, F_SMALL, 0.5);
    }
    p->y += 3;
}

static void draw_references(struct ctx *c)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    rpdf_heading(p, "Reference values", 24);
    int shown = 0;
    size_t nref = 0;
    const struct ref_values *references = ref_values_table(&nref);
    for (size_t i = 0; d->have_protocol && i < nref; i++) {
        const struct ref_values *r = &references[i];
        if (!ref_values_match(r, d->protocol.contraction, d->protocol.position))
            continue;
        char line[400];
        snprintf(line, sizeof line, "%s: %s. Population: compare only if the patient belongs to it.", r->what, r->values);
        rpdf_para(p, line, F_BODY, 1);
        shown++;
    }
    if (!shown) {
        char line[400];
        snprintf(line, sizeof line,
                 "None shown: the published values (Mosler 2017, Beddows 2020, Ramskov 2014) come from eccentric (break) tests or a fixed frame "
                 "in athletes and runners, and this session is a %s test (%s). Values from another position or "
                 "test do not compare.",
                 d->have_protocol ? proto_contraction_name(d->protocol.contraction) : "unknown",
                 d->sess.position[0] ? d->sess.position : "position not recorded");
        rpdf_para(p, line, F_BODY, 2);
    }
}

static void draw_plan(struct ctx *c)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    rpdf_heading(p, "Plan: suggestions for the therapist to confirm or change", 60);
    struct report_plan plan;
    report_plan_make(&d->bal, &d->params, &plan);
    char line[700], a[32], b[32], e[32], f[32];
    if (plan.n == 0)
        rpdf_para(p, "Deficits: none beyond the bands (asymmetry at most 10 %, ADD:ABD within its normal band). "
                     "Suggestion: keep the current programme and retest on the same protocol.",
                  F_BODY, 2);
    for (int i = 0; i < plan.n; i++) {
        const struct report_target *t = &plan.target[i];
        snprintf(line, sizeof line, "Deficit: %s.", t->why);
        rpdf_para(p, line, F_LABEL, 1);
        snprintf(line, sizeof line,
                 "Suggested: isometric %s %s holds, as target bands on the patient view - strength: %s-%s N (80-90 %% "
                 "of the best %.1f N), 3-5 holds of 5 s, 2 min rest; tolerance and pain relief: %s-%s N (60-70 %%), "
                 "5 holds of 30-45 s, 2 min rest (Rio 2015).",
                 st_side_name(t->side), st_dir_name(t->dir), rpdf_num(t->strength_lo_n, 0, a, sizeof a),
                 rpdf_num(t->strength_hi_n, 0, b, sizeof b), t->best_n, rpdf_num(t->tolerance_lo_n, 0, e, sizeof e),
                 rpdf_num(t->tolerance_hi_n, 0, f, sizeof f));
        rpdf_para(p, line, F_BODY, 2);
    }
    char d1[32], d2[32];
    snprintf(line, sizeof line,
             "Goals at retest: ADD:ABD at least %.2f on each side (Thorborg 2011, athletes); asymmetry at most %.0f %%; "
             "a change counts only beyond the measurement-error band (about 10 %%). Retest in 4-6 weeks (%s to %s) "
             "on the same protocol, device and position.",
             d->params.ratio_amber, d->params.asym_amber, local_time(d->sess.started + 28 * 86400, DATE_FMT, d1, sizeof d1),
             local_time(d->sess.started + 42 * 86400, DATE_FMT, d2, sizeof d2));
    rpdf_para(p, line, F_BODY, 4);

    rpdf_heading(p, "Therapist's notes", 50);
    for (size_t i = 0; i < d->n_notes; i++) {
        char when[32];
        snprintf(line, sizeof line, "%s, %s:", local_time(d->notes[i].created, DATETIME_FMT, when, sizeof when),
                 d->notes[i].therapist[0] ? d->notes[i].therapist : "therapist not recorded");
        rpdf_para(p, line, F_LABEL, 0.5);
        rpdf_para(p, d->notes[i].text, F_BODY, 3);
    }
    /* room to write by hand */
    rpdf_need(p, 70);
    for (int k = 0; k < 4; k++)
        rpdf_line(p, p->margin, p->y + 16 * (k + 1), p->w - p->margin, p->y + 16 * (k + 1), 0.4, COL_GRID, false);
    p->y += 72;
    rpdf_rgb(p, COL_MUTED);
    rpdf_para(p, "Confirmed by: ______________________   Date: ____________", F_BODY, 2);
}

/* ------------------------------------------------------------------------------------------------ */
/* Appendix: every repetition                                                                       */

static void draw_appendix(struct ctx *c)
{
    const struct report_data *d = c->d;
    struct rpdf *p = &c->pdf;
    rpdf_new_page(p, c->page_h, c->page_w); /* landscape */
    note_page(c);
    rpdf_heading(p, "Appendix: every repetition (- = not available)", 40);
    static const struct rpdf_col ca[] = {
        {"#", 18, RPDF_RIGHT},             {"Block", 22, RPDF_RIGHT},        {"Dir, side", 44, RPDF_LEFT},
        {"Status", 50, RPDF_LEFT},         {"Counts", 28, RPDF_LEFT},        {"Baseline N", 38, RPDF_RIGHT},
        {"Baseline SD N", 38, RPDF_RIGHT}, {"Threshold N", 38, RPDF_RIGHT},  {"Onset s", 36, RPDF_RIGHT},
        {"Peak N", 40, RPDF_RIGHT},        {"Peak at s", 36, RPDF_RIGHT},    {"To peak s", 36, RPDF_RIGHT},
        {"Release s", 36, RPDF_RIGHT},     {"RFD 0-50 N/s", 42, RPDF_RIGHT}, {"RFD 0-100 N/s", 42, RPDF_RIGHT},
        {"RFD 0-200 N/s", 42, RPDF_RIGHT}, {"Best 1 s N", 40, RPDF_RIGHT},   {"Impulse N·s", 42, RPDF_RIGHT},
        {"Rate Hz", 34, RPDF_RIGHT}};
    static const struct rpdf_col cb[] = {
        {"#", 20, RPDF_RIGHT},       {"Peak N/kg", 44, RPDF_RIGHT},  {"Torque N·m", 48, RPDF_RIGHT},
        {"N·m/kg", 40, RPDF_RIGHT},  {"Lever m", 38, RPDF_RIGHT},    {"Mass kg", 40, RPDF_RIGHT},
        {"Tare N", 38, RPDF_RIGHT},  {"Pain 0-10", 36, RPDF_RIGHT},  {"Samples", 40, RPDF_RIGHT},
        {"Flags", 130, RPDF_LEFT},   {"Note", 280, RPDF_LEFT}};
    enum { NA = 19, NB = 11 };
    size_t n = d->n_reps;
    struct rpdf_grid ga, gb;
    if (!rpdf_grid_new(&ga, n, NA, 48)) {
        rpdf_para(p, "(out of memory: the table is left out)", F_BODY, 2);
        return;
    }
    if (!rpdf_grid_new(&gb, n, NB, 64)) {
        rpdf_grid_free(&ga);
        rpdf_para(p, "(out of memory: the table is left out)", F_BODY, 2);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct store_rep *r = &d->reps[i];
        snprintf(rpdf_grid_at(&ga, i, 0), 48, "%d", r->sequence);
        snprintf(rpdf_grid_at(&ga, i, 1), 48, "%d", r->block_index);
        snprintf(rpdf_grid_at(&ga, i, 2), 48, "%s %s", st_dir_short(r->dir), st_side_name(r->side));
        snprintf(rpdf_grid_at(&ga, i, 3), 48, "%s%s", r->familiarisation ? "familiarisation, " : "",
                 store_rep_status_name(r->status));
        snprintf(rpdf_grid_at(&ga, i, 4), 48, "%s", r->counts ? "yes" : "no");
        const double v[] = {r->m.baseline_n,     r->m.baseline_sd_n,  r->m.threshold_n,    r->m.onset_s,
                            r->m.peak_n,         r->m.peak_s,         r->m.time_to_peak_s, r->m.release_s,
                            r->m.rfd_n_per_s[0], r->m.rfd_n_per_s[1], r->m.rfd_n_per_s[2], r->m.best_1s_mean_n,
                            r->m.impulse_n_s,    r->m.sample_rate_hz};
        static const int dec[] = {1, 2, 1, 3, 1, 3, 3, 3, 0, 0, 0, 1, 1, 1};
        for (int k = 0; k < 14; k++)
            rpdf_num(v[k], dec[k], rpdf_grid_at(&ga, i, 5 + k), 48);
        const double w[] = {r->m.peak_n_per_kg, r->m.torque_nm, r->m.torque_nm_per_kg, r->lever_m, r->body_mass_kg,
                            r->tare_n};
        static const int decw[] = {2, 1, 2, 2, 1, 2};
        snprintf(rpdf_grid_at(&gb, i, 0), 64, "%d", r->sequence);
        for (int k = 0; k < 6; k++)
            rpdf_num(w[k], decw[k], rpdf_grid_at(&gb, i, 1 + k), 64);
        if (r->pain >= 0)
            snprintf(rpdf_grid_at(&gb, i, 7), 64, "%d", r->pain);
        else
            snprintf(rpdf_grid_at(&gb, i, 7), 64, "-");
        snprintf(rpdf_grid_at(&gb, i, 8), 64, "%zu", d->traces[i].n);
        met_flags_str(r->m.flags, ", ", rpdf_grid_at(&gb, i, 9), 64);
        gb.cells[i * NB + 10] = r->note;
    }
    rpdf_table(p, ca, NA, ga.cells, (int)n, 6.5);
    rpdf_table(p, cb, NB, gb.cells, (int)n, 6.5);
    rpdf_grid_free(&ga);
    rpdf_grid_free(&gb);
}

/* ------------------------------------------------------------------------------------------------ */
/* Files and entry points                                                                           */

static void default_path(const struct report_data *d, const char *kind, char *buf, size_t size)
{
    char ref[64], date[32];
    const char *src = d->patient.ref[0] ? d->patient.ref : d->sess.patient_ref;
    size_t k = 0;
    for (; src[k] && k < sizeof ref - 1; k++) {
        char ch = src[k];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                  ch == '_' || (ch == '.' && k > 0);
        ref[k] = ok ? ch : '_';
    }
    ref[k] = '\0';
    local_time(d->sess.started, DATE_FMT, date, sizeof date);
    if (ref[0])
        snprintf(buf, size, "%s%s-%s.pdf", ref, kind, date);
    else
        snprintf(buf, size, "session-%lld%s-%s.pdf", (long long)d->sess.id, kind, date);
}

static enum st_status render(const struct report_data *d, bool progress, enum report_paper paper, const char *path,
                             char *out_path, size_t size, struct report_layout *layout, struct st_err *err)
{
    struct report_layout dummy;
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.d = d;
    c.progress = progress;
    c.layout = layout ? layout : &dummy;
    memset(c.layout, 0, sizeof *c.layout);
    c.page_w = paper == REPORT_PAPER_LETTER ? LETTER_W : A4_W;
    c.page_h = paper == REPORT_PAPER_LETTER ? LETTER_H : A4_H;
    char def[512];
    if (!path) {
        default_path(d, progress ? "-progress" : "", def, sizeof def);
        path = def;
    }
    enum st_status st = rpdf_open(&c.pdf, path, c.page_w, c.page_h, err);
    if (st != ST_OK)
        return st;
    char date[32];
    snprintf(c.pdf.footer, sizeof c.pdf.footer, "Balance report, %s session %lld, %s",
             d->sess.patient_ref[0] ? d->sess.patient_ref : "patient", (long long)d->sess.id,
             local_time(d->sess.started, DATE_FMT, date, sizeof date));
    note_page(&c);
    draw_header(&c);
    draw_results(&c);
    draw_ratio(&c);
    draw_asymmetry(&c);
    draw_curves(&c);
    rpdf_new_page(&c.pdf, 0, 0);
    note_page(&c);
    if (progress)
        draw_progress_table(&c);
    draw_rep_notes(&c);
    draw_change(&c);
    draw_trend(&c);
    draw_others(&c);
    draw_references(&c);
    draw_plan(&c);
    note_page(&c);
    draw_appendix(&c);
    note_page(&c);
    st = rpdf_close(&c.pdf, err);
    if (st == ST_OK && out_path)
        snprintf(out_path, size, "%s", path);
    return st;
}

enum st_status report_write(struct store *s, int64_t session_id, enum report_paper paper, const char *path,
                            char *out_path, size_t size, struct report_layout *layout, struct st_err *err)
{
    struct report_data d;
    enum st_status st = report_data_load(s, session_id, &d, err);
    if (st == ST_OK)
        st = render(&d, false, paper, path, out_path, size, layout, err);
    report_data_free(&d);
    return st;
}

enum st_status report_write_progress(struct store *s, int64_t patient_id, const char *protocol,
                                     enum report_paper paper, const char *path, char *out_path, size_t size,
                                     struct report_layout *layout, struct st_err *err)
{
    struct store_session *list = NULL;
    size_t n = 0;
    enum st_status st = store_session_list(s, patient_id, &list, &n, err);
    if (st != ST_OK)
        return st;
    struct report_data d;
    memset(&d, 0, sizeof d);
    st = ST_ERR_NOT_FOUND;
    for (size_t i = 0; i < n && st == ST_ERR_NOT_FOUND; i++) { /* newest first */
        if (protocol && strcmp(list[i].protocol_name, protocol) != 0)
            continue;
        st = report_data_load(s, list[i].id, &d, err);
        if (st == ST_ERR_ARG) { /* nothing counts in this one: the one before */
            report_data_free(&d);
            st = ST_ERR_NOT_FOUND;
        }
    }
    free(list);
    if (st == ST_ERR_NOT_FOUND)
        st = st_err_set(err, ST_ERR_NOT_FOUND, "Patient %lld has no session with a counting repetition%s%s",
                        (long long)patient_id, protocol ? " on protocol " : "", protocol ? protocol : "");
    if (st == ST_OK)
        st = render(&d, true, paper, path, out_path, size, layout, err);
    report_data_free(&d);
    return st;
}

void report_fonts_release(void)
{
    rpdf_fonts_release();
}
