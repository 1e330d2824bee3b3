// bench_gemm.cc — our GEMM wrapper against raw cblas_sgemm, and the matmul and linear ops, on
// BERT shapes: M = 2048 tokens, (in, out) ∈ {768×768, 768×3072, 3072×768}, in GFLOP/s. The
// PyTorch side is bench/vs_torch/ops_matmul_attention.py.
//
//   NNBERT_THREADS=2 <build>/bench/bench_core --benchmark_filter='Gemm|Matmul|Linear'
//
// Gemm benchmarks run the three products a Linear layer makes, with its transposes:
// pass 0 forward y = x·Wᵀ (2048×out×in), pass 1 dx = dY·W (2048×in×out), pass 2 dW = dYᵀ·X
// (out×in×2048). Each costs 2·2048·in·out flops.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include "core/autograd.h"
#include "core/kernels/gemm.h"
#include "core/ops.h"

namespace {

using nn::Tensor;
constexpr int64_t kTokens = 2048;

// Sets the GFLOP/s counter from flops per iteration.
void set_flops(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

// One of the three Linear products (pass 0, 1, 2 above) as gemm arguments, row-major.
struct Product {
  bool ta, tb;
  int64_t M, N, K;
};
Product linear_pass(int64_t in, int64_t out, int64_t pass) {
  if (pass == 0) return {false, true, kTokens, out, in};   // x (2048,in) · W (out,in)ᵀ
  if (pass == 1) return {false, false, kTokens, in, out};  // dY (2048,out) · W (out,in)
  return {true, false, out, in, kTokens};                  // dY (2048,out)ᵀ · X (2048,in)
}

// Times raw cblas_sgemm (raw = true) or kernels::gemm on the product (in, out, pass) of state.
void run_gemm(benchmark::State& state, bool raw) {
  const Product p = linear_pass(state.range(0), state.range(1), state.range(2));
  const Tensor a = Tensor::randn({p.M * p.K}, 1), b = Tensor::randn({p.K * p.N}, 2);
  Tensor c = Tensor::empty({p.M * p.N});
  const int64_t lda = p.ta ? p.M : p.K, ldb = p.tb ? p.K : p.N;
  for (auto _ : state) {
    if (raw)
      cblas_sgemm(CblasRowMajor, p.ta ? CblasTrans : CblasNoTrans, p.tb ? CblasTrans : CblasNoTrans,
                  static_cast<int>(p.M), static_cast<int>(p.N), static_cast<int>(p.K), 1.f, a.data(),
                  static_cast<int>(lda), b.data(), static_cast<int>(ldb), 0.f, c.data(), static_cast<int>(p.N));
    else
      nn::kernels::gemm(p.ta, p.tb, p.M, p.N, p.K, 1.f, a.data(), lda, b.data(), ldb, 0.f, c.data(), p.N);
    benchmark::DoNotOptimize(c.data());
  }
  set_flops(state, 2.0 * p.M * p.N * p.K);
}

void BM_GemmRaw(benchmark::State& state) { run_gemm(state, true); }
void BM_GemmOurs(benchmark::State& state) { run_gemm(state, false); }

// The matmul op: (2048, in) · (in, out).
void BM_Matmul(benchmark::State& state) {
  const int64_t in = state.range(0), out = state.range(1);
  const Tensor a = Tensor::randn({kTokens, in}, 1), b = Tensor::randn({in, out}, 2);
  for (auto _ : state) benchmark::DoNotOptimize(nn::matmul(a, b).data());
  set_flops(state, 2.0 * kTokens * in * out);
}

// The linear op forward: y = x·Wᵀ + b (bias fused into the GEMM).
void BM_LinearForward(benchmark::State& state) {
  const int64_t in = state.range(0), out = state.range(1);
  const Tensor x = Tensor::randn({kTokens, in}, 1), w = Tensor::randn({out, in}, 2), b = Tensor::randn({out}, 3);
  for (auto _ : state) benchmark::DoNotOptimize(nn::linear(x, w, b).data());
  set_flops(state, 2.0 * kTokens * in * out);
}

// The linear op backward node: dx = dY·W, dW = dYᵀ·X, db = Σ rows dY (two GEMMs).
void BM_LinearBackward(benchmark::State& state) {
  const int64_t in = state.range(0), out = state.range(1);
  Tensor x = Tensor::randn({kTokens, in}, 1), w = Tensor::randn({out, in}, 2), b = Tensor::randn({out}, 3);
  x.requires_grad_();
  w.requires_grad_();
  b.requires_grad_();
  const Tensor y = nn::linear(x, w, b), gy = Tensor::randn(y.shape(), 4);
  nn::NoGradGuard no_grad;  // as in the engine
  for (auto _ : state) benchmark::DoNotOptimize(y.grad_fn()->backward(gy)[0].data());
  set_flops(state, 4.0 * kTokens * in * out);
}

// (in, out) of bert-base's Linear layers: attention/output projections, FFN up, FFN down.
void linear_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"in", "out"})->Args({768, 768})->Args({768, 3072})->Args({3072, 768});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}
void gemm_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"in", "out", "pass"});
  for (int64_t pass : {0, 1, 2}) b->Args({768, 768, pass})->Args({768, 3072, pass})->Args({3072, 768, pass});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

// Decode-step products: a few rows x (M, in) times a weight W (out, in), y = x·Wᵀ, with raw
// cblas_sgemm (raw = 1) or kernels::gemm (raw = 0, GEMV rows for small M). Sets GB/s of weight
// read (the cost of a decode step is reading the weights).
//
//   NNBERT_THREADS=2 <build>/bench/bench_core --benchmark_filter=GemmSmallM
void BM_GemmSmallM(benchmark::State& state) {
  const int64_t M = state.range(0), in = state.range(1), out = state.range(2);
  const bool raw = state.range(3) != 0;
  const Tensor x = Tensor::randn({M * in}, 1), w = Tensor::randn({out * in}, 2);
  Tensor y = Tensor::empty({M * out});
  for (auto _ : state) {
    if (raw)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(M), static_cast<int>(out),
                  static_cast<int>(in), 1.f, x.data(), static_cast<int>(in), w.data(), static_cast<int>(in), 0.f,
                  y.data(), static_cast<int>(out));
    else
      nn::kernels::gemm(false, true, M, out, in, 1.f, x.data(), in, w.data(), in, 0.f, y.data(), out);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GB/s"] = benchmark::Counter(4.0 * static_cast<double>(in * out),
                                              benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
void small_m_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "in", "out", "raw"});
  for (int64_t raw : {1, 0})
    for (int64_t M : {1, 2, 3, 4, 8})
      b->Args({M, 768, 768, raw})->Args({M, 768, 3072, raw})->Args({M, 3072, 768, raw})->Args({M, 768, 30522, raw});
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}
BENCHMARK(BM_GemmSmallM)->Apply(small_m_shapes);

BENCHMARK(BM_GemmRaw)->Apply(gemm_shapes);
BENCHMARK(BM_GemmOurs)->Apply(gemm_shapes);
BENCHMARK(BM_Matmul)->Apply(linear_shapes);
BENCHMARK(BM_LinearForward)->Apply(linear_shapes);
BENCHMARK(BM_LinearBackward)->Apply(linear_shapes);

}  // namespace
