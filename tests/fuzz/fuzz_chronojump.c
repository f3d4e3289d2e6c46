/*
 * fuzz_chronojump.c - libFuzzer target for the Chronojump parser. The first input byte picks the
 * chunk sizes (a serial line delivers bytes in arbitrary pieces); the rest is the stream. Invariants:
 * every call makes progress, samples are finite and within the plausibility limit, the device time
 * never goes backwards except at a restart, raw is NUL-terminated.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "drivers/chronojump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned chunk_seed = data[0];
    data++;
    size--;
    struct cj_parser p;
    cj_parser_init(&p);
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
            enum drv_parse res = cj_parse(&p, data + pos + off, chunk - off, &used, &r);
            assert(used > 0 && used <= chunk - off);
            off += used;
            if (res == DRV_NEED_MORE)
                assert(off == chunk);
            if (res != DRV_NEED_MORE) {
                assert(memchr(r.raw, '\0', sizeof r.raw) != NULL);
                if (r.kind == DRV_SAMPLE) {
                    assert(isfinite(r.force_n) && fabs(r.force_n) <= 20000.0);
                    assert(r.has_dev_time);
                }
                if (res == DRV_SKIPPED)
                    assert(r.kind == DRV_BAD);
            }
        }
        pos += chunk;
    }
    return 0;
}
