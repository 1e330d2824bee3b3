#!/usr/bin/python3
"""Fill-mask with the PyTorch reference: the expected output of `generate --format json`.

    /usr/bin/python3 tests/parity/fill_mask.py --model DIR --prompt "the man went to the [MASK] ." \
        [--top-k 5] [--vocab DIR/vocab.txt] [--tokenizer auto|reference|builtin]

DIR is a checkpoint directory (config.json, model.safetensors, vocab.txt). The prompt becomes
[CLS] wordpieces [SEP] (token_type 0, attention mask 1, no padding); for every [MASK] the softmax
over the vocabulary (float32) at that position gives the top-k candidates. Prints one line:

    {"masks":[{"position":6,"candidates":[{"token":"store","id":3573,"prob":0.41},...]}]}

position = index of the [MASK] in the encoded sequence ([CLS] is 0); prob is the float32
probability printed with Python's shortest round-trip repr; candidates by descending prob
(torch.topk; ties keep torch's order). Errors: one line "error: ..." on stderr, exit 1.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from basic_wordpiece import load_vocab  # noqa: E402
from checkpoint_io import CheckpointError, encode_prompt, load_checkpoint  # noqa: E402


def fill_mask(model_dir, prompt, top_k=5, vocab_path=None, tokenizer="auto"):
    vocab_path = vocab_path or os.path.join(model_dir, "vocab.txt")
    if not os.path.isfile(vocab_path):
        raise CheckpointError(f"{vocab_path}: no such file")
    model, cfg, _ = load_checkpoint(model_dir)
    vocab = load_vocab(vocab_path)
    inv = {i: t for t, i in vocab.items()}
    ids = encode_prompt(vocab_path, prompt, tokenizer)
    if len(ids) > cfg.max_position_embeddings:
        raise CheckpointError(f"prompt has {len(ids)} tokens, max_position_embeddings is "
                              f"{cfg.max_position_embeddings}")
    mask_id = vocab["[MASK]"]
    positions = [i for i, t in enumerate(ids) if t == mask_id]
    if not positions:
        raise CheckpointError("prompt has no [MASK] token")
    input_ids = torch.tensor([ids], dtype=torch.long)
    with torch.no_grad():
        logits = model(input_ids, torch.ones_like(input_ids),
                       torch.zeros_like(input_ids))["prediction_logits"][0]
    masks = []
    for p in positions:
        probs = torch.softmax(logits[p].float(), dim=-1)
        top = torch.topk(probs, min(top_k, probs.numel()))
        masks.append({"position": p, "candidates": [
            {"token": inv.get(int(i), f"[{int(i)}]"), "id": int(i), "prob": float(v)}
            for v, i in zip(top.values, top.indices)]})
    return {"masks": masks}, ids


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--vocab", default=None, help="default: MODEL/vocab.txt")
    ap.add_argument("--tokenizer", choices=["auto", "reference", "builtin"], default="auto")
    ap.add_argument("--show-ids", action="store_true",
                    help="also print the encoded ids (key \"input_ids\")")
    args = ap.parse_args()
    torch.set_num_threads(1)
    try:
        result, ids = fill_mask(args.model, args.prompt, args.top_k, args.vocab, args.tokenizer)
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.show_ids:
        result["input_ids"] = ids
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
