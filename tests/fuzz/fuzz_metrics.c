/*
 * fuzz_metrics.c - libFuzzer target for met_compute. The input is read as one options byte and then
 * (dt, F) byte pairs: dt = byte % 32 time units (0 = an equal time, which is legal), F = the signed
 * byte * 4 N; so every input is a valid sorted trace and met_compute must return ST_OK on it.
 * Options byte: bits 0-1 the full scale (unknown, 100, 300, 508 N), bits 2-3 the time unit (0.25, 1,
 * 5, 20 ms), bit 4 mass and lever known, bits 5-7 the start time (0 .. 7 * 1000.5 s).
 * Invariants: the peak is >= every sample after the onset; onset <= peak time <= release; the best
 * 1 s mean is <= the peak and null exactly when the rep is too short; no contraction means every
 * contraction metric is null; everything else finite; no crash, no sanitizer report.
 * Checks use abort() (not assert) so they hold in a Release (NDEBUG) build too.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_check.h"
#include "protocols/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAXN 4096

static double T[FUZZ_MAXN], F[FUZZ_MAXN];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const double full_scales[4] = {NAN, 100, 300, 508};
    static const double units[4] = {0.00025, 0.001, 0.005, 0.020};
    const uint8_t opt = data[0];
    struct met_opts o = met_opts_default();
    o.full_scale_n = full_scales[opt & 3];
    const double unit = units[(opt >> 2) & 3];
    if (opt & 0x10) {
        o.body_mass_kg = 70;
        o.lever_m = 0.8;
    }
    double t = ((opt >> 5) & 7) * 1000.5;
    size_t n = 0;
    for (size_t i = 1; i + 1 < size && n < FUZZ_MAXN; i += 2) {
        t += (data[i] % 32) * unit;
        T[n] = t;
        F[n] = (double)(int8_t)data[i + 1] * 4.0;
        n++;
    }
    if (n == 0)
        return 0;

    struct met_result m;
    struct st_err err;
    st_err_clear(&err);
    FUZZ_CHECK(met_compute(T, F, n, &o, &m, &err) == ST_OK);
    FUZZ_CHECK(m.n_samples == n);
    FUZZ_CHECK(isfinite(m.baseline_n) && isfinite(m.baseline_sd_n) && m.baseline_sd_n >= 0);
    FUZZ_CHECK(m.threshold_n >= m.baseline_n + 5.0 - 1e-9);
    FUZZ_CHECK(isnan(m.sample_rate_hz) || m.sample_rate_hz > 0);
    FUZZ_CHECK((m.flags & ~((1u << MET_FLAG_COUNT_) - 1)) == 0);
    /* a trace that gives no number always carries a flag that says why, and only then no_onset */
    FUZZ_CHECK(m.contraction == !(m.flags & MET_NO_ONSET));
    bool opposite = false;
    for (size_t i = 0; i < n; i++)
        opposite |= F[i] < fmin(m.baseline_n, 0) - MET_OPPOSITE_N;
    FUZZ_CHECK(opposite == ((m.flags & MET_OPPOSITE_DIRECTION) != 0));

    double fmax = 0;
    for (size_t i = 0; i < n; i++)
        fmax = fmax < fabs(F[i]) ? fabs(F[i]) : fmax;
    const double tol = 1e-9 * (1.0 + fmax);

    if (!m.contraction) {
        FUZZ_CHECK(isnan(m.onset_s) && isnan(m.peak_n) && isnan(m.peak_s) && isnan(m.time_to_peak_s));
        FUZZ_CHECK(isnan(m.release_s) && isnan(m.best_1s_mean_n) && isnan(m.impulse_n_s));
        for (int w = 0; w < MET_RFD_WINDOWS; w++)
            FUZZ_CHECK(isnan(m.rfd_n_per_s[w]));
        FUZZ_CHECK(isnan(m.peak_n_per_kg) && isnan(m.torque_nm) && isnan(m.torque_nm_per_kg));
        FUZZ_CHECK(!(m.flags & (MET_COUNTERMOVEMENT | MET_TOO_SHORT)));
        return 0;
    }

    FUZZ_CHECK(isfinite(m.onset_s) && isfinite(m.peak_n) && isfinite(m.release_s));
    FUZZ_CHECK(m.onset_s >= T[0] && m.release_s <= T[n - 1]);
    FUZZ_CHECK(m.onset_s <= m.peak_s && m.peak_s <= m.release_s);
    FUZZ_CHECK(m.time_to_peak_s == m.peak_s - m.onset_s);
    FUZZ_CHECK(m.peak_n >= m.threshold_n);
    bool peak_is_a_sample = false;
    for (size_t i = 0; i < n; i++) {
        if (T[i] > m.onset_s)
            FUZZ_CHECK(F[i] <= m.peak_n);
        if (F[i] == m.peak_n && T[i] == m.peak_s)
            peak_is_a_sample = true;
    }
    FUZZ_CHECK(peak_is_a_sample);
    for (int w = 0; w < MET_RFD_WINDOWS; w++)
        FUZZ_CHECK(isnan(m.rfd_n_per_s[w]) || isfinite(m.rfd_n_per_s[w]));
    FUZZ_CHECK(isfinite(m.impulse_n_s));
    /* The impulse of F - mu is bounded by the largest |F - mu| times the duration. */
    FUZZ_CHECK(fabs(m.impulse_n_s) <= (fmax + fabs(m.baseline_n)) * (m.release_s - m.onset_s) + tol);
    bool too_short = m.release_s - m.onset_s < 1.0;
    FUZZ_CHECK(too_short == ((m.flags & MET_TOO_SHORT) != 0));
    FUZZ_CHECK(too_short == isnan(m.best_1s_mean_n));
    if (!too_short) {
        FUZZ_CHECK(isfinite(m.best_1s_mean_n));
        FUZZ_CHECK(m.best_1s_mean_n <= m.peak_n + tol);
        FUZZ_CHECK(m.best_1s_mean_n >= -fmax - tol);
    }
    if (opt & 0x10) {
        FUZZ_CHECK(fabs(m.torque_nm - m.peak_n * 0.8) <= tol);
        FUZZ_CHECK(isfinite(m.peak_n_per_kg) && isfinite(m.torque_nm_per_kg));
    } else {
        FUZZ_CHECK(isnan(m.torque_nm) && isnan(m.peak_n_per_kg));
    }
    /* met_interp stays within the samples' range. */
    double x = met_interp(T, F, n, m.onset_s + 0.5 * (m.release_s - m.onset_s));
    FUZZ_CHECK(x >= -fmax - tol && x <= fmax + tol);
    return 0;
}
