/*
 * acq.c - acquisition threads; see acq.h.
 */
#include "drivers/acq.h"

#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"

/* A device that sends a line more often than every ACQ_GATHER_BELOW_NS is read every ACQ_GATHER_NS
 * (see stream): what batching may add to a sample's way to the engine. */
#define ACQ_GATHER_NS (3 * ST_NS_PER_MS / 2)
#define ACQ_GATHER_BELOW_NS (6 * ST_NS_PER_MS / 5)
/* A device time this far after its sample's arrival is a garbled stamp, not the clock (see emit). */
#define ACQ_FUTURE_NS (250 * ST_NS_PER_MS)

struct acq {
    struct acq_cfg cfg;
    char port[256];
    struct st_ring *ring;
    struct drv_dev *dev;
    const struct drv_driver *drv;
    struct drv_identity identity; /* the first device's; a reconnect must find the same */
    pthread_t thread;
    atomic_bool stop;
    atomic_bool zero_req;
    pthread_mutex_t mu;
    struct acq_status st; /* under mu */
    atomic_uint_fast64_t news; /* acq_news: bumped with every state change and zero failure */

    /* thread-private timestamping state, reset on every (re)connect */
    uint32_t seq;
    bool have_prev;
    int64_t prev_t_ns;
    bool have_offset;
    int64_t offset_ns;      /* device clock -> station clock */
    int64_t target_offset_ns;
    uint64_t prev_dev_us;
    int64_t prev_dev_arrival_ns; /* when the sample of prev_dev_us arrived */
    bool mark_reconnected;
    bool mark_zeroed;
    /* rate and jitter (Welford over intervals, on the device clock where there is one) */
    uint64_t n_int;
    double int_mean, int_m2;
    int64_t first_clock_ns, prev_clock_ns; /* device time, or station time for host-stamped samples */
    uint64_t n_since_connect;
    /* what the next publish copies into st (counted here without the mutex, once per read there) */
    uint64_t samples, gaps;
    double last_force_n;
};

const char *acq_state_name(enum acq_state s)
{
    switch (s) {
    case ACQ_CONNECTING: return "connecting";
    case ACQ_STREAMING: return "streaming";
    case ACQ_LOST: return "lost";
    case ACQ_STOPPED: return "stopped";
    }
    return "?";
}

static void set_state(struct acq *a, enum acq_state s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Who the device on port is (identity.h): its protocol serial, else its port's USB serial or by-id
 * name, else the port itself. */
static void identify(const char *port, const struct drv_ident *id, struct drv_identity *out)
{
    char usb[128], by_id[256];
    drv_identity_of_port(port, usb, sizeof usb, by_id, sizeof by_id);
    drv_identity_resolve(id->serial, usb, by_id, port, out);
}

static void set_state(struct acq *a, enum acq_state s, const char *fmt, ...)
{
    pthread_mutex_lock(&a->mu);
    a->st.state = s;
    a->st.seq++;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(a->st.message, sizeof a->st.message, fmt, ap);
        va_end(ap);
    } else {
        a->st.message[0] = '\0';
    }
    atomic_fetch_add(&a->news, 1);
    pthread_mutex_unlock(&a->mu);
    if (a->cfg.wake)
        st_wake_signal(a->cfg.wake);
}

/* The samples of one read into the status, under the mutex once; then their consumer is told
 * (cfg.on_read, else the main loop woken for them). */
static void publish(struct acq *a)
{
    pthread_mutex_lock(&a->mu);
    a->st.samples = a->samples;
    a->st.gaps = a->gaps;
    a->st.last_force_n = a->last_force_n;
    a->st.ring_drops = ring_drops(a->ring);
    if (a->n_since_connect >= 2 && a->prev_clock_ns > a->first_clock_ns)
        a->st.rate_hz =
            (double)(a->n_since_connect - 1) / ((double)(a->prev_clock_ns - a->first_clock_ns) / 1e9);
    if (a->n_int >= 2)
        a->st.jitter_ms = sqrt(a->int_m2 / (double)(a->n_int - 1)) * 1000.0;
    pthread_mutex_unlock(&a->mu);
    if (a->cfg.on_read)
        a->cfg.on_read(a->cfg.on_read_ctx);
    else if (a->cfg.wake)
        st_wake_signal(a->cfg.wake);
}

static void reset_timing(struct acq *a)
{
    a->have_offset = false;
    a->n_int = 0;
    a->int_mean = a->int_m2 = 0;
    a->n_since_connect = 0;
}

static double nominal_period_s(const struct acq *a)
{
    double hz = a->cfg.rate_hz > 0 ? a->cfg.rate_hz : a->drv->nominal_rate_hz;
    return hz > 0 ? 1.0 / hz : 0.1;
}

/* Stamps and pushes one sample. arrival_ns: when its bytes were read; backdate: samples still to come
 * from the same read after this one. */
static void emit(struct acq *a, const struct drv_reading *r, int64_t arrival_ns, size_t backdate)
{
    struct st_sample s = {.channel = a->cfg.channel, .seq = a->seq++};
    double pol = a->cfg.polarity != 0 ? a->cfg.polarity : 1.0;
    s.force_n = r->force_n * pol;
    double period_ns = nominal_period_s(a) * 1e9;
    if (r->has_dev_time) {
        int64_t dev_ns = (int64_t)(r->dev_time_us * 1000ULL);
        if (a->have_offset && r->dev_time_us < a->prev_dev_us)
            a->have_offset = false; /* the device clock started over: re-anchor */
        /* A sample cannot arrive before it was made: a device time that puts it well after its own
         * arrival is not the clock but a line garbled on the way (a lost byte joins the digits of two
         * stamps). Anchoring on it put this sample, and by "never backwards" every later one, minutes
         * into the future, a microsecond apart: a hands-free session then waited for ever for time to
         * pass (bench/soak). Re-anchor here; the next true stamp is earlier and re-anchors again.
         * Only when the device time leapt further than the time between the two arrivals: a stamp
         * "from the future" after a true step means the anchor itself arrived late (a thread starved
         * for a quarter of a second on a loaded machine), and the slew below corrects that without
         * a jump back in time. */
        int64_t dev_step = (int64_t)(r->dev_time_us - a->prev_dev_us) * 1000;
        if (a->have_offset && dev_ns + a->offset_ns > arrival_ns + ACQ_FUTURE_NS &&
            dev_step > arrival_ns - a->prev_dev_arrival_ns + ACQ_FUTURE_NS)
            a->have_offset = false;
        if (a->have_offset && (double)(r->dev_time_us - a->prev_dev_us) * 1000.0 > 1.5 * period_ns) {
            s.flags |= ST_SAMPLE_GAP;
            a->gaps++;
        }
        /* Anchor: the least-delayed arrival defines the offset. A better anchor found later is
         * slewed in (at most 5 % of a period per sample) so the spacing stays the device's. */
        int64_t off = arrival_ns - dev_ns;
        if (!a->have_offset) {
            a->offset_ns = off;
            a->target_offset_ns = off;
        } else if (off < a->target_offset_ns) {
            a->target_offset_ns = off;
        }
        if (a->offset_ns > a->target_offset_ns) {
            int64_t step = (int64_t)(0.05 * period_ns);
            a->offset_ns = a->offset_ns - step > a->target_offset_ns ? a->offset_ns - step : a->target_offset_ns;
        }
        a->have_offset = true;
        a->prev_dev_us = r->dev_time_us;
        a->prev_dev_arrival_ns = arrival_ns;
        s.t_ns = dev_ns + a->offset_ns;
        s.flags |= ST_SAMPLE_DEVICE_TIME;
    } else {
        double step = a->n_int > 3 ? a->int_mean * 1e9 : period_ns;
        s.t_ns = arrival_ns - (int64_t)((double)backdate * step);
    }
    if (a->have_prev && s.t_ns <= a->prev_t_ns)
        s.t_ns = a->prev_t_ns + 1000; /* never two samples at one time, never backwards */
    if (r->overload || (isfinite(a->dev->ident.capacity_n) && a->dev->ident.capacity_n > 0 &&
                        fabs(r->force_n) >= a->dev->ident.capacity_n))
        s.flags |= ST_SAMPLE_SATURATED;
    if (a->mark_reconnected) {
        s.flags |= ST_SAMPLE_RECONNECTED;
        a->mark_reconnected = false;
    }
    if (a->mark_zeroed) {
        s.flags |= ST_SAMPLE_ZEROED;
        a->mark_zeroed = false;
    }
    int64_t clock_ns = r->has_dev_time ? (int64_t)(r->dev_time_us * 1000ULL) : s.t_ns;
    if (a->n_since_connect > 0) {
        double dt = (double)(clock_ns - a->prev_clock_ns) / 1e9;
        a->n_int++;
        double d1 = dt - a->int_mean;
        a->int_mean += d1 / (double)a->n_int;
        a->int_m2 += d1 * (dt - a->int_mean);
    } else {
        a->first_clock_ns = clock_ns;
    }
    a->prev_clock_ns = clock_ns;
    a->n_since_connect++;
    a->have_prev = true;
    a->prev_t_ns = s.t_ns;
    ring_push(a->ring, &s);
    a->samples++;
    a->last_force_n = s.force_n;
}

static int stall_ms(const struct acq *a)
{
    if (a->cfg.stall_ms > 0)
        return a->cfg.stall_ms;
    int five = (int)(5000.0 * nominal_period_s(a));
    return five > 1000 ? five : 1000;
}

/* Streams until the device is lost or we are told to stop. Returns true when lost. */
static bool stream(struct acq *a)
{
    struct st_err err;
    st_err_clear(&err);
    struct drv_dev *d = a->dev;
    reset_timing(a);
    if (a->cfg.zero_on_start && d->drv->zero)
        d->drv->zero(d, &err);
    enum st_status s = d->drv->start(d, &err);
    if (s != ST_OK) {
        set_state(a, ACQ_LOST, "%s. The station keeps trying.", st_err_msg(&err));
        return true;
    }
    set_state(a, ACQ_STREAMING, NULL);
    int64_t last_sample = st_now_ns();
    uint64_t bytes_since_sample = 0;
    uint8_t buf[4096];
    struct drv_reading rd[512];
    while (!atomic_load(&a->stop)) {
        if (atomic_exchange(&a->zero_req, false) && d->drv->zero) {
            d->drv->stop(d, NULL);
            if (d->drv->zero(d, &err) != ST_OK) {
                /* said to the caller, not only logged: a gauge that kept its old zero changes what
                 * the numbers mean until the software tare has taken it out */
                pthread_mutex_lock(&a->mu);
                a->st.zero_failures++;
                snprintf(a->st.zero_message, sizeof a->st.zero_message, "%s", st_err_msg(&err));
                atomic_fetch_add(&a->news, 1);
                pthread_mutex_unlock(&a->mu);
                if (a->cfg.wake)
                    st_wake_signal(a->cfg.wake);
            } else
                a->mark_zeroed = true;
            if (d->drv->start(d, &err) != ST_OK) {
                set_state(a, ACQ_LOST, "%s. The station keeps trying.", st_err_msg(&err));
                return true;
            }
            reset_timing(a); /* a restarted stream: a device clock starts over, arrival gap is not jitter */
        }
        if (d->polling && d->drv->request && d->drv->request(d, &err) == ST_ERR_DISCONNECTED) {
            set_state(a, ACQ_LOST,
                      "The dynamometer on %s was disconnected: check the cable. The station reconnects by "
                      "itself when it is back.",
                      a->port);
            return true;
        }
        size_t got = 0;
        s = link_read(d->link, buf, sizeof buf, 50, &got, &err);
        int64_t now = st_now_ns();
        if (s == ST_ERR_DISCONNECTED) {
            set_state(a, ACQ_LOST,
                      "The dynamometer on %s was disconnected: check the cable. The station reconnects by "
                      "itself when it is back.",
                      a->port);
            return true;
        }
        size_t off = 0, nr = 0;
        uint64_t bad = 0, dev_err = 0;
        while (off < got) {
            size_t used = 0;
            struct drv_reading r;
            enum drv_parse p = d->drv->parse(d->parser, buf + off, got - off, &used, &r);
            off += used;
            if (p == DRV_SKIPPED)
                bad++;
            else if (p == DRV_GOT && r.kind == DRV_SAMPLE) {
                if (nr == sizeof rd / sizeof rd[0]) { /* flush: never drop a parsed sample */
                    for (size_t i = 0; i < nr; i++)
                        emit(a, &rd[i], now, nr - 1 - i);
                    nr = 0;
                }
                rd[nr++] = r;
            } else if (p == DRV_GOT && r.kind == DRV_DEVICE_ERROR)
                dev_err++;
            if (used == 0)
                break;
        }
        for (size_t i = 0; i < nr; i++)
            emit(a, &rd[i], now, nr - 1 - i);
        if (bad || dev_err) {
            pthread_mutex_lock(&a->mu);
            a->st.bad_lines += bad;
            a->st.device_errors += dev_err;
            pthread_mutex_unlock(&a->mu);
        }
        if (nr)
            publish(a); /* the loop takes this read's samples now, not at its next frame */
        if (nr) {
            last_sample = now;
            bytes_since_sample = 0;
        } else {
            bytes_since_sample += got; /* bytes but no sample: garbage, a wrong baud rate */
        }
        if (now - last_sample > (int64_t)stall_ms(a) * ST_NS_PER_MS) {
            if (bytes_since_sample > 0)
                set_state(a, ACQ_LOST,
                          "The dynamometer on %s sends data the station cannot read: check its baud rate "
                          "(the station uses %d). The station keeps trying.",
                          a->port, link_baud(d->link));
            else
                set_state(a, ACQ_LOST,
                          "The dynamometer on %s stopped sending: check that it is switched on and the cable "
                          "is in. The station reconnects by itself.",
                          a->port);
            return true;
        }
        /* Waking for every line of a fast device costs a wake-up, a poll and a read per sample here,
         * and a wake-up of the main loop per sample there: on this project's 2-core VM a wake-up is
         * about 10 us, so a 1 kHz device read line by line cost 2.5x the CPU of the whole station
         * reading every 4 ms (bench/bench_peer). A device faster than a line every 1.2 ms is read
         * every 1.5 ms instead (one read, one hand-over to the engine for the lines of 1.5 ms): a sample
         * then reaches the engine at most 1.5 ms later than it could (bench/bench_latency: emulator
         * write -> engine, goal p99 under 2 ms). Slower devices are read line by line. A device-clock
         * family keeps its spacing whatever the batch (emit); a host-stamped one's batch is
         * back-dated by its measured interval. */
        if (nr && a->n_int > 3 && a->int_mean > 0 && a->int_mean * 1e9 < (double)ACQ_GATHER_BELOW_NS) {
            int64_t wait = ACQ_GATHER_NS - (st_now_ns() - now);
            if (wait > 0)
                st_sleep_ns(wait);
        }
    }
    return false;
}

static void *acq_thread(void *arg)
{
    struct acq *a = arg;
    for (;;) {
        bool lost = stream(a);
        if (!lost || atomic_load(&a->stop))
            break;
        ST_WARN("acq", "channel %u: device on %s lost", a->cfg.channel, a->port);
        drv_dev_close(a->dev); /* best-effort stop inside; everything received is already in the ring */
        a->dev = NULL;
        int interval = a->cfg.reconnect_ms > 0 ? a->cfg.reconnect_ms : 500;
        while (!atomic_load(&a->stop)) {
            /* Sleep in small steps so acq_stop is prompt. */
            for (int t = 0; t < interval && !atomic_load(&a->stop); t += 50)
                st_sleep_ns(50 * ST_NS_PER_MS);
            if (atomic_load(&a->stop))
                break;
            struct st_err err;
            st_err_clear(&err);
            struct drv_dev *d = NULL;
            int probe_ms = a->cfg.probe_timeout_ms > 0 ? a->cfg.probe_timeout_ms : 1500;
            if (a->drv->resets_on_open && probe_ms < 3500)
                probe_ms = 3500;
            enum st_status s = drv_dev_open(a->drv, a->port, a->cfg.baud, probe_ms, &d, &err);
            if (s != ST_OK)
                continue;
            struct drv_identity now;
            identify(a->port, &d->ident, &now);
            if (strcmp(now.key, a->identity.key) != 0) {
                set_state(a, ACQ_LOST,
                          "A different dynamometer (%s) is on %s: plug the original one back in (%s) or start a "
                          "new session",
                          now.key, a->port, a->identity.key);
                drv_dev_close(d);
                continue;
            }
            d->rate_hz = a->cfg.rate_hz; /* the rate asked for holds after a reconnect too */
            a->dev = d;
            a->mark_reconnected = true;
            pthread_mutex_lock(&a->mu);
            a->st.reconnects++;
            a->st.ident = d->ident;
            pthread_mutex_unlock(&a->mu);
            ST_INFO("acq", "channel %u: device on %s back", a->cfg.channel, a->port);
            break;
        }
        if (!a->dev)
            break;
    }
    if (a->dev) {
        drv_dev_close(a->dev);
        a->dev = NULL;
    }
    set_state(a, ACQ_STOPPED, NULL);
    return NULL;
}

enum st_status acq_start(const struct acq_cfg *cfg, struct st_ring *ring, struct acq **out, struct st_err *err)
{
    *out = NULL;
    struct acq *a = calloc(1, sizeof *a);
    if (!a)
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    a->cfg = *cfg;
    snprintf(a->port, sizeof a->port, "%s", cfg->port ? cfg->port : "");
    a->cfg.port = a->port;
    a->ring = ring;
    pthread_mutex_init(&a->mu, NULL);
    a->st.rate_hz = NAN;
    a->st.jitter_ms = NAN;
    snprintf(a->st.port, sizeof a->st.port, "%s", a->port);
    const struct drv_driver *drv = cfg->drv;
    enum st_status s;
    int probe_ms = cfg->probe_timeout_ms > 0 ? cfg->probe_timeout_ms : 1500;
    if (!drv) {
        struct drv_ident id;
        s = drv_probe_port(a->port, probe_ms, &drv, &id, err);
        if (s != ST_OK)
            goto fail;
        a->cfg.baud = id.baud;
    }
    a->drv = drv;
    if (drv->resets_on_open && probe_ms < 3500)
        probe_ms = 3500;
    s = drv_dev_open(drv, a->port, a->cfg.baud, probe_ms, &a->dev, err);
    if (s != ST_OK)
        goto fail;
    a->dev->rate_hz = cfg->rate_hz;
    a->cfg.baud = a->dev->ident.baud;
    identify(a->port, &a->dev->ident, &a->identity);
    a->st.ident = a->dev->ident;
    a->st.identity = a->identity;
    a->st.state = ACQ_CONNECTING;
    if (pthread_create(&a->thread, NULL, acq_thread, a) != 0) {
        s = st_err_set(err, ST_ERR_IO, "Cannot start the acquisition thread");
        goto fail;
    }
    *out = a;
    return ST_OK;
fail:
    drv_dev_close(a->dev);
    pthread_mutex_destroy(&a->mu);
    free(a);
    return s;
}

void acq_stop(struct acq *a)
{
    if (!a)
        return;
    atomic_store(&a->stop, true);
    pthread_join(a->thread, NULL);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

uint64_t acq_news(struct acq *a)
{
    return atomic_load(&a->news);
}

void acq_get_status(struct acq *a, struct acq_status *out)
{
    pthread_mutex_lock(&a->mu);
    *out = a->st;
    out->ring_drops = ring_drops(a->ring);
    pthread_mutex_unlock(&a->mu);
}

enum st_status acq_request_zero(struct acq *a, struct st_err *err)
{
    if (!a->drv->zero)
        return st_err_set(err, ST_ERR_UNSUPPORTED, "The %s has no zero command: the station tares in software",
                          a->drv->title);
    atomic_store(&a->zero_req, true);
    return ST_OK;
}
