// test_softmax.cc — softmax and log_softmax over the last axis: forward against a naive loop,
// backward against central differences, layouts (strided, size-1, empty) and errors.
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

// Naive softmax (log = false) or log_softmax (log = true) of each row of length cols, in double.
std::vector<float> naive(const std::vector<float>& x, int64_t cols, bool log) {
  std::vector<float> y(x.size());
  for (size_t r = 0; r < x.size() / static_cast<size_t>(cols); ++r) {
    const float* xr = x.data() + r * static_cast<size_t>(cols);
    double m = xr[0], s = 0;
    for (int64_t j = 0; j < cols; ++j) m = std::max(m, static_cast<double>(xr[j]));
    for (int64_t j = 0; j < cols; ++j) s += std::exp(xr[j] - m);
    for (int64_t j = 0; j < cols; ++j)
      y[r * static_cast<size_t>(cols) + static_cast<size_t>(j)] =
          static_cast<float>(log ? xr[j] - m - std::log(s) : std::exp(xr[j] - m) / s);
  }
  return y;
}

}  // namespace

TEST_CASE("softmax forward matches a naive loop and rows sum to 1", "[softmax]") {
  const Tensor x = Tensor::uniform({2, 3, 37}, 11, -5.f, 5.f);
  const Tensor y = nn::softmax(x);
  CHECK(y.shape() == x.shape());
  check_close(y.to_vector(), naive(x.to_vector(), 37, false), 1e-5, 1e-7);
  const std::vector<float> v = y.to_vector();
  for (size_t r = 0; r < 6; ++r) {
    double s = 0;
    for (size_t j = 0; j < 37; ++j) s += v[r * 37 + j];
    CHECK(std::abs(s - 1.0) < 1e-5);
  }
}

TEST_CASE("softmax of a hand-computed row", "[softmax]") {
  // e^0, e^1, e^2 over their sum 1 + e + e² = 11.1073...
  const Tensor y = nn::softmax(Tensor::from_data({3}, {0.f, 1.f, 2.f}));
  check_close(y.to_vector(), {0.09003057f, 0.24472847f, 0.66524096f}, 1e-6, 1e-7);
}

TEST_CASE("log_softmax forward matches a naive loop, also for huge logits", "[softmax]") {
  const Tensor x = Tensor::uniform({4, 129}, 12, -20.f, 20.f);
  check_close(nn::log_softmax(x).to_vector(), naive(x.to_vector(), 129, true), 1e-5, 1e-5);
  const Tensor big = Tensor::from_data({1, 3}, {1000.f, 0.f, -1000.f});
  const std::vector<float> y = nn::log_softmax(big).to_vector();
  CHECK(y[0] == Approx(0.f).margin(1e-6));
  CHECK(y[1] == Approx(-1000.f));
  CHECK(std::isfinite(y[2]));
}

TEST_CASE("softmax and log_softmax gradients match finite differences", "[softmax]") {
  SECTION("contiguous 3-D") {
    check_gradients([](const auto& in) { return nn::softmax(in[0]); }, {param({2, 3, 5}, 1, -2.f, 2.f)});
    check_gradients([](const auto& in) { return nn::log_softmax(in[0]); }, {param({2, 3, 5}, 2, -2.f, 2.f)});
  }
  SECTION("non-contiguous input (transposed view)") {
    check_gradients([](const auto& in) { return nn::softmax(nn::transpose(in[0], 0, 1)); },
                    {param({6, 4}, 3, -2.f, 2.f)});
    check_gradients([](const auto& in) { return nn::log_softmax(nn::transpose(in[0], 0, 1)); },
                    {param({6, 4}, 4, -2.f, 2.f)});
  }
  SECTION("size-1 last axis (softmax is 1, log_softmax 0, gradient 0)") {
    check_gradients([](const auto& in) { return nn::softmax(in[0]); }, {param({3, 1}, 5)});
    check_gradients([](const auto& in) { return nn::log_softmax(in[0]); }, {param({3, 1}, 6)});
    CHECK(nn::softmax(Tensor::uniform({3, 1}, 7)).to_vector() == std::vector<float>{1.f, 1.f, 1.f});
  }
  SECTION("rows longer than one SIMD vector, with a tail") {
    check_gradients([](const auto& in) { return nn::softmax(in[0]); }, {param({2, 19}, 8, -2.f, 2.f)});
  }
}

TEST_CASE("softmax on empty tensors returns empty tensors and empty gradients", "[softmax]") {
  for (const nn::Shape& shape : {nn::Shape{0, 5}, nn::Shape{3, 0}}) {
    Tensor x = param(shape, 9);
    Tensor y = nn::softmax(x);
    CHECK(y.shape() == shape);
    y.backward(Tensor::zeros(shape));
    CHECK(x.grad().shape() == shape);
    CHECK(nn::log_softmax(x).shape() == shape);
  }
}

TEST_CASE("softmax rejects 0-d tensors with a message naming the op", "[softmax]") {
  REQUIRE_THROWS_WITH(nn::softmax(Tensor::full({}, 1.f)), Catch::Contains("softmax: needs at least one dimension"));
  REQUIRE_THROWS_WITH(nn::log_softmax(Tensor::full({}, 1.f)), Catch::Contains("log_softmax"));
}
