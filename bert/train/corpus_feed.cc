// corpus_feed.cc — corpus + vocabulary + PretrainingStream behind the trainer's DataFeed.
#include "bert/train/corpus_feed.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "bert/data/batcher.h"
#include "bert/data/corpus.h"
#include "bert/eval/causal_windows.h"
#include "bert/eval/eval_text.h"
#include "bert/tokenizer/trainer.h"
#include "bert/train/run_dir.h"

namespace bert {
namespace fs = std::filesystem;

namespace {

// Google's rule for the predictions per sequence: max_seq_length · masked_lm_prob, rounded up
// (20 for 128 tokens at 15%).
int max_predictions(int64_t seq_len, double masked_lm_prob) {
  return std::max(1, static_cast<int>(std::ceil(static_cast<double>(seq_len) * masked_lm_prob - 1e-9)));
}

class StreamFeed : public CorpusFeed {
 public:
  StreamFeed(Tokenizer tokenizer, LoadedCorpus corpus, StreamOptions options, int64_t eval_chars)
      : tokenizer_(std::move(tokenizer)), corpus_(std::move(corpus)), options_(std::move(options)),
        vocab_(MaskingVocab::from_vocab(tokenizer_.vocab())), eval_chars_(eval_chars) {}

  int64_t vocab_size() const override { return static_cast<int64_t>(tokenizer_.vocab().size()); }

  int64_t steps_for_epochs(int64_t epochs) const override {
    const size_t per_epoch = epoch_size(corpus_.train, vocab_, options_, 0);  // instances, or packed rows
    const int64_t per_step = static_cast<int64_t>(options_.batching.batch_size);
    return std::max<int64_t>(1, (static_cast<int64_t>(per_epoch) * epochs + per_step - 1) / per_step);
  }

  DataFeed feed(const TrainConfig& cfg) override {
    stream_ = std::make_unique<PretrainingStream>(corpus_.train, vocab_, options_);
    DataFeed f;
    PretrainingStream* s = stream_.get();
    const bool causal = cfg.objective == Objective::clm;  // the stream builds the objective's batches
    f.next = [s, causal] {
      PretrainingBatch b = s->next_batch();
      return causal ? std::move(b.causal) : std::move(b.masked);
    };
    f.position = [s] { return format_position(s->position()); };
    f.seek = [s](const std::string& p) { s->seek(p.empty() ? StreamPosition{} : parse_position(p)); };
    if (corpus_.eval.num_documents() > 0 && cfg.objective == Objective::clm) {
      const std::vector<int32_t> stream = causal_stream(corpus_.eval, vocab_.sep);
      f.eval = causal_window_batches(stream, cfg.seq_len, cfg.seq_len - 1, cfg.batch_size, vocab_.pad);
      f.eval_chars = eval_chars_;
    } else if (corpus_.eval.num_documents() > 0) {
      // Held-out masking is always Google's 15%, so runs that train with other rates compare.
      InstanceOptions eval_instances = options_.instances;
      eval_instances.masked_lm_prob = 0.15;
      eval_instances.max_predictions_per_seq = max_predictions(cfg.seq_len, 0.15);
      for (PretrainingBatch& b : make_eval_batches(corpus_.eval, vocab_, eval_instances, options_.batching,
                                                   cfg.seed ^ 0xE7A1u)) {
        f.eval.push_back(std::move(b.masked));
      }
      std::vector<int64_t> targets;
      for (const Batch& b : f.eval) {
        const std::vector<int64_t> ids = b.masked_labels.to_ids();
        targets.insert(targets.end(), ids.begin(), ids.end());
      }
      const int32_t specials[] = {vocab_.cls, vocab_.sep, vocab_.mask, vocab_.pad};
      f.baselines = frequency_baselines(token_counts(corpus_.train, vocab_.size, specials), targets);
    }
    return f;
  }

 private:
  Tokenizer tokenizer_;
  LoadedCorpus corpus_;
  StreamOptions options_;
  MaskingVocab vocab_;
  int64_t eval_chars_ = 0;  // characters of the held-out file (0: held-out documents of the corpus)
  std::unique_ptr<PretrainingStream> stream_;
};

// The stream settings of a run.
StreamOptions stream_options(const TrainConfig& cfg) {
  StreamOptions o;
  o.instances.objective = cfg.objective;
  o.instances.max_seq_length = static_cast<int>(cfg.seq_len);
  o.instances.whole_word_masking = cfg.data_options.whole_word_masking;
  o.instances.masked_lm_prob = cfg.data_options.masked_lm_prob;
  o.instances.max_predictions_per_seq = max_predictions(cfg.seq_len, cfg.data_options.masked_lm_prob);
  o.batching.batch_size = static_cast<size_t>(cfg.batch_size);
  o.seed = cfg.seed;
  o.dynamic_masking = cfg.data_options.dynamic_masking;
  o.group_by_length = static_cast<size_t>(cfg.data_options.group_by_length);
  o.pack = cfg.data_options.pack;
  o.pack_window = static_cast<size_t>(cfg.data_options.pack_window);
  return o;
}

// Every file a run reads: the corpus files, then the held-out file if any.
std::vector<std::string> input_files(const TrainConfig& cfg) {
  std::vector<std::string> files = corpus_files(cfg.corpus);
  if (!cfg.data_options.eval_file.empty()) files.push_back(cfg.data_options.eval_file);
  return files;
}

std::unique_ptr<CorpusFeed> build(const TrainConfig& cfg) {
  Tokenizer tokenizer = Tokenizer::load(cfg.vocab_path, cfg.lower_case);
  CorpusOptions co;
  co.eval_fraction = cfg.data_options.eval_fraction;
  co.split_seed = cfg.data_options.split_seed;
  std::fprintf(stderr, "reading and tokenizing %zu corpus path(s)…\n", cfg.corpus.size());
  const std::string& eval_file = cfg.data_options.eval_file;
  if (!eval_file.empty()) co.eval_fraction = 0;
  LoadedCorpus corpus = load_corpus(cfg.corpus, tokenizer, co);
  int64_t eval_chars = 0;
  if (!eval_file.empty()) {
    EvalText held_out = load_eval_text(eval_file, tokenizer);
    std::fprintf(stderr, "held-out text: %s, %lld characters, %zu tokens\n", eval_file.c_str(),
                 static_cast<long long>(held_out.chars), held_out.documents.num_tokens());
    corpus.eval = std::move(held_out.documents);
    eval_chars = held_out.chars;
  }
  const CorpusStats& s = corpus.stats;
  std::fprintf(stderr, "corpus: %zu files, %.1f MB, %zu documents (%zu held out), %zu sentences, %zu tokens%s\n",
               s.files, static_cast<double>(s.bytes) / 1e6, s.documents, s.eval_documents, s.sentences, s.tokens,
               s.invalid_utf8_lines ? " (invalid UTF-8 replaced)" : "");
  for (const std::string& skipped : s.skipped_files)
    std::fprintf(stderr, "warning: corpus: skipped %s: not a text file\n", skipped.c_str());
  if (s.invalid_utf8_lines)
    std::fprintf(stderr, "warning: corpus: invalid UTF-8 replaced by U+FFFD in %zu line(s), the first at %s\n",
                 s.invalid_utf8_lines, s.first_invalid_utf8.c_str());
  return std::make_unique<StreamFeed>(std::move(tokenizer), std::move(corpus), stream_options(cfg), eval_chars);
}

}  // namespace

std::string default_corpus_path() {
  const fs::path p = "data/foldoc/foldoc.txt";
  return fs::exists(p) ? p.string() : "";
}

std::unique_ptr<CorpusFeed> CorpusFeed::open(const std::vector<std::string>& paths, const std::string& vocab_path,
                                             int64_t vocab_size, TrainConfig& cfg, double eval_fraction) {
  FeedOptions o;
  o.eval_fraction = eval_fraction;
  return open(paths, vocab_path, vocab_size, cfg, o);
}

std::unique_ptr<CorpusFeed> CorpusFeed::open(const std::vector<std::string>& paths, const std::string& vocab_path,
                                             int64_t vocab_size, TrainConfig& cfg, const FeedOptions& options) {
  cfg.corpus = paths;
  if (cfg.corpus.empty()) {
    const std::string def = default_corpus_path();
    NN_CHECK(!def.empty(), "no --corpus given and the default corpus is missing: run scripts/get-corpus.sh "
                           "in the source tree and run from there (it fetches FOLDOC into data/foldoc/foldoc.txt), "
                           "or pass --corpus PATH");
    cfg.corpus = {def};
  }
  for (std::string& p : cfg.corpus) p = fs::absolute(p).string();
  std::error_code ec;
  fs::create_directories(cfg.out_dir, ec);
  NN_CHECK(!ec, cfg.out_dir, ": cannot create the output directory: ", ec.message());
  std::string eval_file;
  if (!options.eval_file.empty()) {
    NN_CHECK(fs::is_regular_file(options.eval_file), options.eval_file, ": no such held-out file");
    eval_file = fs::absolute(options.eval_file).string();
  }
  if (vocab_path.empty()) {
    cfg.vocab_path = fs::absolute(run_dir::vocab_file(cfg.out_dir)).string();
    std::fprintf(stderr, "training a WordPiece vocabulary of %lld tokens on the corpus…\n",
                 static_cast<long long>(vocab_size));
    TrainerOptions to;
    to.vocab_size = static_cast<size_t>(vocab_size);
    to.lower_case = cfg.lower_case;
    const std::vector<std::string> files = corpus_files(cfg.corpus);
    write_vocab(cfg.vocab_path, train_wordpiece(std::span<const std::string>(files), to));
  } else {
    NN_CHECK(fs::is_regular_file(vocab_path), vocab_path, ": no such vocabulary file");
    MaskingVocab::from_vocab(Tokenizer::load(vocab_path).vocab());  // errors name the user's file, not the run's copy
    cfg.vocab_path = run_dir::adopt_vocab(cfg.out_dir, vocab_path);  // the user's file may change later
  }
  cfg.data_options = options;
  cfg.data_options.split_seed = cfg.seed;
  cfg.data_options.eval_file = eval_file;
  cfg.data_options.inputs = fingerprint_inputs(input_files(cfg));
  return build(cfg);
}

std::unique_ptr<CorpusFeed> CorpusFeed::reopen(TrainConfig& cfg) {
  for (const std::string& p : cfg.corpus)
    NN_CHECK(fs::exists(p), "resume: corpus path '", p, "' no longer exists; restore it, or give its new "
                            "location with --corpus");
  for (std::string& p : cfg.corpus) p = fs::absolute(p).string();
  if (!cfg.data_options.eval_file.empty()) cfg.data_options.eval_file = fs::absolute(cfg.data_options.eval_file).string();
  const std::vector<std::string> files = input_files(cfg);
  check_inputs_unchanged(cfg.data_options.inputs, files);
  for (size_t i = 0; i < files.size(); ++i) cfg.data_options.inputs[i].path = files[i];
  return build(cfg);
}

}  // namespace bert
