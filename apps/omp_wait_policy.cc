// omp_wait_policy.cc — how long the command-line programs' OpenMP threads spin before they sleep:
// GOMP_SPINCOUNT=10000 (about 0.1 ms) unless the user's environment sets OMP_WAIT_POLICY or
// GOMP_SPINCOUNT.
//
// Why: libgomp's default spins ~300k iterations (a few ms) before sleeping, so a thread waiting at
// a barrier keeps its core busy; when another program runs beside a 2-thread run, the spinning
// thread competes with that program for the core our other thread needs. Measured on BERT-base
// training with one core kept busy (bench/load/under_load.sh, docs/PERFORMANCE.md "Under load").
//
// How: libgomp reads its environment once, while the program is loaded, before any code of ours
// runs (a setenv from an executable's .preinit_array is lost too: libc installs the original
// environment after it). So this constructor, when the environment chooses nothing, sets the
// variable and executes the program again, with the same arguments, before main() starts; the
// second start finds the variable set and goes on. (Library users set GOMP_SPINCOUNT themselves.)
#include <unistd.h>

#include <cstdlib>

namespace {

__attribute__((constructor)) void default_to_short_spin(int, char** argv, char**) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  // The program's own path (not /proc/self/exe, which would rename the process "exe" in ps).
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0 || setenv("GOMP_SPINCOUNT", "10000", 0) != 0) return;
  path[n] = '\0';
  execv(path, argv);  // returns only if it failed: then libgomp's default stays
}

}  // namespace
