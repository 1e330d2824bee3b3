// causal_lm.cc — prompt pass + incremental decode of a batch of prompts with the Decoder.
#include "bert/generation/causal_lm.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "bert/generation/decoder.h"
#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/ops.h"

namespace bert {

std::string token_piece(const std::string& token, bool first) {
  if (token.size() > 2 && token[0] == '#' && token[1] == '#') return token.substr(2);
  return first ? token : " " + token;
}

std::vector<GenerateResult> generate_batch(const TaskModel& model, const Tokenizer& tokenizer,
                                           const std::vector<std::string>& prompts, const GenerateOptions& o,
                                           const std::function<void(size_t, const std::string&)>& on_text) {
  const nn::Bf16WeightScope fixed_weights;  // the weights are only read here (bf16: rounded once)
  const BertLMHeadModel* lm = as_causal_lm(model);
  NN_CHECK(lm, "text generation needs a causal BertLMHeadModel; this checkpoint is ",
           model.architecture(), " (use fill-mask, or --mode gibbs)");
  NN_CHECK(o.max_new_tokens >= 0, "generate: max-new-tokens must be ≥ 0");
  NN_CHECK(!prompts.empty(), "generate: no prompts");
  const int32_t sep = tokenizer.specials().sep;
  const int64_t max_pos = model.config().max_position_embeddings;
  const size_t B = prompts.size();
  std::vector<std::vector<int32_t>> context(B);
  int64_t longest = 0, shortest = max_pos;
  for (size_t b = 0; b < B; ++b) {
    context[b] = tokenizer.encode(prompts[b]);
    if (context[b].empty()) context[b].push_back(sep);
    const int64_t n = static_cast<int64_t>(context[b].size());
    NN_CHECK(n < max_pos, "generate: prompt ", b + 1, " is ", n, " tokens; the model has ", max_pos, " positions");
    longest = std::max(longest, n);
    shortest = std::min(shortest, n);
  }
  using clock = std::chrono::steady_clock;
  nn::NoGradGuard no_grad;
  std::vector<nn::Generator> rng(B, nn::Generator(o.seed));
  std::vector<GenerateResult> r(B);
  for (size_t b = 0; b < B; ++b) r[b].prompt_tokens = static_cast<int64_t>(context[b].size());
  // Slots: the longest prompt plus the steps any row can take before max-new-tokens or its
  // last position.
  Decoder decoder(*lm, static_cast<int64_t>(B),
                  longest + std::max<int64_t>(1, std::min<int64_t>(o.max_new_tokens, max_pos - shortest)));
  const int64_t V = model.config().vocab_size;

  auto t0 = clock::now();
  std::vector<float> logits = decoder.prefill(context).to_vector();
  const double prompt_seconds = std::chrono::duration<double>(clock::now() - t0).count();

  t0 = clock::now();
  std::vector<bool> live(B, true);
  std::vector<int32_t> next(B, 0);
  for (GenerateResult& x : r) x.stop_reason = "max-new-tokens";
  for (int step = 0; step < o.max_new_tokens; ++step) {
    bool any = false;
    for (size_t b = 0; b < B; ++b) {
      if (!live[b]) continue;
      GenerateResult& x = r[b];
      const std::span<const float> row(logits.data() + b * static_cast<size_t>(V), static_cast<size_t>(V));
      next[b] = sample_token(row, context[b], o.sampling, rng[b]);
      live[b] = false;
      if (next[b] == sep) { x.stop_reason = "[SEP]"; continue; }
      const std::string piece = token_piece(tokenizer.vocab().token(next[b]), x.ids.empty() && prompts[b].empty());
      context[b].push_back(next[b]);
      x.ids.push_back(next[b]);
      x.text += piece;
      on_text(b, piece);
      bool stopped = false;
      for (const std::string& s : o.stop) stopped |= !s.empty() && x.text.find(s) != std::string::npos;
      if (stopped) { x.stop_reason = "stop string"; continue; }
      if (static_cast<int64_t>(context[b].size()) >= max_pos) { x.stop_reason = "max positions"; continue; }
      live[b] = true;
      any = true;
    }
    if (!any || step + 1 == o.max_new_tokens) break;
    logits = decoder.step(next, live).to_vector();
  }
  const double decode_seconds = std::chrono::duration<double>(clock::now() - t0).count();
  for (GenerateResult& x : r) {
    x.prompt_seconds = prompt_seconds;
    x.decode_seconds = decode_seconds;
  }
  return r;
}

GenerateResult generate_text(const TaskModel& model, const Tokenizer& tokenizer, const std::string& prompt,
                             const GenerateOptions& o, const std::function<void(const std::string&)>& on_text) {
  return generate_batch(model, tokenizer, {prompt}, o, [&](size_t, const std::string& piece) { on_text(piece); })[0];
}

std::string generate_result_json(const std::string& prompt, const GenerateResult& r) {
  return nlohmann::json{{"prompt", prompt}, {"continuation", r.text}, {"ids", r.ids}, {"stop", r.stop_reason}}.dump();
}

}  // namespace bert
