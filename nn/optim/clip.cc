// clip.cc — one reduction (sum of squares in double) and one scaling pass.
#include "nn/optim/clip.h"
#include "core/profile.h"

#include <cmath>

namespace nn {

double clip_grad_norm(FlatParameters& params, double max_norm) {
  const profile::Scope prof("clip_grad_norm");
  float* g = params.grads.data();
  const int64_t n = params.grads.numel();
  double sumsq = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : sumsq)
  for (int64_t i = 0; i < n; ++i) sumsq += static_cast<double>(g[i]) * g[i];
  const double norm = std::sqrt(sumsq);
  if (!std::isfinite(norm)) return norm;
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) {
    const float c = static_cast<float>(coef);
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) g[i] *= c;
  }
  return norm;
}

}  // namespace nn
