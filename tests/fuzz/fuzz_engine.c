/*
 * fuzz_engine.c - libFuzzer target for the protocol engine: the input is a script of station events
 * (commands, samples on two channels, time steps, pushes, device lost / back, bad samples) run against
 * a small two-block protocol, in manual or auto mode (the first byte). Invariants: no crash, no
 * sanitizer report; every REP_ENDED trace is readable to its end, starts at 0, increases, is finite,
 * and ends within the hold limit after its onset; statuses, states and counts stay in range; a refused
 * command queues no event; the session never counts more reps than it ran.
 * Checks use abort() (not assert) so they hold in a Release build too.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "protocols/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char proto_text[] =
    "[protocol]\nname = f\ntitle = F\nposition = supine\nhip_flexion_deg = 0\nlever = long\n"
    "contraction = make\n[order]\nmode = alternating\n[blocks]\nblock = adduction left 0\n"
    "block = adduction right 1\n[reps]\nfamiliarisation = 1\nreps = 2\nhold_s = 1\nrest_s = 0.2\n"
    "countdown_s = 0.1\nblock_rest_s = 0.2\n[quality]\nmax_extra_reps = 2\n";

static int ended;

static void drain(struct eng *e)
{
    struct eng_event ev;
    while (eng_next_event(e, &ev)) {
        FUZZ_CHECK((unsigned)ev.kind <= ENG_EV_ABORTED);
        if (ev.kind == ENG_EV_STATE)
            FUZZ_CHECK((unsigned)ev.state < ENG_STATE_COUNT);
        if (ev.kind != ENG_EV_REP_ENDED)
            continue;
        ended++;
        const struct eng_rep *r = &ev.rep;
        FUZZ_CHECK((unsigned)r->status <= ENG_REP_INTERRUPTED);
        FUZZ_CHECK(r->block >= 0 && r->block < 2);
        FUZZ_CHECK(!r->counts || r->status == ENG_REP_ACCEPTED);
        double sum = 0;
        for (size_t i = 0; i < r->n; i++) {
            FUZZ_CHECK(isfinite(r->t_s[i]) && isfinite(r->f_n[i]));
            FUZZ_CHECK(i == 0 ? r->t_s[0] == 0 : r->t_s[i] > r->t_s[i - 1]);
            sum += r->f_n[i];
        }
        (void)sum;
        if (r->met.contraction && r->n)
            FUZZ_CHECK(r->t_s[r->n - 1] <= 1.0 + 5.0 + 1.0 + 1.0 + 0.3 + 0.001 || r->end != ENG_END_HOLD);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    struct proto_def d;
    if (proto_load_text("fuzz", proto_text, &d, NULL) != ST_OK)
        abort();
    struct eng_config cfg = eng_config_default();
    cfg.mode = data[0] & 1 ? ENG_AUTO : ENG_MANUAL;
    cfg.max_rate_hz = 1000;
    cfg.full_scale_n[0] = 400;
    struct eng *e;
    if (eng_new(&d, &cfg, &e, NULL) != ST_OK)
        abort();
    proto_free(&d);
    ended = 0;
    int64_t t = 1000000000LL;
    uint32_t seq = 0;
    struct st_sample buf[256];
    for (size_t i = 1; i + 1 < size; i += 2) {
        uint8_t op = data[i] % 8, arg = data[i + 1];
        switch (op) {
        case 0: {
            eng_tick(e, t); /* timers due now fire first: a refused command itself changes nothing */
            drain(e);
            struct st_err err;
            if (eng_command(e, (enum eng_cmd)(arg % ENG_CMD_COUNT), t, &err) != ST_OK) {
                struct eng_event ev;
                FUZZ_CHECK(!eng_next_event(e, &ev)); /* a refused command changes nothing */
                FUZZ_CHECK(err.msg[0] != '\0');
            }
            break;
        }
        case 1:
        case 5: {
            int n = op == 1 ? 1 + arg % 16 : 200;
            for (int k = 0; k < n; k++) {
                t += 1000000;
                double f = op == 1 ? (double)(arg & 0xf0) : 10 + (double)arg * 2 * (k < 100 ? k / 100.0 : 1.0);
                buf[k] = (struct st_sample){.t_ns = t, .force_n = f, .channel = (uint16_t)((arg >> 3) & 1),
                                            .flags = (uint16_t)(f >= 400 ? ST_SAMPLE_SATURATED : 0), .seq = seq++};
            }
            for (size_t done = 0; done < (size_t)n;) {
                size_t k = eng_feed(e, buf + done, (size_t)n - done);
                FUZZ_CHECK(k >= 1 && k <= (size_t)n - done); /* always progress */
                done += k;
                drain(e);
            }
            break;
        }
        case 2:
            t += (int64_t)arg * 20000000LL;
            eng_tick(e, t);
            break;
        case 3:
            eng_device_lost(e, arg % 3, t);
            break;
        case 4:
            eng_device_back(e, arg % 3, t);
            break;
        case 6:
            t += 5000000000LL;
            eng_tick(e, t);
            break;
        case 7: {
            struct st_sample bad[3] = {{.t_ns = t - 5, .force_n = 1, .channel = 0},
                                       {.t_ns = t + 1, .force_n = NAN, .channel = 1},
                                       {.t_ns = t + 2, .force_n = 1, .channel = (uint16_t)(4 + arg)}};
            /* The first may be taken (t advanced by ticks since the last sample) and end a rep with
             * its 1 N: the engine then stops after it, like any feed. */
            for (size_t done = 0; done < 3;) {
                size_t k = eng_feed(e, bad + done, 3 - done);
                FUZZ_CHECK(k >= 1 && k <= 3 - done);
                done += k;
                drain(e);
            }
            break;
        }
        }
        drain(e);
        struct eng_view v;
        eng_view(e, &v);
        FUZZ_CHECK((unsigned)v.state < ENG_STATE_COUNT);
        FUZZ_CHECK(v.reps_counted >= 0 && v.reps_counted <= ended);
        FUZZ_CHECK(v.events_dropped == 0);
        FUZZ_CHECK(v.cue != NULL && v.block_label != NULL);
        FUZZ_CHECK(v.block >= -1 && v.block < 2);
        FUZZ_CHECK(v.block < 0 || (v.rep >= 0 && v.rep <= v.reps && v.reps <= 2 + 2));
    }
    struct bal_result br;
    eng_balance(e, &br);
    eng_free(e);
    return 0;
}
