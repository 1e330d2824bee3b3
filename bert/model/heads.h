// heads.h — the prediction heads on top of BertModel: the MLM head (dense → gelu → LayerNorm →
// decoder tied to the word embeddings + bias) and the NSP head (Linear H → 2).
#pragma once
#include "bert/config.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"

namespace bert {

class BertPredictionHeadTransform : public nn::Module {
 public:
  BertPredictionHeadTransform(const BertConfig& config, uint64_t seed);
  // LayerNorm(gelu(dense(h))): (..., H) → (..., H).
  nn::Tensor forward(const nn::Tensor& h) const;

  nn::Linear dense;
  nn::LayerNorm LayerNorm;
};

class BertLMPredictionHead : public nn::Module {
 public:
  // `tied_decoder_weight` is the word-embedding matrix (V,H); the head reads it at each forward.
  BertLMPredictionHead(const BertConfig& config, uint64_t seed, const nn::Tensor* tied_decoder_weight);
  // Vocabulary logits: transform(h)·Eᵀ + bias, (..., H) → (..., V).
  nn::Tensor forward(const nn::Tensor& h) const;

  BertPredictionHeadTransform transform;
  nn::Tensor bias;  // (V)
  const nn::Tensor* decoder_weight;
};

class BertOnlyMLMHead : public nn::Module {
 public:
  BertOnlyMLMHead(const BertConfig& config, uint64_t seed, const nn::Tensor* tied_decoder_weight);
  BertLMPredictionHead predictions;
};

class BertPreTrainingHeads : public nn::Module {
 public:
  BertPreTrainingHeads(const BertConfig& config, uint64_t seed, const nn::Tensor* tied_decoder_weight);
  BertLMPredictionHead predictions;
  nn::Linear seq_relationship;  // (2, H): NSP logits from the pooled output
};

}  // namespace bert
