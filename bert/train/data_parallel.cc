// data_parallel.cc — micro-batch shares, gradient accumulation and reduction across ranks.
#include "bert/train/data_parallel.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.h"
#include "bert/data/batch_rows.h"
#include "core/kernels/elementwise.h"
#include "core/profile.h"
#include "core/rng.h"

namespace bert {

DataParallel::DataParallel(nn::dist::Communicator& comm, TaskModel& model, int64_t grad_accum)
    : comm_(comm), flat_(*model.flat_parameters()) {
  const int64_t w = comm_.size();
  split_rows_ = grad_accum % w != 0;
  local_ = split_rows_ ? grad_accum : grad_accum / w;
  first_ = split_rows_ ? 0 : comm_.rank() * local_;
  if (local_ > 1) kept_ = nn::Tensor::zeros({flat_.grads.numel()});
  if (w > 1)
    buckets_ = std::make_unique<nn::dist::GradBuckets>(model.named_parameters(), flat_, comm_,
                                                       nn::dist::default_bucket_floats());
}

DataParallel::~DataParallel() = default;

Batch DataParallel::share(const Batch& b, double& weight) const {
  weight = 1;
  if (!split_rows_) return b;
  const int64_t n = b.input_ids.size(0), w = size();
  const int64_t per = (n + w - 1) / w;
  const int64_t r0 = std::min(n, rank() * per), r1 = std::min(n, r0 + per);
  if (r0 == r1) {
    weight = 0;
    return batch_rows(b, 0, 1);
  }
  weight = static_cast<double>(r1 - r0) / static_cast<double>(n);
  return batch_rows(b, r0, r1);
}

uint64_t DataParallel::dropout_seed(uint64_t micro_seed) const {
  return split_rows_ ? nn::mix_seed(micro_seed, static_cast<uint64_t>(rank()) + 1) : micro_seed;
}

void DataParallel::broadcast_weights() {
  if (distributed()) comm_.broadcast(flat_.values.data(), flat_.values.numel(), 0);
}

void DataParallel::before_backward(int64_t micro) {
  const bool first = micro == first_;
  float* g = flat_.grads.data();
  const size_t bytes = static_cast<size_t>(flat_.grads.numel()) * sizeof(float);
  if (!first) {  // keep Σ of the earlier micro-batches, form this one's gradient alone
    std::memcpy(kept_.data(), g, bytes);
    std::memset(g, 0, bytes);
  }
  if (last_local(micro) && buckets_) buckets_->begin(first ? nullptr : kept_.data());
}

void DataParallel::after_backward(int64_t micro) {
  const bool first = micro == first_;
  if (last_local(micro) && buckets_) {
    buckets_->finish();  // each bucket was sent as this gradient + kept, summed over ranks
    return;
  }
  // g ← g + kept: this micro-batch's gradient plus the earlier ones' sum.
  if (!first) nn::kernels::add_inplace(flat_.grads.data(), kept_.data(), flat_.grads.numel());
}

nn::dist::Shard DataParallel::optimizer_shard(bool zero) const {
  const int64_t total = flat_.values.numel();
  return zero ? nn::dist::shard_of(total, size(), rank()) : nn::dist::Shard{0, total};
}

void DataParallel::allgather_parameters() {
  const nn::profile::Scope prof("dist_allgather_parameters");
  comm_.allgather_shards(flat_.values.data(), flat_.values.numel());
}

nn::Tensor DataParallel::gather_moment(const nn::Tensor& shard, nn::Tensor into) {
  const int64_t total = flat_.values.numel();
  if (shard.numel() == total) return shard;
  NN_CHECK(!into.defined() || into.numel() == total, "data parallel: a moment gathers into ", total, " floats");
  nn::Tensor all = !root() ? nn::Tensor() : into.defined() ? into : nn::Tensor::empty({total});
  comm_.gather_shards(shard.data(), root() ? all.data() : nullptr, total, 0);
  return all;
}

void DataParallel::wait_for_root() {
  if (distributed()) comm_.barrier_within(50 * nn::dist::timeout());
}

bool DataParallel::agree_with_root(bool value) {
  if (!distributed()) return value;
  char v = value ? 1 : 0;
  comm_.broadcast_bytes(&v, 1, 0);
  return v != 0;
}

void DataParallel::sum(std::vector<double>& values) {
  if (!distributed()) return;
  // Every rank must send the same count (the same statistics): checked before the sum.
  double n[2] = {static_cast<double>(values.size()), -static_cast<double>(values.size())};
  comm_.allreduce(n, 2, nn::dist::Op::Max);
  NN_CHECK(n[0] == -n[1], "data parallel: the ranks report different numbers of step statistics (",
           static_cast<int64_t>(-n[1]), " to ", static_cast<int64_t>(n[0]), ")");
  comm_.allreduce(values.data(), static_cast<int64_t>(values.size()), nn::dist::Op::Sum);
}

namespace {

// A byte buffer that values are appended to and read back from, in the same order.
struct Bytes {
  std::vector<char> data;
  size_t read_at = 0;
  template <class T> void put(const T& v) { put_raw(&v, sizeof(T)); }
  void put_raw(const void* p, size_t n) {
    data.insert(data.end(), static_cast<const char*>(p), static_cast<const char*>(p) + n);
  }
  template <class T> T get() {
    T v;
    get_raw(&v, sizeof(T));
    return v;
  }
  void get_raw(void* p, size_t n) {
    NN_CHECK(read_at + n <= data.size(), "data parallel: an evaluation output arrived truncated");
    std::memcpy(p, data.data() + read_at, n);
    read_at += n;
  }
};

// stats, then the logits (rank −1: none), as Bytes.
Bytes pack(const TaskOutput& out, bool with_logits) {
  Bytes b;
  b.put<int64_t>(static_cast<int64_t>(out.stats.items().size()));
  for (const auto& [name, st] : out.stats.items()) {
    b.put<int64_t>(static_cast<int64_t>(name.size()));
    b.put_raw(name.data(), name.size());
    b.put(st.sum);
    b.put(st.count);
  }
  if (!with_logits || !out.logits.defined()) {
    b.put<int64_t>(-1);
    return b;
  }
  const nn::Tensor l = out.logits.contiguous();
  b.put<int64_t>(l.dim());
  for (int64_t d = 0; d < l.dim(); ++d) b.put<int64_t>(l.size(d));
  b.put_raw(l.data(), static_cast<size_t>(l.numel()) * sizeof(float));
  return b;
}

TaskOutput unpack(Bytes& b) {
  TaskOutput out;
  const int64_t n = b.get<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    std::string name(static_cast<size_t>(b.get<int64_t>()), '\0');
    b.get_raw(name.data(), name.size());
    const double sum = b.get<double>();
    out.stats.add(name, sum, b.get<int64_t>());
  }
  const int64_t dims = b.get<int64_t>();
  if (dims < 0) return out;
  nn::Shape shape(static_cast<size_t>(dims));
  for (int64_t& s : shape) s = b.get<int64_t>();
  out.logits = nn::Tensor::empty(shape);
  b.get_raw(out.logits.data(), static_cast<size_t>(out.logits.numel()) * sizeof(float));
  return out;
}

}  // namespace

TaskOutput DataParallel::gather_eval_output(size_t i, TaskOutput out, bool with_logits) {
  const int owner = static_cast<int>(i % static_cast<size_t>(size()));
  if (owner == 0) return rank() == 0 ? out : TaskOutput{};  // computed where it is needed
  // The owner broadcasts the size, then the bytes (every rank takes part; rank 0 keeps them).
  Bytes b;
  if (rank() == owner) b = pack(out, with_logits);
  int64_t n = static_cast<int64_t>(b.data.size());
  comm_.broadcast_bytes(&n, sizeof n, owner);
  b.data.resize(static_cast<size_t>(n));
  comm_.broadcast_bytes(b.data.data(), n, owner);
  return rank() == 0 ? unpack(b) : TaskOutput{};
}

}  // namespace bert
