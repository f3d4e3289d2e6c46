/*
 * demo.h - the built-in emulated dynamometer of `station demo` and of the window's demo test: an
 * emulator of one instrument family on a new pseudo-terminal, whose simulated patient (a runner with
 * inner-knee pain: the left adductors are the weak link) pushes each time the engine cues a push, so
 * a whole session runs hands-free with nothing plugged in.
 */
#ifndef STATION_STATION_DEMO_H
#define STATION_STATION_DEMO_H

#include "common/status.h"
#include "station/session.h"

struct emu;

/*
 * Starts the emulator of family driver (NULL: chronojump) and sets o up to run on it: one channel on
 * its pty, the demo protocol unless o->protocol is set, hands-free, 1 s rests, the sample patient's
 * peaks. *e gets the emulator: stop it with emu_stop() after session_run(). ST_ERR_ARG for a family
 * without an emulator; the emulator's errors otherwise.
 */
enum st_status demo_setup(const char *driver, struct session_opts *o, struct emu **e, struct st_err *err);

#endif
