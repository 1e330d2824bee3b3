# ops_norm.py — the PyTorch side of bench/bench_norm.cc: softmax, layer_norm and fused
# cross-entropy on the same shapes, forward and backward timed separately.
#
# Run it fairly (2 threads, the OpenMP OpenBLAS so torch's threads do not fight BLAS's):
#   LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/vs_torch/ops_norm.py
# and compare with:
#   NNBERT_THREADS=2 <build>/bench/bench_core --benchmark_filter='Softmax|LayerNorm|CrossEntropy'
#
# Forward runs on inputs that do not require grad (no graph recorded). Backward is timed with
# torch.autograd.grad on a graph built once (retain_graph=True), so only the backward kernels
# (and the engine's small overhead) are measured, never the forward. Cross-entropy is timed as
# forward alone and as forward + backward (the fused kernel does both in one sweep).
import statistics
import time

import torch

torch.set_num_threads(2)
torch.manual_seed(0)


def timeit(fn, sample_time=0.002, budget=1.5):
    """(median, best) of the mean time per call over many short timed loops (each lasting about
    sample_time, as many as fit in `budget` seconds, 5 to 100). On a shared machine the best is
    the least disturbed run; compare it with Google Benchmark's _min, the median with _median."""
    for _ in range(3):
        fn()  # warm-up (allocations, lazy init)
    t0 = time.perf_counter()
    fn()
    per_call = max(time.perf_counter() - t0, 1e-9)
    iters = max(1, int(sample_time / per_call))
    samples = min(100, max(5, int(budget / (iters * per_call))))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        times.append((time.perf_counter() - t0) / iters)
    return statistics.median(times), min(times)


def report(name, times, nbytes):
    median, best = times
    print(f"{name:<34} median {median * 1e6:10.1f} us {nbytes / median / 1e9:7.1f} GB/s"
          f"   best {best * 1e6:10.1f} us {nbytes / best / 1e9:7.1f} GB/s")


def bench_softmax(rows, cols):
    x = torch.randn(rows, cols)
    nb = 4 * rows * cols
    report(f"softmax_fwd/{rows}x{cols}", timeit(lambda: torch.softmax(x, -1)), 2 * nb)
    xg = x.clone().requires_grad_()
    y = torch.softmax(xg, -1)
    gy = torch.randn_like(y)
    report(f"softmax_bwd/{rows}x{cols}",
           timeit(lambda: torch.autograd.grad(y, xg, gy, retain_graph=True)), 3 * nb)


def bench_layer_norm(rows, cols):
    x = torch.randn(rows, cols)
    w, b = torch.randn(cols), torch.randn(cols)
    nb = 4 * rows * cols
    report(f"layer_norm_fwd/{rows}x{cols}",
           timeit(lambda: torch.nn.functional.layer_norm(x, (cols,), w, b, 1e-12)), 2 * nb)
    xg, wg, bg = (t.clone().requires_grad_() for t in (x, w, b))
    y = torch.nn.functional.layer_norm(xg, (cols,), wg, bg, 1e-12)
    gy = torch.randn_like(y)
    report(f"layer_norm_bwd/{rows}x{cols}",
           timeit(lambda: torch.autograd.grad(y, (xg, wg, bg), gy, retain_graph=True)), 3 * nb)


def bench_cross_entropy(rows, cols):
    logits = torch.randn(rows, cols)
    targets = torch.randint(0, cols, (rows,))
    targets[::7] = -100  # some ignored rows, as in MLM
    nb = 4 * rows * cols
    report(f"cross_entropy_fwd/{rows}x{cols}",
           timeit(lambda: torch.nn.functional.cross_entropy(logits, targets, ignore_index=-100)), nb)
    lg = logits.clone().requires_grad_()

    def fwd_bwd():
        loss = torch.nn.functional.cross_entropy(lg, targets, ignore_index=-100)
        torch.autograd.grad(loss, lg)

    report(f"cross_entropy_fwd_bwd/{rows}x{cols}", timeit(fwd_bwd), 2 * nb)


if __name__ == "__main__":
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print("GB/s counts the tensors each pass must touch: fwd reads x and writes y; bwd reads y (or x) "
          "and gy and writes gx; cross-entropy fwd reads logits, fwd+bwd also writes the gradient.")
    bench_softmax(8 * 12 * 128, 128)
    bench_layer_norm(2048, 768)
    bench_cross_entropy(160, 30522)
    bench_cross_entropy(2048, 30522)
