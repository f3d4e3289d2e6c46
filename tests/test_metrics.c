/*
 * test_metrics.c - the metrics of one contraction against values worked out by hand.
 *
 * Every clean trace's expected values are derived in the comment above its checks, so a reader can
 * redo them with a pencil; the noisy and random traces are checked against independent brute force
 * (baseline, onset, peak and release by plain scans; best 1 s mean by dense sampling of the window's
 * start; impulse by a fine midpoint rule). Times are built as i / rate so that they are the same
 * doubles a hand calculation assumes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "protocols/metrics.h"

#define MAXN 40000
static double T[MAXN], F[MAXN];
static size_t N;

static void tr_clear(void)
{
    N = 0;
}

static void tr_add(double t, double f)
{
    if (N < MAXN) {
        T[N] = t;
        F[N] = f;
        N++;
    }
}

static struct met_result run(const struct met_opts *o)
{
    struct met_result m;
    struct st_err err;
    st_err_clear(&err);
    enum st_status s = met_compute(T, F, N, o, &m, &err);
    CHECK_OK(s, &err);
    return m;
}

/* The expected values of a case, as a table: one row per double member of struct met_result (by its
 * offset), the value worked out by hand (NAN: null) and the tolerance, compared as CHECK_NEAR does. */
struct want {
    const char *member;
    size_t offset;
    double value, tol;
};
#define W(member, value, tol) {#member, offsetof(struct met_result, member), (value), (tol)}
#define W_NULL(member) W(member, NAN, 0)

/* Every row of want[n] against m; a miss names the member and the table's line. */
static void check_want(const struct met_result *m, const struct want *want, size_t n, int line)
{
    for (size_t i = 0; i < n; i++) {
        double got;
        memcpy(&got, (const char *)m + want[i].offset, sizeof got);
        if (!((isnan(got) && isnan(want[i].value)) || fabs(got - want[i].value) <= want[i].tol))
            check_fail(__FILE__, line, "%s: %.9g, want %.9g (tol %g)", want[i].member, got, want[i].value,
                       want[i].tol);
    }
}
#define CHECK_WANT(m, ...)                                                                             \
    do {                                                                                               \
        const struct want want_[] = {__VA_ARGS__};                                                     \
        check_want(&(m), want_, sizeof want_ / sizeof want_[0], __LINE__);                             \
    } while (0)

/* A small deterministic PRNG (xorshift32) so the noisy traces are the same on every machine. */
static uint32_t rng_state;
static uint32_t rng_next(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}
/* Uniform in [lo, hi]. */
static double rng_uniform(double lo, double hi)
{
    return lo + (hi - lo) * (rng_next() / 4294967295.0);
}

/* A push at 100 Hz, t_i = i / 100 for i = 0..last: at rest (base, and +-jitter on odd/even samples)
 * outside (i0, i3]; on (i0, i1] a line from base up to peak, held on (i1, i2], a line back down to base
 * on (i2, i3]. The values are exact where the lines' steps are whole newtons. */
struct push {
    int last, i0, i1, i2, i3;
    double base, jitter, peak;
};

static void build_push(struct push p)
{
    tr_clear();
    for (int i = 0; i <= p.last; i++) {
        double f = p.base + ((i % 2) ? p.jitter : -p.jitter);
        if (i > p.i0 && i <= p.i1)
            f = p.base + (p.peak - p.base) * (i - p.i0) / (p.i1 - p.i0);
        else if (i > p.i1 && i <= p.i2)
            f = p.peak;
        else if (i > p.i2 && i <= p.i3)
            f = p.peak - (p.peak - p.base) * (i - p.i2) / (p.i3 - p.i2);
        tr_add(i / 100.0, f);
    }
}

/* ------------------------------------------------------------------------------------------------ */

/*
 * The trapezoid, 100 Hz, t_i = i / 100, i = 0..450 (451 samples), every output field checked.
 *   baseline i = 0..99: -1 for even i, +1 for odd i (a tared sensor's jitter)
 *   rise     i = 100..150: F = 10 (i - 100)         (0 N at 1.00 s to 500 N at 1.50 s: 1000 N/s)
 *   plateau  i = 151..350: F = 500
 *   fall     i = 351..400: F = 500 - 10 (i - 350)   (500 N at 3.50 s to 0 N at 4.00 s)
 *   tail     i = 401..450: -1 / +1 as the baseline
 * Step 1: the window t < 0.5 s holds i = 0..49: 25 of -1 and 25 of +1, so mu = 0 and
 *         sigma^2 = 50 * 1^2 / 49, sigma = sqrt(50/49) = 1.0101525445522...
 * Step 2: 3 sigma = 3.03 < 5, so theta = 0 + 5 = 5 N.
 * Step 3: F_100 = 0 < 5 <= F_101 = 10: t_on = 1.00 + (5 - 0)/(10 - 0) * 0.01 = 1.005 s.
 * Step 4: F_peak = 500 N, first at i = 150, t_peak = 1.5 s; time to peak = 1.5 - 1.005 = 0.495 s.
 * Step 5: F_399 = 10, F_400 = 0 < 5: t_off = 3.99 + (10 - 5)/(10 - 0) * 0.01 = 3.995 s.
 * Step 6: the rise is a line of slope 1000 N/s, t_on + 0.2 = 1.205 < 1.5, so F(t_on + w) = 5 + 1000 w
 *         and every RFD is 1000 N/s. Samples in [1.005, 1.055]: 1.01 .. 1.05 = 5, enough.
 * Step 7: the plateau [1.5, 3.5] is 2 s long at 500 N: best 1 s mean = 500 N.
 * Step 8: the full trapezoid's area from 1.0 to 4.0 is 125 + 2 * 500 + 125 = 1250 N·s; the two
 *         corners below theta cut off 2 * (0.5 * 0.005 s * 5 N) = 0.025: impulse = 1249.975 N·s (mu = 0).
 * Step 9: mass 70 kg, lever 0.8 m: 500/70 = 7.142857 N/kg; torque 400 N·m; 400/70 = 5.714286 N·m/kg.
 * Step 10: mu = 0 (no pre-tension), sigma = 1.01 (stable), the dips are -1 > -5 (no countermovement),
 *         |F| <= 500 < 1000 full scale (no saturation), 2.99 s (not too short): no flags.
 * sample rate = 450 / 4.5 = 100 Hz.
 */
static void build_trapezoid(void)
{
    tr_clear();
    for (int i = 0; i <= 450; i++) {
        double f;
        if (i < 100 || i > 400)
            f = (i % 2) ? 1.0 : -1.0;
        else if (i <= 150)
            f = 10.0 * (i - 100);
        else if (i <= 350)
            f = 500.0;
        else
            f = 500.0 - 10.0 * (i - 350);
        tr_add(i / 100.0, f);
    }
}

static void test_trapezoid_every_field(void)
{
    build_trapezoid();
    struct met_opts o = met_opts_default();
    o.body_mass_kg = 70;
    o.lever_m = 0.8;
    o.full_scale_n = 1000;
    struct met_result m = run(&o);
    CHECK_INT(m.n_samples, 451);
    CHECK_WANT(m, W(sample_rate_hz, 100.0, 1e-9), W(baseline_n, 0.0, 1e-12),
                  W(baseline_sd_n, sqrt(50.0 / 49.0), 1e-12), W(baseline_sd_n, 1.0101525445522, 1e-12),
                  W(threshold_n, 5.0, 1e-12));
    CHECK(m.contraction);
    CHECK_WANT(m, W(onset_s, 1.005, 1e-12), W(peak_n, 500.0, 1e-12), W(peak_s, 1.5, 1e-12),
                  W(time_to_peak_s, 0.495, 1e-12), W(release_s, 3.995, 1e-12),
                  W(rfd_n_per_s[0], 1000.0, 1e-8), W(rfd_n_per_s[1], 1000.0, 1e-8),
                  W(rfd_n_per_s[2], 1000.0, 1e-8), W(best_1s_mean_n, 500.0, 1e-9),
                  W(impulse_n_s, 1249.975, 1e-9), W(peak_n_per_kg, 500.0 / 70.0, 1e-12),
                  W(peak_n_per_kg, 7.142857142857, 1e-11), W(torque_nm, 400.0, 1e-12),
                  W(torque_nm_per_kg, 5.714285714286, 1e-11));
    CHECK_INT(m.flags, 0);
}

/* Without mass and lever the normalised values are null; everything else is unchanged. */
static void test_trapezoid_without_mass_or_lever(void)
{
    build_trapezoid();
    struct met_result m = run(NULL);
    CHECK_WANT(m, W(peak_n, 500.0, 1e-12), W_NULL(peak_n_per_kg), W_NULL(torque_nm),
                  W_NULL(torque_nm_per_kg));
    struct met_opts o = met_opts_default();
    o.lever_m = 0.5; /* torque known, mass not: 250 N·m, N·m/kg null */
    m = run(&o);
    CHECK_WANT(m, W(torque_nm, 250.0, 1e-12), W_NULL(torque_nm_per_kg), W_NULL(peak_n_per_kg));
    o = met_opts_default();
    o.body_mass_kg = -3; /* nonsense mass: unknown */
    o.lever_m = NAN;
    m = run(&o);
    CHECK_NAN(m.peak_n_per_kg);
}

/*
 * The threshold floor is configurable: min_threshold_n = 10 on the trapezoid gives theta = 0 + 10
 * (3 sigma = 3.03 < 10), reached exactly by F_101 = 10: t_on = 1.00 + (10 - 0)/(10 - 0) * 0.01 = 1.01.
 */
static void test_threshold_floor_option(void)
{
    build_trapezoid();
    struct met_opts o = met_opts_default();
    o.min_threshold_n = 10;
    struct met_result m = run(&o);
    CHECK_NEAR(m.threshold_n, 10.0, 1e-12);
    CHECK_NEAR(m.onset_s, 1.01, 1e-12);
    /* release: F_398 = 20, F_399 = 10, F_400 = 0 < 10: t_off = 3.99 + (10 - 10)/10 * 0.01 = 3.99 */
    CHECK_NEAR(m.release_s, 3.99, 1e-12);
}

/*
 * The ramp, 100 Hz, i = 0..300: F = 0 up to i = 100, then F = 2 (i - 100) (200 N/s, 400 N at 3.00 s),
 * and the data ends on the ramp.
 * mu = 0, sigma = 0, theta = 5. F_102 = 4 < 5 <= F_103 = 6: t_on = 1.02 + (1/2) 0.01 = 1.025 s.
 * Peak 400 N at 3.00 s (the last sample); time to peak 1.975 s. The force never falls below theta:
 * t_off = the end of the data = 3.00 s. RFD = 200 N/s for every window (a line).
 * Best 1 s mean: the last second [2, 3], mean of a line from 200 to 400 = 300 N.
 * Impulse: the integral of 200 (t - 1) from 1.025 to 3 = 100 [(t - 1)^2] = 100 (4 - 0.025^2)
 *          = 399.9375 N·s.
 */
static void test_ramp(void)
{
    tr_clear();
    for (int i = 0; i <= 300; i++)
        tr_add(i / 100.0, i <= 100 ? 0.0 : 2.0 * (i - 100));
    struct met_result m = run(NULL);
    CHECK_WANT(m, W(baseline_n, 0, 0), W(baseline_sd_n, 0, 0), W(threshold_n, 5, 0));
    CHECK(m.contraction);
    CHECK_WANT(m, W(onset_s, 1.025, 1e-12), W(peak_n, 400, 1e-12), W(peak_s, 3.0, 1e-12),
                  W(time_to_peak_s, 1.975, 1e-12), W(release_s, 3.0, 1e-12));
    for (int w = 0; w < MET_RFD_WINDOWS; w++)
        CHECK_NEAR(m.rfd_n_per_s[w], 200.0, 1e-8);
    CHECK_WANT(m, W(best_1s_mean_n, 300.0, 1e-9), W(impulse_n_s, 399.9375, 1e-9),
                  W(sample_rate_hz, 100.0, 1e-9));
    CHECK_INT(m.flags, 0);
}

/*
 * The step, 1 kHz, i = 0..3000: F = 0 up to i = 1000, 300 N for i = 1001..2500, 0 after.
 * theta = 5. t_on = 1.000 + (5/300) 0.001 = 1 + 1/60000 = 1.0000166667 s.
 * Peak 300 N first at 1.001 s; time to peak = 0.001 - 1/60000 = 0.00098333 s.
 * t_off: F_2500 = 300, F_2501 = 0: 2.5 + (295/300) 0.001 = 2.5009833333 s.
 * RFD: F(t_on + w) = 300 for every window, so (300 - 5)/w: 5900, 2950, 1475 N/s
 *      (50 samples in the first 50 ms).
 * Best 1 s mean: inside the 1.499 s plateau: 300 N.
 * Impulse: the two edge slivers (5 -> 300 over 59/60000 s) are 152.5 * 59/60000 = 0.1499583 each,
 *          the plateau 300 * (2.5 - 1.001) = 449.7: total 449.7 + 0.2999167 = 449.9999167 N·s.
 */
static void test_step(void)
{
    tr_clear();
    for (int i = 0; i <= 3000; i++)
        tr_add(i / 1000.0, (i > 1000 && i <= 2500) ? 300.0 : 0.0);
    struct met_result m = run(NULL);
    CHECK_WANT(m, W(onset_s, 1.0 + 1.0 / 60000.0, 1e-12), W(peak_n, 300, 0), W(peak_s, 1.001, 1e-12),
                  W(time_to_peak_s, 0.001 - 1.0 / 60000.0, 1e-12), W(release_s, 2.5 + 0.295 / 300.0, 1e-12),
                  W(rfd_n_per_s[0], 5900.0, 1e-7), W(rfd_n_per_s[1], 2950.0, 1e-7),
                  W(rfd_n_per_s[2], 1475.0, 1e-7), W(best_1s_mean_n, 300.0, 1e-9),
                  W(impulse_n_s, 449.7 + 2 * 152.5 * 59.0 / 60000.0, 1e-9),
                  W(impulse_n_s, 449.9999166667, 1e-9), W(sample_rate_hz, 1000.0, 1e-6));
    CHECK_INT(m.flags, 0);
}

/*
 * Irregular sample spacing; the best 1 s window sits at an interior stationary point.
 *   t: 0    0.1  0.25 0.45 | 0.6  0.7  0.72 0.75 0.78 0.8  0.83 1.0  1.3  1.9  2.0  2.4  2.5  2.8
 *   F: 0    2    -2   0    | 0    20   30   60   72   80   86   100  120  90   120  40   0    0
 * Step 1: 4 samples before 0.5 s: mu = 0, sigma^2 = (0 + 4 + 4 + 0)/3 = 8/3, sigma = 1.63299.
 * Step 2: 3 sigma = 4.899 < 5: theta = 5.
 * Step 3: F(0.6) = 0 < 5 <= F(0.7) = 20: t_on = 0.6 + (5/20) 0.1 = 0.625 s.
 * Step 4: 120 N at 1.3 s (again at 2.0 s: the first counts). Time to peak 0.675 s.
 * Step 5: after 1.3 s the first sample below 5 is 0 at 2.5 s; from 40 at 2.4 s:
 *         t_off = 2.4 + (40 - 5)/40 * 0.1 = 2.4875 s.
 * Step 6: [0.625, 0.675] holds no sample and [0.625, 0.725] two (0.7, 0.72): RFD 0-50, 0-100 null.
 *         [0.625, 0.825] holds 0.7 0.72 0.75 0.78 0.8 = 5: F(0.825) = 80 + 6 (0.025/0.03) = 85,
 *         RFD 0-200 = (85 - 5)/0.2 = 400 N/s.
 * Step 7: G(a) = integral over [a, a + 1]; G'(a) = F(a + 1) - F(a). For a in [1.0, 1.3], F(a) =
 *         100 + (200/3)(a - 1) and F(a + 1) = 120 - 200 (a - 1) (the 2.0 -> 2.4 segment), so G' = 20 -
 *         (800/3)(a - 1) = 0 at a = 1.075, where F(1.075) = 105 = F(2.075):
 *         G = (105 + 120)/2 * 0.225 + (120 + 90)/2 * 0.6 + (90 + 120)/2 * 0.1 + (120 + 105)/2 * 0.075
 *           = 25.3125 + 63 + 10.5 + 8.4375 = 107.25 N·s. The other stationary point (a = 0.8867,
 *         G = 105.6) and the ends (G(0.625) = 93.95, G(1.4875) = 85.85) are lower: best = 107.25 N.
 * Step 8: trapezoids from 0.625 to 2.4875:
 *         0.9375 + 0.5 + 1.35 + 1.98 + 1.52 + 2.49 + 15.81 + 33 + 63 + 10.5 + 32 + 1.96875
 *         = 165.05625 N·s.
 * sample rate = 17 / 2.8 = 6.0714 Hz.
 */
static void test_irregular_spacing(void)
{
    static const double t[] = {0, 0.1, 0.25, 0.45, 0.6, 0.7, 0.72, 0.75, 0.78,
                               0.8, 0.83, 1.0, 1.3, 1.9, 2.0, 2.4, 2.5, 2.8};
    static const double f[] = {0, 2, -2, 0, 0, 20, 30, 60, 72, 80, 86, 100, 120, 90, 120, 40, 0, 0};
    tr_clear();
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        tr_add(t[i], f[i]);
    struct met_result m = run(NULL);
    CHECK_WANT(m, W(baseline_n, 0, 1e-12), W(baseline_sd_n, sqrt(8.0 / 3.0), 1e-12), W(threshold_n, 5, 1e-12),
                  W(onset_s, 0.625, 1e-12), W(peak_n, 120, 0), W(peak_s, 1.3, 0),
                  W(time_to_peak_s, 0.675, 1e-12), W(release_s, 2.4875, 1e-12), W_NULL(rfd_n_per_s[0]),
                  W_NULL(rfd_n_per_s[1]), W(rfd_n_per_s[2], 400.0, 1e-9), W(best_1s_mean_n, 107.25, 1e-9),
                  W(impulse_n_s, 165.05625, 1e-9), W(sample_rate_hz, 17.0 / 2.8, 1e-12));
    CHECK_INT(m.flags, 0);
}

/*
 * One shape at 50 Hz and at 1 kHz: 0 N to 1.0 s, a rise of 800 N/s to 400 N at 1.5 s, 400 N to 4.0 s,
 * a fall of 800 N/s to 0 at 4.5 s, 0 to 5.5 s. Every corner is on the 20 ms grid, so both sample the
 * same piecewise-linear curve and must agree wherever the 50 Hz trace supports a value.
 * theta = 5: t_on = 1.0 + 5/800 = 1.00625 s (50 Hz: 1.0 + (5/16) 0.02; 1 kHz: 1.006 + (0.2/0.8) 0.001).
 * Peak 400 at 1.5 s; time to peak 0.49375 s; t_off = 4.5 - 5/800 = 4.49375 s.
 * RFD = 800 N/s on the line; at 50 Hz [t_on, t_on + 0.05] holds 1.02 and 1.04 only (2 < 5): null;
 * [t_on, t_on + 0.1] holds 1.02 .. 1.10 = 5 samples: 800.
 * Best 1 s mean 400 N. Impulse: the trapezoid's 100 + 1000 + 100 = 1200 less two corners of
 * 0.5 * 0.00625 * 5 = 0.015625: 1199.96875 N·s.
 */
static void build_shape(int rate)
{
    tr_clear();
    int step_ms = 1000 / rate;
    for (int ms = 0; ms <= 5500; ms += step_ms) {
        double f;
        if (ms <= 1000)
            f = 0;
        else if (ms <= 1500)
            f = 0.8 * (ms - 1000);
        else if (ms <= 4000)
            f = 400;
        else if (ms <= 4500)
            f = 400 - 0.8 * (ms - 4000);
        else
            f = 0;
        tr_add(ms / 1000.0, f);
    }
}

static void check_shape(const struct met_result *m)
{
    CHECK_WANT(*m, W(onset_s, 1.00625, 1e-12), W(peak_n, 400, 1e-12), W(peak_s, 1.5, 1e-12),
                   W(time_to_peak_s, 0.49375, 1e-12), W(release_s, 4.49375, 1e-12),
                   W(rfd_n_per_s[1], 800, 1e-7), W(rfd_n_per_s[2], 800, 1e-7), W(best_1s_mean_n, 400, 1e-9),
                   W(impulse_n_s, 1199.96875, 1e-8));
}

static void test_50hz_and_1khz_agree(void)
{
    build_shape(50);
    CHECK_INT(N, 276);
    struct met_result slow = run(NULL);
    build_shape(1000);
    CHECK_INT(N, 5501);
    struct met_result fast = run(NULL);
    check_shape(&slow);
    check_shape(&fast);
    CHECK_NAN(slow.rfd_n_per_s[0]);            /* a 50 Hz device has no 0-50 ms RFD */
    CHECK_NEAR(fast.rfd_n_per_s[0], 800, 1e-7); /* 50 samples in the first 50 ms */
    CHECK_NEAR(slow.sample_rate_hz, 50, 1e-9);
    CHECK_NEAR(fast.sample_rate_hz, 1000, 1e-9);
    /* The acceptance: the two agree to 0.1 % wherever both are defined. */
    CHECK_REL(slow.onset_s, fast.onset_s, 1e-3);
    CHECK_REL(slow.peak_n, fast.peak_n, 1e-3);
    CHECK_REL(slow.release_s, fast.release_s, 1e-3);
    CHECK_REL(slow.rfd_n_per_s[1], fast.rfd_n_per_s[1], 1e-3);
    CHECK_REL(slow.rfd_n_per_s[2], fast.rfd_n_per_s[2], 1e-3);
    CHECK_REL(slow.best_1s_mean_n, fast.best_1s_mean_n, 1e-3);
    CHECK_REL(slow.impulse_n_s, fast.impulse_n_s, 1e-3);
    CHECK_INT(slow.flags, fast.flags);
}

/* ------------------------------------------------------------------------------------------------ */
/* Independent brute force, used for the noisy and the random traces. */

/* F on the trace by a plain linear search (independent of met_interp's binary search). */
static double bf_interp(double x)
{
    if (x <= T[0])
        return F[0];
    for (size_t i = 1; i < N; i++)
        if (T[i] > x)
            return F[i - 1] + (F[i] - F[i - 1]) * (x - T[i - 1]) / (T[i] - T[i - 1]);
    return F[N - 1];
}

static double P[MAXN]; /* P[i] = integral of F from T[0] to T[i] */

static void bf_prefix(void)
{
    P[0] = 0;
    for (size_t i = 1; i < N; i++)
        P[i] = P[i - 1] + 0.5 * (F[i] + F[i - 1]) * (T[i] - T[i - 1]);
}

/* Integral of F from T[0] to x, O(log n) on the prefix sums. */
static double bf_integral_to(double x)
{
    if (x <= T[0])
        return 0;
    size_t lo = 0, hi = N; /* first index with T > x */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (T[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= N)
        return P[N - 1];
    size_t i = lo - 1;
    double fx = F[i] + (F[lo] - F[i]) * (x - T[i]) / (T[lo] - T[i]);
    return P[i] + 0.5 * (F[i] + fx) * (x - T[i]);
}

/* Best 1 s mean by sampling a densely over [t_on, t_off - 1] (step h) and the far end. */
static double bf_best_1s(double t_on, double t_off, double h)
{
    bf_prefix();
    double best = -INFINITY;
    double last = t_off - 1.0;
    for (size_t m = 0;; m++) {
        double a = t_on + (double)m * h;
        if (a > last)
            a = last;
        double g = bf_integral_to(a + 1.0) - bf_integral_to(a);
        if (g > best)
            best = g;
        if (a >= last)
            break;
    }
    return best;
}

/* Impulse by the midpoint rule with `steps` intervals, on the trace's own F. */
static double bf_impulse(double t_on, double t_off, double mu, long steps)
{
    double h = (t_off - t_on) / (double)steps, sum = 0;
    size_t i = 1;
    for (long s = 0; s < steps; s++) {
        double x = t_on + ((double)s + 0.5) * h;
        while (i < N - 1 && T[i] <= x)
            i++;
        double fx = (x <= T[i - 1]) ? F[i - 1]
                                    : F[i - 1] + (F[i] - F[i - 1]) * (x - T[i - 1]) / (T[i] - T[i - 1]);
        sum += (fx - mu) * h;
    }
    return sum;
}

struct bf_result {
    double mu, sigma, theta, t_on, peak, t_peak, t_off;
    bool contraction;
};

/* Baseline, threshold, onset, peak and release by plain scans, as CLINICAL.md words them. */
static struct bf_result bf_scan(void)
{
    struct bf_result r = {0};
    size_t nb = 0;
    double sum = 0;
    for (size_t i = 0; i < N; i++)
        if (T[i] < T[0] + 0.5) {
            nb++;
            sum += F[i];
        }
    r.mu = F[0];
    if (nb >= 3) {
        r.mu = sum / nb;
        double ss = 0;
        for (size_t i = 0; i < nb; i++)
            ss += (F[i] - r.mu) * (F[i] - r.mu);
        r.sigma = sqrt(ss / (nb - 1));
    }
    r.theta = r.mu + (3 * r.sigma > 5 ? 3 * r.sigma : 5);
    size_t k = 0;
    for (size_t i = 1; i < N; i++)
        if (T[i] >= T[0] + 0.5 && F[i - 1] < r.theta && F[i] >= r.theta) {
            k = i;
            break;
        }
    if (!k)
        return r;
    r.contraction = true;
    r.t_on = T[k - 1] + (r.theta - F[k - 1]) / (F[k] - F[k - 1]) * (T[k] - T[k - 1]);
    size_t p = k;
    for (size_t i = k; i < N; i++)
        if (F[i] > F[p])
            p = i;
    r.peak = F[p];
    r.t_peak = T[p];
    r.t_off = T[N - 1];
    for (size_t i = p + 1; i < N; i++)
        if (F[i] < r.theta) {
            r.t_off = T[i - 1] + (F[i - 1] - r.theta) / (F[i - 1] - F[i]) * (T[i] - T[i - 1]);
            break;
        }
    return r;
}

/*
 * A plateau with noise: 1 kHz, 4 s; baseline noise uniform in [-2, 2] N, a rise from 1.0 to 1.3 s to
 * 300 N, a plateau of 300 +- 3 N to 3.0 s, a fall to 0 by 3.3 s, noise after. Expected values by brute
 * force (plain scans, dense sampling, midpoint integration), plus the ranges a pencil predicts.
 */
static void test_noisy_plateau(void)
{
    rng_state = 12345;
    tr_clear();
    for (int i = 0; i <= 4000; i++) {
        double t = i / 1000.0, f;
        if (i < 1000 || i > 3300)
            f = rng_uniform(-2, 2);
        else if (i <= 1300)
            f = 300.0 * (i - 1000) / 300.0;
        else if (i <= 3000)
            f = 300.0 + rng_uniform(-3, 3);
        else
            f = 300.0 - 300.0 * (i - 3000) / 300.0;
        tr_add(t, f);
    }
    struct met_result m = run(NULL);
    struct bf_result b = bf_scan();
    REQUIRE(b.contraction && m.contraction);
    CHECK_WANT(m, W(baseline_n, b.mu, 1e-9), W(baseline_sd_n, b.sigma, 1e-9), W(threshold_n, b.theta, 1e-9),
                  W(onset_s, b.t_on, 1e-12), W(peak_n, b.peak, 0), W(peak_s, b.t_peak, 0),
                  W(release_s, b.t_off, 1e-12));
    double bf_best = bf_best_1s(b.t_on, b.t_off, 1e-4);
    CHECK(m.best_1s_mean_n >= bf_best - 1e-9);
    CHECK_REL(m.best_1s_mean_n, bf_best, 1e-6);
    CHECK_REL(m.impulse_n_s, bf_impulse(b.t_on, b.t_off, b.mu, 2000000), 1e-6);
    for (int w = 0; w < MET_RFD_WINDOWS; w++) {
        double win = met_rfd_window_s[w];
        CHECK_REL(m.rfd_n_per_s[w], (bf_interp(b.t_on + win) - b.theta) / win, 1e-9);
    }
    /* What a pencil predicts: uniform [-2, 2] noise has SD 4/sqrt(12) = 1.155, so 3 sigma < 5 and
     * theta = mu + 5; the onset is on the rise (1 N/ms) near 1.005 s; the peak at most 303 N; the
     * plateau's best second averages 300 +- 0.2 N. */
    CHECK(fabs(m.baseline_n) < 0.3);
    CHECK(m.baseline_sd_n > 1.0 && m.baseline_sd_n < 1.3);
    CHECK_NEAR(m.threshold_n, m.baseline_n + 5.0, 1e-12);
    CHECK(m.onset_s > 1.004 && m.onset_s < 1.006);
    CHECK(m.peak_n > 299 && m.peak_n <= 303);
    CHECK(m.best_1s_mean_n > 299.8 && m.best_1s_mean_n < 300.5);
    CHECK_INT(m.flags, 0);
}

/*
 * Random traces from a fixed seed: irregular steps of 1-15 ms (some of 0 ms: equal times), a random
 * baseline, a rise to a random level, a random walk, a fall. best_1s_mean must equal the dense-sampling
 * maximum (and never fall below it) and the impulse the fine midpoint integral, both to 1e-6 relative.
 */
static void test_random_cross_check(void)
{
    rng_state = 0xC0FFEEu;
    int checked = 0;
    for (int trial = 0; trial < 24; trial++) {
        tr_clear();
        double t = rng_uniform(0, 5);
        double level = rng_uniform(80, 600);
        double rise = rng_uniform(0.05, 0.6), hold = rng_uniform(1.0, 3.0), fall = rng_uniform(0.05, 0.5);
        double t_rise = t + rng_uniform(0.6, 1.0);
        double f = 0;
        while (N < MAXN) {
            double base;
            double x = t - t_rise;
            if (x < 0)
                base = 0;
            else if (x < rise)
                base = level * x / rise;
            else if (x < rise + hold)
                base = level;
            else if (x < rise + hold + fall)
                base = level * (1 - (x - rise - hold) / fall);
            else
                base = 0;
            f = base + rng_uniform(-2, 2) + (base > 0 ? rng_uniform(-0.03, 0.03) * level : 0);
            tr_add(t, f);
            if (x > rise + hold + fall + 0.5)
                break;
            uint32_t r = rng_next() % 16; /* 0..15 ms, 0 = an equal time */
            t += r / 1000.0;
        }
        struct met_result m = run(NULL);
        struct bf_result b = bf_scan();
        CHECK(m.contraction == b.contraction);
        if (!b.contraction || !m.contraction)
            continue;
        CHECK_WANT(m, W(onset_s, b.t_on, 1e-9), W(release_s, b.t_off, 1e-9), W(peak_n, b.peak, 0));
        CHECK_REL(m.impulse_n_s, bf_impulse(m.onset_s, m.release_s, m.baseline_n, 1000000), 1e-6);
        if (m.release_s - m.onset_s < 1.0) {
            CHECK_NAN(m.best_1s_mean_n);
            CHECK(m.flags & MET_TOO_SHORT);
            continue;
        }
        double bf_best = bf_best_1s(m.onset_s, m.release_s, 1e-4);
        CHECK(m.best_1s_mean_n >= bf_best - 1e-9 * fabs(bf_best));
        CHECK_REL(m.best_1s_mean_n, bf_best, 1e-6);
        CHECK(m.best_1s_mean_n <= m.peak_n);
        checked++;
    }
    CHECK(checked >= 18); /* the generator makes holds of 1-3 s: most traces must be compared */
}

/* ------------------------------------------------------------------------------------------------ */
/* Flags and the edges of the definitions. */

/*
 * Pre-tension, 100 Hz: 30 N until 1.0 s, a rise of 400 N/s to 230 N at 1.5 s, 230 N to 3.0 s, a fall
 * to 30 N at 3.5 s, 30 N to 4.0 s.
 * mu = 30 > 20: pre_tension. sigma = 0: theta = 35. F_101 = 34 < 35 <= F_102 = 38:
 * t_on = 1.01 + (1/4) 0.01 = 1.0125. Fall: F_348 = 38, F_349 = 34: t_off = 3.48 + (3/4) 0.01 = 3.4875.
 * Impulse is of F - mu: the 200 N trapezoid's 50 + 300 + 50 = 400 less two corners of
 * 0.5 * 0.0125 * 5 = 0.03125: 399.9375 N·s.
 */
static void test_pre_tension(void)
{
    build_push((struct push){.last = 400, .i0 = 100, .i1 = 150, .i2 = 300, .i3 = 350, .base = 30, .peak = 230});
    struct met_result m = run(NULL);
    CHECK_WANT(m, W(baseline_n, 30, 1e-12), W(threshold_n, 35, 1e-12), W(onset_s, 1.0125, 1e-12),
                  W(release_s, 3.4875, 1e-12), W(peak_n, 230, 0), W(impulse_n_s, 399.9375, 1e-9));
    CHECK_INT(m.flags, MET_PRE_TENSION);
}

/*
 * Fewer than 3 baseline samples, and a force already above theta when the window ends:
 *   t: 0   0.3 | 0.6  0.7  0.8  0.9  1.0 ... 2.5  2.6  2.7
 *   F: 0   10  | 50   60   0    100  100 ... 100  0    0
 * Two samples before 0.5 s: mu = F_0 = 0, sigma = 0, theta = 5. The force is >= 5 at the end of the
 * window (10) and after it (50, 60): no onset until it has fallen below (0 at 0.8 s); then
 * t_on = 0.8 + (5/100) 0.1 = 0.805. The 60 N before the onset is not the peak: 100 N at 0.9 s.
 * t_off = 2.5 + (95/100) 0.1 = 2.595.
 */
static void test_pre_tension_must_fall_first(void)
{
    tr_clear();
    tr_add(0, 0);
    tr_add(0.3, 10);
    tr_add(0.6, 50);
    tr_add(0.7, 60);
    tr_add(0.8, 0);
    for (int i = 9; i <= 25; i++)
        tr_add(i / 10.0, 100);
    tr_add(2.6, 0);
    tr_add(2.7, 0);
    struct met_result m = run(NULL);
    CHECK_WANT(m, W(baseline_n, 0, 0), W(baseline_sd_n, 0, 0), W(threshold_n, 5, 0));
    CHECK(m.contraction);
    CHECK_WANT(m, W(onset_s, 0.805, 1e-12), W(peak_n, 100, 0), W(peak_s, 0.9, 0), W(release_s, 2.595, 1e-12));
}

/* mu = F_0 with fewer than 3 baseline samples, even when F_0 is not typical: F_0 = 25 -> pre-tension,
 * theta = 30; the force then rests at 0 and rises through 30 between 1.0 s (0) and 1.1 s (60):
 * t_on = 1.0 + (30/60) 0.1 = 1.05. */
static void test_short_baseline_uses_first_sample(void)
{
    tr_clear();
    tr_add(0, 25);
    tr_add(0.4, 0);
    tr_add(1.0, 0);
    tr_add(1.1, 60);
    tr_add(3.0, 60);
    struct met_result m = run(NULL);
    CHECK_WANT(m, W(baseline_n, 25, 0), W(baseline_sd_n, 0, 0), W(threshold_n, 30, 0),
                  W(onset_s, 1.05, 1e-12));
    CHECK(m.flags & MET_PRE_TENSION);
}

/* A force that is above theta from the start and never falls below it: no contraction. */
static void test_force_never_falls_below(void)
{
    tr_clear();
    tr_add(0, 0);
    tr_add(0.3, 50);
    tr_add(0.6, 60);
    tr_add(0.9, 70);
    tr_add(1.2, 80);
    struct met_result m = run(NULL);
    CHECK_NEAR(m.threshold_n, 5, 0);
    CHECK(!m.contraction);
    CHECK_NAN(m.onset_s);
    CHECK_NAN(m.peak_n);
}

/*
 * The crossing straddles the end of the baseline window: 10 Hz, 0 N at 0.0 .. 0.4 s, 100 N from
 * 0.5 s (the first sample after the window) to 2.0 s, 0 at 2.1 s. The search starts at 0.5 s and
 * interpolates with the sample before it: t_on = 0.4 + (5/100) 0.1 = 0.405 s, before 0.5 s.
 */
static void test_onset_straddles_window(void)
{
    tr_clear();
    for (int i = 0; i <= 21; i++)
        tr_add(i / 10.0, (i >= 5 && i <= 20) ? 100.0 : 0.0);
    struct met_result m = run(NULL);
    CHECK_WANT(m, W(baseline_n, 0, 0), W(onset_s, 0.405, 1e-12), W(release_s, 2.0 + 0.095, 1e-12));
}

/* 100 Hz, 0 N baseline, a dip of `dip` N on samples [d0, d1], a rise of 1000 N/s from 1.0 s to 500 N,
 * hold to 3.0 s, fall to 0 by 3.5 s. t_on = 1.005 as in the trapezoid, so the countermovement window
 * is [0.705, 1.005) and the dip limit is mu - max(3 sigma, 5) = -5. */
static unsigned counter_flags(int d0, int d1, double dip)
{
    build_push((struct push){.last = 400, .i0 = 100, .i1 = 150, .i2 = 300, .i3 = 350, .peak = 500});
    for (int i = d0; i <= d1; i++) /* the dip, in the rest before the push (d1 < 100) */
        F[i] = dip;
    struct met_result m = run(NULL);
    CHECK_NEAR(m.onset_s, 1.005, 1e-12);
    return m.flags;
}

static void test_countermovement(void)
{
    CHECK_INT(counter_flags(90, 95, -20), MET_COUNTERMOVEMENT); /* 0.90-0.95 s, 50 ms before */
    CHECK_INT(counter_flags(71, 71, -20), MET_COUNTERMOVEMENT); /* 0.71 >= 0.705: inside */
    CHECK_INT(counter_flags(70, 70, -20), 0);                   /* 0.70 < 0.705: 305 ms before */
    CHECK_INT(counter_flags(60, 65, -20), 0);                   /* well before */
    CHECK_INT(counter_flags(90, 95, -5), 0);                    /* not below the -5 N limit */
    CHECK_INT(counter_flags(90, 95, -5.01), MET_COUNTERMOVEMENT);
    CHECK_INT(counter_flags(99, 99, -20), MET_COUNTERMOVEMENT);   /* 0.99 s, just before onset */
}

/* Never crosses theta: 0 / 4 N alternating; mu = 2, sigma = sqrt(50 * 4 / 49) = 2.0203, theta =
 * 2 + max(6.06, 5) = 8.061. Every contraction metric null, the baseline and the rate still known. */
static void test_never_crosses(void)
{
    tr_clear();
    for (int i = 0; i <= 300; i++)
        tr_add(i / 100.0, (i % 2) ? 4.0 : 0.0);
    struct met_opts o = met_opts_default();
    o.body_mass_kg = 70;
    o.lever_m = 0.8;
    struct met_result m = run(&o);
    CHECK(!m.contraction);
    CHECK_WANT(m, W(baseline_n, 2, 1e-12), W(baseline_sd_n, sqrt(200.0 / 49.0), 1e-12),
                  W(threshold_n, 2 + 3 * sqrt(200.0 / 49.0), 1e-12), W(sample_rate_hz, 100, 1e-9),
                  W_NULL(onset_s), W_NULL(peak_n), W_NULL(peak_s), W_NULL(time_to_peak_s), W_NULL(release_s));
    for (int w = 0; w < MET_RFD_WINDOWS; w++)
        CHECK_NAN(m.rfd_n_per_s[w]);
    CHECK_WANT(m, W_NULL(best_1s_mean_n), W_NULL(impulse_n_s), W_NULL(peak_n_per_kg), W_NULL(torque_nm),
                  W_NULL(torque_nm_per_kg));
    CHECK_INT(m.flags, MET_NO_ONSET); /* no number, and the flag says why */
}

/* Saturation: |F| >= full scale anywhere, when the full scale is known. */
static void test_saturation(void)
{
    build_trapezoid(); /* peaks at exactly 500 N */
    struct met_opts o = met_opts_default();
    o.full_scale_n = 500;
    CHECK_INT(run(&o).flags, MET_SATURATION);
    o.full_scale_n = 500.5;
    CHECK_INT(run(&o).flags, 0);
    o.full_scale_n = NAN; /* unknown: never flagged */
    CHECK_INT(run(&o).flags, 0);
    o.full_scale_n = 0;
    CHECK_INT(run(&o).flags, 0);
    F[440] = -600; /* tension past the full scale (a gauge reads both ways), after the rep */
    o.full_scale_n = 550;
    CHECK(run(&o).flags & MET_SATURATION);
    /* Saturation is flagged even without a contraction: one reading at -2000 N after the baseline
     * (no upward crossing, so no contraction and no countermovement). */
    tr_clear();
    for (int i = 0; i < 100; i++)
        tr_add(i / 100.0, i == 70 ? -2000.0 : 0.0);
    o.full_scale_n = 2000;
    struct met_result m = run(&o);
    CHECK(!m.contraction);
    CHECK_INT(m.flags, MET_SATURATION | MET_NO_ONSET | MET_OPPOSITE_DIRECTION);
}

/*
 * Too short, 100 Hz: 0 to 1.0 s, a rise of 2000 N/s to 200 N at 1.1 s, 200 N to 1.5 s, a fall to 0 at
 * 1.6 s, 0 to 2.0 s. t_on = 1.0 + (5/20) 0.01 = 1.0025; t_off = 1.59 + (15/20) 0.01 = 1.5975;
 * 0.595 s < 1 s: too_short, best 1 s mean null. The rest is defined:
 * RFD 0-50 = (F(1.0525) - 5)/0.05 = (105 - 5)/0.05 = 2000; 0-100: (200 - 5)/0.1 = 1950;
 * 0-200: (200 - 5)/0.2 = 975 (t_on + 0.2 = 1.2025 <= t_off).
 * Impulse: 10 + 80 + 10 = 100 less two corners of 0.5 * 0.0025 * 5 = 0.00625: 99.9875 N·s.
 */
static void test_too_short(void)
{
    build_push((struct push){.last = 200, .i0 = 100, .i1 = 110, .i2 = 150, .i3 = 160, .peak = 200});
    struct met_result m = run(NULL);
    CHECK_NEAR(m.onset_s, 1.0025, 1e-12);
    CHECK_NEAR(m.release_s, 1.5975, 1e-12);
    CHECK_INT(m.flags, MET_TOO_SHORT);
    CHECK_WANT(m, W_NULL(best_1s_mean_n), W(rfd_n_per_s[0], 2000, 1e-7), W(rfd_n_per_s[1], 1950, 1e-7),
                  W(rfd_n_per_s[2], 975, 1e-7), W(impulse_n_s, 99.9875, 1e-9));
}

/* RFD is null where t_on + w passes t_off: a 150 ms contraction at 1 kHz has 0-50 and 0-100 ms only.
 * 0 N, then 100 N from 1.001 to 1.150 s: t_on = 1 + 0.05 * 0.001 = 1.00005, t_off = 1.15 + 0.95 *
 * 0.001 = 1.15095; t_on + 0.2 = 1.20005 > t_off. */
static void test_rfd_needs_the_window_inside_the_rep(void)
{
    tr_clear();
    for (int i = 0; i <= 1500; i++)
        tr_add(i / 1000.0, (i > 1000 && i <= 1150) ? 100.0 : 0.0);
    struct met_result m = run(NULL);
    CHECK_WANT(m, W(onset_s, 1.00005, 1e-12), W(release_s, 1.15095, 1e-12),
                  W(rfd_n_per_s[0], 95 / 0.05, 1e-7), W(rfd_n_per_s[1], 95 / 0.1, 1e-7),
                  W_NULL(rfd_n_per_s[2]));
}

/* Unstable baseline: -6 / +6 alternating, mu = 0, sigma = 6 sqrt(50/49) = 6.0609 > 5;
 * theta = 3 sigma = 18.18. The -6 N jitter is above mu - 3 sigma: no countermovement. */
static void test_unstable_baseline(void)
{
    build_push((struct push){.last = 400, .i0 = 100, .i1 = 150, .i2 = 300, .i3 = 350, .jitter = 6, .peak = 500});
    struct met_result m = run(NULL);
    double sigma = 6 * sqrt(50.0 / 49.0);
    CHECK_NEAR(m.baseline_sd_n, sigma, 1e-12);
    CHECK_NEAR(m.threshold_n, 3 * sigma, 1e-12);
    /* F_101 = 10 < 18.18 <= F_102 = 20: t_on = 1.01 + (18.18 - 10)/10 * 0.01 */
    CHECK_NEAR(m.onset_s, 1.01 + (3 * sigma - 10) / 10 * 0.01, 1e-12);
    CHECK_INT(m.flags, MET_UNSTABLE_BASELINE);
}

/* Equal consecutive times are legal: the curve jumps, nothing divides by zero.
 *   t: 0   0.1 0.2 0.3 0.6 0.6  0.7  1.9  1.9 2.0
 *   F: 0   0   0   0   0   100  100  100  0   0
 * theta = 5; the crossing is the zero-width step at 0.6 s: t_on = 0.6; the fall is the step at 1.9 s:
 * t_off = 1.9. Impulse = 100 N * 1.3 s = 130 N·s (the steps add nothing). RFD: [0.6, 0.8] holds 3
 * samples (< 5): null. Best 1 s mean 100 N. */
static void test_equal_times(void)
{
    static const double t[] = {0, 0.1, 0.2, 0.3, 0.6, 0.6, 0.7, 1.9, 1.9, 2.0};
    static const double f[] = {0, 0, 0, 0, 0, 100, 100, 100, 0, 0};
    tr_clear();
    for (size_t i = 0; i < 10; i++)
        tr_add(t[i], f[i]);
    struct met_result m = run(NULL);
    CHECK(m.contraction);
    CHECK_WANT(m, W(onset_s, 0.6, 0), W(peak_s, 0.6, 0), W(time_to_peak_s, 0, 0), W(release_s, 1.9, 0),
                  W(impulse_n_s, 130, 1e-9), W(best_1s_mean_n, 100, 1e-9));
    for (int w = 0; w < MET_RFD_WINDOWS; w++)
        CHECK_NAN(m.rfd_n_per_s[w]);
    CHECK_NEAR(m.sample_rate_hz, 9 / 2.0, 1e-12);
    /* Right-continuous at the steps. */
    CHECK_NEAR(met_interp(t, f, 10, 0.6), 100, 0);
    CHECK_NEAR(met_interp(t, f, 10, 1.9), 0, 0);
    CHECK_NEAR(met_interp(t, f, 10, 0.65), 100, 0);
    /* All samples at one time: legal, no rate, no contraction. */
    tr_clear();
    tr_add(1, 0);
    tr_add(1, 50);
    tr_add(1, 80);
    m = run(NULL);
    CHECK_NAN(m.sample_rate_hz);
    CHECK(!m.contraction);
    /* One sample: legal too. */
    tr_clear();
    tr_add(0, 3);
    m = run(NULL);
    CHECK_NAN(m.sample_rate_hz);
    CHECK_NEAR(m.baseline_n, 3, 0);
    CHECK(!m.contraction);
}

static void check_all_nan(const struct met_result *m)
{
    CHECK(!m->contraction);
    CHECK_INT(m->flags, 0);
    CHECK_WANT(*m, W_NULL(sample_rate_hz), W_NULL(baseline_n), W_NULL(baseline_sd_n), W_NULL(threshold_n),
                   W_NULL(onset_s), W_NULL(peak_n), W_NULL(release_s), W_NULL(best_1s_mean_n),
                   W_NULL(impulse_n_s));
}

static void test_validation(void)
{
    double t[] = {0, 0.1, 0.2, 0.3};
    double f[] = {0, 1, 2, 3};
    struct met_result m;
    struct st_err err;

    st_err_clear(&err);
    CHECK_INT(met_compute(t, f, 0, NULL, &m, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "no samples") != NULL);
    check_all_nan(&m);

    st_err_clear(&err);
    CHECK_INT(met_compute(NULL, f, 4, NULL, &m, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "times") != NULL);
    check_all_nan(&m);
    st_err_clear(&err);
    CHECK_INT(met_compute(t, NULL, 4, NULL, &m, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "forces") != NULL);
    CHECK_INT(met_compute(t, f, 4, NULL, NULL, &err), ST_ERR_ARG);

    f[2] = NAN;
    st_err_clear(&err);
    CHECK_INT(met_compute(t, f, 4, NULL, &m, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "Sample 3 of 4") != NULL);
    CHECK(strstr(err.msg, "force") != NULL);
    check_all_nan(&m);
    f[2] = 2;
    t[3] = INFINITY;
    st_err_clear(&err);
    CHECK_INT(met_compute(t, f, 4, NULL, &m, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "Sample 4 of 4 has a time") != NULL);
    t[3] = 0.15; /* before 0.2: backwards */
    st_err_clear(&err);
    CHECK_INT(met_compute(t, f, 4, NULL, &m, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "Sample 4 of 4 goes back in time") != NULL);
    check_all_nan(&m);
    t[3] = 0.2; /* equal: fine */
    st_err_clear(&err);
    CHECK_OK(met_compute(t, f, 4, NULL, &m, &err), &err);
    /* err may be NULL. */
    CHECK_INT(met_compute(t, f, 0, NULL, &m, NULL), ST_ERR_ARG);
}

static void test_interp(void)
{
    const double t[] = {0, 1, 2};
    const double f[] = {0, 10, 30};
    CHECK_NEAR(met_interp(t, f, 3, -1), 0, 0);
    CHECK_NEAR(met_interp(t, f, 3, 0), 0, 0);
    CHECK_NEAR(met_interp(t, f, 3, 0.5), 5, 1e-12);
    CHECK_NEAR(met_interp(t, f, 3, 1), 10, 0);
    CHECK_NEAR(met_interp(t, f, 3, 1.5), 20, 1e-12);
    CHECK_NEAR(met_interp(t, f, 3, 2), 30, 0);
    CHECK_NEAR(met_interp(t, f, 3, 7), 30, 0);
    CHECK_NEAR(met_interp(t, f, 1, 7), 0, 0);
    CHECK_NAN(met_interp(t, f, 3, NAN));
    CHECK_NAN(met_interp(t, f, 0, 1));
    CHECK_NAN(met_interp(NULL, f, 3, 1));
}

/*
 * The push began inside the baseline window (the "745 N" capture): 100 Hz, 0 N to 0.42 s, a rise to
 * 745 N at 0.6 s, held to 3.0 s, down to 0 at 3.3 s, 0 to 4.0 s. mu = 23.18 N and sigma = 65.93 N hold
 * the start of the rise (theta = 220.96 N), F(0.5) = 331.1 N >= theta, and the force never crosses theta
 * upward after the window: no numbers, and the flags say why. Before CLINICAL.md's step 3 revision
 * this trace had no onset and no flag.
 */
static void build_push_in_baseline(double again_n)
{
    tr_clear();
    for (int i = 0; i <= 400; i++) {
        double t = i / 100.0, f = 0;
        if (t > 0.42 && t < 0.6)
            f = 745 * (t - 0.42) / 0.18;
        else if (t >= 0.6 && t <= 3.0)
            f = 745;
        else if (t > 3.0 && t < 3.3)
            f = 745 * (3.3 - t) / 0.3;
        if (again_n > 0 && t >= 3.5) /* a second push after the release */
            f = t < 3.6 ? again_n * (t - 3.5) / 0.1 : again_n;
        tr_add(t, f);
    }
}

static void test_onset_in_baseline(void)
{
    build_push_in_baseline(0);
    struct met_result m = run(NULL);
    CHECK(!m.contraction);
    CHECK_NEAR(m.threshold_n, 220.9555511, 1e-6);
    CHECK_INT(m.flags, MET_PRE_TENSION | MET_UNSTABLE_BASELINE | MET_NO_ONSET | MET_ONSET_IN_BASELINE);
    CHECK_NAN(m.peak_n);
    /* a second push after the release is an onset, but its baseline is the first push's: flagged */
    build_push_in_baseline(900);
    m = run(NULL);
    CHECK(m.contraction);
    CHECK_NEAR(m.peak_n, 900, 1e-9);
    CHECK(m.flags & MET_ONSET_IN_BASELINE);
    CHECK(!(m.flags & MET_NO_ONSET));
    /* the edge: F(t_0 + 0.5) exactly at theta is flagged, just below is not (mu 0, sigma 0 -> 5 N) */
    const double at[] = {5.0, 4.99};
    for (int k = 0; k < 2; k++) {
        tr_clear();
        tr_add(0, 0);
        tr_add(0.1, 0);
        tr_add(0.2, 0);
        tr_add(0.4, 0);
        tr_add(0.6, 2 * at[k]); /* the line through (0.4, 0) and (0.6, 2x) gives x at 0.5 */
        tr_add(2.0, 2 * at[k]);
        m = run(NULL);
        CHECK_INT((m.flags & MET_ONSET_IN_BASELINE) != 0, k == 0);
    }
}

/* Pushed the wrong way (the "-379 N" capture): below min(mu, 0) - 50 N anywhere. */
static void test_opposite_direction(void)
{
    tr_clear();
    for (int i = 0; i <= 400; i++) {
        double t = i / 100.0;
        tr_add(t, t < 1.0 ? 0 : t < 1.5 ? -379 * (t - 1.0) / 0.5 : t < 3.5 ? -379 : 0);
    }
    struct met_result m = run(NULL);
    CHECK(!m.contraction);
    CHECK_INT(m.flags, MET_NO_ONSET | MET_OPPOSITE_DIRECTION);
    /* the band: strictly below min(mu, 0) - 50 */
    const struct {
        double base, low;
        bool flagged;
    } cases[] = {{0, -50, false}, {0, -50.01, true}, {30, -50.01, true}, {-10, -59.99, false}, {-10, -60.01, true}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tr_clear();
        for (int i = 0; i < 100; i++)
            tr_add(i / 100.0, i == 70 ? cases[c].low : cases[c].base);
        m = run(NULL);
        CHECK_INT((m.flags & MET_OPPOSITE_DIRECTION) != 0, cases[c].flagged);
    }
}

static void test_flag_names(void)
{
    static const struct {
        unsigned flag;
        const char *name;
    } names[] = {{MET_PRE_TENSION, "pre_tension"},         {MET_UNSTABLE_BASELINE, "unstable_baseline"},
                 {MET_COUNTERMOVEMENT, "countermovement"}, {MET_SATURATION, "saturation"},
                 {MET_TOO_SHORT, "too_short"},             {MET_NO_ONSET, "no_onset"},
                 {MET_ONSET_IN_BASELINE, "onset_in_baseline"},
                 {MET_OPPOSITE_DIRECTION, "opposite_direction"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK_STR(met_flag_name(names[i].flag), names[i].name);
    CHECK(met_flag_name(0) == NULL);
    CHECK(met_flag_name(MET_PRE_TENSION | MET_TOO_SHORT) == NULL);
    CHECK(met_flag_name(1u << MET_FLAG_COUNT_) == NULL);
    for (int i = 0; i < MET_FLAG_COUNT_; i++)
        CHECK_INT(met_flag_parse(met_flag_name(1u << i)), 1u << i);
    CHECK_INT(met_flag_parse("bogus"), 0);
    CHECK_INT(met_flag_parse(NULL), 0);
    char buf[96];
    CHECK_STR(met_flags_str(0, ", ", buf, sizeof buf), "");
    CHECK_STR(met_flags_str(MET_PRE_TENSION | MET_TOO_SHORT, ", ", buf, sizeof buf), "pre_tension, too_short");
    CHECK_STR(met_flags_str(0x1f, " ", buf, sizeof buf),
              "pre_tension unstable_baseline countermovement saturation too_short");
    CHECK_STR(met_flags_str(0x1f, "12345678", buf, sizeof buf),
              "pre_tension12345678unstable_baseline12345678countermovement12345678saturation12345678"
              "too_short");
    /* every flag fits the documented sizes, names with an 8-character separator, words with ", " */
    char all[MET_FLAGS_STR_SIZE], words[MET_FLAGS_WORDS_SIZE];
    unsigned every = (1u << MET_FLAG_COUNT_) - 1;
    CHECK(strstr(met_flags_str(every, "12345678", all, sizeof all), "12345678opposite_direction") != NULL);
    CHECK(strstr(met_flags_words(every, words, sizeof words), ", pushed the other way") != NULL);
    CHECK_STR(met_flags_words(MET_NO_ONSET | MET_ONSET_IN_BASELINE, words, sizeof words),
              "no onset (the force never crossed the threshold), the push began during the baseline");
    char small[15];
    CHECK_STR(met_flags_str(MET_PRE_TENSION | MET_TOO_SHORT, ", ", small, sizeof small), "pre_tension");
    CHECK_STR(met_flags_str(MET_SATURATION, ", ", small, 3), "");
    CHECK_NEAR(met_rfd_window_s[0], 0.05, 0);
    CHECK_NEAR(met_rfd_window_s[1], 0.1, 0);
    CHECK_NEAR(met_rfd_window_s[2], 0.2, 0);
    struct met_opts o = met_opts_default();
    CHECK_NAN(o.full_scale_n);
    CHECK_NAN(o.body_mass_kg);
    CHECK_NAN(o.lever_m);
    CHECK_NEAR(o.min_threshold_n, 5, 0);
}

int main(void)
{
    CHECK_RUN(test_trapezoid_every_field);
    CHECK_RUN(test_trapezoid_without_mass_or_lever);
    CHECK_RUN(test_threshold_floor_option);
    CHECK_RUN(test_ramp);
    CHECK_RUN(test_step);
    CHECK_RUN(test_irregular_spacing);
    CHECK_RUN(test_50hz_and_1khz_agree);
    CHECK_RUN(test_noisy_plateau);
    CHECK_RUN(test_random_cross_check);
    CHECK_RUN(test_pre_tension);
    CHECK_RUN(test_pre_tension_must_fall_first);
    CHECK_RUN(test_short_baseline_uses_first_sample);
    CHECK_RUN(test_force_never_falls_below);
    CHECK_RUN(test_onset_straddles_window);
    CHECK_RUN(test_countermovement);
    CHECK_RUN(test_never_crosses);
    CHECK_RUN(test_saturation);
    CHECK_RUN(test_too_short);
    CHECK_RUN(test_rfd_needs_the_window_inside_the_rep);
    CHECK_RUN(test_unstable_baseline);
    CHECK_RUN(test_equal_times);
    CHECK_RUN(test_validation);
    CHECK_RUN(test_interp);
    CHECK_RUN(test_onset_in_baseline);
    CHECK_RUN(test_opposite_direction);
    CHECK_RUN(test_flag_names);
    return check_done();
}
