#!/bin/bash
# test_resume_cli.sh — `pretrain --resume` as users meet it. The reproduction of the issue "a
# resumed run crashes at its third save" (its vocabulary was read from a checkpoint that rotation
# had deleted): 10 steps, resume to 40 with --keep 2, then resume again from the newest checkpoint.
# Then the same first session resumed from a copy of the run directory (the original removed) and
# with its corpus moved (named again with --corpus) ends with exactly the losses of the run resumed
# in place; a changed corpus and settings that cannot change are refused with the messages
# asserted. (That a resumed run equals an uninterrupted one is tests/bert/train/test_trainer.cc's.)
# Usage: test_resume_cli.sh PRETRAIN_BINARY
set -u
PRETRAIN=$1
source "$(dirname "$0")/../../support/cli_check.sh"  # DIR, check, FAILS, CASES

tiny_corpus "$DIR/corpus.txt"
# pretrain ARGS... — sets RC and LOG (stdout and stderr).
pretrain() {
  "$PRETRAIN" "$@" >"$DIR/log" 2>&1
  RC=$?
  LOG=$(cat "$DIR/log")
}
# losses RUN — "step loss" lines of a run's metrics.jsonl.
losses() { sed -E 's/.*"loss":([^,]*),.*"step":([0-9]+).*/\2 \1/' "$1/metrics.jsonl"; }

pretrain --corpus "$DIR/corpus.txt" --model-config tiny --layers 1 --hidden 32 --vocab-size 60 --seq-len 32 \
  --batch-size 4 --lr 1e-3 --save-every 5 --eval-every 0 --log-every 1 --threads 1 --steps 10 --out "$DIR/rz"
check "first session rc" 0 "$RC"
cp -r "$DIR/rz" "$DIR/copy"
cp -r "$DIR/rz" "$DIR/mv"

# The issue's reproduction: resume to 40 (checkpoint-10 is rotated away at step 20).
pretrain --resume "$DIR/rz" --steps 40 --threads 1
check "resumed to 40 rc" 0 "$RC"
check "resumed from checkpoint-10" "1" "$(grep -c "^resuming $DIR/rz from $DIR/rz/checkpoint-10$" <<<"$LOG")"
check "saved past rotation" "1" "$(grep -c "saved $DIR/rz/checkpoint-35" <<<"$LOG")"
check "checkpoints kept" "checkpoint-35 checkpoint-40" "$(cd "$DIR/rz" && echo checkpoint-*)"
check "state names the run's own vocabulary" '"vocab_path": "vocab.txt",' \
  "$(grep -o '"vocab_path": "[^"]*",' "$DIR/rz/checkpoint-40/trainer_state.json")"
check "metrics has every step" "40" "$(losses "$DIR/rz" | wc -l)"
LOSSES_40=$(losses "$DIR/rz")
# A second resume from the newest checkpoint continues.
pretrain --resume "$DIR/rz/checkpoint-40" --steps 50 --threads 1
check "second resume rc" 0 "$RC"
check "second resume from checkpoint-40" "1" "$(grep -c "^resuming $DIR/rz from $DIR/rz/checkpoint-40$" <<<"$LOG")"
check "second resume reached 50" "1" "$(grep -c "^model saved in $DIR/rz (50 steps)$" <<<"$LOG")"

# The run directory copied elsewhere, the original removed: it resumes where it is now.
rm -rf "$DIR/rz"
pretrain --resume "$DIR/copy" --steps 40 --threads 1
check "copied run rc" 0 "$RC"
check "copied run resumes in place" "1" "$(grep -c "^resuming $DIR/copy from $DIR/copy/checkpoint-10$" <<<"$LOG")"
check "copied run's losses" "$LOSSES_40" "$(losses "$DIR/copy")"
# The command that started the run, with --resume added, is accepted (the issue's own reproduction).
pretrain --corpus "$DIR/corpus.txt" --model-config tiny --layers 1 --hidden 32 --seq-len 32 --batch-size 4 \
  --save-every 5 --out "$DIR/copy" --resume "$DIR/copy" --steps 45 --threads 1
check "same options on resume rc" 0 "$RC"
pretrain --corpus "$DIR/corpus.txt" --hidden 64 --resume "$DIR/copy" --steps 50
check "other model size on resume rc" 2 "$RC"
check "other model size message" "1" "$(grep -c "^error: --hidden: the run was started with" <<<"$LOG")"
pretrain --resume "$DIR/nothing"
check "nothing to resume rc" 1 "$RC"
check "nothing to resume message" \
  "error: $DIR/nothing: no checkpoint to resume from (no checkpoint-N with trainer_state.json)" "$LOG"

# The corpus moved: a clear error, then --corpus with the new location continues exactly.
mkdir "$DIR/elsewhere"
mv "$DIR/corpus.txt" "$DIR/elsewhere/corpus.txt"
pretrain --resume "$DIR/mv" --steps 40 --threads 1
check "moved corpus rc" 1 "$RC"
check "moved corpus message" \
  "error: resume: corpus path '$DIR/corpus.txt' no longer exists; restore it, or give its new location with --corpus" \
  "$(tail -1 <<<"$LOG")"
pretrain --resume "$DIR/mv" --steps 40 --threads 1 --corpus "$DIR/elsewhere/corpus.txt"
check "relocated corpus rc" 0 "$RC"
check "relocated corpus losses" "$LOSSES_40" "$(losses "$DIR/mv")"

# The corpus changed: refused, naming the file (its new location is what the run now records).
printf 'A new document.\n' >>"$DIR/elsewhere/corpus.txt"
pretrain --resume "$DIR/mv" --steps 45
check "changed corpus rc" 1 "$RC"
check "changed corpus message" "1" \
  "$(grep -c "^error: resume: input file '$DIR/elsewhere/corpus.txt' has changed since the run started" <<<"$LOG")"

# Settings the run recorded cannot be given again; nothing to resume is an error naming the directory.
pretrain --resume "$DIR/mv" --lr 0.1
check "--lr on resume rc" 2 "$RC"
check "--lr on resume message" \
  "error: --lr: the run was started with 0.001 (asked: 0.1); a resumed run keeps the settings in its trainer_state.json — drop the option, or start a new run" \
  "$(head -1 <<<"$LOG")"
echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
