#!/bin/bash
# test_recompute_cli.sh — `--recompute` on pretrain and finetune: each run trains exactly as
# without it (every step's loss, gradient norm and train statistics in metrics.jsonl, and the final
# weights byte for byte), with dropout on, in fp32 and bf16; --help documents it; a resumed run
# takes it.
# Usage: test_recompute_cli.sh PRETRAIN_BINARY FINETUNE_BINARY
set -u
PRETRAIN=$1
FINETUNE=$2
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
source "$(dirname "$0")/../../support/cli_check.sh"  # DIR, check, FAILS, CASES

# run NAME PROGRAM ARGS... — runs PROGRAM with one thread into DIR/NAME; sets RC, keeps the log.
run() {
  local name=$1 program=$2
  shift 2
  "$program" --threads 1 --out "$DIR/$name" "$@" >"$DIR/$name.log" 2>&1
  RC=$?
}
# records NAME — every metrics.jsonl record of DIR/NAME without its timings and memory.
records() {
  "$PY" -c "import json
for l in open('$DIR/$1/metrics.jsonl'):
    m = json.loads(l)
    print({k: v for k, v in m.items() if k not in ('elapsed_s', 'tokens_per_s', 'peak_memory_mb')})"
}
# same_training A B WHAT — A and B logged the same steps and saved the same weights.
same_training() {
  check "$3: same metrics" "$(records "$1")" "$(records "$2")"
  check "$3: several steps logged" "4" "$(wc -l <"$DIR/$2/metrics.jsonl")"
  cmp -s "$DIR/$1/model.safetensors" "$DIR/$2/model.safetensors"
  check "$3: same weights" 0 $?
}

check "pretrain --help" "1" "$("$PRETRAIN" --help | grep -c -- '--recompute keeps only')"
check "finetune --help" "1" "$("$FINETUNE" --help | grep -c -- '--recompute keeps only')"

PRE=(--synthetic --model-config tiny --layers 2 --vocab-size 64 --dropout 0.1 --seq-len 32 --batch-size 4 --steps 4
     --eval-every 0 --log-every 1)
for precision in fp32 bf16; do
  run "pre-$precision" "$PRETRAIN" "${PRE[@]}" --precision "$precision"
  check "pretrain $precision rc" 0 "$RC"
  run "pre-$precision-rc" "$PRETRAIN" "${PRE[@]}" --precision "$precision" --recompute
  check "pretrain $precision --recompute rc" 0 "$RC"
  same_training "pre-$precision" "pre-$precision-rc" "pretrain $precision"
done

# Dropout was on: another seed trains otherwise.
run pre-seed "$PRETRAIN" "${PRE[@]}" --seed 7
check "another seed differs" "different" "$([[ "$(records pre-fp32)" != "$(records pre-seed)" ]] && echo different)"

# A resumed run may turn it on (a launch setting, like --threads).
cp -r "$DIR/pre-fp32" "$DIR/resumed"
"$PRETRAIN" --threads 1 --resume "$DIR/resumed" --steps 5 --recompute >"$DIR/resumed.log" 2>&1
check "resume with --recompute rc" 0 "$?"

# ---- finetune: a sequence classifier on the fp32 model ----
{
  printf 'sentence\tlabel\n'
  for i in 1 2 3 4; do printf '7 8 9 10\tyes\n11 12 13\tno\n14 15 16 17 18\tyes\n'; done
} >"$DIR/train.tsv"
# The synthetic model has no vocabulary: give it one of its 64 ids.
{ printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for i in $(seq 5 63); do echo "$i"; done; } >"$DIR/pre-fp32/vocab.txt"
FT=(--model "$DIR/pre-fp32" --train "$DIR/train.tsv" --batch-size 3 --steps 4 --dropout 0.1 --log-every 1 --lr 1e-3)
run ft "$FINETUNE" "${FT[@]}"
check "finetune rc" 0 "$RC"
run ft-rc "$FINETUNE" "${FT[@]}" --recompute
check "finetune --recompute rc" 0 "$RC"
same_training ft ft-rc "finetune"

if [[ $FAILS -ne 0 ]]; then
  for f in "$DIR"/*.log; do echo "--- $f"; tail -5 "$f"; done
fi
echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
