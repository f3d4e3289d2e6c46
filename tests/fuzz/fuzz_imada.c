/*
 * fuzz_imada.c - libFuzzer target for the Imada parser. The first input byte seeds the chunk sizes (a
 * serial line delivers bytes in arbitrary pieces); the rest is the stream. It is parsed twice, in
 * chunks and whole, and the two must agree reading for reading. Invariants: every call makes
 * progress, NEED_MORE only when all bytes were taken, raw is NUL-terminated, samples are finite and
 * in N / kgf / lbf with force_n = value x the unit, only a line "E" is a device error, SKIPPED comes
 * with DRV_BAD only, and the parser counts one line per result.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "drivers/imada.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_KEEP 4096

struct kept {
    enum drv_kind kind;
    double value, force_n;
    enum drv_unit unit;
    bool overload;
    char raw[DRV_RAW_MAX];
};

static struct kept chunked[MAX_KEEP];

static void check_one(const struct imada_parser *p, uint64_t lines_before, enum drv_parse res,
                      const struct drv_reading *r)
{
    assert(memchr(r->raw, '\0', sizeof r->raw) != NULL);
    assert(p->lines == lines_before + 1);
    assert((res == DRV_SKIPPED) == (r->kind == DRV_BAD));
    if (r->kind == DRV_SAMPLE || (r->kind == DRV_REPLY && strcmp(r->raw, "R") != 0)) {
        assert(isfinite(r->value) && isfinite(r->force_n));
        assert(r->unit == DRV_UNIT_N || r->unit == DRV_UNIT_KGF || r->unit == DRV_UNIT_LBF);
        assert(r->force_n == r->value * drv_unit_to_n(r->unit));
        assert(p->mode == (r->kind == DRV_SAMPLE ? 'T' : 'P'));
        size_t n = strlen(r->raw);
        assert(n >= 4);
        assert(strchr("LOHE", r->raw[n - 1]) != NULL);
        assert(r->overload == (r->raw[n - 1] == 'E'));
    } else {
        assert(!r->overload);
    }
    if (r->kind == DRV_DEVICE_ERROR)
        assert(strcmp(r->raw, "E") == 0);
}

static void keep(struct kept *k, const struct drv_reading *r)
{
    k->kind = r->kind;
    k->value = r->value;
    k->force_n = r->force_n;
    k->unit = r->unit;
    k->overload = r->overload;
    memcpy(k->raw, r->raw, sizeof k->raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned chunk_seed = data[0];
    data++;
    size--;
    struct imada_parser p;
    imada_parser_init(&p);
    size_t pos = 0, n_chunked = 0;
    while (pos < size) {
        chunk_seed = chunk_seed * 1103515245u + 12345u;
        size_t chunk = 1 + (chunk_seed >> 16) % 64;
        if (chunk > size - pos)
            chunk = size - pos;
        size_t off = 0;
        while (off < chunk) {
            size_t used = 0;
            struct drv_reading r;
            uint64_t before = p.lines;
            enum drv_parse res = imada_parse(&p, data + pos + off, chunk - off, &used, &r);
            assert(used > 0 && used <= chunk - off);
            off += used;
            if (res == DRV_NEED_MORE) {
                assert(off == chunk);
                assert(p.lines == before);
                continue;
            }
            check_one(&p, before, res, &r);
            if (n_chunked < MAX_KEEP)
                keep(&chunked[n_chunked], &r);
            n_chunked++;
        }
        pos += chunk;
    }

    /* The same bytes in one piece give the same readings. */
    struct imada_parser q;
    imada_parser_init(&q);
    size_t off = 0, n_whole = 0;
    while (off < size) {
        size_t used = 0;
        struct drv_reading r;
        enum drv_parse res = imada_parse(&q, data + off, size - off, &used, &r);
        assert(used > 0);
        off += used;
        if (res == DRV_NEED_MORE)
            continue;
        if (n_whole < MAX_KEEP) {
            const struct kept *k = &chunked[n_whole];
            assert(k->kind == r.kind && k->unit == r.unit && k->overload == r.overload);
            assert(memcmp(&k->value, &r.value, sizeof r.value) == 0);
            assert(memcmp(&k->force_n, &r.force_n, sizeof r.force_n) == 0);
            assert(strcmp(k->raw, r.raw) == 0);
        }
        n_whole++;
    }
    assert(n_whole == n_chunked);
    assert(q.lines == p.lines && q.unit == p.unit && q.mode == p.mode);
    return 0;
}
