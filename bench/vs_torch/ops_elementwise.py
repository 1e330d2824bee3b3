# ops_elementwise.py — the PyTorch side of bench/bench_elementwise.cc: GELU (erf form) forward and
# backward on (2048, 3072), a broadcast bias add (2048, 3072) + (3072) and a sum over all elements,
# with the same shapes, thread count and GB/s accounting as our benchmark.
#
# Run (2 threads, the OpenMP OpenBLAS that torch's own OpenMP threads do not fight with):
#   LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
#       bench/vs_torch/ops_elementwise.py
# Compare with:  build/bench/bench_core --benchmark_filter='Gelu|BiasAdd|SumAll'
#
# GB/s counts the bytes each op must move at least once: forward reads x and writes y (2·4·n);
# backward reads x and dy and writes dx (3·4·n); bias add reads x (+ the small bias) and writes y;
# sum reads x. Times are the median and the best of repetitions of a timed loop (on a shared
# machine the best is the least disturbed run; compare it with Google Benchmark's _min).
import statistics
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
ROWS, COLS = 2048, 3072
N = ROWS * COLS


def time_seconds(fn, iters=20, reps=7):
    """(median, best) over `reps` runs of the mean time of `iters` calls of fn (after a warm-up)."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        times.append((time.perf_counter() - t0) / iters)
    return statistics.median(times), min(times)


def report(name, times, nbytes):
    median, best = times
    print(f"{name:<28} median {median * 1e3:8.3f} ms {nbytes / median / 1e9:7.2f} GB/s"
          f"   best {best * 1e3:8.3f} ms {nbytes / best / 1e9:7.2f} GB/s")


def main():
    torch.manual_seed(0)
    x = torch.randn(ROWS, COLS)
    gy = torch.randn(ROWS, COLS)
    bias = torch.randn(COLS)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")

    report("gelu forward", time_seconds(lambda: F.gelu(x)), 2 * 4 * N)
    # The backward kernel autograd runs for GELU (what y.backward(gy) costs minus graph overhead).
    report("gelu backward", time_seconds(lambda: torch.ops.aten.gelu_backward(gy, x)), 3 * 4 * N)
    # Through autograd: forward once with a graph, then the backward pass only.
    xr = x.clone().requires_grad_()
    y = F.gelu(xr)
    report("gelu backward (autograd)",
           time_seconds(lambda: torch.autograd.grad(y, xr, gy, retain_graph=True)), 3 * 4 * N)
    report("bias add (2048,3072)+(3072)", time_seconds(lambda: x + bias), 2 * 4 * N + 4 * COLS)
    report("sum all", time_seconds(lambda: x.sum()), 4 * N)


if __name__ == "__main__":
    main()
