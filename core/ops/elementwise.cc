// ops/elementwise.cc — add/sub/mul/div with numpy broadcasting, their scalar forms, the unary
// ops (neg, exp, log, sqrt, tanh, relu, gelu) and sum_to, each with its backward.
//
// Binary ops never materialise a broadcast input: the kernel reads each input through strides
// (0 along a broadcast dim), and transposed or sliced inputs are read in place. A broadcast
// input's gradient is the output gradient summed over the dims it was stretched along (sum_to).
#include <algorithm>

#include "core/autograd.h"
#include "core/kernels/elementwise.h"
#include "core/kernels/reduce.h"
#include "core/ops.h"
#include "core/ops/broadcast.h"
#include "core/profile.h"

namespace nn {

using kernels::Binary;
using kernels::Unary;

// ---------------- broadcasting helpers (core/ops/broadcast.h) ----------------

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i + a.size() < rank ? 1 : a[i + a.size() - rank];
    const int64_t db = i + b.size() < rank ? 1 : b[i + b.size() - rank];
    NN_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a, " and ", b, " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcast_strides(const Tensor& x, const Shape& shape) {
  const size_t lead = shape.size() - x.shape().size();
  Shape strides(shape.size(), 0);
  for (size_t i = 0; i < x.shape().size(); ++i)
    if (x.shape()[i] == shape[lead + i]) strides[lead + i] = x.strides()[i];
  return strides;
}

Tensor broadcast_copy(const Tensor& x, const Shape& shape) {
  Tensor y = Tensor::empty(shape);
  // y = x·1 read through broadcast strides: an exact copy (also of −0, inf and NaN).
  const float one = 1.f;
  const Shape none(shape.size(), 0);
  kernels::binary_broadcast(Binary::Mul, x.data(), broadcast_strides(x, shape), &one, none, y.data(), shape);
  return y;
}

namespace {

void check_f32(const char* op, const Tensor& t) {
  NN_CHECK(t.dtype() == DType::F32, op, ": expects F32 tensors, got ", dtype_name(t.dtype()),
           " of shape ", t.shape());
}

// True when `from` broadcasts to exactly `to` (so a gradient of shape `to` sums down to `from`).
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  const size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != 1 && from[i] != to[lead + i]) return false;
  return true;
}

// x's values in a dense buffer, cut from the graph (the op records x itself as its input).
Tensor dense(const Tensor& x) { return x.detach().contiguous(); }

// y = a op b over the broadcast shape.
Tensor binary_forward(Binary k, const char* op, const Tensor& a, const Tensor& b) {
  const profile::Scope prof(op);
  check_f32(op, a);
  check_f32(op, b);
  const Shape shape = broadcast_shapes(op, a.shape(), b.shape());
  Tensor y = Tensor::empty(shape);
  kernels::binary_broadcast(k, a.data(), broadcast_strides(a, shape), b.data(),
                            broadcast_strides(b, shape), y.data(), shape);
  return y;
}

// y = a op s (or s op a when scalar_first).
Tensor scalar_forward(Binary k, const char* op, const Tensor& a, float s, bool scalar_first) {
  const profile::Scope prof(op);
  check_f32(op, a);
  const Tensor ac = dense(a);
  Tensor y = Tensor::empty(a.shape());
  if (scalar_first) kernels::scalar_binary(k, s, ac.data(), y.data(), y.numel());
  else kernels::binary_scalar(k, ac.data(), s, y.data(), y.numel());
  return y;
}

// y = f(x) for a dense x.
Tensor unary_forward(Unary k, const Tensor& xc) {
  Tensor y = Tensor::empty(xc.shape());
  kernels::unary(k, xc.data(), y.data(), y.numel());
  return y;
}

// gx = kernel(saved, gy) for a fused backward kernel(saved, gy, gx, n).
template <class Kernel>
Tensor fused_backward(Kernel kernel, const Tensor& saved, const Tensor& gy) {
  const Tensor g = gy.contiguous();
  Tensor gx = Tensor::empty(saved.shape());
  kernel(saved.data(), g.data(), gx.data(), gx.numel());
  return gx;
}

}  // namespace

// ---------------- binary ops ----------------

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward(Binary::Add, "add", a, b);
  if (needs_grad({&a, &b})) {
    // y = a + b  ⇒  ∂L/∂a = ∂L/∂y, ∂L/∂b = ∂L/∂y, each summed over the dims it was broadcast on.
    record(y, "add", {a, b}, [sa = a.shape(), sb = b.shape(), ra = a.requires_grad(),
                              rb = b.requires_grad()](const Tensor& gy) {
      return std::vector<Tensor>{ra ? sum_to(gy, sa) : Tensor(), rb ? sum_to(gy, sb) : Tensor()};
    });
  }
  return y;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward(Binary::Sub, "sub", a, b);
  if (needs_grad({&a, &b})) {
    // y = a − b  ⇒  ∂L/∂a = ∂L/∂y, ∂L/∂b = −∂L/∂y (summed over broadcast dims first: cheaper).
    record(y, "sub", {a, b}, [sa = a.shape(), sb = b.shape(), ra = a.requires_grad(),
                              rb = b.requires_grad()](const Tensor& gy) {
      return std::vector<Tensor>{ra ? sum_to(gy, sa) : Tensor(), rb ? neg(sum_to(gy, sb)) : Tensor()};
    });
  }
  return y;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward(Binary::Mul, "mul", a, b);
  if (needs_grad({&a, &b})) {
    // y = a·b  ⇒  ∂L/∂a = ∂L/∂y·b, ∂L/∂b = ∂L/∂y·a (then summed over broadcast dims).
    record(y, "mul", {a, b}, [ad = a.detach(), bd = b.detach(), ra = a.requires_grad(),
                              rb = b.requires_grad()](const Tensor& gy) {
      return std::vector<Tensor>{ra ? sum_to(mul(gy, bd), ad.shape()) : Tensor(),
                                 rb ? sum_to(mul(gy, ad), bd.shape()) : Tensor()};
    });
  }
  return y;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward(Binary::Div, "div", a, b);
  if (needs_grad({&a, &b})) {
    // y = a/b  ⇒  ∂L/∂a = ∂L/∂y / b,  ∂L/∂b = −∂L/∂y·a/b² = −(∂L/∂y / b)·y.
    record(y, "div", {a, b}, [sa = a.shape(), bd = b.detach(), yd = y.detach(),
                              ra = a.requires_grad(), rb = b.requires_grad()](const Tensor& gy) {
      const Tensor t = div(gy, bd);
      return std::vector<Tensor>{ra ? sum_to(t, sa) : Tensor(),
                                 rb ? neg(sum_to(mul(t, yd), bd.shape())) : Tensor()};
    });
  }
  return y;
}

// ---------------- scalar forms ----------------

Tensor add(const Tensor& a, float s) {
  Tensor y = scalar_forward(Binary::Add, "add", a, s, false);
  if (needs_grad({&a})) {
    // y = a + s  ⇒  ∂L/∂a = ∂L/∂y.
    record(y, "add_scalar", {a}, [](const Tensor& gy) { return std::vector<Tensor>{gy}; });
  }
  return y;
}

Tensor sub(const Tensor& a, float s) {
  Tensor y = scalar_forward(Binary::Sub, "sub", a, s, false);
  if (needs_grad({&a})) {
    // y = a − s  ⇒  ∂L/∂a = ∂L/∂y.
    record(y, "sub_scalar", {a}, [](const Tensor& gy) { return std::vector<Tensor>{gy}; });
  }
  return y;
}

Tensor sub(float s, const Tensor& a) {
  Tensor y = scalar_forward(Binary::Sub, "sub", a, s, true);
  if (needs_grad({&a})) {
    // y = s − a  ⇒  ∂L/∂a = −∂L/∂y.
    record(y, "rsub_scalar", {a}, [](const Tensor& gy) { return std::vector<Tensor>{neg(gy)}; });
  }
  return y;
}

Tensor mul(const Tensor& a, float s) {
  Tensor y = scalar_forward(Binary::Mul, "mul", a, s, false);
  if (needs_grad({&a})) {
    // y = a·s  ⇒  ∂L/∂a = ∂L/∂y·s.
    record(y, "mul_scalar", {a}, [s](const Tensor& gy) { return std::vector<Tensor>{mul(gy, s)}; });
  }
  return y;
}

Tensor div(const Tensor& a, float s) {
  Tensor y = scalar_forward(Binary::Div, "div", a, s, false);
  if (needs_grad({&a})) {
    // y = a/s  ⇒  ∂L/∂a = ∂L/∂y / s.
    record(y, "div_scalar", {a}, [s](const Tensor& gy) { return std::vector<Tensor>{div(gy, s)}; });
  }
  return y;
}

Tensor div(float s, const Tensor& a) {
  Tensor y = scalar_forward(Binary::Div, "div", a, s, true);
  if (needs_grad({&a})) {
    // y = s/a  ⇒  ∂L/∂a = −∂L/∂y·s/a² = −∂L/∂y·y/a.
    record(y, "rdiv_scalar", {a}, [ad = a.detach(), yd = y.detach()](const Tensor& gy) {
      return std::vector<Tensor>{neg(div(mul(gy, yd), ad))};
    });
  }
  return y;
}

// ---------------- unary ops ----------------

Tensor neg(const Tensor& x) {
  const profile::Scope prof("neg");
  check_f32("neg", x);
  Tensor y = unary_forward(Unary::Neg, dense(x));
  if (needs_grad({&x})) {
    // y = −x  ⇒  ∂L/∂x = −∂L/∂y.
    record(y, "neg", {x}, [](const Tensor& gy) { return std::vector<Tensor>{neg(gy)}; });
  }
  return y;
}

Tensor exp(const Tensor& x) {
  const profile::Scope prof("exp");
  check_f32("exp", x);
  Tensor y = unary_forward(Unary::Exp, dense(x));
  if (needs_grad({&x})) {
    // y = eˣ  ⇒  ∂L/∂x = ∂L/∂y·y.
    record(y, "exp", {x}, [yd = y.detach()](const Tensor& gy) { return std::vector<Tensor>{mul(gy, yd)}; });
  }
  return y;
}

Tensor log(const Tensor& x) {
  const profile::Scope prof("log");
  check_f32("log", x);
  const Tensor xc = dense(x);
  Tensor y = unary_forward(Unary::Log, xc);
  if (needs_grad({&x})) {
    // y = ln x  ⇒  ∂L/∂x = ∂L/∂y / x.
    record(y, "log", {x}, [xc](const Tensor& gy) { return std::vector<Tensor>{div(gy, xc)}; });
  }
  return y;
}

Tensor sqrt(const Tensor& x) {
  const profile::Scope prof("sqrt");
  check_f32("sqrt", x);
  Tensor y = unary_forward(Unary::Sqrt, dense(x));
  if (needs_grad({&x})) {
    // y = √x  ⇒  ∂L/∂x = ∂L/∂y / (2√x) = ∂L/∂y·0.5 / y.
    record(y, "sqrt", {x}, [yd = y.detach()](const Tensor& gy) {
      return std::vector<Tensor>{div(mul(gy, 0.5f), yd)};
    });
  }
  return y;
}

Tensor tanh(const Tensor& x) {
  const profile::Scope prof("tanh");
  check_f32("tanh", x);
  Tensor y = unary_forward(Unary::Tanh, dense(x));
  if (needs_grad({&x})) {
    // y = tanh x  ⇒  ∂L/∂x = ∂L/∂y·(1 − y²)  (one fused pass).
    record(y, "tanh", {x}, [yd = y.detach()](const Tensor& gy) {
      return std::vector<Tensor>{fused_backward(kernels::tanh_backward, yd, gy)};
    });
  }
  return y;
}

Tensor relu(const Tensor& x) {
  const profile::Scope prof("relu");
  check_f32("relu", x);
  const Tensor xc = dense(x);
  Tensor y = unary_forward(Unary::Relu, xc);
  if (needs_grad({&x})) {
    // y = max(x, 0)  ⇒  ∂L/∂x = ∂L/∂y where x > 0, else 0.
    record(y, "relu", {x}, [xc](const Tensor& gy) {
      return std::vector<Tensor>{fused_backward(kernels::relu_backward, xc, gy)};
    });
  }
  return y;
}

Tensor gelu(const Tensor& x) {
  const profile::Scope prof("gelu");
  check_f32("gelu", x);
  const Tensor xc = dense(x);
  Tensor y = unary_forward(Unary::Gelu, xc);
  if (needs_grad({&x})) {
    // y = x·Φ(x)  ⇒  ∂L/∂x = ∂L/∂y·(Φ(x) + x·φ(x)), φ = Φ' the normal density (one fused pass).
    record(y, "gelu", {x}, [xc](const Tensor& gy) {
      return std::vector<Tensor>{fused_backward(kernels::gelu_backward, xc, gy)};
    });
  }
  return y;
}

// ---------------- sum_to ----------------

Tensor sum_to(const Tensor& g, const Shape& shape) {
  check_f32("sum_to", g);
  NN_CHECK(broadcasts_to(shape, g.shape()), "sum_to: cannot reduce shape ", g.shape(), " to ", shape);
  if (g.shape() == shape) return g;
  // Sum each maximal run of reduced dims in one pass over a dense (outer, len, inner) view.
  Tensor cur = dense(g);
  Shape cs = cur.shape();
  const size_t lead = cs.size() - shape.size();
  const auto reduced = [&](size_t d) { return cs[d] != 1 && (d < lead || shape[d - lead] == 1); };
  for (size_t d = 0; d < cs.size();) {
    if (!reduced(d)) { ++d; continue; }
    size_t e = d;
    while (e < cs.size() && reduced(e)) ++e;
    int64_t outer = 1, len = 1, inner = 1;  // dims before the run, in it, after it
    for (size_t k = 0; k < cs.size(); ++k) {
      if (k < d) outer *= cs[k];
      else if (k < e) len *= cs[k];
      else inner *= cs[k];
    }
    Shape next_shape = cs;
    for (size_t k = d; k < e; ++k) next_shape[k] = 1;
    Tensor next = Tensor::empty(next_shape);
    kernels::sum_axis(cur.data(), next.data(), outer, len, inner, 1.f);
    cur = next;
    cs = next_shape;
    d = e;
  }
  Tensor y = make_view(cur, shape, contiguous_strides(shape), cur.impl().offset);
  if (needs_grad({&g})) {
    // y = Σ over the broadcast dims of g  ⇒  ∂L/∂g = ∂L/∂y copied along those dims.
    record(y, "sum_to", {g}, [gshape = g.shape()](const Tensor& gy) {
      return std::vector<Tensor>{broadcast_copy(gy, gshape)};
    });
  }
  return y;
}

}  // namespace nn
