// init.h — parameter initialisation from the counter-based RNG (same values for any thread count).
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace nn {

// Fills t with Normal(0, std) draws of stream `seed`.
void init_normal(Tensor& t, float std, uint64_t seed);
// Fills t with Normal(0, std) truncated to ±2·std by redrawing (TensorFlow's truncated_normal,
// used by Google's BERT).
void init_truncated_normal(Tensor& t, float std, uint64_t seed);
// Fills t with one value.
void init_constant(Tensor& t, float value);

}  // namespace nn
