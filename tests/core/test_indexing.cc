// test_indexing.cc — embedding and gather_rows: forward row copies, scatter-add backward
// (repeated ids accumulate; deterministic for any thread count), layouts and errors.
#include <catch2/catch.hpp>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/threads.h"
#include "tests/support/gradcheck.h"

using nn::Tensor;
using nn::testing::check_gradients;
using nn::testing::param;

TEST_CASE("embedding picks weight rows: output is ids.shape + (C)", "[indexing]") {
  const Tensor w = Tensor::arange(0.f, 15.f).contiguous();
  const Tensor weight = nn::reshape(w, {5, 3});
  const Tensor y = nn::embedding(weight, Tensor::from_ids({2, 2}, {4, 0, 4, 2}));
  CHECK(y.shape() == nn::Shape{2, 2, 3});
  CHECK(y.to_vector() == std::vector<float>{12, 13, 14, 0, 1, 2, 12, 13, 14, 6, 7, 8});
  CHECK(nn::embedding(weight, Tensor::from_ids({}, {1})).to_vector() == std::vector<float>{3, 4, 5});
}

TEST_CASE("embedding backward scatter-adds, repeated ids accumulate", "[indexing]") {
  Tensor weight = param({4, 3}, 1);
  nn::embedding(weight, Tensor::from_ids({3}, {2, 0, 2})).backward(Tensor::ones({3, 3}));
  CHECK(weight.grad().to_vector() == std::vector<float>{1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0});
}

TEST_CASE("embedding and gather_rows gradients match finite differences", "[indexing]") {
  const Tensor ids = Tensor::from_ids({2, 3}, {1, 3, 1, 0, 4, 1});
  check_gradients([&](const auto& in) { return nn::embedding(in[0], ids); }, {param({5, 4}, 2)});
  check_gradients([&](const auto& in) { return nn::embedding(nn::transpose(in[0], 0, 1), ids); },
                  {param({4, 5}, 3)});
  const Tensor index = Tensor::from_ids({4}, {2, 2, 0, 1});
  check_gradients([&](const auto& in) { return nn::gather_rows(in[0], index); }, {param({3, 6}, 4)});
  check_gradients([&](const auto& in) { return nn::gather_rows(nn::slice(in[0], 1, 1, 4), index); },
                  {param({3, 5}, 5)});
}

TEST_CASE("gather_rows picks rows of x (gathered MLM positions)", "[indexing]") {
  const Tensor x = Tensor::from_data({3, 2}, {0, 1, 10, 11, 20, 21});
  CHECK(nn::gather_rows(x, Tensor::from_ids({3}, {2, 0, 2})).to_vector() == std::vector<float>{20, 21, 0, 1, 20, 21});
  Tensor xp = param({3, 2}, 6);
  Tensor y = nn::gather_rows(xp, Tensor::from_ids({0}, {}));
  CHECK(y.shape() == nn::Shape{0, 2});
  y.backward(Tensor::zeros({0, 2}));
  CHECK(xp.grad().to_vector() == std::vector<float>(6, 0.f));
}

TEST_CASE("embedding backward is identical for 1 and 2 threads and equals a naive scatter",
          "[indexing]") {
  const int saved = nn::num_threads();
  const int64_t v = 300, c = 200, n = 700;
  std::vector<int64_t> ids(n);
  for (int64_t k = 0; k < n; ++k) ids[static_cast<size_t>(k)] = (k * k * 7 + 3) % v;
  const Tensor idt = Tensor::from_ids({n}, ids);
  const Tensor gy = Tensor::uniform({n, c}, 7);
  const auto grad_with = [&](int threads) {
    nn::set_num_threads(threads);
    Tensor w = param({v, c}, 8);
    nn::embedding(w, idt).backward(gy);
    return w.grad().to_vector();
  };
  const std::vector<float> one = grad_with(1), two = grad_with(2);
  nn::set_num_threads(saved);
  CHECK(one == two);
  std::vector<float> naive(static_cast<size_t>(v * c), 0.f);
  const std::vector<float> g = gy.to_vector();
  for (int64_t k = 0; k < n; ++k)
    for (int64_t j = 0; j < c; ++j)
      naive[static_cast<size_t>(ids[static_cast<size_t>(k)] * c + j)] += g[static_cast<size_t>(k * c + j)];
  CHECK(one == naive);  // same summation order (id order) ⇒ bitwise equal
}

TEST_CASE("indexing errors name the bad id and the row count", "[indexing]") {
  const Tensor w = Tensor::zeros({5, 3});
  REQUIRE_THROWS_WITH(nn::embedding(w, Tensor::from_ids({2}, {1, 5})),
                      Catch::Contains("embedding: id 5 is out of range for 5 rows"));
  REQUIRE_THROWS_WITH(nn::embedding(w, Tensor::from_ids({1}, {-1})), Catch::Contains("id -1"));
  REQUIRE_THROWS_WITH(nn::embedding(w, Tensor::zeros({2})), Catch::Contains("embedding: ids must be I64"));
  REQUIRE_THROWS_WITH(nn::embedding(Tensor::zeros({5}), Tensor::from_ids({1}, {0})),
                      Catch::Contains("embedding: weight must be F32 (V,C), got F32 (5)"));
  REQUIRE_THROWS_WITH(nn::gather_rows(w, Tensor::from_ids({1}, {9})),
                      Catch::Contains("gather_rows: index 9 is out of range for 5 rows"));
  REQUIRE_THROWS_WITH(nn::gather_rows(w, Tensor::from_ids({1, 1}, {0})),
                      Catch::Contains("gather_rows: index must be I64 (M), got I64 (1,1)"));
}
