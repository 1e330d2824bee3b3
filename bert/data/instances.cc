// instances.cc — Google's create_pretraining_data rules (instances.h) over a tokenized Corpus.
#include "bert/data/instances.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>
#include <span>
#include <utility>

#include "core/error.h"

namespace bert {
namespace {

using Tokens = std::vector<int32_t>;

// Appends the ids of span s to v.
void extend(Tokens& v, std::span<const int32_t> s) { v.insert(v.end(), s.begin(), s.end()); }

// Fisher–Yates shuffle drawing j = randint(0, i) for i = n−1 … 1 (Python's random.shuffle order).
template <class T>
void shuffle(std::vector<T>& v, nn::Generator& rng) {
  for (size_t i = v.size(); i-- > 1;)
    std::swap(v[i], v[static_cast<size_t>(rng.randint(0, static_cast<int64_t>(i)))]);
}

// Google's target length: max_num_tokens, or with probability short_seq_prob randint(2, it).
size_t target_length(size_t max_num_tokens, const InstanceOptions& options, nn::Generator& rng) {
  if (rng.uniform() < options.short_seq_prob)
    return static_cast<size_t>(rng.randint(2, static_cast<int64_t>(max_num_tokens)));
  return max_num_tokens;
}

// [CLS] a [SEP] (b [SEP] when b is not empty) with token types 0 … 0 (1 … 1), then masked.
Instance make_instance(const Tokens& a, const Tokens& b, int32_t next_sentence_label,
                       const InstanceOptions& options, const MaskingVocab& vocab,
                       nn::Generator& rng) {
  Instance inst;
  inst.tokens.reserve(a.size() + b.size() + 3);
  inst.tokens.push_back(vocab.cls);
  extend(inst.tokens, a);
  inst.tokens.push_back(vocab.sep);
  inst.segment_ids.assign(inst.tokens.size(), 0);
  if (!b.empty()) {
    extend(inst.tokens, b);
    inst.tokens.push_back(vocab.sep);
    inst.segment_ids.resize(inst.tokens.size(), 1);
  }
  inst.next_sentence_label = next_sentence_label;
  mask_tokens(inst, options, vocab, rng);
  return inst;
}

// Google's choice of a random other document (10 tries; may return d when there is no other).
size_t random_other_document(size_t d, size_t num_documents, nn::Generator& rng) {
  size_t r = d;
  for (int attempt = 0; attempt < 10; ++attempt) {
    r = static_cast<size_t>(rng.randint(0, static_cast<int64_t>(num_documents) - 1));
    if (r != d) break;
  }
  return r;
}

// Checks the options against the objective's minimum sequence length and the corpus.
void check_options(const Corpus& corpus, const InstanceOptions& options) {
  NN_CHECK(corpus.num_documents() > 0, "instances: the corpus has no documents");
  const int min_length = options.objective == Objective::mlm_nsp ? 5
                         : options.objective == Objective::mlm   ? 4
                                                                 : 2;
  NN_CHECK(options.max_seq_length >= min_length, "instances: max_seq_length ",
           options.max_seq_length, " is below ", min_length, " for objective ",
           objective_name(options.objective));
  if (options.objective == Objective::clm) return;
  NN_CHECK(options.max_predictions_per_seq >= 1, "instances: max_predictions_per_seq must be >= 1");
  NN_CHECK(options.masked_lm_prob > 0 && options.masked_lm_prob <= 1,
           "instances: masked_lm_prob ", options.masked_lm_prob, " is not in (0, 1]");
  NN_CHECK(options.short_seq_prob >= 0 && options.short_seq_prob <= 1,
           "instances: short_seq_prob ", options.short_seq_prob, " is not in [0, 1]");
}

}  // namespace

Objective parse_objective(const std::string& name) {
  if (name == "mlm+nsp") return Objective::mlm_nsp;
  if (name == "mlm") return Objective::mlm;
  if (name == "clm") return Objective::clm;
  nn::fail("unknown objective '", name, "' (expected mlm+nsp, mlm or clm)");
}

std::string objective_name(Objective objective) {
  switch (objective) {
    case Objective::mlm_nsp: return "mlm+nsp";
    case Objective::mlm: return "mlm";
    case Objective::clm: return "clm";
  }
  return "?";
}

MaskingVocab MaskingVocab::from_vocab(const Vocab& vocab) {
  const auto& sp = vocab.specials();
  std::string missing;
  for (const auto& [id, name] : {std::pair{sp.pad, "[PAD]"}, {sp.cls, "[CLS]"}, {sp.sep, "[SEP]"}, {sp.mask, "[MASK]"}})
    if (id < 0) missing += std::string(missing.empty() ? "" : " ") + name;
  NN_CHECK(missing.empty(), vocab.source(), ": the vocabulary has no ", missing,
           " (pretraining data needs [PAD] [CLS] [SEP] [MASK])");
  MaskingVocab v;
  v.cls = sp.cls;
  v.sep = sp.sep;
  v.mask = sp.mask;
  v.pad = sp.pad;
  v.size = static_cast<int32_t>(vocab.size());
  v.continues_word.resize(vocab.size());
  for (size_t id = 0; id < vocab.size(); ++id)
    v.continues_word[id] = vocab.tokens()[id].starts_with("##");
  return v;
}

int num_to_predict(size_t num_tokens, const InstanceOptions& options) {
  // nearbyint in the default rounding mode rounds half to even, as Python's round().
  const double expected = std::nearbyint(static_cast<double>(num_tokens) * options.masked_lm_prob);
  return std::min(options.max_predictions_per_seq, std::max(1, static_cast<int>(expected)));
}

void truncate_seq_pair(Tokens& a, Tokens& b, size_t max_num_tokens, nn::Generator& rng) {
  size_t a_lo = 0, a_hi = a.size(), b_lo = 0, b_hi = b.size();
  while ((a_hi - a_lo) + (b_hi - b_lo) > max_num_tokens) {
    const bool from_a = a_hi - a_lo > b_hi - b_lo;
    size_t& lo = from_a ? a_lo : b_lo;
    size_t& hi = from_a ? a_hi : b_hi;
    if (rng.uniform() < 0.5) ++lo;
    else --hi;
  }
  a = Tokens(a.begin() + static_cast<ptrdiff_t>(a_lo), a.begin() + static_cast<ptrdiff_t>(a_hi));
  b = Tokens(b.begin() + static_cast<ptrdiff_t>(b_lo), b.begin() + static_cast<ptrdiff_t>(b_hi));
}

void mask_tokens(Instance& inst, const InstanceOptions& options, const MaskingVocab& vocab,
                 nn::Generator& rng) {
  auto& tokens = inst.tokens;
  // Candidate groups of positions: single tokens, or whole words (a "##" piece joins the group of
  // the token right before it; never across [CLS]/[SEP]). Group g is candidates[starts[g] …
  // starts[g+1]); the groups are shuffled through `order`.
  std::vector<int32_t> candidates, starts;
  for (int32_t i = 0; i < static_cast<int32_t>(tokens.size()); ++i) {
    const int32_t id = tokens[static_cast<size_t>(i)];
    if (id == vocab.cls || id == vocab.sep) continue;
    const bool joins = options.whole_word_masking && !candidates.empty() &&
                       candidates.back() == i - 1 && id >= 0 && id < vocab.size &&
                       vocab.continues_word[static_cast<size_t>(id)];
    if (!joins) starts.push_back(static_cast<int32_t>(candidates.size()));
    candidates.push_back(i);
  }
  std::vector<int32_t> order(starts.size());
  std::iota(order.begin(), order.end(), 0);
  shuffle(order, rng);
  starts.push_back(static_cast<int32_t>(candidates.size()));
  const size_t target = static_cast<size_t>(num_to_predict(tokens.size(), options));
  std::vector<std::pair<int32_t, int32_t>> masked;  // (position, original id)
  for (const int32_t g : order) {
    if (masked.size() >= target) break;
    const auto begin = static_cast<size_t>(starts[static_cast<size_t>(g)]);
    const auto end = static_cast<size_t>(starts[static_cast<size_t>(g) + 1]);
    if (masked.size() + (end - begin) > target) continue;
    for (size_t c = begin; c < end; ++c) {
      const int32_t pos = candidates[c];
      int32_t& token = tokens[static_cast<size_t>(pos)];
      masked.emplace_back(pos, token);
      if (rng.uniform() < 0.8) token = vocab.mask;
      else if (rng.uniform() >= 0.5) token = static_cast<int32_t>(rng.randint(0, vocab.size - 1));
      // else: unchanged
    }
  }
  std::sort(masked.begin(), masked.end());
  inst.masked_positions.clear();
  inst.masked_labels.clear();
  for (const auto& [pos, label] : masked) {
    inst.masked_positions.push_back(pos);
    inst.masked_labels.push_back(label);
  }
}

std::vector<Instance> nsp_instances(const Corpus& corpus, size_t d, const InstanceOptions& options,
                                    const MaskingVocab& vocab, nn::Generator& rng) {
  const size_t max_num_tokens = static_cast<size_t>(options.max_seq_length) - 3;
  const size_t target = target_length(max_num_tokens, options, rng);
  const size_t n = corpus.document_size(d);
  std::vector<Instance> out;
  std::vector<std::span<const int32_t>> chunk;
  size_t chunk_length = 0;
  for (size_t i = 0; i < n; ++i) {
    chunk.push_back(corpus.sentence(d, i));
    chunk_length += chunk.back().size();
    if (i + 1 < n && chunk_length < target) continue;
    const size_t a_end =
        chunk.size() >= 2 ? static_cast<size_t>(rng.randint(1, static_cast<int64_t>(chunk.size()) - 1))
                          : 1;
    Tokens a, b;
    for (size_t j = 0; j < a_end; ++j) extend(a, chunk[j]);
    const bool random_next = chunk.size() == 1 || rng.uniform() < 0.5;
    if (random_next) {
      const size_t target_b = target > a.size() ? target - a.size() : 0;
      const size_t r = random_other_document(d, corpus.num_documents(), rng);
      const size_t m = corpus.document_size(r);
      for (size_t j = static_cast<size_t>(rng.randint(0, static_cast<int64_t>(m) - 1)); j < m; ++j) {
        extend(b, corpus.sentence(r, j));
        if (b.size() >= target_b) break;
      }
      i -= chunk.size() - a_end;  // the unused sentences go back for the next chunk
    } else {
      for (size_t j = a_end; j < chunk.size(); ++j) extend(b, chunk[j]);
    }
    truncate_seq_pair(a, b, max_num_tokens, rng);
    out.push_back(make_instance(a, b, random_next ? 1 : 0, options, vocab, rng));
    chunk.clear();
    chunk_length = 0;
  }
  return out;
}

std::vector<Instance> mlm_instances(const Corpus& corpus, size_t d, const InstanceOptions& options,
                                    const MaskingVocab& vocab, nn::Generator& rng) {
  const size_t max_num_tokens = static_cast<size_t>(options.max_seq_length) - 2;
  const size_t target = target_length(max_num_tokens, options, rng);
  const size_t n = corpus.document_size(d);
  std::vector<Instance> out;
  Tokens x, none;
  for (size_t i = 0; i < n; ++i) {
    extend(x, corpus.sentence(d, i));
    if (i + 1 < n && x.size() < target) continue;
    truncate_seq_pair(x, none, max_num_tokens, rng);
    out.push_back(make_instance(x, none, kNoNspLabel, options, vocab, rng));
    x.clear();
  }
  return out;
}

std::vector<Instance> causal_blocks(const Corpus& corpus, size_t block_size, size_t offset,
                                    int32_t sep_id) {
  Tokens joined;
  joined.reserve(corpus.num_tokens() + corpus.num_documents());
  for (size_t d = 0; d < corpus.num_documents(); ++d) {
    extend(joined, corpus.document_tokens(d));
    joined.push_back(sep_id);
  }
  std::vector<Instance> out;
  const auto emit = [&](size_t begin, size_t length) {
    Instance inst;
    const auto first = joined.begin() + static_cast<ptrdiff_t>(begin);
    inst.tokens.assign(first, first + static_cast<ptrdiff_t>(length));
    inst.segment_ids.assign(length, 0);
    out.push_back(std::move(inst));
  };
  if (joined.size() <= block_size) {
    emit(0, joined.size());
    return out;
  }
  for (size_t begin = std::min(offset, joined.size() - block_size);
       begin + block_size <= joined.size(); begin += block_size)
    emit(begin, block_size);
  return out;
}

std::vector<Instance> create_instances(const Corpus& corpus, const InstanceOptions& options,
                                       const MaskingVocab& vocab, uint64_t pass_seed) {
  check_options(corpus, options);
  const auto length = static_cast<size_t>(options.max_seq_length);
  if (options.objective == Objective::clm) {
    nn::Generator rng(pass_seed);
    const auto offset = static_cast<size_t>(rng.randint(0, static_cast<int64_t>(length) - 1));
    return causal_blocks(corpus, length, offset, vocab.sep);
  }
  std::vector<Instance> out;
  for (size_t d = 0; d < corpus.num_documents(); ++d) {
    nn::Generator rng(nn::mix_seed(pass_seed, d));
    auto doc = options.objective == Objective::mlm_nsp ? nsp_instances(corpus, d, options, vocab, rng)
                                                       : mlm_instances(corpus, d, options, vocab, rng);
    std::move(doc.begin(), doc.end(), std::back_inserter(out));
  }
  return out;
}

}  // namespace bert
