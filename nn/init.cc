// init.cc — initialisers writing in place through NoGradGuard-free raw loops (parameters are leaves).
#include "nn/init.h"

#include <algorithm>
#include <cmath>

#include "core/rng.h"

namespace nn {

void init_normal(Tensor& t, float std, uint64_t seed) {
  NN_CHECK(t.is_contiguous(), "init_normal: tensor must be contiguous");
  float* p = t.data();
  const int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) p[i] = std * normal_at(seed, static_cast<uint64_t>(i));
}

void init_truncated_normal(Tensor& t, float std, uint64_t seed) {
  NN_CHECK(t.is_contiguous(), "init_truncated_normal: tensor must be contiguous");
  float* p = t.data();
  const int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    // Draw k of element i is value i + k·n of the stream: deterministic per element.
    float z = normal_at(seed, static_cast<uint64_t>(i));
    for (uint64_t k = 1; std::abs(z) > 2.f; ++k) z = normal_at(seed, static_cast<uint64_t>(i) + k * static_cast<uint64_t>(n));
    p[i] = std * z;
  }
}

void init_constant(Tensor& t, float value) {
  NN_CHECK(t.is_contiguous(), "init_constant: tensor must be contiguous");
  std::fill_n(t.data(), t.numel(), value);
}

}  // namespace nn
