// logit_lens.cc — the vocabulary head on every hidden state, softmax and top-k per position.
#include "bert/inspect/logit_lens.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "bert/model/task_models.h"
#include "core/autograd.h"
#include "core/ops.h"

namespace bert {

const BertLMPredictionHead* language_model_head(const TaskModel& model) {
  if (const BertLMPredictionHead* head = masked_lm_head(model)) return head;
  if (const BertLMHeadModel* lm = as_causal_lm(model)) return &lm->cls.predictions;
  return nullptr;
}

nn::Tensor lens_logits(const BertLMPredictionHead& head, const nn::Tensor& hidden, const std::vector<int64_t>& positions) {
  NN_CHECK(hidden.dim() == 3, "logit lens: hidden state must be (B,T,H), got ", hidden.shape());
  const int64_t n = hidden.size(0) * hidden.size(1);
  for (const int64_t p : positions)
    NN_CHECK(p >= 0 && p < n, "logit lens: position ", p, " is outside the ", n, " rows of a hidden state ",
             hidden.shape());
  const nn::Tensor rows = nn::Tensor::from_ids({static_cast<int64_t>(positions.size())}, positions);
  return head.forward(gather_positions(hidden, rows));
}

std::vector<TokenScore> top_tokens(const float* logits, int64_t V, int top_k, const Vocab* vocab) {
  const float top = *std::max_element(logits, logits + V);
  double z = 0;
  for (int64_t v = 0; v < V; ++v) z += std::exp(static_cast<double>(logits[v]) - top);
  const int k = static_cast<int>(std::min<int64_t>(std::max(top_k, 0), V));
  std::vector<int32_t> order(static_cast<size_t>(V));
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  std::vector<TokenScore> out;
  for (int i = 0; i < k; ++i) {
    const int32_t id = order[static_cast<size_t>(i)];
    out.push_back({id, vocab ? vocab->token(id) : std::string(),
                   static_cast<float>(std::exp(static_cast<double>(logits[id]) - top) / z), logits[id]});
  }
  return out;
}

std::vector<LensPosition> logit_lens(const BertLMPredictionHead& head, const std::vector<nn::Tensor>& hidden_states,
                                     const std::vector<int64_t>& positions, int top_k, const Vocab* vocab) {
  nn::NoGradGuard no_grad;
  std::vector<LensPosition> lens;
  for (const int64_t p : positions) lens.push_back({p, {}});
  if (positions.empty()) return lens;
  for (const nn::Tensor& hidden : hidden_states) {
    const nn::Tensor logits = lens_logits(head, hidden, positions);
    const int64_t V = logits.size(1);
    const std::vector<float> l = logits.to_vector();
    for (size_t i = 0; i < positions.size(); ++i)
      lens[i].layers.push_back(top_tokens(l.data() + i * static_cast<size_t>(V), V, top_k, vocab));
  }
  return lens;
}

}  // namespace bert
