// test_communicator.cc — nn::dist: the collectives and the gradient buckets. Runs as one process
// (the single backend) and under mpirun with 2 and 4 ranks (tests/nn/meson.build), where every
// expected value is computed from the rank count, so the same checks hold for any size.
// "[.hang]" (hidden): rank 1 skips a barrier, so rank 0 must time out with a clear error
// (tests/nn/test_dist_timeout.sh).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "core/ops.h"
#include "nn/dist/communicator.h"
#include "nn/dist/grad_buckets.h"
#include "nn/linear.h"

using namespace nn;
using nn::dist::Communicator;

namespace {
Communicator& comm() { return dist::world(); }

// A value that differs per rank and per element, with a non-trivial fraction.
float value(int rank, int64_t i) { return static_cast<float>(rank + 1) * 0.37f + static_cast<float>(i) * 0.011f; }

// Every rank's copy of `x` (allgather), to check all ranks hold the same bits.
std::vector<float> gather(const std::vector<float>& x) {
  std::vector<float> all(x.size() * static_cast<size_t>(comm().size()));
  comm().allgather(x.data(), all.data(), static_cast<int64_t>(x.size()));
  return all;
}

void require_same_on_every_rank(const std::vector<float>& x) {
  const std::vector<float> all = gather(x);
  for (int r = 1; r < comm().size(); ++r)
    REQUIRE(std::memcmp(all.data(), all.data() + r * x.size(), x.size() * sizeof(float)) == 0);
}

// A small three-layer model whose parameters live in one flat buffer.
struct Mlp : Module {
  Linear a{5, 7, true, 0.3f, 11}, b{7, 6, true, 0.3f, 12}, c{6, 3, true, 0.3f, 13};
  Mlp() {
    register_module("a", a);
    register_module("b", b);
    register_module("c", c);
  }
  Tensor loss(int rank) const {
    std::vector<float> x(4 * 5);
    for (size_t i = 0; i < x.size(); ++i) x[i] = value(rank, static_cast<int64_t>(i)) - 1.f;
    const Tensor in = Tensor::from_data({4, 5}, x);
    return sum(mul(c.forward(gelu(b.forward(gelu(a.forward(in))))), 0.5f));
  }
};
}  // namespace

TEST_CASE("communicator: rank and size", "[dist]") {
  REQUIRE(comm().size() >= 1);
  REQUIRE(comm().rank() >= 0);
  REQUIRE(comm().rank() < comm().size());
  REQUIRE(comm().backend() == (comm().size() > 1 ? "mpi" : std::string(comm().backend())));
  double n = 1;
  comm().allreduce(&n, 1, dist::Op::Sum);
  REQUIRE(n == comm().size());
}

TEST_CASE("communicator: allreduce sum and average, blocking and not", "[dist]") {
  const int w = comm().size(), r = comm().rank();
  for (int64_t n : {int64_t{1}, int64_t{1000}, int64_t{100003}}) {
    std::vector<float> x(static_cast<size_t>(n)), y(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[i] = y[i] = value(r, i);
    comm().allreduce_sum(x.data(), n);
    dist::Handle h = comm().iallreduce_avg(y.data(), n);
    h.wait();
    for (int64_t i = 0; i < n; i += 97) {
      double expect = 0;
      for (int k = 0; k < w; ++k) expect += value(k, i);
      REQUIRE(x[i] == Approx(expect).epsilon(1e-6));
      REQUIRE(y[i] == Approx(expect / w).epsilon(1e-6));
    }
    require_same_on_every_rank(x);
  }
  // With two ranks the sum has one order: exactly the float sum of the two values.
  if (w == 2) {
    std::vector<float> z = {value(r, 5)};
    comm().allreduce_sum(z.data(), 1);
    REQUIRE(z[0] == value(0, 5) + value(1, 5));
  }
}

TEST_CASE("communicator: several non-blocking allreduces in flight", "[dist]") {
  const int w = comm().size(), r = comm().rank();
  std::vector<std::vector<float>> bufs(5, std::vector<float>(4096));
  std::vector<dist::Handle> handles;
  for (size_t b = 0; b < bufs.size(); ++b) {
    for (size_t i = 0; i < bufs[b].size(); ++i) bufs[b][i] = static_cast<float>(b) + static_cast<float>(r);
    handles.push_back(comm().iallreduce_sum(bufs[b].data(), static_cast<int64_t>(bufs[b].size())));
  }
  for (size_t b = bufs.size(); b-- > 0;) handles[b].wait();  // any completion order
  for (size_t b = 0; b < bufs.size(); ++b)
    REQUIRE(bufs[b][17] == static_cast<float>(b) * w + static_cast<float>(w * (w - 1) / 2));
  dist::Handle done;  // a default handle is complete
  REQUIRE(done.test());
}

TEST_CASE("communicator: broadcast, allgather, reduce-scatter, allreduce max/min, barrier", "[dist]") {
  const int w = comm().size(), r = comm().rank();
  for (int root : {0, w - 1}) {
    std::vector<float> x(33, static_cast<float>(r));
    comm().broadcast(x.data(), 33, root);
    REQUIRE(x[0] == static_cast<float>(root));
    REQUIRE(x[32] == static_cast<float>(root));
    char bytes[6] = "abcde";
    if (r != root) std::strcpy(bytes, "zzzzz");
    comm().broadcast_bytes(bytes, 6, root);
    REQUIRE(std::string(bytes) == "abcde");
  }
  std::vector<float> mine = {static_cast<float>(r), static_cast<float>(10 * r)};
  std::vector<float> all(2 * static_cast<size_t>(w));
  comm().allgather(mine.data(), all.data(), 2);
  for (int k = 0; k < w; ++k) {
    REQUIRE(all[2 * k] == static_cast<float>(k));
    REQUIRE(all[2 * k + 1] == static_cast<float>(10 * k));
  }
  // reduce-scatter: rank k's slice of Σ over ranks of in, in[j] = j + rank.
  const int64_t n = 3;
  std::vector<float> in(static_cast<size_t>(n * w)), out(static_cast<size_t>(n));
  for (size_t j = 0; j < in.size(); ++j) in[j] = static_cast<float>(j) + static_cast<float>(r);
  comm().reduce_scatter_sum(in.data(), out.data(), n);
  for (int64_t j = 0; j < n; ++j)
    REQUIRE(out[j] == static_cast<float>((r * n + j) * w + w * (w - 1) / 2));
  double mm[2] = {static_cast<double>(r), static_cast<double>(r)};
  comm().allreduce(mm, 1, dist::Op::Max);
  comm().allreduce(mm + 1, 1, dist::Op::Min);
  REQUIRE(mm[0] == w - 1);
  REQUIRE(mm[1] == 0);
  comm().barrier();
}

TEST_CASE("communicator: shards tile a buffer; allgather_shards and gather_shards move them", "[dist]") {
  // shard_of: consecutive, covering, sizes differing by at most one (the longer ones first).
  for (int64_t total : {int64_t{0}, int64_t{3}, int64_t{10}, int64_t{1001}}) {
    for (int size : {1, 2, 3, 4, 7}) {
      int64_t at = 0;
      for (int r = 0; r < size; ++r) {
        const dist::Shard s = dist::shard_of(total, size, r);
        REQUIRE(s.begin == at);
        REQUIRE(s.end - s.begin == total / size + (r < total % size ? 1 : 0));
        at = s.end;
      }
      REQUIRE(at == total);
    }
  }
  const int w = comm().size(), r = comm().rank();
  for (int64_t total : {int64_t{3}, int64_t{1001}, int64_t{100003}}) {
    const dist::Shard mine = dist::shard_of(total, w, r);
    // allgather_shards: each rank fills its shard (the rest is garbage), then all hold everything.
    std::vector<float> x(static_cast<size_t>(total), -1.f - static_cast<float>(r));
    for (int64_t i = mine.begin; i < mine.end; ++i) x[static_cast<size_t>(i)] = value(0, i);
    comm().allgather_shards(x.data(), total);
    for (int64_t i = 0; i < total; ++i) REQUIRE(x[static_cast<size_t>(i)] == value(0, i));
    // gather_shards: each rank's shard held alone reaches the root, in place.
    const int root = w - 1;
    std::vector<float> part(static_cast<size_t>(mine.end - mine.begin)), all(static_cast<size_t>(total), 0.f);
    for (int64_t i = mine.begin; i < mine.end; ++i) part[static_cast<size_t>(i - mine.begin)] = value(1, i);
    comm().gather_shards(part.data(), all.data(), total, root);
    if (r == root)
      for (int64_t i = 0; i < total; ++i) REQUIRE(all[static_cast<size_t>(i)] == value(1, i));
    else
      REQUIRE(std::count(all.begin(), all.end(), 0.f) == total);  // not touched off the root
  }
}

TEST_CASE("gradient buckets: the sums over ranks, started while backward runs", "[dist]") {
  const int w = comm().size(), r = comm().rank();
  // Reference: each rank's own gradient plus an addend (its earlier micro-batches), then a plain
  // allreduce of the whole buffer.
  Mlp ref;
  FlatParameters& rf = ref.flatten_parameters(is_no_decay_parameter);
  ref.zero_grad();
  ref.loss(r).backward();
  std::vector<float> expect = rf.grads.to_vector();
  std::vector<float> addend(expect.size());
  for (size_t i = 0; i < addend.size(); ++i) addend[i] = 0.25f * static_cast<float>(r + 1) + 1e-3f * static_cast<float>(i);
  for (size_t i = 0; i < expect.size(); ++i) expect[i] = addend[i] + expect[i];
  comm().allreduce_sum(expect.data(), static_cast<int64_t>(expect.size()));
  // With up to 2 ranks a sum has one order: bit-identical; with more, MPI's order may depend on
  // the message size (bucket against whole buffer): within rounding.
  const auto matches = [&](const std::vector<float>& got) {
    if (w <= 2) return std::memcmp(got.data(), expect.data(), got.size() * sizeof(float)) == 0;
    for (size_t i = 0; i < got.size(); ++i)
      if (std::abs(got[i] - expect[i]) > 1e-6f * std::max(1.f, std::abs(expect[i]))) return false;
    return true;
  };

  for (int64_t bucket : {int64_t{1}, int64_t{40}, int64_t{1} << 20}) {
    Mlp m;
    FlatParameters& f = m.flatten_parameters(is_no_decay_parameter);
    dist::GradBuckets buckets(m.named_parameters(), f, comm(), bucket);
    if (bucket == 1) REQUIRE(buckets.num_buckets() == 6);  // one per parameter
    if (bucket == int64_t{1} << 20) REQUIRE(buckets.num_buckets() == 1);
    // Two steps: the first starts every bucket at finish() and agrees on the order; the second
    // starts each bucket inside backward, as soon as it is complete.
    for (int step = 0; step < 2; ++step) {
      m.zero_grad();
      buckets.begin(addend.data());
      m.loss(r).backward();
      buckets.finish();
      REQUIRE(buckets.started_during_backward() == (step == 0 ? 0 : buckets.num_buckets()));
      const std::vector<float> got = f.grads.to_vector();
      REQUIRE(matches(got));
      require_same_on_every_rank(got);
    }
  }
  // Parameters the graph does not reach are still reduced (by finish()).
  Mlp m;
  FlatParameters& f = m.flatten_parameters(is_no_decay_parameter);
  dist::GradBuckets buckets(m.named_parameters(), f, comm(), 1);
  for (int step = 0; step < 2; ++step) {
    for (int64_t i = 0; i < f.grads.numel(); ++i) f.grads.data()[i] = static_cast<float>(r + 1);
    buckets.begin(nullptr);
    buckets.finish();
    REQUIRE(buckets.started_during_backward() == 0);
    REQUIRE(f.grads.data()[0] == static_cast<float>(w * (w + 1) / 2));
    REQUIRE(f.grads.data()[f.grads.numel() - 1] == static_cast<float>(w * (w + 1) / 2));
  }
}

TEST_CASE("communicator: a rank that never arrives times out", "[.hang]") {
  // Run under mpirun with NNBERT_DIST_TIMEOUT small: rank 1 does not join the barrier.
  if (comm().rank() == 1) std::this_thread::sleep_for(std::chrono::seconds(60));
  else comm().barrier();
}
