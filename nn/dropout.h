// dropout.h — nn::Dropout, which draws its masks from the dropout seed stream (core/rng.h).
//
// Every dropout call in a forward pass takes the next seed of one stream:
// seed_k = mix(base, k) (set_dropout_seed / next_dropout_seed, core/rng.h). A trainer calls
// set_dropout_seed(mix(run_seed, micro_step)) before each forward, so masks are reproducible (and
// resumable) for any thread count.
#pragma once
#include <cstdint>

#include "core/rng.h"
#include "nn/module.h"

namespace nn {

class Dropout : public Module {
 public:
  explicit Dropout(float p) : p(p) {}
  // Identity in eval mode or when p == 0; otherwise the core dropout op with the next seed.
  Tensor forward(const Tensor& x) const;

  float p;
};

}  // namespace nn
