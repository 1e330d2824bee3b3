// mpi_communicator.cc — the MPI backend of nn::dist::Communicator (built only with -Dmpi on).
//
// Every collective is started non-blocking (MPI-3 MPI_I*) and completed by polling MPI_Test
// against a deadline, so a rank that died or hangs ends the job with a message naming the
// collective instead of a hang. Only the thread that initialised MPI calls it (MPI_THREAD_FUNNELED:
// OpenMP threads compute, the main thread communicates).
// The C API only: Open MPI's (and MPICH's) deprecated C++ bindings would need libmpi_cxx.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <thread>
#include <vector>

#include "core/error.h"
#include "nn/dist/communicator.h"

namespace nn::dist {
namespace {

using Clock = std::chrono::steady_clock;

int count_of(int64_t n, const char* what) {
  NN_CHECK(n >= 0 && n <= INT_MAX, "mpi ", what, ": ", n, " elements do not fit one MPI count");
  return static_cast<int>(n);
}

[[noreturn]] void abort_job(const std::string& message, int code) {
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fflush(stdout);
  dprintf(error_fd(), "error: rank %d: %s\n", rank, message.c_str());
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

// Polls `req` until it completes; past timeout() aborts every rank naming the collective. Spins
// (yielding the core) for the first millisecond, then sleeps 50 µs between tests so a waiting
// rank leaves the core to the compute threads.
void wait_request(MPI_Request& req, const char* what, int64_t n, double limit_s = timeout()) {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limit_s));
  for (int polls = 0;; ++polls) {
    int done = 0;
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (done) return;
    const auto now = Clock::now();
    if (now > deadline)
      abort_job(std::string(what) + " of " + std::to_string(n) + " elements did not complete within " +
                    std::to_string(limit_s) + " s (another rank died or hangs; NNBERT_DIST_TIMEOUT sets the limit); "
                    "aborting every rank",
                3);
    if (now - start < std::chrono::milliseconds(1)) std::this_thread::yield();
    else std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

// One MPI request in flight.
class MpiPending final : public Pending {
 public:
  MpiPending(MPI_Request req, const char* what, int64_t n) : req_(req), what_(what), n_(n) {}
  bool test() override {
    if (req_ == MPI_REQUEST_NULL) return true;
    int done = 0;
    MPI_Test(&req_, &done, MPI_STATUS_IGNORE);
    return done != 0;
  }
  void wait() override {
    if (req_ != MPI_REQUEST_NULL) wait_request(req_, what_, n_);
  }

 private:
  MPI_Request req_;
  const char* what_;
  int64_t n_;
};

class Mpi final : public Communicator {
 public:
  Mpi() {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) {
      int provided = 0;
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
      NN_CHECK(provided >= MPI_THREAD_FUNNELED, "mpi: the library does not provide MPI_THREAD_FUNNELED");
      owns_init_ = true;
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~Mpi() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return;
    MPI_Comm_free(&comm_);
    if (owns_init_) MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }

  Handle iallreduce_sum(float* data, int64_t n) override {
    MPI_Request req;
    MPI_Iallreduce(MPI_IN_PLACE, data, count_of(n, "allreduce"), MPI_FLOAT, MPI_SUM, comm_, &req);
    return Handle(std::make_unique<MpiPending>(req, "allreduce", n));
  }
  void allreduce(double* data, int64_t n, Op op) override {
    const MPI_Op mop = op == Op::Sum ? MPI_SUM : op == Op::Max ? MPI_MAX : MPI_MIN;
    MPI_Request req;
    MPI_Iallreduce(MPI_IN_PLACE, data, count_of(n, "allreduce"), MPI_DOUBLE, mop, comm_, &req);
    wait_request(req, "allreduce (fp64)", n);
  }
  void broadcast(float* data, int64_t n, int root) override {
    check_root(root);
    MPI_Request req;
    MPI_Ibcast(data, count_of(n, "broadcast"), MPI_FLOAT, root, comm_, &req);
    wait_request(req, "broadcast", n);
  }
  void broadcast_bytes(void* data, int64_t n, int root) override {
    check_root(root);
    MPI_Request req;
    MPI_Ibcast(data, count_of(n, "broadcast"), MPI_BYTE, root, comm_, &req);
    wait_request(req, "broadcast", n);
  }
  void allgather(const float* in, float* out, int64_t n) override {
    MPI_Request req;
    MPI_Iallgather(in, count_of(n, "allgather"), MPI_FLOAT, out, count_of(n, "allgather"), MPI_FLOAT, comm_, &req);
    wait_request(req, "allgather", n);
  }
  void allgather_shards(float* data, int64_t total) override {
    std::vector<int> counts, displs;
    shard_layout(total, counts, displs);
    MPI_Request req;
    MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, counts.data(), displs.data(), MPI_FLOAT, comm_, &req);
    wait_request(req, "allgather", total);
  }
  void gather_shards(const float* mine, float* all, int64_t total, int root) override {
    check_root(root);
    std::vector<int> counts, displs;
    shard_layout(total, counts, displs);
    const size_t me = static_cast<size_t>(rank_);
    MPI_Request req;
    if (rank_ == root) {  // the root's own shard goes in place first
      std::copy_n(mine, counts[me], all + displs[me]);
      MPI_Igatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, counts.data(), displs.data(), MPI_FLOAT, root, comm_, &req);
    } else {
      MPI_Igatherv(mine, counts[me], MPI_FLOAT, nullptr, nullptr, nullptr, MPI_FLOAT, root, comm_, &req);
    }
    wait_request(req, "gather", total);
  }
  void reduce_scatter_sum(const float* in, float* out, int64_t n) override {
    MPI_Request req;
    MPI_Ireduce_scatter_block(in, out, count_of(n, "reduce_scatter"), MPI_FLOAT, MPI_SUM, comm_, &req);
    wait_request(req, "reduce_scatter", n);
  }
  void barrier_within(double seconds) override {
    MPI_Request req;
    MPI_Ibarrier(comm_, &req);
    wait_request(req, "barrier", 0, seconds);
  }
  void progress() override {
    // A test on any request drives Open MPI's progress engine (libnbc schedules advance there).
    int flag = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &flag, MPI_STATUS_IGNORE);
  }
  [[noreturn]] void abort(const std::string& message, int code) override { abort_job(message, code); }

 private:
  // Counts and offsets of every rank's shard_of(total, size_, r), as MPI's *v collectives take them.
  void shard_layout(int64_t total, std::vector<int>& counts, std::vector<int>& displs) const {
    counts.resize(static_cast<size_t>(size_));
    displs.resize(static_cast<size_t>(size_));
    for (int r = 0; r < size_; ++r) {
      const Shard s = shard_of(total, size_, r);
      counts[static_cast<size_t>(r)] = count_of(s.end - s.begin, "shard");
      displs[static_cast<size_t>(r)] = count_of(s.begin, "shard");
    }
  }
  void check_root(int root) const {
    NN_CHECK(root >= 0 && root < size_, "collective: root ", root, " but the run has ", size_, " ranks");
  }
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  bool owns_init_ = false;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_world() { return std::make_unique<Mpi>(); }

}  // namespace nn::dist
