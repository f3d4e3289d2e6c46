/* log.c - diagnostic log; see log.h. One mutex: messages from threads never interleave. */
#include "common/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_level = -1; /* -1: not yet read from STATION_LOG */
static st_log_sink log_sink;
static void *log_sink_ctx;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

static int level_from_env(void)
{
    const char *v = getenv("STATION_LOG");
    if (v)
        for (int i = 0; i <= ST_LOG_OFF; i++)
            if (strcmp(v, level_names[i]) == 0)
                return i;
    return ST_LOG_WARN;
}

void st_log_set_level(enum st_log_level level)
{
    pthread_mutex_lock(&log_lock);
    log_level = (int)level;
    pthread_mutex_unlock(&log_lock);
}

enum st_log_level st_log_get_level(void)
{
    pthread_mutex_lock(&log_lock);
    if (log_level < 0)
        log_level = level_from_env();
    int l = log_level;
    pthread_mutex_unlock(&log_lock);
    return (enum st_log_level)l;
}

void st_log_set_sink(st_log_sink sink, void *ctx)
{
    pthread_mutex_lock(&log_lock);
    log_sink = sink;
    log_sink_ctx = ctx;
    pthread_mutex_unlock(&log_lock);
}

void st_log(enum st_log_level level, const char *module, const char *fmt, ...)
{
    if (level >= ST_LOG_OFF || level < st_log_get_level())
        return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    pthread_mutex_lock(&log_lock);
    if (log_sink)
        log_sink(log_sink_ctx, level, module, text);
    else
        fprintf(stderr, "station: %s: %s: %s\n", level_names[level], module, text);
    pthread_mutex_unlock(&log_lock);
}
