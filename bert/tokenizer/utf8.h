// utf8.h — UTF-8 decoding and encoding for the tokenizer: invalid bytes become U+FFFD, never a crash.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bert {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes the code point starting at s[pos] and advances pos past it. An invalid sequence
// (stray continuation byte, overlong form, surrogate, value above U+10FFFF, truncated sequence)
// yields U+FFFD, consumes its maximal valid prefix (at least one byte) and sets *invalid.
inline char32_t decode_utf8(std::string_view s, size_t& pos, bool* invalid = nullptr) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) { ++pos; return b0; }
  int need = 0;
  char32_t cp = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) { need = 1; cp = b0 & 0x1F; }
  else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2; cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;       // no overlongs
    if (b0 == 0xED) hi = 0x9F;       // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3; cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;       // no overlongs
    if (b0 == 0xF4) hi = 0x8F;       // nothing above U+10FFFF
  } else {
    ++pos;
    if (invalid) *invalid = true;
    return kReplacementChar;
  }
  size_t p = pos + 1;
  for (int k = 0; k < need; ++k, ++p) {
    if (p >= s.size()) { pos = p; if (invalid) *invalid = true; return kReplacementChar; }
    const auto b = static_cast<unsigned char>(s[p]);
    const unsigned char l = k == 0 ? lo : 0x80, h = k == 0 ? hi : 0xBF;
    if (b < l || b > h) { pos = p; if (invalid) *invalid = true; return kReplacementChar; }
    cp = (cp << 6) | (b & 0x3F);
  }
  pos = p;
  return cp;
}

// Appends the UTF-8 encoding of cp (a valid scalar value) to out.
inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// True when s is entirely valid UTF-8 (fast path over ASCII runs).
bool is_valid_utf8(std::string_view s);

// Returns s with every invalid sequence replaced by U+FFFD; sets *had_invalid when one was found.
std::string sanitize_utf8(std::string_view s, bool* had_invalid = nullptr);

// Number of code points in valid UTF-8 text (counts bytes that do not continue a sequence).
size_t count_code_points(std::string_view s);

}  // namespace bert
