// config.cc — BertConfig JSON (nlohmann) and presets.
#include "bert/config.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "core/error.h"
#include "nn/io/atomic_file.h"
#include "nn/io/read_file.h"

namespace bert {

using nlohmann::json;

void BertConfig::validate() const {
  auto positive = [](const char* name, int64_t v) {
    NN_CHECK(v > 0, "config: ", name, " must be positive, got ", v);
  };
  positive("vocab_size", vocab_size);
  positive("hidden_size", hidden_size);
  positive("num_hidden_layers", num_hidden_layers);
  positive("num_attention_heads", num_attention_heads);
  positive("intermediate_size", intermediate_size);
  positive("max_position_embeddings", max_position_embeddings);
  positive("type_vocab_size", type_vocab_size);
  NN_CHECK(hidden_size % num_attention_heads == 0, "config: hidden_size ", hidden_size,
           " is not a multiple of num_attention_heads ", num_attention_heads);
  NN_CHECK(hidden_act == "gelu", "config: hidden_act '", hidden_act,
           "' is not supported (nnbert implements \"gelu\", the erf form)");
  NN_CHECK(hidden_dropout_prob >= 0 && hidden_dropout_prob < 1, "config: hidden_dropout_prob must be in [0, 1)");
  NN_CHECK(attention_probs_dropout_prob >= 0 && attention_probs_dropout_prob < 1,
           "config: attention_probs_dropout_prob must be in [0, 1)");
  NN_CHECK(pad_token_id >= 0 && pad_token_id < vocab_size, "config: pad_token_id ", pad_token_id,
           " is outside the vocabulary of ", vocab_size);
  NN_CHECK(problem_type.empty() || problem_type == "single_label_classification" ||
               problem_type == "multi_label_classification" || problem_type == "regression",
           "config: problem_type '", problem_type,
           "' is not one of single_label_classification, multi_label_classification, regression");
  NN_CHECK(problem_type != "regression" || num_labels() == 1, "config: a regression head has 1 label, this config has ",
           num_labels());
  NN_CHECK(!classifier_dropout || (*classifier_dropout >= 0 && *classifier_dropout < 1),
           "config: classifier_dropout must be in [0, 1)");
}

std::vector<std::string> BertConfig::labels() const {
  if (!id2label.empty()) return id2label;
  return {"LABEL_0", "LABEL_1"};
}

BertConfig BertConfig::from_json(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    nn::fail("config: invalid JSON: ", e.what());
  }
  NN_CHECK(j.is_object(), "config: expected a JSON object");
  BertConfig c;
  auto get = [&](const char* key, auto& field) {
    if (!j.contains(key) || j[key].is_null()) return;
    // nlohmann casts a JSON float to an integer field, undefined behaviour beyond its range.
    using Field = std::decay_t<decltype(field)>;
    if constexpr (std::is_integral_v<Field> && !std::is_same_v<Field, bool>)
      if (j[key].is_number_float()) {
        const double v = j[key].get<double>();
        NN_CHECK(v == std::trunc(v) && v >= -0x1p63 && v < 0x1p63, "config: field '", key,
                 "' must be an integer, got ", j[key].dump());
      }
    try {
      j[key].get_to(field);
    } catch (const json::exception&) {
      nn::fail("config: field '", key, "' has the wrong type");
    }
  };
  get("vocab_size", c.vocab_size);
  get("hidden_size", c.hidden_size);
  get("num_hidden_layers", c.num_hidden_layers);
  get("num_attention_heads", c.num_attention_heads);
  get("intermediate_size", c.intermediate_size);
  get("hidden_act", c.hidden_act);
  get("hidden_dropout_prob", c.hidden_dropout_prob);
  get("attention_probs_dropout_prob", c.attention_probs_dropout_prob);
  get("max_position_embeddings", c.max_position_embeddings);
  get("type_vocab_size", c.type_vocab_size);
  get("initializer_range", c.initializer_range);
  get("layer_norm_eps", c.layer_norm_eps);
  get("pad_token_id", c.pad_token_id);
  get("is_decoder", c.is_decoder);
  get("architectures", c.architectures);
  get("problem_type", c.problem_type);
  if (j.contains("classifier_dropout") && !j["classifier_dropout"].is_null()) {
    float p = 0;
    get("classifier_dropout", p);
    c.classifier_dropout = p;
  }
  // id2label: {"0": "neg", "1": "pos"} with every id from 0 to n − 1 once; or only num_labels.
  if (j.contains("id2label") && !j["id2label"].is_null()) {
    NN_CHECK(j["id2label"].is_object() && !j["id2label"].empty(), "config: id2label must be a non-empty object");
    c.id2label.assign(j["id2label"].size(), std::string());
    std::vector<bool> seen(c.id2label.size(), false);
    for (const auto& [key, value] : j["id2label"].items()) {
      size_t used = 0;
      long long id = -1;
      try {
        id = std::stoll(key, &used);
      } catch (const std::exception&) {
      }
      NN_CHECK(used == key.size() && id >= 0 && id < static_cast<long long>(c.id2label.size()) && !seen[id],
               "config: id2label key '", key, "' is not one of the ids 0 to ", c.id2label.size() - 1, " (each once)");
      NN_CHECK(value.is_string(), "config: id2label[", key, "] must be a string");
      c.id2label[static_cast<size_t>(id)] = value.get<std::string>();
      seen[static_cast<size_t>(id)] = true;
    }
  } else if (j.contains("num_labels") && !j["num_labels"].is_null()) {
    int64_t n = 0;
    get("num_labels", n);
    NN_CHECK(n >= 1 && n <= 1000000, "config: num_labels must be in [1, 1000000], got ", n);
    for (int64_t i = 0; i < n; ++i) c.id2label.push_back("LABEL_" + std::to_string(i));
  }
  if (j.contains("label2id") && j["label2id"].is_object() && !c.id2label.empty()) {
    for (const auto& [label, id] : j["label2id"].items()) {
      const bool ok = id.is_number_integer() && id.get<int64_t>() >= 0 &&
                      id.get<int64_t>() < static_cast<int64_t>(c.id2label.size()) &&
                      c.id2label[static_cast<size_t>(id.get<int64_t>())] == label;
      // (an array or object is named by its type: printing a deeply nested one would recurse)
      NN_CHECK(ok, "config: label2id[\"", label, "\"] = ", id.is_primitive() ? id.dump() : id.type_name(),
               " does not match id2label");
    }
  }
  c.validate();
  return c;
}

BertConfig BertConfig::load(const std::string& path) {
  const std::string text = nn::read_file(path);
  try {
    return from_json(text);
  } catch (const nn::Error& e) {
    nn::fail(path, ": ", e.what());
  }
}

std::string BertConfig::to_json() const {
  json j = {
      {"architectures", architectures},
      {"model_type", "bert"},
      {"vocab_size", vocab_size},
      {"hidden_size", hidden_size},
      {"num_hidden_layers", num_hidden_layers},
      {"num_attention_heads", num_attention_heads},
      {"intermediate_size", intermediate_size},
      {"hidden_act", hidden_act},
      {"hidden_dropout_prob", hidden_dropout_prob},
      {"attention_probs_dropout_prob", attention_probs_dropout_prob},
      {"max_position_embeddings", max_position_embeddings},
      {"type_vocab_size", type_vocab_size},
      {"initializer_range", initializer_range},
      {"layer_norm_eps", layer_norm_eps},
      {"pad_token_id", pad_token_id},
      {"is_decoder", is_decoder},
  };
  if (!id2label.empty()) {
    json ids = json::object(), labels = json::object();
    for (size_t i = 0; i < id2label.size(); ++i) {
      ids[std::to_string(i)] = id2label[i];
      labels[id2label[i]] = i;
    }
    j["id2label"] = ids;
    j["label2id"] = labels;
  }
  if (!problem_type.empty()) j["problem_type"] = problem_type;
  if (classifier_dropout) j["classifier_dropout"] = *classifier_dropout;
  return j.dump(2) + "\n";
}

void BertConfig::save(const std::string& path) const { nn::atomic_write(path, to_json()); }

BertConfig BertConfig::preset(const std::string& name, int64_t vocab) {
  struct Size { const char* name; int64_t layers, hidden; };
  static const Size sizes[] = {{"tiny", 2, 128}, {"mini", 4, 256}, {"small", 4, 512},
                               {"medium", 8, 512}, {"base", 12, 768}, {"large", 24, 1024}};
  for (const Size& s : sizes) {
    if (name != s.name) continue;
    BertConfig c;
    c.vocab_size = vocab;
    c.num_hidden_layers = s.layers;
    c.hidden_size = s.hidden;
    c.num_attention_heads = s.hidden / 64;
    c.intermediate_size = 4 * s.hidden;
    c.validate();
    return c;
  }
  nn::fail("config: unknown model size '", name, "' (expected tiny, mini, small, medium, base or large)");
}

std::vector<std::string> BertConfig::preset_names() {
  return {"tiny", "mini", "small", "medium", "base", "large"};
}

}  // namespace bert
