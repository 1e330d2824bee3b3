// checkpoint.cc — weight loading/saving by HF names, and checkpoint directories.
#include "bert/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "bert/task/registry.h"
#include "nn/io/atomic_file.h"
#include "nn/io/read_file.h"
#include "nn/io/safetensors.h"

namespace bert {
namespace fs = std::filesystem;

namespace {

// The file's name for a tensor, normalised to ours: LayerNorm.gamma/.beta → .weight/.bias.
std::string normalise(std::string name) {
  auto replace_suffix = [&](const std::string& from, const std::string& to) {
    if (name.size() >= from.size() && name.compare(name.size() - from.size(), from.size(), from) == 0)
      name = name.substr(0, name.size() - from.size()) + to;
  };
  replace_suffix("LayerNorm.gamma", "LayerNorm.weight");
  replace_suffix("LayerNorm.beta", "LayerNorm.bias");
  return name;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Tensors of a BERT checkpoint that a model may legitimately not use: tied or derived copies,
// and the weights of heads this architecture does not have.
bool ignorable(const std::string& name, const std::set<std::string>& wanted) {
  if (ends_with(name, "position_ids")) return true;
  if (name == "cls.predictions.decoder.weight" || name == "cls.predictions.decoder.bias") return true;
  auto model_has_prefix = [&](const std::string& prefix) {
    for (const std::string& w : wanted)
      if (starts_with(w, prefix)) return true;
    return false;
  };
  for (const char* head : {"bert.pooler.", "pooler.", "cls.seq_relationship.", "cls.predictions."})
    if (starts_with(name, head) && !model_has_prefix(head)) return true;
  return false;
}

}  // namespace

namespace {
// Loads the parameters the file has; the names of the missing ones go to `missing` when it is
// given, else a missing one is an error.
void load_parameters(nn::Module& model, const std::string& path, std::vector<std::string>* missing) {
  const nn::SafeTensorsFile file = nn::SafeTensorsFile::open(path);
  const std::vector<nn::NamedParameter> params = model.named_parameters();
  std::set<std::string> wanted;
  bool model_prefixed = false;
  for (const nn::NamedParameter& p : params) {
    wanted.insert(p.name);
    model_prefixed |= starts_with(p.name, "bert.");
  }
  bool file_prefixed = false;
  for (const std::string& n : file.names()) file_prefixed |= starts_with(n, "bert.");
  // Our name → the file's name, after normalising LayerNorm names and the "bert." prefix.
  std::map<std::string, std::string> by_ours;
  for (const std::string& n : file.names()) {
    std::string ours = normalise(n);
    if (file_prefixed && !model_prefixed && starts_with(ours, "bert.")) ours = ours.substr(5);
    if (!file_prefixed && model_prefixed && !starts_with(ours, "cls.")) ours = "bert." + ours;
    NN_CHECK(by_ours.emplace(ours, n).second, path, ": tensors '", by_ours[ours], "' and '", n,
             "' both map to parameter '", ours, "'");
  }
  std::set<std::string> used;
  for (const nn::NamedParameter& p : params) {
    auto it = by_ours.find(p.name);
    if (it == by_ours.end() && p.name == "cls.predictions.bias") it = by_ours.find("cls.predictions.decoder.bias");
    if (it == by_ours.end() && missing) {
      missing->push_back(p.name);
      continue;
    }
    NN_CHECK(it != by_ours.end(), path, ": missing tensor '", p.name, "'");
    const nn::SafeTensorInfo info = file.info(it->second);
    NN_CHECK(info.shape == p.tensor->shape(), path, ": tensor '", it->second, "' has shape ", info.shape,
             ", the model expects ", p.tensor->shape());
    file.read_f32_into(it->second, p.tensor->data(), p.tensor->numel());
    // A NaN or infinite weight would only show as NaN outputs: refuse it here, naming the tensor.
    const float* v = p.tensor->data();
    const int64_t bad = std::find_if(v, v + p.tensor->numel(), [](float x) { return !std::isfinite(x); }) - v;
    NN_CHECK(bad == p.tensor->numel(), path, ": tensor '", it->second, "' holds ",
             std::isnan(v[bad]) ? "NaN" : "an infinity", " at flat index ", bad, " (weights must be finite)");
    used.insert(it->second);
  }
  for (const std::string& n : file.names()) {
    if (used.count(n)) continue;
    NN_CHECK(ignorable(normalise(n), wanted) || ignorable("bert." + normalise(n), wanted), path,
             ": unexpected tensor '", n, "' (not a parameter of this model)");
  }
}

// A vocab.txt beside the weights must not hold more tokens than the model has embedding rows (fewer
// is fine: HF models often round vocab_size up), or its last ids would index past the table.
void check_vocab_fits(const std::string& dir, const BertConfig& config) {
  const fs::path vocab = fs::path(dir) / "vocab.txt";
  if (!fs::exists(vocab)) return;
  const std::string text = nn::read_file(vocab.string());
  const int64_t tokens = std::count(text.begin(), text.end(), '\n') + (!text.empty() && text.back() != '\n');
  NN_CHECK(tokens <= config.vocab_size, vocab.string(), ": ", tokens, " tokens, more than the ", config.vocab_size,
           " of the model (vocab_size in config.json): the ids past it have no embedding");
}

}  // namespace

void load_weights(nn::Module& model, const std::string& path) { load_parameters(model, path, nullptr); }

std::vector<std::string> load_matching_weights(nn::Module& model, const std::string& path) {
  std::vector<std::string> missing;
  load_parameters(model, path, &missing);
  return missing;
}

void save_weights(const nn::Module& model, const std::string& path, bool bf16) {
  std::vector<std::pair<std::string, nn::Tensor>> tensors;
  for (const nn::NamedParameter& p : model.named_parameters()) tensors.emplace_back(p.name, *p.tensor);
  nn::write_safetensors(path, tensors, {{"format", "pt"}}, bf16 ? nn::StoreAs::BF16 : nn::StoreAs::F32);
}

std::unique_ptr<TaskModel> load_pretrained(const std::string& dir) {
  NN_CHECK(fs::is_directory(dir), dir, ": no such model directory");
  const std::string config_path = (fs::path(dir) / "config.json").string();
  const std::string weights_path = (fs::path(dir) / "model.safetensors").string();
  NN_CHECK(fs::exists(config_path), dir, ": not a model directory (config.json is missing)");
  NN_CHECK(fs::exists(weights_path), dir, ": model.safetensors is missing");
  const BertConfig config = BertConfig::load(config_path);
  check_vocab_fits(dir, config);
  std::unique_ptr<TaskModel> model;
  try {
    model = make_task_model(architecture_of(config), config, 0);
  } catch (const nn::Error& e) {
    nn::fail(config_path, ": ", e.what());
  }
  load_weights(*model, weights_path);
  model->eval();
  return model;
}

TaskModelFromCheckpoint load_pretrained_as(const std::string& dir, const std::string& architecture,
                                           const BertConfig& config, uint64_t seed) {
  NN_CHECK(fs::is_directory(dir), dir, ": no such model directory");
  const std::string weights_path = (fs::path(dir) / "model.safetensors").string();
  NN_CHECK(fs::exists(weights_path), dir, ": model.safetensors is missing");
  check_vocab_fits(dir, config);
  TaskModelFromCheckpoint out;
  try {
    out.model = make_task_model(architecture, config, seed);
  } catch (const nn::Error& e) {
    nn::fail(dir, ": ", e.what());
  }
  out.initialised = load_matching_weights(*out.model, weights_path);
  for (const std::string& name : out.initialised)
    NN_CHECK(name.rfind("bert.", 0) != 0 || name.rfind("bert.pooler.", 0) == 0, weights_path,
             ": the encoder weight '", name, "' is missing (not a BERT checkpoint?)");
  return out;
}

void save_pretrained(const std::string& dir, const TaskModel& model, const std::string& vocab_path,
                     bool lower_case, bool bf16) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  NN_CHECK(!ec, dir, ": cannot create the directory: ", ec.message());
  BertConfig config = model.config();
  config.architectures = {model.architecture()};
  config.save((fs::path(dir) / "config.json").string());
  if (!vocab_path.empty()) {
    std::ifstream in(vocab_path, std::ios::binary);
    NN_CHECK(in.good(), vocab_path, ": cannot read the vocabulary");
    std::stringstream ss;
    ss << in.rdbuf();
    nn::atomic_write((fs::path(dir) / "vocab.txt").string(), ss.str());
    const nlohmann::json tok = {{"do_lower_case", lower_case}, {"tokenizer_class", "BertTokenizer"}};
    nn::atomic_write((fs::path(dir) / "tokenizer_config.json").string(), tok.dump(2) + "\n");
  }
  save_weights(model, (fs::path(dir) / "model.safetensors").string(), bf16);
}

}  // namespace bert

namespace bert {

bool load_lower_case(const std::string& dir) {
  const fs::path path = fs::path(dir) / "tokenizer_config.json";
  if (!fs::exists(path)) return true;
  std::ifstream in(path);
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    return j.is_object() && j.contains("do_lower_case") ? j["do_lower_case"].get<bool>() : true;
  } catch (const nlohmann::json::exception& e) {
    nn::fail(path.string(), ": invalid JSON: ", e.what());
  }
}

}  // namespace bert
