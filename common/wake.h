/*
 * wake.h - how a thread that produces work wakes the one thread that sleeps waiting for it, without a
 * system call per item: the acquisition threads (drivers/acq.c: a device's news, and a read's samples
 * the session could not feed from that thread or that need the loop), and the station's main loop
 * (station/session.c), which sleeps in poll() on this descriptor, the keyboard and its next deadline
 * instead of waking every frame.
 *
 * An eventfd plus two flags. The waiter arms before it sleeps; a producer writes the eventfd only when
 * the waiter is armed, so while the loop is busy (or at high sample rates, where it finds samples
 * every turn) signalling costs a store and a fence, and an idle waiter costs nothing at all. The
 * pending flag closes the gap between "the waiter looked" and "the waiter sleeps": a signal given
 * there is seen by st_wake_arm, which then says not to sleep.
 *
 *     consumer (one thread)                       producers (any number of threads)
 *     for (;;) {                                  push the work (ring_push, a status under its mutex)
 *         do every piece of work there is;        st_wake_signal(&w);
 *         if (st_wake_arm(&w))
 *             poll({st_wake_fd(&w), ...}, timeout);
 *         st_wake_done(&w);
 *     }
 */
#ifndef STATION_COMMON_WAKE_H
#define STATION_COMMON_WAKE_H

#include <stdatomic.h>
#include <stdbool.h>

#include "common/status.h"

struct st_wake {
    int fd;              /* eventfd, non-blocking, close-on-exec; -1 before st_wake_init */
    atomic_int armed;    /* the waiter is sleeping or about to */
    atomic_int pending;  /* a signal came since the waiter last took them */
    atomic_ulong writes; /* eventfd writes made (the signals that had to wake the waiter) */
};

/* Makes w's eventfd. ST_ERR_IO with the reason when the system refuses one. */
enum st_status st_wake_init(struct st_wake *w, struct st_err *err);

/* Closes w's descriptor (an uninitialised or already freed w is fine). No producer may signal after. */
void st_wake_free(struct st_wake *w);

/* Producer side, any thread (and async-signal-safe: a signal handler may call it): there is work.
 * Writes the eventfd only when the waiter is armed. */
void st_wake_signal(struct st_wake *w);

/* Waiter side: call after doing all the work there was, right before sleeping. Returns true when the
 * waiter may sleep (poll on st_wake_fd among its descriptors); false when a signal came since the last
 * st_wake_done (do the work again first). Call st_wake_done after either. */
bool st_wake_arm(struct st_wake *w);

/* The descriptor to poll for POLLIN. */
int st_wake_fd(const struct st_wake *w);

/* Waiter side, after waking (or after st_wake_arm said no): disarms, empties the eventfd and takes the
 * pending signals - everything pushed before this call is now to be handled. */
void st_wake_done(struct st_wake *w);

#endif
