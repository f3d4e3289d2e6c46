#!/bin/sh
# Runs the whole benchmark suite in BUILD_DIR (a Release build) and writes bench/RESULTS.md: the
# machine, the date, the commit, then one table of every figure (median and 99th percentile over the
# runs, its goal, the peer's figure as a ratio), then the last long soak (bench/SOAK.md, written by
# hand from a `soak` run of hours). Each bench prints its own lines as it goes and appends its figures
# through bench/bench_result.h to a file this script reads. A quick soak (1 minute) runs at the end.
#   sh tools/run-bench.sh build/release [OUT.md]
set -eu
build=$1
out=${2:-bench/RESULTS.md}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/station-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
results=$tmp/results.tsv
: >"$results"
export BENCH_RESULTS="$results" STATION_BIN="$build/station" PEER_SCRIPT=bench/peer_pyserial.py
export STATION_BENCH_DIR="$tmp" SDL_AUDIODRIVER=dummy STATION_LINGER_S=0
start=$(date +%s)
times=""
for b in bench_peer bench_parser bench_pipeline bench_latency bench_store bench_ui bench_report bench_sync; do
    [ -x "$build/$b" ] || continue
    echo "== $b"
    t0=$(date +%s)
    "$build/$b" || echo "$b failed (exit $?)"
    times="$times${times:+, }$b $(( $(date +%s) - t0 )) s"
done

echo "== soak (1 minute)"
t0=$(date +%s)
if "$build/soak" --minutes 1 --sample-s 10 --pull-every-s 20 --out "$tmp/soak" >/dev/null 2>"$tmp/soak.err"; then
    soak_ok=yes
else
    soak_ok=no
fi
sum=$tmp/soak/summary.txt
val() { sed -n "s/^$1 = //p" "$sum"; }
if [ -f "$sum" ]; then
    cat "$sum"
    row() { printf 'soak (1 min)\t%s\t%s\t%s\t%s\t1\t%s\t%s\t\n' "$1" "$2" "$2" "$3" "$4" "$5" >>"$results"; }
    row "sessions completed / run" "$(val sessions_complete)/$(val sessions)" "" "" ""
    row "reps not saved" "$(val reps_not_saved)" "reps" "0" "$([ "$(val reps_not_saved)" = 0 ] && echo met || echo 'NOT met')"
    row "samples lost (ring, unreadable)" "$(( $(val samples_lost) + $(val bad_lines) ))" "samples" "0" \
        "$([ "$(( $(val samples_lost) + $(val bad_lines) ))" = 0 ] && echo met || echo 'NOT met')"
    row "cables pulled / failed reconnects" "$(val pulls)/$(val failed_reconnects)" "" "0 failed" \
        "$([ "$(val failed_reconnects)" = 0 ] && echo met || echo 'NOT met')"
    row "RSS first -> last" "$(val rss_kb_first) -> $(val rss_kb_last)" "KB" "" ""
    row "fds, threads first -> last" "$(val fds_first)->$(val fds_last), $(val threads_first)->$(val threads_last)" "" "no growth" \
        "$([ "$(val fds_last)" -le "$(val fds_first)" ] && [ "$(val threads_last)" -le "$(val threads_first)" ] && echo met || echo 'NOT met')"
    row "station CPU, 4 x 1 kHz headless, whole sessions" "$(val cpu_pct_of_core)" "% core" "under 10" \
        "$(awk -v c="$(val cpu_pct_of_core)" 'BEGIN { print (c < 10) ? "met" : "NOT met" }')"
fi
echo "soak passed: $soak_ok"
times="$times, soak $(( $(date +%s) - t0 )) s"

# The table.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
    echo "# Benchmark results"
    echo
    echo "Written by \`make bench\` (tools/run-bench.sh); do not edit by hand (bench/SOAK.md is the long soak)."
    echo
    echo "- Machine: $cpu, $(nproc) cores, Linux $(uname -r), $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit$dirty; $(( $(date +%s) - start )) s for the suite ($times)"
    echo "- Load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the end: the machine is shared, figures move with it"
    echo "- Median and p99 over the runs (nearest rank: with fewer than 100 runs p99 is the slowest run)."
    echo "  \"peer\": the peer's figure over the station's (bench/peer_pyserial.py on the same emulator)."
    echo
    awk -F'\t' '
        $1 != group { group = $1; printf "\n## %s\n\n| figure | median | p99 | unit | runs | goal | | peer |\n|---|---|---|---|---|---|---|---|\n", group }
        { printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8, $9 }
    ' "$results"
    echo
    if [ -f bench/SOAK.md ]; then
        cat bench/SOAK.md
    fi
} >"$out"
echo "wrote $out"
