/*
 * fuzz_imada.c - libFuzzer target for the Imada parser. The first input byte seeds the chunk sizes (a
 * serial line delivers bytes in arbitrary pieces); the rest is the stream. It is parsed twice, in
 * chunks and whole, and the two must agree reading for reading. Invariants: the parser contract
 * (fuzz_parse.h), samples finite and in N / kgf / lbf with force_n = value x the unit, only a line
 * "E" is a device error, SKIPPED exactly for DRV_BAD, and the parser counts one line per result.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "drivers/imada.h"
#include "fuzz_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    const struct imada_parser *p;
    uint64_t lines;
};

static void check_reading(void *ctx, enum drv_parse res, const struct drv_reading *r)
{
    struct seen *s = ctx;
    FUZZ_CHECK(s->p->lines == ++s->lines);
    FUZZ_CHECK((res == DRV_SKIPPED) == (r->kind == DRV_BAD));
    if (r->kind == DRV_SAMPLE || (r->kind == DRV_REPLY && strcmp(r->raw, "R") != 0)) {
        FUZZ_CHECK(isfinite(r->value) && isfinite(r->force_n));
        FUZZ_CHECK(r->unit == DRV_UNIT_N || r->unit == DRV_UNIT_KGF || r->unit == DRV_UNIT_LBF);
        FUZZ_CHECK(r->force_n == r->value * drv_unit_to_n(r->unit));
        FUZZ_CHECK(s->p->mode == (r->kind == DRV_SAMPLE ? 'T' : 'P'));
        size_t n = strlen(r->raw);
        FUZZ_CHECK(n >= 4);
        FUZZ_CHECK(strchr("LOHE", r->raw[n - 1]) != NULL);
        FUZZ_CHECK(r->overload == (r->raw[n - 1] == 'E'));
    } else {
        FUZZ_CHECK(!r->overload);
    }
    if (r->kind == DRV_DEVICE_ERROR)
        FUZZ_CHECK(strcmp(r->raw, "E") == 0);
}

static struct fuzz_run chunked, whole;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct imada_parser p, q;
    imada_parser_init(&p);
    imada_parser_init(&q);
    struct seen s = {.p = &p};
    size_t a = fuzz_feed(&drv_imada, &p, data + 1, size - 1, data[0] | 0x100u, check_reading, &s, &chunked);
    size_t b = fuzz_feed(&drv_imada, &q, data + 1, size - 1, 0, NULL, NULL, &whole);
    fuzz_same_readings(&chunked, a, &whole, b);
    FUZZ_CHECK(q.lines == p.lines && q.unit == p.unit && q.mode == p.mode);
    return 0;
}
