// kernels/bf16_tile.h — single-threaded bf16 products for small tiles (the attention kernel's
// per-head products inside its OpenMP region), with AVX512-BF16's dot product (vdpbf16ps: bf16
// operands, fp32 accumulation), and the packings of their operands.
//
// Layouts. An A operand (M, K) is bf16 row-major, K even (pad with zeros), row stride lda even.
// A B operand (K, N) is "pair-packed": K/2 rows of N 32-bit words, word (p, n) holding
// B[2p, n] in its low half and B[2p + 1, n] in its high half (the operand order of vdpbf16ps),
// row stride ldb words. Rounding is to nearest even, as kernels/convert.h. Every function below but
// bf16_tiles_supported() and bf16_bits() runs AVX512-BF16 code: call them only when it is true.
#pragma once
#include <cstdint>

namespace nn::kernels {

// True when this CPU has AVX512-BF16 (the products below need it; callers stay fp32 otherwise).
bool bf16_tiles_supported();

// fp32 → bf16 bits, rounded to nearest even; NaN stays a quiet NaN (as kernels/convert.h).
inline uint16_t bf16_bits(float x) {
  uint32_t bits;
  __builtin_memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// C (M,N) = alpha·A·B, or += when accumulate. A (M, 2·kp) bf16 with row stride lda, B pair-packed
// (kp, N) with row stride ldb words, C fp32 with row stride ldc. Single-threaded.
void bf16_tile_gemm(int64_t M, int64_t N, int64_t kp, float alpha, const uint16_t* A, int64_t lda,
                    const uint32_t* B, int64_t ldb, bool accumulate, float* C, int64_t ldc);

// A operand from the rows of x (m, n) (row stride ldx): dst (m, width) with row stride width,
// dst[r, c] = bf16(x[r, c − off]) for off ≤ c < off + n, 0 elsewhere (off + n ≤ width).
void bf16_pack_rows(int64_t m, int64_t n, const float* x, int64_t ldx, int64_t off, int64_t width,
                    uint16_t* dst);

// A operand from the columns of x (m, n) (row stride ldx), i.e. of xᵀ: dst (n, width) with row
// stride width (even), dst[j, c] = bf16(x[c − off, j]) for off ≤ c < off + m, 0 elsewhere.
void bf16_pack_cols(int64_t m, int64_t n, const float* x, int64_t ldx, int64_t off, int64_t width,
                    uint16_t* dst);

// B operand (rows, cols) from x (rows, cols) (row stride ldx): dst (⌈rows/2⌉, cols) words, row
// stride cols, pairing rows 2p and 2p + 1 (a missing last row is 0).
void bf16_pack_pairs(int64_t rows, int64_t cols, const float* x, int64_t ldx, uint32_t* dst);

// B operand xᵀ (cols, rows) from x (rows, cols) (row stride ldx): dst (⌈cols/2⌉, rows) words,
// row stride rows, word (p, r) pairing x[r, 2p] and x[r, 2p + 1] (a missing last column is 0).
void bf16_pack_pairs_t(int64_t rows, int64_t cols, const float* x, int64_t ldx, uint32_t* dst);

}  // namespace nn::kernels
