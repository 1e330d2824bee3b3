// enospc_shim.cc — a full disk on demand, for tests only (LD_PRELOAD; never linked into a product).
// Writes to files whose path contains $NNBERT_ENOSPC_MATCH share a budget of $NNBERT_ENOSPC_AFTER
// bytes (default 0): the write that crosses it is cut short at the budget and every later one fails
// with ENOSPC, as on a filesystem that has just filled up. fallocate/posix_fallocate into a matching
// file fail the same way once the budget is spent. Other files, and every write when
// NNBERT_ENOSPC_MATCH is unset, pass through untouched. Writes glibc's stdio makes internally
// (fwrite, ofstream) do not go through these symbols and are not limited.
// Both the plain and the *64 names are defined here, so the plain ones must not be renamed to the
// *64 ones (meson compiles with _FILE_OFFSET_BITS=64; off_t is 64-bit on x86-64 either way).
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

std::atomic<long long> g_written{0};  // bytes written to matching files so far

// The next definition of `name` after this library (libc's, or a sanitizer's interceptor).
template <typename F>
F next_symbol(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

// True when fd is open on a file whose path contains $NNBERT_ENOSPC_MATCH.
bool limited(int fd) {
  const char* match = std::getenv("NNBERT_ENOSPC_MATCH");
  if (match == nullptr || *match == '\0' || fd < 0) return false;
  char link[64];
  char path[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = '\0';
  return std::strstr(path, match) != nullptr;
}

// The budget in bytes for matching files.
long long budget() {
  const char* after = std::getenv("NNBERT_ENOSPC_AFTER");
  return after ? std::atoll(after) : 0;
}

// How many of `n` bytes to let through to fd: n for an unlimited file, what is left of the budget
// (possibly 0) for a matching one; takes them from the budget.
size_t allowance(int fd, size_t n) {
  if (n == 0 || !limited(fd)) return n;
  const long long total = budget();
  long long before = g_written.load();
  long long take = 0;
  do {
    take = before >= total ? 0 : std::min<long long>(static_cast<long long>(n), total - before);
  } while (!g_written.compare_exchange_weak(before, before + take));
  return static_cast<size_t>(take);
}

}  // namespace

extern "C" {

// write(2), limited for matching files.
ssize_t write(int fd, const void* buf, size_t n) {
  static const auto real = next_symbol<ssize_t (*)(int, const void*, size_t)>("write");
  const size_t ok = allowance(fd, n);
  if (n > 0 && ok == 0) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, buf, ok);
}

// pwrite(2), limited for matching files.
ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  static const auto real = next_symbol<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  const size_t ok = allowance(fd, n);
  if (n > 0 && ok == 0) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, buf, ok, offset);
}

// pwrite64: the same as pwrite on 64-bit Linux.
ssize_t pwrite64(int fd, const void* buf, size_t n, off_t offset) { return pwrite(fd, buf, n, offset); }

// writev(2), limited for matching files: all or nothing (a partial budget fails it).
ssize_t writev(int fd, const struct iovec* iov, int count) {
  static const auto real = next_symbol<ssize_t (*)(int, const struct iovec*, int)>("writev");
  size_t n = 0;
  for (int i = 0; i < count; ++i) n += iov[i].iov_len;
  if (n > 0 && limited(fd) && allowance(fd, n) < n) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, iov, count);
}

// fallocate(2): fails with ENOSPC for a matching file once the budget is spent.
int fallocate(int fd, int mode, off_t offset, off_t len) {
  static const auto real = next_symbol<int (*)(int, int, off_t, off_t)>("fallocate");
  if (limited(fd) && g_written.load() >= budget()) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, mode, offset, len);
}

// fallocate64: the same as fallocate on 64-bit Linux.
int fallocate64(int fd, int mode, off_t offset, off_t len) { return fallocate(fd, mode, offset, len); }

// posix_fallocate(3): returns ENOSPC for a matching file once the budget is spent.
int posix_fallocate(int fd, off_t offset, off_t len) {
  static const auto real = next_symbol<int (*)(int, off_t, off_t)>("posix_fallocate");
  if (limited(fd) && g_written.load() >= budget()) return ENOSPC;
  return real(fd, offset, len);
}

// posix_fallocate64: the same as posix_fallocate on 64-bit Linux.
int posix_fallocate64(int fd, off_t offset, off_t len) { return posix_fallocate(fd, offset, len); }

}  // extern "C"
