// storage.h — 64-byte aligned byte buffers from a caching allocator, so a training step that
// repeats the same tensor sizes reuses blocks instead of calling malloc in steady state.
#pragma once
#include <cstddef>
#include <cstdint>

namespace nn {

// An owned, 64-byte aligned buffer. Freed blocks go back to the allocator's cache.
class Storage {
 public:
  explicit Storage(size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

// Statistics of the caching allocator (bytes live in tensors, bytes cached, system allocations).
struct AllocatorStats {
  size_t live_bytes = 0;
  size_t cached_bytes = 0;
  size_t peak_live_bytes = 0;
  uint64_t system_allocs = 0;
};

// Current allocator statistics.
AllocatorStats allocator_stats();
// Returns every cached (unused) block to the system.
void release_cached_memory();

// Peak resident memory of this process in bytes: Linux's VmHWM, the high-water mark of this
// program's own address space (getrusage's ru_maxrss also counts the parent's pages when the
// process was forked from a large one, e.g. a Python benchmark); 0 where unknown.
size_t peak_resident_bytes();

}  // namespace nn
