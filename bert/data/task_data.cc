// task_data.cc — choosing a classification file's format, and reading classify's text lines
// (rules in task_data.h). The formats themselves: task_data_table.cc, task_data_jsonl.cc,
// task_data_conll.cc.
#include "bert/data/task_data.h"

#include <algorithm>
#include <cctype>
#include <iostream>

#include "bert/data/task_data_detail.h"
#include "core/error.h"

namespace bert {

TableFormat parse_table_format(const std::string& name) {
  if (name == "auto") return TableFormat::automatic;
  if (name == "tsv") return TableFormat::tsv;
  if (name == "csv") return TableFormat::csv;
  if (name == "jsonl" || name == "json") return TableFormat::jsonl;
  nn::fail("unknown data format '", name, "' (expected auto, tsv, csv or jsonl)");
}

TableFormat table_format_of(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  const size_t slash = path.find_last_of('/');
  std::string ext = dot == std::string::npos || (slash != std::string::npos && dot < slash) ? "" : path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == "tsv") return TableFormat::tsv;
  if (ext == "csv") return TableFormat::csv;
  if (ext == "jsonl" || ext == "json") return TableFormat::jsonl;
  nn::fail(path, ": cannot tell the data format from the file name (expected .tsv, .csv, .jsonl or .json; "
           "or name the format)");
}

ExampleFile read_classification_file(const std::string& path, const ExampleOptions& options) {
  const TableFormat format = options.format == TableFormat::automatic ? table_format_of(path) : options.format;
  auto in = task_data_detail::open_input(path);
  if (format == TableFormat::jsonl) return read_jsonl_examples(in, path, options);
  return read_table_examples(in, path, format == TableFormat::csv ? ',' : '\t', options);
}

std::vector<TextExample> read_text_lines(std::istream& in, const std::string& name) {
  task_data_detail::LineReader reader(in, name);
  std::vector<TextExample> examples;
  std::string line;
  while (reader.next(line)) {
    if (task_data_detail::is_blank(line)) continue;
    const size_t ln = reader.line_number();
    const size_t tab = line.find('\t');
    TextExample ex;
    ex.line = ln;
    if (tab == std::string::npos) {
      ex.text = line;
    } else {
      const size_t second = line.find('\t', tab + 1);
      if (second != std::string::npos)
        nn::fail(task_data_detail::where(name, ln, second + 1),
                 "a second tab: an input line is a text, or a text and its pair separated by one tab");
      ex.text = line.substr(0, tab);
      ex.text_pair = line.substr(tab + 1);
      task_data_detail::check_text(ex.text, "the text before the tab", name, ln, 1);
      task_data_detail::check_text(*ex.text_pair, "the pair after the tab", name, ln, tab + 2);
    }
    examples.push_back(std::move(ex));
  }
  if (examples.empty()) nn::fail(task_data_detail::where(name, 1), "no text to classify (the input is empty or blank)");
  return examples;
}

std::vector<TextExample> read_text_lines(const std::string& path) {
  if (path == "-") return read_text_lines(std::cin, "<stdin>");
  auto in = task_data_detail::open_input(path);
  return read_text_lines(in, path);
}

}  // namespace bert
