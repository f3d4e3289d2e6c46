/*
 * sha256.h - SHA-256 (FIPS 180-4), small and dependency-free.
 *
 * The store keeps every protocol as it was run together with the SHA-256 of its text, so a result
 * always knows its exact conditions and two stations agree on "the same protocol" by hash alone.
 *
 * Usage, incremental:
 *     struct sha256 h; sha256_init(&h); sha256_update(&h, buf, len); ... sha256_final(&h, digest);
 * or in one call: sha256_hex(text, len, hex) gives the 64 lowercase hex digits plus NUL.
 * No allocation; the caller owns every buffer. Not constant-time (it hashes public texts, not secrets).
 */
#ifndef STATION_COMMON_SHA256_H
#define STATION_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE 65 /* 64 hex digits and the NUL */

struct sha256 {
    uint32_t h[8];
    uint64_t len;    /* bytes hashed so far */
    uint8_t buf[64]; /* the partial block */
    size_t used;     /* bytes in buf */
};

void sha256_init(struct sha256 *s);
/* Hashes n more bytes of data (data may be NULL when n is 0). */
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Writes the 32-byte digest; s must be initialised again before reuse. */
void sha256_final(struct sha256 *s, uint8_t digest[SHA256_DIGEST_SIZE]);

/* The digest of data[0..n) as 64 lowercase hex digits plus NUL in hex. Returns hex. */
char *sha256_hex(const void *data, size_t n, char hex[SHA256_HEX_SIZE]);

#endif
