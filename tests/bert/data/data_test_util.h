// data_test_util.h — helpers shared by the pretraining-data tests: temporary directories and files,
// a tiny hand-made vocabulary written to a file, and corpora built by hand from id ranges.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bert/data/corpus.h"
#include "bert/data/instances.h"
#include "bert/tokenizer/tokenizer.h"

namespace bert::test {

// A fresh empty directory for a test's files.
inline std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("nnbert_data_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Writes text to path (creating parent directories) and returns the path as a string.
inline std::string write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

// The words of the tiny vocabulary (after the five specials, ids 5, 6, …).
inline const std::vector<std::string>& tiny_words() {
  static const std::vector<std::string> words{
      "the", "cat", "sat", "on", "mat", "a", "dog", "ran", "is", "big", "small", "it", "was",
      "hello", "world", "this", "test", "play", "##ing", "##s", "##ed", "run", ".", ",", "!", "?"};
  return words;
}

// A tokenizer over the tiny vocabulary, loaded from a vocab.txt written to a temp directory.
inline Tokenizer tiny_tokenizer() {
  std::string text;
  for (const auto& t : default_special_tokens()) text += t + "\n";
  for (const auto& t : tiny_words()) text += t + "\n";
  return Tokenizer::load(write_text(temp_dir("vocab") / "vocab.txt", text), true);
}

// A masking vocabulary of `size` ids with the specials at 0–4 and no "##" pieces.
inline MaskingVocab plain_vocab(int32_t size) {
  MaskingVocab v;
  v.pad = 0;
  v.cls = 2;
  v.sep = 3;
  v.mask = 4;
  v.size = size;
  v.continues_word.assign(static_cast<size_t>(size), false);
  return v;
}

// Document d of a hand-made corpus: `sentences` sentences of `length` ids each, the ids
// 1000·(d+1) + 10·s + k, so every token tells its document and sentence.
inline std::vector<std::vector<int32_t>> numbered_document(int d, int sentences, int length) {
  std::vector<std::vector<int32_t>> doc;
  for (int s = 0; s < sentences; ++s) {
    std::vector<int32_t> ids;
    for (int k = 0; k < length; ++k) ids.push_back(1000 * (d + 1) + 10 * s + k);
    doc.push_back(ids);
  }
  return doc;
}

// The document of a numbered id.
inline int document_of(int32_t id) { return id / 1000 - 1; }

}  // namespace bert::test
