#!/usr/bin/env bash
# sweep.sh — the pretraining recipe sweep of docs/RECIPE.md: which settings give the best held-out
# MLM accuracy for a fixed budget of training time on this machine (2 threads).
#
# Each row of ROWS ("name<TAB>pretrain options", # comments) is measured in two parts:
#  1. a speed probe: 40 steps, timed from metrics.jsonl between steps 10 and 40, the faster of two —
#     this part needs a quiet machine (run all probes first with --probe-only, when nothing else runs);
#  2. the run: the number of steps that fills the budget at that speed (98% of it, as the trainer
#     fixes a --minutes budget), trained with a final held-out evaluation. Training is deterministic
#     for a given thread count, so this part gives the same figures however busy the machine is.
# Results are appended to OUT/results.tsv (one line per row; rows already there are skipped, so an
# interrupted sweep continues), and OUT/table.md is rewritten from it.
#
# Usage: bench/recipe/sweep.sh ROWS [--budget-s 300] [--out DIR] [--build DIR] [--probe-only]
# The corpus is data/foldoc/foldoc.txt (scripts/get-corpus.sh); vocabularies are trained once per
# size into OUT/vocab-N.txt with `tokenize train`, exactly as pretrain would train them.
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=$1
shift
budget=300
out=runs/recipe
build=build
probe_only=0
while (($#)); do
  case $1 in
    --budget-s) budget=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --probe-only) probe_only=1; shift ;;
    *) echo "sweep.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
corpus=data/foldoc/foldoc.txt
[[ -f $corpus ]] || { echo "sweep.sh: $corpus is missing: run scripts/get-corpus.sh" >&2; exit 1; }
mkdir -p "$out"
touch "$out/results.tsv" "$out/probes.tsv"
common=(--corpus "$corpus" --threads 2 --eval-every 0 --save-every 0 --keep 1)

# json_field FILE STEP FIELD — a field of the metrics.jsonl record of STEP.
json_field() {
  grep "\"step\":$2[,}]" "$1" | tail -1 | sed -E "s/.*\"$3\":([^,}]*).*/\\1/"
}
# vocab_for OPTIONS... — the vocabulary file for the row's --vocab-size (default 8000), trained once.
vocab_for() {
  local size=8000 cased=()
  while (($#)); do
    case $1 in --vocab-size) size=$2; shift ;; --cased) cased=(--cased) ;; esac
    shift
  done
  local file="$out/vocab-$size${cased:+-cased}.txt"
  [[ -f $file ]] || "$build/apps/tokenize" train --vocab-size "$size" "${cased[@]}" --out "$file" "$corpus" >&2
  echo "$file"
}
# shape_key OPTIONS — the options without those that leave a step's work unchanged (--lr, --seed,
# --objective: NSP's head is a few hundred multiply-adds a row): rows with the same key share a speed.
shape_key() {
  sed -E 's/--(lr|seed|objective) [^ ]+//g; s/ +/ /g; s/^ //; s/ $//' <<<"$1"
}
# without_vocab_size OPTIONS... — the options without --vocab-size N (the vocabulary is given).
without_vocab_size() {
  local o=()
  while (($#)); do
    if [[ $1 == --vocab-size ]]; then shift 2; continue; fi
    o+=("$1")
    shift
  done
  echo "${o[@]}"
}

while IFS=$'\t' read -r name options; do
  [[ -z $name || $name == \#* ]] && continue
  grep -q "^$name	" "$out/results.tsv" && continue
  read -ra opts <<<"$options"
  vocab=$(vocab_for "${opts[@]}")
  read -ra opts <<<"$(without_vocab_size "${opts[@]}")"
  # 1. Speed probe (reused when already measured; rows of the same shapes share the fastest).
  key=$(shape_key "$options")
  sps=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$out/probes.tsv" | tail -1)
  if [[ -z $sps ]]; then  # the faster of two probes: a busy moment slows one, never speeds one up
    for probe in 1 2; do
      rm -rf "$out/probe"
      "$build/apps/pretrain" "${common[@]}" "${opts[@]}" --vocab "$vocab" --steps 40 --log-every 10 \
        --out "$out/probe" >"$out/probe.log" 2>&1 || { echo "sweep.sh: probe of $name failed:"; tail -3 "$out/probe.log"; exit 1; }
      t10=$(json_field "$out/probe/metrics.jsonl" 10 elapsed_s)
      t40=$(json_field "$out/probe/metrics.jsonl" 40 elapsed_s)
      one=$(awk -v a="$t10" -v b="$t40" 'BEGIN { printf "%.5f", (b - a) / 30 }')
      sps=$(awk -v a="${sps:-$one}" -v b="$one" 'BEGIN { printf "%.5f", a < b ? a : b }')
    done
    printf '%s\t%s\t%s\n' "$name" "$sps" "$key" >>"$out/probes.tsv"
    echo "probe $name: $sps s/step"
  fi
  sps=$(awk -F'\t' -v k="$key" -v s="$sps" '$3 == k && $2 < s { s = $2 } END { print s }' "$out/probes.tsv")
  ((probe_only)) && continue
  # 2. The run: the steps that fill the budget.
  steps=$(awk -v s="$sps" -v b="$budget" 'BEGIN { printf "%d", 0.98 * b / s }')
  dir="$out/$name"
  rm -rf "$dir"
  echo "run $name: $steps steps ($options)"
  "$build/apps/pretrain" "${common[@]}" "${opts[@]}" --vocab "$vocab" --steps "$steps" --log-every 50 \
    --out "$dir" >"$dir.log" 2>&1 || { echo "sweep.sh: run $name failed:"; tail -3 "$dir.log"; exit 1; }
  last=$(tail -1 "$dir/metrics.jsonl")
  field() { sed -E "s/.*\"$1\":([^,}]*).*/\\1/" <<<"$last"; }
  tokens=$(grep -o '"tokens_seen": [0-9]*' "$dir/checkpoint-$steps/trainer_state.json" | grep -o '[0-9]*$')
  baseline=$(grep -o 'accuracy [0-9.]*; unigram frequencies loss [0-9.]*' "$dir.log" | tr -d ';')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$options" "$sps" "$steps" "$tokens" \
    "$(field eval_mlm_acc)" "$(field eval_loss)" "$baseline" >>"$out/results.tsv"
done <"$rows"

{
  echo "| row | options (beside the common ones) | s/step | steps | tokens seen | held-out MLM acc | held-out MLM loss |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | `%s` | %.4f | %d | %.2fM | %.4f | %.4f |\n", $1, $2, $3, $4, $5 / 1e6, $6, $7 }' "$out/results.tsv"
} >"$out/table.md"
cat "$out/table.md"
