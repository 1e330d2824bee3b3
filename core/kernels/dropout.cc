// kernels/dropout.cc — Highway implementation of core/kernels/dropout.h.
//
// This file is compiled once per SIMD target (hwy/foreach_target.h re-includes it); the plain
// function at the bottom dispatches to the best target at run time. Philox4x32-10 runs on a
// vector of N consecutive counters (struct of arrays: each of its four 32-bit state words is a
// vector, lane l holding counter c + l), which yields the uniforms of 4N consecutive elements.
#include "core/kernels/dropout.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "core/rng.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/kernels/dropout.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace nn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using Du = hn::ScalableTag<uint32_t>;
using Vu = hn::Vec<Du>;
using Df = hn::ScalableTag<float>;  // as many lanes as Du

constexpr size_t kMaxLanes = HWY_MAX_BYTES / sizeof(uint32_t);

// hi, lo = the high and low 32 bits of the 64-bit products a[l]·m per lane. MulEven multiplies
// the even lanes into 64-bit lanes; shifting each 64-bit pair right by 32 brings the odd lanes
// to even positions for a second MulEven. Seen as u32 pairs a product is (lo, hi), so the even
// products' hi move down a lane and the odd products' lo up a lane.
HWY_INLINE void MulWide(Vu a, Vu m, Vu& hi, Vu& lo) {
  const Du du;
#if HWY_TARGET == HWY_SCALAR  // one lane: there are no u32 pairs to view as a u64
  const uint64_t product = static_cast<uint64_t>(hn::GetLane(a)) * hn::GetLane(m);
  hi = hn::Set(du, static_cast<uint32_t>(product >> 32));
  lo = hn::Set(du, static_cast<uint32_t>(product));
#else
  const hn::Repartition<uint64_t, Du> d64;
  const auto even = hn::MulEven(a, m);
  const auto odd = hn::MulEven(hn::BitCast(du, hn::ShiftRight<32>(hn::BitCast(d64, a))), m);
  hi = hn::OddEven(hn::BitCast(du, odd), hn::BitCast(du, hn::ShiftRight<32>(even)));
  lo = hn::OddEven(hn::BitCast(du, hn::ShiftLeft<32>(odd)), hn::BitCast(du, even));
#endif
}

// Philox4x32-10 of the N counters c, c+1, …, c+N−1 under `key`, written in element order:
// words[4l + w] = philox4x32(c + l, key)[w] (core/rng.cc is the scalar definition).
HWY_INLINE void PhiloxBlocks(uint64_t c, uint64_t key, uint32_t* HWY_RESTRICT words) {
  const Du du;
  const uint32_t lo = static_cast<uint32_t>(c), hi = static_cast<uint32_t>(c >> 32);
  // The 64-bit counter c + l is (c0, c1): a lane whose low word wrapped carries 1 into c1
  // (VecFromMask is all ones, i.e. −1, in those lanes).
  Vu c0 = hn::Add(hn::Set(du, lo), hn::Iota(du, 0));
  Vu c1 = hn::Sub(hn::Set(du, hi), hn::VecFromMask(du, hn::Lt(c0, hn::Set(du, lo))));
  Vu c2 = hn::Zero(du), c3 = hn::Zero(du);
  const Vu m0 = hn::Set(du, kPhiloxM0), m1 = hn::Set(du, kPhiloxM1);
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    Vu hi0, lo0, hi1, lo1;
    MulWide(c0, m0, hi0, lo0);
    MulWide(c2, m1, hi1, lo1);
    c0 = hn::Xor(hn::Xor(hi1, c1), hn::Set(du, k0));
    c1 = lo1;
    c2 = hn::Xor(hn::Xor(hi0, c3), hn::Set(du, k1));
    c3 = lo0;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  hn::StoreInterleaved4(c0, c1, c2, c3, du, words);
}

// See dropout_rows in the header. Batches of N counters cover 4N elements each, starting at
// the counter of element `first` (so the first batch may begin up to 3 elements before it);
// batches that lie wholly inside [first, first + n) go through vectors, the others element by
// element from the same words.
void DropoutRowsImpl(const float* in, float* out, int64_t n, float p, uint64_t seed, uint64_t first) {
  const Du du;
  const Df df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(du));
  const float scale = 1.f / (1.f - p);
  // u = (w >> 8)·2⁻²⁴ < p  ⇔  (w >> 8) < p·2²⁴  ⇔  (w >> 8) < ⌈p·2²⁴⌉, as w >> 8 is an integer
  // and p·2²⁴ is exact in float (a power-of-two scaling); the threshold is at most 2²⁴.
  const uint32_t threshold = static_cast<uint32_t>(std::ceil(p * 16777216.f));
  const Vu vthreshold = hn::Set(du, threshold);
  const auto vscale = hn::Set(df, scale);
  HWY_ALIGN uint32_t words[4 * kMaxLanes];
  uint64_t c = first / 4;
  // j: index into in/out of words[0], i.e. of element 4c of the stream.
  for (int64_t j = -static_cast<int64_t>(first % 4); j < n; j += 4 * N, c += static_cast<uint64_t>(N)) {
    PhiloxBlocks(c, seed, words);
    if (j >= 0 && j + 4 * N <= n) {
      for (int64_t v = 0; v < 4; ++v) {
        const Vu w = hn::ShiftRight<8>(hn::Load(du, words + v * N));
        const auto drop = hn::RebindMask(df, hn::Lt(w, vthreshold));
        const auto x = hn::LoadU(df, in + j + v * N);
        hn::StoreU(hn::IfThenZeroElse(drop, hn::Mul(x, vscale)), df, out + j + v * N);
      }
    } else {
      for (int64_t t = std::max<int64_t>(0, -j); t < std::min(4 * N, n - j); ++t)
        out[j + t] = (words[t] >> 8) < threshold ? 0.f : in[j + t] * scale;
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace nn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace nn::kernels {

HWY_EXPORT(DropoutRowsImpl);

void dropout_rows(const float* in, float* out, int64_t n, float p, uint64_t seed, uint64_t first) {
  HWY_DYNAMIC_DISPATCH(DropoutRowsImpl)(in, out, n, p, seed, first);
}

}  // namespace nn::kernels
#endif  // HWY_ONCE
