// registry.cc — the table of architectures: one line per model class.
#include "bert/task/registry.h"

#include <functional>
#include <utility>

#include "bert/model/classification.h"
#include "bert/model/task_models.h"
#include "bert/task/memory_check.h"
#include "core/error.h"

namespace bert {
namespace {

using Factory = std::function<std::unique_ptr<TaskModel>(const BertConfig&, uint64_t)>;

template <class Model>
Factory factory() {
  return [](const BertConfig& c, uint64_t seed) { return std::make_unique<Model>(c, seed); };
}

const std::vector<std::pair<std::string, Factory>>& table() {
  static const std::vector<std::pair<std::string, Factory>> t = {
      {"BertForPreTraining", factory<BertForPreTraining>()},
      {"BertForMaskedLM", factory<BertForMaskedLM>()},
      {"BertLMHeadModel", factory<BertLMHeadModel>()},
      {"BertForSequenceClassification", factory<BertForSequenceClassification>()},
      {"BertForTokenClassification", factory<BertForTokenClassification>()},
  };
  return t;
}

}  // namespace

std::vector<std::string> registered_architectures() {
  std::vector<std::string> names;
  for (const auto& [name, f] : table()) names.push_back(name);
  return names;
}

std::unique_ptr<TaskModel> make_task_model(const std::string& architecture, const BertConfig& config, uint64_t seed) {
  for (const auto& [name, make] : table()) {
    if (name != architecture) continue;
    check_model_fits_memory(config, architecture, kInferenceBytesPerParameter);  // before allocating
    return make(config, seed);
  }
  std::string known;
  for (const auto& [name, f] : table()) known += (known.empty() ? "" : ", ") + name;
  nn::fail("architecture '", architecture, "' is not supported (supported: ", known, ")");
}

std::string architecture_of(const BertConfig& config) {
  if (!config.architectures.empty()) return config.architectures.front();
  return config.is_decoder ? "BertLMHeadModel" : "BertForPreTraining";
}

}  // namespace bert
