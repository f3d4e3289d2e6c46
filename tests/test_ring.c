/*
 * test_ring.c - the acquisition ring: one producer thread and one consumer thread move millions of
 * samples with no loss and no reorder; overflow is counted, never silent.
 */
#include <pthread.h>
#include <stdlib.h>

#include "check.h"
#include "drivers/ring.h"

static void test_init_rejects_bad_capacity(void)
{
    struct st_sample buf[8];
    struct st_ring r;
    CHECK(!ring_init(&r, buf, 0));
    CHECK(!ring_init(&r, buf, 1));
    CHECK(!ring_init(&r, buf, 6));
    CHECK(ring_init(&r, buf, 8));
}

static void test_overflow_is_counted(void)
{
    struct st_sample buf[4], out[8];
    struct st_ring r;
    REQUIRE(ring_init(&r, buf, 4));
    for (uint32_t i = 0; i < 10; i++) {
        struct st_sample s = {.t_ns = i, .force_n = i, .seq = i};
        CHECK(ring_push(&r, &s) == (i < 4));
    }
    CHECK_INT(ring_count(&r), 4);
    CHECK_INT(ring_drops(&r), 6);
    size_t n = ring_pop(&r, out, 8);
    CHECK_INT(n, 4);
    for (uint32_t i = 0; i < n; i++)
        CHECK_INT(out[i].seq, i); /* the oldest are kept, the newest refused */
    CHECK_INT(ring_count(&r), 0);
    struct st_sample s = {.seq = 99};
    CHECK(ring_push(&r, &s)); /* room again after the pop */
    CHECK_INT(ring_drops(&r), 6);
}

/* Five million in a plain build; a sanitizer (TSan in make test-tsan) runs them 10-20 times slower and
 * needs far fewer to see a race: half a million. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define N_SAMPLES 500000u
#endif
#endif
#ifndef N_SAMPLES
#define N_SAMPLES 5000000u
#endif

struct producer_arg {
    struct st_ring *r;
    uint64_t refused;
};

static void *producer(void *p)
{
    struct producer_arg *a = p;
    for (uint32_t i = 0; i < N_SAMPLES; i++) {
        struct st_sample s = {.t_ns = (int64_t)i * 1000, .force_n = (double)i * 0.5, .seq = i};
        /* Lossless here: retry a refused push (each refusal is still counted as a drop). */
        while (!ring_push(a->r, &s))
            a->refused++;
    }
    return NULL;
}

static void test_threads_no_loss_no_reorder(void)
{
    size_t cap = 1024;
    struct st_sample *buf = calloc(cap, sizeof *buf);
    REQUIRE(buf);
    struct st_ring r;
    REQUIRE(ring_init(&r, buf, cap));
    struct producer_arg a = {.r = &r};
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, producer, &a) == 0);
    uint32_t expect = 0;
    int bad = 0;
    struct st_sample out[256];
    while (expect < N_SAMPLES) {
        size_t n = ring_pop(&r, out, 256);
        for (size_t i = 0; i < n; i++, expect++)
            if (out[i].seq != expect || out[i].t_ns != (int64_t)expect * 1000 ||
                out[i].force_n != (double)expect * 0.5)
                bad++;
    }
    pthread_join(th, NULL);
    CHECK_INT(bad, 0);
    CHECK_INT(expect, N_SAMPLES);
    CHECK_INT(ring_drops(&r), a.refused); /* every refusal was counted */
    CHECK_INT(ring_count(&r), 0);
    free(buf);
}

int main(void)
{
    CHECK_RUN(test_init_rejects_bad_capacity);
    CHECK_RUN(test_overflow_is_counted);
    CHECK_RUN(test_threads_no_loss_no_reorder);
    return check_done();
}
