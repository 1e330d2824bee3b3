// ch09_causal_kv.cc — chapter 9 of docs/learn: the causal language model and the KV cache.
//
// On a causal checkpoint (--model DIR, or a tiny one trained here): checks that a position's
// logits do not depend on later tokens, that the loss is the shifted next-token cross-entropy, and
// prints a greedy continuation (bert::generate_text). Then, on a randomly initialised causal model
// with 256 positions, decodes greedily with the KV cache (bert::Decoder) and by recomputing the
// whole prefix at every step, checks that both give the same logits and tokens, and measures what
// each costs. Draws kv_cache_cost.svg.
//
//   ch09_causal_kv [--model DIR] [FIGURE_DIR]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "args.h"
#include "bert/checkpoint.h"
#include "bert/generation/causal_lm.h"
#include "bert/generation/decoder.h"
#include "bert/model/task_models.h"
#include "bert/tokenizer/tokenizer.h"
#include "check.h"
#include "core/autograd.h"
#include "core/ops.h"
#include "plot.h"
#include "tiny_model.h"

using nn::Tensor;

static double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Index of the largest of n logits.
static int32_t argmax(const float* logits, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (logits[i] > logits[best]) best = i;
  return static_cast<int32_t>(best);
}

int main(int argc, char** argv) {
  const learn::Args args = learn::parse_args(argc, argv, true);
  try {
    // --- 1. A trained causal model: the mask, the shifted loss, a continuation.
    const learn::TempDir tmp;
    const std::string dir = learn::model_or_tiny(args.model, tmp, "clm", 600);
    const std::unique_ptr<bert::TaskModel> loaded = bert::load_pretrained(dir);
    const bert::BertLMHeadModel* lm = bert::as_causal_lm(*loaded);
    NN_CHECK(lm, dir, ": not a causal language model (pretrain --objective clm makes one)");
    const bert::Tokenizer tok = bert::Tokenizer::load(dir + "/vocab.txt", bert::load_lower_case(dir));
    const int64_t V = lm->config().vocab_size;
    const std::string prompt = args.model.empty() ? "the quick fox jumps in the barn ." : "the program";
    std::vector<int32_t> p32 = tok.encode(prompt);
    const std::vector<int64_t> ids(p32.begin(), p32.end());
    const int64_t T = static_cast<int64_t>(ids.size());
    {
      nn::NoGradGuard no_grad;
      const Tensor logits = lm->forward(Tensor::from_ids({1, T}, ids), Tensor());  // (1,T,V)
      std::vector<int64_t> changed = ids;
      changed.back() = (changed.back() + 1) % V;  // a different last token
      const Tensor logits2 = lm->forward(Tensor::from_ids({1, T}, changed), Tensor());
      const std::vector<float> a = nn::slice(logits, 1, 0, T - 1).contiguous().to_vector();
      const std::vector<float> b = nn::slice(logits2, 1, 0, T - 1).contiguous().to_vector();
      learn::check_below("changing the last token changes no earlier position's logits (max abs diff)", learn::max_abs_diff(a, b), 1e-6);
      // HF's shifted loss: position t predicts token t + 1.
      const double shifted = nn::cross_entropy(nn::reshape(nn::slice(logits, 1, 0, T - 1).contiguous(), {T - 1, V}),
                                               Tensor::from_ids({T - 1}, std::vector<int64_t>(ids.begin() + 1, ids.end())))
                                 .item();
      const double model_loss = lm->loss(logits, Tensor::from_ids({1, T}, ids)).item();
      std::printf("next-token loss on \"%s\": %.4f nats per token\n", prompt.c_str(), model_loss);
      learn::check_below("BertLMHeadModel::loss = CE(logits[:-1], ids[1:]) (abs diff)", std::abs(model_loss - shifted), 1e-5);
    }
    bert::GenerateOptions go;
    go.sampling.temperature = 0;  // greedy
    go.max_new_tokens = 12;
    const bert::GenerateResult sample = bert::generate_text(*loaded, tok, args.model.empty() ? "the quick" : prompt, go,
                                                            [](const std::string&) {});
    std::printf("greedy continuation of \"%s\":%s   (stop: %s)\n", args.model.empty() ? "the quick" : prompt.c_str(),
                sample.text.c_str(), sample.stop_reason.c_str());

    // --- 2. The KV cache against recomputation, on a random model with room for 256 positions.
    bert::BertConfig c = bert::BertConfig::preset("tiny", 500);
    c.hidden_size = 128, c.num_hidden_layers = 2, c.num_attention_heads = 2, c.intermediate_size = 512;
    c.max_position_embeddings = 256, c.is_decoder = true;
    c.hidden_dropout_prob = c.attention_probs_dropout_prob = 0;
    bert::BertLMHeadModel model(c, 5);
    model.eval();
    nn::NoGradGuard no_grad;
    const std::vector<int32_t> start = {3, 14, 15, 92, 65, 35, 89, 79};  // an 8-token prompt
    const int steps = 150;
    // (a) with the cache: the prompt once, then one token per step.
    std::vector<double> cached_time, recomputed_time;
    std::vector<int32_t> cached_tokens, recomputed_tokens;
    std::vector<std::vector<float>> cached_logits;
    {
      bert::Decoder dec(model, 1, static_cast<int64_t>(start.size()) + steps);
      auto t0 = std::chrono::steady_clock::now();
      Tensor logits = dec.prefill({start});
      for (int s = 0; s < steps; ++s) {
        const std::vector<float> row = logits.to_vector();
        cached_logits.push_back(row);
        cached_tokens.push_back(argmax(row.data(), c.vocab_size));
        cached_time.push_back(seconds_since(t0));
        logits = dec.step({cached_tokens.back()}, {true});
      }
    }
    // (b) without: the whole sequence so far through the model at every step.
    double worst = 0;
    {
      std::vector<int64_t> seq(start.begin(), start.end());
      auto t0 = std::chrono::steady_clock::now();
      for (int s = 0; s < steps; ++s) {
        const int64_t n = static_cast<int64_t>(seq.size());
        const Tensor all = model.forward(Tensor::from_ids({1, n}, seq), Tensor());  // (1,n,V): only the last row is used
        const std::vector<float> row = nn::slice(all, 1, n - 1, n).contiguous().to_vector();
        recomputed_time.push_back(seconds_since(t0));
        worst = std::max(worst, learn::max_abs_diff(row, cached_logits[static_cast<size_t>(s)]));
        recomputed_tokens.push_back(argmax(row.data(), c.vocab_size));
        seq.push_back(recomputed_tokens.back());
      }
    }
    int64_t token_mismatches = 0;
    for (int s = 0; s < steps; ++s) token_mismatches += cached_tokens[static_cast<size_t>(s)] != recomputed_tokens[static_cast<size_t>(s)];
    learn::check_below("KV cache logits = recomputed logits, 150 steps (max abs diff)", worst, 1e-4);
    learn::check_below("tokens that differ between cached and recomputed greedy decoding", static_cast<double>(token_mismatches), 0.5);
    // Work: the cache runs P + N positions through the layers; recomputation Σ_k (P + k).
    const double P = static_cast<double>(start.size()), N = steps;
    const double positions_cached = P + N, positions_recomputed = N * P + N * (N - 1) / 2;
    std::printf("%d tokens after an %zu-token prompt: the cache runs %.0f positions through the model, recomputation %.0f "
                "(%.0fx); measured %.3f s against %.3f s (%.1fx)\n",
                steps, start.size(), positions_cached, positions_recomputed, positions_recomputed / positions_cached,
                cached_time.back(), recomputed_time.back(), recomputed_time.back() / cached_time.back());
    learn::check_below("cached decoding time / recomputed decoding time", cached_time.back() / recomputed_time.back(), 0.5);

    learn::Series sc{"with the KV cache", {}, {}}, sr{"recomputing the prefix", {}, {}};
    for (int s = 0; s < steps; s += 2) {
      sc.x.push_back(s + 1), sc.y.push_back(1e3 * cached_time[static_cast<size_t>(s)]);
      sr.x.push_back(s + 1), sr.y.push_back(1e3 * recomputed_time[static_cast<size_t>(s)]);
    }
    learn::Axes ax{"time to generate n tokens (random causal model, H 128, 2 layers)", "tokens generated", "ms", 640, 340};
    ax.y_from_zero = true;
    learn::save_figure(args.figures, "kv_cache_cost.svg", learn::line_chart({sr, sc}, ax));
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "error: %s\n", ex.what());
    return 1;
  }
  return learn::finish();
}
