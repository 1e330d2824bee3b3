// grad_buckets.h — data-parallel gradient reduction that overlaps backward, as PyTorch DDP's
// reducer does: the flat gradient buffer is cut into buckets (contiguous ranges at parameter
// boundaries); during backward, once every parameter of a bucket has its complete gradient (the
// autograd engine says so, core/autograd.h BackwardObserver), the bucket's non-blocking allreduce
// (sum) starts while backward goes on with earlier layers. finish() starts what is left and waits.
//
// Order: all ranks must start the same collectives in the same order, whatever their graphs (a
// batch may skip an op). The first backward starts every bucket at finish(), in index order from
// the last, and records the order in which buckets became ready; rank 0's record is broadcast and
// from then on buckets start in that order — a bucket ready early waits for those before it (as
// PyTorch DDP rebuilds its buckets after the first iteration).
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/autograd.h"
#include "nn/dist/communicator.h"
#include "nn/module.h"

namespace nn::dist {

// Bucket size from NNBERT_DIST_BUCKET_MB (megabytes of fp32 gradients; default 8 MB = 2M floats).
int64_t default_bucket_floats();

class GradBuckets final : public BackwardObserver {
 public:
  // Buckets of at least `bucket_floats` (the last may be smaller) over `flat`'s gradients, cut
  // at the boundaries of `params` (views into flat, as Module::flatten_parameters leaves them).
  GradBuckets(const std::vector<NamedParameter>& params, FlatParameters& flat, Communicator& comm,
              int64_t bucket_floats);
  ~GradBuckets() override;
  GradBuckets(const GradBuckets&) = delete;
  GradBuckets& operator=(const GradBuckets&) = delete;

  // Watches the next backward on this thread. `addend` (flat-sized, or nullptr) is added to each
  // bucket's gradients just before its allreduce starts (this rank's earlier micro-batches).
  void begin(const float* addend);
  // After backward: starts the buckets not started yet (parameters the graph did not reach),
  // waits for every allreduce and stops watching. The gradients are then the sums over ranks.
  void finish();

  int64_t num_buckets() const { return static_cast<int64_t>(buckets_.size()); }
  // Buckets started while backward was still running in the last begin/finish (overlapped).
  int64_t started_during_backward() const { return started_early_; }
  // Seconds finish() spent blocked on allreduces since construction.
  double wait_seconds() const { return wait_s_; }

  void leaf_ready(TensorImpl& leaf) override;
  void node_done() override;

 private:
  struct Bucket {
    int64_t begin = 0, end = 0;  // range of the flat buffer
    int params = 0;              // parameters in it
    int remaining = 0;           // of them, not complete yet in this backward
    bool started = false;
    bool ready = false;
    Handle handle;
  };
  void start(size_t b);
  // Starts the buckets that are ready and next in the agreed order.
  void start_ready_in_order();

  FlatParameters& flat_;
  Communicator& comm_;
  std::vector<Bucket> buckets_;
  std::unordered_map<const TensorImpl*, size_t> bucket_of_;  // parameter → its bucket
  std::vector<size_t> ready_order_;  // this backward: buckets in the order they became ready
  std::vector<size_t> order_;        // the agreed start order (empty before the first finish)
  size_t next_ = 0;                  // position in order_ of the next bucket to start
  const float* addend_ = nullptr;
  bool active_ = false;
  BackwardObserver* previous_ = nullptr;
  int64_t started_early_ = 0;
  double wait_s_ = 0;
};

}  // namespace nn::dist
