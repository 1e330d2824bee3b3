// config.cc — BertConfig JSON (nlohmann) and presets.
#include "bert/config.h"

#include <nlohmann/json.hpp>

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
