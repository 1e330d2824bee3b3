// test_task_data.cc — fine-tuning data readers on hand-written files: GLUE-layout TSV, RFC 4180
// CSV, JSON lines, CoNLL, classify's text lines; the label order and label ids; and one test per
// kind of bad input, checking the file, line and column the error names.
#include <catch2/catch.hpp>

#include <sstream>

#include "bert/data/task_data.h"
#include "bert/data/task_data_labels.h"
#include "core/error.h"
#include "data_test_util.h"

using namespace bert;
using bert::test::temp_dir;
using bert::test::write_text;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// Message of the nn::Error that f throws ("" when it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const nn::Error& e) {
    return e.what();
  }
  return "";
}

// A TSV (or, with ',', CSV) table read from text.
ExampleFile table(const std::string& text, char delimiter = '\t', const ExampleOptions& options = {}) {
  std::istringstream in(text);
  return read_table_examples(in, delimiter == '\t' ? "t.tsv" : "t.csv", delimiter, options);
}

// JSON lines read from text.
ExampleFile jsonl(const std::string& text, const ExampleOptions& options = {}) {
  std::istringstream in(text);
  return read_jsonl_examples(in, "t.jsonl", options);
}

// CoNLL sentences read from text.
std::vector<TokenSentence> conll(const std::string& text) {
  std::istringstream in(text);
  return read_conll(in, "t.conll");
}

// Options with the given label kind.
ExampleOptions kind(LabelKind k) {
  ExampleOptions o;
  o.label_kind = k;
  return o;
}

}  // namespace

TEST_CASE("task data: GLUE TSV with default columns", "[data][task_data]") {
  // RTE's layout: index, sentence1, sentence2, label. Quotes are ordinary characters in TSV; CRLF
  // line ends and a blank line are fine; a UTF-8 byte-order mark is dropped.
  const auto f = table(
      "\xEF\xBB\xBFindex\tsentence1\tsentence2\tlabel\r\n"
      "0\tA \"quoted\" word.\tIt is.\tentailment\r\n"
      "\r\n"
      "1\tNo, not here.\t\"Yes\tnot_entailment\n");
  CHECK(f.text_column == "sentence1");
  CHECK(f.pair_column == "sentence2");
  CHECK(f.label_column == "label");
  REQUIRE(f.examples.size() == 2);
  CHECK(f.examples[0].text == "A \"quoted\" word.");
  CHECK(f.examples[0].text_pair == "It is.");
  CHECK(f.examples[0].label == "entailment");
  CHECK(f.examples[0].line == 2);
  CHECK(f.examples[0].label_column == 27);  // "0\t" + 16 + "\t" + 6 + "\t" = 2 + 16 + 1 + 6 + 1 bytes before it
  CHECK(f.examples[1].text == "No, not here.");
  CHECK(f.examples[1].text_pair == "\"Yes");
  CHECK(f.examples[1].label == "not_entailment");
  CHECK(f.examples[1].line == 4);
}

TEST_CASE("task data: columns by name, single texts, defaults text/sentence", "[data][task_data]") {
  // MRPC's layout: the columns have to be named.
  ExampleOptions o;
  o.columns = {"#1 String", "#2 String", "Quality", false};
  const auto f = table("Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t7\t8\tHe went.\tHe left.\n", '\t', o);
  REQUIRE(f.examples.size() == 1);
  CHECK(f.examples[0].text == "He went.");
  CHECK(f.examples[0].text_pair == "He left.");
  CHECK(f.examples[0].label == "1");
  CHECK(f.examples[0].label_column == 1);

  // SST-2's layout: "sentence" and "label", no pair.
  const auto sst = table("sentence\tlabel\nit 's great \t1\n");
  CHECK(sst.text_column == "sentence");
  CHECK(sst.pair_column.empty());
  CHECK(sst.examples[0].text == "it 's great ");  // texts are kept as they are
  CHECK_FALSE(sst.examples[0].text_pair);

  // "text" wins over "sentence"; `single` ignores a default pair column; labels are trimmed.
  ExampleOptions single;
  single.columns.single = true;
  const auto t = table("sentence\ttext\ttext_pair\tlabel\na\tb\tc\t pos \n", '\t', single);
  CHECK(t.examples[0].text == "b");
  CHECK_FALSE(t.examples[0].text_pair);
  CHECK(t.examples[0].label == "pos");

  // Unlabelled: no label column needed.
  const auto u = table("text\nhello\n", '\t', kind(LabelKind::none));
  CHECK(u.examples[0].text == "hello");
  CHECK(u.label_column.empty());
}

TEST_CASE("task data: CSV with RFC 4180 quoting", "[data][task_data]") {
  const auto f = table(
      "text,text_pair,label\n"
      "\"Hello, world\",plain,a\n"
      "\"He said \"\"hi\"\"\",\"two\r\n"
      "lines\",\"b\"\n"
      "x \"y\" z,,c\n",
      ',', [] { ExampleOptions o; o.columns.single = true; return o; }());
  REQUIRE(f.examples.size() == 3);
  CHECK(f.examples[0].text == "Hello, world");
  CHECK(f.examples[1].text == "He said \"hi\"");
  CHECK(f.examples[1].label == "b");
  CHECK(f.examples[1].line == 3);
  CHECK(f.examples[1].label_line == 4);  // the quoted pair spans lines 3–4; the label is on 4
  CHECK(f.examples[1].label_column == 8);
  CHECK(f.examples[2].text == "x \"y\" z");  // a quote inside an unquoted field is a character
  CHECK(f.examples[2].line == 5);

  // The pair kept this time: the quoted line break is part of it ("\r\n" read as "\n").
  const auto p = table("text,text_pair,label\n\"a\",\"two\r\nlines\",b\n", ',');
  CHECK(p.examples[0].text_pair == "two\nlines");
}

TEST_CASE("task data: CSV quoting errors", "[data][task_data]") {
  CHECK(error_of([] { table("text,label\n\"never closed,a\nmore\n", ','); }) ==
        "t.csv:2:1: quoted field is never closed (end of file reached; a quote inside a quoted field is "
        "written \"\")");
  CHECK(error_of([] { table("text,label\nok,\"a\"b\n", ','); }) ==
        "t.csv:2:7: unexpected character after the closing quote of a quoted field (a quote inside a "
        "quoted field is written \"\")");
}

TEST_CASE("task data: ragged rows and missing columns", "[data][task_data]") {
  CHECK(error_of([] { table("text\tlabel\na\tb\nc\n"); }) ==
        "t.tsv:3:2: row has 1 field, the header (line 1) has 2 (tab-separated; columns 'text', 'label')");
  CHECK(error_of([] { table("text\tlabel\na\tb\tc\n"); }) ==
        "t.tsv:2:5: row has 3 fields, the header (line 1) has 2 (tab-separated; columns 'text', 'label')");
  CHECK(error_of([] { table("text,label\n\"a,b\",c,d\n", ','); }) ==
        "t.csv:2:9: row has 3 fields, the header (line 1) has 2 (comma-separated; columns 'text', 'label')");
  // A named column that is not there; no default text column; no label column.
  ExampleOptions o;
  o.columns.text = "review";
  CHECK(error_of([&] { table("text\tlabel\na\tb\n", '\t', o); }) ==
        "t.tsv:1: no column 'review' (the text column) in the header; its columns are 'text', 'label'");
  CHECK(error_of([] { table("question\tlabel\na\tb\n"); }) ==
        "t.tsv:1: no text column: the header has no 'text' or 'sentence' or 'sentence1' column (name the "
        "column to use); its columns are 'question', 'label'");
  CHECK(error_of([] { table("text\tgold_label\na\tb\n"); }) ==
        "t.tsv:1: no label column: the header has no 'label' column (name the column to use); its columns "
        "are 'text', 'gold_label'");
  CHECK(error_of([] { table("text\tlabel\tlabel\na\tb\tc\n"); }) ==
        "t.tsv:1:12: column 'label' appears twice in the header (columns 2 and 3)");
}

TEST_CASE("task data: empty files, header only, empty texts and labels", "[data][task_data]") {
  CHECK(error_of([] { table(""); }) ==
        "t.tsv:1: empty file (expected a header row naming the columns, then one example per row)");
  CHECK(error_of([] { table("\n\n"); }) ==
        "t.tsv:1: empty file (expected a header row naming the columns, then one example per row)");
  CHECK(error_of([] { table("text\tlabel\n\n"); }) ==
        "t.tsv:1: no examples: the file has a header row and nothing after it");
  CHECK(error_of([] { table("text\tlabel\nok\ta\n \tb\n"); }) == "t.tsv:3:1: empty text in column 'text'");
  CHECK(error_of([] { table("text\ttext_pair\tlabel\nok\t\ta\n"); }) ==
        "t.tsv:2:4: empty text in column 'text_pair'");
  CHECK(error_of([] { table("text\tlabel\nok\t  \n"); }) == "t.tsv:2:4: empty label in column 'label'");
  CHECK(error_of([] { jsonl("\n  \n"); }) == "t.jsonl:1: empty file (expected JSON lines, one example object per line)");
}

TEST_CASE("task data: regression labels", "[data][task_data]") {
  // STS-B's scores are text in the TSV.
  const auto f = table("sentence1\tsentence2\tlabel\na\tb\t3.800\nc\td\t-1e-2\n", '\t', kind(LabelKind::numeric));
  CHECK(f.examples[0].value == 3.8);
  CHECK(f.examples[0].label == "3.800");
  CHECK(f.examples[1].value == -0.01);
  CHECK(error_of([] { table("text\tlabel\na\t4.2x\n", '\t', kind(LabelKind::numeric)); }) ==
        "t.tsv:2:3: label '4.2x' in column 'label' is not a finite number (a regression task needs numeric labels)");
  CHECK_THAT(error_of([] { table("text\tlabel\na\tnan\n", '\t', kind(LabelKind::numeric)); }),
             Contains("label 'nan' in column 'label' is not a finite number"));
  CHECK_THAT(error_of([] { table("text\tlabel\na\t1e999\n", '\t', kind(LabelKind::numeric)); }),
             Contains("is not a finite number"));
  // JSON numbers (and numeric strings) as values.
  const auto j = jsonl("{\"text\": \"a\", \"label\": 4.25}\n{\"text\": \"b\", \"label\": \"2\"}\n", kind(LabelKind::numeric));
  CHECK(j.examples[0].value == 4.25);
  CHECK(j.examples[1].value == 2.0);
}

TEST_CASE("task data: invalid UTF-8 is an error naming line and column", "[data][task_data]") {
  CHECK(error_of([] { table("text\tlabel\nok\ta\nbad \xC3(\tb\n"); }) ==
        "t.tsv:3:5: invalid UTF-8 (byte 0xc3); the file must be UTF-8 text");
  CHECK(error_of([] { table("text,label\n\"two\nli\xFFnes\",a\n", ','); }) ==
        "t.csv:3:3: invalid UTF-8 (byte 0xff); the file must be UTF-8 text");
  CHECK(error_of([] { jsonl("{\"text\": \"\xED\xA0\x80\", \"label\": 1}\n"); }) ==
        "t.jsonl:1:11: invalid UTF-8 (byte 0xed); the file must be UTF-8 text");
  CHECK(error_of([] { conll("EU\tB-ORG\nre\xE2\x82jects O\n"); }) ==
        "t.conll:2:3: invalid UTF-8 (byte 0xe2); the file must be UTF-8 text");
}

TEST_CASE("task data: JSON lines", "[data][task_data]") {
  const auto f = jsonl(
      "{\"text\": \"first\", \"label\": \"pos\", \"id\": 7}\n"
      "\n"
      "{\"label\": 1, \"text\": \"second\", \"text_pair\": \"pair\"}\n"
      "{\"text\": \"third\", \"text_pair\": null, \"label\": 2.50}\n");
  CHECK(f.text_column == "text");
  CHECK(f.pair_column == "text_pair");
  REQUIRE(f.examples.size() == 3);
  CHECK(f.examples[0].text == "first");
  CHECK_FALSE(f.examples[0].text_pair);
  CHECK(f.examples[0].label == "pos");
  CHECK(f.examples[1].line == 3);
  CHECK(f.examples[1].label == "1");  // a number keeps its JSON text
  CHECK(f.examples[1].text_pair == "pair");
  CHECK_FALSE(f.examples[2].text_pair);  // null: no pair
  CHECK(f.examples[2].label == "2.5");

  // Other default keys, and keys by name.
  const auto s = jsonl("{\"sentence1\": \"a\", \"sentence2\": \"b\", \"label\": \"x\"}\n");
  CHECK(s.examples[0].text == "a");
  CHECK(s.examples[0].text_pair == "b");
  ExampleOptions o;
  o.columns = {"review", "", "stars", false};
  const auto n = jsonl("{\"review\": \"good\", \"stars\": 5}\n", o);
  CHECK(n.examples[0].text == "good");
  CHECK(n.examples[0].label == "5");
}

TEST_CASE("task data: JSON lines errors", "[data][task_data]") {
  CHECK(error_of([] { jsonl("{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\", \"label\": }\n"); }) ==
        "t.jsonl:2:24: invalid JSON: syntax error while parsing value - unexpected '}'; expected '[', '{', or a literal");
  CHECK(error_of([] { jsonl("[\"a\", 1]\n"); }) ==
        "t.jsonl:1:1: expected a JSON object per line ({\"text\": …, \"label\": …}), found an array");
  CHECK(error_of([] { jsonl("\"just text\"\n"); }) ==
        "t.jsonl:1:1: expected a JSON object per line ({\"text\": …, \"label\": …}), found string");
  CHECK(error_of([] { jsonl("{\"body\": \"a\", \"label\": 1}\n"); }) ==
        "t.jsonl:1:1: no text field: the object has no \"text\", \"sentence\" or \"sentence1\" (name the field "
        "to use); its fields are \"body\", \"label\"");
  CHECK(error_of([] { jsonl("{\"text\": \"a\", \"label\": 1}\n{\"sentence\": \"b\", \"label\": 1}\n"); }) ==
        "t.jsonl:2:1: no field \"text\" (the text); the object's fields are \"label\", \"sentence\"");
  CHECK(error_of([] { jsonl("{\"text\": 12, \"label\": 1}\n"); }) ==
        "t.jsonl:1:1: field \"text\" must be a string, found number");
  CHECK(error_of([] { jsonl("{\"text\": \"  \", \"label\": 1}\n"); }) == "t.jsonl:1:1: empty text in field \"text\"");
  CHECK(error_of([] { jsonl("{\"text\": \"a\", \"text_pair\": \"\", \"label\": 1}\n"); }) ==
        "t.jsonl:1:1: empty text in field \"text_pair\"");
  CHECK(error_of([] { jsonl("{\"text\": \"a\"}\n"); }) ==
        "t.jsonl:1:1: no label: no field \"label\"; the object's fields are \"text\"");
  CHECK(error_of([] { jsonl("{\"text\": \"a\", \"label\": null}\n"); }) ==
        "t.jsonl:1:1: no label: null field \"label\"; the object's fields are \"label\", \"text\"");
  CHECK(error_of([] { jsonl("{\"text\": \"a\", \"label\": true}\n"); }) ==
        "t.jsonl:1:1: field \"label\" must be a string or a number, found boolean");
  CHECK(error_of([] { jsonl("{\"text\": \"a\", \"label\": \"\"}\n"); }) == "t.jsonl:1: empty label in field \"label\"");
  CHECK(error_of([] { jsonl("{\"text\": \"a\", \"label\": 1e999}\n"); }) ==
        "t.jsonl:1:1: invalid JSON: number overflow parsing '1e999'");
  // Deep nesting is parsed (and freed) without recursion: an ordinary error, not a stack overflow.
  CHECK(error_of([] { jsonl(std::string(200000, '[') + std::string(200000, ']') + "\n"); }) ==
        "t.jsonl:1:1: expected a JSON object per line ({\"text\": …, \"label\": …}), found an array");
  CHECK_THAT(error_of([] { jsonl(std::string(200000, '[') + "\n"); }),
             StartsWith("t.jsonl:1:200001: invalid JSON: syntax error while parsing value - unexpected end of input"));
}

TEST_CASE("task data: CoNLL files", "[data][task_data]") {
  // CoNLL-2003 (four space-separated columns, the tag last) with -DOCSTART-, several blank lines,
  // trailing spaces; and a two-column tab-separated sentence.
  const auto s = conll(
      "-DOCSTART- -X- -X- O\n"
      "\n"
      "EU NNP B-NP B-ORG\n"
      "rejects VBZ B-VP O  \n"
      "\n"
      "\n"
      "Peter\tB-PER\r\n"
      "Blackburn\tI-PER\n");
  REQUIRE(s.size() == 2);
  CHECK(s[0].words == std::vector<std::string>{"EU", "rejects"});
  CHECK(s[0].tags == std::vector<std::string>{"B-ORG", "O"});
  CHECK(s[0].line == 3);
  CHECK(s[1].words == std::vector<std::string>{"Peter", "Blackburn"});
  CHECK(s[1].tags == std::vector<std::string>{"B-PER", "I-PER"});
  CHECK(s[1].line == 7);

  CHECK(error_of([] { conll("EU B-ORG\n  rejects\n"); }) ==
        "t.conll:2:3: a CoNLL line needs a word and a tag separated by spaces or a tab; this one has one "
        "field ('rejects')");
  CHECK(error_of([] { conll(""); }) ==
        "t.conll:1: no sentences (expected one 'word tag' line per token, a blank line between sentences)");
  CHECK(error_of([] { conll("-DOCSTART- O\n\n\n"); }) ==
        "t.conll:1: no sentences (expected one 'word tag' line per token, a blank line between sentences)");
}

TEST_CASE("task data: label order", "[data][task_data]") {
  // All integers: by value ("10" after "9"), equal values by text.
  CHECK(LabelMap::from_labels({"10", "2", "-1", "2", "9", "01", "1"}).names() ==
        std::vector<std::string>{"-1", "01", "1", "2", "9", "10"});
  // Anything else: byte-wise lexicographic (Python's sorted()), upper case first.
  CHECK(LabelMap::from_labels({"O", "B-PER", "I-PER", "B-LOC", "O", "a"}).names() ==
        std::vector<std::string>{"B-LOC", "B-PER", "I-PER", "O", "a"});
  CHECK(LabelMap::from_labels({"not_entailment", "entailment"}).names() ==
        std::vector<std::string>{"entailment", "not_entailment"});
  // One non-integer makes the whole set lexicographic; "+1" and "1.0" are not integers.
  CHECK(LabelMap::from_labels({"10", "9", "x"}).names() == std::vector<std::string>{"10", "9", "x"});
  CHECK(LabelMap::from_labels({"2", "+1"}).names() == std::vector<std::string>{"+1", "2"});
  CHECK(LabelMap::from_labels({"2", "1.0"}).names() == std::vector<std::string>{"1.0", "2"});
  // Beyond int64: not an integer.
  CHECK(LabelMap::from_labels({"99999999999999999999", "3"}).names() ==
        std::vector<std::string>{"3", "99999999999999999999"});
  const auto m = LabelMap::from_labels({"pos", "neg"});
  CHECK(m.find("pos") == 1);
  CHECK(m.find("neg") == 0);
  CHECK_FALSE(m.find("neutral"));
  CHECK(m.name(1) == "pos");
  CHECK_THAT(error_of([&] { m.name(2); }), Contains("class id 2 is out of range (2 labels)"));
  CHECK_THAT(error_of([] { LabelMap({"a", "b", "a"}); }), Contains("label 'a' appears twice (ids 0 and 2)"));
  CHECK_THAT(error_of([] { LabelMap({"a", ""}); }), Contains("label 1 is empty"));
}

TEST_CASE("task data: label ids and unknown labels", "[data][task_data]") {
  const auto train = table("text\tlabel\na\tpos\nb\tneg\nc\tpos\n");
  const auto map = LabelMap::from_examples(train);
  CHECK(label_ids(train, map) == std::vector<int32_t>{1, 0, 1});
  const auto dev = table("text\tlabel\nd\tneg\ne\tneutral\n");
  CHECK(error_of([&] { label_ids(dev, map); }) ==
        "t.tsv:3:3: label 'neutral' is not one of the 2 labels of the training data ('neg', 'pos')");
  // JSON labels have no column; long maps are cut short.
  const auto many = LabelMap::from_labels({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});
  const auto j = jsonl("{\"text\": \"x\", \"label\": \"z\"}\n");
  CHECK(error_of([&] { label_ids(j, many); }) ==
        "t.jsonl:1: label 'z' is not one of the 10 labels of the training data ('a', 'b', 'c', 'd', 'e', "
        "'f', 'g', 'h', … (10 in all))");
  const auto unlabelled = table("text\nx\n", '\t', kind(LabelKind::none));
  CHECK_THAT(error_of([&] { LabelMap::from_examples(unlabelled); }), Contains("no labels to build a label map from"));

  // CoNLL tags: the error names the token's line.
  const auto sentences = conll("EU B-ORG\nrejects O\n\nPeter B-PER\nBlackburn I-PER\n");
  const auto tags = LabelMap::from_sentences(sentences);
  CHECK(tags.names() == std::vector<std::string>{"B-ORG", "B-PER", "I-PER", "O"});
  CHECK(tag_ids(sentences, tags, "t.conll") == std::vector<std::vector<int32_t>>{{0, 3}, {1, 2}});
  const auto test_set = conll("Bonn B-ORG\n\nsays O\nhe O\nsaid B-MISC\n");
  CHECK(error_of([&] { tag_ids(test_set, tags, "test.conll"); }) ==
        "test.conll:5: tag 'B-MISC' is not one of the 4 tags of the training data ('B-ORG', 'B-PER', 'I-PER', 'O')");
}

TEST_CASE("task data: classify's text lines", "[data][task_data]") {
  std::istringstream in("first text\n\n  \nthe text\tits pair\n");
  const auto lines = read_text_lines(in, "in.txt");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].text == "first text");
  CHECK_FALSE(lines[0].text_pair);
  CHECK(lines[0].line == 1);
  CHECK(lines[1].text == "the text");
  CHECK(lines[1].text_pair == "its pair");
  CHECK(lines[1].line == 4);
  const auto err = [](const std::string& text) {
    return error_of([&] {
      std::istringstream s(text);
      read_text_lines(s, "in.txt");
    });
  };
  CHECK(err("a\tb\tc\n") == "in.txt:1:4: a second tab: an input line is a text, or a text and its pair separated by one tab");
  CHECK(err("ok\n\tpair\n") == "in.txt:2:1: empty text in the text before the tab");
  CHECK(err("ok\ntext\t\n") == "in.txt:2:6: empty text in the pair after the tab");
  CHECK(err("\n\n") == "in.txt:1: no text to classify (the input is empty or blank)");
}

TEST_CASE("task data: files, formats by extension", "[data][task_data]") {
  const auto dir = temp_dir("task_data");
  const auto tsv = write_text(dir / "train.TSV", "sentence\tlabel\nhello\t1\n");
  const auto csv = write_text(dir / "train.csv", "sentence,label\n\"hello, you\",1\n");
  const auto json = write_text(dir / "train.json", "{\"sentence\": \"hello\", \"label\": 0}\n");
  const auto txt = write_text(dir / "train.txt", "hello\n");
  const auto ner = write_text(dir / "train.conll", "EU B-ORG\n");
  CHECK(read_classification_file(tsv).examples[0].text == "hello");
  CHECK(read_classification_file(csv).examples[0].text == "hello, you");
  CHECK(read_classification_file(json).examples[0].label == "0");
  CHECK(read_text_lines(txt)[0].text == "hello");
  CHECK(read_conll_file(ner)[0].tags == std::vector<std::string>{"B-ORG"});
  // The format named explicitly beats the extension.
  ExampleOptions o;
  o.format = parse_table_format("tsv");
  const auto tab_txt = write_text(dir / "data.txt", "text\tlabel\nhi\tx\n");
  CHECK(read_classification_file(tab_txt, o).examples[0].label == "x");
  CHECK(error_of([&] { read_classification_file(txt); }) ==
        txt + ": cannot tell the data format from the file name (expected .tsv, .csv, .jsonl or .json; or name the format)");
  CHECK_THAT(error_of([] { parse_table_format("xml"); }), Contains("unknown data format 'xml'"));
  CHECK_THAT(error_of([&] { read_classification_file((dir / "missing.tsv").string()); }),
             StartsWith((dir / "missing.tsv").string() + ": cannot open"));
  CHECK_THAT(error_of([&] { read_conll_file(dir.string()); }), Contains("is a directory"));
  // Errors from files name the path.
  const auto bad = write_text(dir / "bad.tsv", "sentence\tlabel\nhello\n");
  CHECK_THAT(error_of([&] { read_classification_file(bad); }), StartsWith(bad + ":2:6: row has 1 field"));
  std::filesystem::remove_all(dir);
}
