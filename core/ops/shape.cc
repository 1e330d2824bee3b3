// ops/shape.cc — reshape, transpose, permute, slice (views), concat and contiguous.
// Views share storage with their input; their backward maps the gradient back to the input's
// shape (reshape back, transpose back, or place the slice into zeros).
#include <algorithm>
#include <cstring>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/profile.h"

namespace nn {

Tensor reshape(const Tensor& x, const Shape& shape) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      NN_CHECK(infer < 0, "reshape: more than one -1 in target shape ", shape);
      infer = static_cast<int64_t>(i);
    } else {
      NN_CHECK(out[i] >= 0, "reshape: invalid target shape ", shape);
      known *= out[i];
    }
  }
  if (infer >= 0) {
    NN_CHECK(known > 0 && x.numel() % known == 0, "reshape: cannot reshape ", x.shape(), " to ", shape);
    out[static_cast<size_t>(infer)] = x.numel() / known;
  }
  NN_CHECK(shape_numel(out) == x.numel(), "reshape: cannot reshape ", x.shape(), " (", x.numel(),
           " elements) to ", shape);
  const Tensor src = x.contiguous();  // records a copy when x is a strided view
  Tensor y = make_view(src, out, contiguous_strides(out), src.impl().offset);
  if (needs_grad({&src})) {
    // y has x's elements in the same order  ⇒  dL/dx = dL/dy reshaped to x's shape.
    record(y, "reshape", {src}, [in_shape = src.shape()](const Tensor& gy) {
      return std::vector<Tensor>{reshape(gy, in_shape)};
    });
  }
  return y;
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  const int64_t n = x.dim();
  NN_CHECK(static_cast<int64_t>(dims.size()) == n, "permute: ", dims.size(), " axes given for shape ",
           x.shape());
  std::vector<int64_t> axes(dims.size());
  std::vector<bool> used(dims.size(), false);
  Shape shape(dims.size()), strides(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t a = x.axis(dims[i], "permute");
    NN_CHECK(!used[static_cast<size_t>(a)], "permute: axis ", dims[i], " repeated");
    used[static_cast<size_t>(a)] = true;
    axes[i] = a;
    shape[i] = x.shape()[static_cast<size_t>(a)];
    strides[i] = x.strides()[static_cast<size_t>(a)];
  }
  Tensor y = make_view(x, shape, strides, x.impl().offset);
  if (needs_grad({&x})) {
    // y[i...] = x[perm(i...)]  ⇒  dL/dx is dL/dy permuted by the inverse permutation.
    std::vector<int64_t> inverse(axes.size());
    for (size_t i = 0; i < axes.size(); ++i) inverse[static_cast<size_t>(axes[i])] = static_cast<int64_t>(i);
    record(y, "permute", {x}, [inverse](const Tensor& gy) {
      return std::vector<Tensor>{permute(gy, inverse)};
    });
  }
  return y;
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  const int64_t a = x.axis(d0, "transpose"), b = x.axis(d1, "transpose");
  std::vector<int64_t> dims(static_cast<size_t>(x.dim()));
  for (size_t i = 0; i < dims.size(); ++i) dims[i] = static_cast<int64_t>(i);
  std::swap(dims[static_cast<size_t>(a)], dims[static_cast<size_t>(b)]);
  return permute(x, dims);
}

Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t end) {
  const int64_t a = x.axis(axis, "slice");
  const int64_t len = x.shape()[static_cast<size_t>(a)];
  if (start < 0) start += len;
  if (end < 0) end += len;
  NN_CHECK(start >= 0 && end <= len && start <= end, "slice: range [", start, ", ", end,
           ") is out of bounds for axis ", axis, " of shape ", x.shape());
  Shape shape = x.shape();
  shape[static_cast<size_t>(a)] = end - start;
  Tensor y = make_view(x, shape, x.strides(), x.impl().offset + start * x.strides()[static_cast<size_t>(a)]);
  if (needs_grad({&x})) {
    // y is a window of x  ⇒  dL/dx is dL/dy inside the window and 0 elsewhere.
    record(y, "slice", {x}, [in_shape = x.shape(), a, start, end, len](const Tensor& gy) {
      std::vector<Tensor> parts;
      Shape s = in_shape;
      if (start > 0) { s[static_cast<size_t>(a)] = start; parts.push_back(Tensor::zeros(s)); }
      parts.push_back(gy);
      if (end < len) { s[static_cast<size_t>(a)] = len - end; parts.push_back(Tensor::zeros(s)); }
      return std::vector<Tensor>{parts.size() == 1 ? gy : concat(parts, a)};
    });
  }
  return y;
}

Tensor concat(const std::vector<Tensor>& xs, int64_t axis) {
  const profile::Scope prof("concat");
  NN_CHECK(!xs.empty(), "concat: no tensors given");
  const Tensor& first = xs[0];
  const int64_t a = first.axis(axis, "concat");
  Shape shape = first.shape();
  int64_t total = 0;
  for (const Tensor& x : xs) {
    NN_CHECK(x.dtype() == first.dtype(), "concat: mixed dtypes");
    bool match = x.dim() == first.dim();
    for (int64_t d = 0; match && d < first.dim(); ++d)
      match = d == a || x.shape()[static_cast<size_t>(d)] == shape[static_cast<size_t>(d)];
    NN_CHECK(match, "concat: shapes ", first.shape(), " and ", x.shape(), " differ outside axis ", axis);
    total += x.shape()[static_cast<size_t>(a)];
  }
  shape[static_cast<size_t>(a)] = total;
  Tensor y = Tensor::empty(shape, first.dtype());
  // View the output as (outer, total·inner) and each input as (outer, len·inner): copy row blocks.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < a; ++d) outer *= shape[static_cast<size_t>(d)];
  for (int64_t d = a + 1; d < first.dim(); ++d) inner *= shape[static_cast<size_t>(d)];
  const size_t esize = dtype_size(first.dtype());
  char* dst = static_cast<char*>(y.impl().storage->data());
  int64_t col = 0;
  for (const Tensor& x : xs) {
    const Tensor xc = x.detach().contiguous();
    const int64_t width = x.shape()[static_cast<size_t>(a)] * inner;
    const char* src = static_cast<const char*>(xc.impl().storage->data()) + xc.impl().offset * esize;
    if (width > 0)
      for (int64_t o = 0; o < outer; ++o)
        std::memcpy(dst + (o * total * inner + col) * esize, src + o * width * esize, width * esize);
    col += width;
  }
  if (needs_grad(xs)) {
    // y stacks the inputs along axis  ⇒  dL/dx_k is the matching slab of dL/dy.
    std::vector<int64_t> bounds{0};
    for (const Tensor& x : xs) bounds.push_back(bounds.back() + x.shape()[static_cast<size_t>(a)]);
    record(y, "concat", xs, [bounds, a](const Tensor& gy) {
      std::vector<Tensor> gs;
      for (size_t k = 0; k + 1 < bounds.size(); ++k) gs.push_back(slice(gy, a, bounds[k], bounds[k + 1]));
      return gs;
    });
  }
  return y;
}

Tensor contiguous(const Tensor& x) { return x.contiguous(); }

}  // namespace nn
