// kernels/bf16_tile.cc — implementation of kernels/bf16_tile.h.
//
// The product is a register-blocked micro-kernel: kRows rows of C by kVecs·16 columns, held in
// kRows·kVecs zmm accumulators; each step over a pair of K broadcasts A's 32-bit pair (A[i, 2p],
// A[i, 2p + 1]) of each row and multiplies it into kVecs loaded vectors of B's pair row with
// vdpbf16ps (acc += a_lo·b_lo + a_hi·b_hi per lane, fp32). Columns past N are masked off (loads
// give 0, stores skip them). The intrinsics are compiled for AVX512-BF16 in these functions only
// (target attribute) and called only when bf16_tiles_supported(): the rest of the library stays
// portable, and Highway 1.0.3 has no bf16 dot product (its ReorderWidenMulAccumulate for bf16
// promotes to fp32 and runs two FMAs).
#include "core/kernels/bf16_tile.h"

#include <immintrin.h>

#include <algorithm>

namespace nn::kernels {
namespace {

constexpr int kRows = 4;  // rows of C per micro-kernel call
constexpr int kVecs = 4;  // 16-float vectors of C per row: 64 columns

#define NN_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512bf16")))

// C[0..R, 0..n) (n ≤ 64) = alpha·A·B (+ C when accumulate) for R rows of A.
template <int R>
NN_BF16_TARGET void MicroKernel(int64_t n, int64_t kp, float alpha, const uint16_t* A, int64_t lda,
                                const uint32_t* B, int64_t ldb, bool accumulate, float* C, int64_t ldc) {
  __mmask16 mask[kVecs];
  for (int v = 0; v < kVecs; ++v) {
    const int64_t rest = std::clamp<int64_t>(n - 16 * v, 0, 16);
    mask[v] = static_cast<__mmask16>((1u << rest) - 1u);
  }
  __m512 acc[R][kVecs];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < kVecs; ++v) acc[r][v] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kp; ++p) {
    const uint32_t* brow = B + p * ldb;
    __m512i b[kVecs];
    for (int v = 0; v < kVecs; ++v) b[v] = _mm512_maskz_loadu_epi32(mask[v], brow + 16 * v);
    for (int r = 0; r < R; ++r) {
      uint32_t pair;
      __builtin_memcpy(&pair, A + r * lda + 2 * p, sizeof pair);
      const __m512i a = _mm512_set1_epi32(static_cast<int>(pair));
      for (int v = 0; v < kVecs; ++v)
        acc[r][v] = _mm512_dpbf16_ps(acc[r][v], reinterpret_cast<__m512bh>(a), reinterpret_cast<__m512bh>(b[v]));
    }
  }
  const __m512 va = _mm512_set1_ps(alpha);
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < kVecs; ++v) {
      if (!mask[v]) continue;
      float* c = C + r * ldc + 16 * v;
      __m512 x = _mm512_mul_ps(acc[r][v], va);
      if (accumulate) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask[v], c));
      _mm512_mask_storeu_ps(c, mask[v], x);
    }
}

}  // namespace

bool bf16_tiles_supported() {
  static const bool supported = __builtin_cpu_supports("avx512bf16");
  return supported;
}

void bf16_tile_gemm(int64_t M, int64_t N, int64_t kp, float alpha, const uint16_t* A, int64_t lda,
                    const uint32_t* B, int64_t ldb, bool accumulate, float* C, int64_t ldc) {
  constexpr int64_t kCols = 16 * kVecs;
  for (int64_t j = 0; j < N; j += kCols) {  // a panel of B stays in L1 across the rows of C
    const int64_t n = std::min(kCols, N - j);
    int64_t i = 0;
    for (; i + kRows <= M; i += kRows)
      MicroKernel<kRows>(n, kp, alpha, A + i * lda, lda, B + j, ldb, accumulate, C + i * ldc + j, ldc);
    const int64_t rest = M - i;
    const uint16_t* a = A + i * lda;
    float* c = C + i * ldc + j;
    if (rest == 3) MicroKernel<3>(n, kp, alpha, a, lda, B + j, ldb, accumulate, c, ldc);
    if (rest == 2) MicroKernel<2>(n, kp, alpha, a, lda, B + j, ldb, accumulate, c, ldc);
    if (rest == 1) MicroKernel<1>(n, kp, alpha, a, lda, B + j, ldb, accumulate, c, ldc);
  }
}

void bf16_pack_rows(int64_t m, int64_t n, const float* x, int64_t ldx, int64_t off, int64_t width,
                    uint16_t* dst) {
  for (int64_t r = 0; r < m; ++r) {
    uint16_t* row = dst + r * width;
    const float* src = x + r * ldx;
    std::fill(row, row + off, uint16_t{0});
    for (int64_t c = 0; c < n; ++c) row[off + c] = bf16_bits(src[c]);
    std::fill(row + off + n, row + width, uint16_t{0});
  }
}

void bf16_pack_cols(int64_t m, int64_t n, const float* x, int64_t ldx, int64_t off, int64_t width,
                    uint16_t* dst) {
  for (int64_t j = 0; j < n; ++j) {
    uint16_t* row = dst + j * width;
    std::fill(row, row + off, uint16_t{0});
    for (int64_t c = 0; c < m; ++c) row[off + c] = bf16_bits(x[c * ldx + j]);
    std::fill(row + off + m, row + width, uint16_t{0});
  }
}

void bf16_pack_pairs(int64_t rows, int64_t cols, const float* x, int64_t ldx, uint32_t* dst) {
  for (int64_t p = 0; 2 * p < rows; ++p) {
    const float* lo = x + 2 * p * ldx;
    const float* hi = 2 * p + 1 < rows ? lo + ldx : nullptr;
    uint32_t* out = dst + p * cols;
    for (int64_t c = 0; c < cols; ++c)
      out[c] = bf16_bits(lo[c]) | (hi ? static_cast<uint32_t>(bf16_bits(hi[c])) << 16 : 0u);
  }
}

void bf16_pack_pairs_t(int64_t rows, int64_t cols, const float* x, int64_t ldx, uint32_t* dst) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = x + r * ldx;
    for (int64_t p = 0; 2 * p < cols; ++p) {
      const uint32_t hi = 2 * p + 1 < cols ? static_cast<uint32_t>(bf16_bits(src[2 * p + 1])) << 16 : 0u;
      dst[p * rows + r] = bf16_bits(src[2 * p]) | hi;
    }
  }
}

}  // namespace nn::kernels
