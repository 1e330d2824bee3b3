// trainer.h — the pretraining loop: gradient accumulation, global-norm clipping, AdamW with a
// warmup+decay schedule, periodic evaluation, metrics, atomic checkpoints that keep the last K,
// exact resume, stop on request (SIGINT) after the current step, and a clear stop on NaN/inf.
//
// Determinism: dropout masks use seed mix(seed, micro_step), the data stream is seekable and
// the optimizer state is saved in full, so a run stopped at step k and resumed gives the same
// losses as one never stopped (bit-identical on the same thread count).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "bert/checkpoint.h"
#include "bert/data/instances.h"
#include "bert/eval/baselines.h"
#include "bert/model/task_models.h"
#include "bert/train/metrics.h"
#include "bert/train/train_config.h"
#include "nn/optim/schedule.h"

namespace bert {

// The architecture each objective (bert/data/instances.h) trains.
Architecture architecture_for(Objective o);

// Where the batches come from. next_* produce the training stream in order; position()/seek()
// save and restore its place exactly; eval_* are fixed held-out batches (may be empty).
struct DataFeed {
  std::function<MaskedLMBatch()> next_masked;
  std::function<CausalLMBatch()> next_causal;
  std::function<std::string()> position;
  std::function<void(const std::string&)> seek;
  std::vector<MaskedLMBatch> eval_masked;
  std::vector<CausalLMBatch> eval_causal;
  int64_t eval_chars = 0;  // characters of the held-out text when known (causal: bits per character)
  FrequencyBaselines baselines;  // masked LM: the frequency baselines of the held-out targets
};

// Averages over one evaluation pass. loss is the mean over all predictions of the pass (masked
// tokens, or next tokens for clm); per-character figures are 0 unless the feed knows eval_chars.
struct EvalResult {
  double loss = 0, perplexity = 0, mlm_acc = 0, nsp_acc = 0;  // mlm_acc = next-token acc for clm
  int64_t predictions = 0;
  double nats_per_char = 0, bits_per_char = 0;  // clm: Σ nats / eval_chars (and / ln 2)
};

// What the trainer reports to its caller (progress lines, summaries).
struct ProgressEvent {
  enum class Kind { Step, Eval, Saved, Done } kind = Kind::Step;
  int64_t step = 0, total_steps = 0;
  double loss = 0, mlm_acc = 0, nsp_acc = 0, lr = 0, eta_s = 0, elapsed_s = 0;
  double tokens_per_s = 0;  // text tokens (padding not counted) per second of training
  EvalResult eval;
  std::string path;  // Saved: the checkpoint directory
};

struct TrainSummary {
  int64_t steps = 0;
  bool interrupted = false;
  std::string final_dir;     // where the final model is (out_dir)
  EvalResult last_eval;
  bool evaluated = false;
};

class Trainer {
 public:
  // `model` holds the architecture for config.objective, freshly initialised or loaded.
  Trainer(LoadedModel& model, TrainConfig config, DataFeed feed);
  ~Trainer();
  // Restores weights, optimizer, step, data position and metrics from a checkpoint directory, or
  // from the newest checkpoint-N inside a run directory (bert/train/run_dir.h).
  void resume(const std::string& dir);
  // Trains until total_steps, the time limit, or request_stop(); saves and returns a summary.
  TrainSummary run(const std::function<void(const ProgressEvent&)>& on_progress);
  // Evaluates on the feed's held-out batches (eval mode, no grad).
  EvalResult evaluate();
  int64_t step() const { return step_; }

  // Asks every running trainer to stop after its current step (async-signal-safe).
  static void request_stop();
  static bool stop_requested();
  // Clears a stop request (before starting another run in the same process).
  static void clear_stop();

 private:
  struct StepStats { double loss = 0, mlm_acc = 0, nsp_acc = 0; int64_t tokens = 0, positions = 0; };
  StepStats train_step();
  struct BatchOutcome;
  // One forward pass (graph kept for backward unless in a no-grad scope) with its counts.
  BatchOutcome forward(const MaskedLMBatch& batch) const;
  BatchOutcome forward(const CausalLMBatch& batch) const;
  void save_checkpoint();
  void save_final();
  // Fixes total_steps (and the schedule's end) so that training fills config.max_minutes, from the
  // measured time per step and the time already spent.
  void fix_steps_for_budget(double seconds_per_step, double elapsed_s);

  LoadedModel& model_;
  TrainConfig config_;
  DataFeed feed_;
  nn::LrSchedule schedule_;
  int64_t step_ = 0;
  double elapsed_before_ = 0;  // seconds spent in earlier sessions of this run
  int64_t tokens_seen_ = 0;
  struct Optimizer;
  std::unique_ptr<Optimizer> opt_;
};

}  // namespace bert
