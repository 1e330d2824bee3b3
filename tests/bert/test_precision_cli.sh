#!/bin/bash
# test_precision_cli.sh — `--precision int8` on the inference apps (generate, evaluate, classify):
# each runs on a checkpoint trained here for two steps and prints well-formed results (fill-mask
# probabilities in (0, 1], a finite pseudo-perplexity, classifier probabilities summing to 1; on a
# causal model, finite bits per character within 1% of fp32's and a continued prompt; on a
# classifier, evaluate's accuracy and macro-F1 on a labelled file, fp32 and int8, equal to those of
# classify's labels for the same texts, computed here).
# The training apps' refusal of int8 is a row of tests/bad_inputs.
# Usage: test_precision_cli.sh GENERATE EVALUATE CLASSIFY PRETRAIN FINETUNE
set -u
GENERATE=$1 EVALUATE=$2 CLASSIFY=$3 PRETRAIN=$4 FINETUNE=$5
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
source "$(dirname "$0")/../support/cli_check.sh"  # DIR, check, FAILS, CASES, tiny_corpus

tiny_corpus "$DIR/corpus.txt"
"$PRETRAIN" --corpus "$DIR/corpus.txt" --vocab-size 60 --model-config tiny --layers 1 --hidden 32 --seq-len 16 \
  --batch-size 2 --steps 2 --eval-every 0 --threads 1 --out "$DIR/mlm" >"$DIR/log" 2>&1 ||
  { echo "FAIL: pretrain"; cat "$DIR/log"; exit 1; }
"$PRETRAIN" --objective clm --corpus "$DIR/corpus.txt" --vocab-size 60 --model-config tiny --layers 1 --hidden 32 \
  --seq-len 16 --batch-size 2 --steps 2 --eval-every 0 --threads 1 --out "$DIR/clm" >"$DIR/log" 2>&1 ||
  { echo "FAIL: pretrain --objective clm"; cat "$DIR/log"; exit 1; }
printf 'text\tlabel\nthe cat sat\tpos\nthe dog ate\tneg\na bird sang\tpos\nlinkers join\tneg\n' >"$DIR/train.tsv"
"$FINETUNE" --model "$DIR/mlm" --train "$DIR/train.tsv" --steps 1 --max-length 16 --batch-size 2 --threads 1 \
  --out "$DIR/cls" >"$DIR/log" 2>&1 || { echo "FAIL: finetune"; cat "$DIR/log"; exit 1; }

"$GENERATE" --model "$DIR/mlm" --precision int8 --prompt "the [MASK] sat on the mat" --format json >"$DIR/out" 2>"$DIR/err"
check "generate --precision int8: exit 0" "0" "$?"
check "generate --precision int8: 5 candidates, probabilities in (0, 1]" "True" "$("$PY" -c "
import json; c = json.load(open('$DIR/out'))['masks'][0]['candidates']
print(len(c) == 5 and all(0 < x['prob'] <= 1 for x in c))" 2>&1)"

"$EVALUATE" --model "$DIR/mlm" --precision int8 "$DIR/corpus.txt" >"$DIR/out" 2>"$DIR/err"
check "evaluate --precision int8: exit 0" "0" "$?"
check "evaluate --precision int8: finite pseudo-perplexity" "True" "$("$PY" -c "
import json, math; j = json.load(open('$DIR/out')); p = j['total']['pseudo_perplexity']
print(math.isfinite(p) and p >= 1)" 2>&1)"

for p in fp32 int8; do
  "$EVALUATE" --model "$DIR/clm" --precision "$p" "$DIR/corpus.txt" >"$DIR/clm-$p.json" 2>"$DIR/err"
  check "evaluate --precision $p on a causal model: exit 0" "0" "$?"
done
check "evaluate --precision int8 on a causal model: finite bits per char within 1% of fp32's" "True" "$("$PY" -c "
import json, math; a, b = (json.load(open(f'$DIR/clm-{p}.json'))['total']['bits_per_char'] for p in ('fp32', 'int8'))
print(math.isfinite(b) and abs(b - a) <= 0.01 * a)" 2>&1)"

"$GENERATE" --model "$DIR/clm" --precision int8 --prompt "the cat" --max-new-tokens 5 >"$DIR/out" 2>"$DIR/err"
check "generate --precision int8 on a causal model: exit 0, the prompt continued" "0 the cat" "$? $(cut -c1-7 "$DIR/out")"

printf 'the cat sat\nlinkers join object files\n' | "$CLASSIFY" --model "$DIR/cls" --precision int8 >"$DIR/out" 2>"$DIR/err"
check "classify --precision int8: exit 0" "0" "$?"
check "classify --precision int8: two lines, probabilities summing to 1" "True" "$("$PY" -c "
import json; rows = [json.loads(l) for l in open('$DIR/out')]
print(len(rows) == 2 and all(abs(sum(r['probabilities'].values()) - 1) < 1e-5 for r in rows))" 2>&1)"

cut -f1 "$DIR/train.tsv" | tail -n +2 >"$DIR/texts.txt"
for p in fp32 int8; do
  "$EVALUATE" --model "$DIR/cls" --precision "$p" "$DIR/train.tsv" >"$DIR/out" 2>"$DIR/err"
  check "evaluate --precision $p on a classifier: exit 0" "0" "$?"
  "$CLASSIFY" --model "$DIR/cls" --precision "$p" --format text "$DIR/texts.txt" | cut -f1 >"$DIR/labels" 2>"$DIR/err"
  check "evaluate --precision $p on a classifier: 4 examples, accuracy and macro-F1 as classify's labels give" \
    "True" "$("$PY" -c "
import json; t = json.load(open('$DIR/out'))['total']
gold = [l.split('\t')[1].strip() for l in open('$DIR/train.tsv').readlines()[1:]]
pred = [l.strip() for l in open('$DIR/labels')]
f1 = [2 * sum(p == g == c for p, g in zip(pred, gold)) / (pred.count(c) + gold.count(c)) for c in set(gold) | set(pred)]
print(t['examples'] == 4 and abs(t['accuracy'] - sum(p == g for p, g in zip(pred, gold)) / 4) < 1e-12 and
      abs(t['macro_f1'] - sum(f1) / len(f1)) < 1e-12)" 2>&1)"
done

echo "$CASES checks, $FAILS failed"
[[ $FAILS == 0 ]]
