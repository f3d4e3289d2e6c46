#!/bin/sh
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, from its seed corpus in tests/fuzz/corpus/NAME
# (copied, so the committed seeds stay small). Fails on the first crash, leak or timeout.
# The targets run FUZZ_JOBS at a time (default: one per core): each is one process on one core, so on
# two cores `make test`'s 7 targets x 5 s take 20 s instead of 35, each still fuzzed its SECONDS.
set -eu
dir=$(cd "$1" && pwd); secs=$2
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
status=$(mktemp -d)
trap 'rm -rf "$status"' EXIT

# One target: its output to $status/NAME.out, and $status/NAME.failed when it found something.
run_one() {
    f=$1
    name=$(basename "$f")
    work=$(mktemp -d)
    if [ -d "$top/tests/fuzz/corpus/$name" ]; then cp -r "$top/tests/fuzz/corpus/$name/." "$work/"; fi
    echo "fuzz: $name for ${secs}s"
    if (cd "$work" && "$f" -max_total_time="$secs" -timeout=10 -print_final_stats=1 "$work" 2>"$work.log"); then
        grep -E 'stat::number_of_executed_units' "$work.log" | sed "s/^/fuzz: $name /"
        rm -rf "$work" "$work.log"
    else
        tail -50 "$work.log"
        echo "fuzz: $name FAILED (log: $work.log)"
        touch "$status/$name.failed"
    fi
}

found=0
batch=""
n=0
finish_batch() {
    wait
    for name in $batch; do
        if [ -e "$status/$name.failed" ]; then cat "$status/$name.out" >&2; exit 1; fi
        cat "$status/$name.out"
    done
    batch=""
    n=0
}
for f in "$dir"/fuzz_*; do
    [ -x "$f" ] || continue
    found=1
    name=$(basename "$f")
    run_one "$f" >"$status/$name.out" 2>&1 &
    batch="$batch $name"
    n=$((n + 1))
    if [ "$n" -ge "$jobs" ]; then finish_batch; fi
done
finish_batch
[ $found = 1 ] || echo "fuzz: no targets built"
