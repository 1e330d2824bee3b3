// gibbs.h — text from a masked-LM checkpoint by iterative mask-and-resample (Wang & Cho 2019,
// "BERT has a mouth, and it must speak"): start from [CLS] prompt [MASK]×L [SEP]; at each
// iteration pick one of the L positions (at random, or sweeping left to right), mask it, and
// draw a new token there from the model's MLM distribution given everything else.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bert/model/task_models.h"
#include "bert/generation/sampler.h"
#include "bert/tokenizer/tokenizer.h"
#include "core/rng.h"

namespace bert {

enum class GibbsOrder { Random, Sweep };

struct GibbsOptions {
  SamplingOptions sampling;  // temperature (0: argmax), top-k, top-p; no repetition penalty
  int length = 10;           // L generated positions
  int iterations = 50;       // resampling steps (each visits one position)
  GibbsOrder order = GibbsOrder::Random;
  uint64_t seed = 0;
};

struct GibbsResult {
  std::vector<int32_t> ids;       // the L generated tokens
  std::string text;               // their text
  std::vector<int32_t> sequence;  // the whole [CLS] prompt … [SEP]
  int64_t first = 0;              // index of the first generated token in sequence
  double seconds = 0;
};

// The distribution one Gibbs step draws position `position` of `ids` from: `ids` with [MASK]
// (mask_id) there, one forward of the masked-LM model, the MLM logits at that position through
// the sampling rules. Needs temperature > 0.
std::vector<double> gibbs_distribution(const TaskModel& model, const std::vector<int32_t>& ids, int64_t position,
                                       int32_t mask_id, const SamplingOptions& sampling);

// One Gibbs step: masks ids[position], draws a token from the model there (argmax at
// temperature 0) with rng, writes it into ids and returns it.
int32_t gibbs_step(const TaskModel& model, std::vector<int32_t>& ids, int64_t position, int32_t mask_id,
                   const SamplingOptions& sampling, nn::Generator& rng);

// Runs options.iterations steps on [CLS] prompt [MASK]×length [SEP]. on_iteration (if set)
// receives the iteration number and the generated text after it. Throws nn::Error for a causal
// checkpoint, length < 1, iterations < 0 or a sequence longer than the model's positions.
GibbsResult gibbs_generate(const TaskModel& model, const Tokenizer& tokenizer, const std::string& prompt,
                           const GibbsOptions& options,
                           const std::function<void(int, const std::string&)>& on_iteration = {});

}  // namespace bert
