/*
 * test_cli.c - the `station` program as a user meets it: --help, --version, usage errors (one line,
 * exit 2), every subcommand's --help; `station demo` with no display completing a session, printing
 * its database path and the session id last, saving it, and never writing the patient's name to
 * stderr (the log); and, where Xvfb exists, the demo in a real X11 window whose screenshot shows
 * the force curve.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cli_proc.h"
#include "station/store/store.h"
#include "station/ui/ui.h"

static void test_help_version_usage_errors(void)
{
    char *a1[] = {"station", "--help", NULL};
    struct run r = run_cmd(NULL, a1, NULL);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "demo") && strstr(r.out, "run") && strstr(r.out, "analyze") && strstr(r.out, "export"));
    run_free(&r);

    char *a2[] = {"station", "--version", NULL};
    r = run_cmd(NULL, a2, NULL);
    CHECK_INT(r.status, 0);
    CHECK(strncmp(r.out, "station ", 8) == 0);
    run_free(&r);

    char *a3[] = {"station", NULL};
    r = run_cmd(NULL, a3, NULL);
    CHECK_INT(r.status, 2);
    run_free(&r);

    char *a4[] = {"station", "frobnicate", NULL};
    r = run_cmd(NULL, a4, NULL);
    CHECK_INT(r.status, 2);
    CHECK_INT(count_lines(r.err), 1);
    CHECK(strstr(r.err, "frobnicate") != NULL);
    run_free(&r);

    const char *subs[] = {"demo", "devices", "calibrate", "patient", "protocols", "run", "sessions",
                          "show", "trend", "export", "analyze", "sim"};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char *ah[] = {"station", (char *)subs[i], "--help", NULL};
        r = run_cmd(NULL, ah, NULL);
        if (r.status != 0 || !strstr(r.out, "Usage: station"))
            check_fail(__FILE__, __LINE__, "station %s --help: exit %d", subs[i], r.status);
        run_free(&r);
        char *ab[] = {"station", (char *)subs[i], "--no-such-flag", NULL};
        r = run_cmd(NULL, ab, NULL);
        if (r.status != 2 || count_lines(r.err) != 1 || !strstr(r.err, "--no-such-flag"))
            check_fail(__FILE__, __LINE__, "station %s --no-such-flag: exit %d, stderr \"%s\"", subs[i],
                       r.status, r.err);
        run_free(&r);
    }
    char *a5[] = {"station", "run", "--patient", "1", "--port", "/dev/null", "--reps", "many", NULL};
    r = run_cmd(NULL, a5, NULL);
    CHECK_INT(r.status, 2);
    CHECK(strstr(r.err, "--reps") != NULL);
    run_free(&r);
}

static void test_demo_headless(void)
{
    char db[512];
    check_tmppath(db, sizeof db, "demo.db");
    char *a[] = {"station", "demo", "--reps", "1", "--block-rest-s", "2", "--db", db, NULL};
    const char *env[] = {"DISPLAY=", "WAYLAND_DISPLAY=", "SDL_VIDEODRIVER=", "STATION_LOG=debug", NULL};
    struct run r = run_cmd(NULL, a, env);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "No display") != NULL);
    CHECK(strstr(r.out, db) != NULL);            /* says where the results are */
    CHECK(strstr(r.out, "ADD:ABD ratio") != NULL); /* and what they are */
    CHECK(strstr(r.err, "Sample Patient") == NULL); /* the log never carries patient data */
    CHECK(strstr(r.out, "an emulated device (no calibration needed)") != NULL); /* not a calibration warning */
    CHECK(strstr(r.out, "No calibration check") == NULL && strstr(r.out, "FLAGGED") == NULL);
    CHECK(strstr(r.out, "Calibration: not needed, the device is emulated") != NULL);
    CHECK(strstr(r.out, "capacity unknown") != NULL && strstr(r.out, "capacity - N") == NULL);
    CHECK(strstr(r.out, "  Rep 1 of 1: peak ") != NULL); /* numbered as on the screen */
    /* the pause between blocks from --block-rest-s (not the protocol's 1.5 s), counted down */
    CHECK(strstr(r.out, "Block 2 of 4: Adduction, right leg. Position: supine, hips 0°, pad 5 cm above the malleolus\n"
                        "  Next block in 2 s\n  Next block in 1 s\n") != NULL);
    CHECK(strstr(r.out, "best rep #1: time to peak ") != NULL);
    CHECK(strstr(r.out, "Reference values\n  None that compare") != NULL);
    CHECK(strstr(r.err, "1990-04-12") == NULL);
    const char *last = last_line(r.out);
    char *end = NULL;
    long long id = strtoll(last, &end, 10);
    CHECK(id > 0 && *end == '\0');
    struct stat st;
    CHECK(stat(db, &st) == 0 && (st.st_mode & 0777) == 0600);
    struct store *s = NULL;
    struct st_err err;
    REQUIRE(store_open(db, &s, &err) == ST_OK);
    struct store_session sess;
    CHECK_OK(store_session_get(s, id, &sess, &err), &err);
    CHECK_INT(sess.status, STORE_SESSION_COMPLETE);
    CHECK_INT(sess.n_reps, 4);
    store_close(s);
    /* the demo's balance report beside the database, its path on a line of its own; page 1 rendered
     * to report-page1.png in the build folder is the picture in README.md */
    char pdf[600], line[620];
    snprintf(pdf, sizeof pdf, "%s/demo-report-%lld.pdf", check_tmpdir(), id);
    snprintf(line, sizeof line, "\n%s\n", pdf);
    CHECK(strstr(r.out, line) != NULL);
    CHECK(stat(pdf, &st) == 0 && st.st_size > 10000 && (st.st_mode & 0777) == 0600);
    char *png[] = {"pdftoppm", "-r", "80", "-png", "-singlefile", "-f", "1", "-l", "1", pdf, "report-page1", NULL};
    struct run p = run_cmd("pdftoppm", png, NULL);
    CHECK_INT(p.status, 0);
    CHECK(stat("report-page1.png", &st) == 0 && st.st_size > 10000);
    run_free(&p);
    run_free(&r);

    /* the export: JSON by default, with the protocol's title and the cut-offs it was judged by */
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", id);
    char *ex[] = {"station", "export", idtxt, "--db", db, NULL};
    struct run rx = run_cmd(NULL, ex, NULL);
    CHECK_INT(rx.status, 0);
    CHECK(strstr(rx.out, "\"title\": \"Demo: supine long-lever hip ADD/ABD, hips at 0°") != NULL);
    CHECK(strstr(rx.out, "\"cutoffs\": {") != NULL);
    run_free(&rx);

    /* --db before the command works as after it (and needs its value). */
    char *g1[] = {"station", "--db", db, "sessions", NULL};
    char *g2[] = {"station", "sessions", "--db", db, NULL};
    char *g3[] = {"station", "--db=/nonexistent/dir/x.db", "sessions", "--db", db, NULL};
    struct run r1 = run_cmd(NULL, g1, NULL), r2 = run_cmd(NULL, g2, NULL), r3 = run_cmd(NULL, g3, NULL);
    CHECK_INT(r1.status, 0);
    CHECK(strstr(r1.out, "Sample Patient (demo)") != NULL && strstr(r1.out, "1 session(s)") != NULL);
    CHECK_STR(r1.out, r2.out);
    CHECK_INT(r3.status, 0); /* the command's own --db wins */
    CHECK_STR(r3.out, r2.out);
    run_free(&r1);
    run_free(&r2);
    run_free(&r3);
    char *g4[] = {"station", "--db", NULL};
    r = run_cmd(NULL, g4, NULL);
    CHECK_INT(r.status, 2);
    CHECK_INT(count_lines(r.err), 1);
    run_free(&r);
}

/* Reads a 24- or 32-bit BMP into 0xRRGGBB pixels (top row first). */
static uint32_t *read_bmp(const char *path, int *w, int *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char hdr[54];
    uint32_t *px = NULL;
    if (fread(hdr, 1, 54, f) == 54 && hdr[0] == 'B' && hdr[1] == 'M') {
        uint32_t off = hdr[10] | hdr[11] << 8 | hdr[12] << 16 | (uint32_t)hdr[13] << 24;
        int32_t ww = (int32_t)(hdr[18] | hdr[19] << 8 | hdr[20] << 16 | (uint32_t)hdr[21] << 24);
        int32_t hh = (int32_t)(hdr[22] | hdr[23] << 8 | hdr[24] << 16 | (uint32_t)hdr[25] << 24);
        int bpp = hdr[28];
        int rows = hh < 0 ? -hh : hh;
        size_t stride = ((size_t)ww * (size_t)bpp / 8 + 3) & ~(size_t)3;
        unsigned char *row = malloc(stride);
        px = calloc((size_t)ww * (size_t)rows, sizeof *px);
        fseek(f, off, SEEK_SET);
        for (int y = 0; y < rows && row && px; y++) {
            if (fread(row, 1, stride, f) != stride)
                break;
            int ty = hh > 0 ? rows - 1 - y : y;
            for (int x = 0; x < ww; x++) {
                unsigned char *p = row + (size_t)x * (size_t)(bpp / 8);
                px[(size_t)ty * (size_t)ww + (size_t)x] = (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
            }
        }
        free(row);
        *w = ww;
        *h = rows;
    }
    fclose(f);
    return px;
}

static void test_demo_in_an_x11_window(void)
{
    char display[32], display_env[48];
    pid_t xvfb = check_xvfb_start(display, sizeof display);
    if (xvfb < 0)
        check_skip("Xvfb is not installed or did not start (apt-get install xvfb): the window test did not run");
    snprintf(display_env, sizeof display_env, "DISPLAY=%s", display);
    char db[512], dir[512];
    check_tmppath(db, sizeof db, "xdemo.db");
    check_tmppath(dir, sizeof dir, "shots");
    mkdir(dir, 0700);
    char shots[600];
    snprintf(shots, sizeof shots, "STATION_SCREENSHOT_DIR=%s", dir);
    /* System libraries behind X11 (dbus, GL drivers loaded and unloaded at run time) leave allocations
     * at exit that LeakSanitizer cannot attribute: leak checks stay on in every other test. */
    const char *env[] = {display_env, "SDL_VIDEODRIVER=", "WAYLAND_DISPLAY=", "SDL_AUDIODRIVER=dummy", shots,
                         "ASAN_OPTIONS=detect_leaks=0", "STATION_LINGER_S=0", NULL};
    char *a[] = {(char *)station_bin(), "demo", "--reps", "1", "--db", db, NULL};
    struct run r = run_cmd(NULL, a, env);
    check_xvfb_stop(xvfb);
    CHECK_INT(r.status, 0);
    CHECK(strstr(r.out, "No display") == NULL); /* it had one */
    run_free(&r);
    char bmp[700];
    snprintf(bmp, sizeof bmp, "%s/therapist.bmp", dir);
    int w = 0, h = 0;
    uint32_t *px = read_bmp(bmp, &w, &h);
    REQUIRE(px);
    CHECK(w >= 800 && h >= 600);
    /* The force curve's colour covers a good stretch of the plot (the last rep's plateau at least). */
    uint32_t curve = ui_colour_rgb(UI_COL_CURVE0);
    long hits = 0;
    for (long i = 0; i < (long)w * h; i++)
        hits += px[i] == curve;
    CHECK(hits > 300);
    free(px);
}

int main(void)
{
    CHECK_RUN(test_help_version_usage_errors);
    CHECK_RUN(test_demo_headless);
    CHECK_RUN(test_demo_in_an_x11_window);
    return check_done();
}
