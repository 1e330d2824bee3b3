// threads.cc — the thread knob and its NNBERT_THREADS start-up value.
#include "core/threads.h"

#include <omp.h>

#include <cstdlib>
#include <string>

#include "core/error.h"

namespace nn {
namespace {

int g_threads = 0;

// Reads NNBERT_THREADS once when the library loads; falls back to every core.
int initial_threads() {
  int n = omp_get_num_procs();
  if (const char* env = std::getenv("NNBERT_THREADS"); env && *env) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (*end == '\0' && v >= 1 && v <= 4096) n = static_cast<int>(v);
  }
  return n;
}

[[maybe_unused]] const bool g_initialised = [] {
  set_num_threads(initial_threads());
  return true;
}();

}  // namespace

void set_num_threads(int n) {
  NN_CHECK(n >= 1, "set_num_threads: thread count must be at least 1, got ", n);
  g_threads = n;
  omp_set_num_threads(n);  // our kernels, and oneDNN's GEMM (it threads with the same OpenMP)
}

int num_threads() { return g_threads; }

}  // namespace nn
