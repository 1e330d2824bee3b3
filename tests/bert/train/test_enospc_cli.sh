#!/bin/bash
# test_enospc_cli.sh — the disk fills up while a run saves (issue 14). Each case must end with one
# line on stderr, `error: …` naming the file and saying the disk is full, exit 1 (no crash, abort or
# hang), no model claimed saved, no temporary file or checkpoint-N.tmp left, the checkpoints saved
# before byte for byte those of an uninterrupted reference run (so intact, and the newest loads),
# and a later `--resume` (the disk freed) that finishes the run exactly as the reference did.
# Two ways to fill the disk:
#   - a fault-injecting write path, always: tests/support/enospc_shim.cc preloaded, failing the
#     writes to one chosen file (the periodic save's model, optimizer, trainer_state.json and
#     vocab.txt copy; the final checkpoint; the final model; the run's vocabulary; loss.svg);
#   - a real small filesystem: a tmpfs mounted where the test may (root, not refused by a
#     container); otherwise skipped with a message saying so.
# And on a terminal (script(1)), where the progress line stays open, the error starts its own line.
# Usage: test_enospc_cli.sh PRETRAIN_BINARY GENERATE_BINARY ENOSPC_SHIM
set -u
PRETRAIN=$1
GENERATE=$2
SHIM=$(realpath "$3")
source "$(dirname "$0")/../../support/cli_check.sh"  # DIR, check, FAILS, CASES
MOUNTED=""
trap '[[ -n $MOUNTED ]] && umount "$MOUNTED"; rm -rf "$DIR"' EXIT
# A sanitizer build's programs load their runtime first; the shim after it is fine.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

tiny_corpus "$DIR/corpus.txt"
ARGS=(--corpus "$DIR/corpus.txt" --layers 1 --hidden 32 --vocab-size 60 --seq-len 32 --batch-size 4 --lr 1e-3
      --save-every 1 --eval-every 0 --log-every 1 --threads 1 --steps 6)
"$PRETRAIN" "${ARGS[@]}" --keep 1000 --out "$DIR/ref" >"$DIR/log" 2>&1
check "reference run rc" 0 "$?"

# losses RUN — "step loss" lines of a run's metrics.jsonl.
losses() { sed -E 's/.*"loss":([^,]*),.*"step":([0-9]+).*/\2 \1/' "$1/metrics.jsonl"; }
# checkpoint_steps RUN — the N of every directory named exactly checkpoint-N, ascending, on one line.
checkpoint_steps() { (cd "$1" && ls -d checkpoint-* 2>/dev/null) | sed -n -E 's/^checkpoint-([0-9]+)$/\1/p' | sort -n | xargs; }
# same_as_reference RUN — "ok" when every checkpoint-N of RUN equals the reference's checkpoint-N.
same_as_reference() {
  local n f
  for n in $(checkpoint_steps "$1"); do
    for f in config.json model.safetensors optimizer.safetensors vocab.txt tokenizer_config.json; do
      cmp -s "$DIR/ref/checkpoint-$n/$f" "$1/checkpoint-$n/$f" || { echo "checkpoint-$n/$f differs"; return; }
    done
    [[ -f $1/checkpoint-$n/trainer_state.json ]] || { echo "checkpoint-$n lacks its state"; return; }
  done
  echo ok
}
# pretrain ARGS... — sets RC, OUT, ERR.
pretrain() {
  "$PRETRAIN" "$@" >"$DIR/out" 2>"$DIR/err"
  RC=$?
  OUT=$(cat "$DIR/out")
  ERR=$(cat "$DIR/err")
}

# full_disk NAME MATCH BUDGET FILE CHECKPOINTS — a run into DIR/NAME whose writes to files with
# MATCH in their path fail with ENOSPC after BUDGET bytes; the error must name FILE (a path
# relative to the run) and CHECKPOINTS (e.g. "2 3") must be what is left. Then resumes it.
full_disk() {
  local name=$1 run=$DIR/$1
  LD_PRELOAD=$SHIM NNBERT_ENOSPC_MATCH=$2 NNBERT_ENOSPC_AFTER=$3 pretrain "${ARGS[@]}" --keep 2 --out "$run"
  check "$name: rc" 1 "$RC"
  check "$name: the last line of stderr says the disk is full, naming the file" \
    "error: atomic_write: cannot write '$run/$4': No space left on device" "$(tail -1 <<<"$ERR")"
  check "$name: one error line" 1 "$(grep -c '^error' <<<"$ERR")"
  check "$name: no model claimed saved" "" "$(grep '^model saved' <<<"$OUT")"
  check "$name: no leftovers" "" "$(cd "$run" && find . -name '*.tmp' -o -name '*.tmp.*')"
  check "$name: checkpoints kept" "$5" "$(checkpoint_steps "$run")"
  check "$name: checkpoints intact" ok "$(same_as_reference "$run")"
  if [[ -n $5 ]]; then
    local newest=${5##* }
    check "$name: checkpoint-$newest loads" "[MASK] at position 2:" \
      "$("$GENERATE" --model "$run/checkpoint-$newest" --prompt "the [MASK] sat" --threads 1 2>&1 | head -1)"
    pretrain --resume "$run" --threads 1
    check "$name: resume rc" 0 "$RC"
    check "$name: resumed from checkpoint-$newest" "resuming $run from $run/checkpoint-$newest" "$(grep '^resuming' <<<"$ERR")"
    check "$name: resumed run ends as the reference" same \
      "$(cmp -s "$DIR/ref/model.safetensors" "$run/model.safetensors" && echo same)"
    check "$name: resumed run's losses" "$(losses "$DIR/ref")" "$(losses "$run")"
  fi
}

# The periodic save of step 4, each of its files.
full_disk model "checkpoint-4.tmp/model.safetensors" 1000 checkpoint-4.tmp/model.safetensors "2 3"
full_disk optimizer "checkpoint-4.tmp/optimizer.safetensors" 0 checkpoint-4.tmp/optimizer.safetensors "2 3"
full_disk state "checkpoint-4.tmp/trainer_state.json" 10 checkpoint-4.tmp/trainer_state.json "2 3"
full_disk vocab_copy "checkpoint-4.tmp/vocab.txt" 0 checkpoint-4.tmp/vocab.txt "2 3"
# The final save: its checkpoint, then the final model (after checkpoint-6 is complete).
full_disk final_checkpoint "checkpoint-6.tmp/model.safetensors" 0 checkpoint-6.tmp/model.safetensors "4 5"
full_disk final_model "final_model/model.safetensors" 4096 model.safetensors "5 6"
# Logging: the loss curve rewritten after step 1.
full_disk loss_svg "loss_svg/loss.svg" 0 loss.svg ""
# The run's vocabulary, written before any step.
full_disk run_vocab "run_vocab/vocab.txt" 0 vocab.txt ""

# On a terminal the progress line is rewritten in place without a newline: the error must still
# start a line of its own (script(1) gives the run a terminal).
if command -v script >/dev/null; then
  LD_PRELOAD=$SHIM NNBERT_ENOSPC_MATCH="tty/checkpoint-4.tmp/model.safetensors" \
    script -qec "$(printf '%q ' "$PRETRAIN" "${ARGS[@]}" --keep 2 --out "$DIR/tty") >/dev/null" /dev/null \
    | tr -d '\r' >"$DIR/tty.log"
  check "terminal: the error starts its own line" \
    "error: atomic_write: cannot write '$DIR/tty/checkpoint-4.tmp/model.safetensors': No space left on device" \
    "$(grep '^error' "$DIR/tty.log")"
else
  echo "SKIP: terminal case: no script(1) here"
fi

# ---- a real small filesystem ----
mkdir "$DIR/small"
if ! mount_error=$(mount -t tmpfs -o size=64m tmpfs "$DIR/small" 2>&1); then
  echo "SKIP: real full disk: cannot mount a tmpfs here (${mount_error:-not root}); the shim cases above stand"
else
  MOUNTED=$DIR/small
  # Room for the run's files and one checkpoint and a half: checkpoint-1 fits, checkpoint-2 does not.
  ckpt_kb=$(du -sk "$DIR/ref/checkpoint-1" | cut -f1)
  mount -o remount,size=$((ckpt_kb * 3 / 2 + 64))k "$DIR/small"
  pretrain "${ARGS[@]}" --keep 1 --out "$DIR/small/run"
  check "tmpfs: rc" 1 "$RC"
  check "tmpfs: the last line of stderr says the disk is full" 1 \
    "$(tail -1 <<<"$ERR" | grep -c -E "^error: .*'$DIR/small/run/[^']+': No space left on device$")"
  check "tmpfs: one error line" 1 "$(grep -c '^error' <<<"$ERR")"
  check "tmpfs: no leftovers" "" "$(cd "$DIR/small/run" && find . -name '*.tmp' -o -name '*.tmp.*')"
  check "tmpfs: checkpoint-1 kept" "1" "$(checkpoint_steps "$DIR/small/run")"
  check "tmpfs: checkpoint intact" ok "$(same_as_reference "$DIR/small/run")"
  # Space freed: the run resumes in place and ends as the reference.
  mount -o remount,size=64m "$DIR/small"
  pretrain --resume "$DIR/small/run" --threads 1
  check "tmpfs: resume rc" 0 "$RC"
  check "tmpfs: resumed run ends as the reference" same \
    "$(cmp -s "$DIR/ref/model.safetensors" "$DIR/small/run/model.safetensors" && echo same)"
fi
echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
