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
  if (layouts.rows) {
    h.rows_storage = std::make_unique<Storage>(count * static_cast<std::size_t>(n * h.Dp) * sizeof(uint16_t));
    h.rows = static_cast<uint16_t*>(h.rows_storage->data());
  }
  if (layouts.pairs) {
    h.pairs_storage = std::make_unique<Storage>(count * static_cast<std::size_t>((n + 1) / 2 * D) * sizeof(uint32_t));
    h.pairs = static_cast<uint32_t*>(h.pairs_storage->data());
  }
  if (layouts.pairs_t) {
    h.pairs_t_storage = std::make_unique<Storage>(count * static_cast<std::size_t>(h.Dp / 2 * n) * sizeof(uint32_t));
    h.pairs_t = static_cast<uint32_t*>(h.pairs_t_storage->data());
  }
  return h;
}

void round_head(Bf16Heads& h, int64_t bh, const float* x, int64_t ldx) {
  const int64_t n = h.n, D = h.D, Dp = h.Dp;
  if (h.rows) bf16_pack_rows(n, D, x, ldx, 0, Dp, h.rows + bh * n * Dp);
  if (h.pairs) bf16_pack_pairs(n, D, x, ldx, h.pairs + bh * ((n + 1) / 2) * D);
  if (h.pairs_t) bf16_pack_pairs_t(n, D, x, ldx, h.pairs_t + bh * (Dp / 2) * n);
}

}  // namespace nn::kernels
