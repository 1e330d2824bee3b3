// test_autograd.cc — the engine: accumulation, explicit upstream gradients, no-grad scopes,
// detach, shared subexpressions and the error paths.
#include <catch2/catch.hpp>

#include <memory>

#include "core/autograd.h"
#include "core/ops.h"
#include "tests/support/gradcheck.h"

using namespace nn;
using nn::testing::param;

TEST_CASE("gradients of a small expression match the hand derivation", "[autograd]") {
  // L = Σ (a·b + a)  ⇒  dL/da = b + 1, dL/db = a.
  Tensor a = Tensor::from_data({3}, {1, 2, 3}).requires_grad_();
  Tensor b = Tensor::from_data({3}, {4, 5, 6}).requires_grad_();
  sum(add(mul(a, b), a)).backward();
  CHECK(a.grad().to_vector() == std::vector<float>{5, 6, 7});
  CHECK(b.grad().to_vector() == std::vector<float>{1, 2, 3});
}

TEST_CASE("gradients accumulate across backward calls until zero_grad", "[autograd]") {
  Tensor a = Tensor::from_data({2}, {1, 2}).requires_grad_();
  Tensor l = sum(mul(a, a));  // dL/da = 2a
  l.backward(/*retain_graph=*/true);
  l.backward();
  CHECK(a.grad().to_vector() == std::vector<float>{4, 8});
  a.zero_grad();
  CHECK(a.grad().to_vector() == std::vector<float>{0, 0});
  sum(a).backward();
  CHECK(a.grad().to_vector() == std::vector<float>{1, 1});
}

TEST_CASE("backward with an explicit upstream gradient", "[autograd]") {
  Tensor a = Tensor::from_data({2, 2}, {1, 2, 3, 4}).requires_grad_();
  Tensor y = mul(a, 3.f);
  y.backward(Tensor::from_data({2, 2}, {1, 0, 2, -1}));
  CHECK(a.grad().to_vector() == std::vector<float>{3, 0, 6, -3});
  REQUIRE_THROWS_WITH(mul(a, 2.f).backward(Tensor::ones({4})),
                      "backward: upstream gradient of shape (4) does not match tensor of shape (2,2)");
}

TEST_CASE("a shared subexpression receives the sum of its uses", "[autograd]") {
  // h = a·a used twice: L = Σ (h + 2h) = 3 Σ a²  ⇒  dL/da = 6a.
  Tensor a = Tensor::from_data({2}, {1, -2}).requires_grad_();
  Tensor h = mul(a, a);
  sum(add(h, mul(h, 2.f))).backward();
  CHECK(a.grad().to_vector() == std::vector<float>{6, -12});
}

TEST_CASE("no-grad scopes record nothing and detach cuts the graph", "[autograd]") {
  Tensor a = param({3}, 1);
  {
    NoGradGuard guard;
    Tensor y = mul(a, 2.f);
    CHECK_FALSE(y.requires_grad());
    CHECK(y.is_leaf());
  }
  CHECK(grad_enabled());
  Tensor d = a.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.data() == a.data());  // same storage
  Tensor y = mul(a, d);         // dL/da = d (d is a constant)
  sum(y).backward();
  CHECK(a.grad().to_vector() == a.to_vector());
}

TEST_CASE("autograd errors name the problem", "[autograd]") {
  Tensor a = param({2, 3}, 2);
  REQUIRE_THROWS_WITH(mul(a, 2.f).backward(), Catch::Contains("backward: tensor of shape (2,3) is not a scalar"));
  Tensor l = sum(mul(a, a));
  l.backward();
  REQUIRE_THROWS_WITH(l.backward(), Catch::Contains("graph through op 'sum' was already freed"));
  REQUIRE_THROWS_WITH(sum(Tensor::ones({2})).backward(), Catch::Contains("does not require grad"));
  Tensor h = mul(a, 3.f);
  sum(h).backward();  // frees h's node
  REQUIRE_THROWS_WITH(sum(h).backward(), Catch::Contains("already freed"));
}

TEST_CASE("non-leaf tensors cannot drop requires_grad", "[autograd]") {
  Tensor a = param({2}, 3);
  Tensor y = mul(a, 2.f);
  REQUIRE_THROWS_WITH(y.requires_grad_(false), Catch::Contains("non-leaf"));
}

TEST_CASE("the graph holds no activation that no backward reads", "[autograd]") {
  // sum's backward needs only its input's shape, mul's needs both factors: an activation read
  // by sum alone is freed when the forward drops it, one read by mul lives until backward.
  Tensor x = Tensor::from_data({3}, {1, 2, 3}).requires_grad_();
  std::weak_ptr<Storage> summed_only, multiplied;
  Tensor l1, l2;
  {
    const Tensor a = mul(x, 2.f), b = mul(x, 3.f);
    summed_only = a.impl().storage;
    multiplied = b.impl().storage;
    l1 = sum(a);
    l2 = sum(mul(b, b));
  }
  CHECK(summed_only.expired());
  CHECK_FALSE(multiplied.expired());
  // L = Σ 2x + Σ (3x)²  ⇒  dL/dx = 2 + 18x.
  add(l1, l2).backward();
  CHECK(x.grad().to_vector() == std::vector<float>{20, 38, 56});
  CHECK(multiplied.expired());  // backward freed the graph, and with it mul's saved factors
}
