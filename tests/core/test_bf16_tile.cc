// test_bf16_tile.cc — the bf16 tile products (kernels/bf16_tile.h) against a double-precision
// product of the same bf16-rounded operands, through every packing: rows with an offset, columns
// (a transposed A), row pairs and column pairs (B and Bᵀ), with row and column tails.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/kernels/bf16_tile.h"
#include "core/tensor.h"

using namespace nn;

namespace {

// The float a bf16 bit pattern stands for.
double from_bf16(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float x;
  __builtin_memcpy(&x, &wide, sizeof x);
  return x;
}

}  // namespace

TEST_CASE("bf16_bits rounds to nearest even and keeps NaN quiet", "[bf16_tile]") {
  CHECK(kernels::bf16_bits(1.f) == 0x3f80);
  CHECK(kernels::bf16_bits(1.f + 0x1p-8f) == 0x3f80);              // tie: stays even
  CHECK(kernels::bf16_bits(1.f + 0x1p-7f + 0x1p-8f) == 0x3f82);    // tie: rounds up to even
  CHECK(kernels::bf16_bits(1.f + 0x1p-8f + 0x1p-12f) == 0x3f81);   // above the tie
  CHECK(std::isnan(from_bf16(kernels::bf16_bits(std::nanf("")))));
}

TEST_CASE("bf16 tile products match a double product of the rounded operands", "[bf16_tile]") {
  if (!kernels::bf16_tiles_supported()) {
    WARN("no AVX512-BF16 on this CPU: the bf16 tiles are not used here");
    return;
  }
  // (M, N, K): row tails (M mod 4), column tails (N mod 16, N > 64), odd K (a zero pair half).
  struct Case { int64_t M, N, K; };
  for (const Case c : {Case{1, 1, 1}, Case{5, 17, 6}, Case{7, 70, 9}, Case{128, 129, 64}, Case{3, 64, 2}})
    for (bool transposed : {false, true})
      for (bool accumulate : {false, true})
        for (int64_t off : {0, 1}) {
          INFO("M " << c.M << " N " << c.N << " K " << c.K << " transposed " << transposed << " acc " << accumulate
                    << " offset " << off);
          // A is (M, K), read from x (M, K) rows or from the columns of xt (K, M), at column offset
          // off (width K + off rounded up to even). B is (K, N), from y's row pairs or from yt's
          // column pairs.
          const Tensor x = Tensor::uniform({c.M, c.K}, 1, -1, 1), xt = Tensor::uniform({c.K, c.M}, 2, -1, 1);
          const Tensor y = Tensor::uniform({c.K, c.N}, 3, -1, 1), yt = Tensor::uniform({c.N, c.K}, 4, -1, 1);
          const int64_t width = c.K + off + ((c.K + off) & 1);
          std::vector<uint16_t> a(static_cast<size_t>(c.M * width));
          if (transposed) kernels::bf16_pack_cols(c.K, c.M, xt.data(), c.M, off, width, a.data());
          else kernels::bf16_pack_rows(c.M, c.K, x.data(), c.K, off, width, a.data());
          // B's pair rows must line up with A's columns: pad B with `off` zero rows in front.
          const int64_t kp = width / 2;
          std::vector<float> b_rows(static_cast<size_t>(width * c.N), 0.f);
          for (int64_t k = 0; k < c.K; ++k)
            for (int64_t n = 0; n < c.N; ++n)
              b_rows[static_cast<size_t>((k + off) * c.N + n)] = transposed ? yt.data()[n * c.K + k] : y.data()[k * c.N + n];
          std::vector<uint32_t> b(static_cast<size_t>(kp * c.N));
          if (transposed) {  // the same B from its transpose (N, width)
            std::vector<float> bt(static_cast<size_t>(c.N * width));
            for (int64_t k = 0; k < width; ++k)
              for (int64_t n = 0; n < c.N; ++n) bt[static_cast<size_t>(n * width + k)] = b_rows[static_cast<size_t>(k * c.N + n)];
            kernels::bf16_pack_pairs_t(c.N, width, bt.data(), width, b.data());
          } else {
            kernels::bf16_pack_pairs(width, c.N, b_rows.data(), c.N, b.data());
          }
          std::vector<float> out(static_cast<size_t>(c.M * (c.N + 3)), 0.5f);  // ldc > N: padding untouched
          const int64_t ldc = c.N + 3;
          kernels::bf16_tile_gemm(c.M, c.N, kp, 0.75f, a.data(), width, b.data(), c.N, accumulate, out.data(), ldc);
          for (int64_t i = 0; i < c.M; ++i)
            for (int64_t n = 0; n < ldc; ++n) {
              const float got = out[static_cast<size_t>(i * ldc + n)];
              if (n >= c.N) {
                REQUIRE(got == 0.5f);
                continue;
              }
              double want = 0, mag = 0;
              for (int64_t k = 0; k < c.K; ++k) {
                const float av = transposed ? xt.data()[k * c.M + i] : x.data()[i * c.K + k];
                const double t = from_bf16(kernels::bf16_bits(av)) *
                                 from_bf16(kernels::bf16_bits(b_rows[static_cast<size_t>((k + off) * c.N + n)]));
                want += t;
                mag += std::fabs(t);
              }
              want = 0.75 * want + (accumulate ? 0.5 : 0.0);
              // Products of bf16 values are exact in fp32; only the fp32 accumulation rounds: at most
              // K roundings of a partial sum ≤ Σ|terms|, plus the scaling and the addition of C.
              REQUIRE(std::fabs(got - want) <= (static_cast<double>(c.K) + 3) * 0x1p-24 * (mag + 1));
            }
        }
}
