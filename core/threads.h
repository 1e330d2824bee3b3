// threads.h — the one thread knob: sets OpenMP and OpenBLAS together.
//
// At load time the count comes from NNBERT_THREADS if set, else all cores. GEMM is never called
// from inside an OpenMP parallel region, so BLAS and our kernels share the same threads in turn.
#pragma once

namespace nn {

// Uses n threads (n >= 1) for OpenMP kernels and OpenBLAS GEMM. Throws nn::Error for n < 1.
void set_num_threads(int n);
// The current thread count.
int num_threads();

}  // namespace nn
