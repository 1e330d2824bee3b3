// trainer.h — WordPiece vocabulary training, as HuggingFace tokenizers' WordPieceTrainer does it:
// words from the basic tokenizer, start from characters ("##c" for characters inside a word),
// merge the most frequent adjacent pair again and again (BPE) until the vocabulary is full.
// Deterministic: the same corpus and options give the same vocabulary, whatever the thread count.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bert/tokenizer/vocab.h"

namespace bert {

// Where training is: stage is "counting" (done/total in bytes) or "merging" (vocabulary size).
struct TrainProgress {
  std::string_view stage;
  size_t done = 0, total = 0;
};

struct TrainerOptions {
  size_t vocab_size = 30522;
  bool lower_case = true;       // uncased rules, as the tokenizer that will use the vocabulary
  uint64_t min_frequency = 2;   // stop merging when the best pair occurs fewer times than this
  std::vector<std::string> special_tokens = default_special_tokens();  // ids 0, 1, … in this order
  std::function<void(const TrainProgress&)> progress;  // called now and then (from one thread)
};

// Hash for heterogeneous (string_view) look-ups in WordCounts.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Normalised word → number of occurrences.
using WordCounts = std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>>;

// Counts the words of corpus files (lines in parallel with OpenMP); throws nn::Error naming a
// file that cannot be read.
WordCounts count_words(std::span<const std::string> files, const TrainerOptions& options);

// Counts the words of in-memory texts.
WordCounts count_words_in_texts(std::span<const std::string> texts, const TrainerOptions& options);

// Trains a vocabulary (special tokens, alphabet, merges in order) from word counts; throws
// nn::Error when there are no words.
std::vector<std::string> train_wordpiece(const WordCounts& counts, const TrainerOptions& options);

// count_words + train_wordpiece over corpus files.
std::vector<std::string> train_wordpiece(std::span<const std::string> files,
                                         const TrainerOptions& options);

// Writes tokens as vocab.txt (one per line) atomically.
void write_vocab(const std::string& path, const std::vector<std::string>& tokens);

}  // namespace bert
