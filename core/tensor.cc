// tensor.cc — Tensor factories, layout queries, copy-out and the autograd entry points.
#include "core/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/autograd.h"
#include "core/rng.h"
#include "core/profile.h"

namespace nn {

size_t dtype_size(DType t) { return t == DType::F32 ? 4 : 8; }
const char* dtype_name(DType t) { return t == DType::F32 ? "F32" : "I64"; }

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

// ---------------- factories ----------------

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  for (int64_t d : shape) NN_CHECK(d >= 0, "empty: negative dimension in shape ", shape);
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  impl->storage = std::make_shared<Storage>(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype));
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  if (t.numel()) std::memset(t.impl().storage->data(), 0, t.impl().storage->bytes());
  return t;
}

Tensor Tensor::ones(const Shape& shape) { return full(shape, 1.f); }

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  std::fill_n(t.data(), t.numel(), value);
  return t;
}

Tensor Tensor::arange(float start, float end, float step) {
  NN_CHECK(step != 0.f, "arange: step must be non-zero");
  const double n = std::ceil((static_cast<double>(end) - start) / step);
  Tensor t = empty({std::max<int64_t>(0, static_cast<int64_t>(n))});
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = start + static_cast<float>(i) * step;
  return t;
}

Tensor Tensor::from_data(const Shape& shape, std::span<const float> values) {
  Tensor t = empty(shape);
  NN_CHECK(static_cast<int64_t>(values.size()) == t.numel(), "from_data: ", values.size(),
           " values do not fill shape ", shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

Tensor Tensor::from_data(const Shape& shape, std::initializer_list<float> values) {
  return from_data(shape, std::span<const float>(values.begin(), values.size()));
}

Tensor Tensor::from_ids(const Shape& shape, std::span<const int64_t> ids) {
  Tensor t = empty(shape, DType::I64);
  NN_CHECK(static_cast<int64_t>(ids.size()) == t.numel(), "from_ids: ", ids.size(),
           " ids do not fill shape ", shape);
  std::copy(ids.begin(), ids.end(), t.ids());
  return t;
}

Tensor Tensor::from_ids(const Shape& shape, std::initializer_list<int64_t> ids) {
  return from_ids(shape, std::span<const int64_t>(ids.begin(), ids.size()));
}

Tensor Tensor::randn(const Shape& shape, uint64_t seed, float mean, float std) {
  Tensor t = empty(shape);
  float* p = t.data();
  const int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) p[i] = mean + std * normal_at(seed, static_cast<uint64_t>(i));
  return t;
}

Tensor Tensor::uniform(const Shape& shape, uint64_t seed, float lo, float hi) {
  Tensor t = empty(shape);
  float* p = t.data();
  const int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) p[i] = lo + (hi - lo) * uniform_at(seed, static_cast<uint64_t>(i));
  return t;
}

// ---------------- layout ----------------

TensorImpl& Tensor::impl() const {
  if (!impl_) throw Error("tensor: use of an undefined tensor");
  return *impl_;
}

int64_t Tensor::axis(int64_t d, const char* op) const {
  const int64_t n = dim();
  NN_CHECK(d >= -n && d < n, op, ": axis ", d, " is out of range for shape ", shape());
  return d < 0 ? d + n : d;
}

int64_t Tensor::size(int64_t d) const { return shape()[static_cast<size_t>(axis(d, "size"))]; }

bool Tensor::is_contiguous() const {
  const TensorImpl& t = impl();
  int64_t expected = 1;
  for (size_t i = t.shape.size(); i-- > 0;) {
    if (t.shape[i] == 1) continue;  // the stride of a size-1 dim never matters
    if (t.strides[i] != expected) return false;
    expected *= t.shape[i];
  }
  return true;
}

float* Tensor::data() {
  TensorImpl& t = impl();
  NN_CHECK(t.dtype == DType::F32, "tensor: data() needs F32, tensor is ", dtype_name(t.dtype));
  return static_cast<float*>(t.storage->data()) + t.offset;
}
const float* Tensor::data() const { return const_cast<Tensor*>(this)->data(); }

int64_t* Tensor::ids() {
  TensorImpl& t = impl();
  NN_CHECK(t.dtype == DType::I64, "tensor: ids() needs I64, tensor is ", dtype_name(t.dtype));
  return static_cast<int64_t*>(t.storage->data()) + t.offset;
}
const int64_t* Tensor::ids() const { return const_cast<Tensor*>(this)->ids(); }

Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  impl->storage = base.impl().storage;
  return Tensor(std::move(impl));
}

namespace {
// Copies a strided view element by element into dst in row-major order.
template <class T>
void gather_strided(const TensorImpl& t, T* dst) {
  const T* src = static_cast<const T*>(t.storage->data()) + t.offset;
  const int64_t n = shape_numel(t.shape);
  const size_t rank = t.shape.size();
  if (n == 0) return;
  if (rank == 0) { dst[0] = src[0]; return; }
  // Walk the index like an odometer; the innermost dim is a strided loop.
  std::vector<int64_t> idx(rank, 0);
  const int64_t inner = t.shape[rank - 1], inner_stride = t.strides[rank - 1];
  for (int64_t out = 0; out < n; out += inner) {
    int64_t off = 0;
    for (size_t d = 0; d + 1 < rank; ++d) off += idx[d] * t.strides[d];
    for (int64_t j = 0; j < inner; ++j) dst[out + j] = src[off + j * inner_stride];
    for (size_t d = rank - 1; d-- > 0;) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
}
}  // namespace

std::vector<float> Tensor::to_vector() const {
  NN_CHECK(dtype() == DType::F32, "to_vector: tensor is ", dtype_name(dtype()), ", not F32");
  std::vector<float> out(static_cast<size_t>(numel()));
  gather_strided<float>(impl(), out.data());
  return out;
}

std::vector<int64_t> Tensor::to_ids() const {
  NN_CHECK(dtype() == DType::I64, "to_ids: tensor is ", dtype_name(dtype()), ", not I64");
  std::vector<int64_t> out(static_cast<size_t>(numel()));
  gather_strided<int64_t>(impl(), out.data());
  return out;
}

float Tensor::item() const {
  NN_CHECK(numel() == 1, "item: tensor of shape ", shape(), " has ", numel(), " elements, not 1");
  return to_vector()[0];
}

// Row-major copy of any view into fresh contiguous storage (no autograd).
static Tensor copy_contiguous(const Tensor& x) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  if (x.dtype() == DType::F32) gather_strided<float>(x.impl(), out.data());
  else gather_strided<int64_t>(x.impl(), out.ids());
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = copy_contiguous(*this);
  if (needs_grad({this})) {
    // y = x  ⇒  dL/dx = dL/dy.
    record(out, "clone", {*this}, [](const Tensor& gy) { return std::vector<Tensor>{gy}; });
  }
  return out;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  const profile::Scope prof("contiguous");
  return clone();
}

// ---------------- autograd ----------------

Tensor& Tensor::requires_grad_(bool on) {
  NN_CHECK(dtype() == DType::F32, "requires_grad_: only F32 tensors can require grad");
  NN_CHECK(is_leaf() || on, "requires_grad_: cannot turn off grad on a non-leaf tensor");
  impl().requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const { return Tensor(impl().grad); }

void Tensor::set_grad(const Tensor& g) {
  if (g.defined())
    NN_CHECK(g.shape() == shape() && g.is_contiguous(), "set_grad: gradient of shape ", g.shape(),
             " does not fit tensor of shape ", shape(), " (or is not contiguous)");
  impl().grad = g.impl_ptr();
}

void Tensor::zero_grad() {
  if (!impl().grad) return;
  Tensor g(impl().grad);
  std::fill_n(g.data(), g.numel(), 0.f);
}

void Tensor::backward(bool retain_graph) const {
  NN_CHECK(numel() == 1, "backward: tensor of shape ", shape(),
           " is not a scalar; pass the upstream gradient: backward(grad_output)");
  run_backward(*this, Tensor::ones(shape()), retain_graph);
}

void Tensor::backward(const Tensor& grad_output, bool retain_graph) const {
  NN_CHECK(grad_output.shape() == shape(), "backward: upstream gradient of shape ",
           grad_output.shape(), " does not match tensor of shape ", shape());
  run_backward(*this, grad_output, retain_graph);
}

Tensor Tensor::detach() const { return make_view(*this, shape(), strides(), impl().offset); }

}  // namespace nn
