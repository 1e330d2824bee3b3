// evaluate — language-model figures of a checkpoint on text files, as JSON on stdout: loss,
// perplexity and bits per character for causal models, pseudo-perplexity and MLM accuracy for
// masked-LM models (the rules are in bert/eval/evaluate.h); a fine-tuned sequence classifier's
// accuracy, macro-F1… on labelled files (bert/eval/evaluate_labelled.h). Progress goes to stderr.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "apps/cli.h"
#include "bert/checkpoint.h"
#include "bert/eval/evaluate.h"
#include "bert/eval/evaluate_labelled.h"
#include "bert/model/classification.h"
#include "core/kernels/gemm.h"
#include "core/threads.h"

namespace {

const char* kUsage =
    "usage: evaluate --model DIR [--threads N] [--batch N] [--seq N] [--stride N] [--max-tokens N]\n"
    "                [--precision fp32|bf16|int8] FILE...\n"
    "  Scores each text FILE with the checkpoint in DIR and prints JSON (per file and total).\n"
    "  Causal models (pretrain --objective clm): the file is one stream of documents ([SEP] after\n"
    "      each), scored in windows of --seq tokens (default: the model's max positions) that each add\n"
    "      --stride new tokens (default seq-1: contiguous blocks sharing one token); prints tokens,\n"
    "      chars, loss (nats per predicted token), perplexity, nats_per_char, bits_per_char, accuracy.\n"
    "  Masked-LM models: pseudo-log-likelihood, masking each token in turn in blocks of --seq;\n"
    "      prints pseudo_perplexity and mlm_accuracy; --max-tokens N scores the first N tokens of each\n"
    "      file. --batch N: windows (causal, default 8) or masked copies (default 32) per forward.\n"
    "  Sequence classifiers (finetune's output): each FILE is labelled data as finetune reads it\n"
    "      (TSV/CSV with a header row, or JSON lines; columns text, text_pair, label), cut to --seq\n"
    "      tokens (default 128, as classify), --batch examples per forward (default 32); prints the\n"
    "      figures finetune reports: loss, accuracy, macro_f1, f1 (binary: the positive class), mcc.\n";

// Rewrites one progress line on a terminal; prints a line every 10% otherwise.
class Progress {
 public:
  // Progress of the file `name`.
  explicit Progress(std::string name) : name_(std::move(name)) {}
  // Reports `done` of `total` tokens scored.
  void operator()(int64_t done, int64_t total) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    const int tenth = total > 0 ? static_cast<int>(10 * done / total) : 10;
    if (!tty_ && tenth == last_tenth_) return;
    last_tenth_ = tenth;
    std::fprintf(stderr, "%s%s: %lld/%lld tokens, %.0f tokens/s%s", tty_ ? "\r\033[K" : "", name_.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total),
                 elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0, tty_ ? "" : "\n");
  }
  // Ends the rewritten line.
  ~Progress() {
    if (tty_ && last_tenth_ >= 0) std::fputc('\n', stderr);
  }

 private:
  std::string name_;
  bool tty_ = isatty(STDERR_FILENO) != 0;
  int last_tenth_ = -1;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

int run(int argc, char** argv) {
  const cli::Args args(argc, argv, {"--model", "--threads", "--batch", "--seq", "--stride", "--max-tokens", "--precision"},
                        {});
  if (args.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.has("--model")) throw cli::UsageError("--model is required");
  if (args.positional().empty()) throw cli::UsageError("give at least one text FILE to evaluate");
  if (args.has("--threads")) nn::set_num_threads(static_cast<int>(args.get_int("--threads", 0, 1, 1024)));
  nn::kernels::set_gemm_precision(
      cli::parse_value(args, "--precision", "fp32", [](const std::string& s) { return nn::kernels::parse_gemm_precision(s); }));
  bert::EvaluateOptions o;
  o.batch_size = args.get_int("--batch", 0, 1, 1 << 20);
  o.max_len = args.get_int("--seq", 0, 2, 1 << 20);
  o.stride = args.get_int("--stride", 0, 1, 1 << 20);
  o.max_tokens = args.get_int("--max-tokens", 0, 1, int64_t{1} << 50);

  const std::string dir = args.get("--model");
  NN_CHECK(std::filesystem::is_directory(dir), dir, ": not a directory (give a checkpoint directory)");
  const std::unique_ptr<bert::TaskModel> loaded = bert::load_pretrained(dir);
  const bert::TaskModel& model = *loaded;
  if (o.max_len > model.config().max_position_embeddings)
    throw cli::UsageError("--seq " + std::to_string(o.max_len) + " exceeds the model's " +
                          std::to_string(model.config().max_position_embeddings) + " positions");
  const std::string vocab = (std::filesystem::path(dir) / "vocab.txt").string();
  NN_CHECK(std::filesystem::exists(vocab), dir, ": vocab.txt is missing");
  const bert::Tokenizer tokenizer = bert::Tokenizer::load(vocab, bert::load_lower_case(dir));
  for (const std::string& f : args.positional())  // fail on a missing file before hours of scoring
    NN_CHECK(std::filesystem::is_regular_file(f), f, ": no such file");

  if (dynamic_cast<const bert::BertForSequenceClassification*>(&model)) {
    if (o.stride > 0 || o.max_tokens > 0)
      throw cli::UsageError("--stride and --max-tokens apply to language models; " + dir + " is a classifier");
    const int64_t max_length = o.max_len > 0 ? o.max_len : std::min<int64_t>(128, model.config().max_position_embeddings);
    const std::vector<bert::LabelledEvaluation> results = bert::evaluate_labelled_files(
        model, tokenizer, args.positional(), max_length, static_cast<size_t>(o.batch_size > 0 ? o.batch_size : 32));
    std::printf("%s\n", bert::labelled_evaluation_json(dir, model, max_length, results).c_str());
    return 0;
  }
  std::vector<bert::FileEvaluation> results;
  for (const std::string& f : args.positional()) {
    Progress progress(f);
    results.push_back(bert::evaluate_file(model, tokenizer, f, o, std::ref(progress)));
  }
  std::printf("%s\n", bert::evaluation_json(dir, model, o, results).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::run(kUsage, [&] { return run(argc, argv); }); }
