// kernels/softmax.cc — Highway implementations of core/kernels/softmax.h.
//
// This file is compiled once per SIMD target (hwy/foreach_target.h re-includes it); the
// plain functions at the bottom dispatch to the best target at run time. Each kernel works
// row by row: a row is read from memory once and the later passes over it hit the L1/L2 cache.
// Rows are split statically across OpenMP threads; each row's sums run in a fixed order.
#include "core/kernels/softmax.h"

#include <cmath>
#include <cstddef>
#include <limits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/kernels/softmax.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>

HWY_BEFORE_NAMESPACE();
namespace nn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// Below this many elements a kernel runs on one thread (thread start-up would dominate).
constexpr int64_t kParallelMin = 1 << 15;

// Loads the n (< lanes) floats at p into the low lanes; the other lanes are `fill`.
HWY_INLINE V LoadTail(D d, const float* p, size_t n, float fill) {
  HWY_ALIGN float buf[HWY_MAX_BYTES / sizeof(float)];
  for (size_t i = 0; i < hn::Lanes(d); ++i) buf[i] = i < n ? p[i] : fill;
  return hn::Load(d, buf);
}

// Stores the low n (< lanes) lanes of v to p.
HWY_INLINE void StoreTail(D d, V v, float* p, size_t n) {
  HWY_ALIGN float buf[HWY_MAX_BYTES / sizeof(float)] = {};
  hn::Store(v, d, buf);
  for (size_t i = 0; i < n; ++i) p[i] = buf[i];
}

// Largest element of x[0, n) (−inf for an empty row).
HWY_INLINE float RowMax(const float* x, size_t n) {
  const D d;
  const size_t N = hn::Lanes(d);
  const float ninf = -std::numeric_limits<float>::infinity();
  V m0 = hn::Set(d, ninf), m1 = m0;  // two accumulators hide the Max latency
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    m0 = hn::Max(m0, hn::LoadU(d, x + i));
    m1 = hn::Max(m1, hn::LoadU(d, x + i + N));
  }
  for (; i + N <= n; i += N) m0 = hn::Max(m0, hn::LoadU(d, x + i));
  if (i < n) m0 = hn::Max(m0, LoadTail(d, x + i, n - i, ninf));
  return hn::GetLane(hn::MaxOfLanes(d, hn::Max(m0, m1)));
}

// Σ exp(x[i] − m) over [0, n); with kStore also writes e[i] = exp(x[i] − m) (e may alias x).
template <bool kStore>
HWY_INLINE float SumExpShifted(const float* x, float m, float* e, size_t n) {
  const D d;
  const size_t N = hn::Lanes(d);
  const V vm = hn::Set(d, m);
  V s0 = hn::Zero(d), s1 = s0;
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const V e0 = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), vm));
    const V e1 = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i + N), vm));
    if constexpr (kStore) {
      hn::StoreU(e0, d, e + i);
      hn::StoreU(e1, d, e + i + N);
    }
    s0 = hn::Add(s0, e0);
    s1 = hn::Add(s1, e1);
  }
  for (; i + N <= n; i += N) {
    const V e0 = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), vm));
    if constexpr (kStore) hn::StoreU(e0, d, e + i);
    s0 = hn::Add(s0, e0);
  }
  if (i < n) {
    // Padding lanes hold −inf: exp(−inf − m) = 0 adds nothing.
    const V e0 = hn::Exp(d, hn::Sub(LoadTail(d, x + i, n - i, -std::numeric_limits<float>::infinity()), vm));
    if constexpr (kStore) StoreTail(d, e0, e + i, n - i);
    s0 = hn::Add(s0, e0);
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
}

// Σ a[i]·b[i] over [0, n) (b == nullptr: Σ a[i]).
HWY_INLINE float RowDot(const float* a, const float* b, size_t n) {
  const D d;
  const size_t N = hn::Lanes(d);
  V s0 = hn::Zero(d), s1 = s0;
  const auto load_b = [&](size_t i) { return b ? hn::LoadU(d, b + i) : hn::Set(d, 1.f); };
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    s0 = hn::MulAdd(hn::LoadU(d, a + i), load_b(i), s0);
    s1 = hn::MulAdd(hn::LoadU(d, a + i + N), load_b(i + N), s1);
  }
  for (; i + N <= n; i += N) s0 = hn::MulAdd(hn::LoadU(d, a + i), load_b(i), s0);
  if (i < n) {
    const V vb = b ? LoadTail(d, b + i, n - i, 0.f) : hn::Set(d, 1.f);
    s0 = hn::MulAdd(LoadTail(d, a + i, n - i, 0.f), vb, s0);
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
}

// Writes a row of n floats vector by vector: out[i, i+lanes) = f(load), where load(p) reads the
// same vector position of another row p (the partial last vector is zero-padded, and only its
// first n − i lanes are stored).
template <class F>
HWY_INLINE void RowMap(float* out, size_t n, const F& f) {
  const D d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(f([&](const float* p) { return hn::LoadU(d, p + i); }), d, out + i);
  if (i < n) StoreTail(d, f([&](const float* p) { return LoadTail(d, p + i, n - i, 0.f); }), out + i, n - i);
}

void SoftmaxForwardImpl(const float* x, float* y, int64_t rows, int64_t cols) {
  const size_t n = static_cast<size_t>(cols);
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    const float m = RowMax(xr, n);
    const float s = SumExpShifted<true>(xr, m, yr, n);  // yr = exp(x − m)
    const V inv = hn::Set(D(), 1.f / s);
    RowMap(yr, n, [&](auto load) { return hn::Mul(load(yr), inv); });
  }
}

void LogSoftmaxForwardImpl(const float* x, float* y, int64_t rows, int64_t cols) {
  const size_t n = static_cast<size_t>(cols);
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    const float m = RowMax(xr, n);
    const float lse = m + std::log(SumExpShifted<false>(xr, m, nullptr, n));
    const V vlse = hn::Set(D(), lse);
    RowMap(y + r * cols, n, [&](auto load) { return hn::Sub(load(xr), vlse); });
  }
}

void SoftmaxBackwardImpl(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols) {
  const size_t n = static_cast<size_t>(cols);
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = gy + r * cols;
    const V dot = hn::Set(D(), RowDot(gr, yr, n));
    RowMap(gx + r * cols, n, [&](auto load) { return hn::Mul(load(yr), hn::Sub(load(gr), dot)); });
  }
}

void LogSoftmaxBackwardImpl(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols) {
  const size_t n = static_cast<size_t>(cols);
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = gy + r * cols;
    const V sum = hn::Set(D(), RowDot(gr, nullptr, n));
    // gx = gy − exp(y)·Σgy.
    RowMap(gx + r * cols, n, [&](auto load) { return hn::NegMulAdd(hn::Exp(D(), load(yr)), sum, load(gr)); });
  }
}

void CrossEntropyForwardImpl(const float* logits, const int64_t* targets, int64_t ignore_index,
                             float scale, float* loss, float* grad, int64_t rows, int64_t cols) {
  const size_t n = static_cast<size_t>(cols);
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = logits + r * cols;
    float* gr = grad ? grad + r * cols : nullptr;
    const int64_t t = targets[r];
    if (t == ignore_index) {
      loss[r] = 0.f;
      if (gr) RowMap(gr, n, [](auto) { return hn::Zero(D()); });
      continue;
    }
    const float m = RowMax(xr, n);
    // With a gradient to fill, keep exp(x − m) in it so the exponentials are computed once.
    const float s = gr ? SumExpShifted<true>(xr, m, gr, n) : SumExpShifted<false>(xr, m, nullptr, n);
    loss[r] = m + std::log(s) - xr[t];
    if (gr) {
      const V k = hn::Set(D(), scale / s);
      RowMap(gr, n, [&](auto load) { return hn::Mul(load(gr), k); });
      gr[t] -= scale;
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace nn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace nn::kernels {

HWY_EXPORT(SoftmaxForwardImpl);
HWY_EXPORT(LogSoftmaxForwardImpl);
HWY_EXPORT(SoftmaxBackwardImpl);
HWY_EXPORT(LogSoftmaxBackwardImpl);
HWY_EXPORT(CrossEntropyForwardImpl);

void softmax_forward(const float* x, float* y, int64_t rows, int64_t cols) {
  HWY_DYNAMIC_DISPATCH(SoftmaxForwardImpl)(x, y, rows, cols);
}

void log_softmax_forward(const float* x, float* y, int64_t rows, int64_t cols) {
  HWY_DYNAMIC_DISPATCH(LogSoftmaxForwardImpl)(x, y, rows, cols);
}

void softmax_backward(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols) {
  HWY_DYNAMIC_DISPATCH(SoftmaxBackwardImpl)(y, gy, gx, rows, cols);
}

void log_softmax_backward(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols) {
  HWY_DYNAMIC_DISPATCH(LogSoftmaxBackwardImpl)(y, gy, gx, rows, cols);
}

void cross_entropy_forward(const float* logits, const int64_t* targets, int64_t ignore_index,
                           float scale, float* loss, float* grad, int64_t rows, int64_t cols) {
  HWY_DYNAMIC_DISPATCH(CrossEntropyForwardImpl)(logits, targets, ignore_index, scale, loss, grad,
                                                rows, cols);
}

}  // namespace nn::kernels
#endif  // HWY_ONCE
