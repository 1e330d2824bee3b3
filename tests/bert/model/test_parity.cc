// test_parity.cc — BERT numerics against the PyTorch reference (tests/parity/): outputs, loss,
// every parameter gradient and five AdamW steps, for BertForPreTraining (with padding) and the
// causal BertLMHeadModel, in train mode with dropout off.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bert/checkpoint.h"
#include "bert/model/task_models.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "nn/io/safetensors.h"
#include "nn/optim/adamw.h"
#include "nn/optim/clip.h"

using namespace bert;
using nn::Tensor;

namespace {

std::string fixture(const std::string& name) { return std::string(NNBERT_SOURCE_DIR) + "/tests/parity/fixtures/" + name; }

// Largest |value| of a tensor.
double max_abs(const Tensor& t) {
  double m = 0;
  for (float x : t.to_vector()) m = std::max(m, std::abs(double(x)));
  return m;
}

// Elementwise |got − want| ≤ rtol·|want| + rtol·0.1·scale: relative, with a floor at a tenth of
// `scale` (by default the tensor's own largest value) so that entries near zero are judged
// against the magnitude of what is being compared rather than against fp32 rounding noise.
void check_tensor(const std::string& what, const Tensor& got, const Tensor& want, double rtol,
                  double scale = 0) {
  REQUIRE(got.shape() == want.shape());
  const std::vector<float> g = got.to_vector(), w = want.to_vector();
  scale = std::max(scale, max_abs(want));
  double worst = 0;
  size_t worst_i = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double excess = std::abs(double(g[i]) - w[i]) - (rtol * std::abs(double(w[i])) + rtol * 0.1 * scale);
    if (i == 0 || excess > worst) { worst = excess; worst_i = i; }
  }
  INFO(what << ": worst element " << worst_i << " got " << g[worst_i] << " want " << w[worst_i]);
  CHECK(worst <= 0);
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

struct Case {
  BertConfig config;
  nn::SafeTensorsFile inputs, outputs, grads;
  nlohmann::json adamw;
  explicit Case(const std::string& name)
      : config(BertConfig::load(fixture(name) + "/config.json")),
        inputs(nn::SafeTensorsFile::open(fixture(name) + "/inputs.safetensors")),
        outputs(nn::SafeTensorsFile::open(fixture(name) + "/outputs.safetensors")),
        grads(nn::SafeTensorsFile::open(fixture(name) + "/grads.safetensors")),
        adamw(read_json(fixture(name) + "/adamw.json")) {}
};

// Every parameter gradient within 1e-3. The key biases' gradients are exactly zero in exact
// arithmetic (adding q·b_k to every score of a row leaves the softmax unchanged), so both sides
// hold only rounding noise there: near-zero entries are judged against the model's largest
// gradient, not the tensor's own.
void check_gradients(const nn::Module& model, const Case& c) {
  double global = 0;
  for (const nn::NamedParameter& p : model.named_parameters()) global = std::max(global, max_abs(c.grads.read_f32(p.name)));
  for (const nn::NamedParameter& p : model.named_parameters()) {
    INFO("gradient of " << p.name);
    REQUIRE(c.grads.has(p.name));
    const bool is_key_bias = p.name.find("attention.self.key.bias") != std::string::npos;
    check_tensor(p.name, p.tensor->grad(), c.grads.read_f32(p.name), 1e-3, is_key_bias ? global : 0);
  }
}

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
