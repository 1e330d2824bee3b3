// causal_score.h — scoring a token stream with a causal BertLMHeadModel: the windows of
// causal_windows.h in batches, no grad, the vocabulary head applied only at positions that predict
// a scored token.
#pragma once
#include <functional>
#include <span>

#include "bert/model/task_models.h"
#include "bert/eval/row_scores.h"

namespace bert {

struct CausalScoreOptions {
  int64_t max_len = 0;     // window length; 0: the model's max_position_embeddings
  int64_t stride = 0;      // new tokens per window; 0: max_len − 1 (contiguous blocks)
  int64_t batch_size = 8;  // windows per forward
};

// Called after each batch with the tokens scored so far and the total to score.
using ScoreProgress = std::function<void(int64_t done, int64_t total)>;

// Σ −log p(stream[i] | window context) over i = 1 … N−1, with next-token accuracy. Puts the model
// in eval mode. Throws nn::Error for a masked-LM checkpoint, a window longer than the model's
// positions, or a stream shorter than 2 tokens.
LMScore score_causal(const TaskModel& model, std::span<const int32_t> stream, const CausalScoreOptions& options,
                     const ScoreProgress& progress = {});

}  // namespace bert
