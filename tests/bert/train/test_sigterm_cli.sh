#!/bin/bash
# test_sigterm_cli.sh — SIGTERM (what schedulers and mpirun send) is handled exactly like the first
# Ctrl-C (issue 14): the run stops after the current step, saves checkpoint-N and the final model,
# says so, and exits 0; --resume continues from checkpoint-N (resumed with nothing left to do, it
# keeps checkpoint-N as it is rather than deleting and rewriting it). SIGINT is run through the same
# scenario and must give the same exit code and messages. A second signal quits at once (exit
# 130) mid-step, leaving the checkpoints already saved intact and loadable, nothing half-written
# named checkpoint-N, and a run that --resume continues. finetune (the same handler): SIGTERM stops
# after the step, saves checkpoint-N and exits 0.
# Usage: test_sigterm_cli.sh PRETRAIN_BINARY GENERATE_BINARY FINETUNE_BINARY
set -u
PRETRAIN=$1
GENERATE=$2
FINETUNE=$3
source "$(dirname "$0")/../../support/cli_check.sh"  # DIR, check, FAILS, CASES

tiny_corpus "$DIR/corpus.txt"
TINY=(--corpus "$DIR/corpus.txt" --layers 1 --hidden 32 --vocab-size 60 --seq-len 32 --lr 1e-3 --eval-every 0
      --log-every 1 --threads 1)
# wait_for PATTERN FILE — waits (up to 60 s) until a line of FILE matches PATTERN; false on timeout.
wait_for() {
  for _ in $(seq 3000); do
    grep -q -- "$1" "$2" 2>/dev/null && return 0
    sleep 0.02
  done
  return 1
}
# checkpoint_steps RUN — the N of every directory named exactly checkpoint-N, ascending.
checkpoint_steps() { (cd "$1" && ls -d checkpoint-* 2>/dev/null) | sed -n -E 's/^checkpoint-([0-9]+)$/\1/p' | sort -n; }
# loads CHECKPOINT — "ok" when generate fills a [MASK] with the checkpoint.
loads() {
  "$GENERATE" --model "$1" --prompt "the [MASK] sat" --threads 1 2>&1 | head -1 | grep -q '^\[MASK\] at position 2:$' &&
    echo ok
}
# complete RUN — "ok" when every checkpoint-N of RUN has all its files.
complete() {
  local n f
  for n in $(checkpoint_steps "$1"); do
    for f in config.json model.safetensors optimizer.safetensors trainer_state.json vocab.txt; do
      [[ -s $1/checkpoint-$n/$f ]] || { echo "checkpoint-$n lacks $f"; return; }
    done
  done
  echo ok
}

# ---- one signal: stop after this step, save, exit 0; then resume ----
# stop_once SIGNAL NAME — sets RC, OUT, ERR, N (the step it stopped at).
stop_once() {
  "$PRETRAIN" "${TINY[@]}" --batch-size 4 --steps 100000 --save-every 100000 --out "$DIR/$2" \
    >"$DIR/$2.out" 2>"$DIR/$2.err" &
  local pid=$!
  wait_for '^step 3/' "$DIR/$2.err" || echo "FAIL: $2: no step 3 within 60 s"
  kill "-$1" "$pid"
  wait "$pid"
  RC=$?
  OUT=$(cat "$DIR/$2.out")
  ERR=$(cat "$DIR/$2.err")
  N=$(sed -n -E "s|^model saved in $DIR/$2 \(([0-9]+) steps, interrupted\)$|\1|p" <<<"$OUT")
}
stop_once TERM term
check "SIGTERM: rc" 0 "$RC"
check "SIGTERM: says it stops" 1 "$(grep -c '^stopping after this step and saving (Ctrl-C again to quit at once)$' <<<"$ERR")"
check "SIGTERM: no error" "" "$(grep '^error' <<<"$ERR")"
check "SIGTERM: saved, interrupted" 1 "$([[ $N =~ ^[0-9]+$ ]] && (( N >= 3 )) && echo 1)"
check "SIGTERM: the checkpoint of that step" "${N:-none}" "$(checkpoint_steps "$DIR/term")"
check "SIGTERM: checkpoint complete" ok "$(complete "$DIR/term")"
check "SIGTERM: checkpoint loads" ok "$(loads "$DIR/term/checkpoint-${N:-none}")"
check "SIGTERM: final model loads" ok "$(loads "$DIR/term")"
TERM_ERR_LINES=$(grep -v '^step ' <<<"$ERR" | sed -E 's/[0-9]+m[0-9]+s/TIME/; s/memory [0-9]+ MB/memory M MB/; s/[0-9]+ steps/N steps/')
# Resumed with nothing left to do (or stopped before its first step): checkpoint-N is kept as it is,
# not rewritten (a rewrite leaves a moment with no checkpoint-N, fatal to a kill with --keep 1).
inode=$(stat -c %i "$DIR/term/checkpoint-$N")
"$PRETRAIN" --resume "$DIR/term" --steps "$N" --threads 1 >"$DIR/log" 2>&1
check "SIGTERM: resume with nothing to do rc" 0 "$?"
check "SIGTERM: resume with nothing to do keeps checkpoint-$N as it is" "$inode" "$(stat -c %i "$DIR/term/checkpoint-$N")"
check "SIGTERM: resume with nothing to do writes the final model" "model saved in $DIR/term ($N steps)" \
  "$(grep '^model saved' "$DIR/log")"
"$PRETRAIN" --resume "$DIR/term" --steps $((N + 2)) --threads 1 >"$DIR/log" 2>&1
check "SIGTERM: resume rc" 0 "$?"
check "SIGTERM: resumed from checkpoint-$N" "resuming $DIR/term from $DIR/term/checkpoint-$N" "$(grep '^resuming' "$DIR/log")"
check "SIGTERM: resumed run continues" "model saved in $DIR/term ($((N + 2)) steps)" "$(grep '^model saved' "$DIR/log")"

stop_once INT int
check "SIGINT: rc as SIGTERM's" 0 "$RC"
check "SIGINT: saved, interrupted" 1 "$([[ $N =~ ^[0-9]+$ ]] && (( N >= 3 )) && echo 1)"
check "SIGINT: the same messages as SIGTERM" "$TERM_ERR_LINES" \
  "$(grep -v '^step ' <<<"$ERR" | sed -E 's/[0-9]+m[0-9]+s/TIME/; s/memory [0-9]+ MB/memory M MB/; s/[0-9]+ steps/N steps/')"

# ---- two signals: the second quits at once, mid-step ----
# Steps of a few hundred milliseconds, so the second signal (sent as soon as the first is
# acknowledged) lands inside the step the first one lets finish.
"$PRETRAIN" "${TINY[@]}" --hidden 256 --layers 2 --batch-size 64 --seq-len 128 --no-pack --steps 100000 \
  --save-every 1 --keep 2 --out "$DIR/twice" >"$DIR/twice.out" 2>"$DIR/twice.err" &
pid=$!
wait_for "^saved $DIR/twice/checkpoint-2$" "$DIR/twice.err" || echo "FAIL: twice: no checkpoint-2 within 60 s"
kill -TERM "$pid"
wait_for '^stopping after this step' "$DIR/twice.err"
kill -TERM "$pid"
wait "$pid"
check "second SIGTERM: rc 130" 130 "$?"
check "second SIGTERM: no final save" "" "$(grep '^model saved' "$DIR/twice.out")"
check "second SIGTERM: no error" "" "$(grep '^error' "$DIR/twice.err")"
check "second SIGTERM: checkpoints complete" ok "$(complete "$DIR/twice")"
newest=$(checkpoint_steps "$DIR/twice" | tail -1)
check "second SIGTERM: checkpoint-2 or a later one kept" 1 "$(( ${newest:-0} >= 2 ))"
check "second SIGTERM: newest checkpoint loads" ok "$(loads "$DIR/twice/checkpoint-$newest")"
"$PRETRAIN" --resume "$DIR/twice" --steps $((newest + 1)) --threads 1 >"$DIR/log" 2>&1
check "second SIGTERM: resume rc" 0 "$?"
check "second SIGTERM: resumed from checkpoint-$newest" "resuming $DIR/twice from $DIR/twice/checkpoint-$newest" \
  "$(grep '^resuming' "$DIR/log")"
check "second SIGTERM: leftovers removed on resume" "" "$(cd "$DIR/twice" && ls -d *.tmp *.tmp.* 2>/dev/null)"

# ---- finetune ----
"$PRETRAIN" "${TINY[@]}" --batch-size 4 --steps 2 --out "$DIR/pre" >"$DIR/log" 2>&1
check "finetune: pretrained model rc" 0 "$?"
{
  printf 'sentence\tlabel\n'
  for i in 1 2 3 4; do
    printf 'the cat sat on the mat\tpositive\nthe dog ate the bone\tpositive\na bird sang in the tree\tnegative\n'
  done
} >"$DIR/train.tsv"
FT=(--model "$DIR/pre" --train "$DIR/train.tsv" --batch-size 4 --lr 1e-3 --log-every 1 --threads 1 --epochs 100000)
"$FINETUNE" "${FT[@]}" --out "$DIR/ft" >"$DIR/ft.out" 2>"$DIR/ft.err" &
pid=$!
wait_for '^step 3/' "$DIR/ft.err" || echo "FAIL: finetune: no step 3 within 60 s"
kill -TERM "$pid"
wait "$pid"
check "finetune SIGTERM: rc" 0 "$?"
check "finetune SIGTERM: says it stops" 1 "$(grep -c '^stopping after this step and saving' "$DIR/ft.err")"
N=$(sed -n -E "s|^model saved in $DIR/ft \(([0-9]+) steps, interrupted\)$|\1|p" "$DIR/ft.out")
check "finetune SIGTERM: saved, interrupted" 1 "$([[ $N =~ ^[0-9]+$ ]] && (( N >= 3 )) && echo 1)"
check "finetune SIGTERM: checkpoint of that step has its state" yes \
  "$([[ -f $DIR/ft/checkpoint-${N:-none}/trainer_state.json ]] && echo yes)"
echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
