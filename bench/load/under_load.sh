#!/bin/bash
# under_load.sh — issue 17's "graceful under load" benchmark: a 2-thread training run alone, then
# with one busy process beside it (a shell loop that never sleeps: one core's worth of demand),
# for each OpenMP waiting setting; prints tokens/s (median of the logged windows after warm-up)
# and the loaded/quiet time ratio per step. Run it on an otherwise quiet machine.
#   default  — the apps' default (apps/omp_wait_policy.cc: GOMP_SPINCOUNT=10000, a short spin)
#   passive  — sleep at once (OMP_WAIT_POLICY=passive)
#   libgomp  — libgomp's own default (GOMP_SPINCOUNT=300000, a few ms of spinning)
# Usage: bench/load/under_load.sh [BUILD_DIR] [MODEL] [STEPS]   (defaults: build base 12)
set -eu
BUILD=${1:-build}
MODEL=${2:-base}
STEPS=${3:-12}
OUT=$(mktemp -d)
BUSY=
trap '[ -n "$BUSY" ] && kill "$BUSY" 2>/dev/null; rm -rf "$OUT"' EXIT
ARGS=(--synthetic --model-config "$MODEL" --seq-len 128 --batch-size 8 --steps "$STEPS" --lr 1e-4
      --warmup-steps 2 --log-every 2 --eval-every 0 --save-every 0 --threads 2)
# median tokens/s of the logged windows after the first two.
tps() { grep -o '"tokens_per_s":[0-9.]*' "$1/metrics.jsonl" | cut -d: -f2 | tail -n +3 | sort -g |
  awk '{ v[NR] = $1 } END { printf "%.0f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run() {  # run NAME ENV… — one training run; prints its tokens/s
  local name=$1
  shift
  env "$@" "$BUILD/apps/pretrain" "${ARGS[@]}" --out "$OUT/$name" >"$OUT/$name.log" 2>&1
  tps "$OUT/$name"
}

lscpu | grep -E 'Model name|^CPU\(s\)'
echo "model $MODEL, seq 128, batch 8, 2 threads, $STEPS steps; $(uptime)"
printf '%-8s %10s %10s %8s\n' setting quiet loaded slowdown
for setting in default passive libgomp; do
  case $setting in
    default) ENVS=(-u GOMP_SPINCOUNT -u OMP_WAIT_POLICY) ;;
    passive) ENVS=(OMP_WAIT_POLICY=passive) ;;
    libgomp) ENVS=(GOMP_SPINCOUNT=300000) ;;
  esac
  q=$(run "$setting-quiet" "${ENVS[@]}")
  bash -c 'while :; do :; done' &
  BUSY=$!
  l=$(run "$setting-loaded" "${ENVS[@]}")
  kill "$BUSY"
  wait "$BUSY" 2>/dev/null || true
  BUSY=
  printf '%-8s %10s %10s %7.2fx\n' "$setting" "$q" "$l" "$(echo "$q / $l" | bc -l)"
done
echo "$(uptime)"
