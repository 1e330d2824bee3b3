#!/bin/bash
# int8_task_accuracy.sh — what int8 inference costs on two tasks (issue #17), fp32 and int8 side
# by side: a causal LM's held-out bits per character (`evaluate`, as scripts/shakespeare.sh scores
# it), and a fine-tuned sequence classifier's figures on a labelled TSV/CSV/JSONL file (`evaluate`:
# what finetune reports, accuracy, macro-F1, F1 of the positive class, MCC), with the share of its
# examples whose predicted label int8 changes (`classify --format text` on the `text` column of a
# TSV). Either half is skipped when its model is given as '-'. The classifier runs at the apps'
# defaults (batch 32, 128 tokens); int8 quantizes activations per batch, so BATCH moves int8's
# predictions a little, never fp32's.
# Usage: int8_task_accuracy.sh BUILD CAUSAL_DIR HELD_OUT_TXT CLASSIFIER_DIR TEST_TSV [THREADS=2] [BATCH=32]
set -eu
BUILD=$1 CAUSAL=$2 HELD_OUT=$3 CLASSIFIER=$4 TSV=$5 THREADS=${6:-2} BATCH=${7:-32}
DIR=$(mktemp -d /tmp/int8-task-accuracy.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
# side_by_side TITLE KEY... — the totals of $DIR/fp32.json and $DIR/int8.json, one row per KEY.
side_by_side() {
  /usr/bin/python3 - "$DIR" "$@" <<'PYEOF'
import json, sys
d, title, keys = sys.argv[1], sys.argv[2], sys.argv[3:]
a, b = (json.load(open(f"{d}/{p}.json"))["total"] for p in ("fp32", "int8"))
print(f"{title} ({a.get('examples', a.get('tokens'))} {'examples' if 'examples' in a else 'tokens'})")
print(f"{'measure':<16}{'fp32':>12}{'int8':>12}{'change':>12}{'relative':>10}")
for k in (k for k in keys if k in a):
    rel = f"{(b[k] - a[k]) / a[k]:+.3%}" if a[k] else ""
    print(f"{k:<16}{a[k]:>12.6f}{b[k]:>12.6f}{b[k] - a[k]:>+12.6f}{rel:>10}")
PYEOF
}
if [[ $CAUSAL != - ]]; then
  for precision in fp32 int8; do
    "$BUILD/apps/evaluate" --model "$CAUSAL" --precision "$precision" --threads "$THREADS" "$HELD_OUT" \
      2>/dev/null >"$DIR/$precision.json"
  done
  side_by_side "causal LM $CAUSAL on $HELD_OUT" bits_per_char nats_per_char perplexity accuracy
fi
if [[ $CLASSIFIER != - ]]; then
  for precision in fp32 int8; do
    "$BUILD/apps/evaluate" --model "$CLASSIFIER" --precision "$precision" --threads "$THREADS" --batch "$BATCH" \
      "$TSV" 2>/dev/null >"$DIR/$precision.json"
  done
  side_by_side "classifier $CLASSIFIER on $TSV" loss accuracy macro_f1 f1 mcc
  column=$(head -n 1 "$TSV" | tr '\t' '\n' | grep -nx text | cut -d: -f1)
  for precision in fp32 int8; do
    tail -n +2 "$TSV" | cut -f"$column" | "$BUILD/apps/classify" --model "$CLASSIFIER" --precision "$precision" \
      --threads "$THREADS" --batch-size "$BATCH" --format text | cut -f1 >"$DIR/$precision.labels"
  done
  echo "predicted label changed by int8: $(paste "$DIR/fp32.labels" "$DIR/int8.labels" |
    awk -F'\t' '{ n++; c += $1 != $2 } END { printf "%d / %d = %.2f%%", c, n, 100 * c / n }')"
fi
