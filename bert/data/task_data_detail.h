// task_data_detail.h — what every fine-tuning data reader (task_data.h) shares: the line reader
// (physical lines with their 1-based numbers, "\r\n" read as "\n", a UTF-8 byte-order mark at the
// start of the file dropped, invalid UTF-8 refused with the file, line and column of the first bad
// byte), the "path:line:column: " prefix of every error, and the checks of a text and a label.
// Internal to libbert's task-data readers (not installed).
#pragma once
#include <cstddef>
#include <fstream>
#include <istream>
#include <string>
#include <string_view>

#include "bert/data/task_data.h"

namespace bert::task_data_detail {

// "path:line:column: " (column 0 is left out: "path:line: ").
std::string where(const std::string& path, size_t line, size_t column = 0);

// Byte offset of the first invalid UTF-8 sequence in s, or std::string_view::npos.
size_t first_invalid_utf8(std::string_view s);

// True when s holds nothing but spaces, tabs and other ASCII whitespace.
bool is_blank(std::string_view s);

// Reads an istream one physical line at a time (no length limit: a line is held whole).
class LineReader {
 public:
  // `name` is the file name errors give.
  LineReader(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}

  // The next line without its line break; false at the end of the input. Throws nn::Error on a
  // read failure or invalid UTF-8 (naming the line and column).
  bool next(std::string& line);

  // Number of the line next() returned last (1-based; 0 before the first).
  size_t line_number() const { return line_; }
  const std::string& name() const { return name_; }

 private:
  std::istream& in_;
  std::string name_;
  size_t line_ = 0;
};

// Opens a file for reading; throws nn::Error naming the path when it cannot.
std::ifstream open_input(const std::string& path);

// Throws "path:line:column: empty text in <what>" when text is empty or only whitespace.
void check_text(const std::string& text, const std::string& what, const std::string& path, size_t line,
                size_t column);

// Sets ex.label (surrounding spaces and tabs trimmed) and, for LabelKind::numeric, ex.value, with
// where the label starts. Throws "path:line:column: …" for an empty label or, numeric, a label that
// is not a finite decimal number. `what` names the label's column or field.
void set_label(TextExample& ex, std::string_view label, LabelKind kind, const std::string& what,
               const std::string& path, size_t line, size_t column);

}  // namespace bert::task_data_detail
