// linear.h — nn::Linear: y = x·Wᵀ + b with W (out, in) and b (out), HF/PyTorch layout.
#pragma once
#include "nn/module.h"

namespace nn {

class Linear : public Module {
 public:
  // W ~ Normal(0, init_std) (seeded), b = 0.
  Linear(int64_t in_features, int64_t out_features, bool bias = true, float init_std = 0.02f,
         uint64_t seed = 0);
  // x is (..., in) → (..., out).
  Tensor forward(const Tensor& x) const;

  Tensor weight;  // (out, in)
  Tensor bias;    // (out), undefined when bias == false
};

}  // namespace nn
