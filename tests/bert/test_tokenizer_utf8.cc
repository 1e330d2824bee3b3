// test_tokenizer_utf8.cc — UTF-8 decoding: valid sequences, every kind of invalid byte → U+FFFD.
#include <catch2/catch.hpp>

#include "bert/tokenizer/utf8.h"

namespace {
// All code points of s as decoded, with whether any sequence was invalid.
std::u32string decode_all(std::string_view s, bool& invalid) {
  std::u32string out;
  invalid = false;
  for (size_t i = 0; i < s.size();) out.push_back(bert::decode_utf8(s, i, &invalid));
  return out;
}
}  // namespace

TEST_CASE("utf8: valid sequences of 1 to 4 bytes decode and re-encode", "[tokenizer][utf8]") {
  bool bad = true;
  CHECK(decode_all("a\u00e9\u4e2d\U0001F600", bad) == U"a\u00e9\u4e2d\U0001F600");
  CHECK_FALSE(bad);
  std::string s;
  for (const char32_t c : {U'a', U'\u00e9', U'\u4e2d', U'\U0001F600', U'\U0010FFFF'}) bert::append_utf8(s, c);
  CHECK(s == "a\u00e9\u4e2d\U0001F600\U0010FFFF");
  CHECK(bert::is_valid_utf8(s));
  CHECK(bert::count_code_points(s) == 5);
}

TEST_CASE("utf8: invalid bytes become U+FFFD and set the flag", "[tokenizer][utf8]") {
  bool bad = false;
  CHECK(decode_all("a\xFF" "b", bad) == U"a\uFFFDb");                // never valid
  CHECK(bad);
  CHECK(decode_all("\x80", bad) == U"\uFFFD");                        // stray continuation
  CHECK(decode_all("\xC0\xAF", bad) == U"\uFFFD\uFFFD");              // overlong '/'
  CHECK(decode_all("\xE0\x80\xAF", bad) == U"\uFFFD\uFFFD\uFFFD");    // overlong, 3 bytes
  CHECK(decode_all("\xED\xA0\x80", bad) == U"\uFFFD\uFFFD\uFFFD");    // surrogate D800
  CHECK(decode_all("\xF4\x90\x80\x80", bad) == U"\uFFFD\uFFFD\uFFFD\uFFFD");  // above 10FFFF
  CHECK(decode_all("\xE4\xB8" "x", bad) == U"\uFFFDx");               // truncated, maximal prefix
  CHECK(decode_all("\xF0\x9F\x98", bad) == U"\uFFFD");                // truncated at the end
  CHECK_FALSE(bert::is_valid_utf8("abc\xE4\xB8"));
  CHECK_FALSE(bert::is_valid_utf8("0123456789abcdef\xFF"));           // after the 8-byte fast path
  CHECK(bert::is_valid_utf8(""));
  bool had = false;
  CHECK(bert::sanitize_utf8("ok\xFFok", &had) == "ok\uFFFDok");
  CHECK(had);
  CHECK(bert::sanitize_utf8("fine", &had) == "fine");
  CHECK_FALSE(had);
}
