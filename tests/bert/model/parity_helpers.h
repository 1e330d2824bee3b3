// parity_helpers.h — what the PyTorch parity tests share: a fixture case of tests/parity/fixtures
// (config, inputs, outputs, gradients, AdamW steps when present) and the comparisons (relative,
// with a floor at a tenth of the compared tensor's scale), so every model is judged the same way.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bert/config.h"
#include "core/tensor.h"
#include "nn/io/safetensors.h"
#include "nn/module.h"

namespace parity {

// The path of a committed fixture file or case directory.
inline std::string fixture(const std::string& name) {
  return std::string(NNBERT_SOURCE_DIR) + "/tests/parity/fixtures/" + name;
}

// Largest |value| of a tensor.
inline double max_abs(const nn::Tensor& t) {
  double m = 0;
  for (float x : t.to_vector()) m = std::max(m, std::abs(double(x)));
  return m;
}

// Elementwise |got − want| ≤ rtol·|want| + rtol·0.1·scale: relative, with a floor at a tenth of
// `scale` (by default the tensor's own largest value) so that entries near zero are judged
// against the magnitude of what is being compared rather than against fp32 rounding noise.
// Returns the worst |got − want| / (|want| + 0.1·scale), the error in units of rtol (run the
// test with -s to see it for every comparison).
inline double check_tensor(const std::string& what, const nn::Tensor& got, const nn::Tensor& want, double rtol,
                           double scale = 0) {
  REQUIRE(got.shape() == want.shape());
  const std::vector<float> g = got.to_vector(), w = want.to_vector();
  scale = std::max(scale, max_abs(want));
  double worst = 0, worst_rel = 0;
  size_t worst_i = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double diff = std::abs(double(g[i]) - w[i]), denom = std::abs(double(w[i])) + 0.1 * scale;
    const double excess = diff - rtol * denom;
    if (i == 0 || excess > worst) { worst = excess; worst_i = i; }
    if (denom > 0) worst_rel = std::max(worst_rel, diff / denom);
  }
  INFO(what << ": worst element " << worst_i << " got " << g[worst_i] << " want " << w[worst_i]
            << "; worst relative error " << worst_rel << " (tolerance " << rtol << ")");
  CHECK(worst <= 0);
  return worst_rel;
}

inline nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// One fixture directory: config.json, inputs/outputs/grads.safetensors, adamw.json if present.
struct Case {
  bert::BertConfig config;
  nn::SafeTensorsFile inputs, outputs, grads;
  nlohmann::json adamw;
  explicit Case(const std::string& name)
      : config(bert::BertConfig::load(fixture(name) + "/config.json")),
        inputs(nn::SafeTensorsFile::open(fixture(name) + "/inputs.safetensors")),
        outputs(nn::SafeTensorsFile::open(fixture(name) + "/outputs.safetensors")),
        grads(nn::SafeTensorsFile::open(fixture(name) + "/grads.safetensors")),
        adamw(std::filesystem::exists(fixture(name) + "/adamw.json") ? read_json(fixture(name) + "/adamw.json")
                                                                     : nlohmann::json()) {}
};

// Every parameter gradient within rtol (1e-3 in the parity tests), and the fixture has no gradient
// the model lacks. The key biases' gradients are exactly zero in exact arithmetic (adding q·b_k to
// every score of a row leaves the softmax unchanged), so both sides hold only rounding noise
// there: near-zero entries are judged against the model's largest gradient, not the tensor's own.
// Returns the worst relative error (as check_tensor).
inline double check_gradients(const nn::Module& model, const Case& c, double rtol = 1e-3) {
  double global = 0, worst = 0;
  size_t count = 0;
  for (const nn::NamedParameter& p : model.named_parameters()) global = std::max(global, max_abs(c.grads.read_f32(p.name)));
  for (const nn::NamedParameter& p : model.named_parameters()) {
    INFO("gradient of " << p.name);
    REQUIRE(c.grads.has(p.name));
    REQUIRE(p.tensor->grad().defined());
    const bool is_key_bias = p.name.find("attention.self.key.bias") != std::string::npos;
    worst = std::max(worst, check_tensor(p.name, p.tensor->grad(), c.grads.read_f32(p.name), rtol,
                                         is_key_bias ? global : 0));
    ++count;
  }
  CHECK(count == c.grads.names().size());
  return worst;
}

}  // namespace parity
