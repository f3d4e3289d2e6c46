/*
 * bench_parser.c - each family's pure parser on one core, against what its serial line can carry.
 *
 * A real capture first: the family's emulator streams (or answers polls) through its I/O half at the
 * family's default baud, and the bytes the station read are kept (CAPTURE_S seconds). That capture,
 * repeated into a large buffer in memory (about 8 MB), is parsed in one pass RUNS times; samples per
 * second of one core is the parser's rate. The line's rate is what its baud can carry: baud / 10 bits a
 * byte (8N1) / the bytes of one reading in the capture. Headroom = parser rate / line rate (goal at
 * least 1,000x: the parser is never what limits a device).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_result.h"
#include "common/clock.h"
#include "drivers/driver.h"
#include "drivers/emu.h"
#include "drivers/link.h"

#define CAPTURE_S 1.5
#define CAP_BYTES (1 << 16)
#define BIG_BYTES (8u << 20)
#define RUNS 7

/* The bytes a family's device sends in CAPTURE_S seconds (a polling family is asked for each), and
 * its parser's state as the I/O half set it up to stream (a Loadstar's parser is told the unit the
 * interface reported): every pass below starts from that state. */
static size_t capture(const struct drv_driver *drv, uint8_t *buf, size_t cap, void *parser0)
{
    struct emu_opts eo = emu_opts_default(drv->name);
    eo.boot_s = 0.2;
    eo.patient = emu_patient_default(200, 0);
    struct emu *e = NULL;
    struct st_err err;
    if (emu_start(&eo, &e, &err) != ST_OK) {
        fprintf(stderr, "bench_parser: %s\n", st_err_msg(&err));
        return 0;
    }
    struct drv_dev *d = NULL;
    size_t n = 0;
    if (drv_dev_open(drv, emu_port(e), 0, 3000, &d, &err) != ST_OK || drv->start(d, &err) != ST_OK) {
        fprintf(stderr, "bench_parser: %s: %s\n", drv->name, st_err_msg(&err));
    } else {
        memcpy(parser0, d->parser, drv->parser_size);
        int64_t end = st_now_ns() + (int64_t)(CAPTURE_S * 1e9);
        while (st_now_ns() < end && n < cap) {
            if (d->polling && drv->request)
                drv->request(d, &err);
            size_t got = 0;
            if (link_read(d->link, buf + n, cap - n, 50, &got, &err) == ST_ERR_DISCONNECTED)
                break;
            n += got;
        }
    }
    drv_dev_close(d);
    emu_stop(e);
    return n;
}

/* One pass of the parser, from state parser0, over buf: how many samples it found. */
static size_t parse_all(const struct drv_driver *drv, void *st, const void *parser0, const uint8_t *buf,
                        size_t len)
{
    memcpy(st, parser0, drv->parser_size);
    size_t off = 0, samples = 0;
    while (off < len) {
        size_t used = 0;
        struct drv_reading r;
        enum drv_parse p = drv->parse(st, buf + off, len - off, &used, &r);
        off += used;
        samples += p == DRV_GOT && r.kind == DRV_SAMPLE;
        if (used == 0)
            break;
    }
    return samples;
}

int main(void)
{
    static uint8_t cap[CAP_BYTES];
    uint8_t *big = malloc(BIG_BYTES);
    if (!big)
        return 1;
    for (int k = 0; drv_table[k]; k++) {
        const struct drv_driver *drv = drv_table[k];
        void *st = calloc(1, drv->parser_size), *parser0 = calloc(1, drv->parser_size);
        size_t n = st && parser0 ? capture(drv, cap, sizeof cap, parser0) : 0;
        size_t in_capture = n ? parse_all(drv, st, parser0, cap, n) : 0;
        if (!in_capture) {
            fprintf(stderr, "bench_parser: %s: no reading captured\n", drv->name);
            free(st);
            free(parser0);
            continue;
        }
        /* the capture over and over: whole copies only, so every reading stays whole */
        size_t len = 0;
        while (len + n <= BIG_BYTES) {
            memcpy(big + len, cap, n);
            len += n;
        }
        double rate[RUNS];
        size_t samples = 0;
        for (int i = 0; i < RUNS; i++) {
            int64_t t0 = st_now_ns();
            samples = parse_all(drv, st, parser0, big, len);
            rate[i] = (double)samples / ((double)(st_now_ns() - t0) / 1e9);
        }
        free(st);
        free(parser0);
        double bytes_per_sample = (double)n / (double)in_capture;
        double line = (double)drv->default_baud / 10.0 / bytes_per_sample;
        double head[RUNS];
        for (int i = 0; i < RUNS; i++)
            head[i] = rate[i] / line;
        char name[160];
        snprintf(name, sizeof name, "%s parser, samples/s on one core (%.1f bytes a reading)", drv->name,
                 bytes_per_sample);
        bench_row("parser", name, "samples/s", rate, RUNS, "", -1, NAN);
        snprintf(name, sizeof name, "%s headroom over its line (%d baud: %.0f readings/s at most)", drv->name,
                 drv->default_baud, line);
        /* the slowest run is the one that counts against the goal */
        bench_row("parser", name, "x", head, RUNS, "at least 1000x", bench_quantile(head, RUNS, 0.01) >= 1000, NAN);
    }
    free(big);
    return 0;
}
