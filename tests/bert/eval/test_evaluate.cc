// test_evaluate.cc — language-model evaluation against its definitions: the window rule worked by
// hand, log-probabilities of hand-made logits, causal scores against one full forward per target
// with log-softmax computed here, pseudo-log-likelihood against one full forward per masked copy,
// the per-character figures of a file counted by hand, and the trainer's held-out bits per
// character against `evaluate`'s.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <unistd.h>

#include "bert/eval/baselines.h"
#include "bert/eval/causal_score.h"
#include "bert/eval/causal_windows.h"
#include "bert/eval/eval_text.h"
#include "bert/eval/evaluate.h"
#include "bert/eval/pseudo_ll.h"
#include "bert/train/corpus_feed.h"
#include "core/autograd.h"
#include "core/ops.h"

using namespace bert;
using nn::Tensor;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("nnbert_eval_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// The vocabulary of the file tests: ids 0–4 specials, then words.
const char* kVocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n,\n!\nthe\ncat\nsat\n.\n";
constexpr int64_t kVocabSize = 13;

BertConfig tiny_config(bool decoder, int64_t max_pos) {
  BertConfig c;
  c.vocab_size = kVocabSize;
  c.hidden_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = max_pos;
  c.hidden_dropout_prob = c.attention_probs_dropout_prob = 0.f;
  c.is_decoder = decoder;
  return c;
}

// Weights larger than the default init, so predictions depend strongly on context.
void randomize(nn::Module& m) {
  for (const nn::NamedParameter& p : m.named_parameters()) {
    const std::vector<float> v = Tensor::randn(p.tensor->shape(), std::hash<std::string>{}(p.name), 0.f, 0.5f).to_vector();
    std::copy(v.begin(), v.end(), p.tensor->data());
  }
}

std::unique_ptr<BertLMHeadModel> causal_model(int64_t max_pos) {
  auto m = std::make_unique<BertLMHeadModel>(tiny_config(true, max_pos), 7);
  randomize(*m);
  return m;
}

std::unique_ptr<BertForMaskedLM> masked_model(int64_t max_pos) {
  auto m = std::make_unique<BertForMaskedLM>(tiny_config(false, max_pos), 11);
  randomize(*m);
  return m;
}

// −log softmax(row)[target] of one row, in double, straight from the definition.
double nll(const std::vector<float>& row, int64_t target) {
  double z = 0;
  for (const float x : row) z += std::exp(static_cast<double>(x));
  return std::log(z) - static_cast<double>(row[static_cast<size_t>(target)]);
}

// −log p(stream[i] | stream[begin, i)) from one unbatched full forward of the context alone.
double causal_nll(const BertLMHeadModel& m, const std::vector<int64_t>& stream, int64_t begin, int64_t i) {
  nn::NoGradGuard no_grad;
  const std::vector<int64_t> ctx(stream.begin() + begin, stream.begin() + i);
  const auto T = static_cast<int64_t>(ctx.size());
  const Tensor logits = nn::reshape(m.forward(Tensor::from_ids({1, T}, ctx), Tensor()), {T, kVocabSize});
  return nll(nn::slice(logits, 0, T - 1, T).to_vector(), stream[static_cast<size_t>(i)]);
}

std::vector<int32_t> to32(const std::vector<int64_t>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("causal windows score every token once with the documented context", "[eval][windows]") {
  // N = 10, L = 4, default stride 3: blocks [0,4) [3,7) [6,10) sharing one token.
  auto w = causal_windows(10, 4, 3);
  REQUIRE(w.size() == 3);
  CHECK((w[0].begin == 0 && w[0].first_target == 1 && w[0].end == 4));
  CHECK((w[1].begin == 3 && w[1].first_target == 4 && w[1].end == 7));
  CHECK((w[2].begin == 6 && w[2].first_target == 7 && w[2].end == 10));
  // Stride 1: after the first window, one new token per window with 3 tokens of context.
  w = causal_windows(7, 4, 1);
  REQUIRE(w.size() == 4);
  CHECK((w[0].begin == 0 && w[0].first_target == 1 && w[0].end == 4));
  CHECK((w[1].begin == 1 && w[1].first_target == 4 && w[1].end == 5));
  CHECK((w[3].begin == 3 && w[3].first_target == 6 && w[3].end == 7));
  // Stride 2 over 9 tokens: the last window is cut at the stream's end but keeps L tokens.
  w = causal_windows(9, 4, 2);
  REQUIRE(w.size() == 4);
  CHECK((w[3].begin == 5 && w[3].first_target == 8 && w[3].end == 9));
  // A stream shorter than a window: one window.
  w = causal_windows(3, 8, 7);
  REQUIRE(w.size() == 1);
  CHECK((w[0].begin == 0 && w[0].first_target == 1 && w[0].end == 3));
  // Coverage, for many shapes: each target exactly once, with ≥ L − S tokens of context after
  // the first window.
  for (int64_t N : {2, 5, 17, 40})
    for (int64_t L : {2, 3, 8})
      for (int64_t S = 1; S < L; ++S) {
        std::vector<int> seen(static_cast<size_t>(N), 0);
        const auto ws = causal_windows(N, L, S);
        for (size_t k = 0; k < ws.size(); ++k) {
          CHECK(ws[k].end - ws[k].begin <= L);
          for (int64_t i = ws[k].first_target; i < ws[k].end; ++i) {
            ++seen[static_cast<size_t>(i)];
            if (k > 0) CHECK(ws[k].first_target - ws[k].begin >= std::min(L - S, ws[k].first_target));
          }
        }
        CHECK(seen[0] == 0);
        for (int64_t i = 1; i < N; ++i) CHECK(seen[static_cast<size_t>(i)] == 1);
      }
  CHECK_THROWS_WITH(causal_windows(1, 4, 3), Catch::Contains("at least 2 are needed"));
  CHECK_THROWS_WITH(causal_windows(10, 4, 4), Catch::Contains("stride must be in [1, 3]"));
  CHECK_THROWS_WITH(causal_windows(10, 1, 1), Catch::Contains("at least 2"));
}

TEST_CASE("window batches pad and label by the shifted convention", "[eval][windows]") {
  const std::vector<int32_t> stream = {3, 5, 6, 7, 3, 8};
  const std::vector<ScoreWindow> ws = {{0, 1, 4}, {3, 4, 6}};
  const Batch b = window_batch(stream, ws, 0);
  CHECK(b.input_ids.to_ids() == std::vector<int64_t>{3, 5, 6, 7, 7, 3, 8, 0});
  CHECK(b.attention_mask.to_ids() == std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1, 0});
  CHECK(b.labels.to_ids() == std::vector<int64_t>{-100, 5, 6, 7, -100, 3, 8, -100});
}

TEST_CASE("row scores are −log softmax and argmax hits", "[eval][rows]") {
  // Row 0: equal logits → p = 1/2, argmax the lower id 0. Row 1: logits (ln 3, 0) → p(0) = 3/4.
  const float ln3 = std::log(3.f);
  const LMScore s = score_rows(Tensor::from_data({2, 2}, {0.f, 0.f, ln3, 0.f}), std::vector<int64_t>{1, 0});
  CHECK(s.tokens == 2);
  CHECK(s.correct == 1);  // row 0 predicts 0 (target 1), row 1 predicts 0 (target 0)
  CHECK(s.nats == Approx(std::log(2.0) + std::log(4.0 / 3.0)).epsilon(1e-6));
  // Large logits do not overflow (log-sum-exp is max-subtracted).
  const LMScore big = score_rows(Tensor::from_data({1, 2}, {1000.f, 1000.f}), std::vector<int64_t>{0});
  CHECK(big.nats == Approx(std::log(2.0)));
  CHECK_THROWS_WITH(score_rows(Tensor::from_data({1, 2}, {0.f, 0.f}), std::vector<int64_t>{2}),
                    Catch::Contains("outside [0, 2)"));
  CHECK_THROWS_WITH(score_rows(Tensor::from_data({1, 2}, {0.f, 0.f}), std::vector<int64_t>{0, 1}),
                    Catch::Contains("1 rows of logits but 2 targets"));
}

TEST_CASE("characters are UTF-8 code points; the causal stream brackets documents with [SEP]", "[eval][text]") {
  CHECK(count_utf8_chars("") == 0);
  CHECK(count_utf8_chars("ab\n") == 3);
  CHECK(count_utf8_chars("h\xc3\xa9llo") == 5);        // é is 2 bytes
  CHECK(count_utf8_chars("\xe6\x97\xa5\xe6\x9c\xac") == 2);  // 日本
  CHECK(count_utf8_chars("\xf0\x9f\x98\x80!") == 2);   // an emoji (4 bytes) and !
  Corpus c;
  const std::vector<std::vector<int32_t>> d1 = {{5, 6}, {7}}, d2 = {{8}};
  c.add_document(d1);
  c.add_document(d2);
  CHECK(causal_stream(c, 3) == std::vector<int32_t>{3, 5, 6, 7, 3, 8, 3});
}

TEST_CASE("causal scores equal one full forward per target with the window's context", "[eval][causal]") {
  const auto owned = causal_model(8);
  const BertLMHeadModel& model = *owned;
  std::vector<int64_t> stream = {3};
  for (int i = 0; i < 20; ++i) stream.push_back(5 + (i * 7 + i * i) % 8);
  const auto N = static_cast<int64_t>(stream.size());
  for (const int64_t stride : {7, 3, 1}) {
    // Context of target i by the rule, written out here: the first window holds targets 1..7 from
    // position 0; afterwards targets come `stride` at a time, each window the 8 tokens ending with them.
    double want = 0;
    for (int64_t i = 1; i < N; ++i) {
      int64_t begin = 0;
      if (i >= 8) {
        const int64_t group_end = std::min(N, 8 + ((i - 8) / stride + 1) * stride);
        begin = group_end - 8;
      }
      want += causal_nll(model, stream, begin, i);
    }
    for (const int64_t batch : {1, 3}) {
      CausalScoreOptions o;
      o.stride = stride;
      o.batch_size = batch;
      int64_t last_done = 0, last_total = 0;
      const LMScore got = score_causal(model, to32(stream), o, [&](int64_t d, int64_t t) {
        CHECK(d > last_done);
        last_done = d;
        last_total = t;
      });
      INFO("stride " << stride << " batch " << batch);
      CHECK(got.tokens == N - 1);
      CHECK(last_done == N - 1);
      CHECK(last_total == N - 1);
      CHECK(got.nats == Approx(want).epsilon(1e-5));
    }
  }
  CausalScoreOptions too_long;
  too_long.max_len = 9;
  CHECK_THROWS_WITH(score_causal(model, to32(stream), too_long), Catch::Contains("exceed the model's 8 positions"));
  CHECK_THROWS_WITH(score_causal(*masked_model(8), to32(stream), {}), Catch::Contains("needs a causal BertLMHeadModel"));
}

TEST_CASE("pseudo-log-likelihood masks each token in turn within its block", "[eval][pll]") {
  const auto owned = masked_model(6);
  const BertForMaskedLM& model = *owned;  // blocks of 4 tokens + [CLS] [SEP]
  Corpus docs;
  const std::vector<std::vector<int32_t>> d1 = {{5, 6, 7}, {8, 9, 10}}, d2 = {{11, 12}};
  docs.add_document(d1);  // 6 tokens → blocks {5 6 7 8} and {9 10}
  docs.add_document(d2);  // 2 tokens → block {11 12}
  SpecialIds sp;
  sp.pad = 0, sp.unk = 1, sp.cls = 2, sp.sep = 3, sp.mask = 4;
  const std::vector<std::vector<int64_t>> blocks = {{5, 6, 7, 8}, {9, 10}, {11, 12}};
  double want = 0;
  int64_t want_correct = 0;
  std::vector<double> per_token;
  {
    nn::NoGradGuard no_grad;
    for (const auto& block : blocks)
      for (size_t k = 0; k < block.size(); ++k) {
        std::vector<int64_t> ids = {2};
        ids.insert(ids.end(), block.begin(), block.end());
        ids.push_back(3);
        ids[k + 1] = 4;
        const auto T = static_cast<int64_t>(ids.size());
        const Tensor logits = nn::reshape(model.forward_all(Tensor::from_ids({1, T}, ids), Tensor(), Tensor()).prediction_logits,
                                          {T, kVocabSize});
        const std::vector<float> row = nn::slice(logits, 0, static_cast<int64_t>(k) + 1, static_cast<int64_t>(k) + 2).to_vector();
        per_token.push_back(nll(row, block[k]));
        want += per_token.back();
        want_correct += std::max_element(row.begin(), row.end()) - row.begin() == block[k];
      }
  }
  for (const int64_t batch : {1, 3, 32}) {
    PseudoLLOptions o;
    o.batch_size = batch;
    const LMScore got = score_pseudo_ll(model, docs, sp, o);
    INFO("batch " << batch);
    CHECK(got.tokens == 8);
    CHECK(got.correct == want_correct);
    CHECK(got.nats == Approx(want).epsilon(1e-5));
  }
  PseudoLLOptions first5;
  first5.max_tokens = 5;
  const LMScore five = score_pseudo_ll(model, docs, sp, first5);
  CHECK(five.tokens == 5);
  CHECK(five.nats == Approx(per_token[0] + per_token[1] + per_token[2] + per_token[3] + per_token[4]).epsilon(1e-5));
  CHECK_THROWS_WITH(score_pseudo_ll(*causal_model(6), docs, sp, {}), Catch::Contains("needs a masked-LM model"));
}

TEST_CASE("evaluate_file: loss, nats and bits per character of a file worked by hand", "[eval][file]") {
  TempDir dir;
  write(dir.path / "vocab.txt", kVocab);
  // 27 characters (newlines included); documents "hello , world !" and "world hello".
  const std::string text = "Hello, world!\n\nworld hello\n";
  write(dir.path / "a.txt", text);
  const Tokenizer tok = Tokenizer::load((dir.path / "vocab.txt").string());
  const auto owned = causal_model(16);
  const BertLMHeadModel& model = *owned;
  // The stream [SEP] hello , world ! [SEP] world hello [SEP] fits one window: one full forward.
  const std::vector<int64_t> stream = {3, 5, 7, 6, 8, 3, 6, 5, 3};
  double want = 0;
  for (int64_t i = 1; i < 9; ++i) want += causal_nll(model, stream, 0, i);
  const FileEvaluation f = evaluate_file(model, tok, (dir.path / "a.txt").string(), {});
  CHECK(f.chars == 27);
  CHECK(f.bytes == 27);
  CHECK(f.text_tokens == 6);
  CHECK(f.unk_tokens == 0);
  CHECK(f.score.tokens == 8);
  CHECK(f.score.nats == Approx(want).epsilon(1e-5));
  const nlohmann::json j = nlohmann::json::parse(evaluation_json("m", model, {}, {f}));
  const auto& t = j["total"];
  CHECK(t["loss"].get<double>() == Approx(want / 8).epsilon(1e-5));
  CHECK(t["perplexity"].get<double>() == Approx(std::exp(want / 8)).epsilon(1e-5));
  CHECK(t["nats_per_char"].get<double>() == Approx(want / 27).epsilon(1e-5));
  CHECK(t["bits_per_char"].get<double>() == Approx(want / 27 / std::log(2.0)).epsilon(1e-5));
  CHECK(j["scoring"]["window"] == 16);
  CHECK(j["scoring"]["stride"] == 15);
  // Two files: the total adds nats and characters.
  const nlohmann::json two = nlohmann::json::parse(evaluation_json("m", model, {}, {f, f}));
  CHECK(two["total"]["chars"] == 54);
  CHECK(two["total"]["bits_per_char"].get<double>() == Approx(want / 27 / std::log(2.0)).epsilon(1e-5));
  CHECK(two["files"].size() == 2);

  write(dir.path / "empty.txt", "");
  CHECK_THROWS_WITH(evaluate_file(model, tok, (dir.path / "empty.txt").string(), {}), Catch::Contains("the file is empty"));
  write(dir.path / "blank.txt", "\n\n  \n");
  CHECK_THROWS_WITH(evaluate_file(model, tok, (dir.path / "blank.txt").string(), {}), Catch::Contains("no text"));
  CHECK_THROWS_WITH(evaluate_file(model, tok, (dir.path / "missing.txt").string(), {}), Catch::Contains("missing.txt"));
  CHECK_THROWS_WITH(evaluate_file(model, tok, dir.path.string(), {}), Catch::Contains("is a directory"));
  EvaluateOptions limited;
  limited.max_tokens = 3;
  CHECK_THROWS_WITH(evaluate_file(model, tok, (dir.path / "a.txt").string(), limited), Catch::Contains("--max-tokens"));
}

TEST_CASE("pretraining's held-out bits per character equal evaluate's", "[eval][trainer]") {
  TempDir dir;
  write(dir.path / "vocab.txt", kVocab);
  write(dir.path / "train.txt", "the cat sat.\n\nhello, world!\n\nthe cat sat, hello!\n");
  const std::string held_out = "hello world, the cat sat.\nthe cat!\n\nworld, hello. the cat sat!\n\nhello the cat.\n";
  write(dir.path / "held.txt", held_out);
  TrainConfig cfg;
  cfg.objective = Objective::clm;
  cfg.seq_len = 8;
  cfg.batch_size = 2;
  cfg.out_dir = (dir.path / "run").string();
  FeedOptions fo;
  fo.eval_file = (dir.path / "held.txt").string();
  auto data = CorpusFeed::open({(dir.path / "train.txt").string()}, (dir.path / "vocab.txt").string(), 0, cfg, fo);
  const auto owned = causal_model(8);
  BertLMHeadModel& model = *owned;
  Trainer trainer(model, cfg, data->feed(cfg));
  const EvalReport r = trainer.evaluate();
  const Tokenizer tok = Tokenizer::load((dir.path / "vocab.txt").string());
  EvaluateOptions eo;
  eo.max_len = 8;
  const FileEvaluation f = evaluate_file(model, tok, fo.eval_file, eo);
  CHECK(f.chars == static_cast<int64_t>(held_out.size()));
  CHECK(r.predictions == f.score.tokens);
  CHECK(r.get("loss") == Approx(f.score.nats / static_cast<double>(f.score.tokens)).epsilon(1e-5));
  CHECK(r.get("nats_per_char") == Approx(f.score.nats / static_cast<double>(f.chars)).epsilon(1e-5));
  CHECK(r.get("bits_per_char") == Approx(r.get("nats_per_char") / std::numbers::ln2).epsilon(1e-9));
}

TEST_CASE("frequency baselines: the most frequent token's accuracy and the unigram loss, by hand", "[eval][baselines]") {
  // Training counts of ids 0..3: 5, 3, 0, 2 (Σ 10); add-one smoothing gives p = (c + 1) / 14:
  // p(0) = 6/14, p(1) = 4/14, p(3) = 3/14. Targets 1, 0, (ignored), 3, 0: the top id 0 is right twice
  // in four, and the loss is −(ln 4/14 + ln 6/14 + ln 3/14 + ln 6/14) / 4.
  const std::vector<int64_t> counts = {5, 3, 0, 2};
  const std::vector<int64_t> targets = {1, 0, -100, 3, 0};
  const FrequencyBaselines b = frequency_baselines(counts, targets);
  CHECK(b.top_id == 0);
  CHECK(b.targets == 4);
  CHECK(b.top_accuracy == 0.5);
  const double expected = -(std::log(4.0 / 14) + std::log(6.0 / 14) + std::log(3.0 / 14) + std::log(6.0 / 14)) / 4;
  CHECK(b.unigram_loss == Approx(expected).epsilon(1e-12));
  CHECK_THROWS_WITH(frequency_baselines(counts, std::vector<int64_t>{4}), Catch::Contains("outside the vocabulary"));
}

TEST_CASE("token counts leave out the special tokens", "[eval][baselines]") {
  Corpus c;
  c.add_document(std::vector<std::vector<int32_t>>{{1, 2, 2}, {3, 2}});
  c.add_document(std::vector<std::vector<int32_t>>{{3, 1}});
  const int32_t specials[] = {3};
  CHECK(token_counts(c, 5, specials) == std::vector<int64_t>{0, 2, 3, 0, 0});
}
