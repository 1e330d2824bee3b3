// memory_check.cc — the closed-form parameter count in double, and the refusal message.
#include "bert/task/memory_check.h"

#include <cstdio>

#include "core/error.h"
#include "core/memory_info.h"

namespace bert {

double estimated_parameters(const BertConfig& c, const std::string& architecture) {
  const double V = static_cast<double>(c.vocab_size), H = static_cast<double>(c.hidden_size),
               P = static_cast<double>(c.max_position_embeddings), N = static_cast<double>(c.type_vocab_size),
               I = static_cast<double>(c.intermediate_size), L = static_cast<double>(c.num_hidden_layers),
               C = static_cast<double>(c.num_labels());
  double n = V * H + P * H + N * H + 2 * H + L * (4 * H * H + 2 * H * I + 9 * H + I);
  const bool pretraining = architecture == "BertForPreTraining";
  if (pretraining || architecture == "BertForSequenceClassification") n += H * H + H;  // pooler
  if (pretraining || architecture == "BertForMaskedLM" || architecture == "BertLMHeadModel")
    n += H * H + 3 * H + V;  // MLM head (decoder tied to the word embeddings)
  if (pretraining) n += 2 * H + 2;  // NSP head
  if (architecture == "BertForSequenceClassification" || architecture == "BertForTokenClassification")
    n += C * H + C;  // classifier
  return n;
}

std::string memory_shortfall(const BertConfig& config, const std::string& architecture, int bytes_per_parameter,
                             int64_t available_bytes) {
  const double parameters = estimated_parameters(config, architecture);
  const double needed = parameters * bytes_per_parameter;
  if (available_bytes <= 0 || needed <= static_cast<double>(available_bytes)) return "";
  char count[32];
  std::snprintf(count, sizeof count, "%.3g", parameters);
  const bool training = bytes_per_parameter >= kTrainingBytesPerParameter;
  return "model too large for this machine: " + architecture + " with " + std::to_string(config.num_hidden_layers) +
         " layers of hidden size " + std::to_string(config.hidden_size) + " has " + count + " parameters; " +
         (training ? "training it needs " : "its weights need ") + nn::format_bytes(needed) + " (" +
         std::to_string(bytes_per_parameter) + " bytes per parameter" +
         (training ? ": weights, gradients, two AdamW moments" : "") + ") and this machine has " +
         nn::format_bytes(static_cast<double>(available_bytes)) + " of memory";
}

void check_model_fits_memory(const BertConfig& config, const std::string& architecture, int bytes_per_parameter) {
  const std::string refusal = memory_shortfall(config, architecture, bytes_per_parameter, nn::physical_memory_bytes());
  if (!refusal.empty()) throw nn::Error(refusal);
}

}  // namespace bert
