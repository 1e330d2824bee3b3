// kernels/gemm_matmul.h — gemm() products through oneDNN's matmul primitive: bf16 operands
// (rounded here, or by the caller) with fp32 accumulation and output, or plain fp32. Internal to
// the core: gemm() (kernels/gemm.h) chooses this path, callers never call it directly.
#pragma once
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace nn::kernels {

// One weight's bf16 copies in the blocked layouts oneDNN's matmul kernels read directly, each made
// on first use by reordering the plain bf16 copy, kept by the owner (a Bf16WeightScope entry).
// Measured at 128 rows, 24 distinct bert-base weights in turn (weights from memory, as in a
// forward): 851–890 GFLOP/s packed against 709–777 plain, where each call re-blocks the weight.
struct PackedWeight {
  static constexpr size_t kMaxLayouts = 4;  // more distinct layouts: round B on every call
  std::mutex mutex;
  std::vector<std::pair<dnnl::memory::desc, std::vector<uint8_t>>> layouts;
};

// gemm()'s contract (arguments already checked, M, N, K > 0) with A and B rounded to bf16.
// a16 / b16, when not null, are A / B already rounded (their stored matrices packed row-major)
// and are used instead of rounding A / B again. bias (N floats, may be null; alpha must be 1) is
// added to every row of the product; gelu applies GELU (erf form) to the result as a post-op.
// packed_b (may be null) keeps B's blocked copies: the product then reads B in the layout its
// primitive prefers (made once per layout, from b16 or from B) instead of re-blocking every call.
void matmul_bf16(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                 const float* A, int64_t lda, const uint16_t* a16, const float* B, int64_t ldb,
                 const uint16_t* b16, const float* bias, float beta, float* C, int64_t ldc, bool gelu,
                 PackedWeight* packed_b);

// gemm()'s contract (arguments already checked, M, N, K > 0) in fp32, plus an optional row bias
// and GELU as in matmul_bf16.
void matmul_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, const float* bias, float beta,
                float* C, int64_t ldc, bool gelu);

}  // namespace nn::kernels
