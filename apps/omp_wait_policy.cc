// omp_wait_policy.cc — the OpenMP waiting policy of the command-line programs: passive (a thread
// that waits for work sleeps instead of spinning) unless the user's environment sets
// OMP_WAIT_POLICY or GOMP_SPINCOUNT.
//
// Why: with OpenMP's default (spin ~300k iterations before sleeping), a waiting thread keeps its
// core busy; when another program runs beside a 2-thread run, the spinning thread and that program
// fight for the core that our other thread needs, and training collapses far below its share of
// the machine. Passive waiting costs a few percent on a quiet machine and keeps a loaded one at
// about its share (measured: docs/PERFORMANCE.md, "Under load", bench/load/under_load.sh).
//
// How: libgomp reads these variables once, in its own initializer, which runs before any
// constructor of ours; but an executable's .preinit_array runs before every shared library's
// initializers, so the default is set there. (Library users set OMP_WAIT_POLICY themselves.)
#include <cstdlib>

namespace {

void default_to_passive_waiting(int, char**, char**) {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr)
    setenv("OMP_WAIT_POLICY", "passive", 0);
}

}  // namespace

// Called by the dynamic loader before the shared libraries (libgomp among them) initialise.
__attribute__((section(".preinit_array"), used)) void (*const nnbert_preinit_wait_policy)(int, char**, char**) =
    default_to_passive_waiting;
