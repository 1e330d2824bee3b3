// threads.h — the one thread knob: OpenMP threads for our kernels and for oneDNN's GEMM, which
// threads with the same OpenMP runtime (so the two never oversubscribe the cores).
//
// At load time the count comes from NNBERT_THREADS if set, else all cores.
#pragma once

namespace nn {

// Uses n threads (n >= 1) for OpenMP kernels and GEMM. Throws nn::Error for n < 1.
void set_num_threads(int n);
// The current thread count.
int num_threads();

}  // namespace nn
