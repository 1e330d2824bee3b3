// logit_lens.h — the "logit lens" (nostalgebraist 2020): the model's own vocabulary head applied
// to the hidden state after every layer, not only the last, to see at which depth a prediction
// forms. For a masked LM the head is the MLM head (dense → gelu → LayerNorm → tied decoder +
// bias); for a causal LM, its next-token head. At the last layer this is the model's prediction.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bert/model/heads.h"
#include "bert/task/task_model.h"
#include "bert/tokenizer/vocab.h"

namespace bert {

// The vocabulary head of a language model (BertForPreTraining, BertForMaskedLM or
// BertLMHeadModel), or nullptr for a model without one (a classifier).
const BertLMPredictionHead* language_model_head(const TaskModel& model);

// Logits (N, V) of `head` on the rows of hidden (B,T,H) at flat positions b·T + t (N of them).
nn::Tensor lens_logits(const BertLMPredictionHead& head, const nn::Tensor& hidden, const std::vector<int64_t>& positions);

// A vocabulary entry with its softmax probability and logit.
struct TokenScore {
  int32_t id = 0;
  std::string token;  // filled when a vocabulary is at hand
  float prob = 0.f;
  float logit = 0.f;
};

// The top_k tokens of a row of logits (V), most probable first (ties: lower id first); their
// strings from `vocab` when given.
std::vector<TokenScore> top_tokens(const float* logits, int64_t V, int top_k, const Vocab* vocab = nullptr);

// The lens at one position: layers[s] holds the top tokens read from hidden state s (0: the
// embeddings' output, s: after layer s − 1; the last is the model's own prediction).
struct LensPosition {
  int64_t position = 0;  // flat b·T + t
  std::vector<std::vector<TokenScore>> layers;
};

// The lens of `head` at each flat position, top_k tokens per hidden state (L + 1 of them, as
// EncoderCapture::hidden_states() gives them), with token strings from `vocab` when given. Runs
// without gradients.
std::vector<LensPosition> logit_lens(const BertLMPredictionHead& head, const std::vector<nn::Tensor>& hidden_states,
                                     const std::vector<int64_t>& positions, int top_k, const Vocab* vocab = nullptr);

}  // namespace bert
