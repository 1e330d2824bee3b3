// kernels/gemm_bf16.h — the bf16 path behind gemm(): operands rounded to bfloat16, products
// accumulated and written in fp32 (oneDNN matmul on AVX512-BF16 dot products). Internal to the
// core: callers choose it with set_gemm_precision() (kernels/gemm.h), never directly.
#pragma once
#include <cstdint>

namespace nn::kernels {

// gemm()'s contract (arguments already checked, M, N, K > 0) with A and B rounded to bf16.
// a16 / b16, when not null, are A / B already rounded (their stored matrices packed row-major)
// and are used instead of rounding A / B again. bias (N floats, may be null; alpha must be 1) is
// added to every row of the product.
void gemm_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const uint16_t* a16, const float* B, int64_t ldb,
               const uint16_t* b16, const float* bias, float beta, float* C, int64_t ldc);

}  // namespace nn::kernels
