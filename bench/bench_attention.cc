// bench_attention.cc — fused attention at bert-base training shapes, B=8, H=12, T=S=128, D=64,
// with a padding mask (last quarter of every sequence), q, k, v in the BERT layer's layout
// ((B,T,H,D) activations permuted to (B,H,T,D)). The PyTorch side is
// bench/vs_torch/ops_matmul_attention.py.
//
//   NNBERT_THREADS=2 <build>/bench/bench_core --benchmark_filter='Attention'
//
// GFLOP/s counts the GEMMs only, as for PyTorch: forward 4·B·H·T·S·D (QKᵀ and P·V), backward
// twice that (dV, dP, dQ, dK), forward+backward three times. Backward calls the recorded node's
// backward on a graph built once (like torch.autograd.grad with retain_graph).
// BM_AttentionDropoutForwardBackward runs the whole graph (leaf grads included) with attention
// dropout 0.1, fused or composed from the separate ops.
// BM_AttentionKernelBackward compares the two backward strategies of the kernel: probabilities
// kept by the forward (keep=1) against recomputed from the log-sum-exp (keep=0).
// BM_AttentionPrecision: fp32 against bf16 products, forward and forward + backward, seq 128 and 512.
// BM_AttentionPackedForwardBackward: rows packed with instances of 56, 40, 24 and 8 tokens
// (segments=1: attention within each instance only, skipping the rest) against the same rows
// attended whole (segments=0, what a block-diagonal additive mask would cost); GFLOP/s counts the
// dense work in both, so the ratio of the two is the speed-up.
#include <benchmark/benchmark.h>

#include <utility>
#include <vector>

#include "core/autograd.h"
#include "core/kernels/attention.h"
#include "core/kernels/gemm.h"
#include "core/ops.h"

namespace {

using nn::Tensor;
constexpr int64_t kB = 8, kH = 12, kT = 128, kD = 64;

// Sets the GFLOP/s counter from flops per iteration.
void set_flops(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}
constexpr double kForwardFlops = 4.0 * kB * kH * kT * kT * kD;

// q, k, v (B,H,T,D) as permuted (B,T,H,D) activations, and the (B,S) padding mask.
struct Inputs {
  Tensor q, k, v, mask;
  explicit Inputs(bool grad, int64_t T = kT) {
    Tensor* qkv[] = {&q, &k, &v};
    for (int i = 0; i < 3; ++i) {
      Tensor x = Tensor::randn({kB, T, kH, kD}, 1 + i);
      if (grad) x.requires_grad_();
      *qkv[i] = nn::permute(x, {0, 2, 1, 3});
    }
    std::vector<float> m(kB * T, 0.f);
    for (int64_t b = 0; b < kB; ++b)
      for (int64_t j = T * 3 / 4; j < T; ++j) m[b * T + j] = -10000.f;
    mask = Tensor::from_data({kB, T}, m);
  }
};

void BM_AttentionForward(benchmark::State& state) {
  const Inputs in(false);
  for (auto _ : state) benchmark::DoNotOptimize(nn::attention(in.q, in.k, in.v, in.mask, false).data());
  set_flops(state, kForwardFlops);
}

void BM_AttentionBackward(benchmark::State& state) {
  const Inputs in(true);
  const Tensor y = nn::attention(in.q, in.k, in.v, in.mask, false);
  const Tensor gy = Tensor::randn(y.shape(), 9);
  nn::NoGradGuard no_grad;  // as in the engine
  for (auto _ : state) benchmark::DoNotOptimize(y.grad_fn()->backward(gy)[0].data());
  set_flops(state, 2 * kForwardFlops);
}

void BM_AttentionForwardBackward(benchmark::State& state) {
  const Inputs in(true);
  const Tensor gy = Tensor::randn({kB, kH, kT, kD}, 9);
  for (auto _ : state) {
    const Tensor y = nn::attention(in.q, in.k, in.v, in.mask, false);
    nn::NoGradGuard no_grad;
    benchmark::DoNotOptimize(y.grad_fn()->backward(gy)[0].data());
  }
  set_flops(state, 3 * kForwardFlops);
}

// Forward + backward (the whole graph, into the leaves' grads) with dropout 0.1 on the
// probabilities: fused in the attention op (fused=1) or composed from matmul, scale, mask add,
// softmax, dropout and matmul (fused=0, the path BERT took before the fusion).
void BM_AttentionDropoutForwardBackward(benchmark::State& state) {
  const bool fused = state.range(0) == 1;
  const Inputs in(true);
  const Tensor gy = Tensor::randn({kB, kH, kT, kD}, 9), mask = nn::reshape(in.mask, {kB, 1, 1, kT});
  const auto composed = [&] {
    const Tensor scores = nn::add(nn::mul(nn::matmul(in.q, in.k, false, true), 0.125f), mask);
    return nn::matmul(nn::dropout(nn::softmax(scores), 0.1f, true, 5), in.v);
  };
  for (auto _ : state) {
    const Tensor y = fused ? nn::attention(in.q, in.k, in.v, in.mask, false, 0.1f, 5) : composed();
    y.backward(gy, /*retain_graph=*/true);  // the inputs' permute nodes serve every iteration
  }
  set_flops(state, 3 * kForwardFlops);
}

// The kernel's backward with kept (range(0) == 1) or recomputed (0) probabilities.
void BM_AttentionKernelBackward(benchmark::State& state) {
  const bool keep = state.range(0) == 1;
  const Inputs in(false);
  const nn::kernels::AttentionDims dims{kB, kH, kT, kT, kD, in.mask.data(), false};
  const nn::kernels::HeadsLayout l{kT * kH * kD, kD, kH * kD};  // (B,T,H,D) memory
  Tensor out = Tensor::empty({kB, kT, kH, kD}), lse = Tensor::empty({kB, kH, kT});
  Tensor probs = Tensor::empty({kB, kH, kT, kT}), gy = Tensor::randn({kB, kT, kH, kD}, 9);
  std::vector<Tensor> grads;
  for (int i = 0; i < 3; ++i) grads.push_back(Tensor::empty({kB, kT, kH, kD}));
  nn::kernels::attention_forward(dims, in.q.data(), l, in.k.data(), l, in.v.data(), l, out.data(), l, lse.data(),
                                 probs.data());
  for (auto _ : state) {
    nn::kernels::attention_backward(dims, in.q.data(), l, in.k.data(), l, in.v.data(), l, out.data(), l, gy.data(),
                                    l, lse.data(), keep ? probs.data() : nullptr, grads[0].data(), l,
                                    grads[1].data(), l, grads[2].data(), l);
    benchmark::DoNotOptimize(grads[0].data());
  }
  set_flops(state, 2 * kForwardFlops);
}

// Forward + backward of the op on packed rows, with or without their segments (range(0)).
void BM_AttentionPackedForwardBackward(benchmark::State& state) {
  const bool segmented = state.range(0) == 1;
  const Inputs in(true);
  std::vector<int64_t> ids;
  for (int64_t b = 0; b < kB; ++b)
    for (const auto& [id, len] : {std::pair<int64_t, int64_t>{0, 56}, {1, 40}, {2, 24}, {3, 8}})
      ids.insert(ids.end(), static_cast<size_t>(len), id);
  const Tensor segments = Tensor::from_ids({kB, kT}, ids), gy = Tensor::randn({kB, kH, kT, kD}, 9);
  for (auto _ : state) {
    const Tensor y = nn::attention(in.q, in.k, in.v, Tensor(), false, 0.f, 0, segmented ? segments : Tensor());
    nn::NoGradGuard no_grad;
    benchmark::DoNotOptimize(y.grad_fn()->backward(gy)[0].data());
  }
  set_flops(state, 3 * kForwardFlops);
}

// Forward (pass=0) or forward + backward (pass=1) at T = S = seq, in fp32 (bf16=0) or with the
// gemm precision at bf16 (bf16=1: the kernel's bf16 tiles, kernels/bf16_tile.h).
void BM_AttentionPrecision(benchmark::State& state) {
  const bool backward = state.range(0) == 1;
  const nn::kernels::GemmPrecisionScope precision(state.range(1) == 1 ? nn::kernels::GemmPrecision::kBf16
                                                                       : nn::kernels::GemmPrecision::kF32);
  const int64_t T = state.range(2);
  const Inputs in(backward, T);
  const Tensor gy = Tensor::randn({kB, kH, T, kD}, 9);
  for (auto _ : state) {
    const Tensor y = nn::attention(in.q, in.k, in.v, in.mask, false);
    if (!backward) continue;
    nn::NoGradGuard no_grad;
    benchmark::DoNotOptimize(y.grad_fn()->backward(gy)[0].data());
  }
  set_flops(state, (backward ? 3.0 : 1.0) * 4.0 * kB * kH * static_cast<double>(T * T) * kD);
}

BENCHMARK(BM_AttentionForward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AttentionBackward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AttentionForwardBackward)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AttentionDropoutForwardBackward)->ArgName("fused")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AttentionKernelBackward)->ArgName("keep")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AttentionPrecision)
    ->ArgNames({"pass", "bf16", "seq"})
    ->ArgsProduct({{0, 1}, {0, 1}, {128, 512}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_AttentionPackedForwardBackward)->ArgName("segments")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
