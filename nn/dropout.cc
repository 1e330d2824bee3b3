// dropout.cc — the dropout seed stream and nn::Dropout.
#include "nn/dropout.h"

#include <atomic>

#include "core/ops.h"
#include "core/rng.h"

namespace nn {
namespace {
std::atomic<uint64_t> g_base{0x9E3779B97F4A7C15ull};
std::atomic<uint64_t> g_calls{0};
}  // namespace

void set_dropout_seed(uint64_t base) {
  g_base = base;
  g_calls = 0;
}

uint64_t next_dropout_seed() { return mix_seed(g_base.load(), g_calls.fetch_add(1)); }

Tensor Dropout::forward(const Tensor& x) const {
  if (!is_training() || p == 0.f) return x;
  return dropout(x, p, true, next_dropout_seed());
}

}  // namespace nn
