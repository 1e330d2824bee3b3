// bench_elementwise.cc — GELU forward and backward on (2048, 3072) (bert-base's intermediate
// activations for 16 × 128 tokens), a broadcast bias add (2048, 3072) + (3072), a sum over
// all elements, and dropout (p = 0.1) forward on bert-base's hidden states (8·128, 768) and
// attention probabilities (8·12·128, 128), through the ops (what a model pays: caching
// allocator, checks, kernels).
// The PyTorch side is bench/vs_torch/ops_elementwise.py.
//
//   NNBERT_THREADS=2 <build>/bench/bench_core --benchmark_filter='Gelu|BiasAdd|SumAll|Dropout'
//       --benchmark_repetitions=7 --benchmark_report_aggregates_only=true   (one line)
//
// With repetitions each benchmark also reports _min (the least disturbed run on a shared
// machine; the PyTorch script prints its best too).
//
// Backward calls the recorded node's backward function directly on a graph built once, like
// torch.autograd.grad on a retained graph (no accumulation into .grad). GB/s counts the tensors
// each pass must touch: forward reads x and writes y; backward reads x and gy, writes gx.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

#include "core/autograd.h"
#include "core/ops.h"

namespace {

using nn::Tensor;

constexpr int64_t kRows = 2048, kCols = 3072;
constexpr double kElems = static_cast<double>(kRows * kCols);

// Sets the GB/s counter from bytes touched per iteration.
void set_bandwidth(benchmark::State& state, double bytes) {
  state.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}

void BM_GeluForward(benchmark::State& state) {
  const Tensor x = Tensor::randn({kRows, kCols}, 1);
  for (auto _ : state) benchmark::DoNotOptimize(nn::gelu(x).data());
  set_bandwidth(state, 2.0 * 4 * kElems);
}

void BM_GeluBackward(benchmark::State& state) {
  Tensor x = Tensor::randn({kRows, kCols}, 1);
  x.requires_grad_();
  const Tensor y = nn::gelu(x);
  const Tensor gy = Tensor::randn(y.shape(), 2);
  nn::NoGradGuard no_grad;  // as in the engine
  for (auto _ : state) {
    std::vector<Tensor> g = y.grad_fn()->backward(gy);
    benchmark::DoNotOptimize(g[0].data());
  }
  set_bandwidth(state, 3.0 * 4 * kElems);
}

void BM_BiasAdd(benchmark::State& state) {
  const Tensor x = Tensor::randn({kRows, kCols}, 1), b = Tensor::randn({kCols}, 2);
  for (auto _ : state) benchmark::DoNotOptimize(nn::add(x, b).data());
  set_bandwidth(state, 2.0 * 4 * kElems + 4.0 * kCols);
}

void BM_SumAll(benchmark::State& state) {
  const Tensor x = Tensor::randn({kRows, kCols}, 1);
  for (auto _ : state) benchmark::DoNotOptimize(nn::sum(x).data());
  set_bandwidth(state, 4 * kElems);
}

// Dropout forward with p = 0.1 on a (range(0), range(1)) tensor.
void BM_DropoutForward(benchmark::State& state) {
  const Tensor x = Tensor::randn({state.range(0), state.range(1)}, 1);
  for (auto _ : state) benchmark::DoNotOptimize(nn::dropout(x, 0.1f, true, 7).data());
  set_bandwidth(state, 2.0 * 4 * static_cast<double>(x.numel()));
}

// Registers fn in µs of wall time, with a "min" statistic over repetitions.
benchmark::internal::Benchmark* add(const char* name, void (*fn)(benchmark::State&)) {
  return benchmark::RegisterBenchmark(name, fn)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime()
      ->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
}

[[maybe_unused]] const bool registered = [] {
  add("BM_GeluForward", BM_GeluForward);
  add("BM_GeluBackward", BM_GeluBackward);
  add("BM_BiasAdd", BM_BiasAdd);
  add("BM_SumAll", BM_SumAll);
  add("BM_DropoutForward", BM_DropoutForward)->Args({8 * 128, 768})->Args({8 * 12 * 128, 128});
  return true;
}();

}  // namespace
