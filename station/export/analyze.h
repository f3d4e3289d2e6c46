/*
 * analyze.h - the core of `station analyze [--json] TRACE.csv`: read one contraction from a CSV file
 * and print its metrics (protocols/metrics.h) as a table or as the JSON object of DESIGN.md.
 *
 * The CLI wrapper is station/cli/cmd_analyze.c (cmd_analyze in station/cli/commands.h); these two functions
 * are separate so that tests, the report and other commands can use them without a process.
 *
 * The file format. A header row `t_s,force_n`, then one sample per line: time in seconds, force in
 * newtons, both plain decimal numbers ("1.25", "-3", "2.5e-3"), separated by one comma:
 *
 *     t_s,force_n
 *     0.000,0.4
 *     0.010,0.6
 *
 * Tolerated: a UTF-8 byte order mark before the header, CRLF line ends, spaces and tabs around each
 * field, a missing newline at the end, blank lines at the end of the file. Not tolerated (each is
 * ST_ERR_PARSE with "PATH line N: what is wrong"): another header, a line without exactly two fields,
 * an empty field, anything that is not a plain finite decimal number (hex, "nan", "inf", quotes,
 * units), a time before the previous line's time (equal times are fine), a blank line followed by
 * more data, a NUL byte; and a file with fewer than 2 samples.
 */
#ifndef STATION_STATION_ANALYZE_H
#define STATION_STATION_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/status.h"
#include "protocols/metrics.h"

/*
 * Reads the trace in the CSV file at path. On success returns ST_OK with *t and *f pointing to two
 * new arrays of *n samples (n >= 2, times non-decreasing); the caller frees both with free().
 * On failure *t and *f are NULL, *n is 0, and err says why:
 *   ST_ERR_NOT_FOUND  the file does not exist
 *   ST_ERR_IO         it cannot be opened or read (permissions, a directory, a read error)
 *   ST_ERR_PARSE      "PATH line 17: the force "12x" is not a number" and the like (see above)
 *   ST_ERR_NOMEM      out of memory
 *   ST_ERR_ARG        a NULL argument
 */
enum st_status analyze_read_csv(const char *path, double **t, double **f, size_t *n, struct st_err *err);

/*
 * Prints m to out. With json: ONE object, pretty-printed, with exactly these keys in this order:
 * baseline_n, onset_s, peak_n, time_to_peak_s, release_s, rfd_0_50_n_per_s, rfd_0_100_n_per_s,
 * rfd_0_200_n_per_s, best_1s_mean_n, impulse_n_s, sample_rate_hz (numbers rounded to 6 decimals; null
 * where the value is NAN), and flags (an array of met_flag_name() strings, [] when none).
 * Without json: a short table with units, for a person; rows for N/kg, torque and N·m/kg appear when
 * those are known. Returns ST_OK, ST_ERR_IO when writing failed, ST_ERR_ARG for a NULL argument.
 */
enum st_status analyze_print(FILE *out, const struct met_result *m, bool json, struct st_err *err);

#endif
