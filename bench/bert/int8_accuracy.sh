#!/bin/bash
# int8_accuracy.sh — what int8 inference costs in accuracy (issue #17), on a masked-LM checkpoint:
# fill-mask top-1 agreement with fp32 (int8_agreement) on a fixed prompt set, and pseudo-perplexity
# in fp32 and int8 (`evaluate`). The prompt set: the first N texts of column 1 of TSV (after
# its header) with at least 8 words, cut to their first 32 words, the middle word (index
# words/2) replaced by [MASK]; the pseudo-perplexity file holds the same N texts whole, scored on
# its first MAX_TOKENS tokens (each token masked in turn: one forward per token).
# Usage: int8_accuracy.sh BUILD MODEL_DIR TSV [N=300] [THREADS=2] [MAX_TOKENS=2000]
set -eu
BUILD=$1 MODEL=$2 TSV=$3 N=${4:-300} THREADS=${5:-2} MAX_TOKENS=${6:-2000}
DIR=$(mktemp -d /tmp/int8-accuracy.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
tail -n +2 "$TSV" | cut -f1 | awk -v n="$N" -v prompts="$DIR/prompts.txt" -v texts="$DIR/texts.txt" '
  NF >= 8 && count < n {
    count++
    print $0 > texts
    m = NF < 32 ? NF : 32
    line = ""
    for (i = 1; i <= m; i++) line = line (i > 1 ? " " : "") (i == int(m / 2) + 1 ? "[MASK]" : $i)
    print line > prompts
  }'
echo "prompts: $(wc -l <"$DIR/prompts.txt") from $TSV; model: $MODEL"
"$BUILD/bench/bert/int8_agreement" --model "$MODEL" --prompts "$DIR/prompts.txt" --threads "$THREADS"
for precision in fp32 int8; do
  echo -n "$precision: "
  "$BUILD/apps/evaluate" --model "$MODEL" --precision "$precision" --threads "$THREADS" --max-tokens "$MAX_TOKENS" "$DIR/texts.txt" 2>/dev/null |
    /usr/bin/python3 -c "import json,sys; t = json.load(sys.stdin)['total']; print(json.dumps({k: t[k] for k in t if k in ('pseudo_perplexity', 'mlm_accuracy', 'tokens')}))"
done
