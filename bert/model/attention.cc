// attention.cc — BERT's attention block on the fused core attention op.
#include "bert/model/attention.h"

#include <cmath>
#include <limits>

#include "core/ops.h"
#include "core/rng.h"

namespace bert {
namespace {

// (B,T,H) → (B,heads,T,D) as a strided view (no copy).
nn::Tensor split_heads(const nn::Tensor& x, int64_t heads) {
  const int64_t B = x.size(0), T = x.size(1), H = x.size(2);
  return nn::permute(nn::reshape(x, {B, T, heads, H / heads}), {0, 2, 1, 3});
}

// (B,heads,T,D) → (B,T,H).
nn::Tensor merge_heads(const nn::Tensor& x) {
  const int64_t B = x.size(0), heads = x.size(1), T = x.size(2), D = x.size(3);
  return nn::reshape(nn::permute(x, {0, 2, 1, 3}), {B, T, heads * D});
}

// softmax(QKᵀ/√D + mask) with dropout on the probabilities, then ·V, from unfused ops: the
// path used only when attention dropout is active in training.
nn::Tensor attention_with_dropout(const nn::Tensor& q, const nn::Tensor& k, const nn::Tensor& v,
                                  const nn::Tensor& key_mask, bool causal, const nn::Dropout& drop) {
  const int64_t B = q.size(0), T = q.size(2), S = k.size(2), D = q.size(3);
  nn::Tensor scores = nn::mul(nn::matmul(q, k, false, true), 1.f / std::sqrt(static_cast<float>(D)));
  if (key_mask.defined()) scores = nn::add(scores, nn::reshape(key_mask, {B, 1, 1, S}));
  if (causal) {
    std::vector<float> m(static_cast<size_t>(T * S), 0.f);
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = i + (S - T) + 1; j < S; ++j)
        m[static_cast<size_t>(i * S + j)] = std::numeric_limits<float>::lowest();
    scores = nn::add(scores, nn::Tensor::from_data({T, S}, m));
  }
  return nn::matmul(drop.forward(nn::softmax(scores)), v);
}

}  // namespace

BertSelfAttention::BertSelfAttention(const BertConfig& c, uint64_t seed)
    : query(c.hidden_size, c.hidden_size, true, c.initializer_range, nn::mix_seed(seed, 1)),
      key(c.hidden_size, c.hidden_size, true, c.initializer_range, nn::mix_seed(seed, 2)),
      value(c.hidden_size, c.hidden_size, true, c.initializer_range, nn::mix_seed(seed, 3)),
      dropout(c.attention_probs_dropout_prob),
      heads(c.num_attention_heads) {
  register_module("query", query);
  register_module("key", key);
  register_module("value", value);
  register_module("dropout", dropout);
}

nn::Tensor BertSelfAttention::forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                                      LayerKVCache* cache) const {
  nn::Tensor q = split_heads(query.forward(x), heads);
  nn::Tensor k = split_heads(key.forward(x), heads);
  nn::Tensor v = split_heads(value.forward(x), heads);
  if (cache) {
    if (cache->k.defined()) {
      k = nn::concat({cache->k, k}, 2);
      v = nn::concat({cache->v, v}, 2);
    } else {
      k = k.contiguous();
      v = v.contiguous();
    }
    cache->k = k;
    cache->v = v;
  }
  nn::Tensor context = (dropout.is_training() && dropout.p > 0.f)
                           ? attention_with_dropout(q, k, v, key_mask, causal, dropout)
                           : nn::attention(q, k, v, key_mask, causal);
  return merge_heads(context);
}

BertSelfOutput::BertSelfOutput(const BertConfig& c, uint64_t seed)
    : dense(c.hidden_size, c.hidden_size, true, c.initializer_range, seed),
      LayerNorm(c.hidden_size, c.layer_norm_eps),
      dropout(c.hidden_dropout_prob) {
  register_module("dense", dense);
  register_module("LayerNorm", LayerNorm);
  register_module("dropout", dropout);
}

nn::Tensor BertSelfOutput::forward(const nn::Tensor& context, const nn::Tensor& input) const {
  return LayerNorm.forward(nn::add(dropout.forward(dense.forward(context)), input));
}

BertAttention::BertAttention(const BertConfig& c, uint64_t seed)
    : self(c, nn::mix_seed(seed, 1)), output(c, nn::mix_seed(seed, 2)) {
  register_module("self", self);
  register_module("output", output);
}

nn::Tensor BertAttention::forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                                  LayerKVCache* cache) const {
  return output.forward(self.forward(x, key_mask, causal, cache), x);
}

}  // namespace bert
