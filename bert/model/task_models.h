// task_models.h — the three models a user trains or runs, with HF names and losses:
// BertForPreTraining (MLM + NSP), BertForMaskedLM (MLM) and BertLMHeadModel (causal LM).
//
// The MLM loss is computed on gathered masked positions only: the (M, H) rows at the masked
// positions go through the head, so the vocabulary projection costs M rows instead of B·T.
#pragma once
#include <string>

#include "bert/model/bert_model.h"
#include "bert/model/heads.h"

namespace bert {

// One batch of masked-LM (+ NSP) training data: one instance per row, or packed (several
// instances per row, attending only within themselves; bert/data/packing.h), in which case the
// last three fields are defined and next_sentence_labels has one entry per instance.
struct MaskedLMBatch {
  nn::Tensor input_ids;             // (B,T) I64
  nn::Tensor token_type_ids;        // (B,T) I64
  nn::Tensor attention_mask;        // (B,T) I64, 1 = token, 0 = padding
  nn::Tensor masked_positions;      // (M) I64, flat indices b·T + t of the masked tokens
  nn::Tensor masked_labels;         // (M) I64, the original tokens there
  nn::Tensor next_sentence_labels;  // (B), or (N) when packed, I64: 0 = B follows A, 1 = random (NSP only)
  // Packed only (the {} lets callers' aggregate initialisers of the fields above omit these):
  nn::Tensor position_ids{};   // (B,T) I64, position within the instance (from 0)
  nn::Tensor instance_ids{};   // (B,T) I64, the instance of each position (one run each)
  nn::Tensor cls_positions{};  // (N) I64, flat b·T + t of each instance's [CLS]
};

// One batch of causal-LM training data: the model predicts labels[t+1] at position t.
struct CausalLMBatch {
  nn::Tensor input_ids;       // (B,T) I64
  nn::Tensor attention_mask;  // (B,T) I64, 1 = token, 0 = padding
  nn::Tensor labels;          // (B,T) I64, usually input_ids; −100 where no loss is wanted
};

struct MaskedLMOutput {
  nn::Tensor loss;        // 0-d: mlm_loss (+ nsp_loss)
  nn::Tensor mlm_loss;    // 0-d mean cross-entropy over the masked positions
  nn::Tensor nsp_loss;    // 0-d (BertForPreTraining only)
  nn::Tensor mlm_logits;  // (M,V)
  nn::Tensor nsp_logits;  // (B,2), or (N,2) per instance when packed (BertForPreTraining only)
};

// Every output of a full forward over all positions (parity tests, fill-mask).
struct FullOutput {
  nn::Tensor sequence_output;  // (B,T,H)
  nn::Tensor pooled_output;    // (B,H) if the model has a pooler
  nn::Tensor prediction_logits;        // (B,T,V)
  nn::Tensor seq_relationship_logits;  // (B,2) (BertForPreTraining only)
};

// Rows of h (B,T,H) at flat positions (M) → (M,H).
nn::Tensor gather_positions(const nn::Tensor& h, const nn::Tensor& positions);

class BertForPreTraining : public nn::Module {
 public:
  BertForPreTraining(const BertConfig& config, uint64_t seed);
  // Loss = CE(MLM at masked positions) + CE(NSP), each a mean: over the masked tokens, over the
  // instances (a packed batch gives the losses of the same instances unpacked).
  MaskedLMOutput forward(const MaskedLMBatch& batch) const;
  // Logits for every position and the NSP logits.
  FullOutput forward_all(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                         const nn::Tensor& attention_mask) const;

  BertModel bert;
  BertPreTrainingHeads cls;
};

class BertForMaskedLM : public nn::Module {
 public:
  BertForMaskedLM(const BertConfig& config, uint64_t seed);
  // Loss = CE(MLM at masked positions); next_sentence_labels is ignored.
  MaskedLMOutput forward(const MaskedLMBatch& batch) const;
  FullOutput forward_all(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                         const nn::Tensor& attention_mask) const;

  BertModel bert;
  BertOnlyMLMHead cls;
};

class BertLMHeadModel : public nn::Module {
 public:
  // config.is_decoder must be true (causal attention).
  BertLMHeadModel(const BertConfig& config, uint64_t seed);
  // Logits (B,T,V) for input_ids (B,T); with a cache, T new tokens after the cached ones;
  // position_ids (B,T) as in BertModel::forward.
  nn::Tensor forward(const nn::Tensor& input_ids, const nn::Tensor& attention_mask,
                     KVCache* cache = nullptr, const nn::Tensor& position_ids = nn::Tensor()) const;
  // HF's shifted loss: position t predicts token t+1; labels (B,T) with −100 ignored.
  nn::Tensor loss(const nn::Tensor& logits, const nn::Tensor& labels) const;
  FullOutput forward_all(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                         const nn::Tensor& attention_mask) const;

  BertModel bert;
  BertOnlyMLMHead cls;
};

}  // namespace bert
