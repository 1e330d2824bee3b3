// causal_lm.h — text generation with a causal BertLMHeadModel: the prompt in one batched pass,
// then one token at a time with a per-layer key/value cache (no recomputation of the prefix),
// streamed to a callback as it is produced.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "bert/checkpoint.h"
#include "bert/generation/sampler.h"
#include "bert/tokenizer/tokenizer.h"

namespace bert {

struct GenerateOptions {
  SamplingOptions sampling;
  int max_new_tokens = 100;
  uint64_t seed = 0;
  std::vector<std::string> stop;  // stop after the text produced contains any of these
};

struct GenerateResult {
  std::vector<int32_t> ids;  // the new tokens
  std::string text;          // their text (as streamed)
  int64_t prompt_tokens = 0;
  double prompt_seconds = 0, decode_seconds = 0;
  std::string stop_reason;   // "max-new-tokens", "[SEP]", "stop string", "max positions"
};

// Generates a continuation of `prompt` (its WordPiece ids without [CLS]/[SEP]; an empty prompt
// starts after a [SEP], as a new document). on_text receives each new piece of text. Throws
// nn::Error for a masked-LM checkpoint or a prompt longer than the model's positions.
GenerateResult generate_text(const LoadedModel& model, const Tokenizer& tokenizer, const std::string& prompt,
                             const GenerateOptions& options, const std::function<void(const std::string&)>& on_text);

// The text of token `token` when it follows other text: "##x" → "x", else " " + token.
std::string token_piece(const std::string& token, bool first);

}  // namespace bert
