// tokenizer_test_util.h — helpers shared by the tokenizer tests: small hand-made vocabularies and
// where the optional shared data (bert-base-uncased vocab.txt) lives.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bert/tokenizer/tokenizer.h"
#include "bert/tokenizer/vocab.h"

namespace bert::test {

// The specials at ids 0–4, then the given tokens from id 5 on.
inline Vocab small_vocab(const std::vector<std::string>& tokens) {
  std::vector<std::string> all = default_special_tokens();
  all.insert(all.end(), tokens.begin(), tokens.end());
  return Vocab(all, "test vocabulary");
}

// A tokenizer over small_vocab(tokens).
inline Tokenizer small_tokenizer(const std::vector<std::string>& tokens, bool lower_case = true) {
  return Tokenizer(small_vocab(tokens), lower_case);
}

// The source tree (NNBERT_SOURCE_DIR is set by tests/bert/meson.build).
inline std::filesystem::path source_dir() { return NNBERT_SOURCE_DIR; }

// ../shared/data/bert-base-uncased/vocab.txt next to the source tree, or "" when absent.
inline std::string bert_base_vocab_path() {
  const auto p = source_dir() / ".." / "shared" / "data" / "bert-base-uncased" / "vocab.txt";
  return std::filesystem::exists(p) ? p.string() : std::string();
}

// A fresh empty directory for a test's files.
inline std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("nnbert_tok_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace bert::test
