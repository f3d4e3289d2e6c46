/*
 * metric_fields.h - the numbers of struct met_result as one table: for each, its key (the JSON key,
 * the CSV column and the SQL column of the store's repetitions table are all this one name), where it
 * lives in the struct, its label and unit for people, and which outputs show it.
 *
 * Every place that writes or reads the metrics of a rep walks this table: the store's insert, read and
 * schema check (station/store), the rep JSON (station/export/rep_json.c), the session CSV, and
 * `station analyze` (station/export/analyze.c). Adding a metric is one row here (plus the store's
 * migration that adds its column, which the schema check then demands).
 *
 * Row order is output order. The rows marked MET_IN_ANALYZE come first, in the order DESIGN.md gives
 * for `station analyze --json` (which also leads every rep's JSON object); the rest follow.
 * n_samples, contraction and flags are not doubles and are written by each output itself.
 */
#ifndef STATION_PROTOCOLS_METRIC_FIELDS_H
#define STATION_PROTOCOLS_METRIC_FIELDS_H

#include <stddef.h>

#include "protocols/metrics.h"

enum met_field_use {
    MET_IN_ANALYZE = 1u << 0,        /* a key of `station analyze --json` (DESIGN.md) */
    MET_IN_CSV = 1u << 1,            /* a column of the session CSV export */
    MET_IN_TABLE = 1u << 2,          /* a row of its own in analyze's table for people */
    MET_IN_TABLE_IF_KNOWN = 1u << 3, /* that row only when the value is known (needs mass or lever) */
};

struct met_field {
    const char *key;      /* "peak_n": JSON key, CSV column, SQL column */
    size_t offset;        /* offsetof(struct met_result, ...) of its double */
    const char *label;    /* "time to peak": for people */
    const char *unit;     /* "s", "N", "N/s", ...: for people */
    int decimals;         /* in the table for people */
    unsigned use;         /* enum met_field_use bits */
    const char *why_null; /* in the table for people, after "n/a"; NULL: nothing to add */
    const char *at;       /* key of the time it happened, shown after it ("at 2.310 s"); NULL: none */
};

/* The table, met_field_count rows (at most MET_FIELD_MAX, so callers can size arrays for it). */
#define MET_FIELD_MAX 32
extern const struct met_field met_fields[];
extern const size_t met_field_count;

/* The field's value in m (a double; NAN = null). */
double met_field_get(const struct met_result *m, const struct met_field *f);
/* Sets the field's value in m. */
void met_field_set(struct met_result *m, const struct met_field *f, double v);
/* The row with this key, NULL if none. */
const struct met_field *met_field_find(const char *key);

#endif
