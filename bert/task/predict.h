// predict.h — a fine-tuned classifier applied to new text: for each example, the class
// probabilities (softmax; σ per label for multi-label), the value (regression), or a label per
// word (token classification), computed in batches without gradients.
#pragma once
#include <string>
#include <vector>

#include "bert/data/task_dataset.h"
#include "bert/task/task_model.h"

namespace bert {

struct Prediction {
  std::vector<float> probabilities;  // per class (sequence classification)
  float value = 0;                   // regression
  std::vector<int32_t> word_labels;  // token classification: the class of each word (−1: cut)
  std::vector<std::vector<float>> word_probabilities;  // and its probabilities
};

// Predictions of `model` (BertForSequenceClassification or BertForTokenClassification) for every
// example of `data`, batch_size at a time, in order.
std::vector<Prediction> predict(const TaskModel& model, const TaskDataset& data, size_t batch_size);

}  // namespace bert
