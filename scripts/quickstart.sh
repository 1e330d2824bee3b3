#!/usr/bin/env bash
# quickstart.sh — the whole set-up on Debian 12 (scripts/setup.sh), the default corpus
# (scripts/get-corpus.sh), then the main job: pretrain a small BERT for a few minutes.
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
