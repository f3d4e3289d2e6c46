/* test_json_cli.c - the JSON writer (escaping, nesting, null for NAN) and the option parser. */
#include <stdlib.h>

#include "check.h"
#include "station/cli/cli.h"
#include "station/export/json.h"

static char *render(void (*fill)(struct json_writer *), bool pretty, bool *ok)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct json_writer w;
    json_init(&w, f, pretty);
    fill(&w);
    *ok = json_finish(&w);
    fclose(f);
    return buf;
}

static void fill_doc(struct json_writer *w)
{
    json_begin_object(w);
    json_key(w, "name");
    json_string(w, "O'Brien \"Bob\" \\ \n\x01 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x92\xaa");
    json_key(w, "peak_n");
    json_number(w, 512.25);
    json_key(w, "rfd");
    json_number(w, NAN);
    json_key(w, "fixed");
    json_number_fixed(w, 12.5000, 3);
    json_key(w, "n");
    json_int(w, -42);
    json_key(w, "flags");
    json_begin_array(w);
    json_string(w, "too_short");
    json_bool(w, true);
    json_null(w);
    json_end_array(w);
    json_key(w, "empty");
    json_begin_array(w);
    json_end_array(w);
    json_end_object(w);
}

static void test_json_compact(void)
{
    bool ok;
    char *s = render(fill_doc, false, &ok);
    CHECK(ok);
    CHECK_STR(s, "{\"name\":\"O'Brien \\\"Bob\\\" \\\\ \\n\\u0001 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d "
                 "\xf0\x9f\x92\xaa\",\"peak_n\":512.25,\"rfd\":null,\"fixed\":12.5,\"n\":-42,"
                 "\"flags\":[\"too_short\",true,null],\"empty\":[]}\n");
    free(s);
}

static void test_json_pretty(void)
{
    bool ok;
    char *s = render(fill_doc, true, &ok);
    CHECK(ok);
    CHECK(strstr(s, "{\n  \"name\": ") == s);
    CHECK(strstr(s, "\n  \"flags\": [\n    \"too_short\",\n    true,\n    null\n  ],\n") != NULL);
    free(s);
}

static void fill_bad(struct json_writer *w)
{
    json_begin_object(w);
    json_key(w, "a");
}

static void test_json_misnesting_fails(void)
{
    bool ok = true;
    char *s = render(fill_bad, false, &ok);
    CHECK(!ok);
    free(s);
}

static void test_cli_parse(void)
{
    const char *db = NULL;
    double mass = NAN;
    int reps = 0;
    bool json = false;
    struct cli_opt opts[] = {
        {"--db", CLI_STR, &db, "PATH", "db", false},
        {"--mass-kg", CLI_DOUBLE, &mass, "KG", "mass", false},
        {"--reps", CLI_INT, &reps, "N", "reps", false},
        {"--json", CLI_FLAG, &json, NULL, "json", false},
    };
    struct cli_cmd cmd = {"station test", "[options] FILE", "Test.", opts, 4, 1, 1};
    const char *pos[1];
    int npos = 0;
    char *a1[] = {"test", "--db", "x.db", "--mass-kg=71.5", "--json", "--reps", "3", "f.csv"};
    CHECK_INT(cli_parse(&cmd, 8, a1, pos, &npos), -1);
    CHECK_STR(db, "x.db");
    CHECK_NEAR(mass, 71.5, 0);
    CHECK_INT(reps, 3);
    CHECK(json);
    CHECK_INT(npos, 1);
    CHECK_STR(pos[0], "f.csv");
    CHECK(cli_opt_get(&cmd, "--reps")->seen);

    char *a2[] = {"test", "--jsn", "f.csv"};
    CHECK_INT(cli_parse(&cmd, 3, a2, pos, &npos), 2);
    char *a3[] = {"test", "--reps", "3x", "f.csv"};
    CHECK_INT(cli_parse(&cmd, 4, a3, pos, &npos), 2);
    char *a4[] = {"test"};
    CHECK_INT(cli_parse(&cmd, 1, a4, pos, &npos), 2);
    char *a5[] = {"test", "a", "b"};
    CHECK_INT(cli_parse(&cmd, 3, a5, pos, &npos), 2);
    char *a6[] = {"test", "--mass-kg", "nan", "f"};
    CHECK_INT(cli_parse(&cmd, 4, a6, pos, &npos), 2);
    char *a7[] = {"test", "--db"};
    CHECK_INT(cli_parse(&cmd, 2, a7, pos, &npos), 2);
    char *a8[] = {"test", "--json=1", "f"};
    CHECK_INT(cli_parse(&cmd, 3, a8, pos, &npos), 2);

    long long v;
    CHECK(cli_parse_long("42", 0, 100, &v) && v == 42);
    CHECK(!cli_parse_long("101", 0, 100, &v));
    CHECK(!cli_parse_long("", 0, 100, &v));
    CHECK(!cli_parse_long(" 4", 0, 100, &v) || v == 4);
}

int main(void)
{
    CHECK_RUN(test_json_compact);
    CHECK_RUN(test_json_pretty);
    CHECK_RUN(test_json_misnesting_fails);
    CHECK_RUN(test_cli_parse);
    return check_done();
}
