// attention.cc — BERT's attention block on the fused core attention op.
#include "bert/model/attention.h"

#include <cstring>
#include <tuple>
#include <utility>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/ops/attention_probs.h"
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

// Writes x (B,T,H) = (B,T,heads,D) into buf (B,heads,capacity,D) at positions at .. at+T−1.
void write_heads(const nn::Tensor& x, nn::Tensor& buf, int64_t at) {
  const nn::Tensor xc = x.contiguous();
  const int64_t B = xc.size(0), T = xc.size(1), heads = buf.size(1), cap = buf.size(2), D = buf.size(3);
  const float* src = xc.data();
  float* dst = buf.data();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t h = 0; h < heads; ++h)
        std::memcpy(dst + ((b * heads + h) * cap + at + t) * D, src + ((b * T + t) * heads + h) * D,
                    static_cast<size_t>(D) * sizeof(float));
}

// Appends this step's keys and values (B,T,H) to the cache, allocating its buffers at the first
// step, and returns the filled part of the cache as (B,heads,S,D) views.
std::pair<nn::Tensor, nn::Tensor> append_to_cache(LayerKVCache& cache, const nn::Tensor& k, const nn::Tensor& v,
                                                  int64_t heads, int64_t max_positions) {
  NN_CHECK(!nn::grad_enabled() || (!k.requires_grad() && !v.requires_grad()),
           "KV cache: decoding with a cache runs without gradients (use nn::NoGradGuard)");
  const int64_t B = k.size(0), T = k.size(1), D = k.size(2) / heads;
  if (!cache.k_buf.defined()) {
    const int64_t cap = cache.capacity > 0 ? cache.capacity : max_positions;
    cache.k_buf = nn::Tensor::empty({B, heads, cap, D});
    cache.v_buf = nn::Tensor::empty({B, heads, cap, D});
    cache.filled = 0;
  }
  const int64_t cap = cache.k_buf.size(2);
  NN_CHECK(cache.k_buf.size(0) == B, "KV cache: batch of ", B, " rows, but the cache holds ", cache.k_buf.size(0));
  NN_CHECK(cache.filled + T <= cap, "KV cache: ", cache.filled, " cached + ", T, " new positions exceed its capacity ",
           cap);
  write_heads(k, cache.k_buf, cache.filled);
  write_heads(v, cache.v_buf, cache.filled);
  cache.filled += T;
  return {cache.keys(), cache.values()};
}

}  // namespace

nn::Tensor LayerKVCache::keys() const { return k_buf.defined() ? nn::slice(k_buf, 2, 0, filled) : nn::Tensor(); }

nn::Tensor LayerKVCache::values() const { return v_buf.defined() ? nn::slice(v_buf, 2, 0, filled) : nn::Tensor(); }

BertSelfAttention::BertSelfAttention(const BertConfig& c, uint64_t seed)
    : query(c.hidden_size, c.hidden_size, true, c.initializer_range, nn::mix_seed(seed, 1)),
      key(c.hidden_size, c.hidden_size, true, c.initializer_range, nn::mix_seed(seed, 2)),
      value(c.hidden_size, c.hidden_size, true, c.initializer_range, nn::mix_seed(seed, 3)),
      dropout(c.attention_probs_dropout_prob),
      heads(c.num_attention_heads),
      max_positions(c.max_position_embeddings) {
  register_module("query", query);
  register_module("key", key);
  register_module("value", value);
  register_module("dropout", dropout);
}

nn::Tensor BertSelfAttention::forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                                      LayerKVCache* cache, const nn::Tensor& segments) const {
  NN_CHECK(!cache || !segments.defined(), "BertSelfAttention: packed rows (segments) cannot use a KV cache");
  nn::Tensor q = split_heads(query.forward(x), heads);
  nn::Tensor k, v;
  if (cache) {
    std::tie(k, v) = append_to_cache(*cache, key.forward(x), value.forward(x), heads, max_positions);
  } else {
    k = split_heads(key.forward(x), heads);
    v = split_heads(value.forward(x), heads);
  }
  // Dropout on the probabilities runs inside the fused op, with one seed of the dropout stream
  // per call (as the Dropout module would draw).
  const bool drop = dropout.is_training() && dropout.p > 0.f;
  nn::Tensor context = drop ? nn::attention(q, k, v, key_mask, causal, dropout.p, nn::next_dropout_seed(), segments)
                            : nn::attention(q, k, v, key_mask, causal, 0.f, 0, segments);
  if (probs_hook) probs_hook(nn::attention_probs(q, k, key_mask, causal, segments));
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
                                  LayerKVCache* cache, const nn::Tensor& segments) const {
  return output.forward(self.forward(x, key_mask, causal, cache, segments), x);
}

}  // namespace bert
