// trainer.cc — the training loop, evaluation and checkpoints.
#include "bert/train/trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <tuple>
#include <cmath>
#include <numbers>
#include <filesystem>

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

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Fraction of rows where the argmax of logits (N,C) equals the int64 target.
std::pair<int64_t, int64_t> count_correct(const nn::Tensor& logits, const nn::Tensor& targets) {
  const std::vector<float> l = logits.to_vector();
  const std::vector<int64_t> t = targets.to_ids();
  const int64_t C = logits.size(-1);
  int64_t correct = 0, counted = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] < 0) continue;
    const float* row = l.data() + i * static_cast<size_t>(C);
    const int64_t arg = std::max_element(row, row + C) - row;
    correct += arg == t[i];
    ++counted;
  }
  return {correct, counted};
}


}  // namespace

Architecture architecture_for(Objective o) {
  switch (o) {
    case Objective::mlm_nsp: return Architecture::PreTraining;
    case Objective::mlm: return Architecture::MaskedLM;
    case Objective::clm: return Architecture::LMHead;
  }
  return Architecture::PreTraining;
}

struct Trainer::Optimizer {
  nn::AdamW adamw;
  Optimizer(nn::FlatParameters& flat, const TrainConfig& c)
      : adamw(flat, {0.9f, 0.999f, 1e-6f, static_cast<float>(c.weight_decay), true}) {}
};

Trainer::Trainer(LoadedModel& model, TrainConfig config, DataFeed feed)
    : model_(model), config_(std::move(config)), feed_(std::move(feed)) {
  NN_CHECK(config_.batch_size >= 1 && config_.grad_accum >= 1, "trainer: batch size and gradient accumulation must be at least 1");
  NN_CHECK(config_.total_steps >= 1 || (config_.total_steps == 0 && config_.max_minutes > 0),
           "trainer: give a step count of at least 1, or a time budget (max_minutes) to fix it");
  // Until a time budget's step count is fixed, the schedule runs as if the end were far away.
  schedule_ = {nn::parse_schedule_kind(config_.schedule), config_.lr, config_.warmup_steps,
               config_.total_steps > 0 ? config_.total_steps : int64_t{1} << 40};
  nn::Module& m = model_.module();
  nn::FlatParameters* flat = m.flat_parameters();
  if (!flat) flat = &m.flatten_parameters(nn::is_no_decay_parameter);
  opt_ = std::make_unique<Optimizer>(*flat, config_);
}

Trainer::~Trainer() = default;

void Trainer::request_stop() { g_stop.store(true); }
bool Trainer::stop_requested() { return g_stop.load(); }
void Trainer::clear_stop() { g_stop.store(false); }

// Loss and prediction counts of one forward pass over a batch.
struct Trainer::BatchOutcome {
  nn::Tensor loss;        // what backward starts from (MLM + NSP, MLM, or causal)
  double lm_loss = 0;     // the language-model part alone (for perplexity)
  int64_t correct = 0, counted = 0, nsp_correct = 0, nsp_counted = 0;
  int64_t tokens = 0;     // text tokens of the batch (padding not counted)
  int64_t positions = 0;  // positions of the batch (B·T, padding counted)
};

namespace {
// Number of 1s of an attention mask (B,T) I64: the batch's tokens without padding.
int64_t text_tokens(const nn::Tensor& attention_mask) {
  const std::vector<int64_t> m = attention_mask.to_ids();
  return std::count(m.begin(), m.end(), int64_t{1});
}
}  // namespace

Trainer::BatchOutcome Trainer::forward(const MaskedLMBatch& b) const {
  const MaskedLMOutput out = config_.objective == Objective::mlm_nsp ? model_.pretraining->forward(b)
                                                                    : model_.masked_lm->forward(b);
  BatchOutcome o;
  o.loss = out.loss;
  o.lm_loss = out.mlm_loss.item();
  o.tokens = text_tokens(b.attention_mask);
  o.positions = b.attention_mask.numel();
  nn::NoGradGuard no_grad;
  std::tie(o.correct, o.counted) = count_correct(out.mlm_logits, b.masked_labels);
  if (out.nsp_logits.defined()) std::tie(o.nsp_correct, o.nsp_counted) = count_correct(out.nsp_logits, b.next_sentence_labels);
  return o;
}

Trainer::BatchOutcome Trainer::forward(const CausalLMBatch& b) const {
  const nn::Tensor logits = model_.lm_head->forward(b.input_ids, b.attention_mask);
  BatchOutcome o;
  o.loss = model_.lm_head->loss(logits, b.labels);
  o.lm_loss = o.loss.item();
  o.tokens = text_tokens(b.attention_mask);
  o.positions = b.attention_mask.numel();
  const int64_t B = logits.size(0), T = logits.size(1), V = logits.size(2);
  nn::NoGradGuard no_grad;
  std::tie(o.correct, o.counted) = count_correct(nn::reshape(nn::slice(logits, 1, 0, T - 1), {B * (T - 1), V}),
                                                 nn::reshape(nn::slice(b.labels, 1, 1, T), {B * (T - 1)}));
  return o;
}

Trainer::StepStats Trainer::train_step() {
  const nn::Bf16WeightScope fixed_weights;  // the weights change only after this step (bf16: round once)
  StepStats s;
  int64_t correct = 0, counted = 0, nsp_correct = 0, nsp_counted = 0;
  const float scale = 1.f / static_cast<float>(config_.grad_accum);
  for (int64_t micro = 0; micro < config_.grad_accum; ++micro) {
    nn::set_dropout_seed(nn::mix_seed(config_.seed, static_cast<uint64_t>(step_ * config_.grad_accum + micro)));
    const BatchOutcome o = config_.objective == Objective::clm ? forward(feed_.next_causal()) : forward(feed_.next_masked());
    const double value = o.loss.item();
    NN_CHECK(std::isfinite(value), "training stopped: the loss became ", value, " at step ", step_ + 1,
             " (lower --lr or raise --warmup-steps); the last good checkpoint is kept");
    s.loss += value * scale;
    s.tokens += o.tokens;
    s.positions += o.positions;
    correct += o.correct;
    counted += o.counted;
    nsp_correct += o.nsp_correct;
    nsp_counted += o.nsp_counted;
    nn::mul(o.loss, scale).backward();
  }
  s.mlm_acc = counted ? static_cast<double>(correct) / counted : 0;
  s.nsp_acc = nsp_counted ? static_cast<double>(nsp_correct) / nsp_counted : 0;
  return s;
}

EvalResult Trainer::evaluate() {
  nn::NoGradGuard no_grad;
  const nn::Bf16WeightScope fixed_weights;
  nn::Module& m = model_.module();
  m.eval();
  double nats = 0;  // Σ over batches of mean loss × predictions = Σ over predictions
  int64_t correct = 0, counted = 0, nsp_correct = 0, nsp_counted = 0;
  auto add = [&](const BatchOutcome& o) {
    nats += o.lm_loss * static_cast<double>(o.counted);
    correct += o.correct;
    counted += o.counted;
    nsp_correct += o.nsp_correct;
    nsp_counted += o.nsp_counted;
  };
  if (config_.objective == Objective::clm) {
    for (const CausalLMBatch& b : feed_.eval_causal) add(forward(b));
  } else {
    for (const MaskedLMBatch& b : feed_.eval_masked) add(forward(b));
  }
  m.train();
  EvalResult r;
  if (counted == 0) return r;
  r.loss = nats / static_cast<double>(counted);  // MLM (or causal) loss: perplexity is exp of it
  r.perplexity = std::exp(r.loss);
  r.mlm_acc = static_cast<double>(correct) / static_cast<double>(counted);
  r.nsp_acc = nsp_counted ? static_cast<double>(nsp_correct) / static_cast<double>(nsp_counted) : 0;
  r.predictions = counted;
  if (config_.objective == Objective::clm && feed_.eval_chars > 0) {
    r.nats_per_char = nats / static_cast<double>(feed_.eval_chars);
    r.bits_per_char = r.nats_per_char / std::numbers::ln2;
  }
  return r;
}

void Trainer::save_checkpoint() {
  const fs::path out(config_.out_dir);
  const fs::path final_dir = out / run_dir::checkpoint_name(step_);
  const fs::path tmp = out / (run_dir::checkpoint_name(step_) + ".tmp");
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  NN_CHECK(!ec, tmp.string(), ": cannot create the checkpoint directory: ", ec.message());
  try {
    save_pretrained(tmp.string(), model_.module(), model_.config, architecture_for(config_.objective),
                    config_.vocab_path, config_.lower_case);
    nn::write_safetensors((tmp / "optimizer.safetensors").string(),
                          {{"exp_avg", opt_->adamw.exp_avg()}, {"exp_avg_sq", opt_->adamw.exp_avg_sq()}},
                          {{"step", std::to_string(opt_->adamw.steps())}});
    // Written last: a checkpoint is complete when its trainer state exists.
    run_dir::write_state(tmp.string(), {step_, tokens_seen_, elapsed_before_,
                                        feed_.position ? feed_.position() : std::string(), config_});
    fs::remove_all(final_dir);
    fs::rename(tmp, final_dir);
  } catch (...) {
    fs::remove_all(tmp, ec);  // the previous checkpoints stay as they were
    throw;
  }
  run_dir::rotate(config_.out_dir, config_.keep_checkpoints);
}

void Trainer::fix_steps_for_budget(double seconds_per_step, double elapsed_s) {
  // An evaluation pass is a forward pass over the held-out batches: about a third of a training
  // step's work per batch (backward costs about twice the forward).
  const double eval_batches = static_cast<double>(feed_.eval_masked.size() + feed_.eval_causal.size());
  const double eval_s = eval_batches * seconds_per_step / (3.0 * static_cast<double>(config_.grad_accum));
  const double per_step = seconds_per_step + (config_.eval_every > 0 ? eval_s / static_cast<double>(config_.eval_every) : 0);
  const double remaining = 0.98 * (config_.max_minutes * 60 - elapsed_s) - eval_s;  // the final evaluation
  config_.total_steps = std::max<int64_t>(step_ + 1, step_ + static_cast<int64_t>(remaining / per_step));
  schedule_.total_steps = config_.total_steps;
  schedule_.warmup_steps = std::min(schedule_.warmup_steps, config_.total_steps);
}

void Trainer::save_final() {
  save_pretrained(config_.out_dir, model_.module(), model_.config, architecture_for(config_.objective),
                  config_.vocab_path, config_.lower_case, config_.save_bf16);
}

void Trainer::resume(const std::string& dir) {
  const std::string ckpt = run_dir::find_checkpoint(dir);
  const run_dir::TrainerState state = run_dir::read_state(ckpt);
  load_weights(model_.module(), (fs::path(ckpt) / "model.safetensors").string());
  const nn::SafeTensorsFile opt = nn::SafeTensorsFile::open((fs::path(ckpt) / "optimizer.safetensors").string());
  opt.read_f32_into("exp_avg", opt_->adamw.exp_avg().data(), opt_->adamw.exp_avg().numel());
  opt.read_f32_into("exp_avg_sq", opt_->adamw.exp_avg_sq().data(), opt_->adamw.exp_avg_sq().numel());
  const auto& meta = opt.metadata();
  NN_CHECK(meta.count("step"), ckpt, "/optimizer.safetensors: no \"step\" in its metadata");
  opt_->adamw.set_steps(std::stoll(meta.at("step")));
  step_ = state.step;
  tokens_seen_ = state.tokens_seen;
  elapsed_before_ = state.elapsed_s;
  if (feed_.seek) feed_.seek(state.data_position);
}

TrainSummary Trainer::run(const std::function<void(const ProgressEvent&)>& on_progress) {
  std::error_code ec;
  fs::create_directories(config_.out_dir, ec);
  NN_CHECK(!ec, config_.out_dir, ": cannot create the output directory: ", ec.message());
  run_dir::remove_leftovers(config_.out_dir);  // half-written checkpoints of a crash
  MetricsLog metrics(config_.out_dir, "nnbert " + objective_name(config_.objective) + " — " +
                                          fs::path(config_.out_dir).filename().string(), step_);
  nn::FlatParameters& flat = *model_.module().flat_parameters();
  model_.module().train();
  TrainSummary summary;
  const auto t0 = std::chrono::steady_clock::now();
  auto window_t = t0;
  int64_t window_tokens = 0, window_positions = 0;
  double window_loss = 0, window_acc = 0, window_nsp = 0;
  int64_t window_steps = 0;
  // A time budget without a step count: the steps that fill it are fixed from the speed of the
  // first steps (after a few warm-up steps), so the schedule can decay to 0 as the budget ends.
  const int64_t probe_begin = step_ + 3, probe_end = step_ + 23;
  auto probe_t = t0;
  while (config_.total_steps == 0 || step_ < config_.total_steps) {
    if (stop_requested()) { summary.interrupted = true; break; }
    if (config_.total_steps == 0 && step_ == probe_begin) probe_t = std::chrono::steady_clock::now();
    if (config_.total_steps == 0 && step_ == probe_end) fix_steps_for_budget(seconds_since(probe_t) / (probe_end - probe_begin), seconds_since(t0));
    if (config_.max_minutes > 0 && seconds_since(t0) > config_.max_minutes * 60) break;
    model_.module().zero_grad();
    const StepStats s = train_step();
    const double norm = nn::grad_norm(flat);
    NN_CHECK(std::isfinite(norm), "training stopped: the gradient norm became ", norm, " at step ", step_ + 1,
             "; the last good checkpoint is kept");
    const double lr = schedule_.lr(step_);
    // Clipping rides in the AdamW sweep: the same values as scaling the gradients first, one pass less.
    opt_->adamw.step(static_cast<float>(lr), nn::clip_coefficient(norm, config_.max_grad_norm));
    ++step_;
    tokens_seen_ += s.tokens;
    window_tokens += s.tokens;
    window_positions += s.positions;
    window_loss += s.loss;
    window_acc += s.mlm_acc;
    window_nsp += s.nsp_acc;
    ++window_steps;

    // The last step of the run: the step count or the time limit is reached (evaluated and logged).
    const bool last = step_ == config_.total_steps ||
                      (config_.max_minutes > 0 && seconds_since(t0) > config_.max_minutes * 60);
    const bool do_eval = (config_.eval_every > 0 && step_ % config_.eval_every == 0) || last;
    const bool do_log = step_ % std::max<int64_t>(config_.log_every, 1) == 0 || do_eval || step_ == 1;
    if (do_log) {
      const double dt = std::max(seconds_since(window_t), 1e-9);
      ProgressEvent ev;
      ev.kind = ProgressEvent::Kind::Step;
      ev.step = step_;
      ev.total_steps = config_.total_steps;
      ev.loss = window_loss / static_cast<double>(window_steps);
      ev.mlm_acc = window_acc / static_cast<double>(window_steps);
      ev.nsp_acc = window_nsp / static_cast<double>(window_steps);
      ev.lr = lr;
      ev.tokens_per_s = static_cast<double>(window_tokens) / dt;
      ev.elapsed_s = elapsed_before_ + seconds_since(t0);
      ev.eta_s = dt / static_cast<double>(window_steps) * static_cast<double>(std::max<int64_t>(config_.total_steps - step_, 0));
      if (config_.max_minutes > 0) ev.eta_s = std::min(ev.eta_s, std::max(0.0, config_.max_minutes * 60 - seconds_since(t0)));
      MetricsRecord rec;
      rec.step = step_;
      rec.loss = ev.loss;
      rec.lr = lr;
      rec.tokens_per_s = ev.tokens_per_s;
      rec.grad_norm = norm;
      rec.elapsed_s = ev.elapsed_s;
      rec.peak_memory_mb = static_cast<double>(nn::peak_resident_bytes()) / (1024.0 * 1024.0);
      rec.mlm_acc = ev.mlm_acc;
      if (window_positions > 0) rec.padding_share = 1.0 - static_cast<double>(window_tokens) / static_cast<double>(window_positions);
      if (config_.objective == Objective::mlm_nsp) rec.nsp_acc = ev.nsp_acc;
      if (do_eval && (!feed_.eval_masked.empty() || !feed_.eval_causal.empty())) {
        const EvalResult e = evaluate();
        rec.eval_loss = e.loss;
        rec.eval_mlm_acc = e.mlm_acc;
        rec.eval_perplexity = e.perplexity;
        if (e.bits_per_char > 0) {
          rec.eval_nats_per_char = e.nats_per_char;
          rec.eval_bits_per_char = e.bits_per_char;
        }
        if (config_.objective == Objective::mlm_nsp) rec.eval_nsp_acc = e.nsp_acc;
        summary.last_eval = e;
        summary.evaluated = true;
        ProgressEvent ee = ev;
        ee.kind = ProgressEvent::Kind::Eval;
        ee.eval = e;
        on_progress(ev);
        on_progress(ee);
      } else {
        on_progress(ev);
      }
      metrics.add(rec);
      window_t = std::chrono::steady_clock::now();
      window_tokens = window_positions = window_steps = 0;
      window_loss = window_acc = window_nsp = 0;
    }
    if (config_.save_every > 0 && step_ % config_.save_every == 0 && !last) {
      elapsed_before_ += seconds_since(t0);
      save_checkpoint();
      elapsed_before_ -= seconds_since(t0);
      ProgressEvent sv;
      sv.kind = ProgressEvent::Kind::Saved;
      sv.step = step_;
      sv.path = (fs::path(config_.out_dir) / run_dir::checkpoint_name(step_)).string();
      on_progress(sv);
    }
  }
  elapsed_before_ += seconds_since(t0);
  save_checkpoint();
  save_final();
  summary.steps = step_;
  summary.final_dir = config_.out_dir;
  ProgressEvent done;
  done.kind = ProgressEvent::Kind::Done;
  done.step = step_;
  done.total_steps = config_.total_steps;
  done.elapsed_s = elapsed_before_;
  done.path = (fs::path(config_.out_dir) / run_dir::checkpoint_name(step_)).string();
  on_progress(done);
  return summary;
}

}  // namespace bert
