// dropout.h — nn::Dropout and the dropout seed stream.
//
// Every dropout call in a forward pass takes the next seed of one stream:
// seed_k = mix(base, k). A trainer calls set_dropout_seed(mix(run_seed, micro_step)) before each
// forward, so masks are reproducible (and resumable) for any thread count.
#pragma once
#include <cstdint>

#include "nn/module.h"

namespace nn {

// Restarts the dropout seed stream at `base`.
void set_dropout_seed(uint64_t base);
// The next seed of the dropout stream.
uint64_t next_dropout_seed();

class Dropout : public Module {
 public:
  explicit Dropout(float p) : p(p) {}
  // Identity in eval mode or when p == 0; otherwise the core dropout op with the next seed.
  Tensor forward(const Tensor& x) const;

  float p;
};

}  // namespace nn
