// sgd.cc — SGD update loop (memory-bound, parallel over the buffer).
#include "nn/optim/sgd.h"

namespace nn {

SGD::SGD(FlatParameters& params, float momentum)
    : params_(params), momentum_(momentum), buf_(Tensor::zeros(params.values.shape())) {}

void SGD::step(float lr) {
  float* p = params_.values.data();
  const float* g = params_.grads.data();
  float* b = buf_.data();
  const int64_t n = params_.values.numel();
  const float mu = momentum_;
#pragma omp parallel for simd schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    b[i] = mu * b[i] + g[i];
    p[i] -= lr * b[i];
  }
}

}  // namespace nn
