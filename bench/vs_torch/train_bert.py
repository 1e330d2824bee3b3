#!/usr/bin/python3
"""Side-by-side training speed: nnbert `pretrain --synthetic` and the same model in PyTorch 1.13.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
        bench/vs_torch/train_bert.py --nnbert build/apps/pretrain [--config base] [--batch 8]
        [--seq 128] [--steps 12] [--threads 2] [--rounds 3] [--precision fp32|bf16]

Both sides train BertForPreTraining (MLM + NSP, the MLM loss on 20 gathered masked positions per
sequence, AdamW with weight decay, clipping to 1.0) on random ids, with the same threads. The
runs alternate (nnbert, torch, nnbert, …) so the machine's noise hits both; each round reports the
median tokens/s over its steps after the first two (warm-up), and the script prints the median of
the rounds and the ratio, and the peak resident memory of each side (nnbert: its process;
PyTorch: this Python process, interpreter and torch included). PyTorch runs fairly: torch.set_num_threads(threads) and the OpenMP build
of OpenBLAS through LD_LIBRARY_PATH (Debian's default pthread build halves its fp32 speed).
With --precision bf16, nnbert runs `pretrain --precision bf16` and PyTorch its bf16 autocast
(torch.autocast("cpu", dtype=torch.bfloat16) around the forward; oneDNN bf16 matmuls), the
mixed-precision mode each offers; master weights and optimizer stay fp32 on both sides.
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "parity"))
from bert_reference import BertConfig, BertForPreTraining  # noqa: E402

SIZES = {"tiny": (2, 128), "mini": (4, 256), "small": (4, 512), "medium": (8, 512), "base": (12, 768),
         "large": (24, 1024)}


def layer_norm_in_fp32(model):
    """PyTorch 1.13's CPU autocast has no fp32 rule for layer_norm, which then rejects a bf16 input
    (the MLM head's dense+GELU output) next to its fp32 weight: cast LayerNorm inputs to fp32."""
    for m in model.modules():
        if isinstance(m, torch.nn.LayerNorm):
            m.register_forward_pre_hook(lambda _, inputs: tuple(x.float() for x in inputs))


def torch_tokens_per_s(config, batch, seq, steps, threads, precision):
    torch.set_num_threads(threads)
    layers, hidden = SIZES[config]
    c = BertConfig(vocab_size=30522, hidden_size=hidden, num_hidden_layers=layers,
                   num_attention_heads=hidden // 64, intermediate_size=4 * hidden)
    model = BertForPreTraining(c)
    model.train()
    if precision == "bf16":
        layer_norm_in_fp32(model)
    decay = [p for n, p in model.named_parameters() if not ("bias" in n or "LayerNorm.weight" in n)]
    no_decay = [p for n, p in model.named_parameters() if "bias" in n or "LayerNorm.weight" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-4, eps=1e-6)
    g = torch.Generator().manual_seed(0)
    rates = []
    for step in range(steps):
        ids = torch.randint(5, c.vocab_size, (batch, seq), generator=g)
        types = (torch.arange(seq) >= seq // 2).long().expand(batch, seq)
        mask = torch.ones(batch, seq, dtype=torch.long)
        pos = torch.stack([torch.randperm(seq - 2, generator=g)[:20] + 1 for _ in range(batch)])
        flat = (pos + torch.arange(batch).unsqueeze(1) * seq).view(-1)
        labels = ids.view(-1)[flat]
        nsp = torch.randint(0, 2, (batch,), generator=g)
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            seq_out, pooled = model.bert(ids, mask, types)
            gathered = seq_out.reshape(-1, hidden)[flat]
            mlm = F.cross_entropy(model.cls.predictions(gathered), labels)
            loss = mlm + F.cross_entropy(model.cls.seq_relationship(pooled), nsp)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        dt = time.perf_counter() - t0
        if step >= 2:
            rates.append(batch * seq / dt)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this process (Linux: KiB)
    return statistics.median(rates), peak_mb


def nnbert_tokens_per_s(binary, config, batch, seq, steps, threads, precision):
    with tempfile.TemporaryDirectory() as out:
        p = subprocess.Popen([binary, "--synthetic", "--model-config", config, "--batch-size", str(batch),
                              "--seq-len", str(seq), "--steps", str(steps), "--threads", str(threads),
                              "--precision", precision, "--eval-every", "0", "--save-every", "0", "--log-every", "1",
                              "--out", out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        stderr = p.stderr.read()
        if p.wait() != 0:
            sys.exit("nnbert failed: " + stderr)
        records = [json.loads(l) for l in open(os.path.join(out, "metrics.jsonl"))]
    # One record per step (--log-every 1); like the PyTorch side, the first two steps are warm-up.
    # Peak memory is the process's own VmHWM as pretrain records it: the child's ru_maxrss would
    # include this Python process's pages, which a forked child inherits until exec.
    rates = [r["tokens_per_s"] for r in records]
    return statistics.median(rates[2:] if len(rates) > 3 else rates), max(r["peak_memory_mb"] for r in records)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nnbert", required=True)
    ap.add_argument("--config", default="base")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    a = ap.parse_args()
    ours, theirs, peak_ours, peak_theirs = [], [], 0.0, 0.0
    for r in range(a.rounds):
        rate, peak = nnbert_tokens_per_s(a.nnbert, a.config, a.batch, a.seq, a.steps, a.threads, a.precision)
        ours.append(rate)
        peak_ours = max(peak_ours, peak)
        rate, peak = torch_tokens_per_s(a.config, a.batch, a.seq, a.steps, a.threads, a.precision)
        theirs.append(rate)
        peak_theirs = max(peak_theirs, peak)
        print(f"round {r + 1}: nnbert {ours[-1]:.0f} tok/s, torch {theirs[-1]:.0f} tok/s", flush=True)
    mo, mt = statistics.median(ours), statistics.median(theirs)
    print(f"{a.config} b{a.batch} s{a.seq} {a.threads} threads {a.precision}: nnbert {mo:.0f} tok/s, "
          f"PyTorch {torch.__version__} {mt:.0f} tok/s, ratio {mo / mt:.2f}; "
          f"peak RSS nnbert {peak_ours:.0f} MB, PyTorch process {peak_theirs:.0f} MB")


if __name__ == "__main__":
    main()
