// test_module.cc — Module: hierarchical names, modes, flat parameter buffer; the basic layers.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/ops.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/init.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "tests/support/gradcheck.h"

using namespace nn;

namespace {
// A two-level toy model: block.{dense,LayerNorm} + head.
struct Block : Module {
  Linear dense{3, 4, true, 0.5f, 1};
  nn::LayerNorm LayerNorm{4};
  Dropout dropout{0.5f};
  Block() {
    register_module("dense", dense);
    register_module("LayerNorm", LayerNorm);
    register_module("dropout", dropout);
  }
};
struct Toy : Module {
  Block block;
  Linear head{4, 2, false, 0.5f, 2};
  Toy() {
    register_module("block", block);
    register_module("head", head);
  }
  Tensor forward(const Tensor& x) const {
    return head.forward(block.dropout.forward(block.LayerNorm.forward(block.dense.forward(x))));
  }
};
}  // namespace

TEST_CASE("parameters are named by their path in the module tree", "[module]") {
  Toy m;
  std::vector<std::string> names;
  for (const NamedParameter& p : m.named_parameters()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"block.dense.weight", "block.dense.bias", "block.LayerNorm.weight",
                                          "block.LayerNorm.bias", "head.weight"});
  CHECK(m.named_parameters("model.")[0].name == "model.block.dense.weight");
  CHECK(m.num_parameters() == 3 * 4 + 4 + 4 + 4 + 4 * 2);
  for (const NamedParameter& p : m.named_parameters()) CHECK(p.tensor->requires_grad());
}

TEST_CASE("train and eval reach every descendant; dropout is the identity in eval", "[module]") {
  Toy m;
  CHECK(m.block.dropout.is_training());
  m.eval();
  CHECK_FALSE(m.block.dropout.is_training());
  Tensor x = Tensor::randn({5, 3}, 3);
  CHECK(m.block.dropout.forward(x).same(x));
  m.train();
  set_dropout_seed(7);
  std::vector<float> a = m.forward(x).to_vector();
  set_dropout_seed(7);
  CHECK(m.forward(x).to_vector() == a);  // same seed, same masks
}

TEST_CASE("flatten_parameters moves parameters into one buffer, grouped by decay", "[module]") {
  Toy m;
  std::vector<std::vector<float>> before;
  for (const NamedParameter& p : m.named_parameters()) before.push_back(p.tensor->to_vector());
  FlatParameters& flat = m.flatten_parameters(is_no_decay_parameter);
  CHECK(flat.values.numel() == m.num_parameters());
  // Decayed first (the two weights), then biases and LayerNorm weight.
  REQUIRE(flat.groups.size() == 2);
  CHECK(flat.groups[0].decay);
  CHECK(flat.groups[0].size == 12 + 8);
  CHECK_FALSE(flat.groups[1].decay);
  CHECK(flat.groups[1].size == 4 + 4 + 4);
  size_t i = 0;
  for (const NamedParameter& p : m.named_parameters()) {
    CHECK(p.tensor->to_vector() == before[i++]);
    const float* begin = flat.values.data();
    CHECK((p.tensor->data() >= begin && p.tensor->data() < begin + flat.values.numel()));
  }
  // Gradients land in the flat gradient buffer, and zero_grad clears it.
  m.eval();
  sum(m.forward(Tensor::randn({2, 3}, 4))).backward();
  double norm = 0;
  for (float g : flat.grads.to_vector()) norm += std::abs(g);
  CHECK(norm > 0);
  CHECK(m.head.weight.grad().data() == flat.grads.data() + (m.head.weight.data() - flat.values.data()));
  m.zero_grad();
  for (float g : flat.grads.to_vector()) CHECK(g == 0.f);
  REQUIRE_THROWS_WITH(m.flatten_parameters(is_no_decay_parameter), Catch::Contains("already flat"));
}

TEST_CASE("layers compute what their formulas say", "[module]") {
  Linear lin(3, 2, true, 0.5f, 9);
  init_constant(lin.bias, 0.25f);
  Tensor x = Tensor::from_data({1, 3}, {1, 2, 3});
  std::vector<float> w = lin.weight.to_vector();
  std::vector<float> y = lin.forward(x).to_vector();
  for (int o = 0; o < 2; ++o)
    CHECK(y[o] == Approx(w[o * 3] * 1 + w[o * 3 + 1] * 2 + w[o * 3 + 2] * 3 + 0.25f).epsilon(1e-6));
  Embedding emb(5, 2, 1.f, 3);
  std::vector<float> table = emb.weight.to_vector();
  CHECK(emb.forward(Tensor::from_ids({2}, {4, 1})).to_vector() ==
        std::vector<float>{table[8], table[9], table[2], table[3]});
}

TEST_CASE("initialisers have the stated distributions", "[module][init]") {
  Tensor t = Tensor::empty({200000});
  init_truncated_normal(t, 0.02f, 5);
  double mean = 0, var = 0;
  const std::vector<float> v = t.to_vector();
  for (float x : v) {
    CHECK(std::abs(x) <= 0.04f);
    mean += x;
  }
  mean /= v.size();
  for (float x : v) var += (x - mean) * (x - mean);
  var /= v.size();
  // A normal truncated at ±2σ has standard deviation 0.8796·σ.
  CHECK(std::sqrt(var) == Approx(0.8796 * 0.02).epsilon(0.01));
  init_normal(t, 0.02f, 6);
  double var2 = 0;
  for (float x : t.to_vector()) var2 += double(x) * x;
  CHECK(std::sqrt(var2 / t.numel()) == Approx(0.02).epsilon(0.01));
}
