// causal_lm.h — text generation with a causal BertLMHeadModel: the prompt in one batched pass,
// then one token at a time with a per-layer key/value cache (no recomputation of the prefix),
// streamed to a callback as it is produced. Several prompts decode together as one left-padded
// batch (bert/generation/decoder.h), each row with its own generator seeded alike, so a row's
// continuation is the one its prompt would get alone.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "bert/model/task_models.h"
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
  double prompt_seconds = 0, decode_seconds = 0;  // of the whole batch
  std::string stop_reason;   // "max-new-tokens", "[SEP]", "stop string", "max positions"
};

// Generates a continuation of `prompt` (its WordPiece ids without [CLS]/[SEP]; an empty prompt
// starts after a [SEP], as a new document). on_text receives each new piece of text. Throws
// nn::Error for a masked-LM checkpoint or a prompt longer than the model's positions.
GenerateResult generate_text(const TaskModel& model, const Tokenizer& tokenizer, const std::string& prompt,
                             const GenerateOptions& options, const std::function<void(const std::string&)>& on_text);

// Continuations of every prompt, decoded as one batch (results in prompt order). Each row draws
// from its own generator seeded with options.seed and stops on its own; on_text(row, piece)
// receives each new piece. Throws as generate_text.
std::vector<GenerateResult> generate_batch(const TaskModel& model, const Tokenizer& tokenizer,
                                           const std::vector<std::string>& prompts, const GenerateOptions& options,
                                           const std::function<void(size_t, const std::string&)>& on_text);

// One JSON line {"prompt":…,"continuation":…,"ids":[…],"stop":…} for a prompt and its result.
std::string generate_result_json(const std::string& prompt, const GenerateResult& result);

// The text of token `token` when it follows other text: "##x" → "x", else " " + token.
std::string token_piece(const std::string& token, bool first);

}  // namespace bert
