// metrics.h — what a training run records for people: metrics.jsonl (one JSON object per logged
// step) and loss.svg (train and eval loss against step), both kept up to date as the run goes.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace bert {

// One logged step. train holds the means of the model's statistics over the logged window
// ("mlm_acc", "nsp_acc", "acc"…), eval an evaluation's metrics (written as "eval_" + name) on
// evaluation steps only.
struct MetricsRecord {
  int64_t step = 0;
  double loss = 0, lr = 0, tokens_per_s = 0, grad_norm = 0, elapsed_s = 0;
  double peak_memory_mb = 0;  // peak resident memory of the process so far (nn::peak_resident_bytes)
  std::optional<double> padding_share;  // share of the batch positions that were padding
  std::vector<std::pair<std::string, double>> train, eval;
};

// The JSON line of a record (no trailing newline).
std::string metrics_json(const MetricsRecord& r);

// An SVG line plot of train loss (and eval loss, when any) against step, with axes and labels.
std::string loss_svg(const std::vector<std::pair<int64_t, double>>& train,
                     const std::vector<std::pair<int64_t, double>>& eval, const std::string& title);

class MetricsLog {
 public:
  // Appends to dir/metrics.jsonl (kept when resuming: records after `resume_step` are dropped so
  // a resumed run does not duplicate steps) and rewrites dir/loss.svg.
  MetricsLog(const std::string& dir, const std::string& title, int64_t resume_step);
  // Appends one record to metrics.jsonl and refreshes loss.svg.
  void add(const MetricsRecord& r);

 private:
  std::string dir_, title_;
  std::vector<std::pair<int64_t, double>> train_, eval_;
};

}  // namespace bert
