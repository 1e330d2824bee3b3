// kernels/parallel.h — how our kernels split a range of work items over OpenMP threads
// (internal to the kernel .cc files; not an installed header).
//
// The range [0, n) is cut into fixed chunks of `grain` items, so which items form a chunk never
// depends on the thread count; small ranges stay on the calling thread (no fork/join cost).
#pragma once
#include <algorithm>
#include <cstdint>

namespace nn::kernels {

// Calls fn(begin, end) for consecutive chunks of at most `grain` items covering [0, n):
// in parallel (each thread a contiguous run of chunks) when work >= min_work, else serially.
// `work` is the cost of the whole range in elements (equal to n unless an item is a whole row).
template <class Fn>
void parallel_chunks(int64_t n, int64_t grain, int64_t work, int64_t min_work, const Fn& fn) {
  if (n <= 0) return;
  const int64_t chunks = (n + grain - 1) / grain;
  if (chunks == 1 || work < min_work) {
    for (int64_t c = 0; c < chunks; ++c) fn(c * grain, std::min(n, (c + 1) * grain));
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) fn(c * grain, std::min(n, (c + 1) * grain));
}

// Below this many elements of work a kernel runs on one thread: a fork/join costs a few µs,
// about what two threads save on 32 K floats of streaming work.
constexpr int64_t kMinParallelWork = 1 << 15;

}  // namespace nn::kernels
