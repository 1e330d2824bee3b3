// adamw.cc — AdamW step: bias corrections computed once, the sweep is the core adamw kernel.
#include "nn/optim/adamw.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/kernels/adamw.h"
#include "core/profile.h"

namespace nn {

AdamW::AdamW(FlatParameters& params, AdamWConfig config, int64_t begin, int64_t end)
    : params_(params), config_(config), begin_(begin), end_(end < 0 ? params.values.numel() : end) {
  NN_CHECK(begin_ >= 0 && begin_ <= end_ && end_ <= params.values.numel(), "adamw: range [", begin_, ", ", end_,
           ") is outside the ", params.values.numel(), " parameters");
  m_ = Tensor::zeros({end_ - begin_});
  v_ = Tensor::zeros({end_ - begin_});
}

void AdamW::step(float lr, float grad_scale) {
  const profile::Scope prof("adamw");
  ++step_;
  const double t = static_cast<double>(step_);
  const float c1 = config_.bias_correction ? static_cast<float>(1.0 - std::pow(config_.beta1, t)) : 1.f;
  const float c2 = config_.bias_correction ? static_cast<float>(1.0 - std::pow(config_.beta2, t)) : 1.f;
  for (const ParameterGroup& g : params_.groups) {
    // The part of the group inside this optimizer's range.
    const int64_t lo = std::max(g.offset, begin_), hi = std::min(g.offset + g.size, end_);
    if (lo >= hi) continue;
    kernels::adamw_step(params_.values.data() + lo, params_.grads.data() + lo, m_.data() + (lo - begin_),
                        v_.data() + (lo - begin_), hi - lo, lr, config_.beta1, config_.beta2, config_.eps,
                        g.decay ? config_.weight_decay : 0.f, c1, c2, grad_scale);
  }
}

}  // namespace nn
