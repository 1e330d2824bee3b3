// param_count.h — parameter counts per module, from the closed form next to the count of the
// model's own named_parameters(). With V = vocab_size, H = hidden_size, P =
// max_position_embeddings, N_type = type_vocab_size, I = intermediate_size, L layers, C labels:
//
//   embeddings   V·H + P·H + N_type·H + 2H                 (three tables, LayerNorm γ and β)
//   each layer   4H² + 4H      query, key, value, attention output (H×H weight + H bias each)
//              + 2H            attention LayerNorm
//              + 2H·I + I + H  feed-forward: H→I (weight H·I, bias I), I→H (weight I·H, bias H)
//              + 2H            output LayerNorm
//              = 4H² + 2H·I + 9H + I   (12H² + 13H when I = 4H)
//   pooler       H² + H
//   MLM head     H² + 3H (transform: dense + LayerNorm) + V (output bias; the decoder matrix is
//                the word-embedding table, tied: no new parameters)
//   NSP head     2H + 2;  classifier  C·H + C
//
// bert-base (V 30522, H 768, L 12, I 3072, P 512, N_type 2) with the pretraining heads:
// 110,106,428.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bert/task/task_model.h"

namespace bert {

struct ParameterRow {
  std::string module;       // parameter-name prefix, e.g. "bert.encoder.layer.0"
  std::string formula;      // e.g. "4H² + 2H·I + 9H + I"
  int64_t closed_form = 0;  // the formula's value for the config
  int64_t counted = 0;      // Σ numel of the model's named_parameters() under `module`
  bool part = false;        // a breakdown of the row above it, not added to the totals
};

// A symbol of the formulas with its meaning and value.
struct ParameterSymbol {
  std::string symbol, meaning;
  int64_t value = 0;
};

struct ParameterTable {
  std::vector<ParameterRow> rows;  // modules in checkpoint order; layer 0 broken into its parts
  std::vector<ParameterSymbol> symbols;
  std::string total_formula;       // e.g. "V·H + P·H + N_type·H + 2H + L·(4H² + 2H·I + 9H + I) + …"
  int64_t closed_form_total = 0;
  int64_t counted_total = 0;       // model.num_parameters() when every parameter found its row
};

// The closed-form rows (counted = 0) of a model of class `architecture` with this config;
// throws nn::Error naming an architecture it does not know.
ParameterTable closed_form_parameters(const BertConfig& config, const std::string& architecture);

// The closed form of `model` with each row's count from model.named_parameters(); a parameter
// outside every row gets a row of its own with closed form 0 ("not in the closed form").
ParameterTable parameter_table(const TaskModel& model);

}  // namespace bert
