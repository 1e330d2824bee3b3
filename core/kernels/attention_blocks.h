// kernels/attention_blocks.h — how the attention kernel cuts a batch row's queries into blocks and
// which keys each block multiplies (internal to kernels/attention.cc; not installed).
//
// Without segments: blocks of kAttentionBlockRows query rows, each multiplying keys
// [0, keys its last row sees) (all S, or fewer when causal). With segments (packed sequences, see
// AttentionDims::segments): a row sees only the keys of its own segment, and blocks follow the
// segments so that no GEMM runs across a segment boundary: a segment longer than
// kAttentionBlockRows is cut into blocks of that many rows, each multiplying the segment's keys;
// consecutive short segments share one block while its key window stays within
// kAttentionMergeRows (fewer, larger GEMM calls for rows of many tiny instances, at the price of
// at most kAttentionMergeRows² cross-segment scores per block, which get probability 0). Measured
// with bench_attention's BM_AttentionPackedForwardBackward on rows of 10-token instances, merging
// and not merging were within the noise of each other; both took about half the dense time.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/kernels/attention.h"

namespace nn::kernels {

// Query rows per block: the block's scores (rows × S) stay in L2. Forward and backward use the
// same blocks (the backward reads the forward's probabilities block by block).
inline constexpr int64_t kAttentionBlockRows = 128;
// Short segments share a block up to this many rows.
inline constexpr int64_t kAttentionMergeRows = 32;
static_assert(kAttentionMergeRows <= kAttentionBlockRows, "a merged block must fit the block scratch");
// Keys per step when the probabilities are not kept (the key-blocked path of kernels/attention.cc):
// a step's scores, kAttentionBlockRows × kAttentionBlockKeys floats, are one thread's scratch
// whatever S. Even, so every step but a window's first starts at an even key (bf16 pairs).
inline constexpr int64_t kAttentionBlockKeys = 128;
static_assert(kAttentionBlockKeys % 2 == 0, "key steps must keep bf16 pairs aligned");

// Query rows [i0, i0 + m) of batch row b, multiplying keys [k0, k1) only: every key a row of the
// block sees lies in [k0, k1).
struct QueryBlock {
  int64_t b = 0, i0 = 0, m = 0, k0 = 0, k1 = 0;
};

struct AttentionBlocks {
  std::vector<QueryBlock> blocks;  // batch row by batch row, query rows ascending
  std::vector<size_t> first;       // the blocks of batch row b are [first[b], first[b + 1])
  std::vector<int64_t> seg_lo, seg_hi;  // with segments, (B,T): key range of each row's segment
  double visible_pairs = 0;        // Σ over (b, i) of the keys row i sees (B·T rows, per head)
};

// Keys [lo, hi) visible to query row i of batch row b (hi ≤ lo: none). Without segments lo = 0
// and hi = S, or i + 1 + S − T clamped to [0, S] when causal; segments intersect that with the
// row's segment.
inline void row_keys(const AttentionDims& a, const AttentionBlocks& blocks, int64_t b, int64_t i,
                     int64_t& lo, int64_t& hi) {
  lo = 0;
  hi = a.causal ? std::clamp<int64_t>(i + 1 + a.S - a.T, 0, a.S) : a.S;
  if (a.segments) {
    const size_t at = static_cast<size_t>(b * a.T + i);
    lo = blocks.seg_lo[at];
    hi = std::min(hi, blocks.seg_hi[at]);
  }
}

// The blocks for dims (segments, if given, must satisfy AttentionDims' preconditions).
AttentionBlocks plan_attention_blocks(const AttentionDims& dims);

}  // namespace nn::kernels
