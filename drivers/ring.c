/*
 * ring.c - SPSC ring; see ring.h.
 *
 * The producer reads tail with acquire (so it sees slots the consumer has finished with), writes the
 * slot, then publishes head with release. The consumer mirrors it. Each side reads its own index
 * relaxed: only it writes that index.
 */
#include "drivers/ring.h"

bool ring_init(struct st_ring *r, struct st_sample *buf, size_t capacity)
{
    if (!r || !buf || capacity < 2 || (capacity & (capacity - 1)) != 0)
        return false;
    r->buf = buf;
    r->capacity = capacity;
    r->mask = capacity - 1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->drops, 0);
    return true;
}

bool ring_push(struct st_ring *r, const struct st_sample *s)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head - tail >= r->capacity) {
        atomic_fetch_add_explicit(&r->drops, 1, memory_order_relaxed);
        return false;
    }
    r->buf[head & r->mask] = *s;
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

size_t ring_pop(struct st_ring *r, struct st_sample *out, size_t max)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    uint64_t avail = head - tail;
    size_t n = avail < max ? (size_t)avail : max;
    for (size_t i = 0; i < n; i++)
        out[i] = r->buf[(tail + i) & r->mask];
    atomic_store_explicit(&r->tail, tail + n, memory_order_release);
    return n;
}

size_t ring_count(const struct st_ring *r)
{
    uint64_t head = atomic_load_explicit(&((struct st_ring *)r)->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&((struct st_ring *)r)->tail, memory_order_acquire);
    return (size_t)(head - tail);
}

uint64_t ring_drops(const struct st_ring *r)
{
    return atomic_load_explicit(&((struct st_ring *)r)->drops, memory_order_relaxed);
}
