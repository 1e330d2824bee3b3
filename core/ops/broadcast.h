// ops/broadcast.h — numpy broadcasting helpers shared by the elementwise and reduction ops
// (internal to core/ops; not an installed header). Defined in core/ops/elementwise.cc.
#pragma once
#include "core/tensor.h"

namespace nn {

// The numpy broadcast of two shapes (aligned at the right, size-1 dims stretch); throws naming
// `op` and both shapes when they do not broadcast.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

// Element strides that read x as if it had `shape` (x's shape must broadcast to it): x's own
// stride on a matching dim, 0 on a stretched or missing dim.
Shape broadcast_strides(const Tensor& x, const Shape& shape);

// A new contiguous tensor of `shape` holding x broadcast to it (no autograd record).
Tensor broadcast_copy(const Tensor& x, const Shape& shape);

}  // namespace nn
