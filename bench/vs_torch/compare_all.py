#!/usr/bin/python3
"""Every speed figure of nnbert beside PyTorch 1.13, one table (issue #7's comparison).

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
        bench/vs_torch/compare_all.py --build build [--threads 2] [--rounds 3] [--quick]

Rows: training (tiny, mini, small, base; fp32 and bf16: BertForPreTraining, seq 128, batch 8,
gathered MLM + NSP, AdamW, clipping; base also at seq 512) in tokens/s, base training beside a
busy core (under_load.py: tokens/s and slowdown against quiet), encoder inference (base, batch 1
and 8, seq 128; fp32, bf16 and int8, PyTorch's int8 its quantize_dynamic: encoder_inference.py;
batch 1 at seq 512 in fp32 and bf16) in ms, and greedy decoding with a KV cache (mini, small, base causal
models, batch 1, 32-token prompt, 64 new tokens; fp32) in tokens/s. Each row alternates nnbert and
PyTorch for --rounds rounds and reports medians (train_bert.py, encoder_inference.py and
decode.py do the work; run them alone for one row). The decode rows need ../shared/data's
bert-base-uncased vocabulary for their random checkpoints (decode.py).
MFU = model FLOP/s over the machine's GEMM peak: the best rate of bench_core's fp32 (BM_GemmOneDnn)
and bf16 (BM_GemmOursBf16) products at 2048 rows, measured at the start with the same threads
(--peak-fp32 / --peak-bf16 GFLOP/s give them instead). The table is headed by lscpu's model and flags. Model FLOPs count the GEMMs only: per token and
layer 2·(4H² + 2HI) for the linears and 4TH for attention, the MLM head on the gathered 20 of 128
positions, ×3 for training (forward + backward); a decoded token costs 2·(L·(4H² + 2HI) + H² + HV)
(the linears and the full-vocabulary MLM head; attention over the cache is left out). Prints a
markdown table for docs/PERFORMANCE.md.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import decode  # noqa: E402
import encoder_inference  # noqa: E402
import train_bert  # noqa: E402
import under_load  # noqa: E402

VOCAB, SEQ, GATHERED = 30522, 128, 20


def forward_flops_per_token(config, mlm_head, seq=SEQ):
    layers, hidden = train_bert.SIZES[config]
    inter = 4 * hidden
    f = layers * (2 * (4 * hidden * hidden + 2 * hidden * inter) + 4 * seq * hidden)
    if mlm_head:
        f += 2 * (hidden * hidden + hidden * VOCAB) * GATHERED / seq
    return f


def measured_peaks(build, threads):
    """The best GFLOP/s of bench_core's fp32 and bf16 GEMMs on bert-base's linear shapes at 2048 rows."""
    bench = os.path.join(build, "bench", "bench_core")
    out = subprocess.run([bench, "--benchmark_filter=Gemm(OneDnn|OursBf16)/.*tokens:2048",
                          "--benchmark_min_time=0.2", "--benchmark_format=json"],
                         env=dict(os.environ, NNBERT_THREADS=str(threads)), capture_output=True, text=True, check=True)
    best = {"fp32": 0.0, "bf16": 0.0}
    for b in json.loads(out.stdout)["benchmarks"]:
        precision = "bf16" if "Bf16" in b["name"] else "fp32"
        best[precision] = max(best[precision], b["GFLOP/s"] / 1e9)
    return best


def cpu_header():
    """lscpu's model name, family/model and wide-vector flags, the line each table in docs/PERFORMANCE.md starts with."""
    info = dict(line.split(":", 1) for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
                if ":" in line)
    field = lambda key: info.get(key, "?").strip()  # noqa: E731
    flags = [f for f in field("Flags").split() if f.startswith(("avx512", "amx"))]
    return (f"{field('Model name')} (family {field('CPU family')} model {field('Model')}), {os.cpu_count()} CPUs; "
            f"{' '.join(flags)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--peak-fp32", type=float, help="GFLOP/s (default: measured, see above)")
    ap.add_argument("--peak-bf16", type=float, help="GFLOP/s (default: measured, see above)")
    ap.add_argument("--quick", action="store_true", help="base rows only, fewer steps")
    a = ap.parse_args()
    pretrain = os.path.join(a.build, "apps", "pretrain")
    latency = os.path.join(a.build, "bench", "bert", "encoder_latency")
    peak = measured_peaks(a.build, a.threads) if not (a.peak_fp32 and a.peak_bf16) else {}
    peak.update({k: v for k, v in (("fp32", a.peak_fp32), ("bf16", a.peak_bf16)) if v})
    print(f"{cpu_header()}; GEMM peaks fp32 {peak['fp32']:.0f}, bf16 {peak['bf16']:.0f} GFLOP/s", flush=True)
    rows = []
    configs = ["base"] if a.quick else ["tiny", "mini", "small", "base"]
    for config in configs:
        for precision in ["fp32", "bf16"]:
            steps = 8 if config == "base" else 20
            ours, theirs = [], []
            for _ in range(a.rounds):
                ours.append(train_bert.nnbert_tokens_per_s(pretrain, config, 8, SEQ, steps, a.threads, precision)[0])
                theirs.append(train_bert.torch_tokens_per_s(config, 8, SEQ, steps, a.threads, precision)[0])
            mo, mt = sorted(ours)[len(ours) // 2], sorted(theirs)[len(theirs) // 2]
            flops = 3 * forward_flops_per_token(config, True)
            rows.append((f"train {config} b8 s128", precision, f"{mo:.0f} tok/s", f"{mt:.0f} tok/s", f"{mo / mt:.2f}×",
                         f"{100 * mo * flops / (peak[precision] * 1e9):.0f}%",
                         f"{100 * mt * flops / (peak[precision] * 1e9):.0f}%"))
            print(rows[-1], flush=True)
    # Long sequences: base at seq 512 (fewer steps: a step is about 4× as long).
    for precision in ["fp32", "bf16"]:
        ours, theirs = [], []
        for _ in range(a.rounds):
            ours.append(train_bert.nnbert_tokens_per_s(pretrain, "base", 8, 512, 4, a.threads, precision)[0])
            theirs.append(train_bert.torch_tokens_per_s("base", 8, 512, 4, a.threads, precision)[0])
        mo, mt = sorted(ours)[len(ours) // 2], sorted(theirs)[len(theirs) // 2]
        flops = 3 * forward_flops_per_token("base", True, 512)
        rows.append(("train base b8 s512", precision, f"{mo:.0f} tok/s", f"{mt:.0f} tok/s", f"{mo / mt:.2f}×",
                     f"{100 * mo * flops / (peak[precision] * 1e9):.0f}%",
                     f"{100 * mt * flops / (peak[precision] * 1e9):.0f}%"))
        print(rows[-1], flush=True)
    # Beside a busy core (apps' OpenMP default against PyTorch's): tokens/s loaded, slowdown in brackets.
    load = under_load.measure(pretrain, "base", 8, a.threads, 1)
    lo, lt = load[("nnbert", "loaded")], load[("torch", "loaded")]
    rows.append(("train base b8 s128, one core busy", "fp32",
                 f"{lo:.0f} tok/s ({load[('nnbert', 'quiet')] / lo:.2f}× slower)",
                 f"{lt:.0f} tok/s ({load[('torch', 'quiet')] / lt:.2f}× slower)", f"{lo / lt:.2f}×", "—", "—"))
    print(rows[-1], flush=True)
    for batch, seq in [(1, SEQ), (8, SEQ), (1, 512)]:
        for precision in ["fp32", "bf16", "int8"]:
            if seq == 512 and precision == "int8":
                continue
            mo, mt = encoder_inference.compare(latency, "base", batch, seq, precision, a.threads, a.rounds)
            flops = forward_flops_per_token("base", False, seq) * batch * seq
            rows.append((f"encoder base b{batch} s{seq}", precision, f"{mo:.1f} ms", f"{mt:.1f} ms",
                         f"{mt / mo:.2f}× (latency {mo / mt:.2f})",
                         f"{100 * flops / (mo * 1e-3) / (peak[precision] * 1e9):.0f}%" if precision in peak else "—",
                         f"{100 * flops / (mt * 1e-3) / (peak[precision] * 1e9):.0f}%" if precision in peak else "—"))
            print(rows[-1], flush=True)
    bench_decode = os.path.join(a.build, "bench", "bert", "bench_decode")
    decode.torch.set_num_threads(a.threads)
    for config in ["base"] if a.quick else ["mini", "small", "base"]:
        path = decode.ensure_checkpoint("/tmp/nnbert-decode-ckpt", config)
        model, _, _ = decode.load_checkpoint(path)
        decode.torch_run(model, 1, 32, 8)  # warm-up
        ours, theirs = [], []
        for _ in range(a.rounds):
            ours.append(decode.ours_run(bench_decode, path, 1, 32, 64, a.threads)[1])
            theirs.append(decode.torch_run(model, 1, 32, 64)[1])
        mo, mt = sorted(ours)[len(ours) // 2], sorted(theirs)[len(theirs) // 2]
        layers, hidden = train_bert.SIZES[config]
        flops = 2 * (layers * (4 * hidden * hidden + 8 * hidden * hidden) + hidden * hidden + hidden * VOCAB)
        rows.append((f"decode {config} b1", "fp32", f"{mo:.1f} tok/s", f"{mt:.1f} tok/s", f"{mo / mt:.2f}×",
                     f"{100 * mo * flops / (peak['fp32'] * 1e9):.0f}%", f"{100 * mt * flops / (peak['fp32'] * 1e9):.0f}%"))
        print(rows[-1], flush=True)
    print()
    print(f"**CPU:** {cpu_header()}. MFU over the measured GEMM peaks: fp32 {peak['fp32']:.0f}, "
          f"bf16 {peak['bf16']:.0f} GFLOP/s ({a.threads} threads).")
    print()
    print(f"| workload | precision | nnbert | PyTorch 1.13 | speed-up | MFU nnbert | MFU PyTorch |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
