// config.h — BertConfig with HuggingFace BertConfig field names, JSON I/O and the standard sizes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bert {

struct BertConfig {
  int64_t vocab_size = 30522;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::string hidden_act = "gelu";  // erf GELU; the only activation supported
  float hidden_dropout_prob = 0.1f;
  float attention_probs_dropout_prob = 0.1f;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  float initializer_range = 0.02f;
  float layer_norm_eps = 1e-12f;
  int64_t pad_token_id = 0;
  bool is_decoder = false;
  std::vector<std::string> architectures;  // e.g. {"BertForPreTraining"}
  // Classification heads (HF PretrainedConfig): the label of each class id (label2id is its
  // inverse); empty: HF's default of 2 labels "LABEL_0", "LABEL_1".
  std::vector<std::string> id2label;
  // "single_label_classification", "multi_label_classification", "regression", or "" (inferred
  // from the labels as HF infers it: one label → regression, integer labels → single-label).
  std::string problem_type;
  std::optional<float> classifier_dropout;  // the classifier's dropout; none: hidden_dropout_prob

  // Throws nn::Error naming the first invalid field (sizes ≤ 0, hidden % heads != 0, act).
  void validate() const;
  int64_t head_dim() const { return hidden_size / num_attention_heads; }
  // Number of classes of a classification head (id2label's size, 2 when it is empty).
  int64_t num_labels() const { return id2label.empty() ? 2 : static_cast<int64_t>(id2label.size()); }
  // The label names, HF's defaults ("LABEL_i") when none are set.
  std::vector<std::string> labels() const;

  // Parses a config.json text (unknown fields are ignored, as HF does).
  static BertConfig from_json(const std::string& text);
  // Reads and parses a config.json file; errors name the file.
  static BertConfig load(const std::string& path);
  // The JSON text of this config (HF field names, plus "model_type": "bert").
  std::string to_json() const;
  // Writes config.json atomically.
  void save(const std::string& path) const;
  // A standard size by name (tiny L2/H128, mini L4/H256, small L4/H512, medium L8/H512,
  // base L12/H768, large L24/H1024; heads = H/64, intermediate = 4H).
  static BertConfig preset(const std::string& name, int64_t vocab_size);
  // Names accepted by preset().
  static std::vector<std::string> preset_names();
};

}  // namespace bert
