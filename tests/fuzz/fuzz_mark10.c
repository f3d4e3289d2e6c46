/*
 * fuzz_mark10.c - libFuzzer target for the Mark-10 parser. The first input byte picks the unit the
 * parser starts with (none, or one learnt "at probe time"), the next two seed the chunk sizes (a serial
 * line delivers bytes in arbitrary pieces); the rest is the stream. Invariants: the parser contract
 * (fuzz_parse.h), readings finite and within the plausibility limit and equal to value *
 * drv_unit_to_n(unit), a DRV_GOT never DRV_BAD, the parser's counters add up, and the same readings
 * when the bytes come in one piece. Each complete line is also handed to m10_parse_list, which must
 * not read past it.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/mark10.h"
#include "fuzz_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct counts {
    const struct m10_parser *p;
    uint64_t got, skipped, samples, errors;
};

static void check_reading(void *ctx, enum drv_parse res, const struct drv_reading *r)
{
    struct counts *c = ctx;
    FUZZ_CHECK(!r->overload && !r->has_dev_time);
    if (res == DRV_SKIPPED) {
        c->skipped++;
    } else {
        FUZZ_CHECK(r->kind == DRV_SAMPLE || r->kind == DRV_REPLY || r->kind == DRV_DEVICE_ERROR);
        c->got++;
    }
    if (r->kind == DRV_SAMPLE) {
        c->samples++;
        FUZZ_CHECK(isfinite(r->value) && isfinite(r->force_n));
        FUZZ_CHECK(fabs(r->force_n) <= M10_MAX_ABS_N);
        FUZZ_CHECK(r->unit != DRV_UNIT_UNKNOWN && r->unit == c->p->unit);
        FUZZ_CHECK(r->force_n == r->value * drv_unit_to_n(r->unit));
    }
    if (r->kind == DRV_DEVICE_ERROR) {
        c->errors++;
        /* the code is in raw, unless blanks before it filled raw's 79 bytes */
        FUZZ_CHECK(strchr(r->raw, '*') != NULL || strlen(r->raw) == DRV_RAW_MAX - 1);
    }
    /* The line itself (when it fitted) as a LIST reply: must stay within its bytes. */
    size_t rl = strlen(r->raw);
    char *copy = malloc(rl ? rl : 1); /* exactly rl bytes: ASan catches any read past them */
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, r->raw, rl);
    struct m10_settings set;
    if (m10_parse_list(copy, rl, &set))
        FUZZ_CHECK(memchr(set.version, '\0', sizeof set.version) != NULL && set.version[0] == 'V');
    free(copy);
}

static struct fuzz_run chunked, whole;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    static const enum drv_unit start_units[] = {DRV_UNIT_UNKNOWN, DRV_UNIT_N,   DRV_UNIT_KN,  DRV_UNIT_MN,
                                                DRV_UNIT_LBF,     DRV_UNIT_KGF, DRV_UNIT_OZF, DRV_UNIT_GF};
    struct m10_parser p, q;
    m10_parser_init(&p);
    m10_parser_init(&q);
    m10_parser_set_unit(&p, start_units[data[0] % 8]);
    m10_parser_set_unit(&q, start_units[data[0] % 8]);
    unsigned seed = (unsigned)data[1] << 8 | data[2] | 0x10000u;
    struct counts c = {.p = &p};
    size_t a = fuzz_feed(&drv_mark10, &p, data + 3, size - 3, seed, check_reading, &c, &chunked);
    FUZZ_CHECK(p.samples == c.samples && p.errors == c.errors);
    FUZZ_CHECK(p.lines == c.got + c.skipped);
    size_t b = fuzz_feed(&drv_mark10, &q, data + 3, size - 3, 0, NULL, NULL, &whole);
    fuzz_same_readings(&chunked, a, &whole, b);
    return 0;
}
