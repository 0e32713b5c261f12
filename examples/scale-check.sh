#!/usr/bin/env bash
# The three ways of diagnosing a big log must agree: one apidiag over the whole log,
# GNU parallel over blocks of it, and the Spark job over partitions of it, each merged
# with `apidiag merge`. Any difference in the summaries is a failure.
#   examples/scale-check.sh [RECORDS]      (APIDIAG=path to use a built binary)
# Spark is skipped, saying so, when Java or pyspark is missing, except under CI=true.
set -euo pipefail
exec 3>&2 # timings, even from a step whose stderr is kept apart
cd "$(dirname "$0")/.."
records=${1:-20000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ -z ${APIDIAG:-} ]]; then
  # The debug build `cargo test` leaves behind: a release build would cost minutes.
  cargo build --quiet --locked --bin apidiag --example gen_bench_input
  APIDIAG=$PWD/target/debug/apidiag
  gen=$PWD/target/debug/examples/gen_bench_input
else
  cargo build --quiet --locked --example gen_bench_input
  gen=$PWD/target/debug/examples/gen_bench_input
fi
export APIDIAG
log=$work/log.ndjson
"$gen" ndjson "$records" "$log"
echo "log: $records records, $(wc -c <"$log") bytes, $(wc -l <"$log") lines"

status=0
summary() { "$APIDIAG" --summary --format json -j 1 --input-format ndjson - <"$log" || true; }
time_it() {
  local start=$SECONDS
  "$@"
  echo "  $((SECONDS - start)) s" >&3
}
echo "whole log, one process"
time_it summary >"$work/whole.json"

echo "GNU parallel, blocks of 256K"
# Small blocks, so a modest log is still cut into many shards.
BLOCK=256K time_it examples/parallel/diagnose.sh "$log" "$work/parallel.json"

compare() {
  if cmp -s "$work/whole.json" "$work/$1.json"; then
    echo "$1: equal to the whole-log summary"
  else
    echo "$1: DIFFERS from the whole-log summary" >&2
    diff <(tr ',' '\n' <"$work/whole.json") <(tr ',' '\n' <"$work/$1.json") >&2 || true
    status=1
  fi
}
compare parallel

python=${PYTHON:-python3}
missing=
command -v java >/dev/null 2>&1 || missing="java"
"$python" -c 'import pyspark' >/dev/null 2>&1 || missing="${missing:+$missing and }pyspark (for $python)"
if [[ -n $missing ]]; then
  if [[ ${CI:-} == true ]]; then
    echo "Spark check: $missing missing, and CI=true does not allow skipping it" >&2
    exit 1
  fi
  echo "Spark check SKIPPED: $missing missing (install a JRE and pip install pyspark, or set PYTHON)"
else
  echo "Spark, local mode, 8 partitions"
  # Spark's log and progress bar are shown only when the job fails.
  if ! time_it "$python" examples/spark/diagnose.py --apidiag "$APIDIAG" --partitions 8 \
    "$log" "$work/spark.json" 2>"$work/spark.log"; then
    cat "$work/spark.log" >&2
    exit 1
  fi
  compare spark
fi
exit $status
