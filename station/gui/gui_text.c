/* gui_text.c - editing a field's text at a caret, whole UTF-8 characters at a time; see gui_text.h. */
#include "station/gui/gui_text.h"

#include <string.h>

/* A continuation byte (10xxxxxx) is never where a character starts. */
static int is_cont(char c)
{
    return ((unsigned char)c & 0xc0) == 0x80;
}

size_t gui_text_clamp(const char *buf, size_t at)
{
    size_t len = strlen(buf);
    if (at > len)
        at = len;
    while (at > 0 && is_cont(buf[at]))
        at--;
    return at;
}

size_t gui_text_prev(const char *buf, size_t at)
{
    at = gui_text_clamp(buf, at);
    if (at == 0)
        return 0;
    do
        at--;
    while (at > 0 && is_cont(buf[at]));
    return at;
}

size_t gui_text_next(const char *buf, size_t at)
{
    at = gui_text_clamp(buf, at);
    if (buf[at] == '\0')
        return at;
    do
        at++;
    while (buf[at] && is_cont(buf[at]));
    return at;
}

size_t gui_text_insert(char *buf, size_t size, size_t at, const char *text)
{
    at = gui_text_clamp(buf, at);
    size_t len = strlen(buf), add = strlen(text);
    if (len + add >= size)
        return at;
    memmove(buf + at + add, buf + at, len - at + 1);
    memcpy(buf + at, text, add);
    return at + add;
}

size_t gui_text_erase_before(char *buf, size_t at)
{
    at = gui_text_clamp(buf, at);
    size_t from = gui_text_prev(buf, at);
    memmove(buf + from, buf + at, strlen(buf + at) + 1);
    return from;
}

size_t gui_text_erase_at(char *buf, size_t at)
{
    at = gui_text_clamp(buf, at);
    size_t to = gui_text_next(buf, at);
    memmove(buf + at, buf + to, strlen(buf + to) + 1);
    return at;
}
