// kernels/attention_operands.h — the attention kernel's operands rounded to bf16 once per call, in
// the layouts kernels/bf16_tile.h reads (internal to kernels/attention.cc; not installed).
//
// A (B,H,n,D) operand x (q, k, v or dout) gives up to three copies, each head contiguous:
//   rows    (B·H, n, Dp)      x as an A operand over D (Dp = D rounded up to even, zero-padded);
//   pairs   (B·H, ⌈n/2⌉, D)   x as a B operand over its rows (rows 2p, 2p + 1 paired; an odd
//                             n's missing row is 0);
//   pairs_t (B·H, Dp/2, n)    xᵀ as a B operand over D.
#pragma once
#include <cstdint>
#include <memory>

#include "core/kernels/attention.h"
#include "core/storage.h"

namespace nn::kernels {

// The buffers come from the caching allocator (core/storage.h): a training step asks for the same
// sizes every layer, so they are reused, never page-faulted or zeroed again; round_head writes
// every element.
struct Bf16Heads {
  int64_t n = 0, D = 0, Dp = 0;
  std::unique_ptr<Storage> rows_storage, pairs_storage, pairs_t_storage;  // null: layout not kept
  uint16_t* rows = nullptr;
  uint32_t *pairs = nullptr, *pairs_t = nullptr;

  // Row i of head bh in `rows` (row stride Dp).
  const uint16_t* row(int64_t bh, int64_t i) const { return rows + (bh * n + i) * Dp; }
  // Pair row p (rows 2p, 2p + 1) of head bh in `pairs` (row stride D words).
  const uint32_t* pair_row(int64_t bh, int64_t p) const { return pairs + (bh * ((n + 1) / 2) + p) * D; }
  // Column i (row i of x) of head bh in `pairs_t` (row stride n words).
  const uint32_t* pair_col(int64_t bh, int64_t i) const { return pairs_t + bh * (Dp / 2) * n + i; }
};

// Which copies of an operand to make.
struct Bf16Layouts {
  bool rows = false, pairs = false, pairs_t = false;
};

// The bf16 operands of one attention call: the forward uses q.rows, k.pairs_t, v.pairs; the
// backward also q.pairs, k.pairs, v.pairs_t and dout's rows and pairs. The kernel rounds them in
// its parallel region, head by head, before its first product.
struct AttentionBf16 {
  Bf16Heads q, k, v, dout;
};

// Room for `heads` heads of n rows of D in the layouts asked for (filled by round_head).
Bf16Heads bf16_heads(int64_t heads, int64_t n, int64_t D, Bf16Layouts layouts);

// Rounds head bh, x (n, D) with row stride ldx, into every layout h has room for.
void round_head(Bf16Heads& h, int64_t bh, const float* x, int64_t ldx);

}  // namespace nn::kernels
