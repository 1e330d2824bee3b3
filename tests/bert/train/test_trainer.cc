// test_trainer.cc — the training loop end to end: exact resume, overfitting a small corpus,
// recovery from an interrupted save, and the stops and errors a user can meet.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "bert/checkpoint.h"
#include "bert/model/task_models.h"
#include "bert/train/corpus_feed.h"
#include "nn/io/safetensors.h"
#include "bert/train/synthetic.h"
#include "bert/train/run_dir.h"
#include "bert/train/trainer.h"

using namespace bert;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int n = 0;
    path = fs::temp_directory_path() / ("nnbert_train_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

BertConfig small_config(int64_t vocab) {
  BertConfig c;
  c.vocab_size = vocab;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 64;
  c.max_position_embeddings = 64;
  c.hidden_dropout_prob = 0.1f;  // dropout on: resume must reproduce the masks too
  c.attention_probs_dropout_prob = 0.1f;
  return c;
}

std::unique_ptr<TaskModel> new_pretraining(const BertConfig& c, uint64_t seed) {
  auto m = std::make_unique<BertForPreTraining>(c, seed);
  return m;
}

TrainConfig synthetic_config(const fs::path& out, int64_t steps) {
  TrainConfig t;
  t.batch_size = 4;
  t.seq_len = 16;
  t.total_steps = steps;
  t.lr = 1e-3;
  t.warmup_steps = 2;
  t.eval_every = 0;
  t.save_every = 0;
  t.log_every = 1;
  t.out_dir = out.string();
  return t;
}

// step → loss from a run's metrics.jsonl.
std::map<int64_t, double> losses(const fs::path& dir) {
  std::map<int64_t, double> out;
  std::ifstream in(dir / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    out[j["step"].get<int64_t>()] = j["loss"].get<double>();
  }
  return out;
}

void quiet(const ProgressEvent&) {}

}  // namespace

TEST_CASE("a run stopped and resumed gives the uninterrupted run's losses exactly", "[trainer]") {
  TempDir a, b;
  const BertConfig c = small_config(60);
  {
    auto m = new_pretraining(c, 1);
    Trainer t(*m, synthetic_config(a.path, 8), synthetic_feed(60, 4, 16, 5));
    t.run(quiet);
  }
  {
    auto m = new_pretraining(c, 1);
    Trainer t(*m, synthetic_config(b.path, 8), synthetic_feed(60, 4, 16, 5));
    Trainer::clear_stop();
    const TrainSummary s = t.run([](const ProgressEvent& e) {
      if (e.kind == ProgressEvent::Kind::Step && e.step == 3) Trainer::request_stop();
    });
    Trainer::clear_stop();
    CHECK(s.interrupted);
    CHECK(s.steps == 3);  // the step under way finishes, then the run saves and stops
  }
  REQUIRE(fs::exists(b.path / "checkpoint-3" / "trainer_state.json"));
  {
    auto m = new_pretraining(c, 99);  // different init: everything must come from the checkpoint
    Trainer t(*m, synthetic_config(b.path, 8), synthetic_feed(60, 4, 16, 5));
    t.resume(b.path.string());
    CHECK(t.step() == 3);
    t.run(quiet);
  }
  const auto la = losses(a.path), lb = losses(b.path);
  REQUIRE(la.size() == 8);
  REQUIRE(lb.size() == 8);
  for (const auto& [step, loss] : la) {
    INFO("step " << step);
    CHECK(lb.at(step) == loss);  // bit-identical
  }
}

TEST_CASE("synthetic batches hide their masked tokens behind the mask id", "[trainer]") {
  // A masked model that saw the tokens it must predict would learn to copy them (held-out MLM
  // accuracy 1.000 at any loss): the input holds kSyntheticMask there, the labels the ids.
  DataFeed feed = synthetic_feed(60, 4, 16, 5);
  const Batch b = feed.next();
  const int64_t* ids = b.input_ids.ids();
  const int64_t* pos = b.masked_positions.ids();
  const int64_t* labels = b.masked_labels.ids();
  const int64_t* causal = b.labels.ids();
  REQUIRE(b.masked_positions.numel() == 4 * 2);  // 15% of 16, rounded: 2 per row
  std::vector<bool> masked(static_cast<size_t>(b.input_ids.numel()), false);
  for (int64_t i = 0; i < b.masked_positions.numel(); ++i) {
    CHECK(ids[pos[i]] == kSyntheticMask);
    CHECK(labels[i] >= 5);
    CHECK(causal[pos[i]] == labels[i]);  // the causal labels keep every id
    masked[static_cast<size_t>(pos[i])] = true;
  }
  for (int64_t i = 0; i < b.input_ids.numel(); ++i)
    if (!masked[static_cast<size_t>(i)]) CHECK(ids[i] == causal[i]);
}

TEST_CASE("pretraining overfits a small corpus (MLM accuracy above 0.9)", "[trainer][corpus]") {
  TempDir dir;
  const fs::path corpus = dir.path / "tiny.txt";
  {
    std::ofstream out(corpus);
    const char* docs[][3] = {{"the cat sat on the mat.", "the dog ate the bone.", "a bird sang in the tree."},
                             {"compilers translate source code.", "linkers join object files.", "loaders map programs."},
                             {"red green blue are colours.", "one two three are numbers.", "up down left are moves."}};
    for (auto& d : docs) out << d[0] << "\n" << d[1] << "\n" << d[2] << "\n\n";
  }
  TrainConfig cfg = synthetic_config(dir.path / "run", 1500);
  cfg.objective = Objective::mlm;
  cfg.batch_size = 16;
  cfg.seq_len = 32;
  cfg.lr = 4e-3;
  cfg.schedule = "constant";
  cfg.warmup_steps = 20;
  cfg.log_every = 20;
  auto feed = CorpusFeed::open({corpus.string()}, "", 60, cfg, 0.0);
  BertConfig c = small_config(feed->vocab_size());
  c.hidden_dropout_prob = c.attention_probs_dropout_prob = 0.f;
  c.hidden_size = 64;
  c.num_attention_heads = 4;
  c.intermediate_size = 128;
  auto m = std::make_unique<BertForMaskedLM>(c, 3);
  Trainer t(*m, cfg, feed->feed(cfg));
  double last_acc = 0;
  t.run([&](const ProgressEvent& e) {
    if (e.kind == ProgressEvent::Kind::Step) last_acc = e.stats.at(1).second;  // lm_loss, mlm_acc
  });
  INFO("final training MLM accuracy " << last_acc);
  CHECK(last_acc >= 0.9);
  CHECK(fs::exists(dir.path / "run" / "loss.svg"));
  CHECK(fs::exists(dir.path / "run" / "model.safetensors"));
}

TEST_CASE("read_state refuses floats out of int64's range and deep nesting", "[trainer]") {
  using Catch::Matchers::Contains;
  TempDir dir;
  const fs::path ckpt = dir.path / "checkpoint-1";
  fs::create_directories(ckpt);
  auto state_with = [&](const std::string& text) {
    std::ofstream(ckpt / "trainer_state.json") << text;
    return run_dir::read_state(ckpt.string());
  };
  // nlohmann's cast of such a float into an int64 field was undefined behaviour (fuzz_trainer_state).
  REQUIRE_THROWS_WITH(state_with(R"({"step": 1e300, "train_config": {}})"), Contains("out of range"));
  REQUIRE_THROWS_WITH(state_with(R"({"step": 1, "train_config": {"batch_size": -1e19}})"), Contains("out of range"));
  REQUIRE_THROWS_WITH(state_with(R"({"step": 1, "train_config": {"corpus": )" + std::string(100000, '[') +
                                 std::string(100000, ']') + "}}"),
                      Contains("nested too deeply"));
  CHECK(state_with(R"({"step": 2, "train_config": {}})").step == 2);
}

TEST_CASE("leftovers of an interrupted save are removed and never resumed from", "[trainer]") {
  TempDir dir;
  const BertConfig c = small_config(60);
  {
    auto m = new_pretraining(c, 1);
    Trainer t(*m, synthetic_config(dir.path, 2), synthetic_feed(60, 4, 16, 5));
    t.run(quiet);
  }
  // A crash during the save of step 3: a half-written checkpoint directory and a temp file.
  fs::create_directories(dir.path / "checkpoint-3.tmp");
  std::ofstream(dir.path / "checkpoint-3.tmp" / "model.safetensors") << "partial";
  std::ofstream(dir.path / "metrics.jsonl.tmp.999999") << "partial";
  CHECK(run_dir::latest_checkpoint(dir.path.string()) == (dir.path / "checkpoint-2").string());
  auto m = new_pretraining(c, 1);
  Trainer t(*m, synthetic_config(dir.path, 3), synthetic_feed(60, 4, 16, 5));
  t.resume(dir.path.string());
  CHECK(t.step() == 2);
  t.run(quiet);
  CHECK_FALSE(fs::exists(dir.path / "checkpoint-3.tmp"));
  CHECK_FALSE(fs::exists(dir.path / "metrics.jsonl.tmp.999999"));
  CHECK(fs::exists(dir.path / "checkpoint-3" / "trainer_state.json"));
}

TEST_CASE("rotation keeps the checkpoint just saved and deletes out of the checkpoint names", "[trainer]") {
  TempDir dir;
  const auto make = [&](const std::string& name) {
    fs::create_directories(dir.path / name);
    std::ofstream(dir.path / name / "trainer_state.json") << "{}";
  };
  const auto names = [&] {
    std::vector<std::string> all;
    for (const auto& e : fs::directory_iterator(dir.path)) all.push_back(e.path().filename().string());
    std::sort(all.begin(), all.end());
    return all;
  };
  // A run resumed from checkpoint-3 while checkpoint-9 (an abandoned later state) exists saves
  // checkpoint-5: with --keep 1 that is the one kept, not checkpoint-9.
  make("checkpoint-3");
  make("checkpoint-9");
  make("checkpoint-5");
  run_dir::rotate(dir.path.string(), 1, 5);
  CHECK(names() == std::vector<std::string>{"checkpoint-5"});
  make("checkpoint-6");
  make("checkpoint-8");
  run_dir::rotate(dir.path.string(), 2, 8);
  CHECK(names() == std::vector<std::string>{"checkpoint-6", "checkpoint-8"});
  // A deletion cut short by a crash left its directory under a leftover name: never a checkpoint,
  // removed with the other leftovers.
  make("checkpoint-7.discarded.tmp");
  CHECK(run_dir::latest_checkpoint(dir.path.string()) == (dir.path / "checkpoint-8").string());
  run_dir::remove_leftovers(dir.path.string());
  CHECK(names() == std::vector<std::string>{"checkpoint-6", "checkpoint-8"});
  run_dir::discard((dir.path / "checkpoint-8").string());
  run_dir::discard((dir.path / "checkpoint-8").string());  // gone already: nothing to do
  CHECK(names() == std::vector<std::string>{"checkpoint-6"});
}

TEST_CASE("a diverging loss stops with a clear message and keeps the last checkpoint", "[trainer]") {
  TempDir dir;
  const BertConfig c = small_config(60);
  auto m = new_pretraining(c, 1);
  TrainConfig cfg = synthetic_config(dir.path, 50);
  cfg.lr = 1e30;  // the first update sends the weights to infinity
  cfg.warmup_steps = 0;
  cfg.max_grad_norm = 1e30;
  cfg.save_every = 1;
  Trainer t(*m, cfg, synthetic_feed(60, 4, 16, 5));
  REQUIRE_THROWS_WITH(t.run(quiet), Catch::Contains("training stopped: the") && Catch::Contains("last good checkpoint"));
  CHECK_FALSE(run_dir::latest_checkpoint(dir.path.string()).empty());
}

TEST_CASE("save_bf16 writes the final weights in bf16, the checkpoints in fp32", "[trainer]") {
  TempDir dir;
  const BertConfig c = small_config(60);
  auto m = new_pretraining(c, 1);
  TrainConfig cfg = synthetic_config(dir.path, 2);
  cfg.save_bf16 = true;
  cfg.save_every = 2;
  Trainer t(*m, cfg, synthetic_feed(60, 4, 16, 5));
  t.run(quiet);
  const auto dtype_of = [](const fs::path& file) {
    return nn::SafeTensorsFile::open(file.string()).info("bert.embeddings.word_embeddings.weight").dtype;
  };
  CHECK(dtype_of(dir.path / "model.safetensors") == "BF16");
  CHECK(dtype_of(dir.path / "checkpoint-2" / "model.safetensors") == "F32");
  // The bf16 model loads back to the trained weights rounded to bf16 (8 significant bits: relative
  // error at most half an ulp, 2^-8).
  const std::unique_ptr<TaskModel> back = load_pretrained(dir.path.string());
  const std::vector<float> trained = m->named_parameters().at(0).tensor->to_vector();
  const std::vector<float> loaded = back->named_parameters().at(0).tensor->to_vector();
  REQUIRE(trained.size() == loaded.size());
  size_t differ = 0;
  for (size_t i = 0; i < trained.size(); ++i) {
    CHECK(std::abs(loaded[i] - trained[i]) <= std::abs(trained[i]) * 0x1p-8f);
    differ += loaded[i] != trained[i];
  }
  CHECK(differ > 0);  // really rounded, not a copy of the fp32 weights
}

TEST_CASE("bad output directories and missing checkpoints are clear errors", "[trainer]") {
  TempDir dir;
  std::ofstream(dir.path / "file") << "x";
  const BertConfig c = small_config(60);
  auto m = new_pretraining(c, 1);
  Trainer t(*m, synthetic_config(dir.path / "file" / "run", 2), synthetic_feed(60, 4, 16, 5));
  REQUIRE_THROWS_WITH(t.run(quiet), Catch::Contains("cannot create the output directory"));
  REQUIRE_THROWS_WITH(t.resume((dir.path / "nothing").string()), Catch::Contains("no checkpoint to resume from"));
  TrainConfig cfg = synthetic_config(dir.path / "r", 2);
  REQUIRE_THROWS_WITH(CorpusFeed::open({(dir.path / "missing.txt").string()}, "", 50, cfg, 0.0),
                      Catch::Contains("missing.txt"));
}

namespace {

// A small corpus of three documents for runs that read text.
void write_corpus(const fs::path& path, const char* extra = "") {
  std::ofstream out(path);
  out << "the cat sat on the mat.\nthe dog ate the bone.\na bird sang in the tree.\n\n"
         "compilers translate source code.\nlinkers join object files.\nloaders map programs.\n\n"
         "red green blue are colours.\none two three are numbers.\nup down left are moves.\n"
      << extra;
}

// An MLM run over `corpus` saving every step and keeping two checkpoints.
TrainConfig corpus_config(const fs::path& out, int64_t steps) {
  TrainConfig cfg = synthetic_config(out, steps);
  cfg.objective = Objective::mlm;
  cfg.seq_len = 32;
  cfg.save_every = 1;
  cfg.keep_checkpoints = 2;
  return cfg;
}

// Trains a fresh run on `corpus` until `stop_at` (a stop request after that step, as Ctrl-C).
void start_run(const fs::path& corpus, const fs::path& vocab, const TrainConfig& cfg0, int64_t stop_at) {
  TrainConfig cfg = cfg0;
  auto data = CorpusFeed::open({corpus.string()}, vocab.string(), 60, cfg, 0.0);
  auto m = std::make_unique<BertForMaskedLM>(small_config(data->vocab_size()), 1);
  Trainer t(*m, cfg, data->feed(cfg));
  Trainer::clear_stop();
  t.run([&](const ProgressEvent& e) {
    if (e.kind == ProgressEvent::Kind::Step && e.step == stop_at) Trainer::request_stop();
  });
  Trainer::clear_stop();
}

// Resumes the run in `dir` as `pretrain --resume dir` does, until `stop_at`; corpus_now names the
// corpus's present location when it moved.
int64_t resume_run(const fs::path& dir, int64_t stop_at, const std::string& corpus_now = "") {
  const std::string ckpt = run_dir::find_checkpoint(dir.string());
  TrainConfig cfg = run_dir::prepare_resume(ckpt).config;
  if (!corpus_now.empty()) cfg.corpus = {corpus_now};
  auto data = CorpusFeed::reopen(cfg);
  std::unique_ptr<TaskModel> m = load_pretrained(ckpt);
  Trainer t(*m, cfg, data->feed(cfg));
  t.resume(ckpt);
  const int64_t from = t.step();
  Trainer::clear_stop();
  t.run([&](const ProgressEvent& e) {
    if (e.kind == ProgressEvent::Kind::Step && e.step == stop_at) Trainer::request_stop();
  });
  Trainer::clear_stop();
  return from;
}

}  // namespace

TEST_CASE("a resumed run outlives checkpoint rotation, resumes again, and resumes from a copy", "[trainer][resume]") {
  TempDir dir;
  const fs::path corpus = dir.path / "corpus.txt";
  write_corpus(corpus);
  // The user's vocabulary file: the run copies it, so removing it later must not matter.
  const fs::path user_vocab = dir.path / "user_vocab.txt";
  {
    TrainConfig cfg = corpus_config(dir.path / "vocab_run", 1);
    auto data = CorpusFeed::open({corpus.string()}, "", 60, cfg, 0.0);
    fs::copy_file(cfg.vocab_path, user_vocab);
  }
  const int64_t kSteps = 12;
  start_run(corpus, user_vocab, corpus_config(dir.path / "straight", kSteps), kSteps);
  start_run(corpus, user_vocab, corpus_config(dir.path / "run", kSteps), 3);
  fs::remove(user_vocab);
  // Four more saves (keep 2): the checkpoint resumed from is rotated away, later saves must not need it.
  CHECK(resume_run(dir.path / "run", 7) == 3);
  CHECK_FALSE(fs::exists(dir.path / "run" / "checkpoint-3"));
  CHECK(fs::exists(dir.path / "run" / "checkpoint-7"));
  // The trainer state names nothing outside the run and nothing rotation removes.
  const auto state = nlohmann::json::parse(std::ifstream(dir.path / "run" / "checkpoint-7" / "trainer_state.json"));
  CHECK(state["train_config"]["vocab_path"] == "vocab.txt");
  CHECK(state["train_config"]["out_dir"] == ".");
  // Resume again from the newest checkpoint, then from a copy of the run directory (the original removed).
  CHECK(resume_run(dir.path / "run" / "checkpoint-7", 9) == 7);
  fs::copy(dir.path / "run", dir.path / "copy", fs::copy_options::recursive);
  fs::remove_all(dir.path / "run");
  CHECK(resume_run(dir.path / "copy", kSteps) == 9);
  CHECK(fs::exists(dir.path / "copy" / "checkpoint-12"));
  CHECK(fs::exists(dir.path / "copy" / "model.safetensors"));

  const auto straight = losses(dir.path / "straight"), resumed = losses(dir.path / "copy");
  REQUIRE(straight.size() == static_cast<size_t>(kSteps));
  REQUIRE(resumed.size() == static_cast<size_t>(kSteps));
  for (const auto& [step, loss] : straight) {
    INFO("step " << step);
    CHECK(resumed.at(step) == loss);  // bit-identical
  }
}

TEST_CASE("resuming checks the corpus: moved is fine when named, changed or gone is a clear error", "[trainer][resume]") {
  TempDir dir;
  const fs::path corpus = dir.path / "corpus.txt";
  write_corpus(corpus);
  start_run(corpus, "", corpus_config(dir.path / "run", 10), 2);
  fs::rename(corpus, dir.path / "moved.txt");
  REQUIRE_THROWS_WITH(resume_run(dir.path / "run", 3),
                      Catch::Contains(corpus.string()) && Catch::Contains("no longer exists") &&
                          Catch::Contains("--corpus"));
  CHECK(resume_run(dir.path / "run", 3, (dir.path / "moved.txt").string()) == 2);
  // The new location is recorded: the next resume finds the corpus without being told.
  CHECK(resume_run(dir.path / "run", 4) == 3);
  write_corpus(dir.path / "moved.txt", "\nthe end of a changed corpus.\n");
  REQUIRE_THROWS_WITH(resume_run(dir.path / "run", 5),
                      Catch::Contains("moved.txt") && Catch::Contains("has changed since the run started"));
}

TEST_CASE("a time budget fixes its step count early and decays the learning rate to the end", "[trainer][budget]") {
  TempDir dir;
  const BertConfig c = small_config(60);
  auto m = new_pretraining(c, 1);
  TrainConfig cfg = synthetic_config(dir.path, 0);  // no step count: the budget decides
  cfg.max_minutes = 0.1;                            // 6 s: thousands of steps of this small model
  cfg.warmup_steps = 2;
  cfg.log_every = 1000000;
  Trainer t(*m, cfg, synthetic_feed(60, 4, 16, 5));
  int64_t total = -1, last_step = 0;
  double last_lr = -1;
  const auto start = std::chrono::steady_clock::now();
  t.run([&](const ProgressEvent& e) {
    if (e.kind != ProgressEvent::Kind::Step) return;
    total = e.total_steps;
    last_step = e.step;
    last_lr = e.lr;
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO("fixed " << total << " steps, ran " << last_step << " in " << seconds << " s, last lr " << last_lr);
  CHECK(total > 23);  // fixed after the probe steps
  CHECK(last_step <= total);
  CHECK(seconds < 6 * 1.5);
  // When the fixed count is reached first, the learning rate has decayed to its last, smallest value
  // (on a loaded machine the time limit may come first: how many steps fit is the machine's).
  if (last_step == total) CHECK(last_lr <= cfg.lr / static_cast<double>(total - cfg.warmup_steps) * 1.0001);
  CHECK(run_dir::read_state(run_dir::latest_checkpoint(dir.path.string())).config.total_steps == total);
}

TEST_CASE("an automatic warmup (-1) is 10% of the steps, also when a budget fixes them", "[trainer][budget]") {
  TempDir dir;
  const BertConfig c = small_config(60);
  {  // a step count given: 10% of it
    auto m = new_pretraining(c, 1);
    TrainConfig cfg = synthetic_config(dir.path / "steps", 40);
    cfg.warmup_steps = -1;
    Trainer t(*m, cfg, synthetic_feed(60, 4, 16, 5));
    t.run([](const ProgressEvent&) {});
    CHECK(run_dir::read_state(run_dir::latest_checkpoint((dir.path / "steps").string())).config.warmup_steps == 4);
  }
  {  // a budget: 10% of the count it fixes
    auto m = new_pretraining(c, 1);
    TrainConfig cfg = synthetic_config(dir.path / "budget", 0);
    cfg.max_minutes = 0.05;  // 3 s: even on a loaded machine the count is fixed (after 20+ steps)
    cfg.warmup_steps = -1;
    cfg.log_every = 1000000;
    Trainer t(*m, cfg, synthetic_feed(60, 4, 16, 5));
    t.run([](const ProgressEvent&) {});
    const TrainConfig saved = run_dir::read_state(run_dir::latest_checkpoint((dir.path / "budget").string())).config;
    INFO("fixed " << saved.total_steps << " steps");
    REQUIRE(saved.total_steps > 23);
    CHECK(saved.warmup_steps == std::min<int64_t>(saved.total_steps / 10, 1000));
  }
}
