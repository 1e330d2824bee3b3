// ops/loss.cc — cross-entropy with ignore_index, fused log-softmax + NLL
// (core/kernels/softmax.h). When the logits need a gradient, the forward kernel writes it
// directly ((softmax − onehot)/count), so the backward only scales it by the upstream gradient.
#include "core/autograd.h"
#include "core/kernels/softmax.h"
#include "core/ops.h"
#include "core/profile.h"

namespace nn {

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index) {
  const profile::Scope prof("cross_entropy");
  NN_CHECK(logits.dtype() == DType::F32 && logits.dim() == 2, "cross_entropy: logits must be F32 (N,C), got ",
           dtype_name(logits.dtype()), " ", logits.shape());
  NN_CHECK(targets.dtype() == DType::I64 && targets.dim() == 1 && targets.size(0) == logits.size(0),
           "cross_entropy: targets must be I64 (N) for logits ", logits.shape(), ", got ",
           dtype_name(targets.dtype()), " ", targets.shape());
  const int64_t rows = logits.size(0), cols = logits.size(1);
  const Tensor t = targets.contiguous();
  const int64_t* tp = t.ids();
  int64_t count = 0;
  for (int64_t r = 0; r < rows; ++r) {
    if (tp[r] == ignore_index) continue;
    NN_CHECK(tp[r] >= 0 && tp[r] < cols, "cross_entropy: target ", tp[r], " at row ", r,
             " is out of range for C=", cols, " classes (logits ", logits.shape(), ")");
    ++count;
  }
  const float scale = count ? 1.f / static_cast<float>(count) : 0.f;
  const Tensor xc = logits.detach().contiguous();
  const bool grad = needs_grad({&logits});
  Tensor row_loss = Tensor::empty({rows});
  Tensor dlogits = grad ? Tensor::empty(logits.shape()) : Tensor();
  kernels::cross_entropy_forward(xc.data(), tp, ignore_index, scale, row_loss.data(),
                                 grad ? dlogits.data() : nullptr, rows, cols);
  double total = 0;  // fixed order, double: the same for any thread count
  for (const float l : row_loss.to_vector()) total += l;
  Tensor loss = Tensor::full({}, static_cast<float>(total * scale));
  if (grad) {
    // L = (1/n) Σ_r (logsumexp(x_r) − x_r[t_r]) over the n kept rows
    // ⇒  ∂L/∂x_r = (softmax(x_r) − onehot(t_r))/n, 0 for ignored rows (already in dlogits).
    record(loss, "cross_entropy", {logits}, [dlogits](const Tensor& gy) {
      const float g = gy.item();
      return std::vector<Tensor>{g == 1.f ? dlogits : mul(dlogits, g)};
    });
  }
  return loss;
}

}  // namespace nn
