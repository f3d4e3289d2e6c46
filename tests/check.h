/*
 * check.h - the test harness: a few assertion macros and a runner. Each tests/test_NAME.c is one
 * ctest test; it lists its cases in main with CHECK_RUN and returns check_done().
 *
 *     static void test_ring_overflow(void) { ... CHECK(x == 3); CHECK_NEAR(f, 12.5, 1e-9); }
 *     int main(void) { CHECK_RUN(test_ring_overflow); return check_done(); }
 *
 * A failed check prints file:line and the expression, counts a failure and goes on (so one run shows
 * every failure); CHECK_FATAL / REQUIRE stop the current case.
 */
#ifndef STATION_TESTS_CHECK_H
#define STATION_TESTS_CHECK_H

#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

extern int check_failures;
extern int check_cases;
extern const char *check_current;
extern jmp_buf check_abort_case;

void check_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void check_run(const char *name, void (*fn)(void));
/* Ends the current case as skipped, saying why on stderr (something it needs is missing, e.g. Xvfb).
 * The test then exits CHECK_SKIPPED (ctest's SKIP_RETURN_CODE) unless a check failed: a test that
 * could not run what it is for is reported skipped, never passed. */
void check_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#define CHECK_SKIPPED 77
/* Starts a virtual X server of this test's own (Xvfb, 1600x900x24, -noreset: by default it resets
 * when its last client leaves, and a window opened during that reset finds no display) on a display
 * number it picks itself (-displayfd: two servers started at once never pick the same one, unlike
 * `xvfb-run -a`, whose race made every X test wait for the others); display gets ":N". Returns its pid
 * (stop it with check_xvfb_stop), or -1 when Xvfb is not installed or did not start. */
pid_t check_xvfb_start(char *display, size_t size);
void check_xvfb_stop(pid_t xvfb);
/* Runs this test program again on an Xvfb of its own (check_xvfb_start) with child_env=1, SDL's x11
 * video driver, the dummy audio driver and no LeakSanitizer leak check (Mesa keeps its allocations to
 * the end), and waits up to timeout_s for it; its failure (or overrun: it is killed) fails the current
 * case. Skips the case (check_skip) when Xvfb is not installed. */
void check_under_xvfb(const char *child_env, int timeout_s);
/* Returns the exit status: 0 all passed, 1 a check failed, CHECK_SKIPPED a case was skipped. */
int check_done(void);

/* A temporary directory for this test process (created on first use, removed by check_done unless
 * STATION_KEEP_TMP is set). Returns its path. */
const char *check_tmpdir(void);
/* Writes "<tmpdir>/<name>" into buf and returns buf. */
const char *check_tmppath(char *buf, size_t size, const char *name);
/* The whole file at path, NUL-terminated, malloc'd (the caller frees it); *len (if not NULL) is its
 * length without the NUL. NULL if it cannot be read. */
char *check_read_file(const char *path, size_t *len);
/* The path of this test's own program (/proc/self/exe), to run itself again as a child. */
const char *check_self(void);
/* Writes text to path (a fixture file); a failure fails the test and returns false. */
bool check_write_file(const char *path, const char *text);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            check_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                                    \
    } while (0)

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            check_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond);                                  \
            longjmp(check_abort_case, 1);                                                          \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            check_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);              \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            check_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", \
                       b_ ? b_ : "(null)");                                                        \
    } while (0)

/* |a - b| <= tol (absolute). Two NANs are equal. */
#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!((isnan(a_) && isnan(b_)) || fabs(a_ - b_) <= (tol)))                                 \
            check_fail(__FILE__, __LINE__, "%s ~ %s: %.9g vs %.9g (tol %g)", #a, #b, a_, b_,       \
                       (double)(tol));                                                             \
    } while (0)

/* |a - b| <= rel * |b| (relative, e.g. 0.001 for 0.1 %). */
#define CHECK_REL(a, b, rel)                                                                       \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (rel)*fabs(b_)))                                                    \
            check_fail(__FILE__, __LINE__, "%s ~ %s: %.9g vs %.9g (rel %g)", #a, #b, a_, b_,       \
                       (double)(rel));                                                             \
    } while (0)

#define CHECK_NAN(a)                                                                               \
    do {                                                                                           \
        double a_ = (a);                                                                           \
        if (!isnan(a_))                                                                            \
            check_fail(__FILE__, __LINE__, "%s should be null (NAN), is %.9g", #a, a_);            \
    } while (0)

/* s is ST_OK, else prints the error's message. */
#define CHECK_OK(s, errp)                                                                          \
    do {                                                                                           \
        int s_ = (int)(s);                                                                         \
        if (s_ != 0)                                                                               \
            check_fail(__FILE__, __LINE__, "%s: status %d: %s", #s, s_, st_err_msg(errp));         \
    } while (0)

#define CHECK_RUN(fn) check_run(#fn, fn)

#endif
