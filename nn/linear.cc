// linear.cc — nn::Linear on the core linear op (one GEMM, bias fused).
#include "nn/linear.h"

#include "core/ops.h"
#include "nn/init.h"

namespace nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool has_bias, float init_std, uint64_t seed) {
  weight = Tensor::empty({out_features, in_features});
  init_normal(weight, init_std, seed);
  register_parameter("weight", weight);
  if (has_bias) {
    bias = Tensor::zeros({out_features});
    register_parameter("bias", bias);
  }
}

Tensor Linear::forward(const Tensor& x) const { return linear(x, weight, bias); }

}  // namespace nn
