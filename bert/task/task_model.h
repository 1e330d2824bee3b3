// task_model.h — the one interface every trainable BERT model implements (pretraining heads,
// language models, classifiers): a Batch in, a loss and named statistics out; every output over
// all positions for inference; and an evaluator that turns held-out batches into metrics. The
// trainer, the checkpoint loader and the apps only ever see this interface; which model a
// checkpoint holds is decided once, by the registry (bert/task/registry.h).
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bert/data/batch.h"
#include "bert/model/bert_model.h"
#include "nn/module.h"

namespace bert {

// A quantity averaged over a pass: mean = sum / count (a loss summed over its predictions, an
// accuracy as correct / counted), so batches and micro-batches of any size combine exactly.
struct Statistic {
  double sum = 0;
  int64_t count = 0;
  double mean() const { return count ? sum / static_cast<double>(count) : 0.0; }
};

// Named statistics in the order they are shown.
class Statistics {
 public:
  // Adds sum and count to the statistic `name` (created at the end when new).
  void add(const std::string& name, double sum, int64_t count);
  // Adds every statistic of `other`.
  void add(const Statistics& other);
  // The statistic `name`, or nullptr.
  const Statistic* find(const std::string& name) const;
  const std::vector<std::pair<std::string, Statistic>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<std::string, Statistic>> items_;
};

// What a model returns for a batch.
struct TaskOutput {
  nn::Tensor loss;    // 0-d: what backward starts from
  Statistics stats;   // e.g. "lm_loss" (nats, per prediction), "mlm_acc", "nsp_acc", "acc"
  nn::Tensor logits;  // the head's logits ((M,V), (B,T,V), (B,C), (B,T,C)), for evaluators
};

// Every output of a forward over all positions (fill-mask, classify, parity tests).
struct FullOutput {
  nn::Tensor sequence_output;          // (B,T,H)
  nn::Tensor pooled_output;            // (B,H) if the model has a pooler
  nn::Tensor prediction_logits;        // (B,T,V) language-model heads
  nn::Tensor seq_relationship_logits;  // (B,2) BertForPreTraining
  nn::Tensor logits{};                 // classifiers: (B,C) per sequence or (B,T,C) per token
};

// Named metrics of an evaluation pass, in the order they are shown, with an optional text
// report (a confusion matrix, say).
struct EvalReport {
  std::vector<std::pair<std::string, double>> metrics;
  std::string details;
  int64_t predictions = 0;  // targets scored
  // The metric `name`, or `fallback` when absent.
  double get(const std::string& name, double fallback = 0) const;
  bool has(const std::string& name) const;
};

// Accumulates a model's outputs over held-out batches (in no-grad mode) into metrics.
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Takes one batch and the model's output for it.
  virtual void add(const Batch& batch, const TaskOutput& output) = 0;
  // The metrics of everything added so far.
  virtual EvalReport report() const = 0;
  // False when add() reads only the output's statistics (a data-parallel evaluation then sends
  // the ranks' statistics alone, not their logits).
  virtual bool reads_logits() const { return true; }
};

// The default evaluator: the mean of every statistic, and perplexity = exp(lm_loss) when the
// model reports a language-model loss ("loss" is then lm_loss, the figure perplexity is about).
class StatisticsEvaluator : public Evaluator {
 public:
  void add(const Batch& batch, const TaskOutput& output) override;
  EvalReport report() const override;
  bool reads_logits() const override { return false; }

 private:
  Statistics stats_;
};

class TaskModel : public nn::Module {
 public:
  // The loss and statistics of a batch (the graph is kept for backward unless in a no-grad scope).
  // The trainer calls this; each model also has its own typed forward() with every output.
  virtual TaskOutput compute_loss(const Batch& batch) const = 0;
  // Every output over all positions of input_ids (B,T), token_type_ids and attention_mask (either
  // may be undefined).
  virtual FullOutput forward_all(const nn::Tensor& input_ids, const nn::Tensor& token_type_ids,
                                 const nn::Tensor& attention_mask) const = 0;
  // The encoder inside.
  virtual const BertModel& encoder() const = 0;
  // The HuggingFace class name, written into config.json's "architectures".
  virtual std::string architecture() const = 0;
  // A new evaluator for this model's held-out metrics (default: StatisticsEvaluator).
  virtual std::unique_ptr<Evaluator> make_evaluator() const;
  // The configuration the model was built with.
  const BertConfig& config() const { return encoder().config; }
};

// Number of 1s of an attention mask (B,T) I64: the batch's tokens without padding.
int64_t count_tokens(const nn::Tensor& attention_mask);

// (correct, counted) of the argmax of logits (N,C) against int64 targets (N); targets < 0 ignored.
std::pair<int64_t, int64_t> count_correct(const nn::Tensor& logits, const nn::Tensor& targets);

}  // namespace bert
