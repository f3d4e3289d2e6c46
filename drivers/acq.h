/*
 * acq.h - one acquisition thread per device: reads the link, parses, timestamps, pushes samples into
 * the device's ring, and survives a pulled cable.
 *
 * The thread never blocks the UI: it owns the link and the parser, and talks to the main loop only
 * through the SPSC ring (samples) and a mutex-protected status (state, counters, a message for the
 * therapist), and wakes it through cfg.wake (common/wake.h) on every status change. After each read
 * that pushed samples it calls cfg.on_read when there is one (the session feeds the engine from this
 * thread, station/session.c), else it wakes cfg.wake (so a sample reaches the loop within a read, not
 * a frame). The main loop then reads acq_get_status and tells the engine when the device is lost or
 * back (status.seq changes on every state change).
 *
 * Reads: a device that sends a line more often than every 1.2 ms (1 kHz and up) is read every 1.5 ms
 * (the lines that came meanwhile in one read, one hand-over to on_read or the loop for all of them);
 * a slower one is read as each line comes. That bounds what batching adds to a sample's latency by 1.5 ms.
 *
 * Timestamps (the station's one monotonic clock, common/clock.h):
 *   - families with a device clock (chronojump): t = device time + offset, the offset being the
 *     smallest (arrival - device time) seen since the last (re)connect, so samples are spaced exactly
 *     by the device and anchored at the least-delayed arrival; a step in device time over 1.5 nominal
 *     periods marks ST_SAMPLE_GAP and counts a gap;
 *   - others: the host arrival time; several samples parsed from one read are back-dated by the
 *     measured interval (they arrived back to back), never before the previous sample.
 * The measured rate and its jitter (SD of the intervals) are in the status.
 *
 * Faults: a read that reports the device gone, or no sample for stall_ms, ends streaming within that
 * time: state ACQ_LOST with a message in plain words ("The dynamometer on /dev/ttyUSB0 was
 * disconnected: check the cable. The station reconnects by itself."). Every sample received before is
 * already in the ring. The thread then tries to reopen the same port every reconnect_ms; a device with
 * a different serial number is refused. When it is back: ACQ_STREAMING again, and the first sample
 * carries ST_SAMPLE_RECONNECTED.
 */
#ifndef STATION_DRIVERS_ACQ_H
#define STATION_DRIVERS_ACQ_H

#include <stdbool.h>
#include <stdint.h>

#include "common/status.h"
#include "common/wake.h"
#include "drivers/driver.h"
#include "drivers/identity.h"
#include "drivers/ring.h"

struct acq_cfg {
    const char *port;            /* copied */
    const struct drv_driver *drv; /* NULL: probe every family */
    int baud;                    /* 0: the family's default (probing tries its usual rates) */
    uint16_t channel;
    double polarity;             /* multiplies every force: +1 (0 means +1) or -1 (tension gauges) */
    int stall_ms;                /* no sample for this long means lost; 0: max(1000, 5 periods) */
    int reconnect_ms;            /* 0: 500 */
    int probe_timeout_ms;        /* 0: 1500 (an Arduino-class board gets its 3.5 s boot anyway) */
    int rate_hz;                 /* ask the device for this rate where it can choose (0: its default) */
    bool zero_on_start;          /* send the family's zero command before streaming */
    struct st_wake *wake;        /* signalled on every status change (state, zero failure), and once
                                  * per read that pushed samples into the ring when on_read is NULL;
                                  * NULL: none. It must outlive the acq. */
    /* Called on the acquisition thread after each read that pushed samples into the ring (instead of
     * signalling wake for it), with none of the acq's locks held: the ring's consumer may drain it
     * right there, and may call acq_get_status, acq_news and acq_request_zero (which only asks: the
     * zero runs after on_read returns), never acq_stop. The device is not read while it runs (the
     * kernel buffers what comes meanwhile), so it must not wait for long. NULL: none. */
    void (*on_read)(void *ctx);
    void *on_read_ctx;
};

enum acq_state { ACQ_CONNECTING, ACQ_STREAMING, ACQ_LOST, ACQ_STOPPED };

/* "connecting", "streaming", "lost", "stopped". */
const char *acq_state_name(enum acq_state s);

struct acq_status {
    enum acq_state state;
    uint64_t seq;            /* increments on every state change */
    char message[384];       /* plain words for the therapist about the current state ("" when fine) */
    char port[256];
    struct drv_ident ident;
    struct drv_identity identity; /* who the device is (identity.h), from its first connection: a device
                                   * that answers after a reconnect with another identity is refused */
    uint64_t samples;        /* pushed into the ring (since acq_start) */
    uint64_t bad_lines;      /* unparseable lines (garbage, wrong baud) */
    uint64_t device_errors;  /* the device refused a command */
    uint64_t zero_failures;  /* the family's zero command failed (acq_request_zero); the last reason in
                              * zero_message: the device keeps its old zero, the software tare remains */
    char zero_message[256];
    uint64_t gaps;           /* device clock gaps */
    uint64_t reconnects;
    uint64_t ring_drops;     /* samples lost because the main loop did not drain the ring */
    double rate_hz;          /* measured since the last (re)connect; NAN before 2 samples */
    double jitter_ms;        /* SD of the sample intervals; NAN before 3 samples */
    double last_force_n;
};

struct acq;

/*
 * Opens cfg->port, identifies the device (cfg->drv, or every family when NULL), and starts the thread
 * that streams into ring (the thread is ring's only producer; the caller's main loop its only
 * consumer; ring must outlive the acq). Fails without leaving anything open: ST_ERR_PORT_NOT_FOUND,
 * ST_ERR_PORT_BUSY, ST_ERR_NO_DEVICE, ST_ERR_TIMEOUT ... with a message naming the port.
 */
enum st_status acq_start(const struct acq_cfg *cfg, struct st_ring *ring, struct acq **out, struct st_err *err);

/* Stops the stream (asks the device to stop when it is there), joins the thread, frees a. */
void acq_stop(struct acq *a);

/* A consistent copy of the status. */
void acq_get_status(struct acq *a, struct acq_status *out);

/* A number that changes whenever the status's state (seq) or zero_failures changes, and not with the
 * samples: a loop woken for every read compares it and copies the status only when there is news. */
uint64_t acq_news(struct acq *a);

/* Asks the thread to send the family's zero command (stream paused around it). Returns
 * ST_ERR_UNSUPPORTED when the family has none (then the engine's software tare is the zero). The
 * command itself runs later, on the thread: when the device refuses it or does not answer,
 * zero_failures counts it and zero_message says why (the caller polls acq_get_status). */
enum st_status acq_request_zero(struct acq *a, struct st_err *err);

#endif
