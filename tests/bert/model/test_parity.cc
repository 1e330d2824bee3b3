// test_parity.cc — BERT numerics against the PyTorch reference (tests/parity/): outputs, loss,
// every parameter gradient and five AdamW steps, for BertForPreTraining (with padding) and the
// causal BertLMHeadModel, in train mode with dropout off.
#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

#include "bert/checkpoint.h"
#include "bert/model/task_models.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "nn/io/safetensors.h"
#include "nn/optim/adamw.h"
#include "nn/optim/clip.h"
#include "tests/bert/model/parity_helpers.h"

using namespace bert;
using namespace parity;
using nn::Tensor;

namespace {

// Five optimizer steps as the reference takes them: backward, clip to max_grad_norm, AdamW.
template <class LossFn>
void check_adamw_steps(nn::Module& model, const Case& c, LossFn&& loss_fn) {
  nn::FlatParameters& flat = model.flatten_parameters(nn::is_no_decay_parameter);
  nn::AdamW opt(flat, {c.adamw["betas"][0].get<float>(), c.adamw["betas"][1].get<float>(),
                       c.adamw["eps"].get<float>(), c.adamw["weight_decay"].get<float>(), true});
  const auto losses = c.adamw["losses"].get<std::vector<double>>();
  const auto norms = c.adamw["grad_norms"].get<std::vector<double>>();
  for (size_t k = 0; k < losses.size(); ++k) {
    model.zero_grad();
    Tensor loss = loss_fn();
    INFO("step " << k);
    CHECK(loss.item() == Approx(losses[k]).epsilon(1e-4));
    loss.backward();
    CHECK(nn::clip_grad_norm(flat, c.adamw["max_grad_norm"].get<double>()) == Approx(norms[k]).epsilon(1e-3));
    opt.step(c.adamw["lr"].get<float>());
  }
  nn::NoGradGuard no_grad;
  CHECK(loss_fn().item() == Approx(c.adamw["final_loss"].get<double>()).epsilon(1e-4));
}

}  // namespace

TEST_CASE("BertForPreTraining matches PyTorch: outputs, loss, gradients, AdamW steps", "[parity]") {
  const Case c("pretraining");
  BertForPreTraining model(c.config, 0);
  load_weights(model, fixture("pretraining") + "/model.safetensors");
  model.train();  // dropout probabilities are 0 in this config
  const Tensor ids = c.inputs.read_i64("input_ids"), types = c.inputs.read_i64("token_type_ids"),
               mask = c.inputs.read_i64("attention_mask");

  const FullOutput full = model.forward_all(ids, types, mask);
  check_tensor("sequence_output", full.sequence_output, c.outputs.read_f32("sequence_output"), 1e-4);
  check_tensor("pooled_output", full.pooled_output, c.outputs.read_f32("pooled_output"), 1e-4);
  check_tensor("prediction_logits", full.prediction_logits, c.outputs.read_f32("prediction_logits"), 1e-4);
  check_tensor("seq_relationship_logits", full.seq_relationship_logits,
               c.outputs.read_f32("seq_relationship_logits"), 1e-4);

  const Batch batch{ids, types, mask, c.inputs.read_i64("masked_positions"),
                            c.inputs.read_i64("masked_labels"), c.inputs.read_i64("next_sentence_label")};
  const MaskedLMOutput out = model.forward(batch);
  CHECK(out.mlm_loss.item() == Approx(c.outputs.read_f32("mlm_loss").item()).epsilon(1e-4));
  CHECK(out.nsp_loss.item() == Approx(c.outputs.read_f32("nsp_loss").item()).epsilon(1e-4));
  CHECK(out.loss.item() == Approx(c.outputs.read_f32("loss").item()).epsilon(1e-4));

  out.loss.backward();
  check_gradients(model, c);
  check_adamw_steps(model, c, [&] { return model.forward(batch).loss; });
}

TEST_CASE("BertLMHeadModel (causal) matches PyTorch: outputs, loss, gradients, AdamW steps", "[parity]") {
  const Case c("lm_head");
  BertLMHeadModel model(c.config, 0);
  load_weights(model, fixture("lm_head") + "/model.safetensors");
  model.train();
  const Tensor ids = c.inputs.read_i64("input_ids"), mask = c.inputs.read_i64("attention_mask"),
               labels = c.inputs.read_i64("labels");
  const FullOutput full = model.forward_all(ids, c.inputs.read_i64("token_type_ids"), mask);
  check_tensor("sequence_output", full.sequence_output, c.outputs.read_f32("sequence_output"), 1e-4);
  check_tensor("prediction_logits", full.prediction_logits, c.outputs.read_f32("prediction_logits"), 1e-4);

  auto loss_fn = [&] {
    return model.loss(model.cls.predictions.forward(
                          model.bert.forward(ids, c.inputs.read_i64("token_type_ids"), mask).sequence_output),
                      labels);
  };
  Tensor loss = loss_fn();
  CHECK(loss.item() == Approx(c.outputs.read_f32("loss").item()).epsilon(1e-4));
  loss.backward();
  check_gradients(model, c);
  check_adamw_steps(model, c, loss_fn);
}
