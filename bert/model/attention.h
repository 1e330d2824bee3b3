// attention.h — BertSelfAttention (query/key/value projections and the attention itself),
// BertSelfOutput (dense → dropout → residual LayerNorm) and BertAttention (the two together),
// with an optional key/value cache for incremental causal decoding.
#pragma once
#include "bert/config.h"
#include "nn/dropout.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"

namespace bert {

// Keys and values of one layer for the positions decoded so far: k, v are (B, heads, S, D).
struct LayerKVCache {
  nn::Tensor k, v;
  int64_t length() const { return k.defined() ? k.size(2) : 0; }
};

class BertSelfAttention : public nn::Module {
 public:
  BertSelfAttention(const BertConfig& config, uint64_t seed);
  // x is (B,T,H); key_mask additive (B,S) or undefined; causal masks future keys. With a cache,
  // this step's keys/values are appended to it and the queries attend over all cached positions.
  // Returns the context (B,T,H).
  nn::Tensor forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                     LayerKVCache* cache = nullptr) const;

  nn::Linear query, key, value;
  nn::Dropout dropout;  // on the attention probabilities (training only)
  int64_t heads;
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
  // Self-attention then the output block, x is (B,T,H).
  nn::Tensor forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                     LayerKVCache* cache = nullptr) const;

  BertSelfAttention self;
  BertSelfOutput output;
};

}  // namespace bert
