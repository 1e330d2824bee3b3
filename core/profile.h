// profile.h — where the time goes: wall time, call counts and GEMM FLOPs per op, forward and
// backward separately, for anyone asking "what is slow in my step?" (pretrain --profile).
//
// Ops open a Scope named after themselves; the engine opens one per backward node. Time is
// exclusive: a scope's time excludes the scopes opened inside it, so the rows add up to the
// time spent in ops. FLOPs are the GEMM multiply-adds ×2 that gemm() and the attention kernel
// report with add_flops(), credited to the innermost open scope. Disabled (the default), a
// Scope costs one relaxed atomic load. Scopes on threads other than the one that enabled
// profiling, or inside OpenMP parallel regions, are ignored.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace nn::profile {

// Turns recording on or off for the calling thread's ops (and clears nothing).
void set_enabled(bool on);
// True while recording.
bool enabled();
// Forgets everything recorded so far.
void reset();
// Adds GEMM flops to the innermost open scope (no-op when disabled or inside a parallel region).
void add_flops(double flops);

// Times the enclosing block as op `name` (a string literal), forward or backward.
class Scope {
 public:
  explicit Scope(const char* name, bool backward = false);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  friend void add_flops(double);
  const char* name_ = nullptr;  // null when not recording
  bool backward_ = false;
  Scope* parent_ = nullptr;
  double start_ = 0, children_ = 0, flops_ = 0;
};

// One row of the profile.
struct Entry {
  std::string op;         // "linear", "attention backward", ...
  int64_t calls = 0;
  double seconds = 0;     // exclusive wall time
  double flops = 0;       // GEMM flops
};

// Everything recorded since the last reset(), most time first.
std::vector<Entry> entries();

// A table of entries() per step: calls, ms and share of `wall_seconds`, GFLOP/s; then the time
// outside ops (data, optimizer bookkeeping, framework) and the overall GFLOP/s.
std::string report(int64_t steps, double wall_seconds);

}  // namespace nn::profile
