// memory_info.cc — physical memory from sysconf and the cgroup limit; byte counts for messages.
#include "core/memory_info.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace nn {
namespace {

// The number in a cgroup limit file, or 0 when absent, "max" or unreadable.
int64_t cgroup_limit(const char* path) {
  std::ifstream in(path);
  long long v = 0;
  if (!(in >> v) || v <= 0) return 0;
  return static_cast<int64_t>(v);
}

}  // namespace

int64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  int64_t bytes = pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page : 0;
  for (const char* limit : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const int64_t l = cgroup_limit(limit);
    if (l > 0 && (bytes == 0 || l < bytes)) bytes = l;
  }
  return bytes;
}

std::string format_bytes(double bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  size_t u = 0;
  while (bytes >= 1024 && u + 1 < std::size(units)) {
    bytes /= 1024;
    ++u;
  }
  char buf[64];
  if (u == 0) std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  else std::snprintf(buf, sizeof buf, "%.1f %s", bytes, units[u]);
  return buf;
}

}  // namespace nn
