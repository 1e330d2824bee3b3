// gibbs.cc — mask-and-resample generation on a masked-LM model: one bidirectional forward per
// step, the MLM head applied to the resampled position only.
#include "bert/generation/gibbs.h"

#include <chrono>

#include "bert/generation/causal_lm.h"
#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/ops.h"

namespace bert {
namespace {

// The MLM head of a masked-LM model (BertForPreTraining or BertForMaskedLM).
const BertLMPredictionHead& mlm_head(const TaskModel& model) {
  const BertLMPredictionHead* head = masked_lm_head(model);
  NN_CHECK(head, "Gibbs generation needs a masked-LM checkpoint; this one is ",
           model.architecture(), " (use causal generation)");
  return *head;
}

// MLM logits (V) at `position` of ids with ids[position] replaced by mask_id.
std::vector<float> masked_logits(const TaskModel& model, const std::vector<int32_t>& ids, int64_t position,
                                 int32_t mask_id) {
  const BertLMPredictionHead& head = mlm_head(model);
  const int64_t T = static_cast<int64_t>(ids.size());
  NN_CHECK(position >= 0 && position < T, "Gibbs: position ", position, " is outside the sequence of ", T);
  NN_CHECK(T <= model.config().max_position_embeddings, "Gibbs: a sequence of ", T, " tokens; the model has ",
           model.config().max_position_embeddings, " positions");
  std::vector<int64_t> input(ids.begin(), ids.end());
  input[static_cast<size_t>(position)] = mask_id;
  nn::NoGradGuard no_grad;
  const nn::Tensor h = model.encoder().forward(nn::Tensor::from_ids({1, T}, input), nn::Tensor(), nn::Tensor()).sequence_output;
  const int64_t H = h.size(2);
  return head.forward(nn::reshape(nn::slice(h, 1, position, position + 1), {1, H})).to_vector();
}

}  // namespace

std::vector<double> gibbs_distribution(const TaskModel& model, const std::vector<int32_t>& ids, int64_t position,
                                       int32_t mask_id, const SamplingOptions& sampling) {
  return sampling_distribution(masked_logits(model, ids, position, mask_id), {}, sampling);
}

int32_t gibbs_step(const TaskModel& model, std::vector<int32_t>& ids, int64_t position, int32_t mask_id,
                   const SamplingOptions& sampling, nn::Generator& rng) {
  const int32_t token = sample_token(masked_logits(model, ids, position, mask_id), {}, sampling, rng);
  ids[static_cast<size_t>(position)] = token;
  return token;
}

GibbsResult gibbs_generate(const TaskModel& model, const Tokenizer& tokenizer, const std::string& prompt,
                           const GibbsOptions& o, const std::function<void(int, const std::string&)>& on_iteration) {
  const nn::Bf16WeightScope fixed_weights;  // the weights are only read here (bf16: rounded once)
  mlm_head(model);  // throws for a causal checkpoint
  NN_CHECK(o.length >= 1, "Gibbs: length must be at least 1, got ", o.length);
  NN_CHECK(o.iterations >= 0, "Gibbs: iterations must be ≥ 0, got ", o.iterations);
  const SpecialIds& sp = tokenizer.specials();
  NN_CHECK(sp.mask >= 0, tokenizer.vocab().source(),
           ": the vocabulary has no [MASK] token, which Gibbs generation writes into every position it redraws");
  GibbsResult r;
  r.sequence.push_back(sp.cls);
  for (int32_t id : tokenizer.encode(prompt)) r.sequence.push_back(id);
  r.first = static_cast<int64_t>(r.sequence.size());
  r.sequence.insert(r.sequence.end(), static_cast<size_t>(o.length), sp.mask);
  r.sequence.push_back(sp.sep);
  const int64_t T = static_cast<int64_t>(r.sequence.size());
  NN_CHECK(T <= model.config().max_position_embeddings, "Gibbs: [CLS] prompt, ", o.length, " tokens and [SEP] make ", T,
           " positions; the model has ", model.config().max_position_embeddings);

  auto text_of = [&] {
    std::string text;
    for (int64_t i = 0; i < o.length; ++i)
      text += token_piece(tokenizer.vocab().token(r.sequence[static_cast<size_t>(r.first + i)]), i == 0 && prompt.empty());
    return text;
  };
  nn::Generator rng(o.seed);
  const auto t0 = std::chrono::steady_clock::now();
  for (int it = 0; it < o.iterations; ++it) {
    const int64_t k = o.order == GibbsOrder::Sweep ? it % o.length : rng.randint(0, o.length - 1);
    gibbs_step(model, r.sequence, r.first + k, sp.mask, o.sampling, rng);
    if (on_iteration) on_iteration(it + 1, text_of());
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.ids.assign(r.sequence.begin() + r.first, r.sequence.begin() + r.first + o.length);
  r.text = text_of();
  return r;
}

}  // namespace bert
