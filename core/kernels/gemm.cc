// kernels/gemm.cc — gemm() and gemm_batched() on top of OpenBLAS cblas_sgemm.
//
// The wrapper adds only what BLAS leaves to the caller: edge cases (empty products, K == 0),
// a range check on the 32-bit BLAS integers, and the choice of how to thread a batch. The one
// backend call is blas_sgemm(); a second backend (oneDNN matmul) would be chosen there.
#include "core/kernels/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <climits>

#include "core/error.h"

namespace nn::kernels {
namespace {

// Batched products at most this many multiply-adds each (M·N·K) run one per thread in parallel
// over the batch: a single-threaded OpenBLAS call is efficient there (attention heads,
// 128×128×64), while threading each small call would spend its time synchronising.
constexpr int64_t kSmallGemm = int64_t{1} << 22;

// Products with at most this many rows of op(A) go to GEMV, one cblas_sgemv per row: OpenBLAS
// 0.3.21's sgemm packs the whole of B on every call, which for a decode step (M = 1, B a weight
// matrix) costs more than the product itself, and its 2-thread sgemm at small M stalls for
// milliseconds when the cores are shared. Measured with BM_GemmSmallM (bench/bench_gemm.cc) on
// the bert-base decode shapes: at M = 4 GEMV rows cost about what sgemm does on one thread over a
// whole base step, and 2–10× less at 2 threads on a loaded machine; at M = 8 sgemm wins on one
// thread. See docs/PERFORMANCE.md, "Decoding".
constexpr int64_t kGemvMaxRows = 4;

// C = alpha·op(A)·op(B) + beta·C as one GEMV per row of C: row i of op(A) is a vector (stride 1,
// or lda when trans_a), op(B) the matrix; cblas_sgemv reads B once per row.
void blas_sgemv_rows(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                     const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                     int64_t ldc) {
  // Row-major B is (N,K) when trans_b: C_i = B·a_i (NoTrans); else (K,N): C_i = Bᵀ·a_i (Trans).
  const blasint rows = static_cast<blasint>(trans_b ? N : K), cols = static_cast<blasint>(trans_b ? K : N);
  const blasint inc_a = static_cast<blasint>(trans_a ? lda : 1);
  for (int64_t i = 0; i < M; ++i)
    cblas_sgemv(CblasRowMajor, trans_b ? CblasNoTrans : CblasTrans, rows, cols, alpha, B,
                static_cast<blasint>(ldb), trans_a ? A + i : A + i * lda, inc_a, beta, C + i * ldc, 1);
}

// The backend: one row-major single-precision GEMM, arguments already validated.
void blas_sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                int64_t ldc) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K), alpha, A,
              static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C,
              static_cast<blasint>(ldc));
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

// gemm() after check_args(): handles the empty cases, then calls the backend.
void gemm_unchecked(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                    const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                    int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) return scale_matrix(M, N, beta, C, ldc);
  if (M <= kGemvMaxRows) return blas_sgemv_rows(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  blas_sgemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
          int64_t ldc) {
  if (M == 0 || N == 0) return;
  check_args(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  gemm_unchecked(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                  float alpha, const float* A, int64_t lda, int64_t stride_a, const float* B,
                  int64_t ldb, int64_t stride_b, float beta, float* C, int64_t ldc,
                  int64_t stride_c) {
  if (batch <= 0 || M == 0 || N == 0) return;
  check_args(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  const bool per_thread = batch > 1 && M * N * K <= kSmallGemm && !omp_in_parallel();
  // Each iteration writes its own C matrix; inside the parallel loop OpenBLAS (OpenMP build)
  // sees omp_in_parallel() and runs single-threaded, so there is no oversubscription.
#pragma omp parallel for schedule(static) if (per_thread)
  for (int64_t n = 0; n < batch; ++n)
    gemm_unchecked(trans_a, trans_b, M, N, K, alpha, A + n * stride_a, lda, B + n * stride_b, ldb,
                   beta, C + n * stride_c, ldc);
}

}  // namespace nn::kernels
