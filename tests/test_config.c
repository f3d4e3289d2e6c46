/*
 * test_config.c - the settings file (station/config.h): format and parse round-trip (non-Latin
 * names, a URL with a password, '=' inside a value), the parser's messages for each kind of bad line,
 * the server's password masked for the screen, the file's place, and load/save on real files (mode
 * 0600, folder created, replaced whole through a temporary file, a failed save leaves the old file).
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "station/config.h"

static void fill(struct st_config *c)
{
    struct st_err err;
    config_init(c);
    CHECK_OK(config_set(c, "therapist", "  Zoë 李 مريم  ", &err), &err);
    CHECK_OK(config_set(c, "data_dir", "/srv/station data", &err), &err);
    CHECK_OK(config_set(c, "server", "postgresql://station:s3=cr#t@clinic.example:5432/station", &err), &err);
    CHECK_OK(config_set(c, "patient_display", "DELL U2419H", &err), &err);
}

static void test_round_trip(void)
{
    struct st_config a, b;
    struct st_err err;
    fill(&a);
    CHECK_STR(a.therapist, "Zoë 李 مريم"); /* trimmed as the parser trims */
    char text[4096], again[4096];
    CHECK_OK(config_format(&a, text, sizeof text, &err), &err);
    CHECK(strstr(text, "\ntherapist = Zoë 李 مريم\n") != NULL);
    CHECK_OK(config_parse(text, strlen(text), "t", &b, &err), &err);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    CHECK_OK(config_format(&b, again, sizeof again, &err), &err);
    CHECK_STR(text, again);

    /* Unset keys are written empty and read back unset. */
    config_init(&a);
    CHECK_OK(config_format(&a, text, sizeof text, &err), &err);
    CHECK(strstr(text, "\nserver =\n") != NULL);
    CHECK_OK(config_parse(text, strlen(text), "t", &b, &err), &err);
    CHECK(memcmp(&a, &b, sizeof a) == 0);

    /* Too small a buffer is an error, not a cut file. */
    fill(&a);
    CHECK_INT(config_format(&a, text, 60, &err), ST_ERR_ARG);
}

static void test_parse_lenient_layout(void)
{
    const char *text = "# a comment\r\n\r\n   \n  therapist=Anna\r\n\tserver =  host=db password=x \n"
                       "  # another\ndata_dir\t=\t/d";
    struct st_config c;
    struct st_err err;
    CHECK_OK(config_parse(text, strlen(text), "t", &c, &err), &err);
    CHECK_STR(c.therapist, "Anna");
    CHECK_STR(c.server, "host=db password=x");
    CHECK_STR(c.data_dir, "/d");
    CHECK_STR(c.patient_display, "");
    CHECK_STR(config_get(&c, "data_dir"), "/d");
    CHECK(config_get(&c, "colour") == NULL);
    /* Not NUL-terminated: only len bytes are read. */
    CHECK_OK(config_parse("therapist = Bo\nserver = x", 14, "t", &c, &err), &err);
    CHECK_STR(c.therapist, "Bo");
    CHECK_STR(c.server, "");
}

/* Parses text, expects ST_ERR_PARSE with want in the message, and the therapist kept from before. */
static void bad(const char *text, size_t len, const char *want)
{
    struct st_config c;
    struct st_err err;
    st_err_clear(&err);
    CHECK_INT(config_parse(text, len, "/x/station.conf", &c, &err), ST_ERR_PARSE);
    if (!strstr(err.msg, want))
        check_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", err.msg, want);
    CHECK(strncmp(err.msg, "/x/station.conf line ", 21) == 0);
    CHECK(strchr(err.msg, '\n') == NULL);
    CHECK_STR(c.therapist, "Anna");
}

static void test_parse_errors(void)
{
    char longv[2100];
    snprintf(longv, sizeof longv, "therapist = Anna\nserver = %02000d\n", 7);
    bad("therapist = Anna\nserver\n", 24, "line 2: 'server' is not 'key = value'");
    bad("therapist = Anna\n\ncolour = red\n", 31, "line 3: unknown setting 'colour'");
    bad("therapist = Anna\ntherapist = Bo\n", 32, "line 2: therapist is given twice");
    bad(longv, strlen(longv), "line 2: the server is too long");
    bad("therapist = Anna\nserver = a\0b\n", 30, "line 2: holds a NUL byte");
    bad("therapist = Anna\nserver = a\x01z\n", 30, "line 2: the server holds a line break or another");
}

static void test_set_rejects(void)
{
    struct st_config c;
    struct st_err err;
    fill(&c);
    CHECK_INT(config_set(&c, "therapist", "Anna\nserver = evil", &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "line break") != NULL);
    CHECK_STR(c.therapist, "Zoë 李 مريم");
    CHECK_INT(config_set(&c, "colour", "red", &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "Unknown setting 'colour'") != NULL);
    char longv[300];
    memset(longv, 'a', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    CHECK_INT(config_set(&c, "therapist", longv, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "The therapist is too long") != NULL);
    CHECK_STR(c.therapist, "Zoë 李 مريم");
    CHECK_OK(config_set(&c, "therapist", NULL, &err), &err);
    CHECK_STR(c.therapist, "");
}

static void test_masked(void)
{
    char buf[256];
    CHECK_STR(config_server_masked("postgresql://station:s3cr@t@clinic:5432/st", buf, sizeof buf),
              "postgresql://station:****@clinic:5432/st");
    CHECK_STR(config_server_masked("postgresql://station@clinic/st", buf, sizeof buf),
              "postgresql://station@clinic/st");
    CHECK_STR(
        config_server_masked("postgres://clinic/st?user=a&password=xyz&sslmode=require", buf, sizeof buf),
        "postgres://clinic/st?user=a&password=****&sslmode=require");
    CHECK_STR(config_server_masked("host=db password=secret dbname=st", buf, sizeof buf),
              "host=db password=**** dbname=st");
    CHECK_STR(config_server_masked("password='a b\\' c' host=db", buf, sizeof buf), "password=**** host=db");
    CHECK_STR(config_server_masked("host=db oldpassword=x", buf, sizeof buf), "host=db oldpassword=x");
    CHECK_STR(config_server_masked("", buf, sizeof buf), "");
    CHECK_STR(config_server_masked(NULL, buf, sizeof buf), "");
    CHECK_STR(config_server_masked("host=db password=secret", buf, 12), "host=db pas");
}

static void test_path(void)
{
    char buf[512];
    struct st_err err;
    const char *home = getenv("HOME");
    setenv("XDG_CONFIG_HOME", "/cfg", 1);
    CHECK_OK(config_path(buf, sizeof buf, &err), &err);
    CHECK_STR(buf, "/cfg/station/station.conf");
    setenv("XDG_CONFIG_HOME", "", 1);
    setenv("HOME", "/home/t", 1);
    CHECK_OK(config_path(buf, sizeof buf, &err), &err);
    CHECK_STR(buf, "/home/t/.config/station/station.conf");
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    CHECK_INT(config_path(buf, sizeof buf, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "HOME") != NULL);
    setenv("HOME", "/home/t", 1);
    CHECK_INT(config_path(buf, 10, &err), ST_ERR_ARG);
    CHECK(strstr(err.msg, "too long") != NULL);
    if (home)
        setenv("HOME", home, 1);
    else
        unsetenv("HOME");
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
}

static void test_load_save(void)
{
    char dir[512], path[600], file[512];
    struct st_config a, b;
    struct st_err err;
    check_tmppath(dir, sizeof dir, "xdg");
    setenv("XDG_CONFIG_HOME", dir, 1);
    snprintf(path, sizeof path, "%s/station/station.conf", dir);

    /* No file yet: every setting unset, no error. */
    fill(&b);
    CHECK_OK(config_load(NULL, &b, &err), &err);
    config_init(&a);
    CHECK(memcmp(&a, &b, sizeof a) == 0);

    fill(&a);
    CHECK_OK(config_save(NULL, &a, &err), &err);
    CHECK_INT(mode_of(path), 0600);
    snprintf(file, sizeof file, "%s/station", dir);
    CHECK_INT(mode_of(file), 0700);
    CHECK_OK(config_load(NULL, &b, &err), &err);
    CHECK(memcmp(&a, &b, sizeof a) == 0);

    /* A file someone made readable to all is replaced by a 0600 one; no temporary file stays. */
    chmod(path, 0644);
    CHECK_OK(config_set(&a, "therapist", "Bo", &err), &err);
    CHECK_OK(config_save(path, &a, &err), &err);
    CHECK_INT(mode_of(path), 0600);
    CHECK_OK(config_load(path, &b, &err), &err);
    CHECK_STR(b.therapist, "Bo");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s/station' | wc -l) -eq 1", dir);
    CHECK(system(cmd) == 0);

    /* A save that cannot write (the folder is read-only) says so and leaves the old file. */
    if (geteuid() != 0) { /* root writes anyway */
        snprintf(file, sizeof file, "%s/station", dir);
        chmod(file, 0500);
        CHECK_OK(config_set(&a, "therapist", "Cy", &err), &err);
        CHECK_INT(config_save(path, &a, &err), ST_ERR_IO);
        CHECK(strstr(err.msg, path) != NULL);
        chmod(file, 0700);
        CHECK_OK(config_load(path, &b, &err), &err);
        CHECK_STR(b.therapist, "Bo");
    }
    /* A path under a file cannot be saved to, whoever runs it. */
    snprintf(file, sizeof file, "%s/x.conf", path);
    CHECK(config_save(file, &a, &err) != ST_OK);
    CHECK(strstr(err.msg, "station.conf") != NULL);
    CHECK_OK(config_load(path, &b, &err), &err);
    CHECK_STR(b.therapist, "Bo");

    /* A bad file: its path and line in the message, nothing guessed. */
    check_tmppath(file, sizeof file, "bad.conf");
    check_write_file(file, "therapist = A\nserver: clinic\n");
    CHECK_INT(config_load(file, &b, &err), ST_ERR_PARSE);
    CHECK(strstr(err.msg, "bad.conf line 2") != NULL);
    /* A folder where the file should be cannot be read. */
    check_tmppath(file, sizeof file, "xdg");
    CHECK_INT(config_load(file, &b, &err), ST_ERR_IO);
    CHECK(strstr(err.msg, "Cannot read the settings file") != NULL);
}

/* Who is at the station: --therapist, else $STATION_THERAPIST, else the settings file's, else none. */
static void test_therapist(void)
{
    char dir[512], buf[64];
    struct st_config c;
    struct st_err err;
    setenv("XDG_CONFIG_HOME", check_tmppath(dir, sizeof dir, "who"), 1);
    unsetenv("STATION_THERAPIST");
    CHECK(config_therapist(NULL, buf, sizeof buf) == NULL);
    config_init(&c);
    CHECK_OK(config_set(&c, "therapist", "Ingrid \xc3\x85sberg", &err), &err);
    CHECK_OK(config_save(NULL, &c, &err), &err);
    CHECK_STR(config_therapist(NULL, buf, sizeof buf), "Ingrid \xc3\x85sberg");
    CHECK_STR(config_therapist("", buf, sizeof buf), "Ingrid \xc3\x85sberg");
    CHECK_STR(config_therapist("J. P.", buf, sizeof buf), "J. P.");
    setenv("STATION_THERAPIST", "Env Name", 1);
    CHECK_STR(config_therapist(NULL, buf, sizeof buf), "Env Name");
    CHECK_STR(config_therapist("J. P.", buf, sizeof buf), "J. P.");
    unsetenv("STATION_THERAPIST");
    /* A broken settings file names nobody rather than guessing. */
    char path[600];
    snprintf(path, sizeof path, "%s/station/station.conf", dir);
    check_write_file(path, "therapist = A\ntherapist = B\n");
    CHECK(config_therapist(NULL, buf, sizeof buf) == NULL);
}

int main(void)
{
    CHECK_RUN(test_round_trip);
    CHECK_RUN(test_parse_lenient_layout);
    CHECK_RUN(test_parse_errors);
    CHECK_RUN(test_set_rejects);
    CHECK_RUN(test_masked);
    CHECK_RUN(test_path);
    CHECK_RUN(test_load_save);
    CHECK_RUN(test_therapist);
    return check_done();
}
