// test_matmul.cc — the GEMM kernel wrapper, matmul (2-D, batched, shared B, every transpose
// flag, transposed views) and linear: forward against naive double loops, backward against
// central differences, edge sizes and error messages.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "core/kernels/gemm.h"
#include "core/ops.h"
#include "tests/support/gradcheck.h"

using namespace nn;
using nn::testing::check_close;
using nn::testing::check_gradients;
using nn::testing::param;

namespace {

// op(a)·op(b) in double over the last two dims of the views' values; b may be 2-D (shared).
std::vector<float> naive_matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const std::vector<float> av = a.to_vector(), bv = b.to_vector();
  const int64_t ar = a.size(-2), ac = a.size(-1), br = b.size(-2), bc = b.size(-1);
  const int64_t M = ta ? ac : ar, K = ta ? ar : ac, N = tb ? br : bc;
  const int64_t batch = shape_numel(Shape(a.shape().begin(), a.shape().end() - 2));
  const bool shared = b.dim() == 2;
  std::vector<float> c;
  for (int64_t n = 0; n < batch; ++n) {
    const float* A = av.data() + n * ar * ac;
    const float* B = bv.data() + (shared ? 0 : n * br * bc);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t p = 0; p < K; ++p)
          s += static_cast<double>(ta ? A[p * ac + i] : A[i * ac + p]) * (tb ? B[j * bc + p] : B[p * bc + j]);
        c.push_back(static_cast<float>(s));
      }
  }
  return c;
}

// x·Wᵀ + b in double, x (rows, in) as values.
std::vector<float> naive_linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  const std::vector<float> xv = x.to_vector(), wv = w.to_vector();
  const std::vector<float> bv = b.defined() ? b.to_vector() : std::vector<float>();
  const int64_t in = w.size(1), out = w.size(0);
  const int64_t rows = shape_numel(Shape(x.shape().begin(), x.shape().end() - 1));
  std::vector<float> y;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = b.defined() ? bv[static_cast<size_t>(o)] : 0.0;
      for (int64_t i = 0; i < in; ++i) s += static_cast<double>(xv[r * in + i]) * wv[o * in + i];
      y.push_back(static_cast<float>(s));
    }
  return y;
}

// The operand shape for op(X) = (rows, cols) with batch dims in front.
Shape operand(Shape batch, int64_t rows, int64_t cols, bool trans) {
  batch.push_back(trans ? cols : rows);
  batch.push_back(trans ? rows : cols);
  return batch;
}

// Sums of K ≤ 16 products of values in [-1, 1] in fp32: error well under 1e-5.
constexpr double kRtol = 1e-5, kAtol = 1e-5;

}  // namespace

TEST_CASE("gemm kernel: leading dimensions, alpha/beta, K = 0, batched with shared B", "[matmul]") {
  const int64_t M = 3, N = 4, K = 5, lda = 7, ldb = 6, ldc = 9;
  std::vector<float> A = Tensor::uniform({M * lda}, 1).to_vector(), B = Tensor::uniform({K * ldb}, 2).to_vector();
  std::vector<float> C = Tensor::uniform({M * ldc}, 3).to_vector(), C0 = C;
  kernels::gemm(false, false, M, N, K, 0.5f, A.data(), lda, B.data(), ldb, 2.f, C.data(), ldc);
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      double want = C0[i * ldc + j];
      if (j < N) {
        double s = 0;
        for (int64_t p = 0; p < K; ++p) s += static_cast<double>(A[i * lda + p]) * B[p * ldb + j];
        want = 0.5 * s + 2.0 * want;
      }
      CHECK(std::abs(C[i * ldc + j] - want) <= 1e-5);  // columns past N are untouched
    }
  }
  // K == 0 with beta == 0 writes zeros even over NaN.
  std::vector<float> Z(M * N, std::numeric_limits<float>::quiet_NaN());
  kernels::gemm(false, false, M, N, 0, 1.f, A.data(), 1, B.data(), N, 0.f, Z.data(), N);
  for (float z : Z) CHECK(z == 0.f);
  // Batched, B shared (stride 0), small products (the per-thread path).
  const int64_t batch = 6;
  std::vector<float> As = Tensor::uniform({batch * M * K}, 4).to_vector(), Cs(batch * M * N);
  kernels::gemm_batched(batch, false, true, M, N, K, 1.f, As.data(), K, M * K, B.data(), ldb, 0, 0.f,
                        Cs.data(), N, M * N);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t p = 0; p < K; ++p) s += static_cast<double>(As[(n * M + i) * K + p]) * B[j * ldb + p];
        CHECK(std::abs(Cs[(n * M + i) * N + j] - s) <= 1e-5);
      }
  REQUIRE_THROWS_WITH(kernels::gemm(false, false, M, N, K, 1.f, A.data(), 2, B.data(), ldb, 0.f, C.data(), ldc),
                      Catch::Contains("gemm: leading dimensions"));
}

TEST_CASE("gemm kernel: few and many rows, every transpose flag, padded lds", "[matmul]") {
  // Thin products (M < 32) run on dnnl_sgemm; M = 40 with op(B) = Bᵀ on the fp32 matmul primitive
  // (gemm.cc): all against the definition C = alpha·op(A)·op(B) + beta·C, with leading
  // dimensions wider than the rows.
  const int64_t N = 37, K = 300;  // K·|a·b| ≤ 300: fp32 sums are within 1e-4 of the double ones
  for (int64_t M : {1, 2, 4, 5, 40})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (float beta : {0.f, 0.5f}) {
          const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 5, ldc = N + 2;
          const std::vector<float> A = Tensor::uniform({(ta ? K : M) * lda}, 11, -1.f, 1.f).to_vector();
          const std::vector<float> B = Tensor::uniform({(tb ? N : K) * ldb}, 12, -1.f, 1.f).to_vector();
          std::vector<float> C = Tensor::uniform({M * ldc}, 13, -1.f, 1.f).to_vector();
          if (beta == 0.f) std::fill(C.begin(), C.end(), std::numeric_limits<float>::quiet_NaN());
          const std::vector<float> C0 = C;
          kernels::gemm(ta, tb, M, N, K, 1.5f, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
          for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < ldc; ++j) {
              INFO("M=" << M << " ta=" << ta << " tb=" << tb << " beta=" << beta << " i=" << i << " j=" << j);
              const float got = C[static_cast<size_t>(i * ldc + j)], old = C0[static_cast<size_t>(i * ldc + j)];
              if (j >= N) {  // past N: untouched
                CHECK((std::isnan(old) ? std::isnan(got) : got == old));
                continue;
              }
              double s = 0;
              for (int64_t p = 0; p < K; ++p)
                s += static_cast<double>(ta ? A[p * lda + i] : A[i * lda + p]) * (tb ? B[j * ldb + p] : B[p * ldb + j]);
              const double want = 1.5 * s + (beta == 0.f ? 0.0 : beta * static_cast<double>(old));
              CHECK(std::abs(got - want) <= 1e-4 * (1 + std::abs(want)));
            }
        }
}

TEST_CASE("matmul 2-D, every transpose flag", "[matmul]") {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      INFO("trans_a " << ta << " trans_b " << tb);
      const Tensor a = Tensor::uniform(operand({}, 5, 7, ta), 1, -1, 1);
      const Tensor b = Tensor::uniform(operand({}, 7, 3, tb), 2, -1, 1);
      const Tensor c = matmul(a, b, ta, tb);
      CHECK(c.shape() == Shape{5, 3});
      check_close(c.to_vector(), naive_matmul(a, b, ta, tb), kRtol, kAtol);
    }
}

TEST_CASE("matmul batched 3-D and 4-D, every flag, shared 2-D B", "[matmul]") {
  for (const Shape& batch : {Shape{3}, Shape{2, 3}})
    for (bool shared : {false, true})
      for (bool ta : {false, true})
        for (bool tb : {false, true}) {
          INFO("batch " << shape_str(batch) << " shared " << shared << " trans_a " << ta << " trans_b " << tb);
          const Tensor a = Tensor::uniform(operand(batch, 4, 6, ta), 3);
          const Tensor b = Tensor::uniform(operand(shared ? Shape{} : batch, 6, 5, tb), 4);
          const Tensor c = matmul(a, b, ta, tb);
          Shape want = batch;
          want.push_back(4);
          want.push_back(5);
          CHECK(c.shape() == want);
          check_close(c.to_vector(), naive_matmul(a, b, ta, tb), kRtol, kAtol);
        }
}

TEST_CASE("matmul reads transposed and sliced views", "[matmul]") {
  // Transposed views (column-major memory) go to BLAS with the flag flipped.
  const Tensor at = transpose(Tensor::uniform({7, 5}, 5), 0, 1);     // (5,7)
  const Tensor b2 = Tensor::uniform({7, 3}, 6);
  const Tensor a3 = transpose(Tensor::uniform({2, 7, 5}, 7), 1, 2);  // (2,5,7)
  const Tensor b3 = transpose(Tensor::uniform({2, 3, 7}, 8), 1, 2);  // (2,7,3)
  check_close(matmul(at, b2).to_vector(), naive_matmul(at, b2, false, false), kRtol, kAtol);
  check_close(matmul(at, at, true, false).to_vector(), naive_matmul(at, at, true, false), kRtol, kAtol);
  check_close(matmul(a3, b3).to_vector(), naive_matmul(a3, b3, false, false), kRtol, kAtol);
  check_close(matmul(a3, b2).to_vector(), naive_matmul(a3, b2, false, false), kRtol, kAtol);
  check_close(matmul(a3, a3, true, false).to_vector(), naive_matmul(a3, a3, true, false), kRtol, kAtol);
  // Column slices (row stride > cols), and a 4-D permuted view whose batch dims do not collapse.
  const Tensor wide = slice(Tensor::uniform({5, 10}, 9), 1, 2, 9);  // (5,7), row stride 10
  check_close(matmul(wide, b2).to_vector(), naive_matmul(wide, b2, false, false), kRtol, kAtol);
  const Tensor a4 = permute(Tensor::uniform({3, 2, 5, 7}, 10), {1, 0, 2, 3});  // (2,3,5,7)
  const Tensor b4 = Tensor::uniform({2, 3, 7, 4}, 11);
  check_close(matmul(a4, b4).to_vector(), naive_matmul(a4, b4, false, false), kRtol, kAtol);
  check_close(matmul(a4, b2, false, false).to_vector(), naive_matmul(a4, b2, false, false), kRtol, kAtol);
}

TEST_CASE("matmul size-1 and empty dims", "[matmul]") {
  for (const auto& [m, k, n] : std::vector<std::array<int64_t, 3>>{{1, 1, 1}, {1, 5, 1}, {4, 1, 3}, {1, 3, 4}}) {
    INFO("M " << m << " K " << k << " N " << n);
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        const Tensor a = Tensor::uniform(operand({2}, m, k, ta), 12);
        const Tensor b = Tensor::uniform(operand({}, k, n, tb), 13);
        check_close(matmul(a, b, ta, tb).to_vector(), naive_matmul(a, b, ta, tb), kRtol, kAtol);
      }
  }
  // K == 0: the product is all zeros.
  const Tensor z = matmul(Tensor::zeros({3, 0}), Tensor::zeros({0, 4}));
  CHECK(z.shape() == Shape{3, 4});
  for (float v : z.to_vector()) CHECK(v == 0.f);
  CHECK(matmul(Tensor::zeros({2, 3, 0}), Tensor::zeros({2, 0, 4})).to_vector() == std::vector<float>(24, 0.f));
  // M == 0, N == 0, batch 0: empty results of the right shape.
  CHECK(matmul(Tensor::zeros({0, 3}), Tensor::ones({3, 4})).shape() == Shape{0, 4});
  CHECK(matmul(Tensor::ones({2, 3}), Tensor::ones({3, 0})).shape() == Shape{2, 0});
  CHECK(matmul(Tensor::zeros({0, 2, 3}), Tensor::ones({3, 4})).shape() == Shape{0, 2, 4});
}

TEST_CASE("matmul gradients: every flag, batched, shared B, views, empty", "[matmul]") {
  auto mm = [](bool ta, bool tb) {
    return [ta, tb](const std::vector<Tensor>& in) { return matmul(in[0], in[1], ta, tb); };
  };
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      INFO("trans_a " << ta << " trans_b " << tb);
      check_gradients(mm(ta, tb), {param(operand({}, 3, 4, ta), 20), param(operand({}, 4, 2, tb), 21)});
      check_gradients(mm(ta, tb), {param(operand({2}, 3, 4, ta), 22), param(operand({2}, 4, 2, tb), 23)});
      // Shared 2-D B: its gradient sums over the batch (folded into one GEMM when ta is false).
      check_gradients(mm(ta, tb), {param(operand({2, 2}, 3, 4, ta), 24), param(operand({}, 4, 2, tb), 25)});
    }
  // Views: transposed (column-major) and permuted 4-D inputs.
  check_gradients(
      [](const std::vector<Tensor>& in) { return matmul(transpose(in[0], 1, 2), permute(in[1], {1, 0, 2})); },
      {param({2, 4, 3}, 26), param({4, 2, 2}, 27)});
  check_gradients([](const std::vector<Tensor>& in) { return matmul(in[0], transpose(in[1], 0, 1), false, true); },
                  {param({2, 3, 4}, 28), param({4, 5}, 29)});
  // Size-1 and empty dims.
  check_gradients(mm(false, false), {param({1, 1}, 30), param({1, 3}, 31)});
  check_gradients(mm(true, false), {param({0, 3}, 32), param({0, 2}, 33)});  // K == 0: zero gradients
  check_gradients(mm(false, false), {param({0, 3}, 34), param({3, 2}, 35)});  // M == 0
}

TEST_CASE("linear forward: with and without bias, any leading dims, views", "[matmul]") {
  const Tensor w = Tensor::uniform({5, 4}, 40), b = Tensor::uniform({5}, 41);
  for (const Shape& xs : {Shape{4}, Shape{3, 4}, Shape{2, 3, 4}, Shape{0, 4}}) {
    INFO("x " << shape_str(xs));
    const Tensor x = Tensor::uniform(xs, 42);
    Shape ys = xs;
    ys.back() = 5;
    const Tensor y = linear(x, w, b);
    CHECK(y.shape() == ys);
    check_close(y.to_vector(), naive_linear(x, w, b), kRtol, kAtol);
    check_close(linear(x, w, Tensor()).to_vector(), naive_linear(x, w, Tensor()), kRtol, kAtol);
  }
  // Transposed x and a transposed-view weight (e.g. a tied embedding read as (out, in)).
  const Tensor xt = transpose(Tensor::uniform({4, 3}, 43), 0, 1);
  const Tensor wt = transpose(Tensor::uniform({4, 5}, 44), 0, 1);
  check_close(linear(xt, wt, b).to_vector(), naive_linear(xt, wt, b), kRtol, kAtol);
  // in == 0: y is the bias broadcast.
  check_close(linear(Tensor::zeros({2, 0}), Tensor::zeros({5, 0}), b).to_vector(),
              naive_linear(Tensor::zeros({2, 0}), Tensor::zeros({5, 0}), b), kRtol, kAtol);
}

TEST_CASE("linear gradients", "[matmul]") {
  auto lin = [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); };
  check_gradients(lin, {param({2, 3, 4}, 50), param({5, 4}, 51), param({5}, 52)});
  check_gradients(lin, {param({4}, 53), param({2, 4}, 54), param({2}, 55)});
  check_gradients([](const std::vector<Tensor>& in) { return linear(in[0], in[1], Tensor()); },
                  {param({3, 4}, 56), param({5, 4}, 57)});
  // Views for x and W; only some inputs requiring grad.
  check_gradients(
      [](const std::vector<Tensor>& in) { return linear(transpose(in[0], 0, 1), transpose(in[1], 0, 1), in[2]); },
      {param({4, 3}, 58), param({4, 5}, 59), param({5}, 60)});
  check_gradients(lin, {param({3, 4}, 61), Tensor::uniform({5, 4}, 62), param({5}, 63)});
  check_gradients(lin, {param({0, 4}, 64), param({5, 4}, 65), param({5}, 66)});  // no rows: dW, db = 0
}

TEST_CASE("matmul and linear errors name the op and shapes", "[matmul]") {
  REQUIRE_THROWS_WITH(matmul(Tensor::ones({4, 8}), Tensor::ones({7, 3})),
                      Catch::Contains("matmul: shapes (4,8) and (7,3) do not match"));
  REQUIRE_THROWS_WITH(matmul(Tensor::ones({4, 8}), Tensor::ones({4, 3}), false, true),
                      Catch::Contains("matmul: shapes (4,8) and (4,3) do not match"));
  REQUIRE_THROWS_WITH(matmul(Tensor::ones({2, 4, 8}), Tensor::ones({3, 8, 3})),
                      Catch::Contains("matmul: shapes (2,4,8) and (3,8,3) do not match: batch dims differ"));
  REQUIRE_THROWS_WITH(matmul(Tensor::ones({4, 8}), Tensor::ones({2, 8, 3})),
                      Catch::Contains("batch dims differ"));
  REQUIRE_THROWS_WITH(matmul(Tensor::ones({8}), Tensor::ones({8, 3})),
                      Catch::Contains("matmul: shapes (8) and (8,3) must have rank 2 to 4"));
  REQUIRE_THROWS_WITH(linear(Tensor::ones({2, 3}), Tensor::ones({5, 4}), Tensor()),
                      Catch::Contains("linear: input (2,3) and weight (5,4) do not match"));
  REQUIRE_THROWS_WITH(linear(Tensor::ones({2, 4}), Tensor::ones({5, 4}), Tensor::ones({4})),
                      Catch::Contains("linear: bias (4) does not match weight (5,4)"));
}

TEST_CASE("linear_gelu: x·Φ(x) of the linear output, fused without gradients, composed with", "[matmul]") {
  // 3 rows run on dnnl_sgemm with GELU as a pass over C, 40 rows on the matmul primitive with its
  // gelu_erf post-op; both against the definition in double.
  const Tensor w = Tensor::uniform({36, 48}, 70, -0.5f, 0.5f), b = Tensor::uniform({36}, 71, -1.f, 1.f);
  for (int64_t rows : {3, 40}) {
    INFO("rows " << rows);
    const Tensor x = Tensor::uniform({rows, 48}, 72, -1.f, 1.f);
    const std::vector<float> h = naive_linear(x, w, b);
    std::vector<float> want(h.size());
    for (size_t i = 0; i < h.size(); ++i) want[i] = static_cast<float>(0.5 * h[i] * (1.0 + std::erf(h[i] / std::sqrt(2.0))));
    check_close(linear_gelu(x, w, b).to_vector(), want, kRtol, kAtol);
  }
  // With gradients: the composition gelu(linear(...)), checked by finite differences.
  check_gradients([](const std::vector<Tensor>& in) { return linear_gelu(in[0], in[1], in[2]); },
                  {param({3, 4}, 73), param({5, 4}, 74), param({5}, 75)});
}
