/*
 * test_analyze.c - `station analyze`: the CSV reader (good files, every tolerated variation, every
 * kind of bad line with its line number), the JSON object (exactly DESIGN.md's keys in order, null
 * where a value is missing), the table, and the command's exit statuses 0 / 1 / 2.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cmd_capture.h"
#include "station/export/analyze.h"
#include "station/cli/commands.h"

static const char *write_file(const char *name, const char *content, size_t len)
{
    static char path[512];
    check_tmppath(path, sizeof path, name);
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fwrite(content, 1, len, f) == len);
    REQUIRE(fclose(f) == 0);
    return path;
}

static const char *write_text(const char *name, const char *content)
{
    return write_file(name, content, strlen(content));
}

/* ------------------------------------------------------------------------------------------------ */
/* Reading. */

static void test_read_good(void)
{
    const char *path = write_text("good.csv", "t_s,force_n\n0,0.5\n0.01,-1.25\n0.02,3e1\n0.02,31\n");
    double *t = NULL, *f = NULL;
    size_t n = 0;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(analyze_read_csv(path, &t, &f, &n, &err), &err);
    REQUIRE(n == 4 && t && f);
    CHECK_NEAR(t[0], 0, 0);
    CHECK_NEAR(f[0], 0.5, 0);
    CHECK_NEAR(t[1], 0.01, 0);
    CHECK_NEAR(f[1], -1.25, 0);
    CHECK_NEAR(f[2], 30, 0);
    CHECK_NEAR(t[3], 0.02, 0); /* equal times are fine */
    free(t);
    free(f);
}

/* A BOM, CRLF, spaces and tabs around fields and the header, blank lines at the end, no final
 * newline on a variant: all read the same three samples. */
static void test_read_tolerated_variations(void)
{
    static const char *const variants[] = {
        "\xEF\xBB\xBFt_s,force_n\r\n0.0,1\r\n0.5,2\r\n1.0,3\r\n",
        "\xEF\xBB\xBF t_s , force_n \r\n 0.0 ,\t1 \r\n0.5, 2\r\n1.0 ,3\r\n\r\n\r\n",
        "t_s,force_n\n0.0,1\n0.5,2\n1.0,3",
        "t_s,force_n\n0.0,1\n0.5,2\n1.0,3\n\n   \n\t\n",
        "t_s,force_n\r\n0.0,+1\r\n5e-1,2.0\r\n1,3.\r\n",
    };
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        const char *path = write_text("variant.csv", variants[v]);
        double *t = NULL, *f = NULL;
        size_t n = 0;
        struct st_err err;
        st_err_clear(&err);
        CHECK_OK(analyze_read_csv(path, &t, &f, &n, &err), &err);
        CHECK_INT(n, 3);
        if (n == 3) {
            CHECK_NEAR(t[0], 0, 0);
            CHECK_NEAR(t[1], 0.5, 0);
            CHECK_NEAR(t[2], 1.0, 0);
            CHECK_NEAR(f[0], 1, 0);
            CHECK_NEAR(f[1], 2, 0);
            CHECK_NEAR(f[2], 3, 0);
        }
        free(t);
        free(f);
    }
}

struct bad_case {
    const char *content;
    size_t len; /* 0: strlen */
    const char *where; /* expected in the message, e.g. "line 3:" */
    const char *what;  /* and this */
};

static void test_read_bad_lines(void)
{
    static const struct bad_case cases[] = {
        {"", 0, "line 1:", "empty"},
        {"time,force\n0,1\n1,2\n", 0, "line 1:", "header t_s,force_n"},
        {"t_s;force_n\n0;1\n1;2\n", 0, "line 1:", "header"},
        {"0,1\n1,2\n", 0, "line 1:", "header"},
        {"t_s,force_n\n0,1\n0.01\n", 0, "line 3:", "found one"},
        {"t_s,force_n\n0,1\n0.01,2,3\n", 0, "line 3:", "found 3"},
        {"t_s,force_n\n0,1\n0.01,2\nabc,3\n", 0, "line 4:", "the time \"abc\""},
        {"t_s,force_n\n0,1\n0.01,12x\n", 0, "line 3:", "the force \"12x\""},
        {"t_s,force_n\n0,1\n0.01,\n", 0, "line 3:", "the force \"\" is empty"},
        {"t_s,force_n\n0,1\n,5\n", 0, "line 3:", "the time \"\" is empty"},
        {"t_s,force_n\n0,1\n0.01,nan\n", 0, "line 3:", "not a plain decimal number"},
        {"t_s,force_n\n0,1\n0.01,inf\n", 0, "line 3:", "force \"inf\""},
        {"t_s,force_n\n0,1\n0.01,0x10\n", 0, "line 3:", "force \"0x10\""},
        {"t_s,force_n\n0,1\n0.01,1e999\n", 0, "line 3:", "out of range"},
        {"t_s,force_n\n0,1\n\"0.01\",\"2\"\n", 0, "line 3:", "time"},
        {"t_s,force_n\n0,1\n0.01,5 N\n", 0, "line 3:", "force \"5 N\""},
        {"t_s,force_n\n0,1\n0.01,1.2.3\n", 0, "line 3:", "force \"1.2.3\""},
        {"t_s,force_n\n0,1\n0.02,2\n0.01,3\n", 0, "line 4:", "before the previous"},
        {"t_s,force_n\n0,1\n\n0.01,2\n", 0, "line 3:", "empty line in the middle"},
        {"t_s,force_n\n0,1\n0.01,2\x00\n", 24, "line 3:", "NUL"},
        {"t_s,force_n\n0,1\n", 0, "1 sample", "at least 2"},
        {"t_s,force_n\n", 0, "0 samples", "at least 2"},
        {"t_s,force_n\n\n\n", 0, "0 samples", "at least 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bad_case *c = &cases[i];
        const char *path = write_file("bad.csv", c->content, c->len ? c->len : strlen(c->content));
        double *t = (double *)1, *f = (double *)1;
        size_t n = 99;
        struct st_err err;
        st_err_clear(&err);
        enum st_status s = analyze_read_csv(path, &t, &f, &n, &err);
        if (s != ST_ERR_PARSE || !strstr(err.msg, c->where) || !strstr(err.msg, c->what) ||
            !strstr(err.msg, path))
            check_fail(__FILE__, __LINE__, "bad case %zu: status %s, message \"%s\" (want \"%s\" and \"%s\")",
                       i, st_status_name(s), err.msg, c->where, c->what);
        CHECK(t == NULL && f == NULL && n == 0);
    }
}

static void test_read_file_errors(void)
{
    double *t, *f;
    size_t n;
    struct st_err err;
    char path[512];
    st_err_clear(&err);
    check_tmppath(path, sizeof path, "does-not-exist.csv");
    CHECK_INT(analyze_read_csv(path, &t, &f, &n, &err), ST_ERR_NOT_FOUND);
    CHECK(strstr(err.msg, "does-not-exist.csv") != NULL);
    st_err_clear(&err);
    CHECK_INT(analyze_read_csv(check_tmpdir(), &t, &f, &n, &err), ST_ERR_IO); /* a directory */
    CHECK(strstr(err.msg, check_tmpdir()) != NULL);
    CHECK_INT(analyze_read_csv(NULL, &t, &f, &n, &err), ST_ERR_ARG);
}

/* A long file (200 000 samples) grows the arrays several times and reads back exactly. */
static void test_read_long_file(void)
{
    char path[512];
    check_tmppath(path, sizeof path, "long.csv");
    FILE *out = fopen(path, "w");
    REQUIRE(out);
    fputs("t_s,force_n\n", out);
    for (int i = 0; i < 200000; i++)
        fprintf(out, "%.17g,%.17g\n", i / 1000.0, (i % 977) * 0.37);
    REQUIRE(fclose(out) == 0);
    double *t, *f;
    size_t n;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(analyze_read_csv(path, &t, &f, &n, &err), &err);
    REQUIRE(n == 200000);
    bool same = true;
    for (int i = 0; i < 200000; i++)
        same = same && t[i] == i / 1000.0 && f[i] == (i % 977) * 0.37;
    CHECK(same);
    free(t);
    free(f);
}

/* ------------------------------------------------------------------------------------------------ */
/* Printing. */

/* The keys of the top-level object, in order (a small scanner: strings, nesting, escapes). */
static int json_top_keys(const char *s, char keys[][40], int max)
{
    int depth = 0, nk = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            depth--;
        } else if (*p == '"') {
            const char *start = ++p;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            size_t len = (size_t)(p - start);
            const char *q = p + 1;
            while (*q == ' ' || *q == '\n')
                q++;
            if (depth == 1 && *q == ':' && nk < max) {
                snprintf(keys[nk], 40, "%.*s", (int)len, start);
                nk++;
            }
            if (!*p)
                break;
        }
    }
    return nk;
}

/* The text after "key": up to the next comma or newline. */
static const char *json_value(const char *s, const char *key, char *buf, size_t size)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *found = strstr(s, pat);
    if (!found) {
        snprintf(buf, size, "(missing)");
        return buf;
    }
    size_t off = (size_t)(found - s) + strlen(pat);
    size_t len = strcspn(s + off, ",\n");
    snprintf(buf, size, "%.*s", (int)len, s + off);
    return buf;
}

static const char *const design_keys[] = {
    "baseline_n", "onset_s", "peak_n", "time_to_peak_s", "release_s", "rfd_0_50_n_per_s",
    "rfd_0_100_n_per_s", "rfd_0_200_n_per_s", "best_1s_mean_n", "impulse_n_s", "sample_rate_hz", "flags",
};

static void check_design_keys(const char *json)
{
    char keys[32][40];
    int nk = json_top_keys(json, keys, 32);
    CHECK_INT(nk, 12);
    for (int i = 0; i < 12 && i < nk; i++)
        CHECK_STR(keys[i], design_keys[i]);
    /* One object and nothing else. */
    CHECK(json[0] == '{');
    size_t len = strlen(json);
    CHECK(len >= 2 && json[len - 2] == '}' && json[len - 1] == '\n');
}

/* The 50 Hz shape of test_metrics.c (0 -> 400 N at 800 N/s from 1.0 s, hold to 4.0 s, down by
 * 4.5 s) written as a CSV. Hand values: onset 1.00625 s, peak 400 N at 1.5 s, release 4.49375 s,
 * RFD 0-50 null (2 samples), 0-100 and 0-200 800 N/s, best 1 s 400 N, impulse 1199.96875 N·s. */
static const char *write_50hz_shape(void)
{
    static char path[512];
    check_tmppath(path, sizeof path, "shape50.csv");
    FILE *out = fopen(path, "w");
    REQUIRE(out);
    fputs("t_s,force_n\n", out);
    for (int ms = 0; ms <= 5500; ms += 20) {
        double fv = ms <= 1000 ? 0 : ms <= 1500 ? 0.8 * (ms - 1000) : ms <= 4000 ? 400 : ms <= 4500 ? 400 - 0.8 * (ms - 4000) : 0;
        fprintf(out, "%.3f,%.17g\n", ms / 1000.0, fv);
    }
    REQUIRE(fclose(out) == 0);
    return path;
}

/* noinline: gcc 12 -O2 takes open_memstream(&buf) for a dangling pointer once this is inlined */
__attribute__((noinline)) static char *print_to_string(const struct met_result *m, bool json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(analyze_print(out, m, json, &err), &err);
    fclose(out);
    return buf;
}

static struct met_result analyze_file(const char *path, const struct met_opts *o)
{
    double *t = NULL, *f = NULL;
    size_t n = 0;
    struct st_err err;
    st_err_clear(&err);
    struct met_result m;
    memset(&m, 0, sizeof m);
    CHECK_OK(analyze_read_csv(path, &t, &f, &n, &err), &err);
    CHECK_OK(met_compute(t, f, n, o, &m, &err), &err);
    free(t);
    free(f);
    return m;
}

static void test_json_keys_and_nulls(void)
{
    char v[64]; /* before any REQUIRE: gcc 12 -O2 misreads a buffer declared after a longjmp point */
    struct met_result m = analyze_file(write_50hz_shape(), NULL);
    char *json = print_to_string(&m, true);
    REQUIRE(json);
    check_design_keys(json);
    CHECK_STR(json_value(json, "baseline_n", v, sizeof v), "0");
    CHECK_STR(json_value(json, "onset_s", v, sizeof v), "1.00625");
    CHECK_STR(json_value(json, "peak_n", v, sizeof v), "400");
    CHECK_STR(json_value(json, "time_to_peak_s", v, sizeof v), "0.49375");
    CHECK_STR(json_value(json, "release_s", v, sizeof v), "4.49375");
    CHECK_STR(json_value(json, "rfd_0_50_n_per_s", v, sizeof v), "null");
    CHECK_STR(json_value(json, "rfd_0_100_n_per_s", v, sizeof v), "800");
    CHECK_STR(json_value(json, "rfd_0_200_n_per_s", v, sizeof v), "800");
    CHECK_STR(json_value(json, "best_1s_mean_n", v, sizeof v), "400");
    CHECK_STR(json_value(json, "impulse_n_s", v, sizeof v), "1199.96875");
    CHECK_STR(json_value(json, "sample_rate_hz", v, sizeof v), "50");
    CHECK(strstr(json, "\"flags\": []") != NULL);
    free(json);
}

/* No contraction: every contraction key null, flags listed by name. */
static void test_json_no_contraction(void)
{
    const char *path = write_text("flat.csv", "t_s,force_n\n0,30\n0.1,30\n0.2,30\n0.3,30\n0.6,31\n1.0,30\n");
    struct met_result m = analyze_file(path, NULL);
    char *json = print_to_string(&m, true);
    REQUIRE(json);
    check_design_keys(json);
    char v[64];
    CHECK_STR(json_value(json, "baseline_n", v, sizeof v), "30");
    for (size_t i = 1; i < 10; i++)
        CHECK_STR(json_value(json, design_keys[i], v, sizeof v), "null");
    CHECK_STR(json_value(json, "sample_rate_hz", v, sizeof v), "5");
    CHECK(strstr(json, "\"flags\": [\n    \"pre_tension\",\n    \"no_onset\"\n  ]") != NULL);
    free(json);
}

/* The two captures that once gave no number and no flag (issue 9): a push begun in the baseline
 * window and a push read as negative. Each now says why, in the JSON flags and in the text. */
static void test_silent_captures_say_why(void)
{
    static char csv[65536];
    const struct {
        const char *name, *flags, *text;
        double a, b; /* the force ramps from 0 at t = a to the plateau at t = b */
        double plateau;
    } cap[] = {
        {"late.csv", "\"flags\": [\n    \"pre_tension\",\n    \"unstable_baseline\",\n    \"no_onset\",\n"
                     "    \"onset_in_baseline\"\n  ]",
         "pre_tension, unstable_baseline, no_onset, onset_in_baseline", 0.42, 0.6, 745},
        {"negative.csv", "\"flags\": [\n    \"no_onset\",\n    \"opposite_direction\"\n  ]",
         "no_onset, opposite_direction", 1.0, 1.5, -379},
    };
    for (size_t c = 0; c < 2; c++) {
        size_t used = (size_t)snprintf(csv, sizeof csv, "t_s,force_n\n");
        for (int i = 0; i <= 400; i++) {
            double t = i / 100.0, f = 0;
            if (t > cap[c].a && t < 3.0)
                f = cap[c].plateau * fmin(1, (t - cap[c].a) / (cap[c].b - cap[c].a));
            used += (size_t)snprintf(csv + used, sizeof csv - used, "%.2f,%.2f\n", t, f);
        }
        struct met_result m = analyze_file(write_text(cap[c].name, csv), NULL);
        CHECK(!m.contraction);
        char *json = print_to_string(&m, true);
        REQUIRE(json);
        if (!strstr(json, cap[c].flags))
            check_fail(__FILE__, __LINE__, "%s: flags not %s in %s", cap[c].name, cap[c].flags, json);
        free(json);
        char *text = print_to_string(&m, false);
        REQUIRE(text);
        CHECK(strstr(text, cap[c].text) != NULL);
        free(text);
    }
}

static void test_table(void)
{
    struct met_opts o = met_opts_default();
    o.body_mass_kg = 80;
    o.lever_m = 0.9;
    struct met_result m = analyze_file(write_50hz_shape(), &o);
    char *text = print_to_string(&m, false);
    REQUIRE(text);
    CHECK(strstr(text, "276 at 50.0 Hz") != NULL);
    CHECK(strstr(text, "onset              1.00") != NULL);
    CHECK(strstr(text, "peak               400.00 N at 1.500 s") != NULL);
    CHECK(strstr(text, "RFD 0-50 ms        n/a (fewer than 5 samples") != NULL);
    CHECK(strstr(text, "RFD 0-100 ms       800 N/s") != NULL);
    CHECK(strstr(text, "best 1 s mean      400.00 N") != NULL);
    CHECK(strstr(text, "impulse            1199.97 N·s") != NULL);
    CHECK(strstr(text, "peak / body mass   5.00 N/kg") != NULL);
    CHECK(strstr(text, "torque             360.00 N·m") != NULL);
    CHECK(strstr(text, "torque / body mass 4.50 N·m/kg") != NULL);
    CHECK(strstr(text, "flags              none") != NULL);
    free(text);
    /* Without mass and lever those rows are left out; no contraction says so. */
    const char *path = write_text("flat.csv", "t_s,force_n\n0,0\n0.5,1\n1.0,0\n");
    m = analyze_file(path, NULL);
    text = print_to_string(&m, false);
    REQUIRE(text);
    CHECK(strstr(text, "none: the force never rose") != NULL);
    CHECK(strstr(text, "torque") == NULL);
    free(text);
}

static void test_print_errors(void)
{
    struct met_result m = analyze_file(write_50hz_shape(), NULL);
    struct st_err err;
    FILE *full = fopen("/dev/full", "w");
    if (full) { /* Linux: every write fails with ENOSPC */
        st_err_clear(&err);
        CHECK_INT(analyze_print(full, &m, true, &err), ST_ERR_IO);
        clearerr(full);
        st_err_clear(&err);
        CHECK_INT(analyze_print(full, &m, false, &err), ST_ERR_IO);
        fclose(full);
    }
    CHECK_INT(analyze_print(NULL, &m, true, &err), ST_ERR_ARG);
    CHECK_INT(analyze_print(stdout, NULL, true, &err), ST_ERR_ARG);
}

/* ------------------------------------------------------------------------------------------------ */
/* The command: stdout and stderr captured into files around one call. */

static char cap_out[65536], cap_err[4096];

static int run_analyze(int argc, const char **args)
{
    char po[512], pe[512];
    check_tmppath(po, sizeof po, "stdout.txt");
    check_tmppath(pe, sizeof pe, "stderr.txt");
    char *argv[16];
    for (int i = 0; i < argc && i < 15; i++)
        argv[i] = (char *)args[i];
    argv[argc] = NULL;
    int rc = cmd_capture(cmd_analyze, argc, argv, po, pe);
    REQUIRE(rc != -1);
    cmd_slurp(po, cap_out, sizeof cap_out);
    cmd_slurp(pe, cap_err, sizeof cap_err);
    return rc;
}

static void test_command(void)
{
    const char *shape = write_50hz_shape();
    const char *a1[] = {"analyze", "--json", shape};
    CHECK_INT(run_analyze(3, a1), 0);
    check_design_keys(cap_out);
    CHECK(strstr(cap_out, "\"rfd_0_50_n_per_s\": null") != NULL);
    CHECK_STR(cap_err, "");

    const char *a2[] = {"analyze", "--mass-kg=80", "--lever-m", "0.9", "--full-scale-n", "400", shape};
    CHECK_INT(run_analyze(7, a2), 0);
    CHECK(strstr(cap_out, "torque             360.00 N·m") != NULL);
    CHECK(strstr(cap_out, "flags              saturation") != NULL); /* 400 N at a 400 N full scale */

    char missing[512];
    check_tmppath(missing, sizeof missing, "missing.csv");
    const char *a3[] = {"analyze", missing};
    CHECK_INT(run_analyze(2, a3), 1);
    CHECK(strncmp(cap_err, "station: Cannot open ", 21) == 0);
    CHECK_STR(cap_out, "");

    const char *bad = write_text("cmdbad.csv", "t_s,force_n\n0,1\n0.1,x\n");
    const char *a4[] = {"analyze", "--json", bad};
    CHECK_INT(run_analyze(3, a4), 1);
    CHECK(strstr(cap_err, "line 3: the force \"x\"") != NULL);
    CHECK(strchr(cap_err, '\n') == cap_err + strlen(cap_err) - 1); /* one line */

    const char *a5[] = {"analyze", "--jsn", shape};
    CHECK_INT(run_analyze(3, a5), 2);
    CHECK(strstr(cap_err, "unknown option --jsn") != NULL);
    const char *a6[] = {"analyze"};
    CHECK_INT(run_analyze(1, a6), 2);
    const char *a7[] = {"analyze", shape, shape};
    CHECK_INT(run_analyze(3, a7), 2);
    const char *a8[] = {"analyze", "--mass-kg", "-70", shape};
    CHECK_INT(run_analyze(4, a8), 2);
    CHECK(strstr(cap_err, "--mass-kg must be above 0") != NULL);
    const char *a9[] = {"analyze", "--lever-m", "abc", shape};
    CHECK_INT(run_analyze(4, a9), 2);
    const char *a10[] = {"analyze", "--help"};
    CHECK_INT(run_analyze(2, a10), 0);
    CHECK(strstr(cap_out, "t_s,force_n") != NULL);
    CHECK(strstr(cap_out, "--full-scale-n") != NULL);
    const char *a11[] = {"analyze", "--db", "/nonexistent/x.db", "--json", shape};
    CHECK_INT(run_analyze(5, a11), 0); /* --db is accepted and not used */
}

int main(void)
{
    CHECK_RUN(test_silent_captures_say_why);
    CHECK_RUN(test_read_good);
    CHECK_RUN(test_read_tolerated_variations);
    CHECK_RUN(test_read_bad_lines);
    CHECK_RUN(test_read_file_errors);
    CHECK_RUN(test_read_long_file);
    CHECK_RUN(test_json_keys_and_nulls);
    CHECK_RUN(test_json_no_contraction);
    CHECK_RUN(test_table);
    CHECK_RUN(test_print_errors);
    CHECK_RUN(test_command);
    return check_done();
}
