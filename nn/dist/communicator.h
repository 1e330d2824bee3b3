// communicator.h — collective communication between the processes (ranks) of a data-parallel run:
// rank/size, allreduce (sum, average; blocking or non-blocking with a Handle), broadcast,
// allgather, reduce-scatter, barrier, on fp32 (and fp64 for statistics) buffers.
//
// Two backends behind one interface: a single process (rank 0 of 1; every collective is the
// identity, no MPI needed) and MPI (nn/dist/mpi_communicator.cc, built with -Dmpi=enabled|auto).
// world() picks MPI only when the build has it *and* the process was started by an MPI launcher
// (mpirun sets OMPI_COMM_WORLD_SIZE / PMI_SIZE / PMIX_RANK), so a plain run never touches MPI.
//
// Every wait has a deadline (timeout(), default 600 s, env NNBERT_DIST_TIMEOUT): a rank that died
// or hangs makes the others print which collective timed out and abort the whole job, never hang.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace nn::dist {

// A non-blocking collective in flight; what a backend returns for it.
struct Pending {
  virtual ~Pending() = default;
  // Progresses the operation; true once it is complete (its buffers may then be read).
  virtual bool test() = 0;
  // Blocks until complete, or aborts the job when the collective timeout passes.
  virtual void wait() = 0;
};

// The handle of a non-blocking collective: wait() before touching its buffers. A default Handle
// is complete. Destroying an incomplete handle waits for it.
class Handle {
 public:
  Handle() = default;
  // Takes ownership of an operation in flight.
  explicit Handle(std::unique_ptr<Pending> p) : p_(std::move(p)) {}
  Handle(Handle&&) noexcept = default;
  Handle& operator=(Handle&& other) noexcept;
  ~Handle();
  // Progresses the operation; true once complete.
  bool test();
  // Blocks until complete (or aborts on timeout).
  void wait();

 private:
  std::unique_ptr<Pending> p_;
};

enum class Op { Sum, Max, Min };

// A contiguous range [begin, end) of a buffer.
struct Shard {
  int64_t begin = 0, end = 0;
};
// Rank `rank`'s shard of `total` elements split across `size` ranks: consecutive ranges, the first
// total mod size of them one element longer (ZeRO-1's optimizer shards).
Shard shard_of(int64_t total, int size, int rank);

// Seconds a collective may wait before the job is aborted (NNBERT_DIST_TIMEOUT, default 600).
double timeout();

class Communicator {
 public:
  virtual ~Communicator() = default;
  // This process's index in [0, size()).
  virtual int rank() const = 0;
  // Number of processes in the run.
  virtual int size() const = 0;
  // True for rank 0, the one that prints, writes metrics and saves checkpoints.
  bool is_root() const { return rank() == 0; }
  // "mpi" or "single".
  virtual std::string backend() const = 0;

  // data[i] ← Σ over ranks of data[i], in place; every rank gets the same bits.
  void allreduce_sum(float* data, int64_t n) { iallreduce_sum(data, n).wait(); }
  // data[i] ← (Σ over ranks of data[i]) · (1/size), in place.
  void allreduce_avg(float* data, int64_t n);
  // Starts data ← Σ over ranks of data, in place; the buffer is untouchable until the handle waits.
  virtual Handle iallreduce_sum(float* data, int64_t n) = 0;
  // Starts the average: the sum, then a multiplication by 1/size when the handle's wait completes.
  Handle iallreduce_avg(float* data, int64_t n);
  // data[i] ← op over ranks of data[i] (fp64: losses, statistics, flags, clocks), blocking.
  virtual void allreduce(double* data, int64_t n, Op op) = 0;
  // Copies root's n floats to every rank.
  virtual void broadcast(float* data, int64_t n, int root) = 0;
  // Copies root's n bytes to every rank.
  virtual void broadcast_bytes(void* data, int64_t n, int root) = 0;
  // out[r·n .. (r+1)·n) ← rank r's in[0..n); out holds size()·n floats.
  virtual void allgather(const float* in, float* out, int64_t n) = 0;
  // In place: data holds `total` floats, of which each rank r has computed its
  // shard_of(total, size(), r); afterwards every rank holds every shard.
  virtual void allgather_shards(float* data, int64_t total) = 0;
  // Every rank's shard_of(total, size(), r), held alone in `mine`, into `all` (total floats) on
  // `root`; `all` is not touched elsewhere.
  virtual void gather_shards(const float* mine, float* all, int64_t total, int root) = 0;
  // out[0..n) ← Σ over ranks of their in[rank()·n .. (rank()+1)·n); in holds size()·n floats.
  virtual void reduce_scatter_sum(const float* in, float* out, int64_t n) = 0;
  // Returns once every rank has called it.
  void barrier() { barrier_within(timeout()); }
  // The same, waiting up to `seconds` (e.g. while rank 0 alone evaluates or saves).
  virtual void barrier_within(double seconds) = 0;
  // Lets non-blocking operations in flight advance (MPI progresses only inside MPI calls).
  virtual void progress() {}
  // Prints "error: rank R: message" and ends every rank of the run with `code` (never returns).
  [[noreturn]] virtual void abort(const std::string& message, int code) = 0;
};

// The communicator of this process: MPI when built with it and launched by an MPI launcher,
// else the single-process one. Created (and MPI initialised) on first use; finalised at exit.
Communicator& world();
// A single-process communicator (rank 0 of 1), e.g. for tests.
std::unique_ptr<Communicator> make_single_process();
// True when this build has the MPI backend.
bool mpi_built();
// True when an MPI launcher started this process (its environment says so).
bool launched_by_mpi();
// Sets the collective timeout in seconds (> 0).
void set_timeout(double seconds);
// Where abort() writes its message (default 2, stderr; a rank whose stderr is silenced passes a
// duplicate of the original descriptor so its errors still reach the terminal).
void set_error_fd(int fd);
// The descriptor abort() writes to.
int error_fd();
// When this process is one rank of several: prints the message and ends every rank (so a rank
// that fails does not leave the others waiting). Otherwise does nothing.
void abort_if_distributed(const std::string& message, int code);

}  // namespace nn::dist
