// test_generation.cc — KV-cache decoding against the full forward, the sampling rules on fixed
// logits, and seeded reproducibility.
#include <catch2/catch.hpp>

#include <cmath>

#include "bert/generation/causal_lm.h"
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
  LoadedModel m;
  m.config = causal_config();
  m.architecture = Architecture::LMHead;
  m.lm_head = std::make_unique<BertLMHeadModel>(m.config, 7);
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
