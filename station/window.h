/*
 * window.h - the window and the PDF report, loaded when the program first opens a window or writes a
 * report.
 *
 * Why: SDL2, SDL2_ttf, Pango and cairo bring about 70 shared libraries that the dynamic linker maps and
 * binds at every start of every command: 8-11 ms of CPU, more than half of what `station run
 * --headless` spends besides its samples and nearly all of `station sessions` (bench/bench_peer.c).
 * So the program is built without them: station/ui/ (but its model, ui_model.c) and the report's PDF
 * (station/export/report.c, report_pdf.c) form a module, station-window.so, which the program opens
 * with dlopen at the first call that needs it (ui_opts_default, ui_open, report_write,
 * report_fonts_release). The program's own ui_* and report_* functions of that list are forwarders
 * into the module (station/window.c, one table); callers are unchanged, and the tests link the module's
 * code directly (the static libraries stui and streport). The module binds its own functions to
 * themselves (-Bsymbolic) and takes the store, protocols and common code from the program, which
 * exports them: one copy of each.
 *
 * Where: $STATION_WINDOW_MODULE (a path; tests point it at a missing file), else station-window.so
 * beside the program (its build folder), else PREFIX/lib/station/ (make install).
 *
 * Without it (a missing module, or a missing SDL or Pango library), ui_open and report_write fail with
 * ST_ERR_UNSUPPORTED and one line that says what is missing and what to install; a session then runs
 * on the terminal, and every command without a window or a PDF works.
 */
#ifndef STATION_STATION_WINDOW_H
#define STATION_STATION_WINDOW_H

#include "common/status.h"

/*
 * Loads the module (once; thread-safe) or says why it cannot. The forwarders call it; a command may
 * call it first to fail early. ST_OK or ST_ERR_UNSUPPORTED with the one-line message.
 */
enum st_status window_load(struct st_err *err);

#endif
