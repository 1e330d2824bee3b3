// corpus_feed.h — everything between text files and the trainer's DataFeed: find the corpus
// (the default FOLDOC corpus when none is given), load or train the WordPiece vocabulary,
// tokenize, split off held-out documents, and stream pretraining batches for an objective.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "bert/train/trainer.h"

namespace bert {

// How the data is split and masked (recorded in TrainConfig::data_options for resume).
struct FeedOptions {
  double eval_fraction = 0.02;      // share of documents held out (when no eval_file)
  std::string eval_file;            // held-out text given explicitly: the whole corpus trains
  bool whole_word_masking = false;  // MLM objectives: mask whole words
  bool dynamic_masking = true;      // MLM objectives: new masks every epoch (else dupe_factor passes)
  int64_t group_by_length = 50;     // batches per length-sorted run (StreamOptions; 0: random batches)
};

class CorpusFeed {
 public:
  // Opens `paths` (the default corpus when empty), loads `vocab_path` or, when it is empty, trains
  // a vocabulary of `vocab_size` tokens (cased unless cfg.lower_case) on the training corpus into
  // cfg.out_dir/vocab.txt; records corpus, vocabulary and data settings in cfg (for resume).
  // Held-out data: eval_file when given (its characters are counted, so a causal run reports bits
  // per character), else a random eval_fraction of the documents.
  static std::unique_ptr<CorpusFeed> open(const std::vector<std::string>& paths, const std::string& vocab_path,
                                          int64_t vocab_size, TrainConfig& cfg, const FeedOptions& options);
  // The same with only a held-out fraction.
  static std::unique_ptr<CorpusFeed> open(const std::vector<std::string>& paths, const std::string& vocab_path,
                                          int64_t vocab_size, TrainConfig& cfg, double eval_fraction);
  // Rebuilds the same data from a resumed run's recorded settings.
  static std::unique_ptr<CorpusFeed> reopen(const TrainConfig& cfg);
  virtual ~CorpusFeed() = default;
  // Size of the vocabulary in use.
  virtual int64_t vocab_size() const = 0;
  // Optimizer steps that cover the training split `epochs` times.
  virtual int64_t steps_for_epochs(int64_t epochs) const = 0;
  // The trainer's view of the stream for cfg.objective. Causal held-out batches are the windows of
  // bert/eval/causal_windows.h over the held-out stream (every held-out token scored once).
  virtual DataFeed feed(const TrainConfig& cfg) = 0;
};

// Where the default corpus lives (data/foldoc/foldoc.txt under the current directory or the
// source tree), or "" when it has not been fetched.
std::string default_corpus_path();

}  // namespace bert
