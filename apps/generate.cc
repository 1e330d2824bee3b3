// generate — text from a checkpoint: fill-mask for masked-LM models.
#include <cstdio>
#include <filesystem>

#include "apps/cli.h"
#include "bert/checkpoint.h"
#include "bert/generation/fill_mask.h"
#include "core/threads.h"

namespace {

const char* kUsage =
    "usage: generate --model DIR --prompt TEXT [--top-k K] [--format text|json] [--threads N]\n"
    "  Fill-mask (BertForPreTraining / BertForMaskedLM checkpoints): for each [MASK] in the\n"
    "  prompt, prints the K most probable tokens (default 5) with their probabilities.\n";

int run(int argc, char** argv) {
  const cli::Args args(argc, argv, {"--model", "--prompt", "--top-k", "--format", "--threads"}, {});
  if (args.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.has("--model")) throw cli::UsageError("--model is required");
  if (!args.has("--prompt")) throw cli::UsageError("--prompt is required");
  if (!args.positional().empty()) throw cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  const std::string format = args.get("--format", "text");
  if (format != "text" && format != "json") throw cli::UsageError("--format must be text or json");
  const int top_k = static_cast<int>(args.get_int("--top-k", 5, 1, 1000000));
  if (args.has("--threads")) nn::set_num_threads(static_cast<int>(args.get_int("--threads", 0, 1, 1024)));

  const std::string dir = args.get("--model");
  const bert::LoadedModel model = bert::load_pretrained(dir);
  const std::string vocab = (std::filesystem::path(dir) / "vocab.txt").string();
  NN_CHECK(std::filesystem::exists(vocab), dir, ": vocab.txt is missing");
  const bert::Tokenizer tokenizer = bert::Tokenizer::load(vocab, bert::load_lower_case(dir));
  const auto predictions = bert::fill_mask(model, tokenizer, args.get("--prompt"), top_k);
  if (format == "json") {
    std::printf("%s\n", bert::fill_mask_json(predictions).c_str());
    return 0;
  }
  for (const bert::MaskPrediction& p : predictions) {
    std::printf("[MASK] at position %lld:\n", static_cast<long long>(p.position));
    for (const bert::MaskCandidate& c : p.candidates)
      std::printf("  %-20s %8.4f  (id %d)\n", c.token.c_str(), static_cast<double>(c.prob), c.id);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::run(kUsage, [&] { return run(argc, argv); }); }
