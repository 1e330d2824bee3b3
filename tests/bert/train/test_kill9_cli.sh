#!/bin/bash
# test_kill9_cli.sh — kill -9 at random moments of a training run that saves every step (issue 14).
# A reference run trains uninterrupted and keeps every checkpoint. The same run is then started,
# killed with SIGKILL after a delay drawn from a fixed seed, resumed with --resume, killed again…
# at least KILLS times, and finally let finish. After every kill:
#   - every directory named checkpoint-N is complete and holds exactly the reference's checkpoint-N
#     (model, optimizer, config, vocabulary): no half-written file is ever taken for a checkpoint;
#   - once a checkpoint has existed, one always exists, and the newest never goes back;
#   - the newest checkpoint loads (generate fills a [MASK] with it);
#   - the next session resumes from exactly that checkpoint.
# The finished run equals the reference (final weights byte for byte, the loss of every step) and
# holds no temporary leftovers. A quarter of the kills land at a random moment of a session's
# start-up (scaled to its measured time), the rest within two steps (measured) of its first step,
# so most land while a checkpoint is being written (checkpoint-N.tmp present afterwards); the test
# reports how many did and fails if fewer than a third did.
# Usage: test_kill9_cli.sh PRETRAIN_BINARY GENERATE_BINARY [KILLS] [SEED]
set -u
PRETRAIN=$1
GENERATE=$2
KILLS=${3:-32}
SEED=${4:-14}
source "$(dirname "$0")/../../support/cli_check.sh"  # DIR, check, FAILS, CASES
STEPS=150

tiny_corpus "$DIR/corpus.txt"
ARGS=(--corpus "$DIR/corpus.txt" --layers 1 --hidden 32 --vocab-size 60 --seq-len 32 --batch-size 4 --lr 1e-3
      --save-every 1 --eval-every 0 --log-every 1 --threads 1 --steps "$STEPS")
RUN=$DIR/run
now_ms() { date +%s%3N; }
# losses RUN — "step loss" lines of a run's metrics.jsonl.
losses() { sed -E 's/.*"loss":([^,]*),.*"step":([0-9]+).*/\2 \1/' "$1/metrics.jsonl"; }
# checkpoint_steps RUN — the N of every directory named exactly checkpoint-N, ascending.
checkpoint_steps() { (cd "$1" && ls -d checkpoint-* 2>/dev/null) | sed -n -E 's/^checkpoint-([0-9]+)$/\1/p' | sort -n; }

# The reference: uninterrupted, every checkpoint kept.
T0=$(now_ms)
"$PRETRAIN" "${ARGS[@]}" --keep 1000 --out "$DIR/ref" >"$DIR/ref.log" 2>&1
check "reference run rc" 0 "$?"
STEP_MS=$(( ($(now_ms) - T0) / STEPS ))
# Start-up plus one step and two saves: a session resumed one step before the end.
mkdir "$DIR/probe"
cp -r "$DIR/ref/checkpoint-$((STEPS - 1))" "$DIR/ref/vocab.txt" "$DIR/probe/"
T0=$(now_ms)
"$PRETRAIN" --resume "$DIR/probe" --threads 1 >"$DIR/probe.log" 2>&1
check "probe session rc" 0 "$?"
SESSION_MS=$(( $(now_ms) - T0 ))
rm -rf "$DIR/probe"
echo "step ${STEP_MS} ms, one-step session ${SESSION_MS} ms, seed $SEED"

RANDOM=$SEED
kills=0 mid_save=0 mid_write=0 resumes_checked=0 sessions=0 newest=-1 finished_early=0
while (( kills < KILLS )); do
  sessions=$((sessions + 1))
  : >"$DIR/session.log"  # emptied before the session starts, so the wait below sees its lines only
  if (( newest < 0 )); then
    "$PRETRAIN" "${ARGS[@]}" --keep 2 --out "$RUN" >"$DIR/session.log" 2>&1 &
  else
    "$PRETRAIN" --resume "$RUN" --threads 1 >"$DIR/session.log" 2>&1 &
  fi
  pid=$!
  # One kill in four at any moment of the start-up (loading, resuming, cleaning up); the others
  # within two steps after the session's first step, where the saves are.
  if (( RANDOM % 4 == 0 )); then
    delay=$(( (RANDOM * 32768 + RANDOM) % (SESSION_MS + 1) ))
  else
    for _ in $(seq 3000); do  # up to 60 s
      grep -q '^step ' "$DIR/session.log" && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.02
    done
    delay=$(( (RANDOM * 32768 + RANDOM) % (2 * STEP_MS + 1) ))
  fi
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -9 "$pid" 2>/dev/null
  { wait "$pid"; } 2>/dev/null
  rc=$?
  if (( newest >= 0 )) && grep -q '^resuming' "$DIR/session.log"; then
    check "session $sessions resumes from the newest checkpoint" "resuming $RUN from $RUN/checkpoint-$newest" \
      "$(grep '^resuming' "$DIR/session.log")"
    resumes_checked=$((resumes_checked + 1))
  fi
  if (( rc != 137 )); then  # the session ended before the kill: it must have finished the run
    check "session $sessions ended by itself with rc 0" 0 "$rc"
    finished_early=1
    break
  fi
  kills=$((kills + 1))
  leftovers=$(cd "$RUN" 2>/dev/null && ls -d checkpoint-*.tmp 2>/dev/null)
  if [[ -n $leftovers ]]; then mid_save=$((mid_save + 1))
  elif [[ -n $(find "$RUN" -name '*.tmp.*' 2>/dev/null) ]]; then mid_write=$((mid_write + 1))
  fi
  steps=$(checkpoint_steps "$RUN")
  if [[ -z $steps ]]; then
    check "kill $kills: a checkpoint survives (newest before: $newest)" -1 "$newest"
    continue
  fi
  for n in $steps; do
    for f in config.json model.safetensors optimizer.safetensors vocab.txt; do
      if ! cmp -s "$DIR/ref/checkpoint-$n/$f" "$RUN/checkpoint-$n/$f"; then
        check "kill $kills: checkpoint-$n/$f is the reference's (checkpoints: $(echo $steps))" same \
          "differs; checkpoint-$n holds: $(ls "$RUN/checkpoint-$n" | tr '\n' ' ')"
      fi
    done
    [[ -f $RUN/checkpoint-$n/trainer_state.json ]] || check "kill $kills: checkpoint-$n has its state" yes no
  done
  last=$(tail -1 <<<"$steps")
  (( last >= newest )) || check "kill $kills: the newest checkpoint never goes back" "$newest" "$last"
  newest=$last
  out=$("$GENERATE" --model "$RUN/checkpoint-$newest" --prompt "the [MASK] sat" --threads 1 2>&1)
  check "kill $kills: checkpoint-$newest loads (rc $?)" "[MASK] at position 2:" "$(head -1 <<<"$out")"
done
echo "$kills kills in $sessions sessions: $mid_save while a checkpoint was being written, $mid_write while" \
     "another file was; newest checkpoint at the last kill: $newest; $resumes_checked resumes checked"
check "at least $KILLS kills" 1 "$(( kills >= KILLS ))"
check "the run did not finish before the kills ended" 0 "$finished_early"
check "at least a third of the kills landed in a save" 1 "$(( mid_save * 3 >= kills ))"
check "resumes checked" 1 "$(( resumes_checked * 2 >= kills ))"

# The run finishes, exactly as if it had never been killed.
"$PRETRAIN" --resume "$RUN" --threads 1 >"$DIR/session.log" 2>&1
check "final session rc" 0 "$?"
check "final session resumes from checkpoint-$newest" "resuming $RUN from $RUN/checkpoint-$newest" \
  "$(grep '^resuming' "$DIR/session.log")"
check "final weights equal the reference's" same "$(cmp -s "$DIR/ref/model.safetensors" "$RUN/model.safetensors" && echo same)"
check "every step's loss equals the reference's" "$(losses "$DIR/ref")" "$(losses "$RUN")"
check "no leftovers" "" "$(cd "$RUN" && ls -d *.tmp *.tmp.* 2>/dev/null)"
check "checkpoints kept" "checkpoint-$((STEPS - 1)) checkpoint-$STEPS" "$(cd "$RUN" && echo checkpoint-*)"
echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
