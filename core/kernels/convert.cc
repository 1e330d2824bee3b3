// kernels/convert.cc — Highway implementation of kernels/convert.h (compiled once per target).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/kernels/convert.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <omp.h>

#include "core/kernels/convert.h"

HWY_BEFORE_NAMESPACE();
namespace nn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One value, as the vector lanes do it (the tail of a row).
HWY_INLINE uint16_t ToBf16(float x) {
  uint32_t bits;
  __builtin_memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// dst[j] = bf16(src[j]) for j < n: u32 lanes rounded as in ToBf16, then narrowed to u16.
HWY_INLINE void RowToBf16(const float* src, uint16_t* dst, int64_t n) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint16_t, decltype(df)> d16;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  const auto one = hn::Set(du, 1u), half = hn::Set(du, 0x7fffu), quiet = hn::Set(du, 0x00400000u);
  int64_t j = 0;
  for (; j + N <= n; j += N) {
    const auto v = hn::LoadU(df, src + j);
    const auto bits = hn::BitCast(du, v);
    const auto rounded = hn::Add(bits, hn::Add(half, hn::And(hn::ShiftRight<16>(bits), one)));
    const auto nan = hn::RebindMask(du, hn::Ne(v, v));
    const auto top = hn::ShiftRight<16>(hn::IfThenElse(nan, hn::Or(bits, quiet), rounded));
    hn::StoreU(hn::DemoteTo(d16, hn::BitCast(di, top)), d16, dst + j);  // top ≤ 0xFFFF: exact
  }
  for (; j < n; ++j) dst[j] = ToBf16(src[j]);
}

void ToBf16Impl(int64_t rows, int64_t cols, const float* src, int64_t ld, uint16_t* dst) {
#pragma omp parallel for schedule(static) if (rows * cols >= (int64_t{1} << 16) && !omp_in_parallel())
  for (int64_t r = 0; r < rows; ++r) RowToBf16(src + r * ld, dst + r * cols, cols);
}

}  // namespace HWY_NAMESPACE
}  // namespace nn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace nn::kernels {
HWY_EXPORT(ToBf16Impl);

void fp32_to_bf16_rows(int64_t rows, int64_t cols, const float* src, int64_t ld, uint16_t* dst) {
  if (rows <= 0 || cols <= 0) return;
  HWY_DYNAMIC_DISPATCH(ToBf16Impl)(rows, cols, src, ld, dst);
}
}  // namespace nn::kernels
#endif  // HWY_ONCE
