// ops/attention_probs.h — the attention probabilities of nn::attention (core/ops.h), for
// inspection: softmax(Q·Kᵀ/√D + masks) as the fused kernel forms them (kernels/attention.h with
// its `probs` output), without dropout and without a graph. nn::attention itself never keeps the
// whole (B,H,T,S) tensor for its output; this op does, so call it only when you want to look.
#pragma once
#include "core/tensor.h"

namespace nn {

// Probabilities (B,H,T,S) of scaled dot-product attention of queries q (B,H,T,D) over keys
// k (B,H,S,D), with key_mask, causal and segments exactly as nn::attention takes them. Each row
// sums to 1 over the keys it sees; keys it does not see (masked, in the future, in another
// segment) are 0, and a row that sees no key is all 0. No gradient flows through the result.
Tensor attention_probs(const Tensor& q, const Tensor& k, const Tensor& key_mask, bool causal,
                       const Tensor& segments = Tensor());

}  // namespace nn
