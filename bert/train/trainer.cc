// trainer.cc — the training loop, evaluation and checkpoints.
#include "bert/train/trainer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <optional>

#include "bert/checkpoint.h"
#include "bert/task/memory_check.h"
#include "bert/train/data_parallel.h"
#include "bert/train/run_dir.h"
#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/ops.h"
#include "core/rng.h"
#include "core/storage.h"
#include "nn/dropout.h"
#include "nn/io/safetensors.h"
#include "nn/optim/adamw.h"
#include "nn/optim/clip.h"

namespace bert {
namespace fs = std::filesystem;

namespace {
std::atomic<bool> g_stop{false};

// BERT's warmup for a run of `total` steps: 10% of them, at most 1000.
int64_t default_warmup(int64_t total) { return std::min<int64_t>(total / 10, 1000); }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The mean of every statistic, for progress lines and metrics.
std::vector<std::pair<std::string, double>> means(const Statistics& stats) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [name, s] : stats.items()) out.push_back({name, s.mean()});
  return out;
}
}  // namespace

struct Trainer::Optimizer {
  nn::AdamW adamw;
  // AdamW over `shard` of the flat parameters (all of them unless ZeRO-1 shards them).
  Optimizer(nn::FlatParameters& flat, const TrainConfig& c, nn::dist::Shard shard)
      : adamw(flat, {0.9f, 0.999f, 1e-6f, static_cast<float>(c.weight_decay), true}, shard.begin, shard.end) {}
};

Trainer::Trainer(TaskModel& model, TrainConfig config, DataFeed feed)
    : model_(model), config_(std::move(config)), feed_(std::move(feed)) {
  NN_CHECK(config_.batch_size >= 1 && config_.grad_accum >= 1, "trainer: batch size and gradient accumulation must be at least 1");
  NN_CHECK(config_.total_steps >= 1 || (config_.total_steps == 0 && config_.max_minutes > 0),
           "trainer: give a step count of at least 1, or a time budget (max_minutes) to fix it");
  NN_CHECK(feed_.next, "trainer: the data feed has no training stream");
  // Gradients and AdamW moments are allocated below: refuse first when they cannot fit.
  check_model_fits_memory(model_.config(), model_.architecture(), kTrainingBytesPerParameter);
  // Until a time budget's step count is fixed, the schedule runs as if the end were far away, and
  // an automatic warmup (−1) ramps as if over 1000 steps (it becomes 10% of the count, at most 1000,
  // once the count is fixed, so the rate keeps rising through the switch).
  if (config_.warmup_steps < 0 && config_.total_steps > 0) config_.warmup_steps = default_warmup(config_.total_steps);
  schedule_ = {nn::parse_schedule_kind(config_.schedule), config_.lr, config_.warmup_steps < 0 ? 1000 : config_.warmup_steps,
               config_.total_steps > 0 ? config_.total_steps : int64_t{1} << 40};
  nn::FlatParameters* flat = model_.flat_parameters();
  if (!flat) flat = &model_.flatten_parameters(nn::is_no_decay_parameter);
  NN_CHECK(config_.zero_stage == 0 || config_.zero_stage == 1, "trainer: ZeRO stage ", config_.zero_stage,
           " (0: none, 1: AdamW's moments sharded across ranks)");
  model_.encoder().encoder.recompute = config_.recompute;  // the same numbers, less activation memory
  dp_ = std::make_unique<DataParallel>(nn::dist::world(), model_, config_.grad_accum);
  sharded_ = config_.zero_stage >= 1 && dp_->distributed();
  opt_ = std::make_unique<Optimizer>(*flat, config_, dp_->optimizer_shard(sharded_));
}

Trainer::~Trainer() = default;

void Trainer::request_stop() { g_stop.store(true); }
bool Trainer::stop_requested() { return g_stop.load(); }
void Trainer::clear_stop() { g_stop.store(false); }

Trainer::StepResult Trainer::train_step() {
  const nn::Bf16WeightScope fixed_weights;  // the weights change only after this step (bf16: round once)
  model_.zero_grad();
  StepResult r;
  for (int64_t micro = 0; micro < config_.grad_accum; ++micro) {
    const Batch next = feed_.next();  // every rank reads the whole stream…
    if (!dp_->mine(micro)) continue;  // …and computes its own share of the step
    double weight = 1;                // this rank's share of the micro-batch's rows
    const Batch batch = dp_->share(next, weight);
    const float scale = static_cast<float>(weight / static_cast<double>(config_.grad_accum));
    nn::set_dropout_seed(dp_->dropout_seed(nn::mix_seed(config_.seed, static_cast<uint64_t>(step_ * config_.grad_accum + micro))));
    const TaskOutput out = model_.compute_loss(batch);
    const double value = out.loss.item();
    NN_CHECK(std::isfinite(value), "training stopped: the loss became ", value, " at step ", step_ + 1,
             " (lower --lr or raise --warmup-steps); the last good checkpoint is kept");
    r.loss += value * scale;
    if (weight > 0) {
      r.stats.add(out.stats);
      r.tokens += count_tokens(batch.attention_mask);
      r.positions += batch.attention_mask.numel();
    } else {  // a rank without rows: the statistics' names only, so every rank reports the same list
      for (const auto& item : out.stats.items()) r.stats.add(item.first, 0, 0);
    }
    dp_->before_backward(micro);
    nn::mul(out.loss, scale).backward();
    dp_->after_backward(micro);  // several ranks: the gradients are now the sums over all of them
  }
  reduce_step(r);
  nn::FlatParameters& flat = *model_.flat_parameters();
  r.grad_norm = nn::grad_norm(flat);
  NN_CHECK(std::isfinite(r.grad_norm), "training stopped: the gradient norm became ", r.grad_norm, " at step ",
           step_ + 1, "; the last good checkpoint is kept");
  r.lr = schedule_.lr(step_);
  // Clipping rides in the AdamW sweep: the same values as scaling the gradients first, one pass less.
  opt_->adamw.step(static_cast<float>(r.lr), nn::clip_coefficient(r.grad_norm, config_.max_grad_norm));
  if (sharded_) dp_->allgather_parameters();  // ZeRO-1: each rank updated its shard
  ++step_;
  tokens_seen_ += r.tokens;
  return r;
}

void Trainer::reduce_step(StepResult& r) {
  if (!dp_->distributed()) return;
  // [loss, tokens, positions, stop, rank 0's clock, then each statistic's sum and count]
  std::vector<double> v = {r.loss, static_cast<double>(r.tokens), static_cast<double>(r.positions),
                           stop_requested() ? 1.0 : 0.0, dp_->root() ? seconds_since(run_t0_) : 0.0};
  for (const auto& [name, st] : r.stats.items()) {
    v.push_back(st.sum);
    v.push_back(static_cast<double>(st.count));
  }
  dp_->sum(v);
  r.loss = v[0];
  r.tokens = static_cast<int64_t>(v[1]);
  r.positions = static_cast<int64_t>(v[2]);
  agreed_stop_ = v[3] > 0;
  agreed_elapsed_ = v[4];
  Statistics all;
  size_t i = 5;
  for (const auto& item : r.stats.items()) {
    all.add(item.first, v[i], static_cast<int64_t>(v[i + 1]));
    i += 2;
  }
  r.stats = std::move(all);
}

EvalReport Trainer::evaluate() {
  nn::NoGradGuard no_grad;
  const nn::Bf16WeightScope fixed_weights;
  model_.eval();
  const std::unique_ptr<Evaluator> evaluator = model_.make_evaluator();
  // Several ranks: each computes its share of the held-out batches, then rank 0 takes every
  // batch's output in order, so its evaluator sees what one process would.
  std::vector<TaskOutput> outputs(feed_.eval.size());
  for (size_t i = 0; i < feed_.eval.size(); ++i)
    if (dp_->owns_eval_batch(i)) {
      outputs[i] = model_.compute_loss(feed_.eval[i]);
      if (!evaluator->reads_logits()) outputs[i].logits = nn::Tensor();  // a language model's are large
    }
  model_.train();
  Statistics lm;  // the language-model loss, summed over the pass, for per-character figures
  for (size_t i = 0; i < feed_.eval.size(); ++i) {
    const TaskOutput out = dp_->gather_eval_output(i, std::move(outputs[i]), evaluator->reads_logits());
    if (!dp_->root()) continue;
    evaluator->add(feed_.eval[i], out);
    if (const Statistic* s = out.stats.find("lm_loss")) lm.add("lm_loss", s->sum, s->count);
  }
  EvalReport r = evaluator->report();
  // Bits per character: Σ nats over the held-out text's characters (comparable with character-level
  // models whatever the tokenizer).
  if (const Statistic* s = lm.find("lm_loss"); s && feed_.eval_chars > 0) {
    const double nats_per_char = s->sum / static_cast<double>(feed_.eval_chars);
    r.metrics.push_back({"nats_per_char", nats_per_char});
    r.metrics.push_back({"bits_per_char", nats_per_char / std::numbers::ln2});
  }
  return r;
}

void Trainer::save_checkpoint() {
  // ZeRO-1: every rank sends its shard of the moments; rank 0 alone writes. The first moment is
  // gathered into the gradient buffer (idle between steps), so a save costs one moment's memory.
  const nn::Tensor exp_avg = dp_->gather_moment(opt_->adamw.exp_avg(), model_.flat_parameters()->grads);
  const nn::Tensor exp_avg_sq = dp_->gather_moment(opt_->adamw.exp_avg_sq());
  saved_step_ = step_;
  if (!dp_->root()) return;
  const fs::path out(config_.out_dir);
  const fs::path final_dir = out / run_dir::checkpoint_name(step_);
  const fs::path tmp = out / (run_dir::checkpoint_name(step_) + ".tmp");
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  NN_CHECK(!ec, tmp.string(), ": cannot create the checkpoint directory: ", ec.message());
  try {
    save_pretrained(tmp.string(), model_, config_.vocab_path, config_.lower_case);
    nn::write_safetensors((tmp / "optimizer.safetensors").string(),
                          {{"exp_avg", exp_avg}, {"exp_avg_sq", exp_avg_sq}},
                          {{"step", std::to_string(opt_->adamw.steps())}});
    // Written last: a checkpoint is complete when its trainer state exists.
    run_dir::TrainerState state{step_, tokens_seen_, elapsed_before_,
                                feed_.position ? feed_.position() : std::string(), config_};
    state.best_step = best_step_;
    state.best_value = best_value_;
    run_dir::write_state(tmp.string(), state);
    run_dir::discard(final_dir.string());  // an earlier checkpoint of this step (a resumed run's)
    fs::rename(tmp, final_dir);
  } catch (...) {
    fs::remove_all(tmp, ec);  // the previous checkpoints stay as they were
    saved_step_ = -1;
    throw;
  }
  run_dir::rotate(config_.out_dir, config_.keep_checkpoints, step_);
}

void Trainer::keep_if_best(const EvalReport& report, TrainSummary& summary) {
  if (config_.best_metric.empty()) return;
  NN_CHECK(report.has(config_.best_metric), "trainer: the evaluation has no metric '", config_.best_metric,
           "' to keep the best model by");
  const double v = report.get(config_.best_metric);
  const bool better = best_step_ < 0 || (config_.greater_is_better ? v > best_value_ : v < best_value_);
  if (!better || !std::isfinite(v)) return;
  best_step_ = step_;
  best_value_ = v;
  save_pretrained(run_dir::best_dir(config_.out_dir), model_, config_.vocab_path, config_.lower_case);
  summary.best_step = best_step_;
  summary.best_value = best_value_;
}

void Trainer::save_final(TrainSummary& summary) {
  // With a best metric, the run ends with the best model it evaluated (HF's load_best_model_at_end).
  if (best_step_ >= 0 && best_step_ != step_) {
    load_weights(model_, (fs::path(run_dir::best_dir(config_.out_dir)) / "model.safetensors").string());
    summary.best_step = best_step_;
    summary.best_value = best_value_;
  }
  save_pretrained(config_.out_dir, model_, config_.vocab_path, config_.lower_case, config_.save_bf16);
}

void Trainer::resume(const std::string& dir) {
  const std::string ckpt = run_dir::find_checkpoint(dir);
  const run_dir::TrainerState state = run_dir::read_state(ckpt);
  load_weights(model_, (fs::path(ckpt) / "model.safetensors").string());
  const nn::SafeTensorsFile opt = nn::SafeTensorsFile::open((fs::path(ckpt) / "optimizer.safetensors").string());
  // Each moment whole, then this rank's shard of it (ZeRO-1; without it the shard is the whole).
  for (const auto& [name, moment] : {std::pair{"exp_avg", &opt_->adamw.exp_avg()}, std::pair{"exp_avg_sq", &opt_->adamw.exp_avg_sq()}}) {
    nn::Tensor all = nn::Tensor::empty({model_.flat_parameters()->values.numel()});
    opt.read_f32_into(name, all.data(), all.numel());
    std::copy_n(all.data() + opt_->adamw.begin(), moment->numel(), moment->data());
  }
  const auto& meta = opt.metadata();
  NN_CHECK(meta.count("step"), ckpt, "/optimizer.safetensors: no \"step\" in its metadata");
  opt_->adamw.set_steps(std::stoll(meta.at("step")));
  step_ = state.step;
  tokens_seen_ = state.tokens_seen;
  elapsed_before_ = state.elapsed_s;
  best_step_ = state.best_step;
  best_value_ = state.best_value;
  if (feed_.seek) feed_.seek(state.data_position);
  // The run continues in out_dir: when the checkpoint resumed from is its checkpoint-N, this state
  // is saved already.
  std::error_code ec;
  if (fs::equivalent(ckpt, fs::path(config_.out_dir) / run_dir::checkpoint_name(step_), ec)) saved_step_ = step_;
}

void Trainer::log(const StepResult& last, const EvalReport* eval, double run_seconds, MetricsLog& metrics,
                  TrainSummary& summary, const std::function<void(const ProgressEvent&)>& on_progress) {
  const double dt = std::max(seconds_since(window_.start), 1e-9);
  const double steps = static_cast<double>(window_.steps);
  ProgressEvent ev;
  ev.kind = ProgressEvent::Kind::Step;
  ev.step = step_;
  ev.total_steps = config_.total_steps;
  ev.loss = window_.loss / steps;
  ev.stats = means(window_.stats);
  ev.lr = last.lr;
  ev.tokens_per_s = static_cast<double>(window_.tokens) / dt;
  ev.elapsed_s = elapsed_before_ + run_seconds;
  ev.eta_s = dt / steps * static_cast<double>(std::max<int64_t>(config_.total_steps - step_, 0));
  if (config_.max_minutes > 0) ev.eta_s = std::min(ev.eta_s, std::max(0.0, config_.max_minutes * 60 - run_seconds));
  MetricsRecord rec;
  rec.step = step_;
  rec.loss = ev.loss;
  rec.lr = last.lr;
  rec.tokens_per_s = ev.tokens_per_s;
  rec.grad_norm = last.grad_norm;
  rec.elapsed_s = ev.elapsed_s;
  rec.peak_memory_mb = static_cast<double>(nn::peak_resident_bytes()) / (1024.0 * 1024.0);
  if (window_.positions > 0)
    rec.padding_share = 1.0 - static_cast<double>(window_.tokens) / static_cast<double>(window_.positions);
  rec.train = ev.stats;
  on_progress(ev);
  if (eval) {
    ProgressEvent ee = ev;
    ee.kind = ProgressEvent::Kind::Eval;
    ee.eval = *eval;
    rec.eval = ee.eval.metrics;
    summary.last_eval = ee.eval;
    summary.evaluated = true;
    keep_if_best(ee.eval, summary);
    on_progress(ee);
  }
  metrics.add(rec);
  window_ = Window{std::chrono::steady_clock::now()};
}

TrainSummary Trainer::run(const std::function<void(const ProgressEvent&)>& on_progress) {
  const bool root = dp_->root();  // several ranks: rank 0 alone reports, evaluates and writes
  std::error_code ec;
  fs::create_directories(config_.out_dir, ec);
  NN_CHECK(!ec, config_.out_dir, ": cannot create the output directory: ", ec.message());
  std::optional<MetricsLog> metrics;
  if (root) {
    run_dir::remove_leftovers(config_.out_dir);  // half-written checkpoints of a crash
    metrics.emplace(config_.out_dir, "nnbert " + model_.architecture() + " — " +
                                         fs::path(config_.out_dir).filename().string(), step_);
  }
  dp_->broadcast_weights();  // every rank starts from rank 0's weights
  model_.train();
  TrainSummary summary;
  const auto t0 = std::chrono::steady_clock::now();
  run_t0_ = t0;
  agreed_stop_ = false;
  agreed_elapsed_ = 0;
  window_ = Window{t0};
  // Decisions every rank takes together: one process reads its own stop flag and clock; several
  // ranks read those agreed in the last step's reduction (any rank's flag, rank 0's clock).
  const auto stop_now = [&] { return dp_->distributed() ? agreed_stop_ : stop_requested(); };
  const auto clock_s = [&] { return dp_->distributed() ? agreed_elapsed_ : seconds_since(t0); };
  const auto out_of_time = [&] { return config_.max_minutes > 0 && clock_s() > config_.max_minutes * 60; };
  // A time budget without a step count: the steps that fill it are fixed from the speed of the
  // first steps, so the schedule can decay to 0 as the budget ends. The speed is measured from step
  // 3 (the first steps allocate and create the GEMM primitives) over at least 20 steps and 3% of the
  // budget (at most 30 s): a shorter window overestimates a step's time and leaves budget unused.
  const int64_t probe_begin = step_ + 3;
  const double probe_s = std::min(0.03 * config_.max_minutes * 60, 30.0);
  double probe_start = 0;
  while (config_.total_steps == 0 || step_ < config_.total_steps) {
    if (stop_now()) { summary.interrupted = true; break; }
    if (out_of_time()) break;
    if (config_.total_steps == 0 && step_ == probe_begin) probe_start = clock_s();
    if (config_.total_steps == 0 && step_ >= probe_begin + 20 && clock_s() - probe_start >= probe_s)
      fix_steps_for_budget((clock_s() - probe_start) / static_cast<double>(step_ - probe_begin), clock_s());
    const StepResult r = train_step();
    window_.steps += 1;
    window_.loss += r.loss;
    window_.tokens += r.tokens;
    window_.positions += r.positions;
    window_.stats.add(r.stats);

    // The last step of the run: the step count or the time limit is reached (evaluated and logged).
    const bool last = step_ == config_.total_steps || out_of_time();
    const bool evaluate_now = (config_.eval_every > 0 && step_ % config_.eval_every == 0) || last;
    std::optional<EvalReport> eval;  // every rank evaluates its share; rank 0 has the report
    if (evaluate_now && !feed_.eval.empty()) {
      const auto e0 = std::chrono::steady_clock::now();
      eval = evaluate();
      window_.start += std::chrono::steady_clock::now() - e0;  // the window's speed is training's alone
    }
    if (step_ % std::max<int64_t>(config_.log_every, 1) == 0 || evaluate_now || step_ == 1) {
      if (root) log(r, eval ? &*eval : nullptr, seconds_since(t0), *metrics, summary, on_progress);
      else window_ = Window{std::chrono::steady_clock::now()};
    }
    const bool save_now = config_.save_every > 0 && step_ % config_.save_every == 0 && !last;
    // Several ranks: the others wait (longer than a collective may) while rank 0 saves (a
    // checkpoint, or the best model so far after an evaluation).
    const bool root_alone = (eval && !config_.best_metric.empty()) || save_now;
    if (save_now) {
      elapsed_before_ += seconds_since(t0);
      save_checkpoint();  // every rank (ZeRO-1 gathers the moments); rank 0 writes
      elapsed_before_ -= seconds_since(t0);
      if (root) {
        ProgressEvent sv;
        sv.kind = ProgressEvent::Kind::Saved;
        sv.step = step_;
        sv.path = (fs::path(config_.out_dir) / run_dir::checkpoint_name(step_)).string();
        on_progress(sv);
      }
    }
    if (root_alone) dp_->wait_for_root();
  }
  elapsed_before_ += seconds_since(t0);
  summary.steps = step_;
  summary.final_dir = config_.out_dir;
  // A run stopped right after a periodic save, or before its first step after resuming, has its
  // checkpoint already: it is kept as it is (rewriting it would leave, for a moment, no
  // checkpoint of this step under its name). Rank 0's view decides for every rank.
  if (dp_->agree_with_root(saved_step_ != step_)) save_checkpoint();
  if (!root) return summary;  // rank 0 saves the run once
  save_final(summary);
  ProgressEvent done;
  done.kind = ProgressEvent::Kind::Done;
  done.step = step_;
  done.total_steps = config_.total_steps;
  done.elapsed_s = elapsed_before_;
  done.path = (fs::path(config_.out_dir) / run_dir::checkpoint_name(step_)).string();
  on_progress(done);
  return summary;
}

void Trainer::fix_steps_for_budget(double seconds_per_step, double elapsed_s) {
  // An evaluation pass is a forward pass over the held-out batches: about a third of a training
  // step's work per batch (backward costs about twice the forward).
  const double eval_batches = static_cast<double>(feed_.eval.size());
  const double eval_s = eval_batches * seconds_per_step / (3.0 * static_cast<double>(config_.grad_accum));
  const double per_step = seconds_per_step + (config_.eval_every > 0 ? eval_s / static_cast<double>(config_.eval_every) : 0);
  const double remaining = 0.98 * (config_.max_minutes * 60 - elapsed_s) - eval_s;  // the final evaluation
  config_.total_steps = std::max<int64_t>(step_ + 1, step_ + static_cast<int64_t>(remaining / per_step));
  schedule_.total_steps = config_.total_steps;
  if (config_.warmup_steps < 0) config_.warmup_steps = default_warmup(config_.total_steps);
  schedule_.warmup_steps = std::min(config_.warmup_steps, config_.total_steps);
}

}  // namespace bert
