// generate — text from a checkpoint: streamed continuation for causal models (BertLMHeadModel),
// a batch of prompts from a file, fill-mask or Gibbs generation for masked-LM models.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "apps/cli.h"
#include "bert/checkpoint.h"
#include "bert/generation/causal_lm.h"
#include "bert/generation/fill_mask.h"
#include "bert/generation/gibbs.h"
#include "core/kernels/gemm.h"
#include "core/threads.h"

namespace {

const char* kUsage =
    "usage: generate --model DIR (--prompt TEXT | --prompts FILE) [--threads N] [--precision fp32|bf16|int8]\n"
    "  causal checkpoints (BertLMHeadModel): [--max-new-tokens N] [--temperature T] [--top-k K]\n"
    "      [--top-p P] [--repetition-penalty R] [--seed S] [--stop TEXT]...\n"
    "      streams the continuation to stdout and tokens/s to stderr; temperature 0 is greedy.\n"
    "      --prompts FILE: one prompt per line, decoded together as one batch; each continuation on\n"
    "      its own line in prompt order (--format json: one JSON object per line), every prompt\n"
    "      with the same --seed, so each gets what it would get alone.\n"
    "  masked-LM checkpoints (BertForPreTraining, BertForMaskedLM): [--top-k K] [--format text|json]\n"
    "      for each [MASK] in the prompt, the K most probable tokens (default 5) and their probabilities.\n"
    "    --mode gibbs [--length L] [--iterations N] [--order random|sweep] [--temperature T] [--top-k K]\n"
    "      [--seed S]: mask-and-resample generation (Wang & Cho 2019): [CLS] prompt [MASK]xL [SEP] (L\n"
    "      default 10), N iterations (default 5L) each redraw one position from the MLM; prints the text.\n";

// The lines of a prompts file (a trailing newline ends the last prompt; empty lines are prompts).
std::vector<std::string> read_prompts(const std::string& path) {
  std::ifstream in(path);
  NN_CHECK(in, path, ": cannot open the prompts file");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  NN_CHECK(!lines.empty(), path, ": the prompts file is empty");
  return lines;
}

void fill_mask(const cli::Args& args, const bert::TaskModel& model, const bert::Tokenizer& tokenizer) {
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

// Sampling options shared by the causal and Gibbs modes.
bert::SamplingOptions sampling_options(const cli::Args& args) {
  bert::SamplingOptions s;
  s.temperature = static_cast<float>(args.get_double("--temperature", 1.0, 0, 100));
  s.top_k = static_cast<int>(args.get_int("--top-k", 0, 0, 10000000));
  s.top_p = static_cast<float>(args.get_double("--top-p", 1.0, 1e-6, 1.0));
  return s;
}

void gibbs(const cli::Args& args, const bert::TaskModel& model, const bert::Tokenizer& tokenizer) {
  bert::GibbsOptions o;
  o.sampling = sampling_options(args);
  o.length = static_cast<int>(args.get_int("--length", 10, 1, 100000));
  o.iterations = static_cast<int>(args.get_int("--iterations", 5 * int64_t{o.length}, 0, 100000000));
  o.seed = static_cast<uint64_t>(args.get_int("--seed", 0, 0, int64_t{1} << 62));
  const std::string order = args.get("--order", "random");
  if (order != "random" && order != "sweep") throw cli::UsageError("--order must be random or sweep");
  o.order = order == "sweep" ? bert::GibbsOrder::Sweep : bert::GibbsOrder::Random;
  const std::string prompt = args.get("--prompt");
  const bert::GibbsResult r = bert::gibbs_generate(model, tokenizer, prompt, o);
  std::printf("%s%s\n", prompt.c_str(), r.text.c_str());
  std::fprintf(stderr, "gibbs: %d iterations over %d positions in %.3f s\n", o.iterations, o.length, r.seconds);
}

// --prompts FILE: every line decoded in one batch, continuations printed in order.
void continue_batch(const cli::Args& args, const bert::GenerateOptions& o, const bert::TaskModel& model,
                    const bert::Tokenizer& tokenizer) {
  const std::string format = args.get("--format", "text");
  if (format != "text" && format != "json") throw cli::UsageError("--format must be text or json");
  const std::vector<std::string> prompts = read_prompts(args.get("--prompts"));
  const std::vector<bert::GenerateResult> rs =
      bert::generate_batch(model, tokenizer, prompts, o, [](size_t, const std::string&) {});
  size_t generated = 0;
  for (size_t b = 0; b < prompts.size(); ++b) {
    const bert::GenerateResult& r = rs[b];
    generated += r.ids.size();
    if (format == "json")
      std::printf("%s\n", bert::generate_result_json(prompts[b], r).c_str());
    else
      std::printf("%s%s\n", prompts[b].c_str(), r.text.c_str());
  }
  std::fflush(stdout);
  const double sec = rs[0].decode_seconds;
  std::fprintf(stderr, "batch of %zu prompts: prompt pass %.3f s; generated %zu tokens in %.3f s (%.1f tokens/s)\n",
               prompts.size(), rs[0].prompt_seconds, generated, sec, sec > 0 ? static_cast<double>(generated) / sec : 0.0);
}

void continue_text(const cli::Args& args, const bert::TaskModel& model, const bert::Tokenizer& tokenizer) {
  bert::GenerateOptions o;
  o.max_new_tokens = static_cast<int>(args.get_int("--max-new-tokens", 100, 0, 1000000));
  o.sampling = sampling_options(args);
  o.sampling.repetition_penalty = static_cast<float>(args.get_double("--repetition-penalty", 1.0, 1e-3, 100));
  o.seed = static_cast<uint64_t>(args.get_int("--seed", 0, 0, int64_t{1} << 62));
  o.stop = args.all("--stop");
  if (args.has("--prompts")) return continue_batch(args, o, model, tokenizer);
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
                        "--top-p", "--repetition-penalty", "--seed", "--stop", "--prompts", "--mode", "--length",
                        "--iterations", "--order", "--precision"},
                       {});
  if (args.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.has("--model")) throw cli::UsageError("--model is required");
  if (args.has("--prompt") == args.has("--prompts")) throw cli::UsageError("give one of --prompt and --prompts");
  const std::string mode = args.get("--mode", "");
  if (!mode.empty() && mode != "gibbs") throw cli::UsageError("--mode must be gibbs (or absent)");
  if (!args.positional().empty()) throw cli::UsageError("unexpected argument '" + args.positional()[0] + "'");
  if (args.has("--threads")) nn::set_num_threads(static_cast<int>(args.get_int("--threads", 0, 1, 1024)));
  nn::kernels::set_gemm_precision(
      cli::parse_value(args, "--precision", "fp32", [](const std::string& s) { return nn::kernels::parse_gemm_precision(s); }));

  const std::string dir = args.get("--model");
  const std::unique_ptr<bert::TaskModel> loaded = bert::load_pretrained(dir);
  const bert::TaskModel& model = *loaded;
  const std::string vocab = (std::filesystem::path(dir) / "vocab.txt").string();
  NN_CHECK(std::filesystem::exists(vocab), dir, ": vocab.txt is missing");
  const bert::Tokenizer tokenizer = bert::Tokenizer::load(vocab, bert::load_lower_case(dir));
  const bool causal = bert::as_causal_lm(model) != nullptr;
  if (causal && mode == "gibbs")
    throw cli::UsageError("--mode gibbs needs a masked-LM checkpoint; this one is a causal BertLMHeadModel");
  if (!causal && args.has("--prompts"))
    throw cli::UsageError("--prompts is for causal checkpoints (BertLMHeadModel)");
  if (causal) continue_text(args, model, tokenizer);
  else if (mode == "gibbs") gibbs(args, model, tokenizer);
  else fill_mask(args, model, tokenizer);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cli::run(kUsage, [&] { return run(argc, argv); }); }
