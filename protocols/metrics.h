/*
 * metrics.h - the numbers of one contraction, exactly as ../shared/CLINICAL.md "One contraction"
 * defines them, so anyone with a pencil can check them.
 *
 * Pure: no I/O, no clock, no allocation. The input is one repetition's samples (t in seconds, F in
 * newtons, already tared), sorted by time, not necessarily evenly spaced. A value that CLINICAL.md says
 * is null is NAN here (test with isnan(); exports print null).
 */
#ifndef STATION_PROTOCOLS_METRICS_H
#define STATION_PROTOCOLS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"

/* Quality flags (CLINICAL.md step 10). A flagged rep is kept but not used for the best value unless
 * the therapist accepts it. */
enum met_flag {
    MET_PRE_TENSION = 1u << 0,       /* baseline mean > 20 N */
    MET_UNSTABLE_BASELINE = 1u << 1, /* baseline SD > 5 N */
    MET_COUNTERMOVEMENT = 1u << 2,   /* a dip below mu - max(3 sigma, 5 N) within 300 ms before onset */
    MET_SATURATION = 1u << 3,        /* a sample at the device's full-scale reading */
    MET_TOO_SHORT = 1u << 4,         /* t_off - t_on < 1 s */
    MET_FLAG_COUNT_ = 5
};

/* The flag's name as exports write it: "pre_tension", "unstable_baseline", "countermovement",
 * "saturation", "too_short". flag must be exactly one bit; NULL otherwise. */
const char *met_flag_name(unsigned flag);

/* Parses one name above into its bit; 0 if unknown. */
unsigned met_flag_parse(const char *name);

/* Writes the set flags' names separated by sep (e.g. ", ") into buf; returns buf. "" when none. */
const char *met_flags_str(unsigned flags, const char *sep, char *buf, size_t size);

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
                             * they apply (pre_tension, unstable_baseline, saturation) */
};

/*
 * Computes the metrics of one contraction. t_s and f_n hold n samples (the caller owns them); opts may
 * be NULL (met_opts_default). Returns ST_OK and fills out (also when there is no contraction: then
 * out->contraction is false). Returns ST_ERR_ARG with a message in err for n == 0, a NULL array, a
 * non-finite value, or times that go backwards; out is then all NAN.
 */
enum st_status met_compute(const double *t_s, const double *f_n, size_t n, const struct met_opts *opts,
                           struct met_result *out, struct st_err *err);

/* F(t) on the piecewise-linear curve through the samples; t outside [t_0, t_last] is clamped to the
 * nearest end. n >= 1. Exposed for tests and for the balance report's curve. */
double met_interp(const double *t_s, const double *f_n, size_t n, double t);

#endif
