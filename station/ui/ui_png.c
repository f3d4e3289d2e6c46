/*
 * ui_png.c - screenshots as PNG files (SDL2 writes only BMP): `--screenshot FILE.png` for tests and the
 * README, and ui_screenshot() on a path ending in .png.
 *
 * The smallest correct PNG: signature, IHDR (8-bit RGB, no interlace), one IDAT holding the zlib
 * stream of the rows (each row led by filter byte 0 "None", or 2 "Up" when it is the same as the row
 * above, which compresses the flat panels of a screen to almost nothing), IEND; every chunk with its
 * CRC-32. zlib's compress2 and crc32 do the deflating and the checksums.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "station/ui/ui.h"

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* One chunk: length, type, data, CRC over type and data. */
static bool chunk(FILE *f, const char *type, const unsigned char *data, size_t n)
{
    unsigned char head[8];
    be32(head, (uint32_t)n);
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, head + 4, 4);
    if (n)
        crc = crc32(crc, data, (uInt)n);
    unsigned char tail[4];
    be32(tail, (uint32_t)crc);
    return fwrite(head, 1, 8, f) == 8 && (n == 0 || fwrite(data, 1, n, f) == n) && fwrite(tail, 1, 4, f) == 4;
}

enum st_status ui_png_write(const char *path, const uint32_t *px, int w, int h, struct st_err *err)
{
    if (!path || !px || w <= 0 || h <= 0 || w > 32768 || h > 32768)
        return st_err_set(err, ST_ERR_ARG, "No picture to save as PNG (%d x %d pixels)", w, h);
    size_t row = 1 + (size_t)w * 3;
    size_t raw_n = row * (size_t)h;
    unsigned char *raw = malloc(raw_n);
    uLongf z_n = compressBound((uLong)raw_n);
    unsigned char *z = malloc(z_n);
    if (!raw || !z) {
        free(raw);
        free(z);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    for (int y = 0; y < h; y++) {
        const uint32_t *src = px + (size_t)y * (size_t)w;
        unsigned char *dst = raw + (size_t)y * row;
        bool same = y > 0 && memcmp(src, src - w, (size_t)w * sizeof *src) == 0;
        dst[0] = same ? 2 : 0; /* "Up" on a repeated row: all zeros after it */
        for (int x = 0; x < w; x++) {
            uint32_t c = src[x];
            unsigned char *p = dst + 1 + (size_t)x * 3;
            if (same) {
                p[0] = p[1] = p[2] = 0;
            } else {
                p[0] = (unsigned char)(c >> 16);
                p[1] = (unsigned char)(c >> 8);
                p[2] = (unsigned char)c;
            }
        }
    }
    int zrc = compress2(z, &z_n, raw, (uLong)raw_n, 6);
    free(raw);
    if (zrc != Z_OK) {
        free(z);
        return st_err_set(err, ST_ERR_NOMEM, "The screenshot could not be compressed (zlib error %d)", zrc);
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        int e = errno;
        free(z);
        return st_err_set(err, ST_ERR_IO, "The screenshot could not be written to %s: %s", path, strerror(e));
    }
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char ihdr[13];
    be32(ihdr, (uint32_t)w);
    be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;  /* bits per channel */
    ihdr[9] = 2;  /* colour type: RGB */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering (per-row filter bytes) */
    ihdr[12] = 0; /* no interlace */
    bool ok = fwrite(sig, 1, 8, f) == 8 && chunk(f, "IHDR", ihdr, sizeof ihdr) && chunk(f, "IDAT", z, z_n) &&
              chunk(f, "IEND", NULL, 0);
    free(z);
    int e = errno;
    if (fclose(f) != 0 && ok) {
        e = errno;
        ok = false;
    }
    if (!ok) {
        remove(path);
        return st_err_set(err, ST_ERR_IO, "The screenshot could not be written to %s: %s", path, strerror(e));
    }
    return ST_OK;
}
