/* status.c - status codes and their messages; see status.h. */
#include "common/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ST_STATUS_TEXT_(name, text) text,
static const char *const status_text[] = {ST_STATUS_LIST(ST_STATUS_TEXT_)};
#undef ST_STATUS_TEXT_
#define ST_STATUS_NAME_(name, text) #name,
static const char *const status_name[] = {ST_STATUS_LIST(ST_STATUS_NAME_)};
#undef ST_STATUS_NAME_

const char *st_status_str(enum st_status s)
{
    if ((unsigned)s >= ST_STATUS_COUNT)
        return "unknown status";
    return status_text[s];
}

const char *st_status_name(enum st_status s)
{
    if ((unsigned)s >= ST_STATUS_COUNT)
        return "ST_UNKNOWN";
    return status_name[s];
}

void st_err_clear(struct st_err *e)
{
    if (!e)
        return;
    e->code = ST_OK;
    e->msg[0] = '\0';
}

enum st_status st_err_set(struct st_err *e, enum st_status code, const char *fmt, ...)
{
    if (!e)
        return code;
    e->code = code;
    if (!fmt) {
        snprintf(e->msg, sizeof e->msg, "%s", st_status_str(code));
        return code;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

enum st_status st_err_prefix(struct st_err *e, const char *fmt, ...)
{
    if (!e)
        return ST_ERR_INTERNAL;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[sizeof e->msg];
    snprintf(old, sizeof old, "%s", st_err_msg(e));
    if (snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old) >= (int)sizeof e->msg)
        memcpy(e->msg + sizeof e->msg - 4, "...", 4); /* truncated: say so */
    return e->code;
}

const char *st_err_msg(const struct st_err *e)
{
    if (!e)
        return "unknown error";
    if (e->msg[0])
        return e->msg;
    return st_status_str(e->code);
}
