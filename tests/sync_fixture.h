/*
 * sync_fixture.h - a station's records for the sync tests and bench_sync: a patient with sessions of
 * measured reps and their raw traces (store_fixture.h's), made through the store as a session would,
 * each session ended complete. Header-only.
 */
#ifndef STATION_TESTS_SYNC_FIXTURE_H
#define STATION_TESTS_SYNC_FIXTURE_H

#include "store_fixture.h"

/* Adds patient `name` (or uses patient_id when > 0) with n_sessions complete sessions of `reps` reps
 * each (FIX_SAMPLES samples apiece) to the store at path, measured with the dynamometer of that
 * serial number; returns the patient's id. */
static inline int64_t sync_fix_records(const char *path, const char *name, int64_t patient_id, int n_sessions,
                                       int reps, const char *serial)
{
    struct store *s = NULL;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(store_open(path, &s, &err), &err);
    REQUIRE(s);
    int64_t pid = patient_id > 0 ? patient_id : fix_patient(s, name);
    static double t[FIX_SAMPLES], f[FIX_SAMPLES];
    for (int k = 0; k < n_sessions; k++) {
        int64_t sid = fix_session(s, pid, "supine-0", serial, 1700000000 + k * 3600);
        for (int i = 0; i < reps; i++) {
            struct store_rep r;
            fix_rep(&r, i + 1, i % 2 ? ST_DIR_ABD : ST_DIR_ADD, (i / 2) % 2 ? ST_SIDE_RIGHT : ST_SIDE_LEFT,
                    180.0 + i, 0.8, 70.0, t, f, FIX_SAMPLES);
            CHECK_OK(store_rep_add(s, sid, &r, t, f, FIX_SAMPLES, NULL, &err), &err);
        }
        CHECK_OK(store_session_end(s, sid, STORE_SESSION_COMPLETE, FIX_RATE_HZ, 0.1, 0, 0, &err), &err);
    }
    store_close(s);
    return pid;
}

#endif
