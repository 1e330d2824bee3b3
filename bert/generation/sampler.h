// sampler.h — choosing the next token from a row of logits: greedy, temperature, top-k, top-p
// (nucleus) and a repetition penalty (CTRL, Keskar et al. 2019), seeded.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/rng.h"

namespace bert {

struct SamplingOptions {
  float temperature = 1.0f;        // 0: greedy (argmax)
  int top_k = 0;                   // 0: no top-k cut
  float top_p = 1.0f;              // 1: no nucleus cut
  float repetition_penalty = 1.0f; // > 1 discourages tokens already in the context
};

// The probabilities sampling draws from, after the penalty, temperature, top-k and top-p cuts
// (renormalised; zero outside the kept set). `context` holds the ids seen so far.
std::vector<double> sampling_distribution(std::span<const float> logits, std::span<const int32_t> context,
                                          const SamplingOptions& options);

// One token id: argmax when temperature is 0, else a draw from sampling_distribution.
int32_t sample_token(std::span<const float> logits, std::span<const int32_t> context,
                     const SamplingOptions& options, nn::Generator& rng);

}  // namespace bert
