// task_model.cc — statistics, the default evaluator, and the counting helpers of task models.
#include "bert/task/task_model.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"

namespace bert {

void Statistics::add(const std::string& name, double sum, int64_t count) {
  for (auto& [n, s] : items_)
    if (n == name) {
      s.sum += sum;
      s.count += count;
      return;
    }
  items_.push_back({name, Statistic{sum, count}});
}

void Statistics::add(const Statistics& other) {
  for (const auto& [n, s] : other.items_) add(n, s.sum, s.count);
}

const Statistic* Statistics::find(const std::string& name) const {
  for (const auto& [n, s] : items_)
    if (n == name) return &s;
  return nullptr;
}

double EvalReport::get(const std::string& name, double fallback) const {
  for (const auto& [n, v] : metrics)
    if (n == name) return v;
  return fallback;
}

bool EvalReport::has(const std::string& name) const {
  return std::any_of(metrics.begin(), metrics.end(), [&](const auto& m) { return m.first == name; });
}

void StatisticsEvaluator::add(const Batch&, const TaskOutput& output) { stats_.add(output.stats); }

EvalReport StatisticsEvaluator::report() const {
  EvalReport r;
  const Statistic* lm = stats_.find("lm_loss");
  if (lm) {
    r.metrics.push_back({"loss", lm->mean()});
    r.metrics.push_back({"perplexity", std::exp(lm->mean())});
    r.predictions = lm->count;
  }
  for (const auto& [name, s] : stats_.items()) {
    if (name == "lm_loss") continue;
    r.metrics.push_back({name, s.mean()});
    if (!lm && name == "loss") r.predictions = s.count;
  }
  return r;
}

std::unique_ptr<Evaluator> TaskModel::make_evaluator() const { return std::make_unique<StatisticsEvaluator>(); }

int64_t count_tokens(const nn::Tensor& attention_mask) {
  const std::vector<int64_t> m = attention_mask.to_ids();
  return std::count(m.begin(), m.end(), int64_t{1});
}

std::pair<int64_t, int64_t> count_correct(const nn::Tensor& logits, const nn::Tensor& targets) {
  nn::NoGradGuard no_grad;
  const std::vector<float> l = logits.to_vector();
  const std::vector<int64_t> t = targets.to_ids();
  const int64_t C = logits.size(-1);
  int64_t correct = 0, counted = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] < 0) continue;
    const float* row = l.data() + i * static_cast<size_t>(C);
    correct += std::max_element(row, row + C) - row == t[i];
    ++counted;
  }
  return {correct, counted};
}

}  // namespace bert
