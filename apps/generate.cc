// generate — text from a checkpoint: streamed continuation for causal models (BertLMHeadModel),
// fill-mask for masked-LM models.
#include <cstdio>
#include <filesystem>

#include "apps/cli.h"
#include "bert/checkpoint.h"
#include "bert/generation/causal_lm.h"
#include "bert/generation/fill_mask.h"
#include "core/threads.h"

namespace {

const char* kUsage =
    "usage: generate --model DIR --prompt TEXT [--threads N]\n"
    "  causal checkpoints (BertLMHeadModel): [--max-new-tokens N] [--temperature T] [--top-k K]\n"
    "      [--top-p P] [--repetition-penalty R] [--seed S] [--stop TEXT]...\n"
    "      streams the continuation to stdout and tokens/s to stderr; temperature 0 is greedy.\n"
    "  masked-LM checkpoints (BertForPreTraining, BertForMaskedLM): [--top-k K] [--format text|json]\n"
    "      for each [MASK] in the prompt, the K most probable tokens (default 5) and their probabilities.\n";

void fill_mask(const cli::Args& args, const bert::LoadedModel& model, const bert::Tokenizer& tokenizer) {
  const std::string format = args.get("--format", "text");
  if (format != "text" && format != "json") throw cli::UsageError("--format must be text or json");
  const int top_k = static_cast<int>(args.get_int("--top-k", 5, 1, 1000000));
  const auto predictions = bert::fill_mask(model, tokenizer, args.get("--prompt"), top_k);
  if (format == "json") {
    std::printf("%s\n", bert::fill_mask_json(predictions).c_str());
    return;
  }
  for (const bert::MaskPrediction& p : predictions) {
    std::printf("[MASK] at position %lld:\n", static_cast<long long>(p.position));
    for (const bert::MaskCandidate& c : p.candidates)
      std::printf("  %-20s %8.4f  (id %d)\n", c.token.c_str(), static_cast<double>(c.prob), c.id);
  }
}

void continue_text(const cli::Args& args, const bert::LoadedModel& model, const bert::Tokenizer& tokenizer) {
  bert::GenerateOptions o;
  o.max_new_tokens = static_cast<int>(args.get_int("--max-new-tokens", 100, 0, 1000000));
  o.sampling.temperature = static_cast<float>(args.get_double("--temperature", 1.0, 0, 100));
  o.sampling.top_k = static_cast<int>(args.get_int("--top-k", 0, 0, 10000000));
  o.sampling.top_p = static_cast<float>(args.get_double("--top-p", 1.0, 1e-6, 1.0));
  o.sampling.repetition_penalty = static_cast<float>(args.get_double("--repetition-penalty", 1.0, 1e-3, 100));
  o.seed = static_cast<uint64_t>(args.get_int("--seed", 0, 0, int64_t{1} << 62));
  o.stop = args.all("--stop");
  const std::string prompt = args.get("--prompt");
  std::fputs(prompt.c_str(), stdout);
  const bert::GenerateResult r = bert::generate_text(model, tokenizer, prompt, o, [](const std::string& piece) {
    std::fputs(piece.c_str(), stdout);
    std::fflush(stdout);
  });
  std::fputc('\n', stdout);
  std::fflush(stdout);
  std::fprintf(stderr, "prompt: %lld tokens in %.3f s; generated %zu tokens in %.3f s (%.1f tokens/s); stopped: %s\n",
               static_cast<long long>(r.prompt_tokens), r.prompt_seconds, r.ids.size(), r.decode_seconds,
               r.decode_seconds > 0 ? static_cast<double>(r.ids.size()) / r.decode_seconds : 0.0,
               r.stop_reason.c_str());
}

int run(int argc, char** argv) {
  const cli::Args args(argc, argv,
                       {"--model", "--prompt", "--top-k", "--format", "--threads", "--max-new-tokens", "--temperature",
                        "--top-p", "--repetition-penalty", "--seed", "--stop"},
                       {});
  if (args.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.has("--model")) throw cli::UsageError("--model is required");
  if (!args.has("--prompt")) throw cli::UsageError("--prompt is required");
  if (!args.positional().empty()) throw cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  if (args.has("--threads")) nn::set_num_threads(static_cast<int>(args.get_int("--threads", 0, 1, 1024)));

  const std::string dir = args.get("--model");
  const bert::LoadedModel model = bert::load_pretrained(dir);
  const std::string vocab = (std::filesystem::path(dir) / "vocab.txt").string();
  NN_CHECK(std::filesystem::exists(vocab), dir, ": vocab.txt is missing");
  const bert::Tokenizer tokenizer = bert::Tokenizer::load(vocab, bert::load_lower_case(dir));
  if (model.architecture == bert::Architecture::LMHead) continue_text(args, model, tokenizer);
  else fill_mask(args, model, tokenizer);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::run(kUsage, [&] { return run(argc, argv); }); }
