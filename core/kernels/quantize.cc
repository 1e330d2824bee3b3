// kernels/quantize.cc — Highway implementation of kernels/quantize.h (compiled once per target).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/kernels/quantize.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "core/kernels/parallel.h"
#include "core/kernels/quantize.h"

HWY_BEFORE_NAMESPACE();
namespace nn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// lo = min(lo, min of x[0..n)), hi = max(hi, max of x[0..n)).
HWY_INLINE void RowRange(const float* x, int64_t n, float& lo, float& hi) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  auto vlo = hn::Set(d, lo), vhi = hn::Set(d, hi);
  int64_t j = 0;
  for (; j + N <= n; j += N) {
    const auto v = hn::LoadU(d, x + j);
    vlo = hn::Min(vlo, v);
    vhi = hn::Max(vhi, v);
  }
  lo = hn::GetLane(hn::MinOfLanes(d, vlo));
  hi = hn::GetLane(hn::MaxOfLanes(d, vhi));
  for (; j < n; ++j) {
    lo = std::min(lo, x[j]);
    hi = std::max(hi, x[j]);
  }
}

// The range [min(0, min x), max(0, max x)] of x (rows, cols), row stride ld.
void RangeImpl(int64_t rows, int64_t cols, const float* x, int64_t ld, float* lo_out, float* hi_out) {
  float lo = 0.f, hi = 0.f;
#pragma omp parallel for schedule(static) reduction(min : lo) reduction(max : hi) \
    if (rows * cols >= kMinParallelWork && !omp_in_parallel())
  for (int64_t r = 0; r < rows; ++r) RowRange(x + r * ld, cols, lo, hi);
  *lo_out = lo;
  *hi_out = hi;
}

// q[j] = clamp(round(x[j]·inv) + zp, qmin, qmax) for j < n, stored as T (uint8_t or int8_t).
template <class T>
HWY_INLINE void RowQuantize(const float* x, int64_t n, float inv, int32_t zp, int32_t qmin, int32_t qmax, T* q) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<T, decltype(df)> dq;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  const auto vinv = hn::Set(df, inv);
  const auto vzp = hn::Set(di, zp), vmin = hn::Set(di, qmin), vmax = hn::Set(di, qmax);
  int64_t j = 0;
  for (; j + N <= n; j += N) {
    const auto i = hn::Add(hn::NearestInt(hn::Mul(hn::LoadU(df, x + j), vinv)), vzp);
    hn::StoreU(hn::DemoteTo(dq, hn::Min(hn::Max(i, vmin), vmax)), dq, q + j);
  }
  for (; j < n; ++j) {
    const int32_t i = static_cast<int32_t>(std::nearbyint(x[j] * inv)) + zp;
    q[j] = static_cast<T>(std::clamp(i, qmin, qmax));
  }
}

void QuantizeU8Impl(int64_t rows, int64_t cols, const float* x, int64_t ld, float inv, int32_t zp, uint8_t* q) {
#pragma omp parallel for schedule(static) if (rows * cols >= kMinParallelWork && !omp_in_parallel())
  for (int64_t r = 0; r < rows; ++r) RowQuantize<uint8_t>(x + r * ld, cols, inv, zp, 0, 255, q + r * cols);
}

void QuantizeS8RowsImpl(int64_t rows, int64_t cols, const float* w, int64_t ld, int8_t* q, float* scales) {
#pragma omp parallel for schedule(static) if (rows * cols >= kMinParallelWork && !omp_in_parallel())
  for (int64_t r = 0; r < rows; ++r) {
    float lo = 0.f, hi = 0.f;
    RowRange(w + r * ld, cols, lo, hi);
    const float m = std::max(-lo, hi);
    scales[r] = m / 127.f;
    RowQuantize<int8_t>(w + r * ld, cols, m > 0.f ? 1.f / scales[r] : 0.f, 0, -127, 127, q + r * cols);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace nn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace nn::kernels {
HWY_EXPORT(RangeImpl);
HWY_EXPORT(QuantizeU8Impl);
HWY_EXPORT(QuantizeS8RowsImpl);

U8Quant u8_quant_for_range(float lo, float hi) {
  if (!(hi > lo)) return U8Quant{};
  const float scale = (hi - lo) / 255.f;
  const auto zp = static_cast<int32_t>(std::nearbyint(-lo / scale));
  return U8Quant{scale, std::clamp(zp, 0, 255)};
}

U8Quant quantize_u8(int64_t rows, int64_t cols, const float* x, int64_t ld, uint8_t* q) {
  if (rows <= 0 || cols <= 0) return U8Quant{};
  float lo = 0.f, hi = 0.f;
  HWY_DYNAMIC_DISPATCH(RangeImpl)(rows, cols, x, ld, &lo, &hi);
  const U8Quant quant = u8_quant_for_range(lo, hi);
  HWY_DYNAMIC_DISPATCH(QuantizeU8Impl)(rows, cols, x, ld, 1.f / quant.scale, quant.zero_point, q);
  return quant;
}

void quantize_s8_rows(int64_t rows, int64_t cols, const float* w, int64_t ld, int8_t* q, float* scales) {
  if (rows <= 0 || cols <= 0) return;
  HWY_DYNAMIC_DISPATCH(QuantizeS8RowsImpl)(rows, cols, w, ld, q, scales);
}

}  // namespace nn::kernels
#endif  // HWY_ONCE
