/*
 * rep_json.c - one repetition as JSON, and the pending (unwritten) repetitions as an emergency file.
 * The presentation of a stored rep lives here, not in the store: the store holds rows, export/ writes
 * files (DESIGN.md). See station/export/rep_json.h.
 */
#include "station/export/rep_json.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "protocols/metric_fields.h"
#include "station/export/json.h"

/* The metric fields that are (or are not) keys of `station analyze --json`, in the table's order. */
static void metric_keys(struct json_writer *w, const struct met_result *m, bool analyze_keys)
{
    for (size_t i = 0; i < met_field_count; i++)
        if (((met_fields[i].use & MET_IN_ANALYZE) != 0) == analyze_keys) {
            json_kv_number(w, met_fields[i].key, met_field_get(m, &met_fields[i]));
        }
}

void export_rep_json(struct json_writer *w, const struct store_rep *r, const double *t_s, const double *f_n,
                     size_t n)
{
    char when[32];
    json_begin_object(w);
    json_key(w, "id");
    if (r->id > 0)
        json_int(w, r->id);
    else
        json_null(w);
    json_kv_string(w, "uuid", r->uuid);
    json_kv_int(w, "session_id", r->session_id);
    json_kv_int(w, "sequence", r->sequence);
    json_kv_int(w, "block", r->block_index + 1); /* numbered from 1, as on the screen */
    json_kv_int(w, "index", r->index_in_block);
    json_kv_string(w, "direction", st_dir_name(r->dir));
    json_kv_string(w, "side", st_side_name(r->side));
    json_kv_bool(w, "familiarisation", r->familiarisation);
    json_kv_string(w, "status", store_rep_status_name(r->status));
    json_kv_bool(w, "accepted", r->status == STORE_REP_ACCEPTED);
    json_kv_bool(w, "counts", r->counts);
    /* The keys of `station analyze --json` (DESIGN.md), in its order, then the flags, then the rest. */
    metric_keys(w, &r->m, true);
    json_key(w, "flags");
    json_begin_array(w);
    for (int b = 0; b < MET_FLAG_COUNT_; b++)
        if (r->m.flags & (1u << b)) {
            const char *name = met_flag_name(1u << b);
            json_string(w, name ? name : "?");
        }
    json_end_array(w);
    metric_keys(w, &r->m, false);
    json_kv_number(w, "lever_m", r->lever_m);
    json_kv_number(w, "body_mass_kg", r->body_mass_kg);
    json_kv_number(w, "tare_n", r->tare_n);
    json_key(w, "pain");
    if (r->pain >= 0)
        json_int(w, r->pain);
    else
        json_null(w);
    json_kv_string(w, "note", r->note[0] ? r->note : NULL);
    /* what the patient's screen showed: big_force, no_numbers, none; null: not recorded (older station) */
    json_kv_string(w, "feedback", r->feedback[0] ? r->feedback : NULL);
    json_kv_string(w, "created", store_time_str(r->created, when, sizeof when));
    if (t_s && f_n) {
        json_key(w, "samples");
        json_begin_object(w);
        json_kv_int(w, "n", (int64_t)n);
        json_kv_number(w, "rate_hz", r->samples_rate_hz);
        json_kv_int(w, "drops", r->samples_drops);
        json_key(w, "t_s");
        json_begin_array(w);
        for (size_t i = 0; i < n; i++)
            json_number(w, t_s[i]);
        json_end_array(w);
        json_key(w, "force_n");
        json_begin_array(w);
        for (size_t i = 0; i < n; i++)
            json_number(w, f_n[i]);
        json_end_array(w);
        json_end_object(w);
    }
    json_end_object(w);
}

enum st_status export_pending_json(struct store *s, const char *path, struct st_err *err)
{
    /* A new file only: never through a link planted at that name, never over another file. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        if (e == EEXIST)
            return st_err_set(
                err, ST_ERR_IO,
                "Cannot write the waiting repetitions to %s: a file or link of that name exists "
                "already (the station never replaces one); choose a new name",
                path);
        return st_err_set(
            err, e == ENOSPC ? ST_ERR_DISK_FULL : ST_ERR_IO,
            "Cannot write the waiting repetitions to %s: %s; choose another place (a USB stick)", path,
            strerror(e));
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    struct json_writer w;
    json_init(&w, f, true);
    json_begin_object(&w);
    json_kv_string(&w, "format", "station-pending-repetitions");
    json_kv_int(&w, "version", 1);
    json_kv_string(&w, "database", store_path(s));
    char when[32];
    json_kv_string(&w, "exported", store_time_str(st_wall_s(), when, sizeof when));
    json_key(&w, "repetitions");
    json_begin_array(&w);
    int64_t session_id;
    const struct store_rep *pr;
    const double *t_s, *f_n;
    size_t n;
    for (size_t i = 0; store_pending_get(s, i, &session_id, &pr, &t_s, &f_n, &n); i++) {
        struct store_rep r = *pr;
        r.session_id = session_id;
        r.n_samples = n;
        export_rep_json(&w, &r, t_s, f_n, n);
    }
    json_end_array(&w);
    json_end_object(&w);
    bool ok = json_finish(&w);
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        unlink(path); /* half a file would look like the whole queue */
    if (!ok)
        return st_err_set(err, ST_ERR_IO,
                          "Writing the waiting repetitions to %s failed (is that disk full "
                          "too?): choose another place",
                          path);
    return ST_OK;
}

enum st_status export_pending_json_in(struct store *s, const char *dir, int64_t session_id, char *path,
                                      size_t size, struct st_err *err)
{
    char when[32];
    time_t now = (time_t)st_wall_s();
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm))
        snprintf(when, sizeof when, "%lld", (long long)now);
    enum st_status st = ST_ERR_IO;
    for (int k = 1; k <= 100; k++) {
        char suffix[16] = "";
        if (k > 1)
            snprintf(suffix, sizeof suffix, "-%d", k);
        if ((size_t)snprintf(path, size, "%s/station-session-%lld-pending-%s%s.json", dir,
                             (long long)session_id, when, suffix) >= size)
            return st_err_set(err, ST_ERR_ARG, "The folder name %.200s is too long", dir);
        st = export_pending_json(s, path, err);
        if (st == ST_OK || faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
            return st; /* written, or failed for another reason than the name being taken */
    }
    return st;
}
