#!/bin/sh
# test_fill_mask_parity.sh GENERATE SOURCE_DIR — a BERT checkpoint written by PyTorch (random
# weights, HF names, the bert-base-uncased vocabulary) gives the same fill-mask top-5 tokens and
# probabilities (within 1e-4) through `generate --format json` as the PyTorch reference.
# Skips (exit 77) when /usr/bin/python3 has no torch or ../shared/data is absent.
set -eu
generate=$1
src=$2
vocab="$src/../shared/data/bert-base-uncased/vocab.txt"
if [ ! -f "$vocab" ]; then echo "skipping: $vocab not found"; exit 77; fi
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then echo "skipping: /usr/bin/python3 has no torch"; exit 77; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$src/tests/parity/make_random_checkpoint.py" --out "$tmp/ckpt" --vocab "$vocab" > /dev/null
for prompt in "the man went to the [MASK] ." "paris is the [MASK] of france , and [MASK] is its river ."; do
  "$generate" --model "$tmp/ckpt" --prompt "$prompt" --top-k 5 --format json > "$tmp/ours.json"
  /usr/bin/python3 "$src/tests/parity/fill_mask.py" --model "$tmp/ckpt" --prompt "$prompt" --top-k 5 > "$tmp/ref.json"
  /usr/bin/python3 - "$tmp/ours.json" "$tmp/ref.json" <<'PY'
import json, sys
ours, ref = (json.load(open(p)) for p in sys.argv[1:3])
assert len(ours["masks"]) == len(ref["masks"]) > 0, (ours, ref)
for a, b in zip(ours["masks"], ref["masks"]):
    assert a["position"] == b["position"], (a, b)
    ta = [(c["token"], c["id"]) for c in a["candidates"]]
    tb = [(c["token"], c["id"]) for c in b["candidates"]]
    assert ta == tb, f"top-5 differ: ours {ta} reference {tb}"
    for ca, cb in zip(a["candidates"], b["candidates"]):
        assert abs(ca["prob"] - cb["prob"]) <= 1e-4, f"{ca} vs {cb}"
print("fill-mask parity:", [[(c["token"], round(c["prob"], 5)) for c in m["candidates"]] for m in ours["masks"]])
PY
done
