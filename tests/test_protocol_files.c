/*
 * test_protocol_files.c - protocol files on disk (station/protocol_files.h): every shipped file loads
 * and is named like its file; lookup by file name, by the name= field and by path; a bad file found by
 * name says where it is bad; the folder listing is sorted and reports bad files; folders and binary
 * files are refused with a message.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "protocols/protocol.h"
#include "station/protocol_files.h"

/* A small protocol named name; its hold_s (line 16) is hold. */
static const char *text(char *buf, size_t size, const char *name, int hold)
{
    snprintf(buf, size,
             "[protocol]\nname = %s\ntitle = Test\nposition = supine\nhip_flexion_deg = 0\nlever = long\n"
             "contraction = make\n[order]\nmode = fixed\n[blocks]\nblock = adduction left 0\n"
             "block = adduction right 0\n[reps]\nfamiliarisation = 1\nreps = 3\nhold_s = %d\nrest_s = 30\n"
             "countdown_s = 3\n",
             name, hold);
    return buf;
}

/* Every shipped file loads, is named like its file, and the required ones are there. */
static int count_cb(void *ctx, const char *path, const struct proto_def *def, const struct st_err *err)
{
    int *n = ctx;
    if (!def) {
        check_fail(__FILE__, __LINE__, "%s does not load: %s", path, st_err_msg(err));
        return 0;
    }
    const char *slash = strrchr(path, '/');
    char stem[128];
    snprintf(stem, sizeof stem, "%s", slash ? slash + 1 : path);
    char *dot = strstr(stem, ".ini");
    if (dot)
        *dot = '\0';
    CHECK_STR(def->name, stem);
    CHECK(def->text && strlen(def->text) == def->text_len && def->text_len > 0);
    CHECK(def->text[0] == ';'); /* the format is documented at the top of each file */
    struct proto_plan plan;
    struct st_err e;
    CHECK_OK(proto_plan_make(def, 12345, &plan, &e), &e);
    CHECK_INT(plan.nsteps, def->nblocks * (def->reps + def->familiarisation));
    (*n)++;
    return 0;
}

static void test_shipped_files_load(void)
{
    int n = 0;
    struct st_err e;
    CHECK_OK(st_proto_list(STATION_PROTOCOL_DIR, count_cb, &n, &e), &e);
    /* the folder holds at least the five shipped protocols */
    CHECK(n >= 5);
    /* and every *.ini in the folder was visited */
    DIR *d = opendir(STATION_PROTOCOL_DIR);
    REQUIRE(d);
    int files = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] != '.' && l > 4 && !strcmp(de->d_name + l - 4, ".ini"))
            files++;
    }
    closedir(d);
    CHECK_INT(n, files);

    const char *need[] = {"supine-0", "supine-45", "side-lying-abd", "squeeze-45", "demo"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        struct proto_def p;
        CHECK_OK(st_proto_find(need[i], STATION_PROTOCOL_DIR, &p, &e), &e);
        proto_free(&p);
    }
}

static void test_shipped_contents(void)
{
    struct proto_def p;
    struct st_err e;
    REQUIRE(st_proto_find("supine-0", STATION_PROTOCOL_DIR, &p, &e) == ST_OK);
    CHECK_NEAR(p.hip_flexion_deg, 0, 0);
    CHECK_INT(p.lever, PROTO_LEVER_LONG);
    CHECK_INT(p.contraction, PROTO_MAKE);
    CHECK_INT(p.nblocks, 4);
    CHECK_INT(p.familiarisation, 1);
    CHECK_INT(p.reps, 3);
    CHECK(p.hold_s >= 3 && p.hold_s <= 5);
    CHECK(p.rest_s >= 30 && p.rest_s <= 60);
    CHECK_NEAR(p.countdown_s, 3, 0);
    proto_free(&p);

    REQUIRE(st_proto_find("side-lying-abd", STATION_PROTOCOL_DIR, &p, &e) == ST_OK);
    CHECK(p.gravity_correction);
    for (int i = 0; i < p.nblocks; i++)
        CHECK_INT(p.blocks[i].dir, ST_DIR_ABD);
    proto_free(&p);

    REQUIRE(st_proto_find("squeeze-45", STATION_PROTOCOL_DIR, &p, &e) == ST_OK);
    CHECK_INT(p.nblocks, 1);
    CHECK_INT(p.blocks[0].dir, ST_DIR_ADD);
    CHECK_INT(p.blocks[0].side, ST_SIDE_BOTH);
    CHECK_NEAR(p.hip_flexion_deg, 45, 0);
    proto_free(&p);

    REQUIRE(st_proto_find("supine-45", STATION_PROTOCOL_DIR, &p, &e) == ST_OK);
    CHECK_NEAR(p.hip_flexion_deg, 45, 0);
    proto_free(&p);

    REQUIRE(st_proto_find("demo", STATION_PROTOCOL_DIR, &p, &e) == ST_OK);
    CHECK_INT(p.order, PROTO_ORDER_FIXED);
    CHECK_INT(p.familiarisation, 0);
    CHECK_INT(p.reps, 3);
    CHECK_NEAR(p.hold_s, 3, 0);
    CHECK_NEAR(p.rest_s, 1.5, 0);
    CHECK_NEAR(p.countdown_s, 1, 0);
    CHECK_NEAR(p.block_rest_s, 1.5, 0);
    proto_free(&p);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    fputs(text, f);
    fclose(f);
}

static int list_cb(void *ctx, const char *path, const struct proto_def *def, const struct st_err *err)
{
    char *log = ctx;
    const char *slash = strrchr(path, '/');
    size_t used = strlen(log);
    snprintf(log + used, 1024 - used, "%s:%s;", slash + 1, def ? def->name : (err && err->code == ST_ERR_PARSE ? "PARSE" : "?"));
    return 0;
}

static void test_find_list(void)
{
    char dir[512], p[700], b[4096];
    snprintf(dir, sizeof dir, "%s/protos", check_tmpdir());
    REQUIRE(mkdir(dir, 0700) == 0);
    snprintf(p, sizeof p, "%s/b-file.ini", dir);
    write_file(p, text(b, sizeof b, "by-field", 5));
    snprintf(p, sizeof p, "%s/a.ini", dir);
    write_file(p, text(b, sizeof b, "a", 5));
    snprintf(p, sizeof p, "%s/c-bad.ini", dir);
    write_file(p, text(b, sizeof b, "c-bad", 40));
    snprintf(p, sizeof p, "%s/notes.txt", dir);
    write_file(p, "not a protocol");

    struct proto_def d;
    struct st_err e;
    /* by file name */
    CHECK_OK(st_proto_find("a", dir, &d, &e), &e);
    CHECK_STR(d.name, "a");
    proto_free(&d);
    /* by the name= field of a file named otherwise */
    CHECK_OK(st_proto_find("by-field", dir, &d, &e), &e);
    CHECK_STR(d.name, "by-field");
    CHECK(strstr(d.path, "b-file.ini") != NULL);
    proto_free(&d);
    /* by path */
    snprintf(p, sizeof p, "%s/a.ini", dir);
    CHECK_OK(st_proto_find(p, NULL, &d, &e), &e);
    CHECK_STR(d.path, p);
    proto_free(&d);
    /* a bad file found by name says why it is bad */
    CHECK_INT(st_proto_find("c-bad", dir, &d, &e), ST_ERR_PARSE);
    CHECK(strstr(e.msg, "c-bad.ini line 16") != NULL);
    /* not found */
    CHECK_INT(st_proto_find("nothing", dir, &d, &e), ST_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "nothing") && strstr(e.msg, dir));
    CHECK_INT(st_proto_find("/no/such/file.ini", NULL, &d, &e), ST_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "/no/such/file.ini") != NULL);
    CHECK_INT(st_proto_load_file(dir, &d, &e) == ST_OK, 0); /* a folder is not a protocol */
    /* the listing: sorted, bad files reported, other files ignored */
    char log[1024] = "";
    CHECK_OK(st_proto_list(dir, list_cb, log, &e), &e);
    CHECK_STR(log, "a.ini:a;b-file.ini:by-field;c-bad.ini:PARSE;");
    CHECK_INT(st_proto_list("/no/such/dir", list_cb, log, &e), ST_ERR_NOT_FOUND);
    /* a binary file */
    snprintf(p, sizeof p, "%s/bin.ini", dir);
    FILE *f = fopen(p, "wb");
    REQUIRE(f);
    fwrite("[protocol]\0name", 1, 15, f);
    fclose(f);
    CHECK_INT(st_proto_load_file(p, &d, &e), ST_ERR_PARSE);
    CHECK(strstr(e.msg, "NUL") != NULL);
}

int main(void)
{
    CHECK_RUN(test_shipped_files_load);
    CHECK_RUN(test_shipped_contents);
    CHECK_RUN(test_find_list);
    return check_done();
}
