// tokenizer.cc — text ↔ ids: basic tokenizer + WordPiece per word, with offsets; decoding.
#include "bert/tokenizer/tokenizer.h"

#include "bert/tokenizer/wordpiece.h"
#include "core/error.h"

namespace bert {

namespace {
// The special tokens of vocab that stay whole when written literally in a text.
std::vector<std::string> present_special_tokens(const Vocab& vocab) {
  std::vector<std::string> names;
  for (const std::string& name : default_special_tokens())
    if (vocab.id(name) >= 0) names.push_back(name);
  return names;
}
}  // namespace

Tokenizer::Tokenizer(Vocab vocab, bool lower_case)
    : vocab_(std::move(vocab)), basic_(lower_case, present_special_tokens(vocab_)) {
  NN_CHECK(vocab_.specials().unk >= 0, vocab_.source(), ": malformed vocabulary: no [UNK] token");
  NN_CHECK(vocab_.specials().cls >= 0, vocab_.source(), ": malformed vocabulary: no [CLS] token");
  NN_CHECK(vocab_.specials().sep >= 0, vocab_.source(), ": malformed vocabulary: no [SEP] token");
}

Tokenizer Tokenizer::load(const std::string& vocab_path, bool lower_case) {
  return Tokenizer(Vocab::load(vocab_path), lower_case);
}

void Tokenizer::encode_into(std::string_view text, std::vector<int32_t>& ids,
                            std::vector<Offset>* offsets) const {
  static thread_local Words words;
  static thread_local std::vector<PieceRange> ranges;
  words.clear();
  words.track_offsets = offsets != nullptr;
  basic_.split(text, words);
  const int32_t unk = vocab_.specials().unk;
  for (size_t i = 0; i < words.spans.size(); ++i) {
    const WordSpan span = words.spans[i];
    ranges.clear();
    if (!wordpiece(vocab_, words.word(i), ids, offsets ? &ranges : nullptr)) {
      ids.push_back(unk);
      ranges.emplace_back(0, span.end - span.begin);
    }
    if (!offsets) continue;
    for (const PieceRange& r : ranges)
      offsets->push_back({words.src_begin[span.begin + r.first],
                          words.src_end[span.begin + r.second - 1]});
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  encode_into(text, ids);
  return ids;
}

std::vector<std::string> Tokenizer::tokenize(std::string_view text) const {
  return id_to_tokens(encode(text));
}

std::vector<std::string> Tokenizer::id_to_tokens(std::span<const int32_t> ids) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const int32_t id : ids) tokens.push_back(vocab_.token(id));
  return tokens;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, const DecodeOptions& options) const {
  const SpecialIds& s = vocab_.specials();
  std::string text;
  for (const int32_t id : ids) {
    if (options.skip_special_tokens &&
        (id == s.pad || id == s.unk || id == s.cls || id == s.sep || id == s.mask))
      continue;
    const std::string& token = vocab_.token(id);
    if (!text.empty() && token.size() >= 2 && token[0] == '#' && token[1] == '#') {
      text.append(token, 2);
    } else {
      if (!text.empty()) text += ' ';
      text += token;
    }
  }
  if (!options.clean_up_spaces) return text;
  // HuggingFace's clean_up_tokenization: these replacements, in this order.
  static const std::pair<std::string_view, std::string_view> rules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
      {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : rules) {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    for (size_t hit; (hit = text.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
      out.append(text, pos, hit - pos);
      out += to;
    }
    out.append(text, pos);
    text.swap(out);
  }
  return text;
}

}  // namespace bert
