// causal_score.cc — batched window scoring with the head on gathered rows.
#include "bert/eval/causal_score.h"

#include <algorithm>

#include "bert/eval/causal_windows.h"
#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/ops.h"

namespace bert {

LMScore score_causal(const TaskModel& model, std::span<const int32_t> stream, const CausalScoreOptions& options,
                     const ScoreProgress& progress) {
  const nn::Bf16WeightScope fixed_weights;  // the weights are only read here (bf16: rounded once)
  NN_CHECK(as_causal_lm(model),
           "causal scoring needs a causal BertLMHeadModel; this checkpoint is ", model.architecture(),
           " (masked-LM models are scored by pseudo-log-likelihood)");
  const int64_t max_pos = model.config().max_position_embeddings;
  const int64_t L = options.max_len > 0 ? options.max_len : max_pos;
  NN_CHECK(L <= max_pos, "causal scoring: windows of ", L, " tokens exceed the model's ", max_pos, " positions");
  const int64_t S = options.stride > 0 ? options.stride : L - 1;
  NN_CHECK(options.batch_size >= 1, "causal scoring: batch size must be at least 1, got ", options.batch_size);
  const std::vector<ScoreWindow> windows = causal_windows(static_cast<int64_t>(stream.size()), L, S);
  const int32_t pad = static_cast<int32_t>(std::max<int64_t>(model.config().pad_token_id, 0));

  nn::NoGradGuard no_grad;
  const_cast<TaskModel&>(model).eval();  // dropout off: the mode, not the weights, changes
  const BertLMHeadModel& m = *as_causal_lm(model);
  const int64_t total = static_cast<int64_t>(stream.size()) - 1;
  LMScore score;
  const std::span<const ScoreWindow> all(windows);
  const auto per_batch = static_cast<size_t>(options.batch_size);
  for (size_t i = 0; i < all.size(); i += per_batch) {
    const Batch batch = window_batch(stream, all.subspan(i, std::min(per_batch, all.size() - i)), pad);
    const int64_t B = batch.labels.size(0), T = batch.labels.size(1);
    // Position t predicts labels[t + 1]: gather the positions whose next label is scored.
    const std::vector<int64_t> labels = batch.labels.to_ids();
    std::vector<int64_t> positions, targets;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t + 1 < T; ++t) {
        const int64_t y = labels[static_cast<size_t>(b * T + t + 1)];
        if (y < 0) continue;
        positions.push_back(b * T + t);
        targets.push_back(y);
      }
    const nn::Tensor h = m.bert.forward(batch.input_ids, nn::Tensor(), batch.attention_mask).sequence_output;
    const nn::Tensor rows = gather_positions(h, nn::Tensor::from_ids({static_cast<int64_t>(positions.size())}, positions));
    score += score_rows(m.cls.predictions.forward(rows), targets);
    if (progress) progress(score.tokens, total);
  }
  return score;
}

}  // namespace bert
