// sgd.h — stochastic gradient descent with optional momentum over the flat parameter buffer.
#pragma once
#include "nn/module.h"

namespace nn {

class SGD {
 public:
  // momentum 0 gives plain SGD: p ← p − lr·g.
  SGD(FlatParameters& params, float momentum = 0.f);
  // With momentum μ: b ← μ·b + g; p ← p − lr·b.
  void step(float lr);

 private:
  FlatParameters& params_;
  float momentum_;
  Tensor buf_;
};

}  // namespace nn
