/*
 * fuzz_parse.h - what the parser fuzz targets share: the stream feeder that hands a family's parser
 * (through its drv_driver row) its bytes in the pieces a serial line would deliver, checking the
 * three-way contract of drivers/driver.h on every call, and the check that the pieces do not matter.
 *
 * The contract, checked for every call: it consumes between 1 byte and all it was given; NEED_MORE
 * only when it took everything; otherwise GOT or SKIPPED with a NUL-terminated raw, and SKIPPED only
 * for a DRV_BAD reading. Each target adds its family's own invariants in its callback.
 */
#ifndef STATION_TESTS_FUZZ_PARSE_H
#define STATION_TESTS_FUZZ_PARSE_H

#include <stdint.h>
#include <string.h>

#include "drivers/driver.h"
#include "fuzz_check.h"

#define FUZZ_MAX_READINGS 4096

/* The readings of one pass over a stream (the first FUZZ_MAX_READINGS), and how many there were. */
struct fuzz_run {
    struct drv_reading r[FUZZ_MAX_READINGS];
    size_t n;
};

/* Called with each reading (not for NEED_MORE). */
typedef void (*fuzz_reading_cb)(void *ctx, enum drv_parse res, const struct drv_reading *r);

/*
 * Feeds data[0..size) to drv's parser, whose state the caller initialised, in chunks of 1 to 64
 * bytes drawn from seed (0: in one piece). cb (may be NULL) sees every reading; run (may be NULL)
 * keeps them. Returns the number of readings.
 */
static inline size_t fuzz_feed(const struct drv_driver *drv, void *state, const uint8_t *data, size_t size,
                               unsigned seed, fuzz_reading_cb cb, void *ctx, struct fuzz_run *run)
{
    size_t pos = 0, count = 0;
    if (run)
        run->n = 0;
    while (pos < size) {
        size_t chunk = size - pos;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            chunk = 1 + (seed >> 16) % 64;
            if (chunk > size - pos)
                chunk = size - pos;
        }
        for (size_t off = 0; off < chunk;) {
            size_t used = 0;
            struct drv_reading r;
            enum drv_parse res = drv->parse(state, data + pos + off, chunk - off, &used, &r);
            FUZZ_CHECK(used > 0 && used <= chunk - off);
            off += used;
            if (res == DRV_NEED_MORE) {
                FUZZ_CHECK(off == chunk);
                continue;
            }
            FUZZ_CHECK(res == DRV_GOT || res == DRV_SKIPPED);
            FUZZ_CHECK(memchr(r.raw, '\0', sizeof r.raw) != NULL);
            FUZZ_CHECK(res != DRV_SKIPPED || r.kind == DRV_BAD);
            if (cb)
                cb(ctx, res, &r);
            if (run && run->n < FUZZ_MAX_READINGS)
                run->r[run->n++] = r;
            count++;
        }
        pos += chunk;
    }
    return count;
}

/* Two passes over the same bytes (other pieces) gave the same readings, bit for bit. */
static inline void fuzz_same_readings(const struct fuzz_run *a, size_t na, const struct fuzz_run *b, size_t nb)
{
    FUZZ_CHECK(na == nb && a->n == b->n);
    for (size_t i = 0; i < a->n; i++) {
        const struct drv_reading *x = &a->r[i], *y = &b->r[i];
        FUZZ_CHECK(x->kind == y->kind && x->unit == y->unit && x->overload == y->overload);
        FUZZ_CHECK(memcmp(&x->value, &y->value, sizeof x->value) == 0);
        FUZZ_CHECK(memcmp(&x->force_n, &y->force_n, sizeof x->force_n) == 0);
        FUZZ_CHECK(strcmp(x->raw, y->raw) == 0);
    }
}

#endif
