#!/bin/bash
# test_dist_cli.sh — data-parallel pretraining through mpirun (issue 13), on tiny synthetic runs:
#  - 2 ranks give bit-identical weights and losses to one process with --grad-accum 2 at the same
#    global batch (--batch-size × --grad-accum), dropout on; one progress stream, one checkpoint set;
#  - --zero 1 (AdamW's moments sharded, ZeRO-1) gives those bits too, writes the whole optimizer
#    state (gathered on rank 0) and resumes from it;
#  - --recompute (layers recomputed in backward) with buckets of ~260 floats, which start while
#    backward runs only once each parameter's gradient is complete, gives those bits too;
#  - 4 ranks (oversubscribed) match one process with --grad-accum 4 within 1e-6 relative;
#  - a run resumes from 2 ranks onto 1 and from 1 onto 2 with exactly the result of one process;
#  - SIGTERM to one rank stops every rank after the same step and the run is saved once;
#  - a --grad-accum the ranks cannot share splits every micro-batch's rows instead;
#  - a corpus run with held-out evaluation split across the ranks (3 held-out batches: rank 1
#    computes one) ends as on one process, evaluations bit for bit;
#  - finetune on 2 ranks (--batch-size rows split, the last batch of one row leaving a rank without
#    any) ends like one process: the first step's loss equal within rounding (no dropout), and the
#    evaluation, split across the ranks with the classifier's logits sent to rank 0, agrees.
# Usage: test_dist_cli.sh MPIRUN_SH PRETRAIN_BINARY COMPARE_SAFETENSORS_PY FINETUNE_BINARY
set -u
MPIRUN=$1
PRETRAIN=$2
COMPARE=$3
FINETUNE=$4
source "$(dirname "$0")/../../support/cli_check.sh"  # DIR, check, FAILS, CASES

TINY=(--synthetic --model-config tiny --layers 2 --hidden 32 --heads 2 --intermediate 64 --vocab-size 300
      --seq-len 16 --batch-size 4 --lr 3e-3 --warmup-steps 2 --dropout 0.1 --seed 7 --log-every 1
      --eval-every 0 --save-every 0 --threads 1)
# run NAME RANKS [FINETUNE] ARGS… — pretrain (or finetune) on RANKS ranks (0: no mpirun); sets RC and LOG.
run() {
  local name=$1 ranks=$2 app=$PRETRAIN
  shift 2
  if [ "${1:-}" = "$FINETUNE" ]; then app=$FINETUNE; shift; fi
  if [ "$ranks" -eq 0 ]; then "$app" "$@" >"$DIR/$name.log" 2>&1
  else "$MPIRUN" "$ranks" "$app" "$@" >"$DIR/$name.log" 2>&1; fi
  RC=$?
  LOG=$(cat "$DIR/$name.log")
  [ "$RC" -eq 0 ] || { echo "--- $name (rc $RC):"; tail -20 "$DIR/$name.log"; }
}
# losses RUN — "step loss" lines of a run's metrics.jsonl.
losses() { sed -E 's/.*"loss":([^,]*),.*"step":([0-9]+).*/\2 \1/' "$1/metrics.jsonl"; }
same() { "$COMPARE" "$1/model.safetensors" "$2/model.safetensors" "$3"; }

# --- 2 ranks against --grad-accum 2 on one process: bit-identical.
run one 0 "${TINY[@]}" --grad-accum 2 --steps 6 --out "$DIR/one"
check "one process rc" 0 "$RC"
run two 2 "${TINY[@]}" --grad-accum 2 --steps 6 --out "$DIR/two"
check "2 ranks rc" 0 "$RC"
check "2 ranks: the losses of one process, bit for bit" "$(losses "$DIR/one")" "$(losses "$DIR/two")"
check "2 ranks: the weights of one process, bit for bit" "same" "$(same "$DIR/one" "$DIR/two" 0)"
check "2 ranks: the optimizer state too" "same" \
  "$("$COMPARE" "$DIR/one/checkpoint-6/optimizer.safetensors" "$DIR/two/checkpoint-6/optimizer.safetensors" 0)"
check "2 ranks: one progress stream" "6" "$(grep -c '^step [0-9]*/6 ' <<<"${LOG//$'\r'/$'\n'}")"
check "2 ranks: one 'done' line" "1" "$(grep -c '^done: 6 steps' <<<"$LOG")"
check "2 ranks: metrics.jsonl written once" "6" "$(wc -l <"$DIR/two/metrics.jsonl")"
check "2 ranks: one checkpoint" "checkpoint-6" "$(cd "$DIR/two" && echo checkpoint-*)"
# The test can fail: another global batch (one process, no accumulation) is not the same run.
run acc1 0 "${TINY[@]}" --grad-accum 1 --batch-size 8 --steps 6 --out "$DIR/acc1"
check "a different run differs" "yes" "$([ "$(losses "$DIR/one")" != "$(losses "$DIR/acc1")" ] && echo yes)"

# --- ZeRO-1 on 2 ranks: each rank updates half of the parameters with its half of the moments.
run z2 2 "${TINY[@]}" --grad-accum 2 --steps 6 --zero 1 --save-every 3 --out "$DIR/z2"
check "--zero 1 rc" 0 "$RC"
check "--zero 1: the losses of one process, bit for bit" "$(losses "$DIR/one")" "$(losses "$DIR/z2")"
check "--zero 1: the weights of one process, bit for bit" "same" "$(same "$DIR/one" "$DIR/z2" 0)"
check "--zero 1: the whole optimizer state in the checkpoint" "same" \
  "$("$COMPARE" "$DIR/one/checkpoint-6/optimizer.safetensors" "$DIR/z2/checkpoint-6/optimizer.safetensors" 0)"
check "--zero 1: checkpoints 3 and 6" "checkpoint-3 checkpoint-6" "$(cd "$DIR/z2" && echo checkpoint-*)"
# The test can fail: the moments gathered in the wrong place would not match.
check "--zero 1: a different optimizer state differs" "yes" "$("$COMPARE" "$DIR/one/checkpoint-6/optimizer.safetensors" \
  "$DIR/z2/checkpoint-3/optimizer.safetensors" 0 >/dev/null 2>&1 || echo yes)"

# --- --recompute on 2 ranks, many small buckets: a bucket started before the recomputed layer's
# gradients were all in would change the sums.
NNBERT_DIST_BUCKET_MB=0.001 run rc2 2 "${TINY[@]}" --grad-accum 2 --steps 6 --recompute --out "$DIR/rc2"
check "--recompute on 2 ranks rc" 0 "$RC"
check "--recompute on 2 ranks: the losses of one process, bit for bit" "$(losses "$DIR/one")" "$(losses "$DIR/rc2")"
check "--recompute on 2 ranks: the weights of one process, bit for bit" "same" "$(same "$DIR/one" "$DIR/rc2" 0)"

# --- 4 ranks (oversubscribed) against --grad-accum 4: within 1e-6 relative.
run one4 0 "${TINY[@]}" --grad-accum 4 --steps 4 --out "$DIR/one4"
run four 4 "${TINY[@]}" --grad-accum 4 --steps 4 --out "$DIR/four"
check "4 ranks rc" 0 "$RC"
check "4 ranks: weights within 1e-6" "same" "$(same "$DIR/one4" "$DIR/four" 1e-6)"
check "4 ranks: losses within 1e-6" "ok" "$(paste <(losses "$DIR/one4") <(losses "$DIR/four") |
  awk '{d = $2 - $4; if (d < 0) d = -d; if (d > 1e-6 * ($2 < 0 ? -$2 : $2)) bad = 1} END {print (NR == 4 && !bad) ? "ok" : "bad"}')"

# --- resume across rank counts: 3 steps, then on to 6, against one process doing the same.
run ref 0 "${TINY[@]}" --grad-accum 2 --steps 3 --out "$DIR/ref"
run ref_b 0 --resume "$DIR/ref" --steps 6 --threads 1
run r21 2 "${TINY[@]}" --grad-accum 2 --steps 3 --out "$DIR/r21"
run r21_b 0 --resume "$DIR/r21" --steps 6 --threads 1
check "resume 2 → 1 rc" 0 "$RC"
check "resume 2 → 1: losses of one process" "$(losses "$DIR/ref")" "$(losses "$DIR/r21")"
check "resume 2 → 1: weights of one process" "same" "$(same "$DIR/ref" "$DIR/r21" 0)"
run r12 0 "${TINY[@]}" --grad-accum 2 --steps 3 --out "$DIR/r12"
run r12_b 2 --resume "$DIR/r12" --steps 6 --threads 1
check "resume 1 → 2 rc" 0 "$RC"
check "resume 1 → 2: said once" "1" "$(grep -c "^resuming $DIR/r12 from $DIR/r12/checkpoint-3$" <<<"$LOG")"
check "resume 1 → 2: losses of one process" "$(losses "$DIR/ref")" "$(losses "$DIR/r12")"
check "resume 1 → 2: weights of one process" "same" "$(same "$DIR/ref" "$DIR/r12" 0)"
# ZeRO-1 both ways: 3 steps sharded on 2 ranks, resumed sharded on 2 ranks; and onto 1 rank.
run z3 2 "${TINY[@]}" --grad-accum 2 --steps 3 --zero 1 --out "$DIR/z3"
cp -r "$DIR/z3" "$DIR/z3one"
run z3_b 2 --resume "$DIR/z3" --steps 6 --threads 1 --zero 1
check "resume --zero 1 → --zero 1 rc" 0 "$RC"
check "resume --zero 1 → --zero 1: losses of one process" "$(losses "$DIR/ref")" "$(losses "$DIR/z3")"
check "resume --zero 1 → --zero 1: weights of one process" "same" "$(same "$DIR/ref" "$DIR/z3" 0)"
check "resume --zero 1 → --zero 1: optimizer of one process" "same" \
  "$("$COMPARE" "$DIR/ref/checkpoint-6/optimizer.safetensors" "$DIR/z3/checkpoint-6/optimizer.safetensors" 0)"
run z3one_b 0 --resume "$DIR/z3one" --steps 6 --threads 1
check "resume --zero 1 → 1 rank: weights of one process" "same" "$(same "$DIR/ref" "$DIR/z3one" 0)"

# --- a --grad-accum the ranks cannot share (here 1 and 3 on 2 ranks): each micro-batch's rows are
# split; the same global batch, so the first step's loss is near one process's (a row-weighted
# mean of the ranks' means against the mean over the batch; different dropout masks).
run odd1 0 "${TINY[@]}" --grad-accum 3 --steps 2 --out "$DIR/odd1"
run odd 2 "${TINY[@]}" --grad-accum 3 --steps 2 --out "$DIR/odd"
check "rows split (--grad-accum 3 on 2 ranks) rc" 0 "$RC"
check "rows split: first loss near one process's" "ok" "$(paste <(losses "$DIR/odd1") <(losses "$DIR/odd") |
  awk 'NR == 1 {d = $2 - $4; if (d < 0) d = -d; print (d < 0.05 * $2) ? "ok" : "far: " $2 " " $4}')"
run split 2 "${TINY[@]}" --steps 2 --out "$DIR/split"
check "rows split (--grad-accum 1 on 2 ranks) rc" 0 "$RC"

# --- SIGTERM to one rank: every rank stops after the same step, the run is saved once.
"$MPIRUN" 2 "$PRETRAIN" "${TINY[@]}" --grad-accum 2 --steps 100000 --out "$DIR/sig" >"$DIR/sig.log" 2>&1 &
MPI_PID=$!
for _ in $(seq 1 300); do
  [ -f "$DIR/sig/metrics.jsonl" ] && [ "$(wc -l <"$DIR/sig/metrics.jsonl")" -ge 3 ] && break
  sleep 0.1
done
RANK_PIDS=$(pgrep -f -- "--out $DIR/sig" | grep -v "^$MPI_PID\$" | while read -r p; do
  [ "$(cat /proc/"$p"/comm 2>/dev/null)" = pretrain ] && echo "$p"; done)
check "two rank processes found" "2" "$(wc -w <<<"$RANK_PIDS")"
kill -TERM "$(tail -1 <<<"$RANK_PIDS")"
wait "$MPI_PID"
RC=$?
LOG=$(cat "$DIR/sig.log")
check "SIGTERM: job rc" 0 "$RC"
STEPS=$(grep -o '^model saved in .* ([0-9]* steps, interrupted)' <<<"$LOG" | grep -o '[0-9]* steps')
check "SIGTERM: saved once, interrupted" "1" "$(grep -c '^model saved in .*, interrupted)' <<<"$LOG")"
check "SIGTERM: the checkpoint of the step where all stopped" "checkpoint-${STEPS% steps}" "$(cd "$DIR/sig" && echo checkpoint-*)"

# evals RUN — the evaluation fields of a run's metrics.jsonl, one per line, at full precision.
evals() { grep -o '"eval_[a-z_0-9]*":[^,}]*' "$1/metrics.jsonl"; }

# --- a corpus run with held-out evaluation (split across the ranks) ends like one process.
tiny_corpus "$DIR/corpus.txt"
CORPUS=(--corpus "$DIR/corpus.txt" --model-config tiny --layers 1 --hidden 32 --vocab-size 60 --seq-len 32
        --batch-size 2 --grad-accum 2 --lr 1e-3 --eval-every 2 --log-every 1 --threads 1 --steps 4 --eval-fraction 0.4)
run c1 0 "${CORPUS[@]}" --out "$DIR/c1"
run c2 2 "${CORPUS[@]}" --out "$DIR/c2"
check "corpus run on 2 ranks rc" 0 "$RC"
check "corpus run: the held-out line of one process" "$(grep '^held-out' "$DIR/c1.log")" "$(grep '^held-out' "$DIR/c2.log")"
check "corpus run: the losses of one process" "$(losses "$DIR/c1")" "$(losses "$DIR/c2")"
check "corpus run: evaluated twice" "6" "$(evals "$DIR/c1" | wc -l)"
check "corpus run: the evaluations of one process, bit for bit" "$(evals "$DIR/c1")" "$(evals "$DIR/c2")"

# --- finetune from that model on 2 ranks: 13 examples, batches of 4 (the last has 1 row).
{
  printf 'sentence\tlabel\n'
  for i in 1 2 3 4; do
    printf 'the cat sat on the mat\tpositive\nthe dog ate the bone\tpositive\na bird sang in the tree\tnegative\n'
  done
  printf 'the cat sang\tnegative\n'
} >"$DIR/train.tsv"
printf 'sentence\tlabel\nthe cat ate the bone\tpositive\na bird sat in the tree\tnegative\n' >"$DIR/dev.tsv"
# 5 held-out examples: batches of 4 and 1, the second evaluated by rank 1.
printf 'the dog sat on the mat\tpositive\nthe cat sang\tnegative\na bird ate\tnegative\n' >>"$DIR/dev.tsv"
FT=(--model "$DIR/c1" --train "$DIR/train.tsv" --eval "$DIR/dev.tsv" --batch-size 4 --lr 1e-3 --log-every 1 --epochs 2 --dropout 0
    --threads 1)
run f1 0 "$FINETUNE" "${FT[@]}" --out "$DIR/f1"
run f2 2 "$FINETUNE" "${FT[@]}" --out "$DIR/f2"
check "finetune on 2 ranks rc" 0 "$RC"
check "finetune on 2 ranks: saved once" "1" "$(grep -c '^model saved in' <<<"$LOG")"
check "finetune on 2 ranks: every step logged once" "8" "$(wc -l <"$DIR/f2/metrics.jsonl")"
check "finetune on 2 ranks: first loss of one process" "ok" "$(paste <(losses "$DIR/f1") <(losses "$DIR/f2") |
  awk 'NR == 1 {d = $2 - $4; if (d < 0) d = -d; print (d < 1e-5 * $2) ? "ok" : "far: " $2 " " $4}')"
check "finetune on 2 ranks: the eval line of one process" "$(grep '^eval ' "$DIR/f1.log" | head -1 | sed 's/loss [0-9.]*//')" \
  "$(grep '^eval ' "$DIR/f2.log" | head -1 | sed 's/loss [0-9.]*//')"
check "finetune on 2 ranks: the first eval loss within 1e-4" "ok" "$(paste <(evals "$DIR/f1" | grep -m1 eval_loss | cut -d: -f2) \
  <(evals "$DIR/f2" | grep -m1 eval_loss | cut -d: -f2) | awk '{d = $1 - $2; if (d < 0) d = -d; print (d < 1e-4 * $1) ? "ok" : "far: " $0}')"
check "finetune on 2 ranks: all 5 held-out examples scored once" "5" \
  "$(grep -A3 '^eval ' "$DIR/f2.log" | head -4 | awk '/^(positive|negative) / {s += $2 + $3} END {print s}')"

echo "$CASES checks, $FAILS failed"
[[ $FAILS -eq 0 ]]
