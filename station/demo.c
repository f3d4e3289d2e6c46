/*
 * demo.c - the demo's emulated dynamometer and sample patient (demo.h), shared by `station demo`
 * (station/cli/cmd_run.c) and the window's demo test (station/gui).
 */
#include <string.h>

#include "drivers/emu.h"
#include "station/demo.h"

enum st_status demo_setup(const char *driver, struct session_opts *o, struct emu **e, struct st_err *err)
{
    *e = NULL;
    if (!driver)
        driver = "chronojump";
    if (!emu_family_find(driver))
        return st_err_set(err, ST_ERR_ARG, "There is no emulator for \"%.40s\"", driver);
    struct emu_opts eo = emu_opts_default(driver);
    eo.patient = emu_patient_default(0, 0);
    eo.patient.kind = EMU_PATIENT_CUED;
    eo.patient.ramp_s = 0.35;
    eo.patient.hold_s = 1.3;
    eo.patient.release_s = 0.35;
    eo.patient.noise_n = 0.4;
    eo.boot_s = 1.0;
    enum st_status st = emu_start(&eo, e, err);
    if (st != ST_OK)
        return st;
    if (!o->protocol)
        o->protocol = "demo";
    o->n_ch = 1;
    o->ch[0].port = emu_port(*e);
    o->ch[0].driver = driver;
    o->ch[0].device_id = "demo-emulator"; /* one device row for every demo, whatever pty it got */
    o->auto_mode = true;
    o->mode_name = "demo";
    o->rest_s = 1.0;
    o->demo_emu[0] = *e;
    o->demo_reaction_s = 0.25;
    /* A runner with inner-knee pain: the left adductors are the weak link (ADD:ABD 0.82 on the left). */
    static const double peaks[4][3] = {
        {182, 188, 185}, /* ADD left */
        {204, 199, 207}, /* ADD right */
        {221, 228, 224}, /* ABD left */
        {209, 214, 211}, /* ABD right */
    };
    memcpy(o->demo_peaks, peaks, sizeof peaks);
    return ST_OK;
}
