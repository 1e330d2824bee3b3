// kernels/gemm.h — the one GEMM interface of the core (single precision, row-major).
//
// Every matrix product of nnbert goes through gemm()/gemm_batched(): transposes are BLAS flags,
// never copies. Backends: oneDNN's dnnl_sgemm and its matmul primitive (AVX-512 JIT kernels),
// chosen per product by measurement (gemm.cc; why not OpenBLAS: gemm.cc).
//
// Threads: a call made outside a parallel region uses all nn threads (OpenMP). Called from inside
// an OpenMP parallel region, a product runs single-threaded on dnnl_sgemm, which is what the
// attention kernel relies on for its per-head fp32 GEMMs (in bf16 it has its own tiles,
// kernels/bf16_tile.h).
#pragma once
#include <cstdint>
#include <string>

namespace nn::kernels {

struct PackedWeight;  // a weight's blocked bf16 copies (kernels/gemm_matmul.h)

// The precision of every gemm() product: fp32 operands (the default), or bf16 operands with fp32
// accumulation and output (mixed precision, like PyTorch's bf16 autocast for matmuls: about 2× the
// fp32 rate on AVX512-BF16, at bf16's 8-bit mantissa for the operands; products with fewer than
// 32 rows or columns, such as decoding's M = 1, and products called from inside an OpenMP
// parallel region stay fp32, see gemm.cc; the attention kernel follows bf16 with its own bf16 tiles,
// kernels/attention.h), or int8 for inference: gemm() stays fp32, and linear layers without
// gradients run the int8 matmul (dynamic quantization, kernels/gemm_int8.h; core/ops linear()
// refuses gradients in int8).
// Process-wide.
enum class GemmPrecision { kF32, kBf16, kInt8 };
// Sets the precision of all later gemm()/gemm_batched() calls.
void set_gemm_precision(GemmPrecision precision);
// The current gemm precision.
GemmPrecision gemm_precision();
// Parses "fp32", "bf16" or "int8" (the command-line spelling); throws nn::Error naming the choices.
GemmPrecision parse_gemm_precision(const std::string& name);

// Sets a gemm precision for a scope and restores the previous one on exit.
class GemmPrecisionScope {
 public:
  explicit GemmPrecisionScope(GemmPrecision precision) : saved_(gemm_precision()) {
    set_gemm_precision(precision);
  }
  ~GemmPrecisionScope() { set_gemm_precision(saved_); }
  GemmPrecisionScope(const GemmPrecisionScope&) = delete;
  GemmPrecisionScope& operator=(const GemmPrecisionScope&) = delete;

 private:
  GemmPrecision saved_;
};

// C = alpha·op(A)·op(B) + beta·C, all row-major. op(A) is (M,K): A is (M,K) with row stride
// lda ≥ K, or (K,M) with lda ≥ M when trans_a. op(B) is (K,N): B is (K,N) with ldb ≥ N, or
// (N,K) with ldb ≥ K when trans_b. C is (M,N) with ldc ≥ N. K == 0 gives C = beta·C
// (beta == 0 writes zeros, whatever C held); M == 0 or N == 0 does nothing.
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
          int64_t ldc);

// True when gemm() runs an (M, N) product in bf16: bf16 precision, M, N ≥ 32 and not inside an
// OpenMP parallel region (gemm.cc).
bool gemm_runs_bf16(int64_t M, int64_t N);

// gemm() with operands already rounded to bf16 at hand and an optional row bias. a16 (may be
// null) holds A's stored matrix ((M,K), or (K,M) when trans_a) rounded to bf16 and packed
// row-major (row stride = its column count), b16 likewise B's; a bf16 product uses them instead
// of rounding A and B again, an fp32 product ignores them. bias (N floats, may be null; needs
// alpha = 1) is added to every row: C = op(A)·op(B) + beta·C + bias (bf16: the matmul's own bias
// input; fp32: C starts as beta·C + bias and the GEMM accumulates onto it). Callers that reuse an
// operand across products (a weight in forward and backward, a gradient in two products) round
// it once (kernels/convert.h). An epilogue is applied to the whole result (GELU: C = gelu(…), in
// the matmul primitive's post-op or as a pass over C; inference's fused dense + GELU). packed_b
// (may be null) keeps B's copies in the blocked layouts a bf16 product reads fastest.
enum class Epilogue { kNone, kGelu };
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const uint16_t* a16, const float* B, int64_t ldb,
          const uint16_t* b16, const float* bias, float beta, float* C, int64_t ldc,
          Epilogue epilogue = Epilogue::kNone, PackedWeight* packed_b = nullptr);

// `batch` independent gemm() calls: matrix n of A starts at A + n·stride_a (likewise B, C).
// A stride of 0 shares one matrix across the batch. Small products run in parallel over the
// batch (one single-threaded GEMM per thread), large ones one after the other, each threaded.
void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                  float alpha, const float* A, int64_t lda, int64_t stride_a, const float* B,
                  int64_t ldb, int64_t stride_b, float beta, float* C, int64_t ldc,
                  int64_t stride_c);

}  // namespace nn::kernels
