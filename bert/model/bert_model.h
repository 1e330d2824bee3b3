// bert_model.h — BertPooler and BertModel (embeddings → encoder → optional pooler), as HF.
#pragma once
#include <optional>

#include "bert/model/embeddings.h"
#include "bert/model/layer.h"

namespace bert {

class BertPooler : public nn::Module {
 public:
  BertPooler(const BertConfig& config, uint64_t seed);
  // tanh(dense(h[:, 0])): (B,T,H) → (B,H); or, given first_positions (N) I64 (flat b·T + t, the
  // [CLS] of each instance of a packed batch), tanh(dense(h at those rows)): (N,H).
  nn::Tensor forward(const nn::Tensor& sequence_output,
                     const nn::Tensor& first_positions = nn::Tensor()) const;

  nn::Linear dense;
};

// Turns a (B,S) 1/0 attention mask (I64 or F32) into the additive key mask (1 − m)·lowest.
nn::Tensor additive_key_mask(const nn::Tensor& attention_mask);

// Where the instances of a packed batch sit (several instances per row, Krell et al. 2021,
// "Efficient Sequence Packing without Cross-contamination"); both undefined for ordinary rows.
struct Packing {
  nn::Tensor instance_ids;   // (B,T) I64: the positions of one instance share an id, in one run
  nn::Tensor cls_positions;  // (N) I64: flat b·T + t of each instance's first token ([CLS])
};

struct BertModelOutput {
  nn::Tensor sequence_output;  // (B,T,H)
  nn::Tensor pooled_output;    // (B,H), or (N,H) per instance when packed; undefined without a pooler
};

class BertModel : public nn::Module {
 public:
  // A freshly initialised model (normal(0, initializer_range), biases 0, LayerNorm (1, 0)).
  BertModel(const BertConfig& config, uint64_t seed, bool add_pooling_layer = true);
  // input_ids (B,T) I64; token_type_ids (B,T) or undefined; attention_mask (B,S) 1/0 or undefined
  // (all attend; S = past + T with a cache); position_ids (B,T) or undefined (past … past+T−1).
  // Causal when config.is_decoder. A packed batch (packing.instance_ids defined; no cache) needs
  // position_ids restarting at 0 in each instance: a position attends only within its instance,
  // and the pooler reads each instance's [CLS] (packing.cls_positions; pooled_output (N,H)).
  BertModelOutput forward(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                          const nn::Tensor& attention_mask, KVCache* cache = nullptr,
                          const nn::Tensor& position_ids = nn::Tensor(),
                          const Packing& packing = Packing()) const;

  BertConfig config;
  BertEmbeddings embeddings;
  BertEncoder encoder;
  std::optional<BertPooler> pooler;
};

}  // namespace bert
