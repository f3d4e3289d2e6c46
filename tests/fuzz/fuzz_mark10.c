/*
 * fuzz_mark10.c - libFuzzer target for the Mark-10 parser. The first input byte picks the unit the
 * parser starts with (none, or one learnt "at probe time"), the next two seed the chunk sizes (a serial
 * line delivers bytes in arbitrary pieces); the rest is the stream. Invariants, checked with abort()
 * so they hold in any build: every call makes progress and never consumes more than it was given,
 * NEED_MORE only when all bytes were taken, readings are finite and within the plausibility limit and
 * equal value * drv_unit_to_n(unit), a skipped line is DRV_BAD and a DRV_GOT never is, raw is
 * NUL-terminated, and the parser's counters add up. Each complete line is also handed to
 * m10_parse_list, which must not read past it.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/mark10.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUST(cond)                                                                                 \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    static const enum drv_unit start_units[] = {DRV_UNIT_UNKNOWN, DRV_UNIT_N,   DRV_UNIT_KN,  DRV_UNIT_MN,
                                                DRV_UNIT_LBF,     DRV_UNIT_KGF, DRV_UNIT_OZF, DRV_UNIT_GF};
    struct m10_parser p;
    m10_parser_init(&p);
    m10_parser_set_unit(&p, start_units[data[0] % 8]);
    unsigned chunk_seed = (unsigned)data[1] << 8 | data[2];
    data += 3;
    size -= 3;
    uint64_t got = 0, skipped = 0, samples = 0, errors = 0;
    size_t pos = 0;
    while (pos < size) {
        chunk_seed = chunk_seed * 1103515245u + 12345u;
        size_t chunk = 1 + (chunk_seed >> 16) % 64;
        if (chunk > size - pos)
            chunk = size - pos;
        size_t off = 0;
        while (off < chunk) {
            size_t used = 0;
            struct drv_reading r;
            enum drv_parse res = m10_parse(&p, data + pos + off, chunk - off, &used, &r);
            MUST(used > 0 && used <= chunk - off);
            off += used;
            if (res == DRV_NEED_MORE) {
                MUST(off == chunk);
                continue;
            }
            MUST(res == DRV_GOT || res == DRV_SKIPPED);
            MUST(memchr(r.raw, '\0', sizeof r.raw) != NULL);
            MUST(!r.overload && !r.has_dev_time);
            if (res == DRV_SKIPPED) {
                MUST(r.kind == DRV_BAD);
                skipped++;
            } else {
                MUST(r.kind == DRV_SAMPLE || r.kind == DRV_REPLY || r.kind == DRV_DEVICE_ERROR);
                got++;
            }
            if (r.kind == DRV_SAMPLE) {
                samples++;
                MUST(isfinite(r.value) && isfinite(r.force_n));
                MUST(fabs(r.force_n) <= M10_MAX_ABS_N);
                MUST(r.unit != DRV_UNIT_UNKNOWN && r.unit == p.unit);
                MUST(r.force_n == r.value * drv_unit_to_n(r.unit));
            }
            if (r.kind == DRV_DEVICE_ERROR) {
                errors++;
                /* the code is in raw, unless blanks before it filled raw's 79 bytes */
                MUST(strchr(r.raw, '*') != NULL || strlen(r.raw) == DRV_RAW_MAX - 1);
            }
            /* The line itself (when it fitted) as a LIST reply: must stay within its bytes. */
            size_t rl = strlen(r.raw);
            char *copy = malloc(rl ? rl : 1); /* exactly rl bytes: ASan catches any read past them */
            MUST(copy != NULL);
            memcpy(copy, r.raw, rl);
            struct m10_settings set;
            if (m10_parse_list(copy, rl, &set))
                MUST(memchr(set.version, '\0', sizeof set.version) != NULL && set.version[0] == 'V');
            free(copy);
        }
        pos += chunk;
    }
    MUST(p.samples == samples && p.errors == errors);
    MUST(p.lines == got + skipped);
    return 0;
}
