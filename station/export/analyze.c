/*
 * analyze.c - one contraction from a CSV file, and its metrics printed for a person or a script.
 *
 * The reader is strict on purpose: a trace someone exported from a spreadsheet or another program
 * must either give the same numbers anyone would compute from it, or be refused with the line and
 * the reason, never half-read. It tolerates only what is harmless (a BOM, CRLF, spaces, blank lines
 * at the end). The printer writes exactly the JSON keys DESIGN.md promises scripts, through json.h.
 */
#include "station/export/analyze.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/metric_fields.h"
#include "station/export/json.h"

#define CSV_HEADER_T "t_s"
#define CSV_HEADER_F "force_n"

/* Trims spaces and tabs from both ends of [s, s + len); returns the new start, sets *out_len. */
static const char *trim(const char *s, size_t len, size_t *out_len)
{
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    *out_len = len;
    return s;
}

/* A plain decimal number: digits, sign, point, exponent; nothing strtod would also take (hex, inf,
 * nan, leading spaces). Writes a short reason into why on failure. */
static bool parse_number(const char *s, size_t len, double *out, const char **why)
{
    char buf[64];
    if (len == 0) {
        *why = "is empty";
        return false;
    }
    if (len >= sizeof buf) {
        *why = "is too long to be a number";
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
            *why = "is not a plain decimal number";
            return false;
        }
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0') {
        *why = "is not a plain decimal number";
        return false;
    }
    if (errno == ERANGE || !isfinite(v)) {
        *why = "is out of range";
        return false;
    }
    *out = v;
    return true;
}

/* Is the line only spaces and tabs? */
static bool is_blank(const char *s, size_t len)
{
    size_t l;
    trim(s, len, &l);
    return l == 0;
}

struct csv_buf {
    double *t, *f;
    size_t n, cap;
};

static bool buf_push(struct csv_buf *b, double t, double f)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        if (cap > SIZE_MAX / sizeof(double) / 2)
            return false;
        double *nt = realloc(b->t, cap * sizeof *nt);
        if (!nt)
            return false;
        b->t = nt;
        double *nf = realloc(b->f, cap * sizeof *nf);
        if (!nf)
            return false;
        b->f = nf;
        b->cap = cap;
    }
    b->t[b->n] = t;
    b->f[b->n] = f;
    b->n++;
    return true;
}

/* Parses one data line (without its line end). Returns ST_OK or a parse error naming the line. */
static enum st_status parse_line(const char *path, size_t lineno, const char *s, size_t len,
                                 double *t, double *f, struct st_err *err)
{
    const char *comma = memchr(s, ',', len);
    if (!comma)
        return st_err_set(err, ST_ERR_PARSE, "%s line %zu: expected two fields t_s,force_n separated by a "
                          "comma, found one (\"%.40s\")", path, lineno, s);
    size_t fields = 1;
    for (size_t i = 0; i < len; i++)
        fields += s[i] == ',';
    if (fields != 2)
        return st_err_set(err, ST_ERR_PARSE, "%s line %zu: expected two fields t_s,force_n, found %zu",
                          path, lineno, fields);
    size_t tl, fl;
    const char *ts = trim(s, (size_t)(comma - s), &tl);
    const char *fs = trim(comma + 1, len - (size_t)(comma - s) - 1, &fl);
    const char *why = "";
    if (!parse_number(ts, tl, t, &why))
        return st_err_set(err, ST_ERR_PARSE, "%s line %zu: the time \"%.*s\" %s (seconds, e.g. 0.010)",
                          path, lineno, (int)(tl > 40 ? 40 : tl), ts, why);
    if (!parse_number(fs, fl, f, &why))
        return st_err_set(err, ST_ERR_PARSE, "%s line %zu: the force \"%.*s\" %s (newtons, e.g. 12.5)",
                          path, lineno, (int)(fl > 40 ? 40 : fl), fs, why);
    return ST_OK;
}

static enum st_status check_header(const char *path, const char *s, size_t len, struct st_err *err)
{
    const char *comma = memchr(s, ',', len);
    if (comma) {
        size_t tl, fl;
        const char *ts = trim(s, (size_t)(comma - s), &tl);
        const char *fs = trim(comma + 1, len - (size_t)(comma - s) - 1, &fl);
        if (tl == strlen(CSV_HEADER_T) && memcmp(ts, CSV_HEADER_T, tl) == 0 &&
            fl == strlen(CSV_HEADER_F) && memcmp(fs, CSV_HEADER_F, fl) == 0)
            return ST_OK;
    }
    return st_err_set(err, ST_ERR_PARSE, "%s line 1: the first line must be the header t_s,force_n "
                      "(found \"%.40s\")", path, s);
}

enum st_status analyze_read_csv(const char *path, double **t, double **f, size_t *n, struct st_err *err)
{
    if (!path || !t || !f || !n)
        return st_err_set(err, ST_ERR_ARG, "analyze_read_csv: a NULL argument (this is a bug)");
    *t = NULL;
    *f = NULL;
    *n = 0;
    FILE *in = fopen(path, "r");
    if (!in) {
        int e = errno;
        return st_err_set(err, e == ENOENT ? ST_ERR_NOT_FOUND : ST_ERR_IO, "Cannot open %s: %s", path,
                          strerror(e));
    }
    struct csv_buf b = {0};
    char *line = NULL;
    size_t cap = 0, lineno = 0, blank_at = 0;
    bool header = false;
    enum st_status s = ST_OK;
    ssize_t got;
    while ((got = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)got;
        lineno++;
        if (memchr(line, '\0', len)) {
            s = st_err_set(err, ST_ERR_PARSE, "%s line %zu: contains a NUL byte: this is not a text CSV "
                           "file", path, lineno);
            break;
        }
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (len > 0 && line[len - 1] == '\r')
            len--;
        line[len] = '\0';
        const char *p = line;
        if (!header) {
            if (lineno == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
                p += 3;
                len -= 3;
            }
            s = check_header(path, p, len, err);
            if (s != ST_OK)
                break;
            header = true;
            continue;
        }
        if (is_blank(p, len)) {
            if (!blank_at)
                blank_at = lineno;
            continue;
        }
        if (blank_at) {
            s = st_err_set(err, ST_ERR_PARSE, "%s line %zu: an empty line in the middle of the data (more "
                           "follows on line %zu): remove it", path, blank_at, lineno);
            break;
        }
        double tv, fv;
        s = parse_line(path, lineno, p, len, &tv, &fv, err);
        if (s != ST_OK)
            break;
        if (b.n > 0 && tv < b.t[b.n - 1]) {
            s = st_err_set(err, ST_ERR_PARSE, "%s line %zu: the time %.9g s is before the previous line's "
                           "%.9g s: the samples must be in time order", path, lineno, tv, b.t[b.n - 1]);
            break;
        }
        if (!buf_push(&b, tv, fv)) {
            s = st_err_set(err, ST_ERR_NOMEM, "%s: not enough memory for %zu samples", path, b.n + 1);
            break;
        }
    }
    if (s == ST_OK && ferror(in))
        s = st_err_set(err, ST_ERR_IO, "Cannot read %s: %s", path, strerror(errno));
    if (s == ST_OK && !header)
        s = st_err_set(err, ST_ERR_PARSE, "%s line 1: the file is empty; it must start with the header "
                       "t_s,force_n", path);
    if (s == ST_OK && b.n < 2)
        s = st_err_set(err, ST_ERR_PARSE, "%s has %zu sample%s: a contraction needs at least 2 lines of "
                       "t_s,force_n after the header", path, b.n, b.n == 1 ? "" : "s");
    free(line);
    fclose(in);
    if (s != ST_OK) {
        free(b.t);
        free(b.f);
        return s;
    }
    *t = b.t;
    *f = b.f;
    *n = b.n;
    return ST_OK;
}

/* ------------------------------------------------------------------------------------------------ */

static void print_json(FILE *out, const struct met_result *m, struct json_writer *w)
{
    json_init(w, out, true);
    json_begin_object(w);
    for (size_t i = 0; i < met_field_count; i++)
        if (met_fields[i].use & MET_IN_ANALYZE) {
            json_key(w, met_fields[i].key);
            json_number_fixed(w, met_field_get(m, &met_fields[i]), 6);
        }
    json_key(w, "flags");
    json_begin_array(w);
    for (int i = 0; i < MET_FLAG_COUNT_; i++)
        if (m->flags & (1u << i))
            json_string(w, met_flag_name(1u << i));
    json_end_array(w);
    json_end_object(w);
}

/* One table row: the label, the value with its unit and decimals (and when it happened), or "n/a"
 * and why. */
static void row(FILE *out, const struct met_result *m, const struct met_field *f)
{
    double v = met_field_get(m, f);
    const struct met_field *at = f->at ? met_field_find(f->at) : NULL;
    if (!isfinite(v))
        fprintf(out, "  %-18s n/a%s%s\n", f->label, f->why_null ? " " : "", f->why_null ? f->why_null : "");
    else if (at)
        fprintf(out, "  %-18s %.*f %s at %.3f %s\n", f->label, f->decimals, v, f->unit, met_field_get(m, at),
                at->unit);
    else
        fprintf(out, "  %-18s %.*f %s\n", f->label, f->decimals, v, f->unit);
}

static void print_table(FILE *out, const struct met_result *m)
{
    fprintf(out, "One contraction\n");
    if (isfinite(m->sample_rate_hz))
        fprintf(out, "  %-18s %zu at %.1f Hz\n", "samples", m->n_samples, m->sample_rate_hz);
    else
        fprintf(out, "  %-18s %zu\n", "samples", m->n_samples);
    fprintf(out, "  %-18s %.3f N (SD %.3f N, threshold %.3f N)\n", "baseline", m->baseline_n,
            m->baseline_sd_n, m->threshold_n);
    if (!m->contraction) {
        fprintf(out, "  %-18s none: the force never rose through the threshold after the first 0.5 s\n",
                "contraction");
    } else {
        for (size_t i = 0; i < met_field_count; i++) {
            const struct met_field *f = &met_fields[i];
            if ((f->use & MET_IN_TABLE) ||
                ((f->use & MET_IN_TABLE_IF_KNOWN) && isfinite(met_field_get(m, f))))
                row(out, m, f);
        }
    }
    char flags[128];
    met_flags_str(m->flags, ", ", flags, sizeof flags);
    fprintf(out, "  %-18s %s\n", "flags", flags[0] ? flags : "none");
}

enum st_status analyze_print(FILE *out, const struct met_result *m, bool json, struct st_err *err)
{
    if (!out || !m)
        return st_err_set(err, ST_ERR_ARG, "analyze_print: a NULL argument (this is a bug)");
    bool ok;
    if (json) {
        struct json_writer w;
        print_json(out, m, &w);
        ok = json_finish(&w);
    } else {
        print_table(out, m);
        ok = fflush(out) == 0 && !ferror(out);
    }
    if (!ok)
        return st_err_set(err, ST_ERR_IO, "Cannot write the results: %s", strerror(errno));
    return ST_OK;
}
