// ops/loss.cc — the losses of BERT's heads: cross-entropy with ignore_index, fused log-softmax +
// NLL (core/kernels/softmax.h; when the logits need a gradient, the forward kernel writes it
// directly, (softmax − onehot)/count, so the backward only scales it by the upstream gradient);
// binary cross-entropy on logits (multi-label classification) and mean squared error
// (regression), plain loops over the (B, L) outputs of a classifier.
#include <algorithm>
#include <cmath>
#include <vector>

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

namespace {
// Checks that a loss's prediction and target are F32 of one shape.
void check_pair(const char* op, const Tensor& x, const Tensor& y) {
  NN_CHECK(x.dtype() == DType::F32 && y.dtype() == DType::F32, op, ": inputs and targets must be F32, got ",
           dtype_name(x.dtype()), " and ", dtype_name(y.dtype()));
  NN_CHECK(x.shape() == y.shape(), op, ": inputs ", x.shape(), " and targets ", y.shape(), " differ in shape");
  NN_CHECK(x.numel() > 0, op, ": empty input");
}
}  // namespace

Tensor bce_with_logits(const Tensor& logits, const Tensor& targets) {
  const profile::Scope prof("bce_with_logits");
  check_pair("bce_with_logits", logits, targets);
  const std::vector<float> x = logits.to_vector(), y = targets.to_vector();
  const double n = static_cast<double>(x.size());
  double total = 0;
  std::vector<float> grad(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    // −[y log σ(x) + (1 − y) log(1 − σ(x))] = max(x, 0) − x·y + log(1 + e^−|x|), stable for any x.
    const double xi = x[i], yi = y[i];
    total += std::max(xi, 0.0) - xi * yi + std::log1p(std::exp(-std::abs(xi)));
    // ∂/∂x = σ(x) − y: d/dx log(1 + e^x) = σ(x), and d/dx (x·y) = y; the mean divides by n.
    const double sigma = xi >= 0 ? 1.0 / (1.0 + std::exp(-xi)) : std::exp(xi) / (1.0 + std::exp(xi));
    grad[i] = static_cast<float>((sigma - yi) / n);
  }
  Tensor loss = Tensor::full({}, static_cast<float>(total / n));
  if (needs_grad({&logits})) {
    const Tensor dlogits = Tensor::from_data(logits.shape(), grad);
    record(loss, "bce_with_logits", {logits}, [dlogits](const Tensor& gy) {
      return std::vector<Tensor>{mul(dlogits, gy.item())};
    });
  }
  return loss;
}

Tensor mse_loss(const Tensor& input, const Tensor& target) {
  const profile::Scope prof("mse_loss");
  check_pair("mse_loss", input, target);
  const std::vector<float> x = input.to_vector(), y = target.to_vector();
  const double n = static_cast<double>(x.size());
  double total = 0;
  std::vector<float> grad(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    // L = (1/n) Σ (x − y)²  ⇒  ∂L/∂x = 2(x − y)/n.
    const double d = static_cast<double>(x[i]) - y[i];
    total += d * d;
    grad[i] = static_cast<float>(2.0 * d / n);
  }
  Tensor loss = Tensor::full({}, static_cast<float>(total / n));
  if (needs_grad({&input})) {
    const Tensor dinput = Tensor::from_data(input.shape(), grad);
    record(loss, "mse_loss", {input}, [dinput](const Tensor& gy) { return std::vector<Tensor>{mul(dinput, gy.item())}; });
  }
  return loss;
}

}  // namespace nn
