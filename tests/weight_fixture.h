/*
 * weight_fixture.h - a calibration weight on an emulated gauge (a chronojump board on a pty at link):
 * the "patient" is a mass of newtons hung placed_s after the gauge starts and left hanging, without
 * the tremor of a hand. Shared by test_calibrate (the command) and test_home_calib (the window's check).
 */
#ifndef STATION_TESTS_WEIGHT_FIXTURE_H
#define STATION_TESTS_WEIGHT_FIXTURE_H

#include "check.h"
#include "drivers/emu.h"

static inline struct emu *weight(const char *link, double newtons, double placed_s)
{
    struct emu_opts o = emu_opts_default("chronojump");
    o.link_path = link;
    o.boot_s = 0.2;
    o.patient = emu_patient_default(newtons, 1);
    o.patient.noise_n = 0; /* a hanging weight does not tremble */
    o.patient.start_delay_s = placed_s;
    o.patient.ramp_s = 0.5;
    o.patient.hold_s = 60;
    struct emu *e = NULL;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(emu_start(&o, &e, &err), &err);
    return e;
}

#endif
