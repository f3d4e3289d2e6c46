/*
 * wake.c - see wake.h.
 *
 * The ordering that makes it safe is the store-buffering pattern: the producer publishes its work,
 * sets pending, then reads armed; the waiter sets armed, then reads pending. With a full fence
 * between each side's write and read, at least one of them sees the other's write: either the waiter
 * sees pending and does not sleep, or the producer sees armed and writes the eventfd.
 */
#include "common/wake.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

enum st_status st_wake_init(struct st_wake *w, struct st_err *err)
{
    atomic_init(&w->armed, 0);
    atomic_init(&w->pending, 0);
    atomic_init(&w->writes, 0);
    w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->fd < 0)
        return st_err_set(err, ST_ERR_IO, "The station cannot make its wake-up descriptor: %s", strerror(errno));
    return ST_OK;
}

void st_wake_free(struct st_wake *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}

void st_wake_signal(struct st_wake *w)
{
    atomic_store(&w->pending, 1);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&w->armed, memory_order_relaxed) && atomic_exchange(&w->armed, 0)) {
        uint64_t one = 1;
        ssize_t r = write(w->fd, &one, sizeof one); /* EAGAIN: the counter is full, the waiter wakes anyway */
        (void)r;
        atomic_fetch_add_explicit(&w->writes, 1, memory_order_relaxed);
    }
}

bool st_wake_arm(struct st_wake *w)
{
    atomic_store(&w->armed, 1);
    atomic_thread_fence(memory_order_seq_cst);
    return !atomic_load_explicit(&w->pending, memory_order_relaxed);
}

int st_wake_fd(const struct st_wake *w)
{
    return w->fd;
}

void st_wake_done(struct st_wake *w)
{
    atomic_store(&w->armed, 0);
    uint64_t n;
    while (read(w->fd, &n, sizeof n) > 0) /* non-blocking: empties the counter */
        ;
    /* taken before the caller looks for work, and fenced so that look cannot pass it: a signal after
     * this point sets pending again and the next st_wake_arm refuses to sleep */
    atomic_exchange(&w->pending, 0);
    atomic_thread_fence(memory_order_seq_cst);
}
