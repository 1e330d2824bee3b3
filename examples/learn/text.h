// text.h — the learning-path programs' printed tables: shapes as "(2, 8, 32)" and columns padded
// by characters rather than bytes (labels carry ·, ᵀ, √).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace learn {

// "(2, 8, 32)"; "()" for a scalar.
inline std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + ")";
}

// text followed by spaces up to `width` characters (UTF-8 aware; longer text is left as it is).
inline std::string pad(const std::string& text, size_t width) {
  size_t chars = 0;
  for (const char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return chars >= width ? text : text + std::string(width - chars, ' ');
}

}  // namespace learn
