// utf8.cc — whole-string UTF-8 helpers (validation, sanitising, counting).
#include "bert/tokenizer/utf8.h"

#include <cstring>

namespace bert {

namespace {
// True when the 8 bytes at p are all ASCII.
inline bool ascii8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return (w & 0x8080808080808080ull) == 0;
}
}  // namespace

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    while (i + 8 <= n && ascii8(s.data() + i)) i += 8;
    if (i >= n) break;
    if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
    bool bad = false;
    decode_utf8(s, i, &bad);
    if (bad) return false;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s, bool* had_invalid) {
  std::string out;
  out.reserve(s.size());
  bool any = false;
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    bool bad = false;
    const char32_t cp = decode_utf8(s, i, &bad);
    if (bad) { any = true; append_utf8(out, cp); }
    else out.append(s.data() + start, i - start);
  }
  if (had_invalid) *had_invalid = any;
  return out;
}

size_t count_code_points(std::string_view s) {
  size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace bert
