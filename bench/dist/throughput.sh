#!/bin/bash
# throughput.sh — issue 13's measurement, for a quiet machine: the same global batch trained by
# 1 rank × 2 threads and by 2 ranks × 1 thread (mpirun), BERT-small, seq 128; prints tokens/s of
# each (mean of the logged windows after warm-up) and, from --profile, rank 0's share of step time
# spent waiting on gradient all-reduces (dist_allreduce_wait) and starting them.
# Usage: bench/dist/throughput.sh [BUILD_DIR] [STEPS] [MODEL]   (defaults: build 40 small)
set -eu
BUILD=${1:-build}
STEPS=${2:-40}
MODEL=${3:-small}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=none
COMMON=(--synthetic --model-config "$MODEL" --seq-len 128 --batch-size 8 --grad-accum 2 --steps "$STEPS"
        --lr 1e-4 --warmup-steps 10 --log-every 5 --eval-every 0 --save-every 0 --profile)
# tokens/s over the logged windows after the first 10 steps.
tps() { awk -F'"tokens_per_s":' 'NF > 1 { split($2, a, /[,}]/); if (++n > 2) { s += a[1]; k++ } } END { printf "%.0f", s / k }' "$1/metrics.jsonl"; }
# "op ms" rows of the profile for the distributed ops, and the step time.
prof() { grep -E 'dist_allreduce|total|per step' "$1" || true; }

lscpu | grep -E 'Model name|^CPU\(s\)'
uptime
echo "== 1 rank × 2 threads"
"$BUILD/apps/pretrain" "${COMMON[@]}" --threads 2 --out "$OUT/one" >"$OUT/one.log" 2>&1
echo "tokens/s: $(tps "$OUT/one")"
echo "== 2 ranks × 1 thread"
mpirun --allow-run-as-root --bind-to core -np 2 "$BUILD/apps/pretrain" "${COMMON[@]}" --threads 1 --out "$OUT/two" \
  >"$OUT/two.log" 2>&1
echo "tokens/s: $(tps "$OUT/two")"
echo "-- profile of rank 0 (2 ranks):"
sed -n '/^profile of steps/,$p' "$OUT/two.log" | head -40
uptime
