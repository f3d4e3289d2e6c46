/*
 * window.c - the program's side of the window module (manual: station/window.h): finds and opens
 * station-window.so once, takes its entry points into one table, and forwards the program's calls of
 * them. Built into the program only; the tests link station/ui/ and the report directly.
 */
#include "station/window.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "station/export/report.h"
#include "station/paths.h"
#include "station/ui/home.h"
#include "station/ui/ui.h"

/* The module's functions the program calls (what its code outside station/ui/ and the report's PDF
 * uses of them). One list: the table's members, their names in the module, their types (the headers'). */
#define WINDOW_FUNCS(X)                                                                                  \
    X(ui_opts_default) X(ui_open) X(ui_close) X(ui_frame) X(ui_poll) X(ui_entry_input) X(ui_frames_drawn)  \
    X(ui_next_frame_ns) X(ui_next_slot_ns) X(ui_refresh_ns) X(ui_screenshot) X(ui_sound) X(ui_view_shown)  \
    X(ui_home_displays) X(ui_home_frame) X(ui_home_poll) X(ui_home_rows_visible) X(ui_home_text_input)    \
    X(ui_home_wait)                                                                                        \
    X(report_write) X(report_write_progress) X(report_fonts_release)

static struct {
#define WINDOW_MEMBER(name) __typeof__(name) *name;
    WINDOW_FUNCS(WINDOW_MEMBER)
#undef WINDOW_MEMBER
} w;
static enum st_status load_status = ST_ERR_INTERNAL;
static char load_detail[PATH_MAX + 512]; /* which file, and what dlopen or dlsym said */
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The module's path: $STATION_WINDOW_MODULE, else beside the program, else PREFIX/lib/station. */
static void module_path(char *buf, size_t size)
{
    const char *env = getenv("STATION_WINDOW_MODULE");
    char dir[PATH_MAX];
    struct stat st;
    if (env && *env) {
        snprintf(buf, size, "%s", env);
    } else if (!paths_exe_dir(dir, sizeof dir)) {
        snprintf(buf, size, "station-window.so"); /* the loader's own search */
    } else {
        snprintf(buf, size, "%s/station-window.so", dir);
        if (stat(buf, &st) != 0)
            snprintf(buf, size, "%s/%s/station-window.so", dir, STATION_WINDOW_RELDIR);
    }
}

static void load(void)
{
    char path[PATH_MAX + 64];
    module_path(path, sizeof path);
    /* RTLD_LOCAL: the window's ~70 libraries stay out of the scope the program's own lookups search */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(load_detail, sizeof load_detail, "%s", e ? e : path);
        load_status = ST_ERR_UNSUPPORTED;
        return;
    }
    /* POSIX: a function pointer is stored through a void ** (the dlsym manual's own idiom) */
#define WINDOW_TAKE(name)                                                                                \
    if (!(*(void **)&w.name = dlsym(h, #name))) {                                                        \
        snprintf(load_detail, sizeof load_detail, "%s has no %s: it is not this station's", path, #name); \
        load_status = ST_ERR_UNSUPPORTED;                                                                \
        return; /* h stays open: nothing of it is called */                                              \
    }
    WINDOW_FUNCS(WINDOW_TAKE)
#undef WINDOW_TAKE
    load_status = ST_OK;
}

enum st_status window_load(struct st_err *err)
{
    pthread_once(&once, load);
    if (load_status == ST_OK)
        return ST_OK;
    return st_err_set(err, load_status,
                      "The station's window and PDF report cannot be loaded (%s): reinstall the station, with "
                      "Debian's packages libsdl2-2.0-0, libsdl2-ttf-2.0-0 and libpangocairo-1.0-0; everything "
                      "without a window or a PDF works",
                      load_detail);
}

/* ---- the forwarders ------------------------------------------------------------------------------
 * Those that make something (options, a window, a report) load the module first; the others receive
 * a window it made, so it is loaded (a NULL window, which some accept, needs nothing). */

struct ui_opts ui_opts_default(void)
{
    struct ui_opts none;
    memset(&none, 0, sizeof none);
    return window_load(NULL) == ST_OK ? w.ui_opts_default() : none; /* ui_open then says why */
}

enum st_status ui_open(const struct ui_opts *opts, struct ui **out, struct st_err *err)
{
    *out = NULL;
    enum st_status st = window_load(err);
    return st == ST_OK ? w.ui_open(opts, out, err) : st;
}

enum st_status report_write(struct store *s, int64_t session_id, enum report_paper paper, const char *path,
                            char *out_path, size_t size, struct report_layout *layout, struct st_err *err)
{
    enum st_status st = window_load(err);
    return st == ST_OK ? w.report_write(s, session_id, paper, path, out_path, size, layout, err) : st;
}

enum st_status report_write_progress(struct store *s, int64_t patient_id, const char *protocol,
                                     enum report_paper paper, const char *path, char *out_path, size_t size,
                                     struct report_layout *layout, struct st_err *err)
{
    enum st_status st = window_load(err);
    return st == ST_OK ? w.report_write_progress(s, patient_id, protocol, paper, path, out_path, size, layout, err)
                       : st;
}

void report_fonts_release(void)
{
    if (load_status == ST_OK) /* never loads the module to release nothing */
        w.report_fonts_release();
}

void ui_close(struct ui *ui)
{
    if (ui)
        w.ui_close(ui);
}

enum st_status ui_frame(struct ui *ui, const struct ui_model *m, struct st_err *err)
{
    return w.ui_frame(ui, m, err);
}

int ui_poll(struct ui *ui, struct ui_input *in)
{
    return w.ui_poll(ui, in);
}

void ui_entry_input(struct ui *ui, bool on)
{
    w.ui_entry_input(ui, on);
}

uint64_t ui_frames_drawn(const struct ui *ui)
{
    return w.ui_frames_drawn(ui);
}

int64_t ui_next_frame_ns(struct ui *ui, const struct ui_model *m)
{
    return w.ui_next_frame_ns(ui, m);
}

int64_t ui_next_slot_ns(const struct ui *ui)
{
    return w.ui_next_slot_ns(ui);
}

int64_t ui_refresh_ns(const struct ui *ui)
{
    return w.ui_refresh_ns(ui);
}

enum st_status ui_screenshot(struct ui *ui, enum ui_view v, const char *path, struct st_err *err)
{
    return w.ui_screenshot(ui, v, path, err);
}

void ui_sound(struct ui *ui, enum ui_sound kind)
{
    w.ui_sound(ui, kind);
}

bool ui_view_shown(const struct ui *ui, enum ui_view v)
{
    return w.ui_view_shown(ui, v);
}

int ui_home_displays(struct ui *ui, char (*names)[64], int max)
{
    return w.ui_home_displays(ui, names, max);
}

enum st_status ui_home_frame(struct ui *ui, const struct ui_home *h, struct st_err *err)
{
    return w.ui_home_frame(ui, h, err);
}

int ui_home_poll(struct ui *ui, struct ui_home_event *ev, int max)
{
    return w.ui_home_poll(ui, ev, max);
}

int ui_home_rows_visible(const struct ui *ui)
{
    return w.ui_home_rows_visible(ui);
}

void ui_home_text_input(struct ui *ui, bool on)
{
    w.ui_home_text_input(ui, on);
}

void ui_home_wait(struct ui *ui, int ms)
{
    w.ui_home_wait(ui, ms);
}
