// memory_info.h — how much memory the machine running us has (to refuse a model that cannot fit
// before allocating it).
#pragma once
#include <cstdint>
#include <string>

namespace nn {

// Physical memory in bytes: sysconf's physical pages × page size, lowered to the cgroup's limit
// (cgroup v2 memory.max, v1 memory.limit_in_bytes) when a smaller one is set; 0 when unknown.
int64_t physical_memory_bytes();

// A byte count for messages, in binary units: "512 B", "3.2 KiB", "23.5 GiB", "18.0 TiB".
std::string format_bytes(double bytes);

}  // namespace nn
