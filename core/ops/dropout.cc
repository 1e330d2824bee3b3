// ops/dropout.cc — inverted dropout with a counter-based mask.
//
// Element i (row-major index) is dropped iff uniform_at(seed, i) < p (core/rng.h), and kept
// elements are scaled by 1/(1 − p). The mask is a pure function of (seed, i): the same for any
// thread count, and the backward recomputes it instead of storing it.
#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"
#include "core/profile.h"

namespace nn {
namespace {

// out[i] = in[i]·scale, or 0 where element i is dropped; in and out hold n floats (may alias).
void apply_mask(const float* in, float* out, int64_t n, float p, uint64_t seed) {
  const float scale = 1.f / (1.f - p);
  // One Philox block gives the uniforms of four consecutive elements: uniform_at(seed, i) is
  // word i % 4 of philox4x32(i / 4, seed), its top 24 bits scaled to [0, 1).
  const int64_t blocks = (n + 3) / 4;
#pragma omp parallel for schedule(static) if (n >= (1 << 14))
  for (int64_t b = 0; b < blocks; ++b) {
    const auto words = philox4x32(static_cast<uint64_t>(b), seed);
    for (int64_t k = 0; k < 4 && 4 * b + k < n; ++k) {
      const float u = static_cast<float>(words[static_cast<size_t>(k)] >> 8) * (1.0f / 16777216.0f);
      out[4 * b + k] = u < p ? 0.f : in[4 * b + k] * scale;
    }
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
