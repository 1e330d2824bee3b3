// kernels/attention.cc — Highway + OpenMP implementation of core/kernels/attention.h.
//
// This file is compiled once per SIMD target (hwy/foreach_target.h re-includes it); the plain
// functions at the bottom dispatch to the best target at run time, once per call, outside the
// parallel region. Work is split over (batch, head) pairs (forward also over query blocks);
// each task's GEMMs run single-threaded inside the OpenMP region (see kernels/gemm.h) and its row
// passes (mask + softmax, softmax gradient) run on rows that are still in L1/L2.
//
// Dropout (dims.dropout_p > 0) applies to the probabilities of each block after the softmax,
// row by row, at the rows' indices in the (B,H,T,S) stream; the mask is recomputed, never stored.
//
// Masking: a key is invisible to a row when causal puts it after the row's position; such keys
// are never multiplied (each query block's GEMMs stop at the last key its last row sees) and
// get probability 0. A row with no visible key, or whose every score is −inf, outputs 0 and
// gets lse = +inf, so exp(score − lse) recomputes its probabilities as 0 (never NaN).
#include "core/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include "core/kernels/dropout.h"
#include "core/kernels/gemm.h"
#include "core/profile.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/kernels/attention.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/aligned_allocator.h>
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>

HWY_BEFORE_NAMESPACE();
namespace nn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using Df = hn::ScalableTag<float>;
using Vf = hn::Vec<Df>;

// Query rows per block: the block's scores (kBlock × S) stay in L2. Forward and backward must
// use the same blocking (the backward reads the forward's probabilities block by block).
constexpr int64_t kBlock = 128;
// Below this many score elements (B·H·T·S) the work stays on one thread.
constexpr int64_t kParallelMin = 1 << 14;

// Keys visible to query row i (0-based): all S, or 0 .. i + S − T when causal.
HWY_INLINE int64_t VisibleKeys(const AttentionDims& a, int64_t i) {
  return a.causal ? std::clamp<int64_t>(i + 1 + a.S - a.T, 0, a.S) : a.S;
}

// x[j] += mask[j] for j < n (mask may be null), returning max_j x[j] (−inf when n == 0).
HWY_INLINE float AddMaskMax(float* x, const float* mask, size_t n) {
  const Df d;
  const size_t N = hn::Lanes(d);
  float m = -std::numeric_limits<float>::infinity();
  Vf vm = hn::Set(d, m);
  size_t j = 0;
  for (; j + N <= n; j += N) {
    Vf v = hn::LoadU(d, x + j);
    if (mask) {
      v = hn::Add(v, hn::LoadU(d, mask + j));
      hn::StoreU(v, d, x + j);
    }
    vm = hn::Max(vm, v);
  }
  for (; j < n; ++j) {
    if (mask) x[j] += mask[j];
    m = std::max(m, x[j]);
  }
  return std::max(m, hn::GetLane(hn::MaxOfLanes(d, vm)));
}

// x[j] = exp(x[j] − shift) for j < n; returns Σ_j x[j] (vector lanes, then the tail, in order).
HWY_INLINE float ExpShift(float* x, size_t n, float shift) {
  const Df d;
  const size_t N = hn::Lanes(d);
  const Vf vs = hn::Set(d, shift);
  Vf sum = hn::Zero(d);
  size_t j = 0;
  for (; j + N <= n; j += N) {
    const Vf e = hn::Exp(d, hn::Sub(hn::LoadU(d, x + j), vs));
    hn::StoreU(e, d, x + j);
    sum = hn::Add(sum, e);
  }
  float tail = 0.f;
  for (; j < n; ++j) tail += x[j] = std::exp(x[j] - shift);
  return hn::GetLane(hn::SumOfLanes(d, sum)) + tail;
}

// x[j] *= s for j < n.
HWY_INLINE void Scale(float* x, size_t n, float s) {
  const Df d;
  const size_t N = hn::Lanes(d);
  const Vf vs = hn::Set(d, s);
  size_t j = 0;
  for (; j + N <= n; j += N) hn::StoreU(hn::Mul(hn::LoadU(d, x + j), vs), d, x + j);
  for (; j < n; ++j) x[j] *= s;
}

// Σ_j a[j]·b[j] for j < n.
HWY_INLINE float Dot(const float* a, const float* b, size_t n) {
  const Df d;
  const size_t N = hn::Lanes(d);
  Vf acc = hn::Zero(d);
  size_t j = 0;
  for (; j + N <= n; j += N) acc = hn::MulAdd(hn::LoadU(d, a + j), hn::LoadU(d, b + j), acc);
  float tail = 0.f;
  for (; j < n; ++j) tail += a[j] * b[j];
  return hn::GetLane(hn::SumOfLanes(d, acc)) + tail;
}

// Rows i0 .. i0+m−1 of one head: x (m, width) holds their scaled scores for keys [0, width)
// (row stride ldx). Adds the mask, softmaxes over the visible keys, zeroes the rest of the
// width, and writes each row's log-sum-exp (+inf for a fully masked row).
HWY_INLINE void SoftmaxRows(const AttentionDims& a, const float* mask, int64_t i0, int64_t m,
                            int64_t width, float* x, int64_t ldx, float* lse) {
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t r = 0; r < m; ++r) {
    float* row = x + r * ldx;
    const int64_t n = VisibleKeys(a, i0 + r);
    const float mx = AddMaskMax(row, mask, static_cast<size_t>(n));
    if (mx == -inf) {  // no visible key with a finite score
      std::fill(row, row + width, 0.f);
      lse[r] = inf;
      continue;
    }
    const float sum = ExpShift(row, static_cast<size_t>(n), mx);
    Scale(row, static_cast<size_t>(n), 1.f / sum);
    std::fill(row + n, row + width, 0.f);
    lse[r] = mx + std::log(sum);
  }
}

// Recomputes probabilities from scores: x[r, j] = exp(x[r, j] + mask[j] − lse[r]) over the
// visible keys, 0 over the rest of the width (same rows and layout as SoftmaxRows).
HWY_INLINE void ProbsFromLse(const AttentionDims& a, const float* mask, int64_t i0, int64_t m,
                             int64_t width, float* x, int64_t ldx, const float* lse) {
  for (int64_t r = 0; r < m; ++r) {
    float* row = x + r * ldx;
    const int64_t n = VisibleKeys(a, i0 + r);
    AddMaskMax(row, mask, static_cast<size_t>(n));
    ExpShift(row, static_cast<size_t>(n), lse[r]);
    std::fill(row + n, row + width, 0.f);
  }
}

// Softmax backward for m rows: dp (m, width) holds dP (dO·Vᵀ, masked by the dropout if any)
// and becomes dS·scale = P ⊙ (dP − δ)·scale with δ_r = Σ_d dO[r,d]·O[r,d] (= Σ_j P[r,j]·dP[r,j]).
HWY_INLINE void SoftmaxGradRows(int64_t m, int64_t width, int64_t D, float scale, const float* p,
                                float* dp, int64_t ldp, const float* dout, int64_t ldo,
                                const float* out, int64_t lo) {
  const Df d;
  const size_t N = hn::Lanes(d);
  const Vf vscale = hn::Set(d, scale);
  for (int64_t r = 0; r < m; ++r) {
    const float delta = Dot(dout + r * ldo, out + r * lo, static_cast<size_t>(D));
    const Vf vdelta = hn::Set(d, delta);
    const float* prow = p + r * ldp;
    float* row = dp + r * ldp;
    size_t j = 0;
    for (; j + N <= static_cast<size_t>(width); j += N) {
      const Vf g = hn::Mul(hn::Sub(hn::LoadU(d, row + j), vdelta), hn::LoadU(d, prow + j));
      hn::StoreU(hn::Mul(g, vscale), d, row + j);
    }
    for (; j < static_cast<size_t>(width); ++j) row[j] = (row[j] - delta) * prow[j] * scale;
  }
}

// Dropout of rows i0 .. i0+m−1 of head bh over their first n columns: dst[r, j] =
// dropout(src[r, j]) with (bh·T + i0 + r)·S + j its index in the stream (src, dst (m, ≥ n) with
// row stride S; dst may be src).
HWY_INLINE void DropoutBlock(const AttentionDims& a, int64_t bh, int64_t i0, int64_t m, int64_t n,
                             const float* src, float* dst) {
  for (int64_t r = 0; r < m; ++r)
    dropout_rows(src + r * a.S, dst + r * a.S, n, a.dropout_p, a.dropout_seed,
                 static_cast<uint64_t>((bh * a.T + i0 + r) * a.S));
}

// Pointer to the first row of head (b, h) in a HeadsLayout array.
template <class T>
HWY_INLINE T* Head(T* base, HeadsLayout l, int64_t b, int64_t h) {
  return base + b * l.batch + h * l.head;
}

// Forward, one (batch, head, query block) task at a time (see attention_forward in the header).
void ForwardImpl(const AttentionDims& a, const float* q, HeadsLayout lq, const float* k,
                 HeadsLayout lk, const float* v, HeadsLayout lv, float* out, HeadsLayout lo,
                 float* lse, float* probs) {
  const float scale = 1.f / std::sqrt(static_cast<float>(a.D));
  const bool drop = a.dropout_p > 0.f;
  const int64_t blocks = (a.T + kBlock - 1) / kBlock, tasks = a.B * a.H * blocks;
#pragma omp parallel if (a.B * a.H * a.T * a.S >= kParallelMin)
  {
    const size_t block_elems = static_cast<size_t>(std::min(a.T, kBlock) * a.S);
    // Scores of one block, unless they go straight into probs; with probs and dropout, the
    // block's dropped probabilities (probs keeps them undropped for the backward's softmax
    // gradient). AllocateAligned rejects 0 items.
    const auto scratch = hwy::AllocateAligned<float>(probs && !drop ? 1 : block_elems);
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t bh = task / blocks, b = bh / a.H, h = bh % a.H;
      const int64_t i0 = (task % blocks) * kBlock, m = std::min(kBlock, a.T - i0);
      const int64_t n = VisibleKeys(a, i0 + m - 1);  // keys the block's last row sees
      float* p = probs ? probs + (bh * a.T + i0) * a.S : scratch.get();
      // scores = Q_block·Kᵀ/√D over the n keys, then softmax in place, then dropout (into the
      // scratch: in place unless probs keeps P), then out = P_d·V.
      gemm(false, true, m, n, a.D, scale, Head(q, lq, b, h) + i0 * lq.row, lq.row,
           Head(k, lk, b, h), lk.row, 0.f, p, a.S);
      SoftmaxRows(a, a.mask ? a.mask + b * a.S : nullptr, i0, m, n, p, a.S, lse + bh * a.T + i0);
      if (drop) DropoutBlock(a, bh, i0, m, n, p, scratch.get());
      gemm(false, false, m, a.D, n, 1.f, drop ? scratch.get() : p, a.S, Head(v, lv, b, h), lv.row, 0.f,
           Head(out, lo, b, h) + i0 * lo.row, lo.row);
    }
  }
}

// Backward of one head, a query block at a time (derivation in attention_backward's comment).
// dk and dv accumulate over the blocks, so the head's blocks run in order on one thread.
void BackwardImpl(const AttentionDims& a, const float* q, HeadsLayout lq, const float* k,
                  HeadsLayout lk, const float* v, HeadsLayout lv, const float* out, HeadsLayout lo,
                  const float* dout, HeadsLayout ldo, const float* lse, const float* probs,
                  float* dq, HeadsLayout ldq, float* dk, HeadsLayout ldk, float* dv, HeadsLayout ldv) {
  const float scale = 1.f / std::sqrt(static_cast<float>(a.D));
  const bool drop = a.dropout_p > 0.f;
#pragma omp parallel if (a.B * a.H * a.T * a.S >= kParallelMin)
  {
    const size_t block_elems = static_cast<size_t>(std::min(a.T, kBlock) * a.S);
    // One block's recomputed probabilities P (unless kept), its dropped P_d (with dropout), and
    // its dP, then dS.
    const auto p_scratch = hwy::AllocateAligned<float>(probs ? 1 : block_elems);
    const auto pd_scratch = hwy::AllocateAligned<float>(drop ? block_elems : 1);
    const auto ds = hwy::AllocateAligned<float>(block_elems);
#pragma omp for schedule(static)
    for (int64_t bh = 0; bh < a.B * a.H; ++bh) {
      const int64_t b = bh / a.H, h = bh % a.H;
      const float* qh = Head(q, lq, b, h);
      const float* kh = Head(k, lk, b, h);
      const float* vh = Head(v, lv, b, h);
      const float* mask = a.mask ? a.mask + b * a.S : nullptr;
      float* dkh = Head(dk, ldk, b, h);
      float* dvh = Head(dv, ldv, b, h);
      for (int64_t j = 0; j < a.S; ++j) {
        std::fill_n(dkh + j * ldk.row, a.D, 0.f);
        std::fill_n(dvh + j * ldv.row, a.D, 0.f);
      }
      for (int64_t i0 = 0; i0 < a.T; i0 += kBlock) {
        const int64_t m = std::min(kBlock, a.T - i0), n = VisibleKeys(a, i0 + m - 1);
        const float* qb = qh + i0 * lq.row;
        const float* dob = Head(dout, ldo, b, h) + i0 * ldo.row;
        const float* p = probs ? probs + (bh * a.T + i0) * a.S : p_scratch.get();
        if (!probs) {
          gemm(false, true, m, n, a.D, scale, qb, lq.row, kh, lk.row, 0.f, p_scratch.get(), a.S);
          ProbsFromLse(a, mask, i0, m, n, p_scratch.get(), a.S, lse + bh * a.T + i0);
        }
        if (drop) DropoutBlock(a, bh, i0, m, n, p, pd_scratch.get());
        const float* pd = drop ? pd_scratch.get() : p;
        gemm(true, false, n, a.D, m, 1.f, pd, a.S, dob, ldo.row, 1.f, dvh, ldv.row);  // dV += P_dᵀ·dO
        gemm(false, true, m, n, a.D, 1.f, dob, ldo.row, vh, lv.row, 0.f, ds.get(), a.S);  // dP_d
        if (drop) DropoutBlock(a, bh, i0, m, n, ds.get(), ds.get());  // dP = dP_d ⊙ mask/(1 − p)
        SoftmaxGradRows(m, n, a.D, scale, p, ds.get(), a.S, dob, ldo.row,
                        Head(out, lo, b, h) + i0 * lo.row, lo.row);
        gemm(false, false, m, a.D, n, 1.f, ds.get(), a.S, kh, lk.row, 0.f,
             Head(dq, ldq, b, h) + i0 * ldq.row, ldq.row);                          // dQ = dS·K/√D
        gemm(true, false, n, a.D, m, 1.f, ds.get(), a.S, qb, lq.row, 1.f, dkh, ldk.row);  // dK += dSᵀ·Q/√D
      }
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace nn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace nn::kernels {

HWY_EXPORT(ForwardImpl);
HWY_EXPORT(BackwardImpl);

namespace {
// Sets out's rows to 0 for every (b, h): the result when there is no key at all (S == 0).
void zero_heads(const AttentionDims& a, float* out, HeadsLayout l) {
  for (int64_t b = 0; b < a.B; ++b)
    for (int64_t h = 0; h < a.H; ++h)
      for (int64_t i = 0; i < a.T; ++i) std::fill_n(out + b * l.batch + h * l.head + i * l.row, a.D, 0.f);
}
// 2·D flops per visible (query, key) pair: the cost of one of the GEMMs over the scores.
double score_flops(const AttentionDims& a) {
  double pairs = 0;
  for (int64_t i = 0; i < a.T; ++i)
    pairs += static_cast<double>(a.causal ? std::clamp<int64_t>(i + 1 + a.S - a.T, 0, a.S) : a.S);
  return 2.0 * static_cast<double>(a.B * a.H * a.D) * pairs;
}
}  // namespace

void attention_forward(const AttentionDims& dims, const float* q, HeadsLayout lq, const float* k,
                       HeadsLayout lk, const float* v, HeadsLayout lv, float* out, HeadsLayout lo,
                       float* lse, float* probs) {
  if (dims.B * dims.H * dims.T == 0) return;
  if (dims.S == 0) {  // no keys: every row is fully masked
    zero_heads(dims, out, lo);
    std::fill_n(lse, dims.B * dims.H * dims.T, std::numeric_limits<float>::infinity());
    return;
  }
  if (profile::enabled()) profile::add_flops(2 * score_flops(dims));  // QKᵀ and P·V
  HWY_DYNAMIC_DISPATCH(ForwardImpl)(dims, q, lq, k, lk, v, lv, out, lo, lse, probs);
}

// With S = QKᵀ/√D + mask, P = softmax_rows(S), P_d = P ⊙ M/(1 − p) (M the 0/1 dropout mask;
// P_d = P without dropout), O = P_d·V and upstream dO:
//   dV = P_dᵀ·dO and dP_d = dO·Vᵀ (product rule on O = P_d·V);
//   dP = dP_d ⊙ M/(1 − p) (M is fixed: the same masking as the forward's);
//   dS = P ⊙ (dP − δ) with δ_i = Σ_j P_ij dP_ij = Σ_j P_d,ij dP_d,ij = Σ_d dO_id O_id (softmax
//   Jacobian diag(p) − p pᵀ applied row by row; the last form needs no extra pass over P, and
//   holds with dropout since O = P_d·V);
//   dQ = dS·K/√D and dK = dSᵀ·Q/√D (product rule on QKᵀ/√D).
void attention_backward(const AttentionDims& dims, const float* q, HeadsLayout lq, const float* k,
                        HeadsLayout lk, const float* v, HeadsLayout lv, const float* out,
                        HeadsLayout lo, const float* dout, HeadsLayout ldo, const float* lse,
                        const float* probs, float* dq, HeadsLayout ldq, float* dk, HeadsLayout ldk,
                        float* dv, HeadsLayout ldv) {
  if (dims.B * dims.H == 0 || dims.D == 0) return;
  if (dims.S == 0 || dims.T == 0) {  // no probability depends on anything: every gradient is 0
    zero_heads(dims, dq, ldq);
    AttentionDims keys = dims;
    keys.T = dims.S;
    zero_heads(keys, dk, ldk);
    zero_heads(keys, dv, ldv);
    return;
  }
  if (profile::enabled()) profile::add_flops(4 * score_flops(dims));  // dV, dP, dQ, dK
  HWY_DYNAMIC_DISPATCH(BackwardImpl)(dims, q, lq, k, lk, v, lv, out, lo, dout, ldo, lse, probs, dq,
                                     ldq, dk, ldk, dv, ldv);
}

}  // namespace nn::kernels
#endif  // HWY_ONCE
