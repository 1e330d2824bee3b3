// test_layer_norm.cc — layer_norm over the last axis: forward against a naive loop, backward
// (x, gamma, beta) against central differences, layouts (strided, size-1, empty) and errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/autograd.h"
#include "core/ops.h"
#include "tests/support/gradcheck.h"

using nn::Tensor;
using nn::testing::check_close;
using nn::testing::check_gradients;
using nn::testing::param;

namespace {

// Naive LayerNorm of each row of length C, in double.
std::vector<float> naive(const std::vector<float>& x, const std::vector<float>& g,
                         const std::vector<float>& b, float eps) {
  const size_t c = g.size();
  std::vector<float> y(x.size());
  for (size_t r = 0; r < x.size() / c; ++r) {
    double mu = 0, var = 0;
    for (size_t j = 0; j < c; ++j) mu += x[r * c + j];
    mu /= static_cast<double>(c);
    for (size_t j = 0; j < c; ++j) var += (x[r * c + j] - mu) * (x[r * c + j] - mu);
    const double rs = 1.0 / std::sqrt(var / static_cast<double>(c) + eps);
    for (size_t j = 0; j < c; ++j) y[r * c + j] = static_cast<float>((x[r * c + j] - mu) * rs * g[j] + b[j]);
  }
  return y;
}

}  // namespace

TEST_CASE("layer_norm forward matches a naive loop", "[layer_norm]") {
  const Tensor x = Tensor::uniform({3, 2, 37}, 21, -3.f, 5.f);
  const Tensor g = Tensor::uniform({37}, 22, 0.5f, 1.5f), b = Tensor::uniform({37}, 23);
  const Tensor y = nn::layer_norm(x, g, b, 1e-5f);
  CHECK(y.shape() == x.shape());
  check_close(y.to_vector(), naive(x.to_vector(), g.to_vector(), b.to_vector(), 1e-5f), 1e-5, 1e-5);
}

TEST_CASE("layer_norm with unit gamma and zero beta gives rows of mean 0 and variance 1",
          "[layer_norm]") {
  const Tensor y = nn::layer_norm(Tensor::uniform({4, 768}, 24, 10.f, 12.f), Tensor::ones({768}),
                                  Tensor::zeros({768}), 1e-12f);
  const std::vector<float> v = y.to_vector();
  for (size_t r = 0; r < 4; ++r) {
    double s = 0, q = 0;
    for (size_t j = 0; j < 768; ++j) s += v[r * 768 + j], q += v[r * 768 + j] * v[r * 768 + j];
    CHECK(std::abs(s / 768) < 1e-5);
    CHECK(std::abs(q / 768 - 1.0) < 1e-4);
  }
}

TEST_CASE("layer_norm gradients match finite differences", "[layer_norm]") {
  const auto ln = [](const std::vector<Tensor>& in) { return nn::layer_norm(in[0], in[1], in[2], 1e-5f); };
  SECTION("x, gamma and beta") {
    check_gradients(ln, {param({4, 6}, 1), param({6}, 2, 0.5f, 1.5f), param({6}, 3)});
  }
  SECTION("3-D input, rows longer than a SIMD vector") {
    check_gradients(ln, {param({2, 2, 19}, 4), param({19}, 5, 0.5f, 1.5f), param({19}, 6)});
  }
  SECTION("non-contiguous x (transposed view)") {
    check_gradients(
        [](const auto& in) { return nn::layer_norm(nn::transpose(in[0], 0, 1), in[1], in[2], 1e-5f); },
        {param({5, 3}, 7), param({5}, 8, 0.5f, 1.5f), param({5}, 9)});
  }
  SECTION("only gamma and beta need grad (x is data)") {
    check_gradients(ln, {Tensor::uniform({3, 5}, 10), param({5}, 11), param({5}, 12)});
  }
  SECTION("size-1 last axis: y = beta, no gradient reaches x or gamma") {
    check_gradients(ln, {param({3, 1}, 13), param({1}, 14), param({1}, 15)});
  }
}

TEST_CASE("layer_norm on an empty batch returns an empty tensor and zero parameter gradients",
          "[layer_norm]") {
  Tensor x = param({0, 4}, 16), g = param({4}, 17), b = param({4}, 18);
  Tensor y = nn::layer_norm(x, g, b, 1e-5f);
  CHECK(y.shape() == nn::Shape{0, 4});
  y.backward(Tensor::zeros({0, 4}));
  CHECK(x.grad().shape() == nn::Shape{0, 4});
  CHECK(g.grad().to_vector() == std::vector<float>(4, 0.f));
  CHECK(b.grad().to_vector() == std::vector<float>(4, 0.f));
}

TEST_CASE("layer_norm rejects mismatched gamma/beta shapes", "[layer_norm]") {
  const Tensor x = Tensor::zeros({2, 3});
  REQUIRE_THROWS_WITH(nn::layer_norm(x, Tensor::ones({4}), Tensor::zeros({3}), 1e-5f),
                      Catch::Contains("layer_norm: x of shape (2,3) needs gamma and beta of shape (3), got (4) and (3)"));
  REQUIRE_THROWS_WITH(nn::layer_norm(x, Tensor::ones({3}), Tensor::zeros({1, 3}), 1e-5f),
                      Catch::Contains("got (3) and (1,3)"));
  REQUIRE_THROWS_WITH(nn::layer_norm(Tensor::full({}, 1.f), Tensor::ones({1}), Tensor::zeros({1}), 1e-5f),
                      Catch::Contains("layer_norm: x needs at least one dimension"));
}
