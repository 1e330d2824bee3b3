// test_batcher.cc — batch tensors (padding, flattened masked positions, causal labels), the
// pretraining stream (determinism, epochs, dynamic masking, seek/resume, worker errors) and the
// fixed evaluation batches.
#include <catch2/catch.hpp>

#include <algorithm>

#include "bert/data/batcher.h"
#include "core/error.h"
#include "data_test_util.h"

using namespace bert;
using bert::test::numbered_document;
using bert::test::plain_vocab;
using Catch::Matchers::Contains;
using Ids = std::vector<int64_t>;

namespace {

// Every tensor of a batch as one list of ids (for comparing batches).
Ids flatten(const PretrainingBatch& b) {
  Ids out;
  for (const nn::Tensor* t : {&b.masked.input_ids, &b.masked.token_type_ids, &b.masked.attention_mask,
                              &b.masked.masked_positions, &b.masked.masked_labels,
                              &b.masked.next_sentence_labels, &b.causal.input_ids,
                              &b.causal.attention_mask, &b.causal.labels}) {
    if (!t->defined()) continue;
    const auto ids = t->to_ids();
    out.insert(out.end(), ids.begin(), ids.end());
    out.push_back(-7);  // separator
  }
  return out;
}

// The next n batches of a stream, flattened.
std::vector<Ids> take(PretrainingStream& s, int n) {
  std::vector<Ids> out;
  for (int i = 0; i < n; ++i) out.push_back(flatten(s.next_batch()));
  return out;
}

// A small corpus of numbered documents.
Corpus small_corpus() {
  Corpus c;
  for (int d = 0; d < 6; ++d) c.add_document(numbered_document(d, 2 + d % 3, 4));
  return c;
}

StreamOptions small_stream_options() {
  StreamOptions o;
  o.instances.max_seq_length = 16;
  o.batching.batch_size = 3;
  o.seed = 42;
  return o;
}

}  // namespace

TEST_CASE("batcher: masked-LM batch tensors", "[data][batcher]") {
  Instance a, b;
  a.tokens = {2, 10, 4, 3, 11, 3};
  a.segment_ids = {0, 0, 0, 0, 1, 1};
  a.masked_positions = {2, 4};
  a.masked_labels = {12, 11};
  a.next_sentence_label = 1;
  b.tokens = {2, 13, 3, 14, 3};
  b.segment_ids = {0, 0, 0, 1, 1};
  b.masked_positions = {1};
  b.masked_labels = {13};
  b.next_sentence_label = 0;
  const std::vector<Instance> both{a, b};
  const auto batch = make_masked_lm_batch(both, 8, 0);
  CHECK(batch.input_ids.to_ids() == Ids{2, 10, 4, 3, 11, 3, 0, 0, 2, 13, 3, 14, 3, 0, 0, 0});
  CHECK(batch.token_type_ids.to_ids() == Ids{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0});
  CHECK(batch.attention_mask.to_ids() == Ids{1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0});
  CHECK(batch.masked_positions.to_ids() == Ids{2, 4, 9});  // b·T + t
  CHECK(batch.masked_labels.to_ids() == Ids{12, 11, 13});
  CHECK(batch.next_sentence_labels.to_ids() == Ids{1, 0});
  CHECK(batch.input_ids.shape() == nn::Shape{2, 8});

  BatchOptions o;  // longest, rounded up to a multiple of 8
  CHECK(batch_length(both, o, 128) == 8);
  CHECK(batch_length(both, o, 7) == 7);
  o.pad_multiple = 1;
  CHECK(batch_length(both, o, 128) == 6);
  o.pad_to = PadTo::max_length;
  CHECK(batch_length(both, o, 128) == 128);
}

TEST_CASE("batcher: causal-LM batch labels are the ids, −100 at padding", "[data][batcher]") {
  Instance a, b;
  a.tokens = {5, 6, 7};
  b.tokens = {8, 9};
  const std::vector<Instance> both{a, b};
  const auto batch = make_causal_lm_batch(both, 3, 0);
  CHECK(batch.input_ids.to_ids() == Ids{5, 6, 7, 8, 9, 0});
  CHECK(batch.attention_mask.to_ids() == Ids{1, 1, 1, 1, 1, 0});
  CHECK(batch.labels.to_ids() == Ids{5, 6, 7, 8, 9, -100});
  InstanceOptions io;
  io.objective = Objective::clm;
  io.max_seq_length = 3;
  const auto pb = make_batch(both, io, BatchOptions{}, 0);
  CHECK(pb.num_tokens == 5);
  CHECK(pb.causal.input_ids.defined());
  CHECK_FALSE(pb.masked.input_ids.defined());
}

TEST_CASE("stream: same seed, same batches; positions advance through epochs", "[data][stream]") {
  const Corpus corpus = small_corpus();
  const auto v = plain_vocab(10000);
  const auto o = small_stream_options();
  PretrainingStream a(corpus, v, o), b(corpus, v, o);
  CHECK(a.position() == StreamPosition{0, 0});
  CHECK(take(a, 12) == take(b, 12));
  CHECK(a.position().epoch >= 2);  // a few instances per epoch: batches cross epochs
  auto other = o;
  other.seed = 43;
  PretrainingStream c(corpus, v, other);
  PretrainingStream d(corpus, v, o);
  CHECK(take(c, 4) != take(d, 4));
}

TEST_CASE("stream: seek reproduces the uninterrupted stream exactly", "[data][stream]") {
  const Corpus corpus = small_corpus();
  const auto v = plain_vocab(10000);
  for (const bool dynamic : {false, true}) {
    auto o = small_stream_options();
    o.dynamic_masking = dynamic;
    o.dupe_factor = 2;
    PretrainingStream full(corpus, v, o);
    const auto first = take(full, 5);
    const StreamPosition saved = full.position();
    const auto rest = take(full, 9);

    PretrainingStream resumed(corpus, v, o, saved);  // a new process resuming
    CHECK(resumed.position() == saved);
    CHECK(take(resumed, 9) == rest);

    full.seek({0, 0});  // the same stream, rewound
    CHECK(take(full, 5) == first);
    CHECK(full.position() == saved);
    full.seek(saved);
    CHECK(take(full, 9) == rest);
  }
}

TEST_CASE("stream: dynamic masking changes the data per epoch, dupe_factor cycles it", "[data][stream]") {
  const Corpus corpus = small_corpus();
  const auto v = plain_vocab(10000);
  // One batch = one whole epoch's instances (sorted, so the per-epoch order does not matter).
  const auto epoch_contents = [&](StreamOptions o, uint64_t epoch) {
    o.batching.batch_size = 1;
    PretrainingStream s(corpus, v, o, {epoch, 0});
    std::vector<Ids> all;
    while (s.position().epoch == epoch) all.push_back(flatten(s.next_batch()));
    std::sort(all.begin(), all.end());
    return all;
  };
  auto o = small_stream_options();
  o.dupe_factor = 2;
  CHECK(epoch_contents(o, 0) == epoch_contents(o, 2));
  CHECK(epoch_contents(o, 0) != epoch_contents(o, 1));
  o.dynamic_masking = true;
  CHECK(epoch_contents(o, 0) != epoch_contents(o, 2));
}

TEST_CASE("stream: errors of the worker come out of next_batch", "[data][stream]") {
  const Corpus corpus = small_corpus();
  const auto v = plain_vocab(10000);
  PretrainingStream s(corpus, v, small_stream_options(), {0, 100000});
  CHECK_THROWS_WITH(s.next_batch(), Contains("past the end of epoch 0"));
  auto bad = small_stream_options();
  bad.instances.max_seq_length = 3;
  PretrainingStream t(corpus, v, bad);
  CHECK_THROWS_WITH(t.next_batch(), Contains("max_seq_length 3"));
  CHECK_THROWS_WITH(PretrainingStream(Corpus{}, v, small_stream_options()), Contains("empty"));
}

TEST_CASE("stream: every objective yields batches of its kind", "[data][stream]") {
  const Corpus corpus = small_corpus();
  const auto v = plain_vocab(10000);
  for (const auto objective : {Objective::mlm_nsp, Objective::mlm, Objective::clm}) {
    auto o = small_stream_options();
    o.instances.objective = objective;
    o.instances.max_seq_length = 8;
    PretrainingStream s(corpus, v, o);
    const auto b = s.next_batch();
    if (objective == Objective::clm) {
      CHECK(b.causal.input_ids.shape() == nn::Shape{3, 8});
      CHECK(b.num_tokens == 24);
    } else {
      CHECK(b.masked.input_ids.shape()[0] == 3);
      CHECK(b.masked.masked_positions.numel() >= 3);
      const auto nsp = b.masked.next_sentence_labels.to_ids();
      for (const auto l : nsp) CHECK((objective == Objective::mlm ? l == kNoNspLabel : (l == 0 || l == 1)));
    }
  }
}

TEST_CASE("eval batches: one fixed pass, last batch may be smaller", "[data][stream]") {
  const Corpus corpus = small_corpus();
  const auto v = plain_vocab(10000);
  InstanceOptions io;
  io.max_seq_length = 16;
  BatchOptions bo;
  bo.batch_size = 4;
  const auto a = make_eval_batches(corpus, v, io, bo, 1), b = make_eval_batches(corpus, v, io, bo, 1);
  REQUIRE(!a.empty());
  REQUIRE(a.size() == b.size());
  int64_t rows = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(flatten(a[i]) == flatten(b[i]));
    rows += a[i].masked.input_ids.shape()[0];
    if (i + 1 < a.size()) CHECK(a[i].masked.input_ids.shape()[0] == 4);
  }
  CHECK(rows >= static_cast<int64_t>(corpus.num_documents()));  // every document gives an instance
}

TEST_CASE("stream: positions as text; epoch sizes", "[data][stream]") {
  CHECK(format_position({3, 1024}) == "3:1024");
  CHECK(parse_position("3:1024") == StreamPosition{3, 1024});
  CHECK(parse_position(format_position({0, 0})) == StreamPosition{0, 0});
  for (const char* bad : {"", "3", "3:", ":4", "3:4x", "-1:2", "3:4:5", " 3:4"})
    CHECK_THROWS_WITH(parse_position(bad), Contains("bad position"));
  const Corpus corpus = small_corpus();
  const auto v = plain_vocab(10000);
  const auto o = small_stream_options();
  const size_t n = epoch_instances(corpus, v, o, 0).size();
  PretrainingStream s(corpus, v, o);
  uint64_t seen = 0;
  while (s.position().epoch == 0) {
    s.next_batch();
    seen += o.batching.batch_size;
  }
  CHECK(seen - s.position().index == n);  // the batch that crossed into epoch 1 took `index` from it
}

TEST_CASE("stream: group_by_length pads less, permutes only within runs, and resumes exactly",
          "[data][stream]") {
  Corpus corpus;  // documents of 1 to 4 sentences of 2 to 12 tokens: instances of mixed lengths
  for (int d = 0; d < 60; ++d) corpus.add_document(numbered_document(d, 1 + d % 4, 2 + (d * 7) % 11));
  const auto v = plain_vocab(100000);
  StreamOptions plain;
  plain.instances.max_seq_length = 32;
  plain.batching.batch_size = 4;
  plain.seed = 5;
  StreamOptions grouped = plain;
  grouped.group_by_length = 3;  // runs of 3 batches = 12 instances
  REQUIRE(epoch_instances(corpus, v, plain, 0).size() >= 24);

  // The rows (tokens without padding) of the next n batches, sorted, and their padded size.
  auto rows_of = [](PretrainingStream& s, int n, int64_t& padded) {
    std::vector<Ids> rows;
    for (int i = 0; i < n; ++i) {
      const PretrainingBatch b = s.next_batch();
      padded += b.masked.input_ids.numel();
      const int64_t T = b.masked.input_ids.size(1);
      const Ids ids = b.masked.input_ids.to_ids(), mask = b.masked.attention_mask.to_ids();
      for (int64_t r = 0; r < b.masked.input_ids.size(0); ++r) {
        Ids row;
        for (int64_t t = 0; t < T; ++t)
          if (mask[static_cast<size_t>(r * T + t)]) row.push_back(ids[static_cast<size_t>(r * T + t)]);
        rows.push_back(row);
      }
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  PretrainingStream a(corpus, v, plain), b(corpus, v, grouped);
  int64_t padded_plain = 0, padded_grouped = 0;
  for (int run = 0; run < 2; ++run)  // each run of 3 batches holds the same instances, reordered
    CHECK(rows_of(a, 3, padded_plain) == rows_of(b, 3, padded_grouped));
  CHECK(padded_grouped < padded_plain);  // same tokens, fewer padded positions

  PretrainingStream full(corpus, v, grouped);
  take(full, 4);
  const StreamPosition saved = full.position();  // mid-run
  const auto rest = take(full, 8);
  PretrainingStream resumed(corpus, v, grouped, saved);
  CHECK(take(resumed, 8) == rest);
}
