// grad_buckets.cc — buckets over the flat gradient buffer, started as backward completes them.
#include "nn/dist/grad_buckets.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "core/error.h"
#include "core/kernels/elementwise.h"
#include "core/profile.h"

namespace nn::dist {

int64_t default_bucket_floats() {
  const char* env = std::getenv("NNBERT_DIST_BUCKET_MB");
  const double mb = env ? std::atof(env) : 0.0;
  return std::max<int64_t>(1, static_cast<int64_t>((mb > 0 ? mb : 8.0) * 1024 * 1024 / sizeof(float)));
}

GradBuckets::GradBuckets(const std::vector<NamedParameter>& params, FlatParameters& flat, Communicator& comm,
                         int64_t bucket_floats)
    : flat_(flat), comm_(comm) {
  NN_CHECK(bucket_floats >= 1, "gradient buckets: bucket size must be at least 1 float");
  // Each parameter's range in the flat buffer, in buffer order.
  struct Range { int64_t offset, size; const TensorImpl* impl; };
  std::vector<Range> ranges;
  const float* base = flat_.values.data();
  for (const NamedParameter& p : params) {
    const int64_t offset = p.tensor->data() - base;
    NN_CHECK(offset >= 0 && offset + p.tensor->numel() <= flat_.values.numel(), "gradient buckets: parameter ",
             p.name, " is not a view into the flat buffer (flatten the parameters first)");
    ranges.push_back({offset, p.tensor->numel(), &p.tensor->impl()});
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.offset < b.offset; });
  int64_t covered = 0;
  for (const Range& r : ranges) {
    NN_CHECK(r.offset == covered, "gradient buckets: the parameters do not tile the flat buffer at offset ", covered);
    if (buckets_.empty() || buckets_.back().end - buckets_.back().begin >= bucket_floats) {
      buckets_.emplace_back();
      buckets_.back().begin = buckets_.back().end = r.offset;
    }
    buckets_.back().end = r.offset + r.size;
    buckets_.back().params += 1;
    bucket_of_[r.impl] = buckets_.size() - 1;
    covered = r.offset + r.size;
  }
  NN_CHECK(covered == flat_.grads.numel(), "gradient buckets: the parameters cover ", covered, " of ",
           flat_.grads.numel(), " flat elements");
}

GradBuckets::~GradBuckets() {
  if (active_) set_backward_observer(previous_);
}

void GradBuckets::begin(const float* addend) {
  NN_CHECK(!active_, "gradient buckets: begin() twice without finish()");
  for (Bucket& b : buckets_) {
    b.remaining = b.params;
    b.started = b.ready = false;
  }
  addend_ = addend;
  started_early_ = 0;
  ready_order_.clear();
  next_ = 0;
  active_ = true;
  previous_ = set_backward_observer(this);
}

void GradBuckets::leaf_ready(TensorImpl& leaf) {
  const auto it = bucket_of_.find(&leaf);
  if (it == bucket_of_.end()) return;  // not one of ours (an input that requires grad)
  Bucket& b = buckets_[it->second];
  if (--b.remaining == 0) {
    b.ready = true;
    ready_order_.push_back(it->second);
  }
}

void GradBuckets::node_done() {
  const int64_t before = started_early_;
  start_ready_in_order();
  if (started_early_ == before) comm_.progress();  // let the allreduces in flight advance
}

void GradBuckets::start_ready_in_order() {
  while (next_ < order_.size() && buckets_[order_[next_]].ready) {
    start(order_[next_++]);
    ++started_early_;
  }
}

void GradBuckets::start(size_t i) {
  const profile::Scope prof("dist_allreduce_start", true);
  Bucket& b = buckets_[i];
  NN_CHECK(!b.started, "gradient buckets: bucket ", i, " started twice in one backward");
  float* g = flat_.grads.data() + b.begin;
  // g ← g + addend (this backward's gradient plus the rank's earlier micro-batches): the same
  // floating-point sum, in the same order up to commutation, as accumulating on one process.
  if (addend_) kernels::add_inplace(g, addend_ + b.begin, b.end - b.begin);
  b.handle = comm_.iallreduce_sum(g, b.end - b.begin);
  b.started = true;
}

void GradBuckets::finish() {
  NN_CHECK(active_, "gradient buckets: finish() without begin()");
  set_backward_observer(previous_);
  active_ = false;
  const int64_t early = started_early_;
  // Parameters the graph did not reach (or a backward that never ran) are complete now too.
  for (size_t b = buckets_.size(); b-- > 0;)
    if (!buckets_[b].ready) {
      buckets_[b].ready = true;
      ready_order_.push_back(b);
    }
  if (order_.empty()) {
    // The first backward: every bucket starts now, from the last index down (the same on every
    // rank); then rank 0's readiness order becomes everyone's start order.
    for (size_t b = buckets_.size(); b-- > 0;) start(b);
    std::vector<int32_t> order(ready_order_.begin(), ready_order_.end());
    comm_.broadcast_bytes(order.data(), static_cast<int64_t>(order.size() * sizeof(int32_t)), 0);
    order_.assign(order.begin(), order.end());
  } else {
    start_ready_in_order();
  }
  started_early_ = early;
  const auto t0 = std::chrono::steady_clock::now();
  {
    const profile::Scope prof("dist_allreduce_wait", true);
    for (Bucket& b : buckets_) b.handle.wait();
  }
  wait_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace nn::dist
