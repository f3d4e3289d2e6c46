/*
 * test_sha256.c - the SHA-256 the store keys protocols by is libmd's SHA256Data: the FIPS 180-4 example
 * vectors, lowercase hex, 64 digits, and the one- and two-block padding edges (55 and 56 bytes). Hashes
 * already stored in station files were made this way, so a change of library must keep these.
 */
#include <sha2.h>

#include "check.h"

static const char *hex(const char *data, size_t n, char out[SHA256_DIGEST_STRING_LENGTH])
{
    return SHA256Data((const uint8_t *)data, n, out);
}

static void test_sha256_vectors(void)
{
    char h[SHA256_DIGEST_STRING_LENGTH];
    CHECK_STR(hex("", 0, h), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR(hex("abc", 3, h), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_STR(hex(two, strlen(two), h), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char a56[56];
    memset(a56, 'a', sizeof a56);
    CHECK_STR(hex(a56, 55, h), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    CHECK_STR(hex(a56, 56, h), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}

int main(void)
{
    CHECK_RUN(test_sha256_vectors);
    return check_done();
}
