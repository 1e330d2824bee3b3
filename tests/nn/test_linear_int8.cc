// test_linear_int8.cc — nn::Linear in int8 precision (dynamic quantization) against the same
// layer in fp32: within the error the quantization steps allow (bound derived below), the same
// numbers whether the weight's int8 copy is kept by a Bf16WeightScope or made per call, and a
// clear refusal when gradients are needed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/kernels/gemm.h"
#include "nn/linear.h"

using namespace nn;

namespace {

Tensor random_input(const Shape& shape, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (auto& e : v) e = normal(gen);
  return Tensor::from_data(shape, v);
}

}  // namespace

TEST_CASE("Linear in int8: the fp32 output within the quantization bound, kept copy or not", "[int8]") {
  const int64_t in = 200, out = 70;
  Linear layer(in, out, true, 0.05f, 3);
  {
    std::vector<float> b = random_input({out}, 4).to_vector();
    std::copy(b.begin(), b.end(), layer.bias.data());
  }
  const Tensor x = random_input({2, 5, in}, 5);
  const NoGradGuard no_grad;
  const std::vector<float> y32 = layer.forward(x).to_vector();
  std::vector<float> y8, y8_kept;
  {
    const kernels::GemmPrecisionScope int8(kernels::GemmPrecision::kInt8);
    y8 = layer.forward(x).to_vector();
    const Bf16WeightScope keep;
    y8_kept = layer.forward(x).to_vector();
    REQUIRE(bf16_weights_kept() == 1);
    REQUIRE(layer.forward(x).to_vector() == y8_kept);  // the kept copy, reused
  }
  REQUIRE(y8_kept == y8);  // quantizing once or per call: the same integers

  // The quantization steps, from the data: x per tensor, u8 over [min(0, min x), max(0, max x)];
  // W per output row, s8 symmetric.
  const std::vector<float> xv = x.to_vector(), wv = layer.weight.to_vector();
  const auto [lo, hi] = std::minmax_element(xv.begin(), xv.end());
  const double xs = (std::max(0.f, *hi) - std::min(0.f, *lo)) / 255.0;
  const int64_t rows = 10;
  double worst = 0.0;
  for (int64_t n = 0; n < out; ++n) {
    double m = 0.0;
    for (int64_t k = 0; k < in; ++k) m = std::max(m, double(std::abs(wv[n * in + k])));
    const double ws = m / 127.0;
    for (int64_t r = 0; r < rows; ++r) {
      // x = x̂ + ex, |ex| ≤ xs/2; w = ŵ + ew, |ew| ≤ ws/2. x·w − x̂·ŵ = ex·w + x·ew − ex·ew, so
      // |error| ≤ Σ_k xs/2·|w_k| + |x_k|·ws/2 + xs·ws/4; fp32 rounding adds far less than 1e-5.
      double bound = 1e-5;
      for (int64_t k = 0; k < in; ++k)
        bound += xs / 2 * std::abs(wv[n * in + k]) + std::abs(xv[r * in + k]) * ws / 2 + xs * ws / 4;
      const double err = std::abs(double(y8[r * out + n]) - y32[r * out + n]);
      REQUIRE(err <= bound);
      worst = std::max(worst, err / bound);
    }
  }
  INFO("largest error / bound " << worst);
  REQUIRE(worst > 0.0);  // int8 really ran: it differs from fp32
}

TEST_CASE("Linear in int8 refuses gradients with a clear error", "[int8]") {
  Linear layer(8, 4, true, 0.1f, 1);
  const Tensor x = random_input({3, 8}, 2);
  const kernels::GemmPrecisionScope int8(kernels::GemmPrecision::kInt8);
  REQUIRE_THROWS_WITH(layer.forward(x), Catch::Contains("int8 precision is for inference only"));
}

TEST_CASE("parse_gemm_precision accepts int8", "[int8]") {
  REQUIRE(kernels::parse_gemm_precision("int8") == kernels::GemmPrecision::kInt8);
  REQUIRE_THROWS_WITH(kernels::parse_gemm_precision("int4"), Catch::Contains("fp32, bf16 or int8"));
}
