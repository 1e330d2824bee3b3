// sampler.cc — the sampling rules, in the order HF's generate applies them: repetition penalty,
// temperature, top-k, top-p.
#include "bert/generation/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace bert {
namespace {

// Logits after the repetition penalty: a seen token's logit l becomes l/θ if l > 0, else l·θ.
std::vector<double> penalised(std::span<const float> logits, std::span<const int32_t> context, float penalty) {
  std::vector<double> l(logits.begin(), logits.end());
  if (penalty == 1.0f) return l;
  std::vector<bool> seen(l.size(), false);
  for (int32_t id : context)
    if (id >= 0 && static_cast<size_t>(id) < l.size()) seen[static_cast<size_t>(id)] = true;
  for (size_t i = 0; i < l.size(); ++i)
    if (seen[i]) l[i] = l[i] > 0 ? l[i] / penalty : l[i] * penalty;
  return l;
}

}  // namespace

std::vector<double> sampling_distribution(std::span<const float> logits, std::span<const int32_t> context,
                                          const SamplingOptions& o) {
  NN_CHECK(!logits.empty(), "sampling: empty logits");
  NN_CHECK(o.temperature > 0, "sampling: temperature must be positive for a distribution");
  NN_CHECK(o.top_p > 0 && o.top_p <= 1, "sampling: top-p must be in (0, 1], got ", o.top_p);
  NN_CHECK(o.top_k >= 0, "sampling: top-k must be ≥ 0, got ", o.top_k);
  NN_CHECK(o.repetition_penalty > 0, "sampling: repetition penalty must be positive");
  std::vector<double> l = penalised(logits, context, o.repetition_penalty);
  const double mx = *std::max_element(l.begin(), l.end());
  std::vector<double> p(l.size());
  double total = 0;
  for (size_t i = 0; i < l.size(); ++i) total += p[i] = std::exp((l[i] - mx) / o.temperature);
  for (double& x : p) x /= total;
  size_t keep = o.top_k > 0 ? std::min(p.size(), static_cast<size_t>(o.top_k)) : p.size();
  if (keep == p.size() && o.top_p >= 1) return p;  // no cut: nothing to sort
  // Tokens by probability, highest first (ties by id, so the cut is deterministic); only the
  // first `keep` (the top-k) need ordering: the nucleus cut lies within them.
  std::vector<size_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  const auto before = [&](size_t a, size_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); };
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(), before);
  if (o.top_p < 1) {  // the smallest prefix whose mass reaches top_p
    double mass = 0;
    for (size_t i = 0; i < keep; ++i) {
      mass += p[order[i]];
      if (mass >= o.top_p) { keep = i + 1; break; }
    }
  }
  std::vector<double> out(p.size(), 0.0);
  double kept = 0;
  for (size_t i = 0; i < keep; ++i) kept += p[order[i]];
  for (size_t i = 0; i < keep; ++i) out[order[i]] = p[order[i]] / kept;
  return out;
}

int32_t sample_token(std::span<const float> logits, std::span<const int32_t> context, const SamplingOptions& o,
                     nn::Generator& rng) {
  if (o.temperature == 0) {
    const std::vector<double> l = penalised(logits, context, o.repetition_penalty);
    return static_cast<int32_t>(std::max_element(l.begin(), l.end()) - l.begin());
  }
  const std::vector<double> p = sampling_distribution(logits, context, o);
  double u = rng.uniform(), acc = 0;
  int32_t last = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0) continue;
    last = static_cast<int32_t>(i);
    acc += p[i];
    if (u < acc) return last;
  }
  return last;  // u landed in the rounding gap at the top
}

}  // namespace bert
