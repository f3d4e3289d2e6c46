/*
 * balance.h - a session's repetitions turned into the balance a therapy plan needs, exactly as
 * ../shared/CLINICAL.md "One session" defines it: per (direction, side) best, mean and CV of F_peak;
 * the ADD:ABD torque ratio per side with its flag; the left/right asymmetry per direction with the
 * weaker side and its flag; the gravity-corrected side-lying ABD torque where the protocol asks.
 *
 * Pure: no I/O, no allocation. NAN means "not available" (too few reps, no lever, no mass).
 *
 * Decisions, made once here:
 *  - A rep is ignored unless counts is set, its dir and side are in range and its peak_n is finite.
 *  - Torque or force: a cell's best torque is the largest peak_n * lever_m over its reps that have a
 *    lever (> 0). The ratio and the asymmetry compare torques when both cells compared have one, and
 *    otherwise best forces (also when only one of the two has a lever: a torque is never divided by
 *    a force). With one lever arm for the whole session both give the same number.
 *  - The ratio uses the gravity-corrected ABD torque when params.gravity_correction is set and the
 *    corrected torque is known (lever, body mass and leg length all known); ratio_corrected is then
 *    true. Without a lever there is no torque to correct and the ratio is of forces, uncorrected.
 *  - The asymmetry uses the measured (uncorrected) torques: the gravity term is the same on both sides.
 *  - Bands: ratio < ratio_red is red, < ratio_amber amber, else normal (0.80 exactly is amber, 0.90
 *    exactly normal); asymmetry > asym_red is red, > asym_amber amber, else normal (10 % exactly is
 *    normal, 15 % exactly amber). CV needs n >= 2 and a positive mean; cv_over_limit is cv > limit.
 */
#ifndef STATION_PROTOCOLS_BALANCE_H
#define STATION_PROTOCOLS_BALANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "protocols/limb.h"

enum bal_flag { BAL_NONE = 0, BAL_NORMAL, BAL_AMBER, BAL_RED };
/* "normal" / "amber" / "red"; "" for BAL_NONE. */
const char *bal_flag_name(enum bal_flag f);

/* One repetition as the balance sees it. */
struct bal_rep {
    enum st_dir dir;
    enum st_side side;
    double peak_n;   /* F_peak */
    double lever_m;  /* the lever arm used for this rep (<= 0 or NAN: no torque) */
    bool counts;     /* accepted and either unflagged or accepted by the therapist despite its flags;
                      * reps that do not count are ignored here */
};

struct bal_params {
    double body_mass_kg;     /* <= 0 or NAN: per-kg values are NAN */
    double leg_length_m;     /* for the gravity correction; <= 0 or NAN: no correction */
    bool gravity_correction; /* side-lying ABD: tau_true = F*L + 0.161*m*g*0.447*leg (ABD cells only) */
    double ratio_red;        /* ratio below this is red (default 0.80) */
    double ratio_amber;      /* below this amber (default 0.90), else normal */
    double asym_amber;       /* asymmetry above this % is amber (default 10) */
    double asym_red;         /* above this % red (default 15) */
    double cv_limit_pct;     /* CV above this asks for one more rep (default 10) */
};

/* The defaults CLINICAL.md gives (mass, leg length unknown; no gravity correction). */
struct bal_params bal_params_default(void);

struct bal_cell {
    int n;                    /* reps that count */
    double best_n;            /* largest F_peak */
    double mean_n;            /* mean F_peak */
    double sd_n;              /* SD (n - 1); NAN for n < 2 */
    double cv_pct;            /* 100 * sd / mean; NAN for n < 2 */
    bool cv_over_limit;       /* cv_pct > cv_limit_pct */
    double best_torque_nm;    /* F x L of the best rep (the largest torque, if levers differ) */
    double best_n_per_kg;
    double best_nm_per_kg;
    double best_torque_corrected_nm;    /* gravity-corrected (ABD with gravity_correction), else NAN */
    double best_nm_per_kg_corrected;
};

struct bal_result {
    struct bal_cell cell[ST_DIR_COUNT][ST_SIDE_COUNT];
    /* ADD:ABD per side (left, right; both for completeness) = best ADD torque / best ABD torque.
     * Uses the corrected ABD torque when gravity_correction is on (and says so in ratio_corrected). */
    double ratio[ST_SIDE_COUNT];
    enum bal_flag ratio_flag[ST_SIDE_COUNT];
    bool ratio_corrected;
    /* Asymmetry per direction = 100 * (stronger - weaker) / stronger on best torque (best force when
     * no lever is known), left vs right. */
    double asym_pct[ST_DIR_COUNT];
    enum st_side weaker[ST_DIR_COUNT]; /* ST_SIDE_BOTH when equal or not available */
    enum bal_flag asym_flag[ST_DIR_COUNT];
};

/* Computes the balance of n reps (the caller owns reps; NULL with n == 0 is fine). params may be
 * NULL (defaults). Every cell, ratio and asymmetry is filled: NAN / BAL_NONE / ST_SIDE_BOTH where
 * not available (ST_SIDE_BOTH as weaker also when both sides are equal: asym_pct is then 0). */
void bal_compute(const struct bal_rep *reps, size_t n, const struct bal_params *params,
                 struct bal_result *out);

/* The flag of a ratio / an asymmetry under params' bands (BAL_NONE for NAN). */
enum bal_flag bal_ratio_flag(double ratio, const struct bal_params *p);
enum bal_flag bal_asym_flag(double asym_pct, const struct bal_params *p);

/* The gravity correction term m_limb * g * d = 0.161 * mass * 9.80665 * 0.447 * leg (N·m); NAN
 * unless both are known (> 0). E.g. 70 kg, 0.9 m: 44.4595... N·m. */
double bal_gravity_torque_nm(double body_mass_kg, double leg_length_m);

#endif
