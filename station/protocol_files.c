/*
 * protocol_files.c - protocol files on disk: read whole, then parsed by the pure loader in
 * protocols/protocol.c; lookup by name, by the name= field, or by path; the folder's listing. See
 * protocol_files.h.
 *
 * A failed load leaves def zeroed (text NULL), which is all proto_load_text promises too: nothing to free.
 */
#include "station/protocol_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum st_status st_proto_load_file(const char *path, struct proto_def *def, struct st_err *err)
{
    if (def)
        memset(def, 0, sizeof *def);
    if (!path || !def)
        return st_err_set(err, ST_ERR_ARG, "st_proto_load_file: no path given");
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return st_err_set(err, e == ENOENT ? ST_ERR_NOT_FOUND : ST_ERR_IO, "Cannot open the protocol file %s: %s",
                          path, strerror(e));
    }
    char *buf = malloc(PROTO_MAX_TEXT_BYTES + 2);
    if (!buf) {
        fclose(f);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    size_t n = fread(buf, 1, PROTO_MAX_TEXT_BYTES + 1, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return st_err_set(err, ST_ERR_IO, "Cannot read the protocol file %s", path);
    }
    if (n > PROTO_MAX_TEXT_BYTES) {
        free(buf);
        return st_err_set(err, ST_ERR_IO, "%s is larger than %d KiB: is it a protocol file?", path,
                          PROTO_MAX_TEXT_BYTES / 1024);
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        free(buf);
        return st_err_set(err, ST_ERR_PARSE, "%s is not a text file (it contains NUL bytes)", path);
    }
    enum st_status s = proto_load_text(path, buf, def, err);
    free(buf);
    return s;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* The *.ini names in dir, sorted; *out is malloc'd (free each and the array). */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum st_status ini_names(const char *dir, char ***out, size_t *count, struct st_err *err)
{
    *out = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        return st_err_set(err, e == ENOENT ? ST_ERR_NOT_FOUND : ST_ERR_IO,
                          "Cannot read the protocol folder %s: %s", dir, strerror(e));
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    enum st_status s = ST_OK;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".ini"))
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) {
                s = st_err_set(err, ST_ERR_NOMEM, NULL);
                break;
            }
            names = nn;
            cap = nc;
        }
        names[n] = strdup(e->d_name);
        if (!names[n]) {
            s = st_err_set(err, ST_ERR_NOMEM, NULL);
            break;
        }
        n++;
    }
    closedir(d);
    if (s != ST_OK) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return s;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    *count = n;
    return ST_OK;
}

enum st_status st_proto_list(const char *dir, st_proto_list_cb cb, void *ctx, struct st_err *err)
{
    if (!dir || !cb)
        return st_err_set(err, ST_ERR_ARG, "st_proto_list: no folder or callback");
    char **names;
    size_t n;
    enum st_status s = ini_names(dir, &names, &n, err);
    if (s != ST_OK)
        return s;
    for (size_t i = 0; i < n; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct proto_def def;
        struct st_err e;
        st_err_clear(&e);
        int stop;
        if (st_proto_load_file(path, &def, &e) == ST_OK) {
            stop = cb(ctx, path, &def, NULL);
            proto_free(&def);
        } else {
            stop = cb(ctx, path, NULL, &e);
        }
        if (stop)
            break;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ST_OK;
}

enum st_status st_proto_find(const char *name_or_path, const char *dir, struct proto_def *def,
                          struct st_err *err)
{
    if (def)
        memset(def, 0, sizeof *def);
    if (!name_or_path || !*name_or_path || !def)
        return st_err_set(err, ST_ERR_ARG, "No protocol name given");
    if (strchr(name_or_path, '/') || ends_with(name_or_path, ".ini"))
        return st_proto_load_file(name_or_path, def, err);
    if (!dir)
        dir = ".";
    char path[2048];
    if ((size_t)snprintf(path, sizeof path, "%s/%s.ini", dir, name_or_path) >= sizeof path)
        return st_err_set(err, ST_ERR_ARG, "The protocol name is too long");
    enum st_status s = st_proto_load_file(path, def, err);
    if (s != ST_ERR_NOT_FOUND)
        return s;
    /* Not a file name: look for a file whose name= is the name asked for. */
    char **names;
    size_t n;
    s = ini_names(dir, &names, &n, err);
    if (s != ST_OK)
        return st_err_set(err, s, "No protocol named \"%s\": cannot read the folder %s", name_or_path, dir);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (st_proto_load_file(path, def, NULL) == ST_OK) {
            if (!strcmp(def->name, name_or_path))
                found = true;
            else
                proto_free(def);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (found)
        return ST_OK;
    memset(def, 0, sizeof *def);
    return st_err_set(err, ST_ERR_NOT_FOUND,
                      "No protocol named \"%s\" in %s: `station protocols` lists the ones there are",
                      name_or_path, dir);
}

