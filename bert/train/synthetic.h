// synthetic.h — random-id training batches for benchmarking without a corpus (--synthetic):
// full-length sequences, 15% of positions masked (at most 20), random NSP labels, all seeded by
// (seed, batch index) so the stream can be resumed.
#pragma once
#include "bert/train/trainer.h"

namespace bert {

// A DataFeed of random batches shaped (batch_size, seq_len) over a vocabulary of vocab_size.
DataFeed synthetic_feed(int64_t vocab_size, int64_t batch_size, int64_t seq_len, uint64_t seed);

}  // namespace bert
