// test_gemm_bf16.cc — the bf16 GEMM path: fp32 → bf16 rounding on hand-worked bit patterns (every
// Highway target), and gemm() in bf16 precision against a double-precision product of the
// operands rounded to bf16 by the scalar rule of nn/io/bf16.h (every transpose, alpha/beta,
// leading dimensions, inside a parallel region).
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/kernels/convert.h"
#include "core/kernels/gemm.h"
#include "core/rng.h"
#include "nn/io/bf16.h"
#include "tests/support/targets.h"

using nn::testing::for_each_target;

namespace {

uint16_t convert_one(uint32_t bits) {
  const float x = std::bit_cast<float>(bits);
  uint16_t out = 0xdead;
  nn::kernels::fp32_to_bf16_rows(1, 1, &x, 1, &out);
  return out;
}

// n floats uniform in [-1, 1) from stream `seed`.
std::vector<float> random_vec(int64_t n, uint64_t seed) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = 2.f * nn::uniform_at(seed, static_cast<uint64_t>(i)) - 1.f;
  return v;
}

// x rounded to bf16 and back, by the scalar checkpoint rule (independent of the SIMD kernel).
double rounded(float x) { return nn::bf16_to_fp32(nn::fp32_to_bf16(x)); }

}  // namespace

TEST_CASE("fp32_to_bf16_rows rounds to nearest even on every target", "[gemm_bf16]") {
  for_each_target([] {
    CHECK(convert_one(0x3f800000u) == 0x3f80);  // 1.0 exactly
    CHECK(convert_one(0x3f808000u) == 0x3f80);  // halfway, kept bit even: down
    CHECK(convert_one(0x3f818000u) == 0x3f82);  // halfway, kept bit odd: up to even
    CHECK(convert_one(0x3f808001u) == 0x3f81);  // just above halfway: up
    CHECK(convert_one(0x3f807fffu) == 0x3f80);  // just below halfway: down
    CHECK(convert_one(0xbf818000u) == 0xbf82);  // negative ties behave the same
    CHECK(convert_one(0x7f800000u) == 0x7f80);  // +inf
    CHECK(convert_one(0xff800000u) == 0xff80);  // -inf
    CHECK(convert_one(0x7f7fffffu) == 0x7f80);  // largest float rounds past bf16's largest: inf
    CHECK(convert_one(0x00000001u) == 0x0000);  // smallest subnormal rounds to zero
    CHECK(convert_one(0x7f800001u) == 0x7fc0);  // signalling NaN becomes quiet NaN
    CHECK(convert_one(0xffc00000u) == 0xffc0);  // negative quiet NaN keeps its sign
    // Rows with a stride and lengths that leave vector tails: every element as the scalar rule.
    for (int64_t cols : {1, 7, 16, 37}) {
      const int64_t rows = 3, ld = cols + 5;
      const std::vector<float> src = random_vec(rows * ld, 7);
      std::vector<uint16_t> dst(static_cast<size_t>(rows * cols));
      nn::kernels::fp32_to_bf16_rows(rows, cols, src.data(), ld, dst.data());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          CHECK(dst[r * cols + c] == nn::fp32_to_bf16(src[r * ld + c]));
    }
  });
}

TEST_CASE("gemm in bf16 precision: bf16-rounded operands, fp32 accumulation", "[gemm_bf16]") {
  const int64_t M = 39, N = 43, K = 70;
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (float beta : {0.f, 1.5f}) {
        INFO("trans_a " << ta << " trans_b " << tb << " beta " << beta);
        const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 2, ldc = N + 4;
        const std::vector<float> A = random_vec((ta ? K : M) * lda, 1), B = random_vec((tb ? N : K) * ldb, 2);
        std::vector<float> C = random_vec(M * ldc, 3);
        const std::vector<float> C0 = C;
        {
          const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
          nn::kernels::gemm(ta, tb, M, N, K, 0.5f, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
        }
        CHECK(nn::kernels::gemm_precision() == nn::kernels::GemmPrecision::kF32);  // scope restored
        double worst_bf16 = 0, worst_fp32 = 0;
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < ldc; ++j) {
            if (j >= N) {  // past N: untouched
              CHECK(C[i * ldc + j] == C0[i * ldc + j]);
              continue;
            }
            double s16 = 0, s32 = 0;
            for (int64_t p = 0; p < K; ++p) {
              const float a = ta ? A[p * lda + i] : A[i * lda + p];
              const float b = tb ? B[j * ldb + p] : B[p * ldb + j];
              s16 += rounded(a) * rounded(b);
              s32 += static_cast<double>(a) * b;
            }
            const double base = beta * static_cast<double>(C0[i * ldc + j]);
            worst_bf16 = std::max(worst_bf16, std::abs(C[i * ldc + j] - (0.5 * s16 + base)));
            worst_fp32 = std::max(worst_fp32, std::abs(C[i * ldc + j] - (0.5 * s32 + base)));
          }
        // fp32 accumulation of 70 products of magnitude ≤ 1: error ≲ 70 · 2^-24 ≈ 4e-6.
        CHECK(worst_bf16 <= 1e-5);
        // ...while the exact fp32 product is off by bf16's operand rounding (2^-9 relative).
        CHECK(worst_fp32 > 1e-4);
      }
}

TEST_CASE("gemm with a row bias, fp32 and bf16: C = op(A)·op(B) + beta·C + bias", "[gemm_bf16]") {
  const int64_t M = 40, N = 36, K = 50, ld = N + 3;
  for (auto precision : {nn::kernels::GemmPrecision::kF32, nn::kernels::GemmPrecision::kBf16})
    for (bool tb : {false, true})
      for (float beta : {0.f, 0.5f}) {
        INFO("bf16 " << (precision == nn::kernels::GemmPrecision::kBf16) << " trans_b " << tb << " beta " << beta);
        const std::vector<float> A = random_vec(M * K, 4), B = random_vec(K * N, 5), bias = random_vec(N, 6);
        std::vector<float> C = random_vec(M * ld, 7);
        const std::vector<float> C0 = C;
        {
          const nn::kernels::GemmPrecisionScope scope(precision);
          nn::kernels::gemm(false, tb, M, N, K, 1.f, A.data(), K, nullptr, B.data(), tb ? K : N, nullptr, bias.data(),
                            beta, C.data(), ld);
        }
        const bool bf16 = precision == nn::kernels::GemmPrecision::kBf16;
        double worst = 0;
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < N; ++j) {
            double s = bias[static_cast<size_t>(j)] + beta * static_cast<double>(C0[i * ld + j]);
            for (int64_t p = 0; p < K; ++p) {
              const float a = A[i * K + p], b = tb ? B[j * K + p] : B[p * N + j];
              s += bf16 ? rounded(a) * rounded(b) : static_cast<double>(a) * b;
            }
            worst = std::max(worst, std::abs(C[i * ld + j] - s));
          }
        CHECK(worst <= 1e-5);
        CHECK(C[ld - 1] == C0[ld - 1]);  // past N: untouched
      }
  std::vector<float> A(K * M), B(K * N), bias(N), C(M * N);
  REQUIRE_THROWS_WITH(nn::kernels::gemm(false, false, M, N, K, 0.5f, A.data(), K, nullptr, B.data(), N, nullptr,
                                        bias.data(), 0.f, C.data(), N),
                      Catch::Contains("gemm: a bias needs alpha = 1, got 0.5"));
}

TEST_CASE("gemm in bf16 precision runs products inside a parallel region in fp32", "[gemm_bf16]") {
  const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
  const int64_t M = 32, N = 40, K = 32, batch = 8;
  const std::vector<float> A = random_vec(batch * M * K, 4), B = random_vec(K * N, 5);
  std::vector<float> C(static_cast<size_t>(batch * M * N));
  // Small products of a batch run one per thread inside a parallel region.
  nn::kernels::gemm_batched(batch, false, false, M, N, K, 1.f, A.data(), K, M * K, B.data(), N, 0, 0.f,
                            C.data(), N, M * N);
  double worst_fp32 = 0, worst_bf16 = 0;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s32 = 0, s16 = 0;
        for (int64_t p = 0; p < K; ++p) {
          s32 += static_cast<double>(A[(n * M + i) * K + p]) * B[p * N + j];
          s16 += rounded(A[(n * M + i) * K + p]) * rounded(B[p * N + j]);
        }
        worst_fp32 = std::max(worst_fp32, std::abs(C[(n * M + i) * N + j] - s32));
        worst_bf16 = std::max(worst_bf16, std::abs(C[(n * M + i) * N + j] - s16));
      }
  CHECK(worst_fp32 <= 1e-5);  // fp32 operands...
  CHECK(worst_bf16 > 1e-4);   // ...not bf16-rounded ones
  bool inside = true;
#pragma omp parallel num_threads(2)
  {
#pragma omp single
    inside = nn::kernels::gemm_runs_bf16(M, N);
  }
  CHECK_FALSE(inside);
  CHECK(nn::kernels::gemm_runs_bf16(M, N));
}

TEST_CASE("gemm in bf16 precision keeps thin products (decoding, M = 1) in fp32", "[gemm_bf16]") {
  const nn::kernels::GemmPrecisionScope bf16(nn::kernels::GemmPrecision::kBf16);
  const int64_t M = 1, N = 50, K = 64;
  const std::vector<float> A = random_vec(M * K, 6), B = random_vec(N * K, 7);
  std::vector<float> C(static_cast<size_t>(M * N));
  nn::kernels::gemm(false, true, M, N, K, 1.f, A.data(), K, B.data(), K, 0.f, C.data(), N);
  for (int64_t j = 0; j < N; ++j) {
    double s = 0;
    for (int64_t p = 0; p < K; ++p) s += static_cast<double>(A[p]) * B[j * K + p];
    CHECK(std::abs(C[j] - s) <= 1e-5);  // fp32 operands: far closer than bf16 rounding allows
  }
}

TEST_CASE("parse_gemm_precision names the choices", "[gemm_bf16]") {
  CHECK(nn::kernels::parse_gemm_precision("bf16") == nn::kernels::GemmPrecision::kBf16);
  CHECK(nn::kernels::parse_gemm_precision("fp32") == nn::kernels::GemmPrecision::kF32);
  CHECK_THROWS_WITH(nn::kernels::parse_gemm_precision("fp16"), Catch::Contains("fp32, bf16 or int8"));
}
