// kernels/attention_operands.cc — implementation of kernels/attention_operands.h.
#include "core/kernels/attention_operands.h"

#include <cstddef>

#include "core/kernels/bf16_tile.h"

namespace nn::kernels {

Bf16Heads bf16_heads(int64_t heads, int64_t n, int64_t D, Bf16Layouts layouts) {
  Bf16Heads h;
  h.n = n;
  h.D = D;
  h.Dp = D + (D & 1);
  const auto count = static_cast<std::size_t>(heads);
  if (layouts.rows) h.rows.resize(count * static_cast<std::size_t>(n * h.Dp));
  if (layouts.pairs) h.pairs.resize(count * static_cast<std::size_t>((n + 1) / 2 * D));
  if (layouts.pairs_t) h.pairs_t.resize(count * static_cast<std::size_t>(h.Dp / 2 * n));
  return h;
}

void round_head(Bf16Heads& h, int64_t bh, const float* x, int64_t ldx) {
  const int64_t n = h.n, D = h.D, Dp = h.Dp;
  if (!h.rows.empty()) bf16_pack_rows(n, D, x, ldx, 0, Dp, h.rows.data() + bh * n * Dp);
  if (!h.pairs.empty()) bf16_pack_pairs(n, D, x, ldx, h.pairs.data() + bh * ((n + 1) / 2) * D);
  if (!h.pairs_t.empty()) bf16_pack_pairs_t(n, D, x, ldx, h.pairs_t.data() + bh * (Dp / 2) * n);
}

}  // namespace nn::kernels
