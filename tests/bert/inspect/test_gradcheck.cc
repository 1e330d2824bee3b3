// test_gradcheck.cc — gradient_check agrees with backprop on every architecture's probe loss,
// catches a wrong gradient (a loss whose graph drops half its derivative), restores the
// parameters bit for bit and leaves their gradients zero; the resolution: a gradient below it
// is unresolved but agrees, one above it is checked; the probe losses on hand-checkable cases;
// errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "bert/inspect/gradcheck.h"
#include "bert/model/task_models.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "tests/bert/inspect/inspect_test_util.h"

using namespace bert;
using bert::testing::small_model;
using nn::Tensor;

namespace {

const Tensor kIds = Tensor::from_ids({1, 6}, {2, 5, 4, 7, 19, 3});

const nn::NamedParameter& find(const std::vector<nn::NamedParameter>& ps, const std::string& name) {
  for (const auto& p : ps)
    if (p.name == name) return p;
  FAIL("no parameter " << name);
  return ps.front();
}

}  // namespace

TEST_CASE("gradient_check: backprop agrees with central differences on every model", "[gradcheck]") {
  for (const std::string arch : {"BertForPreTraining", "BertForMaskedLM", "BertLMHeadModel",
                                 "BertForSequenceClassification", "BertForTokenClassification"}) {
    INFO(arch);
    const auto model = small_model(arch);
    const std::vector<std::string> names = default_gradcheck_parameters(*model);
    CHECK(names.size() >= 9);
    std::vector<std::vector<float>> before;
    for (const auto& p : model->named_parameters()) before.push_back(p.tensor->to_vector());
    const GradCheckReport r = gradient_check_input(*model, kIds, Tensor(), 4);
    CHECK(r.entries.size() == 2 * names.size());
    CHECK(r.loss == probe_loss_description(*model));
    CHECK(std::isfinite(r.loss_value));
    CHECK(r.agrees);
    CHECK(r.resolution > 0);
    size_t resolved = 0;
    for (const GradCheckEntry& e : r.entries) {
      INFO(e.parameter << " analytic " << e.analytic << " numeric " << e.numeric << " resolution " << r.resolution);
      CHECK(e.analytic != 0);
      CHECK(e.agrees);
      if (e.resolved) CHECK(e.rel_error < 2e-2);
      resolved += e.resolved;
    }
    // These models' weights are spread (std 0.3), so most gradients are far above the resolution.
    CHECK(resolved >= r.entries.size() - 2);
    size_t k = 0;
    for (const auto& p : model->named_parameters()) {
      INFO(p.name);
      CHECK(p.tensor->to_vector() == before[k++]);  // restored exactly
      const Tensor g = p.tensor->grad();
      if (g.defined()) {
        const std::vector<float> gv = g.to_vector();
        if (std::find(names.begin(), names.end(), p.name) != names.end())
          CHECK(std::all_of(gv.begin(), gv.end(), [](float x) { return x == 0.f; }));
      }
    }
  }
}

TEST_CASE("gradient_check: a wrong gradient shows as a large error", "[gradcheck]") {
  const auto model = small_model("BertForMaskedLM");
  const auto params = model->named_parameters();
  const Tensor& w = *find(params, "cls.predictions.bias").tensor;
  // L = Σ b ⊙ stop_gradient(b): dL/db is 2b, but the graph only sees b.
  GradCheckOptions o;
  o.parameters = {"cls.predictions.bias"};
  o.entries_per_parameter = 3;
  // The initial bias is zero: give it values first.
  std::vector<float> v(static_cast<size_t>(w.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
  std::copy(v.begin(), v.end(), find(params, "cls.predictions.bias").tensor->data());
  const GradCheckReport wrong = gradient_check(*model, [&] { return nn::sum(nn::mul(w, w.detach())); }, o);
  CHECK_FALSE(wrong.agrees);
  for (const GradCheckEntry& e : wrong.entries) {
    CHECK(e.resolved);
    CHECK_FALSE(e.agrees);
    CHECK(std::abs(e.rel_error - 0.5) < 1e-3);
  }
  const GradCheckReport right = gradient_check(*model, [&] { return nn::sum(nn::mul(w, w)); }, o);
  CHECK(right.agrees);
  for (const GradCheckEntry& e : right.entries) {
    CHECK(e.rel_error < 1e-3);
    CHECK(std::abs(e.analytic - 2 * e.value) < 1e-6);
  }
  CHECK(right.entries[0].index.size() == 1);
}

TEST_CASE("gradient_check: the fp32 resolution of the central difference", "[gradcheck]") {
  const auto model = small_model("BertForMaskedLM");
  const auto params = model->named_parameters();
  const Tensor& w = *find(params, "cls.predictions.bias").tensor;
  std::fill(find(params, "cls.predictions.bias").tensor->data(), find(params, "cls.predictions.bias").tensor->data() + w.numel(), 0.5f);
  GradCheckOptions o;
  o.parameters = {"cls.predictions.bias"};
  o.entries_per_parameter = 1;
  // L = 1000 + 1e-6·Σb: L's ulp is 2⁻¹⁴ ≈ 6.1e-5 (1000 lies in [2⁹, 2¹⁰)), so the resolution
  // 4·ulp/2h is 2⁻¹²/0.02 ≈ 0.0122, and a gradient of 1e-6 moves L by 1e-8, far below an ulp: the
  // numeric derivative is 0, the entry unresolved but agreeing.
  const GradCheckReport tiny = gradient_check(*model, [&] { return nn::add(nn::mul(nn::sum(w), 1e-6f), 1000.f); }, o);
  CHECK(tiny.resolution == Approx(std::ldexp(1.0, -12) / 0.02));
  REQUIRE(tiny.entries.size() == 1);
  CHECK(tiny.entries[0].numeric == 0);
  CHECK_FALSE(tiny.entries[0].resolved);
  CHECK(tiny.entries[0].agrees);
  CHECK(tiny.agrees);
  CHECK(tiny.max_rel_error == 0);  // over resolved entries only
  // With gradient 10 the same loss level is resolved and checked.
  const GradCheckReport big = gradient_check(*model, [&] { return nn::add(nn::mul(nn::sum(w), 10.f), 1000.f); }, o);
  CHECK(big.entries[0].resolved);
  CHECK(big.entries[0].agrees);
  CHECK(big.entries[0].rel_error < 1e-2);
}

TEST_CASE("probe_loss: the causal loss is next-token cross-entropy; masked LM skips [MASK]", "[gradcheck]") {
  nn::NoGradGuard no_grad;
  const auto causal = small_model("BertLMHeadModel");
  const Tensor logits = causal->forward_all(kIds, Tensor(), Tensor()).prediction_logits;  // (1,6,V)
  const std::vector<float> l = logits.to_vector();
  const std::vector<int64_t> ids = kIds.to_ids();
  const int64_t V = logits.size(2);
  double ce = 0;
  for (int64_t t = 0; t + 1 < 6; ++t) {
    double z = 0;
    for (int64_t v = 0; v < V; ++v) z += std::exp(static_cast<double>(l[t * V + v]));
    ce += std::log(z) - l[t * V + ids[t + 1]];
  }
  CHECK(probe_loss(*causal, kIds, Tensor(), 4).item() == Approx(ce / 5).epsilon(1e-5));

  const auto mlm = small_model("BertForMaskedLM");
  const std::vector<float> m = mlm->forward_all(kIds, Tensor(), Tensor()).prediction_logits.to_vector();
  ce = 0;
  for (int64_t t = 0; t < 6; ++t) {
    if (ids[t] == 4) continue;  // [MASK]
    double z = 0;
    for (int64_t v = 0; v < V; ++v) z += std::exp(static_cast<double>(m[t * V + v]));
    ce += std::log(z) - m[t * V + ids[t]];
  }
  CHECK(probe_loss(*mlm, kIds, Tensor(), 4).item() == Approx(ce / 5).epsilon(1e-5));
}

TEST_CASE("gradient_check: errors", "[gradcheck]") {
  const auto model = small_model("BertForMaskedLM");
  GradCheckOptions o;
  o.parameters = {"no.such.weight"};
  CHECK_THROWS_WITH(gradient_check_input(*model, kIds, Tensor(), 4, o),
                    Catch::Contains("the model (BertForMaskedLM) has no parameter 'no.such.weight'"));
  {
    nn::NoGradGuard no_grad;
    CHECK_THROWS_WITH(gradient_check_input(*model, kIds, Tensor(), 4), Catch::Contains("gradients are disabled"));
  }
  model->train();
  CHECK_THROWS_WITH(gradient_check_input(*model, kIds, Tensor(), 4), Catch::Contains("training mode"));
}
