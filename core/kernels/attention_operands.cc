// kernels/attention_operands.cc — implementation of kernels/attention_operands.h.
#include "core/kernels/attention_operands.h"

#include <cstddef>

#include "core/kernels/bf16_tile.h"

namespace nn::kernels {

Bf16Heads round_heads(int64_t B, int64_t H, int64_t n, int64_t D, const float* x, HeadsLayout l,
                      Bf16Layouts layouts) {
  Bf16Heads h;
  h.n = n;
  h.D = D;
  h.Dp = D + (D & 1);
  const auto heads = static_cast<std::size_t>(B * H);
  if (layouts.rows) h.rows.resize(heads * static_cast<std::size_t>(n * h.Dp));
  if (layouts.pairs) h.pairs.resize(heads * static_cast<std::size_t>((n + 1) / 2 * D));
  if (layouts.pairs_t) h.pairs_t.resize(heads * static_cast<std::size_t>(h.Dp / 2 * n));
#pragma omp parallel for schedule(static) if (B * H * n * D >= (int64_t{1} << 16))
  for (int64_t bh = 0; bh < B * H; ++bh) {
    const float* head = x + (bh / H) * l.batch + (bh % H) * l.head;
    if (layouts.rows) bf16_pack_rows(n, D, head, l.row, 0, h.Dp, h.rows.data() + bh * n * h.Dp);
    if (layouts.pairs) bf16_pack_pairs(n, D, head, l.row, h.pairs.data() + bh * ((n + 1) / 2) * D);
    if (layouts.pairs_t) bf16_pack_pairs_t(n, D, head, l.row, h.pairs_t.data() + bh * (h.Dp / 2) * n);
  }
  return h;
}

}  // namespace nn::kernels
