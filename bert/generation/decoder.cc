// decoder.cc — left-padded prefill and per-step decode on the KV cache.
#include "bert/generation/decoder.h"

#include <algorithm>

#include "core/ops.h"

namespace bert {

Decoder::Decoder(const BertLMHeadModel& model, int64_t batch, int64_t capacity)
    : model_(model), batch_(batch), length_(static_cast<size_t>(batch), 0) {
  NN_CHECK(batch >= 1, "Decoder: batch must be at least 1, got ", batch);
  cache_.resize(model.bert.encoder.layer.size());
  for (LayerKVCache& c : cache_) c.capacity = capacity > 0 ? capacity : model.bert.config.max_position_embeddings;
}

nn::Tensor Decoder::mask_tensor() const {
  if (!any_masked_) return nn::Tensor();
  const int64_t cap = cache_[0].capacity;
  std::vector<int64_t> m(static_cast<size_t>(batch_ * slots_));
  for (int64_t b = 0; b < batch_; ++b)
    std::copy_n(mask_.begin() + b * cap, slots_, m.begin() + b * slots_);
  return nn::Tensor::from_ids({batch_, slots_}, m);
}

nn::Tensor Decoder::last_logits(const nn::Tensor& h) const {
  const int64_t T = h.size(1), H = h.size(2);
  const nn::Tensor last = nn::reshape(nn::slice(h, 1, T - 1, T), {batch_, H});
  return model_.cls.predictions.forward(last);
}

nn::Tensor Decoder::prefill(const std::vector<std::vector<int32_t>>& prompts) {
  NN_CHECK(static_cast<int64_t>(prompts.size()) == batch_, "Decoder: ", prompts.size(), " prompts for a batch of ",
           batch_);
  NN_CHECK(slots_ == 0, "Decoder: prefill must come first, once");
  const int64_t max_pos = model_.bert.config.max_position_embeddings;
  int64_t T = 0;
  for (const auto& p : prompts) {
    NN_CHECK(!p.empty(), "Decoder: an empty prompt (start it with [SEP] for a new document)");
    NN_CHECK(static_cast<int64_t>(p.size()) < max_pos, "Decoder: a prompt of ", p.size(),
             " tokens; the model has ", max_pos, " positions");
    T = std::max(T, static_cast<int64_t>(p.size()));
  }
  NN_CHECK(T <= cache_[0].capacity, "Decoder: a prompt of ", T, " tokens exceeds the cache capacity ",
           cache_[0].capacity);
  // Left padding: every row's last prompt token is at slot T−1; row b's positions start at its
  // first real token.
  const int64_t cap = cache_[0].capacity;
  mask_.assign(static_cast<size_t>(batch_ * cap), 0);
  std::vector<int64_t> ids(static_cast<size_t>(batch_ * T)), pos(static_cast<size_t>(batch_ * T));
  const int64_t pad_id = model_.bert.config.pad_token_id;
  for (int64_t b = 0; b < batch_; ++b) {
    const auto& p = prompts[static_cast<size_t>(b)];
    const int64_t pad = T - static_cast<int64_t>(p.size());
    any_masked_ |= pad > 0;
    for (int64_t t = 0; t < T; ++t) {
      const size_t i = static_cast<size_t>(b * T + t);
      ids[i] = t < pad ? pad_id : p[static_cast<size_t>(t - pad)];
      pos[i] = t < pad ? 0 : t - pad;
      mask_[static_cast<size_t>(b * cap + t)] = t < pad ? 0 : 1;
    }
    length_[static_cast<size_t>(b)] = static_cast<int64_t>(p.size());
  }
  slots_ = T;
  const nn::Tensor h = model_.bert.forward(nn::Tensor::from_ids({batch_, T}, ids), nn::Tensor(), mask_tensor(), &cache_,
                                           any_masked_ ? nn::Tensor::from_ids({batch_, T}, pos) : nn::Tensor())
                           .sequence_output;
  return last_logits(h);
}

nn::Tensor Decoder::step(const std::vector<int32_t>& tokens, const std::vector<bool>& live) {
  NN_CHECK(slots_ > 0, "Decoder: step before prefill");
  NN_CHECK(static_cast<int64_t>(tokens.size()) == batch_ && static_cast<int64_t>(live.size()) == batch_,
           "Decoder: ", tokens.size(), " tokens and ", live.size(), " live flags for a batch of ", batch_);
  const int64_t cap = cache_[0].capacity;
  NN_CHECK(slots_ < cap, "Decoder: the KV cache is full (", cap, " slots)");
  const int64_t max_pos = model_.bert.config.max_position_embeddings;
  std::vector<int64_t> ids(static_cast<size_t>(batch_)), pos(static_cast<size_t>(batch_));
  bool offset = false;
  for (int64_t b = 0; b < batch_; ++b) {
    const size_t i = static_cast<size_t>(b);
    int64_t& len = length_[i];
    if (live[i]) {
      NN_CHECK(len < max_pos, "Decoder: row ", b, " has used all ", max_pos, " positions");
      ids[i] = tokens[i];
      pos[i] = len++;
      mask_[static_cast<size_t>(b * cap + slots_)] = 1;
    } else {
      ids[i] = model_.bert.config.pad_token_id;
      pos[i] = std::min(len, max_pos - 1);
      any_masked_ = true;
    }
    offset |= pos[i] != slots_;
  }
  ++slots_;
  const nn::Tensor h = model_.bert.forward(nn::Tensor::from_ids({batch_, 1}, ids), nn::Tensor(), mask_tensor(), &cache_,
                                           offset ? nn::Tensor::from_ids({batch_, 1}, pos) : nn::Tensor())
                           .sequence_output;
  return last_logits(h);
}

}  // namespace bert
