// causal_windows.cc — cutting a stream into scoring windows and batching them.
#include "bert/eval/causal_windows.h"

#include <algorithm>

#include "core/error.h"

namespace bert {

std::vector<ScoreWindow> causal_windows(int64_t stream_length, int64_t max_len, int64_t stride) {
  NN_CHECK(stream_length >= 2, "causal scoring: the stream has ", stream_length,
           " token(s); at least 2 are needed (one of context, one to predict)");
  NN_CHECK(max_len >= 2, "causal scoring: the window length must be at least 2, got ", max_len);
  NN_CHECK(stride >= 1 && stride <= max_len - 1, "causal scoring: the stride must be in [1, ", max_len - 1,
           "] for windows of ", max_len, " tokens, got ", stride);
  std::vector<ScoreWindow> windows;
  ScoreWindow w{0, 1, std::min(stream_length, max_len)};
  windows.push_back(w);
  while (w.end < stream_length) {
    const int64_t end = std::min(stream_length, w.end + stride);
    w = ScoreWindow{std::max<int64_t>(0, end - max_len), w.end, end};
    windows.push_back(w);
  }
  return windows;
}

Batch window_batch(std::span<const int32_t> stream, std::span<const ScoreWindow> windows, int32_t pad_id) {
  NN_CHECK(!windows.empty(), "causal scoring: a batch needs at least one window");
  int64_t T = 0;
  for (const ScoreWindow& w : windows) {
    NN_CHECK(0 <= w.begin && w.begin < w.first_target && w.first_target <= w.end &&
                 w.end <= static_cast<int64_t>(stream.size()),
             "causal scoring: window [", w.begin, ", ", w.end, ") does not fit a stream of ", stream.size());
    T = std::max(T, w.end - w.begin);
  }
  const auto B = static_cast<int64_t>(windows.size());
  std::vector<int64_t> ids(static_cast<size_t>(B * T), pad_id), mask(static_cast<size_t>(B * T), 0),
      labels(static_cast<size_t>(B * T), -100);
  for (int64_t b = 0; b < B; ++b) {
    const ScoreWindow& w = windows[static_cast<size_t>(b)];
    for (int64_t i = w.begin; i < w.end; ++i) {
      const auto at = static_cast<size_t>(b * T + (i - w.begin));
      ids[at] = stream[static_cast<size_t>(i)];
      mask[at] = 1;
      if (i >= w.first_target) labels[at] = stream[static_cast<size_t>(i)];
    }
  }
  Batch batch;
  batch.input_ids = nn::Tensor::from_ids({B, T}, ids);
  batch.attention_mask = nn::Tensor::from_ids({B, T}, mask);
  batch.labels = nn::Tensor::from_ids({B, T}, labels);
  return batch;
}

std::vector<Batch> causal_window_batches(std::span<const int32_t> stream, int64_t max_len, int64_t stride,
                                                 int64_t batch_size, int32_t pad_id) {
  NN_CHECK(batch_size >= 1, "causal scoring: batch size must be at least 1, got ", batch_size);
  const std::vector<ScoreWindow> windows = causal_windows(static_cast<int64_t>(stream.size()), max_len, stride);
  const std::span<const ScoreWindow> all(windows);
  std::vector<Batch> batches;
  for (size_t i = 0; i < all.size(); i += static_cast<size_t>(batch_size))
    batches.push_back(window_batch(stream, all.subspan(i, std::min(all.size() - i, static_cast<size_t>(batch_size))), pad_id));
  return batches;
}

}  // namespace bert
