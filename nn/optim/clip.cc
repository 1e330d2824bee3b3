// clip.cc — one reduction (sum of squares in double) and, when clipping, one scaling pass.
#include "nn/optim/clip.h"
#include "core/profile.h"

#include <cmath>

namespace nn {

double grad_norm(const FlatParameters& params) {
  const profile::Scope prof("grad_norm");
  const float* g = params.grads.data();
  const int64_t n = params.grads.numel();
  double sumsq = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : sumsq)
  for (int64_t i = 0; i < n; ++i) sumsq += static_cast<double>(g[i]) * g[i];
  return std::sqrt(sumsq);
}

float clip_coefficient(double norm, double max_norm) {
  const double coef = max_norm / (norm + 1e-6);
  return std::isfinite(norm) && coef < 1.0 ? static_cast<float>(coef) : 1.f;
}

double clip_grad_norm(FlatParameters& params, double max_norm) {
  const double norm = grad_norm(params);
  const float c = clip_coefficient(norm, max_norm);
  if (c < 1.f) {
    const profile::Scope prof("clip_grad_norm");
    float* g = params.grads.data();
    const int64_t n = params.grads.numel();
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) g[i] *= c;
  }
  return norm;
}

}  // namespace nn
