#!/usr/bin/python3
"""BERT encoder inference latency, nnbert beside PyTorch 1.13, alternating runs.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
        bench/vs_torch/encoder_inference.py --nnbert build/bench/bert/encoder_latency
        [--config base] [--batch 1] [--seq 128] [--precision fp32|bf16|int8] [--threads 2] [--rounds 3]

Both sides run a freshly initialised BertModel (embeddings, encoder, pooler) in eval mode
without autograd on the same random-id shape and threads. nnbert's encoder_latency reports the
median of 20 timed forwards after 3 warm-up runs; the PyTorch side does the same in this process
(torch.no_grad, torch.set_num_threads, bf16 through torch.autocast on the CPU, int8 through
torch.quantization.quantize_dynamic of every nn.Linear to qint8 on the 'onednn' quantized engine
when this torch has it, else 'fbgemm': QUANT_ENGINE). Each round runs
nnbert then PyTorch; the script prints the median over rounds and the latency ratio
(nnbert / PyTorch: below 1 is faster).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_bert  # noqa: E402  (SIZES, layer_norm_in_fp32; it puts tests/parity on the path)
from bert_reference import BertConfig, BertModel  # noqa: E402

SIZES = train_bert.SIZES
# PyTorch's engine for dynamically quantized linears: oneDNN, the library our int8 matmul runs on.
QUANT_ENGINE = "onednn" if "onednn" in torch.backends.quantized.supported_engines else "fbgemm"


def torch_median_ms(config, batch, seq, precision, threads, iters=20):
    torch.set_num_threads(threads)
    layers, hidden = SIZES[config]
    c = BertConfig(vocab_size=30522, hidden_size=hidden, num_hidden_layers=layers,
                   num_attention_heads=hidden // 64, intermediate_size=4 * hidden)
    model = BertModel(c).eval()
    if precision == "bf16":
        train_bert.layer_norm_in_fp32(model)
    if precision == "int8":
        torch.backends.quantized.engine = QUANT_ENGINE
        model = torch.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    ids = torch.randint(5, 30522, (batch, seq), generator=torch.Generator().manual_seed(7))
    times = []
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
        for i in range(iters + 3):
            t0 = time.perf_counter()
            model(ids)
            if i >= 3:
                times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def nnbert_median_ms(binary, config, batch, seq, precision, threads, iters=20):
    r = subprocess.run([binary, "--config", config, "--batch", str(batch), "--seq", str(seq),
                        "--precision", precision, "--threads", str(threads), "--iters", str(iters)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("nnbert failed: " + r.stderr)
    return json.loads(r.stdout)["median_ms"]


def compare(binary, config, batch, seq, precision, threads, rounds):
    """Median latencies (nnbert, torch) over alternating rounds, in ms."""
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(nnbert_median_ms(binary, config, batch, seq, precision, threads))
        theirs.append(torch_median_ms(config, batch, seq, precision, threads))
    return statistics.median(ours), statistics.median(theirs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nnbert", required=True)
    ap.add_argument("--config", default="base")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--precision", choices=["fp32", "bf16", "int8"], default="fp32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    mo, mt = compare(a.nnbert, a.config, a.batch, a.seq, a.precision, a.threads, a.rounds)
    engine = f" ({QUANT_ENGINE} engine)" if a.precision == "int8" else ""
    print(f"{a.config} encoder b{a.batch} s{a.seq} {a.precision} {a.threads} threads: nnbert {mo:.1f} ms, "
          f"PyTorch {torch.__version__}{engine} {mt:.1f} ms, latency ratio {mo / mt:.2f}")


if __name__ == "__main__":
    main()
