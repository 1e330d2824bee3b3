// layer.cc — BERT blocks and the encoder stack.
#include "bert/model/layer.h"

#include <string>

#include "core/activation_checkpoint.h"
#include "core/ops.h"
#include "core/rng.h"

namespace bert {

BertIntermediate::BertIntermediate(const BertConfig& c, uint64_t seed)
    : dense(c.hidden_size, c.intermediate_size, true, c.initializer_range, seed) {
  register_module("dense", dense);
}

nn::Tensor BertIntermediate::forward(const nn::Tensor& h) const {
  return nn::linear_gelu(h, dense.weight, dense.bias);  // gelu(dense(h)), fused when no gradient is needed
}

BertOutput::BertOutput(const BertConfig& c, uint64_t seed)
    : dense(c.intermediate_size, c.hidden_size, true, c.initializer_range, seed),
      LayerNorm(c.hidden_size, c.layer_norm_eps),
      dropout(c.hidden_dropout_prob) {
  register_module("dense", dense);
  register_module("LayerNorm", LayerNorm);
  register_module("dropout", dropout);
}

nn::Tensor BertOutput::forward(const nn::Tensor& inner, const nn::Tensor& input) const {
  return LayerNorm.forward(nn::add(dropout.forward(dense.forward(inner)), input));
}

BertLayer::BertLayer(const BertConfig& c, uint64_t seed)
    : attention(c, nn::mix_seed(seed, 1)),
      intermediate(c, nn::mix_seed(seed, 2)),
      output(c, nn::mix_seed(seed, 3)) {
  register_module("attention", attention);
  register_module("intermediate", intermediate);
  register_module("output", output);
}

nn::Tensor BertLayer::forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                              LayerKVCache* cache, const nn::Tensor& segments) const {
  nn::Tensor h = attention.forward(x, key_mask, causal, cache, segments);
  return output.forward(intermediate.forward(h), h);
}

BertEncoder::BertEncoder(const BertConfig& c, uint64_t seed) {
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    layer.push_back(std::make_unique<BertLayer>(c, nn::mix_seed(seed, static_cast<uint64_t>(i))));
    register_module("layer." + std::to_string(i), *layer.back());
  }
}

nn::Tensor BertEncoder::forward(const nn::Tensor& x, const nn::Tensor& key_mask, bool causal,
                                KVCache* cache, const nn::Tensor& segments) const {
  if (cache && cache->empty()) cache->resize(layer.size());
  nn::Tensor h = x;
  if (hidden_hook) hidden_hook(0, h);
  for (size_t i = 0; i < layer.size(); ++i) {
    if (recompute && !cache) {
      const BertLayer& block = *layer[i];
      h = nn::checkpoint([&block, causal](const std::vector<nn::Tensor>& in) {
                           return block.forward(in[0], in[1], causal, nullptr, in[2]);
                         }, {h, key_mask, segments});
    } else {
      h = layer[i]->forward(h, key_mask, causal, cache ? &(*cache)[i] : nullptr, segments);
    }
    if (hidden_hook) hidden_hook(i + 1, h);
  }
  return h;
}

}  // namespace bert
