// synthetic.cc — random batches for speed measurements.
#include "bert/train/synthetic.h"

#include <algorithm>
#include <memory>
#include <numeric>

#include "core/rng.h"

namespace bert {
namespace {

// Ids avoid 0–4 (the special tokens of a trained vocabulary). The batch serves every language
// model: masked positions, hidden behind kSyntheticMask in the input, and NSP labels for the
// masked ones; labels = the unmasked ids for the causal one.
Batch masked_batch(int64_t V, int64_t B, int64_t T, uint64_t seed) {
  nn::Generator g(seed);
  std::vector<int64_t> ids(static_cast<size_t>(B * T)), types(ids.size()), mask(ids.size(), 1), pos, labels, nsp;
  const int64_t per_row = std::min<int64_t>(20, std::max<int64_t>(1, (T * 15 + 50) / 100));
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < T; ++t) {
      ids[static_cast<size_t>(b * T + t)] = g.randint(std::min<int64_t>(5, V - 1), V - 1);
      types[static_cast<size_t>(b * T + t)] = t >= T / 2;
    }
    std::vector<int64_t> row(static_cast<size_t>(std::max<int64_t>(T - 2, 1)));
    std::iota(row.begin(), row.end(), 1);
    for (size_t i = row.size(); i > 1; --i) std::swap(row[i - 1], row[static_cast<size_t>(g.randint(0, static_cast<int64_t>(i) - 1))]);
    row.resize(static_cast<size_t>(std::min<int64_t>(per_row, static_cast<int64_t>(row.size()))));
    std::sort(row.begin(), row.end());
    for (int64_t t : row) {
      pos.push_back(b * T + t);
      labels.push_back(ids[static_cast<size_t>(b * T + t)]);
    }
    nsp.push_back(g.randint(0, 1));
  }
  const std::vector<int64_t> unmasked = ids;
  for (int64_t p : pos) ids[static_cast<size_t>(p)] = std::min(kSyntheticMask, V - 1);
  const int64_t M = static_cast<int64_t>(pos.size());
  Batch batch{nn::Tensor::from_ids({B, T}, ids), nn::Tensor::from_ids({B, T}, types), nn::Tensor::from_ids({B, T}, mask),
              nn::Tensor::from_ids({M}, pos), nn::Tensor::from_ids({M}, labels), nn::Tensor::from_ids({B}, nsp)};
  batch.labels = nn::Tensor::from_ids({B, T}, unmasked);  // a causal model predicts the ids themselves
  return batch;
}

}  // namespace

DataFeed synthetic_feed(int64_t V, int64_t B, int64_t T, uint64_t seed) {
  auto index = std::make_shared<uint64_t>(0);
  DataFeed f;
  f.next = [=] { return masked_batch(V, B, T, nn::mix_seed(seed, (*index)++)); };
  f.position = [=] { return std::to_string(*index); };
  f.seek = [=](const std::string& p) { *index = p.empty() ? 0 : std::stoull(p); };
  for (uint64_t e = 0; e < 2; ++e) f.eval.push_back(masked_batch(V, B, T, nn::mix_seed(seed ^ 0xE7A1u, e)));
  return f;
}

}  // namespace bert
