#!/bin/sh
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, from its seed corpus in tests/fuzz/corpus/NAME
# (copied, so the committed seeds stay small). Fails on the first crash, leak or timeout.
set -eu
dir=$(cd "$1" && pwd); secs=$2
top=$(cd "$(dirname "$0")/.." && pwd)
found=0
for f in "$dir"/fuzz_*; do
    [ -x "$f" ] || continue
    found=1
    name=$(basename "$f")
    work=$(mktemp -d)
    if [ -d "$top/tests/fuzz/corpus/$name" ]; then cp -r "$top/tests/fuzz/corpus/$name/." "$work/"; fi
    echo "fuzz: $name for ${secs}s"
    (cd "$work" && "$f" -max_total_time="$secs" -timeout=10 -print_final_stats=1 "$work" 2>"$work.log") || {
        tail -50 "$work.log" >&2; echo "fuzz: $name FAILED (log: $work.log)" >&2; exit 1; }
    grep -E 'stat::number_of_executed_units' "$work.log" | sed "s/^/fuzz: $name /"
    rm -rf "$work" "$work.log"
done
[ $found = 1 ] || echo "fuzz: no targets built"
