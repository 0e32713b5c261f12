#!/usr/bin/env bash
# Whole-process benchmark: what apidiag costs next to merely reading its input, side
# by side in one run, as ratios (the machines are shared and noisy). Not part of
# `cargo test`. Prints a table of medians and ratios with PASS/FAIL per target.
#
#   bash bench/run.sh                 # the full run (a few minutes)
#   RECORDS=20000 bash bench/run.sh   # a quick one (smaller logs)
#
# Environment: RECORDS (NDJSON records, default 200000), RUNS (hyperfine runs for
# the one-response comparison, default 30), LOG_RUNS (for the log comparisons,
# default 10), PAIRS (rounds of the baseline and apidiag in turn for target 2, default
# 15), KEEP=1
# keeps the generated inputs (the temp dir is printed).
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-200000}
RUNS=${RUNS:-30}
LOG_RUNS=${LOG_RUNS:-10}
PAIRS=${PAIRS:-15}

install() {
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get install -y "$@" >/dev/null 2>&1 ||
        { $sudo apt-get update >/dev/null && $sudo apt-get install -y "$@" >/dev/null; }
}
command -v hyperfine >/dev/null || install hyperfine
command -v jq >/dev/null || install jq
[ -x /usr/bin/time ] || install time

echo "== building (release profile)" >&2
cargo build --release --quiet --bin apidiag --example parse_baseline --example gen_bench_input
APIDIAG=$PWD/target/release/apidiag
BASELINE=$PWD/target/release/examples/parse_baseline
GEN=$PWD/target/release/examples/gen_bench_input

TMP=$(mktemp -d)
if [ "${KEEP:-}" = 1 ]; then echo "inputs kept in $TMP" >&2; else trap 'rm -rf "$TMP"' EXIT; fi
# A clean environment: no user rules, no backtrace capture, no colour.
unset APIDIAG_RULES RUST_BACKTRACE RUST_LIB_BACKTRACE CLICOLOR_FORCE
export XDG_CONFIG_HOME=$TMP/config NO_COLOR=1

FIXTURE=tests/fixtures/transcripts/curl-i/hacktron-scope.txt
awk 'body { print } /^\r?$/ { body = 1 }' "$FIXTURE" >"$TMP/body.json"
LOG=$TMP/log.ndjson
LOG10=$TMP/log10.ndjson
HAR=$TMP/log.har

echo "== generating inputs" >&2
"$GEN" ndjson "$RECORDS" "$LOG"
"$GEN" har "$(stat -c %s "$LOG")" "$HAR"
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "   log $(mib "$(stat -c %s "$LOG")") MiB ($RECORDS records)," \
    "HAR $(mib "$(stat -c %s "$HAR")") MiB" >&2
# Written-back pages of the inputs would be flushed while the timings run.
sync

median() { jq -r ".results[$2].median" "$1"; }
cpu() { jq -r ".results[$2] | .user + .system" "$1"; } # mean CPU seconds, all threads

echo "== one response: cat vs apidiag vs jq ($RUNS runs)" >&2
hyperfine -N --runs "$RUNS" --warmup 3 --style basic --export-json "$TMP/one.json" \
    "cat $FIXTURE" "$APIDIAG --format json $FIXTURE" "jq . $TMP/body.json" >&2

echo "== log of $RECORDS responses: apidiag vs parse-only baseline vs jq ($LOG_RUNS runs)" >&2
hyperfine -N --runs "$LOG_RUNS" --warmup 1 --style basic --export-json "$TMP/log.json" \
    "$APIDIAG --format json $LOG" "$BASELINE $LOG" "jq -c . $LOG" "$APIDIAG -j 1 --format json $LOG" >&2

# The baseline and apidiag on one thread (`--format json` and `--summary`), one run of
# each in turn: each ratio compares runs made seconds apart, so a slow spell of this
# shared machine (which the ten runs of one command above may fall into, and the
# other's not) weighs on all sides alike. Target 2 (issue 19): one thread at least as
# fast as the parse-only baseline, for both output forms. The default (one worker per
# CPU) is measured in turn too, against the earlier target of half the baseline.
echo "== log: baseline and apidiag in turn ($PAIRS rounds)" >&2
for ((i = 0; i < PAIRS; i++)); do
    hyperfine -N --runs 1 --style none --export-json "$TMP/pair.json" \
        "$BASELINE $LOG" "$APIDIAG -j 1 --format json $LOG" "$APIDIAG -j 1 --summary $LOG" \
        "$APIDIAG --format json $LOG" >/dev/null 2>&1
    jq -r '[.results[0].mean / .results[1].mean, .results[0].mean / .results[2].mean,
        .results[0].mean / .results[3].mean] | @tsv' "$TMP/pair.json"
done >"$TMP/ratios"
median_of() { # column of $TMP/ratios
    cut -f "$1" "$TMP/ratios" | sort -g |
        awk '{ r[NR] = $1 } END { print (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'
}
PAIRED_JSON1=$(median_of 1)
PAIRED_SUMMARY1=$(median_of 2)
PAIRED=$(median_of 3)

peak_kib() { # peak RSS of a command, its output discarded
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'
}
echo "== peak memory" >&2
# The 10x log is made only now: the timings above run without its writeback.
"$GEN" ndjson $((RECORDS * 10)) "$LOG10"
echo "   10x log $(mib "$(stat -c %s "$LOG10")") MiB" >&2
RSS_LOG=$(peak_kib "$APIDIAG" --format json "$LOG")
RSS_LOG10=$(peak_kib "$APIDIAG" --format json "$LOG10")
RSS1_LOG=$(peak_kib "$APIDIAG" -j 1 --summary "$LOG")
RSS1_LOG10=$(peak_kib "$APIDIAG" -j 1 --summary "$LOG10")
RSS_HAR=$(peak_kib "$APIDIAG" --format json "$HAR")
HAR_KIB=$(($(stat -c %s "$HAR") / 1024))

CAT=$(median "$TMP/one.json" 0)
ONE=$(median "$TMP/one.json" 1)
JQ1=$(median "$TMP/one.json" 2)
APP=$(median "$TMP/log.json" 0)
BASE=$(median "$TMP/log.json" 1)
JQL=$(median "$TMP/log.json" 2)
APP1=$(median "$TMP/log.json" 3)
APP_CPU=$(cpu "$TMP/log.json" 0)
BASE_CPU=$(cpu "$TMP/log.json" 1)
APP1_CPU=$(cpu "$TMP/log.json" 3)
MB=$(awk -v b="$(stat -c %s "$LOG")" 'BEGIN { print b / 1e6 }')

FAILED=0
row() { # name measured limit pass(1/0)
    local verdict=PASS
    [ "$4" = 1 ] || { verdict=FAIL; FAILED=1; }
    printf '| %-52s | %-28s | %-16s | %-4s |\n' "$1" "$2" "$3" "$verdict"
}
ok() { awk "BEGIN { exit !($1) }" && echo 1 || echo 0; }
ms() { awk -v s="$1" 'BEGIN { printf "%.2f ms", s * 1000 }'; }
s() { awk -v s="$1" 'BEGIN { printf "%.3f s", s }'; }
x() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
mbs() { awk -v mb="$MB" -v s="$1" 'BEGIN { printf "%.0f MB/s", mb / s }'; }

echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -h | awk '/^Mem:/ { print $2 }') RAM"
echo
echo "| medians | value |"
echo "| --- | --- |"
echo "| cat FILE (one curl -i response) | $(ms "$CAT") |"
echo "| apidiag --format json FILE | $(ms "$ONE") |"
echo "| jq . BODY | $(ms "$JQ1") |"
echo "| parse-only baseline, $RECORDS-record log ($(mib "$(stat -c %s "$LOG")") MiB) | $(s "$BASE") ($(mbs "$BASE")) |"
echo "| apidiag --format json LOG (default: one thread per CPU) | $(s "$APP") ($(mbs "$APP")), CPU $(s "$APP_CPU") |"
echo "| apidiag -j 1 --format json LOG (one thread) | $(s "$APP1") ($(mbs "$APP1")), CPU $(s "$APP1_CPU") |"
echo "| parse-only baseline CPU | $(s "$BASE_CPU") |"
echo "| jq -c . LOG | $(s "$JQL") ($(mbs "$JQL")) |"
echo
echo "| target | measured | limit | |"
echo "| --- | --- | --- | --- |"
row "1. one response: apidiag / cat" "$(x "$ONE" "$CAT")" "<= 2x" "$(ok "$ONE <= 2 * $CAT")"
row "1. one response: jq / apidiag" "$(x "$JQ1" "$ONE")" ">= 5x" "$(ok "$JQ1 >= 5 * $ONE")"
pct() { awk -v r="$1" 'BEGIN { printf "%.0f%% (median of '"$PAIRS"')", 100 * r }'; }
row "2. one thread, --format json: throughput / baseline" "$(pct "$PAIRED_JSON1")" ">= 100%" \
    "$(ok "$PAIRED_JSON1 >= 1")"
row "2. one thread, --summary: throughput / baseline" "$(pct "$PAIRED_SUMMARY1")" ">= 100%" \
    "$(ok "$PAIRED_SUMMARY1 >= 1")"
info() { printf '| %-52s | %-28s | %-16s | info |\n' "$1" "$2" "$3"; }
info "2. (one thread) the same, from the medians above" \
    "$(awk -v a="$APP1" -v b="$BASE" 'BEGIN { printf "%.0f%%", 100 * b / a }')" ">= 100%"
info "2. default threads: throughput / baseline, in turn" "$(pct "$PAIRED")" ">= 50% (old)"
info "2. default threads, from the medians above" \
    "$(awk -v a="$APP" -v b="$BASE" 'BEGIN { printf "%.0f%%", 100 * b / a }')" ">= 50% (old)"
row "2. log: jq -c / apidiag" "$(x "$JQL" "$APP")" ">= 3x" "$(ok "$JQL >= 3 * $APP")"
info "2. (one thread) jq -c / apidiag -j 1" "$(x "$JQL" "$APP1")" ">= 3x"
info "2. CPU time per record: apidiag / baseline" "$(x "$APP_CPU" "$BASE_CPU")" "-"
row "3. peak RSS, $RECORDS-record log" "$((RSS_LOG / 1024)) MiB" "< 32 MiB" "$(ok "$RSS_LOG < 32 * 1024")"
row "3. peak RSS, 10x log vs 1x log" "$((RSS_LOG10 / 1024)) MiB ($(x "$RSS_LOG10" "$RSS_LOG"))" "<= 1.10x" \
    "$(ok "$RSS_LOG10 <= 1.1 * $RSS_LOG")"
row "3. peak RSS, -j 1 --summary, $RECORDS-record log" "$((RSS1_LOG / 1024)) MiB" "< 32 MiB" \
    "$(ok "$RSS1_LOG < 32 * 1024")"
row "3. peak RSS, -j 1 --summary, 10x log vs 1x log" \
    "$((RSS1_LOG10 / 1024)) MiB ($(x "$RSS1_LOG10" "$RSS1_LOG"))" "<= 1.10x" \
    "$(ok "$RSS1_LOG10 <= 1.1 * $RSS1_LOG")"
row "3. peak RSS, HAR of $((HAR_KIB / 1024)) MiB" "$((RSS_HAR / 1024)) MiB" "< HAR size" "$(ok "$RSS_HAR < $HAR_KIB")"
echo
echo "target 4 (cost per response with 10 000 user rules): cargo bench --bench diagnose"
exit "$FAILED"
