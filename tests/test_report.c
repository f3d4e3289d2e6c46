/*
 * test_report.c - the balance report (station/export/report.h) read back with poppler's tools, the
 * way a clinic would open it: pdfinfo opens it; pdftotext holds every number `station export --format
 * json` gives for the session, rounded as the report prints it (the test walks the JSON and fails on
 * a numeric key it does not know, so a new export field cannot slip past); pdftoppm renders page 1 and
 * its pixels show the ratio band's three colours and the bold best curve where the layout says.
 * Sessions are made through the store API with real metrics on hand-made traces (fast): a first
 * session with rejected, flagged and extra reps; one side missing; side-lying with the gravity
 * correction; a very long name and a hostile one; a progress report over five sessions with a device
 * change; the therapist's note; and the failures (unknown session, nothing counts, unwritable folder,
 * full disk) that must leave no file behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "station/cli/commands.h"
#include "station/export/report.h"
#include "station/export/report_data.h"
#include "station/export/report_pdf.h"
#include "report_fixture.h"

#define DAY 86400
#define T0 1764000000 /* 2025-11-24 */

/* ------------------------------------------------------------------------------------------------ */
/* Helpers                                                                                          */

/* Runs a shell command line and returns its stdout (NULL-terminated, malloc'd) and exit status. */
static char *run_sh(int *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *run_sh(int *status, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *f = popen(cmd, "r");
    REQUIRE(f != NULL);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    REQUIRE(buf != NULL);
    size_t k;
    while ((k = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += k;
        if (cap - len < 4096) {
            cap *= 2;
            buf = realloc(buf, cap);
            REQUIRE(buf != NULL);
        }
    }
    buf[len] = '\0';
    int st = pclose(f);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf;
}

static char *pdf_text(const char *pdf)
{
    int st = 0;
    char *t = run_sh(&st, "pdftotext -enc UTF-8 '%s' - 2>/dev/null", pdf);
    CHECK_INT(st, 0);
    return t;
}

/* Does text hold the number as a whole token (not inside a longer number)? */
static bool has_number(const char *text, const char *num)
{
    size_t n = strlen(num);
    for (const char *p = strstr(text, num); p; p = strstr(p + 1, num)) {
        char before = p == text ? ' ' : p[-1], after = p[n];
        bool digit_before = (before >= '0' && before <= '9') || before == '.' || (before == '-' && num[0] != '-');
        bool digit_after = (after >= '0' && after <= '9') || (after == '.' && p[n + 1] >= '0' && p[n + 1] <= '9');
        if (!digit_before && !digit_after)
            return true;
    }
    return false;
}

/* The report's decimals for each numeric key of the JSON export; -1 for keys that are not results
 * (ids, counters of the file format, the flow's event times). A key missing here fails the test. */
static const struct {
    const char *key;
    int decimals;
} json_keys[] = {
    {"version", -1},        {"id", -1},           {"session_id", -1},      {"seed", -1},
    {"channel", -1},        {"capacity_n", -1},   {"error_pct", -1},       {"reference_kg", -1},
    {"at_s", -1},           {"sequence", 0},      {"block", 0},            {"index", -1},
    {"n", 0},               {"body_mass_kg", 1},  {"lever_m", 2},          {"sample_rate_hz", 1},
    {"jitter_ms", 2},       {"drops", 0},         {"bad_lines", 0},        {"baseline_n", 1},
    {"baseline_sd_n", 2},   {"threshold_n", 1},   {"onset_s", 3},          {"peak_n", 1},
    {"peak_s", 3},          {"time_to_peak_s", 3}, {"release_s", 3},       {"rfd_0_50_n_per_s", 0},
    {"rfd_0_100_n_per_s", 0}, {"rfd_0_200_n_per_s", 0}, {"best_1s_mean_n", 1}, {"impulse_n_s", 1},
    {"peak_n_per_kg", 2},   {"torque_nm", 1},     {"torque_nm_per_kg", 2}, {"tare_n", 2},
    {"pain", 0},            {"best_n", 1},        {"mean_n", 1},           {"cv_pct", 1},
    {"best_n_per_kg", 2},   {"best_torque_nm", 1}, {"best_nm_per_kg", 2},  {"best_torque_corrected_nm", 1},
    {"best_nm_per_kg_corrected", 2}, {"add_abd_ratio", 2}, {"pct", 1},
    /* the cut-offs the session was judged by: the report states them in words */
    {"ratio_red_below", -1}, {"ratio_amber_below", -1}, {"asymmetry_amber_above_pct", -1},
    {"asymmetry_red_above_pct", -1}, {"cv_limit_pct", -1},
};

/* Walks every `"key": number` of the JSON file and checks the report's text has it, rounded as
 * printed. Returns how many numbers were checked. */
static int check_json_numbers(const char *json_path, const char *text)
{
    size_t len = 0;
    char *json = (char *)fix_read_file(json_path, &len);
    REQUIRE(json != NULL);
    json = realloc(json, len + 1);
    json[len] = '\0';
    int checked = 0;
    for (char *p = strstr(json, "\": "); p; p = strstr(p + 3, "\": ")) {
        char *v = p + 3;
        if (!((*v >= '0' && *v <= '9') || *v == '-'))
            continue; /* a string, object, array, null or bool */
        char *k = p;
        while (k > json && k[-1] != '"')
            k--;
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(p - k), k);
        char *end = NULL;
        double num = strtod(v, &end);
        int dec = -2;
        for (size_t i = 0; i < sizeof json_keys / sizeof json_keys[0]; i++)
            if (!strcmp(json_keys[i].key, key))
                dec = json_keys[i].decimals;
        if (dec == -2) {
            check_fail(__FILE__, __LINE__, "JSON key %s: the test does not know how the report prints it", key);
            continue;
        }
        if (dec < 0)
            continue;
        char want[64];
        rpdf_num(num, dec, want, sizeof want);
        if (!has_number(text, want))
            check_fail(__FILE__, __LINE__, "the report lacks %s = %s (JSON %.*s)", key, want, (int)(end - v), v);
        checked++;
    }
    free(json);
    return checked;
}

/* Three counting reps per block (peaks spread around base), blocks ADD L, ADD R, ABD L, ABD R
 * (sides with missing set are left out). */
static void add_blocks(struct store *s, int64_t sid, const double base[4], bool skip_right)
{
    int seq = 1;
    for (int b = 0; b < 4; b++) {
        enum st_dir dir = b < 2 ? ST_DIR_ADD : ST_DIR_ABD;
        enum st_side side = b % 2 ? ST_SIDE_RIGHT : ST_SIDE_LEFT;
        if (skip_right && side == ST_SIDE_RIGHT)
            continue;
        for (int i = 1; i <= 3; i++)
            add_rep(s, sid, seq++, b, i, dir, side, base[b] * (1.0 - 0.02 * i), STORE_REP_ACCEPTED, true);
    }
}

static struct store *open_db(const char *name)
{
    char path[512];
    check_tmppath(path, sizeof path, name);
    unlink(path);
    struct store *s = NULL;
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(store_open(path, &s, &err), &err);
    REQUIRE(s != NULL);
    return s;
}

static int64_t patient_named(struct store *s, const char *name, const char *ref)
{
    int64_t pid = fix_patient(s, name);
    struct store_patient p;
    struct st_err err;
    CHECK_OK(store_patient_get(s, pid, &p, &err), &err);
    snprintf(p.ref, sizeof p.ref, "%s", ref);
    CHECK_OK(store_patient_update(s, &p, 0, "test", &err), &err);
    return pid;
}

/* A new database with one patient and one complete session of three reps per block on supine-0;
 * *sid gets the session. */
static struct store *standard_session(const char *db, const char *name, const char *ref, bool skip_right,
                                      int64_t *sid)
{
    struct store *s = open_db(db);
    int64_t pid = patient_named(s, name, ref);
    *sid = make_session(s, pid, "supine-0", "M5-1001", T0);
    const double base[4] = {200, 210, 220, 215};
    add_blocks(s, *sid, base, skip_right);
    return s;
}

/* Writes the report of sid to tmpdir/name, checks pdfinfo and returns the text (free it). */
static char *report_text(struct store *s, int64_t sid, const char *name, struct report_layout *L)
{
    char path[512], written[512];
    check_tmppath(path, sizeof path, name);
    struct st_err err;
    st_err_clear(&err);
    CHECK_OK(report_write(s, sid, REPORT_PAPER_A4, path, written, sizeof written, L, &err), &err);
    CHECK_STR(written, path);
    int st = 0;
    char *info = run_sh(&st, "pdfinfo '%s' 2>&1", path);
    CHECK_INT(st, 0);
    CHECK(strstr(info, "Page size:       595.276 x 841.89 pts (A4)") != NULL);
    char pages[32];
    snprintf(pages, sizeof pages, "Pages:          %2d", L->pages);
    CHECK(strstr(info, pages) != NULL);
    free(info);
    return pdf_text(path);
}

/* ------------------------------------------------------------------------------------------------ */
/* Pixels                                                                                           */

struct image {
    int w, h;
    unsigned char *rgb;
};

/* Renders page of pdf at 72 dpi (1 pixel = 1 point) into a PPM and reads it. */
static struct image render_page(const char *pdf, int page)
{
    struct image im = {0, 0, NULL};
    char base[512], ppm[600];
    check_tmppath(base, sizeof base, "page");
    int st = 0;
    free(run_sh(&st, "pdftoppm -r 72 -f %d -l %d -singlefile '%s' '%s' 2>&1", page, page, pdf, base));
    CHECK_INT(st, 0);
    snprintf(ppm, sizeof ppm, "%s.ppm", base);
    FILE *f = fopen(ppm, "rb");
    REQUIRE(f != NULL);
    int maxv = 0;
    REQUIRE(fscanf(f, "P6 %d %d %d", &im.w, &im.h, &maxv) == 3 && maxv == 255);
    fgetc(f);
    im.rgb = malloc((size_t)im.w * (size_t)im.h * 3);
    REQUIRE(im.rgb != NULL);
    REQUIRE(fread(im.rgb, 3, (size_t)im.w * (size_t)im.h, f) == (size_t)im.w * (size_t)im.h);
    fclose(f);
    return im;
}

/* Pixels in the box (points = pixels at 72 dpi) within tol of colour rgb. */
static int count_colour(const struct image *im, struct report_box b, unsigned rgb, int tol)
{
    int n = 0;
    for (int y = (int)b.y; y < (int)(b.y + b.h) && y < im->h; y++)
        for (int x = (int)b.x; x < (int)(b.x + b.w) && x < im->w; x++) {
            const unsigned char *px = im->rgb + ((size_t)y * (size_t)im->w + (size_t)x) * 3;
            if (abs(px[0] - (int)((rgb >> 16) & 0xff)) <= tol && abs(px[1] - (int)((rgb >> 8) & 0xff)) <= tol &&
                abs(px[2] - (int)(rgb & 0xff)) <= tol)
                n++;
        }
    return n;
}

/* ------------------------------------------------------------------------------------------------ */
/* Cases                                                                                            */

static void test_report_numbers_and_pixels(void)
{
    struct store *s = open_db("numbers.db");
    int64_t pid = patient_named(s, "Anna Example", "P-17/2025");
    int64_t sid = make_session(s, pid, "supine-0", "M5-1001", T0);
    const double base[4] = {180, 230, 240, 230}; /* left ratio 0.75: red; right 1.0: normal */
    add_blocks(s, sid, base, false);
    /* a rejected rep, a flagged one the therapist accepted and an extra rep in ADD left */
    add_rep(s, sid, 13, 0, 4, ST_DIR_ADD, ST_SIDE_LEFT, 150, STORE_REP_REJECTED, false);
    add_rep(s, sid, 14, 0, 5, ST_DIR_ADD, ST_SIDE_LEFT, 176, STORE_REP_ACCEPTED, true);
    struct st_err err;
    CHECK_OK(store_session_event_add(s, sid, 60000, "extra_rep", NULL, "block 1: CV 12.0 % above 10 %", &err), &err);

    struct report_layout L;
    char *text = report_text(s, sid, "numbers.pdf", &L);
    CHECK(L.pages >= 3);
    CHECK(strstr(text, "Anna Example") != NULL);
    CHECK(strstr(text, "P-17/2025") != NULL);
    CHECK(strstr(text, "35 years") != NULL); /* born 1990-04-12, seen 2025-11-24 */
    CHECK(strstr(text, "first session on this protocol") != NULL);
    CHECK(strstr(text, "extra rep, rejected") != NULL);
    CHECK(strstr(text, "Extra repetition asked, block 1: CV 12.0 % above 10 %") != NULL);
    CHECK(strstr(text, "Left ADD:ABD 0.75") != NULL && strstr(text, "RED") != NULL);
    CHECK(strstr(text, "groin-injury research in") != NULL && strstr(text, "athletes") != NULL);
    CHECK(strstr(text, "100 x (stronger - weaker) / stronger") != NULL);
    CHECK(strstr(text, "weaker side left") != NULL);
    CHECK(strstr(text, "CALIBRATION FLAGGED") != NULL); /* the device was never checked */
    CHECK(strstr(text, "suggestions for the therapist") != NULL);
    CHECK(strstr(text, "Deficit: Left adduction is 21.6 % weaker than right; left ADD:ABD 0.75 is below 0.80.") !=
          NULL);
    CHECK(strstr(text, "None shown") != NULL); /* supine make test: no reference matches */
    CHECK(strstr(text, "patient's screen: big force") != NULL); /* the feedback condition stored */
    CHECK(strstr(text, ".md") == NULL); /* a clinic has no source tree: sources are named, not files */

    /* every number of the JSON export */
    char json[512];
    check_tmppath(json, sizeof json, "numbers.json");
    char sidtxt[32], db[512];
    snprintf(sidtxt, sizeof sidtxt, "%lld", (long long)sid);
    snprintf(db, sizeof db, "%s", store_path(s));
    store_close(s);
    char *argv[] = {"export", sidtxt, "--format", "json", "--db", db, "--out", json, NULL};
    CHECK_INT(cmd_export(8, argv), 0);
    int checked = check_json_numbers(json, text);
    CHECK(checked > 300);

    /* page 1: the ratio bands' three colours where the layout put them, the bold best curves */
    char pdf[512];
    check_tmppath(pdf, sizeof pdf, "numbers.pdf");
    struct image im = render_page(pdf, 1);
    CHECK(im.w == 595 || im.w == 596);
    for (int side = 0; side < 2; side++) {
        struct report_box b = L.ratio_band[side];
        CHECK_INT(b.page, 1);
        struct report_box red = {1, b.x + 2, b.y + 2, 20, b.h - 4};
        struct report_box green = {1, b.x + b.w - 30, b.y + 2, 20, b.h - 4};
        CHECK(count_colour(&im, red, 0xd83a34, 12) > 100);
        CHECK(count_colour(&im, green, 0x3b9b4f, 12) > 100);
        CHECK(count_colour(&im, b, 0xf2a900, 12) > 50); /* amber */
    }
    CHECK_INT(L.n_curves, 4);
    for (int k = 0; k < L.n_curves; k++) {
        CHECK_INT(L.curves[k].page, 1);
        CHECK(count_colour(&im, L.curves[k], 0x0b3d91, 40) > 60); /* the best rep, bold */
        CHECK(count_colour(&im, L.curves[k], 0xdcefdc, 10) > 300); /* the hold window */
    }
    struct report_box margin = {1, 0, 0, 30, 800};
    CHECK_INT(count_colour(&im, margin, 0x0b3d91, 40), 0);
    free(im.rgb);
    free(text);
}

/* The feedback condition in words: one for all reps, the count of each when they differ, and reps
 * stored before it was recorded. */
static void test_report_feedback_words(void)
{
    struct store_rep r[4];
    char buf[160];
    for (int i = 0; i < 4; i++)
        store_rep_init(&r[i]);
    CHECK_STR(report_feedback_text(r, 4, buf, sizeof buf), "feedback condition not recorded by this station version");
    for (int i = 0; i < 4; i++)
        snprintf(r[i].feedback, sizeof r[i].feedback, "no_numbers");
    CHECK_STR(report_feedback_text(r, 4, buf, sizeof buf), "patient's screen: bar and target band, no numbers");
    snprintf(r[3].feedback, sizeof r[3].feedback, "none");
    snprintf(r[2].feedback, sizeof r[2].feedback, "big_force");
    CHECK_STR(report_feedback_text(r, 4, buf, sizeof buf),
              "patient's screen: big force (1 rep), bar and target band, no numbers (2 reps), none (1 rep)");
    r[0].feedback[0] = '\0';
    CHECK_STR(report_feedback_text(r, 2, buf, sizeof buf),
              "patient's screen: bar and target band, no numbers (1 rep), not recorded (1 rep)");
}

static void test_report_one_side_missing(void)
{
    int64_t sid = 0;
    struct store *s = standard_session("oneside.db", "Left Only", "L-1", true, &sid);
    struct report_layout L;
    char *text = report_text(s, sid, "oneside.pdf", &L);
    CHECK(strstr(text, "Not available: the asymmetry needs counted repetitions on both sides") != NULL);
    struct report_data d;
    struct st_err err;
    CHECK_OK(report_data_load(s, sid, &d, &err), &err);
    char want[64], v[32];
    snprintf(want, sizeof want, "Left ADD:ABD %s %s", rpdf_num(d.bal.ratio[ST_SIDE_LEFT], 2, v, sizeof v),
             d.bal.ratio_flag[ST_SIDE_LEFT] == BAL_AMBER ? "AMBER" : "NORMAL");
    CHECK(strstr(text, want) != NULL);
    CHECK(!isfinite(d.bal.ratio[ST_SIDE_RIGHT]));
    report_data_free(&d);
    CHECK_INT(L.ratio_band[ST_SIDE_RIGHT].page, 0);
    CHECK_INT(L.n_curves, 2);
    free(text);
    store_close(s);
}

static void test_report_side_lying_gravity(void)
{
    struct store *s = open_db("sidelying.db");
    int64_t pid = patient_named(s, "Side Lying", "S-1");
    int64_t sid = make_session(s, pid, "side-lying-abd", "M5-1001", T0);
    add_rep(s, sid, 1, 0, 1, ST_DIR_ABD, ST_SIDE_LEFT, 200, STORE_REP_ACCEPTED, true);
    add_rep(s, sid, 2, 1, 1, ST_DIR_ABD, ST_SIDE_RIGHT, 190, STORE_REP_ACCEPTED, true);
    struct report_data d;
    struct st_err err;
    CHECK_OK(report_data_load(s, sid, &d, &err), &err);
    double corr = d.bal.cell[ST_DIR_ABD][ST_SIDE_LEFT].best_torque_corrected_nm;
    CHECK(isfinite(corr));
    CHECK_NEAR(corr, d.reps[0].m.peak_n * 0.8 + bal_gravity_torque_nm(70.0, 0.9), 1e-6);
    report_data_free(&d);
    struct report_layout L;
    char *text = report_text(s, sid, "sidelying.pdf", &L);
    char want[64], v[32];
    snprintf(want, sizeof want, "%s", rpdf_num(corr, 1, v, sizeof v));
    CHECK(has_number(text, want));
    CHECK(strstr(text, "gravity-corrected") != NULL);
    CHECK(strstr(text, "Winter") != NULL);
    free(text);
    store_close(s);
}

static void test_report_names(void)
{
    static const char hostile[] = "O'Brien \"; DROP TABLE patients;-- Zoë 李 مريم";
    char longname[201];
    for (int i = 0; i < 200; i++)
        longname[i] = "Maximiliane-Theodora "[i % 21];
    longname[200] = '\0';
    longname[199] = 'Z';
    const char *names[2] = {hostile, longname};
    for (int k = 0; k < 2; k++) {
        int64_t sid = 0;
        struct store *s = standard_session(k ? "long.db" : "hostile.db", names[k], k ? "" : "X'1\"/;", false, &sid);
        struct report_layout L;
        char *text = report_text(s, sid, k ? "long.pdf" : "hostile.pdf", &L);
        if (k == 0) {
            CHECK(strstr(text, "O'Brien \"; DROP TABLE patients;-- Zoë 李") != NULL);
            /* pdftotext writes the Arabic name's letters apart, inside direction marks: find each */
            const char *ar = strstr(text, "李");
            CHECK(ar && strstr(ar, "م") && strstr(ar, "ر") && strstr(ar, "ي"));
            CHECK(strstr(text, "X'1\"/;") != NULL);
            int st = 0;
            char pdf[512];
            char *fonts = run_sh(&st, "pdffonts '%s'", check_tmppath(pdf, sizeof pdf, "hostile.pdf"));
            CHECK(strstr(fonts, "DejaVuSans") != NULL);
            /* 李 comes from the CJK fallback (Droid Sans Fallback, emboldened by cairo for the bold name,
             * so it is embedded under cairo's own name); every font is embedded */
            CHECK(strstr(fonts, "CairoFont") != NULL || strstr(fonts, "Droid") != NULL);
            int lines = 0, embedded = 0;
            for (const char *l = strchr(fonts, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
                lines++;
                embedded += strstr(l, " yes yes yes ") != NULL && (strchr(l + 1, '\n') == NULL ||
                                                                  strstr(l, " yes yes yes ") < strchr(l + 1, '\n'));
            }
            CHECK(lines > 3 && embedded == lines - 1); /* all but the header's dashes line */
            free(fonts);
        } else {
            CHECK(strstr(text, "Maximiliane-Theodora") != NULL);
            CHECK(strstr(text, "TheodZ") != NULL || strstr(text, "Z\n") != NULL); /* the end survives wrapping */
            CHECK_INT(L.curves[0].page, 1);                                      /* still one page 1 */
        }
        free(text);
        store_close(s);
    }
}

static void test_report_progress(void)
{
    struct store *s = open_db("progress.db");
    int64_t pid = patient_named(s, "Pro Gress", "PG-5");
    int64_t last = 0;
    for (int i = 0; i < 5; i++) {
        last = make_session(s, pid, "supine-0", i == 3 ? "OTHER-9" : "M5-1001", T0 + (int64_t)i * 14 * DAY);
        const double base[4] = {170 + 12.0 * i, 230, 235, 230};
        add_blocks(s, last, base, false);
    }
    int64_t other = make_session(s, pid, "side-lying-abd", "M5-1001", T0 + 3 * DAY);
    add_rep(s, other, 1, 0, 1, ST_DIR_ABD, ST_SIDE_LEFT, 260, STORE_REP_ACCEPTED, true);

    /* the session report of the last one compares with the previous and the first */
    struct report_layout L;
    char *text = report_text(s, last, "last.pdf", &L);
    CHECK(strstr(text, "Previous 2026-01-05") != NULL && strstr(text, "First 2025-11-24") != NULL);
    CHECK(strstr(text, "+28.1 % beyond band") != NULL); /* ADD left 167.6 -> 214.6 N */
    CHECK(strstr(text, "+5.8 % within noise") != NULL);
    CHECK(strstr(text, "device changed") != NULL);
    CHECK(strstr(text, "listed but never compared") != NULL && strstr(text, "side-lying-abd") != NULL);
    CHECK_INT(L.trend.page, 2);
    free(text);

    char path[512], written[512];
    check_tmppath(path, sizeof path, "progress.pdf");
    struct st_err err;
    CHECK_OK(report_write_progress(s, pid, "supine-0", REPORT_PAPER_LETTER, path, written, sizeof written, &L, &err),
             &err);
    text = pdf_text(path);
    CHECK(strstr(text, "progress report") != NULL);
    CHECK(strstr(text, "Every session on this protocol") != NULL);
    CHECK(strstr(text, "(CHANGED)") != NULL);
    CHECK(L.trend.page >= 2);
    CHECK_NEAR(L.page_w[0], 612.0, 1e-9);
    free(text);
    struct image im = render_page(path, L.trend.page);
    CHECK(count_colour(&im, L.trend, 0x0b3d91, 40) > 20); /* the ADD left line */
    CHECK(count_colour(&im, L.trend, 0xd83a34, 20) > 10); /* the device change mark */
    free(im.rgb);
    CHECK_INT(report_write_progress(s, pid, "squeeze-45", REPORT_PAPER_A4, path, written, sizeof written, &L, &err),
              ST_ERR_NOT_FOUND);
    store_close(s);
}

static void test_report_plan(void)
{
    struct bal_result bal;
    memset(&bal, 0, sizeof bal);
    for (int d = 0; d < 2; d++) {
        bal.asym_pct[d] = NAN;
        bal.weaker[d] = ST_SIDE_BOTH;
        for (int s = 0; s < 3; s++)
            bal.cell[d][s].best_n = NAN;
    }
    bal.ratio[0] = 0.74;
    bal.ratio[1] = 1.30;
    bal.ratio[2] = NAN;
    bal.asym_pct[ST_DIR_ADD] = 22.0;
    bal.weaker[ST_DIR_ADD] = ST_SIDE_LEFT;
    bal.cell[ST_DIR_ADD][ST_SIDE_LEFT].best_n = 200;
    bal.cell[ST_DIR_ABD][ST_SIDE_RIGHT].best_n = 300;
    struct report_plan p;
    report_plan_make(&bal, NULL, &p);
    REQUIRE(p.n == 2); /* ADD left (asymmetry, and the ratio names the same one), ABD right (ratio high) */
    CHECK_STR(p.target[0].why, "Left adduction is 22.0 % weaker than right; left ADD:ABD 0.74 is below 0.80");
    CHECK_NEAR(p.target[0].strength_lo_n, 160, 1e-9);
    CHECK_NEAR(p.target[0].strength_hi_n, 180, 1e-9);
    CHECK_NEAR(p.target[0].tolerance_lo_n, 120, 1e-9);
    CHECK_NEAR(p.target[0].tolerance_hi_n, 140, 1e-9);
    CHECK_INT(p.target[1].dir, ST_DIR_ABD);
    CHECK_STR(p.target[1].why, "Right ADD:ABD 1.30 is above 1.25");
}

/* Files left in the folder whose name starts with prefix. */
static int files_like(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

static void test_report_failures(void)
{
    struct store *s = open_db("fail.db");
    int64_t pid = patient_named(s, "Fail Case", "F-1");
    int64_t empty = make_session(s, pid, "supine-0", "M5-1001", T0);
    add_rep(s, empty, 1, 0, 1, ST_DIR_ADD, ST_SIDE_LEFT, 150, STORE_REP_REJECTED, false);
    int64_t good = make_session(s, pid, "supine-0", "M5-1001", T0 + DAY);
    const double base[4] = {200, 210, 220, 215};
    add_blocks(s, good, base, false);
    char path[512], written[512];
    check_tmppath(path, sizeof path, "fail-report.pdf");
    struct st_err err;
    st_err_clear(&err);
    CHECK_INT(report_write(s, 999, REPORT_PAPER_A4, path, written, sizeof written, NULL, &err), ST_ERR_NOT_FOUND);
    CHECK(strstr(st_err_msg(&err), "Session 999 does not exist") != NULL);
    CHECK_INT(report_write(s, empty, REPORT_PAPER_A4, path, written, sizeof written, NULL, &err), ST_ERR_ARG);
    CHECK(strstr(st_err_msg(&err), "no repetition that counts") != NULL);
    /* a folder that cannot be written (its parent is a file: fails even for root) */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/x.pdf", store_path(s));
    CHECK_INT(report_write(s, good, REPORT_PAPER_A4, bad, written, sizeof written, NULL, &err), ST_ERR_IO);
    CHECK(strstr(st_err_msg(&err), "choose another folder with --out") != NULL);
    CHECK(strchr(st_err_msg(&err), '\n') == NULL);
    CHECK_INT(files_like(check_tmpdir(), "fail-report"), 0);
    /* a full disk: a file-size limit makes the writes fail part way */
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {20000, 20000};
        setrlimit(RLIMIT_FSIZE, &rl);
        struct st_err e2;
        enum st_status st = report_write(s, good, REPORT_PAPER_A4, path, written, sizeof written, NULL, &e2);
        _exit(st == ST_ERR_DISK_FULL && strstr(st_err_msg(&e2), "is full") ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_INT(files_like(check_tmpdir(), "fail-report"), 0);
    store_close(s);
}

static void test_note_and_cli(void)
{
    int64_t sid = 0;
    struct store *s = standard_session("cli.db", "Cli Patient", "C 7/ä", false, &sid);
    char db[512], sidtxt[32], pidtxt[32];
    struct store_session x;
    struct st_err err;
    CHECK_OK(store_session_get(s, sid, &x, &err), &err);
    snprintf(db, sizeof db, "%s", store_path(s));
    snprintf(sidtxt, sizeof sidtxt, "%lld", (long long)sid);
    snprintf(pidtxt, sizeof pidtxt, "%lld", (long long)x.patient_id);
    store_close(s);

    char *note[] = {"note", sidtxt, "--db", db, "--therapist", "J. Physio", "--text",
                    "Pain 2/10 on left ADD; \"hold\" cue helped.\nRetest after the tournament.", NULL};
    int rc_note = rf_run(cmd_note, note, "cli.out", "cli.err", false);
    char *empty[] = {"note", sidtxt, "--db", db, "--text", "", NULL};
    int rc_empty = rf_run(cmd_note, empty, "cli.out", "cli.err", true);
    char *missing[] = {"report", "4242", "--db", db, NULL};
    int rc_missing = rf_run(cmd_report, missing, "cli.out", "cli.err", true);
    char *paper[] = {"report", sidtxt, "--db", db, "--paper", "a3", NULL};
    int rc_paper = rf_run(cmd_report, paper, "cli.out", "cli.err", true);
    char *lone[] = {"report", sidtxt, "--protocol", "supine-0", "--db", db, NULL};
    int rc_lone = rf_run(cmd_report, lone, "cli.out", "cli.err", true);
    char *progress[] = {"report", "--patient", pidtxt, "--protocol", "supine-0", "--db", db, NULL};
    int rc_progress = rf_run(cmd_report, progress, "cli.out", "cli.err", true);
    char progress_pdf[600];
    snprintf(progress_pdf, sizeof progress_pdf, "%s/C_7___-progress-2025-11-24.pdf", check_tmpdir());
    CHECK(access(progress_pdf, R_OK) == 0);
    char *rep[] = {"report", sidtxt, "--db", db, NULL};
    int rc_rep = rf_run(cmd_report, rep, "cli.out", "cli.err", true); /* last: its stdout is checked below */
    char out[512], errp[512];
    check_tmppath(out, sizeof out, "cli.out");
    check_tmppath(errp, sizeof errp, "cli.err");
    CHECK_INT(rc_note, 0);
    CHECK_INT(rc_empty, 1);
    CHECK_INT(rc_rep, 0);
    CHECK_INT(rc_missing, 1);
    CHECK_INT(rc_paper, 2);
    CHECK_INT(rc_lone, 2);     /* --protocol goes with --patient */
    CHECK_INT(rc_progress, 0); /* the progress report, named for the reference */
    size_t n = 0;
    char *o = (char *)fix_read_file(out, &n);
    REQUIRE(o != NULL);
    o = realloc(o, n + 1);
    o[n] = '\0';
    /* the report's path alone on the last line: the reference made safe for a file name, the date */
    CHECK_STR(o, "C_7___-2025-11-24.pdf\n");
    char made[600];
    snprintf(made, sizeof made, "%s/C_7___-2025-11-24.pdf", check_tmpdir());
    CHECK(access(made, R_OK) == 0);
    free(o);
    char *e = (char *)fix_read_file(errp, &n);
    REQUIRE(e != NULL);
    e = realloc(e, n + 1);
    e[n] = '\0';
    CHECK(strstr(e, "Session 4242 does not exist") != NULL);
    CHECK(strstr(e, "Cli Patient") == NULL); /* no patient data on stderr */
    free(e);

    /* the note is in the report and audited */
    CHECK_OK(store_open(db, &s, &err), &err);
    struct report_layout L;
    char *text = report_text(s, sid, "cli-note.pdf", &L);
    CHECK(strstr(text, "Pain 2/10 on left ADD; \"hold\" cue helped.") != NULL);
    CHECK(strstr(text, "Retest after the tournament.") != NULL);
    CHECK(strstr(text, "J. Physio") != NULL);
    free(text);
    struct store_audit *a = NULL;
    size_t na = 0;
    CHECK_OK(store_audit_list(s, x.uuid, &a, &na, &err), &err);
    bool found = false;
    for (size_t i = 0; i < na; i++)
        found |= !strcmp(a[i].table, "session_notes") && !strcmp(a[i].action, "create") &&
                 strstr(a[i].new_value, "Retest after") != NULL && !strcmp(a[i].therapist, "J. Physio");
    CHECK(found);
    free(a);
    store_close(s);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    CHECK_RUN(test_report_plan);
    CHECK_RUN(test_report_numbers_and_pixels);
    CHECK_RUN(test_report_feedback_words);
    CHECK_RUN(test_report_one_side_missing);
    CHECK_RUN(test_report_side_lying_gravity);
    CHECK_RUN(test_report_names);
    CHECK_RUN(test_report_progress);
    CHECK_RUN(test_report_failures);
    CHECK_RUN(test_note_and_cli);
    report_fonts_release();
    return check_done();
}
