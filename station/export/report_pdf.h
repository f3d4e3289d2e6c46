/*
 * report_pdf.h - the drawing kit of the balance report (report.h): a PDF written safely to a file
 * (temporary file, fsync, rename), pages with a flowing cursor, Pango text, tables and chart frames.
 * Units are PDF points (1/72 in); y grows downwards from the page's top edge.
 *
 * Text is always set as plain text (never Pango markup), so a name like `O'Brien "; <b>` is printed
 * as written. Pango's resolution is pinned at 72 dpi so a 9 pt font is 9 units high on the page.
 */
#ifndef STATION_EXPORT_REPORT_PDF_H
#define STATION_EXPORT_REPORT_PDF_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"

struct rpdf {
    cairo_surface_t *surface;
    cairo_t *cr;
    int fd;              /* the temporary file */
    int write_errno;     /* the first failed write's errno */
    char tmp[4096];      /* its path */
    char path[4096];     /* the final path */
    double w, h;         /* the current page's size */
    double margin;       /* left, right, top */
    double bottom;       /* lowest y the flow may reach */
    double y;            /* the flow cursor */
    int page;            /* 1, 2, ... */
    char footer[256];    /* printed at the bottom of every page with "page N" */
};

/* Opens a temporary file next to path and a PDF surface of w x h points on it. ST_ERR_IO names the
 * folder when it cannot be written. */
enum st_status rpdf_open(struct rpdf *p, const char *path, double w, double h, struct st_err *err);
/* Finishes the PDF, flushes it to disk and renames it to its path. On any failure the temporary file
 * is removed and the status says why (ST_ERR_DISK_FULL for a full disk or a file-size limit). */
enum st_status rpdf_close(struct rpdf *p, struct st_err *err);
/* Drops everything (an error on the way): no file is left. */
void rpdf_abort(struct rpdf *p);

/* Ends the page (with its footer) and starts a new one of w x h points (0: same size). */
void rpdf_new_page(struct rpdf *p, double w, double h);
/* Starts a new page when fewer than need points are left below the cursor. */
void rpdf_need(struct rpdf *p, double need);
/* The width between the margins. */
double rpdf_width(const struct rpdf *p);

enum rpdf_align { RPDF_LEFT = 0, RPDF_RIGHT, RPDF_CENTER };
struct rpdf_font {
    double size;  /* points */
    bool bold;
    bool italic;
};
/* Draws text (UTF-8, any script) in a box of width w at (x, y) (top left), wrapping at words (and inside
 * a too-long word); returns the height used. draw false only measures. */
double rpdf_text(struct rpdf *p, double x, double y, double w, const char *text, struct rpdf_font f,
                 enum rpdf_align align, bool draw);
/* Text at the cursor across the page width, then moves the cursor below it (plus gap). */
void rpdf_para(struct rpdf *p, const char *text, struct rpdf_font f, double gap);
/* A section heading (keeps at least keep points of room below it on the same page). */
void rpdf_heading(struct rpdf *p, const char *text, double keep);

/* A table at the cursor: ncol columns of the given widths (points) and alignments, a bold header row,
 * then nrow rows; cells[r * ncol + c] (NULL prints nothing). Breaks pages between rows and repeats the
 * header. Moves the cursor below it. */
struct rpdf_col {
    const char *title;
    double w;
    enum rpdf_align align;
};
void rpdf_table(struct rpdf *p, const struct rpdf_col *cols, int ncol, const char *const *cells, int nrow,
                double font_size);

/* See report_fonts_release (report.h). */
void rpdf_fonts_release(void);

/* The cells of a table being filled: nrow x ncol text buffers of cell bytes each, cells[r * ncol + c]
 * pointing at its buffer (a caller may point a cell at its own string instead). */
struct rpdf_grid {
    int ncol;
    size_t cell;
    const char **cells;
    char *text;
};
/* false when memory ran out (nothing to free then). */
bool rpdf_grid_new(struct rpdf_grid *g, size_t nrow, int ncol, size_t cell);
/* The buffer of row r, column c (cell bytes). */
char *rpdf_grid_at(struct rpdf_grid *g, size_t r, int c);
void rpdf_grid_free(struct rpdf_grid *g);

void rpdf_rgb(struct rpdf *p, unsigned rgb); /* 0xRRGGBB */
void rpdf_rect(struct rpdf *p, double x, double y, double w, double h, unsigned rgb); /* filled */
void rpdf_line(struct rpdf *p, double x0, double y0, double x1, double y1, double width, unsigned rgb,
               bool dashed);

/* A nice axis step for a range (1, 2 or 5 times a power of ten, about n ticks). */
double rpdf_nice_step(double range, int n);

/* v with decimals decimals, "-" when not finite (the report's one number format). */
const char *rpdf_num(double v, int decimals, char *buf, size_t size);

#endif
