// bf16_weights.h — weights rounded to bf16 once and reused across products.
//
// In bf16 precision every gemm() rounds its operands to bf16 (kernels/gemm.h). A weight that
// feeds many products without changing (every forward of an inference run; the forward and
// backward of one training step) need be rounded only once: inside a Bf16WeightScope, linear()
// keeps the rounded copy of each weight it multiplies by and reuses it until the outermost scope
// ends, like the cast cache of a torch.autocast region. The caller promises that the weights do
// not change inside the scope: a trainer opens one per forward + backward and closes it before
// the optimizer step. Outside any scope every product rounds its weight again.
//
// In int8 precision (inference only) the scope likewise keeps each weight's int8 copy, quantized
// per output channel once (int8_weight(); kernels/gemm_int8.h); outside any scope every product
// quantizes its weight again.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace nn {
namespace kernels {
struct PackedWeight;
struct Int8Weight;
}

// Weights rounded to bf16 (or quantized to int8) are kept and reused while an instance lives
// (scopes nest).
class Bf16WeightScope {
 public:
  Bf16WeightScope();
  // The end of the outermost scope drops every kept copy.
  ~Bf16WeightScope();
  Bf16WeightScope(const Bf16WeightScope&) = delete;
  Bf16WeightScope& operator=(const Bf16WeightScope&) = delete;
};

// The bf16 copy of the 2-D contiguous weight w (rows, cols packed row-major), made on first use
// inside a scope; null outside any scope or when w is not 2-D contiguous. Valid until the
// outermost scope ends (the copy also keeps w's storage alive, so its address is not reused).
const uint16_t* bf16_weight(const Tensor& w);

// The kept entry's blocked copies of w for the bf16 GEMM (kernels/gemm_matmul.h), made from the
// fp32 weight on first use, under the same rules as bf16_weight(); null outside any scope.
// Inference passes them to gemm() instead of the plain copy; with gradients, each step would
// re-block its weights once per layout for a single use.
kernels::PackedWeight* bf16_weight_layouts(const Tensor& w);

// The int8 copy of the 2-D contiguous weight w (rows = output channels), quantized on first use
// inside a scope (kernels/gemm_int8.h), under the same rules as bf16_weight(); null outside any
// scope. Valid until the outermost scope ends.
kernels::Int8Weight* int8_weight(const Tensor& w);

// Number of weights kept by the current scope (0 outside any scope; for tests).
int64_t bf16_weights_kept();

}  // namespace nn
