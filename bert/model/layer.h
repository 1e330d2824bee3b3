// layer.h — the feed-forward half of a BERT block (BertIntermediate, BertOutput), the block
// itself (BertLayer, post-LN) and the stack of blocks (BertEncoder).
#pragma once
#include <functional>
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

// Observes the encoder's hidden states (B,T,H) as they pass: index 0 is its input (the
// embeddings' output), index i the output of layer i − 1.
using HiddenStateHook = std::function<void(size_t index, const nn::Tensor& hidden)>;

class BertEncoder : public nn::Module {
 public:
  BertEncoder(const BertConfig& config, uint64_t seed);
  // Runs every layer; cache (if given) holds one entry per layer; segments as BertLayer's.
  nn::Tensor forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                     KVCache* cache = nullptr, const nn::Tensor& segments = nn::Tensor()) const;

  std::vector<std::unique_ptr<BertLayer>> layer;
  // When set, forward() hands it every hidden state (unset: one test per layer). An observer,
  // not model state, so it can be set on a const model (bert/inspect/trace.h installs it).
  mutable HiddenStateHook hidden_hook;
  // When true, a forward that records gradients keeps only each layer's input and the backward
  // recomputes the layer (nn::checkpoint, core/activation_checkpoint.h): activation memory of one
  // layer instead of all, for about one more forward per step; the same numbers bit for bit. A way
  // of running, not model state, so it can be set on a const model (the trainer sets it).
  mutable bool recompute = false;
};

}  // namespace bert
