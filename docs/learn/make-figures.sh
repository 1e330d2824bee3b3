#!/bin/sh
# make-figures.sh [BUILD_DIR] — regenerates every figure of the learning path (docs/learn/figures/)
# by running each examples/learn program with that directory as its output; builds them first
# (ninja -C BUILD_DIR, default build).
#
# The chapters that look at a trained model use the best one found: for the masked-LM chapters
# (4 and 6) $MLM_MODEL, else runs/large (scripts/pretrain-large.sh), else runs/quickstart
# (scripts/quickstart.sh); for the causal chapter (9) $CLM_MODEL, else runs/shakespeare
# (scripts/shakespeare.sh); without one, the tiny model each program trains on a generated corpus.
# Chapter 10 always uses the tiny model: its task is drawn from the tiny model's own corpus. The
# script says which model each chapter used and records it in docs/learn/figures/MODELS.md.
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
out=docs/learn/figures
programs=$(ls examples/learn/ch*.cc | sed 's|\.cc$||')
ninja -C "$build" $programs

is_model() { [ -f "$1/config.json" ] && [ -f "$1/model.safetensors" ]; }
mlm=${MLM_MODEL:-}
if [ -z "$mlm" ]; then
  for d in runs/large runs/quickstart; do
    if is_model "$d"; then mlm=$d; break; fi
  done
fi
clm=${CLM_MODEL:-}
if [ -z "$clm" ] && is_model runs/shakespeare; then clm=runs/shakespeare; fi
for m in "$mlm" "$clm"; do
  [ -z "$m" ] || is_model "$m" || { echo "error: $m is not a checkpoint directory (config.json, model.safetensors)" >&2; exit 1; }
done
tiny="the tiny model the program trains on a generated corpus"
echo "chapters 4 and 6 (masked LM): ${mlm:-$tiny}"
echo "chapter 9 (causal LM): ${clm:-$tiny}"
echo "chapter 10 (fine-tuning): $tiny"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export NNBERT_LEARN_TINY_CACHE="$tmp/tiny"  # each tiny model is trained once
mkdir -p "$out"
rm -f "$out"/*.svg
for p in $programs; do
  name=$(basename "$p")
  case $name in
    ch04_*|ch06_*) model=$mlm ;;
    ch09_*) model=$clm ;;
    *) model= ;;
  esac
  if [ -n "$model" ]; then
    set -- --model "$model" "$out"
  else
    set -- "$out"
  fi
  if ! "$build/$p" "$@" >"$tmp/$name.txt" 2>"$tmp/$name.err"; then
    cat "$tmp/$name.txt" "$tmp/$name.err"
    echo "error: $name failed" >&2
    exit 1
  fi
  echo "$name: $(grep '^checks:' "$tmp/$name.txt"); $(grep -c '^figure:' "$tmp/$name.txt") figure(s)"
done
{
  echo "# Where the figures came from"
  echo
  echo "Written by \`docs/learn/make-figures.sh\` ($(git rev-parse --short HEAD 2>/dev/null || echo 'no git')):"
  echo
  echo "- chapters 4 and 6 (masked LM): ${mlm:-$tiny}"
  echo "- chapter 9 (causal LM): ${clm:-$tiny}"
  echo "- chapter 10 (fine-tuning): $tiny"
  echo "- chapters 1–3, 5, 7, 8: no trained model"
} >"$out/MODELS.md"
echo "figures in $out (models: $out/MODELS.md)"
