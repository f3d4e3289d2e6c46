/*
 * report.h - the balance report: a PDF for the patient's file, the referring doctor and the therapy
 * plan (issue 12), drawn with cairo's PDF surface and laid out with Pango (pangocairo), so a name in
 * any script the installed fonts cover (DejaVu; Droid Sans Fallback for Chinese) is shaped right,
 * Arabic right to left included. Fonts are embedded (subset) by cairo.
 *
 * What it holds, in order (station/export/report_data.h gathers it):
 *   page 1  header (patient, reference, age and mass on the day, sex, dominant side, date and time,
 *           therapist, protocol and position, lever arm, devices with serial and calibration state,
 *           feedback condition, station version); results per direction and side; the ADD:ABD ratio
 *           per side on its band (the flag written in words too) with the cut-offs and their source;
 *           the asymmetry with its formula and the weaker side; the curves per direction and side.
 *   page 2  reps to note (flagged, rejected, extra; why); change against the previous and the first
 *           session on the same protocol with the measurement-error band, the trend charts (device
 *           changes marked), sessions on other protocols (listed, never compared); reference values
 *           where position and contraction match; the plan (suggestions) and the therapist's notes.
 *   last    (landscape) every repetition with every metric `station export --format json` gives.
 * A progress report (report_write_progress) adds the table of every session on the protocol.
 *
 * Files: the PDF is written to a temporary file in the target's folder (mode 0600: it holds health
 * data), flushed to disk, then renamed over the target: a failure (unwritable folder, full disk)
 * leaves no file behind and returns ST_ERR_IO / ST_ERR_DISK_FULL with a message naming the folder.
 */
#ifndef STATION_EXPORT_REPORT_H
#define STATION_EXPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "station/store/store.h"

enum report_paper { REPORT_PAPER_A4 = 0, REPORT_PAPER_LETTER };

/* "a4" / "letter" (case-insensitive) into *out; false for anything else. */
bool report_paper_parse(const char *text, enum report_paper *out);

/* Where a drawn part landed, in PDF points from the top left of its page (page counts from 1), so
 * tests can find it on a rendered image. */
struct report_box {
    int page;
    double x, y, w, h;
};
#define REPORT_MAX_CURVES 5
struct report_layout {
    int pages;
    double page_w[8], page_h[8];  /* the first pages' sizes in points (the appendix is landscape) */
    struct report_box ratio_band[2]; /* left, right; page 0 when that side has no ratio */
    struct report_box curves[REPORT_MAX_CURVES]; /* the plot areas, one per direction and side */
    int n_curves;
    struct report_box trend;      /* page 0 when there is no trend (a first session) */
};

/*
 * Writes the report of session_id to path (NULL: "<reference>-<YYYY-MM-DD>.pdf" in the current folder,
 * "session-<id>-<date>.pdf" without a reference; the reference's characters outside [A-Za-z0-9._-]
 * become '_'). The path written goes to out_path (size bytes). layout (may be NULL) gets where the
 * parts landed. Errors: ST_ERR_NOT_FOUND (unknown session), ST_ERR_ARG (no rep counts), ST_ERR_IO /
 * ST_ERR_DISK_FULL (writing), store errors; each with one line a therapist can act on.
 */
enum st_status report_write(struct store *s, int64_t session_id, enum report_paper paper, const char *path,
                            char *out_path, size_t size, struct report_layout *layout, struct st_err *err);

/*
 * The progress report of patient_id on protocol (NULL: the protocol of the patient's latest session
 * with a counting rep): the latest such session in detail, with the table and the trend of every
 * session on that protocol. Default path "<reference>-progress-<YYYY-MM-DD>.pdf". ST_ERR_NOT_FOUND
 * when the patient has no session with a counting rep on that protocol.
 */
enum st_status report_write_progress(struct store *s, int64_t patient_id, const char *protocol,
                                     enum report_paper paper, const char *path, char *out_path, size_t size,
                                     struct report_layout *layout, struct st_err *err);

/* Drops Pango's default font map (and the fonts it holds) after the last report of the process; a
 * later report builds it again. fontconfig's configuration stays for the life of the process: freeing
 * it (FcFini, cairo_debug_reset_static_data) is unsafe while Pango's loader thread may run (common/lsan.h
 * says why, and names it to LeakSanitizer). */
void report_fonts_release(void);

#endif
