// encoder_latency.cc — BERT encoder inference latency: a freshly initialised BertModel (eval
// mode, no graph) on random ids, warm-up runs, then the median of timed forwards. The PyTorch
// side and the alternating comparison are bench/vs_torch/encoder_inference.py.
//
//   encoder_latency [--config base] [--batch 1] [--seq 128] [--precision fp32|bf16|int8]
//                   [--iters 20] [--threads 2] [--profile 1]
// prints one JSON line: {"config":…, "batch":…, "seq":…, "precision":…, "median_ms":…, "min_ms":…}
// (--profile 1 adds the per-op table of the timed runs on stderr).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "bert/config.h"
#include "bert/model/bert_model.h"
#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/kernels/gemm.h"
#include "core/profile.h"
#include "core/rng.h"
#include "core/threads.h"

namespace {

// The value after flag `name` in argv, or `fallback`.
std::string option(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string config = option(argc, argv, "--config", "base");
    const int64_t batch = std::stoll(option(argc, argv, "--batch", "1"));
    const int64_t seq = std::stoll(option(argc, argv, "--seq", "128"));
    const int iters = std::stoi(option(argc, argv, "--iters", "20"));
    const std::string precision = option(argc, argv, "--precision", "fp32");
    const bool profile = std::string(option(argc, argv, "--profile", "0")) == "1";
    nn::set_num_threads(std::stoi(option(argc, argv, "--threads", "2")));
    nn::kernels::set_gemm_precision(nn::kernels::parse_gemm_precision(precision));

    bert::BertModel model(bert::BertConfig::preset(config, 30522), 1);
    model.eval();
    std::vector<int64_t> ids(static_cast<size_t>(batch * seq));
    nn::Generator gen(7);
    for (int64_t& id : ids) id = gen.randint(5, 30521);
    const nn::Tensor input = nn::Tensor::from_ids({batch, seq}, ids);
    const nn::NoGradGuard no_grad;
    // The weights are fixed for the whole run: in bf16 they are rounded once, as in the PyTorch
    // peer, whose torch.autocast region around its timing loop caches the cast weights; in int8
    // they are quantized once, as quantize_dynamic does before the peer's timing loop.
    const nn::Bf16WeightScope fixed_weights;
    std::vector<double> ms;
    for (int i = 0; i < iters + 3; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      const nn::Tensor h = model.forward(input, nn::Tensor(), nn::Tensor()).sequence_output;
      const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (i >= 3) ms.push_back(t);  // three warm-up runs (JIT, allocator)
      if (i == 2 && profile) nn::profile::set_enabled(true);
    }
    if (profile) std::fputs(nn::profile::report(iters, std::accumulate(ms.begin(), ms.end(), 0.0) / 1000).c_str(), stderr);
    std::sort(ms.begin(), ms.end());
    std::printf("{\"config\": \"%s\", \"batch\": %lld, \"seq\": %lld, \"precision\": \"%s\", \"median_ms\": %.3f, "
                "\"min_ms\": %.3f}\n",
                config.c_str(), static_cast<long long>(batch), static_cast<long long>(seq), precision.c_str(),
                ms[ms.size() / 2], ms.front());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "encoder_latency: %s\n", e.what());
    return 1;
  }
}
