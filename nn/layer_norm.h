// layer_norm.h — nn::LayerNorm over the last axis with HF parameter names weight (γ) and bias (β).
#pragma once
#include "nn/module.h"

namespace nn {

class LayerNorm : public Module {
 public:
  // γ = 1, β = 0.
  explicit LayerNorm(int64_t dim, float eps = 1e-12f);
  // x is (..., dim).
  Tensor forward(const Tensor& x) const;

  Tensor weight;  // γ (dim)
  Tensor bias;    // β (dim)
  float eps;
};

}  // namespace nn
