// task_data_jsonl.cc — JSON lines of classification examples (rules in task_data.h): one object per
// line, fields chosen by name, string or numeric labels, blank lines skipped.
#include <algorithm>
#include <exception>

#include <nlohmann/json.hpp>

#include "bert/data/task_data.h"
#include "bert/data/task_data_detail.h"
#include "core/error.h"

namespace bert {
namespace {

using nlohmann::json;
using task_data_detail::where;

// The keys of an object, quoted: "\"text\", \"label\"".
std::string key_list(const json& obj) {
  std::string s;
  for (const auto& item : obj.items()) s += (s.empty() ? "\"" : ", \"") + item.key() + "\"";
  return s.empty() ? "none" : s;
}

// The explanation in one of nlohmann's error messages, without its "[json.exception.…] " prefix
// and, for parse errors, the "parse error at line 1, column 7: " that follows it.
std::string json_error_reason(const std::string& what) {
  size_t begin = what.starts_with("[json.exception.") ? what.find("] ") : std::string::npos;
  begin = begin == std::string::npos ? 0 : begin + 2;
  if (what.compare(begin, 11, "parse error") == 0) {
    const size_t colon = what.find(": ", begin);
    if (colon != std::string::npos) begin = colon + 2;
  }
  return what.substr(begin);
}

// The string value of a text field (present); throws naming the field when it is not a string or
// is empty.
std::string text_field(const json& value, const std::string& key, const std::string& path, size_t line) {
  if (!value.is_string())
    nn::fail(where(path, line, 1), "field \"", key, "\" must be a string, found ", value.type_name());
  const auto& s = value.get_ref<const std::string&>();
  task_data_detail::check_text(s, "field \"" + key + "\"", path, line, 1);
  return s;
}

}  // namespace

ExampleFile read_jsonl_examples(std::istream& in, const std::string& name, const ExampleOptions& options) {
  task_data_detail::LineReader reader(in, name);
  const auto& cols = options.columns;
  const bool labelled = options.label_kind != LabelKind::none;
  ExampleFile file;
  file.path = name;
  if (labelled) file.label_column = cols.label.empty() ? "label" : cols.label;
  std::string line;
  while (reader.next(line)) {
    if (task_data_detail::is_blank(line)) continue;
    const size_t ln = reader.line_number();
    json obj;
    try {
      obj = json::parse(line);
    } catch (const json::parse_error& e) {
      nn::fail(where(name, ln, std::max<size_t>(e.byte, 1)), "invalid JSON: ", json_error_reason(e.what()));
    } catch (const std::exception& e) {  // e.g. a number too large for a double (json::out_of_range).
      // Caught as std::exception: in the sanitizer build that out_of_range escaped a catch of
      // json::exception (likely nlohmann's types being emitted in both libnn and libbert).
      nn::fail(where(name, ln, 1), "invalid JSON: ", json_error_reason(e.what()));
    }
    if (!obj.is_object())
      nn::fail(where(name, ln, 1), "expected a JSON object per line ({\"text\": …, \"label\": …}), found ",
               obj.is_array() ? "an array" : obj.type_name());

    // The text key: the one given, else the first default present in the first object.
    if (file.text_column.empty()) {
      if (!cols.text.empty()) file.text_column = cols.text;
      for (const char* k : {"text", "sentence", "sentence1"})
        if (file.text_column.empty() && obj.contains(k)) file.text_column = k;
      if (file.text_column.empty())
        nn::fail(where(name, ln, 1), "no text field: the object has no \"text\", \"sentence\" or \"sentence1\" "
                 "(name the field to use); its fields are ", key_list(obj));
    }
    TextExample ex;
    ex.line = ln;
    const auto t = obj.find(file.text_column);
    if (t == obj.end())
      nn::fail(where(name, ln, 1), "no field \"", file.text_column, "\" (the text); the object's fields are ", key_list(obj));
    ex.text = text_field(*t, file.text_column, name, ln);

    // The pair: the key given (absent or null: no pair), else "text_pair" or "sentence2" on each line.
    if (!cols.single) {
      std::string pair_key = cols.pair;
      if (pair_key.empty())
        for (const char* k : {"text_pair", "sentence2"})
          if (pair_key.empty() && obj.contains(k)) pair_key = k;
      const auto p = pair_key.empty() ? obj.end() : obj.find(pair_key);
      if (p != obj.end() && !p->is_null()) {
        ex.text_pair = text_field(*p, pair_key, name, ln);
        if (file.pair_column.empty()) file.pair_column = pair_key;
      }
    }

    if (labelled) {
      const std::string what = "field \"" + file.label_column + "\"";
      const auto l = obj.find(file.label_column);
      if (l == obj.end() || l->is_null())
        nn::fail(where(name, ln, 1), "no label: ", l == obj.end() ? "no " : "null ", what,
                 "; the object's fields are ", key_list(obj));
      if (l->is_string()) {
        task_data_detail::set_label(ex, l->get_ref<const std::string&>(), options.label_kind, what, name, ln, 0);
      } else if (l->is_number()) {
        task_data_detail::set_label(ex, l->dump(), options.label_kind, what, name, ln, 0);
      } else {
        nn::fail(where(name, ln, 1), what, " must be a string or a number, found ", l->type_name());
      }
    }
    file.examples.push_back(std::move(ex));
  }
  if (file.examples.empty()) nn::fail(where(name, 1), "empty file (expected JSON lines, one example object per line)");
  return file;
}

}  // namespace bert
