// test_bf16_weights.cc — linear() in bf16 precision, forward and backward, against a
// double-precision product of the operands rounded to bf16 by the scalar rule of nn/io/bf16.h;
// and the Bf16WeightScope: inside it each weight is rounded once and reused (same results as
// rounding it on every product), the copies go at the end of the outermost scope, and a weight
// that changes between scopes is seen.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <vector>

#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/kernels/gemm.h"
#include "core/ops.h"
#include "nn/io/bf16.h"

using nn::Tensor;

namespace {

// x rounded to bf16 and back (the scalar rule, independent of the SIMD kernel).
double rounded(float x) { return nn::bf16_to_fp32(nn::fp32_to_bf16(x)); }

// Values, forward and gradients of one linear() call: y = x·Wᵀ + b, then backward of Σ y ⊙ gy.
struct LinearRun {
  std::vector<float> y, gx, gw, gb;
};

LinearRun run_linear(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& gy) {
  const Tensor xl = x.detach().clone().requires_grad_();
  const Tensor y = nn::linear(xl, w, b);
  nn::sum(nn::mul(y, gy)).backward();
  return {y.to_vector(), xl.grad().to_vector(), w.grad().to_vector(), b.grad().to_vector()};
}

// Σ_k a(i, k)·b(k, j) in double over bf16-rounded values, for i < M, j < N (row-major M×N).
template <class A, class B>
std::vector<double> rounded_product(int64_t M, int64_t N, int64_t K, A a, B b) {
  std::vector<double> c(static_cast<size_t>(M * N), 0.0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j)
      for (int64_t k = 0; k < K; ++k) c[static_cast<size_t>(i * N + j)] += rounded(a(i, k)) * rounded(b(k, j));
  return c;
}

// |got − want| ≤ 1e-5·(1 + |want|) element by element: fp32 accumulation of bf16 products.
void check_near(const std::vector<float>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(std::abs(got[i] - want[i]) <= 1e-5 * (1 + std::abs(want[i])));
  }
}

}  // namespace

TEST_CASE("linear in bf16 precision: bf16-rounded operands in forward and backward", "[bf16_weights]") {
  const int64_t rows = 48, in = 40, out = 36;  // every side ≥ 32: all three products run in bf16
  const Tensor x = Tensor::uniform({rows, in}, 1, -1.f, 1.f);
  Tensor w = Tensor::uniform({out, in}, 2, -1.f, 1.f).requires_grad_();
  Tensor b = Tensor::uniform({out}, 3, -1.f, 1.f).requires_grad_();
  const Tensor gy = Tensor::uniform({rows, out}, 4, -1.f, 1.f);
  const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
  const LinearRun r = run_linear(x, w, b, gy);
  const std::vector<float> xv = x.to_vector(), wv = w.to_vector(), bv = b.to_vector(), gv = gy.to_vector();
  auto X = [&](int64_t i, int64_t k) { return xv[static_cast<size_t>(i * in + k)]; };
  auto W = [&](int64_t o, int64_t k) { return wv[static_cast<size_t>(o * in + k)]; };
  auto G = [&](int64_t i, int64_t o) { return gv[static_cast<size_t>(i * out + o)]; };
  // y = x·Wᵀ + b, dx = dy·W, dW = dyᵀ·x
  std::vector<double> y = rounded_product(rows, out, in, X, [&](int64_t k, int64_t o) { return W(o, k); });
  for (size_t i = 0; i < y.size(); ++i) y[i] += bv[i % static_cast<size_t>(out)];
  check_near(r.y, y);
  check_near(r.gx, rounded_product(rows, in, out, G, W));
  check_near(r.gw, rounded_product(out, in, rows, [&](int64_t o, int64_t i) { return G(i, o); }, X));
  std::vector<double> db(static_cast<size_t>(out), 0.0);  // db[o] = Σ_i gy[i,o], in fp32 (no GEMM)
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t o = 0; o < out; ++o) db[static_cast<size_t>(o)] += G(i, o);
  check_near(r.gb, db);
}

TEST_CASE("linear in bf16 precision keeps only x's bf16 copy for dW", "[bf16_weights]") {
  // dW = dyᵀ·x reads x rounded to bf16, so the backward holds that copy and not x's fp32 data;
  // a backward run after the precision changed to fp32 widens the copy (the same rounded x).
  const int64_t rows = 48, in = 40, out = 36;
  const Tensor gy = Tensor::uniform({rows, out}, 4, -1.f, 1.f);
  for (const bool fp32_backward : {false, true}) {
    INFO("backward in " << (fp32_backward ? "fp32" : "bf16"));
    Tensor w = Tensor::uniform({out, in}, 2, -1.f, 1.f).requires_grad_();
    std::vector<float> xv;
    std::weak_ptr<nn::Storage> x_storage;
    Tensor y;
    {
      const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
      const Tensor x = Tensor::uniform({rows, in}, 1, -1.f, 1.f);
      xv = x.to_vector();
      x_storage = x.impl().storage;
      y = nn::linear(x, w, Tensor());
    }
    CHECK(x_storage.expired());
    {
      const nn::kernels::GemmPrecisionScope precision(fp32_backward ? nn::kernels::GemmPrecision::kF32
                                                                    : nn::kernels::GemmPrecision::kBf16);
      nn::sum(nn::mul(y, gy)).backward();
    }
    // dW[o,k] = Σ_i dy[i,o]·bf16(x[i,k]), dy rounded too when the product runs in bf16.
    const std::vector<float> gv = gy.to_vector();
    std::vector<double> gw(static_cast<size_t>(out * in), 0.0);
    for (int64_t o = 0; o < out; ++o)
      for (int64_t k = 0; k < in; ++k)
        for (int64_t i = 0; i < rows; ++i) {
          const float g = gv[static_cast<size_t>(i * out + o)];
          gw[static_cast<size_t>(o * in + k)] += (fp32_backward ? g : rounded(g)) * rounded(xv[static_cast<size_t>(i * in + k)]);
        }
    check_near(w.grad().to_vector(), gw);
  }
}

TEST_CASE("Bf16WeightScope: each weight rounded once, same results as rounding on every product",
          "[bf16_weights]") {
  const Tensor x = Tensor::uniform({64, 48}, 5, -1.f, 1.f);
  Tensor w = Tensor::uniform({40, 48}, 6, -1.f, 1.f).requires_grad_();
  Tensor b = Tensor::uniform({40}, 7, -1.f, 1.f).requires_grad_();
  const Tensor gy = Tensor::uniform({64, 40}, 8, -1.f, 1.f);
  const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
  const LinearRun each = run_linear(x, w, b, gy);  // no scope: rounded on every product
  CHECK(nn::bf16_weights_kept() == 0);
  w.zero_grad();
  b.zero_grad();
  {
    const nn::Bf16WeightScope outer;
    LinearRun once;
    {
      const nn::Bf16WeightScope inner;
      once = run_linear(x, w, b, gy);
      CHECK(nn::bf16_weights_kept() == 1);  // forward and dx share one copy
    }
    CHECK(nn::bf16_weights_kept() == 1);  // an inner scope's end keeps the copies
    CHECK(once.y == each.y);
    CHECK(once.gx == each.gx);
    CHECK(once.gw == each.gw);
  }
  CHECK(nn::bf16_weights_kept() == 0);  // the outermost scope's end drops them
}

TEST_CASE("Bf16WeightScope: a weight changed between scopes is seen, fp32 keeps nothing", "[bf16_weights]") {
  const Tensor x = Tensor::uniform({32, 32}, 9, -1.f, 1.f);
  Tensor w = Tensor::uniform({32, 32}, 10, -1.f, 1.f);
  const Tensor b;
  {
    const nn::Bf16WeightScope scope;  // fp32 precision: nothing is rounded, nothing kept
    nn::linear(x, w, b);
    CHECK(nn::bf16_weights_kept() == 0);
  }
  const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
  std::vector<float> first;
  {
    const nn::Bf16WeightScope scope;
    first = nn::linear(x, w, b).to_vector();
  }
  float* wp = w.data();
  for (int64_t i = 0; i < w.numel(); ++i) wp[i] = -wp[i];  // the optimizer's step, between scopes
  const nn::Bf16WeightScope scope;
  const std::vector<float> second = nn::linear(x, w, b).to_vector();
  REQUIRE(second.size() == first.size());
  for (size_t i = 0; i < first.size(); ++i) CHECK(second[i] == -first[i]);  // rounding is sign-symmetric
}

TEST_CASE("Bf16WeightScope: a kept weight's storage is not reused by a new tensor", "[bf16_weights]") {
  const Tensor x = Tensor::uniform({32, 32}, 11, -1.f, 1.f);
  const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
  const nn::Bf16WeightScope scope;
  { nn::linear(x, Tensor::uniform({32, 32}, 12, -1.f, 1.f), Tensor()); }  // weight handle gone
  // Same size: the caching allocator would hand out the freed block if the scope had released it.
  const Tensor w2 = Tensor::uniform({32, 32}, 13, -1.f, 1.f);
  const std::vector<float> got = nn::linear(x, w2, Tensor()).to_vector();
  std::vector<float> want;
  {
    const nn::kernels::GemmPrecisionScope fp32(nn::kernels::GemmPrecision::kF32);
    want = nn::linear(x, w2, Tensor()).to_vector();
  }
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(std::abs(got[i] - want[i]) < 0.05f);  // bf16 of w2, not of w1
  CHECK(nn::bf16_weights_kept() == 2);
}

TEST_CASE("Bf16WeightScope without gradients: blocked weight copies give the bf16 product", "[bf16_weights]") {
  const int64_t rows = 48, in = 40, out = 36;
  const Tensor x = Tensor::uniform({rows, in}, 14, -1.f, 1.f), w = Tensor::uniform({out, in}, 15, -1.f, 1.f);
  const Tensor b = Tensor::uniform({out}, 16, -1.f, 1.f);
  const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
  const nn::NoGradGuard no_grad;
  const nn::Bf16WeightScope scope;
  const std::vector<float> first = nn::linear(x, w, b).to_vector();  // makes the blocked copy
  const std::vector<float> again = nn::linear(x, w, b).to_vector();  // reads it
  CHECK(again == first);
  const std::vector<float> xv = x.to_vector(), wv = w.to_vector(), bv = b.to_vector();
  std::vector<double> want = rounded_product(
      rows, out, in, [&](int64_t i, int64_t k) { return xv[static_cast<size_t>(i * in + k)]; },
      [&](int64_t k, int64_t o) { return wv[static_cast<size_t>(o * in + k)]; });
  for (size_t i = 0; i < want.size(); ++i) want[i] += bv[i % static_cast<size_t>(out)];
  check_near(again, want);
}
