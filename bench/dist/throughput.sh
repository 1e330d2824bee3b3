#!/bin/bash
# throughput.sh — issue 13's measurement, for a quiet machine: the same global batch trained by
# 1 rank × 2 threads and by 2 ranks × 1 thread (mpirun), BERT-small, seq 128, in alternating pairs;
# prints each pair's tokens/s (mean of the logged windows after warm-up) and, from --profile, rank
# 0's share of step time spent waiting on gradient all-reduces (dist_allreduce_wait) and starting
# them (dist_allreduce_start), then the medians.
# Open MPI's shared-memory transport copies between ranks with one cross-process copy (CMA) where
# the kernel allows it; where it does not (some containers) the script falls back to the two-copy
# path (OMPI_MCA_btl_vader_single_copy_mechanism=none) and says so: that path is much slower.
# Usage: bench/dist/throughput.sh [BUILD_DIR] [STEPS] [MODEL] [PAIRS]   (defaults: build 40 small 3)
set -eu
BUILD=${1:-build}
STEPS=${2:-40}
MODEL=${3:-small}
PAIRS=${4:-3}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
MPIRUN=(mpirun --allow-run-as-root --bind-to core -np 2)
COMMON=(--synthetic --model-config "$MODEL" --seq-len 128 --batch-size 8 --grad-accum 2 --steps "$STEPS"
        --lr 1e-4 --warmup-steps 10 --log-every 5 --eval-every 0 --save-every 0 --profile)
# tokens/s over the logged windows after the first 10 steps.
tps() { awk -F'"tokens_per_s":' 'NF > 1 { split($2, a, /[,}]/); if (++n > 2) { s += a[1]; k++ } } END { printf "%.0f", s / k }' "$1/metrics.jsonl"; }
# share — the share column of a profile row ("dist_allreduce_wait backward  1.0  65.52  5.6%").
share() { awk -v op="$2" '$1 == op { sub(/%/, "", $5); print $5 }' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

lscpu | grep -E 'Model name|^CPU\(s\)'
uptime
if ! "${MPIRUN[@]}" "$BUILD/apps/pretrain" --synthetic --model-config tiny --steps 2 --threads 1 --out "$OUT/probe" \
     >"$OUT/probe.log" 2>&1; then
  export OMPI_MCA_btl_vader_single_copy_mechanism=none
  echo "single-copy (CMA) refused here: OMPI_MCA_btl_vader_single_copy_mechanism=none"
fi
printf '%-5s %14s %14s %7s %9s %10s\n' pair "1×2 tokens/s" "2×1 tokens/s" ratio "wait %" "start %"
: >"$OUT/rows"
for p in $(seq 1 "$PAIRS"); do
  "$BUILD/apps/pretrain" "${COMMON[@]}" --threads 2 --out "$OUT/one$p" >"$OUT/one$p.log" 2>&1
  "${MPIRUN[@]}" "$BUILD/apps/pretrain" "${COMMON[@]}" --threads 1 --out "$OUT/two$p" >"$OUT/two$p.log" 2>&1
  one=$(tps "$OUT/one$p") two=$(tps "$OUT/two$p")
  row="$one $two $(echo "$two / $one" | bc -l | cut -c1-5) $(share "$OUT/two$p.log" dist_allreduce_wait) $(share "$OUT/two$p.log" dist_allreduce_start)"
  echo "$row" >>"$OUT/rows"
  printf '%-5s %14s %14s %7s %9s %10s\n' "$p" $row
done
printf '%-5s' median
for c in 1 2 3 4 5; do printf ' %s' "$(cut -d' ' -f"$c" "$OUT/rows" | median)"; done
echo
echo "-- profile of rank 0 (2 ranks, last pair):"
sed -n '/^profile of steps/,/GFLOP\/s over/p' "$OUT/two$PAIRS.log" | head -40
uptime
