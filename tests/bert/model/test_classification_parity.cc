// test_classification_parity.cc — the fine-tuning heads against the PyTorch reference
// (tests/parity/bert_reference.py, HF's BertForSequenceClassification / BertForTokenClassification):
// hidden states, logits, loss and every parameter gradient for single-label, multi-label and
// regression sequence classification and for token classification with −100 labels, in train mode
// with dropout off. Fixtures: tests/parity/fixtures/{seqcls_single,seqcls_multi,seqcls_regression,
// token_cls}, written by tests/parity/make_fixtures.py.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <memory>

#include "bert/checkpoint.h"
#include "bert/model/classification.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "tests/bert/model/parity_helpers.h"

using namespace bert;
using namespace parity;
using nn::Tensor;

namespace {

// The fixture's batch with its labels.
Batch fixture_batch(const Case& c) {
  Batch b{c.inputs.read_i64("input_ids"), c.inputs.read_i64("token_type_ids"), c.inputs.read_i64("attention_mask"),
          {}, {}, {}};
  b.labels = c.inputs.info("labels").dtype == "I64" ? c.inputs.read_i64("labels") : c.inputs.read_f32("labels");
  return b;
}

// |got − want| / |want|, the relative error of a loss.
double rel_error(double got, double want) { return std::abs(got - want) / std::abs(want); }

// The loss of `model` on the fixture's batch within 1e-4 (relative) of the reference's.
void check_loss(const TaskModel& model, const Batch& batch, const Case& c, const std::string& what) {
  const double want = c.outputs.read_f32("loss").item();
  const double got = model.compute_loss(batch).loss.item();
  INFO(what << ": loss " << got << " want " << want << ", relative error " << rel_error(got, want));
  CHECK(got == Approx(want).epsilon(1e-4));
}

// A fresh model of the fixture's weights, built from `config`, in train mode (dropout is 0).
template <class Model>
std::unique_ptr<Model> load_case_model(const BertConfig& config, const std::string& name) {
  auto model = std::make_unique<Model>(config, 0);
  load_weights(*model, fixture(name) + "/model.safetensors");
  model->train();
  return model;
}

// Correct argmax predictions of the reference logits (N,C) against labels (N) (−100 not counted):
// what the "acc" statistic must count, computed from the fixture, not from our logits.
std::pair<int64_t, int64_t> reference_correct(const Tensor& logits, const Tensor& labels) {
  const std::vector<float> l = logits.to_vector();
  const std::vector<int64_t> y = labels.to_ids();
  const size_t C = static_cast<size_t>(logits.size(-1));
  int64_t correct = 0, counted = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] < 0) continue;
    const auto row = l.begin() + static_cast<std::ptrdiff_t>(i * C);
    correct += std::max_element(row, row + static_cast<std::ptrdiff_t>(C)) - row == y[i];
    ++counted;
  }
  return {correct, counted};
}

// Sequence classification on case `name`: the problem type the reference ended with (metadata of
// outputs.safetensors), hidden states, pooled output and logits within 1e-4, the loss within 1e-4
// (relative), every gradient within 1e-3; then the loss again with problem_type written out
// (single, regression: inferred in the fixture) or left to inference (multi: written in the
// fixture), which must not change it.
void check_sequence_case(const std::string& name) {
  const Case c(name);
  const std::string type = c.outputs.metadata().at("problem_type");
  const auto model = load_case_model<BertForSequenceClassification>(c.config, name);
  const Batch batch = fixture_batch(c);
  CHECK(model->problem_type(batch.labels) == type);

  const FullOutput full = model->forward_all(batch.input_ids, batch.token_type_ids, batch.attention_mask);
  check_tensor("sequence_output", full.sequence_output, c.outputs.read_f32("sequence_output"), 1e-4);
  check_tensor("pooled_output", full.pooled_output, c.outputs.read_f32("pooled_output"), 1e-4);
  check_tensor("logits", full.logits, c.outputs.read_f32("logits"), 1e-4);

  const TaskOutput out = model->compute_loss(batch);
  check_tensor("compute_loss logits", out.logits, c.outputs.read_f32("logits"), 1e-4);
  const double want = c.outputs.read_f32("loss").item();
  {
    INFO(name << ": loss " << out.loss.item() << " want " << want << ", relative error "
              << rel_error(out.loss.item(), want));
    CHECK(out.loss.item() == Approx(want).epsilon(1e-4));
  }
  const int64_t B = batch.input_ids.size(0);
  REQUIRE(out.stats.find("loss"));
  CHECK(out.stats.find("loss")->count == B);
  CHECK(out.stats.find("loss")->mean() == Approx(want).epsilon(1e-4));
  if (type == "single_label_classification") {
    const auto [correct, counted] = reference_correct(c.outputs.read_f32("logits"), batch.labels);
    REQUIRE(out.stats.find("acc"));
    CHECK(out.stats.find("acc")->sum == correct);
    CHECK(out.stats.find("acc")->count == counted);
  }
  out.loss.backward();
  check_gradients(*model, c);

  // The same loss whether the problem type is written in config.json or inferred from the labels.
  BertConfig other = c.config;
  other.problem_type = c.config.problem_type.empty() ? type : "";
  const auto model2 = load_case_model<BertForSequenceClassification>(other, name);
  CHECK(model2->problem_type(batch.labels) == type);
  check_loss(*model2, batch, c, "problem_type '" + other.problem_type + "'");
}

}  // namespace

TEST_CASE("BertForSequenceClassification matches PyTorch: single-label cross-entropy", "[parity][classification]") {
  check_sequence_case("seqcls_single");
}

TEST_CASE("BertForSequenceClassification matches PyTorch: multi-label BCE with logits", "[parity][classification]") {
  check_sequence_case("seqcls_multi");
}

TEST_CASE("BertForSequenceClassification matches PyTorch: regression MSE", "[parity][classification]") {
  check_sequence_case("seqcls_regression");
  // HF squeezes both sides when num_labels is 1: labels (B) give the loss of labels (B,1).
  const Case c("seqcls_regression");
  const auto model = load_case_model<BertForSequenceClassification>(c.config, "seqcls_regression");
  Batch batch = fixture_batch(c);
  REQUIRE(batch.labels.shape() == nn::Shape({3, 1}));
  batch.labels = nn::reshape(batch.labels, {3});
  check_loss(*model, batch, c, "labels (B)");
}

TEST_CASE("BertForTokenClassification matches PyTorch: cross-entropy with -100 labels", "[parity][classification]") {
  const Case c("token_cls");
  const auto model = load_case_model<BertForTokenClassification>(c.config, "token_cls");
  const Batch batch = fixture_batch(c);
  const std::vector<int64_t> labels = batch.labels.to_ids();
  REQUIRE(std::count(labels.begin(), labels.end(), -100) > 0);

  const FullOutput full = model->forward_all(batch.input_ids, batch.token_type_ids, batch.attention_mask);
  CHECK_FALSE(full.pooled_output.defined());
  check_tensor("sequence_output", full.sequence_output, c.outputs.read_f32("sequence_output"), 1e-4);
  check_tensor("logits", full.logits, c.outputs.read_f32("logits"), 1e-4);

  const TaskOutput out = model->compute_loss(batch);
  const double want = c.outputs.read_f32("loss").item();
  {
    INFO("token_cls: loss " << out.loss.item() << " want " << want << ", relative error "
                            << rel_error(out.loss.item(), want));
    CHECK(out.loss.item() == Approx(want).epsilon(1e-4));
  }
  const Tensor ref_logits = c.outputs.read_f32("logits");
  const auto [correct, counted] =
      reference_correct(nn::reshape(ref_logits, {-1, ref_logits.size(-1)}), nn::reshape(batch.labels, {-1}));
  REQUIRE(out.stats.find("acc"));
  CHECK(out.stats.find("acc")->sum == correct);
  CHECK(out.stats.find("acc")->count == counted);
  CHECK(out.stats.find("loss")->mean() == Approx(want).epsilon(1e-4));
  out.loss.backward();
  check_gradients(*model, c);
  for (const nn::NamedParameter& p : model->named_parameters()) CHECK(p.name.find("pooler") == std::string::npos);
}

TEST_CASE("The classifier's dropout is classifier_dropout, else hidden_dropout_prob, and acts in training",
          "[classification]") {
  const Case c("seqcls_single");
  BertConfig config = c.config;
  config.hidden_dropout_prob = 0.2f;
  config.classifier_dropout.reset();
  CHECK(BertForSequenceClassification(config, 0).dropout.p == 0.2f);
  CHECK(BertForTokenClassification(config, 0).dropout.p == 0.2f);
  config.classifier_dropout = 0.5f;
  config.hidden_dropout_prob = 0.0f;
  BertForSequenceClassification model(config, 0);
  CHECK(model.dropout.p == 0.5f);
  load_weights(model, fixture("seqcls_single") + "/model.safetensors");
  const Batch batch = fixture_batch(c);
  // Only the head drops: in eval mode the logits are the reference's, in training they are not.
  model.eval();
  check_tensor("eval logits", model.forward(batch.input_ids, batch.token_type_ids, batch.attention_mask),
               c.outputs.read_f32("logits"), 1e-4);
  model.train();
  const std::vector<float> dropped =
      model.forward(batch.input_ids, batch.token_type_ids, batch.attention_mask).to_vector();
  const std::vector<float> ref = c.outputs.read_f32("logits").to_vector();
  double diff = 0;
  for (size_t i = 0; i < ref.size(); ++i) diff = std::max(diff, std::abs(double(dropped[i]) - ref[i]));
  CHECK(diff > 1e-3);
}
