/*
 * metric_fields.c - the one table of a rep's metric numbers (see protocols/metric_fields.h).
 * Keys and units follow ../shared/CLINICAL.md and DESIGN.md; the RFD windows are met_rfd_window_s.
 */
#include "protocols/metric_fields.h"

#include <string.h>

#define AT(member) offsetof(struct met_result, member)
#define A MET_IN_ANALYZE
#define C MET_IN_CSV
#define T MET_IN_TABLE

static const char rfd_why[] = "(fewer than 5 samples in the window, or it ends after the release)";

const struct met_field met_fields[] = {
    /* `station analyze --json`, in DESIGN.md's order */
    {"baseline_n", AT(baseline_n), "baseline", "N", 3, A | C, NULL, NULL},
    {"onset_s", AT(onset_s), "onset", "s", 3, A | C | T, NULL, NULL},
    {"peak_n", AT(peak_n), "peak", "N", 2, A | C | T, NULL, "peak_s"},
    {"time_to_peak_s", AT(time_to_peak_s), "time to peak", "s", 3, A | C | T, NULL, NULL},
    {"release_s", AT(release_s), "release", "s", 3, A | C | T, NULL, NULL},
    {"rfd_0_50_n_per_s", AT(rfd_n_per_s[0]), "RFD 0-50 ms", "N/s", 0, A | C | T, rfd_why, NULL},
    {"rfd_0_100_n_per_s", AT(rfd_n_per_s[1]), "RFD 0-100 ms", "N/s", 0, A | C | T, rfd_why, NULL},
    {"rfd_0_200_n_per_s", AT(rfd_n_per_s[2]), "RFD 0-200 ms", "N/s", 0, A | C | T, rfd_why, NULL},
    {"best_1s_mean_n", AT(best_1s_mean_n), "best 1 s mean", "N", 2, A | C | T, "(held less than 1 s)", NULL},
    {"impulse_n_s", AT(impulse_n_s), "impulse", "N·s", 2, A | C | T, NULL, NULL},
    {"sample_rate_hz", AT(sample_rate_hz), "sample rate", "Hz", 1, A | C, NULL, NULL},
    /* the rest of a rep */
    {"baseline_sd_n", AT(baseline_sd_n), "baseline SD", "N", 3, 0, NULL, NULL},
    {"threshold_n", AT(threshold_n), "threshold", "N", 3, 0, NULL, NULL},
    {"peak_s", AT(peak_s), "peak time", "s", 3, 0, NULL, NULL},
    {"peak_n_per_kg", AT(peak_n_per_kg), "peak / body mass", "N/kg", 2, C | MET_IN_TABLE_IF_KNOWN, NULL,
     NULL},
    {"torque_nm", AT(torque_nm), "torque", "N·m", 2, C | MET_IN_TABLE_IF_KNOWN, NULL, NULL},
    {"torque_nm_per_kg", AT(torque_nm_per_kg), "torque / body mass", "N·m/kg", 2, C | MET_IN_TABLE_IF_KNOWN,
     NULL, NULL},
};
const size_t met_field_count = sizeof met_fields / sizeof met_fields[0];
_Static_assert(sizeof met_fields / sizeof met_fields[0] <= MET_FIELD_MAX, "raise MET_FIELD_MAX");

double met_field_get(const struct met_result *m, const struct met_field *f)
{
    double v;
    memcpy(&v, (const char *)m + f->offset, sizeof v);
    return v;
}

void met_field_set(struct met_result *m, const struct met_field *f, double v)
{
    memcpy((char *)m + f->offset, &v, sizeof v);
}

const struct met_field *met_field_find(const char *key)
{
    for (size_t i = 0; key && i < met_field_count; i++)
        if (strcmp(met_fields[i].key, key) == 0)
            return &met_fields[i];
    return NULL;
}
