// layer.h — the feed-forward half of a BERT block (BertIntermediate, BertOutput), the block
// itself (BertLayer, post-LN) and the stack of blocks (BertEncoder).
#pragma once
#include <memory>
#include <vector>

#include "bert/model/attention.h"

namespace bert {

class BertIntermediate : public nn::Module {
 public:
  BertIntermediate(const BertConfig& config, uint64_t seed);
  // gelu(dense(h)): (B,T,H) → (B,T,I).
  nn::Tensor forward(const nn::Tensor& h) const;

  nn::Linear dense;
};

class BertOutput : public nn::Module {
 public:
  BertOutput(const BertConfig& config, uint64_t seed);
  // LayerNorm(input + dropout(dense(inner))): inner (B,T,I), input (B,T,H) → (B,T,H).
  nn::Tensor forward(const nn::Tensor& inner, const nn::Tensor& input) const;

  nn::Linear dense;
  nn::LayerNorm LayerNorm;
  nn::Dropout dropout;
};

class BertLayer : public nn::Module {
 public:
  BertLayer(const BertConfig& config, uint64_t seed);
  // One post-LN block: h = LN(x + attn(x)); out = LN(h + W2·gelu(W1·h)). segments (B,T) as
  // BertSelfAttention's (packed rows).
  nn::Tensor forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                     LayerKVCache* cache = nullptr, const nn::Tensor& segments = nn::Tensor()) const;

  BertAttention attention;
  BertIntermediate intermediate;
  BertOutput output;
};

// Per-layer key/value caches of an incremental decode.
using KVCache = std::vector<LayerKVCache>;

class BertEncoder : public nn::Module {
 public:
  BertEncoder(const BertConfig& config, uint64_t seed);
  // Runs every layer; cache (if given) holds one entry per layer; segments as BertLayer's.
  nn::Tensor forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                     KVCache* cache = nullptr, const nn::Tensor& segments = nn::Tensor()) const;

  std::vector<std::unique_ptr<BertLayer>> layer;
};

}  // namespace bert
