// adamw.cc — AdamW step: bias corrections computed once, the sweep is the core adamw kernel.
#include "nn/optim/adamw.h"

#include <cmath>

#include "core/kernels/adamw.h"
#include "core/profile.h"

namespace nn {

AdamW::AdamW(FlatParameters& params, AdamWConfig config)
    : params_(params), config_(config),
      m_(Tensor::zeros(params.values.shape())), v_(Tensor::zeros(params.values.shape())) {}

void AdamW::step(float lr, float grad_scale) {
  const profile::Scope prof("adamw");
  ++step_;
  const double t = static_cast<double>(step_);
  const float c1 = config_.bias_correction ? static_cast<float>(1.0 - std::pow(config_.beta1, t)) : 1.f;
  const float c2 = config_.bias_correction ? static_cast<float>(1.0 - std::pow(config_.beta2, t)) : 1.f;
  for (const ParameterGroup& g : params_.groups) {
    kernels::adamw_step(params_.values.data() + g.offset, params_.grads.data() + g.offset,
                        m_.data() + g.offset, v_.data() + g.offset, g.size, lr, config_.beta1,
                        config_.beta2, config_.eps, g.decay ? config_.weight_decay : 0.f, c1, c2,
                        grad_scale);
  }
}

}  // namespace nn
