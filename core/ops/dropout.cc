// ops/dropout.cc — inverted dropout with a counter-based mask.
//
// Element i (row-major index) is dropped iff uniform_at(seed, i) < p (core/rng.h), and kept
// elements are scaled by 1/(1 − p). The mask is a pure function of (seed, i): the same for any
// thread count, and the backward recomputes it instead of storing it. The SIMD kernel
// (kernels/dropout.h) generates the Philox words of many elements at once.
#include <algorithm>

#include "core/autograd.h"
#include "core/kernels/dropout.h"
#include "core/ops.h"
#include "core/profile.h"

namespace nn {
namespace {

// Elements per task: the kernel's mask depends only on each element's index, so the chunking
// (and the thread count) never changes the result.
constexpr int64_t kChunk = 1 << 14;

// out[i] = in[i]/(1 − p), or 0 where element i is dropped; in and out hold n floats (may alias).
// Fixed chunks, split statically over the threads when there are at least two.
void apply_mask(const float* in, float* out, int64_t n, float p, uint64_t seed) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (chunks >= 2)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t begin = c * kChunk;
    kernels::dropout_rows(in + begin, out + begin, std::min(kChunk, n - begin), p, seed,
                          static_cast<uint64_t>(begin));
  }
}

}  // namespace

Tensor dropout(const Tensor& x, float p, bool training, uint64_t seed) {
  const profile::Scope prof("dropout");
  NN_CHECK(p >= 0.f && p < 1.f, "dropout: probability p must be in [0, 1), got ", p);
  NN_CHECK(x.dtype() == DType::F32, "dropout: needs an F32 tensor, got ", dtype_name(x.dtype()));
  if (!training || p == 0.f) return x;
  const Tensor xc = x.detach().contiguous();
  Tensor y = Tensor::empty(x.shape());
  apply_mask(xc.data(), y.data(), x.numel(), p, seed);
  if (needs_grad({&x})) {
    // y = x·m/(1 − p) with m ∈ {0, 1} fixed  ⇒  ∂L/∂x = ∂L/∂y·m/(1 − p): the same masking.
    record(y, "dropout", {x}, [p, seed](const Tensor& gy) {
      const Tensor g = gy.contiguous();
      Tensor gx = Tensor::empty(g.shape());
      apply_mask(g.data(), gx.data(), g.numel(), p, seed);
      return std::vector<Tensor>{gx};
    });
  }
  return y;
}

}  // namespace nn
