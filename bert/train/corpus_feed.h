// corpus_feed.h — everything between text files and the trainer's DataFeed: find the corpus
// (the default FOLDOC corpus when none is given), load or train the WordPiece vocabulary,
// tokenize, split off held-out documents, and stream pretraining batches for an objective.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "bert/train/trainer.h"

namespace bert {

class CorpusFeed {
 public:
  // Opens `paths` (the default corpus when empty), loads `vocab_path` or, when it is empty, trains
  // a vocabulary of `vocab_size` tokens into cfg.out_dir/vocab.txt; records corpus, vocabulary
  // and data settings in cfg (for resume).
  static std::unique_ptr<CorpusFeed> open(const std::vector<std::string>& paths, const std::string& vocab_path,
                                          int64_t vocab_size, TrainConfig& cfg, double eval_fraction);
  // Rebuilds the same data from a resumed run's recorded settings.
  static std::unique_ptr<CorpusFeed> reopen(const TrainConfig& cfg);
  virtual ~CorpusFeed() = default;
  // Size of the vocabulary in use.
  virtual int64_t vocab_size() const = 0;
  // Optimizer steps that cover the training split `epochs` times.
  virtual int64_t steps_for_epochs(int64_t epochs) const = 0;
  // The trainer's view of the stream for cfg.objective.
  virtual DataFeed feed(const TrainConfig& cfg) = 0;
};

// Where the default corpus lives (data/foldoc/foldoc.txt under the current directory or the
// source tree), or "" when it has not been fetched.
std::string default_corpus_path();

}  // namespace bert
