/*
 * balance.c - a session's repetitions turned into the numbers of a therapy plan (CLINICAL.md "One
 * session"): per (direction, side) best, mean and CV; the ADD:ABD ratio per side; the left/right
 * asymmetry per direction; the gravity-corrected side-lying ABD torque.
 *
 * Like metrics.c it is plain arithmetic on the caller's array, with no allocation, so `station show`,
 * the report and the engine's extra-rep rule all agree with a hand calculation. The choices the
 * clinical text leaves open (force when no lever is known, which torque the ratio and the asymmetry
 * use) are documented in balance.h.
 */
#include "protocols/balance.h"

#include <math.h>

#define BAL_LIMB_MASS_FRACTION 0.161 /* Winter: thigh + shank + foot, of body mass */
#define BAL_LIMB_COM_FRACTION 0.447  /* Winter: the limb's centre of mass, of leg length from the hip */
#define BAL_G 9.80665                /* standard gravity, m/s^2 */

const char *bal_flag_name(enum bal_flag f)
{
    switch (f) {
    case BAL_NORMAL: return "normal";
    case BAL_AMBER: return "amber";
    case BAL_RED: return "red";
    default: return "";
    }
}

struct bal_params bal_params_default(void)
{
    struct bal_params p = {
        .body_mass_kg = NAN,
        .leg_length_m = NAN,
        .gravity_correction = false,
        .ratio_red = 0.80,
        .ratio_amber = 0.90,
        .asym_amber = 10.0,
        .asym_red = 15.0,
        .cv_limit_pct = 10.0,
    };
    return p;
}

static bool known_positive(double v)
{
    return isfinite(v) && v > 0;
}

enum bal_flag bal_ratio_flag(double ratio, const struct bal_params *p)
{
    struct bal_params d = bal_params_default();
    if (!p)
        p = &d;
    if (!isfinite(ratio))
        return BAL_NONE;
    if (ratio < p->ratio_red)
        return BAL_RED;
    if (ratio < p->ratio_amber)
        return BAL_AMBER;
    return BAL_NORMAL;
}

enum bal_flag bal_asym_flag(double asym_pct, const struct bal_params *p)
{
    struct bal_params d = bal_params_default();
    if (!p)
        p = &d;
    if (!isfinite(asym_pct))
        return BAL_NONE;
    if (asym_pct > p->asym_red)
        return BAL_RED;
    if (asym_pct > p->asym_amber)
        return BAL_AMBER;
    return BAL_NORMAL;
}

double bal_gravity_torque_nm(double body_mass_kg, double leg_length_m)
{
    if (!known_positive(body_mass_kg) || !known_positive(leg_length_m))
        return NAN;
    return BAL_LIMB_MASS_FRACTION * body_mass_kg * BAL_G * BAL_LIMB_COM_FRACTION * leg_length_m;
}

static void cell_clear(struct bal_cell *c)
{
    c->n = 0;
    c->best_n = NAN;
    c->mean_n = NAN;
    c->sd_n = NAN;
    c->cv_pct = NAN;
    c->cv_over_limit = false;
    c->best_torque_nm = NAN;
    c->best_n_per_kg = NAN;
    c->best_nm_per_kg = NAN;
    c->best_torque_corrected_nm = NAN;
    c->best_nm_per_kg_corrected = NAN;
}

static bool rep_counts(const struct bal_rep *r)
{
    return r->counts && (unsigned)r->dir < ST_DIR_COUNT && (unsigned)r->side < ST_SIDE_COUNT &&
           isfinite(r->peak_n);
}

/* One cell: best / mean / SD / CV over the reps that count, in two passes (exact SD). */
static void cell_compute(struct bal_cell *c, const struct bal_rep *reps, size_t n, enum st_dir dir,
                         enum st_side side, const struct bal_params *p)
{
    cell_clear(c);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const struct bal_rep *r = &reps[i];
        if (!rep_counts(r) || r->dir != dir || r->side != side)
            continue;
        c->n++;
        sum += r->peak_n;
        if (isnan(c->best_n) || r->peak_n > c->best_n)
            c->best_n = r->peak_n;
        if (known_positive(r->lever_m)) {
            double tq = r->peak_n * r->lever_m;
            if (isnan(c->best_torque_nm) || tq > c->best_torque_nm)
                c->best_torque_nm = tq;
        }
    }
    if (c->n == 0)
        return;
    c->mean_n = sum / c->n;
    if (c->n >= 2) {
        double ss = 0;
        for (size_t i = 0; i < n; i++) {
            const struct bal_rep *r = &reps[i];
            if (rep_counts(r) && r->dir == dir && r->side == side)
                ss += (r->peak_n - c->mean_n) * (r->peak_n - c->mean_n);
        }
        c->sd_n = sqrt(ss / (c->n - 1));
        if (c->mean_n > 0)
            c->cv_pct = 100.0 * c->sd_n / c->mean_n;
        c->cv_over_limit = isfinite(c->cv_pct) && c->cv_pct > p->cv_limit_pct;
    }
    if (known_positive(p->body_mass_kg)) {
        c->best_n_per_kg = c->best_n / p->body_mass_kg;
        c->best_nm_per_kg = c->best_torque_nm / p->body_mass_kg; /* NAN stays NAN */
    }
    if (dir == ST_DIR_ABD && p->gravity_correction) {
        double g = bal_gravity_torque_nm(p->body_mass_kg, p->leg_length_m);
        c->best_torque_corrected_nm = c->best_torque_nm + g; /* NAN without a lever or the data */
        if (known_positive(p->body_mass_kg))
            c->best_nm_per_kg_corrected = c->best_torque_corrected_nm / p->body_mass_kg;
    }
}

void bal_compute(const struct bal_rep *reps, size_t n, const struct bal_params *params,
                 struct bal_result *out)
{
    if (!out)
        return;
    struct bal_params p = params ? *params : bal_params_default();
    if (!reps)
        n = 0;
    for (int d = 0; d < ST_DIR_COUNT; d++)
        for (int s = 0; s < ST_SIDE_COUNT; s++)
            cell_compute(&out->cell[d][s], reps, n, (enum st_dir)d, (enum st_side)s, &p);

    /* ADD:ABD per side: torque when both cells have one, else force (equal levers cancel). */
    out->ratio_corrected = false;
    for (int s = 0; s < ST_SIDE_COUNT; s++) {
        const struct bal_cell *add = &out->cell[ST_DIR_ADD][s], *abd = &out->cell[ST_DIR_ABD][s];
        double num = NAN, den = NAN;
        bool corrected = false;
        if (isfinite(add->best_torque_nm) && isfinite(abd->best_torque_nm)) {
            num = add->best_torque_nm;
            den = abd->best_torque_nm;
            if (p.gravity_correction && isfinite(abd->best_torque_corrected_nm)) {
                den = abd->best_torque_corrected_nm;
                corrected = true;
            }
        } else {
            num = add->best_n;
            den = abd->best_n;
        }
        out->ratio[s] = (isfinite(num) && isfinite(den) && den > 0) ? num / den : NAN;
        out->ratio_flag[s] = bal_ratio_flag(out->ratio[s], &p);
        if (corrected && isfinite(out->ratio[s]))
            out->ratio_corrected = true;
    }

    /* Asymmetry per direction, left vs right, on measured torque (force without levers). */
    for (int d = 0; d < ST_DIR_COUNT; d++) {
        const struct bal_cell *l = &out->cell[d][ST_SIDE_LEFT], *r = &out->cell[d][ST_SIDE_RIGHT];
        double vl, vr;
        if (isfinite(l->best_torque_nm) && isfinite(r->best_torque_nm)) {
            vl = l->best_torque_nm;
            vr = r->best_torque_nm;
        } else {
            vl = l->best_n;
            vr = r->best_n;
        }
        out->asym_pct[d] = NAN;
        out->weaker[d] = ST_SIDE_BOTH;
        if (isfinite(vl) && isfinite(vr) && fmax(vl, vr) > 0) {
            double strong = fmax(vl, vr), weak = fmin(vl, vr);
            out->asym_pct[d] = 100.0 * (strong - weak) / strong;
            if (vl < vr)
                out->weaker[d] = ST_SIDE_LEFT;
            else if (vr < vl)
                out->weaker[d] = ST_SIDE_RIGHT;
        }
        out->asym_flag[d] = bal_asym_flag(out->asym_pct[d], &p);
    }
}
