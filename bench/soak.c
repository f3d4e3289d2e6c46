/*
 * soak.c - the clinic day, compressed: the station runs hands-free for a set time (default 2 hours,
 * --minutes 10 for a quick look) on 4 emulated Chronojump channels at 1 kHz, the protocol repeating
 * session after session, a cable pulled and plugged back every few minutes; every minute it samples
 * the station's RSS, open file descriptors, threads and CPU time from /proc, and at the end it reports
 * their growth, the samples lost, the reconnects that failed and the reps that were not saved.
 *
 * Two processes. The child is the station: it runs session_run() - what `station run --headless
 * --auto` runs - one session after another in ONE process, so a leak adds up over the day where a
 * new process per session would hide it. The parent is the clinic: the four emulators (threads on
 * ptys behind stable symlinks, as a USB cable's /dev/serial/by-id name), the hand that pulls a cable,
 * and the observer reading /proc/CHILD. It forks before any thread starts, so the child inherits none.
 *
 * Out folder (--out, default ./soak-out): soak.db (the sessions), sessions.log (the station's
 * terminal), samples.tsv (one line per sample of /proc), pulls.tsv (each pull and whether the station
 * came back), summary.txt (the figures; key = value lines bench/RESULTS.md quotes).
 * Exit status 0 when nothing was lost, leaked or left unsaved; 1 otherwise; 2 on a usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_fixture.h"
#include "common/clock.h"
#include "drivers/emu.h"
#include "station/session.h"
#include "station/store/store.h"

#define NCH 4

/* Four blocks, one per channel: each gauge is measured in turn while all four stream. Short rests so a
 * session takes about a minute and a 2-hour soak runs over a hundred of them. */
static const char *protocol_text =
    "; soak.ini - written by bench/soak: one block per channel, short timings\n"
    "[protocol]\nname = soak\ntitle = Soak: four channels in turn\nposition = supine, hips 0°\n"
    "hip_flexion_deg = 0\nlever = long\ncontraction = make\n[order]\nmode = fixed\n[blocks]\n"
    "block = adduction left 0\nblock = adduction right 1\nblock = abduction left 2\n"
    "block = abduction right 3\n[reps]\nfamiliarisation = 0\nreps = 3\nhold_s = 1.5\nrest_s = 1\n"
    "countdown_s = 0.5\nblock_rest_s = 1\n[quality]\nonset_threshold_n = 5\ncv_limit_pct = 15\n"
    "max_extra_reps = 2\n";

struct opts {
    double minutes, sample_s, pull_s, plug_gap_s, rate_hz;
    const char *out;
};

static volatile sig_atomic_t stop_child;
static void on_term(int sig)
{
    (void)sig;
    stop_child = 1;
    session_interrupt();
}

static void path_in(char *buf, size_t size, const char *dir, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* The station: sessions back to back until the deadline (or SIGTERM). One line per session in
 * results (id, status, seconds, message). Never returns. */
static void run_station(const struct opts *op, const char *db, const char *patient, const char *proto,
                        char ports[NCH][512], int64_t deadline_ns)
{
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    char logp[1024], resp[1024];
    path_in(logp, sizeof logp, op->out, "sessions.log");
    path_in(resp, sizeof resp, op->out, "results.tsv");
    FILE *log = fopen(logp, "a"), *res = fopen(resp, "a");
    if (!log || !res)
        _exit(3);
    setvbuf(res, NULL, _IOLBF, 0);
    setvbuf(log, NULL, _IOLBF, 0); /* the terminal as it goes, for whoever watches a long soak */
    for (int c = 0; c < NCH; c++) /* the emulators' links appear once the parent has started them */
        for (int i = 0; i < 200 && access(ports[c], F_OK) != 0; i++)
            st_sleep_ns(50 * ST_NS_PER_MS);
    while (!stop_child && st_now_ns() < deadline_ns) {
        struct session_opts o = session_opts_default();
        o.db_path = db;
        o.patient = patient;
        o.therapist = "soak";
        o.protocol = proto;
        o.headless = true;
        o.auto_mode = true;
        o.out = log;
        o.n_ch = NCH;
        for (int c = 0; c < NCH; c++) {
            o.ch[c].port = ports[c];
            o.ch[c].driver = "chronojump";
            o.ch[c].polarity = 1;
        }
        o.exit_after_s = 600; /* a session stuck 10 minutes is stopped and counted as such */
        int64_t id = 0, t0 = st_now_ns();
        struct st_err err;
        st_err_clear(&err);
        enum st_status st = session_run(&o, &id, &err);
        fflush(log);
        fprintf(res, "%lld\t%d\t%.1f\t%s\n", (long long)id, (int)st, (double)(st_now_ns() - t0) / 1e9,
                st == ST_OK ? "" : st_err_msg(&err));
        if (st != ST_OK && !stop_child)
            st_sleep_ns(ST_NS_PER_S); /* e.g. a cable pulled just as the session opened its ports */
    }
    fclose(log);
    fclose(res);
    _exit(0);
}

struct proc_sample {
    double t_min, rss_kb, cpu_s;
    int fds, threads;
};

/* RSS and threads from /proc/PID/status, open fds from /proc/PID/fd, CPU (user + system) from stat. */
static int proc_read(pid_t pid, struct proc_sample *s)
{
    char p[64], line[512];
    snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return -1;
    s->rss_kb = -1;
    s->threads = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6))
            s->rss_kb = strtod(line + 6, NULL);
        else if (!strncmp(line, "Threads:", 8))
            s->threads = (int)strtol(line + 8, NULL, 10);
    }
    fclose(f);
    snprintf(p, sizeof p, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(p);
    s->fds = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.')
                s->fds++;
        closedir(d);
    }
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    f = fopen(p, "r");
    s->cpu_s = -1;
    if (f) {
        char buf[1024];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        fclose(f);
        char *rp = strrchr(buf, ')'); /* the name may hold spaces; fields 14, 15 after it */
        unsigned long ut = 0, stt = 0;
        if (rp && sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) == 2)
            s->cpu_s = (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
    }
    return s->rss_kb < 0 ? -1 : 0;
}

/* Least-squares slope of y over x (per unit of x); 0 with fewer than 2 points. */
static double slope(const double *x, const double *y, int n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        sxy += x[i] * y[i];
    }
    double den = n * sxx - sx * sx;
    return n < 2 || den == 0 ? 0 : (n * sxy - sx * sy) / den;
}

/* Counts lines of path holding needle. */
static long count_lines(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[2048];
    long n = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, needle))
            n++;
    fclose(f);
    return n;
}

static int usage(const char *msg)
{
    fprintf(stderr, "soak: %s\nusage: soak [--minutes M (default 120)] [--out DIR (default ./soak-out)] "
                    "[--sample-s S (default 60)] [--pull-every-s S (default 180)] [--rate-hz HZ (default 1000)]\n",
            msg);
    return 2;
}

static int parse(int argc, char **argv, struct opts *op)
{
    *op = (struct opts){.minutes = 120, .sample_s = 60, .pull_s = 180, .plug_gap_s = 2, .rate_hz = 1000,
                        .out = "soak-out"};
    for (int i = 1; i < argc; i += 2) { /* every option takes one value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double *num = !strcmp(a, "--minutes") ? &op->minutes : !strcmp(a, "--sample-s") ? &op->sample_s
                    : !strcmp(a, "--pull-every-s") ? &op->pull_s : !strcmp(a, "--rate-hz") ? &op->rate_hz
                    : NULL;
        if (!v)
            return usage("every option takes a value");
        if (!strcmp(a, "--out"))
            op->out = v;
        else if (!num)
            return usage("unknown option");
        else {
            char *end = NULL;
            *num = strtod(v, &end);
            if (!end || *end || !(*num > 0))
                return usage("numbers must be positive");
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    struct opts op;
    int rc = parse(argc, argv, &op);
    if (rc >= 0)
        return rc;
    if (mkdir(op.out, 0700) != 0 && errno != EEXIST)
        return usage("cannot make the out folder");
    char db[1024], proto[1024], ports[NCH][512], file[1024], pid_txt[32];
    path_in(db, sizeof db, op.out, "soak.db");
    path_in(proto, sizeof proto, op.out, "soak.ini");
    FILE *pf = fopen(proto, "w");
    if (!pf || fputs(protocol_text, pf) < 0 || fclose(pf) != 0)
        return usage("cannot write the protocol file in the out folder");
    for (int c = 0; c < NCH; c++) {
        char name[32];
        snprintf(name, sizeof name, "tty-ch%d", c + 1);
        path_in(ports[c], sizeof ports[c], op.out, name);
    }
    struct st_err err;
    st_err_clear(&err);
    struct store *s = NULL;
    if (store_open(db, &s, &err) != ST_OK) {
        fprintf(stderr, "soak: %s\n", st_err_msg(&err));
        return 1;
    }
    char ref[32];
    snprintf(ref, sizeof ref, "SOAK-%lld", (long long)st_wall_s());
    int64_t patient_id = 0;
    enum st_status st = bench_patient_add(s, "Soak Patient", ref, &patient_id, &err);
    store_close(s);
    if (st != ST_OK) {
        fprintf(stderr, "soak: %s\n", st_err_msg(&err));
        return 1;
    }
    snprintf(pid_txt, sizeof pid_txt, "%lld", (long long)patient_id);

    int64_t start = st_now_ns(), deadline = start + (int64_t)(op.minutes * 60e9);
    fflush(NULL);
    pid_t child = fork();
    if (child < 0)
        return usage("fork failed");
    if (child == 0)
        run_station(&op, db, pid_txt, proto, ports, deadline);

    struct emu *e[NCH] = {0};
    for (int c = 0; c < NCH; c++) {
        struct emu_opts eo = emu_opts_default("chronojump");
        eo.rate_hz = op.rate_hz;
        eo.link_path = ports[c];
        eo.patient = emu_patient_default(180 + 20 * c, 0); /* pushes forever, one every 4.5 s */
        eo.patient.seed = 11u + (unsigned)c;
        if (emu_start(&eo, &e[c], &err) != ST_OK) {
            fprintf(stderr, "soak: %s\n", st_err_msg(&err));
            kill(child, SIGKILL);
            waitpid(child, NULL, 0);
            for (int k = 0; k < c; k++)
                emu_stop(e[k]);
            return 1;
        }
    }
    path_in(file, sizeof file, op.out, "samples.tsv");
    FILE *samples = fopen(file, "w");
    path_in(file, sizeof file, op.out, "pulls.tsv");
    FILE *pulls = fopen(file, "w");
    if (!samples || !pulls)
        return usage("cannot write in the out folder");
    fprintf(samples, "minute\trss_kb\tfds\tthreads\tcpu_s\n");
    fprintf(pulls, "minute\tchannel\tstreaming_again_after_s\treconnected\n");
    fprintf(stderr, "soak: %.0f min, %d channels at %.0f Hz, a pull every %.0f s, a sample every %.0f s; "
                    "station pid %d, out %s\n",
            op.minutes, NCH, op.rate_hz, op.pull_s, op.sample_s, (int)child, op.out);

    enum { MAXS = 100000 };
    static double xs[MAXS], rss[MAXS], fds[MAXS];
    int ns = 0;
    double next_sample = op.sample_s < 10 ? op.sample_s : 10; /* a first look once the station settled */
    double next_pull = op.pull_s;
    int pull_ch = 0, npulls = 0, failed_reconnects = 0, pending = -1;
    double pending_check = 0, pending_at = 0;
    struct proc_sample first = {0}, last = {0};
    int child_status = 0;
    bool child_done = false;
    while (!child_done) {
        double t = (double)(st_now_ns() - start) / 1e9;
        if (waitpid(child, &child_status, WNOHANG) == child) {
            child_done = true;
            break;
        }
        if (t > op.minutes * 60 + 660) /* the deadline plus a stuck session's 10 minutes */
            kill(child, SIGTERM);
        if (t >= next_sample) {
            struct proc_sample ps;
            if (proc_read(child, &ps) == 0 && ns < MAXS) {
                ps.t_min = t / 60;
                if (ns == 0)
                    first = ps;
                last = ps;
                xs[ns] = ps.t_min;
                rss[ns] = ps.rss_kb;
                fds[ns] = ps.fds;
                ns++;
                fprintf(samples, "%.2f\t%.0f\t%d\t%d\t%.2f\n", ps.t_min, ps.rss_kb, ps.fds, ps.threads, ps.cpu_s);
                fflush(samples);
            }
            next_sample = (floor(t / op.sample_s) + 1) * op.sample_s;
        }
        /* a pull: the cable out for plug_gap_s, then back; within 20 s the station must have reopened it
         * and restarted the stream (a Chronojump resets when plugged in: it streams again only when a
         * host sends start_capture:). No pull in the last half-minute: it could not be checked. */
        if (pending < 0 && t >= next_pull && t < op.minutes * 60 - 30) {
            emu_unplug(e[pull_ch]);
            st_sleep_ns((int64_t)(op.plug_gap_s * 1e9));
            if (emu_replug(e[pull_ch], &err) != ST_OK)
                fprintf(stderr, "soak: the emulator could not replug: %s\n", st_err_msg(&err));
            pending = pull_ch;
            pending_at = t;
            pending_check = t + 20;
            pull_ch = (pull_ch + 1) % NCH;
            next_pull += op.pull_s;
        }
        struct emu_stats pes;
        if (pending >= 0)
            emu_get_stats(e[pending], &pes);
        if (pending >= 0 && (pes.streaming || t >= pending_check)) {
            bool ok = pes.streaming;
            npulls++;
            failed_reconnects += !ok;
            fprintf(pulls, "%.2f\t%d\t%.1f\t%s\n", pending_at / 60, pending + 1, t - pending_at,
                    ok ? "yes" : "NO");
            fflush(pulls);
            pending = -1;
        }
        st_sleep_ns(100 * ST_NS_PER_MS);
    }
    uint64_t sent = 0;
    for (int c = 0; c < NCH; c++) {
        struct emu_stats es;
        emu_get_stats(e[c], &es);
        sent += es.samples_sent;
        emu_stop(e[c]);
    }
    fclose(samples);
    fclose(pulls);

    /* What the station recorded: every session of the soak, its reps, drops and device events. */
    long sessions = 0, complete = 0, reps_stored = 0, lost_events = 0, back_events = 0;
    long long drops = 0, bad = 0, rep_drops = 0;
    if (store_open(db, &s, &err) != ST_OK) {
        fprintf(stderr, "soak: %s\n", st_err_msg(&err));
        return 1;
    }
    struct store_session *list = NULL;
    size_t nl = 0;
    if (store_session_list(s, patient_id, &list, &nl, &err) != ST_OK)
        fprintf(stderr, "soak: %s\n", st_err_msg(&err));
    for (size_t i = 0; i < nl; i++) {
        sessions++;
        complete += list[i].status == STORE_SESSION_COMPLETE;
        drops += list[i].drops > 0 ? list[i].drops : 0;
        bad += list[i].bad_lines > 0 ? list[i].bad_lines : 0;
        struct store_rep *reps = NULL;
        size_t nr = 0;
        if (store_rep_list(s, list[i].id, &reps, &nr, &err) == ST_OK) {
            reps_stored += (long)nr;
            for (size_t r = 0; r < nr; r++)
                rep_drops += reps[r].samples_drops;
        }
        free(reps);
        struct store_session_event *ev = NULL;
        size_t nev = 0;
        if (store_session_events(s, list[i].id, &ev, &nev, &err) == ST_OK)
            for (size_t k = 0; k < nev; k++) {
                lost_events += !strcmp(ev[k].kind, "device_lost");
                back_events += !strcmp(ev[k].kind, "device_back");
            }
        free(ev);
    }
    free(list);
    bool integrity = store_integrity_check(s, &err) == ST_OK;
    store_close(s);
    path_in(file, sizeof file, op.out, "sessions.log");
    long saved_lines = count_lines(file, " - saved [#"), unsaved_lines = count_lines(file, "NOT SAVED YET");
    path_in(file, sizeof file, op.out, "results.tsv");
    long runs = count_lines(file, "\t"), failed_runs = runs - count_lines(file, "\t0\t");
    long reps_not_saved = unsaved_lines + (saved_lines > reps_stored ? saved_lines - reps_stored : 0);

    /* Growth: from the first sample after the warm-up (the first session's caches and SQLite's page
     * cache fill in the first minutes) to the end, and the least-squares slope per hour. */
    int w = ns > 4 ? ns / 5 : 0;
    double rss_slope = slope(xs + w, rss + w, ns - w) * 60, fd_slope = slope(xs + w, fds + w, ns - w) * 60;
    double rss_max = 0;
    for (int i = 0; i < ns; i++)
        rss_max = rss[i] > rss_max ? rss[i] : rss_max;
    double minutes_run = (double)(st_now_ns() - start) / 60e9;
    double cpu_pct = last.t_min > first.t_min ? 100.0 * (last.cpu_s - first.cpu_s) / ((last.t_min - first.t_min) * 60) : 0;
    path_in(file, sizeof file, op.out, "summary.txt");
    FILE *sum = fopen(file, "w");
    FILE *outs[2] = {stdout, sum};
    for (int k = 0; k < 2; k++) {
        FILE *o = outs[k];
        if (!o)
            continue;
        fprintf(o, "minutes = %.1f\nchannels = %d\nrate_hz = %.0f\nsamples_sent = %llu\n", minutes_run, NCH,
                op.rate_hz, (unsigned long long)sent);
        fprintf(o, "sessions = %ld\nsessions_complete = %ld\nsession_runs_failed = %ld\nreps_stored = %ld\n",
                sessions, complete, failed_runs, reps_stored);
        fprintf(o, "reps_not_saved = %ld\nsamples_lost = %lld\nbad_lines = %lld\nrep_sample_drops = %lld\n",
                reps_not_saved, drops, bad, rep_drops);
        fprintf(o, "pulls = %d\nfailed_reconnects = %d\ndevice_lost_events = %ld\ndevice_back_events = %ld\n",
                npulls, failed_reconnects, lost_events, back_events);
        fprintf(o, "rss_kb_first = %.0f\nrss_kb_last = %.0f\nrss_kb_max = %.0f\nrss_slope_kb_per_h = %.0f\n",
                first.rss_kb, last.rss_kb, rss_max, rss_slope);
        fprintf(o, "fds_first = %d\nfds_last = %d\nfd_slope_per_h = %.2f\nthreads_first = %d\nthreads_last = %d\n",
                first.fds, last.fds, fd_slope, first.threads, last.threads);
        fprintf(o, "cpu_pct_of_core = %.1f\nintegrity = %s\n", cpu_pct, integrity ? "ok" : "FAILED");
    }
    if (sum)
        fclose(sum);
    bool bad_run = !WIFEXITED(child_status) || WEXITSTATUS(child_status) != 0 || failed_reconnects ||
                   reps_not_saved || drops || !integrity || last.fds > first.fds || last.threads > first.threads;
    return bad_run ? 1 : 0;
}
