// test_loss.cc — cross_entropy with ignore_index: a hand-computed example, PyTorch semantics
// (mean over the non-ignored rows, 0 when all are ignored), gradients and errors.
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
// logits [[1,2,3],[1,1,1]]: row 0 = logsumexp − 3 = log(1 + e⁻¹ + e⁻²) = 0.40760596;
// row 1 (uniform) = log 3 = 1.09861229.
Tensor hand_logits() { return Tensor::from_data({2, 3}, {1.f, 2.f, 3.f, 1.f, 1.f, 1.f}); }
}  // namespace

TEST_CASE("cross_entropy of a hand-computed example", "[loss]") {
  const Tensor loss = nn::cross_entropy(hand_logits(), Tensor::from_ids({2}, {2, 0}));
  CHECK(loss.shape().empty());
  CHECK(loss.item() == Approx((0.40760596 + 1.09861229) / 2).epsilon(1e-6));
}

TEST_CASE("cross_entropy gradient is (softmax − onehot)/count", "[loss]") {
  Tensor x = hand_logits();
  x.requires_grad_();
  nn::cross_entropy(x, Tensor::from_ids({2}, {2, 0})).backward();
  // softmax row 0 = (0.09003057, 0.24472847, 0.66524096); row 1 = 1/3 each; halved (2 rows).
  check_close(x.grad().to_vector(), {0.04501529f, 0.12236424f, (0.66524096f - 1.f) / 2, (1.f / 3 - 1.f) / 2,
                                     1.f / 6, 1.f / 6}, 1e-5, 1e-7);
}

TEST_CASE("cross_entropy follows PyTorch's ignore_index semantics", "[loss]") {
  SECTION("the mean runs over the non-ignored rows only") {
    Tensor x = hand_logits();
    x.requires_grad_();
    const Tensor loss = nn::cross_entropy(x, Tensor::from_ids({2}, {2, -100}));
    CHECK(loss.item() == Approx(0.40760596).epsilon(1e-6));
    loss.backward();
    const std::vector<float> g = x.grad().to_vector();
    CHECK(g[2] == Approx(0.66524096f - 1.f).epsilon(1e-5));  // divided by 1, not 2
    CHECK(std::vector<float>(g.begin() + 3, g.end()) == std::vector<float>(3, 0.f));
  }
  SECTION("a custom ignore_index") {
    CHECK(nn::cross_entropy(hand_logits(), Tensor::from_ids({2}, {7, 0}), 7).item() ==
          Approx(1.09861229).epsilon(1e-6));
  }
  SECTION("every row ignored: loss 0 and zero gradient") {
    Tensor x = hand_logits();
    x.requires_grad_();
    const Tensor loss = nn::cross_entropy(x, Tensor::from_ids({2}, {-100, -100}));
    CHECK(loss.item() == 0.f);
    loss.backward();
    CHECK(x.grad().to_vector() == std::vector<float>(6, 0.f));
  }
  SECTION("no rows at all: loss 0") {
    CHECK(nn::cross_entropy(Tensor::zeros({0, 4}), Tensor::from_ids({0}, {})).item() == 0.f);
  }
}

TEST_CASE("cross_entropy matches log_softmax + NLL on random logits", "[loss]") {
  const int64_t n = 37, c = 1000;
  const Tensor x = Tensor::uniform({n, c}, 31, -10.f, 10.f);
  std::vector<int64_t> t(n);
  for (int64_t r = 0; r < n; ++r) t[static_cast<size_t>(r)] = r % 5 == 0 ? -100 : (r * 131) % c;
  const std::vector<float> lsm = nn::log_softmax(x).to_vector();
  double sum = 0;
  int count = 0;
  for (int64_t r = 0; r < n; ++r)
    if (t[static_cast<size_t>(r)] != -100) sum -= lsm[static_cast<size_t>(r * c + t[static_cast<size_t>(r)])], ++count;
  CHECK(nn::cross_entropy(x, Tensor::from_ids({n}, t)).item() == Approx(sum / count).epsilon(1e-5));
}

TEST_CASE("cross_entropy gradients match finite differences", "[loss]") {
  const Tensor t = Tensor::from_ids({4}, {1, -100, 4, 0});
  SECTION("contiguous logits, one ignored row") {
    check_gradients([&](const auto& in) { return nn::cross_entropy(in[0], t); }, {param({4, 5}, 1, -2.f, 2.f)});
  }
  SECTION("non-contiguous logits (transposed view)") {
    check_gradients([&](const auto& in) { return nn::cross_entropy(nn::transpose(in[0], 0, 1), t); },
                    {param({5, 4}, 2, -2.f, 2.f)});
  }
  SECTION("upstream gradient other than 1") {
    check_gradients([&](const auto& in) { return nn::mul(nn::cross_entropy(in[0], t), 3.f); },
                    {param({4, 5}, 3, -2.f, 2.f)});
  }
}

TEST_CASE("cross_entropy errors name the bad target and the class count", "[loss]") {
  const Tensor x = Tensor::zeros({2, 5});
  REQUIRE_THROWS_WITH(nn::cross_entropy(x, Tensor::from_ids({2}, {1, 5})),
                      Catch::Contains("cross_entropy: target 5") && Catch::Contains("C=5"));
  REQUIRE_THROWS_WITH(nn::cross_entropy(x, Tensor::from_ids({2}, {-1, 0})),
                      Catch::Contains("target -1") && Catch::Contains("C=5"));
  REQUIRE_THROWS_WITH(nn::cross_entropy(x, Tensor::from_ids({3}, {0, 0, 0})),
                      Catch::Contains("cross_entropy: targets must be I64 (N) for logits (2,5), got I64 (3)"));
  REQUIRE_THROWS_WITH(nn::cross_entropy(Tensor::zeros({2, 3, 5}), Tensor::from_ids({2}, {0, 0})),
                      Catch::Contains("cross_entropy: logits must be F32 (N,C)"));
  REQUIRE_THROWS_WITH(nn::cross_entropy(x, Tensor::zeros({2})),
                      Catch::Contains("targets must be I64"));
}

TEST_CASE("bce_with_logits: a hand-computed example and the large-logit limit", "[loss]") {
  // x = (0, 2, −3), y = (1, 0, 1): −log σ(0) = log 2; −log(1 − σ(2)) = log(1 + e²) = 2.12692801;
  // −log σ(−3) = log(1 + e³) = 3.04858735; mean = (0.69314718 + 2.12692801 + 3.04858735)/3.
  const Tensor x = Tensor::from_data({1, 3}, {0.f, 2.f, -3.f}), y = Tensor::from_data({1, 3}, {1.f, 0.f, 1.f});
  CHECK(nn::bce_with_logits(x, y).item() == Approx((0.69314718 + 2.12692801 + 3.04858735) / 3).epsilon(1e-6));
  // |x| = 100: log(1 + e^100) would overflow in float; the stable form gives 100 (and 0).
  const Tensor big = Tensor::from_data({2}, {100.f, 100.f}), t = Tensor::from_data({2}, {0.f, 1.f});
  CHECK(nn::bce_with_logits(big, t).item() == Approx(50.0).epsilon(1e-6));
}

TEST_CASE("mse_loss: a hand-computed example", "[loss]") {
  // (1 − 0)² + (2 − 4)² + (−1 − 1)² = 1 + 4 + 4 = 9, mean 3.
  CHECK(nn::mse_loss(Tensor::from_data({3}, {1.f, 2.f, -1.f}), Tensor::from_data({3}, {0.f, 4.f, 1.f})).item() ==
        Approx(3.0).epsilon(1e-7));
}

TEST_CASE("bce_with_logits and mse_loss gradients match finite differences", "[loss]") {
  const Tensor y = Tensor::from_data({3, 2}, {1.f, 0.f, 0.f, 1.f, 0.25f, 1.f});
  check_gradients([&](const auto& in) { return nn::bce_with_logits(in[0], y); }, {param({3, 2}, 4, -3.f, 3.f)});
  check_gradients([&](const auto& in) { return nn::mul(nn::mse_loss(in[0], y), 2.f); }, {param({3, 2}, 5, -2.f, 2.f)});
}

TEST_CASE("bce_with_logits and mse_loss name shape and type mistakes", "[loss]") {
  REQUIRE_THROWS_WITH(nn::bce_with_logits(Tensor::zeros({2, 3}), Tensor::zeros({3, 2})),
                      Catch::Contains("bce_with_logits: inputs (2,3) and targets (3,2) differ in shape"));
  REQUIRE_THROWS_WITH(nn::mse_loss(Tensor::zeros({2}), Tensor::from_ids({2}, {1, 2})),
                      Catch::Contains("mse_loss: inputs and targets must be F32"));
}
