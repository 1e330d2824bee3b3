// task_data.h — labelled fine-tuning data in, as plain structs (no tensors): sequence-
// classification examples from TSV/CSV tables (GLUE layout) or JSON lines, token-classification
// sentences from CoNLL files, and unlabelled text lines for inference. Label maps (label ↔ id)
// are in task_data_labels.h.
//
// Every reader reads the whole file, checks every line, and throws one nn::Error at the first bad
// input, its message starting "path:line:column: " (column 1-based, in bytes, counted after a
// leading UTF-8 byte-order mark, which is dropped). Nothing bad is skipped silently: a ragged row,
// a missing column, an empty file, a header without rows, invalid JSON, invalid UTF-8, an empty
// text or label are all errors. Line breaks may be "\n" or "\r\n". There is no line-length limit:
// a line (or a quoted CSV field) is held in memory whole, so memory is bounded by the file size.
//
// Formats of read_classification_file (chosen by extension, or forced by TableFormat):
//  - .tsv: a header row naming the columns, then one example per line, fields separated by tabs,
//    no quoting (GLUE's files: a '"' is an ordinary character);
//  - .csv: the same with commas and RFC 4180 quoting: a field may be wrapped in double quotes,
//    inside which commas and line breaks are literal and "" stands for one quote; a quote inside
//    an unquoted field is an ordinary character; text after a closing quote is an error;
//  - .jsonl / .json: JSON lines, one object per line ({"text": …, "text_pair": …, "label": …}),
//    blank lines skipped; other keys are ignored; text fields must be strings; the pair field may
//    be absent or null (no pair for that example); the label may be a string or a number.
// Columns (or JSON keys) are chosen by name (ExampleColumns). Blank lines in a TSV or CSV file are
// skipped (a line of only spaces is not blank there: it is a row with the wrong number of fields).
#pragma once
#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace bert {

// One sequence-classification (or regression) example as read.
struct TextExample {
  std::string text;
  std::optional<std::string> text_pair;
  std::string label;   // the label's text, surrounding spaces and tabs trimmed ("" when unlabelled);
                       // a JSON number keeps the text JSON gives it (1 → "1", 2.50 → "2.5")
  double value = 0;    // the label as a number (LabelKind::numeric only)
  size_t line = 0;     // line where the example (its row or JSON object) starts, 1-based
  size_t label_line = 0, label_column = 0;  // where the label field starts (column 0: not known)
};

// What the label column holds.
enum class LabelKind {
  categorical,  // class names ("entailment", "1"); empty labels are errors
  numeric,      // regression targets: a JSON number or text that is a finite decimal number
  none,         // unlabelled data (prediction): no label column is read
};

// Which columns (TSV/CSV header names, or JSON keys) hold what. An empty name means the default:
//  text: the first of "text", "sentence", "sentence1" that the header has;
//  pair: "text_pair", else "sentence2", when the header has one (otherwise no pairs);
//  label: "label".
// A name given explicitly must exist (an error lists the header's columns).
struct ExampleColumns {
  std::string text, pair, label;
  bool single = false;  // true: never read a pair column, even when a default one exists
};

enum class TableFormat { automatic, tsv, csv, jsonl };

struct ExampleOptions {
  ExampleColumns columns;
  LabelKind label_kind = LabelKind::categorical;
  TableFormat format = TableFormat::automatic;  // automatic: by extension (.tsv .csv .jsonl .json)
};

// Examples of one file, with the columns actually used (defaults resolved).
struct ExampleFile {
  std::string path;
  std::vector<TextExample> examples;
  std::string text_column, pair_column, label_column;  // pair/label "" when not read
};

// "auto" | "tsv" | "csv" | "jsonl" → the format; throws nn::Error naming anything else.
TableFormat parse_table_format(const std::string& name);

// The format a path's extension gives (.tsv, .csv, .jsonl or .json, any case); throws nn::Error
// naming the path otherwise.
TableFormat table_format_of(const std::string& path);

// Reads a classification/regression file (format per options, or by extension). Throws nn::Error
// ("path:line:column: …") on unreadable files and every bad input listed in the header comment.
ExampleFile read_classification_file(const std::string& path, const ExampleOptions& options = {});

// Reads a TSV (delimiter '\t', no quoting) or CSV (',' with RFC 4180 quoting) table from a
// stream; `name` is the file name errors give.
ExampleFile read_table_examples(std::istream& in, const std::string& name, char delimiter,
                                const ExampleOptions& options = {});

// Reads JSON lines from a stream; `name` is the file name errors give.
ExampleFile read_jsonl_examples(std::istream& in, const std::string& name, const ExampleOptions& options = {});

// One token-classification sentence: words and their tags, the same number of each.
struct TokenSentence {
  std::vector<std::string> words, tags;
  size_t line = 0;  // line of the first word
};

// Reads a CoNLL-style file: one token per line, fields separated by runs of spaces or tabs (so a
// word cannot contain either), the FIRST field the word and the LAST the tag (so CoNLL-2003's
// "word POS chunk NER" lines read as word + NER tag); a blank line ends a sentence; lines whose
// first field is -DOCSTART- are skipped. Errors: a line with one field, a file without sentences,
// invalid UTF-8.
std::vector<TokenSentence> read_conll_file(const std::string& path);
// The same from a stream; `name` is the file name errors give.
std::vector<TokenSentence> read_conll(std::istream& in, const std::string& name);

// Reads inference input for `classify`: one example per line, the line's text, or "text<TAB>pair"
// (one tab at most; two or more are an error). Blank lines are skipped; each example keeps its
// line number so outputs can be matched to the input. "-" reads standard input. Errors: an empty
// text or pair beside a tab, invalid UTF-8, a file without any text.
std::vector<TextExample> read_text_lines(const std::string& path);
// The same from a stream; `name` is the file name errors give.
std::vector<TextExample> read_text_lines(std::istream& in, const std::string& name);

}  // namespace bert
