/*
 * test_wake.c - common/wake.h: a consumer that sleeps in poll() with no timeout is never left asleep
 * while work waits (no lost wake-up), and a busy consumer costs the producer no eventfd write.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "check.h"
#include "common/clock.h"
#include "common/wake.h"
#include "drivers/ring.h"

#define ITEMS 200000
#define CAP 1024

struct pc {
    struct st_ring ring;
    struct st_sample buf[CAP];
    struct st_wake wake;
    atomic_bool done;
};

/* Pushes ITEMS samples in bursts of 1 to 7, signalling after each burst as an acquisition thread does
 * after each read, and now and then pausing so the consumer goes to sleep between bursts. */
static void *producer(void *arg)
{
    struct pc *p = arg;
    uint64_t rng = 7;
    for (uint32_t i = 0; i < ITEMS;) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t burst = 1 + (uint32_t)(rng >> 61);
        for (uint32_t k = 0; k < burst && i < ITEMS;) {
            struct st_sample s = {.seq = i};
            if (ring_push(&p->ring, &s)) {
                i++;
                k++;
            }
        }
        st_wake_signal(&p->wake);
        if ((rng >> 40) % 64 == 0)
            st_sleep_ns(20000); /* 20 us: the consumer falls asleep */
    }
    atomic_store(&p->done, true);
    st_wake_signal(&p->wake);
    return NULL;
}

/* The consumer sleeps without a timeout (as the station's loop does when no deadline is near): a lost
 * wake-up would leave it asleep for ever, so the test's poll has a generous cap that counts as a
 * failure instead of a hang. */
static void test_no_lost_wakeup(void)
{
    static struct pc p;
    REQUIRE(ring_init(&p.ring, p.buf, CAP));
    struct st_err err;
    CHECK_OK(st_wake_init(&p.wake, &err), &err);
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, producer, &p) == 0);
    uint32_t next = 0;
    int stuck = 0, sleeps = 0, arms = 0;
    struct st_sample out[CAP];
    for (;;) {
        size_t n;
        while ((n = ring_pop(&p.ring, out, CAP)) > 0)
            for (size_t i = 0; i < n; i++)
                CHECK_INT(out[i].seq, next++);
        if (atomic_load(&p.done) && ring_count(&p.ring) == 0)
            break;
        arms++;
        if (st_wake_arm(&p.wake)) {
            sleeps++;
            struct pollfd pf = {.fd = st_wake_fd(&p.wake), .events = POLLIN};
            if (poll(&pf, 1, 5000) == 0)
                stuck++; /* asleep 5 s with work waiting: a lost wake-up */
        }
        st_wake_done(&p.wake);
        if (stuck)
            break;
    }
    pthread_join(th, NULL);
    CHECK_INT(stuck, 0);
    CHECK_INT(next, ITEMS);
    CHECK(sleeps > 0); /* the consumer did sleep between bursts (the case that matters) */
    /* at most one write for each time the consumer armed: a consumer busy with the ring is not written to */
    CHECK(atomic_load(&p.wake.writes) <= (unsigned long)arms);
    st_wake_free(&p.wake);
}

/* No consumer asleep: signals write nothing; an armed consumer is written to once, then not again until
 * it has taken the signal; a signal given between st_wake_done and st_wake_arm makes arm refuse. */
static void test_signal_writes_only_to_a_sleeper(void)
{
    struct st_wake w;
    struct st_err err;
    CHECK_OK(st_wake_init(&w, &err), &err);
    for (int i = 0; i < 100; i++)
        st_wake_signal(&w);
    CHECK_INT(atomic_load(&w.writes), 0);
    CHECK(!st_wake_arm(&w)); /* the signals came since the last done: do the work first */
    st_wake_done(&w);
    CHECK(st_wake_arm(&w));
    st_wake_signal(&w);
    st_wake_signal(&w);
    CHECK_INT(atomic_load(&w.writes), 1);
    struct pollfd pf = {.fd = st_wake_fd(&w), .events = POLLIN};
    CHECK_INT(poll(&pf, 1, 0), 1);
    st_wake_done(&w);
    CHECK_INT(poll(&pf, 1, 0), 0); /* emptied */
    CHECK(st_wake_arm(&w));
    st_wake_done(&w);
    st_wake_free(&w);
    st_wake_free(&w); /* twice is fine */
}

int main(void)
{
    CHECK_RUN(test_signal_writes_only_to_a_sleeper);
    CHECK_RUN(test_no_lost_wakeup);
    return check_done();
}
