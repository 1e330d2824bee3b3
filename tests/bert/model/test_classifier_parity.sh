#!/bin/sh
# test_classifier_parity.sh FINETUNE CLASSIFY PRETRAIN SOURCE_DIR — a classifier fine-tuned here
# loads in the PyTorch reference and predicts the same: a tiny BERT (`pretrain`, 2 steps, its own
# 60-piece vocabulary) is fine-tuned by `finetune` (40 steps, so the predictions are far from
# uniform) for single-label sentence-pair classification, multi-label classification, regression
# and token classification; `classify --format json` on lines of different lengths (one padded
# batch) must give the labels, probabilities and values (within 1e-4) that
# tests/parity/check_classifier.py computes with the reference (each line alone, its own
# tokenizer reference, config.json and model.safetensors as saved).
# Skips (exit 77) when /usr/bin/python3 or its torch is absent.
set -eu
finetune=$1
classify=$2
pretrain=$3
src=$4
if [ ! -x /usr/bin/python3 ]; then echo "skipping: /usr/bin/python3 not found"; exit 77; fi
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then echo "skipping: /usr/bin/python3 has no torch"; exit 77; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# run LOG CMD... — runs CMD with its output in LOG; on failure shows LOG and fails.
run() {
  log=$1
  shift
  "$@" >"$log" 2>&1 || { echo "FAIL: $*"; cat "$log"; exit 1; }
}

for i in 1 2 3 4 5 6; do
  printf 'The cat sat on the mat, and the dog ate the bone.\nA bird sang in the tree.\n\n' >>corpus.txt
  printf 'Compilers translate source code; linkers join object files.\n\n' >>corpus.txt
done
run pretrain.log "$pretrain" --corpus corpus.txt --vocab-size 60 --model-config tiny --layers 1 --hidden 32 \
  --seq-len 16 --batch-size 2 --steps 2 --eval-every 0 --threads 1 --objective mlm --out base

printf 'text\ttext_pair\tlabel
the cat sat on the mat\tthe dog ate the bone\tpos
a bird sang in the tree\tthe cat sat\tneg
compilers translate source code\tlinkers join object files\tneutral
the dog sat on the bone\ta bird ate\tpos
linkers translate object code\tcompilers join files\tneutral
the tree sang\ta cat\tneg
' >single.tsv
printf 'text\tlabel
the cat sat on the mat\tanimal,home
a bird sang in the tree\tanimal,outside
compilers translate source code\tcomputer
the dog ate the bone\tanimal
linkers join object files\tcomputer,home
the tree\toutside
' >multi.tsv
printf 'sentence\tlabel
the cat sat on the mat\t1.5
a bird sang in the tree\t-0.5
compilers translate source code\t3
the dog ate the bone\t1.25
linkers join object files\t2.5
the tree\t-1
' >regression.tsv
printf 'the\tO\ncat\tB-ANI\nsat\tO\non\tO\nthe\tO\nmat\tB-OBJ\n\n' >train.conll
printf 'a\tO\nbird\tB-ANI\nsang\tO\nin\tO\nthe\tO\ntree\tB-OBJ\n\n' >>train.conll
printf 'compilers\tB-SW\ntranslate\tO\nsource\tB-OBJ\ncode\tI-OBJ\n\n' >>train.conll
# Inputs: seen and unseen text, unknown words ([UNK]), punctuation, lengths from 3 to 20 tokens.
printf 'the cat sat on the mat\tthe dog ate the bone
compilers translate source code\tlinkers join object files
the tree sang\ta cat
Zebra quux!
the bird\tsat on the mat and ate the bone of the dog
' >pairs.txt
printf 'the cat sat on the mat
compilers translate source code
the tree sang
Zebra quux!

linkers join the bird, and the dog ate the bone of the cat
' >lines.txt

common="--steps 40 --batch-size 6 --lr 1e-2 --warmup-ratio 0 --threads 1 --seed 1"
run ft1.log "$finetune" --model base --train single.tsv --text-pair-column text_pair $common --out single
run ft2.log "$finetune" --model base --train multi.tsv --problem-type multi $common --out multi
run ft3.log "$finetune" --model base --train regression.tsv --problem-type regression $common --out regression
run ft4.log "$finetune" --model base --train train.conll $common --out token

status=0
for case in single:pairs.txt multi:lines.txt regression:lines.txt token:lines.txt; do
  model=${case%%:*}
  input=${case#*:}
  "$classify" --model "$model" --format json --threads 1 "$input" >"$model.jsonl" 2>"$model.err" ||
    { echo "FAIL: classify --model $model"; cat "$model.err"; exit 1; }
  /usr/bin/python3 "$src/tests/parity/check_classifier.py" "$model" "$input" --against "$model.jsonl" --tol 1e-4 ||
    { status=1; echo "FAIL: $model: classify and the PyTorch reference differ"; }
done
exit $status
