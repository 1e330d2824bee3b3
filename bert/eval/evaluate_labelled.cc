// evaluate_labelled.cc — a sequence classifier's metrics on labelled files, and their JSON.
#include "bert/eval/evaluate_labelled.h"

#include <nlohmann/json.hpp>

#include "bert/data/task_data.h"
#include "bert/data/task_data_labels.h"
#include "bert/data/task_dataset.h"
#include "bert/model/classification.h"
#include "core/autograd.h"
#include "core/bf16_weights.h"

namespace bert {

std::vector<LabelledEvaluation> evaluate_labelled_files(const TaskModel& model, const Tokenizer& tokenizer,
                                                        const std::vector<std::string>& paths, int64_t max_length,
                                                        size_t batch_size) {
  NN_CHECK(dynamic_cast<const BertForSequenceClassification*>(&model), "labelled evaluation: the model is a ",
           model.architecture(), "; it needs a fine-tuned BertForSequenceClassification");
  NN_CHECK(!paths.empty(), "labelled evaluation: no file given");
  NN_CHECK(batch_size >= 1, "labelled evaluation: batch size must be at least 1");
  const BertConfig& c = model.config();
  const std::string& type = c.problem_type;
  const bool regression = type == "regression" || (type.empty() && c.num_labels() == 1);
  const LabelTarget target = regression                              ? LabelTarget::regression
                             : type == "multi_label_classification" ? LabelTarget::multi
                                                                     : LabelTarget::single;
  ExampleOptions eo;
  eo.label_kind = regression ? LabelKind::numeric : LabelKind::categorical;
  const LabelMap labels(regression ? std::vector<std::string>{"value"} : c.labels());

  nn::NoGradGuard no_grad;
  const nn::Bf16WeightScope fixed_weights;  // the weights are only read here (bf16, int8: converted once)
  std::vector<LabelledEvaluation> out;
  const std::unique_ptr<Evaluator> total = model.make_evaluator();
  LabelledEvaluation all;
  for (const std::string& path : paths) {
    const TaskDataset data =
        TaskDataset::sequences(read_classification_file(path, eo), tokenizer, labels, target, max_length);
    const std::unique_ptr<Evaluator> evaluator = model.make_evaluator();
    for (const Batch& b : data.batches(batch_size)) {
      const TaskOutput o = model.compute_loss(b);
      evaluator->add(b, o);
      total->add(b, o);
    }
    out.push_back({path, static_cast<int64_t>(data.size()), data.truncated(), evaluator->report()});
    all.examples += out.back().examples;
    all.truncated += out.back().truncated;
  }
  all.report = total->report();
  out.push_back(std::move(all));
  return out;
}

std::string labelled_evaluation_json(const std::string& model_dir, const TaskModel& model, int64_t max_length,
                                     const std::vector<LabelledEvaluation>& evaluations) {
  using json = nlohmann::ordered_json;  // keys in the order written
  const auto entry = [](const LabelledEvaluation& e) {
    json j;
    if (!e.path.empty()) j["file"] = e.path;
    j["examples"] = e.examples;
    j["truncated"] = e.truncated;
    for (const auto& [name, value] : e.report.metrics) j[name] = value;
    return j;
  };
  json files = json::array();
  for (size_t i = 0; i + 1 < evaluations.size(); ++i) files.push_back(entry(evaluations[i]));
  return json{{"model", model_dir},
              {"architecture", model.architecture()},
              {"scoring", {{"method", "labelled examples"}, {"max_length", max_length}}},
              {"files", files},
              {"total", entry(evaluations.back())}}
      .dump(2);
}

}  // namespace bert
