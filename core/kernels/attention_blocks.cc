// kernels/attention_blocks.cc — the query blocks of kernels/attention_blocks.h.
#include "core/kernels/attention_blocks.h"

namespace nn::kernels {

AttentionBlocks plan_attention_blocks(const AttentionDims& a) {
  AttentionBlocks out;
  out.first.reserve(static_cast<size_t>(a.B) + 1);
  if (a.segments) {  // each row's segment: the run of equal ids around it
    out.seg_lo.resize(static_cast<size_t>(a.B * a.T));
    out.seg_hi.resize(static_cast<size_t>(a.B * a.T));
    for (int64_t b = 0; b < a.B; ++b) {
      const int64_t* ids = a.segments + b * a.T;
      for (int64_t s = 0, e = 0; s < a.T; s = e) {
        for (e = s + 1; e < a.T && ids[e] == ids[s]; ++e) {
        }
        for (int64_t i = s; i < e; ++i) {
          out.seg_lo[static_cast<size_t>(b * a.T + i)] = s;
          out.seg_hi[static_cast<size_t>(b * a.T + i)] = e;
        }
      }
    }
  }
  for (int64_t b = 0; b < a.B; ++b) {
    out.first.push_back(out.blocks.size());
    int64_t lo = 0, hi = 0;
    for (int64_t i = 0; i < a.T; ++i) {
      row_keys(a, out, b, i, lo, hi);
      out.visible_pairs += static_cast<double>(std::max<int64_t>(hi - lo, 0));
    }
    // A block starts at row i0 and ends at the end of a piece: the rest of kAttentionBlockRows
    // rows, cut at the end of the row's segment when there are segments.
    for (int64_t i0 = 0; i0 < a.T;) {
      int64_t end = std::min(i0 + kAttentionBlockRows, a.T);
      if (a.segments) end = std::min(end, out.seg_hi[static_cast<size_t>(b * a.T + i0)]);
      QueryBlock block{b, i0, end - i0, 0, 0};
      row_keys(a, out, b, i0, block.k0, hi);
      row_keys(a, out, b, end - 1, lo, block.k1);
      block.k1 = std::max(block.k1, block.k0);
      // Whole short segments join the block while its key window stays within kAttentionMergeRows.
      while (a.segments && end < a.T) {
        const int64_t next_end = out.seg_hi[static_cast<size_t>(b * a.T + end)];
        row_keys(a, out, b, next_end - 1, lo, hi);
        if (hi - block.k0 > kAttentionMergeRows) break;
        end = next_end;
        block.m = end - i0;
        block.k1 = std::max(hi, block.k1);
      }
      out.blocks.push_back(block);
      i0 = end;
    }
  }
  out.first.push_back(out.blocks.size());
  return out;
}

}  // namespace nn::kernels
