// test_packing.cc — sequence packing: first-fit-decreasing against a hand-worked case and a plain
// quadratic reference, an epoch's packed rows (windows, every instance once, seeded), the packed
// batch tensors by hand, and the packed pretraining stream (every instance of an epoch once, batch
// shapes, determinism, seek/resume, epoch sizes, padding share, errors).
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>

#include "bert/data/batcher.h"
#include "bert/data/packing.h"
#include "core/error.h"
#include "core/rng.h"
#include "data_test_util.h"

using namespace bert;
using bert::test::numbered_document;
using bert::test::plain_vocab;
using Catch::Matchers::Contains;
using Ids = std::vector<int64_t>;
using Bins = std::vector<std::vector<uint32_t>>;

namespace {

// First-fit-decreasing the slow way: for each item by decreasing length (stable), scan the bins
// from the first and put it into the first with room.
Bins naive_ffd(const std::vector<size_t>& lengths, size_t capacity) {
  std::vector<uint32_t> items(lengths.size());
  std::iota(items.begin(), items.end(), 0u);
  std::stable_sort(items.begin(), items.end(), [&](uint32_t a, uint32_t b) { return lengths[a] > lengths[b]; });
  Bins bins;
  std::vector<size_t> used;
  for (const uint32_t item : items) {
    size_t b = 0;
    while (b < bins.size() && used[b] + lengths[item] > capacity) ++b;
    if (b == bins.size()) {
      bins.emplace_back();
      used.push_back(0);
    }
    bins[b].push_back(item);
    used[b] += lengths[item];
  }
  for (auto& bin : bins) std::sort(bin.begin(), bin.end());
  return bins;
}

// An instance of n tokens [CLS] x… [SEP] with token types 0 then 1 from the middle, masked at
// position 1 (label 7·n), NSP label n % 2; token ids tell the instance (base).
Instance instance_of(int32_t n, int32_t base) {
  Instance inst;
  for (int32_t t = 0; t < n; ++t) {
    inst.tokens.push_back(t == 0 ? 2 : t == n - 1 ? 3 : base + t);
    inst.segment_ids.push_back(t < n / 2 ? 0 : 1);
  }
  inst.masked_positions = {1};
  inst.masked_labels = {7 * n};
  inst.next_sentence_label = n % 2;
  return inst;
}

// The instances of a packed batch, read back from its tensors by instance_ids: each as its tokens.
std::vector<Ids> unpack(const Batch& b) {
  const int64_t B = b.input_ids.size(0), T = b.input_ids.size(1);
  const Ids ids = b.input_ids.to_ids(), mask = b.attention_mask.to_ids(), inst = b.instance_ids.to_ids();
  std::vector<Ids> out;
  for (int64_t r = 0; r < B; ++r)
    for (int64_t t = 0; t < T; ++t) {
      const auto i = static_cast<size_t>(r * T + t);
      if (!mask[i]) continue;
      if (t == 0 || inst[i] != inst[i - 1]) out.emplace_back();
      out.back().push_back(ids[i]);
    }
  return out;
}

// A corpus of documents of 1 to 4 sentences of 2 to 12 tokens: instances of mixed lengths.
Corpus mixed_corpus() {
  Corpus corpus;
  for (int d = 0; d < 60; ++d) corpus.add_document(numbered_document(d, 1 + d % 4, 2 + (d * 7) % 11));
  return corpus;
}

StreamOptions packed_options() {
  StreamOptions o;
  o.instances.max_seq_length = 32;
  o.batching.batch_size = 3;
  o.seed = 11;
  o.pack = true;
  o.pack_window = 16;
  return o;
}

// Every tensor of a packed batch as one list of ids.
Ids flatten(const PretrainingBatch& b) {
  Ids out;
  for (const nn::Tensor* t : {&b.masked.input_ids, &b.masked.token_type_ids, &b.masked.attention_mask,
                              &b.masked.masked_positions, &b.masked.masked_labels, &b.masked.next_sentence_labels,
                              &b.masked.position_ids, &b.masked.instance_ids, &b.masked.cls_positions}) {
    const auto ids = t->to_ids();
    out.insert(out.end(), ids.begin(), ids.end());
    out.push_back(-7);
  }
  return out;
}

std::vector<Ids> take(PretrainingStream& s, int n) {
  std::vector<Ids> out;
  for (int i = 0; i < n; ++i) out.push_back(flatten(s.next_batch()));
  return out;
}

}  // namespace

TEST_CASE("packing: first-fit-decreasing on a hand-worked case", "[data][packing]") {
  // By length 7(1) 6(5) 5(0) 4(4) 3(2) 2(3): 7 opens bin 0, 6 bin 1, 5 bin 2; 4 fills bin 1,
  // 3 fills bin 0, 2 goes to bin 2.
  const std::vector<size_t> lengths{5, 7, 3, 2, 4, 6};
  CHECK(first_fit_decreasing(lengths, 10) == Bins{{1, 2}, {4, 5}, {0, 3}});
  CHECK(first_fit_decreasing(lengths, 27) == Bins{{0, 1, 2, 3, 4, 5}});
  CHECK(first_fit_decreasing(std::vector<size_t>{}, 10).empty());
  CHECK_THROWS_WITH(first_fit_decreasing(std::vector<size_t>{3, 11}, 10),
                    Contains("packing: an instance of 11 tokens does not fit a row of 10"));
}

TEST_CASE("packing: first-fit-decreasing equals the quadratic reference", "[data][packing]") {
  nn::Generator rng(3);
  for (const size_t capacity : {8, 32, 128}) {
    for (const size_t n : {1, 7, 100, 1000}) {
      std::vector<size_t> lengths(n);
      for (auto& l : lengths) l = static_cast<size_t>(rng.randint(1, static_cast<int64_t>(capacity)));
      INFO("capacity " << capacity << " items " << n);
      const Bins bins = first_fit_decreasing(lengths, capacity);
      CHECK(bins == naive_ffd(lengths, capacity));
      std::vector<uint32_t> seen;
      for (const auto& bin : bins) {
        size_t used = 0;
        for (const uint32_t i : bin) used += lengths[i];
        CHECK(used <= capacity);
        seen.insert(seen.end(), bin.begin(), bin.end());
      }
      std::sort(seen.begin(), seen.end());
      std::vector<uint32_t> all(n);
      std::iota(all.begin(), all.end(), 0u);
      CHECK(seen == all);
    }
  }
}

TEST_CASE("packing: an epoch's rows pack each window on its own, every instance once, seeded",
          "[data][packing]") {
  std::vector<Instance> instances;
  for (int i = 0; i < 50; ++i) instances.push_back(instance_of(2 + (i * 13) % 19, 100 * i));
  std::vector<uint32_t> order(instances.size());
  std::iota(order.begin(), order.end(), 0u);
  std::reverse(order.begin(), order.end());  // any order: rows follow it
  const Bins rows = pack_rows(instances, order, 24, 20, 5);
  std::vector<uint32_t> seen;
  size_t window_of_row = 0;
  for (const auto& row : rows) {
    size_t tokens = 0;
    for (const uint32_t i : row) tokens += instances[i].tokens.size();
    CHECK(tokens <= 24);
    // A row's instances come from one window of 20 consecutive entries of order (order[k] = 49 − k),
    // listed in that order, and windows do not go back.
    const size_t window = (49 - row.front()) / 20;
    CHECK(window >= window_of_row);
    window_of_row = window;
    for (size_t k = 0; k < row.size(); ++k) {
      CHECK((49 - row[k]) / 20 == window);
      if (k > 0) CHECK(row[k] < row[k - 1]);
    }
    seen.insert(seen.end(), row.begin(), row.end());
  }
  std::sort(seen.begin(), seen.end());
  CHECK(seen.size() == instances.size());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
  CHECK(pack_rows(instances, order, 24, 20, 5) == rows);
  CHECK(pack_rows(instances, order, 24, 20, 6) != rows);  // another seed, another row order
  // Window 0: the whole order as one window.
  CHECK(pack_rows(instances, order, 24, 0, 5) == pack_rows(instances, order, 24, 50, 5));
  CHECK(pack_rows(instances, order, 24, 0, 5) == pack_rows(instances, order, 24, 1000, 5));
}

TEST_CASE("packing: packed batch tensors", "[data][packing]") {
  const std::vector<std::vector<Instance>> rows{{instance_of(4, 10), instance_of(3, 20)}, {instance_of(5, 30)}};
  const Batch b = make_packed_masked_lm_batch(rows, 8, 0);
  CHECK(b.input_ids.shape() == nn::Shape{2, 8});
  CHECK(b.input_ids.to_ids() == Ids{2, 11, 12, 3, 2, 21, 3, 0, 2, 31, 32, 33, 3, 0, 0, 0});
  CHECK(b.token_type_ids.to_ids() == Ids{0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0});
  CHECK(b.attention_mask.to_ids() == Ids{1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0});
  CHECK(b.position_ids.to_ids() == Ids{0, 1, 2, 3, 0, 1, 2, 0, 0, 1, 2, 3, 4, 0, 0, 0});
  CHECK(b.instance_ids.to_ids() == Ids{0, 0, 0, 0, 1, 1, 1, 2, 0, 0, 0, 0, 0, 1, 1, 1});
  CHECK(b.masked_positions.to_ids() == Ids{1, 5, 9});  // b·T + start of the instance + its position
  CHECK(b.masked_labels.to_ids() == Ids{28, 21, 35});
  CHECK(b.next_sentence_labels.to_ids() == Ids{0, 1, 1});  // one per instance
  CHECK(b.cls_positions.to_ids() == Ids{0, 4, 8});
  CHECK_THROWS_WITH(make_packed_masked_lm_batch(rows, 6, 0), Contains("packing: row 0 holds more than 6 tokens"));
}

TEST_CASE("packed stream: an epoch's batches hold each of its instances once, in full rows",
          "[data][packing][stream]") {
  const Corpus corpus = mixed_corpus();
  const auto v = plain_vocab(100000);
  for (const Objective objective : {Objective::mlm_nsp, Objective::mlm}) {
    StreamOptions o = packed_options();
    o.instances.objective = objective;
    o.batching.batch_size = 1;  // so that no batch crosses into the next epoch
    const std::vector<Instance> instances = epoch_instances(corpus, v, o, 0);
    std::vector<Ids> want;
    for (const Instance& inst : instances) want.emplace_back(inst.tokens.begin(), inst.tokens.end());
    std::sort(want.begin(), want.end());

    PretrainingStream s(corpus, v, o);
    std::vector<Ids> got;
    size_t rows = 0;
    int64_t nsp = 0, cls = 0, tokens = 0;
    while (s.position().epoch == 0) {
      const PretrainingBatch b = s.next_batch();
      CHECK(b.masked.input_ids.shape() == nn::Shape{1, 32});
      for (const Ids& inst : unpack(b.masked)) got.push_back(inst);
      nsp += b.masked.next_sentence_labels.numel();
      cls += b.masked.cls_positions.numel();
      tokens += b.num_tokens;
      ++rows;
    }
    std::sort(got.begin(), got.end());
    CHECK(got == want);
    CHECK(nsp == static_cast<int64_t>(instances.size()));
    CHECK(cls == static_cast<int64_t>(instances.size()));
    CHECK(rows == epoch_size(corpus, v, o, 0));
    CHECK(rows < instances.size());  // several instances per row
    int64_t want_tokens = 0;
    for (const Instance& inst : instances) want_tokens += static_cast<int64_t>(inst.tokens.size());
    CHECK(tokens == want_tokens);
  }
}

TEST_CASE("packed stream: same seed, same batches; seek and resume are exact", "[data][packing][stream]") {
  const Corpus corpus = mixed_corpus();
  const auto v = plain_vocab(100000);
  for (const bool dynamic : {false, true}) {
    StreamOptions o = packed_options();
    o.dynamic_masking = dynamic;
    o.dupe_factor = 2;
    PretrainingStream full(corpus, v, o), twin(corpus, v, o);
    const auto first = take(full, 7);
    CHECK(take(twin, 7) == first);
    const StreamPosition saved = full.position();
    const auto rest = take(full, 40);  // past the end of epoch 0
    CHECK(full.position().epoch >= 1);

    PretrainingStream resumed(corpus, v, o, saved);
    CHECK(take(resumed, 40) == rest);
    full.seek({0, 0});
    CHECK(take(full, 7) == first);
    CHECK(full.position() == saved);

    StreamOptions other = o;
    other.seed = 12;
    PretrainingStream c(corpus, v, other);
    CHECK(take(c, 7) != first);
  }
}

TEST_CASE("packed stream: less padding than one instance per row; the padding share helper",
          "[data][packing][stream]") {
  const Corpus corpus = mixed_corpus();
  const auto v = plain_vocab(100000);
  StreamOptions unpacked = packed_options();
  unpacked.pack = false;
  unpacked.batching.pad_multiple = 1;
  const auto share = [&](const StreamOptions& o) {
    PretrainingStream s(corpus, v, o);
    double padding = 0, positions = 0;
    for (int i = 0; i < 20; ++i) {
      const PretrainingBatch b = s.next_batch();
      const Ids mask = b.masked.attention_mask.to_ids();
      const double pads = static_cast<double>(std::count(mask.begin(), mask.end(), 0));
      CHECK(padding_share(b) == Approx(pads / static_cast<double>(mask.size())));
      CHECK(padding_share(b.masked) == Approx(pads / static_cast<double>(mask.size())));
      padding += pads;
      positions += static_cast<double>(mask.size());
    }
    return padding / positions;
  };
  StreamOptions full_rows = unpacked;  // one instance per row of max_seq_length, as packed rows
  full_rows.batching.pad_to = PadTo::max_length;
  const double packed = share(packed_options()), longest = share(unpacked), one_per_row = share(full_rows);
  CHECK(packed < longest);
  CHECK(packed < one_per_row / 2);

  PretrainingBatch empty;
  CHECK(padding_share(empty) == 0.0);
  CHECK(padding_share(empty.masked) == 0.0);
  Batch causal;
  causal.attention_mask = nn::Tensor::from_ids({2, 4}, {1, 1, 1, 0, 1, 0, 0, 0});
  CHECK(padding_share(causal) == 0.5);
}

TEST_CASE("packed stream: errors name the problem", "[data][packing][stream]") {
  const Corpus corpus = mixed_corpus();
  const auto v = plain_vocab(100000);
  StreamOptions o = packed_options();
  o.instances.objective = Objective::clm;
  CHECK_THROWS_WITH(PretrainingStream(corpus, v, o), Contains("packing is for the masked objectives"));
  PretrainingStream s(corpus, v, packed_options(), {0, 100000});
  CHECK_THROWS_WITH(s.next_batch(), Contains("position 100000 is past the end of epoch 0") && Contains("packed rows"));
}
