// test_tokenizer_bert_base.cc — checks against the real bert-base-uncased vocab.txt when
// ../shared/data has it (skipped visibly otherwise): special ids, hand-checked encodings, and
// tests/bert/data/multilingual.txt against ids from the HuggingFace reference
// (tests/parity/hf_tokenizer_reference.py).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "nn/io/read_file.h"
#include "tokenizer_test_util.h"

using Ids = std::vector<int32_t>;
using Strings = std::vector<std::string>;

namespace {
// The bert-base-uncased tokenizer, or nullptr (with a WARN) when the vocabulary is absent.
const bert::Tokenizer* bert_base() {
  static const std::string path = bert::test::bert_base_vocab_path();
  if (path.empty()) {
    WARN("skipping: ../shared/data/bert-base-uncased/vocab.txt not found next to the source tree");
    return nullptr;
  }
  static const bert::Tokenizer tok = bert::Tokenizer::load(path, true);
  return &tok;
}

// Lines of a file split on \n (a final \n ends the last line).
Strings read_lines(const std::string& path) {
  const std::string text = nn::read_file(path);
  Strings lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}
}  // namespace

TEST_CASE("bert-base-uncased: vocabulary and special ids", "[tokenizer][bert-base]") {
  const bert::Tokenizer* tok = bert_base();
  if (!tok) return;
  CHECK(tok->vocab().size() == 30522);
  CHECK(tok->specials().pad == 0);
  CHECK(tok->specials().unk == 100);
  CHECK(tok->specials().cls == 101);
  CHECK(tok->specials().sep == 102);
  CHECK(tok->specials().mask == 103);
}

TEST_CASE("bert-base-uncased: hand-checked encodings", "[tokenizer][bert-base]") {
  const bert::Tokenizer* tok = bert_base();
  if (!tok) return;
  CHECK(tok->encode_single("Hello, World!").ids == Ids{101, 7592, 1010, 2088, 999, 102});
  CHECK(tok->encode_single("[MASK] is the capital of France.").ids ==
        Ids{101, 103, 2003, 1996, 3007, 1997, 2605, 1012, 102});
  CHECK(tok->tokenize("unaffable") == Strings{"una", "##ffa", "##ble"});
  CHECK(tok->tokenize("Héllo naïve café") == Strings{"hello", "naive", "cafe"});
  CHECK(tok->tokenize("中文") == Strings{"中", "文"});
  const auto pair = tok->encode_pair("The cat sat.", "It was happy.");
  CHECK(pair.ids == Ids{101, 1996, 4937, 2938, 1012, 102, 2009, 2001, 3407, 1012, 102});
  CHECK(pair.token_type_ids == Ids{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1});
  CHECK(tok->decode(tok->encode("The quick brown fox jumps over the lazy dog.")) ==
        "the quick brown fox jumps over the lazy dog .");
}

TEST_CASE("bert-base-uncased: multilingual lines match the HuggingFace reference ids", "[tokenizer][bert-base]") {
  const bert::Tokenizer* tok = bert_base();
  if (!tok) return;
  const auto data = bert::test::source_dir() / "tests" / "bert" / "data";
  const Strings lines = read_lines((data / "multilingual.txt").string());
  const Strings expected = read_lines((data / "multilingual.bert-base-uncased.ids").string());
  REQUIRE(lines.size() == expected.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string got;
    for (const int32_t id : tok->encode_single(lines[i]).ids) {
      if (!got.empty()) got += ' ';
      got += std::to_string(id);
    }
    INFO("line " << i + 1 << ": " << lines[i]);
    CHECK(got == expected[i]);
  }
}
