/*
 * fuzz_loadstar.c - libFuzzer target for the Loadstar parser. Byte 0 seeds the chunk sizes (a serial
 * line delivers bytes in arbitrary pieces), byte 1 picks the unit the I/O half would have set (or
 * none); the rest is the stream. Invariants: the parser contract (fuzz_parse.h); the return code and
 * the reading's kind agree; a sample is finite, within the plausibility limit, in a known unit, and
 * its newtons are its value times that unit; the parser never invents an overload or a device clock;
 * and the readings do not depend on the chunking (the same bytes fed whole give the same readings).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "drivers/loadstar.h"
#include "fuzz_parse.h"

static void check_reading(void *ctx, enum drv_parse res, const struct drv_reading *r)
{
    (void)ctx;
    FUZZ_CHECK(r->kind >= DRV_SAMPLE && r->kind <= DRV_BAD);
    FUZZ_CHECK((res == DRV_SKIPPED) == (r->kind == DRV_BAD));
    FUZZ_CHECK(!r->overload && !r->has_dev_time);
    if (r->kind == DRV_SAMPLE) {
        FUZZ_CHECK(isfinite(r->value) && isfinite(r->force_n));
        FUZZ_CHECK(fabs(r->force_n) <= 1e6);
        FUZZ_CHECK(r->unit != DRV_UNIT_UNKNOWN);
        FUZZ_CHECK(r->force_n == r->value * drv_unit_to_n(r->unit));
    }
}

static struct fuzz_run chunked, whole;

/* The parser, with the unit the I/O half would have set (or none). */
static void init(struct ls_parser *p, enum drv_unit unit)
{
    ls_parser_init(p);
    if (unit != DRV_UNIT_UNKNOWN)
        ls_parser_set_unit(p, unit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned seed = (unsigned)data[0] | 1u;
    enum drv_unit unit = (enum drv_unit)(data[1] % (DRV_UNIT_GF + 1));
    struct ls_parser p, q;
    init(&p, unit);
    init(&q, unit);
    size_t a = fuzz_feed(&drv_loadstar, &p, data + 2, size - 2, seed, check_reading, NULL, &chunked);
    size_t b = fuzz_feed(&drv_loadstar, &q, data + 2, size - 2, 0, check_reading, NULL, &whole);
    fuzz_same_readings(&chunked, a, &whole, b);
    return 0;
}
