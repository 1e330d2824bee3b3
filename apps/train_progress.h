// train_progress.h — what the training apps (pretrain, finetune) show while a Trainer runs: one
// progress line per logged step (rewritten in place on a terminal), a line per evaluation with
// every metric the model's evaluator reports, saves and the final summary; Ctrl-C handling; and
// the --profile recorder.
#pragma once
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>

#include "bert/train/trainer.h"
#include "core/profile.h"
#include "core/storage.h"

namespace cli {

inline std::atomic<int> g_signals{0};  // lock-free, so safe in a signal handler

// SIGINT/SIGTERM: the first asks the trainer to stop after this step and save; the second quits.
inline void on_stop_signal(int) {
  if (g_signals.fetch_add(1) > 0) _exit(130);  // the last checkpoint is intact
  bert::Trainer::request_stop();
  const char msg[] = "\nstopping after this step and saving (Ctrl-C again to quit at once)\n";
  [[maybe_unused]] ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
}

// Installs on_stop_signal for SIGINT and SIGTERM.
inline void stop_on_signals() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

// "4m05s" or "1h02m".
inline std::string format_duration(double s) {
  char buf[32];
  const long t = static_cast<long>(s);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  return buf;
}

// "  name value" for a metric: losses and per-character figures with 4 decimals, perplexity 2,
// the rest (accuracies, F1, correlations) 3.
inline std::string format_metric(const std::string& name, double v) {
  char buf[96];
  const bool fine = name.find("loss") != std::string::npos || name.find("per_char") != std::string::npos;
  std::snprintf(buf, sizeof buf, name == "perplexity" ? "  %s %.2f" : fine ? "  %s %.4f" : "  %s %.3f", name.c_str(), v);
  return buf;
}

// Prints trainer events to stderr. On a terminal the step line is rewritten in place and left
// open; the destructor ends it, so an error that stops the run (a full disk) starts a line of its own.
struct ProgressPrinter {
  bool tty = isatty(STDERR_FILENO) != 0;
  mutable bool line_open = false;  // a step line without its newline is on the terminal
  ProgressPrinter() = default;
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;
  // Ends an open step line.
  ~ProgressPrinter() {
    if (line_open) std::fputc('\n', stderr);
  }
  // Prints one event.
  void operator()(const bert::ProgressEvent& e) const {
    using K = bert::ProgressEvent::Kind;
    line_open = tty && e.kind == K::Step;
    if (e.kind == K::Step) {
      std::string stats;  // the model's statistics; its losses are part of "loss" already
      for (const auto& [name, v] : e.stats)
        if (name.find("loss") == std::string::npos) stats += format_metric(name, v);
      char total[32] = "";  // a --minutes run fixes its step count after its first steps
      if (e.total_steps > 0) std::snprintf(total, sizeof total, "/%lld", static_cast<long long>(e.total_steps));
      std::fprintf(stderr, "%sstep %lld%s  loss %.4f%s  lr %.2e  %.0f tok/s  eta %s%s", tty ? "\r\033[K" : "",
                   static_cast<long long>(e.step), total, e.loss, stats.c_str(), e.lr, e.tokens_per_s,
                   format_duration(e.eta_s).c_str(), tty ? "" : "\n");
    } else if (e.kind == K::Eval) {
      std::string metrics;
      for (const auto& [name, v] : e.eval.metrics) metrics += format_metric(name, v);
      std::fprintf(stderr, "%seval  step %lld%s\n%s", tty ? "\n" : "", static_cast<long long>(e.step), metrics.c_str(),
                   e.eval.details.c_str());
    } else if (e.kind == K::Saved) {
      std::fprintf(stderr, "%ssaved %s\n", tty ? "\n" : "", e.path.c_str());
    } else {
      std::fprintf(stderr, "%sdone: %lld steps in %s, peak memory %.0f MB\n", tty ? "\n" : "",
                   static_cast<long long>(e.step), format_duration(e.elapsed_s).c_str(),
                   static_cast<double>(nn::peak_resident_bytes()) / (1024.0 * 1024.0));
    }
  }
};

// --profile: records ops from the end of the first logged step (warm-up: JIT, allocator) to the
// end of the last, and keeps the table of the steps seen so far (evaluation after the last step
// would otherwise be counted).
struct StepProfiler {
  int64_t first_step = -1, last_step = -1;
  std::chrono::steady_clock::time_point start;
  std::string table;
  // Called with every Step event.
  void on_step(int64_t step) {
    if (first_step < 0) {
      first_step = last_step = step;
      nn::profile::reset();
      nn::profile::set_enabled(true);
      start = std::chrono::steady_clock::now();
      return;
    }
    last_step = step;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    table = nn::profile::report(step - first_step, wall);
  }
  // Prints the table to stdout (after the run).
  void print() const {
    nn::profile::set_enabled(false);
    std::printf("\nprofile of steps %lld-%lld (per step; evaluation and saving between them included):\n%s",
                static_cast<long long>(first_step + 1), static_cast<long long>(last_step),
                table.empty() ? "(fewer than 2 steps)\n" : table.c_str());
  }
};

}  // namespace cli
