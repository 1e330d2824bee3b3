// ops/layer_norm.cc — LayerNorm over the last axis, fused forward and backward
// (core/kernels/layer_norm.h). The forward saves per-row mean and 1/std; the backward is one
// kernel producing dx, dgamma and dbeta together.
#include "core/autograd.h"
#include "core/kernels/layer_norm.h"
#include "core/ops.h"
#include "core/profile.h"

namespace nn {

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  const profile::Scope prof("layer_norm");
  NN_CHECK(x.defined() && gamma.defined() && beta.defined(), "layer_norm: x, gamma and beta must all be given");
  NN_CHECK(x.dtype() == DType::F32 && gamma.dtype() == DType::F32 && beta.dtype() == DType::F32,
           "layer_norm: needs F32 tensors");
  NN_CHECK(x.dim() >= 1, "layer_norm: x needs at least one dimension, got shape ", x.shape());
  const int64_t cols = x.shape().back();
  NN_CHECK(gamma.shape() == Shape{cols} && beta.shape() == Shape{cols}, "layer_norm: x of shape ",
           x.shape(), " needs gamma and beta of shape (", cols, "), got ", gamma.shape(), " and ",
           beta.shape());
  NN_CHECK(eps >= 0.f, "layer_norm: eps must be non-negative, got ", eps);
  const int64_t rows = cols ? x.numel() / cols : 0;
  const Tensor xc = x.detach().contiguous();
  const Tensor gc = gamma.detach().contiguous(), bc = beta.detach().contiguous();
  Tensor y = Tensor::empty(x.shape());
  Tensor mean = Tensor::empty({rows}), rstd = Tensor::empty({rows});
  kernels::layer_norm_forward(xc.data(), gc.data(), bc.data(), eps, y.data(), mean.data(),
                              rstd.data(), rows, cols);
  if (needs_grad({&x, &gamma, &beta})) {
    // y = x̂·γ + β with x̂ = (x − μ)·rstd per row; ĝ = ∂L/∂y·γ:
    // ∂L/∂x = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), ∂L/∂γ = Σ_rows ∂L/∂y·x̂, ∂L/∂β = Σ_rows ∂L/∂y
    // (derivation in core/kernels/layer_norm.cc).
    record(y, "layer_norm", {x, gamma, beta},
           [xc, gc, mean, rstd, rows, cols, need_x = x.requires_grad(),
            need_g = gamma.requires_grad(), need_b = beta.requires_grad()](const Tensor& gy) {
             const Tensor g = gy.contiguous();
             Tensor gx = Tensor::empty(xc.shape());
             Tensor dgamma = Tensor::empty({cols}), dbeta = Tensor::empty({cols});
             Tensor work = Tensor::empty({kernels::layer_norm_backward_workspace(rows, cols)});
             kernels::layer_norm_backward(g.data(), xc.data(), gc.data(), mean.data(), rstd.data(),
                                          gx.data(), dgamma.data(), dbeta.data(), work.data(),
                                          rows, cols);
             return std::vector<Tensor>{need_x ? gx : Tensor(), need_g ? dgamma : Tensor(),
                                        need_b ? dbeta : Tensor()};
           });
  }
  return y;
}

}  // namespace nn
