// evaluate_labelled.h — a fine-tuned sequence classifier (BertForSequenceClassification) scored on
// labelled files, as `evaluate` prints it: each file is read as finetune reads its --eval file
// (TSV/CSV/JSON lines by extension, the default columns text, text_pair/sentence2 and label),
// encoded to max_length tokens and scored without gradients, in whatever GEMM precision is set,
// by the model's own evaluator — the figures finetune reports after an epoch: loss, accuracy,
// macro_f1, the F1 of class 1 for a binary task (finetune puts the positive class there), mcc;
// the multi-label and regression figures for those models. The total scores every file's
// examples together.
#pragma once
#include <string>
#include <vector>

#include "bert/task/task_model.h"
#include "bert/tokenizer/tokenizer.h"

namespace bert {

struct LabelledEvaluation {
  std::string path;  // "" for the total
  int64_t examples = 0;
  int64_t truncated = 0;  // examples cut to max_length tokens
  EvalReport report;
};

// Scores `paths` (at least one) with `model`, batch_size examples per forward, each cut to
// max_length tokens; returns one evaluation per file, then the total. Throws nn::Error when the
// model is not a sequence classifier, on bad input (naming file and line, as finetune does), and on
// a label the model does not know.
std::vector<LabelledEvaluation> evaluate_labelled_files(const TaskModel& model, const Tokenizer& tokenizer,
                                                        const std::vector<std::string>& paths, int64_t max_length,
                                                        size_t batch_size);

// The JSON evaluate prints: {"model", "architecture", "scoring", "files": [...], "total": {...}},
// each entry holding its examples, truncated count and every metric of its report.
std::string labelled_evaluation_json(const std::string& model_dir, const TaskModel& model, int64_t max_length,
                                     const std::vector<LabelledEvaluation>& evaluations);

}  // namespace bert
