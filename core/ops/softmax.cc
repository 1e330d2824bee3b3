// ops/softmax.cc — softmax and log_softmax over the last axis, with their backward.
// Every leading dim is flattened into rows; the kernels (core/kernels/softmax.h) work on dense
// (rows, cols) matrices, so strided inputs are copied to contiguous ones first.
#include "core/autograd.h"
#include "core/kernels/softmax.h"
#include "core/ops.h"
#include "core/profile.h"

namespace nn {
namespace {

// Checks x can be softmaxed over its last axis and returns that axis' length.
int64_t last_axis(const Tensor& x, const char* op) {
  NN_CHECK(x.dtype() == DType::F32, op, ": needs an F32 tensor, got ", dtype_name(x.dtype()));
  NN_CHECK(x.dim() >= 1, op, ": needs at least one dimension, got shape ", x.shape());
  return x.shape().back();
}

}  // namespace

Tensor softmax(const Tensor& x) {
  const profile::Scope prof("softmax");
  const int64_t cols = last_axis(x, "softmax");
  const Tensor xc = x.detach().contiguous();
  Tensor y = Tensor::empty(x.shape());
  const int64_t rows = cols ? x.numel() / cols : 0;
  kernels::softmax_forward(xc.data(), y.data(), rows, cols);
  if (needs_grad({&x})) {
    // y_j = e^{x_j}/Σ_k e^{x_k}  ⇒  ∂y_j/∂x_i = y_j(δ_ij − y_i)
    // ⇒  ∂L/∂x_i = Σ_j g_j·y_j(δ_ij − y_i) = y_i·(g_i − Σ_j g_j·y_j).
    record(y, "softmax", {x}, [yd = y.detach(), rows, cols](const Tensor& gy) {
      const Tensor g = gy.contiguous();
      Tensor gx = Tensor::empty(yd.shape());
      kernels::softmax_backward(yd.data(), g.data(), gx.data(), rows, cols);
      return std::vector<Tensor>{gx};
    });
  }
  return y;
}

Tensor log_softmax(const Tensor& x) {
  const profile::Scope prof("log_softmax");
  const int64_t cols = last_axis(x, "log_softmax");
  const Tensor xc = x.detach().contiguous();
  Tensor y = Tensor::empty(x.shape());
  const int64_t rows = cols ? x.numel() / cols : 0;
  kernels::log_softmax_forward(xc.data(), y.data(), rows, cols);
  if (needs_grad({&x})) {
    // y_j = x_j − log Σ_k e^{x_k}  ⇒  ∂y_j/∂x_i = δ_ij − softmax_i
    // ⇒  ∂L/∂x_i = g_i − softmax_i·Σ_j g_j, with softmax = exp(y).
    record(y, "log_softmax", {x}, [yd = y.detach(), rows, cols](const Tensor& gy) {
      const Tensor g = gy.contiguous();
      Tensor gx = Tensor::empty(yd.shape());
      kernels::log_softmax_backward(yd.data(), g.data(), gx.data(), rows, cols);
      return std::vector<Tensor>{gx};
    });
  }
  return y;
}

}  // namespace nn
