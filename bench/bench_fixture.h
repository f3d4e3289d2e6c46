/*
 * bench_fixture.h - what several benches set up the same way: a patient in a new database (bench_peer,
 * soak). Header-only: every helper is static; the including bench links the store (it includes
 * station/store/store.h itself, which is how CMake sees it).
 */
#ifndef STATION_BENCH_BENCH_FIXTURE_H
#define STATION_BENCH_BENCH_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "station/store/store.h"

/* Adds a patient named name with clinic reference ref (70 kg, lever 0.8 m) to s; its id in *id. */
static inline enum st_status bench_patient_add(struct store *s, const char *name, const char *ref, int64_t *id,
                                               struct st_err *err)
{
    struct store_patient p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", name);
    snprintf(p.ref, sizeof p.ref, "%s", ref);
    snprintf(p.birth, sizeof p.birth, "1990-04-12");
    p.sex = 'X';
    p.side_dominant = 'R';
    p.leg_length_m = 0.9;
    p.lever_m = 0.8;
    p.mass_kg = 70;
    enum st_status st = store_patient_add(s, &p, 0, err);
    *id = p.id;
    return st;
}

#endif
