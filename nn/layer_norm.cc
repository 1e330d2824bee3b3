// layer_norm.cc — nn::LayerNorm on the fused core layer_norm op.
#include "nn/layer_norm.h"

#include "core/ops.h"

namespace nn {

LayerNorm::LayerNorm(int64_t dim, float eps_) : eps(eps_) {
  weight = Tensor::ones({dim});
  bias = Tensor::zeros({dim});
  register_parameter("weight", weight);
  register_parameter("bias", bias);
}

Tensor LayerNorm::forward(const Tensor& x) const { return layer_norm(x, weight, bias, eps); }

}  // namespace nn
