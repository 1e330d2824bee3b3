// pseudo_ll.cc — masked copies of blocks, batched, scored at the masked row only.
#include "bert/eval/pseudo_ll.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/bf16_weights.h"
#include "core/ops.h"

namespace bert {

namespace {

// A block of a document: tokens [begin, end) of document_tokens(doc).
struct Block {
  size_t doc = 0;
  int64_t begin = 0, end = 0;
};

// One masked copy: block `block`, its token `offset` (0-based, without [CLS]) masked.
struct Copy {
  size_t block = 0;
  int64_t offset = 0;
};

int64_t block_tokens(const TaskModel& model, const PseudoLLOptions& o) {
  const int64_t max_pos = model.config().max_position_embeddings;
  const int64_t L = o.max_len > 0 ? o.max_len : max_pos;
  NN_CHECK(L <= max_pos, "pseudo-log-likelihood: blocks of ", L, " tokens exceed the model's ", max_pos,
           " positions");
  NN_CHECK(L >= 3, "pseudo-log-likelihood: blocks need at least 3 positions ([CLS] token [SEP]), got ", L);
  return L - 2;
}

std::vector<Block> blocks_of(const Corpus& documents, int64_t per_block) {
  std::vector<Block> blocks;
  for (size_t d = 0; d < documents.num_documents(); ++d) {
    const auto n = static_cast<int64_t>(documents.document_tokens(d).size());
    for (int64_t b = 0; b < n; b += per_block) blocks.push_back({d, b, std::min(n, b + per_block)});
  }
  return blocks;
}

int64_t scored(const std::vector<Block>& blocks, int64_t max_tokens) {
  int64_t n = 0;
  for (const Block& b : blocks) n += b.end - b.begin;
  return max_tokens > 0 ? std::min(n, max_tokens) : n;
}

const BertLMPredictionHead& mlm_head(const TaskModel& model) {
  const BertLMPredictionHead* head = masked_lm_head(model);
  NN_CHECK(head, "pseudo-log-likelihood needs a masked-LM model (BertForPreTraining or BertForMaskedLM); "
                            "this checkpoint is ", model.architecture());
  return *head;
}

}  // namespace

LMScore score_pseudo_ll(const TaskModel& model, const Corpus& documents, const SpecialIds& specials,
                        const PseudoLLOptions& options, const ScoreProgress& progress) {
  const nn::Bf16WeightScope fixed_weights;  // the weights are only read here (bf16: rounded once)
  const BertLMPredictionHead& head = mlm_head(model);
  NN_CHECK(specials.cls >= 0 && specials.sep >= 0 && specials.mask >= 0,
           "pseudo-log-likelihood: the vocabulary needs [CLS], [SEP] and [MASK]");
  NN_CHECK(options.batch_size >= 1, "pseudo-log-likelihood: batch size must be at least 1, got ", options.batch_size);
  const std::vector<Block> blocks = blocks_of(documents, block_tokens(model, options));
  const int64_t total = scored(blocks, options.max_tokens);
  std::vector<Copy> copies;
  copies.reserve(static_cast<size_t>(total));
  for (size_t b = 0; b < blocks.size() && static_cast<int64_t>(copies.size()) < total; ++b)
    for (int64_t o = 0; o < blocks[b].end - blocks[b].begin && static_cast<int64_t>(copies.size()) < total; ++o)
      copies.push_back({b, o});

  nn::NoGradGuard no_grad;
  const_cast<TaskModel&>(model).eval();  // dropout off: the mode, not the weights, changes
  const int32_t pad = specials.pad >= 0 ? specials.pad : 0;
  LMScore score;
  const auto per_batch = static_cast<size_t>(options.batch_size);
  for (size_t i = 0; i < copies.size(); i += per_batch) {
    const size_t n = std::min(per_batch, copies.size() - i);
    int64_t T = 0;
    for (size_t k = 0; k < n; ++k) {
      const Block& bl = blocks[copies[i + k].block];
      T = std::max(T, bl.end - bl.begin + 2);
    }
    const auto B = static_cast<int64_t>(n);
    std::vector<int64_t> ids(static_cast<size_t>(B * T), pad), mask(static_cast<size_t>(B * T), 0), positions, targets;
    for (int64_t b = 0; b < B; ++b) {
      const Copy& c = copies[i + static_cast<size_t>(b)];
      const Block& bl = blocks[c.block];
      const auto doc = documents.document_tokens(bl.doc);
      int64_t* row = ids.data() + b * T;
      row[0] = specials.cls;
      for (int64_t t = bl.begin; t < bl.end; ++t) row[1 + t - bl.begin] = doc[static_cast<size_t>(t)];
      row[1 + bl.end - bl.begin] = specials.sep;
      std::fill(mask.begin() + b * T, mask.begin() + b * T + (bl.end - bl.begin + 2), 1);
      targets.push_back(row[1 + c.offset]);
      row[1 + c.offset] = specials.mask;
      positions.push_back(b * T + 1 + c.offset);
    }
    const nn::Tensor input = nn::Tensor::from_ids({B, T}, ids);
    const nn::Tensor h =
        model.encoder().forward(input, nn::Tensor(), nn::Tensor::from_ids({B, T}, mask))
            .sequence_output;
    const nn::Tensor rows = gather_positions(h, nn::Tensor::from_ids({B}, positions));
    score += score_rows(head.forward(rows), targets);
    if (progress) progress(score.tokens, total);
  }
  return score;
}

}  // namespace bert
