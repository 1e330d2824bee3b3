// schedule.cc — the schedule formulas.
#include "nn/optim/schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace nn {

double LrSchedule::lr(int64_t step) const {
  if (step < warmup_steps) return peak * static_cast<double>(step) / static_cast<double>(warmup_steps);
  if (kind == Kind::Constant) return peak;
  const double span = static_cast<double>(std::max<int64_t>(total_steps - warmup_steps, 1));
  const double progress = std::clamp(static_cast<double>(step - warmup_steps) / span, 0.0, 1.0);
  if (kind == Kind::Linear) return peak * (1.0 - progress);
  return peak * 0.5 * (1.0 + std::cos(M_PI * progress));
}

LrSchedule::Kind parse_schedule_kind(const std::string& name) {
  if (name == "linear") return LrSchedule::Kind::Linear;
  if (name == "cosine") return LrSchedule::Kind::Cosine;
  if (name == "constant") return LrSchedule::Kind::Constant;
  fail("unknown learning-rate schedule '", name, "' (expected linear, cosine or constant)");
}

}  // namespace nn
