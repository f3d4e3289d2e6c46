#!/bin/sh
# The house rules a compiler cannot check (curl's checksrc in spirit): no unbounded or unchecked
# string and number calls in our C, and no exit() below main (station/main.c and tools are exempt).
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
bad=$(grep -nE '\bexit[[:space:]]*\(' $(echo "$files" | grep -E '^(common|drivers|protocols|station)/' | grep -v '^station/main.c$') /dev/null |
      grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)')
if [ -n "$bad" ]; then
    echo "check-source: exit() below main:" >&2
    echo "$bad" >&2
    status=1
fi
[ $status = 0 ] && echo "check-source: ok"
exit $status
