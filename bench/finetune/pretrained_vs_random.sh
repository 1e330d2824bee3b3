#!/usr/bin/env bash
# pretrained_vs_random.sh — what pretraining brings to a task (docs/FINETUNING.md): the same
# fine-tuning recipe run from a pretrained checkpoint and from random weights of the same
# architecture (`finetune --random-init`), over several seeds; prints each run's best eval metric
# and the medians.
#
#   bench/finetune/pretrained_vs_random.sh MODEL TASK_DIR [--seeds 1,2,3] [--build DIR] [--out DIR]
#                                          [finetune options...]
# TASK_DIR holds train.tsv and test.tsv (scripts/get-finetune-data.sh). The metric is the one
# finetune keeps its best model by (F1 of the positive class for binary tasks, accuracy otherwise),
# read from each run's metrics.jsonl. Options after the known ones go to finetune unchanged.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$1
task=$2
shift 2
seeds=1,2,3
build=build
out=runs/pretrained-vs-random
extra=()
while (($#)); do
  case $1 in
    --seeds) seeds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
[[ -f $task/train.tsv && -f $task/test.tsv ]] || { echo "no $task/train.tsv and test.tsv: run scripts/get-finetune-data.sh" >&2; exit 1; }
mkdir -p "$out"

# best_metric DIR — the largest eval_f1 (binary) or eval_accuracy of the run's evaluations.
best_metric() {
  local key=eval_f1
  grep -q '"eval_f1"' "$1/metrics.jsonl" || key=eval_accuracy
  grep -o "\"$key\":[0-9.e-]*" "$1/metrics.jsonl" | cut -d: -f2 | sort -g | tail -1 | sed "s/^/$key /"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

name=$(basename "$task")
: >"$out/$name.tsv"
for seed in ${seeds//,/ }; do
  for init in pretrained random; do
    dir=$out/$name-$init-$seed
    rm -rf "$dir"
    flags=()
    [[ $init == random ]] && flags=(--random-init)
    "$build/apps/finetune" --model "$model" --train "$task/train.tsv" --eval "$task/test.tsv" --out "$dir" \
      --seed "$seed" "${flags[@]}" "${extra[@]}" >"$dir.log" 2>&1 ||
      { echo "finetune failed ($dir):"; tail -3 "$dir.log"; exit 1; }
    read -r key value <<<"$(best_metric "$dir")"
    printf '%s\t%s\t%s\t%s\n' "$init" "$seed" "$key" "$value" | tee -a "$out/$name.tsv"
  done
done
for init in pretrained random; do
  printf '%s median %s: %s\n' "$init" "$key" "$(awk -F'\t' -v i="$init" '$1 == i { print $4 }' "$out/$name.tsv" | median)"
done
