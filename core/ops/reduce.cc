// ops/reduce.cc — sum, mean and max over all elements or over one axis (keepdim), with their
// backward. An axis reduction views the dense input as (outer, len, inner), len the axis.
#include <limits>

#include "core/autograd.h"
#include "core/kernels/reduce.h"
#include "core/ops.h"
#include "core/ops/broadcast.h"
#include "core/profile.h"

namespace nn {
namespace {

void check_f32(const char* op, const Tensor& t) {
  NN_CHECK(t.dtype() == DType::F32, op, ": expects an F32 tensor, got ", dtype_name(t.dtype()),
           " of shape ", t.shape());
}

// x seen as (outer, len, inner) around axis a, and the output shapes with and without keepdim.
struct AxisView {
  int64_t outer = 1, len = 1, inner = 1;
  Shape kept;     // x's shape with the axis set to 1
  Shape dropped;  // x's shape without the axis
};

AxisView axis_view(const Tensor& x, int64_t a) {
  AxisView v;
  v.kept = x.shape();
  for (int64_t d = 0; d < x.dim(); ++d) {
    const int64_t s = x.shape()[static_cast<size_t>(d)];
    if (d < a) v.outer *= s;
    else if (d == a) v.len = s;
    else v.inner *= s;
    if (d != a) v.dropped.push_back(s);
  }
  v.kept[static_cast<size_t>(a)] = 1;
  return v;
}

// Σ or mean over one axis: y = scale·Σ_axis x.
Tensor sum_axis_scaled(const char* op, const Tensor& x, int64_t axis, bool keepdim, bool mean) {
  const profile::Scope prof(op);
  check_f32(op, x);
  const int64_t a = x.axis(axis, op);
  const AxisView v = axis_view(x, a);
  const float scale = mean ? 1.f / static_cast<float>(v.len) : 1.f;  // len 0: mean is NaN
  const Tensor xc = x.detach().contiguous();
  Tensor y = Tensor::empty(keepdim ? v.kept : v.dropped);
  kernels::sum_axis(xc.data(), y.data(), v.outer, v.len, v.inner, scale);
  if (needs_grad({&x})) {
    // y = scale·Σ_k x[…, k, …]  ⇒  ∂L/∂x[…, k, …] = scale·∂L/∂y[…] for every k along the axis.
    record(y, op, {x}, [kept = v.kept, shape = x.shape(), scale, mean](const Tensor& gy) {
      const Tensor g = broadcast_copy(reshape(gy, kept), shape);
      return std::vector<Tensor>{mean ? mul(g, scale) : g};
    });
  }
  return y;
}

}  // namespace

Tensor sum(const Tensor& x) {
  const profile::Scope prof("sum");
  check_f32("sum", x);
  const Tensor xc = x.detach().contiguous();
  Tensor y = Tensor::full({}, static_cast<float>(kernels::sum_all(xc.data(), xc.numel())));
  if (needs_grad({&x})) {
    // y = Σ x  ⇒  ∂L/∂x = ∂L/∂y everywhere.
    record(y, "sum", {x}, [shape = x.shape()](const Tensor& gy) {
      return std::vector<Tensor>{Tensor::full(shape, gy.item())};
    });
  }
  return y;
}

Tensor mean(const Tensor& x) {
  const profile::Scope prof("mean");
  check_f32("mean", x);
  const Tensor xc = x.detach().contiguous();
  const double n = static_cast<double>(xc.numel());  // 0 elements: 0/0 = NaN, as in PyTorch
  Tensor y = Tensor::full({}, static_cast<float>(kernels::sum_all(xc.data(), xc.numel()) / n));
  if (needs_grad({&x})) {
    // y = Σ x / n  ⇒  ∂L/∂x = ∂L/∂y / n everywhere.
    record(y, "mean", {x}, [shape = x.shape(), n](const Tensor& gy) {
      return std::vector<Tensor>{Tensor::full(shape, static_cast<float>(gy.item() / n))};
    });
  }
  return y;
}

Tensor max(const Tensor& x) {
  const profile::Scope prof("max");
  check_f32("max", x);
  NN_CHECK(x.numel() > 0, "max: cannot take the max of an empty tensor of shape ", x.shape());
  const Tensor xc = x.detach().contiguous();
  float value = 0.f;
  int64_t at = 0;
  kernels::max_axis(xc.data(), &value, &at, 1, xc.numel(), 1);
  Tensor y = Tensor::full({}, value);
  if (needs_grad({&x})) {
    // y = x[at] with `at` the first maximal element  ⇒  ∂L/∂x = ∂L/∂y at `at`, 0 elsewhere.
    record(y, "max", {x}, [shape = x.shape(), at](const Tensor& gy) {
      Tensor gx = Tensor::zeros(shape);
      gx.data()[at] = gy.item();
      return std::vector<Tensor>{gx};
    });
  }
  return y;
}

Tensor sum(const Tensor& x, int64_t axis, bool keepdim) {
  return sum_axis_scaled("sum", x, axis, keepdim, false);
}

Tensor mean(const Tensor& x, int64_t axis, bool keepdim) {
  return sum_axis_scaled("mean", x, axis, keepdim, true);
}

Tensor max(const Tensor& x, int64_t axis, bool keepdim) {
  const profile::Scope prof("max");
  check_f32("max", x);
  const int64_t a = x.axis(axis, "max");
  const AxisView v = axis_view(x, a);
  NN_CHECK(v.len > 0, "max: cannot reduce over axis ", axis, " of size 0 in shape ", x.shape());
  NN_CHECK(v.len <= std::numeric_limits<int32_t>::max(), "max: axis ", axis, " of shape ", x.shape(),
           " is too long (at most 2^31 − 1 elements)");
  const Tensor xc = x.detach().contiguous();
  Tensor y = Tensor::empty(keepdim ? v.kept : v.dropped);
  Tensor arg = Tensor::empty(v.dropped, DType::I64);  // (outer, inner): the k of each maximum
  kernels::max_axis(xc.data(), y.data(), arg.ids(), v.outer, v.len, v.inner);
  if (needs_grad({&x})) {
    // y[o, i] = x[o, k*, i] with k* the first maximal k  ⇒  ∂L/∂x[o, k*, i] = ∂L/∂y[o, i], else 0.
    record(y, "max", {x}, [shape = x.shape(), v, arg](const Tensor& gy) {
      const Tensor g = gy.contiguous();
      Tensor gx = Tensor::zeros(shape);
      const float* src = g.data();
      const int64_t* k = arg.ids();
      float* dst = gx.data();
      for (int64_t o = 0; o < v.outer; ++o)
        for (int64_t i = 0; i < v.inner; ++i) {
          const int64_t j = o * v.inner + i;
          dst[(o * v.len + k[j]) * v.inner + i] = src[j];
        }
      return std::vector<Tensor>{gx};
    });
  }
  return y;
}

}  // namespace nn
