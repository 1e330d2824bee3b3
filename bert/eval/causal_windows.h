// causal_windows.h — how a long token stream is cut into windows a causal model can score, so
// that every token after the first is predicted exactly once.
//
// Rule (max_len L, stride S with 1 ≤ S ≤ L−1): the first window is stream[0, min(N, L)) and scores
// tokens 1 … end−1; each next window scores the next S tokens (fewer at the end of the stream) and
// takes as input the L tokens that end with them (fewer only at the very start), so a token scored
// in window k has at least L−S tokens of context, except in the first window. With the default
// S = L−1 the windows are contiguous blocks that share one token: the last token of a block is
// the first (context-only) token of the next, so a block's first scored token sees one token of
// context, its last L−1. A smaller stride buys context for time (L/S forwards per token instead of
// about one).
//
// Labels follow HF's shifted convention (BertLMHeadModel::loss): position t predicts labels[t+1];
// a context-only token has label −100.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "bert/data/batch.h"

namespace bert {

// Inputs stream[begin, end); targets stream[first_target, end), begin < first_target ≤ end.
struct ScoreWindow {
  int64_t begin = 0, first_target = 1, end = 0;
};

// The windows that score tokens 1 … stream_length−1 of a stream (rule above). Throws nn::Error
// when stream_length < 2, max_len < 2, or stride is not in [1, max_len − 1].
std::vector<ScoreWindow> causal_windows(int64_t stream_length, int64_t max_len, int64_t stride);

// One batch of windows: input ids padded with pad_id (attention mask 0 there), labels −100 at
// context-only positions and padding.
Batch window_batch(std::span<const int32_t> stream, std::span<const ScoreWindow> windows, int32_t pad_id);

// Every window of a stream in batches of batch_size windows (the last batch may be smaller).
std::vector<Batch> causal_window_batches(std::span<const int32_t> stream, int64_t max_len, int64_t stride,
                                                 int64_t batch_size, int32_t pad_id);

}  // namespace bert
