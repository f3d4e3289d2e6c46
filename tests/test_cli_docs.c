/*
 * test_cli_docs.c - what a clinic's IT person installs and reads, from the real program: the README's
 * command list is `station --synopsis` (made from the commands' option tables), the man page holds
 * every command and every option of them, bash completion offers commands, options, protocol names
 * and patient ids, and `cmake --install` (what `make install` runs) puts the program, protocols, man
 * page, completion, udev rule and window module in place, the installed program finding its protocols
 * and its window module (station/window.h) without the source tree.
 */
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "cli_proc.h"
#include "store_fixture.h"

/* The text between the first ``` fence after heading and the closing one, in a new string. */
static char *readme_block(const char *heading)
{
    char *text = slurp(STATION_PROTOCOL_DIR "/../README.md");
    char *h = strstr(text, heading);
    char *open = h ? strstr(h, "```\n") : NULL;
    char *close = open ? strstr(open + 4, "```\n") : NULL;
    char *out = calloc(1, close ? (size_t)(close - open) : 1);
    if (close)
        memcpy(out, open + 4, (size_t)(close - open - 4));
    free(text);
    return out;
}

static void test_readme_matches_help(void)
{
    char *a[] = {"station", "--synopsis", NULL};
    struct run r = run_cmd(NULL, a, NULL);
    CHECK_INT(r.status, 0);
    char *block = readme_block("## The commands");
    if (strcmp(block, r.out) != 0)
        check_fail(__FILE__, __LINE__, "README.md's command list differs from `station --synopsis`:\n%s\n---\n%s",
                   block, r.out);
    /* each line is a command's own usage line */
    CHECK(strstr(r.out, "station trend --patient ID [--protocol NAME]\n") != NULL);
    char *h[] = {"station", "trend", "--help", NULL};
    struct run t = run_cmd(NULL, h, NULL);
    CHECK(strstr(t.out, "Usage: station trend --patient ID [--protocol NAME]") != NULL);
    run_free(&t);
    free(block);
    run_free(&r);
}

/* Every help text stands on its own: none points into the source tree (CLINICAL.md, DESIGN.md). */
static void test_help_names_no_source_file(void)
{
    const char *modes[] = {"--help-all", "--man", "--help"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        char *a[] = {"station", (char *)modes[i], NULL};
        struct run r = run_cmd(NULL, a, NULL);
        CHECK_INT(r.status, 0);
        if (strstr(r.out, ".md"))
            check_fail(__FILE__, __LINE__, "station %s names a file of the source tree: ...%.60s", modes[i],
                       strstr(r.out, ".md") > r.out + 40 ? strstr(r.out, ".md") - 40 : r.out);
        run_free(&r);
    }
}

static void test_man_page_has_every_option(void)
{
    char *m[] = {"station", "--man", NULL};
    struct run man = run_cmd(NULL, m, NULL);
    CHECK_INT(man.status, 0);
    CHECK(strncmp(man.out, ".TH STATION 1", 13) == 0);
    const char *cmds[] = {"demo", "devices", "calibrate", "patient add", "patient delete", "protocols", "run",
                          "sessions", "show", "trend", "report", "note", "export", "analyze", "sim"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char ss[64];
        snprintf(ss, sizeof ss, ".SS \"station %s\"", cmds[i]);
        if (!strstr(man.out, ss))
            check_fail(__FILE__, __LINE__, "the man page has no section %s", ss);
        /* every option completion offers for it (its table) is in the man page, as roff writes it */
        char cmd[32], sub[32] = "";
        if (sscanf(cmds[i], "%31s %31s", cmd, sub) < 1)
            continue;
        char *ca[] = {"station", "__complete", cmd, sub[0] ? sub : NULL, NULL};
        struct run c = run_cmd(NULL, ca, NULL);
        int n = 0;
        char *save = NULL;
        for (char *line = strtok_r(c.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (!strcmp(line, "--help"))
                continue;
            char roff[80] = ".B ";
            size_t k = 3;
            for (const char *p = line; *p && k + 3 < sizeof roff; p++) {
                if (*p == '-')
                    roff[k++] = '\\';
                roff[k++] = *p;
            }
            roff[k] = '\0';
            if (!strstr(man.out, roff))
                check_fail(__FILE__, __LINE__, "station %s: %s is not in the man page", cmds[i], line);
            n++;
        }
        if (n == 0)
            check_fail(__FILE__, __LINE__, "station %s: completion offered no option", cmds[i]);
        run_free(&c);
    }
    run_free(&man);
}

static void test_completion(void)
{
    char db[512];
    check_tmppath(db, sizeof db, "docs.db");
    char *add[] = {"station", "patient", "add", "--db", db, "--name", "A", "--sex", "F", "--birth", "1980-01-01",
                   "--mass-kg", "60", NULL};
    struct run r = run_cmd(NULL, add, NULL);
    CHECK_INT(r.status, 0);
    run_free(&r);
    struct {
        char *words[8];
        const char *want; /* a line of the answer; NULL: the answer is empty */
    } cases[] = {
        {{NULL}, "sessions\n"},
        {{"patient", NULL}, "delete\n"},
        {{"run", NULL}, "--block-rest-s\n"},
        {{"run", "--protocol", NULL}, "supine-0\n"},
        {{"--db", db, "trend", "--patient", NULL}, "1\n"},
        {{"trend", "--db", db, "--patient", NULL}, "1\n"},
        {{"export", "--out", NULL}, NULL}, /* a file: the shell offers names */
        {{"no-such-command", NULL}, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[12] = {"station", "__complete"};
        int n = 2;
        for (int k = 0; cases[i].words[k]; k++)
            argv[n++] = cases[i].words[k];
        argv[n] = NULL;
        r = run_cmd(NULL, argv, NULL);
        CHECK_INT(r.status, 0);
        bool ok = cases[i].want ? strstr(r.out, cases[i].want) != NULL : r.out[0] == '\0';
        if (!ok)
            check_fail(__FILE__, __LINE__, "completion case %zu: got \"%s\"", i, r.out);
        run_free(&r);
    }
}

/* The completion script itself, in bash, with the program on PATH as an installed one would be. */
static void test_bash_completion_script(void)
{
    if (access("/bin/bash", X_OK) != 0)
        check_skip("no bash: the completion script was not run");
    char bin[1100], path_env[1200];
    REQUIRE(realpath(station_bin(), bin));
    *strrchr(bin, '/') = '\0';
    snprintf(path_env, sizeof path_env, "PATH=%s:/usr/bin:/bin", bin);
    const char *env[] = {path_env, NULL};
    char *a[] = {"bash", "-c",
                 "source " STATION_PROTOCOL_DIR "/../tools/station.bash-completion; "
                 "COMP_WORDS=(station ru); COMP_CWORD=1; _station; echo \"[${COMPREPLY[*]}]\"; "
                 "COMP_WORDS=(station run --protocol su); COMP_CWORD=3; _station; echo \"[${COMPREPLY[*]}]\"; "
                 "COMP_WORDS=(station export 1 --ta); COMP_CWORD=3; _station; echo \"[${COMPREPLY[*]}]\"",
                 NULL};
    struct run r = run_cmd("bash", a, env);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "[run]\n") != NULL);
    CHECK(strstr(r.out, "[supine-0 supine-45]\n") != NULL);
    CHECK(strstr(r.out, "[--table]\n") != NULL);
    run_free(&r);
}

static void test_install(void)
{
    char dest[512], real[PATH_MAX];
    check_tmppath(dest, sizeof dest, "destdir");
    char env_dest[600];
    snprintf(env_dest, sizeof env_dest, "DESTDIR=%s", dest);
    const char *env[] = {env_dest, NULL};
    char *a[] = {"cmake", "--install", ".", "--prefix", "/usr/local", NULL};
    struct run r = run_cmd("cmake", a, env);
    if (r.status != 0)
        check_fail(__FILE__, __LINE__, "cmake --install: exit %d: %s", r.status, r.err);
    run_free(&r);
    const char *files[] = {"/usr/local/bin/station", "/usr/local/share/station/protocols/supine-0.ini",
                           "/usr/local/share/man/man1/station.1",
                           "/usr/local/share/bash-completion/completions/station",
                           "/usr/local/lib/station/station-window.so"};
    struct stat st;
    char path[1024];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s%s", dest, files[i]);
        if (stat(path, &st) != 0 || st.st_size == 0)
            check_fail(__FILE__, __LINE__, "make install did not write %s", path);
    }
    char rule1[1024], rule2[1024];
    snprintf(rule1, sizeof rule1, "%s/etc/udev/rules.d/99-station-dynamometers.rules", dest);
    snprintf(rule2, sizeof rule2, "%s/usr/local/lib/udev/rules.d/99-station-dynamometers.rules", dest);
    CHECK(stat(rule1, &st) == 0 || stat(rule2, &st) == 0);
    /* the installed program, with no hint where the source tree is, lists the installed protocols */
    snprintf(path, sizeof path, "%s/usr/local/bin/station", dest);
    char *p[] = {path, "protocols", NULL};
    const char *clean[] = {"STATION_PROTOCOL_DIR=", NULL};
    r = run_cmd(path, p, clean);
    CHECK_INT(r.status, 0);
    snprintf(path, sizeof path, "%s/usr/local/share/station/protocols", dest);
    REQUIRE(realpath(path, real));
    char want[PATH_MAX + 32];
    snprintf(want, sizeof want, "Protocols in %s:\n", real);
    CHECK(strncmp(r.out, want, strlen(want)) == 0);
    CHECK(strstr(r.out, "supine-0 ") != NULL);
    run_free(&r);
    /* and the installed window module: a report gets as far as the session's reps (it has none) */
    char db[512], sid[32];
    struct store *s = fix_open("installed.db", db, sizeof db);
    snprintf(sid, sizeof sid, "%lld", (long long)fix_session(s, fix_patient(s, "Installed"), "supine-0", "SN1", 0));
    store_close(s);
    snprintf(path, sizeof path, "%s/usr/local/bin/station", dest);
    char out[600];
    snprintf(out, sizeof out, "%s/installed.pdf", dest);
    char *rep[] = {path, "report", sid, "--out", out, "--db", db, NULL};
    r = run_cmd(path, rep, clean);
    CHECK_INT(r.status, 1);
    CHECK(strstr(r.err, "nothing to report") != NULL);
    run_free(&r);
}

int main(void)
{
    CHECK_RUN(test_readme_matches_help);
    CHECK_RUN(test_help_names_no_source_file);
    CHECK_RUN(test_man_page_has_every_option);
    CHECK_RUN(test_completion);
    CHECK_RUN(test_bash_completion_script);
    CHECK_RUN(test_install);
    return check_done();
}
