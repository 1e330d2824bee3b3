// communicator.cc — the single-process backend, the choice of world(), handles and the timeout.
#include "nn/dist/communicator.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "core/error.h"

namespace nn::dist {

#ifdef NNBERT_HAVE_MPI
// nn/dist/mpi_communicator.cc: MPI_Init_thread and the world communicator.
std::unique_ptr<Communicator> make_mpi_world();
#endif

namespace {

double g_timeout_s = [] {
  const char* env = std::getenv("NNBERT_DIST_TIMEOUT");
  const double v = env ? std::atof(env) : 0.0;
  return v > 0 ? v : 600.0;
}();

// Rank 0 of 1: every collective leaves the data as it is (a sum or average over one rank).
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string backend() const override { return "single"; }
  Handle iallreduce_sum(float*, int64_t) override { return Handle(); }
  void allreduce(double*, int64_t, Op) override {}
  void broadcast(float*, int64_t, int root) override { check_root(root); }
  void broadcast_bytes(void*, int64_t, int root) override { check_root(root); }
  void allgather(const float* in, float* out, int64_t n) override {
    if (n > 0 && in != out) std::memmove(out, in, static_cast<size_t>(n) * sizeof(float));
  }
  void reduce_scatter_sum(const float* in, float* out, int64_t n) override { allgather(in, out, n); }
  void allgather_shards(float*, int64_t) override {}  // the one shard is the whole buffer
  void gather_shards(const float* mine, float* all, int64_t total, int root) override {
    check_root(root);
    if (total > 0 && mine != all) std::memmove(all, mine, static_cast<size_t>(total) * sizeof(float));
  }
  void barrier_within(double) override {}
  [[noreturn]] void abort(const std::string& message, int code) override {
    std::fflush(stdout);
    dprintf(error_fd(), "error: %s\n", message.c_str());
    std::_Exit(code);
  }

 private:
  static void check_root(int root) { NN_CHECK(root == 0, "collective: root ", root, " but the run has 1 rank"); }
};

}  // namespace

Shard shard_of(int64_t total, int size, int rank) {
  NN_CHECK(total >= 0 && size >= 1 && rank >= 0 && rank < size, "shard_of: rank ", rank, " of ", size,
           " ranks over ", total, " elements");
  const int64_t base = total / size, extra = total % size;
  const int64_t begin = rank * base + std::min<int64_t>(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (p_) p_->wait();
    p_ = std::move(other.p_);
  }
  return *this;
}

Handle::~Handle() {
  if (p_) p_->wait();
}

bool Handle::test() {
  if (!p_) return true;
  if (!p_->test()) return false;
  p_.reset();
  return true;
}

void Handle::wait() {
  if (!p_) return;
  p_->wait();
  p_.reset();
}

void Communicator::allreduce_avg(float* data, int64_t n) { iallreduce_avg(data, n).wait(); }

namespace {
// The sum in flight, then data · (1/size) once it completes.
class ScaleAfter final : public Pending {
 public:
  ScaleAfter(Handle sum, float* data, int64_t n, float scale) : sum_(std::move(sum)), data_(data), n_(n), scale_(scale) {}
  bool test() override {
    if (done_) return true;
    if (!sum_.test()) return false;
    finish();
    return true;
  }
  void wait() override {
    if (done_) return;
    sum_.wait();
    finish();
  }

 private:
  void finish() {
    for (int64_t i = 0; i < n_; ++i) data_[i] *= scale_;
    done_ = true;
  }
  Handle sum_;
  float* data_;
  int64_t n_;
  float scale_;
  bool done_ = false;
};
}  // namespace

Handle Communicator::iallreduce_avg(float* data, int64_t n) {
  Handle sum = iallreduce_sum(data, n);
  if (size() == 1) return sum;
  return Handle(std::make_unique<ScaleAfter>(std::move(sum), data, n, 1.f / static_cast<float>(size())));
}

std::unique_ptr<Communicator> make_single_process() { return std::make_unique<SingleProcess>(); }

bool mpi_built() {
#ifdef NNBERT_HAVE_MPI
  return true;
#else
  return false;
#endif
}

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

Communicator& world() {
  static std::unique_ptr<Communicator> w;
  static std::once_flag once;
  std::call_once(once, [] {
#ifdef NNBERT_HAVE_MPI
    if (launched_by_mpi()) w = make_mpi_world();
#endif
    if (!w) w = make_single_process();
  });
  return *w;
}

double timeout() { return g_timeout_s; }

namespace {
int g_error_fd = 2;
}  // namespace

void set_error_fd(int fd) { g_error_fd = fd; }
int error_fd() { return g_error_fd; }

void set_timeout(double seconds) {
  NN_CHECK(seconds > 0, "dist: the collective timeout must be positive, got ", seconds);
  g_timeout_s = seconds;
}

void abort_if_distributed(const std::string& message, int code) {
  if (!launched_by_mpi() || !mpi_built()) return;
  Communicator& w = world();
  if (w.size() > 1) w.abort(message, code);
}

}  // namespace nn::dist
