// task_feed.cc — seeded epochs over a fine-tuning dataset.
#include "bert/train/task_feed.h"

#include <charconv>
#include <numeric>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/rng.h"

namespace bert {

int64_t steps_per_epoch(size_t examples, size_t batch_size) {
  NN_CHECK(batch_size >= 1, "steps_per_epoch: batch size 0");
  return static_cast<int64_t>((examples + batch_size - 1) / batch_size);
}

namespace {
// Where the stream is and the order of the current epoch.
struct EpochCursor {
  uint64_t epoch = 0, batch = 0;
  std::vector<size_t> order;
  uint64_t order_epoch = UINT64_MAX;
};

// Parses a whole decimal count (digits only: no sign, spaces or trailing text; within 64 bits).
bool parse_count(std::string_view s, uint64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

// The examples of `epoch` in their shuffled order (Fisher–Yates with a generator of (seed, epoch)).
std::vector<size_t> epoch_order(size_t n, uint64_t seed, uint64_t epoch) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  nn::Generator g(nn::mix_seed(seed, epoch));
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[static_cast<size_t>(g.randint(0, static_cast<int64_t>(i) - 1))]);
  return order;
}
}  // namespace

DataFeed task_feed(std::shared_ptr<const TaskDataset> train, const TaskDataset* eval, size_t batch_size,
                   uint64_t seed) {
  NN_CHECK(train && train->size() > 0, "fine-tuning: the training set is empty");
  const auto cursor = std::make_shared<EpochCursor>();
  const uint64_t per_epoch = static_cast<uint64_t>(steps_per_epoch(train->size(), batch_size));
  DataFeed f;
  f.next = [=] {
    if (cursor->order_epoch != cursor->epoch) {
      cursor->order = epoch_order(train->size(), seed, cursor->epoch);
      cursor->order_epoch = cursor->epoch;
    }
    const size_t begin = cursor->batch * batch_size, end = std::min(train->size(), begin + batch_size);
    const Batch b = train->batch(std::span<const size_t>(cursor->order).subspan(begin, end - begin));
    if (++cursor->batch == per_epoch) {
      cursor->batch = 0;
      ++cursor->epoch;
    }
    return b;
  };
  f.position = [=] { return std::to_string(cursor->epoch) + ":" + std::to_string(cursor->batch); };
  f.seek = [=](const std::string& p) {
    uint64_t epoch = 0, batch = 0;
    if (!p.empty()) {
      const size_t colon = p.find(':');
      if (colon == std::string::npos || !parse_count(std::string_view(p).substr(0, colon), epoch) ||
          !parse_count(std::string_view(p).substr(colon + 1), batch))
        nn::fail("fine-tuning: invalid data position '", p, "' (expected epoch:batch)");
      NN_CHECK(batch < per_epoch, "fine-tuning: data position '", p, "' is past the ", per_epoch,
               " batches of an epoch (a different training file or batch size?)");
    }
    cursor->epoch = epoch;  // only a valid position moves the feed
    cursor->batch = batch;
  };
  if (eval) f.eval = eval->batches(batch_size);
  return f;
}

}  // namespace bert
