// classification.cc — the sequence and token classification heads, their losses and evaluators.
#include "bert/model/classification.h"

#include <algorithm>
#include <cmath>

#include "bert/eval/classification_metrics.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"

namespace bert {
namespace {

float classifier_dropout(const BertConfig& c) { return c.classifier_dropout.value_or(c.hidden_dropout_prob); }

// Argmax of each row of logits (N,C).
std::vector<int32_t> argmax_rows(const nn::Tensor& logits) {
  const std::vector<float> l = logits.to_vector();
  const size_t C = static_cast<size_t>(logits.size(-1));
  std::vector<int32_t> out(l.size() / C);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<int32_t>(std::max_element(l.begin() + static_cast<std::ptrdiff_t>(i * C),
                                                   l.begin() + static_cast<std::ptrdiff_t>((i + 1) * C)) -
                                  (l.begin() + static_cast<std::ptrdiff_t>(i * C)));
  return out;
}

// Single-label and token classification: predictions against gold ids (−100: not scored).
class LabelEvaluator : public Evaluator {
 public:
  // binary_f1: report the F1 of class 1 when there are two classes (a binary sequence task; for
  // token tags the second tag is not a "positive" class).
  LabelEvaluator(std::vector<std::string> names, bool binary_f1) : names_(std::move(names)), binary_f1_(binary_f1) {}
  void add(const Batch& batch, const TaskOutput& out) override {
    const std::vector<int32_t> pred = argmax_rows(nn::reshape(out.logits, {-1, out.logits.size(-1)}));
    const std::vector<int64_t> gold = batch.labels.to_ids();
    for (size_t i = 0; i < gold.size(); ++i) {
      if (gold[i] < 0) continue;
      predicted_.push_back(pred[i]);
      gold_.push_back(static_cast<int32_t>(gold[i]));
    }
    stats_.add(out.stats);
  }
  EvalReport report() const override {
    EvalReport r;
    if (gold_.empty()) return r;
    const int32_t K = static_cast<int32_t>(names_.size());
    // A binary task's positive class is id 1 (finetune orders the labels so).
    const ClassificationMetrics m =
        classification_metrics(predicted_, gold_, K, K == 2 && binary_f1_ ? std::optional<int32_t>(1) : std::nullopt);
    if (const Statistic* loss = stats_.find("loss")) r.metrics.push_back({"loss", loss->mean()});
    r.metrics.push_back({"accuracy", m.accuracy});
    r.metrics.push_back({"macro_f1", m.macro_f1});
    if (m.positive_f1) r.metrics.push_back({"f1", *m.positive_f1});
    r.metrics.push_back({"mcc", m.mcc});
    r.details = render_confusion(m.confusion, names_);
    r.predictions = m.count;
    return r;
  }

 private:
  std::vector<std::string> names_;
  bool binary_f1_;
  std::vector<int32_t> predicted_, gold_;
  Statistics stats_;
};

// Multi-label classification: a label is predicted when its logit is above 0 (σ > ½); every
// (example, label) decision is scored as one binary decision (micro averaging), plus the share of
// examples whose labels are all right.
class MultiLabelEvaluator : public Evaluator {
 public:
  void add(const Batch& batch, const TaskOutput& out) override {
    const std::vector<float> l = out.logits.to_vector(), y = batch.labels.to_vector();
    const size_t L = static_cast<size_t>(out.logits.size(-1));
    for (size_t i = 0; i < l.size(); i += L) {
      bool all = true;
      for (size_t j = i; j < i + L; ++j) {
        predicted_.push_back(l[j] > 0.f);
        gold_.push_back(y[j] > 0.5f);
        all = all && predicted_.back() == gold_.back();
      }
      exact_ += all;
      ++examples_;
    }
    stats_.add(out.stats);
  }
  EvalReport report() const override {
    EvalReport r;
    if (gold_.empty()) return r;
    const ClassificationMetrics m = classification_metrics(predicted_, gold_, 2, 1);
    if (const Statistic* loss = stats_.find("loss")) r.metrics.push_back({"loss", loss->mean()});
    r.metrics.push_back({"exact_match", static_cast<double>(exact_) / static_cast<double>(examples_)});
    r.metrics.push_back({"accuracy", m.accuracy});
    r.metrics.push_back({"f1", *m.positive_f1});
    r.predictions = examples_;
    return r;
  }

 private:
  std::vector<int32_t> predicted_, gold_;
  int64_t exact_ = 0, examples_ = 0;
  Statistics stats_;
};

// Regression: Pearson and Spearman correlation and the mean squared error.
class RegressionEvaluator : public Evaluator {
 public:
  void add(const Batch& batch, const TaskOutput& out) override {
    for (const float v : out.logits.to_vector()) predicted_.push_back(v);
    for (const float v : batch.labels.to_vector()) gold_.push_back(v);
    stats_.add(out.stats);
  }
  EvalReport report() const override {
    EvalReport r;
    if (gold_.empty()) return r;
    const RegressionMetrics m = regression_metrics(predicted_, gold_);
    r.metrics = {{"mse", m.mse}, {"pearson", m.pearson}, {"spearman", m.spearman}};
    r.predictions = m.count;
    return r;
  }

 private:
  std::vector<double> predicted_, gold_;
  Statistics stats_;
};

// The evaluator of a problem type ("single_label_classification", "multi_label_classification",
// "regression").
std::unique_ptr<Evaluator> evaluator_for(const std::string& type, const BertConfig& c) {
  if (type == "regression") return std::make_unique<RegressionEvaluator>();
  if (type == "multi_label_classification") return std::make_unique<MultiLabelEvaluator>();
  return std::make_unique<LabelEvaluator>(c.labels(), true);
}

// With no problem_type in the config, the type comes from the first batch's labels, as the loss
// infers it; every later batch goes to the evaluator chosen then.
class InferredEvaluator : public Evaluator {
 public:
  explicit InferredEvaluator(const BertForSequenceClassification& model) : model_(model) {}
  void add(const Batch& batch, const TaskOutput& out) override {
    if (!chosen_) chosen_ = evaluator_for(model_.problem_type(batch.labels), model_.config());
    chosen_->add(batch, out);
  }
  EvalReport report() const override { return chosen_ ? chosen_->report() : EvalReport{}; }

 private:
  const BertForSequenceClassification& model_;
  std::unique_ptr<Evaluator> chosen_;
};

}  // namespace

BertForSequenceClassification::BertForSequenceClassification(const BertConfig& c, uint64_t seed)
    : bert([&] { BertConfig e = c; e.is_decoder = false; return e; }(), nn::mix_seed(seed, 1), true),
      dropout(classifier_dropout(c)),
      classifier(c.hidden_size, c.num_labels(), true, c.initializer_range, nn::mix_seed(seed, 3)) {
  register_module("bert", bert);
  register_module("dropout", dropout);
  register_module("classifier", classifier);
}

nn::Tensor BertForSequenceClassification::forward(const nn::Tensor& ids, const nn::Tensor& types,
                                                  const nn::Tensor& mask) const {
  return classifier.forward(dropout.forward(bert.forward(ids, types, mask).pooled_output));
}

std::string BertForSequenceClassification::problem_type(const nn::Tensor& labels) const {
  if (!config().problem_type.empty()) return config().problem_type;
  if (config().num_labels() == 1) return "regression";
  return labels.dtype() == nn::DType::I64 ? "single_label_classification" : "multi_label_classification";
}

TaskOutput BertForSequenceClassification::compute_loss(const Batch& batch) const {
  NN_CHECK(batch.labels.defined(), "BertForSequenceClassification: the batch has no labels");
  const nn::Tensor logits = forward(batch.input_ids, batch.token_type_ids, batch.attention_mask);
  const int64_t B = logits.size(0), L = logits.size(1);
  const std::string type = problem_type(batch.labels);
  TaskOutput out;
  out.logits = logits;
  if (type == "single_label_classification") {
    NN_CHECK(batch.labels.dtype() == nn::DType::I64 && batch.labels.shape() == nn::Shape({B}),
             "BertForSequenceClassification: single-label classification needs labels (B) I64, got ",
             nn::dtype_name(batch.labels.dtype()), " ", batch.labels.shape());
    out.loss = nn::cross_entropy(logits, batch.labels);
    const auto [correct, counted] = count_correct(logits, batch.labels);
    out.stats.add("loss", out.loss.item() * static_cast<double>(counted), counted);
    out.stats.add("acc", static_cast<double>(correct), counted);
  } else {
    const nn::Tensor y = type == "regression" ? nn::reshape(batch.labels, {B, L}) : batch.labels;
    NN_CHECK(y.dtype() == nn::DType::F32 && y.shape() == logits.shape(), "BertForSequenceClassification: ", type,
             " needs labels (B, ", L, ") F32, got ", nn::dtype_name(batch.labels.dtype()), " ", batch.labels.shape());
    out.loss = type == "regression" ? nn::mse_loss(logits, y) : nn::bce_with_logits(logits, y);
    out.stats.add("loss", out.loss.item() * static_cast<double>(B), B);
  }
  return out;
}

FullOutput BertForSequenceClassification::forward_all(const nn::Tensor& ids, const nn::Tensor& types,
                                                      const nn::Tensor& mask) const {
  const BertModelOutput h = bert.forward(ids, types, mask);
  FullOutput out;
  out.sequence_output = h.sequence_output;
  out.pooled_output = h.pooled_output;
  out.logits = classifier.forward(dropout.forward(h.pooled_output));
  return out;
}

std::unique_ptr<Evaluator> BertForSequenceClassification::make_evaluator() const {
  if (config().problem_type.empty()) return std::make_unique<InferredEvaluator>(*this);
  return evaluator_for(config().problem_type, config());
}

BertForTokenClassification::BertForTokenClassification(const BertConfig& c, uint64_t seed)
    : bert([&] { BertConfig e = c; e.is_decoder = false; return e; }(), nn::mix_seed(seed, 1), false),
      dropout(classifier_dropout(c)),
      classifier(c.hidden_size, c.num_labels(), true, c.initializer_range, nn::mix_seed(seed, 3)) {
  register_module("bert", bert);
  register_module("dropout", dropout);
  register_module("classifier", classifier);
}

nn::Tensor BertForTokenClassification::forward(const nn::Tensor& ids, const nn::Tensor& types,
                                               const nn::Tensor& mask) const {
  return classifier.forward(dropout.forward(bert.forward(ids, types, mask).sequence_output));
}

TaskOutput BertForTokenClassification::compute_loss(const Batch& batch) const {
  NN_CHECK(batch.labels.defined() && batch.labels.dtype() == nn::DType::I64 &&
               batch.labels.shape() == batch.input_ids.shape(),
           "BertForTokenClassification: labels must be (B,T) I64 like input_ids ", batch.input_ids.shape());
  const nn::Tensor logits = forward(batch.input_ids, batch.token_type_ids, batch.attention_mask);
  const int64_t B = logits.size(0), T = logits.size(1), L = logits.size(2);
  const nn::Tensor flat = nn::reshape(logits, {B * T, L}), targets = nn::reshape(batch.labels, {B * T});
  TaskOutput out;
  out.logits = logits;
  out.loss = nn::cross_entropy(flat, targets);
  const auto [correct, counted] = count_correct(flat, targets);
  out.stats.add("loss", out.loss.item() * static_cast<double>(counted), counted);
  out.stats.add("acc", static_cast<double>(correct), counted);
  return out;
}

FullOutput BertForTokenClassification::forward_all(const nn::Tensor& ids, const nn::Tensor& types,
                                                   const nn::Tensor& mask) const {
  FullOutput out;
  out.sequence_output = bert.forward(ids, types, mask).sequence_output;
  out.logits = classifier.forward(dropout.forward(out.sequence_output));
  return out;
}

std::unique_ptr<Evaluator> BertForTokenClassification::make_evaluator() const {
  return std::make_unique<LabelEvaluator>(config().labels(), false);
}

}  // namespace bert
