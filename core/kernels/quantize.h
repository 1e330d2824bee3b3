// kernels/quantize.h — fp32 → 8-bit integers for the int8 GEMM (kernels/gemm_int8.h).
//
// Activations: per-tensor asymmetric u8, the range [lo, hi] = [min(0, min x), max(0, max x)]
// mapped onto 0..255, so 0 is exact: scale = (hi − lo)/255, zero_point = round(−lo/scale),
// q = clamp(round(x·(1/scale)) + zero_point, 0, 255), x ≈ scale·(q − zero_point). An all-zero
// tensor gets scale 1, zero point 0. Weights: per row (output channel) symmetric s8,
// scale = max|w|/127, q = clamp(round(w·(1/scale)), −127, 127) (a zero row: scale 0, q 0).
// Rounding is to nearest, ties to even, in both.
#pragma once
#include <cstdint>

namespace nn::kernels {

// How u8 integers map back to reals: x ≈ scale·(q − zero_point).
struct U8Quant {
  float scale = 1.f;
  int32_t zero_point = 0;
};

// The u8 quantization of values spanning [lo, hi] (lo ≤ 0 ≤ hi, as the file comment says).
U8Quant u8_quant_for_range(float lo, float hi);

// Quantizes x (rows, cols), row stride ld ≥ cols, per tensor into q (rows, cols) packed
// row-major, and returns the quantization used. Threads over rows outside a parallel region.
U8Quant quantize_u8(int64_t rows, int64_t cols, const float* x, int64_t ld, uint8_t* q);

// Quantizes w (rows, cols), row stride ld ≥ cols, per row into q (rows, cols) packed row-major
// and scales (rows): symmetric s8 as the file comment says.
void quantize_s8_rows(int64_t rows, int64_t cols, const float* w, int64_t ld, int8_t* q, float* scales);

}  // namespace nn::kernels
