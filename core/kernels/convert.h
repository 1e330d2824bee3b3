// kernels/convert.h — fp32 → bfloat16 packing for the bf16 GEMM path (Highway + OpenMP).
//
// bf16 keeps fp32's sign and 8 exponent bits and the top 7 mantissa bits. Conversion rounds to
// nearest, ties to even (add 0x7FFF plus the lowest kept bit, then drop the low 16 bits); a NaN
// stays a quiet NaN of the same sign; ±inf stays ±inf; values above bf16's largest finite round
// to ±inf, as in IEEE rounding.
#pragma once
#include <cstdint>

namespace nn::kernels {

// dst (rows, cols) packed row-major (row stride cols) = bf16(src), src (rows, cols) with row
// stride ld ≥ cols. Runs on all nn threads outside a parallel region, on one inside.
void fp32_to_bf16_rows(int64_t rows, int64_t cols, const float* src, int64_t ld, uint16_t* dst);

}  // namespace nn::kernels
