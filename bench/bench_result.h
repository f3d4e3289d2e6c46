/*
 * bench_result.h - one figure of `make bench`: its median and 99th percentile over repeated runs, its
 * goal and, where there is one, the peer's figure as a ratio. Every bench prints its figures and,
 * when BENCH_RESULTS names a file, appends them there as tab-separated rows that tools/run-bench.sh
 * turns into bench/RESULTS.md (one table for the whole suite). Header-only: every helper is static.
 *
 * The percentile is nearest-rank over the runs: with fewer than 100 runs it is the slowest run, and
 * the table says how many runs each figure has.
 */
#ifndef STATION_BENCH_BENCH_RESULT_H
#define STATION_BENCH_BENCH_RESULT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of v[0..n) by nearest rank; sorts v. NAN when n is 0. */
static inline double bench_quantile(double *v, int n, double q)
{
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    int k = (int)ceil(q * n) - 1;
    return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

/*
 * One figure: group (the table's section), name, unit, the runs' values v[0..n) (sorted in place),
 * goal (words, "" none), met (1 the goal is met, 0 not, -1 no goal) and peer (the peer's median over
 * the station's; NAN when there is no peer). Prints one line; appends one row to $BENCH_RESULTS.
 */
static inline void bench_row(const char *group, const char *name, const char *unit, double *v, int n,
                             const char *goal, int met, double peer)
{
    double med = bench_quantile(v, n, 0.5), p99 = bench_quantile(v, n, 0.99);
    char ratio[32] = "";
    if (isfinite(peer))
        snprintf(ratio, sizeof ratio, "%.1fx", peer);
    printf("  %-58s %12.4g %12.4g %-10s %-4s %s%s%s\n", name, med, p99, unit, met < 0 ? "" : met ? "ok" : "MISS",
           goal, *ratio ? "  peer/station " : "", ratio);
    const char *path = getenv("BENCH_RESULTS");
    FILE *f = path && *path ? fopen(path, "a") : NULL;
    if (!f)
        return;
    fprintf(f, "%s\t%s\t%.6g\t%.6g\t%s\t%d\t%s\t%s\t%s\n", group, name, med, p99, unit, n, goal,
            met < 0 ? "" : met ? "met" : "NOT met", ratio);
    fclose(f);
}

/* A figure of one value (a size, a count). */
static inline void bench_row1(const char *group, const char *name, const char *unit, double value,
                              const char *goal, int met)
{
    bench_row(group, name, unit, &value, 1, goal, met, NAN);
}

#endif
