// pseudo_ll.h — pseudo-log-likelihood of text under a masked-LM model (Salazar et al. 2020,
// "Masked Language Model Scoring"): each token in turn is replaced by [MASK] and scored by
// log p(token | the rest); PLL = Σ of those, pseudo-perplexity = exp(−PLL / tokens), and the
// share of tokens the model puts first is the MLM accuracy.
//
// Blocks: each document is cut into consecutive blocks of up to max_len − 2 tokens, each scored
// as [CLS] block [SEP] (token types 0), so a token's context is the rest of its block. One masked
// copy of a block per token; copies from any blocks are batched batch_size at a time, and only
// the masked row goes through the vocabulary head.
#pragma once
#include <functional>

#include "bert/model/task_models.h"
#include "bert/data/corpus.h"
#include "bert/eval/causal_score.h"
#include "bert/eval/row_scores.h"
#include "bert/tokenizer/vocab.h"

namespace bert {

struct PseudoLLOptions {
  int64_t max_len = 0;      // block length with [CLS] and [SEP]; 0: the model's max_position_embeddings
  int64_t batch_size = 32;  // masked copies per forward
  int64_t max_tokens = 0;   // > 0: score only the first max_tokens tokens (in document order)
};

// PLL (as LMScore::nats = −PLL) and MLM accuracy of the documents. Puts the model in eval mode.
// Throws nn::Error for a causal checkpoint, a vocabulary without [CLS]/[SEP]/[MASK], or blocks
// longer than the model's positions.
LMScore score_pseudo_ll(const TaskModel& model, const Corpus& documents, const SpecialIds& specials,
                        const PseudoLLOptions& options, const ScoreProgress& progress = {});

}  // namespace bert
