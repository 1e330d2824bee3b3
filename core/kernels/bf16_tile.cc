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
// All 16 lanes (the maskz forms of the intrinsics: GCC 12 warns about the undefined source of the
// plain ones).
constexpr __mmask16 kAll = 0xffff;

#define NN_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// One row's step: x_v += a·b_v (vdpbf16ps) for the row's broadcast pair a and B's kVecs vectors.
NN_BF16_TARGET inline __attribute__((always_inline)) void RowStep(__m512bh a, const __m512bh* b, __m512& x0,
                                                                  __m512& x1, __m512& x2, __m512& x3) {
  x0 = _mm512_dpbf16_ps(x0, a, b[0]);
  x1 = _mm512_dpbf16_ps(x1, a, b[1]);
  x2 = _mm512_dpbf16_ps(x2, a, b[2]);
  x3 = _mm512_dpbf16_ps(x3, a, b[3]);
}

// Row r of A's pair p, broadcast to every lane.
NN_BF16_TARGET inline __attribute__((always_inline)) __m512bh PairOf(const uint16_t* A, int64_t lda, int r,
                                                                      int64_t p) {
  uint32_t pair;
  __builtin_memcpy(&pair, A + r * lda + 2 * p, sizeof pair);
  return (__m512bh)_mm512_set1_epi32(static_cast<int>(pair));
}

// One row's result: c[0, 16·kVecs) = alpha·x (+ c) over the masked lanes.
NN_BF16_TARGET inline __attribute__((always_inline)) void StoreRow(const __mmask16* mask, float alpha,
                                                                   bool accumulate, float* c, __m512 x0,
                                                                   __m512 x1, __m512 x2, __m512 x3) {
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 x[kVecs] = {x0, x1, x2, x3};
  for (int v = 0; v < kVecs; ++v) {
    __m512 y = _mm512_mul_ps(x[v], va);
    if (accumulate) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(mask[v], c + 16 * v));
    _mm512_mask_storeu_ps(c + 16 * v, mask[v], y);
  }
}

// C[0..R, 0..n) (n ≤ 64) = alpha·A·B (+ C when accumulate) for R ≤ kRows rows of A. The
// accumulators are named variables (an array of them would live on the stack: too large for
// the compiler's scalar replacement).
template <int R>
NN_BF16_TARGET void MicroKernel(int64_t n, int64_t kp, float alpha, const uint16_t* A, int64_t lda,
                                const uint32_t* B, int64_t ldb, bool accumulate, float* C, int64_t ldc) {
  static_assert(kVecs == 4 && R >= 1 && R <= kRows, "RowStep and StoreRow handle 4 vectors");
  __mmask16 mask[kVecs];
  for (int v = 0; v < kVecs; ++v) {
    const int64_t rest = std::clamp<int64_t>(n - 16 * v, 0, 16);
    mask[v] = static_cast<__mmask16>((1u << rest) - 1u);
  }
  const __m512 z = _mm512_setzero_ps();
  __m512 c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
  __m512 c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
  for (int64_t p = 0; p < kp; ++p) {
    const uint32_t* brow = B + p * ldb;
    __m512bh b[kVecs];
    for (int v = 0; v < kVecs; ++v) b[v] = (__m512bh)_mm512_maskz_loadu_epi32(mask[v], brow + 16 * v);
    RowStep(PairOf(A, lda, 0, p), b, c00, c01, c02, c03);
    if constexpr (R > 1) RowStep(PairOf(A, lda, 1, p), b, c10, c11, c12, c13);
    if constexpr (R > 2) RowStep(PairOf(A, lda, 2, p), b, c20, c21, c22, c23);
    if constexpr (R > 3) RowStep(PairOf(A, lda, 3, p), b, c30, c31, c32, c33);
  }
  StoreRow(mask, alpha, accumulate, C, c00, c01, c02, c03);
  if constexpr (R > 1) StoreRow(mask, alpha, accumulate, C + ldc, c10, c11, c12, c13);
  if constexpr (R > 2) StoreRow(mask, alpha, accumulate, C + 2 * ldc, c20, c21, c22, c23);
  if constexpr (R > 3) StoreRow(mask, alpha, accumulate, C + 3 * ldc, c30, c31, c32, c33);
}

// bf16_bits of 16 floats, each in the high half of its 32-bit lane (the low half is garbage):
// round to nearest even by adding 0x7FFF plus the lowest kept bit; a NaN keeps its bits, made
// quiet.
NN_BF16_TARGET inline __attribute__((always_inline)) __m512i RoundHigh(__m512 x) {
  const __m512i bits = _mm512_castps_si512(x);
  const __m512i lsb = _mm512_and_si512(_mm512_maskz_srli_epi32(kAll, bits, 16), _mm512_set1_epi32(1));
  const __m512i rounded = _mm512_add_epi32(bits, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), lsb));
  const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  return _mm512_mask_mov_epi32(rounded, nan, _mm512_or_si512(bits, _mm512_set1_epi32(0x00400000)));
}

// dst[c] = bf16_bits(src[c]) for c < n.
NN_BF16_TARGET void RoundRow(const float* src, int64_t n, uint16_t* dst) {
  for (int64_t c = 0; c < n; c += 16) {
    const auto mask = static_cast<__mmask16>((1u << std::min<int64_t>(n - c, 16)) - 1u);
    const __m512i r = RoundHigh(_mm512_maskz_loadu_ps(mask, src + c));
    _mm256_mask_storeu_epi16(dst + c, mask, _mm512_maskz_cvtepi32_epi16(kAll, _mm512_maskz_srli_epi32(kAll, r, 16)));
  }
}

// dst[c] = bf16_bits(lo[c]) | bf16_bits(hi[c]) << 16 for c < n (lo or hi may be null: 0).
NN_BF16_TARGET void RoundPairRow(const float* lo, const float* hi, int64_t n, uint32_t* dst) {
  for (int64_t c = 0; c < n; c += 16) {
    const auto mask = static_cast<__mmask16>((1u << std::min<int64_t>(n - c, 16)) - 1u);
    const __m512i l = lo ? _mm512_maskz_srli_epi32(kAll, RoundHigh(_mm512_maskz_loadu_ps(mask, lo + c)), 16)
                         : _mm512_setzero_si512();
    const __m512i h = hi ? _mm512_and_si512(RoundHigh(_mm512_maskz_loadu_ps(mask, hi + c)),
                                            _mm512_set1_epi32(static_cast<int>(0xffff0000u)))
                         : _mm512_setzero_si512();
    _mm512_mask_storeu_epi32(dst + c, mask, _mm512_or_si512(l, h));
  }
}

// bf16_pack_pairs_t for 16 rows at a time: each row's chunk of up to 64 columns is rounded into a
// row of t (its pairs as words, an odd chunk's missing column 0), then word p of the 16 rows is
// gathered into 16 consecutive words of dst's pair row p (rows past `rows` are masked off).
NN_BF16_TARGET void PackPairsT16(int64_t rows, int64_t cols, const float* x, int64_t ldx, uint32_t* dst) {
  constexpr int64_t kChunkCols = 64, kWords = kChunkCols / 2;
  alignas(64) uint32_t t[16][kWords];
  const __m512i idx = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                         _mm512_set1_epi32(kWords));
  for (int64_t r0 = 0; r0 < rows; r0 += 16) {
    const int64_t nr = std::min<int64_t>(16, rows - r0);
    const auto rmask = static_cast<__mmask16>((1u << nr) - 1u);
    for (int64_t c0 = 0; c0 < cols; c0 += kChunkCols) {
      const int64_t cc = std::min(kChunkCols, cols - c0), np = (cc + 1) / 2;
      for (int64_t i = 0; i < nr; ++i) {
        auto* half = reinterpret_cast<uint16_t*>(t[i]);
        RoundRow(x + (r0 + i) * ldx + c0, cc, half);
        if (cc & 1) half[cc] = 0;
      }
      for (int64_t p = 0; p < np; ++p) {
        const __m512i w = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), rmask, idx, &t[0][p], 4);
        _mm512_mask_storeu_epi32(dst + (c0 / 2 + p) * rows + r0, rmask, w);
      }
    }
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
    RoundRow(src, n, row + off);
    std::fill(row + off + n, row + width, uint16_t{0});
  }
}

void bf16_pack_cols(int64_t m, int64_t n, const float* x, int64_t ldx, int64_t off, int64_t width,
                    uint16_t* dst) {
  // Column pair cp of dst holds x's rows 2cp − off and 2cp + 1 − off (0 outside [0, m)): round
  // the two rows into 32-bit words, then store word j at row j of dst.
  constexpr int64_t kChunk = 64;
  uint32_t words[kChunk];
  for (int64_t cp = 0; 2 * cp < width; ++cp) {
    const int64_t r0 = 2 * cp - off, r1 = r0 + 1;
    const float* lo = r0 >= 0 && r0 < m ? x + r0 * ldx : nullptr;
    const float* hi = r1 >= 0 && r1 < m ? x + r1 * ldx : nullptr;
    for (int64_t j0 = 0; j0 < n; j0 += kChunk) {
      const int64_t count = std::min(kChunk, n - j0);
      RoundPairRow(lo ? lo + j0 : nullptr, hi ? hi + j0 : nullptr, count, words);
      for (int64_t j = 0; j < count; ++j) __builtin_memcpy(dst + (j0 + j) * width + 2 * cp, &words[j], sizeof words[j]);
    }
  }
}

void bf16_pack_pairs(int64_t rows, int64_t cols, const float* x, int64_t ldx, uint32_t* dst) {
  for (int64_t p = 0; 2 * p < rows; ++p) {
    const float* lo = x + 2 * p * ldx;
    const float* hi = 2 * p + 1 < rows ? lo + ldx : nullptr;
    RoundPairRow(lo, hi, cols, dst + p * cols);
  }
}

void bf16_pack_pairs_t(int64_t rows, int64_t cols, const float* x, int64_t ldx, uint32_t* dst) {
  PackPairsT16(rows, cols, x, ldx, dst);
}

}  // namespace nn::kernels
