#!/usr/bin/python3
"""Write an HF-format checkpoint directory with random weights (for the fill-mask parity test).

    /usr/bin/python3 tests/parity/make_random_checkpoint.py --out DIR \
        --vocab ../shared/data/bert-base-uncased/vocab.txt \
        [--hidden 64] [--layers 2] [--heads max(4, H/64)] [--intermediate 4H] [--max-position 512]
        [--type-vocab 2] [--seed 0] [--init-std 0.1] [--word-std 0.5]
        [--arch BertForPreTraining|BertForMaskedLM|BertLMHeadModel] [--dtype F32|BF16|F16]
        [--gamma-beta] [--with-decoder]

Writes DIR/config.json (HF BertConfig fields + "architectures"), DIR/vocab.txt (copied),
DIR/model.safetensors (HF names; no cls.predictions.decoder.weight unless --with-decoder;
LayerNorm.gamma/.beta names with --gamma-beta: the HF variants a loader must accept).
vocab_size = number of lines of the vocab file.

Init: HF's (Linear/Embedding N(0, std), biases 0, LayerNorm (1, 0), [PAD] row 0) with
std = --init-std, then word_embeddings redrawn with --word-std (pad row kept 0). Why not 0.02:
the decoder is tied to the word embeddings, so with 0.02 the vocabulary logits have std ~0.16
and the top-5 probabilities are all ~3e-5, which makes a 1e-4 probability tolerance meaningless.
With --word-std 0.5 (H=64) the logits spread over several units and the top probabilities are
in the 1e-2..1e-1 range; --init-std 0.1 keeps attention away from uniform without saturating.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_reference import ARCHITECTURES, BertConfig  # noqa: E402
from checkpoint_io import save_checkpoint  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=None)
    ap.add_argument("--intermediate", type=int, default=None)
    ap.add_argument("--max-position", type=int, default=512)
    ap.add_argument("--type-vocab", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init-std", type=float, default=0.1)
    ap.add_argument("--word-std", type=float, default=0.5)
    ap.add_argument("--arch", choices=sorted(ARCHITECTURES), default="BertForPreTraining")
    ap.add_argument("--dtype", choices=["F32", "BF16", "F16"], default="F32")
    ap.add_argument("--gamma-beta", action="store_true")
    ap.add_argument("--with-decoder", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    with open(args.vocab, encoding="utf-8") as f:
        vocab = [line.rstrip("\n") for line in f]
    heads = args.heads or max(4, args.hidden // 64)
    if args.hidden % heads:
        sys.exit(f"error: hidden {args.hidden} is not a multiple of heads {heads}")
    cfg = BertConfig(
        vocab_size=len(vocab), hidden_size=args.hidden, num_hidden_layers=args.layers,
        num_attention_heads=heads, intermediate_size=args.intermediate or 4 * args.hidden,
        hidden_act="gelu", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
        max_position_embeddings=args.max_position, type_vocab_size=args.type_vocab,
        initializer_range=0.02, layer_norm_eps=1e-12,
        pad_token_id=vocab.index("[PAD]") if "[PAD]" in vocab else 0,
        is_decoder=args.arch == "BertLMHeadModel", model_type="bert")
    model = ARCHITECTURES[args.arch](cfg)
    with torch.no_grad():
        model.init_weights(std=args.init_std)
        emb = model.bert.embeddings.word_embeddings
        emb.weight.normal_(0.0, args.word_std)
        emb.weight[cfg.pad_token_id].zero_()
    dtype = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}[args.dtype]
    save_checkpoint(model, args.out, vocab=args.vocab, dtype=dtype, gamma_beta=args.gamma_beta,
                    with_decoder=args.with_decoder,
                    metadata={"format": "pt",
                              "generator": "tests/parity/make_random_checkpoint.py"})
    n = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out}: {args.arch}, {n} parameters, {args.dtype}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
