// baselines.h — what a language model has to beat on held-out targets, from the training text
// alone: always answering the training corpus's most frequent token (its accuracy), and the
// unigram distribution of the training tokens (its mean loss). A model that has only learned token
// frequencies sits at these figures (the "unigram plateau" every BERT passes through first).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "bert/data/corpus.h"

namespace bert {

struct FrequencyBaselines {
  int32_t top_id = -1;      // the most frequent training token
  double top_accuracy = 0;  // share of targets equal to top_id
  double unigram_loss = 0;  // mean −ln p(target), p the add-one-smoothed training frequency (nats)
  int64_t targets = 0;      // 0: no baselines (nothing held out)
};

// Occurrences of each id < vocab_size in the corpus, with the ids in `skip` (special tokens) left out.
std::vector<int64_t> token_counts(const Corpus& corpus, int32_t vocab_size, std::span<const int32_t> skip);

// The baselines of `targets` (ids; negative ones are ignored) under training counts `counts`:
// p(id) = (counts[id] + 1) / (Σ counts + V).
FrequencyBaselines frequency_baselines(std::span<const int64_t> counts, std::span<const int64_t> targets);

}  // namespace bert
