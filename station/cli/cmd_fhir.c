/*
 * cmd_fhir.c - `station export SESSION --format fhir [--deidentified] [--out FILE]` and
 * `station export --patient ID --all --format fhir`: the HL7 FHIR R4 Bundle of one session or of all a
 * patient's sessions (station/export/fhir.h). cmd_export (cmd_history.c) hands `--format fhir` here.
 * The bundle is built in memory and then written whole: to stdout, or to FILE through a temporary
 * file renamed into place (mode 0600: it holds health data), so a failure leaves no half file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/export/fhir.h"
#include "station/paths.h"
#include "station/store/store.h"

/* Writes len bytes to path via path.tmp-XXXXXX, fsync and rename. */
static int write_whole(const char *path, const char *buf, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof tmp)
        return cli_fail("The path %s is too long: choose a shorter one with --out", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return cli_fail("Cannot write %s: %s; choose another file with --out", path, strerror(errno));
    fchmod(fd, 0600);
    size_t off = 0;
    int e = 0;
    while (off < len && !e) {
        ssize_t k = write(fd, buf + off, len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            e = k < 0 ? errno : ENOSPC;
        else
            off += (size_t)k;
    }
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        return cli_fail("Writing %s failed: %s; free some space or choose another file with --out", path,
                        strerror(e));
    }
    fprintf(stderr, "station: exported to %s\n", path);
    return 0;
}

int cmd_export_fhir(int argc, char **argv)
{
    const char *db = NULL, *format = NULL, *out = NULL, *patient = NULL;
    bool all = false, deidentified = false;
    struct cli_opt opts[] = {
        CLI_OPT_DB(&db),
        {"--format", CLI_STR, &format, "fhir", "an HL7 FHIR R4 Bundle (JSON)", false},
        {"--out", CLI_STR, &out, "FILE", "write to FILE (mode 0600) instead of stdout", false},
        {"--patient", CLI_STR, &patient, "ID", "with --all: every session of this patient", false},
        {"--all", CLI_FLAG, &all, NULL, "with --patient: every session", false},
        {"--deidentified", CLI_FLAG, &deidentified, NULL, "leave the name and birth date out", false},
    };
    struct cli_cmd cmd = {"station export",
                          "SESSION --format fhir [--deidentified] [--out FILE] | --patient ID --all --format fhir",
                          "Exports a session, or every session of a patient, as an HL7 FHIR R4 Bundle.",
                          opts,
                          sizeof opts / sizeof opts[0],
                          0,
                          1};
    const char *arg = NULL; /* the one positional argument, if given */
    int rc = cli_parse_one(&cmd, argc, argv, &arg);
    if (rc >= 0)
        return rc;
    long long sid = 0;
    if (patient || all) {
        if (!patient || !all || arg)
            return cli_usage_error(&cmd, "give either SESSION or --patient ID --all");
    } else if (!arg || !cli_parse_long(arg, 1, INT64_MAX, &sid)) {
        return cli_usage_error(&cmd, "SESSION must be a session number (see station sessions)");
    }
    char path[4096];
    struct st_err err;
    st_err_clear(&err);
    struct store *s = NULL;
    if (paths_db_open(db, &s, path, sizeof path, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    int64_t *ids = NULL, one = sid;
    size_t n = 1;
    enum st_status st = ST_OK;
    if (patient) {
        int64_t pid = 0;
        struct store_session *list = NULL;
        st = store_patient_find(s, patient, &pid, &err);
        if (st == ST_OK)
            st = store_session_list(s, pid, &list, &n, &err);
        if (st == ST_OK && n == 0)
            st = st_err_set(&err, ST_ERR_NOT_FOUND, "Patient %s has no session to export", patient);
        if (st == ST_OK && !(ids = calloc(n, sizeof *ids)))
            st = st_err_set(&err, ST_ERR_NOMEM, NULL);
        for (size_t i = 0; st == ST_OK && i < n; i++)
            ids[i] = list[n - 1 - i].id; /* oldest first */
        free(list);
    }
    rc = 0;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = st == ST_OK ? open_memstream(&buf, &len) : NULL;
    if (st == ST_OK && !mem)
        st = st_err_set(&err, ST_ERR_NOMEM, NULL);
    if (st == ST_OK)
        st = fhir_write_bundle(s, ids ? ids : &one, n, deidentified, mem, &err);
    if (mem)
        fclose(mem);
    store_close(s);
    free(ids);
    if (st != ST_OK)
        rc = cli_fail("%s", st_err_msg(&err));
    else if (out)
        rc = write_whole(out, buf, len);
    else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
        rc = cli_fail("Writing the export failed (is the disk full?)");
    free(buf);
    return rc;
}
