// evaluate.h — language-model evaluation of text files with a checkpoint, as `evaluate` prints it.
//
// Causal checkpoints (BertLMHeadModel): each file is its causal stream (eval_text.h) scored in
// windows (causal_windows.h); reported are the tokens predicted, loss = mean nats per predicted
// token, perplexity = exp(loss), nats_per_char = total nats / characters of the file as read,
// bits_per_char = nats_per_char / ln 2, and next-token accuracy.
// Masked-LM checkpoints: pseudo-log-likelihood (pseudo_ll.h): pseudo-perplexity and MLM accuracy.
// The total over several files adds the nats, tokens and characters of every file.
#pragma once
#include <string>
#include <vector>

#include "bert/model/task_models.h"
#include "bert/eval/causal_score.h"
#include "bert/eval/pseudo_ll.h"
#include "bert/tokenizer/tokenizer.h"

namespace bert {

struct EvaluateOptions {
  int64_t max_len = 0;     // window / block length; 0: the model's max_position_embeddings
  int64_t stride = 0;      // causal only; 0: max_len − 1
  int64_t batch_size = 0;  // 0: 8 windows (causal) or 32 masked copies (masked LM)
  int64_t max_tokens = 0;  // masked LM only: > 0 scores the first max_tokens tokens of each file
};

// What one file (or the total of several) scored.
struct FileEvaluation {
  std::string path;       // "" for a total
  bool causal = true;
  int64_t bytes = 0, chars = 0;
  int64_t text_tokens = 0;  // WordPiece tokens of the text (no [SEP]s)
  int64_t unk_tokens = 0;   // of which [UNK]
  LMScore score;            // causal: every stream token after the first; masked: the tokens scored
  // Adds another file's counts (for the total).
  FileEvaluation& operator+=(const FileEvaluation& o);
};

// Loads, tokenizes and scores one file; `progress` sees the tokens scored so far.
FileEvaluation evaluate_file(const TaskModel& model, const Tokenizer& tokenizer, const std::string& path,
                             const EvaluateOptions& options, const ScoreProgress& progress = {});

// The JSON evaluate prints: {"model", "architecture", "scoring", "files": [...], "total": {...}}.
std::string evaluation_json(const std::string& model_dir, const TaskModel& model, const EvaluateOptions& options,
                            const std::vector<FileEvaluation>& files);

}  // namespace bert
