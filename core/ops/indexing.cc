// ops/indexing.cc — embedding lookup and gather_rows: copy rows of a table picked by int64
// ids; the backward scatter-adds gradient rows back into a zero table.
//
// The scatter-add is parallel without atomics and deterministic: each thread owns a contiguous
// range of table rows, zeroes it, then walks all ids in order and adds only the rows it owns.
// Every table row is therefore summed in id order, whatever the thread count.
#include <omp.h>

#include <cstring>

#include "core/autograd.h"
#include "core/ops.h"
#include "core/profile.h"

namespace nn {
namespace {

// Below this many copied floats the loops run on one thread.
constexpr int64_t kParallelMin = 1 << 15;

// out (n, cols) = rows ids[0..n) of table (·, cols).
void gather(const float* table, const int64_t* ids, int64_t n, int64_t cols, float* out) {
#pragma omp parallel for schedule(static) if (n * cols >= kParallelMin)
  for (int64_t k = 0; k < n; ++k)
    std::memcpy(out + k * cols, table + ids[k] * cols, static_cast<size_t>(cols) * sizeof(float));
}

// dtable (rows, cols) = zeros, then dtable[ids[k]] += g[k] for k = 0..n-1 (g is (n, cols)).
void scatter_add(const float* g, const int64_t* ids, int64_t n, int64_t cols, float* dtable,
                 int64_t rows) {
#pragma omp parallel if (rows * cols >= kParallelMin || n * cols >= kParallelMin)
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t lo = rows * t / nt, hi = rows * (t + 1) / nt;  // the table rows this thread owns
    std::memset(dtable + lo * cols, 0, static_cast<size_t>((hi - lo) * cols) * sizeof(float));
    for (int64_t k = 0; k < n; ++k) {
      const int64_t r = ids[k];
      if (r < lo || r >= hi) continue;
      float* dst = dtable + r * cols;
      const float* src = g + k * cols;
      for (int64_t c = 0; c < cols; ++c) dst[c] += src[c];
    }
  }
}

// Shared body of embedding and gather_rows: out = table rows at ids, shaped out_shape.
// `what` names an id in error messages ("id", "index").
Tensor take_rows(const char* op, const char* what, const Tensor& table, const Tensor& ids,
                 const Shape& out_shape) {
  const int64_t rows = table.size(0), cols = table.size(1);
  const Tensor idc = ids.contiguous();
  const int64_t* ip = idc.ids();
  const int64_t n = idc.numel();
  for (int64_t k = 0; k < n; ++k)
    NN_CHECK(ip[k] >= 0 && ip[k] < rows, op, ": ", what, " ", ip[k], " is out of range for ", rows,
             " rows (table ", table.shape(), ")");
  const Tensor tc = table.detach().contiguous();
  Tensor y = Tensor::empty(out_shape);
  gather(tc.data(), ip, n, cols, y.data());
  if (needs_grad({&table})) {
    // y[k] = table[ids[k]]  ⇒  ∂L/∂table[r] = Σ_{k : ids[k] = r} ∂L/∂y[k].
    record(y, op, {table}, [idc, n, rows, cols](const Tensor& gy) {
      const Tensor g = gy.contiguous();
      Tensor dtable = Tensor::empty({rows, cols});
      scatter_add(g.data(), idc.ids(), n, cols, dtable.data(), rows);
      return std::vector<Tensor>{dtable};
    });
  }
  return y;
}

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  const profile::Scope prof("embedding");
  NN_CHECK(weight.dtype() == DType::F32 && weight.dim() == 2, "embedding: weight must be F32 (V,C), got ",
           dtype_name(weight.dtype()), " ", weight.shape());
  NN_CHECK(ids.dtype() == DType::I64, "embedding: ids must be I64, got ", dtype_name(ids.dtype()));
  Shape out = ids.shape();
  out.push_back(weight.size(1));
  return take_rows("embedding", "id", weight, ids, out);
}

Tensor gather_rows(const Tensor& x, const Tensor& index) {
  const profile::Scope prof("gather_rows");
  NN_CHECK(x.dtype() == DType::F32 && x.dim() == 2, "gather_rows: x must be F32 (N,C), got ",
           dtype_name(x.dtype()), " ", x.shape());
  NN_CHECK(index.dtype() == DType::I64 && index.dim() == 1, "gather_rows: index must be I64 (M), got ",
           dtype_name(index.dtype()), " ", index.shape());
  return take_rows("gather_rows", "index", x, index, {index.size(0), x.size(1)});
}

}  // namespace nn
