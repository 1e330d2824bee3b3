// embedding.cc — nn::Embedding on the core embedding op.
#include "nn/embedding.h"

#include "core/ops.h"
#include "nn/init.h"

namespace nn {

Embedding::Embedding(int64_t num_embeddings, int64_t dim, float init_std, uint64_t seed) {
  weight = Tensor::empty({num_embeddings, dim});
  init_normal(weight, init_std, seed);
  register_parameter("weight", weight);
}

Tensor Embedding::forward(const Tensor& ids) const { return embedding(weight, ids); }

}  // namespace nn
