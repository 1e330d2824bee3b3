// test_logit_lens.cc — the lens at the last layer is the model's own prediction (masked LM and
// causal LM); at every layer it is the head applied to that hidden state; top_tokens against a
// softmax computed here; classifiers have no head.
#include <catch2/catch.hpp>

#include <cmath>

#include "bert/inspect/logit_lens.h"
#include "bert/inspect/trace.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "tests/bert/inspect/inspect_test_util.h"

using namespace bert;
using bert::testing::small_model;
using nn::Tensor;

TEST_CASE("logit lens at the last layer equals the model's prediction logits", "[logit_lens]") {
  nn::NoGradGuard no_grad;
  const Tensor ids = Tensor::from_ids({2, 5}, {2, 5, 4, 7, 3, 2, 11, 4, 4, 3});
  for (const std::string arch : {"BertForPreTraining", "BertForMaskedLM", "BertLMHeadModel"}) {
    INFO(arch);
    const auto model = small_model(arch);
    const BertLMPredictionHead* head = language_model_head(*model);
    REQUIRE(head);
    const ModelTrace t = trace_forward(*model, ids, Tensor(), Tensor());
    const std::vector<int64_t> positions = {2, 7, 8, 9};
    const int64_t V = model->config().vocab_size;
    const std::vector<float> own = t.output.prediction_logits.to_vector();  // (2,5,V)
    const std::vector<float> lens = lens_logits(*head, t.hidden_states.back(), positions).to_vector();
    REQUIRE(lens.size() == positions.size() * static_cast<size_t>(V));
    for (size_t i = 0; i < positions.size(); ++i)
      for (int64_t v = 0; v < V; ++v) {
        INFO("position " << positions[i] << " token " << v);
        CHECK(std::abs(lens[i * V + v] - own[positions[i] * V + v]) <= 1e-5 * (1 + std::abs(own[positions[i] * V + v])));
      }
    // The top tokens of the lens's last layer are the argmax of the model's own logits.
    const std::vector<LensPosition> lp = logit_lens(*head, t.hidden_states, positions, 3);
    REQUIRE(lp.size() == positions.size());
    for (size_t i = 0; i < positions.size(); ++i) {
      REQUIRE(lp[i].layers.size() == 3);  // embeddings + 2 layers
      const float* row = own.data() + positions[i] * V;
      CHECK(lp[i].layers.back()[0].id == std::max_element(row, row + V) - row);
    }
  }
}

TEST_CASE("logit lens at every layer is the head on that layer's hidden state", "[logit_lens]") {
  nn::NoGradGuard no_grad;
  const auto model = small_model("BertForMaskedLM");
  const Tensor ids = Tensor::from_ids({1, 5}, {2, 5, 4, 7, 3});
  const ModelTrace t = trace_forward(*model, ids, Tensor(), Tensor());
  const BertLMPredictionHead& head = *language_model_head(*model);
  const Vocab vocab(bert::testing::small_vocab());
  const std::vector<LensPosition> lp = logit_lens(head, t.hidden_states, {2}, 4, &vocab);
  for (size_t s = 0; s < t.hidden_states.size(); ++s) {
    const std::vector<float> want = head.forward(t.hidden_states[s]).to_vector();  // (1,5,V)
    const std::vector<TokenScore> top = top_tokens(want.data() + 2 * 24, 24, 4, &vocab);
    REQUIRE(lp[0].layers[s].size() == 4);
    for (size_t k = 0; k < 4; ++k) {
      CHECK(lp[0].layers[s][k].id == top[k].id);
      CHECK(lp[0].layers[s][k].token == vocab.token(top[k].id));
      CHECK(std::abs(lp[0].layers[s][k].prob - top[k].prob) <= 1e-6);
    }
  }
  CHECK_THROWS_WITH(lens_logits(head, t.hidden_states[0], {5}), Catch::Contains("position 5 is outside the 5 rows"));
}

TEST_CASE("top_tokens: order, ties, probabilities", "[logit_lens]") {
  const std::vector<float> logits = {1.f, 3.f, 3.f, -2.f, 0.5f};
  const std::vector<TokenScore> top = top_tokens(logits.data(), 5, 3);
  REQUIRE(top.size() == 3);
  CHECK(top[0].id == 1);  // tie with 2: lower id first
  CHECK(top[1].id == 2);
  CHECK(top[2].id == 0);
  double z = 0;
  for (const float l : logits) z += std::exp(static_cast<double>(l));
  CHECK(std::abs(top[0].prob - std::exp(3.0) / z) <= 1e-7);
  CHECK(std::abs(top[2].prob - std::exp(1.0) / z) <= 1e-7);
  CHECK(top[2].logit == 1.f);
  CHECK(top_tokens(logits.data(), 5, 9).size() == 5);
}

TEST_CASE("classifiers have no vocabulary head", "[logit_lens]") {
  CHECK(language_model_head(*small_model("BertForSequenceClassification")) == nullptr);
  CHECK(language_model_head(*small_model("BertForTokenClassification")) == nullptr);
}
