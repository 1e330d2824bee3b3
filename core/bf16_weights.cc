// bf16_weights.cc — the weight cache behind Bf16WeightScope (process-wide, under one lock):
// bf16 copies and int8 copies of the weights.
#include "core/bf16_weights.h"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>

#include "core/kernels/convert.h"
#include "core/kernels/gemm_int8.h"
#include "core/kernels/gemm_matmul.h"
#include "core/storage.h"

namespace nn {
namespace {

// One kept weight: the fp32 tensor (holding its storage, hence its address), its plain bf16 copy
// (made when a product asks for it) and its blocked copies (made by the bf16 GEMM from the fp32
// weight; inference asks only for these, so it holds one bf16 copy per weight, not two), or, in
// int8 precision, its int8 copy.
struct Kept {
  explicit Kept(const Tensor& w) : weight(w.detach()) {}
  Tensor weight;
  std::optional<Storage> copy;
  kernels::PackedWeight layouts;
  std::unique_ptr<kernels::Int8Weight> int8;
};

// Keyed by (first element, rows, cols): two views of one storage with different shapes differ.
using Key = std::tuple<const float*, int64_t, int64_t>;

std::mutex g_mutex;
int g_depth = 0;
std::map<Key, std::unique_ptr<Kept>> g_kept;

}  // namespace

Bf16WeightScope::Bf16WeightScope() {
  const std::lock_guard<std::mutex> lock(g_mutex);
  ++g_depth;
}

Bf16WeightScope::~Bf16WeightScope() {
  const std::lock_guard<std::mutex> lock(g_mutex);
  if (--g_depth == 0) g_kept.clear();
}

namespace {

// The kept entry of w (made on first use), or null outside any scope or for a non-2-D or
// non-contiguous w. Call with g_mutex held.
Kept* kept_entry(const Tensor& w) {
  if (g_depth == 0) return nullptr;
  const int64_t rows = w.size(0), cols = w.size(1);
  auto& slot = g_kept[Key{w.data(), rows, cols}];
  if (!slot) slot = std::make_unique<Kept>(w);
  return slot.get();
}

bool keepable(const Tensor& w) {
  return w.defined() && w.dtype() == DType::F32 && w.dim() == 2 && w.is_contiguous() && w.numel() > 0;
}

}  // namespace

const uint16_t* bf16_weight(const Tensor& w) {
  if (!keepable(w)) return nullptr;
  const std::lock_guard<std::mutex> lock(g_mutex);
  Kept* k = kept_entry(w);
  if (!k) return nullptr;
  if (!k->copy) {
    const int64_t rows = w.size(0), cols = w.size(1);
    k->copy.emplace(static_cast<size_t>(rows * cols) * sizeof(uint16_t));
    kernels::fp32_to_bf16_rows(rows, cols, w.data(), cols, static_cast<uint16_t*>(k->copy->data()));
  }
  return static_cast<const uint16_t*>(k->copy->data());
}

kernels::PackedWeight* bf16_weight_layouts(const Tensor& w) {
  if (!keepable(w)) return nullptr;
  const std::lock_guard<std::mutex> lock(g_mutex);
  Kept* k = kept_entry(w);
  return k ? &k->layouts : nullptr;
}

kernels::Int8Weight* int8_weight(const Tensor& w) {
  if (!keepable(w)) return nullptr;
  const std::lock_guard<std::mutex> lock(g_mutex);
  Kept* k = kept_entry(w);
  if (!k) return nullptr;
  if (!k->int8) k->int8 = kernels::quantize_weight(w.size(0), w.size(1), w.data(), w.size(1));
  return k->int8.get();
}

int64_t bf16_weights_kept() {
  const std::lock_guard<std::mutex> lock(g_mutex);
  return static_cast<int64_t>(g_kept.size());
}

}  // namespace nn
