/*
 * parser_util.h - feeding a driver's pure parser the way a serial line does: whole, one byte at a
 * time, split at every byte boundary, or in random chunks (http-parser's test_scan). Shared by the
 * parser tests of every family. Header-only (static functions) so each test links what it uses.
 */
#ifndef STATION_TESTS_PARSER_UTIL_H
#define STATION_TESTS_PARSER_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "drivers/driver.h"

#define PU_MAX_READINGS 256

struct pu_result {
    struct drv_reading r[PU_MAX_READINGS];
    int n;       /* readings of any kind, incl. DRV_BAD */
    int skipped; /* DRV_SKIPPED returns */
};

/* Feeds buf[0..len) in pieces whose sizes come from next_chunk(), into a fresh parser. */
static void pu_feed_chunks(const struct drv_driver *drv, const uint8_t *buf, size_t len,
                           size_t (*next_chunk)(size_t left, void *ctx), void *ctx, struct pu_result *out)
{
    void *st = calloc(1, drv->parser_size);
    drv->parser_init(st);
    memset(out, 0, sizeof *out);
    size_t pos = 0;
    while (pos < len) {
        size_t chunk = next_chunk(len - pos, ctx);
        if (chunk == 0 || chunk > len - pos)
            chunk = len - pos;
        size_t off = 0;
        while (off < chunk) {
            size_t used = 0;
            struct drv_reading r;
            enum drv_parse p = drv->parse(st, buf + pos + off, chunk - off, &used, &r);
            off += used;
            if (p != DRV_NEED_MORE && out->n < PU_MAX_READINGS)
                out->r[out->n++] = r;
            if (p == DRV_SKIPPED)
                out->skipped++;
            if (used == 0) /* a parser must always make progress */
                abort();
        }
        pos += chunk;
    }
    free(st);
}

static size_t pu_chunk_all(size_t left, void *ctx)
{
    (void)ctx;
    return left;
}

static size_t pu_chunk_one(size_t left, void *ctx)
{
    (void)left;
    (void)ctx;
    return 1;
}

struct pu_split {
    size_t at;
    bool first_done;
};
static size_t pu_chunk_split(size_t left, void *ctx)
{
    struct pu_split *s = ctx;
    if (!s->first_done) {
        s->first_done = true;
        return s->at ? s->at : left;
    }
    return left;
}

static size_t pu_chunk_random(size_t left, void *ctx)
{
    unsigned *seed = ctx;
    *seed = *seed * 1103515245u + 12345u;
    size_t n = 1 + (*seed >> 16) % 17;
    return n < left ? n : left;
}

/* Two readings are the same (kind, value, time, raw text). */
static bool pu_same(const struct drv_reading *a, const struct drv_reading *b)
{
    return a->kind == b->kind && a->value == b->value && a->force_n == b->force_n &&
           a->has_dev_time == b->has_dev_time && a->dev_time_us == b->dev_time_us &&
           a->overload == b->overload && a->unit == b->unit && strcmp(a->raw, b->raw) == 0;
}

/*
 * The readings of buf must not depend on how it is chunked: whole, byte by byte, split at every byte
 * boundary, and 50 random chunkings. Returns the number of chunkings that disagreed with the whole.
 */
static int pu_check_all_splits(const struct drv_driver *drv, const uint8_t *buf, size_t len,
                               struct pu_result *whole)
{
    static struct pu_result other;
    int bad = 0;
    pu_feed_chunks(drv, buf, len, pu_chunk_all, NULL, whole);
    pu_feed_chunks(drv, buf, len, pu_chunk_one, NULL, &other);
    bad += other.n != whole->n;
    for (int i = 0; i < whole->n && i < other.n; i++)
        bad += !pu_same(&whole->r[i], &other.r[i]);
    for (size_t at = 1; at < len; at++) {
        struct pu_split sp = {.at = at};
        pu_feed_chunks(drv, buf, len, pu_chunk_split, &sp, &other);
        bad += other.n != whole->n;
        for (int i = 0; i < whole->n && i < other.n; i++)
            bad += !pu_same(&whole->r[i], &other.r[i]);
    }
    for (unsigned seed = 1; seed <= 50; seed++) {
        unsigned s = seed;
        pu_feed_chunks(drv, buf, len, pu_chunk_random, &s, &other);
        bad += other.n != whole->n;
        for (int i = 0; i < whole->n && i < other.n; i++)
            bad += !pu_same(&whole->r[i], &other.r[i]);
    }
    return bad;
}

#endif
