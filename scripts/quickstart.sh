#!/usr/bin/env bash
# quickstart.sh — the whole set-up on Debian 12 (scripts/setup.sh), then the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== nnbert demo: an MLP trained by our autodiff on a toy task (pretraining comes next) =="
build/examples/mlp_demo
