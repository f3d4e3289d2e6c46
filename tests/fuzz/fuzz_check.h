/*
 * fuzz_check.h - the check every libFuzzer target uses: an invariant that holds in any build (abort(),
 * not assert, so NDEBUG cannot remove it), saying which one failed and where before it stops.
 */
#ifndef STATION_TESTS_FUZZ_CHECK_H
#define STATION_TESTS_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
