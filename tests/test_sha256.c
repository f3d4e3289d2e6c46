/* test_sha256.c - SHA-256 against the FIPS 180-4 / NIST example vectors, fed whole and in pieces. */
#include <stdlib.h>

#include "check.h"
#include "common/sha256.h"

static void test_sha256_vectors(void)
{
    char hex[SHA256_HEX_SIZE];
    CHECK_STR(sha256_hex("", 0, hex), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR(sha256_hex("abc", 3, hex), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_STR(sha256_hex(two, strlen(two), hex),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                       "klmnopqrlmnopqrsmnopqrstnopqrstu";
    CHECK_STR(sha256_hex(four, strlen(four), hex),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_sha256_million_a(void)
{
    /* One million 'a', fed in uneven pieces so every buffering path runs. */
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    struct sha256 s;
    sha256_init(&s);
    size_t left = 1000000;
    for (size_t step = 1; left > 0; step = (step + 7) % sizeof chunk + 1) {
        size_t n = step < left ? step : left;
        sha256_update(&s, chunk, n);
        left -= n;
    }
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_final(&s, d);
    static const uint8_t want[SHA256_DIGEST_SIZE] = {
        0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
        0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0};
    CHECK(memcmp(d, want, sizeof want) == 0);
}

static void test_sha256_split_equals_whole(void)
{
    /* Lengths around the 55/56/64-byte padding edges, split at every point, equal the one-shot hash. */
    char msg[130];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)('A' + i % 26);
    for (size_t len = 50; len <= 130; len++) {
        char whole[SHA256_HEX_SIZE];
        sha256_hex(msg, len, whole);
        for (size_t cut = 0; cut <= len; cut += 13) {
            struct sha256 s;
            uint8_t d[SHA256_DIGEST_SIZE];
            sha256_init(&s);
            sha256_update(&s, msg, cut);
            sha256_update(&s, msg + cut, len - cut);
            sha256_final(&s, d);
            char hex[SHA256_HEX_SIZE];
            for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
                snprintf(hex + 2 * i, 3, "%02x", d[i]);
            CHECK_STR(hex, whole);
        }
    }
    /* 55 and 56 bytes: the one-block and two-block padding cases (known digests). */
    char hex[SHA256_HEX_SIZE];
    char a56[56];
    memset(a56, 'a', sizeof a56);
    CHECK_STR(sha256_hex(a56, 55, hex), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    CHECK_STR(sha256_hex(a56, 56, hex), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}

int main(void)
{
    CHECK_RUN(test_sha256_vectors);
    CHECK_RUN(test_sha256_million_a);
    CHECK_RUN(test_sha256_split_equals_whole);
    return check_done();
}
