// bert_model.cc — BertModel forward and the additive attention mask.
#include "bert/model/bert_model.h"

#include <limits>

#include "core/ops.h"
#include "core/rng.h"

namespace bert {

BertPooler::BertPooler(const BertConfig& c, uint64_t seed)
    : dense(c.hidden_size, c.hidden_size, true, c.initializer_range, seed) {
  register_module("dense", dense);
}

nn::Tensor BertPooler::forward(const nn::Tensor& sequence_output, const nn::Tensor& first_positions) const {
  const int64_t B = sequence_output.size(0), T = sequence_output.size(1), H = sequence_output.size(2);
  nn::Tensor first = first_positions.defined()
                         ? nn::gather_rows(nn::reshape(sequence_output, {B * T, H}), first_positions)
                         : nn::reshape(nn::slice(sequence_output, 1, 0, 1), {B, H});
  return nn::tanh(dense.forward(first));
}

nn::Tensor additive_key_mask(const nn::Tensor& attention_mask) {
  NN_CHECK(attention_mask.dim() == 2, "attention_mask must be (B,S), got shape ", attention_mask.shape());
  nn::Tensor out = nn::Tensor::empty(attention_mask.shape());
  float* dst = out.data();
  const int64_t n = out.numel();
  constexpr float kMasked = std::numeric_limits<float>::lowest();  // HF: torch.finfo(dtype).min
  if (attention_mask.dtype() == nn::DType::I64) {
    const std::vector<int64_t> m = attention_mask.to_ids();
    for (int64_t i = 0; i < n; ++i) dst[i] = m[static_cast<size_t>(i)] ? 0.f : kMasked;
  } else {
    const std::vector<float> m = attention_mask.to_vector();
    for (int64_t i = 0; i < n; ++i) dst[i] = m[static_cast<size_t>(i)] != 0.f ? 0.f : kMasked;
  }
  return out;
}

BertModel::BertModel(const BertConfig& c, uint64_t seed, bool add_pooling_layer)
    : config(c), embeddings(c, nn::mix_seed(seed, 1)), encoder(c, nn::mix_seed(seed, 2)) {
  config.validate();
  register_module("embeddings", embeddings);
  register_module("encoder", encoder);
  if (add_pooling_layer) {
    pooler.emplace(c, nn::mix_seed(seed, 3));
    register_module("pooler", *pooler);
  }
}

BertModelOutput BertModel::forward(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                                   const nn::Tensor& attention_mask, KVCache* cache,
                                   const nn::Tensor& position_ids, const Packing& packing) const {
  const int64_t past = (cache && !cache->empty()) ? (*cache)[0].length() : 0;
  if (packing.instance_ids.defined()) {
    NN_CHECK(!cache, "BertModel: a packed batch (instance_ids) cannot use a KV cache");
    NN_CHECK(position_ids.defined(), "BertModel: a packed batch (instance_ids) needs position_ids restarting at 0 ",
             "in each instance");
    NN_CHECK(packing.instance_ids.shape() == input_ids.shape(), "BertModel: instance_ids of shape ",
             packing.instance_ids.shape(), " do not match input_ids ", input_ids.shape());
  }
  nn::Tensor key_mask;
  if (attention_mask.defined()) {
    NN_CHECK(attention_mask.dim() == 2 && attention_mask.size(0) == input_ids.size(0) &&
                 attention_mask.size(1) == past + input_ids.size(1),
             "BertModel: attention_mask of shape ", attention_mask.shape(), " does not fit input_ids ",
             input_ids.shape(), (past ? " plus the cached positions" : ""));
    key_mask = additive_key_mask(attention_mask);
  }
  nn::Tensor h = embeddings.forward(input_ids, token_type_ids, past, position_ids);
  h = encoder.forward(h, key_mask, config.is_decoder, cache, packing.instance_ids);
  BertModelOutput out{h, {}};
  if (pooler) out.pooled_output = pooler->forward(h, packing.cls_positions);
  return out;
}

}  // namespace bert
