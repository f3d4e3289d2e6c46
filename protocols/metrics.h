/*
 * metrics.h - the numbers of one contraction, exactly as ../shared/CLINICAL.md "One contraction"
 * defines them, so anyone with a pencil can check them.
 *
 * Pure: no I/O, no clock, no allocation. The input is one repetition's samples (t in seconds, F in
 * newtons, already tared), sorted by time, not necessarily evenly spaced. A value that CLINICAL.md says
 * is null is NAN here (test with isnan(); exports print null).
 *
 * The curve. F(t) is the piecewise-linear curve through the samples. Equal consecutive times are legal
 * (two readings stamped in the same tick): the curve then jumps at that time, the jump has zero width
 * (it adds nothing to an integral) and nothing ever divides by the zero time step. At a time shared by
 * several samples F(t) is the value of the last of them (the curve is continuous from the right).
 *
 * The decisions CLINICAL.md leaves open, made here once (the tests pin each one):
 *  - Baseline window: the samples with t_i < t_0 + 0.5 s (strictly). Fewer than 3: mu = F_0, sigma = 0.
 *  - Onset, "after the baseline window": the crossing is searched on the samples with
 *    t_i >= t_0 + 0.5 s, each paired with the sample before it, which may still lie in the window. The
 *    onset is the first sample k in that range with F_{k-1} < theta <= F_k, and
 *      t_on = t_{k-1} + (theta - F_{k-1}) / (F_k - F_{k-1}) * (t_k - t_{k-1})
 *    (t_on = t_k for a zero time step). So when the rise straddles t_0 + 0.5 s the onset may be
 *    interpolated a little before t_0 + 0.5 s, as the line through the two samples says.
 *  - Onset in baseline: F(t_0 + 0.5 s) on the curve (clamped to the last sample when the trace is
 *    shorter) >= theta sets MET_ONSET_IN_BASELINE. Such a force is not an onset: it must first fall
 *    below theta, and the next upward crossing is the onset (its numbers carry the flag). A force that
 *    never falls below theta gives no contraction, flagged both MET_NO_ONSET and MET_ONSET_IN_BASELINE.
 *  - No onset: MET_NO_ONSET is set exactly when contraction is false after a successful computation.
 *  - Opposite direction: any sample (the whole trace) with F_i < min(mu, 0) - 50 N; set with or
 *    without a contraction.
 *  - F(t_on) is theta by the definition of the onset (used by RFD and by the impulse's first partial
 *    segment).
 *  - Peak: the largest F_i among the samples from k on (these are exactly the samples with t_i >= t_on
 *    that can matter: any earlier one is below theta or lies at t_on on a zero-width step); the first
 *    occurrence when several are equal.
 *  - Release: the first sample j after the peak's with F_j < theta, interpolated on (j-1, j) like the
 *    onset; t_off = t_last (and F(t_off) = F_last) when the force never falls below theta again.
 *  - RFD(w) = (F(t_on + w) - theta) / w, with F(t_on + w) on the curve; needs at least 5 samples with
 *    t_on <= t_i <= t_on + w, and t_on + w <= t_off; else NAN.
 *  - Best 1 s mean: the exact maximum over a in [t_on, t_off - 1] of the integral of F over [a, a + 1],
 *    on the curve between (t_on, theta), the samples inside, and (t_off, F(t_off)). NAN when
 *    t_off - t_on < 1 s. Computed in O(n) by walking the breakpoints of a and of a + 1 together; between
 *    two breakpoints the integral is a quadratic in a whose maximum is at an end or at the root of its
 *    derivative F(a + 1) - F(a).
 *  - Impulse: trapezoids over that same curve from t_on to t_off, minus mu * (t_off - t_on).
 *  - Countermovement: a sample with t_on - 0.3 s <= t_i < t_on and F_i < mu - max(3 sigma, floor),
 *    where floor is the same 5 N (opts.min_threshold_n) as in theta.
 *  - sample_rate_hz: NAN with fewer than 2 samples or when all samples share one time.
 */
#ifndef STATION_PROTOCOLS_METRICS_H
#define STATION_PROTOCOLS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"

/* Quality flags (CLINICAL.md step 10). A flagged rep is kept but not used for the best value unless
 * the therapist accepts it. A trace that gives no number (contraction false) always carries at least
 * MET_NO_ONSET, so it always says why. */
enum met_flag {
    MET_PRE_TENSION = 1u << 0,       /* baseline mean > 20 N */
    MET_UNSTABLE_BASELINE = 1u << 1, /* baseline SD > 5 N */
    MET_COUNTERMOVEMENT = 1u << 2,   /* a dip below mu - max(3 sigma, 5 N) within 300 ms before onset */
    MET_SATURATION = 1u << 3,        /* a sample at the device's full-scale reading */
    MET_TOO_SHORT = 1u << 4,         /* t_off - t_on < 1 s */
    MET_NO_ONSET = 1u << 5,          /* no crossing of theta after the baseline window: no numbers */
    MET_ONSET_IN_BASELINE = 1u << 6, /* F(t_0 + 0.5 s) >= theta: the push began inside the baseline */
    MET_OPPOSITE_DIRECTION = 1u << 7, /* a sample below min(mu, 0) - 50 N: pushed the other way, or the
                                       * gauge reads pushes as negative */
    MET_FLAG_COUNT_ = 8
};

/* The 50 N of the opposite-direction flag (the engine's live warning uses the same number). */
#define MET_OPPOSITE_N 50.0

/* The flag's name as exports write it: "pre_tension", "unstable_baseline", "countermovement",
 * "saturation", "too_short", "no_onset", "onset_in_baseline", "opposite_direction". flag must be
 * exactly one bit; NULL otherwise. */
const char *met_flag_name(unsigned flag);

/* Parses one name above into its bit; 0 if unknown. */
unsigned met_flag_parse(const char *name);

/* Writes the set flags' names separated by sep (e.g. ", "; NULL means ", ") into buf; returns buf.
 * "" when none. Names that do not fit whole in size are left out (MET_FLAGS_STR_SIZE bytes suffice
 * for any sep of up to 8 characters). */
#define MET_FLAGS_STR_SIZE 192
const char *met_flags_str(unsigned flags, const char *sep, char *buf, size_t size);

/* The same flags in words for the screen and the cues, ", " between them: "no onset, the push began
 * during the baseline", "pushed the other way (or the gauge reads pushes as negative)". Returns buf;
 * what does not fit whole is left out (MET_FLAGS_WORDS_SIZE bytes suffice). */
#define MET_FLAGS_WORDS_SIZE 384
const char *met_flags_words(unsigned flags, char *buf, size_t size);

#define MET_RFD_WINDOWS 3
/* The RFD windows in seconds: 0.050, 0.100, 0.200 (index 0, 1, 2). */
extern const double met_rfd_window_s[MET_RFD_WINDOWS];

struct met_opts {
    double full_scale_n;  /* the device's full-scale reading in N; <= 0 or NAN: unknown, no check.
                           * A sample with |F| >= full_scale_n sets MET_SATURATION. */
    double body_mass_kg;  /* <= 0 or NAN: N/kg and N·m/kg are null */
    double lever_m;       /* <= 0 or NAN: torque and N·m/kg are null */
    double min_threshold_n; /* the "5 N" of the threshold max(3 sigma, 5 N); <= 0 or NAN means 5 */
};

/* Default options: nothing known, the 5 N threshold floor. */
struct met_opts met_opts_default(void);

struct met_result {
    size_t n_samples;
    double sample_rate_hz;  /* (n - 1) / (t_last - t_first); NAN with fewer than 2 samples */
    double baseline_n;      /* mu (step 1) */
    double baseline_sd_n;   /* sigma, n - 1 */
    double threshold_n;     /* theta (step 2) */
    bool contraction;       /* false: no onset; everything below is NAN */
    double onset_s;         /* t_on, interpolated (step 3) */
    double peak_n;          /* F_peak (step 4) */
    double peak_s;          /* t_peak, first occurrence */
    double time_to_peak_s;  /* t_peak - t_on */
    double release_s;       /* t_off (step 5) */
    double rfd_n_per_s[MET_RFD_WINDOWS]; /* step 6, null where the rate cannot support it */
    double best_1s_mean_n;  /* step 7 */
    double impulse_n_s;     /* step 8 */
    double peak_n_per_kg;   /* step 9 */
    double torque_nm;
    double torque_nm_per_kg;
    unsigned flags;         /* enum met_flag bits (step 10); set even without a contraction where
                             * they apply (pre_tension, unstable_baseline, saturation, no_onset,
                             * onset_in_baseline, opposite_direction) */
};

/*
 * Computes the metrics of one contraction. t_s and f_n hold n samples (the caller owns them); opts may
 * be NULL (met_opts_default). Returns ST_OK and fills out (also when there is no contraction: then
 * out->contraction is false). Returns ST_ERR_ARG with a message in err for n == 0, a NULL array (or a
 * NULL out), a non-finite value, or times that go backwards (equal times are legal); out is then all
 * NAN, with n_samples = n, contraction false and no flags. Runs in O(n) time (O(n + log n) per RFD
 * window) and allocates nothing.
 */
enum st_status met_compute(const double *t_s, const double *f_n, size_t n, const struct met_opts *opts,
                           struct met_result *out, struct st_err *err);

/* F(t) on the piecewise-linear curve through the samples; t outside [t_0, t_last] is clamped to the
 * nearest end; at a time shared by several samples, the last one's value. n >= 1 (NAN for n == 0, NULL
 * arrays or a NAN t). O(log n). Exposed for tests and for the balance report's curve. */
double met_interp(const double *t_s, const double *f_n, size_t n, double t);

#endif
