// test_gemm_int8.cc — the int8 kernels (kernels/quantize.h, kernels/gemm_int8.h) against
// references computed here: the quantizers against the scalar rule of the header (every Highway
// target), the int8 matmul against exact integer sums of the quantized operands, dequantized in
// double, and against the fp32 product within the error the quantization steps allow.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/kernels/gemm_int8.h"
#include "core/kernels/quantize.h"
#include "tests/support/targets.h"

using nn::kernels::gemm_int8;
using nn::kernels::quantize_weight;

namespace {

std::vector<float> random_values(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& e : v) e = u(gen);
  return v;
}

// The u8 integers of x under (scale, zero point), by the header's scalar rule.
std::vector<int32_t> u8_reference(const std::vector<float>& x, nn::kernels::U8Quant quant) {
  std::vector<int32_t> q(x.size());
  const float inv = 1.f / quant.scale;
  for (size_t i = 0; i < x.size(); ++i)
    q[i] = std::clamp(static_cast<int32_t>(std::nearbyint(x[i] * inv)) + quant.zero_point, 0, 255);
  return q;
}

// One int8 product's inputs and what the test expects of it.
struct Case {
  int64_t M, N, K;
  std::vector<float> x, w, bias;  // x (M,K), w (N,K), bias (N), all row-major
};

Case random_case(int64_t M, int64_t N, int64_t K, uint32_t seed) {
  // x skewed like GELU outputs (mostly positive), w spread per row by a factor up to 8 so the
  // per-channel scales differ.
  Case c{M, N, K, random_values(static_cast<size_t>(M * K), -0.4f, 2.f, seed),
         random_values(static_cast<size_t>(N * K), -0.1f, 0.1f, seed + 1),
         random_values(static_cast<size_t>(N), -1.f, 1.f, seed + 2)};
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) c.w[n * K + k] *= 1.f + static_cast<float>(n % 8);
  return c;
}

// Checks gemm_int8 on c: y against dequantized exact integer sums (to fp32 rounding) and against
// the fp32 product (within the quantization bound).
void check_case(const Case& c) {
  const int64_t M = c.M, N = c.N, K = c.K;
  INFO("M=" << M << " N=" << N << " K=" << K);
  auto w8 = quantize_weight(N, K, c.w.data(), K);
  std::vector<float> y(static_cast<size_t>(M * N), -7.f);
  gemm_int8(M, c.x.data(), K, *w8, c.bias.data(), y.data(), N, false);

  // The activation quantization, derived here from the data's range.
  float lo = 0.f, hi = 0.f;
  for (float v : c.x) lo = std::min(lo, v), hi = std::max(hi, v);
  const auto xq = nn::kernels::u8_quant_for_range(lo, hi);
  const std::vector<int32_t> qx = u8_reference(c.x, xq);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      int64_t acc = 0;  // exact
      double bound = 0.0, exact = 0.0;
      const float ws = w8->scales[n];
      for (int64_t k = 0; k < K; ++k) {
        const int64_t q = w8->q[n * K + k];
        acc += (qx[m * K + k] - xq.zero_point) * q;
        // x = x̂ + ex, |ex| ≤ xs/2; w = ŵ + ew, |ew| ≤ ws/2  ⇒
        // |x·w − x̂·ŵ| ≤ |ex|·|ŵ| + |x̂|·|ew| + |ex|·|ew| ≤ xs/2·|ŵ| + |x̂|·ws/2 + xs·ws/4.
        const double xhat = double(xq.scale) * (qx[m * K + k] - xq.zero_point), what = double(ws) * q;
        bound += xq.scale / 2.0 * std::abs(what) + std::abs(xhat) * ws / 2.0 + double(xq.scale) * ws / 4.0;
        exact += double(c.x[m * K + k]) * c.w[n * K + k];
      }
      const double scale = double(float(xq.scale * ws));  // the output scale the kernel passes, in fp32
      const double expected = double(acc) * scale + c.bias[n];
      const double got = y[m * N + n];
      // fp32 rounding of the dequantization (acc → fp32, × scale, + bias): a few ulps of its terms.
      const double magnitude = std::abs(double(acc) * scale) + std::abs(c.bias[n]);
      REQUIRE(std::abs(got - expected) <= 4 * 1.2e-7 * magnitude + 1e-30);
      // Against the real product: the quantization bound plus the same rounding slack.
      REQUIRE(std::abs(got - (exact + c.bias[n])) <= bound + 4 * 1.2e-7 * magnitude + 1e-6);
    }
}

}  // namespace

TEST_CASE("quantize_u8: the header's rule, error at most half a step, 0 exact", "[int8]") {
  nn::testing::for_each_target([] {
    for (const auto& [rows, cols] : {std::pair<int64_t, int64_t>{1, 1}, {3, 17}, {64, 200}, {300, 129}}) {
      const std::vector<float> x = random_values(static_cast<size_t>(rows * cols), -0.3f, 1.7f, 11);
      std::vector<uint8_t> q(x.size());
      const auto quant = nn::kernels::quantize_u8(rows, cols, x.data(), cols, q.data());
      float lo = 0.f, hi = 0.f;
      for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
      REQUIRE(quant.scale == (hi - lo) / 255.f);
      REQUIRE(quant.zero_point == static_cast<int32_t>(std::nearbyint(-lo / quant.scale)));
      const std::vector<int32_t> expected = u8_reference(x, quant);
      for (size_t i = 0; i < x.size(); ++i) {
        REQUIRE(q[i] == expected[i]);
        REQUIRE(std::abs(x[i] - quant.scale * (q[i] - quant.zero_point)) <= quant.scale * (0.5f + 1e-4f));
      }
    }
  });
}

TEST_CASE("quantize_u8: an all-zero tensor gets scale 1, zero point 0", "[int8]") {
  std::vector<float> x(40, 0.f);
  std::vector<uint8_t> q(x.size(), 9);
  const auto quant = nn::kernels::quantize_u8(4, 10, x.data(), 10, q.data());
  REQUIRE(quant.scale == 1.f);
  REQUIRE(quant.zero_point == 0);
  REQUIRE(std::all_of(q.begin(), q.end(), [](uint8_t v) { return v == 0; }));
}

TEST_CASE("quantize_weight: per output channel scales, the largest |w| maps to ±127, a zero row to 0", "[int8]") {
  nn::testing::for_each_target([] {
    const int64_t N = 9, K = 70;
    Case c = random_case(1, N, K, 5);
    std::fill_n(c.w.begin() + 4 * K, K, 0.f);  // row 4 is zero
    auto w8 = quantize_weight(N, K, c.w.data(), K);
    for (int64_t n = 0; n < N; ++n) {
      float m = 0.f;
      for (int64_t k = 0; k < K; ++k) m = std::max(m, std::abs(c.w[n * K + k]));
      REQUIRE(w8->scales[n] == m / 127.f);
      int32_t qmax = 0;
      for (int64_t k = 0; k < K; ++k) {
        const int32_t q = w8->q[n * K + k];
        qmax = std::max(qmax, std::abs(q));
        if (m > 0.f) REQUIRE(q == static_cast<int32_t>(std::nearbyint(c.w[n * K + k] * (1.f / w8->scales[n]))));
        REQUIRE(std::abs(c.w[n * K + k] - w8->scales[n] * q) <= w8->scales[n] * (0.5f + 1e-4f));
      }
      REQUIRE(qmax == (n == 4 ? 0 : 127));
    }
  });
}

TEST_CASE("gemm_int8: exact integer sums dequantized, and the fp32 product within the quantization bound",
          "[int8]") {
  // Shapes that are not multiples of 16 or 64, and bert-base's two FFN shapes at a few rows.
  for (const auto& [M, N, K] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
           {1, 1, 1}, {3, 17, 5}, {37, 70, 129}, {128, 96, 200}, {5, 3072, 768}, {2, 768, 3072}})
    check_case(random_case(M, N, K, static_cast<uint32_t>(M * 1000 + N)));
}

TEST_CASE("gemm_int8: a zero input row and a zero weight row give exactly the bias", "[int8]") {
  const int64_t M = 6, N = 20, K = 33;
  Case c = random_case(M, N, K, 21);
  std::fill_n(c.x.begin() + 2 * K, K, 0.f);   // input row 2
  std::fill_n(c.w.begin() + 7 * K, K, 0.f);   // output channel 7
  for (int64_t m = 0; m < M; ++m) c.x[m * K + 5] = 0.f;  // and an input column
  check_case(c);
  auto w8 = quantize_weight(N, K, c.w.data(), K);
  std::vector<float> y(static_cast<size_t>(M * N));
  gemm_int8(M, c.x.data(), K, *w8, c.bias.data(), y.data(), N, false);
  for (int64_t n = 0; n < N; ++n) REQUIRE(y[2 * N + n] == c.bias[n]);
  for (int64_t m = 0; m < M; ++m) REQUIRE(y[m * N + 7] == c.bias[7]);
}

TEST_CASE("gemm_int8: strided rows, no bias, GELU epilogue, many row counts on one weight", "[int8]") {
  const int64_t N = 40, K = 24, ldx = 31, ldy = 45;
  const Case c = random_case(1, N, K, 8);
  auto w8 = quantize_weight(N, K, c.w.data(), K);
  // More row counts than Int8Weight keeps layouts: the later ones may read q unblocked.
  for (int64_t M = 1; M <= 12; ++M) {
    INFO("M=" << M);
    const std::vector<float> x = random_values(static_cast<size_t>(M * ldx), -1.f, 1.f, static_cast<uint32_t>(M));
    std::vector<float> packed(static_cast<size_t>(M * K));
    for (int64_t m = 0; m < M; ++m) std::copy_n(x.begin() + m * ldx, K, packed.begin() + m * K);
    std::vector<float> y(static_cast<size_t>(M * ldy), 3.f), dense(static_cast<size_t>(M * N)), g(y.size(), 3.f);
    gemm_int8(M, x.data(), ldx, *w8, nullptr, y.data(), ldy, false);
    gemm_int8(M, packed.data(), K, *w8, nullptr, dense.data(), N, false);
    gemm_int8(M, x.data(), ldx, *w8, nullptr, g.data(), ldy, true);
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) {
        const float v = dense[m * N + n];
        REQUIRE(y[m * ldy + n] == v);
        // GELU (erf form) in double; oneDNN's gelu_erf is a polynomial fit good to a few fp32 ulps.
        const double gelu = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
        REQUIRE(std::abs(g[m * ldy + n] - gelu) <= 1e-6 * std::max(1.0, std::abs(gelu)));
      }
      for (int64_t n = N; n < ldy; ++n) REQUIRE(y[m * ldy + n] == 3.f);  // padding untouched
    }
  }
}
