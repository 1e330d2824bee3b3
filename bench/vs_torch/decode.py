#!/usr/bin/python3
"""Side-by-side decoding speed: nnbert's Decoder (bench/bert/bench_decode) and the same causal
BERT (BertLMHeadModel) in plain PyTorch 1.13 with its own KV cache.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
        bench/vs_torch/decode.py --bench build-dec/bench/bert/bench_decode [--configs mini,small,base]
        [--ckpt-dir /tmp/nnbert-decode-ckpt] [--prompt-tokens 32] [--new-tokens 64] [--batch 1]
        [--threads 2] [--rounds 5]

Checkpoints with random weights (tests/parity/make_random_checkpoint.py, bert-base-uncased
vocabulary, 30522 tokens) are written to --ckpt-dir when missing; both sides load the same file.
Both run the same loop: a prompt of P fixed tokens in one causal pass (filling the cache, logits
of the last position only), then N greedy steps, each one token per row through the cache and
the full-vocabulary logits (argmax, fed back). PyTorch's cache is preallocated like ours
(written in place, read as a slice), under torch.no_grad(), torch.set_num_threads(threads), with
the OpenMP OpenBLAS (LD_LIBRARY_PATH above). The runs alternate (nnbert, torch, nnbert, …) so
the machine's noise hits both; the script prints the median of the rounds and the ratio.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(HERE, "..", "..", "tests", "parity")
sys.path.insert(0, PARITY)
from checkpoint_io import load_checkpoint  # noqa: E402

SIZES = {"tiny": (2, 128), "mini": (4, 256), "small": (4, 512), "medium": (8, 512), "base": (12, 768)}
VOCAB = os.path.join(HERE, "..", "..", "..", "shared", "data", "bert-base-uncased", "vocab.txt")  # ../shared beside the clone


def ensure_checkpoint(ckpt_dir, config):
    path = os.path.join(ckpt_dir, "clm-" + config)
    if not os.path.isfile(os.path.join(path, "model.safetensors")):
        layers, hidden = SIZES[config]
        subprocess.run([sys.executable, os.path.join(PARITY, "make_random_checkpoint.py"), "--out", path,
                        "--vocab", VOCAB, "--hidden", str(hidden), "--layers", str(layers),
                        "--arch", "BertLMHeadModel", "--init-std", "0.02", "--word-std", "0.02"],
                       check=True, stdout=subprocess.DEVNULL)
    return path


class TorchDecoder:
    """BertLMHeadModel decoding with a preallocated (B, heads, capacity, D) cache per layer."""

    def __init__(self, model, batch, capacity):
        self.m = model
        c = model.config
        self.heads, self.d = c.num_attention_heads, c.hidden_size // c.num_attention_heads
        L = c.num_hidden_layers
        self.k = [torch.empty(batch, self.heads, capacity, self.d) for _ in range(L)]
        self.v = [torch.empty(batch, self.heads, capacity, self.d) for _ in range(L)]
        self.len = 0

    def _layer(self, i, layer, x):
        B, T, H = x.shape
        sa = layer.attention.self

        def heads(t):
            return t.view(B, T, self.heads, self.d).permute(0, 2, 1, 3)

        q = heads(sa.query(x))
        self.k[i][:, :, self.len:self.len + T] = heads(sa.key(x))
        self.v[i][:, :, self.len:self.len + T] = heads(sa.value(x))
        S = self.len + T
        k, v = self.k[i][:, :, :S], self.v[i][:, :, :S]
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d)
        if T > 1:  # causal: query t sees keys up to len + t
            future = torch.ones(T, S, dtype=torch.bool).triu(S - T + 1)
            scores = scores.masked_fill(future, torch.finfo(scores.dtype).min)
        ctx = torch.matmul(F.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).reshape(B, T, H)
        a = layer.attention.output(ctx, x)
        return layer.output(layer.intermediate(a), a)

    def forward(self, ids):
        """ids (B,T) → logits (B,V) of the last position; appends T positions to the cache."""
        bert = self.m.bert
        e = bert.embeddings
        T = ids.shape[1]
        pos = torch.arange(self.len, self.len + T)[None, :]
        x = e.LayerNorm(e.word_embeddings(ids) + e.token_type_embeddings(torch.zeros_like(ids))
                        + e.position_embeddings(pos))
        for i, layer in enumerate(bert.encoder.layer):
            x = self._layer(i, layer, x)
        self.len += T
        return self.m.cls(x[:, -1:])[:, 0]


def check_decoder(model, P):
    """The cached decoder's logits after 4 greedy steps equal the reference full forward's."""
    with torch.no_grad():
        ids = prompt_ids(1, P)
        dec = TorchDecoder(model, 1, P + 4)
        logits = dec.forward(ids)
        for _ in range(4):
            ids = torch.cat([ids, logits.argmax(-1)[:, None]], 1)
            logits = dec.forward(ids[:, -1:])
        full = model(ids)["prediction_logits"][:, -1]
        err = (full - logits).abs().max().item()
        if err > 1e-4 * (1 + full.abs().max().item()):
            sys.exit(f"error: the PyTorch KV-cache decoder is off the full forward by {err}")


def prompt_ids(batch, P):
    return torch.tensor([[1000 + (37 * t + 11 * b) % 20000 for t in range(P)] for b in range(batch)])


def torch_run(model, batch, P, N):
    with torch.no_grad():
        dec = TorchDecoder(model, batch, P + N)
        t0 = time.perf_counter()
        logits = dec.forward(prompt_ids(batch, P))
        prompt_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(N):
            logits = dec.forward(logits.argmax(-1)[:, None])
        decode_s = time.perf_counter() - t0
    return batch * P / prompt_s, batch * N / decode_s


def ours_run(bench, path, batch, P, N, threads):
    out = subprocess.run([bench, "--model", path, "--prompt-tokens", str(P), "--new-tokens", str(N),
                          "--batch", str(batch), "--threads", str(threads), "--repeats", "2"],
                         check=True, capture_output=True, text=True).stdout
    last = json.loads(out.strip().splitlines()[-1])  # the second repeat: warm caches, as torch's
    return last["prompt_tokens_per_s"], last["decode_tokens_per_s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help="path to bench_decode")
    ap.add_argument("--configs", default="mini,small,base")
    ap.add_argument("--ckpt-dir", default="/tmp/nnbert-decode-ckpt")
    ap.add_argument("--prompt-tokens", type=int, default=32)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    if "openblas-openmp" not in os.environ.get("LD_LIBRARY_PATH", ""):
        print("warning: LD_LIBRARY_PATH does not select the OpenMP OpenBLAS; PyTorch will be slow",
              file=sys.stderr)
    torch.set_num_threads(a.threads)
    print(f"threads {a.threads}, batch {a.batch}, prompt {a.prompt_tokens} tokens, {a.new_tokens} new tokens, "
          f"{a.rounds} alternating rounds; load {os.getloadavg()[0]:.2f}")
    print("| config | prompt tok/s nnbert | PyTorch | ratio | decode tok/s nnbert | PyTorch | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for config in a.configs.split(","):
        path = ensure_checkpoint(a.ckpt_dir, config)
        model, _, arch = load_checkpoint(path)
        assert arch == "BertLMHeadModel", arch
        check_decoder(model, a.prompt_tokens)
        torch_run(model, a.batch, a.prompt_tokens, min(8, a.new_tokens))  # warm-up
        ours_p, ours_d, torch_p, torch_d = [], [], [], []
        for _ in range(a.rounds):
            p, d = ours_run(a.bench, path, a.batch, a.prompt_tokens, a.new_tokens, a.threads)
            ours_p.append(p)
            ours_d.append(d)
            p, d = torch_run(model, a.batch, a.prompt_tokens, a.new_tokens)
            torch_p.append(p)
            torch_d.append(d)
        op, od = statistics.median(ours_p), statistics.median(ours_d)
        tp, td = statistics.median(torch_p), statistics.median(torch_d)
        print(f"| {config} | {op:.0f} | {tp:.0f} | {op / tp:.2f}x | {od:.1f} | {td:.1f} | {od / td:.2f}x |",
              flush=True)
        print(f"  rounds: nnbert decode {[round(x, 1) for x in ours_d]}, torch decode {[round(x, 1) for x in torch_d]}",
              file=sys.stderr, flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
