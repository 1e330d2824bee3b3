// embeddings.cc — BertEmbeddings forward.
#include "bert/model/embeddings.h"

#include <vector>

#include "core/ops.h"
#include "core/rng.h"

namespace bert {

BertEmbeddings::BertEmbeddings(const BertConfig& c, uint64_t seed)
    : word_embeddings(c.vocab_size, c.hidden_size, c.initializer_range, nn::mix_seed(seed, 1)),
      position_embeddings(c.max_position_embeddings, c.hidden_size, c.initializer_range, nn::mix_seed(seed, 2)),
      token_type_embeddings(c.type_vocab_size, c.hidden_size, c.initializer_range, nn::mix_seed(seed, 3)),
      LayerNorm(c.hidden_size, c.layer_norm_eps),
      dropout(c.hidden_dropout_prob) {
  // As HF's _init_weights: the padding token's embedding starts at zero.
  float* pad = word_embeddings.weight.data() + c.pad_token_id * c.hidden_size;
  std::fill_n(pad, c.hidden_size, 0.f);
  register_module("word_embeddings", word_embeddings);
  register_module("position_embeddings", position_embeddings);
  register_module("token_type_embeddings", token_type_embeddings);
  register_module("LayerNorm", LayerNorm);
  register_module("dropout", dropout);
}

nn::Tensor BertEmbeddings::forward(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                                   int64_t past_length, const nn::Tensor& position_ids) const {
  NN_CHECK(input_ids.dim() == 2 && input_ids.dtype() == nn::DType::I64,
           "BertEmbeddings: input_ids must be (B,T) int64, got shape ", input_ids.shape());
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  const int64_t max_pos = position_embeddings.weight.size(0);
  nn::Tensor positions = position_ids;
  if (positions.defined()) {
    NN_CHECK(positions.dtype() == nn::DType::I64 && positions.shape() == input_ids.shape(),
             "BertEmbeddings: position_ids must be int64 of input_ids' shape ", input_ids.shape());
    for (int64_t p : positions.to_ids())
      NN_CHECK(p >= 0 && p < max_pos, "BertEmbeddings: position ", p, " is outside max_position_embeddings ",
               max_pos);
  } else {
    NN_CHECK(past_length + T <= max_pos, "BertEmbeddings: sequence of ", past_length + T,
             " positions exceeds max_position_embeddings ", max_pos);
    std::vector<int64_t> pos(static_cast<size_t>(T));
    for (int64_t t = 0; t < T; ++t) pos[static_cast<size_t>(t)] = past_length + t;
    positions = nn::Tensor::from_ids({1, T}, pos);
  }
  nn::Tensor types = token_type_ids.defined() ? token_type_ids : nn::Tensor::zeros({B, T}, nn::DType::I64);
  NN_CHECK(types.shape() == input_ids.shape(), "BertEmbeddings: token_type_ids shape ", types.shape(),
           " does not match input_ids ", input_ids.shape());
  nn::Tensor x = nn::add(word_embeddings.forward(input_ids), position_embeddings.forward(positions));
  x = nn::add(x, token_type_embeddings.forward(types));
  return dropout.forward(LayerNorm.forward(x));
}

}  // namespace bert
