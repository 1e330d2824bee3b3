# ops_matmul_attention.py — the PyTorch side of bench/bench_gemm.cc and bench/bench_attention.cc:
# GEMM (torch.matmul / F.linear with the transposes BERT uses) on M=2048 tokens, and attention as
# HF BertSelfAttention computes it (PyTorch 1.13 has no fused SDPA):
#   softmax(q @ k.transpose(-1, -2) / 8 + mask) @ v   with q, k, v (B,T,H,D) permuted to (B,H,T,D).
#
# Run it fairly (2 threads, the OpenMP OpenBLAS so torch's threads do not fight BLAS's):
#   LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/vs_torch/ops_matmul_attention.py
# and compare with:
#   NNBERT_THREADS=2 <build>/bench/bench_core --benchmark_filter='Gemm|Matmul|Linear|Attention'
#
# Forward runs on inputs that do not require grad (no graph recorded). Backward is timed with
# torch.autograd.grad on a graph built once (retain_graph=True); fwd+bwd builds the graph each call.
import statistics
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)


def timeit(fn, min_time=1.0, repeats=5):
    """Median over `repeats` runs of the mean time per call, each run lasting ≥ min_time/repeats."""
    fn()  # warm-up (allocations, lazy init)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < min_time / repeats or n < 3:
        fn()
        n += 1
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)


def report(name, seconds, flops):
    print(f"{name:<40} {seconds * 1e3:9.3f} ms  {flops / seconds / 1e9:7.1f} GFLOP/s")


def bench_gemm(m, k, n):
    """C = A·B (torch.matmul), and Linear: forward x·Wᵀ, backward dY·W and dYᵀ·X."""
    flops = 2.0 * m * n * k
    a, b = torch.randn(m, k), torch.randn(k, n)
    report(f"matmul/{m}x{k}x{n}", timeit(lambda: torch.matmul(a, b)), flops)
    x, w, bias = torch.randn(m, k), torch.randn(n, k), torch.randn(n)
    dy = torch.randn(m, n)
    report(f"linear_fwd x·Wᵀ+b/{m}x{k}x{n}", timeit(lambda: F.linear(x, w, bias)), flops)
    report(f"linear_dx dY·W/{m}x{k}x{n}", timeit(lambda: torch.mm(dy, w)), flops)
    report(f"linear_dw dYᵀ·X/{m}x{k}x{n}", timeit(lambda: torch.mm(dy.t(), x)), flops)


def attention(q, k, v, mask, d):
    scores = torch.matmul(q, k.transpose(-1, -2)) / d ** 0.5 + mask
    return torch.matmul(torch.softmax(scores, -1), v)


def bench_attention(b, h, t, d):
    """q, k, v are (B,T,H,D) activations permuted to (B,H,T,D), as the BERT layer makes them."""
    flops = 4.0 * b * h * t * t * d  # QKᵀ and P·V
    qkv = [torch.randn(b, t, h, d).permute(0, 2, 1, 3) for _ in range(3)]
    keep = torch.ones(b, t)
    keep[:, t * 3 // 4:] = 0  # last quarter of every sequence is padding
    mask = ((1.0 - keep) * -10000.0)[:, None, None, :]  # HF extended mask (B,1,1,S)
    report(f"attention_fwd/{b}x{h}x{t}x{d}", timeit(lambda: attention(*qkv, mask, d)), flops)
    qg, kg, vg = (x.detach().requires_grad_() for x in qkv)
    y = attention(qg, kg, vg, mask, d)
    gy = torch.randn_like(y)
    report(f"attention_bwd/{b}x{h}x{t}x{d}",
           timeit(lambda: torch.autograd.grad(y, (qg, kg, vg), gy, retain_graph=True)), 2 * flops)

    def fwd_bwd():
        out = attention(qg, kg, vg, mask, d)
        torch.autograd.grad(out, (qg, kg, vg), gy)

    report(f"attention_fwd_bwd/{b}x{h}x{t}x{d}", timeit(fwd_bwd), 3 * flops)


if __name__ == "__main__":
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print("attention GFLOP/s counts the GEMMs only: fwd 4·B·H·T²·D, bwd twice that, fwd+bwd three times.")
    for k, n in ((768, 768), (768, 3072), (3072, 768)):
        bench_gemm(2048, k, n)
    bench_attention(8, 12, 128, 64)
