// kernels/gemm_matmul.h — gemm() products through oneDNN's matmul primitive: bf16 operands
// (rounded here, or by the caller) with fp32 accumulation and output, or plain fp32. Internal to
// the core: gemm() (kernels/gemm.h) chooses this path, callers never call it directly.
#pragma once
#include <cstdint>

namespace nn::kernels {

// gemm()'s contract (arguments already checked, M, N, K > 0) with A and B rounded to bf16.
// a16 / b16, when not null, are A / B already rounded (their stored matrices packed row-major)
// and are used instead of rounding A / B again. bias (N floats, may be null; alpha must be 1) is
// added to every row of the product; gelu applies GELU (erf form) to the result as a post-op.
void matmul_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                 const float* A, int64_t lda, const uint16_t* a16, const float* B, int64_t ldb,
                 const uint16_t* b16, const float* bias, float beta, float* C, int64_t ldc, bool gelu);

// gemm()'s contract (arguments already checked, M, N, K > 0) in fp32, plus an optional row bias
// and GELU as in matmul_bf16.
void matmul_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, const float* bias, float beta,
                float* C, int64_t ldc, bool gelu);

}  // namespace nn::kernels
