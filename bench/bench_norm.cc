// bench_norm.cc — softmax, layer_norm and fused cross-entropy through the ops (what a model
// pays: allocation from the caching allocator, contiguity checks, the kernels), forward and
// backward timed separately. The PyTorch side is bench/vs_torch/ops_norm.py.
//
//   NNBERT_THREADS=2 <build>/bench/bench_core --benchmark_filter='Softmax|LayerNorm|CrossEntropy'
//       --benchmark_repetitions=60 --benchmark_min_time=0.002 --benchmark_report_aggregates_only=true
//
// Backward calls the recorded node's backward function directly on a graph built once, like
// torch.autograd.grad on a retained graph (no accumulation into .grad). GB/s counts the tensors
// each pass must touch: forward reads x and writes y; backward reads y (or x) and gy, writes gx.
// On aggregate rows GB/s is that statistic of the per-run rates (the _min row shows the lowest
// rate, not the fastest run's): take bytes / time of the _min row for the best rate.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

#include "core/autograd.h"
#include "core/ops.h"

namespace {

using nn::Tensor;

// Sets the GB/s counter from bytes touched per iteration.
void set_bandwidth(benchmark::State& state, double bytes) {
  state.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}

// Times the backward function of y's node for upstream gradient gy.
void time_backward(benchmark::State& state, const Tensor& y, const Tensor& gy) {
  nn::NoGradGuard no_grad;  // as in the engine
  for (auto _ : state) {
    std::vector<Tensor> g = y.grad_fn()->backward(gy);
    benchmark::DoNotOptimize(g[0].data());
  }
}

constexpr int64_t kSoftmaxRows = 8 * 12 * 128, kSoftmaxCols = 128;  // attention scores
constexpr int64_t kLnRows = 2048, kLnCols = 768;                   // batch 16 × 128 tokens, bert-base

void BM_SoftmaxForward(benchmark::State& state) {
  const Tensor x = Tensor::randn({kSoftmaxRows, kSoftmaxCols}, 1);
  for (auto _ : state) benchmark::DoNotOptimize(nn::softmax(x).data());
  set_bandwidth(state, 2.0 * 4 * kSoftmaxRows * kSoftmaxCols);
}

void BM_SoftmaxBackward(benchmark::State& state) {
  Tensor x = Tensor::randn({kSoftmaxRows, kSoftmaxCols}, 1);
  x.requires_grad_();
  const Tensor y = nn::softmax(x);
  time_backward(state, y, Tensor::randn(y.shape(), 2));
  set_bandwidth(state, 3.0 * 4 * kSoftmaxRows * kSoftmaxCols);
}

void BM_LayerNormForward(benchmark::State& state) {
  const Tensor x = Tensor::randn({kLnRows, kLnCols}, 1);
  const Tensor g = Tensor::randn({kLnCols}, 2), b = Tensor::randn({kLnCols}, 3);
  for (auto _ : state) benchmark::DoNotOptimize(nn::layer_norm(x, g, b, 1e-12f).data());
  set_bandwidth(state, 2.0 * 4 * kLnRows * kLnCols);
}

void BM_LayerNormBackward(benchmark::State& state) {
  Tensor x = Tensor::randn({kLnRows, kLnCols}, 1);
  Tensor g = Tensor::randn({kLnCols}, 2), b = Tensor::randn({kLnCols}, 3);
  x.requires_grad_();
  g.requires_grad_();
  b.requires_grad_();
  const Tensor y = nn::layer_norm(x, g, b, 1e-12f);
  time_backward(state, y, Tensor::randn(y.shape(), 4));
  set_bandwidth(state, 3.0 * 4 * kLnRows * kLnCols);
}

// Gathered MLM logits (rows, 30522): targets with every 7th row ignored.
Tensor mlm_targets(int64_t rows, int64_t classes) {
  std::vector<int64_t> t(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) t[static_cast<size_t>(r)] = r % 7 == 0 ? -100 : (r * 7919) % classes;
  return Tensor::from_ids({rows}, t);
}

void BM_CrossEntropyForward(benchmark::State& state) {
  const int64_t rows = state.range(0), classes = 30522;
  const Tensor x = Tensor::randn({rows, classes}, 1), t = mlm_targets(rows, classes);
  for (auto _ : state) benchmark::DoNotOptimize(nn::cross_entropy(x, t).item());
  set_bandwidth(state, 4.0 * rows * classes);
}

// Forward with the gradient written, then backward (which hands that gradient back).
void BM_CrossEntropyForwardBackward(benchmark::State& state) {
  const int64_t rows = state.range(0), classes = 30522;
  Tensor x = Tensor::randn({rows, classes}, 1);
  x.requires_grad_();
  const Tensor t = mlm_targets(rows, classes), one = Tensor::full({}, 1.f);
  for (auto _ : state) {
    const Tensor loss = nn::cross_entropy(x, t);
    nn::NoGradGuard no_grad;
    benchmark::DoNotOptimize(loss.grad_fn()->backward(one)[0].data());
  }
  set_bandwidth(state, 2.0 * 4 * rows * classes);
}

// Registers a benchmark in µs of wall time; with repetitions (see the file comment) it also
// reports _min, the least disturbed run on a shared machine.
void configure(benchmark::internal::Benchmark* b) {
  b->Unit(benchmark::kMicrosecond)->UseRealTime()->ComputeStatistics(
      "min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
}

}  // namespace

BENCHMARK(BM_SoftmaxForward)->Apply(configure);
BENCHMARK(BM_SoftmaxBackward)->Apply(configure);
BENCHMARK(BM_LayerNormForward)->Apply(configure);
BENCHMARK(BM_LayerNormBackward)->Apply(configure);
BENCHMARK(BM_CrossEntropyForward)->Arg(160)->Arg(2048)->Apply(configure);
BENCHMARK(BM_CrossEntropyForwardBackward)->Arg(160)->Arg(2048)->Apply(configure);
