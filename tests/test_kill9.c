/*
 * test_kill9.c - a pulled power plug, simulated: `station run --auto` against an emulated Chronojump is
 * killed with SIGKILL at random moments, again and again, on one database. After every kill:
 * PRAGMA integrity_check is ok, every repetition the station reported saved (its "saved [#seq, n
 * samples]" line) is in the database with exactly its samples, and no repetition is half there (each has
 * its metrics row and its samples row, with the count they claim). The next run opens the same file.
 *
 * STATION_KILL_RUNS sets the number of runs (default 6 in the suite; run it by hand with more).
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "emu_fixture.h"
#include "store_fixture.h"
#include "common/clock.h"
#include "drivers/emu.h"
#include "station/store/store.h"

static const char *protocol_text =
    "[protocol]\nname = kill9\ntitle = Kill test\nposition = supine, hips 0°\nhip_flexion_deg = 0\n"
    "lever = long\ncontraction = make\n[order]\nmode = fixed\n[blocks]\nblock = adduction left 0\n"
    "block = abduction left 0\n[reps]\nfamiliarisation = 0\nreps = 3\nhold_s = 3\nrest_s = 0.5\n"
    "countdown_s = 1\nblock_rest_s = 0.5\n[quality]\nmax_extra_reps = 0\n";

/* The patient of the test. */
static const struct store_patient the_patient = {.name = "Kill Test", .birth = "1970-01-01", .sex = 'M',
                                                 .mass_kg = 80, .lever_m = NAN, .leg_length_m = NAN};

struct saved {
    unsigned seq;
    size_t n;
};

static unsigned rng_state = 12345;
static unsigned rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 16;
}

static void test_kill_at_random_moments(void)
{
    char db[512], proto[512], link[512], out[512];
    check_tmppath(db, sizeof db, "kill.db");
    check_tmppath(proto, sizeof proto, "kill9.ini");
    check_tmppath(out, sizeof out, "run.out");
    REQUIRE(check_write_file(proto, protocol_text));

    char pid_text[32];
    fix_patient_in(db, the_patient, pid_text, sizeof pid_text);
    struct store *s = NULL;
    struct st_err err;

    /* The patient pushes 250 N every 2.6 s, for ever: the station picks the pushes up when armed. */
    struct emu_opts eo = emu_opts_default("chronojump");
    eo.link_path = check_tmppath(link, sizeof link, "ttyKILL");
    eo.boot_s = 0.2;
    eo.patient = emu_fix_pusher(250, 0.5, 1.2, 0.8);
    struct emu *e = NULL;
    REQUIRE(emu_start(&eo, &e, &err) == ST_OK);

    const char *bin = getenv("STATION_BIN");
    REQUIRE(bin && *bin);
    int runs = 6;
    const char *r_env = getenv("STATION_KILL_RUNS");
    if (r_env && *r_env) {
        char *end = NULL;
        long v = strtol(r_env, &end, 10);
        if (*end == '\0' && v > 0 && v <= 100000)
            runs = (int)v;
    }
    int total_reported = 0, total_in_db = 0, total_extra = 0;
    for (int run = 0; run < runs; run++) {
        double kill_after = 1.5 + (double)(rnd() % 10000) / 1000.0; /* 1.5 - 11.5 s */
        pid_t pid = fork();
        if (pid == 0) {
            if (!freopen(out, "w", stdout) || !freopen("/dev/null", "r", stdin))
                _exit(127);
            execl(bin, bin, "run", "--auto", "--headless", "--db", db, "--patient", pid_text, "--port",
                  emu_port(e), "--driver", "chronojump", "--protocol", proto, (char *)NULL);
            _exit(127);
        }
        st_sleep_ns((int64_t)(kill_after * 1e9));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        /* what the station said it saved */
        struct saved said[64];
        int nsaid = 0;
        long long session = 0;
        FILE *f = fopen(out, "r");
        REQUIRE(f);
        char line[512];
        while (fgets(line, sizeof line, f)) {
            long long sid;
            if (sscanf(line, "Session %lld:", &sid) == 1)
                session = sid;
            const char *m = strstr(line, "- saved [#");
            unsigned seq;
            size_t n;
            if (m && sscanf(m, "- saved [#%u, %zu samples]", &seq, &n) == 2 && nsaid < 64) {
                said[nsaid].seq = seq;
                said[nsaid].n = n;
                nsaid++;
            }
        }
        fclose(f);
        /* what the database holds */
        REQUIRE(store_open(db, &s, &err) == ST_OK);
        CHECK_OK(store_integrity_check(s, &err), &err);
        int in_db = 0;
        if (session > 0) {
            struct store_rep *reps = NULL;
            size_t n = 0;
            CHECK_OK(store_rep_list(s, session, &reps, &n, &err), &err);
            in_db = (int)n;
            for (size_t i = 0; i < n; i++) { /* no half rep: the samples are all there */
                double *t = NULL, *fv = NULL;
                size_t ns = 0;
                CHECK_OK(store_rep_samples(s, reps[i].id, &t, &fv, &ns, &err), &err);
                CHECK_INT(ns, reps[i].n_samples);
                CHECK(ns > 0);
                free(t);
                free(fv);
            }
            for (int k = 0; k < nsaid; k++) { /* every rep reported saved is there, whole */
                bool found = false;
                for (size_t i = 0; i < n; i++)
                    if ((unsigned)reps[i].sequence == said[k].seq) {
                        found = true;
                        CHECK_INT(reps[i].n_samples, said[k].n);
                    }
                if (!found)
                    check_fail(__FILE__, __LINE__, "run %d: rep #%u was reported saved but is not in the database",
                               run, said[k].seq);
            }
            free(reps);
        }
        store_close(s);
        /* at most one rep was committed and not yet reported when the kill came */
        CHECK(in_db >= nsaid && in_db <= nsaid + 1);
        fprintf(stderr, "run %d: killed after %.1f s: session %lld, %d rep(s) reported saved, %d in the database\n",
                run, kill_after, session, nsaid, in_db);
        total_reported += nsaid;
        total_in_db += in_db;
        total_extra += in_db - nsaid;
    }
    /* Every killed session but the last was found by the next run and closed as interrupted. */
    REQUIRE(store_open(db, &s, &err) == ST_OK);
    struct store_session *list = NULL;
    size_t nl = 0;
    CHECK_OK(store_session_list(s, 0, &list, &nl, &err), &err);
    int interrupted = 0;
    for (size_t i = 0; i < nl; i++)
        interrupted += list[i].status == STORE_SESSION_INTERRUPTED;
    CHECK_INT(interrupted, runs - 1);
    free(list);
    store_close(s);
    fprintf(stderr, "%d kills: %d reps reported saved, %d in the database (%d committed just before a kill)\n",
            runs, total_reported, total_in_db, total_extra);
    CHECK(total_reported > 0); /* the kills did land during sessions with saved reps */
    emu_stop(e);
}

int main(void)
{
    CHECK_RUN(test_kill_at_random_moments);
    return check_done();
}
