/*
 * gui_probe.c - D on the start page or the calibration page: every serial port asked which
 * dynamometer is there (what `station devices --probe` does), on a thread of its own so the window
 * stays live: the page shows "Searching…" with the port being asked and how many are left, each device
 * joins the list as it answers, and Esc stops the search (the port being asked finishes on its own;
 * what it finds is dropped).
 *
 * The ports: those libserialport lists, then those in $STATION_EXTRA_PORTS (space-separated: serial
 * servers tcp:HOST:PORT and pseudo-terminals, which no system lists). The thread only probes; the
 * store (each device's calibration state) is read on the window's thread when a result is taken in.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/driver.h"
#include "drivers/link.h"
#include "station/gui/gui_priv.h"

#define PROBE_TIMEOUT_MS 1500
#define PROBE_MAX_PORTS 64

struct probe_found {
    const struct drv_driver *drv;
    struct drv_ident id;
    char port[256];
};

struct gui_probe {
    pthread_t thread;
    atomic_bool cancel;
    char (*ports)[256]; /* what to ask, read-only while the thread runs */
    int n_ports;
    pthread_mutex_t mu; /* guards what follows */
    int current;        /* the port being asked */
    struct probe_found found[PROBE_MAX_PORTS];
    int n_found, n_taken; /* taken: moved into the page's list */
    bool done;
};

static void *probe_thread(void *arg)
{
    struct gui_probe *p = arg;
    for (int i = 0; i < p->n_ports && !atomic_load(&p->cancel); i++) {
        pthread_mutex_lock(&p->mu);
        p->current = i;
        pthread_mutex_unlock(&p->mu);
        struct probe_found f;
        memset(&f, 0, sizeof f);
        snprintf(f.port, sizeof f.port, "%s", p->ports[i]);
        struct st_err err;
        st_err_clear(&err);
        bool ok = drv_probe_port(f.port, PROBE_TIMEOUT_MS, &f.drv, &f.id, &err) == ST_OK;
        pthread_mutex_lock(&p->mu);
        if (ok && p->n_found < PROBE_MAX_PORTS)
            p->found[p->n_found++] = f;
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_lock(&p->mu);
    p->done = true;
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* The ports to ask into p->ports; false with the message said when they cannot be listed. */
static bool list_ports(struct gui *g, struct gui_probe *p)
{
    struct link_port_info *ports = NULL;
    size_t n = 0;
    struct st_err err;
    st_err_clear(&err);
    if (link_list_ports(&ports, &n, &err) != ST_OK) {
        gui_say(g, UI_HOME_MSG_ERROR, "%s", st_err_msg(&err));
        return false;
    }
    p->ports = calloc(PROBE_MAX_PORTS, sizeof *p->ports);
    for (size_t i = 0; p->ports && i < n && p->n_ports < PROBE_MAX_PORTS; i++)
        snprintf(p->ports[p->n_ports++], sizeof p->ports[0], "%s", ports[i].name);
    free(ports);
    const char *extra = getenv("STATION_EXTRA_PORTS");
    while (p->ports && extra && *extra && p->n_ports < PROBE_MAX_PORTS) {
        extra += strspn(extra, " ");
        size_t len = strcspn(extra, " ");
        if (len > 0 && len < sizeof p->ports[0])
            snprintf(p->ports[p->n_ports++], sizeof p->ports[0], "%.*s", (int)len, extra);
        extra += len;
    }
    if (!p->ports) {
        gui_say(g, UI_HOME_MSG_ERROR, "Out of memory: close other programs and try again");
        return false;
    }
    return true;
}

/* Joins a finished (or stopped) search and frees it. */
static void reap(struct gui *g)
{
    struct gui_probe *p = g->probe;
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->mu);
    free(p->ports);
    free(p);
    g->probe = NULL;
    g->probe_stopped = false;
}

void gui_probe(struct gui *g)
{
    if (g->probe) {
        gui_probe_tick(g); /* a stopped search that has finished is reaped here */
        if (g->probe) {    /* one at a time, and never a wait in the window's thread */
            if (g->probe_stopped)
                gui_say(g, UI_HOME_MSG_INFO, "The last search is still asking one port: D again in a moment");
            return;
        }
    }
    struct gui_start *gs = &g->start;
    gs->n_devices = 1; /* keep the demo */
    gs->device = 0;
    struct gui_probe *p = calloc(1, sizeof *p);
    if (!p || !list_ports(g, p)) {
        if (p)
            free(p->ports);
        free(p);
        return;
    }
    atomic_init(&p->cancel, false);
    pthread_mutex_init(&p->mu, NULL);
    if (pthread_create(&p->thread, NULL, probe_thread, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p->ports);
        free(p);
        gui_say(g, UI_HOME_MSG_ERROR, "The search could not start: close other programs and try again");
        return;
    }
    g->probe = p;
    gui_probe_tick(g);
}

bool gui_probe_searching(const struct gui *g)
{
    return g->probe && !g->probe_stopped;
}

void gui_probe_stop(struct gui *g)
{
    if (!gui_probe_searching(g))
        return;
    atomic_store(&g->probe->cancel, true);
    g->probe_stopped = true; /* the thread ends after the port it is asking; reaped later */
    int found = g->start.n_devices - 1;
    gui_say(g, UI_HOME_MSG_INFO, "Search stopped: %d dynamometer%s found", found, found == 1 ? "" : "s");
}

/* "chronojump Force_Sensor" with its port, serial, capacity and calibration state, as a choice. */
static void take(struct gui *g, const struct probe_found *f)
{
    char title[128], detail[256], cap[32] = "capacity unknown", cal[160];
    if (isfinite(f->id.capacity_n))
        snprintf(cap, sizeof cap, "capacity %.0f N", f->id.capacity_n);
    gui_calibration_words(g, f->drv, &f->id, f->port, cal, sizeof cal);
    snprintf(title, sizeof title, "%s %s", f->drv->name, f->id.model[0] ? f->id.model : "(model unknown)");
    snprintf(detail, sizeof detail, "%s  \xc2\xb7  %s%s  \xc2\xb7  %s  \xc2\xb7  %s", f->port,
             f->id.serial[0] ? "serial " : "no serial number", f->id.serial, cap, cal);
    if (gui_device_add(&g->start, title, detail, f->port, f->drv->name) && g->start.device == 0)
        g->start.device = g->start.n_devices - 1; /* the first device found is chosen */
}

void gui_probe_tick(struct gui *g)
{
    struct gui_probe *p = g->probe;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    bool done = p->done;
    int current = p->current, n_found = p->n_found;
    pthread_mutex_unlock(&p->mu);
    if (g->probe_stopped) { /* its results are no longer wanted */
        if (done)
            reap(g);
        return;
    }
    for (; p->n_taken < n_found; p->n_taken++)
        take(g, &p->found[p->n_taken]); /* found[] below n_found is no longer written */
    int found = g->start.n_devices - 1;
    if (!done) {
        gui_say(g, UI_HOME_MSG_INFO,
                "Searching\xe2\x80\xa6 port %d of %d: %s (%d found so far; Esc stops the search)",
                current + 1, p->n_ports, p->ports[current], found);
        return;
    }
    int n = p->n_ports;
    reap(g);
    gui_say(g, found ? UI_HOME_MSG_INFO : UI_HOME_MSG_WARN,
            "%d serial port%s asked, %d dynamometer%s found%s", n, n == 1 ? "" : "s", found,
            found == 1 ? "" : "s",
            found ? "" : ": is it plugged in and switched on? (the demo needs nothing)");
}

void gui_probe_free(struct gui *g)
{
    if (!g->probe)
        return;
    atomic_store(&g->probe->cancel, true);
    reap(g);
}
