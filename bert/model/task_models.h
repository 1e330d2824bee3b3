// task_models.h — the three language models a user pretrains or runs, with HF names and losses:
// BertForPreTraining (MLM + NSP), BertForMaskedLM (MLM) and BertLMHeadModel (causal LM). Each is
// a TaskModel (bert/task/task_model.h): compute_loss() is what the trainer calls; forward() is
// the model's own typed forward, with every output.
//
// The MLM loss is computed on gathered masked positions only: the (M, H) rows at the masked
// positions go through the head, so the vocabulary projection costs M rows instead of B·T.
#pragma once
#include <string>

#include "bert/data/batch.h"
#include "bert/model/bert_model.h"
#include "bert/model/heads.h"
#include "bert/task/task_model.h"

namespace bert {

struct MaskedLMOutput {
  nn::Tensor loss;        // 0-d: mlm_loss (+ nsp_loss)
  nn::Tensor mlm_loss;    // 0-d mean cross-entropy over the masked positions
  nn::Tensor nsp_loss;    // 0-d (BertForPreTraining only)
  nn::Tensor mlm_logits;  // (M,V)
  nn::Tensor nsp_logits;  // (B,2), or (N,2) per instance when packed (BertForPreTraining only)
};

// Rows of h (B,T,H) at flat positions (M) → (M,H).
nn::Tensor gather_positions(const nn::Tensor& h, const nn::Tensor& positions);

class BertForPreTraining : public TaskModel {
 public:
  BertForPreTraining(const BertConfig& config, uint64_t seed);
  // Loss = CE(MLM at masked positions) + CE(NSP), each a mean: over the masked tokens, over the
  // instances (a packed batch gives the losses of the same instances unpacked).
  MaskedLMOutput forward(const Batch& batch) const;
  // The loss with "lm_loss", "mlm_acc" and "nsp_acc".
  TaskOutput compute_loss(const Batch& batch) const override;
  // Logits for every position and the NSP logits.
  FullOutput forward_all(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                         const nn::Tensor& attention_mask) const override;
  const BertModel& encoder() const override { return bert; }
  std::string architecture() const override { return "BertForPreTraining"; }

  BertModel bert;
  BertPreTrainingHeads cls;
};

class BertForMaskedLM : public TaskModel {
 public:
  BertForMaskedLM(const BertConfig& config, uint64_t seed);
  // Loss = CE(MLM at masked positions); next_sentence_labels is ignored.
  MaskedLMOutput forward(const Batch& batch) const;
  // The loss with "lm_loss" and "mlm_acc".
  TaskOutput compute_loss(const Batch& batch) const override;
  FullOutput forward_all(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                         const nn::Tensor& attention_mask) const override;
  const BertModel& encoder() const override { return bert; }
  std::string architecture() const override { return "BertForMaskedLM"; }

  BertModel bert;
  BertOnlyMLMHead cls;
};

class BertLMHeadModel : public TaskModel {
 public:
  // config.is_decoder must be true (causal attention).
  BertLMHeadModel(const BertConfig& config, uint64_t seed);
  // Logits (B,T,V) for input_ids (B,T); with a cache, T new tokens after the cached ones;
  // position_ids (B,T) as in BertModel::forward.
  nn::Tensor forward(const nn::Tensor& input_ids, const nn::Tensor& attention_mask,
                     KVCache* cache = nullptr, const nn::Tensor& position_ids = nn::Tensor()) const;
  // HF's shifted loss: position t predicts token t+1; labels (B,T) with −100 ignored.
  nn::Tensor loss(const nn::Tensor& logits, const nn::Tensor& labels) const;
  // The shifted loss of batch.labels with "lm_loss" and "acc" (next-token accuracy).
  TaskOutput compute_loss(const Batch& batch) const override;
  FullOutput forward_all(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                         const nn::Tensor& attention_mask) const override;
  const BertModel& encoder() const override { return bert; }
  std::string architecture() const override { return "BertLMHeadModel"; }

  BertModel bert;
  BertOnlyMLMHead cls;
};

// The model as a causal language model, or nullptr when it is another class.
const BertLMHeadModel* as_causal_lm(const TaskModel& model);
// The masked-LM prediction head of a BertForPreTraining or BertForMaskedLM, or nullptr.
const BertLMPredictionHead* masked_lm_head(const TaskModel& model);

}  // namespace bert
