#!/usr/bin/python3
"""int8 encoder inference (issue #17): nnbert int8 beside nnbert fp32 and PyTorch 1.13's dynamic int8.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
        bench/vs_torch/int8_inference.py --nnbert build/bench/bert/encoder_latency
        [--config base] [--seq 128] [--batches 1 8] [--threads 2] [--rounds 5] [--iters 20]

Each round runs, one after the other, nnbert fp32, nnbert int8, PyTorch fp32 and PyTorch int8
(torch.quantization.quantize_dynamic on encoder_inference.QUANT_ENGINE), each the median of
--iters timed forwards after 3 warm-ups (encoder_inference.py does the work). Prints, per batch,
the median over rounds of each latency and of the per-round ratios (a ratio measured within one
round sees the same machine load on both sides) as markdown table rows.
"""
import argparse
import statistics

import torch

import encoder_inference as ei


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nnbert", required=True)
    ap.add_argument("--config", default="base")
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iters", type=int, default=20)
    a = ap.parse_args()
    rows = []
    for batch in a.batches:
        runs = {"ours fp32": [], "ours int8": [], "torch fp32": [], "torch int8": []}
        for r in range(a.rounds):
            for p in ["fp32", "int8"]:
                runs[f"ours {p}"].append(ei.nnbert_median_ms(a.nnbert, a.config, batch, a.seq, p, a.threads, a.iters))
            for p in ["fp32", "int8"]:
                runs[f"torch {p}"].append(ei.torch_median_ms(a.config, batch, a.seq, p, a.threads, a.iters))
            print(f"b{batch} round {r + 1}: " + ", ".join(f"{k} {v[-1]:.1f} ms" for k, v in runs.items()), flush=True)
        med = {k: statistics.median(v) for k, v in runs.items()}
        vs_fp32 = statistics.median(i / f for i, f in zip(runs["ours int8"], runs["ours fp32"]))
        vs_torch = statistics.median(i / t for i, t in zip(runs["ours int8"], runs["torch int8"]))
        torch_ratio = statistics.median(i / f for i, f in zip(runs["torch int8"], runs["torch fp32"]))
        rows.append(f"| {a.config} b{batch} s{a.seq} | {med['ours fp32']:.1f} | {med['ours int8']:.1f} | "
                    f"{med['torch fp32']:.1f} | {med['torch int8']:.1f} | {vs_fp32:.2f} | {vs_torch:.2f} | "
                    f"{torch_ratio:.2f} |")
    print(f"\nPyTorch {torch.__version__}, quantized engine {ei.QUANT_ENGINE}, {a.threads} threads, "
          f"{a.rounds} rounds (medians, ms)")
    print("| encoder | nnbert fp32 | nnbert int8 | PyTorch fp32 | PyTorch int8 | nnbert int8 / fp32 | "
          "nnbert int8 / PyTorch int8 | PyTorch int8 / fp32 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
