// checkpoint.h — HuggingFace-format checkpoint directories: config.json, vocab.txt and
// model.safetensors with HF parameter names, loaded into and saved from nnbert models.
//
// Loading accepts HF's variants (DESIGN.md §3): LayerNorm.gamma/.beta for weight/bias, a
// missing tied cls.predictions.decoder.weight, cls.predictions.decoder.bias for
// cls.predictions.bias, ignored *.position_ids, with or without the "bert." prefix, and the
// weights of heads the chosen architecture does not have (as HF does when a BertForPreTraining
// checkpoint is loaded into BertForMaskedLM). Anything else that is missing, unknown or of the
// wrong shape is an error naming the tensor.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "bert/config.h"
#include "bert/task/task_model.h"

namespace bert {

// Loads every parameter of `model` from a safetensors file (F32, BF16 or F16 stored); a NaN or
// infinite value is an error naming the tensor.
void load_weights(nn::Module& model, const std::string& path);
// Loads the parameters of `model` that the file has and returns the names of those it lacks (they
// keep their values); everything else is checked as load_weights checks it.
std::vector<std::string> load_matching_weights(nn::Module& model, const std::string& path);
// Writes every parameter of `model` (HF names; the tied decoder is not written) atomically.
void save_weights(const nn::Module& model, const std::string& path, bool bf16 = false);

// Loads config.json and model.safetensors of `dir` into the model its "architectures" names (the
// registry, bert/task/registry.h), in eval mode. Errors name the directory and the file; a vocab.txt
// there with more tokens than the config's vocab_size is one.
std::unique_ptr<TaskModel> load_pretrained(const std::string& dir);
// A model of class `architecture` (e.g. BertForSequenceClassification) built from `config` (the
// checkpoint's config with the task's fields set, e.g. id2label), with every weight the checkpoint
// in `dir` has (the encoder, the pooler) and a freshly initialised (seed) head; `initialised`
// names the weights that were not in the checkpoint, as HF reports them.
struct TaskModelFromCheckpoint {
  std::unique_ptr<TaskModel> model;
  std::vector<std::string> initialised;
};
TaskModelFromCheckpoint load_pretrained_as(const std::string& dir, const std::string& architecture,
                                           const BertConfig& config, uint64_t seed);
// Writes config.json (the model's config with "architectures" = its class), model.safetensors
// and, if vocab_path is not empty, a copy of the vocabulary as vocab.txt plus
// tokenizer_config.json ({"do_lower_case": …}) into dir (created if needed); every file atomically.
void save_pretrained(const std::string& dir, const TaskModel& model, const std::string& vocab_path,
                     bool lower_case = true, bool bf16 = false);
// do_lower_case from dir/tokenizer_config.json (HF's file); true when the file is absent.
bool load_lower_case(const std::string& dir);

}  // namespace bert
