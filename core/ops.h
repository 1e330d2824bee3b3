// ops.h — every differentiable op of the tensor core, grouped by family. Each op lives in
// core/ops/<family>.cc with its backward beside it; kernels in core/kernels/.
//
// Conventions: shapes are row-major; "x is (B,T,C)" means x.shape() == {B,T,C}. Ops accept
// non-contiguous inputs (they call contiguous() where a kernel needs dense rows) and return
// contiguous outputs unless they are views (reshape, transpose, permute, slice).
// Errors throw nn::Error naming the op and the shapes.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "core/tensor.h"

namespace nn {

// ---------------- elementwise (core/ops/elementwise.cc) ----------------
// Binary ops broadcast like numpy: shapes align at the right, size-1 dims stretch.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
// Scalar forms: a (op) s and s (op) a.
Tensor add(const Tensor& a, float s);
Tensor sub(const Tensor& a, float s);
Tensor sub(float s, const Tensor& a);
Tensor mul(const Tensor& a, float s);
Tensor div(const Tensor& a, float s);
Tensor div(float s, const Tensor& a);
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor relu(const Tensor& x);
// GELU, erf form: x/2 · (1 + erf(x/√2)) (HF "gelu").
Tensor gelu(const Tensor& x);
// Sums g down to `shape` over the broadcast dims (the backward of broadcasting).
Tensor sum_to(const Tensor& g, const Shape& shape);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, float s) { return add(a, s); }
inline Tensor operator-(const Tensor& a, float s) { return sub(a, s); }
inline Tensor operator*(const Tensor& a, float s) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, float s) { return div(a, s); }
inline Tensor operator+(float s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(float s, const Tensor& a) { return sub(s, a); }
inline Tensor operator*(float s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(float s, const Tensor& a) { return div(s, a); }
inline Tensor operator-(const Tensor& x) { return neg(x); }

// ---------------- reductions (core/ops/reduce.cc) ----------------
// Over all elements: a 0-d tensor (shape {}).
Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x);
Tensor max(const Tensor& x);
// Over one axis (negative counts from the end); keepdim keeps it as size 1.
Tensor sum(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor mean(const Tensor& x, int64_t axis, bool keepdim = false);
// Max over an axis; the gradient goes to the first maximal element.
Tensor max(const Tensor& x, int64_t axis, bool keepdim = false);

// ---------------- matmul (core/ops/matmul.cc) ----------------
// C = op(A)·op(B), op = transpose of the last two dims when the flag is set (by BLAS flag, not
// by copying). A is (..., M, K) or (..., K, M) if trans_a; B is (..., K, N) or (..., N, K) if
// trans_b. Ranks 2–4; batch dims must be equal, or B may be 2-D (shared across the batch).
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
// y = x·Wᵀ + b with x (..., in), W (out, in), b (out) or undefined: the Linear layer's op. In int8
// precision (kernels/gemm.h) it runs the int8 matmul and throws if a gradient is needed.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);
// gelu(linear(x, w, b)); without gradients GELU is applied in the GEMM's epilogue (one pass
// less over the (…, out) activations: inference's dense + GELU of the FFN and the MLM head).
Tensor linear_gelu(const Tensor& x, const Tensor& w, const Tensor& b);

// ---------------- shape (core/ops/shape.cc) ----------------
// Same elements, new shape (one dim may be -1). A view when x is contiguous, else a copy.
Tensor reshape(const Tensor& x, const Shape& shape);
// Swaps two axes (a view).
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
// Reorders axes: output axis i is input axis dims[i] (a view).
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
// Elements start..end-1 along `axis` (a view). Negative start/end count from the end.
Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t end);
// Joins tensors along `axis`; all other dims must match.
Tensor concat(const std::vector<Tensor>& xs, int64_t axis);
// A contiguous copy when x is a strided view, x itself otherwise (same as x.contiguous()).
Tensor contiguous(const Tensor& x);

// ---------------- indexing (core/ops/indexing.cc) ----------------
// Rows of `weight` (V, C) picked by int64 `ids` of any shape: output is ids.shape + (C).
// Backward scatter-adds into the rows of dweight. Ids out of [0, V) throw.
Tensor embedding(const Tensor& weight, const Tensor& ids);
// Rows of x (N, C) at int64 `index` (M): output (M, C). Backward scatter-adds (gathered MLM).
Tensor gather_rows(const Tensor& x, const Tensor& index);

// ---------------- softmax and normalisation (core/ops/softmax.cc, layer_norm.cc) ----------------
// Softmax over the last axis.
Tensor softmax(const Tensor& x);
// log(softmax(x)) over the last axis, computed stably.
Tensor log_softmax(const Tensor& x);
// LayerNorm over the last axis: (x − mean)/√(var + eps)·gamma + beta; gamma, beta are (C).
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps);

// ---------------- dropout (core/ops/dropout.cc) ----------------
// In training, zeroes each element with probability p and scales the rest by 1/(1−p); the mask
// for element i depends only on (seed, i), so it is the same for any thread count. Identity
// when !training or p == 0.
Tensor dropout(const Tensor& x, float p, bool training, uint64_t seed);

// ---------------- losses (core/ops/loss.cc) ----------------
// Mean cross-entropy of logits (N, C) against int64 targets (N); targets equal to
// ignore_index contribute nothing and are not counted (0 when every target is ignored).
// Fused log-softmax + NLL: backward is (softmax − onehot)/count.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index = -100);
// Mean binary cross-entropy of logits against F32 targets in [0, 1] of the same shape (multi-label
// classification), computed stably from the logits: backward is (σ(x) − y)/n.
Tensor bce_with_logits(const Tensor& logits, const Tensor& targets);
// Mean squared error of input against an F32 target of the same shape: backward is 2(x − y)/n.
Tensor mse_loss(const Tensor& input, const Tensor& target);

// ---------------- attention (core/ops/attention.cc) ----------------
// Scaled dot-product attention. q, k, v are (B, H, T, D) (k, v may have their own length S);
// key_mask, if defined, is additive (B, S) and is added to every query row of QKᵀ/√D; causal
// masks keys after the query position (query i sees keys 0..i + (S − T)). Output (B, H, T, D).
// dropout_p > 0 applies dropout to the probabilities, with exactly the mask of
// dropout(probs, dropout_p, true, dropout_seed) on the (B, H, T, S) probability tensor.
// segments, if defined, is int64 (B, T) with S == T (packed sequences, several per row): query i
// sees key j only when segments[b, i] == segments[b, j], and each id must fill one contiguous
// run of its row; work across segments is skipped, not masked.
// Fused: scores are formed, masked, softmaxed, dropped and applied to V one block at a time.
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                 bool causal, float dropout_p = 0.f, uint64_t dropout_seed = 0,
                 const Tensor& segments = Tensor());

}  // namespace nn
