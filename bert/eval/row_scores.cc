// row_scores.cc — log-sum-exp per row in double, parallel over rows.
#include "bert/eval/row_scores.h"

#include <cmath>

#include "core/error.h"

namespace bert {

LMScore score_rows(const nn::Tensor& logits, std::span<const int64_t> targets) {
  NN_CHECK(logits.dim() == 2, "score_rows: logits must be (M,V), got ", logits.shape());
  const int64_t M = logits.size(0), V = logits.size(1);
  NN_CHECK(static_cast<int64_t>(targets.size()) == M, "score_rows: ", M, " rows of logits but ", targets.size(),
           " targets");
  for (const int64_t t : targets) NN_CHECK(t >= 0 && t < V, "score_rows: target id ", t, " is outside [0, ", V, ")");
  const nn::Tensor c = logits.contiguous();
  const float* x = c.data();
  double nats = 0;
  int64_t correct = 0;
#pragma omp parallel for reduction(+ : nats, correct) schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    const float* row = x + i * V;
    int64_t arg = 0;
    for (int64_t v = 1; v < V; ++v)
      if (row[v] > row[arg]) arg = v;
    const double m = row[arg];
    double sum = 0;
    for (int64_t v = 0; v < V; ++v) sum += std::exp(static_cast<double>(row[v]) - m);
    const int64_t t = targets[static_cast<size_t>(i)];
    nats += m + std::log(sum) - static_cast<double>(row[t]);
    correct += arg == t;
  }
  return {M, nats, correct};
}

}  // namespace bert
