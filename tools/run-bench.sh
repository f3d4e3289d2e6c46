#!/bin/sh
# Runs every benchmark in BUILD_DIR; each prints its own medians and ratios.
set -eu
for b in "$1"/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b"
done
