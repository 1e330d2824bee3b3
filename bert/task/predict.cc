// predict.cc — batched no-grad inference of the classification heads.
#include "bert/task/predict.h"

#include <algorithm>
#include <cmath>

#include "bert/model/classification.h"
#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/ops.h"

namespace bert {
namespace {
// Softmax of one row of logits, in double for the sum.
std::vector<float> softmax_row(const float* x, size_t n) {
  const float m = *std::max_element(x, x + n);
  double z = 0;
  for (size_t i = 0; i < n; ++i) z += std::exp(static_cast<double>(x[i] - m));
  std::vector<float> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<float>(std::exp(static_cast<double>(x[i] - m)) / z);
  return p;
}
}  // namespace

std::vector<Prediction> predict(const TaskModel& model, const TaskDataset& data, size_t batch_size) {
  const auto* sequence = dynamic_cast<const BertForSequenceClassification*>(&model);
  const auto* token = dynamic_cast<const BertForTokenClassification*>(&model);
  NN_CHECK(sequence || token, "predict: the model is a ", model.architecture(),
           "; classify needs a fine-tuned BertForSequenceClassification or BertForTokenClassification");
  const std::string& type = model.config().problem_type;
  const bool regression = type == "regression" || (type.empty() && model.config().num_labels() == 1);
  const bool multi = type == "multi_label_classification";
  nn::NoGradGuard no_grad;
  const nn::Bf16WeightScope fixed_weights;
  std::vector<Prediction> out;
  const std::vector<Batch> batches = data.batches(batch_size);
  size_t example = 0;
  for (const Batch& b : batches) {
    const nn::Tensor logits = model.forward_all(b.input_ids, b.token_type_ids, b.attention_mask).logits;
    const std::vector<float> l = logits.to_vector();
    const int64_t B = logits.size(0), C = logits.size(-1);
    for (int64_t r = 0; r < B; ++r, ++example) {
      Prediction p;
      if (token) {
        const int64_t T = logits.size(1);
        for (const int32_t start : data.word_starts()[example]) {
          if (start < 0) {
            p.word_labels.push_back(-1);
            p.word_probabilities.emplace_back();
            continue;
          }
          const float* row = l.data() + (r * T + start) * C;
          p.word_probabilities.push_back(softmax_row(row, static_cast<size_t>(C)));
          const auto& q = p.word_probabilities.back();
          p.word_labels.push_back(static_cast<int32_t>(std::max_element(q.begin(), q.end()) - q.begin()));
        }
      } else if (regression) {
        p.value = l[static_cast<size_t>(r * C)];
      } else if (multi) {
        for (int64_t c = 0; c < C; ++c) p.probabilities.push_back(1.f / (1.f + std::exp(-l[static_cast<size_t>(r * C + c)])));
      } else {
        p.probabilities = softmax_row(l.data() + r * C, static_cast<size_t>(C));
      }
      out.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace bert
