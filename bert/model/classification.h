// classification.h — the fine-tuning heads, exactly as HuggingFace defines them (member names are
// checkpoint names):
//
//  - BertForSequenceClassification: pooled [CLS] (tanh(dense(h[:,0]))) → dropout → classifier
//    Linear(H → num_labels). Loss by config.problem_type: single-label cross-entropy, multi-label
//    binary cross-entropy on logits, or mean squared error for regression (num_labels = 1); when
//    problem_type is empty it is inferred as HF infers it: one label → regression, integer labels
//    → single-label, float labels → multi-label.
//  - BertForTokenClassification: sequence output (no pooler) → dropout → classifier per token;
//    cross-entropy over the tokens whose label is not −100 (HF labels only a word's first piece).
//
// The classifier's dropout is config.classifier_dropout, or hidden_dropout_prob when it is unset.
#pragma once
#include "bert/model/bert_model.h"
#include "bert/task/task_model.h"
#include "nn/dropout.h"
#include "nn/linear.h"

namespace bert {

class BertForSequenceClassification : public TaskModel {
 public:
  BertForSequenceClassification(const BertConfig& config, uint64_t seed);
  // Logits (B, num_labels) of input_ids (B,T); token_type_ids and attention_mask may be undefined.
  nn::Tensor forward(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                     const nn::Tensor& attention_mask) const;
  // The loss against batch.labels: (B) I64 class ids, or (B, num_labels) F32 (multi-label, or
  // regression with num_labels 1, where (B) F32 is accepted too); statistics "loss" and "acc"
  // (single-label only).
  TaskOutput compute_loss(const Batch& batch) const override;
  FullOutput forward_all(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                         const nn::Tensor& attention_mask) const override;
  const BertModel& encoder() const override { return bert; }
  std::string architecture() const override { return "BertForSequenceClassification"; }
  // Accuracy, F1, MCC and the confusion matrix; Pearson/Spearman for regression.
  std::unique_ptr<Evaluator> make_evaluator() const override;
  // The problem type of labels (config.problem_type, or inferred from the labels' type).
  std::string problem_type(const nn::Tensor& labels) const;

  BertModel bert;
  nn::Dropout dropout;
  nn::Linear classifier;
};

class BertForTokenClassification : public TaskModel {
 public:
  BertForTokenClassification(const BertConfig& config, uint64_t seed);
  // Logits (B, T, num_labels) of input_ids (B,T).
  nn::Tensor forward(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                     const nn::Tensor& attention_mask) const;
  // Cross-entropy against batch.labels (B,T) I64 (−100 ignored); statistics "loss" and "acc".
  TaskOutput compute_loss(const Batch& batch) const override;
  FullOutput forward_all(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                         const nn::Tensor& attention_mask) const override;
  const BertModel& encoder() const override { return bert; }
  std::string architecture() const override { return "BertForTokenClassification"; }
  // Token accuracy, macro-F1 over the tags and the confusion matrix (labelled tokens only).
  std::unique_ptr<Evaluator> make_evaluator() const override;

  BertModel bert;
  nn::Dropout dropout;
  nn::Linear classifier;
};

}  // namespace bert
