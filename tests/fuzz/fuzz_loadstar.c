/*
 * fuzz_loadstar.c - libFuzzer target for the Loadstar parser. Byte 0 seeds the chunk sizes (a serial
 * line delivers bytes in arbitrary pieces), byte 1 picks the unit the I/O half would have set (or
 * none); the rest is the stream. Invariants: every call makes progress and a need-more call takes
 * everything; the return code and the reading's kind agree; raw is NUL-terminated; a sample is finite,
 * within the plausibility limit, in a known unit, and its newtons are its value times that unit; the
 * parser never invents an overload or a device clock; and the readings do not depend on the chunking
 * (the same bytes fed whole give the same readings).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/loadstar.h"

#define FZ_CHECK(c)                                                                                          \
    do {                                                                                                     \
        if (!(c))                                                                                            \
            __builtin_trap();                                                                                \
    } while (0)

#define FZ_MAX 8192

struct fz_run {
    struct drv_reading r[FZ_MAX];
    size_t n;
};

static struct fz_run chunked, whole;

static void check_reading(enum drv_parse res, const struct drv_reading *r)
{
    FZ_CHECK(memchr(r->raw, '\0', sizeof r->raw) != NULL);
    FZ_CHECK(r->kind >= DRV_SAMPLE && r->kind <= DRV_BAD);
    FZ_CHECK((res == DRV_SKIPPED) == (r->kind == DRV_BAD));
    FZ_CHECK(!r->overload && !r->has_dev_time);
    if (r->kind == DRV_SAMPLE) {
        FZ_CHECK(isfinite(r->value) && isfinite(r->force_n));
        FZ_CHECK(fabs(r->force_n) <= 1e6);
        FZ_CHECK(r->unit != DRV_UNIT_UNKNOWN);
        FZ_CHECK(r->force_n == r->value * drv_unit_to_n(r->unit));
    }
}

/* Feeds data in chunks from seed (0: whole), recording the readings. */
static void feed(const uint8_t *data, size_t size, unsigned seed, enum drv_unit unit, struct fz_run *out)
{
    struct ls_parser p;
    ls_parser_init(&p);
    if (unit != DRV_UNIT_UNKNOWN)
        ls_parser_set_unit(&p, unit);
    out->n = 0;
    size_t pos = 0;
    while (pos < size) {
        size_t chunk = size - pos;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            chunk = 1 + (seed >> 16) % 64;
            if (chunk > size - pos)
                chunk = size - pos;
        }
        size_t off = 0;
        while (off < chunk) {
            size_t used = 0;
            struct drv_reading r;
            enum drv_parse res = ls_parse(&p, data + pos + off, chunk - off, &used, &r);
            FZ_CHECK(used > 0 && used <= chunk - off);
            off += used;
            if (res == DRV_NEED_MORE) {
                FZ_CHECK(off == chunk);
                continue;
            }
            check_reading(res, &r);
            if (out->n < FZ_MAX)
                out->r[out->n++] = r;
        }
        pos += chunk;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned seed = (unsigned)data[0] | 1u;
    enum drv_unit unit = (enum drv_unit)(data[1] % (DRV_UNIT_GF + 1));
    data += 2;
    size -= 2;
    feed(data, size, seed, unit, &chunked);
    feed(data, size, 0, unit, &whole);
    FZ_CHECK(chunked.n == whole.n);
    for (size_t i = 0; i < whole.n; i++) {
        const struct drv_reading *a = &chunked.r[i], *b = &whole.r[i];
        FZ_CHECK(a->kind == b->kind && a->unit == b->unit && strcmp(a->raw, b->raw) == 0);
        FZ_CHECK(memcmp(&a->value, &b->value, sizeof a->value) == 0);
        FZ_CHECK(memcmp(&a->force_n, &b->force_n, sizeof a->force_n) == 0);
    }
    return 0;
}
