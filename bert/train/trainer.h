// trainer.h — the one training loop, for pretraining and fine-tuning alike: it sees a TaskModel
// (bert/task/task_model.h) and a DataFeed of Batches, nothing task-specific.
//
// Determinism: dropout masks use seed mix(seed, micro_step), the data stream is seekable and
// the optimizer state is saved in full, so a run stopped at step k and resumed gives the same
// losses as one never stopped (bit-identical on the same thread count).
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bert/data/batch.h"
#include "bert/eval/baselines.h"
#include "bert/task/task_model.h"
#include "bert/train/metrics.h"
#include "bert/train/train_config.h"
#include "nn/optim/schedule.h"

namespace bert {

class DataParallel;

// Where the batches come from. next() produces the training stream in order; position()/seek()
// save and restore its place exactly; eval holds fixed held-out batches (may be empty).
struct DataFeed {
  std::function<Batch()> next;
  std::function<std::string()> position;
  std::function<void(const std::string&)> seek;
  std::vector<Batch> eval;
  int64_t eval_chars = 0;        // characters of the held-out text when known (bits per character)
  FrequencyBaselines baselines;  // masked LM: the frequency baselines of the held-out targets
};

// What the trainer reports to its caller (progress lines, summaries).
struct ProgressEvent {
  enum class Kind { Step, Eval, Saved, Done } kind = Kind::Step;
  int64_t step = 0, total_steps = 0;  // total 0: not fixed yet (a time budget's first steps)
  double loss = 0, lr = 0, eta_s = 0, elapsed_s = 0;
  double tokens_per_s = 0;  // text tokens (padding not counted) per second of training
  std::vector<std::pair<std::string, double>> stats;  // Step: the model's statistics over the window
  EvalReport eval;          // Eval: the held-out metrics
  std::string path;         // Saved: the checkpoint directory
};

struct TrainSummary {
  int64_t steps = 0;
  bool interrupted = false;
  std::string final_dir;     // where the final model is (out_dir)
  EvalReport last_eval;
  bool evaluated = false;
  int64_t best_step = -1;    // config.best_metric: the step whose model is the final one
  double best_value = 0;
};

// The training loop for every TaskModel: gradient accumulation, global-norm clipping, AdamW with
// a warmup + decay schedule, periodic evaluation (the model's own evaluator), metrics, atomic
// checkpoints that keep the last K (and the best by a metric), exact resume, stop on request
// (SIGINT) after the current step, and a clear stop on NaN/inf.
class Trainer {
 public:
  // `model` is freshly initialised or loaded; it must outlive the trainer. Throws nn::Error before
  // allocating gradients and optimizer state when training it would not fit in memory.
  Trainer(TaskModel& model, TrainConfig config, DataFeed feed);
  ~Trainer();
  // Restores weights, optimizer, step, data position and metrics from a checkpoint directory, or
  // from the newest checkpoint-N inside a run directory (bert/train/run_dir.h).
  void resume(const std::string& dir);
  // Trains until total_steps, the time limit, or request_stop(); saves and returns a summary.
  TrainSummary run(const std::function<void(const ProgressEvent&)>& on_progress);
  // Evaluates on the feed's held-out batches (eval mode, no grad); with eval_chars known and a
  // language-model loss, also nats and bits per character of the held-out text. Several ranks:
  // every rank calls it and computes its share of the batches; the report is rank 0's.
  EvalReport evaluate();
  int64_t step() const { return step_; }

  // Asks every running trainer to stop after its current step (async-signal-safe).
  static void request_stop();
  static bool stop_requested();
  // Clears a stop request (before starting another run in the same process).
  static void clear_stop();

 private:
  // What one optimizer step saw (summed over its micro-batches).
  struct StepResult {
    double loss = 0, grad_norm = 0, lr = 0;
    Statistics stats;
    int64_t tokens = 0, positions = 0;
  };
  // The statistics of the steps since the last log line.
  struct Window {
    std::chrono::steady_clock::time_point start;
    int64_t steps = 0, tokens = 0, positions = 0;
    double loss = 0;
    Statistics stats{};
  };
  // Forward and backward over grad_accum micro-batches (this rank's share), then clip and AdamW.
  StepResult train_step();
  // Sums the step's loss, counts and statistics over the ranks, and agrees on the stop flag and
  // rank 0's clock (no-op on one process).
  void reduce_step(StepResult& r);
  // Writes the log line and metrics record of the window, with the evaluation `eval` (or none).
  void log(const StepResult& last, const EvalReport* eval, double run_seconds, MetricsLog& metrics,
           TrainSummary& summary, const std::function<void(const ProgressEvent&)>& on_progress);
  // Keeps the model in <out_dir>/best when the evaluation improves config.best_metric.
  void keep_if_best(const EvalReport& report, TrainSummary& summary);
  // Writes checkpoint-<step> (rank 0; every rank calls it, ZeRO-1's moments are gathered).
  void save_checkpoint();
  void save_final(TrainSummary& summary);
  // Fixes total_steps (and the schedule's end) so that training fills config.max_minutes, from the
  // measured time per step and the time already spent.
  void fix_steps_for_budget(double seconds_per_step, double elapsed_s);

  TaskModel& model_;
  TrainConfig config_;
  DataFeed feed_;
  nn::LrSchedule schedule_;
  int64_t step_ = 0;
  int64_t saved_step_ = -1;    // the step whose checkpoint-N in the run directory is this state
  double elapsed_before_ = 0;  // seconds spent in earlier sessions of this run
  int64_t tokens_seen_ = 0;
  int64_t best_step_ = -1;     // best_metric: the step of the best evaluation so far
  double best_value_ = 0;
  Window window_;
  struct Optimizer;
  std::unique_ptr<Optimizer> opt_;
  std::unique_ptr<DataParallel> dp_;
  bool sharded_ = false;  // ZeRO-1 over several ranks: AdamW updates this rank's shard
  std::chrono::steady_clock::time_point run_t0_;  // when run() started
  bool agreed_stop_ = false;     // several ranks: some rank was asked to stop (last step's reduction)
  double agreed_elapsed_ = 0;    // several ranks: rank 0's seconds since run() started, at that step
};

}  // namespace bert
