// tiny_model.h — a model to look at when no real checkpoint is given: a generated corpus (three
// topics, a few templates, a few dozen words) and a tiny BERT pretrained on it through the library
// (bert::CorpusFeed + bert::Trainer, what apps/pretrain does) in a second or two. The corpus has
// structure worth learning — word order, words that go with their topic — so the model's attention
// and predictions show something after a thousand small steps; it is far from a real model, and the
// chapters say which figures came from which.
#pragma once
#include <stdlib.h>  // mkdtemp

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bert/config.h"
#include "bert/task/registry.h"
#include "bert/train/corpus_feed.h"
#include "bert/train/trainer.h"
#include "core/rng.h"

namespace learn {

// A directory under the system's temporary directory, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nnbert-learn-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One topic of the generated corpus: the words its sentences are made of.
struct Topic {
  std::string name;
  std::vector<std::string> nouns, verbs, adjectives, places;
};

inline const std::vector<Topic>& topics() {
  static const std::vector<Topic> t = {
      {"animals", {"cat", "dog", "horse", "bird", "fox"}, {"sleeps", "eats", "jumps", "hides"},
       {"small", "brown", "quick", "lazy"}, {"barn", "field", "forest"}},
      {"cooking", {"soup", "bread", "cake", "sauce", "salad"}, {"boils", "bakes", "cools", "burns"},
       {"warm", "sweet", "fresh", "thick"}, {"kitchen", "oven", "pot"}},
      {"computers", {"compiler", "program", "kernel", "server", "parser"}, {"crashes", "compiles", "starts", "stops"},
       {"fast", "new", "old", "buggy"}, {"cloud", "terminal", "lab"}},
  };
  return t;
}

// A sentence about `topic`, drawn with gen: one of four templates filled with the topic's words.
inline std::string topic_sentence(const Topic& topic, nn::Generator& gen) {
  const auto pick = [&](const std::vector<std::string>& words) {
    return words[static_cast<size_t>(gen.randint(0, static_cast<int64_t>(words.size()) - 1))];
  };
  switch (gen.randint(0, 3)) {
    case 0: return "the " + pick(topic.adjectives) + " " + pick(topic.nouns) + " " + pick(topic.verbs) + " in the " + pick(topic.places) + " .";
    case 1: return "a " + pick(topic.nouns) + " " + pick(topic.verbs) + " .";
    case 2: return "every " + pick(topic.adjectives) + " " + pick(topic.nouns) + " " + pick(topic.verbs) + " near the " + pick(topic.places) + " .";
    default: return "the " + pick(topic.nouns) + " in the " + pick(topic.places) + " is " + pick(topic.adjectives) + " .";
  }
}

// Writes `documents` documents (each on one topic, 3 to 6 sentences, one per line, a blank line
// between documents: Google's pretraining format) to path.
inline void write_topic_corpus(const std::string& path, int documents, uint64_t seed) {
  std::ofstream out(path);
  nn::Generator gen(seed);
  for (int d = 0; d < documents; ++d) {
    const Topic& topic = topics()[static_cast<size_t>(d) % topics().size()];
    const int64_t n = gen.randint(3, 6);
    for (int64_t s = 0; s < n; ++s) out << topic_sentence(topic, gen) << "\n";
    out << "\n";
  }
}

struct TinyRun {
  std::string dir;            // the checkpoint directory (config.json, vocab.txt, model.safetensors)
  std::vector<double> steps;  // logged steps and their training loss
  std::vector<double> losses;
};

// Pretrains a tiny BERT (2 layers, hidden 32, 2 heads, feed-forward 64, no dropout; batches of 32
// sequences of 16 tokens) for `steps` steps on a generated corpus, into `dir`: objective "mlm"
// (BertForMaskedLM), "mlm+nsp" (BertForPreTraining) or "clm" (BertLMHeadModel). Progress goes to
// stderr; the logged losses are returned. 1200 steps take about 2 s on one core.
inline TinyRun train_tiny_model(const std::string& dir, const std::string& objective = "mlm", int steps = 1200) {
  const std::string corpus = (std::filesystem::path(dir) / "corpus.txt").string();
  write_topic_corpus(corpus, 300, 7);
  bert::TrainConfig cfg;
  cfg.objective = bert::parse_objective(objective);
  cfg.batch_size = 32;
  cfg.seq_len = 16;  // one sentence per sequence: cheap steps, so more of them
  cfg.total_steps = steps;
  cfg.lr = 5e-3;
  cfg.warmup_steps = steps / 10;
  cfg.eval_every = 0;
  cfg.save_every = 0;
  cfg.log_every = 5;
  cfg.seed = 1;
  cfg.out_dir = (std::filesystem::path(dir) / "model").string();
  bert::FeedOptions feed_options = cfg.data_options;
  feed_options.eval_fraction = 0.05;
  feed_options.group_by_length = 0;
  std::unique_ptr<bert::CorpusFeed> data = bert::CorpusFeed::open({corpus}, "", 320, cfg, feed_options);
  bert::BertConfig mc = bert::BertConfig::preset("tiny", data->vocab_size());
  mc.num_hidden_layers = 2;
  mc.hidden_size = 32;
  mc.num_attention_heads = 2;
  mc.intermediate_size = 64;
  mc.max_position_embeddings = cfg.seq_len;
  mc.hidden_dropout_prob = mc.attention_probs_dropout_prob = 0.f;
  mc.is_decoder = cfg.objective == bert::Objective::clm;
  std::unique_ptr<bert::TaskModel> model = bert::make_task_model(bert::architecture_for(cfg.objective), mc, cfg.seed);
  bert::Trainer trainer(*model, cfg, data->feed(cfg));
  TinyRun run;
  run.dir = cfg.out_dir;
  trainer.run([&](const bert::ProgressEvent& e) {
    if (e.kind != bert::ProgressEvent::Kind::Step) return;
    run.steps.push_back(static_cast<double>(e.step));
    run.losses.push_back(e.loss);
  });
  std::fprintf(stderr, "tiny %s model: %d steps, training loss %.3f → %.3f, in %s\n", objective.c_str(), steps,
               run.losses.empty() ? 0.0 : run.losses.front(), run.losses.empty() ? 0.0 : run.losses.back(),
               run.dir.c_str());
  return run;
}

// The checkpoint a program looks at: `given` when not empty, else a tiny model of `objective`
// trained for `steps` steps into tmp. Says which on stdout. When the environment names a directory
// in NNBERT_LEARN_TINY_CACHE, the tiny model is kept there and the next program that asks for the
// same one reuses it (the learn_examples test and docs/learn/make-figures.sh train each once).
inline std::string model_or_tiny(const std::string& given, const TempDir& tmp, const std::string& objective = "mlm",
                                 int steps = 1200) {
  if (!given.empty()) {
    std::printf("model: %s\n", given.c_str());
    return given;
  }
  std::string dir = tmp.path();
  if (const char* cache = std::getenv("NNBERT_LEARN_TINY_CACHE")) {
    dir = (std::filesystem::path(cache) / (objective + "-" + std::to_string(steps))).string();
    const std::string model = (std::filesystem::path(dir) / "model").string();
    if (std::filesystem::exists(std::filesystem::path(model) / "model.safetensors")) {
      std::printf("model: a tiny %s model trained on a generated corpus (%d steps, kept in %s; pass --model DIR for a real one)\n",
                  objective.c_str(), steps, cache);
      return model;
    }
    std::filesystem::remove_all(dir);  // an unfinished run
    std::filesystem::create_directories(dir);
  }
  const TinyRun run = train_tiny_model(dir, objective, steps);
  std::printf("model: a tiny %s model trained just now on a generated corpus (%d steps; pass --model DIR for a real one)\n",
              objective.c_str(), steps);
  return run.dir;
}

}  // namespace learn
