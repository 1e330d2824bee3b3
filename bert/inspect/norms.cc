// norms.cc — per-token L2 norms of hidden states, accumulated in double.
#include "bert/inspect/norms.h"

#include <cmath>

#include "core/error.h"
#include "core/ops.h"

namespace bert {

std::vector<std::vector<float>> hidden_state_norms(const std::vector<nn::Tensor>& hidden_states, int64_t batch_row) {
  std::vector<std::vector<float>> norms;
  for (size_t s = 0; s < hidden_states.size(); ++s) {
    const nn::Tensor& h = hidden_states[s];
    NN_CHECK(h.defined() && h.dim() == 3 && batch_row >= 0 && batch_row < h.size(0), "hidden_state_norms: state ",
             s, " must be (B,T,H) with a row ", batch_row, ", got ", h.defined() ? h.shape() : nn::Shape{});
    const int64_t T = h.size(1), H = h.size(2);
    const std::vector<float> x = nn::slice(h, 0, batch_row, batch_row + 1).to_vector();
    std::vector<float> row(static_cast<size_t>(T));
    for (int64_t t = 0; t < T; ++t) {
      double sq = 0;
      for (int64_t d = 0; d < H; ++d) sq += static_cast<double>(x[static_cast<size_t>(t * H + d)]) * x[static_cast<size_t>(t * H + d)];
      row[static_cast<size_t>(t)] = static_cast<float>(std::sqrt(sq));
    }
    norms.push_back(std::move(row));
  }
  return norms;
}

}  // namespace bert
