/* paths.c - file locations; see paths.h. */
#include "station/paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "station/config.h"
#include "station/store/store.h"

enum st_status paths_mkdirs(const char *dir, unsigned mode, struct st_err *err)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s", dir);
    if (n <= 0 || (size_t)n >= sizeof tmp)
        return st_err_set(err, ST_ERR_ARG, "The folder name is too long: %.200s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, mode) != 0 && errno != EEXIST)
            return st_err_set(err, ST_ERR_IO, "Cannot create the folder %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, mode) != 0 && errno != EEXIST)
        return st_err_set(err, ST_ERR_IO, "Cannot create the folder %s: %s", tmp, strerror(errno));
    return ST_OK;
}

enum st_status paths_data_dir(char *buf, size_t size, struct st_err *err)
{
    char dir[4096];
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    struct st_config cfg; /* the Settings page's data folder first (an unreadable file: the default) */
    if (config_load(NULL, &cfg, NULL) == ST_OK && cfg.data_dir[0])
        snprintf(dir, sizeof dir, "%s", cfg.data_dir);
    else if (xdg && *xdg)
        snprintf(dir, sizeof dir, "%s/station", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.local/share/station", home);
    else
        return st_err_set(err, ST_ERR_ARG,
                          "Neither HOME nor XDG_DATA_HOME is set: give the database with --db PATH");
    enum st_status s = paths_mkdirs(dir, 0700, err);
    if (s != ST_OK)
        return s;
    if ((size_t)snprintf(buf, size, "%s", dir) >= size)
        return st_err_set(err, ST_ERR_ARG, "The data folder's path is too long");
    return ST_OK;
}

enum st_status paths_db(const char *explicit_path, char *buf, size_t size, struct st_err *err)
{
    const char *p = explicit_path && *explicit_path ? explicit_path : getenv("STATION_DB");
    if (p && *p) {
        if ((size_t)snprintf(buf, size, "%s", p) >= size)
            return st_err_set(err, ST_ERR_ARG, "The database path is too long");
        return ST_OK;
    }
    char dir[4096];
    enum st_status s = paths_data_dir(dir, sizeof dir, err);
    if (s != ST_OK)
        return s;
    if ((size_t)snprintf(buf, size, "%s/station.db", dir) >= size)
        return st_err_set(err, ST_ERR_ARG, "The database path is too long");
    return ST_OK;
}

enum st_status paths_db_open(const char *explicit_path, struct store **s, char *path, size_t size,
                             struct st_err *err)
{
    char buf[4096];
    *s = NULL;
    enum st_status st = paths_db(explicit_path, buf, sizeof buf, err);
    if (st == ST_OK)
        st = store_open(buf, s, err);
    if (path && size)
        snprintf(path, size, "%s", st == ST_OK ? buf : "");
    return st;
}

bool paths_exe_dir(char *buf, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    if (!slash)
        return false;
    *slash = '\0';
    return (size_t)snprintf(buf, size, "%s", exe) < size;
}

const char *paths_protocol_dir(void)
{
    const char *p = getenv("STATION_PROTOCOL_DIR");
    if (p && *p)
        return p;
    /* Installed (make install): PREFIX/bin/station finds PREFIX/share/station/protocols, wherever the
     * prefix is and whether or not the source tree is still there. A build in its build folder has
     * no such folder beside it and reads the source tree's. */
    static char dir[PATH_MAX]; /* found once, by the main thread (commands, the session's start) */
    if (!dir[0]) {
        char exe[PATH_MAX], cand[PATH_MAX + 32];
        struct stat st;
        bool found = paths_exe_dir(exe, sizeof exe);
        if (found)
            snprintf(cand, sizeof cand, "%s/../share/station/protocols", exe);
        if (!found || stat(cand, &st) != 0 || !S_ISDIR(st.st_mode) || !realpath(cand, dir))
            snprintf(dir, sizeof dir, "%s", STATION_PROTOCOL_DIR);
    }
    return dir;
}
