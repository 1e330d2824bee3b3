// memory_check.h — refusing a model too large for the machine before allocating it: the closed-form
// parameter count (bert/inspect/param_count.h, computed here in floating point so an absurd config
// cannot overflow) × bytes per parameter, against the machine's physical memory.
#pragma once
#include <cstdint>
#include <string>

#include "bert/config.h"

namespace bert {

// Bytes per parameter of a model that is only run (fp32 weights).
inline constexpr int kInferenceBytesPerParameter = 4;
// Bytes per parameter of a model in training: fp32 weights, gradients and AdamW's two moments.
inline constexpr int kTrainingBytesPerParameter = 16;

// The closed-form parameter count of a model of class `architecture` with this config, in double
// (exact below 2^53); an architecture without a closed form counts the encoder alone.
double estimated_parameters(const BertConfig& config, const std::string& architecture);

// The one-line refusal when `bytes_per_parameter` × the parameters exceed `available_bytes` (0:
// unknown, never refused), naming the model, the size it would need and the memory; "" when it fits.
std::string memory_shortfall(const BertConfig& config, const std::string& architecture,
                             int bytes_per_parameter, int64_t available_bytes);

// Throws nn::Error with memory_shortfall()'s message when the model does not fit in this machine's
// physical memory (nn::physical_memory_bytes()).
void check_model_fits_memory(const BertConfig& config, const std::string& architecture, int bytes_per_parameter);

}  // namespace bert
