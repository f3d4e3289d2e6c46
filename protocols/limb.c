/* limb.c - direction and side names; see limb.h. */
#include "protocols/limb.h"

#include <strings.h>

const char *st_dir_name(enum st_dir d)
{
    switch (d) {
    case ST_DIR_ADD: return "adduction";
    case ST_DIR_ABD: return "abduction";
    default: return "?";
    }
}

const char *st_dir_short(enum st_dir d)
{
    switch (d) {
    case ST_DIR_ADD: return "ADD";
    case ST_DIR_ABD: return "ABD";
    default: return "?";
    }
}

const char *st_side_name(enum st_side s)
{
    switch (s) {
    case ST_SIDE_LEFT: return "left";
    case ST_SIDE_RIGHT: return "right";
    case ST_SIDE_BOTH: return "both";
    default: return "?";
    }
}

bool st_dir_parse(const char *t, enum st_dir *out)
{
    if (!t)
        return false;
    if (!strcasecmp(t, "adduction") || !strcasecmp(t, "add"))
        *out = ST_DIR_ADD;
    else if (!strcasecmp(t, "abduction") || !strcasecmp(t, "abd"))
        *out = ST_DIR_ABD;
    else
        return false;
    return true;
}

bool st_side_parse(const char *t, enum st_side *out)
{
    if (!t)
        return false;
    if (!strcasecmp(t, "left") || !strcasecmp(t, "l"))
        *out = ST_SIDE_LEFT;
    else if (!strcasecmp(t, "right") || !strcasecmp(t, "r"))
        *out = ST_SIDE_RIGHT;
    else if (!strcasecmp(t, "both") || !strcasecmp(t, "b"))
        *out = ST_SIDE_BOTH;
    else
        return false;
    return true;
}
