// test_recompute.cc — BertEncoder::recompute (each layer through nn::checkpoint) changes nothing
// but memory: a small BertForPreTraining with dropout on (hidden and attention probabilities)
// gives, bit for bit, the loss and every parameter's gradient of the same model without it, in
// fp32 and in bf16 precision (under a Bf16WeightScope, as the trainer runs a step), for padded
// rows and for a causal model; and the layers' activations are recomputed, not kept.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "bert/model/task_models.h"
#include "bert/task/registry.h"
#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/kernels/gemm.h"
#include "core/ops.h"
#include "core/profile.h"
#include "core/rng.h"
#include "nn/dropout.h"

using namespace bert;
using nn::Tensor;

namespace {

// Products wide enough (hidden 64, 2·24 rows) that the bf16 GEMM path runs; dropout on.
BertConfig small_config(bool causal) {
  BertConfig c;
  c.vocab_size = 60;
  c.hidden_size = 64;
  c.num_hidden_layers = 3;
  c.num_attention_heads = 4;
  c.intermediate_size = 128;
  c.max_position_embeddings = 32;
  c.hidden_dropout_prob = 0.1f;
  c.attention_probs_dropout_prob = 0.1f;
  c.initializer_range = 0.1f;
  c.is_decoder = causal;
  return c;
}

// Two rows of 24 tokens, the second padded after 17; a few masked positions; NSP labels; for a
// causal model, next-token labels.
Batch make_batch() {
  const int64_t B = 2, T = 24;
  nn::Generator rng(5);
  std::vector<int64_t> ids, types, mask, labels;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      ids.push_back(rng.randint(5, 59));
      types.push_back(t < T / 2 ? 0 : 1);
      mask.push_back(b == 1 && t >= 17 ? 0 : 1);
      labels.push_back(b == 1 && t >= 17 ? -100 : rng.randint(5, 59));
    }
  Batch batch;
  batch.input_ids = Tensor::from_ids({B, T}, ids);
  batch.token_type_ids = Tensor::from_ids({B, T}, types);
  batch.attention_mask = Tensor::from_ids({B, T}, mask);
  batch.masked_positions = Tensor::from_ids({5}, {1, 7, 20, T + 3, T + 15});
  batch.masked_labels = Tensor::from_ids({5}, {9, 17, 33, 41, 58});
  batch.next_sentence_labels = Tensor::from_ids({B}, {0, 1});
  batch.labels = Tensor::from_ids({B, T}, labels);
  return batch;
}

struct Step {
  float loss = 0;
  std::vector<std::vector<float>> grads;  // every parameter's, in named_parameters order
};

// One training step's loss and gradients, dropout seeded as the trainer seeds it.
Step train_step(const TaskModel& model, const Batch& batch, bool recompute) {
  for (auto& p : model.named_parameters()) p.tensor->zero_grad();
  model.encoder().encoder.recompute = recompute;
  nn::set_dropout_seed(nn::mix_seed(42, 3));
  const nn::Bf16WeightScope fixed_weights;
  const TaskOutput out = model.compute_loss(batch);
  out.loss.backward();
  model.encoder().encoder.recompute = false;
  Step s;
  s.loss = out.loss.item();
  for (const auto& p : model.named_parameters()) s.grads.push_back(p.tensor->grad().to_vector());
  return s;
}

void check_identical(const std::string& architecture, bool causal) {
  const std::unique_ptr<TaskModel> model = make_task_model(architecture, small_config(causal), 7);
  model->train();
  const Batch batch = make_batch();
  const Step without = train_step(*model, batch, false);
  const Step with = train_step(*model, batch, true);
  CHECK(with.loss == without.loss);
  const auto params = model->named_parameters();
  REQUIRE(with.grads.size() == params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    INFO(params[i].name);
    CHECK(with.grads[i] == without.grads[i]);
  }
  // Dropout is really on: another seed gives another loss.
  nn::set_dropout_seed(1);
  CHECK(model->compute_loss(batch).loss.item() != without.loss);
}

}  // namespace

TEST_CASE("recompute: BertForPreTraining's loss and gradients bit-identical with dropout, fp32", "[recompute]") {
  check_identical("BertForPreTraining", false);
}

TEST_CASE("recompute: BertForPreTraining's loss and gradients bit-identical with dropout, bf16", "[recompute]") {
  const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
  check_identical("BertForPreTraining", false);
}

TEST_CASE("recompute: a causal BertLMHeadModel bit-identical too (fp32 and bf16)", "[recompute]") {
  check_identical("BertLMHeadModel", true);
  const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
  check_identical("BertLMHeadModel", true);
}

TEST_CASE("recompute: each layer's forward runs again in backward; none without gradients", "[recompute]") {
  const std::unique_ptr<TaskModel> model = make_task_model("BertForPreTraining", small_config(false), 7);
  const Batch batch = make_batch();
  // Count the encoder's attention forwards through the profiler.
  const auto attention_calls = [&](bool recompute, bool grad) {
    nn::profile::reset();
    nn::profile::set_enabled(true);
    model->encoder().encoder.recompute = recompute;
    if (grad) {
      model->compute_loss(batch).loss.backward();
    } else {
      const nn::NoGradGuard no_grad;
      model->compute_loss(batch);
    }
    model->encoder().encoder.recompute = false;
    nn::profile::set_enabled(false);
    int64_t calls = 0;
    for (const nn::profile::Entry& e : nn::profile::entries())
      if (e.op == "attention") calls = e.calls;
    return calls;
  };
  CHECK(attention_calls(false, true) == 3);
  CHECK(attention_calls(true, true) == 6);
  CHECK(attention_calls(true, false) == 3);
}
