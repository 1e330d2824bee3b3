// data_parallel.h — what the training loop needs to run as one of several ranks (nn/dist):
// which micro-batches of a step this rank computes, how its gradients accumulate and are summed
// across ranks while backward runs (nn/dist/grad_buckets.h), the reduction of a step's loss and
// statistics, and the decisions every rank must take together (stop, time budget).
//
// A step is config.grad_accum (G) micro-batches of batch_size rows, read in order from the one
// seeded stream by every rank, so the stream, its position and the global batch (batch_size × G)
// do not depend on the number of ranks W, and a run resumes on any W. When W divides G, rank r
// computes whole micro-batches [r·G/W, (r+1)·G/W) and skips the others (dropout seeds are those of
// the micro-batch's global index: one process with --grad-accum G computes exactly the same). When
// it does not (e.g. --grad-accum 1), every micro-batch's rows are split across the ranks (⌈B/W⌉
// each, rank 0 first), each rank's loss weighted by its share of the rows: the same global batch,
// but the mean over the whole batch becomes a row-weighted mean of the ranks' means.
//
// Bit-identity with one process: every rank's local gradient of micro-batch k is computed alone
// (grads zeroed, backward, then added to the earlier micro-batches' sum — also on one process), so
// with W = G = 2 the sum over ranks G₀ + G₁ is, up to commutation (exact in IEEE), the sum one
// process with --grad-accum 2 forms. With more ranks MPI chooses the order (within rounding).
#pragma once
#include <memory>
#include <vector>

#include "bert/task/task_model.h"
#include "nn/dist/communicator.h"
#include "nn/dist/grad_buckets.h"

namespace bert {

class DataParallel {
 public:
  // `grad_accum` micro-batches per step in all (must be a multiple of comm.size()).
  DataParallel(nn::dist::Communicator& comm, TaskModel& model, int64_t grad_accum);
  ~DataParallel();

  int rank() const { return comm_.rank(); }
  int size() const { return comm_.size(); }
  bool distributed() const { return comm_.size() > 1; }
  // Rank 0: prints, evaluates, writes metrics and checkpoints.
  bool root() const { return comm_.is_root(); }
  // True when this rank computes (some of) micro-batch `micro` (of 0..grad_accum−1) of every step.
  bool mine(int64_t micro) const { return micro >= first_ && micro < first_ + local_; }
  // This rank's part of micro-batch `b`: all of it (weight 1), or its rows when micro-batches are
  // split, with weight = its share of the rows (a rank left without rows gets row 0 at weight 0, so
  // its backward and statistics keep the shape of the others').
  Batch share(const Batch& b, double& weight) const;
  // The dropout seed of a micro-batch on this rank (split rows: each rank its own masks).
  uint64_t dropout_seed(uint64_t micro_seed) const;
  // True for the last micro-batch this rank computes in a step.
  bool last_local(int64_t micro) const { return micro == first_ + local_ - 1; }

  // Copies rank 0's parameters to every rank (start and resume: the same weights everywhere).
  void broadcast_weights();
  // Before the backward of this rank's micro-batch `micro`: keeps the earlier micro-batches' sum
  // aside and zeroes the gradients (so each micro-batch's gradient is formed alone), and on the
  // last one, when distributed, arms the buckets.
  void before_backward(int64_t micro);
  // After that backward: adds the kept sum back (one process), or on the last micro-batch waits for
  // the buckets (several ranks: the gradients are then the sums over every rank's micro-batches).
  void after_backward(int64_t micro);
  // All ranks wait here while rank 0 alone evaluates or saves (up to 50× the collective timeout:
  // such work may take longer than any one collective should).
  void wait_for_root();
  // Rank 0's `value` on every rank (a decision only rank 0 can take, that all must follow).
  bool agree_with_root(bool value);
  // values[i] ← Σ over ranks (fp64; the step's loss, counts, statistics, flags).
  void sum(std::vector<double>& values);
  // Evaluation is split across ranks: held-out batch i is computed by rank i mod size().
  bool owns_eval_batch(size_t i) const { return static_cast<int>(i % static_cast<size_t>(size())) == rank(); }
  // Every rank calls this for every held-out batch i, in order: rank 0 receives batch i's
  // statistics, and its logits when `with_logits`, from the rank that computed it (`out`, which
  // the other ranks leave empty). Returns the output on rank 0 (the others' is empty).
  TaskOutput gather_eval_output(size_t i, TaskOutput out, bool with_logits);
  // ZeRO-1: the range of the flat parameters whose AdamW moments this rank keeps and updates
  // (its shard when `zero` and several ranks, else all of them).
  nn::dist::Shard optimizer_shard(bool zero) const;
  // ZeRO-1, after each rank's update of its shard: every rank gets every updated shard.
  void allgather_parameters();
  // ZeRO-1: the whole moment buffer on rank 0 (every rank calls it with its shard; the others get
  // an undefined tensor), gathered into `into` when given (a flat-sized buffer free for now).
  // Without sharding, returns `shard` itself.
  nn::Tensor gather_moment(const nn::Tensor& shard, nn::Tensor into = {});
  // Seconds ranks spent blocked on gradient allreduces so far.
  double wait_seconds() const { return buckets_ ? buckets_->wait_seconds() : 0.0; }

 private:
  nn::dist::Communicator& comm_;
  nn::FlatParameters& flat_;
  int64_t first_ = 0, local_ = 1;
  bool split_rows_ = false;  // W does not divide G: every rank computes part of every micro-batch
  nn::Tensor kept_;  // the sum of the step's earlier micro-batch gradients (local_ > 1)
  std::unique_ptr<nn::dist::GradBuckets> buckets_;
};

}  // namespace bert
