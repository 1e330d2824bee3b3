// kernels/gemm.cc — gemm() and gemm_batched() on oneDNN: dnnl_sgemm and the matmul primitive.
//
// The wrapper adds what BLAS leaves to the caller: edge cases (empty products, K == 0), a range
// check on the 32-bit BLAS integers, the choice of how to thread a batch, and the choice of the
// backend for each product (choose_path(), by measurement):
//   - bf16 precision: the matmul primitive on bf16 operands (kernels/gemm_matmul.h);
//   - fp32, a linear layer's forward shape x·Wᵀ (A plain, B transposed): the matmul primitive in
//     fp32, which threads these better than dnnl_sgemm (bench_gemm's BM_GemmOurs vs
//     BM_GemmOneDnn, pass 0; 2 threads: 128 rows of bert-base's three linears 3.5 ms against
//     5.9 ms, the FFN down projection 407 against 171 GFLOP/s; 1024 rows 26.4 against 29.3 ms);
//   - fp32 otherwise (the backward's dx = dy·W and dW = dyᵀ·x, where dnnl_sgemm measured 10–15%
//     faster at 1024 rows), thin products (decoding, M < 32: dnnl_sgemm reads the weight once
//     for all rows) and products inside a parallel region (single-threaded): dnnl_sgemm.
//
// Why oneDNN and not OpenBLAS: Debian's OpenBLAS 0.3.21 runs its Haswell (AVX2) kernel on this
// AVX-512 CPU; oneDNN JIT-compiles AVX-512 kernels and measured 1.3–2.0× OpenBLAS on every BERT
// shape, from attention's 128×128×64 to the 2048×3072×768 FFN (bench_gemm's BM_GemmOpenBlas /
// BM_GemmOneDnn, docs/PERFORMANCE.md). For decoding (M = 1 to 4 rows against a weight) it reads
// the weight once for all rows: 2× four OpenBLAS GEMVs at M = 4, level with one GEMV at M = 1
// (BM_GemmSmallM), where OpenBLAS's sgemm packs the whole weight on every call (6× slower).
// Both oneDNN paths thread with OpenMP and run single-threaded inside a parallel region.
#include "core/kernels/gemm.h"

#include <dnnl.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <climits>

#include "core/error.h"
#include "core/kernels/elementwise.h"
#include "core/kernels/gemm_matmul.h"
#include "core/profile.h"

namespace nn::kernels {
namespace {

// Batched products at most this many multiply-adds each (M·N·K) run one per thread in parallel
// over the batch: a single-threaded call is efficient there (attention heads,
// 128×128×64), while threading each small call would spend its time synchronising.
constexpr int64_t kSmallGemm = int64_t{1} << 22;

std::atomic<GemmPrecision> g_precision{GemmPrecision::kF32};

// Products with fewer rows or columns than this stay on dnnl_sgemm in fp32: in bf16, rounding
// the operands costs O(M·K + K·N) per call against O(M·N·K) of work, and for decoding (M = 1)
// the conversion of the weight costs more than the fp32 product itself (bench_gemm, tokens:1).
// Products called from inside a parallel region (single-threaded: the attention kernel's per-head
// 128×128×64 products, gemm_batched's small ones) stay there too: measured at bert-base,
// attention at encoder batch 1 took 2.0 ms in fp32 against 2.5 ms in bf16, and a training step's
// attention forward + backward 85 ms against 97 ms — per-call rounding and primitive lookup
// outweigh the faster dot products at that size. (The attention kernel's bf16 mode rounds its
// operands once per call and multiplies them with its own tiles instead, kernels/bf16_tile.h.)
constexpr int64_t kMatmulMinSide = 32;

// The backend of one product (see the file comment).
enum class Path { kSgemm, kMatmulF32, kMatmulBf16 };

Path choose_path(bool trans_a, bool trans_b, int64_t M, int64_t N) {
  if (std::min(M, N) < kMatmulMinSide || omp_in_parallel()) return Path::kSgemm;
  if (g_precision.load(std::memory_order_relaxed) == GemmPrecision::kBf16) return Path::kMatmulBf16;
  return !trans_a && trans_b ? Path::kMatmulF32 : Path::kSgemm;
}

// The fp32 backend: one row-major single-precision GEMM, arguments already validated.
void backend_sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                   int64_t ldc) {
  const dnnl_status_t status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', M, N, K, alpha,
                                          A, lda, B, ldb, beta, C, ldc);
  NN_CHECK(status == dnnl_success, "gemm: dnnl_sgemm failed (status ", static_cast<int>(status),
           ") for M=", M, " N=", N, " K=", K);
}

// C = beta·C for the (M,N) matrix C (the whole product when K == 0); beta == 0 writes zeros.
void scale_matrix(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    float* row = C + i * ldc;
    if (beta == 0.f) std::fill_n(row, N, 0.f);
    else
      for (int64_t j = 0; j < N; ++j) row[j] *= beta;
  }
}

// Throws unless every size and leading dimension fits BLAS's int and the lds cover the rows.
void check_args(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, int64_t lda,
                int64_t ldb, int64_t ldc) {
  const int64_t a_cols = trans_a ? M : K, b_cols = trans_b ? K : N;
  NN_CHECK(M >= 0 && N >= 0 && K >= 0, "gemm: negative size M=", M, " N=", N, " K=", K);
  NN_CHECK(std::max({M, N, K, lda, ldb, ldc}) <= INT_MAX, "gemm: size M=", M, " N=", N, " K=", K,
           " exceeds the 32-bit BLAS interface");
  NN_CHECK(lda >= std::max<int64_t>(1, a_cols) && ldb >= std::max<int64_t>(1, b_cols) &&
               ldc >= std::max<int64_t>(1, N),
           "gemm: leading dimensions lda=", lda, " ldb=", ldb, " ldc=", ldc, " too small for M=", M,
           " N=", N, " K=", K);
}

// gemm() after check_args(), with an optional row bias (alpha must then be 1) and epilogue:
// handles the empty cases, then calls the backend of choose_path().
void gemm_unchecked(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                    const float* A, int64_t lda, const uint16_t* a16, const float* B, int64_t ldb,
                    const uint16_t* b16, const float* bias, float beta, float* C, int64_t ldc,
                    Epilogue epilogue, PackedWeight* packed_b) {
  if (M == 0 || N == 0) return;
  const Path path = K == 0 ? Path::kSgemm : choose_path(trans_a, trans_b, M, N);
  if (bias && path == Path::kSgemm) {  // C = beta·C + bias, then the product accumulates onto it
#pragma omp parallel for schedule(static) if (M * N > (1 << 16) && !omp_in_parallel())
    for (int64_t i = 0; i < M; ++i) {
      float* row = C + i * ldc;
      if (beta == 0.f) std::copy(bias, bias + N, row);
      else
        for (int64_t j = 0; j < N; ++j) row[j] = beta * row[j] + bias[j];
    }
    beta = 1.f;
    bias = nullptr;
  }
  const bool gelu = epilogue == Epilogue::kGelu;
  if (K > 0) profile::add_flops(2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K));
  if (path == Path::kMatmulBf16)
    return matmul_bf16(trans_a, trans_b, M, N, K, alpha, A, lda, a16, B, ldb, b16, bias, beta, C, ldc, gelu,
                       packed_b);
  if (path == Path::kMatmulF32)
    return matmul_f32(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, bias, beta, C, ldc, gelu);
  if (K == 0) scale_matrix(M, N, beta, C, ldc);
  else backend_sgemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  if (gelu)  // the epilogue as a pass over C's rows
    for (int64_t i = 0; i < M; ++i) unary(Unary::Gelu, C + i * ldc, C + i * ldc, N);
}

}  // namespace

void set_gemm_precision(GemmPrecision precision) { g_precision.store(precision); }

GemmPrecision gemm_precision() { return g_precision.load(); }

bool gemm_runs_bf16(int64_t M, int64_t N) {
  return choose_path(false, true, M, N) == Path::kMatmulBf16;  // bf16 does not depend on the transposes
}

GemmPrecision parse_gemm_precision(const std::string& name) {
  if (name == "fp32") return GemmPrecision::kF32;
  if (name == "bf16") return GemmPrecision::kBf16;
  if (name == "int8") return GemmPrecision::kInt8;
  fail("precision must be fp32, bf16 or int8, not '", name, "'");
}

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
          int64_t ldc) {
  if (M == 0 || N == 0) return;
  check_args(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  gemm_unchecked(trans_a, trans_b, M, N, K, alpha, A, lda, nullptr, B, ldb, nullptr, nullptr, beta, C, ldc,
                 Epilogue::kNone, nullptr);
}

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const uint16_t* a16, const float* B, int64_t ldb,
          const uint16_t* b16, const float* bias, float beta, float* C, int64_t ldc,
          Epilogue epilogue, PackedWeight* packed_b) {
  if (M == 0 || N == 0) return;
  check_args(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  NN_CHECK(!bias || alpha == 1.f, "gemm: a bias needs alpha = 1, got ", alpha);
  gemm_unchecked(trans_a, trans_b, M, N, K, alpha, A, lda, a16, B, ldb, b16, bias, beta, C, ldc, epilogue, packed_b);
}

void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                  float alpha, const float* A, int64_t lda, int64_t stride_a, const float* B,
                  int64_t ldb, int64_t stride_b, float beta, float* C, int64_t ldc,
                  int64_t stride_c) {
  if (batch <= 0 || M == 0 || N == 0) return;
  check_args(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  const bool per_thread = batch > 1 && M * N * K <= kSmallGemm && !omp_in_parallel();
  // Each iteration writes its own C matrix; inside the parallel loop dnnl_sgemm sees
  // omp_in_parallel() and runs single-threaded, so there is no oversubscription.
#pragma omp parallel for schedule(static) if (per_thread)
  for (int64_t n = 0; n < batch; ++n)
    gemm_unchecked(trans_a, trans_b, M, N, K, alpha, A + n * stride_a, lda, nullptr, B + n * stride_b,
                   ldb, nullptr, nullptr, beta, C + n * stride_c, ldc, Epilogue::kNone, nullptr);
}

}  // namespace nn::kernels
