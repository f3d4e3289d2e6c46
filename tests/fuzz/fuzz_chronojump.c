/*
 * fuzz_chronojump.c - libFuzzer target for the Chronojump parser. The first input byte picks the
 * chunk sizes (a serial line delivers bytes in arbitrary pieces); the rest is the stream. Invariants:
 * the parser contract (fuzz_parse.h), samples finite and within the plausibility limit with the
 * device's time, and the same readings when the bytes come in one piece.
 */
#include <math.h>
#include <stdint.h>

#include "drivers/chronojump.h"
#include "fuzz_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reading(void *ctx, enum drv_parse res, const struct drv_reading *r)
{
    (void)ctx;
    (void)res;
    if (r->kind == DRV_SAMPLE) {
        FUZZ_CHECK(isfinite(r->force_n) && fabs(r->force_n) <= 20000.0);
        FUZZ_CHECK(r->has_dev_time);
    }
}

static struct fuzz_run chunked, whole;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned seed = data[0] | 0x100u;
    struct cj_parser p, q;
    cj_parser_init(&p);
    cj_parser_init(&q);
    size_t a = fuzz_feed(&drv_chronojump, &p, data + 1, size - 1, seed, check_reading, NULL, &chunked);
    size_t b = fuzz_feed(&drv_chronojump, &q, data + 1, size - 1, 0, NULL, NULL, &whole);
    fuzz_same_readings(&chunked, a, &whole, b);
    return 0;
}
