#!/usr/bin/env bash
# quickstart.sh — the whole set-up on Debian 12 (scripts/setup.sh), the default corpus
# (scripts/get-corpus.sh), then the main job: pretrain a small BERT for about 5 minutes with the
# default recipe (docs/RECIPE.md), and show what it learned: held-out MLM accuracy beside two
# baselines on the same held-out tokens (printed by pretrain), and its fill-mask answers for three
# computing sentences.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/get-corpus.sh
run=runs/quickstart
if [ -d "$run" ]; then
  echo "quickstart: starting over in $run (the previous quickstart run is removed)"
  rm -rf "$run"
fi
echo "== nnbert quickstart: pretraining on FOLDOC into $run =="
build/apps/pretrain --out "$run"

echo
echo "== what the model answers for each [MASK] (top 5, with probabilities) =="
for prompt in "a [MASK] is a program that translates source code ." \
              "an operating system manages the [MASK] and memory of a computer ." \
              "the internet is built on the tcp / ip [MASK] ."; do
  echo "$prompt"
  build/apps/generate --model "$run" --prompt "$prompt" --top-k 5 |
    awk '/^\[MASK\]/ { next } { printf "%s%s %s", (n++ ? ",  " : "  -> "), $1, $2 } END { print "" }'
done
echo
echo "try your own:  build/apps/generate --model $run --prompt \"a [MASK] is a small computer program .\""
