#!/usr/bin/python3
"""Load a checkpoint directory (e.g. one written by nnbert) into the PyTorch reference, run it,
print its outputs as JSON: the "checkpoint written here is read by PyTorch" round-trip check.

    /usr/bin/python3 tests/parity/check_checkpoint.py DIR [--prompt TEXT | --inputs FILE]
        [--out OUT.safetensors] [--summary] [--tokenizer auto|reference|builtin]

DIR: config.json (HF BertConfig fields, "architectures": BertForPreTraining | BertForMaskedLM |
BertLMHeadModel | BertForSequenceClassification | BertForTokenClassification; inferred from the
tensors when absent, among the first three) + model.safetensors (F32/BF16/F16).
Accepted like HF: LayerNorm.gamma/.beta, a missing cls.predictions.decoder.{weight,bias} (tied),
*.position_ids ignored. Any other unknown/missing tensor or wrong shape: "error: ..." naming it,
exit 1.

Inputs (batch 1 unless --inputs):
  --inputs FILE  a safetensors file with input_ids (B,T) I64 and optionally token_type_ids,
                 attention_mask (B,T) I64 (e.g. a fixture's inputs.safetensors)
  --prompt TEXT  [CLS] wordpieces(TEXT) [SEP] with DIR/vocab.txt, token types 0, mask 1
  (neither)      input_ids[0, t] = (7*t + 1) mod vocab_size, t < min(8, max_position_embeddings),
                 token types 0, mask 1
Model in eval mode (dropout off), float32, no grad.

Output, one JSON object on stdout:
  {"architecture": "BertForPreTraining", "num_parameters": N, "tokenizer": ... (with --prompt),
   "input_ids": [[...]], "token_type_ids": [[...]], "attention_mask": [[...]],
   "outputs": {"sequence_output": {"shape": [B,T,H], "sum": s, "abs_sum": a, "data": [flat...]},
               "pooled_output": ..., "prediction_logits": ..., "seq_relationship_logits": ...}}
  pooled_output / seq_relationship_logits only for BertForPreTraining; the classifiers give
  "logits" instead of the LM outputs (and pooled_output for sequence classification).
  --summary drops "data".
  --out also writes the outputs (F32, same names) to a safetensors file.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint_io import (CheckpointError, encode_prompt, load_checkpoint,  # noqa: E402
                           tokenizer_name)
from safetensors_io import load_file, save_file  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--prompt")
    g.add_argument("--inputs")
    ap.add_argument("--out")
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--tokenizer", choices=["auto", "reference", "builtin"], default="auto")
    args = ap.parse_args()
    torch.set_num_threads(1)
    try:
        model, cfg, arch = load_checkpoint(args.dir)
        result = {"architecture": arch,
                  "num_parameters": sum(p.numel() for p in model.parameters())}
        if args.inputs:
            t = load_file(args.inputs)
            if "input_ids" not in t:
                raise CheckpointError(f"{args.inputs}: no tensor input_ids")
            input_ids = t["input_ids"].long()
            token_type_ids = t.get("token_type_ids", torch.zeros_like(input_ids)).long()
            attention_mask = t.get("attention_mask", torch.ones_like(input_ids)).long()
        else:
            if args.prompt is not None:
                vocab = os.path.join(args.dir, "vocab.txt")
                if not os.path.isfile(vocab):
                    raise CheckpointError(f"{vocab}: no such file")
                ids = encode_prompt(vocab, args.prompt, args.tokenizer)
                result["tokenizer"] = tokenizer_name(args.tokenizer)
            else:
                n = min(8, cfg.max_position_embeddings)
                ids = [(7 * t + 1) % cfg.vocab_size for t in range(n)]
            input_ids = torch.tensor([ids], dtype=torch.long)
            token_type_ids = torch.zeros_like(input_ids)
            attention_mask = torch.ones_like(input_ids)
        if input_ids.shape[1] > cfg.max_position_embeddings:
            raise CheckpointError(f"sequence length {input_ids.shape[1]} exceeds "
                                  f"max_position_embeddings {cfg.max_position_embeddings}")
        if int(input_ids.max()) >= cfg.vocab_size or int(input_ids.min()) < 0:
            raise CheckpointError("input_ids out of range of vocab_size")
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    with torch.no_grad():
        out = model(input_ids, attention_mask, token_type_ids)
    names = ["sequence_output", "pooled_output", "prediction_logits", "seq_relationship_logits",
             "logits"]
    outs = {k: out[k].float().contiguous() for k in names if out.get(k) is not None}
    result.update(input_ids=input_ids.tolist(), token_type_ids=token_type_ids.tolist(),
                  attention_mask=attention_mask.tolist())
    result["outputs"] = {}
    for k, v in outs.items():
        e = {"shape": list(v.shape), "sum": float(v.double().sum()),
             "abs_sum": float(v.double().abs().sum())}
        if not args.summary:
            e["data"] = v.view(-1).tolist()
        result["outputs"][k] = e
    if args.out:
        save_file(outs, args.out, {"format": "pt", "generator": "tests/parity/check_checkpoint.py"})
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
