// dropout.cc — nn::Dropout (its seed stream lives in core/rng.cc).
#include "nn/dropout.h"

#include "core/ops.h"

namespace nn {

Tensor Dropout::forward(const Tensor& x) const {
  if (!is_training() || p == 0.f) return x;
  return dropout(x, p, true, next_dropout_seed());
}

}  // namespace nn
