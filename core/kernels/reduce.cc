// kernels/reduce.cc — Highway SIMD loops for the reductions (compiled once per x86 target and
// picked at run time) and the plain C++ drivers that split them over OpenMP threads.
//
// Two shapes of loop cover every axis reduction of a dense (outer, len, inner) tensor:
//   rows    (inner == 1): each output reduces len contiguous floats (lane accumulators, then
//            a horizontal sum / max at the end);
//   columns (inner > 1): each output column block keeps a running sum / max while the loop
//            walks the len rows of that block (vertical, no horizontal step).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/kernels/reduce.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/kernels/parallel.h"
#include "core/kernels/reduce.h"

// Shared by the per-target loops and the drivers (this file is compiled once per target, so the
// constant is guarded to be defined once).
#ifndef NN_KERNELS_REDUCE_ONCE_
#define NN_KERNELS_REDUCE_ONCE_
namespace nn::kernels::reduce_detail {
// Columns one column-reduction item keeps in its accumulators: small enough that BERT widths
// (768, 3072) split into many items for the threads, large enough to amortise the row walk.
constexpr int64_t kColBlock = 128;
}  // namespace nn::kernels::reduce_detail
#endif

HWY_BEFORE_NAMESPACE();
namespace nn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// Floats summed in fp32 before the partial sum moves to double (bounds fp32 rounding growth).
constexpr int64_t kSumBlock = 4096;
using reduce_detail::kColBlock;

// Σ x[0..n) — fp32 with four lane accumulators inside each block of kSumBlock, blocks in double.
double SumRowImpl(const float* x, int64_t n) {
  const D d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  double total = 0.0;
  for (int64_t b = 0; b < n; b += kSumBlock) {
    const float* p = x + b;
    const int64_t len = std::min(kSumBlock, n - b);
    V a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
    int64_t i = 0;
    for (; i + 4 * N <= len; i += 4 * N) {
      a0 = hn::Add(a0, hn::LoadU(d, p + i));
      a1 = hn::Add(a1, hn::LoadU(d, p + i + N));
      a2 = hn::Add(a2, hn::LoadU(d, p + i + 2 * N));
      a3 = hn::Add(a3, hn::LoadU(d, p + i + 3 * N));
    }
    for (; i + N <= len; i += N) a0 = hn::Add(a0, hn::LoadU(d, p + i));
    float s = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
    for (; i < len; ++i) s += p[i];
    total += s;
  }
  return total;
}

// out[j] = scale·Σ_k x[k·stride + j] for j < cols ≤ kColBlock (a block of columns).
void SumColsImpl(const float* x, float* out, int64_t len, int64_t stride, int64_t cols, float scale) {
  const D d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  HWY_ALIGN float acc[kColBlock] = {};
  const int64_t full = cols / N * N;
  for (int64_t k = 0; k < len; ++k) {
    const float* row = x + k * stride;
    for (int64_t j = 0; j < full; j += N)
      hn::Store(hn::Add(hn::Load(d, acc + j), hn::LoadU(d, row + j)), d, acc + j);
    for (int64_t j = full; j < cols; ++j) acc[j] += row[j];
  }
  for (int64_t j = 0; j < cols; ++j) out[j] = acc[j] * scale;
}

// The max of x[0..n) (n ≥ 1) and the first index holding it; the first NaN, if any, wins.
void MaxRowImpl(const float* x, int64_t n, float* out, int64_t* arg) {
  const D d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  V m = hn::Set(d, -std::numeric_limits<float>::infinity());
  V nan_bits = hn::Zero(d);  // lanes become all-ones once they saw a NaN
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    const V v = hn::LoadU(d, x + i);
    m = hn::Max(m, v);
    nan_bits = hn::Or(nan_bits, hn::VecFromMask(d, hn::IsNaN(v)));
  }
  float best = hn::GetLane(hn::MaxOfLanes(d, m));
  bool has_nan = !hn::AllFalse(d, hn::MaskFromVec(nan_bits));
  for (int64_t j = i; j < n; ++j) {
    if (std::isnan(x[j])) has_nan = true;
    else if (x[j] > best) best = x[j];
  }
  if (has_nan) {
    int64_t k = 0;
    while (!std::isnan(x[k])) ++k;
    *out = x[k];
    *arg = k;
    return;
  }
  // Second pass: the first position equal to the maximum.
  const V vbest = hn::Set(d, best);
  for (i = 0; i + N <= n; i += N) {
    const intptr_t pos = hn::FindFirstTrue(d, hn::Eq(hn::LoadU(d, x + i), vbest));
    if (pos >= 0) {
      *out = best;
      *arg = i + pos;
      return;
    }
  }
  while (x[i] != best) ++i;
  *out = best;
  *arg = i;
}

// True when v should replace the running maximum `best`: larger, or the first NaN.
inline bool TakesMax(float v, float best) { return v > best || (std::isnan(v) && !std::isnan(best)); }

// For a block of cols ≤ kColBlock columns: out[j] = max_k x[k·stride + j], arg[j] = first such k
// (the first NaN wins). len ≥ 1 and < 2^31.
void MaxColsImpl(const float* x, float* out, int64_t* arg, int64_t len, int64_t stride, int64_t cols) {
  const D d;
  const hn::RebindToSigned<D> di;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  HWY_ALIGN int32_t idx_buf[kColBlock];
  int64_t j = 0;
  for (; j + N <= cols; j += N) {
    V best = hn::LoadU(d, x + j);
    auto idx = hn::Zero(di);
    for (int64_t k = 1; k < len; ++k) {
      const V v = hn::LoadU(d, x + k * stride + j);
      const auto take = hn::Or(hn::Gt(v, best), hn::AndNot(hn::IsNaN(best), hn::IsNaN(v)));
      best = hn::IfThenElse(take, v, best);
      idx = hn::IfThenElse(hn::RebindMask(di, take), hn::Set(di, static_cast<int32_t>(k)), idx);
    }
    hn::StoreU(best, d, out + j);
    hn::Store(idx, di, idx_buf);
    for (int64_t l = 0; l < N; ++l) arg[j + l] = idx_buf[l];
  }
  for (; j < cols; ++j) {
    float best = x[j];
    int64_t at = 0;
    for (int64_t k = 1; k < len; ++k)
      if (TakesMax(x[k * stride + j], best)) best = x[k * stride + j], at = k;
    out[j] = best;
    arg[j] = at;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace nn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace nn::kernels {

HWY_EXPORT(SumRowImpl);
HWY_EXPORT(SumColsImpl);
HWY_EXPORT(MaxRowImpl);
HWY_EXPORT(MaxColsImpl);

namespace {

// Elements per block of sum_all (fixed, so the result does not depend on the thread count).
constexpr int64_t kSumAllBlock = 1 << 16;
// Elements of work one parallel chunk should hold.
constexpr int64_t kChunkWork = 1 << 14;
using reduce_detail::kColBlock;

// Items (rows or column blocks) per parallel chunk when each item costs `per_item` elements.
int64_t grain_for(int64_t per_item) { return std::max<int64_t>(1, kChunkWork / std::max<int64_t>(1, per_item)); }

// Calls fn(o, col0, cols) for every (outer index, column block) of an (outer, len, inner) view.
template <class Fn>
void for_column_blocks(int64_t outer, int64_t len, int64_t inner, const Fn& fn) {
  const int64_t blocks = (inner + kColBlock - 1) / kColBlock;
  parallel_chunks(outer * blocks, grain_for(len * kColBlock), outer * len * inner, kMinParallelWork,
                  [&](int64_t lo, int64_t hi) {
                    for (int64_t item = lo; item < hi; ++item) {
                      const int64_t col0 = (item % blocks) * kColBlock;
                      fn(item / blocks, col0, std::min(kColBlock, inner - col0));
                    }
                  });
}

}  // namespace

double sum_all(const float* x, int64_t n) {
  const int64_t blocks = (n + kSumAllBlock - 1) / kSumAllBlock;
  std::vector<double> partial(static_cast<size_t>(blocks));
  parallel_chunks(blocks, 1, n, kMinParallelWork, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b)
      partial[static_cast<size_t>(b)] = HWY_DYNAMIC_DISPATCH(SumRowImpl)(
          x + b * kSumAllBlock, std::min(kSumAllBlock, n - b * kSumAllBlock));
  });
  double total = 0.0;
  for (double p : partial) total += p;
  return total;
}

void sum_axis(const float* x, float* out, int64_t outer, int64_t len, int64_t inner, float scale) {
  if (outer == 0 || inner == 0) return;
  if (inner == 1 && outer == 1) {
    out[0] = static_cast<float>(sum_all(x, len) * scale);
  } else if (inner == 1) {
    parallel_chunks(outer, grain_for(len), outer * len, kMinParallelWork, [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o)
        out[o] = static_cast<float>(HWY_DYNAMIC_DISPATCH(SumRowImpl)(x + o * len, len) * scale);
    });
  } else {
    for_column_blocks(outer, len, inner, [&](int64_t o, int64_t col0, int64_t cols) {
      HWY_DYNAMIC_DISPATCH(SumColsImpl)(x + o * len * inner + col0, out + o * inner + col0, len,
                                        inner, cols, scale);
    });
  }
}

void max_axis(const float* x, float* out, int64_t* arg, int64_t outer, int64_t len, int64_t inner) {
  if (outer == 0 || inner == 0) return;
  if (inner == 1) {
    parallel_chunks(outer, grain_for(len), outer * len, kMinParallelWork, [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o) HWY_DYNAMIC_DISPATCH(MaxRowImpl)(x + o * len, len, out + o, arg + o);
    });
  } else {
    for_column_blocks(outer, len, inner, [&](int64_t o, int64_t col0, int64_t cols) {
      HWY_DYNAMIC_DISPATCH(MaxColsImpl)(x + o * len * inner + col0, out + o * inner + col0,
                                        arg + o * inner + col0, len, inner, cols);
    });
  }
}

}  // namespace nn::kernels
#endif  // HWY_ONCE
