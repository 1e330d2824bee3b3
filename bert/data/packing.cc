// packing.cc — first-fit-decreasing, an epoch's packed rows, and the packed batch tensors.
#include "bert/data/packing.h"

#include <algorithm>
#include <bit>
#include <numeric>

#include "core/error.h"
#include "core/rng.h"

namespace bert {
namespace {

// Max-tree over n bins' free room (unopened bins have all of it), to find the first bin with room
// for an item in O(log n): leaves in bin order, each inner node the max of its children.
class FreeRoom {
 public:
  FreeRoom(size_t n, size_t capacity) : leaves_(std::bit_ceil(std::max<size_t>(n, 1))), tree_(2 * leaves_, capacity) {}
  // Index of the first bin with at least `need` free (there is one while fewer than n items went in).
  size_t first_with(size_t need) const {
    size_t node = 1;
    while (node < leaves_) node = tree_[2 * node] >= need ? 2 * node : 2 * node + 1;
    return node - leaves_;
  }
  // Takes `used` from bin i.
  void take(size_t i, size_t used) {
    size_t node = leaves_ + i;
    tree_[node] -= used;
    for (node /= 2; node >= 1; node /= 2) tree_[node] = std::max(tree_[2 * node], tree_[2 * node + 1]);
  }

 private:
  size_t leaves_;
  std::vector<size_t> tree_;
};

}  // namespace

std::vector<std::vector<uint32_t>> first_fit_decreasing(std::span<const size_t> lengths, size_t capacity) {
  std::vector<uint32_t> items(lengths.size());
  std::iota(items.begin(), items.end(), 0u);
  std::stable_sort(items.begin(), items.end(), [&](uint32_t a, uint32_t b) { return lengths[a] > lengths[b]; });
  if (!items.empty())
    NN_CHECK(lengths[items[0]] <= capacity, "packing: an instance of ", lengths[items[0]],
             " tokens does not fit a row of ", capacity);
  FreeRoom room(lengths.size(), capacity);
  std::vector<std::vector<uint32_t>> bins;
  for (const uint32_t item : items) {
    const size_t bin = room.first_with(lengths[item]);
    if (bin == bins.size()) bins.emplace_back();
    bins[bin].push_back(item);
    room.take(bin, lengths[item]);
  }
  for (auto& bin : bins) std::sort(bin.begin(), bin.end());
  return bins;
}

std::vector<std::vector<uint32_t>> pack_rows(const std::vector<Instance>& instances,
                                             std::span<const uint32_t> order, size_t capacity,
                                             size_t window, uint64_t seed) {
  const size_t step = window == 0 ? std::max<size_t>(order.size(), 1) : window;
  nn::Generator rng(seed);
  std::vector<std::vector<uint32_t>> rows;
  for (size_t lo = 0; lo < order.size(); lo += step) {
    const std::span<const uint32_t> part = order.subspan(lo, std::min(step, order.size() - lo));
    std::vector<size_t> lengths(part.size());
    for (size_t i = 0; i < part.size(); ++i) lengths[i] = instances[part[i]].tokens.size();
    const size_t first = rows.size();
    for (const auto& bin : first_fit_decreasing(lengths, capacity)) {
      rows.emplace_back();
      for (const uint32_t i : bin) rows.back().push_back(part[i]);
    }
    for (size_t i = rows.size() - first; i-- > 1;)
      std::swap(rows[first + i], rows[first + static_cast<size_t>(rng.randint(0, static_cast<int64_t>(i)))]);
  }
  return rows;
}

Batch make_packed_masked_lm_batch(std::span<const std::vector<Instance>> rows, size_t length,
                                          int32_t pad_id) {
  const auto B = static_cast<int64_t>(rows.size()), T = static_cast<int64_t>(length);
  std::vector<int64_t> ids(rows.size() * length, pad_id), types(ids.size(), 0), mask(ids.size(), 0),
      positions(ids.size(), 0), instance(ids.size(), 0);
  std::vector<int64_t> masked, labels, nsp, cls;
  for (int64_t b = 0; b < B; ++b) {
    const auto& row = rows[static_cast<size_t>(b)];
    int64_t at = 0;  // the row's next free position
    for (size_t k = 0; k < row.size(); ++k) {
      const Instance& inst = row[k];
      const auto n = static_cast<int64_t>(inst.tokens.size());
      NN_CHECK(at + n <= T, "packing: row ", b, " holds more than ", T, " tokens");
      for (int64_t t = 0; t < n; ++t) {
        const auto i = static_cast<size_t>(b * T + at + t);
        ids[i] = inst.tokens[static_cast<size_t>(t)];
        types[i] = inst.segment_ids[static_cast<size_t>(t)];
        mask[i] = 1;
        positions[i] = t;
        instance[i] = static_cast<int64_t>(k);
      }
      for (size_t m = 0; m < inst.masked_positions.size(); ++m) {
        masked.push_back(b * T + at + inst.masked_positions[m]);
        labels.push_back(inst.masked_labels[m]);
      }
      nsp.push_back(inst.next_sentence_label);
      cls.push_back(b * T + at);
      at += n;
    }
    for (int64_t t = at; t < T; ++t) instance[static_cast<size_t>(b * T + t)] = static_cast<int64_t>(row.size());
  }
  Batch batch;
  batch.input_ids = nn::Tensor::from_ids({B, T}, ids);
  batch.token_type_ids = nn::Tensor::from_ids({B, T}, types);
  batch.attention_mask = nn::Tensor::from_ids({B, T}, mask);
  batch.masked_positions = nn::Tensor::from_ids({static_cast<int64_t>(masked.size())}, masked);
  batch.masked_labels = nn::Tensor::from_ids({static_cast<int64_t>(labels.size())}, labels);
  batch.next_sentence_labels = nn::Tensor::from_ids({static_cast<int64_t>(nsp.size())}, nsp);
  batch.position_ids = nn::Tensor::from_ids({B, T}, positions);
  batch.instance_ids = nn::Tensor::from_ids({B, T}, instance);
  batch.cls_positions = nn::Tensor::from_ids({static_cast<int64_t>(cls.size())}, cls);
  return batch;
}

}  // namespace bert
