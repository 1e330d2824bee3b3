// charclass.h — the character classes of BERT's basic tokenizer (DESIGN.md §3), on utf8proc's
// Unicode tables: what cleaning drops, what counts as whitespace, CJK ideographs, punctuation.
#pragma once
#include <array>
#include <cstdint>

namespace bert {

// What cleaning does with a character.
enum class CharKind : uint8_t {
  other,  // part of a word
  space,  // separates words: space, \t, \n, \r, category Zs, and U+2028/U+2029 (Python's split)
  drop,   // removed: U+0000, U+FFFD and categories C* (controls, format, private use, unassigned)
  punct,  // its own word: ASCII 33–47, 58–64, 91–96, 123–126 and categories P*
  cjk,    // CJK ideograph: its own word
};

namespace detail {
// Kind of every ASCII character, built at compile time.
constexpr std::array<CharKind, 128> make_ascii_kinds() {
  std::array<CharKind, 128> k{};
  for (int c = 0; c < 128; ++c) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') k[c] = CharKind::space;
    else if (c < 32 || c == 127) k[c] = CharKind::drop;
    else if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
             (c >= 123 && c <= 126)) k[c] = CharKind::punct;
    else k[c] = CharKind::other;
  }
  return k;
}
}  // namespace detail

inline constexpr std::array<CharKind, 128> kAsciiKind = detail::make_ascii_kinds();

// True for the CJK ideograph blocks BERT puts spaces around.
inline bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// Classifies a non-ASCII code point for cleaning and splitting.
CharKind classify_non_ascii(char32_t c);

// Classifies any code point.
inline CharKind classify(char32_t c) {
  return c < 128 ? kAsciiKind[c] : classify_non_ascii(c);
}

// True for punctuation as BERT defines it (ASCII ranges above and Unicode categories P*).
inline bool is_punctuation(char32_t c) { return classify(c) == CharKind::punct; }

// True for category Mn (non-spacing marks, removed by accent stripping).
bool is_nonspacing_mark(char32_t c);

// Canonical combining class (0 for starters).
int combining_class(char32_t c);

}  // namespace bert
