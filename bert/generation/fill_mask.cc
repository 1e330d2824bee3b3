// fill_mask.cc — one no-grad forward, softmax at the masked rows, top-k.
#include "bert/generation/fill_mask.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/autograd.h"
#include "core/ops.h"

namespace bert {

std::vector<MaskPrediction> fill_mask(const TaskModel& model, const Tokenizer& tokenizer,
                                      const std::string& prompt, int top_k) {
  NN_CHECK(!as_causal_lm(model),
           "fill-mask needs a masked-LM model; this checkpoint is a causal BertLMHeadModel");
  NN_CHECK(top_k >= 1, "fill-mask: top-k must be at least 1, got ", top_k);
  NN_CHECK(tokenizer.specials().mask >= 0, tokenizer.vocab().source(),
           ": the vocabulary has no [MASK] token, so no position can be marked for fill-mask");
  const Encoding enc = tokenizer.encode_single(prompt);
  const int64_t T = static_cast<int64_t>(enc.size());
  NN_CHECK(T <= model.config().max_position_embeddings, "fill-mask: the prompt is ", T,
           " tokens, the model takes at most ", model.config().max_position_embeddings);
  std::vector<int64_t> ids(enc.ids.begin(), enc.ids.end());
  std::vector<int64_t> types(enc.token_type_ids.begin(), enc.token_type_ids.end());
  std::vector<int64_t> mask_positions;
  for (int64_t t = 0; t < T; ++t)
    if (ids[static_cast<size_t>(t)] == tokenizer.specials().mask) mask_positions.push_back(t);
  NN_CHECK(!mask_positions.empty(), "fill-mask: the prompt has no [MASK] token");

  nn::NoGradGuard no_grad;
  const nn::Tensor input = nn::Tensor::from_ids({1, T}, ids);
  const FullOutput out = model.forward_all(input, nn::Tensor::from_ids({1, T}, types), nn::Tensor());
  const int64_t V = model.config().vocab_size;
  const nn::Tensor logits = nn::reshape(out.prediction_logits, {T, V});
  const nn::Tensor probs = nn::softmax(nn::gather_rows(
      logits, nn::Tensor::from_ids({static_cast<int64_t>(mask_positions.size())}, mask_positions)));
  const std::vector<float> p = probs.to_vector();

  std::vector<MaskPrediction> result;
  const int k = static_cast<int>(std::min<int64_t>(top_k, V));
  for (size_t m = 0; m < mask_positions.size(); ++m) {
    const float* row = p.data() + m * static_cast<size_t>(V);
    std::vector<int32_t> order(static_cast<size_t>(V));
    std::iota(order.begin(), order.end(), 0);
    // Highest probability first; ties by lower id, so the order is deterministic.
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int32_t a, int32_t b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
    MaskPrediction pred{mask_positions[m], {}};
    for (int i = 0; i < k; ++i) {
      const int32_t id = order[static_cast<size_t>(i)];
      pred.candidates.push_back({tokenizer.vocab().token(id), id, row[id]});
    }
    result.push_back(std::move(pred));
  }
  return result;
}

std::string fill_mask_json(const std::vector<MaskPrediction>& predictions) {
  nlohmann::json masks = nlohmann::json::array();
  for (const MaskPrediction& p : predictions) {
    nlohmann::json cands = nlohmann::json::array();
    for (const MaskCandidate& c : p.candidates) cands.push_back({{"token", c.token}, {"id", c.id}, {"prob", c.prob}});
    masks.push_back({{"position", p.position}, {"candidates", cands}});
  }
  return nlohmann::json{{"masks", masks}}.dump();
}

}  // namespace bert
