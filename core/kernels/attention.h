// kernels/attention.h — fused scaled-dot-product attention, forward and backward, over
// (B, H, T, D) queries and (B, H, S, D) keys/values.
//
// One (batch, head) pair at a time, a block of query rows at a time: scores = Q·Kᵀ/√D + mask
// (a block of rows × the keys they see, never the whole (B,H,T,S) tensor unless the caller asks
// to keep the probabilities), row softmax, optional dropout, then ·V. In bf16, when the
// probabilities are not kept, forward and backward also step over the keys (online softmax in
// the forward), so their scratch does not grow with S. In fp32 the GEMMs go through
// kernels::gemm inside the OpenMP region (single-threaded there, see gemm.h), in bf16 through
// kernels/bf16_tile.h; the row passes are Highway kernels.
#pragma once
#include <cstdint>

namespace nn::kernels {

// A (B, H, rows, D) array whose last dim is contiguous: element (b, h, i, d) is at
// data[b·batch + h·head + i·row + d], with row ≥ D.
struct HeadsLayout {
  int64_t batch = 0, head = 0, row = 0;
};

// Sizes and options shared by forward and backward. mask, if not null, is additive (B, S)
// contiguous, added to every query row; causal lets query i see keys 0 .. i + S − T.
// dropout_p > 0 drops probabilities before ·v (kernels/dropout.h): probability (b, h, i, j) is
// element ((b·H + h)·T + i)·S + j of the stream dropout_seed, as if the whole (B,H,T,S) tensor
// were dropped at once.
// segments, if not null, is (B, T) contiguous with S == T (self-attention over packed
// sequences): query i of row b sees key j only when both lie in the same run of equal ids
// segments[b, ·] (on top of mask and causal); the kernel never multiplies a query block by keys
// outside its segments' runs (kernels/attention_blocks.h).
// bf16 runs the products (Q·Kᵀ, P·V and the backward's four) on bf16 operands with fp32
// accumulation (kernels/bf16_tile.h: needs bf16_tiles_supported()); scores, softmax, its
// statistics and the gradients' accumulators stay fp32. q, k, v (and dout) are rounded once per
// call, the probabilities and dS once per block.
struct AttentionDims {
  int64_t B = 0, H = 0, T = 0, S = 0, D = 0;
  const float* mask = nullptr;
  bool causal = false;
  float dropout_p = 0.f;
  uint64_t dropout_seed = 0;
  const int64_t* segments = nullptr;
  bool bf16 = false;
};

// out = dropout(softmax(q·kᵀ/√D + mask))·v. q (B,H,T,D), k and v (B,H,S,D), out (B,H,T,D) in
// their layouts. Writes lse (B,H,T) contiguous: the log-sum-exp of each row's masked scores
// (+inf for a row whose keys are all masked: its output is 0). If probs is not null it also
// keeps the probabilities there, (B,H,T,S) contiguous, before dropout: only the entries of each
// query block's key window are written (the others are never read back).
void attention_forward(const AttentionDims& dims, const float* q, HeadsLayout lq, const float* k,
                       HeadsLayout lk, const float* v, HeadsLayout lv, float* out, HeadsLayout lo,
                       float* lse, float* probs);

// Gradients dq (B,H,T,D), dk, dv (B,H,S,D) (overwritten) of attention_forward given dout
// (B,H,T,D), the forward's out and lse, and its probs when it kept them (null: the
// probabilities are recomputed from q, k, mask and lse).
void attention_backward(const AttentionDims& dims, const float* q, HeadsLayout lq, const float* k,
                        HeadsLayout lk, const float* v, HeadsLayout lv, const float* out,
                        HeadsLayout lo, const float* dout, HeadsLayout ldo, const float* lse,
                        const float* probs, float* dq, HeadsLayout ldq, float* dk, HeadsLayout ldk,
                        float* dv, HeadsLayout ldv);

}  // namespace nn::kernels
