#!/usr/bin/env bash
# pretrain-large.sh — the hour-scale recipe (docs/RECIPE.md, "An hour on a larger corpus"): a mini
# BERT (4 layers, hidden 256) pretrained with masked LM on 37 MB of general English taken from
# Debian packages (GCIDE, WordNet, the Jargon File and FOLDOC; scripts/get-large-corpus.sh), for
# about an hour of training on 2 cores. The model it leaves in runs/large is the "good pretrained
# model" that fine-tuning (docs/FINETUNING.md) and the learning path start from.
#
#   scripts/pretrain-large.sh [MINUTES]     (default 60; the run is resumable: run it again
#                                            after an interruption and it continues)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-60}
scripts/setup.sh
scripts/get-large-corpus.sh
run=runs/large
if [ -f "$run/model.safetensors" ]; then
  echo "pretrain-large: $run already holds a trained model (remove it to train again)"
  exit 0
fi
if [ -d "$run" ] && ls "$run"/checkpoint-*/trainer_state.json > /dev/null 2>&1; then
  echo "== continuing the interrupted run in $run =="
  exec build/apps/pretrain --resume "$run"
fi
echo "== nnbert: the hour-scale recipe, into $run =="
# The 5-minute recipe's choices (MLM only, no dropout, packed rows, 10% warmup and linear decay)
# on a 4-layer model: 32 rows of 128 tokens a step (128, not the default 64, because the model is
# fine-tuned on inputs up to 128 tokens and learns only the positions it trains on; 0.62 s a step
# on the 2-core Zen 4 of docs/RECIPE.md, so about 5,700 steps and 23M tokens in an hour), a 16k
# vocabulary for general English, lr 1e-3 (not swept at this size: half the tiny model's best, as
# deeper post-LN models are less stable at high rates); evaluation on 1% of the documents every
# 500 steps.
build/apps/pretrain --corpus data/large --out "$run" --model-config mini --vocab-size 16000 --seq-len 128 \
  --batch-size 32 --lr 1e-3 --minutes "$minutes" --eval-every 500 --eval-fraction 0.01 --save-every 250
