// bench_decode.cc — decode speed of a causal checkpoint (BertLMHeadModel) through the library's
// Decoder: a prompt of P tokens in one pass, then N greedy steps (argmax of the full-vocabulary
// logits, fed back whatever it is), batch B. Prints one JSON line per repeat with the prompt and
// decode tokens/s; bench/vs_torch/decode.py runs it beside the same loop in PyTorch.
//
//   bench_decode --model DIR [--prompt-tokens 32] [--new-tokens 64] [--batch 1] [--repeats 3] [--threads N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bert/checkpoint.h"
#include "bert/generation/decoder.h"
#include "core/autograd.h"
#include "core/threads.h"

namespace {

// The value after `name` in argv, or `fallback`.
long arg(int argc, char** argv, const std::string& name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (name == argv[i]) return std::strtol(argv[i + 1], nullptr, 10);
  return fallback;
}

// Index of the largest of n values.
int32_t argmax(const float* x, int64_t n) { return static_cast<int32_t>(std::max_element(x, x + n) - x); }

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--model") dir = argv[i + 1];
  if (dir.empty()) {
    std::fprintf(stderr, "usage: bench_decode --model DIR [--prompt-tokens P] [--new-tokens N] [--batch B] "
                         "[--repeats R] [--threads T]\n");
    return 2;
  }
  const long P = arg(argc, argv, "--prompt-tokens", 32), N = arg(argc, argv, "--new-tokens", 64);
  const long B = arg(argc, argv, "--batch", 1), R = arg(argc, argv, "--repeats", 3);
  if (arg(argc, argv, "--threads", 0) > 0) nn::set_num_threads(static_cast<int>(arg(argc, argv, "--threads", 0)));
  try {
    const std::unique_ptr<bert::TaskModel> model = bert::load_pretrained(dir);
    const bert::BertLMHeadModel* lm = bert::as_causal_lm(*model);
    if (!lm) throw nn::Error(dir + ": not a causal BertLMHeadModel checkpoint");
    const int64_t V = model->config().vocab_size;
    nn::NoGradGuard no_grad;
    // Fixed prompt ids, away from the specials.
    std::vector<std::vector<int32_t>> prompts(static_cast<size_t>(B));
    for (long b = 0; b < B; ++b)
      for (long t = 0; t < P; ++t) prompts[static_cast<size_t>(b)].push_back(static_cast<int32_t>(1000 + (37 * t + 11 * b) % 20000));
    for (long r = 0; r < R; ++r) {
      using clock = std::chrono::steady_clock;
      bert::Decoder dec(*lm, B, P + N);
      auto t0 = clock::now();
      std::vector<float> logits = dec.prefill(prompts).to_vector();
      const double prompt_s = std::chrono::duration<double>(clock::now() - t0).count();
      t0 = clock::now();
      std::vector<int32_t> next(static_cast<size_t>(B));
      const std::vector<bool> live(static_cast<size_t>(B), true);
      for (long step = 0; step < N; ++step) {
        for (long b = 0; b < B; ++b) next[static_cast<size_t>(b)] = argmax(logits.data() + b * V, V);
        logits = dec.step(next, live).to_vector();
      }
      const double decode_s = std::chrono::duration<double>(clock::now() - t0).count();
      std::printf("{\"prompt_tokens_per_s\": %.2f, \"decode_tokens_per_s\": %.2f, \"prompt_s\": %.4f, \"decode_s\": %.4f, "
                  "\"first_token\": %d}\n",
                  static_cast<double>(B * P) / prompt_s, static_cast<double>(B * N) / decode_s, prompt_s, decode_s,
                  next[0]);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
