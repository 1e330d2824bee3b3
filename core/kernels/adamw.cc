// kernels/adamw.cc — the fused AdamW sweep: Highway SIMD per target, OpenMP over fixed chunks.
// One pass reads p, g, m, v once and writes p, m, v once (the unfused optimizer makes ~6 passes;
// gradient clipping's scaling rides along as grad_scale instead of a pass of its own).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/kernels/adamw.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cmath>

#include "core/kernels/adamw.h"
#include "core/kernels/parallel.h"

#ifndef NN_KERNELS_ADAMW_ONCE_
#define NN_KERNELS_ADAMW_ONCE_
namespace nn::kernels::adamw_detail {
// The per-step constants of the update, formed once by adamw_step.
struct AdamWConsts {
  float decay;      // 1 − lr·wd
  float beta1, one_minus_beta1;
  float beta2, one_minus_beta2;
  float step_size;  // lr / bc1
  float bc2_sqrt;   // √bc2
  float eps;
  float grad_scale; // the gradient's factor (clipping)
};
}  // namespace nn::kernels::adamw_detail
#endif

HWY_BEFORE_NAMESPACE();
namespace nn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using adamw_detail::AdamWConsts;

void AdamWImpl(float* p, const float* g, float* m, float* v, int64_t n, const AdamWConsts& c) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const auto decay = hn::Set(d, c.decay);
  const auto b1 = hn::Set(d, c.beta1), omb1 = hn::Set(d, c.one_minus_beta1);
  const auto b2 = hn::Set(d, c.beta2), omb2 = hn::Set(d, c.one_minus_beta2);
  const auto step = hn::Set(d, c.step_size), bc2 = hn::Set(d, c.bc2_sqrt), eps = hn::Set(d, c.eps);
  const auto scale = hn::Set(d, c.grad_scale);
  // One vector of elements at p, g, m, v.
  const auto update = [&](float* pp, const float* gg, float* mm, float* vv_) {
    const auto vg = hn::Mul(hn::LoadU(d, gg), scale);
    const auto vp = hn::Mul(hn::LoadU(d, pp), decay);
    const auto vm = hn::MulAdd(b1, hn::LoadU(d, mm), hn::Mul(omb1, vg));
    const auto vv = hn::MulAdd(b2, hn::LoadU(d, vv_), hn::Mul(omb2, hn::Mul(vg, vg)));
    const auto denom = hn::Add(hn::Div(hn::Sqrt(vv), bc2), eps);
    hn::StoreU(hn::Sub(vp, hn::Div(hn::Mul(step, vm), denom)), d, pp);
    hn::StoreU(vm, d, mm);
    hn::StoreU(vv, d, vv_);
  };
  int64_t i = 0;
  for (; i + N <= n; i += N) update(p + i, g + i, m + i, v + i);
  if (i < n) {
    // The last n − i elements through the same vector code, on copies padded to a whole vector:
    // every element gets the same bits wherever a sweep starts (ZeRO-1 shards cut groups anywhere).
    constexpr size_t kMax = HWY_MAX_BYTES / sizeof(float);
    HWY_ALIGN float tp[kMax] = {}, tg[kMax] = {}, tm[kMax] = {}, tv[kMax] = {};
    const size_t rest = static_cast<size_t>(n - i);
    std::copy_n(p + i, rest, tp);
    std::copy_n(g + i, rest, tg);
    std::copy_n(m + i, rest, tm);
    std::copy_n(v + i, rest, tv);
    update(tp, tg, tm, tv);
    std::copy_n(tp, rest, p + i);
    std::copy_n(tm, rest, m + i);
    std::copy_n(tv, rest, v + i);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace nn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace nn::kernels {

HWY_EXPORT(AdamWImpl);

void adamw_step(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
                float beta2, float eps, float weight_decay, float bias_correction1,
                float bias_correction2, float grad_scale) {
  const adamw_detail::AdamWConsts c{
      static_cast<float>(1.0 - static_cast<double>(lr) * weight_decay),
      beta1,
      static_cast<float>(1.0 - static_cast<double>(beta1)),
      beta2,
      static_cast<float>(1.0 - static_cast<double>(beta2)),
      static_cast<float>(static_cast<double>(lr) / bias_correction1),
      static_cast<float>(std::sqrt(static_cast<double>(bias_correction2))),
      eps,
      grad_scale};
  parallel_chunks(n, 1 << 14, n, kMinParallelWork, [&](int64_t lo, int64_t hi) {
    HWY_DYNAMIC_DISPATCH(AdamWImpl)(p + lo, g + lo, m + lo, v + lo, hi - lo, c);
  });
}

}  // namespace nn::kernels
#endif  // HWY_ONCE
