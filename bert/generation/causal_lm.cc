// causal_lm.cc — prompt pass + incremental decode with the KV cache.
#include "bert/generation/causal_lm.h"

#include <chrono>

#include "core/autograd.h"
#include "core/ops.h"

namespace bert {

std::string token_piece(const std::string& token, bool first) {
  if (token.size() > 2 && token[0] == '#' && token[1] == '#') return token.substr(2);
  return first ? token : " " + token;
}

GenerateResult generate_text(const LoadedModel& model, const Tokenizer& tokenizer, const std::string& prompt,
                             const GenerateOptions& o, const std::function<void(const std::string&)>& on_text) {
  NN_CHECK(model.lm_head, "text generation needs a causal BertLMHeadModel; this checkpoint is ",
           architecture_name(model.architecture), " (use fill-mask, or --mode gibbs)");
  NN_CHECK(o.max_new_tokens >= 0, "generate: max-new-tokens must be ≥ 0");
  const int32_t sep = tokenizer.specials().sep;
  std::vector<int32_t> context = tokenizer.encode(prompt);
  if (context.empty()) context.push_back(sep);
  const int64_t max_pos = model.config.max_position_embeddings;
  NN_CHECK(static_cast<int64_t>(context.size()) < max_pos, "generate: the prompt is ", context.size(),
           " tokens; the model has ", max_pos, " positions");
  using clock = std::chrono::steady_clock;
  nn::NoGradGuard no_grad;
  nn::Generator rng(o.seed);
  KVCache cache;
  GenerateResult r;
  r.prompt_tokens = static_cast<int64_t>(context.size());
  const int64_t V = model.config.vocab_size;

  auto t0 = clock::now();
  std::vector<int64_t> ids(context.begin(), context.end());
  nn::Tensor logits = model.lm_head->forward(nn::Tensor::from_ids({1, static_cast<int64_t>(ids.size())}, ids),
                                             nn::Tensor(), &cache);
  std::vector<float> last = nn::slice(nn::reshape(logits, {-1, V}), 0, -1, logits.size(1)).to_vector();
  r.prompt_seconds = std::chrono::duration<double>(clock::now() - t0).count();

  t0 = clock::now();
  r.stop_reason = "max-new-tokens";
  for (int step = 0; step < o.max_new_tokens; ++step) {
    const int32_t next = sample_token(last, context, o.sampling, rng);
    if (next == sep) { r.stop_reason = "[SEP]"; break; }
    const std::string piece = token_piece(tokenizer.vocab().token(next), r.ids.empty() && prompt.empty());
    context.push_back(next);
    r.ids.push_back(next);
    r.text += piece;
    on_text(piece);
    bool stopped = false;
    for (const std::string& s : o.stop) stopped |= !s.empty() && r.text.find(s) != std::string::npos;
    if (stopped) { r.stop_reason = "stop string"; break; }
    if (static_cast<int64_t>(context.size()) >= max_pos) { r.stop_reason = "max positions"; break; }
    if (step + 1 == o.max_new_tokens) break;
    logits = model.lm_head->forward(nn::Tensor::from_ids({1, 1}, {static_cast<int64_t>(next)}), nn::Tensor(), &cache);
    last = logits.to_vector();
  }
  r.decode_seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return r;
}

}  // namespace bert
