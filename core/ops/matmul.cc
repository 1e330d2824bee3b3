// ops/matmul.cc — matmul (2-D and batched 3-D/4-D, transposes by flag) and linear, with their
// backward. Every product is one call into kernels::gemm / gemm_batched.
//
// No transposing copies: an operand whose last two dims are row-major goes to BLAS as is, one
// whose last two dims are column-major (a transposed view) goes with the BLAS flag flipped; only
// other layouts are made contiguous. A batch of matrices shared-B style (B 2-D) with a row-major
// A becomes one big GEMM with the batch folded into M.
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/kernels/convert.h"
#include "core/kernels/gemm.h"
#include "core/kernels/gemm_int8.h"
#include "core/ops.h"
#include "core/profile.h"

namespace nn {
namespace {

// A stack of matrices as BLAS reads them. The logical matrix op(X) is (rows, cols); matrix n
// starts at data + n·batch_stride (0: one matrix shared by the whole batch). In memory each is
// row-major (rows, cols) with row stride ld, or, when trans, row-major (cols, rows).
struct Mats {
  Tensor keep;  // the tensor `data` points into (keeps the storage alive)
  const float* data = nullptr;
  int64_t rows = 0, cols = 0;
  int64_t ld = 1;
  int64_t batch_stride = 0;
  bool trans = false;
};

// The same memory read as op(X)ᵀ: the BLAS flag toggles, nothing is copied.
Mats transposed(Mats m) {
  std::swap(m.rows, m.cols);
  m.trans = !m.trans;
  return m;
}

// x's last two dims (r, c) as BLAS matrices when x's layout allows it: each matrix row-major or
// column-major with a valid leading dimension, and the batch dims collapsible to one stride.
std::optional<Mats> blas_layout(const Tensor& x) {
  const size_t n = x.shape().size();
  const int64_t r = x.shape()[n - 2], c = x.shape()[n - 1];
  const int64_t sr = x.strides()[n - 2], sc = x.strides()[n - 1];
  Mats m{x, x.data(), r, c};
  if (x.numel() == 0) {
    m.ld = std::max<int64_t>(c, 1);  // never read: an empty product reads no operand
    return m;
  }
  if ((c == 1 || sc == 1) && (r == 1 || sr >= c)) {
    m.ld = r == 1 ? c : sr;  // row-major
  } else if ((r == 1 || sr == 1) && (c == 1 || sc >= r)) {
    m.ld = c == 1 ? r : sc;  // column-major: memory is the row-major transpose
    m.trans = true;
  } else {
    return std::nullopt;
  }
  // Batch dims, innermost first: each must step by (stride of the one inside) × (its size).
  int64_t count = 1;
  for (size_t d = n - 2; d-- > 0;) {
    const int64_t size = x.shape()[d], stride = x.strides()[d];
    if (size == 1) continue;
    if (count == 1) m.batch_stride = stride;
    else if (stride != m.batch_stride * count) return std::nullopt;
    count *= size;
  }
  return m;
}

// op(x) for BLAS: x's own memory when possible, else a contiguous copy (never recorded).
Mats as_mats(const Tensor& x, bool trans) {
  const Tensor plain = x.detach();
  std::optional<Mats> m = blas_layout(plain);
  if (!m) m = blas_layout(plain.contiguous());
  return trans ? transposed(*m) : *m;
}

// C_n = X_n·Y_n for n < batch into contiguous C (batch, X.rows, Y.cols). A shared Y with a
// row-major, evenly stacked X is one GEMM with the batch folded into M.
void product(const Mats& X, const Mats& Y, int64_t batch, float* C) {
  const int64_t M = X.rows, K = X.cols, N = Y.cols;
  if (Y.batch_stride == 0 && !X.trans && (batch == 1 || X.batch_stride == M * X.ld)) {
    kernels::gemm(false, Y.trans, batch * M, N, K, 1.f, X.data, X.ld, Y.data, Y.ld, 0.f, C, N);
  } else {
    kernels::gemm_batched(batch, X.trans, Y.trans, M, N, K, 1.f, X.data, X.ld, X.batch_stride, Y.data,
                          Y.ld, Y.batch_stride, 0.f, C, N, M * N);
  }
}

// C = Σ_n X_n·Y_n (X.rows, Y.cols). When the summed dim of every X_n and Y_n is a run of memory
// rows evenly stacked across the batch, the sum is one GEMM with the batch folded into K.
void summed_product(const Mats& X, const Mats& Y, int64_t batch, float* C) {
  const int64_t M = X.rows, K = X.cols, N = Y.cols;
  if (batch == 0 || (X.trans && !Y.trans && X.batch_stride == K * X.ld && Y.batch_stride == K * Y.ld)) {
    kernels::gemm(X.trans, Y.trans, M, N, batch * K, 1.f, X.data, X.ld, Y.data, Y.ld, 0.f, C, N);
    return;
  }
  for (int64_t n = 0; n < batch; ++n)
    kernels::gemm(X.trans, Y.trans, M, N, K, 1.f, X.data + n * X.batch_stride, X.ld,
                  Y.data + n * Y.batch_stride, Y.ld, n == 0 ? 0.f : 1.f, C, N);
}

// out[j] = Σ_i g[i, j] for g (rows, cols) row-major; each column sums its rows in order.
void column_sums(const float* g, int64_t rows, int64_t cols, float* out) {
  constexpr int64_t kBlock = 64;  // columns per task: one cache line of every row per step
#pragma omp parallel for schedule(static) if (rows * cols > (1 << 16))
  for (int64_t j0 = 0; j0 < cols; j0 += kBlock) {
    const int64_t j1 = std::min(cols, j0 + kBlock);
    std::fill(out + j0, out + j1, 0.f);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = j0; j < j1; ++j) out[j] += g[i * cols + j];
  }
}

// src (rows, cols) with row stride ld, rounded to bf16 and packed row-major in allocator storage
// (so a step that repeats its sizes reuses blocks).
std::shared_ptr<Storage> rounded_bf16(const float* src, int64_t rows, int64_t cols, int64_t ld) {
  auto copy = std::make_shared<Storage>(static_cast<size_t>(rows * cols) * sizeof(uint16_t));
  kernels::fp32_to_bf16_rows(rows, cols, src, ld, static_cast<uint16_t*>(copy->data()));
  return copy;
}

// The (rows, cols) fp32 tensor holding the bf16 values x16 (packed row-major) exactly.
Tensor widened_bf16(const uint16_t* x16, int64_t rows, int64_t cols) {
  Tensor x = Tensor::empty({rows, cols});
  float* dst = x.data();
  for (int64_t i = 0; i < rows * cols; ++i) {
    const uint32_t bits = static_cast<uint32_t>(x16[i]) << 16;
    std::memcpy(dst + i, &bits, sizeof(float));
  }
  return x;
}

// The bf16 data of a rounded copy, or null when there is none.
const uint16_t* bf16_data(const std::shared_ptr<Storage>& s) {
  return s ? static_cast<const uint16_t*>(s->data()) : nullptr;
}

// Shape with the last dim replaced by n.
Shape with_last(Shape s, int64_t n) {
  s.back() = n;
  return s;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  const profile::Scope prof("matmul");
  NN_CHECK(a.dtype() == DType::F32 && b.dtype() == DType::F32, "matmul: shapes ", a.shape(), " and ",
           b.shape(), " must both be F32");
  NN_CHECK(a.dim() >= 2 && a.dim() <= 4 && b.dim() >= 2 && b.dim() <= 4, "matmul: shapes ", a.shape(),
           " and ", b.shape(), " must have rank 2 to 4");
  const bool shared_b = b.dim() == 2;
  const Shape batch_dims(a.shape().begin(), a.shape().end() - 2);
  NN_CHECK(shared_b || Shape(b.shape().begin(), b.shape().end() - 2) == batch_dims, "matmul: shapes ",
           a.shape(), " and ", b.shape(), " do not match: batch dims differ (B must share A's batch dims or be 2-D)");
  const Mats A = as_mats(a, trans_a), B = as_mats(b, trans_b);
  NN_CHECK(A.cols == B.rows, "matmul: shapes ", a.shape(), " and ", b.shape(), " do not match (inner dims ",
           A.cols, " and ", B.rows, " with trans_a=", trans_a, ", trans_b=", trans_b, ")");
  const int64_t batch = shape_numel(batch_dims);
  Shape out_shape = batch_dims;
  out_shape.push_back(A.rows);
  out_shape.push_back(B.cols);
  Tensor c = Tensor::empty(out_shape);
  product(A, B, batch, c.data());

  if (needs_grad({&a, &b})) {
    // C = Â·B̂ with Â = op(A), B̂ = op(B)  ⇒  dÂ = dC·B̂ᵀ, dB̂ = Âᵀ·dC. For a transposed operand
    // the gradient is the transpose: dA = (dC·B̂ᵀ)ᵀ = B̂·dCᵀ, dB = (Âᵀ·dC)ᵀ = dCᵀ·Â. A 2-D B
    // shared across the batch gets the sum over the batch of its per-matrix gradients.
    record(c, "matmul", {a, b},
           [A, B, batch, shared_b, trans_a, trans_b, a_shape = a.shape(), b_shape = b.shape(),
            need_a = a.requires_grad(), need_b = b.requires_grad()](const Tensor& gc) {
             const Mats G = as_mats(gc, false);
             Tensor ga, gb;
             if (need_a) {
               ga = Tensor::empty(a_shape);
               if (trans_a) product(B, transposed(G), batch, ga.data());
               else product(G, transposed(B), batch, ga.data());
             }
             if (need_b) {
               gb = Tensor::empty(b_shape);
               const Mats X = trans_b ? transposed(G) : transposed(A);
               const Mats Y = trans_b ? A : G;
               if (shared_b) summed_product(X, Y, batch, gb.data());
               else product(X, Y, batch, gb.data());
             }
             return std::vector<Tensor>{ga, gb};
           });
  }
  return c;
}

namespace {

// y (rows, out) = x·Wᵀ + b (then the epilogue) through the int8 matmul, x contiguous (rows, in):
// W's int8 copy comes from the Bf16WeightScope when one is open (quantized once), else W is
// quantized for this product alone.
void linear_int8(const Tensor& x, const Tensor& w, const Tensor& b, int64_t rows, Tensor& y,
                 kernels::Epilogue epilogue) {
  const int64_t in = w.size(1), out = w.size(0);
  std::unique_ptr<kernels::Int8Weight> local;
  kernels::Int8Weight* w8 = int8_weight(w);
  if (!w8) {
    const Tensor wc = w.detach().contiguous();
    local = kernels::quantize_weight(out, in, wc.data(), in);
    w8 = local.get();
  }
  kernels::gemm_int8(rows, x.data(), in, *w8, b.defined() ? b.data() : nullptr, y.data(), out,
                     epilogue == kernels::Epilogue::kGelu);
}

// linear() with a GEMM epilogue; callers pass an epilogue other than kNone only without
// gradients (its backward would need the pre-activation: linear_gelu).
Tensor linear_impl(const Tensor& x, const Tensor& w, const Tensor& b, kernels::Epilogue epilogue) {
  NN_CHECK(x.dtype() == DType::F32 && w.dtype() == DType::F32 && x.dim() >= 1 && w.dim() == 2 &&
               x.size(-1) == w.size(1),
           "linear: input ", x.shape(), " and weight ", w.shape(), " do not match (need x (..., in), W (out, in))");
  const int64_t in = w.size(1), out = w.size(0);
  NN_CHECK(!b.defined() || (b.dtype() == DType::F32 && b.shape() == Shape{out}), "linear: bias ",
           b.defined() ? b.shape() : Shape{}, " does not match weight ", w.shape(), " (need bias (out))");
  const Tensor xc = x.detach().contiguous();
  const int64_t rows = in == 0 ? shape_numel(with_last(x.shape(), 1)) : x.numel() / in;
  const Mats Wt = as_mats(w, true);  // op(W) = Wᵀ (in, out)
  Tensor y = Tensor::empty(with_last(x.shape(), out));
  const Tensor bc = b.defined() ? b.detach().contiguous() : Tensor();  // fused into the GEMM
  // In bf16 precision the weight's rounded copy comes from the Bf16WeightScope when one is open
  // (core/bf16_weights.h; without gradients its blocked copies, with them the plain one, which the
  // backward's dx reuses), and x is rounded here once for the forward product and dW = dyᵀ·x.
  const bool grad = needs_grad({&x, &w, &b});
  if (kernels::gemm_precision() == kernels::GemmPrecision::kInt8) {
    NN_CHECK(!grad, "linear: int8 precision is for inference only (dynamic quantization has no gradient); "
                    "train in fp32 or bf16, or run without gradients (NoGradGuard)");
    if (rows > 0 && in > 0 && out > 0) {  // empty products: the fp32 path below handles them
      linear_int8(xc, w, bc, rows, y, epilogue);
      return y;
    }
  }
  const bool bf16_fwd = kernels::gemm_runs_bf16(rows, out);
  const std::shared_ptr<Storage> x16 =
      bf16_fwd && rows * in > 0 ? rounded_bf16(xc.data(), rows, in, std::max<int64_t>(in, 1)) : nullptr;
  kernels::gemm(false, Wt.trans, rows, out, in, 1.f, xc.data(), std::max<int64_t>(in, 1), bf16_data(x16),
                Wt.data, Wt.ld, bf16_fwd && grad ? bf16_weight(w) : nullptr, bc.defined() ? bc.data() : nullptr,
                0.f, y.data(), std::max<int64_t>(out, 1), epilogue,
                bf16_fwd && !grad ? bf16_weight_layouts(w) : nullptr);  // inference: blocked copies only

  if (grad) {
    // dW reads x's bf16 copy when it runs in bf16: then the backward keeps that copy alone, so
    // x's fp32 storage is freed once nothing else holds it (half the bytes per kept activation).
    const bool dw_reads_x16 = x16 && w.requires_grad() && kernels::gemm_runs_bf16(out, in);
    // y = x·Wᵀ + b over rows r  ⇒  dx = dy·W, dW = Σ_r dy_rᵀ x_r = dyᵀ·x (one GEMM over all
    // rows), db = Σ_r dy_r.
    record(y, "linear", {x, w, b},
           [xc = dw_reads_x16 || !w.requires_grad() ? Tensor() : xc, x16 = dw_reads_x16 ? x16 : nullptr, Wt, rows,
            in, out, x_shape = x.shape(),
            need_x = x.requires_grad(), need_w = w.requires_grad(),
            need_b = b.defined() && b.requires_grad()](const Tensor& gy) {
             const Tensor g = gy.contiguous();
             const int64_t ldg = std::max<int64_t>(out, 1), ldx = std::max<int64_t>(in, 1);
             const bool bf16_dx = need_x && kernels::gemm_runs_bf16(rows, in);
             const bool bf16_dw = need_w && kernels::gemm_runs_bf16(out, in);
             // dy feeds both products: round it once when both run in bf16.
             const std::shared_ptr<Storage> g16 =
                 bf16_dx && bf16_dw && rows * out > 0 ? rounded_bf16(g.data(), rows, out, ldg) : nullptr;
             Tensor gx, gw, gb;
             if (need_x) {
               gx = Tensor::empty(x_shape);
               kernels::gemm(false, !Wt.trans, rows, in, out, 1.f, g.data(), ldg, bf16_data(g16), Wt.data, Wt.ld,
                             bf16_dx ? bf16_weight(Wt.keep) : nullptr, nullptr, 0.f, gx.data(), ldx);
             }
             if (need_w) {
               gw = Tensor::empty({out, in});
               // Only the bf16 copy was kept, but the precision changed since the forward: widen it.
               const Tensor xw = xc.defined() || !x16 ? xc : widened_bf16(bf16_data(x16), rows, in);
               kernels::gemm(true, false, out, in, rows, 1.f, g.data(), ldg, bf16_data(g16),
                             xw.defined() ? xw.data() : nullptr, ldx, bf16_dw ? bf16_data(x16) : nullptr, nullptr,
                             0.f, gw.data(), ldx);
             }
             if (need_b) {
               gb = Tensor::empty({out});
               column_sums(g.data(), rows, out, gb.data());
             }
             return std::vector<Tensor>{gx, gw, gb};
           });
  }
  return y;
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  const profile::Scope prof("linear");
  return linear_impl(x, w, b, kernels::Epilogue::kNone);
}

Tensor linear_gelu(const Tensor& x, const Tensor& w, const Tensor& b) {
  // The backward of gelu needs the pre-activation x·Wᵀ + b, so with gradients the two ops run
  // (and are recorded) apart; without, GELU is the GEMM's epilogue and h is never stored.
  if (needs_grad({&x, &w, &b})) return gelu(linear(x, w, b));
  const profile::Scope prof("linear_gelu");
  return linear_impl(x, w, b, kernels::Epilogue::kGelu);
}

}  // namespace nn
