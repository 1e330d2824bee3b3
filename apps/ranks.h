// ranks.h — how a training app takes part in a data-parallel run (mpirun -np N build/apps/pretrain …):
// rank 0 speaks, the other ranks stay silent, and each rank takes its share of the node's cores.
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/threads.h"
#include "nn/dist/communicator.h"

namespace cli {

// Joins the run's ranks (nn::dist::world()). Ranks other than 0 send stdout and stderr to
// /dev/null (their errors still reach the terminal through a saved stderr). Unless --threads was
// given, each rank runs on its share of the cores: all of them / the ranks on this node.
inline nn::dist::Communicator& join_ranks(bool threads_given) {
  nn::dist::Communicator& comm = nn::dist::world();
  if (comm.size() == 1) return comm;
  if (!threads_given && !std::getenv("NNBERT_THREADS")) {
    const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    const int per_node = local ? std::max(1, std::atoi(local)) : comm.size();
    nn::set_num_threads(std::max(1, nn::num_threads() / per_node));
  }
  if (!comm.is_root()) {
    nn::dist::set_error_fd(dup(2));
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      std::fflush(stdout);
      std::fflush(stderr);
      dup2(null, 1);
      dup2(null, 2);
      close(null);
    }
  }
  return comm;
}

}  // namespace cli
