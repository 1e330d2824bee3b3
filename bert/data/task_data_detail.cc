// task_data_detail.cc — line reading with UTF-8 checks, error prefixes, text and label checks for
// the fine-tuning data readers.
#include "bert/data/task_data_detail.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "bert/tokenizer/utf8.h"
#include "core/error.h"

namespace bert::task_data_detail {

std::string where(const std::string& path, size_t line, size_t column) {
  std::string s = path;
  s.append(":").append(std::to_string(line));
  if (column > 0) s.append(":").append(std::to_string(column));
  s.append(": ");
  return s;
}

size_t first_invalid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
    const size_t start = i;
    bool bad = false;
    decode_utf8(s, i, &bad);
    if (bad) return start;
  }
  return std::string_view::npos;
}

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

bool LineReader::next(std::string& line) {
  if (!std::getline(in_, line)) {
    if (in_.bad()) nn::fail(where(name_, line_ + 1), "read error");
    return false;
  }
  ++line_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
  const size_t bad = first_invalid_utf8(line);
  if (bad != std::string_view::npos) {
    const auto b = static_cast<unsigned char>(line[bad]);
    const char hex[] = {"0123456789abcdef"[b >> 4], "0123456789abcdef"[b & 15], 0};
    nn::fail(where(name_, line_, bad + 1), "invalid UTF-8 (byte 0x", hex, "); the file must be UTF-8 text");
  }
  return true;
}

std::ifstream open_input(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) nn::fail(path, ": is a directory, not a data file");
  std::ifstream in(path, std::ios::binary);
  if (!in) nn::fail(path, ": cannot open (", std::strerror(errno), ")");
  return in;
}

void check_text(const std::string& text, const std::string& what, const std::string& path, size_t line,
                size_t column) {
  if (is_blank(text)) nn::fail(where(path, line, column), "empty text in ", what);
}

void set_label(TextExample& ex, std::string_view label, LabelKind kind, const std::string& what,
               const std::string& path, size_t line, size_t column) {
  const size_t b = label.find_first_not_of(" \t");
  const size_t e = label.find_last_not_of(" \t");
  label = b == std::string_view::npos ? std::string_view{} : label.substr(b, e - b + 1);
  if (label.empty()) nn::fail(where(path, line, column), "empty label in ", what);
  ex.label = std::string(label);
  ex.label_line = line;
  ex.label_column = column;
  if (kind == LabelKind::numeric) {
    double v = 0;
    const auto [end, err] = std::from_chars(label.data(), label.data() + label.size(), v);
    if (err != std::errc{} || end != label.data() + label.size() || !std::isfinite(v))
      nn::fail(where(path, line, column), "label '", label, "' in ", what,
               " is not a finite number (a regression task needs numeric labels)");
    ex.value = v;
  }
}

}  // namespace bert::task_data_detail
