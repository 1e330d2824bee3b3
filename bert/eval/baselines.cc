// baselines.cc — most-frequent-token accuracy and unigram loss from training counts.
#include "bert/eval/baselines.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace bert {

std::vector<int64_t> token_counts(const Corpus& corpus, int32_t vocab_size, std::span<const int32_t> skip) {
  std::vector<int64_t> counts(static_cast<size_t>(vocab_size), 0);
  for (size_t d = 0; d < corpus.num_documents(); ++d)
    for (const int32_t id : corpus.document_tokens(d))
      if (id >= 0 && id < vocab_size) ++counts[static_cast<size_t>(id)];
  for (const int32_t id : skip)
    if (id >= 0 && id < vocab_size) counts[static_cast<size_t>(id)] = 0;
  return counts;
}

FrequencyBaselines frequency_baselines(std::span<const int64_t> counts, std::span<const int64_t> targets) {
  NN_CHECK(!counts.empty(), "baselines: empty vocabulary");
  FrequencyBaselines b;
  b.top_id = static_cast<int32_t>(std::max_element(counts.begin(), counts.end()) - counts.begin());
  double total = static_cast<double>(counts.size());  // add-one smoothing: V pseudo-counts
  for (const int64_t c : counts) total += static_cast<double>(c);
  int64_t hits = 0;
  double nats = 0;
  for (const int64_t t : targets) {
    if (t < 0) continue;
    NN_CHECK(t < static_cast<int64_t>(counts.size()), "baselines: target id ", t, " outside the vocabulary of ",
             counts.size());
    hits += t == b.top_id;
    nats -= std::log((static_cast<double>(counts[static_cast<size_t>(t)]) + 1.0) / total);
    ++b.targets;
  }
  if (b.targets > 0) {
    b.top_accuracy = static_cast<double>(hits) / static_cast<double>(b.targets);
    b.unigram_loss = nats / static_cast<double>(b.targets);
  }
  return b;
}

}  // namespace bert
