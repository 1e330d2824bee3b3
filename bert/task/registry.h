// registry.h — every model a checkpoint can hold, by its HuggingFace class name (config.json's
// "architectures"). A new head is one new file (a TaskModel) plus one line in registry.cc; the
// checkpoint loader, the trainer and the apps make models only through here.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "bert/config.h"
#include "bert/task/task_model.h"

namespace bert {

// A freshly initialised model of class `architecture` (normal(0, initializer_range) weights from
// `seed`); throws nn::Error naming the architecture and the supported ones when it is unknown, and
// before allocating anything when its fp32 weights would not fit in memory (bert/task/memory_check.h).
std::unique_ptr<TaskModel> make_task_model(const std::string& architecture, const BertConfig& config, uint64_t seed);

// The class a config names: the first of "architectures"; with none named, BertLMHeadModel when
// is_decoder, else BertForPreTraining (HF's own default for a bare BERT checkpoint's heads).
std::string architecture_of(const BertConfig& config);

// The names of every registered architecture, in registration order.
std::vector<std::string> registered_architectures();

}  // namespace bert
