#!/usr/bin/env bash
# Diagnose one big NDJSON log on every core of one machine with GNU parallel:
#   examples/parallel/diagnose.sh LOG OUT.json
# --pipepart cuts LOG into 64 MiB blocks ($BLOCK) at newlines (an NDJSON record never spans
# two blocks) and --keep-order prints the block summaries in the log's order, which
# `apidiag merge` needs to number lines and pick first/last as one run would.
set -euo pipefail
if (($# != 2)); then
  echo "usage: $0 LOG OUT.json" >&2
  exit 2
fi
log=$1 out=$2
apidiag=${APIDIAG:-apidiag}

# A block's apidiag exits 1 (nothing diagnosed) or 2 (an unreadable record) with its
# summary printed; merge refuses a block that printed none, so parallel's count of
# non-zero exits is not the verdict.
{
  parallel --pipepart --block "${BLOCK:-64M}" --keep-order -a "$log" \
    "$apidiag" --summary --format json -j 1 --input-format ndjson - || true
} | "$apidiag" merge --format json - >"$out"
