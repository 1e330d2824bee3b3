// profile.cc — the recorder behind core/profile.h: a per-thread stack of open scopes and one
// table of totals keyed by (op, forward/backward).
#include "core/profile.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace nn::profile {
namespace {

std::atomic<bool> g_enabled{false};
std::thread::id g_owner;  // the thread that enabled profiling
std::mutex g_mutex;
std::map<std::pair<std::string, bool>, Entry> g_table;
thread_local Scope* t_top = nullptr;

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool recording_here() {
  return g_enabled.load(std::memory_order_relaxed) && !omp_in_parallel() &&
         std::this_thread::get_id() == g_owner;
}

}  // namespace

void set_enabled(bool on) {
  g_owner = std::this_thread::get_id();
  g_enabled.store(on);
}

bool enabled() { return g_enabled.load(); }

void reset() {
  const std::lock_guard<std::mutex> lock(g_mutex);
  g_table.clear();
}

void add_flops(double flops) {
  if (t_top != nullptr && recording_here()) t_top->flops_ += flops;
}

Scope::Scope(const char* name, bool backward) {
  if (!recording_here()) return;
  name_ = name;
  backward_ = backward;
  parent_ = t_top;
  t_top = this;
  start_ = now();
}

Scope::~Scope() {
  if (name_ == nullptr) return;
  const double elapsed = now() - start_;
  t_top = parent_;
  if (parent_ != nullptr) parent_->children_ += elapsed;
  const std::lock_guard<std::mutex> lock(g_mutex);
  Entry& e = g_table[{name_, backward_}];
  if (e.op.empty()) e.op = backward_ ? std::string(name_) + " backward" : name_;
  e.calls += 1;
  e.seconds += elapsed - children_;
  e.flops += flops_;
}

std::vector<Entry> entries() {
  std::vector<Entry> out;
  {
    const std::lock_guard<std::mutex> lock(g_mutex);
    for (const auto& [key, e] : g_table) out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.seconds > b.seconds; });
  return out;
}

std::string report(int64_t steps, double wall_seconds) {
  const std::vector<Entry> rows = entries();
  const double per = 1.0 / static_cast<double>(std::max<int64_t>(1, steps));
  double op_seconds = 0, flops = 0;
  for (const Entry& e : rows) {
    op_seconds += e.seconds;
    flops += e.flops;
  }
  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "%-26s %10s %10s %7s %9s\n", "op", "calls/step", "ms/step", "share", "GFLOP/s");
  out += line;
  const auto add_row = [&](const std::string& op, double calls, double seconds, double f) {
    char rate[16] = "";
    if (f > 0 && seconds > 0) std::snprintf(rate, sizeof rate, "%.1f", f / seconds * 1e-9);
    std::snprintf(line, sizeof line, "%-26s %10.1f %10.2f %6.1f%% %9s\n", op.c_str(), calls * per,
                  seconds * per * 1e3, wall_seconds > 0 ? 100.0 * seconds / wall_seconds : 0.0, rate);
    out += line;
  };
  for (const Entry& e : rows) add_row(e.op, static_cast<double>(e.calls), e.seconds, e.flops);
  add_row("(outside ops)", 0, std::max(0.0, wall_seconds - op_seconds), 0);
  std::snprintf(line, sizeof line, "step %.1f ms, GEMM %.1f GFLOP per step, %.1f GFLOP/s over the whole step\n",
                wall_seconds * per * 1e3, flops * per * 1e-9, wall_seconds > 0 ? flops / wall_seconds * 1e-9 : 0.0);
  out += line;
  return out;
}

}  // namespace nn::profile
