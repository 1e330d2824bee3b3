// int8_agreement.cc — fill-mask agreement of int8 inference with fp32 (issue #17): every [MASK]
// of every prompt in FILE (one prompt per line) predicted by a masked-LM checkpoint in fp32 and
// in int8 precision (kernels/gemm.h); counts how often the two top-1 tokens agree and how often
// fp32's top-1 is among int8's top 5. bench/bert/int8_accuracy.sh makes the prompts and runs it.
//
//   int8_agreement --model DIR --prompts FILE [--threads 2]
// prints one JSON line: {"masks": n, "top1_agree": a, "agreement": a/n, "fp32_top1_in_int8_top5": …}
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bert/checkpoint.h"
#include "bert/generation/fill_mask.h"
#include "core/bf16_weights.h"
#include "core/kernels/gemm.h"
#include "core/threads.h"

namespace {

// The value after flag `name` in argv, or `fallback`.
std::string option(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}

// Every prompt's predictions in `precision`, with the model's weights converted once.
std::vector<std::vector<bert::MaskPrediction>> predict_all(const bert::TaskModel& model, const bert::Tokenizer& tok,
                                                           const std::vector<std::string>& prompts,
                                                           nn::kernels::GemmPrecision precision) {
  const nn::kernels::GemmPrecisionScope scope(precision);
  const nn::Bf16WeightScope fixed_weights;
  std::vector<std::vector<bert::MaskPrediction>> out;
  for (const std::string& p : prompts) out.push_back(bert::fill_mask(model, tok, p, 5));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string dir = option(argc, argv, "--model", "");
    const std::string prompts_file = option(argc, argv, "--prompts", "");
    if (dir.empty() || prompts_file.empty()) {
      std::fputs("usage: int8_agreement --model DIR --prompts FILE [--threads 2]\n", stderr);
      return 2;
    }
    nn::set_num_threads(std::stoi(option(argc, argv, "--threads", "2")));
    const auto model = bert::load_pretrained(dir);
    const bert::Tokenizer tok =
        bert::Tokenizer::load((std::filesystem::path(dir) / "vocab.txt").string(), bert::load_lower_case(dir));
    std::vector<std::string> prompts;
    std::ifstream in(prompts_file);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) prompts.push_back(line);
    const auto f32 = predict_all(*model, tok, prompts, nn::kernels::GemmPrecision::kF32);
    const auto i8 = predict_all(*model, tok, prompts, nn::kernels::GemmPrecision::kInt8);
    int64_t masks = 0, agree = 0, in_top5 = 0;
    for (size_t p = 0; p < prompts.size(); ++p)
      for (size_t m = 0; m < f32[p].size(); ++m) {
        const int32_t top1 = f32[p][m].candidates[0].id;
        ++masks;
        agree += i8[p][m].candidates[0].id == top1;
        for (const auto& c : i8[p][m].candidates) in_top5 += c.id == top1;
      }
    std::printf("{\"prompts\": %zu, \"masks\": %lld, \"top1_agree\": %lld, \"agreement\": %.4f, "
                "\"fp32_top1_in_int8_top5\": %.4f}\n",
                prompts.size(), static_cast<long long>(masks), static_cast<long long>(agree),
                masks ? static_cast<double>(agree) / masks : 0.0, masks ? static_cast<double>(in_top5) / masks : 0.0);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "int8_agreement: %s\n", e.what());
    return 1;
  }
}
