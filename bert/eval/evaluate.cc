// evaluate.cc — per-file language-model evaluation and its JSON.
#include "bert/eval/evaluate.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>

#include "bert/eval/eval_text.h"

namespace bert {

using json = nlohmann::ordered_json;  // keys in the order written

namespace {

int64_t window_length(const TaskModel& model, const EvaluateOptions& o) {
  return o.max_len > 0 ? o.max_len : model.config().max_position_embeddings;
}

json file_json(const FileEvaluation& f) {
  const LMScore& s = f.score;
  const double n = static_cast<double>(std::max<int64_t>(s.tokens, 1));
  json j;
  if (!f.path.empty()) j["file"] = f.path;
  j["bytes"] = f.bytes;
  j["chars"] = f.chars;
  j["text_tokens"] = f.text_tokens;
  j["unk_tokens"] = f.unk_tokens;
  if (f.causal) {
    const double per_char = s.nats / static_cast<double>(f.chars);
    j["tokens"] = s.tokens;
    j["nats"] = s.nats;
    j["loss"] = s.nats / n;
    j["perplexity"] = std::exp(s.nats / n);
    j["nats_per_char"] = per_char;
    j["bits_per_char"] = per_char / std::numbers::ln2;
    j["accuracy"] = static_cast<double>(s.correct) / n;
  } else {
    j["tokens"] = s.tokens;
    j["pseudo_log_likelihood"] = -s.nats;
    j["pseudo_perplexity"] = std::exp(s.nats / n);
    j["mlm_accuracy"] = static_cast<double>(s.correct) / n;
  }
  return j;
}

}  // namespace

FileEvaluation& FileEvaluation::operator+=(const FileEvaluation& o) {
  causal = o.causal;
  bytes += o.bytes;
  chars += o.chars;
  text_tokens += o.text_tokens;
  unk_tokens += o.unk_tokens;
  score += o.score;
  return *this;
}

FileEvaluation evaluate_file(const TaskModel& model, const Tokenizer& tokenizer, const std::string& path,
                             const EvaluateOptions& options, const ScoreProgress& progress) {
  const EvalText text = load_eval_text(path, tokenizer);
  FileEvaluation f;
  f.path = path;
  f.causal = as_causal_lm(model) != nullptr;
  f.bytes = text.bytes;
  f.chars = text.chars;
  for (size_t d = 0; d < text.documents.num_documents(); ++d)
    for (const int32_t id : text.documents.document_tokens(d)) {
      ++f.text_tokens;
      f.unk_tokens += id == tokenizer.specials().unk;
    }
  if (f.causal) {
    NN_CHECK(options.max_tokens == 0, "--max-tokens limits masked-LM scoring; a causal model scores whole files");
    CausalScoreOptions o;
    o.max_len = options.max_len;
    o.stride = options.stride;
    if (options.batch_size > 0) o.batch_size = options.batch_size;
    f.score = score_causal(model, causal_stream(text.documents, tokenizer.specials().sep), o, progress);
  } else {
    NN_CHECK(options.stride == 0, "--stride applies to causal models; masked-LM scoring uses whole blocks");
    PseudoLLOptions o;
    o.max_len = options.max_len;
    o.max_tokens = options.max_tokens;
    if (options.batch_size > 0) o.batch_size = options.batch_size;
    f.score = score_pseudo_ll(model, text.documents, tokenizer.specials(), o, progress);
  }
  return f;
}

std::string evaluation_json(const std::string& model_dir, const TaskModel& model, const EvaluateOptions& options,
                            const std::vector<FileEvaluation>& files) {
  const bool causal = as_causal_lm(model) != nullptr;
  const int64_t L = window_length(model, options);
  json scoring;
  if (causal) {
    scoring = {{"method", "causal windows"}, {"window", L}, {"stride", options.stride > 0 ? options.stride : L - 1}};
  } else {
    scoring = {{"method", "pseudo-log-likelihood"}, {"block", L}};
    if (options.max_tokens > 0) scoring["max_tokens_per_file"] = options.max_tokens;
  }
  json list = json::array();
  FileEvaluation total;
  total.causal = causal;
  for (const FileEvaluation& f : files) {
    list.push_back(file_json(f));
    total += f;
  }
  return json{{"model", model_dir}, {"architecture", model.architecture()}, {"scoring", scoring},
              {"files", list}, {"total", file_json(total)}}
      .dump(2);
}

}  // namespace bert
