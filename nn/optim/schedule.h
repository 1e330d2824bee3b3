// schedule.h — learning-rate schedules: linear warmup then linear decay (BERT), cosine, constant.
#pragma once
#include <cstdint>
#include <string>

namespace nn {

struct LrSchedule {
  enum class Kind { Linear, Cosine, Constant };
  Kind kind = Kind::Linear;
  double peak = 1e-4;        // learning rate at the end of warmup
  int64_t warmup_steps = 0;  // linear ramp 0 → peak over these steps
  int64_t total_steps = 1;   // decay reaches 0 here (Linear, Cosine)

  // Learning rate for update number `step` (0-based), as HF get_*_schedule_with_warmup:
  // warmup step/warmup·peak, then
  // Linear: peak·(total − step)/(total − warmup); Cosine: peak·½(1 + cos(π·progress));
  // Constant: peak. Never negative.
  double lr(int64_t step) const;
};

// Parses "linear", "cosine" or "constant"; throws nn::Error otherwise.
LrSchedule::Kind parse_schedule_kind(const std::string& name);

}  // namespace nn
