/*
 * test_check.c - the harness's own promise: a test that cannot run what it is for reports itself
 * skipped (exit 77, ctest's SKIP_RETURN_CODE), a failure wins over a skip, and the cases after a
 * skipped one still run. It runs itself again as a child for each outcome.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static int later_ran;

static void child_skips(void)
{
    check_skip("the thing this case needs is missing");
}

static void child_fails(void)
{
    CHECK(1 == 2);
}

static void child_later(void)
{
    later_ran = 1;
    CHECK(later_ran == 1);
}

/* Runs this program with CHECK_CHILD=mode; returns its exit status. */
static int child(const char *mode)
{
    const char *self = check_self();
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        setenv("CHECK_CHILD", mode, 1);
        if (!freopen("/dev/null", "w", stderr))
            _exit(126);
        execl(self, self, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    REQUIRE(waitpid(pid, &st, 0) == pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_skip_and_fail_outcomes(void)
{
    CHECK_INT(child("skip"), CHECK_SKIPPED);
    CHECK_INT(child("skip+fail"), 1);
    CHECK_INT(child("pass"), 0);
    CHECK_INT(child("skip+later"), 100 + CHECK_SKIPPED); /* the later case ran */
}

int main(void)
{
    const char *mode = getenv("CHECK_CHILD");
    if (!mode) {
        CHECK_RUN(test_skip_and_fail_outcomes);
        return check_done();
    }
    if (strstr(mode, "skip"))
        CHECK_RUN(child_skips);
    if (strstr(mode, "fail"))
        CHECK_RUN(child_fails);
    if (strstr(mode, "later"))
        CHECK_RUN(child_later);
    int rc = check_done();
    return later_ran ? 100 + rc : rc;
}
