// row_scores.h — what language-model evaluation adds up from vocabulary logits: the negative
// log-probability (nats) of each row's target and whether the target is the row's argmax.
#pragma once
#include <cstdint>
#include <span>

#include "core/tensor.h"

namespace bert {

// Totals over scored predictions.
struct LMScore {
  int64_t tokens = 0;   // predictions scored
  double nats = 0;      // Σ −log p(target)
  int64_t correct = 0;  // predictions whose argmax (lowest id on ties) is the target
  // Adds another score's totals.
  LMScore& operator+=(const LMScore& o) {
    tokens += o.tokens;
    nats += o.nats;
    correct += o.correct;
    return *this;
  }
};

// Scores logits (M,V) against targets (M ids in [0, V)): −log softmax(row)[target] in double
// (max-subtracted log-sum-exp), argmax hits. Throws nn::Error on mismatched sizes or a target out
// of range.
LMScore score_rows(const nn::Tensor& logits, std::span<const int64_t> targets);

}  // namespace bert
