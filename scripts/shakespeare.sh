#!/usr/bin/env bash
# shakespeare.sh — issue 6's done-when, reproducible: a causal BERT trained for under 10 minutes on
# tiny Shakespeare (first 90% of the characters, as nanoGPT splits it), scored by `evaluate` on the
# held-out last 10% (nats and bits per character), then a generated sample.
#
#   scripts/shakespeare.sh [BUILD_DIR]      (default build; MINUTES=9.5 THREADS=2 OUT=runs/shakespeare)
#
# The text comes from $INPUT (default ../shared/data/tinyshakespeare/input.txt beside the clone, else it is fetched
# from karpathy/char-rnn) into data/shakespeare/ (never committed). Note: the BERT tokenizer turns
# every newline into a space, so the model never sees line breaks and the sample has none; blank
# lines (speech boundaries) survive as [SEP], which the model predicts and which `evaluate` scores.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
MINUTES=${MINUTES:-9.5}
THREADS=${THREADS:-2}
OUT=${OUT:-runs/shakespeare}
INPUT=${INPUT:-../shared/data/tinyshakespeare/input.txt}
DATA=data/shakespeare
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3

for app in pretrain evaluate generate; do
  [[ -x $BUILD/apps/$app ]] || { echo "shakespeare.sh: $BUILD/apps/$app is missing (build first: ninja -C $BUILD)" >&2; exit 1; }
done
mkdir -p "$DATA"
if [[ ! -f $DATA/input.txt ]]; then
  if [[ -f $INPUT ]]; then
    cp "$INPUT" "$DATA/input.txt"
  else
    curl -fsSL -o "$DATA/input.txt" https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt
  fi
fi
# nanoGPT's split: the first 90% of the characters train, the last 10% are held out.
"$PY" - "$DATA" <<'PYEOF'
import sys
d = sys.argv[1]
text = open(f"{d}/input.txt", encoding="utf-8").read()
n = int(len(text) * 0.9)
open(f"{d}/train.txt", "w", encoding="utf-8").write(text[:n])
open(f"{d}/val.txt", "w", encoding="utf-8").write(text[n:])
print(f"split: {len(text)} characters, {n} train, {len(text) - n} held out")
PYEOF

rm -rf "$OUT"
echo "== load before training: $(uptime)"
start=$(date +%s)
"$BUILD/apps/pretrain" --objective clm --corpus "$DATA/train.txt" --eval-file "$DATA/val.txt" --cased \
  --vocab-size 4000 --model-config tiny --seq-len 128 --batch-size 16 --lr 2e-3 --warmup-steps 30 \
  --minutes "$MINUTES" --eval-every 250 --save-every 0 --threads "$THREADS" --out "$OUT"
echo "== pretrain wall time: $(( $(date +%s) - start )) s; load after: $(uptime)"

"$BUILD/apps/evaluate" --model "$OUT" --threads "$THREADS" "$DATA/val.txt" | tee "$OUT/evaluate.json"
"$PY" - "$OUT/evaluate.json" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))["total"]
verdict = "below" if t["nats_per_char"] < 1.88 else "NOT below"
print(f"held-out: {t['nats_per_char']:.4f} nats/char, {t['bits_per_char']:.4f} bits/char ({verdict} 1.88 nats/char)")
PYEOF
echo "== samples (each stops at [SEP], the end of a speech, or after 120 tokens)"
for seed in 1 2 3 4; do
  "$BUILD/apps/generate" --model "$OUT" --threads "$THREADS" --prompt "ROMEO:" --max-new-tokens 120 \
    --temperature 0.8 --top-k 40 --seed "$seed" 2>/dev/null
done
