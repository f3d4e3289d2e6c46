/*
 * emu_fixture.h - the emulated patient the station-level tests share (tests/test_kill9.c,
 * test_signals.c, test_families_run.c): one who pushes again and again, on their own clock, whether
 * the station cues them or not. Header-only: every helper is static.
 */
#ifndef STATION_TESTS_EMU_FIXTURE_H
#define STATION_TESTS_EMU_FIXTURE_H

#include "drivers/emu.h"

/* A patient who, from start_delay_s on, pushes peak_n for ever: 0.3 s up, hold_s held, 0.3 s down,
 * rest_s at rest (the emulator's default noise). */
static inline struct emu_patient emu_fix_pusher(double peak_n, double start_delay_s, double hold_s,
                                                double rest_s)
{
    struct emu_patient p = emu_patient_default(peak_n, 0);
    p.start_delay_s = start_delay_s;
    p.ramp_s = 0.3;
    p.hold_s = hold_s;
    p.release_s = 0.3;
    p.rest_s = rest_s;
    return p;
}

#endif
