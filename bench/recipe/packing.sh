#!/usr/bin/env bash
# packing.sh — what sequence packing saves (docs/RECIPE.md, "Packing"): the share of batch positions
# that are padding and the tokens of text trained per second, with and without packing, for the
# two masked objectives, on FOLDOC and on WikiText-2 (valid + test, from ../shared/data).
#
# Three ways to batch: random batches of instances (--no-pack --group-by-length 0: each batch is
# padded to its longest instance), batches grouped by length (--no-pack, the default before packing)
# and packed rows (the default). Each cell is a 60-step run of the tiny model, batch 32 × 128, 2 threads; the padding share is
# the mean of the metrics.jsonl records after step 10, tokens/s (text tokens, padding excluded) the
# median of those records. Needs a quiet machine.
#
#   bench/recipe/packing.sh [--build DIR] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build
out=runs/packing
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "packing.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
wiki=../shared/data/wikitext-2
[[ -f data/foldoc/foldoc.txt ]] || { echo "packing.sh: run scripts/get-corpus.sh first" >&2; exit 1; }
[[ -d $wiki ]] || { echo "packing.sh: $wiki is missing" >&2; exit 1; }
mkdir -p "$out"

echo "| corpus | objective | packing | padding share | tokens/s |"
echo "|---|---|---|---:|---:|"
for corpus in foldoc wikitext-2; do
  case $corpus in
    foldoc) paths=(data/foldoc/foldoc.txt) ;;
    wikitext-2) paths=("$wiki/wiki.valid.tokens" "$wiki/wiki.test.tokens") ;;
  esac
  files=()
  for p in "${paths[@]}"; do files+=(--corpus "$p"); done
  vocab=$out/vocab-$corpus.txt
  [[ -f $vocab ]] || "$build/apps/tokenize" train --vocab-size 8000 --out "$vocab" "${paths[@]}" 2>/dev/null
  for objective in mlm+nsp mlm; do
    for packing in --random --no-pack --pack; do
      dir=$out/$corpus-$objective$packing
      rm -rf "$dir"
      options=("$packing")
      [[ $packing == --random ]] && options=(--no-pack --group-by-length 0)  # batches in random order
      "$build/apps/pretrain" "${files[@]}" --vocab "$vocab" --objective "$objective" "${options[@]}" --batch-size 32 \
        --seq-len 128 --steps 60 --log-every 5 --eval-every 0 --save-every 0 --threads 2 --out "$dir" \
        >"$dir.log" 2>&1 || { echo "packing.sh: $dir failed:"; tail -3 "$dir.log"; exit 1; }
      python3 - "$dir/metrics.jsonl" "$corpus" "$objective" "${packing#--}" <<'PY'
import json, statistics, sys
path, corpus, objective, packing = sys.argv[1:]
records = [r for r in map(json.loads, open(path)) if r["step"] > 10]
pad = statistics.mean(r["padding_share"] for r in records)
tps = statistics.median(r["tokens_per_s"] for r in records)
print(f"| {corpus} | {objective} | {dict(pack='packed', random='off, random batches').get(packing, 'off, grouped by length')} | {100 * pad:.1f}% | {tps:.0f} |")
PY
    done
  done
done
