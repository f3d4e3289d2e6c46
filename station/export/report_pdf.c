/*
 * report_pdf.c - the report's drawing kit: a cairo PDF surface streamed into a temporary file (so a
 * full disk is seen at the write that fails, and a failed report leaves nothing behind), Pango text,
 * tables that break across pages, and small drawing helpers. See station/export/report_pdf.h.
 */
#include "station/export/report_pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RPDF_FONT_FAMILY "DejaVu Sans"
#define RPDF_FOOTER_SIZE 7.0

static cairo_status_t write_fd(void *closure, const unsigned char *data, unsigned int length)
{
    struct rpdf *p = closure;
    while (length > 0 && p->write_errno == 0) {
        ssize_t k = write(p->fd, data, length);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            p->write_errno = k < 0 ? errno : ENOSPC;
            break;
        }
        data += k;
        length -= (unsigned)k;
    }
    return p->write_errno ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* The folder of path, for messages. */
static const char *folder_of(const char *path, char *buf, size_t size)
{
    snprintf(buf, size, "%s", path);
    return dirname(buf);
}

enum st_status rpdf_open(struct rpdf *p, const char *path, double w, double h, struct st_err *err)
{
    memset(p, 0, sizeof *p);
    p->fd = -1;
    if (snprintf(p->path, sizeof p->path, "%s", path) >= (int)sizeof p->path ||
        snprintf(p->tmp, sizeof p->tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof p->tmp)
        return st_err_set(err, ST_ERR_ARG, "The report's path is too long: choose a shorter one with --out");
    p->fd = mkostemp(p->tmp, O_CLOEXEC);
    if (p->fd < 0) {
        char dir[4096];
        int e = errno;
        return st_err_set(err, e == ENOSPC ? ST_ERR_DISK_FULL : ST_ERR_IO,
                          "Cannot write the report in %s: %s; choose another folder with --out",
                          folder_of(path, dir, sizeof dir), strerror(e));
    }
    fchmod(p->fd, 0600);
    p->surface = cairo_pdf_surface_create_for_stream(write_fd, p, w, h);
    p->cr = cairo_create(p->surface);
    if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
        rpdf_abort(p);
        return st_err_set(err, ST_ERR_NOMEM, "Cannot start the PDF (out of memory?)");
    }
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "station " STATION_VERSION);
    p->w = w;
    p->h = h;
    p->margin = 40;
    p->bottom = h - 36;
    p->y = p->margin;
    p->page = 1;
    return ST_OK;
}

static void drop(struct rpdf *p)
{
    if (p->cr)
        cairo_destroy(p->cr);
    if (p->surface)
        cairo_surface_destroy(p->surface);
    p->cr = NULL;
    p->surface = NULL;
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

void rpdf_abort(struct rpdf *p)
{
    if (p->surface)
        cairo_surface_finish(p->surface);
    drop(p);
    if (p->tmp[0])
        unlink(p->tmp);
    p->tmp[0] = '\0';
}

static void footer(struct rpdf *p)
{
    char text[320];
    snprintf(text, sizeof text, "%s   page %d", p->footer, p->page);
    rpdf_text(p, p->margin, p->h - 24, rpdf_width(p), text, (struct rpdf_font){RPDF_FOOTER_SIZE, false, false},
              RPDF_RIGHT, true);
}

enum st_status rpdf_close(struct rpdf *p, struct st_err *err)
{
    footer(p);
    cairo_show_page(p->cr);
    cairo_surface_finish(p->surface);
    cairo_status_t cs = cairo_surface_status(p->surface);
    int e = p->write_errno;
    if (!e && cs == CAIRO_STATUS_SUCCESS && fsync(p->fd) != 0)
        e = errno;
    if (!e && cs == CAIRO_STATUS_SUCCESS) {
        int fd = p->fd;
        p->fd = -1;
        if (close(fd) != 0)
            e = errno;
    }
    if (!e && cs == CAIRO_STATUS_SUCCESS && rename(p->tmp, p->path) != 0)
        e = errno;
    if (!e && cs == CAIRO_STATUS_SUCCESS) {
        drop(p);
        p->tmp[0] = '\0';
        return ST_OK;
    }
    rpdf_abort(p);
    char dir[4096];
    folder_of(p->path, dir, sizeof dir);
    if (e == ENOSPC || e == EFBIG || e == EDQUOT)
        return st_err_set(err, ST_ERR_DISK_FULL,
                          "The disk holding %s is full: the report was not written; free some space or "
                          "choose another folder with --out",
                          dir);
    if (e)
        return st_err_set(err, ST_ERR_IO, "Writing the report in %s failed: %s; choose another folder with --out",
                          dir, strerror(e));
    return st_err_set(err, ST_ERR_IO, "Drawing the report failed: %s", cairo_status_to_string(cs));
}

void rpdf_new_page(struct rpdf *p, double w, double h)
{
    footer(p);
    cairo_show_page(p->cr);
    if (w > 0 && h > 0 && (w != p->w || h != p->h)) {
        cairo_pdf_surface_set_size(p->surface, w, h);
        p->w = w;
        p->h = h;
        p->bottom = h - 36;
    }
    p->page++;
    p->y = p->margin;
}

void rpdf_need(struct rpdf *p, double need)
{
    if (p->y + need > p->bottom)
        rpdf_new_page(p, 0, 0);
}

double rpdf_width(const struct rpdf *p)
{
    return p->w - 2 * p->margin;
}

double rpdf_text(struct rpdf *p, double x, double y, double w, const char *text, struct rpdf_font f,
                 enum rpdf_align align, bool draw)
{
    if (!text || !text[0])
        return 0;
    PangoLayout *lay = pango_cairo_create_layout(p->cr);
    pango_cairo_context_set_resolution(pango_layout_get_context(lay), 72.0);
    pango_layout_context_changed(lay);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, RPDF_FONT_FAMILY);
    pango_font_description_set_size(fd, (int)lround(f.size * PANGO_SCALE));
    pango_font_description_set_weight(fd, f.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_style(fd, f.italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(lay, (int)lround(w * PANGO_SCALE));
    pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(lay, align == RPDF_RIGHT    ? PANGO_ALIGN_RIGHT
                                    : align == RPDF_CENTER ? PANGO_ALIGN_CENTER
                                                           : PANGO_ALIGN_LEFT);
    pango_layout_set_text(lay, text, -1); /* plain text: never markup */
    int pw = 0, ph = 0;
    pango_layout_get_size(lay, &pw, &ph);
    if (draw) {
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, lay);
    }
    g_object_unref(lay);
    return (double)ph / PANGO_SCALE;
}

void rpdf_para(struct rpdf *p, const char *text, struct rpdf_font f, double gap)
{
    double h = rpdf_text(p, p->margin, p->y, rpdf_width(p), text, f, RPDF_LEFT, false);
    rpdf_need(p, h);
    rpdf_rgb(p, 0x000000);
    p->y += rpdf_text(p, p->margin, p->y, rpdf_width(p), text, f, RPDF_LEFT, true) + gap;
}

void rpdf_heading(struct rpdf *p, const char *text, double keep)
{
    rpdf_need(p, 18 + keep);
    p->y += 4;
    rpdf_rgb(p, 0x1a3c6e);
    p->y += rpdf_text(p, p->margin, p->y, rpdf_width(p), text, (struct rpdf_font){11.5, true, false}, RPDF_LEFT,
                      true);
    rpdf_line(p, p->margin, p->y + 1, p->w - p->margin, p->y + 1, 0.6, 0x1a3c6e, false);
    rpdf_rgb(p, 0x000000);
    p->y += 5;
}

static double row_height(struct rpdf *p, const struct rpdf_col *cols, int ncol, const char *const *cells,
                         struct rpdf_font f)
{
    double h = 0;
    for (int c = 0; c < ncol; c++) {
        double ch = rpdf_text(p, 0, 0, cols[c].w - 4, cells[c], f, cols[c].align, false);
        if (ch > h)
            h = ch;
    }
    return h + 3;
}

static void draw_row(struct rpdf *p, const struct rpdf_col *cols, int ncol, const char *const *cells,
                     struct rpdf_font f, double h, unsigned fill)
{
    double x = p->margin, total = 0;
    for (int c = 0; c < ncol; c++)
        total += cols[c].w;
    if (fill != 0xffffff)
        rpdf_rect(p, x, p->y, total, h, fill);
    rpdf_rgb(p, 0x000000);
    for (int c = 0; c < ncol; c++) {
        rpdf_text(p, x + 2, p->y + 1.5, cols[c].w - 4, cells[c], f, cols[c].align, true);
        x += cols[c].w;
    }
    rpdf_line(p, p->margin, p->y + h, p->margin + total, p->y + h, 0.3, 0xb0b0b0, false);
    p->y += h;
}

void rpdf_table(struct rpdf *p, const struct rpdf_col *cols, int ncol, const char *const *cells, int nrow,
                double font_size)
{
    const char *head[32];
    if (ncol > 32)
        ncol = 32;
    for (int c = 0; c < ncol; c++)
        head[c] = cols[c].title;
    struct rpdf_font hf = {font_size, true, false}, rf = {font_size, false, false};
    double hh = row_height(p, cols, ncol, head, hf);
    rpdf_need(p, hh + (nrow ? row_height(p, cols, ncol, cells, rf) : 0));
    draw_row(p, cols, ncol, head, hf, hh, 0xe4e9f0);
    for (int r = 0; r < nrow; r++) {
        const char *const *row = cells + (size_t)r * (size_t)ncol;
        double h = row_height(p, cols, ncol, row, rf);
        if (p->y + h > p->bottom) {
            rpdf_new_page(p, 0, 0);
            draw_row(p, cols, ncol, head, hf, hh, 0xe4e9f0);
        }
        draw_row(p, cols, ncol, row, rf, h, r % 2 ? 0xf6f7f9 : 0xffffff);
    }
    p->y += 4;
}

void rpdf_fonts_release(void)
{
    pango_cairo_font_map_set_default(NULL); /* drops the default map and with it the fonts it holds */
}

bool rpdf_grid_new(struct rpdf_grid *g, size_t nrow, int ncol, size_t cell)
{
    size_t n = (nrow ? nrow : 1) * (size_t)ncol;
    g->ncol = ncol;
    g->cell = cell;
    g->cells = calloc(n, sizeof *g->cells);
    g->text = calloc(n, cell);
    if (!g->cells || !g->text) {
        rpdf_grid_free(g);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        g->cells[i] = g->text + i * cell;
    return true;
}

char *rpdf_grid_at(struct rpdf_grid *g, size_t r, int c)
{
    return g->text + (r * (size_t)g->ncol + (size_t)c) * g->cell;
}

void rpdf_grid_free(struct rpdf_grid *g)
{
    free(g->cells);
    free(g->text);
    g->cells = NULL;
    g->text = NULL;
}

void rpdf_rgb(struct rpdf *p, unsigned rgb)
{
    cairo_set_source_rgb(p->cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

void rpdf_rect(struct rpdf *p, double x, double y, double w, double h, unsigned rgb)
{
    rpdf_rgb(p, rgb);
    cairo_rectangle(p->cr, x, y, w, h);
    cairo_fill(p->cr);
}

void rpdf_line(struct rpdf *p, double x0, double y0, double x1, double y1, double width, unsigned rgb,
               bool dashed)
{
    static const double dash[] = {3.0, 2.0};
    rpdf_rgb(p, rgb);
    cairo_set_line_width(p->cr, width);
    cairo_set_dash(p->cr, dash, dashed ? 2 : 0, 0);
    cairo_move_to(p->cr, x0, y0);
    cairo_line_to(p->cr, x1, y1);
    cairo_stroke(p->cr);
    cairo_set_dash(p->cr, dash, 0, 0);
}

double rpdf_nice_step(double range, int n)
{
    if (!(range > 0) || n < 1)
        return 1;
    double raw = range / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

const char *rpdf_num(double v, int decimals, char *buf, size_t size)
{
    if (!isfinite(v))
        snprintf(buf, size, "-");
    else if (fabs(v) < 0.5 * pow(10, -decimals))
        snprintf(buf, size, "%.*f", decimals, 0.0); /* no "-0.0" */
    else
        snprintf(buf, size, "%.*f", decimals, v);
    return buf;
}
