/*
 * metrics.c - the numbers of one contraction (CLINICAL.md "One contraction", steps 1-10).
 *
 * Everything here is arithmetic on the caller's arrays: no allocation, no I/O, no clock, so the
 * engine, `station analyze` and the fuzzer all run exactly the same code, and a test can check every
 * value with a pencil. The decisions CLINICAL.md leaves open are written once, in metrics.h.
 *
 * Between onset and release the metrics work on one "contraction curve": the point (t_on, theta), the
 * samples k..e strictly inside, and the point (t_off, F(t_off)). It is the same piecewise-linear curve
 * as the samples', cut at the two interpolated ends; struct curve describes it by index arithmetic so
 * nothing is copied.
 */
#include "protocols/metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const double met_rfd_window_s[MET_RFD_WINDOWS] = {0.050, 0.100, 0.200};

#define MET_BASELINE_S 0.5       /* step 1 */
#define MET_BASELINE_MIN 3       /* fewer baseline samples: mu = F_0, sigma = 0 */
#define MET_RFD_MIN_SAMPLES 5    /* step 6 */
#define MET_PRE_TENSION_N 20.0   /* step 10 */
#define MET_UNSTABLE_SD_N 5.0
#define MET_COUNTER_S 0.3
#define MET_MIN_HOLD_S 1.0
#define MET_DEFAULT_FLOOR_N 5.0

/* Each flag's export name and its words for the screen, in bit order. */
static const struct {
    const char *name, *words;
} flag_names[MET_FLAG_COUNT_] = {
    {"pre_tension", "pre-tension (the leg pressed before the push)"},
    {"unstable_baseline", "unstable baseline"},
    {"countermovement", "countermovement (a dip before the push)"},
    {"saturation", "saturation (the gauge's full scale was reached)"},
    {"too_short", "too short (under 1 s)"},
    {"no_onset", "no onset (the force never crossed the threshold)"},
    {"onset_in_baseline", "the push began during the baseline"},
    {"opposite_direction", "pushed the other way (or the gauge reads pushes as negative)"},
};

const char *met_flag_name(unsigned flag)
{
    for (int i = 0; i < MET_FLAG_COUNT_; i++)
        if (flag == (1u << i))
            return flag_names[i].name;
    return NULL;
}

unsigned met_flag_parse(const char *name)
{
    if (!name)
        return 0;
    for (int i = 0; i < MET_FLAG_COUNT_; i++)
        if (strcmp(name, flag_names[i].name) == 0)
            return 1u << i;
    return 0;
}

/* The set flags' names (words false) or words, joined by sep, whole ones only. */
static const char *flags_join(unsigned flags, const char *sep, bool words, char *buf, size_t size)
{
    if (!buf || size == 0)
        return "";
    buf[0] = '\0';
    if (!sep)
        sep = ", ";
    size_t len = 0;
    for (int i = 0; i < MET_FLAG_COUNT_; i++) {
        if (!(flags & (1u << i)))
            continue;
        int w = snprintf(buf + len, size - len, "%s%s", len ? sep : "",
                         words ? flag_names[i].words : flag_names[i].name);
        if (w < 0 || (size_t)w >= size - len) {
            buf[len] = '\0'; /* no half names: keep the ones that fit whole */
            break;
        }
        len += (size_t)w;
    }
    return buf;
}

const char *met_flags_str(unsigned flags, const char *sep, char *buf, size_t size)
{
    return flags_join(flags, sep, false, buf, size);
}

const char *met_flags_words(unsigned flags, char *buf, size_t size)
{
    return flags_join(flags, ", ", true, buf, size);
}

struct met_opts met_opts_default(void)
{
    struct met_opts o = {
        .full_scale_n = NAN,
        .body_mass_kg = NAN,
        .lever_m = NAN,
        .min_threshold_n = MET_DEFAULT_FLOOR_N,
    };
    return o;
}

static bool known_positive(double v)
{
    return isfinite(v) && v > 0;
}

/* The number of samples with t_i <= x (upper bound). */
static size_t count_le(const double *t, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The number of samples with t_i < x (lower bound). */
static size_t count_lt(const double *t, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

double met_interp(const double *t_s, const double *f_n, size_t n, double t)
{
    if (!t_s || !f_n || n == 0 || isnan(t))
        return NAN;
    if (t < t_s[0])
        return f_n[0];
    size_t i = count_le(t_s, n, t); /* >= 1: t >= t_0 */
    if (i >= n)
        return f_n[n - 1];
    /* t_s[i-1] <= t < t_s[i]: a segment of positive width; at t = t_s[i-1] exactly this gives the
     * last sample stamped that time (right-continuous). */
    double t0 = t_s[i - 1], t1 = t_s[i];
    return f_n[i - 1] + (f_n[i] - f_n[i - 1]) * ((t - t0) / (t1 - t0));
}

/* Where F crosses level on the segment from (ta, fa) to (tb, fb), fa != fb on either side of level. */
static double cross_time(double ta, double fa, double tb, double fb, double level)
{
    if (tb <= ta)
        return tb;
    double u = (level - fa) / (fb - fa);
    if (u < 0)
        u = 0;
    if (u > 1)
        u = 1;
    double x = ta + u * (tb - ta);
    return x > tb ? tb : x;
}

/* The contraction curve: virtual points 0..nv-1 = (t_on, theta), samples k..e, (t_off, f_off). */
struct curve {
    const double *t, *f;
    size_t k, nv;
    double t_on, f_on, t_off, f_off;
};

static double cv_t(const struct curve *c, size_t v)
{
    if (v == 0)
        return c->t_on;
    if (v == c->nv - 1)
        return c->t_off;
    return c->t[c->k + v - 1];
}

static double cv_f(const struct curve *c, size_t v)
{
    if (v == 0)
        return c->f_on;
    if (v == c->nv - 1)
        return c->f_off;
    return c->f[c->k + v - 1];
}

/* The line of curve segment s (points s, s+1; positive width) evaluated at x (may extrapolate, to get
 * one-sided limits at the segment's ends). */
static double cv_line(const struct curve *c, size_t s, double x)
{
    double ta = cv_t(c, s), tb = cv_t(c, s + 1), fa = cv_f(c, s), fb = cv_f(c, s + 1);
    return fa + (fb - fa) * ((x - ta) / (tb - ta));
}

static double cv_impulse(const struct curve *c, double mu)
{
    double sum = 0;
    for (size_t v = 0; v + 1 < c->nv; v++)
        sum += 0.5 * (cv_f(c, v) + cv_f(c, v + 1)) * (cv_t(c, v + 1) - cv_t(c, v));
    return sum - mu * (c->t_off - c->t_on);
}

/*
 * The largest integral of F over [a, a + 1] with t_on <= a <= t_off - 1, exactly (up to rounding).
 *
 * G(a) = integral over [a, a + 1]; G'(a) = F(a + 1) - F(a). The breakpoints of a are the curve's
 * points; those of a + 1 are the points minus 1 s. Between two consecutive breakpoints of either kind
 * F(a) and F(a + 1) are each one line, so G' is linear there and G quadratic: its maximum on that
 * piece is at an end, or inside where G' goes from + to - through 0. sa / sb are the segments holding
 * a and a + 1 just right of the current a; G is carried forward exactly (G' linear: trapezoid).
 * Every breakpoint is passed once: O(nv).
 */
static double cv_best_window(const struct curve *c)
{
    const double T0 = c->t_on, T1 = c->t_off, last_a = T1 - 1.0;
    const size_t smax = c->nv - 2; /* last segment index */
    size_t sa = 0, sb = 0;
    while (sa < smax && cv_t(c, sa + 1) <= T0)
        sa++;
    while (sb < smax && cv_t(c, sb + 1) - 1.0 <= T0)
        sb++;

    /* G(T0): whole segments up to sb, then segment sb's part up to T0 + 1. */
    double g = 0;
    for (size_t v = 0; v < sb; v++)
        g += 0.5 * (cv_f(c, v) + cv_f(c, v + 1)) * (cv_t(c, v + 1) - cv_t(c, v));
    {
        double tb = cv_t(c, sb), b = T0 + 1.0;
        if (b > tb && cv_t(c, sb + 1) > tb)
            g += 0.5 * (cv_f(c, sb) + cv_line(c, sb, b)) * (b - tb);
    }
    double best = g;
    double a = T0;
    /* Each pass moves a past at least one breakpoint; the bound only guards against the impossible. */
    for (size_t guard = 0; a < last_a && guard < 2 * c->nv + 4; guard++) {
        double next = fmin(last_a, fmin(cv_t(c, sa + 1), cv_t(c, sb + 1) - 1.0));
        if (next < a)
            next = a;
        double w = next - a;
        if (w > 0) {
            double d0 = cv_line(c, sb, a + 1.0) - cv_line(c, sa, a);
            double d1 = cv_line(c, sb, next + 1.0) - cv_line(c, sa, next);
            if (d0 > 0 && d1 < 0) {
                double x = w * (d0 / (d0 - d1)); /* G'(a + x) = 0 */
                double gr = g + 0.5 * d0 * x;
                if (gr > best)
                    best = gr;
            }
            g += 0.5 * (d0 + d1) * w;
            if (g > best)
                best = g;
        }
        a = next;
        while (sa < smax && cv_t(c, sa + 1) <= a)
            sa++;
        while (sb < smax && cv_t(c, sb + 1) - 1.0 <= a)
            sb++;
    }
    return best;
}

static void result_clear(struct met_result *out, size_t n)
{
    out->n_samples = n;
    out->sample_rate_hz = NAN;
    out->baseline_n = NAN;
    out->baseline_sd_n = NAN;
    out->threshold_n = NAN;
    out->contraction = false;
    out->onset_s = NAN;
    out->peak_n = NAN;
    out->peak_s = NAN;
    out->time_to_peak_s = NAN;
    out->release_s = NAN;
    for (int w = 0; w < MET_RFD_WINDOWS; w++)
        out->rfd_n_per_s[w] = NAN;
    out->best_1s_mean_n = NAN;
    out->impulse_n_s = NAN;
    out->peak_n_per_kg = NAN;
    out->torque_nm = NAN;
    out->torque_nm_per_kg = NAN;
    out->flags = 0;
}

static enum st_status validate(const double *t, const double *f, size_t n, struct st_err *err)
{
    if (n == 0)
        return st_err_set(err, ST_ERR_ARG, "The trace has no samples: record the contraction again.");
    if (!t || !f)
        return st_err_set(err, ST_ERR_ARG, "The trace's %s are missing (NULL): this is a bug, please "
                                           "report it.", !t ? "times" : "forces");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t[i]) || !isfinite(f[i]))
            return st_err_set(err, ST_ERR_ARG,
                              "Sample %zu of %zu has a %s that is not a finite number (t = %g s, F = %g N): "
                              "the recording is damaged.",
                              i + 1, n, isfinite(t[i]) ? "force" : "time", t[i], f[i]);
        if (i > 0 && t[i] < t[i - 1])
            return st_err_set(err, ST_ERR_ARG,
                              "Sample %zu of %zu goes back in time (t = %.9g s after %.9g s): the samples "
                              "must be sorted by time.",
                              i + 1, n, t[i], t[i - 1]);
    }
    return ST_OK;
}

enum st_status met_compute(const double *t, const double *f, size_t n, const struct met_opts *opts,
                           struct met_result *out, struct st_err *err)
{
    if (!out)
        return st_err_set(err, ST_ERR_ARG, "No place to put the metrics (NULL): this is a bug, please "
                                           "report it.");
    result_clear(out, n);
    enum st_status s = validate(t, f, n, err);
    if (s != ST_OK)
        return s;
    struct met_opts o = opts ? *opts : met_opts_default();
    double floor_n = known_positive(o.min_threshold_n) ? o.min_threshold_n : MET_DEFAULT_FLOOR_N;

    if (n >= 2 && t[n - 1] > t[0])
        out->sample_rate_hz = (double)(n - 1) / (t[n - 1] - t[0]);

    /* Step 10, saturation: any sample, contraction or not. */
    if (known_positive(o.full_scale_n))
        for (size_t i = 0; i < n; i++)
            if (fabs(f[i]) >= o.full_scale_n) {
                out->flags |= MET_SATURATION;
                break;
            }

    /* Step 1: baseline over t_i < t_0 + 0.5 s; two passes for an exact SD. */
    const double t_base_end = t[0] + MET_BASELINE_S;
    size_t nb = count_lt(t, n, t_base_end);
    double mu = f[0], sigma = 0;
    if (nb >= MET_BASELINE_MIN) {
        double sum = 0;
        for (size_t i = 0; i < nb; i++)
            sum += f[i];
        mu = sum / (double)nb;
        double ss = 0;
        for (size_t i = 0; i < nb; i++)
            ss += (f[i] - mu) * (f[i] - mu);
        sigma = sqrt(ss / (double)(nb - 1));
    }
    out->baseline_n = mu;
    out->baseline_sd_n = sigma;
    if (mu > MET_PRE_TENSION_N)
        out->flags |= MET_PRE_TENSION;
    if (sigma > MET_UNSTABLE_SD_N)
        out->flags |= MET_UNSTABLE_BASELINE;

    /* Step 2. */
    const double band = fmax(3.0 * sigma, floor_n);
    const double theta = mu + band;
    out->threshold_n = theta;

    /* Step 10, opposite direction: any sample far below both the baseline and zero. */
    const double opposite = fmin(mu, 0) - MET_OPPOSITE_N;
    for (size_t i = 0; i < n; i++)
        if (f[i] < opposite) {
            out->flags |= MET_OPPOSITE_DIRECTION;
            break;
        }

    /* Step 3: already at or above theta where the baseline window ends: the push began inside it. */
    if (met_interp(t, f, n, t_base_end) >= theta)
        out->flags |= MET_ONSET_IN_BASELINE;
    /* The first k >= b (first sample after the window) with F_{k-1} < theta <= F_k. */
    size_t k = nb < 1 ? 1 : nb;
    while (k < n && !(f[k - 1] < theta && f[k] >= theta))
        k++;
    if (k >= n) {
        out->flags |= MET_NO_ONSET; /* no contraction: every metric stays NAN, the flag says why */
        return ST_OK;
    }
    const double t_on = cross_time(t[k - 1], f[k - 1], t[k], f[k], theta);

    /* Step 4: the largest F from k on, first occurrence. */
    size_t p = k;
    for (size_t i = k + 1; i < n; i++)
        if (f[i] > f[p])
            p = i;

    /* Step 5: the first j > p with F_j < theta. */
    size_t j = p + 1;
    while (j < n && !(f[j] < theta))
        j++;
    double t_off, f_off;
    size_t e; /* the last sample inside the contraction curve */
    if (j < n) {
        t_off = cross_time(t[j - 1], f[j - 1], t[j], f[j], theta);
        f_off = theta;
        e = j - 1;
    } else {
        t_off = t[n - 1];
        f_off = f[n - 1];
        e = n - 1;
    }

    out->contraction = true;
    out->onset_s = t_on;
    out->peak_n = f[p];
    out->peak_s = t[p];
    out->time_to_peak_s = t[p] - t_on;
    out->release_s = t_off;

    /* Step 6: RFD. F(t_on) = theta by definition of the onset. */
    for (int w = 0; w < MET_RFD_WINDOWS; w++) {
        double win = met_rfd_window_s[w], t_end = t_on + win;
        if (t_end > t_off)
            continue;
        size_t inside = count_le(t, n, t_end) - count_lt(t, n, t_on);
        if (inside < MET_RFD_MIN_SAMPLES)
            continue;
        out->rfd_n_per_s[w] = (met_interp(t, f, n, t_end) - theta) / win;
    }

    /* Steps 7 and 8 on the contraction curve. */
    struct curve c = {
        .t = t, .f = f, .k = k, .nv = e - k + 3,
        .t_on = t_on, .f_on = theta, .t_off = t_off, .f_off = f_off,
    };
    out->impulse_n_s = cv_impulse(&c, mu);
    if (t_off - t_on >= MET_MIN_HOLD_S)
        out->best_1s_mean_n = cv_best_window(&c) / MET_MIN_HOLD_S;
    else
        out->flags |= MET_TOO_SHORT;

    /* Step 9. */
    if (known_positive(o.body_mass_kg))
        out->peak_n_per_kg = out->peak_n / o.body_mass_kg;
    if (known_positive(o.lever_m)) {
        out->torque_nm = out->peak_n * o.lever_m;
        if (known_positive(o.body_mass_kg))
            out->torque_nm_per_kg = out->torque_nm / o.body_mass_kg;
    }

    /* Step 10, countermovement: a sample in [t_on - 0.3 s, t_on) below mu - band. */
    const double dip = mu - band, t_cm = t_on - MET_COUNTER_S;
    for (size_t i = k; i-- > 0;) {
        if (t[i] < t_cm)
            break;
        if (t[i] < t_on && f[i] < dip) {
            out->flags |= MET_COUNTERMOVEMENT;
            break;
        }
    }
    return ST_OK;
}
