// heads.cc — MLM and NSP heads.
#include "bert/model/heads.h"

#include "core/ops.h"
#include "core/rng.h"

namespace bert {

BertPredictionHeadTransform::BertPredictionHeadTransform(const BertConfig& c, uint64_t seed)
    : dense(c.hidden_size, c.hidden_size, true, c.initializer_range, seed),
      LayerNorm(c.hidden_size, c.layer_norm_eps) {
  register_module("dense", dense);
  register_module("LayerNorm", LayerNorm);
}

nn::Tensor BertPredictionHeadTransform::forward(const nn::Tensor& h) const {
  return LayerNorm.forward(nn::linear_gelu(h, dense.weight, dense.bias));  // LayerNorm(gelu(dense(h)))
}

BertLMPredictionHead::BertLMPredictionHead(const BertConfig& c, uint64_t seed, const nn::Tensor* tied)
    : transform(c, seed), bias(nn::Tensor::zeros({c.vocab_size})), decoder_weight(tied) {
  register_module("transform", transform);
  register_parameter("bias", bias);
}

nn::Tensor BertLMPredictionHead::forward(const nn::Tensor& h) const {
  return nn::linear(transform.forward(h), *decoder_weight, bias);
}

BertOnlyMLMHead::BertOnlyMLMHead(const BertConfig& c, uint64_t seed, const nn::Tensor* tied)
    : predictions(c, seed, tied) {
  register_module("predictions", predictions);
}

BertPreTrainingHeads::BertPreTrainingHeads(const BertConfig& c, uint64_t seed, const nn::Tensor* tied)
    : predictions(c, nn::mix_seed(seed, 1), tied),
      seq_relationship(c.hidden_size, 2, true, c.initializer_range, nn::mix_seed(seed, 2)) {
  register_module("predictions", predictions);
  register_module("seq_relationship", seq_relationship);
}

}  // namespace bert
