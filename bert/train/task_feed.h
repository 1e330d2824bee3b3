// task_feed.h — a fine-tuning dataset as the trainer's DataFeed: each epoch visits every example
// once, in an order shuffled with (seed, epoch), batch_size at a time (an epoch's last batch may
// be smaller); the position "epoch:batch" resumes the stream exactly (seek throws nn::Error on a
// position that is not two decimal counts, or whose batch is past an epoch's, and leaves the feed
// where it was). Held-out batches are the evaluation set in file order.
#pragma once
#include <cstdint>
#include <memory>

#include "bert/data/task_dataset.h"
#include "bert/train/trainer.h"

namespace bert {

// Optimizer steps in one epoch of `examples` examples.
int64_t steps_per_epoch(size_t examples, size_t batch_size);

// The DataFeed over `train` (shared: the feed keeps it alive) with `eval`'s batches held out.
DataFeed task_feed(std::shared_ptr<const TaskDataset> train, const TaskDataset* eval, size_t batch_size,
                   uint64_t seed);

}  // namespace bert
