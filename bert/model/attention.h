// attention.h — BertSelfAttention (query/key/value projections and the attention itself),
// BertSelfOutput (dense → dropout → residual LayerNorm) and BertAttention (the two together),
// with an optional key/value cache for incremental causal decoding, and an optional hook that
// observes the attention probabilities (bert/inspect/trace.h installs it).
#pragma once
#include <functional>

#include "bert/config.h"
#include "nn/dropout.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"

namespace bert {

// Keys and values of one layer for the positions decoded so far, in buffers allocated once:
// k_buf, v_buf are (B, heads, capacity, D) and positions [0, length()) are filled. A decode step
// writes its keys/values in place after them; attention reads the filled part as a strided
// (B, heads, length, D) view, so the prefix is never copied.
struct LayerKVCache {
  nn::Tensor k_buf, v_buf;
  int64_t filled = 0;
  int64_t capacity = 0;  // positions to allocate at the first step; 0: max_position_embeddings
  // Number of cached positions.
  int64_t length() const { return filled; }
  // The cached keys (B, heads, length, D) as a view into k_buf (undefined before the first step).
  nn::Tensor keys() const;
  // The cached values, likewise.
  nn::Tensor values() const;
};

// Observes one BertSelfAttention call's probabilities (B, heads, T, S): each row the softmax of
// QKᵀ/√D + masks over the keys it sees (before dropout), 0 at keys it does not see.
using AttentionProbsHook = std::function<void(const nn::Tensor& probs)>;

class BertSelfAttention : public nn::Module {
 public:
  BertSelfAttention(const BertConfig& config, uint64_t seed);
  // x is (B,T,H); key_mask additive (B,S) or undefined; causal masks future keys. With a cache,
  // this step's keys/values are written into it in place (no-grad only) and the queries attend
  // over all cached positions. segments (B,T) I64, if defined (packed rows, no cache): a position
  // attends only to the positions of its own run of equal ids (nn::attention). Returns the
  // context (B,T,H).
  nn::Tensor forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                     LayerKVCache* cache = nullptr, const nn::Tensor& segments = nn::Tensor()) const;

  nn::Linear query, key, value;
  nn::Dropout dropout;  // on the attention probabilities (training only)
  int64_t heads;
  int64_t max_positions;  // default KV-cache capacity
  // When set, forward() also hands its probabilities to the hook (nn::attention_probs: a second,
  // no-grad kernel call; the forward's own output is untouched). Unset, it costs one test. An
  // observer, not model state, so it can be set on a const model.
  mutable AttentionProbsHook probs_hook;
};

class BertSelfOutput : public nn::Module {
 public:
  BertSelfOutput(const BertConfig& config, uint64_t seed);
  // LayerNorm(input + dropout(dense(context))).
  nn::Tensor forward(const nn::Tensor& context, const nn::Tensor& input) const;

  nn::Linear dense;
  nn::LayerNorm LayerNorm;
  nn::Dropout dropout;
};

class BertAttention : public nn::Module {
 public:
  BertAttention(const BertConfig& config, uint64_t seed);
  // Self-attention then the output block, x is (B,T,H); segments as BertSelfAttention's.
  nn::Tensor forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                     LayerKVCache* cache = nullptr, const nn::Tensor& segments = nn::Tensor()) const;

  BertSelfAttention self;
  BertSelfOutput output;
};

}  // namespace bert
