// fill_mask.h — masked-token prediction: for each [MASK] in a prompt, the k most probable
// vocabulary tokens with their softmax probabilities (HF's fill-mask pipeline).
#pragma once
#include <string>
#include <vector>

#include "bert/model/task_models.h"
#include "bert/tokenizer/tokenizer.h"

namespace bert {

struct MaskCandidate {
  std::string token;
  int32_t id = 0;
  float prob = 0.f;
};

struct MaskPrediction {
  int64_t position = 0;  // index of the [MASK] in the encoded sequence ([CLS] is 0)
  std::vector<MaskCandidate> candidates;  // most probable first
};

// Predicts every [MASK] of `prompt` with a masked-LM model (BertForPreTraining or
// BertForMaskedLM). Throws nn::Error when the vocabulary (naming it) or the prompt has no [MASK],
// the prompt is longer than the model's positions, or the model is causal.
std::vector<MaskPrediction> fill_mask(const TaskModel& model, const Tokenizer& tokenizer,
                                      const std::string& prompt, int top_k);

// The JSON form {"masks":[{"position":i,"candidates":[{"token":…,"id":…,"prob":…},…]},…]}.
std::string fill_mask_json(const std::vector<MaskPrediction>& predictions);

}  // namespace bert
