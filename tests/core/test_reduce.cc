// test_reduce.cc — sum, mean and max over all elements and over one axis (keepdim or not):
// forward against naive loops (also non-contiguous, size-1 and empty dims), backward against
// central differences, the first-maximum rule of max's gradient, and error messages.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "core/ops.h"
#include "tests/support/gradcheck.h"

namespace {

using nn::Shape;
using nn::Tensor;
using nn::testing::check_close;
using nn::testing::check_gradients;
using nn::testing::param;

enum class Kind { Sum, Mean, Max };

// Naive reduction of a row-major (outer, len, inner) array over the middle axis, in double.
std::vector<float> naive_axis(const std::vector<float>& x, int64_t outer, int64_t len, int64_t inner, Kind kind) {
  std::vector<float> out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double acc = kind == Kind::Max ? -std::numeric_limits<double>::infinity() : 0.0;
      for (int64_t k = 0; k < len; ++k) {
        const double v = x[static_cast<size_t>((o * len + k) * inner + i)];
        acc = kind == Kind::Max ? std::max(acc, v) : acc + v;
      }
      out.push_back(static_cast<float>(kind == Kind::Mean ? acc / static_cast<double>(len) : acc));
    }
  return out;
}

// Distinct values 0.1 apart in a fixed shuffled order (max gradients are then well defined and
// finite differences of step 1e-3 never swap the maximum).
Tensor distinct(const Shape& shape, uint64_t seed) {
  const int64_t n = nn::shape_numel(shape);
  std::vector<float> keys = Tensor::uniform({n}, seed).to_vector();
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t rank = 0;
    for (int64_t j = 0; j < n; ++j) rank += keys[static_cast<size_t>(j)] < keys[static_cast<size_t>(i)];
    v[static_cast<size_t>(i)] = 0.1f * static_cast<float>(rank) - 1.f;
  }
  Tensor t = Tensor::from_data(shape, v);
  t.requires_grad_();
  return t;
}

}  // namespace

TEST_CASE("reduce: sum, mean, max over all elements (forward)", "[reduce]") {
  const Tensor x = Tensor::uniform({3, 4, 5}, 1, -2, 2);
  const std::vector<float> v = x.to_vector();
  const std::vector<float> s = naive_axis(v, 1, 60, 1, Kind::Sum), m = naive_axis(v, 1, 60, 1, Kind::Mean),
                           mx = naive_axis(v, 1, 60, 1, Kind::Max);
  CHECK(nn::sum(x).shape() == Shape{});
  // fp32 block sums of 60 terms of size ≤ 2: well within 1e-5 absolute.
  check_close(nn::sum(x).to_vector(), s, 1e-6, 1e-5);
  check_close(nn::mean(x).to_vector(), m, 1e-6, 1e-6);
  check_close(nn::max(x).to_vector(), mx, 0, 0);
  // A non-contiguous view reduces the same elements.
  const Tensor xt = nn::transpose(x, 0, 2);
  check_close(nn::sum(xt).to_vector(), s, 1e-6, 1e-5);
  check_close(nn::max(xt).to_vector(), mx, 0, 0);
  // Empty: the sum is 0, the mean NaN (as in PyTorch).
  CHECK(nn::sum(Tensor::zeros({0, 3})).item() == 0.f);
  CHECK(std::isnan(nn::mean(Tensor::zeros({0, 3})).item()));
  // A 0-d tensor reduces to itself.
  CHECK(nn::sum(Tensor::full({}, 2.5f)).item() == 2.5f);
}

TEST_CASE("reduce: sum, mean, max over an axis with and without keepdim (forward)", "[reduce]") {
  const Shape shape{2, 3, 4};
  const Tensor x = Tensor::uniform(shape, 2, -2, 2);
  const std::vector<float> v = x.to_vector();
  for (int64_t axis : {0, 1, 2, -1, -3}) {
    const int64_t a = axis < 0 ? axis + 3 : axis;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < a; ++d) outer *= shape[static_cast<size_t>(d)];
    for (int64_t d = a + 1; d < 3; ++d) inner *= shape[static_cast<size_t>(d)];
    const int64_t len = shape[static_cast<size_t>(a)];
    Shape kept = shape, dropped;
    kept[static_cast<size_t>(a)] = 1;
    for (int64_t d = 0; d < 3; ++d)
      if (d != a) dropped.push_back(shape[static_cast<size_t>(d)]);
    for (bool keepdim : {false, true}) {
      INFO("axis " << axis << " keepdim " << keepdim);
      const Tensor s = nn::sum(x, axis, keepdim), m = nn::mean(x, axis, keepdim), mx = nn::max(x, axis, keepdim);
      CHECK(s.shape() == (keepdim ? kept : dropped));
      CHECK(m.shape() == s.shape());
      CHECK(mx.shape() == s.shape());
      check_close(s.to_vector(), naive_axis(v, outer, len, inner, Kind::Sum), 1e-6, 1e-6);
      check_close(m.to_vector(), naive_axis(v, outer, len, inner, Kind::Mean), 1e-6, 1e-6);
      check_close(mx.to_vector(), naive_axis(v, outer, len, inner, Kind::Max), 0, 0);
    }
  }
  // Non-contiguous input: sum over axis 0 of the transpose is the row sums of x.
  const Tensor x2 = Tensor::uniform({3, 7}, 3, -1, 1);
  check_close(nn::sum(nn::transpose(x2, 0, 1), 0).to_vector(), nn::sum(x2, 1).to_vector(), 0, 0);
  check_close(nn::max(nn::transpose(x2, 0, 1), 0).to_vector(), nn::max(x2, 1).to_vector(), 0, 0);
  // Size-1 axis: a copy; empty axis: sum 0, mean NaN; empty other dim: empty result.
  check_close(nn::sum(x2, 0, true).to_vector(), naive_axis(x2.to_vector(), 1, 3, 7, Kind::Sum), 1e-6, 1e-6);
  check_close(nn::sum(nn::reshape(x2, {3, 1, 7}), 1).to_vector(), x2.to_vector(), 0, 0);
  check_close(nn::sum(Tensor::zeros({0, 3}), 0).to_vector(), {0.f, 0.f, 0.f}, 0, 0);
  CHECK(std::isnan(nn::mean(Tensor::zeros({2, 0}), 1).to_vector()[0]));
  CHECK(nn::sum(Tensor::zeros({0, 3}), 1).shape() == Shape{0});
  CHECK(nn::max(Tensor::zeros({0, 3}), 1, true).shape() == Shape{0, 1});
}

TEST_CASE("reduce: gradients of sum, mean, max", "[reduce]") {
  check_gradients([](const std::vector<Tensor>& in) { return nn::sum(in[0]); }, {param({3, 4}, 4)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::mean(in[0]); }, {param({3, 4}, 5)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::max(in[0]); }, {distinct({3, 4}, 6)});
  for (int64_t axis : {0, 1, -1}) {
    for (bool keepdim : {false, true}) {
      INFO("axis " << axis << " keepdim " << keepdim);
      check_gradients([&](const std::vector<Tensor>& in) { return nn::sum(in[0], axis, keepdim); },
                      {param({2, 3, 4}, 7)});
      check_gradients([&](const std::vector<Tensor>& in) { return nn::mean(in[0], axis, keepdim); },
                      {param({2, 3, 4}, 8)});
      check_gradients([&](const std::vector<Tensor>& in) { return nn::max(in[0], axis, keepdim); },
                      {distinct({2, 3, 4}, 9)});
    }
  }
  // Non-contiguous input, size-1 and empty dims.
  check_gradients([](const std::vector<Tensor>& in) { return nn::sum(nn::transpose(in[0], 0, 1), 1); },
                  {param({3, 5}, 10)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::max(nn::transpose(in[0], 0, 1), 0, true); },
                  {distinct({3, 5}, 11)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::mean(in[0], 1); }, {param({4, 1, 2}, 12)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::sum(in[0], 0); }, {param({0, 3}, 13)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::sum(in[0]); }, {param({0, 3}, 14)});
}

TEST_CASE("reduce: max sends the gradient to the first maximal element", "[reduce]") {
  Tensor x = Tensor::from_data({2, 4}, {1.f, 3.f, 3.f, 0.f, 2.f, 2.f, -1.f, 2.f});
  x.requires_grad_();
  nn::max(x, 1).backward(Tensor::from_data({2}, {10.f, 20.f}));
  check_close(x.grad().to_vector(), {0.f, 10.f, 0.f, 0.f, 20.f, 0.f, 0.f, 0.f}, 0, 0);
  x.zero_grad();
  nn::max(x).backward();
  check_close(x.grad().to_vector(), {0.f, 1.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f}, 0, 0);
  x.zero_grad();
  nn::max(x, 0).backward(Tensor::ones({4}));  // column 1: 3 vs 2, column 3: 0 vs 2
  check_close(x.grad().to_vector(), {0.f, 1.f, 1.f, 0.f, 1.f, 0.f, 0.f, 1.f}, 0, 0);
  // NaN is the maximum, as in PyTorch.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(nn::max(Tensor::from_data({3}, {1.f, nan, 2.f})).item()));
}

TEST_CASE("reduce: bad axes and empty maxima throw naming the op", "[reduce]") {
  const Tensor x = Tensor::zeros({2, 3});
  REQUIRE_THROWS_WITH(nn::sum(x, 2), Catch::Contains("sum: axis 2 is out of range for shape (2,3)"));
  REQUIRE_THROWS_WITH(nn::mean(x, -3), Catch::Contains("mean: axis -3 is out of range for shape (2,3)"));
  REQUIRE_THROWS_WITH(nn::max(x, 5, true), Catch::Contains("max: axis 5 is out of range for shape (2,3)"));
  REQUIRE_THROWS_WITH(nn::max(Tensor::zeros({0, 3})),
                      Catch::Contains("max: cannot take the max of an empty tensor of shape (0,3)"));
  REQUIRE_THROWS_WITH(nn::max(Tensor::zeros({0, 3}), 0),
                      Catch::Contains("max: cannot reduce over axis 0 of size 0 in shape (0,3)"));
  REQUIRE_THROWS_WITH(nn::sum(Tensor::from_ids({2}, {1, 2})), Catch::Contains("sum: expects an F32 tensor, got I64"));
}
