// encoding.cc — model inputs: special tokens, token types, truncation, padding, batches.
#include <algorithm>
#include <exception>

#include "bert/tokenizer/tokenizer.h"
#include "core/error.h"

namespace bert {

Encoding Tokenizer::build(Sequence a, Sequence* b, const EncodeOptions& options) const {
  const bool specials = options.add_special_tokens;
  const bool offsets = options.return_offsets;
  size_t la = a.ids.size(), lb = b ? b->ids.size() : 0;
  if (options.max_length > 0) {
    const size_t added = specials ? (b ? 3 : 2) : 0;
    NN_CHECK(options.max_length >= added, "tokenizer: max_length ", options.max_length,
             " leaves no room for the ", added, " special tokens");
    const size_t budget = options.max_length - added;
    if (!b) la = std::min(la, budget);
    while (la + lb > budget) {  // longest first; on a tie, cut from the second text
      if (la > lb) --la;
      else --lb;
    }
  }
  Encoding e;
  const size_t total = la + lb + (specials ? (b ? 3 : 2) : 0);
  e.ids.reserve(total);
  e.token_type_ids.reserve(total);
  const auto push = [&](int32_t id, int32_t type, Offset off) {
    e.ids.push_back(id);
    e.token_type_ids.push_back(type);
    if (offsets) e.offsets.push_back(off);
  };
  const SpecialIds& s = vocab_.specials();
  if (specials) push(s.cls, 0, {});
  for (size_t i = 0; i < la; ++i) push(a.ids[i], 0, offsets ? a.offsets[i] : Offset{});
  if (specials) push(s.sep, 0, {});
  if (b) {
    for (size_t i = 0; i < lb; ++i) push(b->ids[i], 1, offsets ? b->offsets[i] : Offset{});
    if (specials) push(s.sep, 1, {});
  }
  e.attention_mask.assign(e.ids.size(), 1);
  if (options.padding == Padding::max_length && options.max_length > 0) pad(e, options.max_length, offsets);
  return e;
}

void Tokenizer::pad(Encoding& e, size_t length, bool offsets) const {
  if (e.ids.size() >= length) return;
  const int32_t pad_id = vocab_.specials().pad;
  NN_CHECK(pad_id >= 0, vocab_.source(), ": cannot pad: vocabulary has no [PAD] token");
  e.ids.resize(length, pad_id);
  e.token_type_ids.resize(length, 0);
  e.attention_mask.resize(length, 0);
  if (offsets) e.offsets.resize(length);
}

Encoding Tokenizer::encode_single(std::string_view text, const EncodeOptions& options) const {
  Sequence a;
  encode_into(text, a.ids, options.return_offsets ? &a.offsets : nullptr);
  return build(std::move(a), nullptr, options);
}

Encoding Tokenizer::encode_pair(std::string_view a, std::string_view b,
                                const EncodeOptions& options) const {
  Sequence sa, sb;
  encode_into(a, sa.ids, options.return_offsets ? &sa.offsets : nullptr);
  encode_into(b, sb.ids, options.return_offsets ? &sb.offsets : nullptr);
  return build(std::move(sa), &sb, options);
}

Encoding Tokenizer::assemble(std::vector<int32_t> a, std::vector<int32_t> b, bool is_pair,
                             const EncodeOptions& options) const {
  EncodeOptions no_offsets = options;
  no_offsets.return_offsets = false;
  Sequence sa{std::move(a), {}}, sb{std::move(b), {}};
  return build(std::move(sa), is_pair ? &sb : nullptr, no_offsets);
}

namespace {
// Runs body(i) for i in [0, n) on OpenMP threads; rethrows the first exception on the caller.
template <class F>
void parallel_for(size_t n, F&& body) {
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 16)
  for (size_t i = 0; i < n; ++i) {
    try {
      body(i);
    } catch (...) {
#pragma omp critical(bert_tokenizer_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}
}  // namespace

std::vector<Encoding> Tokenizer::encode_batch(std::span<const std::string> texts,
                                              const EncodeOptions& options) const {
  std::vector<Encoding> out(texts.size());
  parallel_for(texts.size(), [&](size_t i) { out[i] = encode_single(texts[i], options); });
  if (options.padding == Padding::longest) {
    size_t longest = 0;
    for (const Encoding& e : out) longest = std::max(longest, e.size());
    for (Encoding& e : out) pad(e, longest, options.return_offsets);
  }
  return out;
}

std::vector<Encoding> Tokenizer::encode_pair_batch(
    std::span<const std::pair<std::string, std::string>> pairs, const EncodeOptions& options) const {
  std::vector<Encoding> out(pairs.size());
  parallel_for(pairs.size(), [&](size_t i) {
    out[i] = encode_pair(pairs[i].first, pairs[i].second, options);
  });
  if (options.padding == Padding::longest) {
    size_t longest = 0;
    for (const Encoding& e : out) longest = std::max(longest, e.size());
    for (Encoding& e : out) pad(e, longest, options.return_offsets);
  }
  return out;
}

}  // namespace bert
