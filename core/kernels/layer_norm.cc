// kernels/layer_norm.cc — Highway implementations of core/kernels/layer_norm.h.
//
// Compiled once per SIMD target (hwy/foreach_target.h re-includes this file); the plain
// functions at the bottom dispatch at run time. A row is read from memory once; the second
// and third passes over it hit L1. Rows are split statically across OpenMP threads.
//
// Backward, for one row of C elements, x̂ = (x − μ)·rstd, y = x̂·γ + β, g = ∂L/∂y, ĝ = g·γ:
//   ∂L/∂x̂ = ĝ;  ∂x̂_j/∂x_i = rstd·(δ_ij − 1/C − x̂_i·x̂_j/C)  (μ and rstd depend on every x_i)
//   ⇒ ∂L/∂x = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),   ∂L/∂γ = Σ_rows g·x̂,   ∂L/∂β = Σ_rows g.
#include "core/kernels/layer_norm.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/kernels/layer_norm.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#ifndef NN_KERNELS_LAYER_NORM_CONSTANTS  // this file is included once per target
#define NN_KERNELS_LAYER_NORM_CONSTANTS
namespace nn::kernels {
// dgamma/dbeta partial sums cover this many rows each: a fixed split, whatever the thread count.
constexpr int64_t kRowsPerBlock = 64;
}  // namespace nn::kernels
#endif

HWY_BEFORE_NAMESPACE();
namespace nn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// Below this many elements a kernel runs on one thread (thread start-up would dominate).
constexpr int64_t kParallelMin = 1 << 15;

// Loads the n (< lanes) floats at p into the low lanes; the other lanes are 0.
HWY_INLINE V LoadTail(D d, const float* p, size_t n) {
  HWY_ALIGN float buf[HWY_MAX_BYTES / sizeof(float)] = {};
  for (size_t i = 0; i < n; ++i) buf[i] = p[i];
  return hn::Load(d, buf);
}

// Stores the low n (< lanes) lanes of v to p.
HWY_INLINE void StoreTail(D d, V v, float* p, size_t n) {
  HWY_ALIGN float buf[HWY_MAX_BYTES / sizeof(float)] = {};
  hn::Store(v, d, buf);
  for (size_t i = 0; i < n; ++i) p[i] = buf[i];
}

// Calls f(load, store) for each vector position of a row of n floats: load(p) reads the vector
// of row p at that position (the partial last vector zero-padded), store(v, p) writes it (only
// the lanes inside the row).
template <class F>
HWY_INLINE void RowForEach(size_t n, const F& f) {
  const D d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N)
    f([&](const float* p) { return hn::LoadU(d, p + i); }, [&](V v, float* p) { hn::StoreU(v, d, p + i); });
  if (i < n)
    f([&](const float* p) { return LoadTail(d, p + i, n - i); },
      [&](V v, float* p) { StoreTail(d, v, p + i, n - i); });
}

// Mean and 1/√(var + eps) of one row, two passes (Σx, then Σ(x − μ)²) for accuracy.
HWY_INLINE void RowMoments(const float* x, size_t n, float eps, float* mean, float* rstd) {
  const D d;
  V s = hn::Zero(d);
  RowForEach(n, [&](auto load, auto) { s = hn::Add(s, load(x)); });
  const float mu = hn::GetLane(hn::SumOfLanes(d, s)) / static_cast<float>(n);
  const V vmu = hn::Set(d, mu);
  const size_t N = hn::Lanes(d);
  V q = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const V c = hn::Sub(hn::LoadU(d, x + i), vmu);
    q = hn::MulAdd(c, c, q);
  }
  if (i < n) {  // padding lanes are 0 − μ: mask them out
    const V c = hn::IfThenElseZero(hn::FirstN(d, n - i), hn::Sub(LoadTail(d, x + i, n - i), vmu));
    q = hn::MulAdd(c, c, q);
  }
  const float var = hn::GetLane(hn::SumOfLanes(d, q)) / static_cast<float>(n);
  *mean = mu;
  *rstd = 1.f / std::sqrt(var + eps);
}

void LayerNormForwardImpl(const float* x, const float* gamma, const float* beta, float eps,
                          float* y, float* mean, float* rstd, int64_t rows, int64_t cols) {
  const size_t n = static_cast<size_t>(cols);
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    RowMoments(xr, n, eps, &mean[r], &rstd[r]);
    // y = x̂·γ + β with x̂ = (x − μ)·rstd (exactly 0 where x == μ).
    const V vr = hn::Set(D(), rstd[r]), vm = hn::Set(D(), mean[r]);
    RowForEach(n, [&](auto load, auto store) {
      store(hn::MulAdd(hn::Mul(hn::Sub(load(xr), vm), vr), load(gamma), load(beta)), yr);
    });
  }
}

// One row of the backward: writes gx and adds g·x̂ to dg_part, g to db_part.
HWY_INLINE void RowBackward(const float* g, const float* x, const float* gamma, float mu, float rs,
                            float* gx, float* dg_part, float* db_part, size_t n) {
  const D d;
  const V vr = hn::Set(d, rs), vm = hn::Set(d, mu);
  V a = hn::Zero(d), b = a;  // Σ ĝ and Σ ĝ·x̂ (padding lanes: g = 0 ⇒ ĝ = 0)
  RowForEach(n, [&](auto load, auto store) {
    const V vg = load(g), xh = hn::Mul(hn::Sub(load(x), vm), vr), gh = hn::Mul(vg, load(gamma));
    a = hn::Add(a, gh);
    b = hn::MulAdd(gh, xh, b);
    store(hn::MulAdd(vg, xh, load(dg_part)), dg_part);
    store(hn::Add(vg, load(db_part)), db_part);
  });
  // gx = rstd·ĝ − rstd·mean(ĝ) − x̂·rstd·mean(ĝ·x̂)
  const float inv_n = 1.f / static_cast<float>(n);
  const V ca = hn::Set(d, -rs * inv_n * hn::GetLane(hn::SumOfLanes(d, a)));
  const V cb = hn::Set(d, -rs * inv_n * hn::GetLane(hn::SumOfLanes(d, b)));
  RowForEach(n, [&](auto load, auto store) {
    const V xh = hn::Mul(hn::Sub(load(x), vm), vr);
    store(hn::MulAdd(hn::Mul(load(g), load(gamma)), vr, hn::MulAdd(xh, cb, ca)), gx);
  });
}

void LayerNormBackwardImpl(const float* gy, const float* x, const float* gamma, const float* mean,
                           const float* rstd, float* gx, float* dgamma, float* dbeta,
                           float* workspace, int64_t rows, int64_t cols) {
  const size_t n = static_cast<size_t>(cols);
  const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  // workspace: per block, cols partial sums of dgamma then cols of dbeta.
#pragma omp parallel if (rows * cols >= kParallelMin)
  {
#pragma omp for schedule(static)
    for (int64_t blk = 0; blk < blocks; ++blk) {
      float* dg_part = workspace + blk * 2 * cols;
      float* db_part = dg_part + cols;
      RowForEach(n, [&](auto, auto store) {
        store(hn::Zero(D()), dg_part);
        store(hn::Zero(D()), db_part);
      });
      const int64_t end = std::min(rows, (blk + 1) * kRowsPerBlock);
      for (int64_t r = blk * kRowsPerBlock; r < end; ++r)
        RowBackward(gy + r * cols, x + r * cols, gamma, mean[r], rstd[r], gx + r * cols, dg_part,
                    db_part, n);
    }
    // Sum the block partials in block order, columns split across threads.
#pragma omp for schedule(static)
    for (int64_t c = 0; c < cols; ++c) {
      float sg = 0.f, sb = 0.f;
      for (int64_t blk = 0; blk < blocks; ++blk) {
        sg += workspace[blk * 2 * cols + c];
        sb += workspace[blk * 2 * cols + cols + c];
      }
      dgamma[c] = sg;
      dbeta[c] = sb;
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace nn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace nn::kernels {

HWY_EXPORT(LayerNormForwardImpl);
HWY_EXPORT(LayerNormBackwardImpl);

void layer_norm_forward(const float* x, const float* gamma, const float* beta, float eps,
                        float* y, float* mean, float* rstd, int64_t rows, int64_t cols) {
  HWY_DYNAMIC_DISPATCH(LayerNormForwardImpl)(x, gamma, beta, eps, y, mean, rstd, rows, cols);
}

int64_t layer_norm_backward_workspace(int64_t rows, int64_t cols) {
  return (rows + kRowsPerBlock - 1) / kRowsPerBlock * 2 * cols;
}

void layer_norm_backward(const float* gy, const float* x, const float* gamma, const float* mean,
                         const float* rstd, float* gx, float* dgamma, float* dbeta,
                         float* workspace, int64_t rows, int64_t cols) {
  HWY_DYNAMIC_DISPATCH(LayerNormBackwardImpl)(gy, x, gamma, mean, rstd, gx, dgamma, dbeta,
                                              workspace, rows, cols);
}

}  // namespace nn::kernels
#endif  // HWY_ONCE
