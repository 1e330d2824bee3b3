// kernels/softmax.h — row softmax / log_softmax, their backward, and the fused cross-entropy
// (log-softmax + NLL + gradient in one sweep over the logits). Highway SIMD with dynamic
// dispatch, OpenMP over rows; every row subtracts its maximum before exponentiating.
// All matrices are dense row-major (rows, cols); each row is computed in a fixed order, so
// results never depend on the thread count.
#pragma once
#include <cstdint>

namespace nn::kernels {

// y = softmax(x) per row. x, y are (rows, cols); y may alias x.
void softmax_forward(const float* x, float* y, int64_t rows, int64_t cols);

// y = log_softmax(x) = x − max − log Σ exp(x − max) per row. x, y are (rows, cols); may alias.
void log_softmax_forward(const float* x, float* y, int64_t rows, int64_t cols);

// gx = y ⊙ (gy − Σ_j gy_j·y_j) per row, y the softmax output. All (rows, cols); gx may alias gy.
void softmax_backward(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols);

// gx = gy − exp(y)·Σ_j gy_j per row, y the log_softmax output. All (rows, cols); gx may alias gy.
void log_softmax_backward(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols);

// Fused cross-entropy. logits (rows, cols); targets (rows), each in [0, cols) or == ignore_index
// (the caller checks the range). Writes loss (rows): logsumexp(row) − row[target], 0 for ignored
// rows. If grad (rows, cols) is non-null also writes grad = (softmax(row) − onehot(target))·scale,
// and zeros for ignored rows: the whole backward of mean cross-entropy with scale = 1/count.
void cross_entropy_forward(const float* logits, const int64_t* targets, int64_t ignore_index,
                           float scale, float* loss, float* grad, int64_t rows, int64_t cols);

}  // namespace nn::kernels
