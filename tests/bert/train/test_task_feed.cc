// test_task_feed.cc — the fine-tuning DataFeed (bert/train/task_feed.h) over a dataset whose
// examples carry their own index as a regression value, so every batch says which examples it
// holds: each epoch visits every example once, the order is reshuffled per epoch and fixed by the
// seed, an epoch's last batch is smaller, seek("epoch:batch") continues exactly as the stream that
// was never stopped, and malformed or impossible positions are errors that leave the feed as it was.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <numeric>

#include "bert/data/task_dataset.h"
#include "bert/train/task_feed.h"
#include "core/error.h"
#include "tests/bert/data/data_test_util.h"

using namespace bert;

namespace {

// Message of the nn::Error that f throws ("" when it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const nn::Error& e) {
    return e.what();
  }
  return "";
}

// n examples "the cat" whose regression value is their index 0 … n−1.
std::shared_ptr<const TaskDataset> numbered(size_t n) {
  ExampleFile file;
  file.path = "numbered.tsv";
  for (size_t i = 0; i < n; ++i) {
    TextExample e;
    e.text = "the cat";
    e.value = static_cast<double>(i);
    e.label = std::to_string(i);
    e.line = i + 2;
    file.examples.push_back(e);
  }
  return std::make_shared<const TaskDataset>(
      TaskDataset::sequences(file, test::tiny_tokenizer(), LabelMap(), LabelTarget::regression, 16));
}

// The example indices of a batch (its regression values).
std::vector<int> indices(const Batch& b) {
  std::vector<int> out;
  for (const float v : b.labels.to_vector()) out.push_back(static_cast<int>(v));
  return out;
}

// The next `count` batches of a feed, as example indices.
std::vector<std::vector<int>> take(DataFeed& feed, size_t count) {
  std::vector<std::vector<int>> out;
  for (size_t i = 0; i < count; ++i) out.push_back(indices(feed.next()));
  return out;
}

// The examples of consecutive batches, concatenated.
std::vector<int> flatten(const std::vector<std::vector<int>>& batches, size_t begin, size_t end) {
  std::vector<int> out;
  for (size_t i = begin; i < end; ++i) out.insert(out.end(), batches[i].begin(), batches[i].end());
  return out;
}

std::vector<int> iota(int n) {
  std::vector<int> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace

TEST_CASE("task feed: steps per epoch round up", "[task_feed]") {
  CHECK(steps_per_epoch(10, 4) == 3);
  CHECK(steps_per_epoch(8, 4) == 2);
  CHECK(steps_per_epoch(1, 32) == 1);
  CHECK(error_of([] { steps_per_epoch(10, 0); }) == "steps_per_epoch: batch size 0");
}

TEST_CASE("task feed: every example once per epoch, reshuffled each epoch, fixed by the seed", "[task_feed]") {
  const auto data = numbered(10);
  DataFeed feed = task_feed(data, nullptr, 4, 7);
  CHECK(feed.position() == "0:0");
  const auto stream = take(feed, 9);  // three epochs of 4 + 4 + 2
  CHECK(feed.position() == "3:0");
  for (size_t e = 0; e < 3; ++e) {
    INFO("epoch " << e);
    CHECK(stream[3 * e].size() == 4);
    CHECK(stream[3 * e + 1].size() == 4);
    CHECK(stream[3 * e + 2].size() == 2);  // the last batch of an epoch is smaller
    std::vector<int> seen = flatten(stream, 3 * e, 3 * e + 3);
    std::sort(seen.begin(), seen.end());
    CHECK(seen == iota(10));
  }
  // Shuffled, and not the same order twice.
  const std::vector<int> e0 = flatten(stream, 0, 3), e1 = flatten(stream, 3, 6), e2 = flatten(stream, 6, 9);
  CHECK(e0 != iota(10));
  CHECK(e0 != e1);
  CHECK(e1 != e2);
  CHECK(e0 != e2);
  // The same seed gives the same stream; another seed another.
  DataFeed again = task_feed(data, nullptr, 4, 7);
  CHECK(take(again, 9) == stream);
  DataFeed other = task_feed(data, nullptr, 4, 8);
  CHECK(flatten(take(other, 3), 0, 3) != e0);
}

TEST_CASE("task feed: positions count batches within epochs", "[task_feed]") {
  DataFeed feed = task_feed(numbered(10), nullptr, 4, 1);
  std::vector<std::string> positions;
  for (int i = 0; i < 7; ++i) {
    positions.push_back(feed.position());
    feed.next();
  }
  positions.push_back(feed.position());
  CHECK(positions == std::vector<std::string>{"0:0", "0:1", "0:2", "1:0", "1:1", "1:2", "2:0", "2:1"});
  // A batch larger than the data: one batch of everything per epoch.
  DataFeed whole = task_feed(numbered(3), nullptr, 8, 1);
  CHECK(indices(whole.next()).size() == 3);
  CHECK(whole.position() == "1:0");
}

TEST_CASE("task feed: seek continues exactly as the stream never stopped", "[task_feed]") {
  const auto data = numbered(10);
  DataFeed feed = task_feed(data, nullptr, 4, 3);
  std::vector<std::string> positions;
  std::vector<std::vector<int>> stream;
  for (int i = 0; i < 12; ++i) {
    positions.push_back(feed.position());
    stream.push_back(indices(feed.next()));
  }
  for (size_t k = 0; k < positions.size(); ++k) {
    INFO("seek to " << positions[k]);
    DataFeed resumed = task_feed(data, nullptr, 4, 3);
    resumed.next();  // a feed that has moved on, seeking back
    resumed.seek(positions[k]);
    CHECK(resumed.position() == positions[k]);
    const std::vector<std::vector<int>> rest(stream.begin() + static_cast<std::ptrdiff_t>(k), stream.end());
    CHECK(take(resumed, stream.size() - k) == rest);
  }
  // The empty position is the start.
  DataFeed fresh = task_feed(data, nullptr, 4, 3);
  fresh.next();
  fresh.seek("");
  CHECK(take(fresh, 12) == stream);
  // A position in an epoch far ahead needs no replay.
  DataFeed far = task_feed(data, nullptr, 4, 3);
  far.seek("3:1");
  CHECK(far.position() == "3:1");
  CHECK(take(far, 2) == std::vector<std::vector<int>>(stream.begin() + 10, stream.end()));
}

TEST_CASE("task feed: malformed and impossible positions are clear errors", "[task_feed]") {
  DataFeed feed = task_feed(numbered(10), nullptr, 4, 3);
  feed.next();
  for (const std::string p : {"x", "1", "1:", ":1", "1:x", "1:2x", "1:2:0", " 1:0", "1: 0", "-1:0", "1:-1", "+1:0",
                              "99999999999999999999:0"}) {
    INFO("position '" << p << "'");
    CHECK(error_of([&] { feed.seek(p); }) == "fine-tuning: invalid data position '" + p + "' (expected epoch:batch)");
    CHECK(feed.position() == "0:1");  // a refused position leaves the feed where it was
  }
  CHECK(error_of([&] { feed.seek("1:3"); }) ==
        "fine-tuning: data position '1:3' is past the 3 batches of an epoch (a different training file or batch "
        "size?)");
  CHECK(feed.position() == "0:1");
  CHECK(error_of([] { task_feed(std::make_shared<const TaskDataset>(), nullptr, 4, 3); }) ==
        "fine-tuning: the training set is empty");
  CHECK(error_of([] { task_feed(nullptr, nullptr, 4, 3); }) == "fine-tuning: the training set is empty");
}

TEST_CASE("task feed: held-out batches are the evaluation set in file order", "[task_feed]") {
  const auto train = numbered(10);
  const auto held = numbered(5);
  DataFeed feed = task_feed(train, held.get(), 2, 3);
  REQUIRE(feed.eval.size() == 3);
  CHECK(indices(feed.eval[0]) == std::vector<int>{0, 1});
  CHECK(indices(feed.eval[1]) == std::vector<int>{2, 3});
  CHECK(indices(feed.eval[2]) == std::vector<int>{4});
  CHECK(task_feed(train, nullptr, 2, 3).eval.empty());
}
