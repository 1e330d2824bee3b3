// test_trace.cc — EncoderCapture and trace_forward: the traced forward gives the ordinary
// forward's outputs bit for bit; the captured probabilities equal softmax(QKᵀ/√d + mask)
// recomputed in double from the captured hidden states and the layer's own weights, rows sum to
// 1 over visible keys and masked/future keys are exactly 0; hidden states chain (the last is the
// sequence output); hooks are restored and captures nest.
#include <catch2/catch.hpp>

#include <cmath>

#include "bert/inspect/trace.h"
#include "bert/model/task_models.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "tests/bert/inspect/inspect_test_util.h"

using namespace bert;
using bert::testing::small_model;
using nn::Tensor;

namespace {

// A batch of two rows: row 0 full, row 1 padded after 4 tokens.
struct Inputs {
  Tensor ids = Tensor::from_ids({2, 6}, {2, 5, 6, 7, 19, 3, 2, 11, 12, 3, 0, 0});
  Tensor types = Tensor::from_ids({2, 6}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  Tensor mask = Tensor::from_ids({2, 6}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0});
};

// softmax((x Wqᵀ + bq)_h (x Wkᵀ + bk)_hᵀ / √d + mask) for layer `self` on input x (B,T,H), in
// double, with masked keys (mask 0) and, if causal, future keys left at exactly 0.
std::vector<double> naive_probs(const BertSelfAttention& self, const Tensor& x, const Tensor& mask, bool causal) {
  const int64_t B = x.size(0), T = x.size(1), H = x.size(2), A = self.heads, d = H / A;
  const std::vector<float> xv = x.to_vector(), wq = self.query.weight.to_vector(), bq = self.query.bias.to_vector(),
                           wk = self.key.weight.to_vector(), bk = self.key.bias.to_vector();
  const std::vector<int64_t> m = mask.to_ids();
  auto project = [&](const std::vector<float>& w, const std::vector<float>& b, int64_t bt, int64_t o) {
    double s = b[static_cast<size_t>(o)];
    for (int64_t i = 0; i < H; ++i) s += static_cast<double>(w[static_cast<size_t>(o * H + i)]) * xv[static_cast<size_t>(bt * H + i)];
    return s;
  };
  std::vector<double> p(static_cast<size_t>(B * A * T * T), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t a = 0; a < A; ++a)
      for (int64_t i = 0; i < T; ++i) {
        std::vector<double> s(static_cast<size_t>(T), -INFINITY);
        double mx = -INFINITY;
        for (int64_t j = 0; j < T; ++j) {
          if (m[static_cast<size_t>(b * T + j)] == 0 || (causal && j > i)) continue;
          double dot = 0;
          for (int64_t e = a * d; e < (a + 1) * d; ++e) dot += project(wq, bq, b * T + i, e) * project(wk, bk, b * T + j, e);
          s[static_cast<size_t>(j)] = dot / std::sqrt(static_cast<double>(d));
          mx = std::max(mx, s[static_cast<size_t>(j)]);
        }
        double z = 0;
        for (int64_t j = 0; j < T; ++j) z += std::isinf(s[static_cast<size_t>(j)]) ? 0 : std::exp(s[static_cast<size_t>(j)] - mx);
        for (int64_t j = 0; j < T; ++j)
          if (!std::isinf(s[static_cast<size_t>(j)]))
            p[static_cast<size_t>(((b * A + a) * T + i) * T + j)] = std::exp(s[static_cast<size_t>(j)] - mx) / z;
      }
  return p;
}

void check_attention(const TaskModel& model, const ModelTrace& t, const Inputs& in, bool causal) {
  const auto& layers = model.encoder().encoder.layer;
  REQUIRE(t.attentions.size() == layers.size());
  REQUIRE(t.hidden_states.size() == layers.size() + 1);
  const int64_t T = 6;
  const std::vector<int64_t> m = in.mask.to_ids();
  for (size_t l = 0; l < layers.size(); ++l) {
    INFO("layer " << l);
    REQUIRE(t.attentions[l].shape() == nn::Shape({2, 2, T, T}));
    const std::vector<float> got = t.attentions[l].to_vector();
    const std::vector<double> want = naive_probs(layers[l]->attention.self, t.hidden_states[l], in.mask, causal);
    for (size_t i = 0; i < got.size(); ++i) {
      INFO("element " << i);
      CHECK(std::abs(got[i] - want[i]) <= 1e-5);
    }
    for (int64_t row = 0; row < 2 * 2 * T; ++row) {
      const int64_t b = row / (2 * T), i = row % T;
      double sum = 0;
      for (int64_t j = 0; j < T; ++j) {
        const float p = got[static_cast<size_t>(row * T + j)];
        const bool visible = m[static_cast<size_t>(b * T + j)] == 1 && (!causal || j <= i);
        if (visible) sum += p;
        else CHECK(p == 0.f);
      }
      INFO("row " << row);
      CHECK(std::abs(sum - 1) <= 1e-5);
    }
  }
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.defined() != b.defined()) return false;
  if (!a.defined()) return true;
  return a.shape() == b.shape() && a.to_vector() == b.to_vector();
}

}  // namespace

TEST_CASE("trace_forward: outputs equal the ordinary forward bit for bit", "[trace]") {
  const Inputs in;
  for (const std::string arch : {"BertForPreTraining", "BertForMaskedLM", "BertLMHeadModel",
                                 "BertForSequenceClassification", "BertForTokenClassification"}) {
    INFO(arch);
    const auto model = small_model(arch);
    for (const bool grad : {false, true}) {
      INFO("grad mode " << grad);
      std::optional<nn::NoGradGuard> no_grad;
      if (!grad) no_grad.emplace();
      const FullOutput plain = model->forward_all(in.ids, in.types, in.mask);
      const ModelTrace t = trace_forward(*model, in.ids, in.types, in.mask);
      CHECK(same_bits(t.output.sequence_output, plain.sequence_output));
      CHECK(same_bits(t.output.pooled_output, plain.pooled_output));
      CHECK(same_bits(t.output.prediction_logits, plain.prediction_logits));
      CHECK(same_bits(t.output.seq_relationship_logits, plain.seq_relationship_logits));
      CHECK(same_bits(t.output.logits, plain.logits));
      CHECK(same_bits(t.hidden_states.back(), plain.sequence_output));
      // And the plain forward after the trace is unchanged too (the hooks are gone).
      CHECK(same_bits(model->forward_all(in.ids, in.types, in.mask).sequence_output, plain.sequence_output));
    }
  }
}

TEST_CASE("trace_forward: attention rows sum to 1, masked and future keys are 0, values match a naive recomputation",
          "[trace]") {
  const Inputs in;
  nn::NoGradGuard no_grad;
  for (const std::string arch : {"BertForMaskedLM", "BertLMHeadModel"}) {
    INFO(arch);
    const auto model = small_model(arch);
    check_attention(*model, trace_forward(*model, in.ids, in.types, in.mask), in, arch == "BertLMHeadModel");
  }
}

TEST_CASE("trace_forward: hidden state 0 is the embeddings' output; each next one is its layer's output", "[trace]") {
  const Inputs in;
  nn::NoGradGuard no_grad;
  const auto model = small_model("BertForMaskedLM");
  const BertModel& bert = model->encoder();
  const ModelTrace t = trace_forward(*model, in.ids, in.types, in.mask);
  CHECK(same_bits(t.hidden_states[0], bert.embeddings.forward(in.ids, in.types)));
  const Tensor key_mask = additive_key_mask(in.mask);
  for (size_t l = 0; l < bert.encoder.layer.size(); ++l)
    CHECK(same_bits(t.hidden_states[l + 1], bert.encoder.layer[l]->forward(t.hidden_states[l], key_mask, false)));
}

TEST_CASE("EncoderCapture: hooks restored afterwards, nested captures both record, latest forward kept", "[trace]") {
  const Inputs in;
  nn::NoGradGuard no_grad;
  const auto model = small_model("BertForMaskedLM");
  const BertModel& bert = model->encoder();
  int outer_calls = 0;
  bert.encoder.layer[0]->attention.self.probs_hook = [&](const Tensor&) { ++outer_calls; };
  {
    EncoderCapture a(bert);
    {
      EncoderCapture b(bert);
      model->forward_all(in.ids, in.types, in.mask);
      CHECK(b.attentions().size() == 2);
      CHECK(b.attentions()[1].defined());
      CHECK(b.hidden_states().size() == 3);
    }
    CHECK(a.attentions()[0].defined());
    CHECK(a.hidden_states().size() == 3);
    CHECK(outer_calls == 1);
    // A second, shorter forward replaces what was captured.
    const Tensor ids = nn::slice(in.ids, 1, 0, 4);
    model->forward_all(ids, Tensor(), Tensor());
    CHECK(a.attentions()[0].shape() == nn::Shape({2, 2, 4, 4}));
    CHECK(a.hidden_states().size() == 3);
    CHECK(a.hidden_states()[0].shape() == nn::Shape({2, 4, 16}));
    CHECK(outer_calls == 2);
  }
  CHECK(bert.encoder.layer[0]->attention.self.probs_hook);  // the user's hook is back
  CHECK_FALSE(bert.encoder.layer[1]->attention.self.probs_hook);
  CHECK_FALSE(bert.encoder.hidden_hook);
  bert.encoder.layer[0]->attention.self.probs_hook = nullptr;
}

TEST_CASE("EncoderCapture: a causal decode with a KV cache sees the cached keys", "[trace]") {
  nn::NoGradGuard no_grad;
  const auto model = small_model("BertLMHeadModel");
  const BertLMHeadModel& lm = *as_causal_lm(*model);
  EncoderCapture capture(lm.bert);
  KVCache cache;
  lm.forward(Tensor::from_ids({1, 3}, {3, 5, 6}), Tensor(), &cache);
  CHECK(capture.attentions()[0].shape() == nn::Shape({1, 2, 3, 3}));
  lm.forward(Tensor::from_ids({1, 1}, {7}), Tensor(), &cache);
  const Tensor step = capture.attentions()[0];
  REQUIRE(step.shape() == nn::Shape({1, 2, 1, 4}));
  const std::vector<float> p = step.to_vector();
  for (int h = 0; h < 2; ++h) CHECK(std::abs(p[h * 4] + p[h * 4 + 1] + p[h * 4 + 2] + p[h * 4 + 3] - 1) <= 1e-5);
}
