/*
 * bench_peer.c - the station against its peer, side by side on the same emulated Chronojump: the
 * peer is bench/peer_pyserial.py (what a lab writes by hand: pyserial reads, parses and appends to a
 * CSV file), the station is `station run --headless --auto` (everything: acquisition thread, engine,
 * metrics, SQLite). Each reads a fresh emulator for RUN_S seconds, RUNS times at 80 Hz, 1 kHz and the
 * highest rate the emulator makes; the figures are whole-process CPU (getrusage of the child: user +
 * system) per 1,000 samples received, and the samples lost. Then the highest rate each keeps with
 * zero loss, rate doubling from 2 kHz.
 *
 * Samples lost are counted from the device's own clock: the emulator stamps sample k at k/rate
 * (+-150 us of jitter), so first and last stamps say how many the device sent in between; the reader
 * lost the difference from what it received. The peer prints its count and stamps; the station records
 * its count in the session's "acquisition" event and its measured rate in the session.
 *
 * Environment: STATION_BIN (default ./station beside this program), PEER_SCRIPT (default
 * bench/peer_pyserial.py), PEER_PYTHON (default /usr/bin/python3: Debian's, where python3-serial is),
 * BENCH_QUICK=1 (shorter runs). Figures through bench_result.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_fixture.h"
#include "bench_result.h"
#include "bench_xvfb.h"
#include "common/clock.h"
#include "drivers/emu.h"
#include "station/store/store.h"

#define MAX_RUNS 9

static char dir[PATH_MAX], db[PATH_MAX + 16], proto[PATH_MAX + 16], proto4[PATH_MAX + 16], station_bin[PATH_MAX],
    script[PATH_MAX];
static const char *python = "/usr/bin/python3";
static char patient[32];

/* A long single-channel protocol: the run is ended by --exit-after-s, never by the protocol. */
static const char *protocol_text =
    "[protocol]\nname = peer\ntitle = Peer comparison\nposition = supine, hips 0°\nhip_flexion_deg = 0\n"
    "lever = long\ncontraction = make\n[order]\nmode = fixed\n[blocks]\nblock = adduction left 0\n"
    "block = adduction right 0\nblock = abduction left 0\nblock = abduction right 0\n[reps]\n"
    "familiarisation = 0\nreps = 10\nhold_s = 1.5\nrest_s = 1\ncountdown_s = 0.5\nblock_rest_s = 1\n"
    "[quality]\nmax_extra_reps = 0\n";

/* The same on four channels, one block each (the soak's layout). */
static const char *protocol4_text =
    "[protocol]\nname = peer4\ntitle = Four channels\nposition = supine, hips 0°\nhip_flexion_deg = 0\n"
    "lever = long\ncontraction = make\n[order]\nmode = fixed\n[blocks]\nblock = adduction left 0\n"
    "block = adduction right 1\nblock = abduction left 2\nblock = abduction right 3\n[reps]\n"
    "familiarisation = 0\nreps = 10\nhold_s = 1.5\nrest_s = 1\ncountdown_s = 0.5\nblock_rest_s = 1\n"
    "[quality]\nmax_extra_reps = 0\n";

struct result {
    double cpu_s;      /* user + system of the whole process */
    double samples;    /* received */
    double lost;       /* the device sent, the reader never got */
    double sent_rate;  /* what the emulator made, per second of its capture */
    bool ok;
};

/* Runs argv with stdout into out_path; waits; CPU from the child's rusage. -1 when it could not run. */
static int run_child(char *const argv[], const char *out_path, double *cpu_s)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || nul < 0 || dup2(fd, 1) < 0 || dup2(nul, 0) < 0)
            _exit(126);
        setenv("STATION_LINGER_S", "0", 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return -1;
    *cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
             (double)ru.ru_stime.tv_usec / 1e6;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static struct emu *start_emu(double rate)
{
    struct emu_opts eo = emu_opts_default("chronojump");
    eo.rate_hz = rate;
    eo.patient = emu_patient_default(200, 0);
    struct emu *e = NULL;
    struct st_err err;
    if (emu_start(&eo, &e, &err) != ST_OK) {
        fprintf(stderr, "bench_peer: %s\n", st_err_msg(&err));
        return NULL;
    }
    return e;
}

/* The device sent round(span * rate) + 1 samples between the first and the last received. */
static double lost_of(double span_s, double rate, double received)
{
    double expected = floor(span_s * rate + 0.5) + 1;
    return expected > received ? expected - received : 0;
}

static struct result run_peer(double rate, double seconds)
{
    struct result r = {0};
    struct emu *e = start_emu(rate);
    if (!e)
        return r;
    char csv[PATH_MAX + 16], out[PATH_MAX + 16], secs[32];
    snprintf(csv, sizeof csv, "%s/peer.csv", dir);
    snprintf(out, sizeof out, "%s/peer.out", dir);
    snprintf(secs, sizeof secs, "%g", seconds);
    unlink(csv);
    char *argv[] = {(char *)python, script, (char *)emu_port(e), csv, secs, NULL};
    int rc = run_child(argv, out, &r.cpu_s);
    struct emu_stats es;
    emu_get_stats(e, &es);
    emu_stop(e);
    FILE *f = fopen(out, "r");
    unsigned long long n = 0, bad = 0, t0 = 0, t1 = 0;
    if (f && fscanf(f, "samples=%llu bad=%llu first_us=%llu last_us=%llu", &n, &bad, &t0, &t1) == 4 && rc == 0 &&
        n > 1) {
        r.samples = (double)n;
        r.lost = lost_of((double)(t1 - t0) / 1e6, rate, (double)n);
        r.sent_rate = (double)(n - 1) / ((double)(t1 - t0) / 1e6);
        r.ok = true;
    } else {
        fprintf(stderr, "bench_peer: the peer failed at %g Hz (exit %d): see %s\n", rate, rc, out);
    }
    if (f)
        fclose(f);
    return r;
}

/* The station on nch emulated Chronojump boards at rate, for seconds: headless, or with its window on
 * display (software renderer). Its CPU, the samples it received (all channels) and lost (each
 * channel's count against its device clock, from the session's "acquisition" records). */
static struct result run_station_n(double rate, double seconds, int nch, const char *display)
{
    struct result r = {0};
    struct emu *e[4] = {0};
    char ports[4 * 64] = "", secs[32], out[PATH_MAX + 16];
    for (int c = 0; c < nch; c++) {
        if (!(e[c] = start_emu(rate))) {
            for (int k = 0; k < c; k++)
                emu_stop(e[k]);
            return r;
        }
        size_t used = strlen(ports);
        snprintf(ports + used, sizeof ports - used, "%s%s", c ? "," : "", emu_port(e[c]));
    }
    snprintf(out, sizeof out, "%s/station.out", dir);
    snprintf(secs, sizeof secs, "%g", seconds);
    char *argv[] = {station_bin, "run", "--auto", "--patient", patient, "--port", ports, "--driver", "chronojump",
                    "--protocol", nch > 1 ? proto4 : proto, "--db", db, "--exit-after-s", secs,
                    display ? NULL : "--headless", NULL};
    if (display) {
        setenv("DISPLAY", display, 1);
        setenv("SDL_VIDEODRIVER", "x11", 1);
        setenv("SDL_RENDER_DRIVER", "software", 1);
        setenv("SDL_AUDIODRIVER", "dummy", 1);
    }
    int rc = run_child(argv, out, &r.cpu_s);
    unsetenv("DISPLAY");
    for (int c = 0; c < nch; c++)
        emu_stop(e[c]);
    /* the session id is the last line of stdout */
    FILE *f = fopen(out, "r");
    char line[1024];
    long long sid = 0;
    while (f && fgets(line, sizeof line, f))
        sid = strtoll(line, NULL, 10);
    if (f)
        fclose(f);
    struct store *s = NULL;
    struct st_err err;
    /* exit 1 with the session's id: stopped by --exit-after-s, as asked (its reps are saved) */
    if (rc > 1 || sid <= 0 || store_open(db, &s, &err) != ST_OK) {
        fprintf(stderr, "bench_peer: the station failed at %d x %g Hz (exit %d): see %s\n", nch, rate, rc, out);
        return r;
    }
    struct store_session sess;
    struct store_session_event *ev = NULL;
    size_t nev = 0;
    int seen = 0;
    if (store_session_get(s, sid, &sess, &err) == ST_OK && store_session_events(s, sid, &ev, &nev, &err) == ST_OK)
        for (size_t i = 0; i < nev; i++) {
            int ch = 0;
            unsigned long long n = 0;
            double hz = 0;
            if (strcmp(ev[i].kind, "acquisition") != 0 ||
                sscanf(ev[i].detail, "channel %d: %llu samples, %lf Hz", &ch, &n, &hz) != 3 || n < 2 || !(hz > 0))
                continue;
            /* a channel's measured rate is its count over its device clock's span */
            r.samples += (double)n;
            r.lost += lost_of((double)(n - 1) / hz, rate, (double)n);
            r.sent_rate = hz;
            seen++;
        }
    free(ev);
    store_close(s);
    r.lost += (double)sess.drops + (double)sess.bad_lines;
    r.ok = seen == nch;
    if (!r.ok)
        fprintf(stderr, "bench_peer: session %lld at %d x %g Hz has %d acquisition records\n", sid, nch, rate, seen);
    return r;
}

/* What a run costs before and after its samples, as CPU seconds of one process (NAN when it failed):
 * the station stopped at once by --exit-after-s (process start, database, protocol, the device probed
 * and opened, the session begun and ended), `station --help` (the process start alone: exec and the
 * dynamic linker binding the program's 8 shared libraries; libpq and the window's ~70 are loaded only
 * when used, station/sync/pq.h and station/window.h), and the peer asked for no seconds of capture (Python, pyserial, the port, the board's reset, the end of the capture).
 * For the station's run, parts (ms, NAN where unknown) gets where it went, from the CPU marks the run
 * writes (common/cpu_mark.h) and its total: */
enum fixed_part {
    PART_START,    /* exec and the dynamic linker, to main() */
    PART_DATABASE, /* main() to the devices: the database opened, the patient and protocol read */
    PART_DEVICE,   /* the port opened, the device probed and identified, its calibration looked up */
    PART_BEGIN,    /* the engine made, the session's row begun */
    PART_LOOP,     /* the 0.01 s of the run */
    PART_END,      /* the session ended, the devices stopped, the database closed, the process ended */
    FIXED_PARTS
};
static const char *const part_names[FIXED_PARTS] = {
    "of it the start to main() (exec, dynamic linker)",
    "of it the database and protocol (open, schema, patient, protocol read)",
    "of it the device (port opened, probed, identified)",
    "of it the session begun (engine, session row)",
    "of it the 0.01 s loop",
    "of it the end (session ended, devices stopped, database closed, exit)",
};
/* FIXED_SESSIONS: `station sessions` on the bench's database (a few dozen sessions): a plain command */
enum fixed_kind { FIXED_STATION, FIXED_START, FIXED_SESSIONS, FIXED_PEER };
static double fixed_cpu(enum fixed_kind kind, double parts[FIXED_PARTS])
{
    for (int i = 0; i < FIXED_PARTS; i++)
        parts[i] = NAN;
    char marks[PATH_MAX + 16];
    snprintf(marks, sizeof marks, "%s/cpu-marks.txt", dir);
    unlink(marks);
    bool device = kind == FIXED_STATION || kind == FIXED_PEER;
    struct emu *e = device ? start_emu(80) : NULL;
    if (device && !e)
        return NAN;
    char out[PATH_MAX + 16], csv[PATH_MAX + 16];
    snprintf(out, sizeof out, "%s/fixed.out", dir);
    snprintf(csv, sizeof csv, "%s/peer.csv", dir);
    char *st_argv[] = {station_bin, "run", "--auto", "--patient", patient, "--port", e ? (char *)emu_port(e) : "",
                       "--driver", "chronojump", "--protocol", proto, "--db", db, "--exit-after-s", "0.01",
                       "--headless", NULL};
    char *help_argv[] = {station_bin, "--help", NULL};
    char *sessions_argv[] = {station_bin, "sessions", "--db", db, NULL};
    char *peer_argv[] = {(char *)python, script, e ? (char *)emu_port(e) : "", csv, "0", NULL};
    double cpu = NAN;
    if (kind == FIXED_STATION)
        setenv("STATION_CPU_MARKS", marks, 1);
    char **argv = kind == FIXED_STATION ? st_argv : kind == FIXED_START ? help_argv
                : kind == FIXED_SESSIONS ? sessions_argv : peer_argv;
    int rc = run_child(argv, out, &cpu);
    unsetenv("STATION_CPU_MARKS");
    if (e)
        emu_stop(e);
    unlink(out);
    double m[5];
    FILE *f = kind == FIXED_STATION ? fopen(marks, "r") : NULL;
    if (f && fscanf(f, "main=%lf devices=%lf opened=%lf loop=%lf loop_end=%lf", &m[0], &m[1], &m[2], &m[3], &m[4]) == 5) {
        parts[PART_START] = m[0];
        for (int i = 1; i < 5; i++)
            parts[i] = m[i] - m[i - 1];
        parts[PART_END] = 1000 * cpu - m[4];
    }
    if (f)
        fclose(f);
    unlink(marks);
    return rc >= 0 && rc <= 1 ? cpu : NAN;
}

static struct result run_station(double rate, double seconds)
{
    return run_station_n(rate, seconds, 1, NULL);
}

/* The emulator's clock jitter (+-150 us at each end of the span) can move the count by this much. */
static double loss_tolerance(double rate)
{
    return ceil(3e-4 * rate);
}

static int setup(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/station-bench-peer-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir))
        return -1;
    snprintf(db, sizeof db, "%s/peer.db", dir);
    snprintf(proto, sizeof proto, "%s/peer.ini", dir);
    snprintf(proto4, sizeof proto4, "%s/peer4.ini", dir);
    FILE *f = fopen(proto, "w");
    if (!f || fputs(protocol_text, f) < 0 || fclose(f) != 0)
        return -1;
    if (!(f = fopen(proto4, "w")) || fputs(protocol4_text, f) < 0 || fclose(f) != 0)
        return -1;
    struct store *s = NULL;
    struct st_err err;
    if (store_open(db, &s, &err) != ST_OK)
        return -1;
    int64_t id = 0;
    enum st_status st = bench_patient_add(s, "Peer Bench", "PEER-1", &id, &err);
    store_close(s);
    snprintf(patient, sizeof patient, "%lld", (long long)id);
    return st == ST_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    (void)argc;
    const char *env = getenv("STATION_BIN");
    if (env && *env)
        snprintf(station_bin, sizeof station_bin, "%s", env);
    else {
        snprintf(station_bin, sizeof station_bin, "%s", argv[0]);
        char *slash = strrchr(station_bin, '/');
        snprintf(slash ? slash + 1 : station_bin, sizeof station_bin - (size_t)(slash ? slash + 1 - station_bin : 0),
                 "station");
    }
    env = getenv("PEER_SCRIPT");
    snprintf(script, sizeof script, "%s", env && *env ? env : "bench/peer_pyserial.py");
    env = getenv("PEER_PYTHON");
    if (env && *env)
        python = env;
    if (access(station_bin, X_OK) != 0 || access(script, R_OK) != 0 || access(python, X_OK) != 0) {
        fprintf(stderr, "bench_peer: needs %s, %s and %s (python3-serial)\n", station_bin, script, python);
        return 1;
    }
    if (setup() != 0) {
        fprintf(stderr, "bench_peer: cannot set up %s\n", dir);
        return 1;
    }
    bool quick = getenv("BENCH_QUICK") && *getenv("BENCH_QUICK") == '1';
    int runs = quick ? 2 : 3;
    double run_s = quick ? 6 : 10;
    const double rates[] = {80, 1000, 10000};
    const char *labels[] = {"80 Hz", "1 kHz", "10 kHz (emulator's highest)"};
    /* 1 kHz and 10 kHz spread by under 5 % from run to run (bench/RESULTS.md of d38891d: 0.00909 and
     * 0.00913, 0.00143 and 0.00148 s per 1,000 samples): two runs there; three at 80 Hz, where the
     * process's start weighs and the spread is 15 %. */
    const int rate_runs[] = {runs, runs > 2 ? runs - 1 : runs, runs > 2 ? runs - 1 : runs};
    printf("bench_peer: %d, %d and %d runs of %g s per reader at 80 Hz, 1 kHz, 10 kHz; %s\n", rate_runs[0],
           rate_runs[1], rate_runs[2], run_s, dir);
    struct result p80[MAX_RUNS], s80[MAX_RUNS]; /* the 80 Hz runs, for the breakdown below */
    for (int k = 0; k < 3; k++) {
        double pc[MAX_RUNS], sc[MAX_RUNS], pl[MAX_RUNS], sl[MAX_RUNS], pcpu[MAX_RUNS], scpu[MAX_RUNS];
        int np = 0, ns = 0;
        for (int i = 0; i < rate_runs[k]; i++) {
            struct result p = run_peer(rates[k], run_s), s = run_station(rates[k], run_s);
            if (k == 0) {
                p80[i] = p;
                s80[i] = s;
            }
            if (p.ok) {
                pc[np] = 1000.0 * p.cpu_s / p.samples;
                pcpu[np] = 100.0 * p.cpu_s / (run_s + 2.5);
                pl[np++] = p.lost;
            }
            if (s.ok) {
                sc[ns] = 1000.0 * s.cpu_s / s.samples;
                scpu[ns] = 100.0 * s.cpu_s / run_s;
                sl[ns++] = s.lost;
            }
        }
        char name[128], goal[64];
        double pmed = bench_quantile(pc, np, 0.5), smed = bench_quantile(sc, ns, 0.5);
        double ratio = pmed / smed;
        snprintf(name, sizeof name, "station CPU s per 1000 samples, %s", labels[k]);
        bench_row("peer", name, "s", sc, ns, "10x less than the peer", ratio >= 10, ratio);
        snprintf(name, sizeof name, "peer CPU s per 1000 samples, %s", labels[k]);
        bench_row("peer", name, "s", pc, np, "", -1, NAN);
        snprintf(name, sizeof name, "station CPU, %s (whole process)", labels[k]);
        bench_row("peer", name, "% core", scpu, ns, "", -1, bench_quantile(pcpu, np, 0.5) / bench_quantile(scpu, ns, 0.5));
        snprintf(name, sizeof name, "station samples lost, %s", labels[k]);
        snprintf(goal, sizeof goal, "0 (+-%g: emulator clock)", loss_tolerance(rates[k]));
        bench_row("peer", name, "samples", sl, ns, goal, bench_quantile(sl, ns, 1.0) <= loss_tolerance(rates[k]), NAN);
        snprintf(name, sizeof name, "peer samples lost, %s", labels[k]);
        bench_row("peer", name, "samples", pl, np, "", -1, NAN);
    }
    /* 80 Hz: where the station's CPU goes. A run of run_s seconds at 80 Hz is 800 samples; what the
     * process costs to start and end is measured apart and taken out, for both readers. */
    /* five of each (a start spreads by 20 % with the machine's load) */
    double fs[MAX_RUNS], fh[MAX_RUNS], fl[MAX_RUNS], fp[MAX_RUNS], fpart[FIXED_PARTS][MAX_RUNS], parts[FIXED_PARTS];
    int nfs = 0, nfh = 0, nfl = 0, nfp = 0, nfpart[FIXED_PARTS] = {0};
    for (int i = 0; i < 5; i++) {
        double c;
        if (isfinite(c = fixed_cpu(FIXED_STATION, parts))) {
            fs[nfs++] = 1000 * c;
            for (int k = 0; k < FIXED_PARTS; k++)
                if (isfinite(parts[k]))
                    fpart[k][nfpart[k]++] = parts[k];
        }
        if (isfinite(c = fixed_cpu(FIXED_START, parts)))
            fh[nfh++] = 1000 * c;
        if (isfinite(c = fixed_cpu(FIXED_SESSIONS, parts)))
            fl[nfl++] = 1000 * c;
        if (isfinite(c = fixed_cpu(FIXED_PEER, parts)))
            fp[nfp++] = 1000 * c;
    }
    bench_row("peer", "station fixed cost of a run (start, database, protocol, device opened, session ended)", "ms",
              fs, nfs, "", -1, bench_quantile(fp, nfp, 0.5) / bench_quantile(fs, nfs, 0.5));
    for (int k = 0; k < FIXED_PARTS; k++) /* each part's own median: they add up to about the total's */
        bench_row("peer", part_names[k], "ms", fpart[k], nfpart[k], "", -1, NAN);
    bench_row("peer", "the process start alone (station --help: 8 shared libraries bound)", "ms", fh, nfh, "", -1,
              NAN);
    bench_row("peer", "a plain command (station sessions, the bench's database)", "ms", fl, nfl, "", -1, NAN);
    bench_row("peer", "peer fixed cost of a run (Python, pyserial, port, capture ended)", "ms", fp, nfp, "", -1, NAN);
    if (nfs && nfp) {
        double sm[MAX_RUNS], pm[MAX_RUNS];
        int nsm = 0, npm = 0;
        double fsm = bench_quantile(fs, nfs, 0.5) / 1000, fpm = bench_quantile(fp, nfp, 0.5) / 1000;
        for (int i = 0; i < runs; i++) {
            if (s80[i].ok)
                sm[nsm++] = 1000.0 * (s80[i].cpu_s - fsm) / s80[i].samples;
            if (p80[i].ok)
                pm[npm++] = 1000.0 * (p80[i].cpu_s - fpm) / p80[i].samples;
        }
        double ratio = bench_quantile(pm, npm, 0.5) / bench_quantile(sm, nsm, 0.5);
        bench_row("peer", "station CPU s per 1000 samples beyond the fixed cost, 80 Hz", "s", sm, nsm,
                  "10x less than the peer", ratio >= 10, ratio);
        bench_row("peer", "peer CPU s per 1000 samples beyond the fixed cost, 80 Hz", "s", pm, npm, "", -1, NAN);
    }
    /* The highest zero-loss rate: doubling from 2 kHz while the emulator makes what is asked. */
    double best[2] = {0, 0};
    for (int who = 0; who < 2; who++)
        for (double rate = 2000; rate <= 64000; rate *= 2) {
            struct result r = who ? run_station(rate, 4) : run_peer(rate, 4);
            if (!r.ok || r.lost > loss_tolerance(rate) || r.sent_rate < 0.95 * rate)
                break;
            best[who] = rate;
        }
    bench_row1("peer", "highest zero-loss rate, station", "Hz", best[1], "", -1);
    bench_row1("peer", "highest zero-loss rate, peer", "Hz", best[0], "", -1);
    /* Four channels: 4 x 2 kHz headless (goal: nothing lost), 4 x 1 kHz headless and with the window
     * (goal: under 10 % of one core each). */
    double l4[MAX_RUNS], c4[MAX_RUNS], w4[MAX_RUNS];
    int n4 = 0, nc4 = 0, nw4 = 0;
    double secs4 = quick ? 8 : 10;
    for (int i = 0; i < 2; i++) {
        struct result r = run_station_n(2000, secs4, 4, NULL);
        if (r.ok)
            l4[n4++] = r.lost;
        r = run_station_n(1000, secs4, 4, NULL);
        if (r.ok)
            c4[nc4++] = 100.0 * r.cpu_s / secs4;
    }
    bench_row("acquisition", "samples lost, 4 channels x 2 kHz, headless (all channels)", "samples", l4, n4,
              "0 (+-1 a channel: emulator clock)", n4 > 0 && bench_quantile(l4, n4, 1.0) <= 4, NAN);
    bench_row("acquisition", "station CPU, 4 channels x 1 kHz, headless (whole process)", "% core", c4, nc4,
              "under 10 % of one core", nc4 > 0 && bench_quantile(c4, nc4, 0.99) < 10, NAN);
    char display[16];
    pid_t xvfb = bench_xvfb_start(display, sizeof display);
    if (xvfb > 0) {
        for (int i = 0; i < 2; i++) {
            struct result r = run_station_n(1000, secs4, 4, display);
            if (r.ok)
                w4[nw4++] = 100.0 * r.cpu_s / secs4;
        }
        bench_xvfb_stop(xvfb);
        bench_row("screen", "station CPU, 4 channels x 1 kHz, window open (Xvfb, software renderer)", "% core", w4,
                  nw4, "under 10 % of one core", nw4 > 0 && bench_quantile(w4, nw4, 0.99) < 10, NAN);
    } else {
        printf("  4 x 1 kHz with the window: skipped (no Xvfb)\n");
    }
    const char *files[] = {"peer.db", "peer.db-wal", "peer.db-shm", "peer.ini", "peer4.ini", "peer.csv", "peer.out",
                           "station.out"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char f[PATH_MAX + 32];
        snprintf(f, sizeof f, "%s/%s", dir, files[i]);
        unlink(f);
    }
    rmdir(dir);
    return 0;
}
