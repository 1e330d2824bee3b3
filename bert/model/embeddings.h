// embeddings.h — BertEmbeddings: word + position + token_type embeddings → LayerNorm → dropout.
#pragma once
#include "bert/config.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/layer_norm.h"

namespace bert {

class BertEmbeddings : public nn::Module {
 public:
  BertEmbeddings(const BertConfig& config, uint64_t seed);
  // input_ids, token_type_ids are (B,T) I64 (token_type_ids may be undefined: all 0); positions
  // are past_length … past_length+T−1, or position_ids (B,T) I64 when defined (per-row positions
  // of a left-padded batch). Returns (B,T,H).
  nn::Tensor forward(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                     int64_t past_length = 0, const nn::Tensor& position_ids = nn::Tensor()) const;

  nn::Embedding word_embeddings, position_embeddings, token_type_embeddings;
  nn::LayerNorm LayerNorm;
  nn::Dropout dropout;
};

}  // namespace bert
