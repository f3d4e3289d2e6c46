#!/bin/sh
# The house rules a compiler cannot check (curl's checksrc in spirit): no unbounded or unchecked
# string and number calls in our C, and no exit() below main (station/cli/main.c and tools are exempt).
set -u
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find common drivers protocols station tests bench -name '*.[ch]')
bad=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|atof|gets|strtok)[[:space:]]*\(' $files /dev/null)
if [ -n "$bad" ]; then
    echo "check-source: banned calls (use snprintf, strtol/strtod with checks):" >&2
    echo "$bad" >&2
    status=1
fi
# (comment lines, " * ... exit()", are not calls)
bad=$(grep -nE '\bexit[[:space:]]*\(' $(echo "$files" | grep -E '^(common|drivers|protocols|station)/' | grep -v '^station/cli/main.c$') /dev/null |
      grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)')
if [ -n "$bad" ]; then
    echo "check-source: exit() below main:" >&2
    echo "$bad" >&2
    status=1
fi
# The rooms (README "For developers"): each folder includes only the folders below it; protocols/
# does no I/O at all (no file, folder or descriptor headers), so nothing there can open a file.
#   folder              may not include
layers="common/:drivers/|protocols/|station/|SDL|sqlite3|cairo|pango|libpq
drivers/:protocols/|station/|SDL|sqlite3|cairo|pango|libpq
protocols/:drivers/|station/|SDL|sqlite3|cairo|pango|libpq|libserialport|dirent|fcntl|unistd|sys/
station/store/:station/ui/|station/export/|station/cli/|station/session|station/sync/|SDL|cairo|pango|libserialport|libpq
station/sync/:station/ui/|station/export/|station/cli/|station/gui/|station/session|SDL|sqlite3|cairo|pango|libserialport
station/export/:station/ui/|station/cli/|station/session|SDL|libserialport|libpq
station/ui/:station/store/|station/export/|station/cli/|station/gui/|station/session|sqlite3|cairo|pango|libpq
station/gui/:station/cli/|sqlite3|SDL|cairo|pango|libpq
station/session:station/cli/
station/window:SDL|cairo|pango
station/paths:station/cli/|station/ui/|SDL"
for rule in $layers; do
    dir=${rule%%:*}
    banned=${rule#*:}
    srcs=$(echo "$files" | grep -E "^$dir" || true)
    [ -z "$srcs" ] && continue
    bad=$(grep -nE "^#include [<\"]($banned)" $srcs /dev/null)
    if [ -n "$bad" ]; then
        echo "check-source: $dir includes what it may not ($banned):" >&2
        echo "$bad" >&2
        status=1
    fi
done
bad=$(grep -nE '\b(fopen|opendir|open|read|write)[[:space:]]*\(' $(echo "$files" | grep -E '^protocols/') /dev/null |
      grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)')
if [ -n "$bad" ]; then
    echo "check-source: protocols/ does I/O (files belong to station/protocol_files.c):" >&2
    echo "$bad" >&2
    status=1
fi
[ $status = 0 ] && echo "check-source: ok"
exit $status
