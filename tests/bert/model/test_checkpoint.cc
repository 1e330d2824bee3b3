// test_checkpoint.cc — checkpoint directories: save → load round trip, the HF name variants a
// loader must accept, errors that name the tensor, and PyTorch reading what we write.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "bert/checkpoint.h"
#include "bert/model/task_models.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "nn/io/safetensors.h"

using namespace bert;
using nn::Tensor;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) { return std::string(NNBERT_SOURCE_DIR) + "/tests/parity/fixtures/" + name; }

// A fresh empty directory under the system temp dir, removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("nnbert_ckpt_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() { static int c = 0; return c; }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// The fixture's tensors with names rewritten by `rename` (an empty result drops the tensor).
std::vector<std::pair<std::string, Tensor>> renamed(const std::function<std::string(const std::string&)>& rename) {
  const nn::SafeTensorsFile f = nn::SafeTensorsFile::open(fixture("pretraining") + "/model.safetensors");
  std::vector<std::pair<std::string, Tensor>> out;
  for (const std::string& n : f.names()) {
    const std::string m = rename(n);
    if (!m.empty()) out.emplace_back(m, f.read_f32(n));
  }
  return out;
}

Tensor logits_of(const nn::Module& m, const Tensor& ids) {
  nn::NoGradGuard no_grad;
  return static_cast<const BertForPreTraining&>(m).forward_all(ids, Tensor(), Tensor()).prediction_logits;
}

}  // namespace

TEST_CASE("config.json: integer fields refuse floats they cannot hold; deep values are not printed", "[config]") {
  using Catch::Matchers::Contains;
  // Found by fuzzing: nlohmann's cast of 4.6e42 to int64 was undefined behaviour.
  REQUIRE_THROWS_WITH(BertConfig::from_json(R"({"intermediate_size": 4.6e42})"),
                      Contains("config: field 'intermediate_size' must be an integer, got 4.6e+42"));
  REQUIRE_THROWS_WITH(BertConfig::from_json(R"({"hidden_size": 128.5})"),
                      Contains("field 'hidden_size' must be an integer"));
  CHECK(BertConfig::from_json(R"({"hidden_size": 256.0, "num_attention_heads": 4})").hidden_size == 256);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  REQUIRE_THROWS_WITH(BertConfig::from_json(R"({"id2label": {"0": "a"}, "label2id": {"a": )" + deep + "}}"),
                      Contains("label2id[\"a\"] = array does not match id2label"));
}

TEST_CASE("save_pretrained then load_pretrained gives identical outputs", "[checkpoint]") {
  TempDir dir;
  const BertConfig config = BertConfig::load(fixture("pretraining") + "/config.json");
  BertForPreTraining model(config, 7);
  model.eval();
  std::ofstream(dir / "vocab.src.txt") << "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  save_pretrained(dir / "ckpt", model, dir / "vocab.src.txt", /*lower_case=*/false);
  CHECK(fs::exists(dir / "ckpt/config.json"));
  CHECK(fs::exists(dir / "ckpt/vocab.txt"));
  CHECK_FALSE(load_lower_case(dir / "ckpt"));
  CHECK(load_lower_case(dir.path.string()));  // no tokenizer_config.json: uncased, as HF's default
  const std::unique_ptr<TaskModel> loaded = load_pretrained(dir / "ckpt");
  CHECK(loaded->architecture() == "BertForPreTraining");
  const Tensor ids = Tensor::from_ids({1, 5}, {1, 5, 9, 3, 2});
  CHECK(logits_of(*loaded, ids).to_vector() == logits_of(model, ids).to_vector());
  // The tied decoder is not written; the bias is.
  const nn::SafeTensorsFile f = nn::SafeTensorsFile::open(dir / "ckpt/model.safetensors");
  CHECK_FALSE(f.has("cls.predictions.decoder.weight"));
  CHECK(f.has("cls.predictions.bias"));
}

TEST_CASE("loading accepts HF's name variants", "[checkpoint]") {
  TempDir dir;
  const BertConfig config = BertConfig::load(fixture("pretraining") + "/config.json");
  BertForPreTraining reference(config, 0);
  load_weights(reference, fixture("pretraining") + "/model.safetensors");
  reference.eval();
  const Tensor ids = Tensor::from_ids({1, 6}, {1, 8, 3, 12, 40, 2});
  const std::vector<float> want = logits_of(reference, ids).to_vector();

  SECTION("LayerNorm.gamma/beta, an explicit tied decoder and position_ids") {
    auto tensors = renamed([](const std::string& n) {
      std::string m = n;
      if (m.size() > 16 && m.substr(m.size() - 16) == "LayerNorm.weight") m = m.substr(0, m.size() - 6) + "gamma";
      if (m.size() > 14 && m.substr(m.size() - 14) == "LayerNorm.bias") m = m.substr(0, m.size() - 4) + "beta";
      return m;
    });
    tensors.emplace_back("cls.predictions.decoder.weight", reference.bert.embeddings.word_embeddings.weight);
    tensors.emplace_back("bert.embeddings.position_ids", Tensor::from_ids({1, 4}, {0, 1, 2, 3}));
    nn::write_safetensors(dir / "m.safetensors", tensors);
    BertForPreTraining m(config, 1);
    load_weights(m, dir / "m.safetensors");
    m.eval();
    CHECK(logits_of(m, ids).to_vector() == want);
  }
  SECTION("cls.predictions.decoder.bias instead of cls.predictions.bias") {
    nn::write_safetensors(dir / "m.safetensors", renamed([](const std::string& n) {
                            return n == "cls.predictions.bias" ? std::string("cls.predictions.decoder.bias") : n;
                          }));
    BertForPreTraining m(config, 1);
    load_weights(m, dir / "m.safetensors");
    m.eval();
    CHECK(logits_of(m, ids).to_vector() == want);
  }
  SECTION("BF16 weights load into fp32, close to the F32 ones") {
    nn::write_safetensors(dir / "m.safetensors", renamed([](const std::string& n) { return n; }), {}, nn::StoreAs::BF16);
    BertForPreTraining m(config, 1);
    load_weights(m, dir / "m.safetensors");
    const std::vector<float> a = m.bert.pooler->dense.weight.to_vector();
    const std::vector<float> b = reference.bert.pooler->dense.weight.to_vector();
    for (size_t i = 0; i < a.size(); ++i) CHECK(std::abs(a[i] - b[i]) <= std::abs(b[i]) * (1.0 / 256));
  }
  SECTION("a BertForPreTraining checkpoint loads into BertForMaskedLM (unused heads skipped)") {
    BertForMaskedLM m(config, 1);
    load_weights(m, fixture("pretraining") + "/model.safetensors");
    m.eval();
    nn::NoGradGuard no_grad;
    CHECK(m.forward_all(ids, Tensor(), Tensor()).prediction_logits.to_vector() == want);
  }
}

TEST_CASE("loading refuses missing, unknown and misshapen tensors, naming them", "[checkpoint]") {
  TempDir dir;
  const BertConfig config = BertConfig::load(fixture("pretraining") + "/config.json");
  BertForPreTraining m(config, 1);
  nn::write_safetensors(dir / "missing.safetensors", renamed([](const std::string& n) {
                          return n == "bert.pooler.dense.bias" ? std::string() : n;
                        }));
  REQUIRE_THROWS_WITH(load_weights(m, dir / "missing.safetensors"), Catch::Contains("missing tensor 'bert.pooler.dense.bias'"));
  auto extra = renamed([](const std::string& n) { return n; });
  extra.emplace_back("bert.encoder.layer.9.output.dense.weight", Tensor::zeros({2, 2}));
  nn::write_safetensors(dir / "extra.safetensors", extra);
  REQUIRE_THROWS_WITH(load_weights(m, dir / "extra.safetensors"),
                      Catch::Contains("unexpected tensor 'bert.encoder.layer.9.output.dense.weight'"));
  auto wrong = renamed([](const std::string& n) { return n == "cls.seq_relationship.weight" ? std::string() : n; });
  wrong.emplace_back("cls.seq_relationship.weight", Tensor::zeros({3, 32}));
  nn::write_safetensors(dir / "wrong.safetensors", wrong);
  REQUIRE_THROWS_WITH(load_weights(m, dir / "wrong.safetensors"),
                      Catch::Contains("tensor 'cls.seq_relationship.weight' has shape (3,32), the model expects (2,32)"));
  REQUIRE_THROWS_WITH(load_pretrained(dir / "nope"), Catch::Contains("no such model directory"));
  REQUIRE_THROWS_WITH(load_pretrained(dir.path.string()), Catch::Contains("config.json is missing"));
  std::ofstream(dir / "config.json") << "{\"hidden_size\": 30, \"num_attention_heads\": 4}";
  REQUIRE_THROWS_WITH(load_pretrained(dir.path.string()), Catch::Contains("model.safetensors is missing"));
  std::ofstream(dir / "model.safetensors") << "junk";
  REQUIRE_THROWS_WITH(load_pretrained(dir.path.string()), Catch::Contains("hidden_size 30 is not a multiple of num_attention_heads 4"));
}

TEST_CASE("PyTorch reads a checkpoint written here and computes the same outputs", "[checkpoint][torch]") {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0) {
    WARN("skipping: /usr/bin/python3 with torch is not available");
    return;
  }
  TempDir dir;
  const BertConfig config = BertConfig::load(fixture("pretraining") + "/config.json");
  BertForPreTraining model(config, 11);
  // Larger weights than the default init so that a wrong mapping would show in the outputs.
  for (const nn::NamedParameter& p : model.named_parameters()) {
    std::vector<float> v = Tensor::randn(p.tensor->shape(), std::hash<std::string>{}(p.name), 0.f, 0.2f).to_vector();
    std::copy(v.begin(), v.end(), p.tensor->data());
  }
  model.eval();
  save_pretrained(dir / "ckpt", model, "");
  const std::string cmd = "/usr/bin/python3 " + std::string(NNBERT_SOURCE_DIR) + "/tests/parity/check_checkpoint.py " +
                          (dir / "ckpt") + " --inputs " + fixture("pretraining") + "/inputs.safetensors --out " +
                          (dir / "out.safetensors") + " --summary > " + (dir / "log.txt") + " 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const nn::SafeTensorsFile ref = nn::SafeTensorsFile::open(dir / "out.safetensors");
  const nn::SafeTensorsFile in = nn::SafeTensorsFile::open(fixture("pretraining") + "/inputs.safetensors");
  nn::NoGradGuard no_grad;
  const FullOutput ours = model.forward_all(in.read_i64("input_ids"), in.read_i64("token_type_ids"),
                                            in.read_i64("attention_mask"));
  for (const auto& [name, t] : {std::pair{"sequence_output", ours.sequence_output},
                                std::pair{"prediction_logits", ours.prediction_logits}}) {
    const std::vector<float> a = t.to_vector(), b = ref.read_f32(name).to_vector();
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]) / (1e-3 + std::abs(b[i])));
    INFO(name);
    CHECK(worst < 1e-4);
  }
}
