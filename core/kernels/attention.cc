// kernels/attention.cc — Highway + OpenMP implementation of core/kernels/attention.h.
//
// This file is compiled once per SIMD target (hwy/foreach_target.h re-includes it); the plain
// functions at the bottom dispatch to the best target at run time, once per call, outside the
// parallel region. Work is split over (batch, head) pairs (forward also over query blocks);
// each task's GEMMs run single-threaded inside the OpenMP region (see kernels/gemm.h) and its row
// passes (mask + softmax, softmax gradient) run on rows that are still in L1/L2.
//
// bf16 (dims.bf16): the region first rounds q, k, v (and dout) head by head into the layouts of
// kernels/attention_operands.h, then every product runs on kernels/bf16_tile.h with the same
// blocks and row passes as fp32; a block's P_d and dS are rounded just before their products,
// over a key (query) range widened to even ends because pair-packed operands start at even rows.
//
// bf16 with the probabilities not kept (probs null: long sequences in training, every inference
// call from 32 queries on): the forward walks each block's key window in steps of
// kAttentionBlockKeys with an online softmax (FlashForwardBlock: running row max and sum, the
// output rows rescaled when the max grows), its exp pass writing the rounded probabilities P·V
// reads (no separate normalise and rounding passes), and the backward recomputes P step by step,
// so a thread's scratch is kAttentionBlockRows × kAttentionBlockKeys whatever S (KeySteps: fp32
// keeps whole-window blocks, measured faster there).
//
// Dropout (dims.dropout_p > 0) applies to the probabilities of each block after the softmax,
// row by row, at the rows' indices in the (B,H,T,S) stream; the mask is recomputed, never stored.
//
// Masking: a key is invisible to a row when causal puts it after the row's position, or when
// segments put it in another segment; each query block multiplies only its key window
// [k0, k1) (kernels/attention_blocks.h: the keys its rows see), and the invisible keys inside
// the window get probability 0. A row with no visible key, or whose every score is −inf, outputs
// 0 and gets lse = +inf, so exp(score − lse) recomputes its probabilities as 0 (never NaN).
// Scores and probabilities of a block sit at their key's column: row r, key j at r·S + j − k0
// from the block's start (in probs, at column j of the (B,H,T,S) array).
#include "core/kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include "core/kernels/attention_blocks.h"
#include "core/kernels/attention_operands.h"
#include "core/kernels/bf16_tile.h"
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

// Below this many score elements (B·H·T·S) the work stays on one thread.
constexpr int64_t kParallelMin = 1 << 14;

// max_j (x[j] + mask[j]) for j < n (mask may be null), −inf when n == 0; when out is not null
// the sums also go to out[j] (out may be x: the mask added in place).
HWY_INLINE float MaskedMax(const float* x, const float* mask, size_t n, float* out = nullptr) {
  const Df d;
  const size_t N = hn::Lanes(d);
  float m = -std::numeric_limits<float>::infinity();
  Vf vm = hn::Set(d, m);
  size_t j = 0;
  for (; j + N <= n; j += N) {
    Vf v = hn::LoadU(d, x + j);
    if (mask) v = hn::Add(v, hn::LoadU(d, mask + j));
    if (out) hn::StoreU(v, d, out + j);
    vm = hn::Max(vm, v);
  }
  for (; j < n; ++j) {
    const float v = mask ? x[j] + mask[j] : x[j];
    if (out) out[j] = v;
    m = std::max(m, v);
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

// The visible keys of row r of block k within its window [k0, k1) as [lo, lo + n) relative to
// k0 (n ≥ 0; lo = 0 when n = 0). k may be a step of a block's window (fewer keys than the row sees).
HWY_INLINE void WindowKeys(const AttentionDims& a, const AttentionBlocks& blocks, const QueryBlock& k,
                           int64_t r, int64_t& lo, int64_t& n) {
  int64_t hi = 0;
  row_keys(a, blocks, k.b, k.i0 + r, lo, hi);
  lo = std::max(lo, k.k0);
  n = std::max<int64_t>(std::min(hi, k.k1) - lo, 0);
  lo = n > 0 ? lo - k.k0 : 0;
}

// e[j] = exp(x[j] + mask[j] − shift) for j < n (mask may be null); returns Σ_j e[j] in fp32. The
// e[j] go back into x, or, when dst16 is not null, only to dst16 as bf16 bits rounded to nearest
// even (bf16_bits; one pass writes the A operand of P·V). e ≤ 1 when shift is the row's max; a NaN
// score's canonical NaN stays NaN.
HWY_INLINE float ExpMasked(float* x, const float* mask, size_t n, float shift, uint16_t* dst16) {
  const Df d;
  const hn::RebindToUnsigned<Df> du;
  const hn::RebindToSigned<Df> di;
  const hn::Rebind<uint16_t, Df> d16;
  const size_t N = hn::Lanes(d);
  const Vf vs = hn::Set(d, shift);
  const auto half = hn::Set(du, 0x7fffu), one = hn::Set(du, 1u);
  Vf sum = hn::Zero(d);
  size_t j = 0;
  for (; j + N <= n; j += N) {
    Vf v = hn::LoadU(d, x + j);
    if (mask) v = hn::Add(v, hn::LoadU(d, mask + j));
    const Vf e = hn::Exp(d, hn::Sub(v, vs));
    sum = hn::Add(sum, e);
    if (dst16) {  // bits + 0x7FFF + (lowest kept bit), top half: round to nearest even
      const auto u = hn::BitCast(du, e);
      const auto r = hn::ShiftRight<16>(hn::Add(u, hn::Add(half, hn::And(hn::ShiftRight<16>(u), one))));
      hn::StoreU(hn::DemoteTo(d16, hn::BitCast(di, r)), d16, dst16 + j);
    } else {
      hn::StoreU(e, d, x + j);
    }
  }
  float tail = 0.f;
  for (; j < n; ++j) {
    const float e = std::exp((mask ? x[j] + mask[j] : x[j]) - shift);
    tail += e;
    if (dst16)
      dst16[j] = bf16_bits(e);
    else
      x[j] = e;
  }
  return hn::GetLane(hn::SumOfLanes(d, sum)) + tail;
}

// The rows of block k in one head: x (m, k1 − k0) holds their scaled scores for the window's keys
// (row stride ldx); mask is the batch row's (S) additive mask or null. Adds the mask, softmaxes
// each row over its visible keys, zeroes the rest of the window, and writes each row's
// log-sum-exp (+inf for a fully masked row).
HWY_INLINE void SoftmaxRows(const AttentionDims& a, const AttentionBlocks& blocks, const QueryBlock& k,
                            const float* mask, float* x, int64_t ldx, float* lse) {
  const float inf = std::numeric_limits<float>::infinity();
  const int64_t width = k.k1 - k.k0;
  for (int64_t r = 0; r < k.m; ++r) {
    int64_t lo = 0, n = 0;
    WindowKeys(a, blocks, k, r, lo, n);
    float* row = x + r * ldx;
    const float* mrow = mask ? mask + k.k0 + lo : nullptr;
    const float mx = MaskedMax(row + lo, mrow, static_cast<size_t>(n), mask ? row + lo : nullptr);  // adds the mask
    if (mx == -inf) {  // no visible key with a finite score
      std::fill(row, row + width, 0.f);
      lse[r] = inf;
      continue;
    }
    const float sum = ExpShift(row + lo, static_cast<size_t>(n), mx);
    Scale(row + lo, static_cast<size_t>(n), 1.f / sum);
    std::fill(row, row + lo, 0.f);
    std::fill(row + lo + n, row + width, 0.f);
    lse[r] = mx + std::log(sum);
  }
}

// Recomputes probabilities from scores: x[r, j] = exp(x[r, j] + mask[j] − lse[r]) over the
// visible keys, 0 over the rest of the window (same rows and layout as SoftmaxRows).
HWY_INLINE void ProbsFromLse(const AttentionDims& a, const AttentionBlocks& blocks, const QueryBlock& k,
                             const float* mask, float* x, int64_t ldx, const float* lse) {
  const int64_t width = k.k1 - k.k0;
  for (int64_t r = 0; r < k.m; ++r) {
    int64_t lo = 0, n = 0;
    WindowKeys(a, blocks, k, r, lo, n);
    float* row = x + r * ldx;
    ExpMasked(row + lo, mask ? mask + k.k0 + lo : nullptr, static_cast<size_t>(n), lse[r], nullptr);
    std::fill(row, row + lo, 0.f);
    std::fill(row + lo + n, row + width, 0.f);
  }
}

// Softmax backward for m rows: dp (m, width) holds dP (dO·Vᵀ, masked by the dropout if any)
// and becomes dS·scale = P ⊙ (dP − δ)·scale with δ_r = Σ_d dO[r,d]·O[r,d] (= Σ_j P[r,j]·dP[r,j],
// over all the row's keys: delta[r], computed once per block).
HWY_INLINE void SoftmaxGradRows(int64_t m, int64_t width, float scale, const float* p, float* dp, int64_t ldp,
                                const float* delta) {
  const Df d;
  const size_t N = hn::Lanes(d);
  const Vf vscale = hn::Set(d, scale);
  for (int64_t r = 0; r < m; ++r) {
    const Vf vdelta = hn::Set(d, delta[r]);
    const float* prow = p + r * ldp;
    float* row = dp + r * ldp;
    size_t j = 0;
    for (; j + N <= static_cast<size_t>(width); j += N) {
      const Vf g = hn::Mul(hn::Sub(hn::LoadU(d, row + j), vdelta), hn::LoadU(d, prow + j));
      hn::StoreU(hn::Mul(g, vscale), d, row + j);
    }
    for (; j < static_cast<size_t>(width); ++j) row[j] = (row[j] - delta[r]) * prow[j] * scale;
  }
}

// Dropout of block k's window in head bh: dst[r, j − k0] = dropout(src[r, j − k0]) for keys j
// in [k0, k1), with (bh·T + i0 + r)·S + j its index in the stream (src, dst with row stride ld;
// dst may be src).
HWY_INLINE void DropoutBlock(const AttentionDims& a, int64_t bh, const QueryBlock& k, const float* src, int64_t ld,
                             float* dst) {
  for (int64_t r = 0; r < k.m; ++r)
    dropout_rows(src + r * ld, dst + r * ld, k.k1 - k.k0, a.dropout_p, a.dropout_seed,
                 static_cast<uint64_t>((bh * a.T + k.i0 + r) * a.S + k.k0));
}

// Pointer to the first row of head (b, h) in a HeadsLayout array.
template <class T>
HWY_INLINE T* Head(T* base, HeadsLayout l, int64_t b, int64_t h) {
  return base + b * l.batch + h * l.head;
}

// The bf16 pair rows of a B operand start at even indices: [lo, lo + width) is [x0, x1) widened
// to even ends (the A operand packed against it is 0 outside [x0, x1)).
HWY_INLINE void EvenRange(int64_t x0, int64_t x1, int64_t& lo, int64_t& width) {
  lo = x0 & ~int64_t{1};
  width = (x1 + (x1 & 1)) - lo;
}

// uint16 elements of one thread's bf16 A-operand scratch: a block's (rows, keys) or (keys, rows)
// matrix with its even-aligned padding.
HWY_INLINE size_t Bf16ScratchElems(const AttentionDims& a) {
  const int64_t rows = std::min(a.T, kAttentionBlockRows);
  return static_cast<size_t>(std::max(rows * (a.S + 2), a.S * (rows + 2)));
}

// Inside the kernel's parallel region (an orphaned omp for: the heads are shared among the
// threads): every (batch, head)'s q, k, v, and dout when not null, rounded once into ops.
void RoundHeads(const AttentionDims& a, AttentionBf16& ops, const float* q, HeadsLayout lq, const float* k,
                HeadsLayout lk, const float* v, HeadsLayout lv, const float* dout, HeadsLayout ldo) {
#pragma omp for schedule(static)
  for (int64_t bh = 0; bh < a.B * a.H; ++bh) {
    const int64_t b = bh / a.H, h = bh % a.H;
    round_head(ops.q, bh, Head(q, lq, b, h), lq.row);
    round_head(ops.k, bh, Head(k, lk, b, h), lk.row);
    round_head(ops.v, bh, Head(v, lv, b, h), lv.row);
    if (dout) round_head(ops.dout, bh, Head(dout, ldo, b, h), ldo.row);
  }
}

// Whether the kernel steps over keys: in bf16 when the probabilities are not kept. fp32 keeps
// whole-window blocks: there the key steps measured slower (seq-512 forward 44.5-45.0 ms against
// 42.2-42.5, B8 H12 D64, 2 threads: four GEMM calls per block instead of one, and the output
// rescaling), and its numbers stay those of the whole-window path.
HWY_INLINE bool KeySteps(const AttentionBf16* ops, const float* probs) { return ops != nullptr && probs == nullptr; }

// Key-blocked forward of block blk of head bh (online softmax; the path when the probabilities
// are not kept). Keys go in steps of kAttentionBlockKeys from the window's first key rounded down to
// even (every step's bf16 columns start at an even key): per step, its scores x (m, ≤ bk) =
// Q_block·K_stepᵀ/√D; for each row its running max M and sum L: M' = max(M, max_j s_j),
// L' = L·e^(M − M') + Σ_j e^(s_j − M'), the output row (the accumulator) scaled by e^(M − M');
// then out += P̃_d·V_step with P̃_j = e^(s_j − M') (dropped like the probabilities, at their
// stream indices). At the end out /= L and lse = M + log L: since every earlier term was rescaled
// to the final M, out = Σ_j e^(s_j − M)/L·M_j/(1−p)·V_j = P_d·V. x (m, bk) floats and a16 (m, bk)
// bf16 are the thread's scratch; qb, kh, vh, o the block's queries, the head's keys and values and
// the block's output rows (fp32 mode reads them; bf16 reads ops).
void FlashForwardBlock(const AttentionDims& a, const AttentionBlocks& blocks, const AttentionBf16* ops,
                       const QueryBlock& blk, int64_t bh, const float* qb, int64_t ldq, const float* kh,
                       int64_t ldk, const float* vh, int64_t ldv, float* o, int64_t ldo, float* lse, float* x,
                       uint16_t* a16) {
  constexpr int64_t bk = kAttentionBlockKeys;
  const float inf = std::numeric_limits<float>::infinity();
  const float scale = 1.f / std::sqrt(static_cast<float>(a.D));
  const bool drop = a.dropout_p > 0.f;
  const int64_t m = blk.m, D = a.D;
  const float* mask = a.mask ? a.mask + blk.b * a.S : nullptr;
  float mx[kAttentionBlockRows], sum[kAttentionBlockRows];
  for (int64_t r = 0; r < m; ++r) {
    mx[r] = -inf;
    sum[r] = 0.f;
    std::fill_n(o + r * ldo, D, 0.f);
  }
  for (int64_t base = blk.k0 & ~int64_t{1}; base < blk.k1; base += bk) {
    QueryBlock step = blk;
    step.k0 = std::max(blk.k0, base);
    step.k1 = std::min(base + bk, blk.k1);
    // The step's keys sit at columns [off, off + n) of x's rows and of a16's (width w, even).
    const int64_t n = step.k1 - step.k0, off = step.k0 - base, w = step.k1 + (step.k1 & 1) - base;
    float* xs = x + off;
    if (ops)
      bf16_tile_gemm(m, n, ops->q.Dp / 2, scale, ops->q.row(bh, blk.i0), ops->q.Dp, ops->k.pair_col(bh, step.k0),
                     a.S, false, xs, bk);
    else
      gemm(false, true, m, n, D, scale, qb, ldq, kh + step.k0 * ldk, ldk, 0.f, xs, bk);
    const bool fused = ops && !drop;  // exp writes the rounded P̃ straight into a16
    for (int64_t r = 0; r < m; ++r) {
      int64_t lo = 0, cnt = 0;
      WindowKeys(a, blocks, step, r, lo, cnt);
      float* row = xs + r * bk;
      uint16_t* row16 = fused ? a16 + r * w : nullptr;
      const float* mrow = mask ? mask + step.k0 + lo : nullptr;
      const float new_max = std::max(mx[r], MaskedMax(row + lo, mrow, static_cast<size_t>(cnt)));
      if (new_max == -inf) {  // nothing visible and finite yet: P̃ = 0
        cnt = 0;
        lo = 0;
      } else {
        if (mx[r] != new_max && mx[r] != -inf) {
          const float c = std::exp(mx[r] - new_max);
          sum[r] *= c;
          Scale(o + r * ldo, static_cast<size_t>(D), c);
        }
        mx[r] = new_max;
        sum[r] += ExpMasked(row + lo, mrow, static_cast<size_t>(cnt), new_max, row16 ? row16 + off + lo : nullptr);
      }
      if (fused) {
        std::fill(row16, row16 + off + lo, uint16_t{0});
        std::fill(row16 + off + lo + cnt, row16 + w, uint16_t{0});
      } else {
        std::fill(row, row + lo, 0.f);
        std::fill(row + lo + cnt, row + n, 0.f);
      }
    }
    if (drop) DropoutBlock(a, bh, step, xs, bk, xs);
    if (ops) {
      if (!fused) bf16_pack_rows(m, n, xs, bk, off, w, a16);
      bf16_tile_gemm(m, D, w / 2, 1.f, a16, w, ops->v.pair_row(bh, base / 2), D, true, o, ldo);
    } else {
      gemm(false, false, m, D, n, 1.f, xs, bk, vh + step.k0 * ldv, ldv, 1.f, o, ldo);
    }
  }
  for (int64_t r = 0; r < m; ++r) {
    if (sum[r] > 0.f) {
      Scale(o + r * ldo, static_cast<size_t>(D), 1.f / sum[r]);
      lse[r] = mx[r] + std::log(sum[r]);
    } else {
      lse[r] = inf;  // no visible key with a finite score: out stays 0
    }
  }
}

// Forward, one (batch, head, query block) task at a time (see attention_forward in the header);
// ops holds the bf16 operands when dims.bf16 (null in fp32).
void ForwardImpl(const AttentionDims& a, const AttentionBlocks& blocks, AttentionBf16* ops, const float* q,
                 HeadsLayout lq, const float* k, HeadsLayout lk, const float* v, HeadsLayout lv, float* out,
                 HeadsLayout lo, float* lse, float* probs) {
  const float scale = 1.f / std::sqrt(static_cast<float>(a.D));
  const bool drop = a.dropout_p > 0.f;
  const int64_t tasks = a.H * static_cast<int64_t>(blocks.blocks.size());
  const bool steps = KeySteps(ops, probs);
#pragma omp parallel if (a.B * a.H * a.T * a.S >= kParallelMin)
  {
    const int64_t rows = std::min(a.T, kAttentionBlockRows);
    // Key steps: one step's scores and rounded P̃ (FlashForwardBlock). Else the scores of one
    // block, unless they go straight into probs; with probs and dropout, the block's dropped
    // probabilities (probs keeps them undropped for the backward's softmax gradient); in bf16,
    // the block's P_d rounded. AllocateAligned rejects 0 items.
    const size_t step_elems = static_cast<size_t>(rows * kAttentionBlockKeys);
    const auto scratch = hwy::AllocateAligned<float>(
        steps ? step_elems : probs && !drop ? 1 : static_cast<size_t>(rows * a.S));
    const auto a16 = hwy::AllocateAligned<uint16_t>(!ops ? 1 : steps ? step_elems : Bf16ScratchElems(a));
    if (ops) RoundHeads(a, *ops, q, lq, k, lk, v, lv, nullptr, {});
#pragma omp for schedule(static)
    for (int64_t task = 0; task < tasks; ++task) {
      // Tasks run batch row by batch row, then head by head, then block by block.
      // Batch row b's tasks are [H·first[b], H·first[b + 1]).
      const auto b = static_cast<int64_t>(
          std::upper_bound(blocks.first.begin(), blocks.first.end(), static_cast<size_t>(task / a.H)) -
          blocks.first.begin() - 1);
      const auto first = static_cast<int64_t>(blocks.first[static_cast<size_t>(b)]);
      const int64_t nb = static_cast<int64_t>(blocks.first[static_cast<size_t>(b) + 1]) - first;
      const int64_t rest = task - a.H * first, h = rest / nb, bh = b * a.H + h;
      const QueryBlock& blk = blocks.blocks[static_cast<size_t>(first + rest % nb)];
      const int64_t i0 = blk.i0, m = blk.m, n = blk.k1 - blk.k0;
      float* o = Head(out, lo, b, h) + i0 * lo.row;
      if (steps) {
        FlashForwardBlock(a, blocks, ops, blk, bh, Head(q, lq, b, h) + i0 * lq.row, lq.row, Head(k, lk, b, h), lk.row,
                          Head(v, lv, b, h), lv.row, o, lo.row, lse + bh * a.T + i0, scratch.get(), a16.get());
        continue;
      }
      float* p = probs ? probs + (bh * a.T + i0) * a.S + blk.k0 : scratch.get();
      // scores = Q_block·K_windowᵀ/√D, then softmax in place, then dropout (into the scratch: in
      // place unless probs keeps P), then out = P_d·V_window.
      if (ops)
        bf16_tile_gemm(m, n, ops->q.Dp / 2, scale, ops->q.row(bh, i0), ops->q.Dp, ops->k.pair_col(bh, blk.k0),
                       a.S, false, p, a.S);
      else
        gemm(false, true, m, n, a.D, scale, Head(q, lq, b, h) + i0 * lq.row, lq.row,
             Head(k, lk, b, h) + blk.k0 * lk.row, lk.row, 0.f, p, a.S);
      SoftmaxRows(a, blocks, blk, a.mask ? a.mask + b * a.S : nullptr, p, a.S, lse + bh * a.T + i0);
      if (drop) DropoutBlock(a, bh, blk, p, a.S, scratch.get());
      const float* pd = drop ? scratch.get() : p;
      if (ops) {
        int64_t k0 = 0, w = 0;
        EvenRange(blk.k0, blk.k1, k0, w);
        bf16_pack_rows(m, n, pd, a.S, blk.k0 - k0, w, a16.get());
        bf16_tile_gemm(m, a.D, w / 2, 1.f, a16.get(), w, ops->v.pair_row(bh, k0 / 2), a.D, false, o, lo.row);
      } else {
        gemm(false, false, m, a.D, n, 1.f, pd, a.S, Head(v, lv, b, h) + blk.k0 * lv.row, lv.row, 0.f, o, lo.row);
      }
    }
  }
}

// Backward of one head, a query block at a time (derivation in attention_backward's comment);
// ops holds the bf16 operands when dims.bf16 (null in fp32). dk and dv accumulate over the
// blocks, so the head's blocks run in order on one thread. When KeySteps (bf16, probabilities not
// kept) a block's window goes in steps of kAttentionBlockKeys (as the forward's), each recomputing
// its P = exp(S − lse), and dQ accumulates over the steps: a thread's scratch is then
// rows × kAttentionBlockKeys whatever S. Otherwise a block is one step over its whole window. δ = rowsum(dO ⊙ O) is
// computed once per block.
void BackwardImpl(const AttentionDims& a, const AttentionBlocks& blocks, AttentionBf16* ops, const float* q,
                  HeadsLayout lq, const float* k, HeadsLayout lk, const float* v, HeadsLayout lv, const float* out,
                  HeadsLayout lo, const float* dout, HeadsLayout ldo, const float* lse, const float* probs,
                  float* dq, HeadsLayout ldq, float* dk, HeadsLayout ldk, float* dv, HeadsLayout ldv) {
  const float scale = 1.f / std::sqrt(static_cast<float>(a.D));
  const bool drop = a.dropout_p > 0.f;
  const bool stepped = KeySteps(ops, probs);
  // Row stride of a step's P, P_d, dP/dS: a key step's, or S (the (B,H,T,S) probs' when kept).
  const int64_t ld = stepped ? kAttentionBlockKeys : a.S;
#pragma omp parallel if (a.B * a.H * a.T * a.S >= kParallelMin)
  {
    const int64_t rows = std::min(a.T, kAttentionBlockRows);
    const auto step_elems = static_cast<size_t>(rows * ld);
    // One step's recomputed probabilities P (unless kept), its dropped P_d (with dropout), and
    // its dP, then dS; in bf16, the rounded A operand of the product at hand.
    const auto p_scratch = hwy::AllocateAligned<float>(probs ? 1 : step_elems);
    const auto pd_scratch = hwy::AllocateAligned<float>(drop ? step_elems : 1);
    const auto ds = hwy::AllocateAligned<float>(step_elems);
    const auto a16 = hwy::AllocateAligned<uint16_t>(
        !ops ? 1 : stepped ? static_cast<size_t>((rows + 2) * (ld + 2)) : Bf16ScratchElems(a));
    float delta[kAttentionBlockRows];
    if (ops) RoundHeads(a, *ops, q, lq, k, lk, v, lv, dout, ldo);
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
      for (size_t g = blocks.first[static_cast<size_t>(b)]; g < blocks.first[static_cast<size_t>(b) + 1]; ++g) {
        const QueryBlock& blk = blocks.blocks[g];
        const int64_t i0 = blk.i0, m = blk.m;
        const float* qb = qh + i0 * lq.row;
        const float* dob = Head(dout, ldo, b, h) + i0 * ldo.row;
        const float* ob = Head(out, lo, b, h) + i0 * lo.row;
        float* dqb = Head(dq, ldq, b, h) + i0 * ldq.row;
        for (int64_t r = 0; r < m; ++r) delta[r] = Dot(dob + r * ldo.row, ob + r * lo.row, static_cast<size_t>(a.D));
        // bf16: the even-aligned query range [q0, q0 + wq) of the pair-packed operands.
        int64_t q0 = 0, wq = 0;
        EvenRange(i0, i0 + m, q0, wq);
        // Steps as the forward's (one when not stepping, or when the window is empty: it still
        // writes dQ = 0).
        const int64_t even0 = blk.k0 & ~int64_t{1};
        const int64_t steps = !stepped || blk.k1 <= blk.k0 ? 1 : (blk.k1 - even0 + ld - 1) / ld;
        for (int64_t t = 0; t < steps; ++t) {
          // The step's keys [k0, k1) (the whole window when not stepping).
          const bool first = t == 0;  // dQ is written by the first step, then accumulated
          QueryBlock st = blk;
          st.k0 = first ? blk.k0 : even0 + t * ld;
          st.k1 = stepped ? std::min(even0 + (t + 1) * ld, blk.k1) : blk.k1;
          const int64_t n = st.k1 - st.k0;
          // The step's K, V, dK, dV from key k0 on.
          const float* kw = kh + st.k0 * lk.row;
          const float* vw = vh + st.k0 * lv.row;
          float* dkw = dkh + st.k0 * ldk.row;
          float* dvw = dvh + st.k0 * ldv.row;
          // bf16: the even-aligned key range [k0, k0 + wk) of the pair-packed operands.
          int64_t k0 = 0, wk = 0;
          EvenRange(st.k0, st.k1, k0, wk);
          const float* p = probs ? probs + (bh * a.T + i0) * a.S + st.k0 : p_scratch.get();
          if (!probs) {
            if (ops)
              bf16_tile_gemm(m, n, ops->q.Dp / 2, scale, ops->q.row(bh, i0), ops->q.Dp, ops->k.pair_col(bh, st.k0),
                             a.S, false, p_scratch.get(), ld);
            else
              gemm(false, true, m, n, a.D, scale, qb, lq.row, kw, lk.row, 0.f, p_scratch.get(), ld);
            ProbsFromLse(a, blocks, st, mask, p_scratch.get(), ld, lse + bh * a.T + i0);
          }
          if (drop) DropoutBlock(a, bh, st, p, ld, pd_scratch.get());
          const float* pd = drop ? pd_scratch.get() : p;
          if (ops) {
            bf16_pack_cols(m, n, pd, ld, i0 - q0, wq, a16.get());  // dV += P_dᵀ·dO
            bf16_tile_gemm(n, a.D, wq / 2, 1.f, a16.get(), wq, ops->dout.pair_row(bh, q0 / 2), a.D, true, dvw,
                           ldv.row);
            bf16_tile_gemm(m, n, ops->dout.Dp / 2, 1.f, ops->dout.row(bh, i0), ops->dout.Dp,  // dP_d
                           ops->v.pair_col(bh, st.k0), a.S, false, ds.get(), ld);
          } else {
            gemm(true, false, n, a.D, m, 1.f, pd, ld, dob, ldo.row, 1.f, dvw, ldv.row);  // dV += P_dᵀ·dO
            gemm(false, true, m, n, a.D, 1.f, dob, ldo.row, vw, lv.row, 0.f, ds.get(), ld);  // dP_d
          }
          if (drop) DropoutBlock(a, bh, st, ds.get(), ld, ds.get());  // dP = dP_d ⊙ mask/(1 − p)
          SoftmaxGradRows(m, n, scale, p, ds.get(), ld, delta);
          if (ops) {
            bf16_pack_rows(m, n, ds.get(), ld, st.k0 - k0, wk, a16.get());  // dQ (+)= dS·K/√D
            bf16_tile_gemm(m, a.D, wk / 2, 1.f, a16.get(), wk, ops->k.pair_row(bh, k0 / 2), a.D, !first, dqb,
                           ldq.row);
            bf16_pack_cols(m, n, ds.get(), ld, i0 - q0, wq, a16.get());  // dK += dSᵀ·Q/√D
            bf16_tile_gemm(n, a.D, wq / 2, 1.f, a16.get(), wq, ops->q.pair_row(bh, q0 / 2), a.D, true, dkw,
                           ldk.row);
          } else {
            gemm(false, false, m, a.D, n, 1.f, ds.get(), ld, kw, lk.row, first ? 0.f : 1.f, dqb,
                 ldq.row);                                                                 // dQ (+)= dS·K/√D
            gemm(true, false, n, a.D, m, 1.f, ds.get(), ld, qb, lq.row, 1.f, dkw, ldk.row);  // dK += dSᵀ·Q/√D
          }
        }
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
// 2·D flops per visible (query, key) pair and head: the cost of one of the GEMMs over the scores.
double score_flops(const AttentionDims& a, const AttentionBlocks& blocks) {
  return 2.0 * static_cast<double>(a.H * a.D) * blocks.visible_pairs;
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
  const AttentionBlocks blocks = plan_attention_blocks(dims);
  if (profile::enabled()) profile::add_flops(2 * score_flops(dims, blocks));  // QKᵀ and P·V
  AttentionBf16 ops;
  if (dims.bf16) {
    const int64_t heads = dims.B * dims.H;
    ops.q = bf16_heads(heads, dims.T, dims.D, {.rows = true});
    ops.k = bf16_heads(heads, dims.S, dims.D, {.pairs_t = true});
    ops.v = bf16_heads(heads, dims.S, dims.D, {.pairs = true});
  }
  HWY_DYNAMIC_DISPATCH(ForwardImpl)(dims, blocks, dims.bf16 ? &ops : nullptr, q, lq, k, lk, v, lv, out, lo, lse,
                                    probs);
}

// With S = QKᵀ/√D + mask, P = softmax_rows(S), P_d = P ⊙ M/(1 − p) (M the 0/1 dropout mask;
// P_d = P without dropout), O = P_d·V and upstream dO:
//   dV = P_dᵀ·dO and dP_d = dO·Vᵀ (product rule on O = P_d·V);
//   dP = dP_d ⊙ M/(1 − p) (M is fixed: the same masking as the forward's);
//   dS = P ⊙ (dP − δ) with δ_i = Σ_j P_ij dP_ij = Σ_j P_d,ij dP_d,ij = Σ_d dO_id O_id (softmax
//   Jacobian diag(p) − p pᵀ applied row by row; the last form needs no extra pass over P, and
//   holds with dropout since O = P_d·V);
//   dQ = dS·K/√D and dK = dSᵀ·Q/√D (product rule on QKᵀ/√D).
// An invisible key (causal, another segment) has P_ij = 0, hence dS_ij = 0 and no share in dQ,
// dK, dV: each block's products can stop at its key window, as in the forward.
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
  const AttentionBlocks blocks = plan_attention_blocks(dims);
  if (profile::enabled()) profile::add_flops(4 * score_flops(dims, blocks));  // dV, dP, dQ, dK
  AttentionBf16 ops;
  if (dims.bf16) {
    const int64_t heads = dims.B * dims.H;
    ops.q = bf16_heads(heads, dims.T, dims.D, {.rows = true, .pairs = true});
    ops.k = bf16_heads(heads, dims.S, dims.D, {.pairs = true, .pairs_t = true});
    ops.v = bf16_heads(heads, dims.S, dims.D, {.pairs_t = true});
    ops.dout = bf16_heads(heads, dims.T, dims.D, {.rows = true, .pairs = true});
  }
  HWY_DYNAMIC_DISPATCH(BackwardImpl)(dims, blocks, dims.bf16 ? &ops : nullptr, q, lq, k, lk, v, lv, out, lo, dout,
                                     ldo, lse, probs,
                                     dq, ldq, dk, ldk, dv, ldv);
}

}  // namespace nn::kernels
#endif  // HWY_ONCE
