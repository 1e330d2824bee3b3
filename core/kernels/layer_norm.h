// kernels/layer_norm.h — fused LayerNorm over the last axis, forward and backward.
// Highway SIMD with dynamic dispatch, OpenMP over rows. x is (rows, cols) row-major, gamma and
// beta are (cols). Results never depend on the thread count: each row is reduced in a fixed
// order, and dgamma/dbeta are summed over fixed blocks of rows, then over blocks in order.
#pragma once
#include <cstdint>

namespace nn::kernels {

// y = (x − mean)·rstd·gamma + beta per row, with mean and rstd = 1/√(var + eps) of the row
// (biased variance). x, y (rows, cols); gamma, beta (cols); writes mean, rstd (rows) for backward.
void layer_norm_forward(const float* x, const float* gamma, const float* beta, float eps,
                        float* y, float* mean, float* rstd, int64_t rows, int64_t cols);

// Floats of scratch memory layer_norm_backward needs for (rows, cols).
int64_t layer_norm_backward_workspace(int64_t rows, int64_t cols);

// Backward of layer_norm_forward given gy (rows, cols) and the saved mean, rstd (rows):
// writes gx (rows, cols), dgamma = Σ_rows gy·x̂ and dbeta = Σ_rows gy (cols), x̂ = (x − mean)·rstd.
// workspace holds layer_norm_backward_workspace(rows, cols) floats.
void layer_norm_backward(const float* gy, const float* x, const float* gamma, const float* mean,
                         const float* rstd, float* gx, float* dgamma, float* dbeta,
                         float* workspace, int64_t rows, int64_t cols);

}  // namespace nn::kernels
