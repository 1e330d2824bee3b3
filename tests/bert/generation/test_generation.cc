// test_generation.cc — KV-cache decoding against the full forward, batched decoding against
// each prompt alone, the sampling rules on fixed logits, Gibbs steps against fill-mask's
// probabilities, and seeded reproducibility.
#include <catch2/catch.hpp>

#include <cmath>

#include "bert/generation/causal_lm.h"
#include "bert/generation/decoder.h"
#include "bert/generation/fill_mask.h"
#include "bert/generation/gibbs.h"
#include "bert/generation/sampler.h"
#include "core/autograd.h"
#include "core/ops.h"

using namespace bert;
using nn::Tensor;

namespace {
BertConfig causal_config() {
  BertConfig c;
  c.vocab_size = 50;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = 64;
  c.max_position_embeddings = 32;
  c.is_decoder = true;
  return c;
}
}  // namespace

TEST_CASE("KV-cache decoding gives the full forward's logits at every step", "[generation]") {
  BertLMHeadModel model(causal_config(), 5);
  model.eval();
  // Weights larger than the default init, so that attention is far from uniform.
  for (const nn::NamedParameter& p : model.named_parameters()) {
    const std::vector<float> v = Tensor::randn(p.tensor->shape(), std::hash<std::string>{}(p.name), 0.f, 0.3f).to_vector();
    std::copy(v.begin(), v.end(), p.tensor->data());
  }
  nn::NoGradGuard no_grad;
  const std::vector<int64_t> seq = {3, 17, 9, 42, 5, 28, 11, 30, 7, 19};
  KVCache cache;
  const int64_t prompt = 4;
  Tensor step_logits = model.forward(Tensor::from_ids({1, prompt}, std::vector<int64_t>(seq.begin(), seq.begin() + prompt)), Tensor(), &cache);
  // The cache is allocated once, at the first step, and every step appends in place.
  const float* k_storage = cache[1].k_buf.data();
  REQUIRE(cache[1].k_buf.shape() == nn::Shape({1, 4, 32, 8}));
  for (int64_t t = prompt; t <= static_cast<int64_t>(seq.size()); ++t) {
    const Tensor full = model.forward(Tensor::from_ids({1, t}, std::vector<int64_t>(seq.begin(), seq.begin() + t)), Tensor());
    const std::vector<float> want = nn::slice(nn::reshape(full, {t, 50}), 0, t - 1, t).to_vector();
    const int64_t n = step_logits.size(1);
    const std::vector<float> got = nn::slice(nn::reshape(step_logits, {n, 50}), 0, n - 1, n).to_vector();
    for (size_t i = 0; i < want.size(); ++i) {
      INFO("length " << t << " logit " << i);
      CHECK(std::abs(got[i] - want[i]) <= 1e-5 * (1 + std::abs(want[i])));
    }
    if (t < static_cast<int64_t>(seq.size()))
      step_logits = model.forward(Tensor::from_ids({1, 1}, {seq[static_cast<size_t>(t)]}), Tensor(), &cache);
  }
  CHECK(cache[0].length() == static_cast<int64_t>(seq.size()));
  CHECK(cache[1].k_buf.data() == k_storage);
  CHECK(cache[1].keys().data() == k_storage);  // a view of the buffer, not a copy
  CHECK(cache[1].keys().shape() == nn::Shape({1, 4, static_cast<int64_t>(seq.size()), 8}));
}

TEST_CASE("sampling distributions follow their definitions", "[generation][sampling]") {
  const std::vector<float> logits = {2.0f, 1.0f, 0.0f, -1.0f};
  const std::vector<int32_t> none;
  // Temperature T: p ∝ exp(l/T).
  SamplingOptions o;
  o.temperature = 2.0f;
  std::vector<double> p = sampling_distribution(logits, none, o);
  double z = 0;
  for (float l : logits) z += std::exp(l / 2.0);
  for (size_t i = 0; i < 4; ++i) CHECK(p[i] == Approx(std::exp(logits[i] / 2.0) / z));
  // Top-k = 2 keeps the two largest, renormalised.
  o = {};
  o.top_k = 2;
  p = sampling_distribution(logits, none, o);
  CHECK(p[0] == Approx(std::exp(2.0) / (std::exp(2.0) + std::exp(1.0))));
  CHECK(p[2] == 0.0);
  CHECK(p[3] == 0.0);
  // Top-p = 0.7: softmax is (0.644, 0.237, 0.087, 0.032); the smallest prefix reaching 0.7 is 2 tokens.
  o = {};
  o.top_p = 0.7f;
  p = sampling_distribution(logits, none, o);
  CHECK(p[1] > 0);
  CHECK(p[2] == 0.0);
  o.top_p = 0.5f;  // the first token alone already has 0.644
  p = sampling_distribution(logits, none, o);
  CHECK(p[0] == 1.0);
  // Repetition penalty 2 on token 0 (positive logit halves) and token 3 (negative logit doubles).
  o = {};
  o.repetition_penalty = 2.0f;
  const std::vector<int32_t> seen = {0, 3};
  p = sampling_distribution(logits, seen, o);
  const double e0 = std::exp(1.0), e1 = std::exp(1.0), e2 = std::exp(0.0), e3 = std::exp(-2.0);
  CHECK(p[0] == Approx(e0 / (e0 + e1 + e2 + e3)));
  CHECK(p[3] == Approx(e3 / (e0 + e1 + e2 + e3)));
  // Greedy picks the argmax; draws follow the distribution.
  o = {};
  o.temperature = 0;
  nn::Generator g(1);
  CHECK(sample_token(logits, none, o, g) == 0);
  o.temperature = 1;
  int counts[4] = {0, 0, 0, 0};
  for (int i = 0; i < 20000; ++i) counts[sample_token(logits, none, o, g)]++;
  p = sampling_distribution(logits, none, o);
  for (int i = 0; i < 4; ++i) {
    const double sd = std::sqrt(20000 * p[i] * (1 - p[i]));
    CHECK(std::abs(counts[i] - 20000 * p[i]) <= 5 * sd + 1);
  }
  REQUIRE_THROWS_WITH(sampling_distribution(logits, none, SamplingOptions{1.f, 0, 0.f, 1.f}), Catch::Contains("top-p"));
}

TEST_CASE("seeded generation is reproducible", "[generation]") {
  const BertLMHeadModel m(causal_config(), 7);
  std::vector<std::string> tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (int i = 5; i < 50; ++i) tokens.push_back(std::string("w").append(std::to_string(i)));
  const Tokenizer tok(Vocab(tokens), true);
  GenerateOptions o;
  o.max_new_tokens = 12;
  o.seed = 9;
  o.sampling.temperature = 1.5f;
  auto run = [&] { return generate_text(m, tok, "w5 w6", o, [](const std::string&) {}).ids; };
  const std::vector<int32_t> a = run();
  CHECK(run() == a);
  o.seed = 10;
  CHECK(run() != a);
  std::string long_prompt;
  for (int i = 0; i < 40; ++i) long_prompt += "w5 ";
  REQUIRE_THROWS_WITH(generate_text(m, tok, long_prompt, o, [](const std::string&) {}), Catch::Contains("positions"));
}

namespace {
// A 50-token vocabulary: the five specials, then w5 … w49.
Tokenizer small_tokenizer() {
  std::vector<std::string> tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (int i = 5; i < 50; ++i) tokens.push_back(std::string("w").append(std::to_string(i)));
  return Tokenizer(Vocab(tokens), true);
}

// Redraws every parameter with std 0.3, so attention and the output distributions are far from
// uniform (the default init gives near-uniform logits on a model this small).
void spread_weights(nn::Module& model) {
  for (const nn::NamedParameter& p : model.named_parameters()) {
    const std::vector<float> v = Tensor::randn(p.tensor->shape(), std::hash<std::string>{}(p.name), 0.f, 0.3f).to_vector();
    std::copy(v.begin(), v.end(), p.tensor->data());
  }
}

std::unique_ptr<BertLMHeadModel> causal_model() {
  auto m = std::make_unique<BertLMHeadModel>(causal_config(), 7);
  spread_weights(*m);
  m->eval();
  return m;
}

std::unique_ptr<BertForMaskedLM> masked_lm_model() {
  BertConfig c = causal_config();
  c.is_decoder = false;
  auto m = std::make_unique<BertForMaskedLM>(c, 11);
  spread_weights(*m);
  m->eval();
  return m;
}
}  // namespace

TEST_CASE("a left-padded batch decodes each row as it would alone", "[generation][batch]") {
  const std::unique_ptr<BertLMHeadModel> model = causal_model();
  const BertLMHeadModel& m = *model;
  nn::NoGradGuard no_grad;
  // Logits at every step, row by row, against one Decoder per prompt.
  const std::vector<std::vector<int32_t>> prompts = {{5, 6}, {7, 8, 9, 10, 11}, {12}};
  const std::vector<std::vector<int32_t>> fed = {{20, 21, 22}, {23, 24, 25}, {26, 27, 28}};
  for (size_t b = 0; b < prompts.size(); ++b) {
    Decoder batch(m, 3), alone(m, 1);
    std::vector<float> got = batch.prefill(prompts).to_vector();
    std::vector<float> want = alone.prefill({prompts[b]}).to_vector();
    const size_t V = want.size();
    // Row 2 is finished after its first step (fed [PAD], masked) while the others go on.
    const size_t steps = b == 2 ? 1 : fed[b].size();
    for (size_t step = 0;; ++step) {
      for (size_t i = 0; i < V; ++i) {
        INFO("row " << b << " step " << step << " logit " << i);
        CHECK(std::abs(got[b * V + i] - want[i]) <= 1e-5 * (1 + std::abs(want[i])));
      }
      if (step == steps) break;
      got = batch.step({fed[0][step], fed[1][step], fed[2][step]}, {true, true, step == 0}).to_vector();
      want = alone.step({fed[b][step]}, {true}).to_vector();
    }
  }
  // Sampled continuations: the batch against each prompt alone, same seed; one prompt runs into
  // the last position (32) and stops there while the others go on.
  const Tokenizer tok = small_tokenizer();
  std::string long_prompt;
  for (int i = 0; i < 27; ++i) long_prompt.append("w").append(std::to_string(5 + i % 40)).append(" ");
  const std::vector<std::string> texts = {"w5 w6", "w7", long_prompt, "", "w8 w9 w10 w11 w12 w13"};
  for (float temperature : {0.f, 1.f}) {
    GenerateOptions o;
    o.max_new_tokens = 10;
    o.seed = 3;
    o.sampling.temperature = temperature;
    o.sampling.top_k = temperature > 0 ? 20 : 0;
    const std::vector<GenerateResult> together = generate_batch(m, tok, texts, o, [](size_t, const std::string&) {});
    REQUIRE(together.size() == texts.size());
    for (size_t b = 0; b < texts.size(); ++b) {
      INFO("prompt " << b << " temperature " << temperature);
      const GenerateResult alone = generate_text(m, tok, texts[b], o, [](const std::string&) {});
      CHECK(together[b].ids == alone.ids);
      CHECK(together[b].text == alone.text);
      CHECK(together[b].stop_reason == alone.stop_reason);
    }
    CHECK(together[2].stop_reason == "max positions");
  }
}

TEST_CASE("a Gibbs step samples from the model's MLM distribution at that position", "[generation][gibbs]") {
  const std::unique_ptr<BertForMaskedLM> model = masked_lm_model();
  const BertForMaskedLM& m = *model;
  const Tokenizer tok = small_tokenizer();
  // fill-mask's probabilities for the [MASK] of "w5 w6 [MASK] w7" (position 3 after [CLS]).
  const std::vector<MaskPrediction> fm = fill_mask(m, tok, "w5 w6 [MASK] w7", 50);
  REQUIRE(fm.size() == 1);
  REQUIRE(fm[0].position == 3);
  std::vector<double> want(50, 0.0);
  for (const MaskCandidate& c : fm[0].candidates) want[static_cast<size_t>(c.id)] = c.prob;
  // The step sees whatever token is at the position now: it masks it first.
  const std::vector<int32_t> ids = {2, 5, 6, 30, 7, 3};
  SamplingOptions s;
  const std::vector<double> p = gibbs_distribution(m, ids, 3, 4, s);
  for (size_t i = 0; i < 50; ++i) {
    INFO("token " << i);
    CHECK(std::abs(p[i] - want[i]) <= 1e-5);
  }
  double top = 0;
  for (double x : want) top = std::max(top, x);
  CHECK(top > 3.0 / 50);  // well above uniform (1/50), so the draws below test something
  // Draws: counts within 5 standard deviations of n·p, and only the position changes.
  const int n = 4000;
  std::vector<int> counts(50, 0);
  nn::Generator rng(21);
  for (int i = 0; i < n; ++i) {
    std::vector<int32_t> x = ids;
    const int32_t t = gibbs_step(m, x, 3, 4, s, rng);
    REQUIRE(x[3] == t);
    REQUIRE((x[0] == 2 && x[1] == 5 && x[2] == 6 && x[4] == 7 && x[5] == 3));
    counts[static_cast<size_t>(t)]++;
  }
  for (size_t i = 0; i < 50; ++i) {
    INFO("token " << i << " p " << want[i]);
    const double sd = std::sqrt(n * want[i] * (1 - want[i]));
    CHECK(std::abs(counts[i] - n * want[i]) <= 5 * sd + 1);
  }
  // Top-k restricts the draw to the k most probable tokens.
  s.top_k = 3;
  const std::vector<double> pk = gibbs_distribution(m, ids, 3, 4, s);
  int kept = 0;
  for (double x : pk) kept += x > 0;
  CHECK(kept == 3);
}

TEST_CASE("Gibbs generation is reproducible and fills every position", "[generation][gibbs]") {
  const std::unique_ptr<BertForMaskedLM> model = masked_lm_model();
  const BertForMaskedLM& m = *model;
  const Tokenizer tok = small_tokenizer();
  GibbsOptions o;
  o.length = 6;
  o.iterations = 18;
  o.seed = 4;
  const GibbsResult a = gibbs_generate(m, tok, "w5 w6", o);
  CHECK(gibbs_generate(m, tok, "w5 w6", o).ids == a.ids);
  REQUIRE(a.ids.size() == 6);
  REQUIRE(a.sequence.size() == 1 + 2 + 6 + 1);
  CHECK(a.sequence.front() == 2);
  CHECK(a.sequence.back() == 3);
  o.seed = 5;
  CHECK(gibbs_generate(m, tok, "w5 w6", o).ids != a.ids);
  // A left-to-right sweep visits every position: no [MASK] is left after one pass.
  o.order = GibbsOrder::Sweep;
  o.iterations = 6;
  int visits = 0;
  const GibbsResult sw = gibbs_generate(m, tok, "w5 w6", o, [&](int, const std::string&) { ++visits; });
  CHECK(visits == 6);
  for (int32_t id : sw.ids) CHECK(id != 4);
  // Errors: causal checkpoint, too long.
  REQUIRE_THROWS_WITH(gibbs_generate(*causal_model(), tok, "w5", o), Catch::Contains("masked-LM"));
  o.length = 40;
  REQUIRE_THROWS_WITH(gibbs_generate(m, tok, "w5", o), Catch::Contains("positions"));
}
