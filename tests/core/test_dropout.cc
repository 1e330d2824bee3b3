// test_dropout.cc — dropout: the counter-based mask (element i dropped iff uniform_at(seed, i)
// < p), its independence from the thread count, the dropped fraction, eval identity, gradients.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/rng.h"
#include "core/threads.h"
#include "tests/support/gradcheck.h"

using nn::Tensor;
using nn::testing::check_gradients;
using nn::testing::param;

TEST_CASE("dropout zeroes exactly the elements with uniform_at(seed, i) < p and scales the rest",
          "[dropout]") {
  const float p = 0.3f;
  const uint64_t seed = 42;
  const Tensor x = Tensor::uniform({7, 143}, 1, 0.5f, 2.f);  // 1001 elements: not a multiple of 4
  const std::vector<float> xv = x.to_vector(), y = nn::dropout(x, p, true, seed).to_vector();
  for (size_t i = 0; i < xv.size(); ++i) {
    INFO("element " << i);
    if (nn::uniform_at(seed, i) < p) CHECK(y[i] == 0.f);
    else CHECK(y[i] == xv[i] * (1.f / (1.f - p)));
  }
}

TEST_CASE("dropout of a long tensor follows the definition across the parallel chunks", "[dropout]") {
  const float p = 0.1f;
  const uint64_t seed = 11;
  const Tensor x = Tensor::uniform({3, 20001}, 2, -1.f, 1.f);  // several chunks, the last one partial
  const std::vector<float> xv = x.to_vector(), y = nn::dropout(x, p, true, seed).to_vector();
  std::vector<float> want(xv.size());
  for (size_t i = 0; i < xv.size(); ++i) want[i] = nn::uniform_at(seed, i) < p ? 0.f : xv[i] * (1.f / (1.f - p));
  CHECK(y == want);
}

TEST_CASE("dropout masks are the same for 1 and 2 threads", "[dropout]") {
  const int saved = nn::num_threads();
  const Tensor x = Tensor::ones({300, 301});  // large enough to run in parallel
  nn::set_num_threads(1);
  const std::vector<float> one = nn::dropout(x, 0.1f, true, 9).to_vector();
  nn::set_num_threads(2);
  const std::vector<float> two = nn::dropout(x, 0.1f, true, 9).to_vector();
  nn::set_num_threads(saved);
  CHECK(one == two);
  CHECK(nn::dropout(x, 0.1f, true, 10).to_vector() != one);  // another seed, another mask
}

TEST_CASE("dropout drops a fraction close to p", "[dropout]") {
  for (const float p : {0.1f, 0.5f, 0.9f}) {
    const int64_t n = 200000;
    const std::vector<float> y = nn::dropout(Tensor::ones({n}), p, true, 3).to_vector();
    int64_t dropped = 0;
    for (float v : y) dropped += v == 0.f;
    // 5 standard deviations of a binomial fraction: √(p(1−p)/n) ≤ 0.0011.
    CHECK(std::abs(static_cast<double>(dropped) / n - p) < 5 * std::sqrt(p * (1 - p) / n));
  }
}

TEST_CASE("dropout is the identity (x itself) in eval mode or with p = 0", "[dropout]") {
  const Tensor x = param({3, 4}, 2);
  CHECK(nn::dropout(x, 0.5f, false, 1).same(x));
  CHECK(nn::dropout(x, 0.f, true, 1).same(x));
}

TEST_CASE("dropout of a strided view masks its row-major elements", "[dropout]") {
  const Tensor x = Tensor::uniform({5, 6}, 4);
  const Tensor xt = nn::transpose(x, 0, 1);
  CHECK(nn::dropout(xt, 0.4f, true, 5).to_vector() == nn::dropout(xt.contiguous(), 0.4f, true, 5).to_vector());
}

TEST_CASE("dropout gradients match finite differences with a fixed seed", "[dropout]") {
  check_gradients([](const auto& in) { return nn::dropout(in[0], 0.4f, true, 7); }, {param({4, 9}, 3)});
  check_gradients([](const auto& in) { return nn::dropout(nn::transpose(in[0], 0, 1), 0.4f, true, 8); },
                  {param({5, 3}, 4)});
  Tensor e = param({0, 3}, 5);
  Tensor y = nn::dropout(e, 0.5f, true, 1);
  CHECK(y.shape() == nn::Shape{0, 3});
}

TEST_CASE("dropout rejects p outside [0, 1)", "[dropout]") {
  const Tensor x = Tensor::ones({2});
  REQUIRE_THROWS_WITH(nn::dropout(x, 1.f, true, 1), Catch::Contains("dropout: probability p must be in [0, 1), got 1"));
  REQUIRE_THROWS_WITH(nn::dropout(x, -0.1f, true, 1), Catch::Contains("got -0.1"));
  REQUIRE_THROWS_WITH(nn::dropout(x, 1.5f, false, 1), Catch::Contains("dropout: probability p"));
}
