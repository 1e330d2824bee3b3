// task_data_table.cc — TSV and CSV tables of classification examples (rules in task_data.h): a
// header row naming the columns, the columns chosen by name, one example per row, RFC 4180 quoting
// for CSV.
#include <algorithm>

#include "bert/data/task_data.h"
#include "bert/data/task_data_detail.h"
#include "core/error.h"

namespace bert {
namespace {

using task_data_detail::LineReader;
using task_data_detail::where;

// One field of a row and where it starts.
struct Field {
  std::string text;
  size_t line = 0, column = 0;
};

// Splits a TSV line at every tab (no quoting).
void split_tsv(const std::string& line, size_t line_number, std::vector<Field>& fields) {
  fields.clear();
  size_t begin = 0;
  while (true) {
    const size_t tab = line.find('\t', begin);
    const size_t end = tab == std::string::npos ? line.size() : tab;
    fields.push_back({line.substr(begin, end - begin), line_number, begin + 1});
    if (tab == std::string::npos) return;
    begin = tab + 1;
  }
}

// Parses one CSV record starting with `line` (RFC 4180); a quoted field may continue on the
// following lines, which are read from `reader` (so `line` and the reader move on with it).
void split_csv(std::string& line, LineReader& reader, std::vector<Field>& fields) {
  fields.clear();
  size_t i = 0;
  while (true) {
    Field f{{}, reader.line_number(), i + 1};
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) {  // the line ends inside the quotes: the field holds a line break
          if (!reader.next(line))
            nn::fail(where(reader.name(), f.line, f.column),
                     "quoted field is never closed (end of file reached; a quote inside a quoted field is written \"\")");
          f.text.push_back('\n');
          i = 0;
          continue;
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            f.text.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        f.text.push_back(line[i++]);
      }
      fields.push_back(std::move(f));
      if (i == line.size()) return;
      if (line[i] != ',')
        nn::fail(where(reader.name(), reader.line_number(), i + 1),
                 "unexpected character after the closing quote of a quoted field (a quote inside a quoted "
                 "field is written \"\")");
      ++i;
    } else {
      const size_t comma = line.find(',', i);
      const size_t end = comma == std::string::npos ? line.size() : comma;
      f.text = line.substr(i, end - i);
      fields.push_back(std::move(f));
      if (comma == std::string::npos) return;
      i = comma + 1;
    }
  }
}

// "a, b, c" of the header's column names.
std::string column_list(const std::vector<Field>& header) {
  std::string s;
  for (const auto& f : header) s += (s.empty() ? "'" : ", '") + f.text + "'";
  return s;
}

// Index of the header column named `name`, or -1; throws when the name appears twice.
int find_column(const std::vector<Field>& header, const std::string& name, const std::string& path) {
  int found = -1;
  for (size_t c = 0; c < header.size(); ++c) {
    if (header[c].text != name) continue;
    if (found >= 0)
      nn::fail(where(path, header[c].line, header[c].column), "column '", name, "' appears twice in the header (",
               "columns ", found + 1, " and ", c + 1, ")");
    found = static_cast<int>(c);
  }
  return found;
}

// The column a role uses: the name given (which must exist), else the first default present.
// Returns -1 when no default is present and the role is optional.
int resolve_column(const std::vector<Field>& header, const std::string& given, std::initializer_list<const char*> defaults,
                   bool required, const char* role, const std::string& path) {
  if (!given.empty()) {
    const int c = find_column(header, given, path);
    if (c < 0)
      nn::fail(where(path, header.front().line), "no column '", given, "' (the ", role,
               " column) in the header; its columns are ", column_list(header));
    return c;
  }
  for (const char* name : defaults) {
    const int c = find_column(header, name, path);
    if (c >= 0) return c;
  }
  if (required) {
    std::string names;
    for (const char* name : defaults) names += (names.empty() ? "'" : " or '") + std::string(name) + "'";
    nn::fail(where(path, header.front().line), "no ", role, " column: the header has no ", names,
             " column (name the column to use); its columns are ", column_list(header));
  }
  return -1;
}

}  // namespace

ExampleFile read_table_examples(std::istream& in, const std::string& name, char delimiter,
                                const ExampleOptions& options) {
  NN_CHECK(delimiter == '\t' || delimiter == ',', "read_table_examples: delimiter must be tab or comma");
  const bool csv = delimiter == ',';
  LineReader reader(in, name);
  std::string line;
  std::vector<Field> header, fields;
  auto next_record = [&](std::vector<Field>& out) {
    while (reader.next(line)) {
      if (line.empty()) continue;  // blank lines between rows are skipped
      if (csv) split_csv(line, reader, out);
      else split_tsv(line, reader.line_number(), out);
      return true;
    }
    return false;
  };
  if (!next_record(header))
    nn::fail(where(name, 1), "empty file (expected a header row naming the columns, then one example per row)");

  const auto& cols = options.columns;
  const bool labelled = options.label_kind != LabelKind::none;
  const int text_c = resolve_column(header, cols.text, {"text", "sentence", "sentence1"}, true, "text", name);
  const int pair_c = cols.single ? -1 : resolve_column(header, cols.pair, {"text_pair", "sentence2"}, false, "pair", name);
  const int label_c = labelled ? resolve_column(header, cols.label, {"label"}, true, "label", name) : -1;

  ExampleFile file;
  file.path = name;
  file.text_column = header[text_c].text;
  if (pair_c >= 0) file.pair_column = header[pair_c].text;
  if (label_c >= 0) file.label_column = header[label_c].text;
  const std::string text_what = "column '" + file.text_column + "'";
  const std::string pair_what = "column '" + file.pair_column + "'";
  const std::string label_what = "column '" + file.label_column + "'";
  const size_t header_line = header.front().line;

  while (next_record(fields)) {
    const size_t row_line = fields.front().line;
    if (fields.size() != header.size()) {
      // Point at the first extra field, or at the end of a short row.
      const size_t column = fields.size() > header.size() ? fields[header.size()].column : line.size() + 1;
      nn::fail(where(name, reader.line_number(), column), "row has ", fields.size(), " field", fields.size() == 1 ? "" : "s",
               ", the header (line ", header_line, ") has ", header.size(), " (",
               csv ? "comma" : "tab", "-separated; columns ", column_list(header), ")");
    }
    TextExample ex;
    ex.line = row_line;
    const Field& t = fields[text_c];
    task_data_detail::check_text(t.text, text_what, name, t.line, t.column);
    ex.text = t.text;
    if (pair_c >= 0) {
      const Field& p = fields[pair_c];
      task_data_detail::check_text(p.text, pair_what, name, p.line, p.column);
      ex.text_pair = p.text;
    }
    if (label_c >= 0) {
      const Field& l = fields[label_c];
      task_data_detail::set_label(ex, l.text, options.label_kind, label_what, name, l.line, l.column);
    }
    file.examples.push_back(std::move(ex));
  }
  if (file.examples.empty())
    nn::fail(where(name, header_line), "no examples: the file has a header row and nothing after it");
  return file;
}

}  // namespace bert
