// test_elementwise.cc — the elementwise ops of core/ops.h: forward against naive loops (with
// numpy broadcasting, non-contiguous inputs, size-1 and empty dims), backward against central
// differences, sum_to, and the error messages for bad shapes and dtypes.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <vector>

#include "core/ops.h"
#include "tests/support/gradcheck.h"

namespace {

using nn::Shape;
using nn::Tensor;
using nn::testing::check_close;
using nn::testing::check_gradients;
using nn::testing::param;

using BinaryFn = std::function<Tensor(const Tensor&, const Tensor&)>;

// out = f(a, b) by a naive walk over the numpy broadcast of a's and b's shapes (a, b row-major).
std::vector<float> naive_broadcast(const std::vector<float>& a, const Shape& sa, const std::vector<float>& b,
                                   const Shape& sb, const std::function<float(float, float)>& f, Shape& out) {
  const size_t rank = std::max(sa.size(), sb.size());
  Shape pa(rank - sa.size(), 1), pb(rank - sb.size(), 1);
  pa.insert(pa.end(), sa.begin(), sa.end());
  pb.insert(pb.end(), sb.begin(), sb.end());
  out.assign(rank, 0);
  for (size_t d = 0; d < rank; ++d) out[d] = pa[d] == 1 ? pb[d] : pa[d];
  std::vector<float> y(static_cast<size_t>(nn::shape_numel(out)));
  for (size_t i = 0; i < y.size(); ++i) {
    int64_t rest = static_cast<int64_t>(i), ia = 0, ib = 0, ma = 1, mb = 1;
    for (size_t d = rank; d-- > 0;) {
      const int64_t idx = rest % out[d];
      rest /= out[d];
      ia += (pa[d] == 1 ? 0 : idx) * ma;
      ib += (pb[d] == 1 ? 0 : idx) * mb;
      ma *= pa[d];
      mb *= pb[d];
    }
    y[i] = f(a[static_cast<size_t>(ia)], b[static_cast<size_t>(ib)]);
  }
  return y;
}

struct Op {
  const char* name;
  BinaryFn fn;
  std::function<float(float, float)> ref;
};

const std::vector<Op>& binary_ops() {
  static const std::vector<Op> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; }, [](float x, float y) { return x + y; }},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; }, [](float x, float y) { return x - y; }},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }, [](float x, float y) { return x * y; }},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; }, [](float x, float y) { return x / y; }},
  };
  return ops;
}

// Pairs of shapes that broadcast: same, bias over rows (both orders), column, outer product,
// 0-d, rank mismatch with size-1 dims, empty.
const std::vector<std::pair<Shape, Shape>> kBroadcastPairs = {
    {{2, 3}, {2, 3}}, {{4, 3}, {3}},   {{3}, {4, 3}},       {{4, 3}, {4, 1}}, {{5, 1}, {1, 6}},
    {{}, {2, 2}},     {{2, 1, 4}, {3, 1}}, {{1, 3, 1}, {2, 1, 5}}, {{0, 3}, {3}},  {{1}, {1}},
};

// Divisors kept away from 0: |b| in [0.5, 1.5].
Tensor divisor(const Shape& shape, uint64_t seed) {
  std::vector<float> v = Tensor::uniform(shape, seed, 0.5f, 1.5f).to_vector();
  for (size_t i = 0; i < v.size(); i += 2) v[i] = -v[i];
  Tensor t = Tensor::from_data(shape, v);
  t.requires_grad_();
  return t;
}

}  // namespace

TEST_CASE("elementwise: binary ops broadcast like numpy (forward)", "[elementwise]") {
  for (const Op& op : binary_ops()) {
    for (const auto& [sa, sb] : kBroadcastPairs) {
      INFO(op.name << " " << nn::shape_str(sa) << " and " << nn::shape_str(sb));
      const Tensor a = Tensor::uniform(sa, 1, -2, 2), b = divisor(sb, 2).detach();
      Shape expected_shape;
      const std::vector<float> ref = naive_broadcast(a.to_vector(), sa, b.to_vector(), sb, op.ref, expected_shape);
      const Tensor y = op.fn(a, b);
      CHECK(y.shape() == expected_shape);
      CHECK(y.is_contiguous());
      check_close(y.to_vector(), ref, 0, 0);  // the same fp32 operation: bit-exact
    }
  }
}

TEST_CASE("elementwise: binary ops read non-contiguous inputs in place", "[elementwise]") {
  const Tensor base = Tensor::uniform({3, 5}, 3, -2, 2);
  const Tensor at = nn::transpose(base, 0, 1);        // (5, 3), strides (1, 5)
  const Tensor b = Tensor::uniform({5, 3}, 4, 0.5f, 2);
  const Tensor col = nn::slice(Tensor::uniform({5, 4}, 5, 1, 2), 1, 2, 3);  // (5, 1), stride 4
  for (const Op& op : binary_ops()) {
    INFO(op.name);
    Shape shape;
    const std::vector<float> ref = naive_broadcast(at.to_vector(), {5, 3}, b.to_vector(), {5, 3}, op.ref, shape);
    check_close(op.fn(at, b).to_vector(), ref, 0, 0);
    const std::vector<float> ref2 = naive_broadcast(at.to_vector(), {5, 3}, col.to_vector(), {5, 1}, op.ref, shape);
    check_close(op.fn(at, col).to_vector(), ref2, 0, 0);
  }
}

TEST_CASE("elementwise: scalar forms and operators (forward)", "[elementwise]") {
  const Tensor a = Tensor::from_data({2, 2}, {1.f, -2.f, 0.5f, 4.f});
  check_close((a + 1.5f).to_vector(), {2.5f, -0.5f, 2.f, 5.5f}, 0, 0);
  check_close((1.5f + a).to_vector(), {2.5f, -0.5f, 2.f, 5.5f}, 0, 0);
  check_close((a - 1.f).to_vector(), {0.f, -3.f, -0.5f, 3.f}, 0, 0);
  check_close((1.f - a).to_vector(), {0.f, 3.f, 0.5f, -3.f}, 0, 0);
  check_close((a * -2.f).to_vector(), {-2.f, 4.f, -1.f, -8.f}, 0, 0);
  check_close((-2.f * a).to_vector(), {-2.f, 4.f, -1.f, -8.f}, 0, 0);
  check_close((a / 4.f).to_vector(), {0.25f, -0.5f, 0.125f, 1.f}, 0, 0);
  check_close((2.f / a).to_vector(), {2.f, -1.f, 4.f, 0.5f}, 0, 0);
  check_close((-a).to_vector(), {-1.f, 2.f, -0.5f, -4.f}, 0, 0);
  // Non-contiguous input, and an empty tensor.
  check_close((nn::transpose(a, 0, 1) * 2.f).to_vector(), {2.f, 1.f, -4.f, 8.f}, 0, 0);
  CHECK((Tensor::zeros({0, 3}) + 1.f).shape() == Shape{0, 3});
}

TEST_CASE("elementwise: unary ops match std:: (forward)", "[elementwise]") {
  const Tensor x = Tensor::uniform({4, 33}, 6, -5, 5);
  const Tensor p = Tensor::uniform({4, 33}, 7, 0.01f, 10);
  const std::vector<float> xv = x.to_vector(), pv = p.to_vector();
  auto ref = [](const std::vector<float>& v, double (*f)(double)) {
    std::vector<float> r;
    for (float e : v) r.push_back(static_cast<float>(f(e)));
    return r;
  };
  // Highway's Exp is within 1 ulp, Log 4, Tanh a few (see the kernel tests).
  check_close(nn::exp(x).to_vector(), ref(xv, [](double v) { return std::exp(v); }), 2.4e-7, 0);
  check_close(nn::log(p).to_vector(), ref(pv, [](double v) { return std::log(v); }), 4.8e-7, 1.2e-7);
  check_close(nn::sqrt(p).to_vector(), ref(pv, [](double v) { return std::sqrt(v); }), 0, 0);
  check_close(nn::tanh(x).to_vector(), ref(xv, [](double v) { return std::tanh(v); }), 4.8e-7, 1e-30);
  check_close(nn::relu(x).to_vector(), ref(xv, [](double v) { return v > 0 ? v : 0.0; }), 0, 0);
  check_close(nn::neg(x).to_vector(), ref(xv, [](double v) { return -v; }), 0, 0);
  // GELU: 4 ulp, doubled for the rounded exponent −x²/2 of the tail on [−2, 2] (see the kernel test).
  const Tensor u = Tensor::uniform({4, 33}, 8, -2, 2);
  check_close(nn::gelu(u).to_vector(),
              ref(u.to_vector(), [](double v) { return 0.5 * v * std::erfc(-v / std::sqrt(2.0)); }), 9.6e-7, 1e-30);
  // GELU at known points: 0, and ±1 (1·Φ(1) = 0.8413447, −1·Φ(−1) = −0.1586553).
  check_close(nn::gelu(Tensor::from_data({3}, {0.f, 1.f, -1.f})).to_vector(), {0.f, 0.8413447f, -0.1586553f},
              4.8e-7, 0);
  // A non-contiguous input gives the same values.
  check_close(nn::gelu(nn::transpose(x, 0, 1)).to_vector(), nn::transpose(nn::gelu(x), 0, 1).to_vector(), 0, 0);
}

TEST_CASE("elementwise: binary op gradients with broadcasting", "[elementwise]") {
  for (const Op& op : binary_ops()) {
    for (const auto& [sa, sb] : kBroadcastPairs) {
      INFO(op.name << " " << nn::shape_str(sa) << " and " << nn::shape_str(sb));
      check_gradients([&](const std::vector<Tensor>& in) { return op.fn(in[0], in[1]); },
                      {param(sa, 8), divisor(sb, 9)});
    }
  }
}

TEST_CASE("elementwise: binary op gradients through non-contiguous and one-sided inputs", "[elementwise]") {
  for (const Op& op : binary_ops()) {
    INFO(op.name);
    // a is a transposed view, b a sliced column broadcast over the rows.
    check_gradients([&](const std::vector<Tensor>& in) {
      return op.fn(nn::transpose(in[0], 0, 1), nn::slice(in[1], 1, 1, 2));
    }, {param({3, 4}, 10), divisor({4, 3}, 11)});
    // Only one input requires grad.
    const Tensor fixed = divisor({3}, 12).detach();
    check_gradients([&](const std::vector<Tensor>& in) { return op.fn(in[0], fixed); }, {param({2, 3}, 13)});
    check_gradients([&](const std::vector<Tensor>& in) { return op.fn(fixed, in[0]); }, {divisor({2, 3}, 14)});
  }
  // The same tensor on both sides: gradients from both uses accumulate.
  check_gradients([](const std::vector<Tensor>& in) { return in[0] * in[0] - in[0] / (in[0] + 3.f); },
                  {param({2, 3}, 15)});
}

TEST_CASE("elementwise: scalar form gradients", "[elementwise]") {
  const std::vector<std::function<Tensor(const Tensor&)>> fns = {
      [](const Tensor& a) { return a + 2.f; },  [](const Tensor& a) { return a - 2.f; },
      [](const Tensor& a) { return 2.f - a; },  [](const Tensor& a) { return a * -3.f; },
      [](const Tensor& a) { return a / 4.f; },  [](const Tensor& a) { return 2.f / a; },
      [](const Tensor& a) { return -a; },
  };
  for (size_t i = 0; i < fns.size(); ++i) {
    INFO("scalar form " << i);
    check_gradients([&](const std::vector<Tensor>& in) { return fns[i](nn::transpose(in[0], 0, 1)); },
                    {divisor({3, 2}, 16)});
  }
}

TEST_CASE("elementwise: unary op gradients", "[elementwise]") {
  // exp, tanh, gelu over [−3, 3]; log and sqrt over positive inputs; relu away from its kink.
  check_gradients([](const std::vector<Tensor>& in) { return nn::exp(in[0]); }, {param({3, 4}, 17)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::tanh(in[0]); }, {param({3, 4}, 18, -3, 3)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::gelu(in[0]); }, {param({3, 4}, 19, -3, 3)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::log(in[0]); }, {param({3, 4}, 20, 0.5f, 2)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::sqrt(in[0]); }, {param({3, 4}, 21, 0.5f, 2)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::neg(in[0]); }, {param({3, 4}, 22)});
  Tensor r = Tensor::from_data({2, 3}, {-1.f, 0.5f, 2.f, -0.25f, 0.125f, -3.f});
  r.requires_grad_();
  check_gradients([](const std::vector<Tensor>& in) { return nn::relu(in[0]); }, {r});
  // Non-contiguous and empty inputs.
  check_gradients([](const std::vector<Tensor>& in) { return nn::gelu(nn::transpose(in[0], 0, 1)); },
                  {param({2, 5}, 23, -3, 3)});
  check_gradients([](const std::vector<Tensor>& in) { return nn::tanh(in[0]); }, {param({0, 4}, 24)});
  // GELU's derivative at 0 is Φ(0) = 0.5, at large |x| it is 1 and 0.
  Tensor x = Tensor::from_data({3}, {0.f, 10.f, -10.f});
  x.requires_grad_();
  nn::sum(nn::gelu(x)).backward();
  check_close(x.grad().to_vector(), {0.5f, 1.f, 0.f}, 1e-6, 1e-12);
}

TEST_CASE("elementwise: sum_to reduces a gradient to a broadcast input's shape", "[elementwise]") {
  const Tensor g = Tensor::arange(0, 24).detach();
  const Tensor g3 = nn::reshape(g, {2, 3, 4});
  // (2,3,4) → (3,1): sums over dims 0 and 2.
  std::vector<float> ref31(3, 0.f), ref4(4, 0.f), ref214(8, 0.f);
  float total = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) {
        const float v = static_cast<float>(i * 12 + j * 4 + k);
        ref31[static_cast<size_t>(j)] += v;
        ref4[static_cast<size_t>(k)] += v;
        ref214[static_cast<size_t>(i * 4 + k)] += v;
        total += v;
      }
  CHECK(nn::sum_to(g3, {3, 1}).shape() == Shape{3, 1});
  check_close(nn::sum_to(g3, {3, 1}).to_vector(), ref31, 0, 0);
  check_close(nn::sum_to(g3, {4}).to_vector(), ref4, 0, 0);
  check_close(nn::sum_to(g3, {2, 1, 4}).to_vector(), ref214, 0, 0);
  check_close(nn::sum_to(g3, {}).to_vector(), {total}, 0, 0);
  check_close(nn::sum_to(nn::reshape(g, {1, 2, 12}), {2, 12}).to_vector(), g.to_vector(), 0, 0);
  // Non-contiguous gradient; empty reduced dim gives zeros.
  check_close(nn::sum_to(nn::transpose(g3, 0, 2), {1, 3, 1}).to_vector(), ref31, 0, 0);
  check_close(nn::sum_to(Tensor::zeros({0, 3}), {3}).to_vector(), {0.f, 0.f, 0.f}, 0, 0);
  // Its own gradient copies back along the reduced dims.
  check_gradients([](const std::vector<Tensor>& in) { return nn::sum_to(in[0], {3, 1}); }, {param({2, 3, 4}, 25)});
  REQUIRE_THROWS_WITH(nn::sum_to(g3, {2, 3}), Catch::Contains("sum_to: cannot reduce shape (2,3,4) to (2,3)"));
  REQUIRE_THROWS_WITH(nn::sum_to(g3, {1, 2, 3, 4}), Catch::Contains("sum_to: cannot reduce shape (2,3,4) to (1,2,3,4)"));
}

TEST_CASE("elementwise: bad shapes and dtypes throw naming the op", "[elementwise]") {
  const Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4, 3});
  REQUIRE_THROWS_WITH(nn::add(a, b), Catch::Contains("add: shapes (2,3) and (4,3) do not broadcast"));
  REQUIRE_THROWS_WITH(nn::mul(a, Tensor::zeros({2})), Catch::Contains("mul: shapes (2,3) and (2) do not broadcast"));
  REQUIRE_THROWS_WITH(nn::div(Tensor::zeros({2, 3, 4}), Tensor::zeros({3, 3})),
                      Catch::Contains("div: shapes (2,3,4) and (3,3) do not broadcast"));
  const Tensor ids = Tensor::from_ids({2}, {1, 2});
  REQUIRE_THROWS_WITH(nn::sub(ids, Tensor::zeros({2})), Catch::Contains("sub: expects F32 tensors, got I64"));
  REQUIRE_THROWS_WITH(nn::gelu(ids), Catch::Contains("gelu: expects F32 tensors, got I64"));
  REQUIRE_THROWS_WITH(nn::mul(ids, 2.f), Catch::Contains("mul: expects F32 tensors, got I64"));
}
