// embedding.h — nn::Embedding: a (num, dim) table whose rows are looked up by int64 ids.
#pragma once
#include "nn/module.h"

namespace nn {

class Embedding : public Module {
 public:
  // Rows ~ Normal(0, init_std) (seeded).
  Embedding(int64_t num_embeddings, int64_t dim, float init_std = 0.02f, uint64_t seed = 0);
  // ids (any shape, I64) → ids.shape + (dim).
  Tensor forward(const Tensor& ids) const;

  Tensor weight;  // (num, dim)
};

}  // namespace nn
