// ops/attention.cc — fused scaled-dot-product attention with its backward (kernels/attention.h).
//
// q, k, v may be strided views: any layout whose last dim is contiguous goes to the kernel as
// is (the BERT layer's (B,T,H,D) activations permuted to (B,H,T,D) need no copy). The output and
// the gradients follow the memory order of q (resp. k, v) when that is a permutation of a dense
// array, so permuting them back to (B,T,H,D) downstream is free too.
//
// For the backward the forward keeps the per-row log-sum-exp and, when T·S is small, the
// (undropped) probabilities themselves (one GEMM and one exp pass less in backward; measured in
// bench/bench_attention.cc). For long sequences it keeps only the log-sum-exp (O(T) memory
// instead of O(T·S)) and the backward recomputes the probabilities block by block.
//
// Precision: with the gemm precision at bf16 (kernels/gemm.h) and a CPU with AVX512-BF16, the
// kernel's products run on bf16 operands (AttentionDims::bf16; from kBf16MinQueries queries on);
// its softmax stays fp32. The backward uses the forward's precision.
#include <algorithm>
#include <numeric>
#include <optional>
#include <utility>

#include "core/autograd.h"
#include "core/kernels/attention.h"
#include "core/kernels/bf16_tile.h"
#include "core/kernels/gemm.h"
#include "core/ops.h"
#include "core/profile.h"

namespace nn {
namespace {

// Largest T·S for which the forward keeps the probabilities for backward. Measured at B=8,
// H=12, D=64, T=S=128 (BM_AttentionKernelBackward, one thread, CPU time): 10.1 ms with kept
// probabilities, 12.2 ms recomputing them (one more GEMM and exp pass per block). The kept
// (B,H,T,S) tensor is 6 MB per layer at T=S=128 and 25 MB at 256, where we stop keeping it.
constexpr int64_t kKeepProbsMax = 256 * 256;

// Fewer queries than this stay fp32 in bf16 precision: the kernel rounds all of k and v per call,
// O(S·D) per head like the products themselves when T is tiny (decoding's T = 1 against its KV
// cache), as kernels::gemm keeps its thin products fp32.
constexpr int64_t kBf16MinQueries = 32;

// The kernel's view of a (B,H,n,D) tensor, if its last dim is contiguous and rows do not overlap.
std::optional<kernels::HeadsLayout> heads_layout(const Tensor& x) {
  const int64_t rows = x.shape()[2], D = x.shape()[3];
  const Shape& s = x.strides();
  if (D > 1 && s[3] != 1) return std::nullopt;
  const int64_t row = rows <= 1 ? std::max<int64_t>(D, 1) : s[2];
  if (row < std::max<int64_t>(D, 1)) return std::nullopt;
  return kernels::HeadsLayout{s[0], s[1], row};
}

// x detached (no graph), copied to contiguous only if the kernel cannot read its layout.
std::pair<Tensor, kernels::HeadsLayout> kernel_input(const Tensor& x) {
  const Tensor d = x.detach();
  if (auto l = heads_layout(d)) return {d, *l};
  const Tensor c = d.contiguous();
  return {c, *heads_layout(c)};
}

// A fresh tensor of x's shape laid out in x's memory order when x is a permutation of a dense
// array (e.g. (B,T,H,D) memory seen as (B,H,T,D)), else contiguous.
Tensor empty_like_layout(const Tensor& x) {
  const size_t n = x.shape().size();
  std::vector<size_t> order(n);  // axes from the largest stride to the smallest
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return x.strides()[a] > x.strides()[b]; });
  Shape strides(n);
  int64_t step = 1;
  bool dense = x.numel() > 0;
  for (size_t i = n; i-- > 0;) {
    const size_t axis = order[i];
    strides[axis] = step;
    if (x.shape()[axis] > 1 && x.strides()[axis] != step) dense = false;
    step *= x.shape()[axis];
  }
  if (!dense) return Tensor::empty(x.shape());
  return make_view(Tensor::empty({x.numel()}), x.shape(), strides, 0);
}

// Throws unless every id of each row of segments (B,T) fills one contiguous run.
void check_segment_runs(const Tensor& segments) {
  const int64_t B = segments.size(0), T = segments.size(1);
  const std::vector<int64_t> ids = segments.to_ids();
  for (int64_t b = 0; b < B; ++b) {
    const int64_t* row = ids.data() + b * T;
    for (int64_t i = 1; i < T; ++i) {
      if (row[i] == row[i - 1]) continue;
      const int64_t* earlier = std::find(row, row + i - 1, row[i]);
      NN_CHECK(earlier == row + i - 1, "attention: segment id ", row[i], " of row ", b, " is not one run (at ",
               earlier - row, " and ", i, ")");
    }
  }
}

}  // namespace

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                 bool causal, float dropout_p, uint64_t dropout_seed, const Tensor& segments) {
  const profile::Scope prof("attention");
  NN_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "attention: shapes q ", q.shape(), ", k ",
           k.shape(), ", v ", v.shape(), " must be (B,H,T,D), (B,H,S,D), (B,H,S,D)");
  NN_CHECK(q.dtype() == DType::F32 && k.dtype() == DType::F32 && v.dtype() == DType::F32,
           "attention: q, k, v must be F32");
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3), S = k.size(2);
  NN_CHECK(k.shape() == Shape({B, H, S, D}) && v.shape() == k.shape(), "attention: shapes q ", q.shape(),
           ", k ", k.shape(), ", v ", v.shape(), " do not match (need (B,H,T,D), (B,H,S,D), (B,H,S,D))");
  if (key_mask.defined()) {
    NN_CHECK(key_mask.dtype() == DType::F32 && key_mask.shape() == Shape({B, S}), "attention: key_mask ",
             key_mask.shape(), " must be (B,S) = ", Shape({B, S}), " for q ", q.shape(), " and k ", k.shape());
    NN_CHECK(!key_mask.requires_grad(), "attention: key_mask ", key_mask.shape(),
             " requires grad, but the mask gets no gradient (pass it detached)");
  }
  NN_CHECK(dropout_p >= 0.f && dropout_p < 1.f, "attention: dropout probability must be in [0, 1), got ",
           dropout_p);
  if (segments.defined()) {
    NN_CHECK(segments.dtype() == DType::I64 && segments.shape() == Shape({B, T}), "attention: segments ",
             segments.shape(), " must be int64 (B,T) = ", Shape({B, T}), " for q ", q.shape());
    NN_CHECK(S == T, "attention: segments need self-attention (S == T), but q ", q.shape(), " and k ", k.shape(),
             " differ in length");
  }
  const Tensor seg = segments.defined() ? segments.contiguous() : Tensor();
  if (seg.defined()) check_segment_runs(seg);
  const Tensor mask = key_mask.defined() ? key_mask.detach().contiguous() : Tensor();
  const auto [qd, lq] = kernel_input(q);
  const auto [kd, lk] = kernel_input(k);
  const auto [vd, lv] = kernel_input(v);
  const kernels::AttentionDims dims{B, H, T, S, D, mask.defined() ? mask.data() : nullptr, causal,
                                    dropout_p, dropout_seed, seg.defined() ? seg.ids() : nullptr,
                                    kernels::gemm_precision() == kernels::GemmPrecision::kBf16 &&
                                        kernels::bf16_tiles_supported() && T >= kBf16MinQueries};

  Tensor out = empty_like_layout(q);
  const kernels::HeadsLayout lo = *heads_layout(out);
  Tensor lse = Tensor::empty({B, H, T});
  const bool grad = needs_grad({&q, &k, &v});
  Tensor probs = grad && T * S <= kKeepProbsMax ? Tensor::empty({B, H, T, S}) : Tensor();
  kernels::attention_forward(dims, qd.data(), lq, kd.data(), lk, vd.data(), lv, out.data(), lo,
                             lse.data(), probs.defined() ? probs.data() : nullptr);

  if (grad) {
    // O = P_d·V with P = softmax(QKᵀ/√D + mask), P_d = P ⊙ M/(1 − p) (M the fixed dropout
    // mask; P_d = P without dropout)  ⇒  dV = P_dᵀ·dO, dP = (dO·Vᵀ) ⊙ M/(1 − p),
    // dS = P ⊙ (dP − rowsum(dO ⊙ O)), dQ = dS·K/√D, dK = dSᵀ·Q/√D (derivation in
    // kernels/attention.cc, attention_backward). The kept probs are P, before dropout.
    record(out, "attention", {q, k, v},
           [dims, qd = qd, lq = lq, kd = kd, lk = lk, vd = vd, lv = lv, od = out.detach(), lo, lse, probs, mask, seg,
            need = std::vector<bool>{q.requires_grad(), k.requires_grad(), v.requires_grad()}](
               const Tensor& gy) {
             const auto [g, lg] = kernel_input(gy);
             Tensor dq = empty_like_layout(qd), dk = empty_like_layout(kd), dv = empty_like_layout(vd);
             kernels::attention_backward(dims, qd.data(), lq, kd.data(), lk, vd.data(), lv, od.data(), lo,
                                         g.data(), lg, lse.data(), probs.defined() ? probs.data() : nullptr,
                                         dq.data(), *heads_layout(dq), dk.data(), *heads_layout(dk),
                                         dv.data(), *heads_layout(dv));
             return std::vector<Tensor>{need[0] ? dq : Tensor(), need[1] ? dk : Tensor(),
                                        need[2] ? dv : Tensor()};
           });
  }
  return out;
}

}  // namespace nn
