/*
 * test_balance.c - a session's balance (CLINICAL.md "One session") against hand calculations: best,
 * mean, SD and CV per cell; the ADD:ABD ratio and its bands, exactly at their edges; the asymmetry
 * with the weaker side; the side-lying gravity correction; reps that do not count; missing cells.
 */
#include "check.h"
#include "protocols/balance.h"

#define REP(d, s, f, l) {.dir = (d), .side = (s), .peak_n = (f), .lever_m = (l), .counts = true}

/*
 * ADD left: 300, 320, 310 N at 0.8 m; body mass 80 kg.
 *   best 320; mean (300 + 320 + 310)/3 = 310; SD = sqrt((10^2 + 10^2 + 0^2)/2) = 10;
 *   CV = 100 * 10 / 310 = 3.2258 % (within 10 %). Best torque 320 * 0.8 = 256 N·m;
 *   320/80 = 4 N/kg; 256/80 = 3.2 N·m/kg.
 * ABD left: 200, 250, 300 N at 0.8 m: best 300, mean 250, SD = sqrt((50^2 + 0 + 50^2)/2) = 50,
 *   CV = 20 % > 10 %: one more rep. Torque 240 N·m.
 * Ratio left = 256/240 = 1.0667: normal.
 */
static void test_cells_by_hand(void)
{
    const struct bal_rep reps[] = {
        REP(ST_DIR_ADD, ST_SIDE_LEFT, 300, 0.8), REP(ST_DIR_ADD, ST_SIDE_LEFT, 320, 0.8),
        REP(ST_DIR_ADD, ST_SIDE_LEFT, 310, 0.8), REP(ST_DIR_ABD, ST_SIDE_LEFT, 200, 0.8),
        REP(ST_DIR_ABD, ST_SIDE_LEFT, 250, 0.8), REP(ST_DIR_ABD, ST_SIDE_LEFT, 300, 0.8),
    };
    struct bal_params p = bal_params_default();
    p.body_mass_kg = 80;
    struct bal_result r;
    bal_compute(reps, sizeof reps / sizeof reps[0], &p, &r);
    const struct bal_cell *add = &r.cell[ST_DIR_ADD][ST_SIDE_LEFT];
    CHECK_INT(add->n, 3);
    CHECK_NEAR(add->best_n, 320, 0);
    CHECK_NEAR(add->mean_n, 310, 1e-12);
    CHECK_NEAR(add->sd_n, 10, 1e-12);
    CHECK_NEAR(add->cv_pct, 100.0 * 10 / 310, 1e-12);
    CHECK_NEAR(add->cv_pct, 3.2258064516, 1e-9);
    CHECK(!add->cv_over_limit);
    CHECK_NEAR(add->best_torque_nm, 256, 1e-12);
    CHECK_NEAR(add->best_n_per_kg, 4, 1e-12);
    CHECK_NEAR(add->best_nm_per_kg, 3.2, 1e-12);
    CHECK_NAN(add->best_torque_corrected_nm); /* no correction asked */
    CHECK_NAN(add->best_nm_per_kg_corrected);

    const struct bal_cell *abd = &r.cell[ST_DIR_ABD][ST_SIDE_LEFT];
    CHECK_INT(abd->n, 3);
    CHECK_NEAR(abd->best_n, 300, 0);
    CHECK_NEAR(abd->mean_n, 250, 1e-12);
    CHECK_NEAR(abd->sd_n, 50, 1e-12);
    CHECK_NEAR(abd->cv_pct, 20, 1e-12);
    CHECK(abd->cv_over_limit);
    CHECK_NEAR(abd->best_torque_nm, 240, 1e-12);

    CHECK_NEAR(r.ratio[ST_SIDE_LEFT], 256.0 / 240.0, 1e-12);
    CHECK_INT(r.ratio_flag[ST_SIDE_LEFT], BAL_NORMAL);
    CHECK(!r.ratio_corrected);
    /* The right side has no reps: every cell value null, no ratio, no asymmetry. */
    const struct bal_cell *none = &r.cell[ST_DIR_ADD][ST_SIDE_RIGHT];
    CHECK_INT(none->n, 0);
    CHECK_NAN(none->best_n);
    CHECK_NAN(none->mean_n);
    CHECK_NAN(none->sd_n);
    CHECK_NAN(none->cv_pct);
    CHECK(!none->cv_over_limit);
    CHECK_NAN(none->best_torque_nm);
    CHECK_NAN(none->best_n_per_kg);
    CHECK_NAN(none->best_nm_per_kg);
    CHECK_NAN(r.ratio[ST_SIDE_RIGHT]);
    CHECK_INT(r.ratio_flag[ST_SIDE_RIGHT], BAL_NONE);
    CHECK_NAN(r.asym_pct[ST_DIR_ADD]);
    CHECK_INT(r.weaker[ST_DIR_ADD], ST_SIDE_BOTH);
    CHECK_INT(r.asym_flag[ST_DIR_ADD], BAL_NONE);
}

/* The CV limit is the protocol's: 12 % keeps a CV of 20 % over it, 25 % does not. A CV of exactly
 * the limit is not over it: 90, 110 -> mean 100, SD = sqrt((100 + 100)/1) = 14.142, CV 14.142 %. */
static void test_cv_limit(void)
{
    const struct bal_rep reps[] = {REP(ST_DIR_ADD, ST_SIDE_RIGHT, 90, NAN), REP(ST_DIR_ADD, ST_SIDE_RIGHT, 110, NAN)};
    struct bal_params p = bal_params_default();
    struct bal_result r;
    bal_compute(reps, 2, &p, &r);
    const struct bal_cell *c = &r.cell[ST_DIR_ADD][ST_SIDE_RIGHT];
    CHECK_NEAR(c->cv_pct, 100 * sqrt(200.0) / 100, 1e-12);
    CHECK(c->cv_over_limit); /* 14.14 > 10 */
    p.cv_limit_pct = 15;
    bal_compute(reps, 2, &p, &r);
    CHECK(!r.cell[ST_DIR_ADD][ST_SIDE_RIGHT].cv_over_limit);
    p.cv_limit_pct = 100 * sqrt(200.0) / 100; /* exactly the CV */
    bal_compute(reps, 2, &p, &r);
    CHECK(!r.cell[ST_DIR_ADD][ST_SIDE_RIGHT].cv_over_limit);
    /* No lever: torque values null, force values kept. */
    CHECK_NAN(r.cell[ST_DIR_ADD][ST_SIDE_RIGHT].best_torque_nm);
    CHECK_NEAR(r.cell[ST_DIR_ADD][ST_SIDE_RIGHT].best_n, 110, 0);
    CHECK_NAN(r.cell[ST_DIR_ADD][ST_SIDE_RIGHT].best_n_per_kg); /* no mass */
}

/* One rep: best = mean, SD and CV null (n - 1 = 0), never over the limit. */
static void test_single_rep(void)
{
    const struct bal_rep rep = REP(ST_DIR_ABD, ST_SIDE_RIGHT, 123, 0.5);
    struct bal_result r;
    bal_compute(&rep, 1, NULL, &r);
    const struct bal_cell *c = &r.cell[ST_DIR_ABD][ST_SIDE_RIGHT];
    CHECK_INT(c->n, 1);
    CHECK_NEAR(c->best_n, 123, 0);
    CHECK_NEAR(c->mean_n, 123, 0);
    CHECK_NAN(c->sd_n);
    CHECK_NAN(c->cv_pct);
    CHECK(!c->cv_over_limit);
    CHECK_NEAR(c->best_torque_nm, 61.5, 1e-12);
}

/* The ratio bands at their edges, by force (no levers): 80/100 = 0.80 is amber (not below 0.80),
 * 79/100 red, 90/100 = 0.90 normal, 89.9/100 amber; and bal_ratio_flag directly. */
static enum bal_flag ratio_flag_of(double add_n, double abd_n, double *ratio)
{
    const struct bal_rep reps[] = {REP(ST_DIR_ADD, ST_SIDE_LEFT, add_n, NAN), REP(ST_DIR_ABD, ST_SIDE_LEFT, abd_n, NAN)};
    struct bal_result r;
    bal_compute(reps, 2, NULL, &r);
    *ratio = r.ratio[ST_SIDE_LEFT];
    return r.ratio_flag[ST_SIDE_LEFT];
}

static void test_ratio_band_edges(void)
{
    double ratio;
    CHECK_INT(ratio_flag_of(80, 100, &ratio), BAL_AMBER);
    CHECK_NEAR(ratio, 0.80, 0);
    CHECK_INT(ratio_flag_of(79, 100, &ratio), BAL_RED);
    CHECK_NEAR(ratio, 0.79, 0);
    CHECK_INT(ratio_flag_of(90, 100, &ratio), BAL_NORMAL);
    CHECK_NEAR(ratio, 0.90, 0);
    CHECK_INT(ratio_flag_of(89.9, 100, &ratio), BAL_AMBER);
    CHECK_INT(ratio_flag_of(150, 100, &ratio), BAL_NORMAL);

    struct bal_params p = bal_params_default();
    CHECK_INT(bal_ratio_flag(0.80, &p), BAL_AMBER);
    CHECK_INT(bal_ratio_flag(0.79, &p), BAL_RED);
    CHECK_INT(bal_ratio_flag(0.7999999, &p), BAL_RED);
    CHECK_INT(bal_ratio_flag(0.90, &p), BAL_NORMAL);
    CHECK_INT(bal_ratio_flag(0.8999999, &p), BAL_AMBER);
    CHECK_INT(bal_ratio_flag(NAN, &p), BAL_NONE);
    CHECK_INT(bal_ratio_flag(0.80, NULL), BAL_AMBER);
    /* Configurable per protocol. */
    p.ratio_red = 0.7;
    p.ratio_amber = 0.75;
    CHECK_INT(bal_ratio_flag(0.72, &p), BAL_AMBER);
    CHECK_INT(bal_ratio_flag(0.78, &p), BAL_NORMAL);
    CHECK_INT(bal_ratio_flag(0.69, &p), BAL_RED);
}

/*
 * Asymmetry with the weaker side. ADD best left 320 N, right 280 N, all at 0.8 m: torques 256 and
 * 224 N·m: 100 (256 - 224)/256 = 12.5 %, right weaker, amber. ABD left 250, right 300 N: 100 * 50/300
 * = 16.67 %, left weaker, red.
 */
static void test_asymmetry(void)
{
    const struct bal_rep reps[] = {
        REP(ST_DIR_ADD, ST_SIDE_LEFT, 320, 0.8), REP(ST_DIR_ADD, ST_SIDE_LEFT, 300, 0.8),
        REP(ST_DIR_ADD, ST_SIDE_RIGHT, 280, 0.8), REP(ST_DIR_ABD, ST_SIDE_LEFT, 250, 0.8),
        REP(ST_DIR_ABD, ST_SIDE_RIGHT, 300, 0.8),
    };
    struct bal_result r;
    bal_compute(reps, sizeof reps / sizeof reps[0], NULL, &r);
    CHECK_NEAR(r.asym_pct[ST_DIR_ADD], 12.5, 1e-12);
    CHECK_INT(r.weaker[ST_DIR_ADD], ST_SIDE_RIGHT);
    CHECK_INT(r.asym_flag[ST_DIR_ADD], BAL_AMBER);
    CHECK_NEAR(r.asym_pct[ST_DIR_ABD], 100.0 * 50 / 300, 1e-12);
    CHECK_INT(r.weaker[ST_DIR_ABD], ST_SIDE_LEFT);
    CHECK_INT(r.asym_flag[ST_DIR_ABD], BAL_RED);
    /* Ratios: left 256/200 = 1.28, right 224/240 = 0.9333. */
    CHECK_NEAR(r.ratio[ST_SIDE_LEFT], 1.28, 1e-12);
    CHECK_NEAR(r.ratio[ST_SIDE_RIGHT], 224.0 / 240.0, 1e-12);
    CHECK_INT(r.ratio_flag[ST_SIDE_RIGHT], BAL_NORMAL);
}

/* The asymmetry bands at their edges: 100 vs 90 is exactly 10 % (normal), 100 vs 85 exactly 15 %
 * (amber), 100 vs 84.9 red; equal sides: 0 %, no weaker side. */
static void test_asymmetry_band_edges(void)
{
    struct bal_rep reps[] = {REP(ST_DIR_ADD, ST_SIDE_LEFT, 100, NAN), REP(ST_DIR_ADD, ST_SIDE_RIGHT, 90, NAN)};
    struct bal_result r;
    bal_compute(reps, 2, NULL, &r);
    CHECK_NEAR(r.asym_pct[ST_DIR_ADD], 10, 0);
    CHECK_INT(r.asym_flag[ST_DIR_ADD], BAL_NORMAL);
    CHECK_INT(r.weaker[ST_DIR_ADD], ST_SIDE_RIGHT);
    reps[1].peak_n = 85;
    bal_compute(reps, 2, NULL, &r);
    CHECK_NEAR(r.asym_pct[ST_DIR_ADD], 15, 0);
    CHECK_INT(r.asym_flag[ST_DIR_ADD], BAL_AMBER);
    reps[1].peak_n = 84.9;
    bal_compute(reps, 2, NULL, &r);
    CHECK_INT(r.asym_flag[ST_DIR_ADD], BAL_RED);
    reps[1].peak_n = 100;
    bal_compute(reps, 2, NULL, &r);
    CHECK_NEAR(r.asym_pct[ST_DIR_ADD], 0, 0);
    CHECK_INT(r.weaker[ST_DIR_ADD], ST_SIDE_BOTH);
    CHECK_INT(r.asym_flag[ST_DIR_ADD], BAL_NORMAL);
    /* Different levers per side: torque decides. Left 100 N at 0.9 m = 90 N·m, right 110 N at 0.8 m
     * = 88 N·m: the right is weaker by torque although stronger by force: 100 * 2/90 = 2.22 %. */
    reps[0].lever_m = 0.9;
    reps[1].peak_n = 110;
    reps[1].lever_m = 0.8;
    bal_compute(reps, 2, NULL, &r);
    CHECK_NEAR(r.asym_pct[ST_DIR_ADD], 100.0 * 2 / 90, 1e-9);
    CHECK_INT(r.weaker[ST_DIR_ADD], ST_SIDE_RIGHT);
    struct bal_params p = bal_params_default();
    CHECK_INT(bal_asym_flag(10.0, &p), BAL_NORMAL);
    CHECK_INT(bal_asym_flag(10.01, &p), BAL_AMBER);
    CHECK_INT(bal_asym_flag(15.0, NULL), BAL_AMBER);
    CHECK_INT(bal_asym_flag(15.01, NULL), BAL_RED);
    CHECK_INT(bal_asym_flag(NAN, NULL), BAL_NONE);
}

/*
 * Gravity correction, side-lying ABD: body mass 70 kg, leg 0.9 m.
 *   m_limb g d = 0.161 * 70 * 9.80665 * 0.447 * 0.9: 0.161 * 70 = 11.27; * 9.80665 = 110.5209455;
 *   * 0.447 = 49.40286264; * 0.9 = 44.46257637 N·m.
 * ABD left best 150 N at 0.85 m = 127.5 N·m; corrected 127.5 + 44.46257637 = 171.96257637 N·m,
 * 171.96257637 / 70 = 2.45660823 N·m/kg. ADD left 180 N at 0.85 m = 153 N·m.
 * Ratio left with the correction: 153 / 171.96257637 = 0.88973 (amber); without it 153/127.5 = 1.2.
 * The ADD cell is never corrected.
 */
static void test_gravity_correction(void)
{
    CHECK_NEAR(bal_gravity_torque_nm(70, 0.9), 44.46257637465, 1e-9);
    CHECK_NEAR(bal_gravity_torque_nm(70, 0.9), 0.161 * 70 * 9.80665 * 0.447 * 0.9, 1e-12);
    CHECK_NAN(bal_gravity_torque_nm(NAN, 0.9));
    CHECK_NAN(bal_gravity_torque_nm(70, 0));
    const struct bal_rep reps[] = {
        REP(ST_DIR_ABD, ST_SIDE_LEFT, 150, 0.85), REP(ST_DIR_ABD, ST_SIDE_LEFT, 140, 0.85),
        REP(ST_DIR_ADD, ST_SIDE_LEFT, 180, 0.85),
    };
    struct bal_params p = bal_params_default();
    p.body_mass_kg = 70;
    p.leg_length_m = 0.9;
    p.gravity_correction = true;
    struct bal_result r;
    bal_compute(reps, 3, &p, &r);
    const struct bal_cell *abd = &r.cell[ST_DIR_ABD][ST_SIDE_LEFT];
    CHECK_NEAR(abd->best_torque_nm, 127.5, 1e-12);
    CHECK_NEAR(abd->best_torque_corrected_nm, 171.96257637465, 1e-9);
    CHECK_NEAR(abd->best_nm_per_kg_corrected, 2.4566082339, 1e-9);
    CHECK_NEAR(abd->best_nm_per_kg, 127.5 / 70, 1e-12); /* stored both ways */
    CHECK_NAN(r.cell[ST_DIR_ADD][ST_SIDE_LEFT].best_torque_corrected_nm);
    CHECK_NEAR(r.ratio[ST_SIDE_LEFT], 153 / 171.96257637465, 1e-9);
    CHECK_NEAR(r.ratio[ST_SIDE_LEFT], 0.88972847, 1e-8);
    CHECK_INT(r.ratio_flag[ST_SIDE_LEFT], BAL_AMBER);
    CHECK(r.ratio_corrected);

    p.gravity_correction = false;
    bal_compute(reps, 3, &p, &r);
    CHECK_NEAR(r.ratio[ST_SIDE_LEFT], 1.2, 1e-12);
    CHECK_INT(r.ratio_flag[ST_SIDE_LEFT], BAL_NORMAL);
    CHECK(!r.ratio_corrected);
    CHECK_NAN(r.cell[ST_DIR_ABD][ST_SIDE_LEFT].best_torque_corrected_nm);

    /* Asked for, but the leg length is unknown: no correction, the ratio says so. */
    p.gravity_correction = true;
    p.leg_length_m = NAN;
    bal_compute(reps, 3, &p, &r);
    CHECK_NAN(r.cell[ST_DIR_ABD][ST_SIDE_LEFT].best_torque_corrected_nm);
    CHECK_NEAR(r.ratio[ST_SIDE_LEFT], 1.2, 1e-12);
    CHECK(!r.ratio_corrected);
}

/* Reps that do not count are ignored: not accepted (counts false), a NAN peak, an out-of-range
 * direction or side. Only the 100 and 120 N reps count: best 120, mean 110. */
static void test_reps_that_do_not_count(void)
{
    struct bal_rep reps[] = {
        REP(ST_DIR_ADD, ST_SIDE_LEFT, 100, NAN),
        REP(ST_DIR_ADD, ST_SIDE_LEFT, 120, NAN),
        REP(ST_DIR_ADD, ST_SIDE_LEFT, 500, NAN),
        REP(ST_DIR_ADD, ST_SIDE_LEFT, NAN, NAN),
        REP((enum st_dir)7, ST_SIDE_LEFT, 900, NAN),
        REP(ST_DIR_ADD, (enum st_side)9, 900, NAN),
    };
    reps[2].counts = false;
    struct bal_result r;
    bal_compute(reps, sizeof reps / sizeof reps[0], NULL, &r);
    const struct bal_cell *c = &r.cell[ST_DIR_ADD][ST_SIDE_LEFT];
    CHECK_INT(c->n, 2);
    CHECK_NEAR(c->best_n, 120, 0);
    CHECK_NEAR(c->mean_n, 110, 1e-12);
    for (int d = 0; d < ST_DIR_COUNT; d++)
        for (int s = 0; s < ST_SIDE_COUNT; s++)
            if (!(d == ST_DIR_ADD && s == ST_SIDE_LEFT))
                CHECK_INT(r.cell[d][s].n, 0);
    /* No reps at all (and NULL reps): everything null. */
    bal_compute(NULL, 0, NULL, &r);
    for (int s = 0; s < ST_SIDE_COUNT; s++) {
        CHECK_NAN(r.ratio[s]);
        CHECK_INT(r.ratio_flag[s], BAL_NONE);
    }
    CHECK_NAN(r.asym_pct[ST_DIR_ABD]);
}

/* A lever on one cell only: the ratio falls back to forces (never torque over force). ADD 200 N at
 * 0.8 m, ABD 250 N without a lever: 200/250 = 0.8 (amber). The bilateral squeeze (side both) has its
 * own cell and ratio. */
static void test_mixed_levers_and_both(void)
{
    const struct bal_rep reps[] = {
        REP(ST_DIR_ADD, ST_SIDE_LEFT, 200, 0.8),
        REP(ST_DIR_ABD, ST_SIDE_LEFT, 250, NAN),
        REP(ST_DIR_ADD, ST_SIDE_BOTH, 400, NAN),
        REP(ST_DIR_ABD, ST_SIDE_BOTH, 320, NAN),
    };
    struct bal_result r;
    bal_compute(reps, 4, NULL, &r);
    CHECK_NEAR(r.ratio[ST_SIDE_LEFT], 0.8, 1e-12);
    CHECK_INT(r.ratio_flag[ST_SIDE_LEFT], BAL_AMBER);
    CHECK_NEAR(r.ratio[ST_SIDE_BOTH], 1.25, 1e-12);
    CHECK_INT(r.cell[ST_DIR_ADD][ST_SIDE_BOTH].n, 1);
}

static void test_names_and_defaults(void)
{
    CHECK_STR(bal_flag_name(BAL_NORMAL), "normal");
    CHECK_STR(bal_flag_name(BAL_AMBER), "amber");
    CHECK_STR(bal_flag_name(BAL_RED), "red");
    CHECK_STR(bal_flag_name(BAL_NONE), "");
    struct bal_params p = bal_params_default();
    CHECK_NEAR(p.ratio_red, 0.80, 0);
    CHECK_NEAR(p.ratio_amber, 0.90, 0);
    CHECK_NEAR(p.asym_amber, 10, 0);
    CHECK_NEAR(p.asym_red, 15, 0);
    CHECK_NEAR(p.cv_limit_pct, 10, 0);
    CHECK_NAN(p.body_mass_kg);
    CHECK_NAN(p.leg_length_m);
    CHECK(!p.gravity_correction);
}

int main(void)
{
    CHECK_RUN(test_cells_by_hand);
    CHECK_RUN(test_cv_limit);
    CHECK_RUN(test_single_rep);
    CHECK_RUN(test_ratio_band_edges);
    CHECK_RUN(test_asymmetry);
    CHECK_RUN(test_asymmetry_band_edges);
    CHECK_RUN(test_gravity_correction);
    CHECK_RUN(test_reps_that_do_not_count);
    CHECK_RUN(test_mixed_levers_and_both);
    CHECK_RUN(test_names_and_defaults);
    return check_done();
}
