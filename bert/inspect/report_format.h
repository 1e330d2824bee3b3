// report_format.h — text formatting shared by the inspection reports (internal to bert/inspect).
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace bert::report {

// printf into a std::string (up to 511 characters).
template <class... A>
std::string format(const char* f, A... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}

// 1234567 → "1,234,567".
inline std::string grouped(int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string s = n < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

}  // namespace bert::report
