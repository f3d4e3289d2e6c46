/*
 * config.c - the settings file; see config.h. The keys are one table (name, offset, size) so parse,
 * format, get and set never name a field twice.
 */
#include "station/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "station/paths.h"

static const struct {
    const char *name;
    size_t offset, size;
} fields[] = {
    {"therapist", offsetof(struct st_config, therapist), sizeof((struct st_config *)0)->therapist},
    {"data_dir", offsetof(struct st_config, data_dir), sizeof((struct st_config *)0)->data_dir},
    {"server", offsetof(struct st_config, server), sizeof((struct st_config *)0)->server},
    {"patient_display", offsetof(struct st_config, patient_display),
     sizeof((struct st_config *)0)->patient_display},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

const char *const config_keys[] = {"therapist", "data_dir", "server", "patient_display", NULL};

void config_init(struct st_config *c)
{
    memset(c, 0, sizeof *c);
}

/* The field of key (len bytes), or -1. */
static int field_of(const char *key, size_t len)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strlen(fields[i].name) == len && memcmp(fields[i].name, key, len) == 0)
            return (int)i;
    return -1;
}

const char *config_get(const struct st_config *c, const char *key)
{
    int f = key ? field_of(key, strlen(key)) : -1;
    return f < 0 ? NULL : (const char *)c + fields[f].offset;
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Trims blanks from both ends of [*s, *s + *len). */
static void trim(const char **s, size_t *len)
{
    while (*len && is_blank(**s))
        (*s)++, (*len)--;
    while (*len && is_blank((*s)[*len - 1]))
        (*len)--;
}

/* Stores value (len bytes, already trimmed) in field f of c; NULL on success, else why not. */
static const char *store_value(struct st_config *c, int f, const char *value, size_t len)
{
    if (len >= fields[f].size)
        return "is too long";
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
            return "holds a line break or another control character";
    char *dst = (char *)c + fields[f].offset;
    memcpy(dst, value, len);
    dst[len] = '\0';
    return NULL;
}

enum st_status config_set(struct st_config *c, const char *key, const char *value, struct st_err *err)
{
    int f = key ? field_of(key, strlen(key)) : -1;
    if (f < 0)
        return st_err_set(err, ST_ERR_ARG, "Unknown setting '%.60s'", key ? key : "");
    size_t len = value ? strlen(value) : 0;
    trim(&value, &len);
    const char *why = store_value(c, f, value ? value : "", len);
    if (why)
        return st_err_set(err, ST_ERR_ARG, "The %s %s", fields[f].name, why);
    return ST_OK;
}

enum st_status config_parse(const char *text, size_t len, const char *name, struct st_config *c,
                            struct st_err *err)
{
    config_init(c);
    unsigned seen = 0; /* one bit per field: a key given twice is a mistake, not an override */
    size_t pos = 0;
    for (int line = 1; pos < len; line++) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (memchr(start, '\0', n))
            return st_err_set(err, ST_ERR_PARSE, "%s line %d: holds a NUL byte: is it a text file?", name,
                              line);
        trim(&start, &n);
        if (n == 0 || start[0] == '#')
            continue;
        const char *eq = memchr(start, '=', n);
        if (!eq)
            return st_err_set(err, ST_ERR_PARSE, "%s line %d: '%.*s' is not 'key = value'", name, line,
                              n > 60 ? 60 : (int)n, start);
        const char *key = start, *value = eq + 1;
        size_t klen = (size_t)(eq - start), vlen = n - klen - 1;
        trim(&key, &klen);
        trim(&value, &vlen);
        int f = field_of(key, klen);
        if (f < 0)
            return st_err_set(err, ST_ERR_PARSE,
                              "%s line %d: unknown setting '%.*s' (known: therapist, data_dir, server, "
                              "patient_display)",
                              name, line, klen > 60 ? 60 : (int)klen, key);
        if (seen & (1u << f))
            return st_err_set(err, ST_ERR_PARSE, "%s line %d: %s is given twice", name, line, fields[f].name);
        seen |= 1u << f;
        const char *why = store_value(c, f, value, vlen);
        if (why)
            return st_err_set(err, ST_ERR_PARSE, "%s line %d: the %s %s", name, line, fields[f].name, why);
    }
    return ST_OK;
}

enum st_status config_format(const struct st_config *c, char *buf, size_t size, struct st_err *err)
{
    size_t used = 0;
    int n = snprintf(buf, size, "# station settings (the Settings page in the window writes this file)\n");
    for (size_t i = 0; n >= 0 && (size_t)n < size - used && i < NFIELDS; i++) {
        used += (size_t)n;
        const char *v = (const char *)c + fields[i].offset;
        n = snprintf(buf + used, size - used, "%s =%s%s\n", fields[i].name, *v ? " " : "", v);
    }
    if (n < 0 || (size_t)n >= size - used)
        return st_err_set(err, ST_ERR_ARG, "The settings do not fit in %zu bytes", size);
    return ST_OK;
}

/* Copies s[0..len) into buf (size bytes) after its first `at` bytes; returns the new length used. */
static size_t put(char *buf, size_t size, size_t at, const char *s, size_t len)
{
    if (at + 1 >= size)
        return at;
    if (len > size - 1 - at)
        len = size - 1 - at;
    memcpy(buf + at, s, len);
    buf[at + len] = '\0';
    return at + len;
}

/* Copies src into buf with the value of every `password=` keyword (libpq's `password=x` or a URL's
 * `?password=x`) replaced by ****. */
static void mask_keywords(const char *src, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const char *p = src;;) {
        const char *kw = strstr(p, "password=");
        if (!kw) {
            put(buf, size, used, p, strlen(p));
            return;
        }
        used = put(buf, size, used, p, (size_t)(kw + 9 - p));
        p = kw + 9;
        if (kw != src && !strchr(" \t?&", kw[-1]))
            continue; /* "oldpassword=" is another word */
        used = put(buf, size, used, "****", 4);
        if (*p == '\'') { /* a quoted value may hold blanks and \' */
            for (p++; *p && *p != '\''; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (*p)
                p++;
        } else {
            p += strcspn(p, " \t&#");
        }
    }
}

char *config_server_masked(const char *url, char *buf, size_t size)
{
    if (!size)
        return buf;
    char tmp[CONFIG_PATH_MAX + 64];
    const char *src = url ? url : "";
    const char *scheme = strstr(src, "://");
    if (scheme) {
        /* scheme://user:password@host/...: the userinfo ends at the last '@' before the path */
        const char *auth = scheme + 3;
        const char *at = memrchr(auth, '@', strcspn(auth, "/?#"));
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            size_t used = put(tmp, sizeof tmp, 0, src, (size_t)(colon + 1 - src));
            used = put(tmp, sizeof tmp, used, "****", 4);
            put(tmp, sizeof tmp, used, at, strlen(at));
            src = tmp;
        }
    }
    mask_keywords(src, buf, size);
    return buf;
}

enum st_status config_path(char *buf, size_t size, struct st_err *err)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && *xdg)
        n = snprintf(buf, size, "%s/station/station.conf", xdg);
    else if (home && *home)
        n = snprintf(buf, size, "%s/.config/station/station.conf", home);
    else
        return st_err_set(err, ST_ERR_ARG,
                          "Neither HOME nor XDG_CONFIG_HOME is set: the settings "
                          "file has no place");
    if (n < 0 || (size_t)n >= size)
        return st_err_set(err, ST_ERR_ARG, "The settings file's path is too long");
    return ST_OK;
}

/* given when given, else $env_name, else the settings file's key (copied into buf), else NULL. */
static const char *setting(const char *given, const char *env_name, const char *key, char *buf, size_t size)
{
    if (given && *given)
        return given;
    const char *env = getenv(env_name);
    if (env && *env)
        return env;
    struct st_config c;
    const char *v = NULL;
    if (config_load(NULL, &c, NULL) != ST_OK || !(v = config_get(&c, key)) || !*v || !size)
        return NULL;
    snprintf(buf, size, "%s", v);
    return buf;
}

const char *config_therapist(const char *name, char *buf, size_t size)
{
    return setting(name, "STATION_THERAPIST", "therapist", buf, size);
}

const char *config_server(const char *url, char *buf, size_t size)
{
    return setting(url, "STATION_SERVER", "server", buf, size);
}

/* path, or config_path's into buf. NULL on failure (err set). */
static const char *resolve(const char *path, char *buf, size_t size, struct st_err *err)
{
    if (path && *path)
        return path;
    return config_path(buf, size, err) == ST_OK ? buf : NULL;
}

enum st_status config_load(const char *path, struct st_config *c, struct st_err *err)
{
    char pbuf[4096];
    config_init(c);
    if (!(path = resolve(path, pbuf, sizeof pbuf, err)))
        return err ? err->code : ST_ERR_ARG;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return ST_OK;
        return st_err_set(err, ST_ERR_IO, "Cannot read the settings file %s: %s", path, strerror(errno));
    }
    /* The file is a few lines; anything over 64 KiB is not a settings file. */
    static const size_t cap = 64 * 1024;
    char *text = malloc(cap + 1);
    if (!text) {
        fclose(f);
        return st_err_set(err, ST_ERR_NOMEM, NULL);
    }
    size_t len = fread(text, 1, cap + 1, f);
    int bad = ferror(f);
    fclose(f);
    enum st_status s;
    if (bad)
        s = st_err_set(err, ST_ERR_IO, "Cannot read the settings file %s", path);
    else if (len > cap)
        s = st_err_set(err, ST_ERR_PARSE, "The settings file %s is over 64 KiB: is it the right file?", path);
    else
        s = config_parse(text, len, path, c, err);
    free(text);
    return s;
}

/* Writes all of text to fd; 0, or -1 with errno. */
static int write_all(int fd, const char *text, size_t len)
{
    while (len) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

static enum st_status io_error(struct st_err *err, const char *path, int e)
{
    return st_err_set(err, e == ENOSPC || e == EDQUOT ? ST_ERR_DISK_FULL : ST_ERR_IO,
                      "Cannot save the settings to %s: %s", path, strerror(e));
}

enum st_status config_save(const char *path, const struct st_config *c, struct st_err *err)
{
    char pbuf[4096], text[4096], dir[4096], tmp[4200];
    if (!(path = resolve(path, pbuf, sizeof pbuf, err)))
        return err ? err->code : ST_ERR_ARG;
    enum st_status s = config_format(c, text, sizeof text, err);
    if (s != ST_OK)
        return s;
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if ((s = paths_mkdirs(dir, 0700, err)) != ST_OK)
            return s;
    } else {
        snprintf(dir, sizeof dir, "%s", slash ? "/" : ".");
    }
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= sizeof tmp)
        return st_err_set(err, ST_ERR_ARG, "The settings file's path is too long");
    int fd = mkstemp(tmp); /* mode 0600, a name no other writer has */
    if (fd < 0)
        return io_error(err, path, errno);
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return io_error(err, path, e);
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return io_error(err, path, e);
    }
    /* The rename is durable once the folder is synced. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return ST_OK;
}
