// decoder.h — incremental decoding of a causal BertLMHeadModel over a batch of prompts: the
// prompts in one left-padded pass (key mask on the padding, per-row positions), then one token
// per row per step through the preallocated KV cache. Only the last position's vocabulary
// logits are computed (one GEMV-sized decoder product per row).
#pragma once
#include <cstdint>
#include <vector>

#include "bert/model/task_models.h"

namespace bert {

class Decoder {
 public:
  // A decoder for `batch` rows whose cache holds `capacity` slots (longest prompt + steps; the
  // model's max_position_embeddings when 0).
  Decoder(const BertLMHeadModel& model, int64_t batch, int64_t capacity = 0);

  // Runs the prompts (one per row, each non-empty and shorter than the model's positions) and
  // returns the logits (B,V) after each prompt's last token. Call once, first, inside no-grad.
  nn::Tensor prefill(const std::vector<std::vector<int32_t>>& prompts);

  // Feeds token[b] to every row b with live[b] (a finished row gets [PAD], masked out) and
  // returns the logits (B,V) after it.
  nn::Tensor step(const std::vector<int32_t>& tokens, const std::vector<bool>& live);

  // Positions used by row b (its prompt and the tokens fed since).
  int64_t length(int64_t b) const { return length_[static_cast<size_t>(b)]; }

 private:
  // Logits (B,V) of the last position of sequence_output (B,T,H).
  nn::Tensor last_logits(const nn::Tensor& sequence_output) const;
  // The (B, slots) attention mask so far, or undefined when no slot is masked.
  nn::Tensor mask_tensor() const;

  const BertLMHeadModel& model_;
  int64_t batch_;
  KVCache cache_;
  std::vector<int64_t> length_;  // per row
  std::vector<int64_t> mask_;    // (B, slots) row-major: 1 = attend, 0 = padding / finished
  int64_t slots_ = 0;
  bool any_masked_ = false;
};

}  // namespace bert
