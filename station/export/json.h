/*
 * json.h - a small streaming JSON writer for exports and `--json` output.
 *
 * It writes straight to a FILE, keeps the comma bookkeeping and the nesting, escapes every string
 * (any UTF-8 passes through; control characters, quotes and backslashes are escaped), and writes
 * a non-finite number (NAN = null in the metrics) as null. Output is pretty-printed with two-space
 * indentation when pretty is set, else compact.
 *
 *     struct json_writer w; json_init(&w, stdout, true);
 *     json_begin_object(&w);
 *     json_key(&w, "peak_n"); json_number(&w, 512.25);
 *     json_key(&w, "flags"); json_begin_array(&w); json_string(&w, "too_short"); json_end_array(&w);
 *     json_end_object(&w); json_finish(&w);
 *
 * Errors (misnesting, a write failure) are sticky: json_finish returns false and later calls do
 * nothing. The writer owns no memory; the caller owns the FILE.
 *
 * Why our own and not a library: Debian's JSON libraries (json-c, jansson, cJSON) build a tree in
 * memory and print it at the end. An export with --raw holds every sample of every rep, tens of
 * thousands of numbers read row by row from SQLite: streaming them straight to the file keeps memory
 * flat and needs no tree to free on an error path. We only write JSON (the station never parses it),
 * and the writer's whole job - commas, nesting, escaping, null for NAN - is this one short file.
 */
#ifndef STATION_STATION_JSON_H
#define STATION_STATION_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json_writer {
    FILE *f;
    bool pretty;
    bool failed;
    int depth;
    bool first[JSON_MAX_DEPTH]; /* no element written yet at this depth */
    bool after_key;             /* a key was written; the value comes next */
};

void json_init(struct json_writer *w, FILE *f, bool pretty);
void json_begin_object(struct json_writer *w);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w);
void json_end_array(struct json_writer *w);
/* The key of the next value inside an object. */
void json_key(struct json_writer *w, const char *key);
void json_string(struct json_writer *w, const char *s); /* NULL writes null */
void json_number(struct json_writer *w, double v);      /* non-finite writes null; %.17g trimmed */
/* A number with at most `decimals` decimals (e.g. 3 for newtons); non-finite writes null. */
void json_number_fixed(struct json_writer *w, double v, int decimals);
void json_int(struct json_writer *w, int64_t v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);
/* A key and its value in one call (inside an object), the same as json_key then the value function. */
void json_kv_string(struct json_writer *w, const char *key, const char *s);
void json_kv_number(struct json_writer *w, const char *key, double v);
void json_kv_int(struct json_writer *w, const char *key, int64_t v);
void json_kv_bool(struct json_writer *w, const char *key, bool v);
/* Ends the document with a newline and flushes. Returns false if anything went wrong. */
bool json_finish(struct json_writer *w);

/* Writes s as a JSON string literal (with quotes) to f. Used by the writer; handy for CSV too. */
void json_write_escaped(FILE *f, const char *s);

#endif
