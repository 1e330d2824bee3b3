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
  // Opens `paths` (the default corpus when empty); copies `vocab_path` to cfg.out_dir/vocab.txt or,
  // when it is empty, trains a vocabulary of `vocab_size` tokens (cased unless cfg.lower_case) on
  // the training corpus there, so the run owns its vocabulary; records corpus, vocabulary, data
  // settings and the fingerprints of every file read in cfg (for resume).
  // Held-out data: eval_file when given (its characters are counted, so a causal run reports bits
  // per character), else a random eval_fraction of the documents.
  static std::unique_ptr<CorpusFeed> open(const std::vector<std::string>& paths, const std::string& vocab_path,
                                          int64_t vocab_size, TrainConfig& cfg, const FeedOptions& options);
  // The same with only a held-out fraction.
  static std::unique_ptr<CorpusFeed> open(const std::vector<std::string>& paths, const std::string& vocab_path,
                                          int64_t vocab_size, TrainConfig& cfg, double eval_fraction);
  // Rebuilds the same data from a resumed run's recorded settings, after checking that every file
  // it read is still there and unchanged (cfg.corpus and cfg.data_options.eval_file may name new
  // locations of the same files; the recorded fingerprints then take the new paths).
  static std::unique_ptr<CorpusFeed> reopen(TrainConfig& cfg);
  virtual ~CorpusFeed() = default;
  // Size of the vocabulary in use.
  virtual int64_t vocab_size() const = 0;
  // Optimizer steps that cover the training split `epochs` times.
  virtual int64_t steps_for_epochs(int64_t epochs) const = 0;
  // The trainer's view of the stream for cfg.objective. Causal held-out batches are the windows of
  // bert/eval/causal_windows.h over the held-out stream (every held-out token scored once).
  virtual DataFeed feed(const TrainConfig& cfg) = 0;
};

// The default corpus, data/foldoc/foldoc.txt under the current directory (where
// scripts/get-corpus.sh puts it), or "" when it is not there. Never a path of the source tree:
// an installed library reads nothing from where it was built.
std::string default_corpus_path();

}  // namespace bert
