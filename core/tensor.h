// tensor.h — nn::Tensor: an n-dimensional fp32 (or int64 index) array with shared storage,
// strides for views, and the autograd fields (requires_grad, grad, grad_fn).
//
// A Tensor is a cheap handle (shared_ptr to a TensorImpl). Copying a Tensor aliases it.
// Storage is row-major and 64-byte aligned; views (transpose, permute, slice, reshape) share it
// and carry their own shape/strides/offset. Kernels that want dense rows call contiguous().
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "core/error.h"
#include "core/storage.h"

namespace nn {

enum class DType : uint8_t { F32, I64 };

// Bytes per element of a dtype.
size_t dtype_size(DType t);
// "F32" or "I64".
const char* dtype_name(DType t);

using Shape = std::vector<int64_t>;

// Number of elements of a shape (1 for a scalar shape {}).
int64_t shape_numel(const Shape& shape);
// Row-major (contiguous) strides of a shape, in elements.
Shape contiguous_strides(const Shape& shape);

struct Node;  // autograd graph node (core/autograd.h)

// The state behind a Tensor handle. Users go through Tensor; ops and the engine use this.
struct TensorImpl {
  Shape shape;
  Shape strides;       // in elements
  int64_t offset = 0;  // in elements, into storage
  DType dtype = DType::F32;
  std::shared_ptr<Storage> storage;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated gradient of a leaf (same shape, contiguous)
  std::shared_ptr<Node> grad_fn;     // op that produced this tensor (null for leaves)
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (defined() == false)
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- factories (all return contiguous tensors that do not require grad) ----
  // Uninitialised storage of the given shape.
  static Tensor empty(const Shape& shape, DType dtype = DType::F32);
  // All zeros.
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32);
  // All ones.
  static Tensor ones(const Shape& shape);
  // Every element equal to value.
  static Tensor full(const Shape& shape, float value);
  // 1-D fp32 tensor start, start+step, ... (< end).
  static Tensor arange(float start, float end, float step = 1.f);
  // Copies values (row-major) into a new fp32 tensor; values.size() must equal the shape's numel.
  static Tensor from_data(const Shape& shape, std::span<const float> values);
  static Tensor from_data(const Shape& shape, std::initializer_list<float> values);
  // Copies int64 ids (row-major) into a new I64 tensor (token ids, labels, positions).
  static Tensor from_ids(const Shape& shape, std::span<const int64_t> ids);
  static Tensor from_ids(const Shape& shape, std::initializer_list<int64_t> ids);
  // Normal(mean, std) from the counter-based RNG: element i depends only on (seed, i).
  static Tensor randn(const Shape& shape, uint64_t seed, float mean = 0.f, float std = 1.f);
  // Uniform[lo, hi) from the counter-based RNG: element i depends only on (seed, i).
  static Tensor uniform(const Shape& shape, uint64_t seed, float lo = 0.f, float hi = 1.f);

  // ---- shape and layout ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Shape& strides() const { return impl().strides; }
  int64_t dim() const { return static_cast<int64_t>(impl().shape.size()); }
  // Size of dimension d; negative d counts from the end.
  int64_t size(int64_t d) const;
  int64_t numel() const { return shape_numel(impl().shape); }
  DType dtype() const { return impl().dtype; }
  bool is_contiguous() const;
  // Normalises a possibly negative axis against dim(); throws naming `op` when out of range.
  int64_t axis(int64_t d, const char* op) const;

  // ---- raw data (pointer to the first element of this view) ----
  float* data();               // F32 only
  const float* data() const;   // F32 only
  int64_t* ids();              // I64 only
  const int64_t* ids() const;  // I64 only

  // ---- copy-out (any layout; used by tests and I/O) ----
  std::vector<float> to_vector() const;   // F32, row-major order of this view
  std::vector<int64_t> to_ids() const;    // I64, row-major order of this view
  float item() const;                     // the single value of a one-element F32 tensor

  // A contiguous copy of this tensor (same values, fresh storage, recorded by autograd).
  Tensor clone() const;
  // This tensor if already contiguous, else a contiguous copy (recorded by autograd).
  Tensor contiguous() const;

  // ---- autograd ----
  bool requires_grad() const { return impl().requires_grad; }
  // Marks a leaf as a parameter whose gradient backward() accumulates. Returns *this.
  Tensor& requires_grad_(bool on = true);
  // The accumulated gradient of a leaf (undefined before the first backward).
  Tensor grad() const;
  // Sets the leaf's gradient buffer (e.g. a view into one flat gradient buffer).
  void set_grad(const Tensor& g);
  // Zeroes the accumulated gradient in place (keeps the buffer).
  void zero_grad();
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }
  // Backpropagates from a one-element tensor (seed gradient 1).
  void backward(bool retain_graph = false) const;
  // Backpropagates with an explicit upstream gradient of this tensor's shape.
  void backward(const Tensor& grad_output, bool retain_graph = false) const;
  // Same storage, cut from the graph, requires_grad false.
  Tensor detach() const;

  TensorImpl& impl() const;
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  // True when both handles alias one TensorImpl.
  bool same(const Tensor& o) const { return impl_ == o.impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// A view of `base`'s storage with a new shape/strides/offset (no copy, no autograd record).
Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset);

}  // namespace nn
