// fuzz_wordpiece.cc — fuzz target: the WordPiece tokenizer (cleaning, CJK, accents, punctuation,
// special tokens, greedy pieces) on arbitrary bytes: invalid UTF-8, NULs, huge words. The first
// byte picks the options (cased/uncased, pair, truncation, padding); the rest is the text, split
// into a pair at the first 0x01 byte when a pair is asked for. Checks that ids are in the
// vocabulary, offsets inside the text, and every Encoding vector the same length.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bert/tokenizer/tokenizer.h"
#include "core/error.h"
#include "fuzz/fuzz_util.h"

namespace {

// A small vocabulary with the specials, whole words, continuation pieces, accented and CJK tokens.
bert::Vocab make_vocab() {
  return bert::Vocab({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "un", "##aff", "##able",
                      "aff", "##a", "##b", "##c", "b", "c", "hello", "world", "wörld", "w", "##ö",
                      "##rld", ",", ".", "!", "?", "'", "\"", "東", "京", "é", "##é", "e", "##e",
                      "x", "##x", "##", "###", "[", "]", "mask", "##s", "s", "Hello", "The"},
                     "fuzz vocabulary");
}

// Traps unless every id is in the vocabulary, every offset inside its text, lengths agree.
void check(const bert::Encoding& e, size_t vocab_size, size_t text_bytes) {
  const size_t n = e.ids.size();
  if (e.token_type_ids.size() != n || e.attention_mask.size() != n) __builtin_trap();
  if (!e.offsets.empty() && e.offsets.size() != n) __builtin_trap();
  for (int32_t id : e.ids)
    if (id < 0 || static_cast<size_t>(id) >= vocab_size) __builtin_trap();
  for (const bert::Offset& o : e.offsets)
    if (o.begin > o.end || o.end > text_bytes) __builtin_trap();
}

}  // namespace

// Tokenizes the bytes with options from the first byte; only nn::Error may escape.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bert::Tokenizer uncased(make_vocab(), true);
  static const bert::Tokenizer cased(make_vocab(), false);
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string_view text = fuzz::bytes(data + 1, size - 1);
  const bert::Tokenizer& tok = (flags & 1) ? cased : uncased;
  const size_t vocab_size = tok.vocab().size();
  bert::EncodeOptions options;
  options.max_length = ((flags >> 2) & 7) * 3;  // 0 (no limit), 3, 6, … 21
  options.padding = (flags & 0x20) ? bert::Padding::max_length : bert::Padding::none;
  if (options.padding == bert::Padding::max_length && options.max_length == 0) options.max_length = 8;
  options.add_special_tokens = !(flags & 0x40);
  options.return_offsets = true;
  try {
    std::vector<int32_t> ids;
    std::vector<bert::Offset> offsets;
    tok.encode_into(text, ids, &offsets);
    if (ids.size() != offsets.size()) __builtin_trap();
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= vocab_size || offsets[i].begin > offsets[i].end ||
          offsets[i].end > text.size())
        __builtin_trap();
    if (tok.tokenize(text).size() != ids.size()) __builtin_trap();
    if (flags & 2) {
      const size_t cut = text.find('\x01');
      const std::string_view a = text.substr(0, cut);
      const std::string_view b = cut == std::string_view::npos ? std::string_view() : text.substr(cut + 1);
      const bert::Encoding e = tok.encode_pair(a, b, options);
      check(e, vocab_size, text.size());
      if (options.max_length && e.size() > options.max_length && options.add_special_tokens) __builtin_trap();
      (void)tok.decode(e.ids, {.skip_special_tokens = false, .clean_up_spaces = true});
    } else {
      const bert::Encoding e = tok.encode_single(text, options);
      check(e, vocab_size, text.size());
      (void)tok.decode(e.ids);
      (void)tok.id_to_tokens(e.ids);
    }
  } catch (const nn::Error&) {
  }
  return 0;
}
