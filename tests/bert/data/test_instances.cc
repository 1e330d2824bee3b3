// test_instances.cc — Google's create_pretraining_data rules on hand-checked examples: masking
// counts and rounding, never masking [CLS]/[SEP], 80/10/10, NSP labels and put-back, truncation,
// whole-word masking, MLM-only and causal instances, determinism.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "bert/data/instances.h"
#include "core/error.h"
#include "data_test_util.h"

using namespace bert;
using bert::test::document_of;
using bert::test::numbered_document;
using bert::test::plain_vocab;
using Catch::Matchers::Contains;

namespace {

// A corpus of numbered documents with the given sentence counts, `length` ids per sentence.
Corpus numbered_corpus(const std::vector<int>& sentence_counts, int length) {
  Corpus c;
  for (size_t d = 0; d < sentence_counts.size(); ++d)
    c.add_document(numbered_document(static_cast<int>(d), sentence_counts[d], length));
  return c;
}

// The tokens of an instance with the masked positions restored to their labels.
std::vector<int32_t> unmasked(const Instance& inst) {
  auto tokens = inst.tokens;
  for (size_t k = 0; k < inst.masked_positions.size(); ++k)
    tokens[static_cast<size_t>(inst.masked_positions[k])] = inst.masked_labels[k];
  return tokens;
}

// Segments A and B of an unmasked pair [CLS] A [SEP] B [SEP].
std::pair<std::vector<int32_t>, std::vector<int32_t>> segments(const Instance& inst, int32_t sep) {
  const auto t = unmasked(inst);
  const auto first_sep = std::find(t.begin() + 1, t.end(), sep);
  return {{t.begin() + 1, first_sep}, {first_sep + 1, t.end() - 1}};
}

// An instance [CLS] 10 11 … [SEP] of n tokens in all (specials included).
Instance plain_instance(size_t n, const MaskingVocab& v) {
  Instance inst;
  inst.tokens.push_back(v.cls);
  for (size_t i = 0; i + 2 < n; ++i) inst.tokens.push_back(static_cast<int32_t>(10 + i));
  inst.tokens.push_back(v.sep);
  inst.segment_ids.assign(n, 0);
  return inst;
}

}  // namespace

TEST_CASE("instances: number of masked positions, Python's round half to even", "[data][instances]") {
  InstanceOptions o;  // 0.15, at most 20
  CHECK(num_to_predict(20, o) == 3);   // 3.0
  CHECK(num_to_predict(10, o) == 2);   // 1.5 → 2
  CHECK(num_to_predict(30, o) == 4);   // 4.5 → 4
  CHECK(num_to_predict(50, o) == 8);   // 7.5 → 8
  CHECK(num_to_predict(70, o) == 10);  // 10.5 → 10
  CHECK(num_to_predict(3, o) == 1);    // 0.45 → 0 → at least 1
  CHECK(num_to_predict(128, o) == 19); // 19.2
  CHECK(num_to_predict(140, o) == 20); // 21 → cap
  CHECK(num_to_predict(512, o) == 20);
  o.max_predictions_per_seq = 5;
  CHECK(num_to_predict(128, o) == 5);
}

TEST_CASE("instances: masking never touches [CLS]/[SEP], masks the counted positions in order", "[data][instances]") {
  const auto v = plain_vocab(1000);
  InstanceOptions o;
  for (const size_t n : {3u, 10u, 30u, 128u}) {
    for (uint64_t seed = 0; seed < 50; ++seed) {
      auto inst = plain_instance(n, v);
      const auto original = inst.tokens;
      nn::Generator rng(seed);
      mask_tokens(inst, o, v, rng);
      REQUIRE(inst.masked_positions.size() == static_cast<size_t>(num_to_predict(n, o)));
      CHECK(std::is_sorted(inst.masked_positions.begin(), inst.masked_positions.end()));
      CHECK(std::adjacent_find(inst.masked_positions.begin(), inst.masked_positions.end()) ==
            inst.masked_positions.end());
      for (size_t k = 0; k < inst.masked_positions.size(); ++k) {
        const auto p = static_cast<size_t>(inst.masked_positions[k]);
        CHECK(p != 0);
        CHECK(p != n - 1);
        CHECK(inst.masked_labels[k] == original[p]);
      }
      CHECK(inst.tokens.front() == v.cls);
      CHECK(inst.tokens.back() == v.sep);
      CHECK(unmasked(inst) == original);
      for (size_t p = 0; p < n; ++p)  // unmasked positions are untouched
        if (std::find(inst.masked_positions.begin(), inst.masked_positions.end(), p) ==
            inst.masked_positions.end())
          CHECK(inst.tokens[p] == original[p]);
    }
  }
}

TEST_CASE("instances: 80% [MASK], 10% unchanged, 10% random within binomial bounds", "[data][instances]") {
  const auto v = plain_vocab(1000000);  // random ids almost never equal [MASK] or the original
  InstanceOptions o;
  size_t total = 0, masks = 0, kept = 0, random = 0;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    auto inst = plain_instance(128, v);
    nn::Generator rng(seed);
    mask_tokens(inst, o, v, rng);
    for (size_t k = 0; k < inst.masked_positions.size(); ++k) {
      const int32_t t = inst.tokens[static_cast<size_t>(inst.masked_positions[k])];
      ++total;
      if (t == v.mask) ++masks;
      else if (t == inst.masked_labels[k]) ++kept;
      else ++random;
    }
  }
  REQUIRE(total == 2000u * 19u);
  // Each count is Binomial(total, p): within 5 standard deviations.
  const auto within = [&](size_t count, double p) {
    const double mean = static_cast<double>(total) * p;
    return std::abs(static_cast<double>(count) - mean) <= 5 * std::sqrt(mean * (1 - p));
  };
  CHECK(within(masks, 0.8));
  CHECK(within(kept, 0.1));
  CHECK(within(random, 0.1));
}

TEST_CASE("instances: truncate_seq_pair pops from the longer side, front or back", "[data][instances]") {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    nn::Generator rng(seed);
    std::vector<int32_t> a(10), b{100, 101, 102};
    std::iota(a.begin(), a.end(), 0);
    truncate_seq_pair(a, b, 8, rng);
    CHECK(a.size() == 5);
    CHECK(b == std::vector<int32_t>{100, 101, 102});
    for (size_t i = 1; i < a.size(); ++i) CHECK(a[i] == a[i - 1] + 1);  // a contiguous run
    std::vector<int32_t> c{1, 2, 3, 4}, d{5, 6, 7, 8};
    truncate_seq_pair(c, d, 7, rng);  // a tie pops from the second
    CHECK(c.size() == 4);
    CHECK(d.size() == 3);
  }
}

TEST_CASE("instances: NSP — continuation is label 0, random document label 1", "[data][instances]") {
  const auto v = plain_vocab(100000);
  InstanceOptions o;  // max_seq_length 128: no truncation of these small documents
  o.short_seq_prob = 0;
  const Corpus corpus = numbered_corpus({1, 4, 3, 2}, 3);
  size_t label0 = 0, label1 = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    nn::Generator rng(seed);
    for (size_t d = 0; d < corpus.num_documents(); ++d) {
      for (const auto& inst : nsp_instances(corpus, d, o, v, rng)) {
        const auto [a, b] = segments(inst, v.sep);
        REQUIRE(!a.empty());
        REQUIRE(!b.empty());
        CHECK(inst.tokens.size() <= 128);
        for (const int32_t t : a) CHECK(document_of(t) == static_cast<int>(d));
        CHECK(a.front() % 10 == 0);  // A starts at a sentence start
        if (corpus.document_size(d) == 1) CHECK(inst.next_sentence_label == 1);
        if (inst.next_sentence_label == 0) {
          ++label0;
          std::vector<int32_t> ab = a;
          ab.insert(ab.end(), b.begin(), b.end());
          // B continues A: A + B is the rest of the document (one chunk to its end).
          const auto whole = corpus.document_tokens(d);
          REQUIRE(ab.size() <= whole.size());
          CHECK(ab == std::vector<int32_t>(whole.end() - static_cast<ptrdiff_t>(ab.size()), whole.end()));
        } else {
          REQUIRE(inst.next_sentence_label == 1);
          ++label1;
          CHECK(document_of(b.front()) != static_cast<int>(d));
          CHECK(b.front() % 10 == 0);  // B starts at a sentence start
        }
        // Token types: 0 through the first [SEP], then 1.
        const size_t first_b = a.size() + 2;
        for (size_t p = 0; p < inst.segment_ids.size(); ++p)
          CHECK(inst.segment_ids[p] == (p < first_b ? 0 : 1));
      }
    }
  }
  CHECK(label0 > 150);  // multi-sentence documents: about half are continuations
  CHECK(label1 > 300);
}

TEST_CASE("instances: NSP — unused sentences of a chunk are put back", "[data][instances]") {
  const auto v = plain_vocab(100000);
  InstanceOptions o;
  o.max_seq_length = 11;  // 8 tokens for A + B: chunks of two 4-token sentences, no truncation
  o.short_seq_prob = 0;
  const Corpus corpus = numbered_corpus({7, 5, 6}, 4);
  for (uint64_t seed = 0; seed < 100; ++seed) {
    nn::Generator rng(seed);
    std::vector<int32_t> covered;  // A (+ B when it is the continuation), instance after instance
    for (const auto& inst : nsp_instances(corpus, 0, o, v, rng)) {
      const auto [a, b] = segments(inst, v.sep);
      CHECK(a.size() + b.size() <= 8);
      covered.insert(covered.end(), a.begin(), a.end());
      if (inst.next_sentence_label == 0) covered.insert(covered.end(), b.begin(), b.end());
    }
    const auto whole = corpus.document_tokens(0);
    CHECK(covered == std::vector<int32_t>(whole.begin(), whole.end()));
  }
}

TEST_CASE("instances: truncation keeps every pair within max_seq_length", "[data][instances]") {
  const auto v = plain_vocab(100000);
  InstanceOptions o;
  o.max_seq_length = 16;
  const Corpus corpus = numbered_corpus({5, 1, 8, 3, 2}, 9);  // sentences longer than half a sequence
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const auto instances = create_instances(corpus, o, v, seed);
    REQUIRE(!instances.empty());
    for (const auto& inst : instances) {
      CHECK(inst.tokens.size() <= 16);
      CHECK(inst.tokens.size() == inst.segment_ids.size());
      CHECK(inst.tokens.front() == v.cls);
      CHECK(inst.tokens.back() == v.sep);
      CHECK(std::count(inst.tokens.begin(), inst.tokens.end(), v.sep) == 2);
      const auto [a, b] = segments(inst, v.sep);
      CHECK(!a.empty());
      CHECK(!b.empty());
    }
  }
}

TEST_CASE("instances: whole-word masking masks a word's pieces together", "[data][instances]") {
  // Ids 10–19 start words, 20–29 are "##" pieces; documents alternate them into 1–3-piece words.
  auto v = plain_vocab(30);
  for (int32_t id = 20; id < 30; ++id) v.continues_word[static_cast<size_t>(id)] = true;
  Corpus corpus;
  for (int d = 0; d < 4; ++d) {
    std::vector<std::vector<int32_t>> doc;
    for (int s = 0; s < 6; ++s) {
      std::vector<int32_t> sentence;
      for (int w = 0; w < 5; ++w) {
        sentence.push_back(10 + (d + s + w) % 10);
        for (int piece = 0; piece < (d + s * w) % 3; ++piece) sentence.push_back(20 + (s + piece) % 10);
      }
      doc.push_back(sentence);
    }
    corpus.add_document(doc);
  }
  InstanceOptions o;
  o.max_seq_length = 40;
  o.whole_word_masking = true;
  size_t multi_piece_words = 0;
  for (uint64_t seed = 0; seed < 30; ++seed) {
    for (const auto& inst : create_instances(corpus, o, v, seed)) {
      const auto original = unmasked(inst);
      const auto is_masked = [&](size_t p) {
        return std::binary_search(inst.masked_positions.begin(), inst.masked_positions.end(),
                                  static_cast<int32_t>(p));
      };
      CHECK(inst.masked_positions.size() <= static_cast<size_t>(num_to_predict(inst.tokens.size(), o)));
      for (size_t p = 1; p + 1 < original.size(); ++p) {
        const bool piece = original[p] >= 20 && original[p] < 30;
        const bool after_word = original[p - 1] != v.cls && original[p - 1] != v.sep;
        if (piece && after_word) {
          CHECK(is_masked(p) == is_masked(p - 1));  // a "##" piece goes with what it continues
          multi_piece_words += is_masked(p);
        }
      }
    }
  }
  CHECK(multi_piece_words > 0);
}

TEST_CASE("instances: MLM only — [CLS] X [SEP] packs a document's sentences", "[data][instances]") {
  const auto v = plain_vocab(100000);
  InstanceOptions o;
  o.objective = Objective::mlm;
  o.max_seq_length = 12;
  o.short_seq_prob = 0;
  const Corpus corpus = numbered_corpus({6, 2}, 5);  // chunks of two 5-token sentences
  const auto instances = create_instances(corpus, o, v, 7);
  REQUIRE(instances.size() == 4);
  for (const auto& inst : instances) {
    CHECK(inst.next_sentence_label == kNoNspLabel);
    CHECK(inst.tokens.size() == 12);
    CHECK(std::count(inst.tokens.begin(), inst.tokens.end(), v.sep) == 1);
    CHECK(inst.tokens.back() == v.sep);
    CHECK(std::all_of(inst.segment_ids.begin(), inst.segment_ids.end(), [](int32_t s) { return s == 0; }));
    CHECK(!inst.masked_positions.empty());
  }
  const auto x = unmasked(instances[1]);
  CHECK(std::vector<int32_t>(x.begin() + 1, x.end() - 1) ==
        std::vector<int32_t>{1020, 1021, 1022, 1023, 1024, 1030, 1031, 1032, 1033, 1034});
}

TEST_CASE("instances: causal blocks over documents joined with [SEP]", "[data][instances]") {
  Corpus corpus;
  corpus.add_document(std::vector<std::vector<int32_t>>{{1, 2}, {3}});
  corpus.add_document(std::vector<std::vector<int32_t>>{{4, 5}});
  // Joined: 1 2 3 S 4 5 S (S = 99).
  const auto tokens = [](const std::vector<Instance>& v) {
    std::vector<std::vector<int32_t>> out;
    for (const auto& i : v) out.push_back(i.tokens);
    return out;
  };
  using Blocks = std::vector<std::vector<int32_t>>;
  CHECK(tokens(causal_blocks(corpus, 3, 0, 99)) == Blocks{{1, 2, 3}, {99, 4, 5}});
  CHECK(tokens(causal_blocks(corpus, 3, 1, 99)) == Blocks{{2, 3, 99}, {4, 5, 99}});
  CHECK(tokens(causal_blocks(corpus, 3, 6, 99)) == Blocks{{4, 5, 99}});
  CHECK(tokens(causal_blocks(corpus, 10, 0, 99)) == Blocks{{1, 2, 3, 99, 4, 5, 99}});
  const auto blocks = causal_blocks(corpus, 3, 0, 99);
  CHECK(blocks[0].masked_positions.empty());
  CHECK(blocks[0].next_sentence_label == kNoNspLabel);

  InstanceOptions o;
  o.objective = Objective::clm;
  o.max_seq_length = 3;
  const auto v = plain_vocab(100);
  for (uint64_t seed = 0; seed < 10; ++seed)
    for (const auto& inst : create_instances(corpus, o, v, seed)) CHECK(inst.tokens.size() == 3);
}

TEST_CASE("instances: a pass is deterministic for its seed and differs across seeds", "[data][instances]") {
  const auto v = plain_vocab(5000);
  InstanceOptions o;
  o.max_seq_length = 24;
  const Corpus corpus = numbered_corpus({5, 3, 9, 1, 4}, 6);
  const auto key = [](const std::vector<Instance>& v) {
    std::vector<std::vector<int32_t>> out;
    for (const auto& i : v) {
      out.push_back(i.tokens);
      out.push_back(i.masked_positions);
      out.push_back({i.next_sentence_label});
    }
    return out;
  };
  CHECK(key(create_instances(corpus, o, v, 11)) == key(create_instances(corpus, o, v, 11)));
  CHECK(key(create_instances(corpus, o, v, 11)) != key(create_instances(corpus, o, v, 12)));
}

TEST_CASE("instances: bad options and names", "[data][instances]") {
  const auto v = plain_vocab(100);
  const Corpus corpus = numbered_corpus({2}, 3);
  InstanceOptions o;
  o.max_seq_length = 4;
  CHECK_THROWS_WITH(create_instances(corpus, o, v, 0), Contains("max_seq_length 4 is below 5"));
  CHECK_THROWS_WITH(create_instances(Corpus{}, InstanceOptions{}, v, 0), Contains("no documents"));
  CHECK(parse_objective("mlm+nsp") == Objective::mlm_nsp);
  CHECK(objective_name(parse_objective("clm")) == "clm");
  CHECK_THROWS_WITH(parse_objective("gpt"), Contains("unknown objective 'gpt'"));
  CHECK_THROWS_WITH(MaskingVocab::from_vocab(Vocab({"[UNK]", "[CLS]", "[SEP]"})), Contains("vocabulary: the vocabulary has no [PAD] [MASK]"));
}
