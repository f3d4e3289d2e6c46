/* json.c - streaming JSON writer; see json.h. */
#include "station/export/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void json_init(struct json_writer *w, FILE *f, bool pretty)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->pretty = pretty;
    w->first[0] = true;
}

static void newline_indent(struct json_writer *w)
{
    if (!w->pretty)
        return;
    fputc('\n', w->f);
    for (int i = 0; i < w->depth; i++)
        fputs("  ", w->f);
}

/* Before any value: the comma and indentation, unless it follows its key. */
static bool before_value(struct json_writer *w)
{
    if (w->failed)
        return false;
    if (w->after_key) {
        w->after_key = false;
        return true;
    }
    if (!w->first[w->depth])
        fputc(',', w->f);
    w->first[w->depth] = false;
    if (w->depth > 0)
        newline_indent(w);
    return true;
}

void json_write_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void open_container(struct json_writer *w, char c)
{
    if (!before_value(w))
        return;
    if (w->depth + 1 >= JSON_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    fputc(c, w->f);
    w->depth++;
    w->first[w->depth] = true;
}

static void close_container(struct json_writer *w, char c)
{
    if (w->failed)
        return;
    if (w->depth == 0 || w->after_key) {
        w->failed = true;
        return;
    }
    bool empty = w->first[w->depth];
    w->depth--;
    if (!empty)
        newline_indent(w);
    fputc(c, w->f);
}

void json_begin_object(struct json_writer *w)
{
    open_container(w, '{');
}
void json_end_object(struct json_writer *w)
{
    close_container(w, '}');
}
void json_begin_array(struct json_writer *w)
{
    open_container(w, '[');
}
void json_end_array(struct json_writer *w)
{
    close_container(w, ']');
}

void json_key(struct json_writer *w, const char *key)
{
    if (!before_value(w))
        return;
    json_write_escaped(w->f, key ? key : "");
    fputs(w->pretty ? ": " : ":", w->f);
    w->after_key = true;
}

void json_string(struct json_writer *w, const char *s)
{
    if (!before_value(w))
        return;
    if (s)
        json_write_escaped(w->f, s);
    else
        fputs("null", w->f);
}

void json_number(struct json_writer *w, double v)
{
    if (!before_value(w))
        return;
    if (!isfinite(v)) {
        fputs("null", w->f);
        return;
    }
    /* The shortest of %.15g / %.17g that reads back exactly. */
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, sizeof buf, "%.17g", v);
    fputs(buf, w->f);
}

void json_number_fixed(struct json_writer *w, double v, int decimals)
{
    if (!before_value(w))
        return;
    if (!isfinite(v)) {
        fputs("null", w->f);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    /* Trim trailing zeros and a bare point: 12.500 -> 12.5, 3.000 -> 3. */
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, sizeof buf, "0");
    fputs(buf, w->f);
}

void json_int(struct json_writer *w, int64_t v)
{
    if (before_value(w))
        fprintf(w->f, "%" PRId64, v);
}

void json_bool(struct json_writer *w, bool v)
{
    if (before_value(w))
        fputs(v ? "true" : "false", w->f);
}

void json_null(struct json_writer *w)
{
    if (before_value(w))
        fputs("null", w->f);
}

bool json_finish(struct json_writer *w)
{
    if (w->depth != 0 || w->after_key)
        w->failed = true;
    fputc('\n', w->f);
    if (fflush(w->f) != 0 || ferror(w->f))
        w->failed = true;
    return !w->failed;
}

void json_kv_string(struct json_writer *w, const char *key, const char *s)
{
    json_key(w, key);
    json_string(w, s);
}

void json_kv_number(struct json_writer *w, const char *key, double v)
{
    json_key(w, key);
    json_number(w, v);
}

void json_kv_int(struct json_writer *w, const char *key, int64_t v)
{
    json_key(w, key);
    json_int(w, v);
}

void json_kv_bool(struct json_writer *w, const char *key, bool v)
{
    json_key(w, key);
    json_bool(w, v);
}
