// synthetic.h — random-id training batches for benchmarking without a corpus (--synthetic):
// full-length sequences, 15% of positions masked (at most 20; their input id replaced by
// kSyntheticMask, so a masked model cannot copy them), random NSP labels, all seeded by
// (seed, batch index) so the stream can be resumed.
#pragma once
#include "bert/train/trainer.h"

namespace bert {

// The input id at masked positions (the [MASK] of a vocabulary trained by nnbert; random ids are
// drawn from 5 up).
inline constexpr int64_t kSyntheticMask = 4;

// A DataFeed of random batches shaped (batch_size, seq_len) over a vocabulary of vocab_size.
DataFeed synthetic_feed(int64_t vocab_size, int64_t batch_size, int64_t seq_len, uint64_t seed);

}  // namespace bert
