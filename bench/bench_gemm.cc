// bench_gemm.cc — our GEMM wrapper against the raw OpenBLAS (cblas_sgemm) and oneDNN
// (dnnl_sgemm) calls, and the matmul and linear ops, on BERT shapes in GFLOP/s. The PyTorch side
// is bench/vs_torch/ops_matmul_attention.py.
//
//   NNBERT_THREADS=2 <build>/bench/bench_core --benchmark_filter='Gemm|Matmul|Linear'
//
// Gemm benchmarks run the three products a Linear layer makes, with its transposes, for `tokens`
// rows: pass 0 forward y = x·Wᵀ (tokens×out×in), pass 1 dx = dY·W (tokens×in×out), pass 2
// dW = dYᵀ·X (out×in×tokens). Each costs 2·tokens·in·out flops. Shapes: bert-base's linears at
// 2048, 1024 (a batch-8 training step) and 128 tokens (encoder batch 1); one attention head (128 tokens, in 64, out 128: QKᵀ, dS·K, dSᵀ·Q); and decoding
// one token (tokens = 1: the FFN up-projection and the 30522-word decoder).
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <dnnl.h>

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
Product linear_pass(int64_t in, int64_t out, int64_t pass, int64_t tokens) {
  if (pass == 0) return {false, true, tokens, out, in};   // x (tokens,in) · W (out,in)ᵀ
  if (pass == 1) return {false, false, tokens, in, out};  // dY (tokens,out) · W (out,in)
  return {true, false, out, in, tokens};                  // dY (tokens,out)ᵀ · X (tokens,in)
}

enum class Backend { kOpenBlas, kOneDnn, kOurs, kOursBf16 };

// Times one backend on the product (in, out, pass, tokens) of state.
void run_gemm(benchmark::State& state, Backend backend) {
  const Product p = linear_pass(state.range(0), state.range(1), state.range(2), state.range(3));
  const Tensor a = Tensor::randn({p.M * p.K}, 1), b = Tensor::randn({p.K * p.N}, 2);
  Tensor c = Tensor::empty({p.M * p.N});
  const int64_t lda = p.ta ? p.M : p.K, ldb = p.tb ? p.K : p.N;
  const nn::kernels::GemmPrecisionScope precision(backend == Backend::kOursBf16 ? nn::kernels::GemmPrecision::kBf16
                                                                                 : nn::kernels::GemmPrecision::kF32);
  for (auto _ : state) {
    if (backend == Backend::kOpenBlas)
      cblas_sgemm(CblasRowMajor, p.ta ? CblasTrans : CblasNoTrans, p.tb ? CblasTrans : CblasNoTrans,
                  static_cast<int>(p.M), static_cast<int>(p.N), static_cast<int>(p.K), 1.f, a.data(),
                  static_cast<int>(lda), b.data(), static_cast<int>(ldb), 0.f, c.data(), static_cast<int>(p.N));
    else if (backend == Backend::kOneDnn)
      dnnl_sgemm(p.ta ? 'T' : 'N', p.tb ? 'T' : 'N', p.M, p.N, p.K, 1.f, a.data(), lda, b.data(), ldb,
                 0.f, c.data(), p.N);
    else
      nn::kernels::gemm(p.ta, p.tb, p.M, p.N, p.K, 1.f, a.data(), lda, b.data(), ldb, 0.f, c.data(), p.N);
    benchmark::DoNotOptimize(c.data());
  }
  set_flops(state, 2.0 * p.M * p.N * p.K);
}

void BM_GemmOpenBlas(benchmark::State& state) { run_gemm(state, Backend::kOpenBlas); }
void BM_GemmOneDnn(benchmark::State& state) { run_gemm(state, Backend::kOneDnn); }
void BM_GemmOurs(benchmark::State& state) { run_gemm(state, Backend::kOurs); }
// gemm() in bf16 precision: operands rounded to bf16 per call (included in the time).
void BM_GemmOursBf16(benchmark::State& state) { run_gemm(state, Backend::kOursBf16); }

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
  b->ArgNames({"in", "out", "pass", "tokens"});
  for (int64_t tokens : {kTokens, int64_t{1024}, int64_t{128}})  // 1024: a b8 training step, 128: b1
    for (int64_t pass : {0, 1, 2})
      b->Args({768, 768, pass, tokens})->Args({768, 3072, pass, tokens})->Args({3072, 768, pass, tokens});
  for (int64_t pass : {0, 1, 2}) b->Args({64, 128, pass, 128});  // one attention head
  b->Args({768, 3072, 0, 1})->Args({768, 30522, 0, 1});         // decoding one token
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

// Decode-step products: a few rows x (M, in) times a weight W (out, in), y = x·Wᵀ, with
// kernels::gemm (backend 0), raw OpenBLAS cblas_sgemm (1) or raw oneDNN dnnl_sgemm (2). Sets GB/s
// of weight read (the cost of a decode step is reading the weights).
//
//   NNBERT_THREADS=2 <build>/bench/bench_core --benchmark_filter=GemmSmallM
void BM_GemmSmallM(benchmark::State& state) {
  const int64_t M = state.range(0), in = state.range(1), out = state.range(2);
  const int64_t backend = state.range(3);
  const Tensor x = Tensor::randn({M * in}, 1), w = Tensor::randn({out * in}, 2);
  Tensor y = Tensor::empty({M * out});
  for (auto _ : state) {
    if (backend == 1)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(M), static_cast<int>(out),
                  static_cast<int>(in), 1.f, x.data(), static_cast<int>(in), w.data(), static_cast<int>(in), 0.f,
                  y.data(), static_cast<int>(out));
    else if (backend == 2)
      dnnl_sgemm('N', 'T', M, out, in, 1.f, x.data(), in, w.data(), in, 0.f, y.data(), out);
    else
      nn::kernels::gemm(false, true, M, out, in, 1.f, x.data(), in, w.data(), in, 0.f, y.data(), out);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GB/s"] = benchmark::Counter(4.0 * static_cast<double>(in * out),
                                              benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
void small_m_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "in", "out", "backend"});
  for (int64_t backend : {0, 1, 2})
    for (int64_t M : {1, 2, 3, 4, 8})
      b->Args({M, 768, 768, backend})->Args({M, 768, 3072, backend})->Args({M, 3072, 768, backend})
          ->Args({M, 768, 30522, backend});
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}
BENCHMARK(BM_GemmSmallM)->Apply(small_m_shapes);


BENCHMARK(BM_GemmOpenBlas)->Apply(gemm_shapes);
BENCHMARK(BM_GemmOneDnn)->Apply(gemm_shapes);
BENCHMARK(BM_GemmOurs)->Apply(gemm_shapes);
BENCHMARK(BM_GemmOursBf16)->Apply(gemm_shapes);
BENCHMARK(BM_Matmul)->Apply(linear_shapes);
BENCHMARK(BM_LinearForward)->Apply(linear_shapes);
BENCHMARK(BM_LinearBackward)->Apply(linear_shapes);

}  // namespace
